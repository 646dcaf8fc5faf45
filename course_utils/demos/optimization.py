"""Demos of L02b (optimization: critical points, batch size, momentum, adaptive learning
rates, schedules and the optimizers beyond Adam): figure and widget plumbing, data and the
exercise checkers.

Every ``demo_*`` function is pure: ``demo(**params) -> (figure, numbers)``; its defaults are
the notebook's default widget state. The update rules, the Hessian test and the schedules are
written in the notebook and checked there against ``torch.optim``; the demos run the
``torch.optim`` versions.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from matplotlib.figure import Figure
from torch import nn
from torch.func import functional_call
from torch.optim import lr_scheduler
from torch.utils.data import DataLoader, TensorDataset

from course_utils.exercises import Mistake, attempt, expect, expect_close, report
from course_utils.plots import COLORS, plot_error_surface
from course_utils.runtime import Profile
from course_utils.toy_data import digits
from course_utils.training import accuracy, fit

Numbers = dict[str, object]
OptimizerFactory = Callable[[list[torch.Tensor]], torch.optim.Optimizer]
SchedulerFactory = Callable[[torch.optim.Optimizer], lr_scheduler.LRScheduler]


def torch_path(make_opt: OptimizerFactory, theta0: torch.Tensor,
               grad_fn: Callable[[torch.Tensor], torch.Tensor], steps: int,
               schedule: SchedulerFactory | None = None) -> torch.Tensor:
    """The (steps + 1, n) iterates of a ``torch.optim`` optimizer fed ``grad_fn(θ)``."""
    p = theta0.detach().clone().requires_grad_(True)
    opt = make_opt([p])
    sched = schedule(opt) if schedule else None
    path = [p.detach().clone()]
    for _ in range(steps):
        p.grad = grad_fn(p.detach().clone())
        opt.step()
        if sched:
            sched.step()
        path.append(p.detach().clone())
    return torch.stack(path)


def lr_sequence(schedule: SchedulerFactory, steps: int, lr: float = 1.0) -> torch.Tensor:
    """η^t for t = 0 … steps − 1 of a ``torch.optim.lr_scheduler`` (float64)."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    sched = schedule(opt)
    lrs = []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return torch.tensor(lrs, dtype=torch.float64)


# --------------------------------------------------------------------------- critical points

CRITICAL_SURFACES: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "x² − y²": lambda p: p[0] ** 2 - p[1] ** 2,
    "x² + y²": lambda p: p[0] ** 2 + p[1] ** 2,
    "−x² − y²": lambda p: -p[0] ** 2 - p[1] ** 2,
    "1-1-1 network (1 − w₁w₂)²": lambda p: (1 - p[0] * p[1]) ** 2,
}
"""Demo 1's surfaces as functions of a 2-vector θ (for the 1-1-1 network θ = (w₁, w₂))."""


def demo_critical_point(surface: str = "1-1-1 network (1 − w₁w₂)²", w1: float = 0.0,
                        w2: float = 0.0, escape_steps: int = 1, step: float = 0.1, *,
                        classify: Callable[[torch.Tensor], str]) -> tuple[Figure, Numbers]:
    """Demo 1: g, the Hessian's eigenvalues and ``classify(eigenvalues)`` at (w1, w2); steps
    along the eigenvector u of the most negative eigenvalue."""
    f = CRITICAL_SURFACES[surface]
    theta = torch.tensor([w1, w2], dtype=torch.float64)
    g = torch.autograd.functional.jacobian(f, theta)
    lam, U = torch.linalg.eigh(torch.autograd.functional.hessian(f, theta))
    u = U[:, 0] * (1 if U[:, 0].sum() >= 0 else -1)
    path = [theta] + [theta + k * step * u for k in range(1, escape_steps + 1) if lam[0] < 0]
    path = torch.stack(path).numpy()
    fig, ax = plt.subplots(figsize=(6.2, 4.6))
    plt.close(fig)
    plot_error_surface(lambda a, b: f(torch.as_tensor(np.stack([a, b]))).numpy(),
                       (-2, 2), (-2, 2), title=f"{surface}", ax=ax)
    ax.plot(w1, w2, "ko", ms=7, label="θ′ (critical point?)")
    if lam[0] < 0:
        ax.annotate("", xy=(theta + 0.8 * u).numpy(), xytext=theta.numpy(),
                    arrowprops={"arrowstyle": "->", "color": "k", "lw": 2})
        ax.plot(path[:, 0], path[:, 1], "m.-", ms=8,
                label=f"escape steps along u (λ = {lam[0]:.2g})")
    ax.set(xlabel="w₁ (or x)", ylabel="w₂ (or y)")
    ax.legend(loc="lower left")
    critical = bool(g.norm() < 1e-8)
    numbers = {"‖g‖": float(g.norm()), "eigenvalues": lam.numpy().round(6),
               "type": classify(lam) if critical else "not critical (g ≠ 0)",
               "L(θ′)": float(f(theta)), "L after escape": float(f(torch.from_numpy(path[-1])))}
    return fig, numbers


# --------------------------------------------------------------------------- Hessian spectrum

