"""CNN building blocks and classic architectures at any size (introduced in L03, reused in HW3).

Plain ``nn.Module``s without torchvision: conv blocks, a small CNN, VGG, NiN, GoogLeNet
(Inception), ResNet (residual blocks, ResNet-18, plain-vs-residual deep nets), a spatial
transformer and kornia tensor augmentation. Build the big ones on ``device="meta"`` to count
parameters without memory.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

VGG11 = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))  # (convs, channels) per block


def conv_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Feature-map side ⌊(n + 2p − k)/s⌋ + 1 (introduced in L03)."""
    return (n + 2 * padding - kernel) // stride + 1


def conv_params(c_in: int, c_out: int, kernel: int, bias: bool = True) -> int:
    """Parameters of a k×k conv: c_out·(c_in·k² + 1) with bias (introduced in L03)."""
    return c_out * (c_in * kernel * kernel + int(bias))


def count_params(model: nn.Module) -> int:
    """Number of parameters (works on ``meta``-device models)."""
    return sum(p.numel() for p in model.parameters())


def layer_shapes(net: nn.Sequential, x: torch.Tensor) -> list[tuple[str, tuple[int, ...], int]]:
    """The d2l shape-printing loop: (layer name, output shape, parameters) per top-level layer."""
    rows = []
    for layer in net:
        x = layer(x)
        rows.append((layer.__class__.__name__, tuple(x.shape), count_params(layer)))
    return rows


def conv_block(
    c_in: int, c_out: int, kernel: int = 3, pool: bool = True, norm: bool = True
) -> nn.Sequential:
    """Conv (same padding) → BatchNorm → ReLU → optional 2×2 max pooling."""
    layers: list[nn.Module] = [nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=not norm)]
    if norm:
        layers.append(nn.BatchNorm2d(c_out))
    layers.append(nn.ReLU())
    if pool:
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


def small_cnn(in_channels: int, n_classes: int, widths: Sequence[int] = (16, 32)) -> nn.Sequential:
    """(Conv + Pool)×n → global average pooling → Flatten → Linear: a CPU-sized image classifier."""
    blocks, c = [], in_channels
    for w in widths:
        blocks.append(conv_block(c, w))
        c = w
    return nn.Sequential(*blocks, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, n_classes))


def mlp(in_features: int, n_classes: int, hidden: int) -> nn.Sequential:
    """Flatten → one hidden ReLU layer → logits: the fully-connected baseline of L03."""
    return nn.Sequential(
        nn.Flatten(), nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, n_classes)
    )


def vgg_block(num_convs: int, c_in: int, c_out: int) -> nn.Sequential:
    """VGG block: ``num_convs`` 3×3 convs with ReLU, then 2×2 max pooling (d2l 8.2)."""
    layers: list[nn.Module] = []
    for _ in range(num_convs):
        layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU()]
        c_in = c_out
    return nn.Sequential(*layers, nn.MaxPool2d(2))


def vgg(
    arch: Sequence[tuple[int, int]] = VGG11,
    in_channels: int = 3,
    n_classes: int = 1000,
    fc: int = 4096,
    pooled: int = 7,
    dropout: float = 0.5,
) -> nn.Sequential:
    """VGG: conv blocks → adaptive pool to ``pooled``² → two ``fc``-wide layers → classes."""
    blocks, c = [], in_channels
    for num_convs, c_out in arch:
        blocks.append(vgg_block(num_convs, c, c_out))
        c = c_out
    return nn.Sequential(
        *blocks,
        nn.AdaptiveAvgPool2d(pooled),
        nn.Flatten(),
        nn.Linear(c * pooled * pooled, fc),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(fc, fc),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(fc, n_classes),
    )


