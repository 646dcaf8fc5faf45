"""Behavioural tests of the L06 plumbing (course_utils.demos.gan, the cGAN and DCGAN models,
MNIST-5k, the HW6 faces as arrays and the scripts that train the shipped checkpoints)."""

import csv
import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from course_datasets import hw06_anime_faces, l06_cgan, l06_dcgan
from PIL import Image
from scipy.spatial.distance import jensenshannon
from scipy.stats import wasserstein_distance
from torch import nn

from course_utils.data.hw06 import FACTORS_FILE, face_files
from course_utils.demos import gan as L06
from course_utils.models.gan import (
    FACE_FACTORS,
    ConditionalDiscriminator,
    ConditionalGenerator,
    DCGANDiscriminator,
    DCGANGenerator,
    DigitClassifier,
    FaceAttributeNet,
)
from course_utils.toy_data import anime_faces, mnist5k


def test_ring_samples_cover_every_mode_and_a_point_covers_one():
    real = L06.ring_sampler(seed=3)(2000)
    stats = L06.mode_stats(real)
    assert stats["modes covered"] == 8 and stats["high-quality share"] > 0.99
    collapsed = L06.ring_centers()[2].repeat(500, 1)
    assert L06.mode_stats(collapsed) == {"modes covered": 1, "high-quality share": 1.0}
    assert L06.mode_stats(torch.zeros(100, 2))["modes covered"] == 0
    assert torch.equal(L06.ring_sampler(seed=3)(5), L06.ring_sampler(seed=3)(5))


def test_split_character_has_two_branches_and_no_mean():
    x, y = L06.split_character_data(400, seed=0)
    assert x.shape == y.shape == (400, 1)
    assert (y.abs() >= 0.5).all() and 0.4 < float((y > 0).float().mean()) < 0.6
    fig = L06.plot_split_character(x, y, {"zero": (x, torch.zeros_like(y))})
    assert len(fig.axes[0].get_lines()) == 1


def test_uniform_histograms_are_disjoint_from_a_shift_of_one_width():
    for shift in (1.0, 2.5):
        x, p, q = L06.uniform_histograms(shift)
        assert float(p.sum()) == pytest.approx(1.0) and float(q.sum()) == pytest.approx(1.0)
        assert float((p * q).sum()) < 1e-12
        assert jensenshannon(p.numpy(), q.numpy()) ** 2 == pytest.approx(math.log(2))
        assert wasserstein_distance(x.numpy(), x.numpy(), p.numpy(), q.numpy()) == \
            pytest.approx(shift)


def test_js_w_demo_calls_the_given_functions():
    def js(p, q):
        return torch.tensor(jensenshannon(p.numpy(), q.numpy()) ** 2)

    def w1(x, p, q):
        return torch.tensor(wasserstein_distance(x.numpy(), x.numpy(), p.numpy(), q.numpy()))

    fig, numbers = L06.demo_js_w(js, w1, shift=2.0)
    plt.close(fig)
    assert numbers["JS"] == pytest.approx(math.log(2)) and numbers["W1"] == pytest.approx(2.0)
    fig, numbers = L06.demo_js_w(js, w1, shift=0.5)
    plt.close(fig)
    assert numbers["JS"] < math.log(2) and numbers["W1"] == pytest.approx(0.5)


def test_toy_gan_demo_trains_once_per_setting():
    calls = []

    def run(loss, lr_d, lr_g, d_steps):
        calls.append((loss, lr_d, lr_g, d_steps))
        G = nn.Linear(2, 2)
        with torch.no_grad():
            G.weight.zero_()
            G.bias.copy_(L06.ring_centers()[0])
        return G, nn.Linear(2, 1), {"D": [1.0, 0.5], "G": [0.7, 0.9]}

    for _ in range(2):
        fig, numbers = L06.demo_toy_gan(run, "minimax", 1e-3, 2e-3, 3)
        plt.close(fig)
    assert calls == [("minimax", 1e-3, 2e-3, 3)]
    assert numbers == {"modes covered": 1, "high-quality share": 1.0}
    assert {line.get_label() for line in fig.axes[1].get_lines()} == {"D loss", "G loss"}


