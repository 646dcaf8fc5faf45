"""Figure, widget, data and exercise-checker plumbing of L06 (GAN, WGAN, evaluation, a DCGAN
on anime faces, conditional and cycle GANs, a first look at diffusion). The losses, models,
training loop, gradient penalty, FID, IS and the noise predictor are written in the notebook.

Every ``demo_*`` function is pure: ``demo(**params) -> (figure, numbers)``; its defaults are
the notebook's default widget state. Demos that train take the notebook's function as their
first argument.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from course_datasets.l06_cgan import SHIPPED as SHIPPED_CGAN
from matplotlib.figure import Figure
from torch import nn
from torch.nn import functional as F

from course_utils.exercises import attempt, expect, expect_close, report

Numbers = dict[str, object]
RING_RADIUS, RING_STD = 2.0, 0.05
QUALITY_RADIUS = 4 * RING_STD  # a sample this close to a mode centre counts as high quality


def _subplots(*args, **kwargs):
    """``plt.subplots`` closed at once, so a figure shows only where a cell returns it."""
    fig, axes = plt.subplots(*args, **kwargs)
    plt.close(fig)
    return fig, axes


# ---------------------------------------------------------------- 2-D data
def ring_centers(modes: int = 8, radius: float = RING_RADIUS) -> torch.Tensor:
    """The (modes, 2) centres of the ring of Gaussians."""
    angle = 2 * math.pi * torch.arange(modes) / modes
    return radius * torch.stack([angle.cos(), angle.sin()], dim=1)


def ring_sampler(seed: int = 0, modes: int = 8, std: float = RING_STD
                 ) -> Callable[[int], torch.Tensor]:
    """``sample(n)``: n points from a ring of ``modes`` Gaussians, from a seeded stream."""
    g, centers = torch.Generator().manual_seed(seed), ring_centers(modes)

    def sample(n: int) -> torch.Tensor:
        k = torch.randint(0, modes, (n,), generator=g)
        return centers[k] + std * torch.randn(n, 2, generator=g)

    return sample


def mode_stats(samples: torch.Tensor, modes: int = 8) -> dict[str, float]:
    """Modes covered (a mode holding ≥ 1 % of the samples within ``QUALITY_RADIUS``) and the
    share of high-quality samples (within ``QUALITY_RADIUS`` of some mode)."""
    dist = torch.cdist(samples.detach().float(), ring_centers(modes))
    nearest, which = dist.min(dim=1)
    good = nearest < QUALITY_RADIUS
    counts = torch.bincount(which[good], minlength=modes)
    return {"modes covered": int((counts >= 0.01 * len(samples)).sum()),
            "high-quality share": float(good.float().mean())}


def split_character_data(n: int = 400, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """The "split character" toy: at time x ∈ [0, 1] the character is at +(0.5 + x) or
    −(0.5 + x) with equal probability (it may turn either way)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, generator=g)
    sign = torch.randint(0, 2, (n, 1), generator=g) * 2 - 1
    return x, sign * (0.5 + x)


def plot_split_character(x: torch.Tensor, y: torch.Tensor,
                         fits: dict[str, tuple[torch.Tensor, torch.Tensor]]) -> Figure:
    """The toy's data with each model's outputs (``fits`` maps a label to (x, ŷ))."""
    fig, ax = _subplots(figsize=(6, 3.4))
    x, y = x.numpy(), y.numpy()
    ax.scatter(x, y, s=8, color="0.6", label="training data (two right answers)")
    for (label, (xs, ys)), marker in zip(fits.items(), ("-", "."), strict=False):
        xs, ys = xs.numpy(), ys.numpy()
        order = xs[:, 0].argsort()
        ax.plot(xs[order], ys[order], marker, ms=3, lw=2, label=label)
    ax.set(title="Split character: MSE predicts the mean, a generator samples",
           xlabel="x (time)", ylabel="y (position)")
    ax.legend(fontsize=8)
    return fig