def nin_block(c_in: int, c_out: int, kernel: int, stride: int, padding: int) -> nn.Sequential:
    """NiN block: a conv followed by two 1×1 convs (a per-pixel MLP), ReLU after each."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel, stride, padding),
        nn.ReLU(),
        nn.Conv2d(c_out, c_out, 1),
        nn.ReLU(),
        nn.Conv2d(c_out, c_out, 1),
        nn.ReLU(),
    )


def nin(
    in_channels: int = 1, n_classes: int = 10, widths: Sequence[int] = (96, 256, 384)
) -> nn.Sequential:
    """NiN (d2l 8.3): NiN blocks, stride-2 max pooling, a #classes-channel last block, then GAP."""
    w1, w2, w3 = widths
    return nn.Sequential(
        nin_block(in_channels, w1, 11, 4, 0),
        nn.MaxPool2d(3, 2),
        nin_block(w1, w2, 5, 1, 2),
        nn.MaxPool2d(3, 2),
        nin_block(w2, w3, 3, 1, 1),
        nn.MaxPool2d(3, 2),
        nn.Dropout(0.5),
        nin_block(w3, n_classes, 3, 1, 1),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
    )


class Inception(nn.Module):
    """Inception block: four paths concatenated along channels (d2l 8.4).

    p1: 1×1; p2: 1×1 → 3×3; p3: 1×1 → 5×5 (the canonical path); p4: 3×3 max pool → 1×1.
    ``c2``/``c3`` are (reduce, out) channel pairs.
    """

    def __init__(self, c_in: int, c1: int, c2: tuple[int, int], c3: tuple[int, int], c4: int):
        super().__init__()
        self.p1 = nn.Conv2d(c_in, c1, 1)
        self.p2 = nn.Sequential(
            nn.Conv2d(c_in, c2[0], 1), nn.ReLU(), nn.Conv2d(c2[0], c2[1], 3, padding=1)
        )
        self.p3 = nn.Sequential(
            nn.Conv2d(c_in, c3[0], 1), nn.ReLU(), nn.Conv2d(c3[0], c3[1], 5, padding=2)
        )
        self.p4 = nn.Sequential(nn.MaxPool2d(3, 1, padding=1), nn.Conv2d(c_in, c4, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([F.relu(p(x)) for p in (self.p1, self.p2, self.p3, self.p4)], dim=1)


def googlenet(in_channels: int = 1, n_classes: int = 10, scale: float = 1.0) -> nn.Sequential:
    """GoogLeNet (d2l 8.4): 5 stages, 9 Inception blocks; ``scale`` shrinks every width."""

    def c(n: int) -> int:
        return max(1, round(n * scale))

    width = [c(192)]  # channels entering the next Inception block

    def inc(c1, c2, c3, c4):
        block = Inception(width[0], c(c1), (c(c2[0]), c(c2[1])), (c(c3[0]), c(c3[1])), c(c4))
        width[0] = c(c1) + c(c2[1]) + c(c3[1]) + c(c4)
        return block

    return nn.Sequential(
        nn.Sequential(nn.Conv2d(in_channels, c(64), 7, 2, 3), nn.ReLU(), nn.MaxPool2d(3, 2, 1)),
        nn.Sequential(
            nn.Conv2d(c(64), c(64), 1),
            nn.ReLU(),
            nn.Conv2d(c(64), c(192), 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(3, 2, 1),
        ),
        nn.Sequential(
            inc(64, (96, 128), (16, 32), 32),
            inc(128, (128, 192), (32, 96), 64),
            nn.MaxPool2d(3, 2, 1),
        ),
        nn.Sequential(
            inc(192, (96, 208), (16, 48), 64),
            inc(160, (112, 224), (24, 64), 64),
            inc(128, (128, 256), (24, 64), 64),
            inc(112, (144, 288), (32, 64), 64),
            inc(256, (160, 320), (32, 128), 128),
            nn.MaxPool2d(3, 2, 1),
        ),
        nn.Sequential(
            inc(256, (160, 320), (32, 128), 128),
            inc(384, (192, 384), (48, 128), 128),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        ),
        nn.Linear(width[0], n_classes),
    )


class BasicBlock(nn.Module):
    """ResNet basic block: y = F(x) + x, F = conv-BN-ReLU-conv-BN (1×1 shortcut if shapes change).

    ``residual=False`` drops the ``+ x`` (a plain block); ``norm=False`` drops BatchNorm.
    """

    def __init__(
        self, c_in: int, c_out: int, stride: int = 1, residual: bool = True, norm: bool = True
    ):
        super().__init__()

        def bn(c: int) -> nn.Module:
            return nn.BatchNorm2d(c) if norm else nn.Identity()

        self.residual = residual
        self.f = nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, stride, 1, bias=not norm),
            bn(c_out),
            nn.ReLU(),
            nn.Conv2d(c_out, c_out, 3, 1, 1, bias=not norm),
            bn(c_out),
        )
        self.shortcut: nn.Module = nn.Identity()
        if residual and (stride != 1 or c_in != c_out):
            self.shortcut = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride, bias=not norm), bn(c_out)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.f(x)
        return F.relu(y + self.shortcut(x) if self.residual else y)


