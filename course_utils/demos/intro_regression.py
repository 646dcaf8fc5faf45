"""Figure, widget and exercise plumbing of L01 (Introduction of ML/DL: view counts, gradient
descent, sigmoid/ReLU networks, backpropagation and the Pokémon CP case study).

The lecture's subject (the model, the losses, the gradient-descent step, backpropagation, the
networks) is written in the notebook; functions here take it as an argument where a figure
needs it. Every ``demo_*`` function is pure: ``demo(**params) -> (figure, numbers)``, so the
notebook's widgets are only UI and tests can call the functions directly. The ``check_*``
functions are the advisory checkers of the notebook's exercises.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter
from torch import nn
from torch.utils.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    SequentialSampler,
    TensorDataset,
)

from course_utils.exercises import attempt, expect, expect_close, expect_shape, report
from course_utils.plots import COLORS, plot_error_surface, plot_fit_1d
from course_utils.quiz import check_quiz
from course_utils.runtime import Profile
from course_utils.toy_data import (
    SPECIES,
    WEEKDAYS,
    ViewCounts,
    lag_features,
    pokemon_cp,
    pokemon_split,
    view_count_series,
)
from course_utils.training import evaluate, fit

Numbers = dict[str, object]

# --------------------------------------------------------------------------- task taxonomy

TASK_TYPES = ("regression", "classification", "structured learning")
TAXONOMY_QUIZ: dict[str, str] = {
    "Predict tomorrow's views of a channel from the last 56 days": "regression",
    "Decide whether an e-mail is spam": "classification",
    "Translate a Chinese sentence into English": "structured learning",
    "Pick the next move in Go (one of 19 × 19 positions)": "classification",
    "Predict tomorrow's PM2.5 concentration": "regression",
    "Write a caption for a photo": "structured learning",
    "Turn a speech recording into a sentence (ASR)": "structured learning",
}
"""The task-taxonomy quiz: example task → its type (one of :data:`TASK_TYPES`)."""


def check_taxonomy_quiz(answers: Mapping[str, str]) -> str:
    """Exercise 1: mark every quiz answer; returns the verdict."""
    return check_quiz(answers, TAXONOMY_QUIZ, TASK_TYPES, "what does the function output?",
                      name="task-taxonomy quiz")


# --------------------------------------------------------------------------- view counts

@lru_cache(maxsize=4)
def view_counts(seed: int = 0) -> ViewCounts:
    """The channel's daily views (cached: every demo draws the same series)."""
    return view_count_series(seed)


