"""Figure and widget plumbing, data and exercise checkers of L03 (convolution, receptive field,
pooling, CNN vs MLP, spatial transformer, classic architectures).

Every ``demo_*`` function is pure: ``demo(**params) -> (figure, numbers)``; its defaults are
the notebook's default widget state. The convolution, pooling, receptive-field arithmetic and
residual block are written in the notebook; reusable models live in
:mod:`course_utils.models.cnn`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from sklearn.datasets import load_sample_image
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_utils.device import device as pick_device
from course_utils.exercises import attempt, expect, expect_close, expect_shape, report
from course_utils.models.cnn import affine_warp, conv_output_size, conv_params, count_params
from course_utils.runtime import Profile
from course_utils.toy_data import digits
from course_utils.training import History, accuracy, fit

Numbers = dict[str, object]

FILTERS = {
    "diagonal": [[1, -1, -1], [-1, 1, -1], [-1, -1, 1]],
    "vertical edge": [[1, 0, -1], [1, 0, -1], [1, 0, -1]],
    "horizontal edge": [[1, 1, 1], [0, 0, 0], [-1, -1, -1]],
    "blur": [[1 / 9] * 3] * 3,
}

# The 6×6 image of the lecture: a diagonal line and a few other pixels.
GRID_6x6 = np.array(
    [
        [1, 0, 0, 0, 0, 1],
        [0, 1, 0, 0, 1, 0],
        [0, 0, 1, 1, 0, 0],
        [1, 0, 0, 0, 1, 0],
        [0, 1, 0, 0, 1, 0],
        [0, 0, 1, 0, 1, 0],
    ],
    dtype=np.float32,
)


def photo(size: int = 64, gray: bool = True) -> np.ndarray:
    """scikit-learn's bundled ``china.jpg``, center-cropped and resized to size×size in [0, 1]."""
    img = torch.tensor(load_sample_image("china.jpg"), dtype=torch.float32).permute(2, 0, 1) / 255
    side = min(img.shape[1:])
    img = img[:, :side, (img.shape[2] - side) // 2 : (img.shape[2] + side) // 2]
    img = F.interpolate(img[None], size=(size, size), mode="area")[0]
    return (img.mean(0) if gray else img.permute(1, 2, 0)).numpy()


def conv2d(image: np.ndarray, kernel, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Cross-correlation of a 2-D image with a k×k filter, as ``nn.Conv2d`` computes it."""
    x = torch.as_tensor(np.asarray(image, np.float32))[None, None]
    w = torch.as_tensor(np.asarray(kernel, np.float32))[None, None]
    return F.conv2d(x, w, stride=stride, padding=padding)[0, 0].numpy()



def _subplots(*args, **kwargs):
    """``plt.subplots`` whose figure is closed at once: it shows only where a cell returns it."""
    fig, axes = plt.subplots(*args, **kwargs)
    plt.close(fig)
    return fig, axes


def _show(ax, img, title, cmap="gray", annotate=False):
    ax.imshow(img, cmap=cmap)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    if annotate:
        for (i, j), v in np.ndenumerate(img):
            ax.text(j, i, f"{v:.2g}", ha="center", va="center", fontsize=7, color="tab:red")


def demo_convolution(
    image: str = "6x6 grid",
    preset: str = "diagonal",
    custom: str = "",
    stride: int = 1,
    padding: int = 0,
) -> tuple[Figure, Numbers]:
    """Convolution explorer: input, 3×3 filter (preset or ``custom`` "a,b,c;d,e,f;g,h,i"), map."""
    kernel = np.array(FILTERS[preset], np.float32)
    if custom.strip():
        kernel = np.array(
            [[float(v) for v in row.split(",")] for row in custom.split(";")], np.float32
        )
    img = GRID_6x6 if image == "6x6 grid" else photo(48)
    fmap = conv2d(img, kernel, stride, padding)
    fig, axes = _subplots(1, 3, figsize=(9, 3.2))
    small = img.shape[0] <= 8
    _show(axes[0], img, f"input {img.shape[0]}×{img.shape[1]}", annotate=small)
    _show(
        axes[1],
        kernel,
        f"filter 3×3 ({preset if not custom.strip() else 'custom'})",
        "RdBu_r",
        True,
    )
    _show(
        axes[2],
        fmap,
        f"feature map {fmap.shape[0]}×{fmap.shape[1]} (stride {stride}, pad {padding})",
        "viridis",
        annotate=fmap.shape[0] <= 8,
    )
    fig.suptitle("Convolution: slide the filter, take dot products")
    fig.tight_layout()
    return fig, {
        "input side": img.shape[0],
        "feature map side": fmap.shape[0],
        "formula ⌊(n+2p−k)/s⌋+1": conv_output_size(img.shape[0], 3, stride, padding),
        "max response": float(fmap.max()),
    }



def demo_parameters(
    receptive_field: Callable[[Sequence[tuple[int, int]]], int],
    kernel: int = 3,
    channels: int = 64,
    layer: int = 2,
    row: int = 10,
    col: int = 10,
) -> tuple[Figure, Numbers]:
    """FC vs conv parameters on 100×100×3, and the receptive field of a layer-L neuron given by
    the notebook's ``receptive_field([(kernel, stride), ...])``."""
    fc = 100 * 100 * 3 * channels + channels
    conv = conv_params(3, channels, kernel)
    rf = receptive_field([(kernel, 1)] * layer)
    fig, (ax1, ax2) = _subplots(1, 2, figsize=(9, 3.6))
    ax1.bar(
        ["fully connected", f"conv {kernel}×{kernel}"], [fc, conv], color=["tab:red", "tab:blue"]
    )
    ax1.set_yscale("log")
    ax1.set(title=f"Parameters, 100×100×3 → {channels} neurons/channels", ylabel="parameters (log)")
    ax2.set(
        xlim=(-0.5, 20.5),
        ylim=(20.5, -0.5),
        title=f"Layer {layer} neuron sees {rf}×{rf} of the input",
        xlabel="input column",
        ylabel="input row",
    )
    ax2.add_patch(
        Rectangle(
            (col - rf / 2, row - rf / 2),
            rf,
            rf,
            color="tab:orange",
            alpha=0.5,
            label="receptive field",
        )
    )
    ax2.plot([col], [row], "ks", label="neuron's center")
    ax2.legend(loc="upper right")
    fig.tight_layout()
    return fig, {
        "FC params": fc,
        "conv params": conv,
        "ratio FC/conv": fc / conv,
        "receptive field": rf,
    }


def go_board(seed: int = 0, stones: int = 40) -> np.ndarray:
    """A synthetic 19×19 Go position: +1 black, −1 white, 0 empty."""
    rng = np.random.default_rng(seed)
    board = np.zeros(361, np.float32)
    idx = rng.choice(361, stones, replace=False)
    board[idx] = np.where(np.arange(stones) % 2 == 0, 1.0, -1.0)
    return board.reshape(19, 19)


def pool(x: np.ndarray, kind: str = "max", size: int = 2) -> np.ndarray:
    """2-D max or mean pooling (no parameters), with ceil mode so no border row is lost."""
    t = torch.as_tensor(np.asarray(x, np.float32))[None, None]
    if kind == "max":
        return F.max_pool2d(t, size, ceil_mode=True)[0, 0].numpy()
    return F.avg_pool2d(t, size, ceil_mode=True)[0, 0].numpy()


def demo_pooling(size: int = 2) -> tuple[Figure, Numbers]:
    """Max vs mean pooling on a photo (object survives) and a Go board (move positions do not)."""
    img, board = photo(64), go_board()
    fig, axes = _subplots(2, 3, figsize=(9, 6))
    for ax, a, t in zip(
        axes[0],
        (img, pool(img, "max", size), pool(img, "mean", size)),
        ("photo 64×64", f"max pool {size}×{size}", f"mean pool {size}×{size}"),
        strict=True,
    ):
        _show(ax, a, f"{t} → {a.shape[0]}×{a.shape[1]}")
    for ax, a, t in zip(
        axes[1],
        (board, pool(board, "max", size), pool(board, "mean", size)),
        ("Go board 19×19", "max pool", "mean pool"),
        strict=True,
    ):
        _show(ax, a, f"{t} → {a.shape[0]}×{a.shape[1]}", "RdBu_r")
    fig.suptitle("Pooling keeps the object but merges Go stones")
    fig.tight_layout()
    merged = int((np.abs(board) > 0).sum() - (np.abs(pool(np.abs(board), "max", size)) > 0).sum())
    return fig, {
        "stones": int((board != 0).sum()),
        "stones merged by max pool": merged,
        "pixels kept": pool(img, "max", size).size / img.size,
    }


# ---------------------------------------------------------------- Food-11-synth
def food11_synth(
    n: int, size: int = 32, n_classes: int = 11, seed: int = 0, motif_seed: int = 1234
) -> tuple[torch.Tensor, torch.Tensor]:
    """Food-11-synth: ``n`` RGB size×size images; each class is a fixed 5×5 colored motif, drawn
    2–3 times at random places on a noisy background (a translation-invariant pattern task)."""
    motifs_rng = np.random.default_rng(motif_seed)
    motifs = (motifs_rng.random((n_classes, 5, 5)) > 0.5).astype(np.float32)
    colors = motifs_rng.random((n_classes, 3)).astype(np.float32) * 0.6 + 0.4
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    x = rng.normal(0.3, 0.1, (n, 3, size, size)).astype(np.float32)
    for i, c in enumerate(y):
        for _ in range(rng.integers(2, 4)):
            r, q = rng.integers(0, size - 5, 2)
            x[i, :, r : r + 5, q : q + 5] += motifs[c] * colors[c][:, None, None]
    return torch.from_numpy(x.clip(0, 1.5)), torch.from_numpy(y).long()


def transform(x: torch.Tensor, angle: float = 0.0, scale: float = 1.0) -> torch.Tensor:
    """Rotate by ``angle`` degrees and zoom by ``scale`` (bilinear, zeros outside)."""
    a = np.deg2rad(angle)
    theta = (
        torch.tensor([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0]], dtype=torch.float32)
        / scale
    )
    return affine_warp(x, theta.expand(len(x), 2, 3).contiguous())


def train_classifier(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    P: Profile,
    epochs: int,
    lr: float = 3e-3,
    augment: nn.Module | None = None,
    seed: int = 0,
) -> History:
    """Adam + cross-entropy with ``fit`` on the best device (the GPU in the ``gpu`` profile);
    ``augment`` (kornia) transforms each training batch. The model comes back on the CPU, where
    the notebook's test tensors are."""
    torch.manual_seed(seed)
    loader = DataLoader(
        TensorDataset(x, y),
        batch_size=64,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    if augment is not None:
        loader = _AugmentedLoader(loader, augment)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = fit(
        model,
        loader,
        loss_fn=nn.CrossEntropyLoss(),
        optimizer=opt,
        epochs=epochs,
        device=pick_device(),
        profile=P,
        progress=True,
    )
    model.cpu()
    return history


class _AugmentedLoader:
    def __init__(self, loader, augment):
        self.loader, self.augment = loader, augment

    def __iter__(self):
        for x, y in self.loader:
            with torch.no_grad():
                x = self.augment(x)
            yield x, y

    def __len__(self):
        return len(self.loader)


def demo_transform_accuracy(
    models: Mapping[str, nn.Module],
    x: torch.Tensor,
    y: torch.Tensor,
    angle: float = 0.0,
    scale: float = 1.0,
) -> tuple[Figure, Numbers]:
    """Test accuracy of each model on images rotated by ``angle`` and zoomed by ``scale``."""
    xt = transform(x, angle, scale)
    accs = {name: accuracy(m, xt, y) for name, m in models.items()}
    fig, (ax1, ax2) = _subplots(1, 2, figsize=(9, 3.4), gridspec_kw={"width_ratios": [1, 2]})
    _show(
        ax1, xt[0].permute(1, 2, 0).clamp(0, 1).numpy(), f"test image, {angle:.0f}°, ×{scale:.2f}"
    )
    ax2.barh(
        list(accs), list(accs.values()), color=["tab:red", "tab:blue", "tab:green"][: len(accs)]
    )
    ax2.set(xlim=(0, 1), xlabel="test accuracy", title="Accuracy on transformed test images")
    ax2.axvline(1 / int(y.max() + 1), color="k", ls=":", label="chance")
    ax2.legend()
    fig.tight_layout()
    return fig, {f"acc {k}": v for k, v in accs.items()}


# ---------------------------------------------------------------- spatial transformer
def demo_spatial_transformer(
    a: float = 1.0,
    b: float = 0.0,
    c: float = 0.0,
    d: float = 0.0,
    e: float = 1.0,
    f: float = 0.0,
    mode: str = "bilinear",
) -> tuple[Figure, Numbers]:
    """Warp a photo with θ = [[a, b, c], [d, e, f]] and show ∂(output sum of the center)/∂θ."""
    img = torch.tensor(photo(48))[None, None]
    theta = torch.tensor([[[a, b, c], [d, e, f]]], requires_grad=True)
    out = affine_warp(img, theta, mode)
    out[..., 12:36, 12:36].sum().backward()
    grad = theta.grad[0]
    fig, axes = _subplots(1, 3, figsize=(9, 3.2))
    _show(axes[0], img[0, 0].numpy(), "input")
    _show(axes[1], out[0, 0].detach().numpy(), f"output ({mode})")
    _show(axes[2], grad.numpy(), "∂L/∂θ (2×3)", "RdBu_r", annotate=True)
    fig.suptitle("Spatial transformer: affine grid + sampling")
    fig.tight_layout()
    return fig, {"|∂L/∂θ|": grad.norm().item()}


def spatial_transformer_grads() -> dict[str, float]:
    """Gradient norm w.r.t. θ for a slightly rotated/zoomed θ with bilinear and nearest sampling."""
    theta = dict(a=0.9, b=0.1, c=0.05, d=-0.1, e=0.9, f=0.0)
    out = {}
    for mode in ("bilinear", "nearest"):
        fig, nums = demo_spatial_transformer(**theta, mode=mode)
        plt.close(fig)
        out[mode] = float(nums["|∂L/∂θ|"])
    return out


# ---------------------------------------------------------------- architecture zoo
def params_by_kind(model: nn.Module) -> dict[str, int]:
    """Parameters in conv layers, linear layers and the rest (BN)."""
    out = {"conv": 0, "linear": 0, "other": 0}
    for m in model.modules():
        own = sum(p.numel() for p in m.parameters(recurse=False))
        key = (
            "conv"
            if isinstance(m, nn.Conv2d)
            else "linear"
            if isinstance(m, nn.Linear)
            else "other"
        )
        out[key] += own
    return out


def demo_inception_budget(
    c1: int = 64, c2: int = 128, c3: int = 32, c4: int = 32, c_in: int = 192, reduce: float = 0.5
) -> tuple[Figure, Numbers]:
    """Channels and parameters per Inception path; ``reduce``: 1×1 bottleneck ratio (paths 2, 3)."""
    from course_utils.models.cnn import Inception

    r2, r3 = max(1, round(c_in * reduce)), max(1, round(c_in * reduce / 4))
    with torch.device("meta"):
        block = Inception(c_in, c1, (r2, c2), (r3, c3), c4)
        direct = conv_params(c_in, c2, 3) + conv_params(c_in, c3, 5)
    paths = {"1×1": block.p1, "1×1→3×3": block.p2, "1×1→5×5": block.p3, "pool→1×1": block.p4}
    params = {k: count_params(v) for k, v in paths.items()}
    fig, (ax1, ax2) = _subplots(1, 2, figsize=(9, 3.3))
    ax1.bar(list(paths), [c1, c2, c3, c4], color="tab:blue")
    ax1.set(title=f"Output channels (total {c1 + c2 + c3 + c4})", ylabel="channels", xlabel="path")
    ax2.bar(list(paths), list(params.values()), color="tab:orange")
    ax2.set(title="Parameters per path", ylabel="parameters", xlabel="path")
    for ax in (ax1, ax2):
        ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    return fig, {
        "out channels": c1 + c2 + c3 + c4,
        "block params": count_params(block),
        "3×3 and 5×5 without 1×1 reduction": direct,
    }



def digits_images(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """scikit-learn digits as (N, 1, 8, 8) tensors in [0, 1], split 80/20 with a fixed seed."""
    X, y = digits(images=True)
    x, y = torch.tensor(X, dtype=torch.float32), torch.tensor(y).long()
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    cut = int(0.8 * len(x))
    return x[perm[:cut]], y[perm[:cut]], x[perm[cut:]], y[perm[cut:]]


def layer_grad_norms(model: nn.Sequential, x: torch.Tensor, y: torch.Tensor) -> list[float]:
    """‖∂L/∂W‖ of every conv layer, input to output, for one cross-entropy batch."""
    model.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    return [
        m.weight.grad.norm().item()
        for m in model.modules()
        if isinstance(m, nn.Conv2d) and m.kernel_size != (1, 1)
    ]


def plot_plain_vs_residual(
    histories: Mapping[str, History], grads: Mapping[str, list[float]]
) -> Figure:
    """Training loss per epoch and per-layer gradient norms of plain vs residual deep nets."""
    fig, (ax1, ax2) = _subplots(1, 2, figsize=(10, 3.6))
    for name, h in histories.items():
        ax1.plot(range(1, h.epochs + 1), h.train_loss, marker="o", label=name)
        ax2.semilogy(range(1, len(grads[name]) + 1), grads[name], marker=".", label=name)
    ax1.set(title="Training loss on digits", xlabel="epoch", ylabel="cross-entropy")
    ax2.set(
        title="Gradient norm per conv layer (at init)",
        xlabel="layer (input → output)",
        ylabel="‖∂L/∂W‖ (log)",
    )
    ax1.legend()
    ax2.legend()
    fig.tight_layout()
    return fig


def plot_filter_directions() -> Figure:
    """Sketch: in speech a filter slides along frequency; in text it slides along time."""
    rng = np.random.default_rng(0)
    fig, (ax1, ax2) = _subplots(1, 2, figsize=(9, 3.2))
    ax1.imshow(rng.random((20, 40)) ** 3, aspect="auto", origin="lower", cmap="magma")
    ax1.add_patch(Rectangle((10, 2), 40 - 20, 4, fill=False, ec="cyan", lw=2, label="filter"))
    ax1.annotate("", (16, 16), (16, 5), arrowprops=dict(arrowstyle="->", color="cyan", lw=2))
    ax1.set(title="Speech: filter moves along frequency", xlabel="time", ylabel="frequency")
    ax2.imshow(rng.normal(size=(8, 12)), aspect="auto", cmap="RdBu_r")
    ax2.add_patch(Rectangle((-0.5, -0.5), 3, 8, fill=False, ec="k", lw=2, label="filter"))
    ax2.annotate("", (8, 3.5), (2.5, 3.5), arrowprops=dict(arrowstyle="->", color="k", lw=2))
    ax2.set(
        title="Text: filter moves along time (words)",
        xlabel="word position",
        ylabel="embedding dim",
    )
    for ax in (ax1, ax2):
        ax.legend(loc="upper right")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- exercise checkers
def check_locally_connected_params(fn: Callable[[int, int, int, int], int]) -> str:
    """Exercise: parameters of a layer with receptive fields but no sharing (stride 1, no pad)."""

    def body():
        got = attempt(fn, 6, 1, 1, 3)
        shared = conv_params(1, 1, 3)
        expect(got != shared, f"locally_connected_params(6, 1, 1, 3) = {got}, the count of a "
               "conv layer: without sharing, every output position has its own filters.")
        expect(got != 36 * shared, "for n = 6, k = 3 there are not 6×6 output positions: use "
               "the feature-map side n − k + 1.")
        expect(got != 16 * 9, "locally_connected_params(6, 1, 1, 3) = 144 counts the weights "
               "only: every filter also has a bias.")
        expect(got == 160, f"locally_connected_params(6, 1, 1, 3) = {got}, expected 160 "
               "(4×4 positions, each with one 3×3 filter and a bias).")
        got = attempt(fn, 100, 3, 64, 3)
        expect(got == 98 * 98 * conv_params(3, 64, 3), f"locally_connected_params(100, 3, 64, 3) "
               f"= {got}: count c_out filters of c_in·k² weights + 1 bias at each output position.")

    return report("Locally connected layer (no parameter sharing)", body,
                  "Sharing divides this by the number of output positions.")


def check_avg_pool2d(fn: Callable[[torch.Tensor, int, int], torch.Tensor]) -> str:
    """Exercise: mean pooling of (N, C, H, W) with kernel ``k`` and stride ``s``."""

    def body():
        x = torch.randn(2, 3, 9, 9, generator=torch.Generator().manual_seed(0))
        for k, s in ((2, 2), (3, 2)):
            out = attempt(fn, x, k, s)
            expected = F.avg_pool2d(x, k, s)
            expect_shape(out, expected.shape, f"avg_pool2d(x of shape (2, 3, 9, 9), k={k}, s={s})")
            expect(not torch.allclose(out, F.max_pool2d(x, k, s)), "you took the maximum of each "
                   "window: mean pooling averages it.")
            expect_close(out, expected, f"avg_pool2d(x, k={k}, s={s})", hint="average each k×k "
                         "window separately for every channel; windows start every s pixels.")

    return report("Mean pooling", body, "It has no parameters, like max pooling.")


def check_feature_map_side(fn: Callable[[int, Sequence[tuple[int, int, int]]], int]) -> str:
    """Exercise: the output side after a stack of (kernel, stride, padding) layers."""
    cases = [
        (6, [(3, 1, 0)]),
        (32, [(3, 1, 1), (2, 2, 0), (3, 1, 1), (2, 2, 0)]),
        (224, [(11, 4, 0), (3, 2, 0), (5, 1, 2), (3, 2, 0)]),
        (7, [(3, 2, 1)]),
    ]

    def body():
        for n, layers in cases:
            got = attempt(fn, n, layers)
            net = nn.Sequential(*[nn.Conv2d(1, 1, k, s, p, device="meta") for k, s, p in layers])
            truth = net(torch.empty(1, 1, n, n, device="meta")).shape[-1]
            expect(isinstance(got, int) or float(got).is_integer(), f"feature_map_side({n}, "
                   f"{layers}) = {got} is not a whole number: round ⌊·⌋ down at every layer.")
            expect(got == truth, f"feature_map_side({n}, {layers}) = {got}, but nn.Conv2d gives "
                   f"{truth}: apply ⌊(n + 2p − k)/s⌋ + 1 once per layer, to the previous side.")

    return report("Feature-map side of a stack", body)


def _bilinear_reference(img: torch.Tensor, x: float, y: float) -> float:
    """The value of ``img`` (H, W) at column ``x``, row ``y`` by ``F.grid_sample``."""
    h, w = img.shape
    grid = torch.tensor([[[[2 * x / (w - 1) - 1, 2 * y / (h - 1) - 1]]]], dtype=img.dtype)
    return F.grid_sample(img[None, None], grid, align_corners=True).item()


def check_bilinear(fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]) -> str:
    """Exercise: bilinear interpolation at a non-integer pixel position, with its gradient."""

    def body():
        img = torch.arange(20.0).view(4, 5) ** 1.5
        for x, y in ((1.0, 2.0), (1.25, 0.5), (3.7, 2.2)):
            got = attempt(fn, img, torch.tensor(x), torch.tensor(y))
            expect_shape(got, (), f"bilinear(img, {x}, {y})")
            near = img[round(y), round(x)].item()
            if (x, y) != (1.0, 2.0):
                expect(abs(float(got) - near) > 1e-4, f"bilinear(img, {x}, {y}) = {float(got):.4g}"
                       " is the nearest pixel: rounding gives no gradient; mix the 4 neighbours.")
            expect_close(got, _bilinear_reference(img, x, y), f"bilinear(img, x={x}, y={y})",
                         hint="x is the column and y the row; weight each of the 4 neighbours by "
                         "(1 − distance) along each axis.")
        x = torch.tensor(1.25, requires_grad=True)
        value = torch.as_tensor(attempt(fn, img, x, torch.tensor(0.5)))
        expect(value.requires_grad, "no gradient reaches x: compute the weights from x with "
               "torch operations (floor is fine, .item() or float() is not).")
        value.backward()
        slope = _bilinear_reference(img, 2.0, 0.5) - _bilinear_reference(img, 1.0, 0.5)
        expect_close(x.grad, slope, "∂ bilinear / ∂x at (1.25, 0.5)",
                     hint="along x the gradient is the right minus the left neighbour.")

    return report("Bilinear sampling", body, "This is why a spatial transformer can learn θ.")