# ---------------------------------------------------------------- the 2-D GAN
def _disc_surface(ax, D: nn.Module, lim: float = 3.0) -> None:
    grid = torch.linspace(-lim, lim, 60)
    xx, yy = torch.meshgrid(grid, grid, indexing="xy")
    with torch.no_grad():
        zz = D(torch.stack([xx.flatten(), yy.flatten()], 1)).reshape(60, 60)
    cs = ax.contourf(xx.numpy(), yy.numpy(), zz.numpy(), levels=20, cmap="RdYlBu_r", alpha=0.6)
    ax.figure.colorbar(cs, ax=ax, label="D output (logit or critic)")


def plot_toy_gan(G: nn.Module, D: nn.Module, history: dict[str, list[float]], title: str,
                 z_dim: int = 2, n: int = 1000) -> tuple[Figure, Numbers]:
    """Generated vs real points on D's surface, and both losses per step."""
    with torch.no_grad():
        fake = G(torch.randn(n, z_dim, generator=torch.Generator().manual_seed(123)))
    real = ring_sampler(seed=123)(n)
    stats = mode_stats(fake)
    fake, real = fake.numpy(), real.numpy()
    fig, (ax, ax_loss) = _subplots(1, 2, figsize=(11, 4), width_ratios=[1.2, 1])
    _disc_surface(ax, D)
    ax.scatter(real[:, 0], real[:, 1], s=4, color="k", alpha=0.4, label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=4, color="C2", alpha=0.6, label="generated")
    ax.set(title=title, xlabel="x₁", ylabel="x₂", xlim=(-3, 3), ylim=(-3, 3), aspect="equal")
    ax.legend(loc="upper right", fontsize=8)
    for name, values in history.items():
        ax_loss.plot(values, lw=0.8, label=f"{name} loss")
    ax_loss.set(title="Losses per step", xlabel="generator step", ylabel="loss")
    ax_loss.legend()
    fig.tight_layout()
    return fig, stats


def demo_toy_gan(run: Callable[..., tuple[nn.Module, nn.Module, dict]], loss: str = "gan",
                 lr_d: float = 1e-3, lr_g: float = 1e-3, d_steps: int = 1
                 ) -> tuple[Figure, Numbers]:
    """Train with the notebook's ``run(loss, lr_d, lr_g, d_steps) -> (G, D, history)`` and
    show the result (cached per setting, so moving a slider back is instant)."""
    G, D, history = _cached_run(run, loss, lr_d, lr_g, d_steps)
    return plot_toy_gan(G, D, history, f"{loss}: lr_D={lr_d:g}, lr_G={lr_g:g}, "
                                       f"{d_steps} D step(s) per G step")


@lru_cache(maxsize=32)
def _cached_run(run, loss, lr_d, lr_g, d_steps):
    return run(loss, lr_d, lr_g, d_steps)


def plot_variants(results: dict[str, tuple[nn.Module, dict[str, float]]], z_dim: int = 2,
                  n: int = 1000) -> Figure:
    """One panel of generated points per variant (``results``: name → (G, mode_stats))."""
    fig, axes = _subplots(1, len(results), figsize=(3.1 * len(results), 3.2))
    real = ring_sampler(seed=123)(n).numpy()
    for ax, (name, (G, stats)) in zip(np.atleast_1d(axes), results.items(), strict=True):
        with torch.no_grad():
            fake = G(torch.randn(n, z_dim, generator=torch.Generator().manual_seed(123))).numpy()
        ax.scatter(real[:, 0], real[:, 1], s=3, color="k", alpha=0.3, label="real")
        ax.scatter(fake[:, 0], fake[:, 1], s=3, color="C2", alpha=0.5, label="generated")
        ax.set(title=f"{name}\n{stats['modes covered']}/8 modes, "
                     f"{stats['high-quality share']:.2f} high quality",
               xlim=(-3, 3), ylim=(-3, 3), aspect="equal", xlabel="x₁")
    np.atleast_1d(axes)[0].set_ylabel("x₂")
    np.atleast_1d(axes)[0].legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- JS vs Wasserstein