def regression_data(n: int = 64, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A 1-D synthetic regression set y = sin(3x) + noise, x in [−1, 1]."""
    rng = np.random.RandomState(seed)
    x = rng.uniform(-1, 1, (n, 1))
    y = np.sin(3 * x) + rng.normal(0, 0.1, (n, 1))
    return torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)


def tiny_mlp(hidden: int = 16, seed: int = 0) -> nn.Sequential:
    """1 → hidden → 1 tanh network in float64 (49 parameters for hidden = 16)."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, 1)).double()


def flat_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> Callable:
    """L(θ) of ``model`` with all parameters flattened into one vector θ."""
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]

    def loss(theta: torch.Tensor) -> torch.Tensor:
        params, i = {}, 0
        for name, shape in zip(names, shapes, strict=True):
            k = int(np.prod(shape))
            params[name] = theta[i:i + k].reshape(shape)
            i += k
        return nn.functional.mse_loss(functional_call(model, params, (x,)), y)
    return loss


def hessian_at_convergence(seed: int, hidden: int = 16, steps: int = 1500,
                           lr: float = 0.01) -> dict[str, object]:
    """Train the tiny MLP full-batch with Adam, then the Hessian's eigenvalues at the end."""
    x, y = regression_data()
    with torch.random.fork_rng():
        model = tiny_mlp(hidden, seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        opt.step()
    theta = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    loss = flat_loss(model, x, y)
    g = torch.autograd.functional.jacobian(loss, theta)
    ev = torch.linalg.eigvalsh(torch.autograd.functional.hessian(loss, theta)).numpy()
    return {"seed": seed, "steps": steps, "parameters": theta.numel(),
            "training loss": float(loss(theta)), "‖g‖": float(g.norm()),
            "minimum ratio": float((ev > 0).mean()), "eigenvalues": ev}


def plot_hessian_spectrum(runs: Sequence[dict]) -> Figure:
    """Eigenvalue histogram of the first run; minimum ratio vs training loss of all runs."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    plt.close(fig)
    ev = runs[0]["eigenvalues"]
    a.hist(np.sign(ev) * np.log10(1 + np.abs(ev) * 1e4), bins=30, color=COLORS[0])
    a.axvline(0, color="k", lw=1, label="λ = 0")
    a.set(title=f"Hessian eigenvalues, run 0 ({len(ev)} parameters)",
          xlabel="sign(λ)·log₁₀(1 + 10⁴|λ|)", ylabel="count")
    a.legend()
    b.scatter([r["minimum ratio"] for r in runs], [r["training loss"] for r in runs],
              color=COLORS[1], label="one training run")
    b.set(title="Where training stopped", xlabel="minimum ratio = #(λ > 0) / #λ",
          ylabel="training loss", xlim=(0.4, 1.02))
    b.legend()
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- batch size

@lru_cache(maxsize=2)
def digits_split(seed: int = 0) -> tuple[torch.Tensor, ...]:
    """scikit-learn's 8×8 digits, standardized: (x_train, y_train, x_val, y_val), 1,297/500."""
    X, y = digits()
    order = np.random.RandomState(seed).permutation(len(y))
    X, y = X[order], y[order]
    mean, std = X[:-500].mean(0), X[:-500].std(0) + 0.1
    X = (X - mean) / std
    t = torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.long)
    return t[0][:-500], t[1][:-500], t[0][-500:], t[1][-500:]


def digits_mlp(width: int = 64, seed: int = 0) -> nn.Sequential:
    """64 → width → 10 ReLU classifier for the digits."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(64, width), nn.ReLU(), nn.Linear(width, 10))


def loader(x: torch.Tensor, y: torch.Tensor, batch_size: int, shuffle: bool,
           seed: int = 0) -> DataLoader:
    g = torch.Generator().manual_seed(seed)
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=shuffle, generator=g)


def endless(batches: DataLoader) -> Iterator:
    """Batches from ``batches`` epoch after epoch (reshuffled each time)."""
    while True:
        yield from batches


def time_per_update(batch_sizes: Sequence[int], updates: int = 20, width: int = 64) -> pd.DataFrame:
    """Seconds per update (forward + backward + step) and per epoch of the digits MLP."""
    x, y, *_ = digits_split()
    model = digits_mlp(width)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    rows = []
    for B in batch_sizes:
        xb, yb = x[:B], y[:B]
        start = time.perf_counter()
        for _ in range(updates):
            opt.zero_grad()
            nn.functional.cross_entropy(model(xb), yb).backward()
            opt.step()
        per = (time.perf_counter() - start) / updates
        rows.append({"batch size B": B, "ms per update": 1e3 * per,
                     "updates per epoch": -(-len(x) // B),
                     "ms per epoch": 1e3 * per * -(-len(x) // B)})
    return pd.DataFrame(rows)


def batch_size_lab(batch_sizes: Sequence[int], *, epochs: int | None = None,
                   updates: int | None = None, lr: float = 0.05, seed: int = 0) -> pd.DataFrame:
    """Plain SGD on the digits MLP at each B, with the same number of ``epochs`` (so B = 1297
    makes one update per epoch) or the same number of ``updates`` (so small B sees fewer
    examples). Exactly one budget is given; shuffled every epoch."""
    if (epochs is None) == (updates is None):
        raise ValueError("Give exactly one budget: epochs=… or updates=….")
    x, y, xv, yv = digits_split(seed)
    rows = []
    for B in batch_sizes:
        model = digits_mlp(seed=seed)
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        n_updates = updates if updates is not None else epochs * -(-len(x) // B)
        batches = endless(loader(x, y, B, True, seed))
        for _ in range(n_updates):
            xb, yb = next(batches)
            opt.zero_grad()
            nn.functional.cross_entropy(model(xb), yb).backward()
            opt.step()
        rows.append({"batch size B": B, "updates": n_updates,
                     "epochs": round(n_updates * B / len(x), 2) if updates else epochs,
                     "train accuracy": accuracy(model, x, y),
                     "validation accuracy": accuracy(model, xv, yv)})
    return pd.DataFrame(rows)


def plot_batch_lab(timing: pd.DataFrame, equal_epochs: pd.DataFrame,
                   equal_updates: pd.DataFrame) -> Figure:
    """Time per update and per epoch; validation accuracy under both budgets."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    plt.close(fig)
    a.loglog(timing["batch size B"], timing["ms per update"], "o-", label="per update")
    a.loglog(timing["batch size B"], timing["ms per epoch"], "s-", label="per epoch")
    a.set(title="Time vs batch size (this machine)", xlabel="batch size B", ylabel="ms")
    a.legend()
    for lab, name, marker in ((equal_epochs, f"same epochs ({equal_epochs['epochs'][0]})", "o"),
                              (equal_updates, f"same updates ({equal_updates['updates'][0]})",
                               "s")):
        b.semilogx(lab["batch size B"], lab["validation accuracy"], marker + "-", label=name)
    b.axhline(0.1, color="grey", ls=":", label="chance (10 classes)")
    b.set(title="Digits: validation accuracy vs B", xlabel="batch size B", ylabel="accuracy",
          ylim=(0, 1.02))
    b.legend()
    fig.tight_layout()
    return fig


