"""L03 demos: pure functions with behaviour the notebook relies on."""

import matplotlib.pyplot as plt
import numpy as np
import torch

import course_utils.demos.cnn as L03
from course_utils import profile
from course_utils.models import cnn


def test_diagonal_filter_on_the_6x6_grid_gives_a_4x4_map_peaking_on_the_diagonal():
    fmap = L03.conv2d(L03.GRID_6x6, L03.FILTERS["diagonal"])
    assert fmap.shape == (4, 4)
    assert fmap[0, 0] == fmap.max() == 3


def test_demo_convolution_reports_shape_and_accepts_a_custom_filter():
    fig, numbers = L03.demo_convolution(stride=2, padding=1)
    plt.close(fig)
    assert numbers["feature map side"] == numbers["formula ⌊(n+2p−k)/s⌋+1"] == 3
    fig, numbers = L03.demo_convolution(custom="0,0,0;0,2,0;0,0,0")
    plt.close(fig)
    assert numbers["max response"] == 2


def test_demo_parameters_counts_and_asks_the_notebook_for_the_receptive_field():
    stacks = []

    def receptive_field(layers):
        stacks.append(list(layers))
        return 7

    fig, numbers = L03.demo_parameters(receptive_field, kernel=3, channels=64, layer=3)
    assert numbers["conv params"] == 1792 and numbers["FC params"] == 30000 * 64 + 64
    assert numbers["receptive field"] == 7 and stacks == [[(3, 1)] * 3]
    assert fig.axes[1].get_title() == "Layer 3 neuron sees 7×7 of the input"


def test_pooling_halves_the_side_and_merges_go_stones():
    board = L03.go_board()
    assert L03.pool(board, "max").shape == (10, 10)
    assert np.isclose(L03.pool(np.ones((4, 4)), "mean"), 1).all()
    fig, numbers = L03.demo_pooling()
    assert numbers["stones"] == 40 and numbers["stones merged by max pool"] > 0
    assert not plt.fignum_exists(fig.number), "closed: shown only where a cell returns it"


def test_food11_synth_is_seeded_and_shaped():
    x1, y1 = L03.food11_synth(20, seed=3)
    x2, y2 = L03.food11_synth(20, seed=3)
    assert x1.shape == (20, 3, 32, 32) and torch.equal(x1, x2) and torch.equal(y1, y2)
    assert not torch.equal(x1, L03.food11_synth(20, seed=4)[0])


def test_transform_identity_and_rotation():
    x = torch.rand(2, 3, 16, 16)
    assert torch.allclose(L03.transform(x), x, atol=1e-5)
    assert not torch.allclose(L03.transform(x, angle=30), x, atol=1e-2)


def test_cnn_learns_food11_synth_and_demo_reports_accuracy():
    x, y = L03.food11_synth(600, seed=0, n_classes=3)
    model = cnn.small_cnn(3, 3, widths=(16, 32))
    L03.train_classifier(model, x, y, profile("cpu"), epochs=8, lr=1e-2, seed=0)
    fig, numbers = L03.demo_transform_accuracy({"CNN": model}, x, y)
    plt.close(fig)
    assert numbers["acc CNN"] > 0.8


def test_train_classifier_trains_on_the_best_device_and_returns_the_model_on_the_cpu(monkeypatch):
    """The gpu profile's wider CNNs and 56-layer nets train on the GPU; the notebook's test
    tensors stay on the CPU, so the trained model must come back there."""
    seen, calls = {}, []

    def fake_fit(model, loader, **kwargs):
        seen.update(kwargs, batch=next(iter(loader))[0].shape)
        calls.append("fit")
        return "history"

    monkeypatch.setattr(L03, "pick_device", lambda: torch.device("cuda"))
    monkeypatch.setattr(L03, "fit", fake_fit)
    model = cnn.small_cnn(3, 3, widths=(4, 8))
    model.cpu = lambda: calls.append("cpu")
    x, y = torch.rand(10, 3, 8, 8), torch.zeros(10, dtype=torch.long)
    assert L03.train_classifier(model, x, y, profile("cpu"), epochs=1) == "history"
    assert seen["device"] == torch.device("cuda") and seen["epochs"] == 1
    assert seen["batch"] == (10, 3, 8, 8)
    assert calls == ["fit", "cpu"]


def test_nearest_sampling_has_no_gradient_but_bilinear_does():
    grads = L03.spatial_transformer_grads()
    assert grads["nearest"] == 0 and grads["bilinear"] > 1


def test_inception_budget_reduction_saves_parameters():
    fig, numbers = L03.demo_inception_budget()
    plt.close(fig)
    assert numbers["out channels"] == 256
    assert numbers["block params"] < numbers["3×3 and 5×5 without 1×1 reduction"]


def test_vgg_parameters_are_mostly_fully_connected():
    with torch.device("meta"):
        kinds = L03.params_by_kind(cnn.vgg())
    assert kinds["linear"] / sum(kinds.values()) > 0.9


def test_plain_deep_net_gradients_vanish_residual_do_not():
    x, y, _, _ = L03.digits_images()
    norms = {}
    for residual in (False, True):
        torch.manual_seed(0)
        norms[residual] = L03.layer_grad_norms(cnn.deep_net(20, residual), x[:128], y[:128])
    assert norms[True][0] > 100 * norms[False][0]

