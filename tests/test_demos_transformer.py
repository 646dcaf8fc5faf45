"""Behavioural tests of the L05 demos (course_utils.demos.transformer)."""

import matplotlib.pyplot as plt
import pytest
import torch

from course_utils.demos import transformer as L05
from course_utils.models.transformer import DecoderLayer, EncoderLayer


def test_toy_tree_matches_the_lecture():
    fig, numbers = L05.demo_beam()
    plt.close(fig)
    assert numbers["greedy"] == "AAA" and numbers["P(greedy)"] == pytest.approx(0.15)
    assert numbers["beam"] == "BBB" and numbers["P(beam)"] == pytest.approx(0.324)
    fig, numbers = L05.demo_beam(beam_size=1)
    plt.close(fig)
    assert numbers["beam"] == "AAA"


def test_torch_layer_like_copies_the_weights_of_a_block():
    torch.manual_seed(0)
    x, memory = torch.randn(2, 5, 16), torch.randn(2, 7, 16)
    encoder, decoder = EncoderLayer(16, 4, 32).eval(), DecoderLayer(16, 4, 32).eval()
    future = torch.nn.Transformer.generate_square_subsequent_mask(5)
    with torch.no_grad():
        assert torch.allclose(L05.torch_layer_like(encoder)(x), encoder(x), atol=1e-5)
        assert torch.allclose(L05.torch_layer_like(decoder)(x, memory, tgt_mask=future),
                              decoder(x, memory), atol=1e-5)
        assert not torch.allclose(L05.torch_layer_like(decoder)(x, memory), decoder(x, memory),
                                  atol=1e-5)


def test_anatomy_shows_the_given_code_and_counts_visible_keys():
    def masked_block():
        return "the notebook's decoder block"

    code = dict.fromkeys(L05.SHAPES, masked_block)
    for step in (0, 3):
        fig, numbers = L05.demo_anatomy(code, step=step)
        assert numbers["keys visible at step t"] == step + 1
        assert "the notebook's decoder block" in fig.axes[0].texts[0].get_text()
    assert L05.component_shapes()["cross A"] == (2, 4, 5, 7)


def test_scheduled_sampling_narrows_the_exposure_bias_gap():
    fig, numbers = L05.demo_scheduled_sampling(0.5, steps=60, length=8)
    assert numbers["sampling p=0.50: gap"] < numbers["teacher forcing: gap"]


def test_reversal_model_learns():
    run = L05.train_reversal(100, length=6)
    assert L05.reversal_accuracy(run.model, n=100, length=6)["free-running sequence acc"] > 0.9


def test_attention_prior_enters_the_training_loss():
    seen = []

    def prior(attn):
        seen.append(tuple(attn.shape))
        return attn[:, :, 0].mean()

    plain, guided = L05.train_reversal(3, length=4), L05.train_reversal(3, length=4, prior=prior)
    assert seen == [(64, 5, 4)] * 3 and plain.losses[0] == guided.losses[0]
    assert plain.losses[1:] != guided.losses[1:]


def test_copy_head_handles_unseen_names():
    acc = L05.copy_accuracy(steps=100)
    assert acc["vocabulary-only"] == 0.0 and acc["copy head"] > 0.5


def test_beam_repeats_more_than_sampling():
    fig, numbers = L05.demo_sampling()
    plt.close(fig)
    assert numbers["distinct 3-grams, beam"] < numbers["distinct 3-grams, sample"]


def test_bleu_demo():
    fig, numbers = L05.demo_bleu("a b c d", "a b c d")
    plt.close(fig)
    assert numbers["BLEU"] == 1.0 and numbers["BP"] == 1.0
    fig, numbers = L05.demo_bleu()
    plt.close(fig)
    assert 0 < numbers["BLEU"] < numbers["BP"] < 1