def sharp_flat_loss(x: np.ndarray) -> np.ndarray:
    """1-D training loss with a flat minimum at x = −1 and a sharp one at x = 1.5."""
    return 1 - 0.9 * np.exp(-((x + 1) ** 2) / 0.5) - 0.95 * np.exp(-((x - 1.5) ** 2) / 0.01)


def demo_sharp_flat(shift: float = 0.1) -> tuple[Figure, Numbers]:
    """Demo 3c: the testing loss is the training loss shifted by ``shift``."""
    x = np.linspace(-3, 3, 1201)
    flat, sharp = -1.0, 1.5
    fig, ax = plt.subplots()
    plt.close(fig)
    ax.plot(x, sharp_flat_loss(x), label="training loss")
    ax.plot(x, sharp_flat_loss(x - shift), "--", label=f"testing loss (shifted by {shift:g})")
    for x0, name in ((flat, "flat minimum"), (sharp, "sharp minimum")):
        ax.plot([x0, x0], [sharp_flat_loss(x0), sharp_flat_loss(x0 - shift)], "o-", lw=2,
                label=f"{name}: test − train")
    ax.set(title="Flat vs sharp minimum under a train/test shift", xlabel="θ", ylabel="loss")
    ax.legend(loc="lower left")
    numbers = {"test − train (flat)": float(sharp_flat_loss(flat - shift) - sharp_flat_loss(flat)),
               "test − train (sharp)": float(sharp_flat_loss(sharp - shift)
                                             - sharp_flat_loss(sharp))}
    return fig, numbers


# --------------------------------------------------------------------------- momentum in 1-D

LOSS_1D_ROOTS = (-2.0, -2.0, 0.0, 1.0, 2.5)   # saddle (double root), local min, max, global min
LOSS_1D_SCALE = 0.05


def grad_1d(x):
    """dL/dx of the 1-D loss: a saddle at −2, a local minimum at 0, the global one at 2.5."""
    r = LOSS_1D_ROOTS
    return LOSS_1D_SCALE * (x - r[0]) * (x - r[1]) * (x - r[2]) * (x - r[3]) * (x - r[4])


def loss_1d(x):
    """The antiderivative of :func:`grad_1d`, with L(2.5) = 0."""
    coeffs = LOSS_1D_SCALE * np.polyint(np.poly(LOSS_1D_ROOTS))
    return np.polyval(coeffs, x) - np.polyval(coeffs, LOSS_1D_ROOTS[-1])