def uniform_histograms(shift: float, width: float = 1.0, bins: int = 800
                       ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Bin centres and the probabilities of U(0, width) (P_data) and U(shift, shift + width)
    (P_G) on ``bins`` bins over [−2, 6] (edges every 0.01, float64)."""
    edges = np.linspace(-2.0, 6.0, bins + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    mass = lambda a: np.clip(np.minimum(edges[1:], a + width) - np.maximum(edges[:-1], a),  # noqa: E731
                             0, None) / width
    return tuple(torch.from_numpy(a) for a in (centres, mass(0.0), mass(shift)))


def demo_js_w(js: Callable, w1: Callable, shift: float = 2.0, width: float = 1.0
              ) -> tuple[Figure, Numbers]:
    """The two uniforms at ``shift``, and the notebook's ``js(p, q)`` and ``w1(x, p, q)`` as
    functions of the shift (the marked point is the slider's)."""
    shifts = np.linspace(0, 4, 81)
    curves = {"JS": [], "W₁": []}
    for s in shifts:
        x, p, q = uniform_histograms(s, width)
        curves["JS"].append(float(js(p, q)))
        curves["W₁"].append(float(w1(x, p, q)))
    x, p, q = uniform_histograms(shift, width)
    now = {"JS": float(js(p, q)), "W₁": float(w1(x, p, q))}
    fig, (ax_pq, ax_d) = _subplots(1, 2, figsize=(11, 3.4))
    x, p, q = x.numpy(), p.numpy(), q.numpy()
    ax_pq.fill_between(x, p, step="mid", alpha=0.5, label="P_data = U(0, w)")
    ax_pq.fill_between(x, q, step="mid", alpha=0.5, label="P_G = U(s, s + w)")
    ax_pq.set(title=f"The two distributions, shift s = {shift:g}", xlabel="x",
              ylabel="probability per bin")
    ax_pq.legend(fontsize=8)
    for name, values in curves.items():
        ax_d.plot(shifts, values, label=name)
        ax_d.plot([shift], [now[name]], "o", color="k")
    ax_d.axhline(math.log(2), color="grey", ls=":", label="ln 2")
    ax_d.set(title="JS is flat once the supports are disjoint; W₁ keeps growing",
             xlabel="shift s", ylabel="divergence / distance")
    ax_d.legend(fontsize=8)
    return fig, {"JS": now["JS"], "W1": now["W₁"]}


# ---------------------------------------------------------------- conditional GAN, DCGAN
def load_shipped(script: str = "l06_cgan", folder: Path = SHIPPED_CGAN.parent
                 ) -> dict[str, dict[str, torch.Tensor]]:
    """The state_dicts of the checkpoint ``folder/{script}.pt`` that ``course_datasets.{script}``
    makes (``l06_cgan``: the cGAN and the digit classifier; ``l06_dcgan``: the faces' DCGAN and
    attribute network), loaded with ``weights_only=True``."""
    path = Path(folder) / f"{script}.pt"
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path}: run "
                                f"`python -m course_datasets.{script}` to train it.")
    return torch.load(path, map_location="cpu", weights_only=True)


def demo_cgan(G: nn.Module, digit: int = 3, t: float = 0.5, z_dim: int = 16, seed: int = 0
              ) -> tuple[Figure, Numbers]:
    """Eight samples of ``digit`` (top row) and the latent path z = (1−t) z₀ + t z₁ between
    two of them (bottom row, the slider's t framed)."""
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(8, z_dim, generator=g)
    ts = torch.linspace(0, 1, 8)
    path = torch.cat([(1 - ts[:, None]) * z[:1] + ts[:, None] * z[1:2],
                      ((1 - t) * z[0] + t * z[1])[None]])
    labels = torch.full((8,), digit)
    with torch.no_grad():
        rows = [G(z, labels), G(path, torch.full((9,), digit))]
    fig, axes = _subplots(2, 9, figsize=(10, 2.6))
    for r, images in enumerate(rows):
        for c, ax in enumerate(axes[r]):
            ax.axis("off")
            if c < len(images):
                ax.imshow(images[c, 0].numpy(), cmap="gray", vmin=-1, vmax=1)
        axes[r, 0].set_title("samples" if r == 0 else "z₀ → z₁", fontsize=8, loc="left")
    axes[1, 8].axis("on")
    axes[1, 8].set(xticks=[], yticks=[], title=f"t = {t:.2f}")
    fig.suptitle(f"Conditional generator, label {digit}")
    return fig, {"digit": digit, "t": t}