def lagged_split(n_lags: int, series: ViewCounts | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``X_train, y_train, X_test, y_test``: the previous ``n_lags`` days → today's views.

    Training days are 2017–2020 and held-out days 2021, as in the lecture.
    """
    series = series or view_counts()
    X, y = lag_features(series.views, n_lags)
    split = series.test_start - n_lags
    return X[:split], y[:split], X[split:], y[split:]


def yesterday_today(part: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """``x1`` (yesterday's views) and ``y`` (today's) of the training or held-out days."""
    X_train, y_train, X_test, y_test = lagged_split(1)
    return (X_train[:, 0], y_train) if part == "train" else (X_test[:, 0], y_test)


def plot_view_counts(series: ViewCounts | None = None) -> Figure:
    """The whole series (training and held-out years) and the mean views per weekday."""
    series = series or view_counts()
    split = series.test_start
    fig, (ax_series, ax_week) = plt.subplots(1, 2, figsize=(11, 3.6),
                                             gridspec_kw={"width_ratios": [2.2, 1]})
    plt.close(fig)
    ax_series.plot(series.date[:split], series.views[:split], lw=0.6, label="training (2017–2020)")
    ax_series.plot(series.date[split:], series.views[split:], lw=0.6, label="held out (2021)")
    ax_series.set(title="Daily views of the channel", xlabel="date", ylabel="views (thousands)")
    ax_series.legend(loc="upper left")
    means = [series.views[:split][series.weekday[:split] == d].mean() for d in range(7)]
    ax_week.bar(WEEKDAYS, means, color=[COLORS[1] if d in (4, 5) else COLORS[0] for d in range(7)],
                label="mean over 2017–2020")
    ax_week.set(title="A 7-day cycle: quiet Fridays and Saturdays", xlabel="weekday",
                ylabel="mean views (thousands)")
    ax_week.set_ylim(0, 1.3 * max(means))
    ax_week.legend(loc="upper right")
    fig.tight_layout()
    return fig


def mae(w, b, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The notebook's MAE of ``y = b + w·x`` on a grid of ``w`` and ``b`` (figure plumbing)."""
    w, b = np.asarray(w, float)[..., None], np.asarray(b, float)[..., None]
    return np.abs(y - (b + w * x)).mean(axis=-1)


def mse(w, b, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The notebook's MSE of ``y = b + w·x`` on a grid of ``w`` and ``b`` (figure plumbing).

    The square is expanded into data moments, so a whole grid costs no more than a point.
    """
    w, b = np.asarray(w, float), np.asarray(b, float)
    return (np.mean(y**2) - 2 * w * np.mean(x * y) - 2 * b * np.mean(y)
            + w**2 * np.mean(x**2) + 2 * w * b * np.mean(x) + b**2)


def least_squares_line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """``(w*, b*)`` from ``np.polyfit``: the gold star of the figures."""
    w, b = np.polyfit(x, y, 1)
    return float(w), float(b)


DIVERGED = 1e6
"""|w| or |b| beyond this counts as diverged."""


def check_updates_per_epoch(fn: Callable[[int, int], int]) -> str:
    """Exercise 2: ``fn(N, B)`` counts the updates of one epoch as a ``DataLoader`` makes them."""
    def body() -> None:
        for n, b in ((10_000, 10), (10_000, 10_000), (10_000, 1), (10, 3), (1_000, 64)):
            want, got = len(DataLoader(range(n), batch_size=b)), attempt(fn, n, b)
            hint = " The last, smaller batch is still an update." if got == n // b else ""
            expect(got == want, f"N = {n}, B = {b}: you give {got}, a DataLoader makes "
                                f"{want} batches.{hint}")
    return report("batch/epoch calculator", body)


VIEW_AXES = {"xlabel": "x1: yesterday's views (thousands)",
             "ylabel": "y: today's views (thousands)"}
W_RANGE, B_RANGE = (-0.2, 1.6), (-1.5, 3.5)


def _line(w: float, b: float, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xg = np.array([0.0, float(x.max())])
    return xg, b + w * xg


def _plain_log_ticks(ax: Axes) -> None:
    """Label a log-scale y axis 20, 50, 100 rather than 2×10¹, 5×10¹, 10²."""
    ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(ScalarFormatter())
    ax.yaxis.set_minor_formatter(NullFormatter())


def demo_linear_fit(w: float = 1.0, b: float = 0.0, loss: str = "MAE") -> tuple[Figure, Numbers]:
    """Demo 1: the model y = b + w·x1 on the view-count series with its MAE or MSE."""
    x, y = yesterday_today()
    values = {"MAE": float(mae(w, b, x, y)), "MSE": float(mse(w, b, x, y))}
    fig, (ax_fit, ax_time) = plt.subplots(1, 2, figsize=(11, 3.8),
                                          gridspec_kw={"width_ratios": [1, 1.5]})
    plt.close(fig)
    plot_fit_1d(x, y, {f"y = {b:.2f} + {w:.2f}·x1": _line(w, b, x)}, ax=ax_fit,
                title=f"L(w, b) = {values[loss]:.3f} ({loss})", **VIEW_AXES)
    series, days = view_counts(), 56
    end = series.test_start
    date, views = series.date[end - days:end], series.views[end - days:end]
    pred = b + w * series.views[end - days - 1:end - 1]
    ax_time.plot(date, views, "o-", ms=3, label="true views ŷ")
    ax_time.plot(date, pred, "s--", ms=3, label="prediction y = b + w·x1")
    ax_time.vlines(date, pred, views, color=COLORS[1], alpha=0.35, label="error e_n")
    quiet = np.isin(series.weekday[end - days:end], (4, 5))
    ax_time.plot(date[quiet], views[quiet], "v", color="k", ms=5, ls="", label="Fri / Sat")
    ax_time.set(title="The last 8 weeks of the training data", xlabel="date",
                ylabel="views (thousands)")
    ax_time.tick_params(axis="x", labelrotation=30)
    ax_time.set_ylim(top=1.3 * max(views.max(), pred.max()))
    ax_time.legend(ncols=4, loc="upper center", fontsize=8)
    fig.tight_layout()
    return fig, {"w": w, "b": b, "MAE": values["MAE"], "MSE": values["MSE"]}


def demo_error_surface(w: float = 0.2, b: float = 2.5) -> tuple[Figure, Numbers]:
    """Demo 2a: a point (w, b) on the MSE error surface and the line it stands for."""
    x, y = yesterday_today()
    w_star, b_star = least_squares_line(x, y)
    fig, (ax_surf, ax_fit) = plt.subplots(1, 2, figsize=(11, 3.8))
    plt.close(fig)
    plot_error_surface(lambda W, B: mse(W, B, x, y), W_RANGE, B_RANGE,
                       optimum=(w_star, b_star), ax=ax_surf, title="Error surface L(w, b) (MSE)")
    ax_surf.plot(w, b, "X", ms=11, color="k", mec="w", label="your (w, b)")
    ax_surf.legend(loc="lower left")
    plot_fit_1d(x, y, {"your line": _line(w, b, x), "best line (w*, b*)": _line(w_star, b_star, x)},
                ax=ax_fit, title="The same (w, b) as a line", **VIEW_AXES)
    fig.tight_layout()
    return fig, {"L(w, b)": float(mse(w, b, x, y)), "L(w*, b*)": float(mse(w_star, b_star, x, y)),
                 "w*": w_star, "b*": b_star}


def demo_gradient_descent(descend: Callable[..., np.ndarray], eta: float = 0.09, w0: float = 1.5,
                          b0: float = 3.0, steps: int = 100) -> tuple[Figure, Numbers]:
    """Demo 2b: the path of the notebook's ``descend(x1, y_hat, eta, w0, b0, steps)`` (rows of
    (w, b)) on the error surface, next to the least-squares optimum."""
    x, y = yesterday_today()
    w_star, b_star = least_squares_line(x, y)
    path = np.asarray(descend(torch.from_numpy(x), torch.from_numpy(y), eta, w0, b0, steps))
    losses = mse(path[:, 0], path[:, 1], x, y)
    diverged = not np.all(np.abs(path[-1]) < DIVERGED) or losses[-1] > 10 * losses[0]
    fig, (ax_surf, ax_loss) = plt.subplots(1, 2, figsize=(11, 3.8))
    plt.close(fig)
    plot_error_surface(lambda W, B: mse(W, B, x, y), W_RANGE, B_RANGE,
                       paths={f"GD, η = {eta:g}": path}, optimum=(w_star, b_star), ax=ax_surf,
                       title=f"{len(path) - 1} steps of gradient descent")
    ax_surf.legend(loc="lower left")
    ax_loss.semilogy(losses, "o-", ms=3, label="L(w, b) along the path")
    ax_loss.axhline(float(mse(w_star, b_star, x, y)), color="goldenrod", ls="--",
                    label="L(w*, b*) closed form")
    ax_loss.set(title="diverged!" if diverged else "Loss per update", xlabel="update",
                ylabel="MSE (log scale)")
    if not diverged:
        _plain_log_ticks(ax_loss)
    ax_loss.legend()
    fig.tight_layout()
    w, b = path[-1]
    return fig, {"w": w, "b": b, "L(w, b)": float(losses[-1]),
                 "distance to (w*, b*)": float(np.hypot(w - w_star, b - b_star)),
                 "diverged": bool(diverged)}


# Three 1-D losses where plain gradient descent stalls: (loss, gradient, start, θ range).
FAILURE_MODES: dict[str, tuple[Callable, Callable, float, tuple[float, float]]] = {
    "local minimum": (lambda t: 0.05 * t**4 - 0.5 * t**2 + 0.3 * t,
                      lambda t: 0.2 * t**3 - t + 0.3, 3.2, (-3.5, 3.5)),
    "saddle point (∂L/∂θ = 0, not a minimum)": (lambda t: t**4 / 4 - 2 * t**3 / 3,
                                                lambda t: t**3 - 2 * t**2, -1.0, (-1.3, 2.8)),
    "plateau (∂L/∂θ ≈ 0)": (lambda t: 1 - np.exp(-((t - 4) ** 2) / 2),
                            lambda t: (t - 4) * np.exp(-((t - 4) ** 2) / 2), 0.8, (-0.5, 6.0)),
}


def plot_gd_failure_modes(eta: float = 0.1, steps: int = 60) -> Figure:
    """Where gradient descent stops early: a local minimum, a saddle point and a plateau."""
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    plt.close(fig)
    for ax, (name, (loss, grad, start, span)) in zip(axes, FAILURE_MODES.items(), strict=True):
        thetas = [start]
        for _ in range(steps):
            thetas.append(thetas[-1] - eta * grad(thetas[-1]))
        thetas = np.array(thetas)
        grid = np.linspace(*span, 300)
        ax.plot(grid, loss(grid), color="grey", label="L(θ)")
        ax.scatter(thetas, loss(thetas), c=np.arange(len(thetas)), cmap="viridis", s=14, zorder=3,
                   label=f"{steps} GD steps (dark → light)")
        ax.plot(thetas[-1], loss(thetas[-1]), "X", color="k", ms=9, label="where GD ends")
        ax.set(title=f"{name}\n|∂L/∂θ| at the end = {abs(grad(thetas[-1])):.1e}", xlabel="θ",
               ylabel="L(θ)")
        ax.legend(loc="best")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- sigmoids and ReLUs

def sigmoid(z):
    """σ(z) = 1 / (1 + e^(−z))."""
    return 1.0 / (1.0 + np.exp(-z))


def hard_sigmoid(z):
    """0 below 0, z on [0, 1], 1 above: the blue curve of the lecture."""
    return np.clip(z, 0.0, 1.0)


def relu(z):
    """max(0, z)."""
    return np.maximum(z, 0.0)


def hard_sigmoid_from_relus(z):
    """The same hard sigmoid as a difference of two ReLUs: max(0, z) − max(0, z − 1)."""
    return relu(z) - relu(z - 1.0)


UNITS: dict[str, Callable] = {"sigmoid": sigmoid, "hard sigmoid": hard_sigmoid,
                              "2 ReLUs": hard_sigmoid_from_relus}
SIGMOID_RANGE = (0.0, 6.0)


def target_curve(x):
    """The smooth curve the sigmoid builder approximates."""
    return 1.0 + np.sin(1.6 * x) + 0.35 * x


def sum_of_units(x: np.ndarray, k: int, unit: str = "hard sigmoid",
                 target: Callable = target_curve, x_range: tuple[float, float] = SIGMOID_RANGE
                 ) -> tuple[np.ndarray, list[np.ndarray]]:
    """``y = b + Σ_i c_i·unit(b_i + w_i·x)`` with k pieces between k + 1 knots of ``target``.

    Hard sigmoids (or ReLU pairs) give exactly the piecewise-linear curve through the knots;
    sigmoids with the same height and mid-slope give a smooth version of it.
    Returns ``(y, [c_i·unit_i(x)])``.
    """
    knots = np.linspace(*x_range, k + 1)
    c = np.diff(target(knots))
    width = knots[1] - knots[0]
    if unit == "sigmoid":
        w = np.full(k, 4.0 / width)  # σ's slope at its centre is w/4: match the ramp's 1/width
        b_i = -w * (knots[:-1] + width / 2)
    else:
        w = np.full(k, 1.0 / width)
        b_i = -w * knots[:-1]
    parts = [c[i] * UNITS[unit](b_i[i] + w[i] * x) for i in range(k)]
    return target(knots[0]) + np.sum(parts, axis=0), parts


def demo_sigmoid_builder(c: float = 1.0, b: float = 0.0, w: float = 1.0, k: int = 4,
                         unit: str = "sigmoid") -> tuple[Figure, Numbers]:
    """Demo 3: one unit c·unit(b + w·x), then k of them summed to approximate a curve."""
    fig, (ax_one, ax_sum) = plt.subplots(1, 2, figsize=(11, 3.8))
    plt.close(fig)
    z = np.linspace(-6, 6, 400)
    ax_one.plot(z, c * UNITS[unit](b + w * z), lw=2.5, label=f"{c:g}·{unit}({b:g} + {w:g}·x)")
    if unit == "2 ReLUs":
        ax_one.plot(z, c * relu(b + w * z), "--", label="c·ReLU(b + w·x)")
        ax_one.plot(z, -c * relu(b + w * z - 1), "--", label="−c·ReLU(b + w·x − 1)")
    ax_one.axhline(c, color="grey", ls=":", label="height c")
    ax_one.set(title="One unit: c sets the height, b the shift, w the slope", xlabel="x",
               ylabel="y", ylim=(min(-0.2, 1.2 * c, -1.2 * abs(c) if unit == "2 ReLUs" else 0),
                                 max(1.2 * c, 0.2, 1.2 * abs(c) if unit == "2 ReLUs" else 0)))
    ax_one.legend(loc="upper left")
    x = np.linspace(*SIGMOID_RANGE, 400)
    y_hat, parts = sum_of_units(x, k, unit)
    for i, part in enumerate(parts):
        ax_sum.plot(x, part, lw=0.8, alpha=0.6, color="grey",
                    label="c_i·unit_i(x)" if i == 0 else None)
    ax_sum.plot(x, target_curve(x), color="k", lw=2, label="target curve")
    n_units = 2 * k if unit == "2 ReLUs" else k
    ax_sum.plot(x, y_hat, color=COLORS[1], lw=2, label=f"b + sum of {n_units} {unit.split()[-1]}")
    err = np.abs(y_hat - target_curve(x))
    ax_sum.set(title=f"k = {k} pieces → {n_units} units, max |error| = {err.max():.3f}",
               xlabel="x", ylabel="y")
    ax_sum.legend(loc="upper left")
    fig.tight_layout()
    return fig, {"units": n_units, "max |error|": float(err.max()),
                 "mean squared error": float(np.mean(err**2))}


def plot_activations() -> Figure:
    """Left: a hard sigmoid built from two ReLUs. Right: common activation functions."""
    fig, (ax_pair, ax_all) = plt.subplots(1, 2, figsize=(11, 3.6))
    plt.close(fig)
    z = np.linspace(-2, 3, 501)
    ax_pair.plot(z, relu(z), "--", label="ReLU(z)")
    ax_pair.plot(z, -relu(z - 1), "--", label="−ReLU(z − 1)")
    ax_pair.plot(z, hard_sigmoid_from_relus(z), lw=3, alpha=0.7, label="sum = hard sigmoid(z)")
    ax_pair.set(title="A hard sigmoid is two ReLUs", xlabel="z", ylabel="activation",
                ylim=(-2.2, 2.2))
    ax_pair.legend(loc="lower left")
    z = np.linspace(-4, 4, 401)
    for name, fn in {"sigmoid": sigmoid, "tanh": np.tanh, "ReLU": relu,
                     "leaky ReLU": lambda v: np.where(v > 0, v, 0.1 * v)}.items():
        ax_all.plot(z, fn(z), lw=2, label=name)
    ax_all.set(title="Activation functions", xlabel="z", ylabel="a = activation(z)",
               ylim=(-1.5, 3))
    ax_all.legend()
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- networks

def plot_network(layer_sizes: Sequence[int] = (3, 4, 4, 1)) -> Figure:
    """A fully connected network: inputs (no neurons), hidden layers of neurons, the output."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    plt.close(fig)
    top = max(layer_sizes)
    coords = [[(i, j - (n - 1) / 2) for j in range(n)] for i, n in enumerate(layer_sizes)]
    for left, right in zip(coords, coords[1:], strict=False):
        for xa, ya in left:
            for xb, yb in right:
                ax.plot([xa, xb], [ya, yb], color="grey", lw=0.6, alpha=0.6, zorder=1)
    last = len(layer_sizes) - 1
    for i, layer in enumerate(coords):
        xs, ys = zip(*layer, strict=True)
        kind = "input" if i == 0 else "output" if i == last else "hidden"
        ax.scatter(xs, ys, s=420, marker="s" if kind == "input" else "o", zorder=2,
                   color={"input": "white", "hidden": COLORS[0], "output": COLORS[1]}[kind],
                   edgecolors="k")
        name = {"input": "input layer\n(x, no neurons)", "output": "output layer\n(y)"}.get(
            kind, f"hidden layer {i}\n(neurons: σ or ReLU)")
        ax.text(i, -(top + 1) / 2 - 0.2, name, ha="center", va="top", fontsize=9)
    ax.set(title=f"A network with {last - 1} hidden layers: deep = many hidden layers",
           xlim=(-0.6, last + 0.6), ylim=(-(top + 1) / 2 - 1.4, (top + 1) / 2))
    ax.axis("off")
    return fig


def tensor_loader(X: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool) -> DataLoader:
    """A DataLoader over float tensors that slices whole batches at once (no per-row calls)."""
    data = TensorDataset(torch.as_tensor(X, dtype=torch.float32),
                         torch.as_tensor(y, dtype=torch.float32).reshape(-1, 1))
    order = RandomSampler(data) if shuffle else SequentialSampler(data)
    return DataLoader(data, sampler=BatchSampler(order, batch_size, drop_last=False),
                      batch_size=None)


@contextlib.contextmanager
def _one_cpu_thread() -> Iterator[None]:
    """Tiny networks train faster on one CPU thread: a second one only adds synchronisation."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def train_networks(n_lags: int, architectures: Sequence[tuple[int, int]],
                   make_model: Callable[[int, int, int, str], nn.Module],
                   activation: str = "relu", *, epochs: int, batch_size: int, lr: float = 3e-3,
                   seed: int = 0, profile: Profile | None = None) -> pd.DataFrame:
    """Demo 4: train ``make_model(n_lags, depth, width, activation)`` for each (hidden layers,
    neurons per layer) on the view counts.

    Inputs and targets are divided by the training mean; MAE is reported back in thousands
    of views. Every network starts from ``seed`` and trains with Adam and a cosine
    learning-rate decay; nothing is selected on the held-out year.
    """
    X_train, y_train, X_test, y_test = lagged_split(n_lags)
    scale = float(y_train.mean())
    train = tensor_loader(X_train / scale, y_train / scale, batch_size, shuffle=True)
    rows = []
    with torch.random.fork_rng(), _one_cpu_thread():
        for depth, width in architectures:
            torch.manual_seed(seed)
            model = make_model(n_lags, depth, width, activation)
            optimizer = torch.optim.Adam(model.parameters(), lr=lr)
            schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs)
            fit(model, train, loss_fn=nn.MSELoss(), optimizer=optimizer, epochs=epochs,
                scheduler=schedule, profile=profile)
            rows.append({
                "network": f"{depth} × {width}", "hidden layers": depth,
                "neurons per layer": width, "activation": activation,
                "parameters": sum(p.numel() for p in model.parameters()),
                "train MAE": scale * evaluate(model, tensor_loader(
                    X_train / scale, y_train / scale, 4096, False), nn.L1Loss()),
                "held-out MAE": scale * evaluate(model, tensor_loader(
                    X_test / scale, y_test / scale, 4096, False), nn.L1Loss()),
            })
    return pd.DataFrame(rows)


def linear_baseline(n_lags: int) -> dict[str, object]:
    """The least-squares linear model on ``n_lags`` previous days: train and held-out MAE,
    weights ``w`` (yesterday first) and bias ``b``."""
    X_train, y_train, X_test, y_test = lagged_split(n_lags)
    A = np.c_[X_train, np.ones(len(X_train))]
    theta = np.linalg.lstsq(A, y_train, rcond=None)[0]
    return {"train MAE": float(np.abs(A @ theta - y_train).mean()),
            "held-out MAE": float(np.abs(np.c_[X_test, np.ones(len(X_test))] @ theta
                                         - y_test).mean()),
            "w": theta[:-1], "b": float(theta[-1])}


def plot_networks(table: pd.DataFrame, baseline: Mapping[str, float] | None = None) -> Figure:
    """Train vs held-out MAE per network (and the linear model's, dotted)."""
    fig, ax = plt.subplots(figsize=(7, 3.8))
    plt.close(fig)
    pos = np.arange(len(table))
    ax.bar(pos - 0.2, table["train MAE"], width=0.4, label="train (2017–2020)")
    ax.bar(pos + 0.2, table["held-out MAE"], width=0.4, label="held out (2021)")
    if baseline is not None:
        ax.axhline(baseline["train MAE"], color=COLORS[0], ls=":", label="linear model, train")
        ax.axhline(baseline["held-out MAE"], color=COLORS[1], ls=":",
                   label="linear model, held out")
    low = 0.8 * min(table["train MAE"].min(), table["held-out MAE"].min())
    name = {"relu": "ReLU", "sigmoid": "Sigmoid"}[table["activation"].iloc[0]]
    ax.set(title=f"{name} networks on the view counts",
           xlabel="hidden layers × neurons per layer", ylabel="MAE (thousands of views)",
           xticks=pos, xticklabels=table["network"],
           ylim=(low, 1.15 * max(table["held-out MAE"].max(), table["train MAE"].max())))
    ax.legend(ncols=2, loc="upper left", fontsize=8)
    return fig


# --------------------------------------------------------------------------- history

DL_HISTORY = (
    (1958, "Perceptron\n(linear, no activation)"),
    (1969, "“Perceptron has\nlimitations”"),
    (1980, "Multi-layer perceptron\n(≈ today's DNN)"),
    (1986, "Backpropagation"),
    (1989, "“One hidden layer is\ngood enough, why deep?”"),
    (2006, "RBM initialization\n(later abandoned)"),
    (2009, "GPU training"),
    (2011, "Speech, then images:\nbetter and better"),
)


def plot_dl_history() -> Figure:
    """A static timeline of deep learning, 1958 → 2011+ (evenly spaced, not to scale)."""
    fig, ax = plt.subplots(figsize=(11, 3.0))
    plt.close(fig)
    ax.axhline(0, color="k", lw=1.5)
    for i, (year, event) in enumerate(DL_HISTORY):
        up = 1 if i % 2 == 0 else -1
        label = f"{year}{'s' if year == 1980 else '+' if year == 2011 else ''}"
        ax.plot([i, i], [0, 0.45 * up], color="grey", lw=1)
        ax.plot(i, 0, "o", color=COLORS[i % len(COLORS)], ms=10)
        ax.text(i, 0.5 * up, f"{label}\n{event}" if up > 0 else f"{event}\n{label}",
                ha="center", va="bottom" if up > 0 else "top", fontsize=9)
    ax.set(title="A short history of deep learning", xlim=(-0.7, len(DL_HISTORY) - 0.3),
           ylim=(-1.5, 1.5))
    ax.axis("off")
    return fig


# --------------------------------------------------------------------------- backpropagation

def toy_network(seed: int = 0) -> dict[str, torch.Tensor]:
    """Demo 5's 2-2-2 network (float64): input ``x``, target ``y_hat``, weights and biases."""
    g = torch.Generator().manual_seed(seed)
    rand = lambda *shape: torch.randn(*shape, generator=g, dtype=torch.float64)  # noqa: E731
    return {"x": torch.tensor([1.0, -1.0], dtype=torch.float64),
            "y_hat": torch.tensor([0.0, 1.0], dtype=torch.float64),
            "W1": rand(2, 2), "b1": rand(2), "W2": rand(2, 2), "b2": rand(2)}


WEIGHTS = ("W1", "b1", "W2", "b2")


def backprop_table(dz_dw: Mapping[str, torch.Tensor], dl_dz: Mapping[str, torch.Tensor],
                   autograd: Mapping[str, torch.Tensor]) -> pd.DataFrame:
    """One row per weight: forward value ∂z/∂w, backward value ∂l/∂z, their product and
    autograd's ∂l/∂w. Each entry has its weight's shape (broadcast if needed)."""
    rows = []
    for name in WEIGHTS:
        shape = autograd[name].shape
        columns = [torch.as_tensor(t[name], dtype=torch.float64).expand(shape).reshape(-1)
                   for t in (dz_dw, dl_dz, autograd)]
        for idx, (f, b, a) in enumerate(zip(*columns, strict=True)):
            label = f"{name}[{idx // shape[1]}, {idx % shape[1]}]" if len(shape) == 2 else \
                f"{name}[{idx}]"
            rows.append({"weight": label, "∂z/∂w (forward)": float(f),
                         "∂l/∂z (backward)": float(b), "product": float(f * b),
                         "autograd ∂l/∂w": float(a), "|difference|": abs(float(f * b - a))})
    return pd.DataFrame(rows)


def relu_network(seed: int = 3) -> dict[str, torch.Tensor]:
    """Exercise 3's 3-4-2 network (float64): ``x``, ``y_hat``, ``W1``, ``b1``, ``W2``, ``b2``.

    The seed leaves some hidden neurons inactive (z1 < 0), so ReLU'(z1) matters.
    """
    g = torch.Generator().manual_seed(seed)
    rand = lambda *shape: torch.randn(*shape, generator=g, dtype=torch.float64)  # noqa: E731
    return {"x": rand(3), "y_hat": rand(2), "W1": rand(4, 3), "b1": rand(4), "W2": rand(2, 4),
            "b2": rand(2)}


def _relu_network_gradients(net: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Autograd's ∂l/∂w of l = ½‖W2·ReLU(W1·x + b1) + b2 − ŷ‖² (the checker's reference)."""
    leaves = {k: net[k].clone().requires_grad_() for k in WEIGHTS}
    y = leaves["W2"] @ torch.relu(leaves["W1"] @ net["x"] + leaves["b1"]) + leaves["b2"]
    (0.5 * ((y - net["y_hat"]) ** 2).sum()).backward()
    return {k: v.grad for k, v in leaves.items()}


RELU_BACKPROP_HINTS = {
    "b2": "the output layer is linear, so ∂l/∂z2 = y − ŷ",
    "W2": "∂l/∂W2[i, j] = ∂l/∂z2_i · a1_j: backward value × forward value, an outer product",
    "b1": "∂l/∂z1 = ReLU'(z1) · (W2ᵀ ∂l/∂z2), where ReLU'(z) is 1 for z > 0 and 0 otherwise",
    "W1": "∂l/∂W1[i, j] = ∂l/∂z1_i · x_j",
}


def check_relu_backprop(fn: Callable[..., Mapping[str, torch.Tensor]]) -> str:
    """Exercise 3: ``fn(x, y_hat, W1, b1, W2, b2)`` returns ∂l/∂w for every weight by hand."""
    def body() -> None:
        net = relu_network()
        grads = attempt(fn, **net)
        expect(isinstance(grads, Mapping) and set(WEIGHTS) <= set(grads),
               f"return a dict with the keys {', '.join(WEIGHTS)}.")
        truth = _relu_network_gradients(net)
        for name in ("b2", "W2", "b1", "W1"):  # in the order backprop computes them
            expect_shape(grads[name], net[name].shape, f"∂l/∂{name}")
            expect_close(grads[name], truth[name], f"∂l/∂{name}",
                         hint=f"Hint: {RELU_BACKPROP_HINTS[name]}.", atol=1e-9)
    return report("backprop through a ReLU layer", body, success="it matches autograd.")


# --------------------------------------------------------------------------- Pokémon CP

CP_SCALE = 100.0  # features use cp / 100 so that cp⁵ stays well conditioned


def poly_features(cp: np.ndarray, degree: int) -> np.ndarray:
    """Columns 1, x, x², …, x^degree with x = cp / 100 (column 0 multiplies b)."""
    x = np.asarray(cp, dtype=float) / CP_SCALE
    return np.stack([x**k for k in range(degree + 1)], axis=1)


def species_features(data: Mapping[str, np.ndarray], extra: Sequence[str] = ()) -> np.ndarray:
    """One model per species, merged into one: δ(species = s)·[1, x] for every s, then the
    ``extra`` features (each divided by its scale) and their squares."""
    onehot = np.stack([data["species"] == s for s in SPECIES], axis=1).astype(float)
    x = data["cp"][:, None] / CP_SCALE
    cols = [onehot, onehot * x]
    scales = {"hp": 100.0, "height": 1.0, "weight": 10.0}
    for name in extra:
        v = data[name][:, None] / scales[name]
        cols += [v, v**2]
    return np.concatenate(cols, axis=1)


RidgeFit = Callable[[torch.Tensor, torch.Tensor, float, torch.Tensor], torch.Tensor]
"""The notebook's ``ridge_fit(Phi, y, lam, penalized) -> θ``."""


def _fit(ridge_fit: RidgeFit, Phi: np.ndarray, y: np.ndarray, lam: float,
         penalized: np.ndarray) -> np.ndarray:
    """Call the notebook's ``ridge_fit`` on NumPy data and return θ as NumPy."""
    return np.asarray(ridge_fit(torch.from_numpy(Phi), torch.from_numpy(np.asarray(y, float)),
                                lam, torch.from_numpy(np.asarray(penalized, bool))))


def rmse(pred: np.ndarray, y: np.ndarray) -> float:
    """Root-mean-square error, in the units of y."""
    return float(np.sqrt(np.mean((np.asarray(pred) - np.asarray(y)) ** 2)))


def poly_errors(ridge_fit: RidgeFit, train: Mapping, test: Mapping, degree: int,
                lam: float = 0.0, penalize_b: bool = False) -> tuple[float, float, np.ndarray]:
    """Train and test RMSE of the (regularized) polynomial of ``degree``, and its θ."""
    Phi = poly_features(train["cp"], degree)
    penalized = np.ones(degree + 1, bool)
    penalized[0] = penalize_b
    theta = _fit(ridge_fit, Phi, train["cp_after"], lam, penalized)
    return (rmse(Phi @ theta, train["cp_after"]),
            rmse(poly_features(test["cp"], degree) @ theta, test["cp_after"]), theta)


def demo_pokemon(ridge_fit: RidgeFit, degree: int = 5, log10_lambda: float = -8.0,
                 penalize_b: bool = False) -> tuple[Figure, Numbers]:
    """Demo 6: CP after evolution ≈ polynomial of CP fitted by the notebook's ``ridge_fit``;
    degree, λ = 10^log10_lambda, penalize b."""
    train, test = pokemon_split()
    lam = 10.0**log10_lambda
    fig, (ax_fit, ax_err) = plt.subplots(1, 2, figsize=(11, 3.8))
    plt.close(fig)
    *_, theta = poly_errors(ridge_fit, train, test, degree, lam, penalize_b)
    grid = np.linspace(0, 620, 300)
    ax_fit.scatter(test["cp"], test["cp_after"], s=12, marker="x", color="grey",
                   label=f"test data ({len(test['cp'])})")
    ax_fit.scatter(train["cp"], train["cp_after"], s=45, color=COLORS[2], edgecolors="k",
                   zorder=3, label=f"training data ({len(train['cp'])})")
    ax_fit.plot(grid, poly_features(grid, degree) @ theta, lw=2,
                label=f"degree {degree}, λ = {lam:.3g}")
    ax_fit.set(title="CP after evolution", xlabel="CP before evolution (x)",
               ylabel="CP after evolution (y)",
               ylim=(-100, 1.3 * max(train["cp_after"].max(), test["cp_after"].max())))
    ax_fit.legend(loc="upper left")
    degrees = np.arange(1, 6)
    errors = np.array([poly_errors(ridge_fit, train, test, d, lam, penalize_b)[:2]
                       for d in degrees])
    ax_err.semilogy(degrees, errors[:, 0], "o-", label="train")
    ax_err.semilogy(degrees, errors[:, 1], "s-", label="test")
    ax_err.axvline(degree, color="grey", ls=":", label="your degree")
    ax_err.set(title=f"RMSE vs degree (λ = {lam:.3g}, b {'' if penalize_b else 'not '}penalized)",
               xlabel="polynomial degree", ylabel="RMSE (CP, log scale)", xticks=degrees)
    _plain_log_ticks(ax_err)
    ax_err.legend()
    fig.tight_layout()
    return fig, {"train RMSE": float(errors[degree - 1, 0]),
                 "test RMSE": float(errors[degree - 1, 1]),
                 "Σ w_i²": float(np.sum(theta[1:] ** 2))}


def lambda_sweep(ridge_fit: RidgeFit, train: Mapping, test: Mapping, degree: int,
                 log10_lambdas: Sequence[float], penalize_b: bool = False) -> pd.DataFrame:
    """Train/test RMSE and Σw² of the degree-``degree`` polynomial for each λ."""
    rows = []
    for log_lam in log10_lambdas:
        tr, te, theta = poly_errors(ridge_fit, train, test, degree, 10.0**log_lam, penalize_b)
        rows.append({"λ": 10.0**log_lam, "train RMSE": tr, "test RMSE": te,
                     "Σ w_i²": float(np.sum(theta[1:] ** 2))})
    return pd.DataFrame(rows)


def plot_lambda_sweep(table: pd.DataFrame, degree: int) -> Figure:
    """Train and test RMSE against λ (log-log): smooth, but not too smooth."""
    fig, ax = plt.subplots()
    plt.close(fig)
    ax.loglog(table["λ"], table["train RMSE"], "o-", label="train")
    ax.loglog(table["λ"], table["test RMSE"], "s-", label="test")
    best = table["test RMSE"].idxmin()
    ax.plot(table["λ"][best], table["test RMSE"][best], "*", ms=14, color="gold", mec="k",
            label=f"best λ = {table['λ'][best]:.3g}")
    ax.set(title=f"Regularizing the degree-{degree} polynomial", xlabel="λ (log scale)",
           ylabel="RMSE (CP, log scale)")
    _plain_log_ticks(ax)
    ax.legend()
    return fig


def species_model_errors(ridge_fit: RidgeFit, train: Mapping, test: Mapping,
                         extra: Sequence[str] = (), lam: float = 0.0) -> tuple[float, float]:
    """Train and test RMSE of one linear model per species (plus ``extra`` features).

    λ penalizes every weight but not the per-species biases b_s.
    """
    Phi = species_features(train, extra)
    theta = _fit(ridge_fit, Phi, train["cp_after"], lam, np.arange(Phi.shape[1]) >= len(SPECIES))
    return (rmse(Phi @ theta, train["cp_after"]),
            rmse(species_features(test, extra) @ theta, test["cp_after"]))


def pokemon_remedies(ridge_fit: RidgeFit, lam_poly: float, lam_species: float,
                     more_data: int) -> pd.DataFrame:
    """The case study's remedies for overfitting, each next to the model it repairs."""
    train, test = pokemon_split()
    big = pokemon_cp(more_data, seed=1)
    poly = lambda *args, **kw: poly_errors(ridge_fit, *args, **kw)[:2]  # noqa: E731
    species = lambda *args, **kw: species_model_errors(ridge_fit, *args, **kw)  # noqa: E731
    rows = {
        "degree 5 in cp (overfits)": poly(train, test, 5),
        "  ↳ select a simpler model: degree 2": poly(train, test, 2),
        f"  ↳ more data: {more_data} training Pokémon": poly(big, test, 5),
        f"  ↳ regularization, λ = {lam_poly:g}": poly(train, test, 5, lam_poly),
        "redesign (hidden factor): one line per species": species(train, test),
        "one line per species + hp, hp² (overfits)": species(train, test, ("hp",)),
        "  ↳ remove the useless feature hp": species(train, test),
        f"  ↳ regularization, λ = {lam_species:g}": species(train, test, ("hp",), lam_species),
    }
    return pd.DataFrame([{"model": k, "train RMSE": tr, "test RMSE": te}
                         for k, (tr, te) in rows.items()])