def descend_1d(x0: float, eta: float, momentum: float, steps: int) -> np.ndarray:
    """``torch.optim.SGD(lr=η, momentum=λ)`` on the 1-D loss, θ kept in [−4, 4] (λ = 0 is
    plain gradient descent)."""
    p = torch.tensor([x0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=eta, momentum=momentum)
    xs = [x0]
    for _ in range(steps):
        p.grad = grad_1d(p.detach().clone())
        opt.step()
        with torch.no_grad():
            p.clamp_(-4, 4)
        xs.append(p.item())
    return np.array(xs)


def demo_momentum_1d(eta: float = 0.05, momentum: float = 0.9, x0: float = -3.2,
                     steps: int = 150) -> tuple[Figure, Numbers]:
    """Demo 4a: gradient descent vs gradient descent + momentum on the 1-D loss."""
    x = np.linspace(-3.5, 3.2, 400)
    runs = {"gradient descent": descend_1d(x0, eta, 0.0, steps),
            f"+ momentum (λ = {momentum:g})": descend_1d(x0, eta, momentum, steps)}
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    plt.close(fig)
    a.plot(x, loss_1d(x), color="grey", label="L(θ)")
    for (name, xs), c in zip(runs.items(), COLORS[:2], strict=True):
        a.plot(xs, loss_1d(xs), "o", ms=3, color=c, alpha=0.6, label=name)
        a.plot(xs[-1], loss_1d(xs[-1]), "*", ms=14, color=c, mec="k")
        b.plot(xs, color=c, label=name)
    a.set(title="The ball on the loss (★ = where it ends)", xlabel="θ", ylabel="L",
          ylim=(-1, max(4, float(loss_1d(x0)) + 1)))
    a.legend()
    for r, name in ((-2.0, "saddle"), (0.0, "local min"), (2.5, "global min")):
        b.axhline(r, ls=":", color="k", lw=0.8)
        b.text(0, r + 0.1, name, fontsize=8)
    b.set(title="θ over the updates", xlabel="update", ylabel="θ")
    b.legend()
    fig.tight_layout()
    return fig, {name: float(xs[-1]) for name, xs in runs.items()}


# --------------------------------------------------------------------------- 2-D race

@dataclass(frozen=True)
class Surface:
    """A 2-D loss with its gradient, plotting window, start and minimum."""

    loss: Callable[[np.ndarray, np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]
    w_range: tuple[float, float]
    b_range: tuple[float, float]
    start: tuple[float, float]
    optimum: tuple[float, float]


SURFACES: dict[str, Surface] = {
    "convex bowl (ill-conditioned)": Surface(
        lambda w, b: 0.5 * (w**2 + 200 * b**2),
        lambda t: np.array([t[0], 200 * t[1]]), (-11, 2), (-0.8, 0.8), (-10.0, 0.5), (0, 0)),
    "Rosenbrock": Surface(
        lambda w, b: (1 - w) ** 2 + 10 * (b - w**2) ** 2,
        lambda t: np.array([-2 * (1 - t[0]) - 40 * t[0] * (t[1] - t[0] ** 2),
                            20 * (t[1] - t[0] ** 2)]), (-2, 2), (-1, 3), (-1.5, 2.5), (1, 1)),
    "saddle": Surface(
        lambda w, b: w**2 - b**2 + b**4 / 4,
        lambda t: np.array([2 * t[0], -2 * t[1] + t[1] ** 3]), (-2, 2), (-2, 2),
        (1.8, 1e-3), (0, 2**0.5)),
}

RaceFactory = Callable[[list[torch.Tensor], float, float, float, float], torch.optim.Optimizer]
RACERS: dict[str, RaceFactory] = {
    "SGD": lambda ps, lr, b1, b2, a: torch.optim.SGD(ps, lr),
    "SGDM": lambda ps, lr, b1, b2, a: torch.optim.SGD(ps, lr, momentum=b1),
    "NAG": lambda ps, lr, b1, b2, a: torch.optim.SGD(ps, lr, momentum=b1, nesterov=True),
    "Adagrad": lambda ps, lr, b1, b2, a: torch.optim.Adagrad(ps, lr),
    "RMSProp": lambda ps, lr, b1, b2, a: torch.optim.RMSprop(ps, lr, alpha=a),
    "Adam": lambda ps, lr, b1, b2, a: torch.optim.Adam(ps, lr, betas=(b1, b2)),
    "AdamW": lambda ps, lr, b1, b2, a: torch.optim.AdamW(ps, lr, betas=(b1, b2),
                                                         weight_decay=0.1),
    "AMSGrad": lambda ps, lr, b1, b2, a: torch.optim.Adam(ps, lr, betas=(b1, b2), amsgrad=True),
    "NAdam": lambda ps, lr, b1, b2, a: torch.optim.NAdam(ps, lr, betas=(b1, b2)),
    "RAdam": lambda ps, lr, b1, b2, a: torch.optim.RAdam(ps, lr, betas=(b1, b2)),
}
"""The race's ``torch.optim`` racers by lecture name: ``factory(params, η, β₁, β₂, α)``
(β₁ doubles as SGDM's λ, α is RMSProp's)."""


def run_path(surface: Surface, make_opt: OptimizerFactory, steps: int,
             start: Sequence[float] | None = None,
             schedule: SchedulerFactory | None = None) -> np.ndarray:
    """The (steps + 1, 2) path of an optimizer on ``surface``; stops early if it diverges."""
    p = torch.tensor(start if start is not None else surface.start, dtype=torch.float64,
                     requires_grad=True)
    opt = make_opt([p])
    sched = schedule(opt) if schedule else None
    path = [p.detach().numpy().copy()]
    for _ in range(steps):
        p.grad = torch.from_numpy(surface.grad(path[-1]))
        opt.step()
        if sched:
            sched.step()
        path.append(p.detach().numpy().copy())
        if not np.all(np.isfinite(path[-1])) or np.abs(path[-1]).max() > 1e6:
            break
    return np.array(path)


def plot_paths(surface: Surface, paths: dict[str, np.ndarray], title: str) -> Figure:
    """Paths on the contour (left) and the loss per update (right, log scale)."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.9), gridspec_kw={"width_ratios": [1.3, 1]})
    plt.close(fig)
    plot_error_surface(surface.loss, surface.w_range, surface.b_range, optimum=surface.optimum,
                       title=title, ax=a)
    cmap = plt.get_cmap("tab20")
    for i, (name, path) in enumerate(paths.items()):
        c = cmap(i % 20)
        a.plot(path[:, 0], path[:, 1], ".-", ms=2, lw=1.1, color=c, label=name)
        b.semilogy(surface.loss(path[:, 0], path[:, 1]) - surface.loss(*surface.optimum) + 1e-12,
                   color=c, label=name)
    a.legend(loc="lower left", fontsize=7, ncol=2)
    b.set(title="loss above the minimum", xlabel="update", ylabel="L − L*")
    b.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig


def demo_optimizer_race(surface: str = "Rosenbrock",
                        racers: Sequence[str] = ("SGD", "SGDM", "Adagrad", "RMSProp", "Adam"),
                        lr: float = 0.01, beta1: float = 0.9, beta2: float = 0.999,
                        alpha: float = 0.9, steps: int = 300,
                        extra: Mapping[str, RaceFactory] | None = None) -> tuple[Figure, Numbers]:
    """Demo 4b: the chosen racers (:data:`RACERS` plus ``extra``) from the same start."""
    s, makers = SURFACES[surface], {**RACERS, **(extra or {})}
    unknown = [name for name in racers if name not in makers]
    if unknown:
        raise ValueError(f"Unknown racer(s) {unknown}; pick from {', '.join(makers)}.")
    paths = {name: run_path(s, lambda ps, m=makers[name]: m(ps, lr, beta1, beta2, alpha), steps)
             for name in racers}
    fig = plot_paths(s, paths, f"{surface}: η = {lr:g}, β₁ = {beta1:g}, β₂ = {beta2:g}")
    return fig, {f"L ({name})": float(s.loss(*p[-1])) for name, p in paths.items()}


def fixed_lr_runs(etas: Sequence[float], steps: int) -> dict[str, np.ndarray]:
    """Plain gradient descent on the ill-conditioned bowl at each fixed η."""
    s = SURFACES["convex bowl (ill-conditioned)"]
    return {f"GD, η = {eta:g}": run_path(s, lambda ps, eta=eta: torch.optim.SGD(ps, eta), steps)
            for eta in etas}


def plot_stuck(paths: dict[str, np.ndarray]) -> Figure:
    """Loss and gradient norm per update: the loss stalls while ‖g‖ stays large."""
    s = SURFACES["convex bowl (ill-conditioned)"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    plt.close(fig)
    for (name, p), c in zip(paths.items(), COLORS, strict=False):
        axes[0].semilogy(s.loss(p[:, 0], p[:, 1]), color=c, label=name)
        axes[1].plot(np.linalg.norm([s.grad(t) for t in p], axis=1), color=c, label=name)
    axes[0].set(title="training loss", xlabel="update", ylabel="L")
    axes[1].set(title="gradient norm", xlabel="update", ylabel="‖g‖", ylim=(0, None))
    for ax in axes:
        ax.legend()
    fig.tight_layout()
    return fig


def adagrad_explosion(eta: float = 0.3, steps: int = 600) -> dict[str, np.ndarray]:
    """Adagrad on the ill-conditioned bowl: the lecture's constant η (``torch.optim.Adagrad``
    divides by √Σg², so its η^t = η√(t+1) gives η/σ with σ = RMS) and the decay η/√(t+1)."""
    s = SURFACES["convex bowl (ill-conditioned)"]
    adagrad = lambda ps: torch.optim.Adagrad(ps, eta)  # noqa: E731
    constant = lambda opt: lr_scheduler.LambdaLR(opt, lambda t: math.sqrt(t + 1))  # noqa: E731
    return {"Adagrad, constant η": run_path(s, adagrad, steps, schedule=constant),
            "Adagrad, η^t = η/√(t+1)": run_path(s, adagrad, steps)}


# --------------------------------------------------------------------------- schedules

def schedule_zoo(total: int = 10_000, warmup: int = 1_000,
                 period: int = 2_000) -> dict[str, SchedulerFactory]:
    """The lecture's schedules as ``torch.optim.lr_scheduler`` factories (peak factor 1)."""
    return {
        "constant": lambda o: lr_scheduler.LambdaLR(o, lambda t: 1.0),
        "step decay": lambda o: lr_scheduler.StepLR(o, step_size=total // 4, gamma=0.3),
        "exponential decay": lambda o: lr_scheduler.ExponentialLR(o, gamma=0.01 ** (1 / total)),
        "Transformer warm-up": lambda o: lr_scheduler.LambdaLR(
            o, lambda t: min((t + 1) / warmup, math.sqrt(warmup / (t + 1)))),
        "cyclical": lambda o: lr_scheduler.CyclicLR(o, 0.1 * o.defaults["lr"], o.defaults["lr"],
                                                    step_size_up=period // 2,
                                                    cycle_momentum=False),
        "SGDR": lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=period),
        "one-cycle": lambda o: lr_scheduler.OneCycleLR(o, o.defaults["lr"], total_steps=total,
                                                       cycle_momentum=False),
    }


def demo_schedules(total: int = 10_000, warmup: int = 1_000,
                   period: int = 2_000) -> tuple[Figure, Numbers]:
    """Demo 5: every schedule η^t over ``total`` steps, all with the peak η = 10⁻³."""
    t = np.arange(total)
    fig, axes = plt.subplots(2, 4, figsize=(12, 4.8), sharex=True)
    plt.close(fig)
    peaks = {}
    for ax, (name, s) in zip(axes.flat, schedule_zoo(total, warmup, period).items(),
                             strict=False):
        lr = lr_sequence(s, total, 1e-3).numpy()
        ax.plot(t, lr * 1e3)
        ax.set(title=name, xlabel="step t", ylabel="η^t (×10⁻³)")
        if name != "constant":
            peaks[f"peak step ({name})"] = int(np.argmax(lr))
    axes.flat[-1].axis("off")
    fig.suptitle("Learning-rate schedules (torch.optim.lr_scheduler), peak η = 10⁻³")
    fig.tight_layout()
    return fig, peaks


def lr_range_test(min_lr: float = 1e-4, max_lr: float = 10.0, steps: int = 100,
                  batch_size: int = 64, seed: int = 0) -> pd.DataFrame:
    """Smith's LR range test: SGD on the digits MLP with η growing exponentially per batch."""
    x, y, *_ = digits_split(seed)
    model = digits_mlp(seed=seed)
    opt = torch.optim.SGD(model.parameters(), lr=min_lr)
    lrs = np.geomspace(min_lr, max_lr, steps)
    rows = []
    for lr, (xb, yb) in zip(lrs, endless(loader(x, y, batch_size, True, seed)), strict=False):
        opt.param_groups[0]["lr"] = float(lr)
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        rows.append({"lr": lr, "loss": loss.item()})
        if not np.isfinite(loss.item()) or loss.item() > 20:
            break
    return pd.DataFrame(rows)


def plot_lr_range_test(table: pd.DataFrame) -> Figure:
    fig, ax = plt.subplots()
    plt.close(fig)
    smooth = table["loss"].ewm(alpha=0.2).mean()
    ax.semilogx(table["lr"], table["loss"], alpha=0.4, label="batch loss")
    ax.semilogx(table["lr"], smooth, label="smoothed")
    best = table["lr"][int(np.argmin(np.gradient(smooth.to_numpy())))]
    ax.axvline(best, color="k", ls=":", label=f"steepest descent, η ≈ {best:.2g}")
    ax.set(title="LR range test on the digits MLP", xlabel="learning rate η", ylabel="loss")
    ax.legend()
    return fig


# --------------------------------------------------------------------------- Adam internals

def _flat(tensors) -> np.ndarray:
    return torch.cat([t.detach().reshape(-1) for t in tensors]).double().numpy()


def sigma_of(opt: torch.optim.Optimizer) -> np.ndarray:
    """σ per parameter from a ``torch.optim`` state: √v̂ (Adam, RAdam), the RMS of all past
    gradients √(Σg²/t) (Adagrad) or √v (RMSprop)."""
    parts = []
    for group in opt.param_groups:
        for p in group["params"]:
            state = opt.state[p]
            if "exp_avg_sq" in state:
                parts.append(state["exp_avg_sq"] / (1 - group["betas"][1] ** float(state["step"])))
            elif "sum" in state:
                parts.append(state["sum"] / float(state["step"]))
            else:
                parts.append(state["square_avg"])
    return np.sqrt(_flat(parts))


def first_steps(make_opt: OptimizerFactory, steps: int = 20, batch_size: int = 32,
                seed: int = 0, schedule: SchedulerFactory | None = None) -> dict[str, np.ndarray]:
    """Train the digits MLP with a ``torch.optim`` optimizer; record |g|, σ and |Δθ| per step."""
    x, y, *_ = digits_split(seed)
    model = digits_mlp(seed=seed)
    opt = make_opt(list(model.parameters()))
    sched = schedule(opt) if schedule else None
    batches = endless(loader(x, y, batch_size, True, seed))
    rec: dict[str, list] = {"g": [], "sigma": [], "update": [], "loss": []}
    for _ in range(steps):
        xb, yb = next(batches)
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        before = _flat(model.parameters())
        opt.step()
        if sched:
            sched.step()
        rec["g"].append(np.abs(_flat(p.grad for p in model.parameters())))
        rec["sigma"].append(sigma_of(opt))
        rec["update"].append(np.abs(_flat(model.parameters()) - before))
        rec["loss"].append(loss.item())
    return {k: np.array(v) for k, v in rec.items()}


def plot_adam_internals(runs: dict[str, dict[str, np.ndarray]]) -> Figure:
    """√v̂ at steps 1 and 10 (Adam) and the mean |Δθ| per step of each run."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    plt.close(fig)
    adam = runs["Adam"]
    bins = np.linspace(-9, 0, 40)
    for k, c in ((0, COLORS[1]), (min(9, len(adam["g"]) - 1), COLORS[0])):
        a.hist(np.log10(adam["g"][k] + 1e-12), bins, histtype="step", color=c, ls="--",
               label=f"|g|, step {k + 1}")
        a.hist(np.log10(adam["sigma"][k] + 1e-12), bins, alpha=0.4, color=c,
               label=f"√v̂, step {k + 1}")
    a.set(title="Adam's σ = √v̂ per parameter", xlabel="log₁₀ value", ylabel="parameters")
    a.legend()
    for (name, r), c in zip(runs.items(), COLORS, strict=False):
        b.semilogy(np.arange(1, len(r["update"]) + 1), r["update"].mean(1), "o-", ms=3,
                   color=c, label=name)
    b.set(title="mean |Δθ| per step", xlabel="step", ylabel="|Δθ|")
    b.legend()
    fig.tight_layout()
    return fig


def weight_decay_runs(weight_decay: float, epochs: int, lr: float = 1e-3, seed: int = 0,
                      profile: Profile | None = None) -> dict[str, dict[str, object]]:
    """Adam + L2 vs AdamW on the digits MLP: weight norm after each epoch, validation accuracy."""
    x, y, xv, yv = digits_split(seed)
    out = {}
    for name, cls in (("Adam + L2", torch.optim.Adam), ("AdamW", torch.optim.AdamW)):
        model = digits_mlp(seed=seed)
        opt = cls(model.parameters(), lr=lr, weight_decay=weight_decay)
        norms = [float(torch.cat([p.detach().reshape(-1) for p in model.parameters()]).norm())]
        for _ in range(epochs):
            fit(model, loader(x, y, 64, True, seed + len(norms)), loss_fn=nn.CrossEntropyLoss(),
                optimizer=opt, epochs=1, device=torch.device("cpu"), profile=profile,
                progress=False)
            norms.append(float(torch.cat([p.detach().reshape(-1)
                                          for p in model.parameters()]).norm()))
        out[name] = {"norms": np.array(norms), "val accuracy": accuracy(model, xv, yv)}
    return out


def plot_weight_norms(runs: dict[str, dict[str, object]], weight_decay: float) -> Figure:
    fig, ax = plt.subplots()
    plt.close(fig)
    for name, r in runs.items():
        ax.plot(r["norms"], "o-", ms=3, label=f"{name} (val acc {r['val accuracy']:.3f})")
    ax.set(title=f"Weight norm, λ = {weight_decay:g}", xlabel="epoch", ylabel="‖θ‖₂")
    ax.legend()
    return fig


def plot_accumulators(adagrad: dict[str, np.ndarray], rmsprop: dict[str, np.ndarray]) -> Figure:
    """Adagrad's Σg² grows about linearly; RMSProp's σ follows the recent gradients only."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.4))
    plt.close(fig)
    t = np.arange(1, len(adagrad["sigma"]) + 1)
    a.plot(t, (adagrad["sigma"] ** 2 * t[:, None]).mean(1), label="Adagrad: Σ g² (mean over θ)")
    a.set(title="Adagrad's accumulator", xlabel="step t", ylabel="Σ g²")
    a.legend()
    b.plot(t, adagrad["sigma"].mean(1), label="Adagrad σ (RMS of all past g)")
    b.plot(t, rmsprop["sigma"].mean(1), label="RMSProp σ (α = 0.9)")
    b.plot(t, adagrad["g"].mean(1), ":", color="grey", label="|g| this step")
    b.set(title="σ per step (mean over θ)", xlabel="step t", ylabel="σ")
    b.legend()
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- exercises

CRITICAL_CASES: tuple[tuple[str, Callable[[torch.Tensor], torch.Tensor], tuple[float, ...], str],
                      ...] = (
    ("x² + y² at (0, 0)", lambda p: p[0] ** 2 + p[1] ** 2, (0.0, 0.0), "local minimum"),
    ("−x² − y² − z² at (0, 0, 0)", lambda p: -(p**2).sum(), (0.0, 0.0, 0.0), "local maximum"),
    ("x² − y² at (0.5, 0)", lambda p: p[0] ** 2 - p[1] ** 2, (0.5, 0.0), "not critical"),
    ("x·y at (0, 0)", lambda p: p[0] * p[1], (0.0, 0.0), "saddle point"),
    ("x² + y² − 0.01·z² at (0, 0, 0)", lambda p: p[0] ** 2 + p[1] ** 2 - 0.01 * p[2] ** 2,
     (0.0, 0.0, 0.0), "saddle point"),
    ("(1 − w₁w₂)² at (0, 0)", lambda p: (1 - p[0] * p[1]) ** 2, (0.0, 0.0), "saddle point"),
)
"""(description, loss, θ, expected verdict) for :func:`check_critical_point`."""

CRITICAL_HINTS = {
    "not critical": "a point is critical only where the gradient is (numerically) zero; "
                    "check ‖g‖ first",
    "saddle point": "use the signs of ALL eigenvalues of H (torch.linalg.eigvalsh), not its "
                    "diagonal or the majority: one negative and one positive make a saddle",
    "local minimum": "all eigenvalues > 0 means H is positive definite: a local minimum",
    "local maximum": "all eigenvalues < 0 means H is negative definite: a local maximum",
}


def check_critical_point(critical_point: Callable[[Callable, torch.Tensor], str]) -> str:
    """Exercise 1: ``critical_point(loss, θ)`` names the kind of point θ is."""
    def body():
        for what, loss, theta, verdict in CRITICAL_CASES:
            got = attempt(critical_point, loss, torch.tensor(theta, dtype=torch.float64))
            expect(got == verdict, f"for L = {what} you answered {got!r}, expected {verdict!r}: "
                                   f"{CRITICAL_HINTS[verdict]}.")
    return report("critical-point type", body)


def _gradients(n: int = 6) -> list[torch.Tensor]:
    """A fixed gradient sequence with entries of very different sizes."""
    gen = torch.Generator().manual_seed(1)
    scale = torch.tensor([1e-3, 1.0, 10.0, 0.1])
    return [torch.randn(4, generator=gen, dtype=torch.float64) * scale for _ in range(n)]


def _adamw_reference(cls: type[torch.optim.Optimizer], lr: float, weight_decay: float,
                     theta0: torch.Tensor, grads: list[torch.Tensor]) -> torch.Tensor:
    it = iter(grads)
    return torch_path(lambda ps: cls(ps, lr=lr, weight_decay=weight_decay), theta0,
                      lambda _: next(it), len(grads))[1:]


def check_adamw_step(adamw_step: Callable) -> str:
    """Exercise 2: ``adamw_step(θ, g, m, v, t, lr, betas, eps, weight_decay) -> (θ, m, v)``
    follows ``torch.optim.AdamW`` step for step."""
    lr, wd = 0.1, 0.5
    theta0 = torch.tensor([1.0, -2.0, 0.5, 3.0], dtype=torch.float64)
    grads = _gradients()
    expected = _adamw_reference(torch.optim.AdamW, lr, wd, theta0, grads)

    def body():
        theta, m, v, path = theta0.clone(), torch.zeros(4, dtype=torch.float64), \
            torch.zeros(4, dtype=torch.float64), []
        for t, g in enumerate(grads, start=1):
            out = attempt(adamw_step, theta.clone(), g.clone(), m.clone(), v.clone(), t, lr,
                          (0.9, 0.999), 1e-8, wd)
            expect(isinstance(out, tuple) and len(out) == 3,
                   "adamw_step must return the tuple (theta, m, v).")
            theta, m, v = (torch.as_tensor(o, dtype=torch.float64) for o in out)
            path.append(theta)
        path = torch.stack(path)
        if torch.allclose(path, _adamw_reference(torch.optim.Adam, lr, wd, theta0, grads)):
            raise Mistake("this is Adam + L2: the decay λθ went through m and v. AdamW decays "
                          "θ directly, outside the adaptive step.")
        if torch.allclose(path, _adamw_reference(torch.optim.Adam, lr, 0.0, theta0, grads)):
            raise Mistake("this is plain Adam: the weight decay is missing.")
        expect_close(path[0], expected[0], "θ after step 1",
                     hint="at t = 1 bias correction makes m̂ = g and √v̂ = |g|, so each entry of "
                          "the Adam part moves by about lr; the decay shrinks θ by lr·λ·θ")
        expect_close(path, expected, "θ over 6 steps",
                     hint="m and v are running averages of g and g² (β₁, β₂), divided by "
                          "1 − β₁ᵗ and 1 − β₂ᵗ before use")
    return report("AdamW step", body)


def check_warmup_cosine(warmup_cosine: Callable[[int, float, int, int], float]) -> str:
    """Exercise 3: ``warmup_cosine(t, peak_lr, warmup, total)``: linear warm-up from 0 to the
    peak at t = warmup, then cosine decay to 0 at t = total (the decay part is compared with
    ``torch.optim.lr_scheduler.CosineAnnealingLR``)."""
    peak, warmup, total = 0.1, 10, 50
    cosine = lr_sequence(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=total - warmup),
                         total - warmup + 1, peak)

    def body():
        lrs = torch.tensor([float(attempt(warmup_cosine, t, peak, warmup, total))
                            for t in range(total + 1)], dtype=torch.float64)
        expect_close(lrs[0], 0.0, "η at t = 0", hint="the warm-up starts from 0")
        expect_close(lrs[warmup], peak, "η at t = warmup",
                     hint="the warm-up ends at the peak, where the decay begins")
        expect_close(lrs[:warmup + 1], peak * torch.arange(warmup + 1) / warmup,
                     "η during the warm-up", hint="rise linearly: peak·t/warmup")
        expect_close(lrs[warmup:], cosine, "η after the warm-up",
                     hint="decay like ½(1 + cos(π·progress)) with progress from 0 at t = warmup "
                          "to 1 at t = total")
    return report("warm-up + cosine schedule", body)