def plot_face_rows(rows: dict[str, torch.Tensor], n: int = 10) -> Figure:
    """The first ``n`` faces of each (N, 3, H, W) batch in [−1, 1], one labelled row each."""
    fig, axes = _subplots(len(rows), n, figsize=(1.1 * n, 1.25 * len(rows)), squeeze=False)
    for ax_row, (label, faces) in zip(axes, rows.items(), strict=True):
        for ax, face in zip(ax_row, faces[:n], strict=False):
            ax.imshow(((face.permute(1, 2, 0) + 1) / 2).clamp(0, 1).numpy())
        for ax in ax_row:
            ax.set(xticks=[], yticks=[])
            ax.spines[:].set_visible(False)
        ax_row[0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    fig.suptitle("32×32 faces")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- CycleGAN in 2-D
def two_moons(n: int, seed: int = 0) -> torch.Tensor:
    """Domain X: scikit-learn's two moons, centred."""
    from sklearn.datasets import make_moons

    x, _ = make_moons(n, noise=0.05, random_state=seed)
    return torch.tensor(x - [0.5, 0.25], dtype=torch.float32)


def two_circles(n: int, seed: int = 0) -> torch.Tensor:
    """Domain Y: scikit-learn's two concentric circles, scaled ×1.5."""
    from sklearn.datasets import make_circles

    x, _ = make_circles(n, noise=0.03, factor=0.5, random_state=seed)
    return torch.tensor(1.5 * x, dtype=torch.float32)


def edge_shape_pairs(n: int, size: int = 32, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """pix2pix's edges → photo in miniature: (outline, filled shape) pairs in [-1, 1].

    Each pair is an ellipse, rectangle or triangle at a random place and size; the condition is
    its one-pixel outline (1 channel, white on black), the target the same shape filled with a
    fully saturated colour of random hue on white. The outline does not say which hue, so the
    target is multimodal, like the split character of section 1.
    """
    import colorsys

    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    edges = np.zeros((n, 1, size, size), np.float32)
    shapes = np.zeros((n, 3, size, size), np.float32)
    for i in range(n):
        w, h = rng.integers(size // 3, 3 * size // 4, 2)
        x0, y0 = rng.integers(1, size - w), rng.integers(1, size - h)
        box = (int(x0), int(y0), int(x0 + w), int(y0 + h))
        kind = int(rng.integers(3))
        colour = tuple(round(255 * v) for v in colorsys.hsv_to_rgb(rng.random(), 1.0, 1.0))
        outline, photo = Image.new("L", (size, size), 0), Image.new("RGB", (size, size), "white")
        for canvas, style in ((outline, {"outline": 255}), (photo, {"fill": colour})):
            draw = ImageDraw.Draw(canvas)
            if kind == 0:
                draw.ellipse(box, **style)
            elif kind == 1:
                draw.rectangle(box, **style)
            else:
                draw.polygon([(box[0], box[3]), (box[2], box[3]), ((box[0] + box[2]) // 2, box[1])],
                             **style)
        edges[i, 0] = np.asarray(outline) / 127.5 - 1
        shapes[i] = np.asarray(photo).transpose(2, 0, 1) / 127.5 - 1
    return torch.from_numpy(edges), torch.from_numpy(shapes)


def saturation(images: torch.Tensor, mask: torch.Tensor) -> float:
    """Mean HSV saturation (max − min) / max of the RGB pixels where ``mask`` is true
    (images in [-1, 1]): 1 for pure colours, near 0 for greys."""
    rgb = (images + 1) / 2
    top, bottom = rgb.amax(1), rgb.amin(1)
    return float(((top - bottom) / top.clamp_min(1e-6))[mask].mean())


def plot_cycle(x: torch.Tensor, results: dict[str, tuple[nn.Module, nn.Module]]) -> Figure:
    """For each run: X, G_XY(X) on domain Y, and G_YX(G_XY(X)) with lines to their sources."""
    fig, axes = _subplots(1, len(results), figsize=(5.2 * len(results), 3.8))
    y = two_circles(len(x), seed=1).numpy()
    for ax, (name, (G_xy, G_yx)) in zip(np.atleast_1d(axes), results.items(), strict=True):
        with torch.no_grad():
            fake_y = G_xy(x)
            back = G_yx(fake_y).numpy()
            fake_y = fake_y.numpy()
        ax.scatter(y[:, 0], y[:, 1], s=3, color="0.75", label="real Y (circles)")
        ax.scatter(x[:, 0].numpy(), x[:, 1].numpy(), s=4, color="C0", label="X (moons)")
        ax.scatter(fake_y[:, 0], fake_y[:, 1], s=4, color="C2", label="G_XY(X)")
        for i in range(0, len(x), 25):
            ax.plot([float(x[i, 0]), back[i, 0]], [float(x[i, 1]), back[i, 1]], color="C3", lw=0.8)
        ax.plot([], [], color="C3", label="x → G_YX(G_XY(x))")
        ax.set(title=name, xlabel="x₁", ylabel="x₂", aspect="equal")
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- diffusion
def demo_noising(alpha_bar: torch.Tensor, t: int = 20, seed: int = 0) -> tuple[Figure, Numbers]:
    """The ring at step t of the forward process x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε (``alpha_bar``
    from the notebook's schedule)."""
    x0 = ring_sampler(seed)(1000)
    eps = torch.randn(1000, 2, generator=torch.Generator().manual_seed(seed))
    a = alpha_bar[t]
    xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
    fig, ax = _subplots(figsize=(4.2, 4.2))
    ax.scatter(xt[:, 0].numpy(), xt[:, 1].numpy(), s=3, color="C0")
    ax.set(title=f"Forward process, t = {t} (ᾱ_t = {a:.3f})", xlabel="x₁", ylabel="x₂",
           xlim=(-3.5, 3.5), ylim=(-3.5, 3.5), aspect="equal")
    return fig, {"t": t, "alpha_bar_t": float(a), "std of x_t": float(xt.std())}


def plot_reverse(frames: list[torch.Tensor], steps: list[int]) -> Figure:
    """Snapshots of reverse sampling (pure noise → data)."""
    fig, axes = _subplots(1, len(frames), figsize=(2.6 * len(frames), 2.8))
    centres = ring_centers().numpy()
    for ax, x, t in zip(axes, frames, steps, strict=True):
        x = x.numpy()
        ax.scatter(x[:, 0], x[:, 1], s=2, color="C0")
        ax.scatter(centres[:, 0], centres[:, 1], s=30, marker="x", color="C3")
        ax.set(title=f"t = {t}", xlim=(-3.5, 3.5), ylim=(-3.5, 3.5), aspect="equal",
               xticks=[], yticks=[])
    axes[0].set_ylabel("x₂ (× = mode centres)")
    fig.suptitle("Reverse sampling with the tiny noise predictor")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- exercise checkers
def check_hinge_loss(fn: Callable) -> str:
    """Exercise: the hinge loss of D, ``fn(real_score, fake_score) -> scalar`` =
    mean relu(1 − D(x)) + mean relu(1 + D(G(z)))."""
    def body():
        value = attempt(fn, torch.tensor([0.0]), torch.tensor([-0.5]))
        expect(torch.as_tensor(value).numel() == 1, "return one number (a mean over the batch).")
        expect_close(value, 1.5, "the loss for a real score 0 and a fake score −0.5",
                     hint="Real samples should score ≥ +1 and fakes ≤ −1, so the terms are "
                          "relu(1 − real) = 1 and relu(1 + fake) = 0.5.")
        expect_close(attempt(fn, torch.tensor([2.0]), torch.tensor([-2.0])), 0.0,
                     "the loss for a real score 2 and a fake score −2",
                     hint="Both are beyond their margin, so neither may add anything (or "
                          "subtract): clip each term with relu, i.e. max(0, ·).")
        expect_close(attempt(fn, torch.full((4,), 0.5), torch.full((4,), 0.5)), 2.0,
                     "the loss for four real and four fake scores of 0.5",
                     hint="Each term is a mean over the batch, not a sum: 0.5 + 1.5 = 2.")
        g = torch.Generator().manual_seed(1)
        real, fake = torch.randn(16, generator=g) * 2, torch.randn(16, generator=g) * 2
        expect_close(attempt(fn, real, fake), F.relu(1 - real).mean() + F.relu(1 + fake).mean(),
                     "the loss on 16 random scores per side",
                     hint="Average each side over its own batch, then add the two means.")
    return report("hinge loss of the discriminator", body)


def _linear_critic() -> nn.Module:
    critic = nn.Linear(2, 1)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([[3.0, 4.0]]))
    return critic


def check_r1_penalty(fn: Callable) -> str:
    """Exercise: the R1 penalty ``fn(D, real, gamma) -> scalar`` =
    γ/2 · mean over the real batch of ‖∇ₓ D(x)‖², differentiable w.r.t. D's weights."""
    def body():
        real = torch.randn(8, 2, generator=torch.Generator().manual_seed(4))
        value = attempt(fn, _linear_critic(), real, 2.0)
        expect(torch.as_tensor(value).numel() == 1, "return one number (a mean over the batch).")
        value = float(torch.as_tensor(value).detach())
        hints = {16.0: "R1 is zero-centred: it penalises ‖∇D‖² itself, not WGAN-GP's "
                       "(‖∇D‖ − 1)².",
                 50.0: "Keep the factor γ/2: γ/2 · ‖(3, 4)‖² = 25 for γ = 2."}
        hint = next((h for v, h in hints.items() if abs(value - v) < 1e-4),
                    "Its gradient is (3, 4) everywhere, so γ/2 · ‖∇D‖² = 25 for γ = 2.")
        expect_close(value, 25.0, "the penalty of D(x) = 3x₁ + 4x₂ with γ = 2", hint=hint)
        torch.manual_seed(0)
        D = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))
        x = real.clone().requires_grad_(True)
        grad, = torch.autograd.grad(D(x).sum(), x)
        value = attempt(fn, D, real, 1.0)
        expect_close(torch.as_tensor(value).detach(), 0.5 * grad.pow(2).sum(1).mean(),
                     "the penalty of a small tanh critic with γ = 1",
                     hint="Take the gradient of D(x).sum() w.r.t. the real x, square its norm "
                          "per sample (sum over dim 1), then average over the batch.")
        expect(torch.as_tensor(value).requires_grad,
               "the penalty has no gradient w.r.t. D's weights, so it cannot train D: pass "
               "create_graph=True to torch.autograd.grad.")
    return report("R1 gradient penalty", body)


def check_slerp(fn: Callable) -> str:
    """Exercise: spherical interpolation ``fn(z0, z1, t) -> z`` of two latent vectors."""
    def body():
        z0, z1 = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
        for t, expected in ((0.0, z0), (1.0, z1)):
            expect_close(attempt(fn, z0, z1, t), expected, f"slerp(z0, z1, t = {t:g})",
                         hint="t = 0 must give z0 and t = 1 must give z1: weight z0 by "
                              "sin((1 − t)Ω)/sin Ω and z1 by sin(tΩ)/sin Ω.")
        mid = attempt(fn, z0, z1, 0.5)
        expect_close(torch.as_tensor(mid).norm(), 1.0, "the norm of the midpoint of two "
                     "orthogonal unit vectors",
                     hint="A straight line (lerp) cuts through the ball (norm 0.707 at t = 0.5), "
                          "where a Gaussian latent has almost no mass: move along the arc.")
        g = torch.Generator().manual_seed(0)
        a, b = torch.randn(16, generator=g), torch.randn(16, generator=g)
        omega = torch.arccos((a / a.norm()) @ (b / b.norm()))
        expected = (torch.sin(0.3 * omega) * a + torch.sin(0.7 * omega) * b) / torch.sin(omega)
        expect_close(attempt(fn, a, b, 0.7), expected, "slerp of two 16-d Gaussian vectors, "
                     "t = 0.7", hint="Ω is the angle between the two vectors: "
                                     "arccos of the dot product of their unit vectors.")
    return report("spherical interpolation (slerp)", body)