def test_mnist5k_is_the_balanced_real_set():
    images, labels = mnist5k()
    assert images.shape == (5000, 1, 28, 28) and images.dtype == np.float32
    assert images.min() == 0.0 and images.max() == 1.0
    assert np.bincount(labels).tolist() == [500] * 10


def test_shipped_cgan_draws_the_digit_it_is_asked_for():
    state = L06.load_shipped()
    assert L06.SHIPPED_CGAN.stat().st_size < 1_000_000
    G, classifier = ConditionalGenerator().eval(), DigitClassifier().eval()
    G.load_state_dict(state["generator"])
    classifier.load_state_dict(state["classifier"])
    ConditionalDiscriminator().load_state_dict(state["discriminator"])
    labels = torch.arange(500) % 10
    with torch.no_grad():
        fake = G(torch.randn(500, 16, generator=torch.Generator().manual_seed(0)), labels)
        agree = float((classifier(fake).argmax(1) == labels).float().mean())
    assert fake.shape == (500, 1, 28, 28) and fake.abs().max() <= 1.0
    assert agree > 0.8


def test_missing_checkpoint_says_how_to_make_it(tmp_path):
    for script in ("l06_cgan", "l06_dcgan"):
        with pytest.raises(FileNotFoundError, match=f"python -m course_datasets.{script}"):
            L06.load_shipped(script, tmp_path)


