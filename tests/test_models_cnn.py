"""CNN models of L03 (reused by HW3): shapes, parameter counts, that they learn."""

import pytest
import torch
from torch import nn

from course_utils.models import cnn


def test_classic_parameter_counts_match_the_reference_architectures():
    with torch.device("meta"):
        vgg11, resnet18 = cnn.vgg(cnn.VGG11, n_classes=1000), cnn.resnet18(n_classes=1000)
    assert cnn.count_params(vgg11) == 132_863_336
    assert cnn.count_params(resnet18) == 11_689_512


@pytest.mark.parametrize(
    "build, size",
    [
        (lambda: cnn.small_cnn(3, 11), 32),
        (lambda: cnn.nin(3, 11, widths=(8, 8, 8)), 96),
        (lambda: cnn.googlenet(3, 11, scale=0.1), 64),
        (lambda: cnn.resnet18(3, 11, width=8), 32),
        (lambda: cnn.vgg(((1, 4), (1, 8)), 3, 11, fc=16, pooled=2), 32),
        (lambda: cnn.deep_net(8, residual=True, in_channels=3, n_classes=11), 16),
    ],
)
def test_models_map_images_to_logits(build, size):
    assert build()(torch.rand(2, 3, size, size)).shape == (2, 11)


def test_inception_concatenates_its_four_paths():
    block = cnn.Inception(16, 4, (8, 6), (2, 3), 5)
    assert block(torch.rand(1, 16, 9, 9)).shape == (1, 4 + 6 + 3 + 5, 9, 9)


def test_output_size_and_conv_params_formulas():
    assert cnn.conv_output_size(6, 3) == 4
    assert cnn.conv_output_size(7, 3, stride=2, padding=1) == 4
    assert cnn.conv_params(3, 64, 3) == cnn.count_params(nn.Conv2d(3, 64, 3)) == 1792


def test_layer_shapes_follows_the_data_through_the_net():
    rows = cnn.layer_shapes(cnn.small_cnn(1, 10, widths=(4, 8)), torch.rand(1, 1, 8, 8))
    assert [shape for _, shape, _ in rows] == [
        (1, 4, 4, 4),
        (1, 8, 2, 2),
        (1, 8, 1, 1),
        (1, 8),
        (1, 10),
    ]


def test_residual_block_is_identity_plus_f_and_plain_block_is_not():
    torch.manual_seed(0)
    res = cnn.BasicBlock(4, 4, residual=True, norm=False)
    for p in res.f.parameters():
        nn.init.zeros_(p)
    x = torch.rand(1, 4, 5, 5)
    assert torch.allclose(res(x), x)  # F = 0 → y = relu(x) = x for x ≥ 0
    plain = cnn.BasicBlock(4, 4, residual=False, norm=False)
    plain.load_state_dict(res.state_dict())
    assert torch.allclose(plain(x), torch.zeros_like(x))


def test_spatial_transformer_starts_at_identity_and_bilinear_has_gradient():
    x = torch.rand(2, 3, 8, 8)
    assert torch.allclose(cnn.SpatialTransformer(3, 8)(x), x, atol=1e-5)
    theta = torch.tensor([[[0.9, 0.1, 0.05], [-0.1, 0.9, 0.0]]], requires_grad=True)
    cnn.affine_warp(x[:1], theta, "bilinear").sum().backward()
    assert theta.grad.abs().sum() > 0


def test_augmenter_keeps_shape_and_changes_images():
    torch.manual_seed(0)
    x = torch.rand(4, 3, 32, 32)
    out = cnn.augmenter(degrees=30)(x)
    assert out.shape == x.shape and not torch.allclose(out, x)


def test_small_cnn_learns_a_tiny_task():
    torch.manual_seed(0)
    x = torch.rand(64, 1, 8, 8)
    y = (x[:, 0, :4].mean((1, 2)) > x[:, 0, 4:].mean((1, 2))).long()  # top half brighter?
    model = cnn.small_cnn(1, 2, widths=(8, 16))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(60):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    model.eval()
    assert (model(x).argmax(1) == y).float().mean() > 0.9


def test_deep_net_rejects_odd_depth():
    with pytest.raises(ValueError, match="even"):
        cnn.deep_net(7, residual=True)