def check_nesterov_step(nesterov_step: Callable) -> str:
    """Exercise 4: ``nesterov_step(φ, g, v, lr, momentum) -> (φ, v)``, NAG in the variables
    ``torch.optim.SGD(nesterov=True)`` stores (φ = θ + λm, v = −m/η, g = ∇L(φ))."""
    lr, lam = 0.1, 0.9
    curv = torch.tensor([0.5, 2.0, 8.0], dtype=torch.float64)
    phi0 = torch.tensor([3.0, -1.0, 0.5], dtype=torch.float64)

    def grad(phi: torch.Tensor) -> torch.Tensor:
        return curv * (phi - 1)

    def reference(**kwargs) -> torch.Tensor:
        return torch_path(lambda ps: torch.optim.SGD(ps, lr=lr, momentum=lam, **kwargs), phi0,
                          grad, 6)[1:]

    def body():
        phi, v, path = phi0.clone(), torch.zeros(3, dtype=torch.float64), []
        for _ in range(6):
            out = attempt(nesterov_step, phi.clone(), grad(phi), v.clone(), lr, lam)
            expect(isinstance(out, tuple) and len(out) == 2,
                   "nesterov_step must return the tuple (phi, v).")
            phi, v = (torch.as_tensor(o, dtype=torch.float64) for o in out)
            path.append(phi)
        path = torch.stack(path)
        if torch.allclose(path, reference()):
            raise Mistake("this is plain momentum (torch.optim.SGD(momentum=λ)): NAG's φ also "
                          "moves by the look-ahead part. Write φ⁺ = θ⁺ + λm⁺ with θ⁺ = θ + m⁺ "
                          "and θ = φ − λm, then replace m by −ηv.")
        expect_close(path, reference(nesterov=True), "φ over 6 steps",
                     hint="v is the running sum of gradients (v ← λv + g); check the sign of "
                          "each term when you replace m by −ηv")
    return report("Nesterov step in PyTorch's variables", body)