def test_cgan_training_script_is_deterministic():
    x, y = l06_cgan.digits_in_range()
    runs = [l06_cgan.train_cgan(x[:256], y[:256], steps=3, batch=8)[0] for _ in range(2)]
    for a, b in zip(runs[0].state_dict().values(), runs[1].state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_cgan_demo_shows_samples_and_the_latent_path():
    torch.manual_seed(0)
    fig, numbers = L06.demo_cgan(ConditionalGenerator(), digit=7, t=0.25)
    plt.close(fig)
    assert numbers == {"digit": 7, "t": 0.25} and len(fig.axes) == 18
    assert fig.axes[17].get_title() == "t = 0.25"


def test_cycle_domains_and_plot():
    moons, circles = L06.two_moons(300), L06.two_circles(300)
    assert moons.shape == circles.shape == (300, 2)
    radius = circles.norm(dim=1)
    assert ((radius - 0.75).abs().lt(0.2) | (radius - 1.5).abs().lt(0.2)).all()
    fig = L06.plot_cycle(moons, {"identity": (nn.Identity(), nn.Identity())})
    assert len(fig.axes) == 1


def test_edge_shape_pairs_outline_the_filled_shape():
    edges, shapes = L06.edge_shape_pairs(64, size=32, seed=3)
    assert edges.shape == (64, 1, 32, 32) and shapes.shape == (64, 3, 32, 32)
    assert torch.equal(edges, L06.edge_shape_pairs(64, size=32, seed=3)[0])
    assert set(edges.unique().tolist()) == {-1.0, 1.0}
    inside = (shapes < 0.9).any(1)
    outline = edges[:, 0] > 0
    assert (outline & inside).sum() >= 0.8 * outline.sum()          # the outline lies on the shape
    assert (inside.flatten(1).sum(1) > outline.flatten(1).sum(1)).all()  # filled, not outlined
    hues = {tuple(s[:, inside[i]][:, 0].tolist()) for i, s in enumerate(shapes[:16])}
    assert len(hues) == 16                                           # one random hue per shape


def test_saturation_is_one_for_pure_colours_and_zero_for_greys():
    pure = torch.tensor([1.0, -1.0, -1.0]).view(1, 3, 1, 1).expand(2, 3, 4, 4)
    grey = torch.zeros(2, 3, 4, 4)
    mask = torch.ones(2, 4, 4, dtype=torch.bool)
    assert L06.saturation(pure, mask) == pytest.approx(1.0)
    assert L06.saturation(grey, mask) == pytest.approx(0.0)
    assert L06.saturation(torch.cat([pure[:1], grey[:1]]), mask) == pytest.approx(0.5)


def test_noising_demo_goes_from_data_to_noise():
    alpha_bar = torch.cumprod(1 - torch.linspace(1e-3, 0.2, 50), 0)
    _, start = L06.demo_noising(alpha_bar, t=0)
    _, end = L06.demo_noising(alpha_bar, t=49)
    assert start["std of x_t"] == pytest.approx(math.sqrt(2), abs=0.05)   # ring of radius 2
    assert end["std of x_t"] == pytest.approx(1.0, abs=0.1)
    fig = L06.plot_reverse([torch.zeros(10, 2)] * 3, [2, 1, 0])
    assert [ax.get_title() for ax in fig.axes] == ["t = 2", "t = 1", "t = 0"]


def test_anime_faces_are_the_hw6_generator_faces(tmp_path):
    hw06_anime_faces.generate(tmp_path, tmp_path, seed=2022, n_faces=6, size=32)
    images, factors = anime_faces(6, seed=2022)
    assert images.shape == (6, 3, 32, 32) and images.dtype == np.float32
    assert 0.0 <= images.min() and images.max() <= 1.0
    jpegs = np.stack([np.asarray(Image.open(f)) for f in face_files(tmp_path / "faces")])
    assert np.abs(images.transpose(0, 2, 3, 1) - jpegs / 255).mean() < 0.05   # JPEG's loss only
    with (tmp_path / FACTORS_FILE).open() as f:
        rows = list(csv.DictReader(f))
    names = [[values[i] for values, i in zip(hw06_anime_faces.FACTOR_VALUES.values(), row,
                                             strict=True)] for row in factors]
    assert names == [[row[name] for name in hw06_anime_faces.FACTOR_VALUES] for row in rows]
    assert FACE_FACTORS == {k: len(v) for k, v in hw06_anime_faces.FACTOR_VALUES.items()}


def test_dcgan_doubles_and_halves_the_side():
    torch.manual_seed(0)
    G, D, attributes = DCGANGenerator(), DCGANDiscriminator(), FaceAttributeNet()
    faces = G(torch.randn(5, 64))
    assert faces.shape == (5, 3, 32, 32) and faces.abs().max() <= 1.0
    assert D(faces).shape == (5,)
    assert [t.shape[1] for t in attributes.factor_logits(faces)] == list(FACE_FACTORS.values())


def test_shipped_dcgan_draws_faces_of_many_hair_colours():
    state = L06.load_shipped("l06_dcgan")
    assert (L06.SHIPPED_CGAN.parent / "l06_dcgan.pt").stat().st_size < 1_000_000
    G, attributes = DCGANGenerator().eval(), FaceAttributeNet().eval()
    G.load_state_dict(state["generator"])
    attributes.load_state_dict(state["attributes"])
    DCGANDiscriminator().load_state_dict(state["discriminator"])
    real, factors = l06_dcgan.faces_in_range(200, seed=5)
    with torch.no_grad():
        read = attributes.factor_logits(real)[0].argmax(1)
        fake = G(torch.randn(500, 64, generator=torch.Generator().manual_seed(0)))
        hair = attributes.factor_logits(fake)[0].argmax(1)
    assert float((read == factors[:, 0]).float().mean()) > 0.95
    assert int((torch.bincount(hair, minlength=8) >= 10).sum()) >= 6


def test_dcgan_training_script_is_deterministic():
    x, _ = l06_dcgan.faces_in_range(16, seed=3)
    runs = [l06_dcgan.train_dcgan(x, steps=2, batch=8)[0] for _ in range(2)]
    for a, b in zip(runs[0].state_dict().values(), runs[1].state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_face_rows_show_one_labelled_row_per_batch():
    faces = torch.zeros(4, 3, 32, 32)
    fig = L06.plot_face_rows({"real": faces, "generated": faces - 1}, n=4)
    assert len(fig.axes) == 8
    assert [fig.axes[i].get_ylabel() for i in (0, 4)] == ["real", "generated"]