def resnet18(in_channels: int = 3, n_classes: int = 1000, width: int = 64) -> nn.Sequential:
    """ResNet-18 (7×7 stem, 4 stages of 2 basic blocks, GAP, FC); ``width`` scales every stage."""
    stages, c = [], width
    for i, mult in enumerate((1, 2, 4, 8)):
        stride = 1 if i == 0 else 2
        stages.append(
            nn.Sequential(
                BasicBlock(c, width * mult, stride), BasicBlock(width * mult, width * mult)
            )
        )
        c = width * mult
    return nn.Sequential(
        nn.Sequential(
            nn.Conv2d(in_channels, width, 7, 2, 3, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.MaxPool2d(3, 2, 1),
        ),
        *stages,
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(c, n_classes),
    )


def deep_net(
    depth: int,
    residual: bool,
    in_channels: int = 1,
    n_classes: int = 10,
    width: int = 16,
    norm: bool = False,
) -> nn.Sequential:
    """A ``depth``-layer conv net (stem + (depth−2)/2 blocks + linear head), plain or residual.

    The L03 version of the L02a "56 vs 20 layers" experiment; ``depth`` must be even.
    """
    if depth < 4 or depth % 2:
        raise ValueError(f"depth must be an even number ≥ 4, got {depth}")
    blocks = [
        BasicBlock(width, width, residual=residual, norm=norm) for _ in range((depth - 2) // 2)
    ]
    return nn.Sequential(
        nn.Conv2d(in_channels, width, 3, padding=1),
        nn.ReLU(),
        *blocks,
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(width, n_classes),
    )


class SpatialTransformer(nn.Module):
    """Spatial transformer: a localization net predicts θ (2×3 affine), then ``grid_sample`` warps.

    θ starts at the identity, so an untrained transformer passes the image through unchanged.
    """

    def __init__(self, in_channels: int, size: int, hidden: int = 32, mode: str = "bilinear"):
        super().__init__()
        self.mode = mode
        self.loc = nn.Sequential(
            nn.Flatten(),
            nn.Linear(in_channels * size * size, hidden),
            nn.ReLU(),
            nn.Linear(hidden, 6),
        )
        nn.init.zeros_(self.loc[-1].weight)
        with torch.no_grad():
            self.loc[-1].bias.copy_(torch.tensor([1.0, 0, 0, 0, 1, 0]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        theta = self.loc(x).view(-1, 2, 3)
        return affine_warp(x, theta, self.mode)


def affine_warp(x: torch.Tensor, theta: torch.Tensor, mode: str = "bilinear") -> torch.Tensor:
    """Sample ``x`` (N, C, H, W) at the affine grid of θ (N, 2, 3); mode bilinear or nearest."""
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode=mode, padding_mode="zeros", align_corners=False)


def augmenter(
    degrees: float = 30.0, scale: tuple[float, float] = (0.7, 1.0), size: int = 32
) -> nn.Module:
    """kornia rotation + resized-crop augmentation of (N, C, H, W) batches (introduced in L03)."""
    import kornia.augmentation as K

    return K.AugmentationSequential(
        K.RandomRotation(degrees=degrees, p=1.0),
        K.RandomResizedCrop((size, size), scale=scale, ratio=(0.9, 1.1), p=1.0),
    )
