"""Figure, widget, data and exercise plumbing of L02a (the General Guide, validation,
generalization, why deep).

The lecture's subject (polynomial fitting, the k-fold split, bias and variance, the networks,
the tent net and its piece count) is written in the notebook; functions here take it as an
argument where a figure needs it. Every ``demo_*`` function is pure:
``demo(**params) -> (figure, numbers)``, so the notebook's widgets are only UI and tests can
call the functions directly. The ``check_*`` functions are the exercises' advisory checkers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from matplotlib.figure import Figure
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures
from torch import nn

from course_utils import toy_data
from course_utils.exercises import attempt, expect, expect_close, report
from course_utils.plots import COLORS
from course_utils.quiz import check_quiz
from course_utils.runtime import Profile
from course_utils.training import evaluate, fit

Numbers = dict[str, object]
FitPredict = Callable[[torch.Tensor, torch.Tensor, int, torch.Tensor], torch.Tensor]
"""The notebook's ``fit_predict(x, y, degree, x_new)``: fit a polynomial, predict at x_new."""
MakeModel = Callable[..., nn.Module]
"""The notebook's ``plain_mlp(n_in, hidden_layers, width, n_out, dropout=0.0)``."""

# --------------------------------------------------------------------------- the General Guide

DIAGNOSES = ("model bias", "optimization", "overfitting", "mismatch", "done")
ADVICE = {
    "model bias": "make the model more flexible: more features, layers or neurons",
    "optimization": "a better optimizer (→ L02b); the deeper model is not the problem",
    "overfitting": "more data, sensible augmentation, or a more constrained model",
    "mismatch": "training and testing differ; more data will not help (→ L11)",
    "done": "both losses are small: submit",
}


def diagnose(train_loss_large: bool, deeper_has_larger_train_loss: bool,
             val_loss_large: bool, test_loss_large: bool) -> str:
    """Walk the General Guide's flowchart and return one of :data:`DIAGNOSES`.

    The validation set is split from the training data; the test set may come from elsewhere.
    """
    if train_loss_large:
        return "optimization" if deeper_has_larger_train_loss else "model bias"
    if val_loss_large:
        return "overfitting"
    return "mismatch" if test_loss_large else "done"


def diagnose_log(log: Mapping[str, float], good: float = 0.1) -> str:
    """Diagnose a training log: final losses of a shallow and a deep model, the deep model's
    validation loss (same distribution) and test loss; a loss above ``good`` is large."""
    return diagnose(log["deep train"] > good, log["deep train"] > log["shallow train"],
                    log["deep val"] > good, log["deep test"] > good)


CANNED_LOGS: dict[str, dict[str, float]] = {
    "A": {"shallow train": 0.62, "deep train": 0.58, "deep val": 0.61, "deep test": 0.63},
    "B": {"shallow train": 0.04, "deep train": 0.01, "deep val": 0.45, "deep test": 0.47},
    "C": {"shallow train": 0.08, "deep train": 0.35, "deep val": 0.36, "deep test": 0.38},
    "D": {"shallow train": 0.06, "deep train": 0.02, "deep val": 0.04, "deep test": 0.52},
}
"""Four canned training logs for the diagnosis exercise (losses after training)."""


def check_diagnoses(answers: Mapping[str, str]) -> str:
    """Exercise 1: mark the diagnosis of every canned log; returns the verdict."""
    key = {f"log {name}": diagnose_log(log) for name, log in CANNED_LOGS.items()}
    answers = {f"log {name}": answer for name, answer in answers.items()}
    return check_quiz(answers, key, DIAGNOSES, "compare train with val, and shallow with deep",
                      name="diagnose four training logs")


_NODES = {  # name: (x, y, text)
    "train": (0.5, 0.9, "training loss\nlarge?"),
    "deeper": (0.22, 0.6, "deeper model has a\nlarger training loss?"),
    "val": (0.78, 0.6, "validation loss\nlarge?"),
    "test": (0.9, 0.3, "test loss large?\n(different data)"),
    "optimization": (0.08, 0.25, "optimization"),
    "model bias": (0.36, 0.25, "model bias"),
    "overfitting": (0.62, 0.3, "overfitting"),
    "mismatch": (0.78, 0.05, "mismatch"),
    "done": (1.0, 0.05, "done"),
}
_EDGES = [("train", "deeper", "yes"), ("train", "val", "no"), ("deeper", "optimization", "yes"),
          ("deeper", "model bias", "no"), ("val", "overfitting", "yes"), ("val", "test", "no"),
          ("test", "mismatch", "yes"), ("test", "done", "no")]


def demo_general_guide(train_loss_large: bool = True, deeper_has_larger_train_loss: bool = False,
                       val_loss_large: bool = False, test_loss_large: bool = False
                       ) -> tuple[Figure, Numbers]:
    """Demo 1: the General Guide as a flowchart, with the answered path highlighted."""
    answers = {"train": train_loss_large, "deeper": deeper_has_larger_train_loss,
               "val": val_loss_large, "test": test_loss_large}
    result = diagnose(train_loss_large, deeper_has_larger_train_loss, val_loss_large,
                      test_loss_large)
    path, node = ["train"], "train"
    while node in answers:
        node = next(dst for src, dst, lab in _EDGES
                    if src == node and (lab == "yes") == answers[node])
        path.append(node)
    fig, ax = plt.subplots(figsize=(8.5, 4.2))
    plt.close(fig)
    for src, dst, lab in _EDGES:
        (x0, y0, _), (x1, y1, _) = _NODES[src], _NODES[dst]
        on = src in path and dst in path
        ax.annotate("", (x1, y1 + 0.06), (x0, y0 - 0.06), arrowprops={
            "arrowstyle": "->", "color": COLORS[1] if on else "0.7", "lw": 2 if on else 1})
        ax.text((x0 + x1) / 2, (y0 + y1) / 2, lab, fontsize=8, color="0.3", ha="center")
    for name, (x, y, text) in _NODES.items():
        leaf = name in DIAGNOSES
        face = (COLORS[1] if name == result else "#fde0dd") if name in path else "white"
        ax.text(x, y, text, ha="center", va="center", fontsize=9,
                color="white" if name == result else "k",
                bbox={"boxstyle": "round" if leaf else "square", "fc": face, "ec": "0.4"})
    ax.set(xlim=(-0.08, 1.12), ylim=(-0.05, 1.0),
           title=f"The General Guide → {result}: {ADVICE[result]}")
    ax.axis("off")
    return fig, {"diagnosis": result}


# --------------------------------------------------------------------------- framework (1-D data)

def sine_data(n: int, noise: float = 0.3, seed: int = 0,
              x_range: tuple[float, float] = (-1.0, 1.0)) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points of ``y = sin(πx) + noise`` with x uniform in ``x_range``."""
    rng = np.random.RandomState(seed)
    x = rng.uniform(*x_range, n)
    return x, np.sin(np.pi * x) + rng.normal(0.0, noise, n)


def _fit_predict_np(fit_predict: FitPredict, x: np.ndarray, y: np.ndarray, degree: int,
                    x_new: np.ndarray) -> np.ndarray:
    as_t = torch.from_numpy
    return fit_predict(as_t(x), as_t(y), degree, as_t(x_new)).detach().numpy()


def plot_complexity_curve(table: pd.DataFrame) -> Figure:
    """The bias–complexity trade-off: training loss falls, validation loss is U-shaped."""
    fig, ax = plt.subplots()
    plt.close(fig)
    ax.plot(table["degree"], table["train MSE"], "o-", label="training")
    ax.plot(table["degree"], table["validation MSE"], "s-", label="validation")
    best = table.loc[table["validation MSE"].idxmin()]
    ax.axvline(best["degree"], color="grey", ls=":", label=f"picked: degree {best['degree']:.0f}")
    ax.set_yscale("log")
    ax.set(title="Bias–complexity trade-off (20 training points)",
           xlabel="model complexity (polynomial degree)", ylabel="MSE")
    ax.legend()
    return fig


# --------------------------------------------------------------------------- shallow vs deep

def digits_split(val_fraction: float = 0.1, seed: int = 0
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's 8×8 digits scaled to [0, 1], split 90/10 (stratified)."""
    X, y = toy_data.digits()
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=val_fraction, random_state=seed, stratify=y)
    return X_train, X_val, y_train, y_val


class Batches:
    """Mini-batches of ``(x, y)`` tensors in a fresh seeded order each epoch; ``jitter`` adds
    Gaussian noise to x (the 1-D data augmentation of the overfitting lab)."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, seed: int = 0,
                 jitter: float = 0.0):
        self.x, self.y, self.batch_size, self.jitter = x, y, batch_size, jitter
        self.generator = torch.Generator().manual_seed(seed)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        order = torch.randperm(len(self.x), generator=self.generator)
        for start in range(0, len(self.x), self.batch_size):
            idx = order[start:start + self.batch_size]
            x = self.x[idx]
            if self.jitter > 0:
                x = x + self.jitter * torch.randn(x.shape, generator=self.generator)
            yield x, self.y[idx]


def depth_comparison(make_model: MakeModel, hidden_layers: Sequence[int], *, epochs: int,
                     width: int = 32,
                     lr: float = 0.05, optimizer: str = "sgd", seed: int = 0,
                     profile: Profile | None = None) -> tuple[pd.DataFrame, dict[int, list[float]]]:
    """Demo 2: ``make_model(64, depth, width, 10)`` for several depths on digits, same
    optimizer and epochs.

    Returns a table (depth, parameters, final train/validation cross-entropy and accuracy)
    and each net's per-epoch training loss.
    """
    X_train, X_val, y_train, y_val = digits_split(seed=seed)
    xt, yt = torch.tensor(X_train, dtype=torch.float32), torch.tensor(y_train)
    xv, yv = torch.tensor(X_val, dtype=torch.float32), torch.tensor(y_val)
    rows, curves = [], {}
    with torch.random.fork_rng():
        for depth in hidden_layers:
            torch.manual_seed(seed)
            model = make_model(64, depth, width, 10)
            opt = (torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9) if optimizer == "sgd"
                   else torch.optim.Adam(model.parameters(), lr=lr))
            history = fit(model, Batches(xt, yt, 64, seed), loss_fn=nn.CrossEntropyLoss(),
                          optimizer=opt, epochs=epochs, device=torch.device("cpu"),
                          profile=profile, progress=False)
            curves[depth] = history.train_loss
            model.eval()
            with torch.no_grad():
                acc_t = (model(xt).argmax(1) == yt).float().mean().item()
                acc_v = (model(xv).argmax(1) == yv).float().mean().item()
            rows.append({
                "hidden layers": depth, "parameters": sum(p.numel() for p in model.parameters()),
                "train loss": evaluate(model, [(xt, yt)], nn.CrossEntropyLoss()),
                "validation loss": evaluate(model, [(xv, yv)], nn.CrossEntropyLoss()),
                "train accuracy": acc_t, "validation accuracy": acc_v})
    return pd.DataFrame(rows), curves


def plot_depth_curves(curves: Mapping[int, Sequence[float]], title: str) -> Figure:
    """Training loss per epoch for each depth."""
    fig, ax = plt.subplots()
    plt.close(fig)
    for depth, losses in curves.items():
        ax.plot(np.arange(1, len(losses) + 1), losses, label=f"{depth} hidden layers")
    ax.set(title=title, xlabel="epoch", ylabel="training cross-entropy")
    ax.legend()
    return fig


def shallow_baseline(seed: int = 0) -> dict[str, float]:
    """Start easy: logistic regression (no deep learning) on the same digits split."""
    X_train, X_val, y_train, y_val = digits_split(seed=seed)
    model = LogisticRegression(max_iter=2000).fit(X_train, y_train)
    return {"train accuracy": model.score(X_train, y_train),
            "validation accuracy": model.score(X_val, y_val)}


# --------------------------------------------------------------------------- overfitting lab

def demo_overfitting(make_model: MakeModel, width: int = 128, n_train: int = 15,
                     jitter: bool = False, early_stopping: bool = False, dropout: bool = False,
                     l2: bool = False, epochs: int = 400, seed: int = 0
                     ) -> tuple[Figure, Numbers]:
    """Demo 3: ``make_model(1, 2, width, 1, dropout)`` on a few noisy sine points, with or
    without remedies.

    Full-batch Adam; ``jitter`` adds x-noise (σ = 0.05) to every batch, ``dropout`` p = 0.2,
    ``l2`` a (decoupled) weight decay of 1.0 and ``early_stopping`` keeps the best validation epoch
    (patience 50). The reported losses are those of the model that is kept.
    """
    x, y = sine_data(n_train, seed=seed)
    xv, yv = sine_data(200, seed=seed + 1)
    t = lambda a: torch.tensor(a, dtype=torch.float32).reshape(-1, 1)  # noqa: E731
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = make_model(1, 2, width, 1, dropout=0.2 if dropout else 0.0)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=1.0 if l2 else 0.0)
        history = fit(model, Batches(t(x), t(y), n_train, seed, 0.05 if jitter else 0.0),
                      [(t(xv), t(yv))], loss_fn=nn.MSELoss(), optimizer=opt, epochs=epochs,
                      device=torch.device("cpu"), patience=50 if early_stopping else None,
                      progress=False)
        if not early_stopping:  # keep the last epoch, not fit's best-validation weights
            kept_train, kept_val = history.train_loss[-1], history.val_loss[-1]
        else:
            kept_train = evaluate(model, [(t(x), t(y))], nn.MSELoss())
            kept_val = history.best_val_loss
        grid = np.linspace(-1, 1, 300)
        model.eval()
        with torch.no_grad():
            pred = model(t(grid)).numpy().ravel()
    fig, (ax_fit, ax_curve) = plt.subplots(1, 2, figsize=(11, 3.8))
    plt.close(fig)
    ax_fit.scatter(xv, yv, s=6, color="0.75", label="validation data")
    ax_fit.scatter(x, y, s=25, color="k", label="training data")
    ax_fit.plot(grid, np.sin(np.pi * grid), "--", color=COLORS[2], label="truth sin(πx)")
    ax_fit.plot(grid, pred, color=COLORS[1], lw=2, label="kept model")
    ax_fit.set(title=f"width {width}, {n_train} training points", xlabel="x", ylabel="y",
               ylim=(-2.2, 2.2))
    ax_fit.legend(fontsize=8)
    epochs_run = np.arange(1, history.epochs + 1)
    ax_curve.plot(epochs_run, history.train_loss, label="training")
    ax_curve.plot(epochs_run, history.val_loss, label="validation")
    if early_stopping:
        ax_curve.axvline(history.best_epoch + 1, color="grey", ls=":", label="kept epoch")
    ax_curve.set(title="Loss curves", xlabel="epoch", ylabel="MSE", yscale="log")
    ax_curve.legend()
    fig.tight_layout()
    return fig, {"train MSE": kept_train, "validation MSE": kept_val,
                 "gap": kept_val - kept_train, "epochs run": history.epochs}


def remedies_table(make_model: MakeModel, settings: Mapping[str, Mapping[str, object]],
                   epochs: int) -> pd.DataFrame:
    """Run :func:`demo_overfitting` once per named setting; train/validation MSE per row."""
    rows = []
    for name, params in settings.items():
        _, numbers = demo_overfitting(make_model, epochs=epochs, **params)
        rows.append({"setting": name, "train MSE": numbers["train MSE"],
                     "validation MSE": numbers["validation MSE"]})
    return pd.DataFrame(rows).set_index("setting")


def plot_augmentation_examples(digits: Sequence[int] = (2, 6, 7)) -> Figure:
    """Digits and their augmentations: a small shift or zoom keeps the label, flips may not
    (a 6 upside down is a 9)."""
    images, labels = toy_data.digits()
    images = images.reshape(-1, 8, 8)[[int(np.argmax(labels == d)) for d in digits]]
    n = len(digits)
    variants = {"original": lambda im: im, "shift right 1 px": lambda im: np.roll(im, 1, axis=1),
                "zoom ×1.33": lambda im: np.kron(im[1:7, 1:7], np.ones((4, 4)))[::3, ::3],
                "mirror left–right": lambda im: im[:, ::-1], "upside down": lambda im: im[::-1]}
    fig, axes = plt.subplots(n, len(variants), figsize=(1.6 * len(variants), 1.6 * n))
    plt.close(fig)
    for i, im in enumerate(images):
        for j, (name, f) in enumerate(variants.items()):
            axes[i, j].imshow(f(im), cmap="gray_r")
            axes[i, j].axis("off")
            if i == 0:
                axes[i, j].set_title(name, fontsize=8)
    fig.suptitle(f"Augmentation must keep the label (digits {', '.join(map(str, digits))})")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- validation

def fold_fractions(labels: np.ndarray, splits: Iterable[tuple[np.ndarray, np.ndarray]]
                   ) -> list[float]:
    """Fraction of positive labels in each validation fold of ``splits`` ((train, val) pairs)."""
    labels = np.asarray(labels)
    return [float(labels[val].mean()) for _, val in splits]


def imbalanced_labels(n: int = 100, positive_fraction: float = 0.1) -> np.ndarray:
    """Ordered labels: the negatives first, then the positives (as a sorted file would be)."""
    n_pos = round(n * positive_fraction)
    return np.r_[np.zeros(n - n_pos, dtype=int), np.ones(n_pos, dtype=int)]


def plot_folds(labels: np.ndarray, k: int = 5) -> Figure:
    """KFold vs StratifiedKFold: which samples each fold validates on, and its positive rate."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 2.8))
    plt.close(fig)
    for ax, splitter in zip(axes, (KFold(k), StratifiedKFold(k)), strict=True):
        grid = np.zeros((k, len(labels)))
        for f, (_, val) in enumerate(splitter.split(np.zeros(len(labels)), labels)):
            grid[f, val] = 1 + labels[val]
        ax.imshow(grid, aspect="auto", cmap=plt.matplotlib.colors.ListedColormap(
            ["#eeeeee", COLORS[0], COLORS[1]]), vmin=0, vmax=2, interpolation="nearest")
        fracs = fold_fractions(labels, splitter.split(np.zeros(len(labels)), labels))
        ax.set_yticks(range(k), [f"fold {f + 1}: {p:.2f}" for f, p in enumerate(fracs)])
        ax.set(title=f"{type(splitter).__name__}(n_splits={k})", xlabel="sample index")
        ax.grid(False)
    axes[0].plot([], [], "s", color=COLORS[0], label="validation, negative")
    axes[0].plot([], [], "s", color=COLORS[1], label="validation, positive")
    axes[0].legend(loc="upper left", bbox_to_anchor=(0, -0.25), ncol=2)
    fig.tight_layout()
    return fig


def leaderboard_scores(n_candidates: int, n_test: int = 400, accuracy: float = 0.7,
                       seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Public and private accuracy of ``n_candidates`` models that are all equally good:
    each is right on a test example with probability ``accuracy``, independently."""
    rng = np.random.RandomState(seed)
    correct = rng.rand(n_candidates, n_test) < accuracy
    half = n_test // 2
    return correct[:, :half].mean(1), correct[:, half:].mean(1)


def demo_leaderboard(n_candidates: int = 100, n_test: int = 400, seed: int = 0
                     ) -> tuple[Figure, Numbers]:
    """Demo 4: pick the best of |H_val| equally good models on the public half of the test
    set; its private score shows how much of the public score was luck."""
    public, private = leaderboard_scores(n_candidates, n_test, seed=seed)
    best = int(np.argmax(public))
    sizes = np.array([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000])
    pool_public, pool_private = leaderboard_scores(10_000, n_test, seed=seed + 1)
    gaps = []
    for m in sizes:  # 10000 / m leaderboards with m candidates each; the pick's mean gap
        pub, priv = pool_public.reshape(-1, m), pool_private.reshape(-1, m)
        pick = pub.argmax(1)
        rows = np.arange(len(pick))
        gaps.append(float(np.mean(pub[rows, pick] - priv[rows, pick])))
    fig, (ax_s, ax_g) = plt.subplots(1, 2, figsize=(11, 3.8))
    plt.close(fig)
    ax_s.scatter(public, private, s=10, alpha=0.5, label="candidate models")
    ax_s.scatter(public[best], private[best], s=80, color=COLORS[1], marker="*",
                 label="picked on public")
    ax_s.axhline(0.7, color="grey", ls=":", label="true accuracy 0.7")
    ax_s.set(title=f"{n_candidates} equally good models", xlabel="public accuracy",
             ylabel="private accuracy")
    ax_s.legend(fontsize=8)
    ax_g.semilogx(sizes, gaps, "o-", label="mean public − private of the pick")
    ax_g.axvline(n_candidates, color=COLORS[1], ls=":", label=f"|H_val| = {n_candidates}")
    ax_g.set(title="Tuning on the public board overfits it", xlabel="candidates |H_val|",
             ylabel="accuracy gap")
    ax_g.legend(fontsize=8)
    fig.tight_layout()
    return fig, {"public (picked)": float(public[best]), "private (picked)": float(private[best]),
                 "gap": float(public[best] - private[best])}


def leakage_demo(n: int = 100, n_features: int = 5000, k: int = 20, seed: int = 0
                 ) -> dict[str, float]:
    """Data leakage: on *random* labels, selecting features with all the data before
    cross-validation looks like skill; selecting inside each fold shows chance level."""
    rng = np.random.RandomState(seed)
    X, y = rng.normal(size=(n, n_features)), rng.randint(0, 2, n)
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    leaky_X = SelectKBest(f_classif, k=k).fit_transform(X, y)
    leaky = cross_val_score(LogisticRegression(), leaky_X, y, cv=folds).mean()
    honest = cross_val_score(make_pipeline(SelectKBest(f_classif, k=k), LogisticRegression()),
                             X, y, cv=folds).mean()
    return {"leaky CV accuracy": float(leaky), "honest CV accuracy": float(honest)}


# --------------------------------------------------------------------------- mismatch

def mismatch_curve(sizes: Sequence[int], seed: int = 0) -> pd.DataFrame:
    """Logistic regression on digits: accuracy on held-out digits (same distribution) and
    on the same digits shifted 2 pixels right (a mismatched test set) as the training set
    grows."""
    X_train, X_test, y_train, y_test = digits_split(val_fraction=0.3, seed=seed)
    rows = []
    for n in sizes:
        model = LogisticRegression(max_iter=2000).fit(X_train[:n], y_train[:n])
        rows.append({"training examples": n, "same distribution": model.score(X_test, y_test),
                     "shifted digits (mismatch)": model.score(shift_right(X_test, 2), y_test)})
    return pd.DataFrame(rows).set_index("training examples")


def shift_right(X: np.ndarray, pixels: int) -> np.ndarray:
    """Flattened 8×8 digits moved ``pixels`` to the right (blank columns enter on the left)."""
    images = np.roll(X.reshape(-1, 8, 8), pixels, axis=2)
    images[:, :, :pixels] = 0.0
    return images.reshape(len(X), 64)


# --------------------------------------------------------------------------- bias and variance

def plot_bias_variance_fits(fit_predict: FitPredict, degrees: Sequence[int] = (1, 9),
                            n_sets: int = 30, seed: int = 0) -> Figure:
    """Fits of a simple and a complex model on many training sets, and their mean."""
    grid = np.linspace(-1, 1, 200)
    fig, axes = plt.subplots(1, len(degrees), figsize=(5.5 * len(degrees), 3.6), sharey=True)
    plt.close(fig)
    for ax, d in zip(np.atleast_1d(axes), degrees, strict=True):
        fits = np.stack([_fit_predict_np(fit_predict, *sine_data(20, seed=seed + s), d, grid)
                         for s in range(n_sets)])
        ax.plot(grid, fits.T, color=COLORS[0], alpha=0.15, lw=1)
        ax.plot(grid, fits.mean(0), color=COLORS[1], lw=2, label="mean of the fits  f̄")
        ax.plot(grid, np.sin(np.pi * grid), "k--", label="truth  f̂")
        ax.set(title=f"degree {d}: {n_sets} training sets", xlabel="x", ylabel="y",
               ylim=(-2.5, 2.5))
        ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def sample_statistics(n: int, n_repeats: int = 20000, sigma: float = 1.0, seed: int = 0
                      ) -> dict[str, float]:
    """The estimator analogy: the sample mean is unbiased, the sample variance s² (÷N) is
    biased by (N−1)/N; both scatter less with larger N."""
    rng = np.random.RandomState(seed)
    samples = rng.normal(0.0, sigma, size=(n_repeats, n))
    means, variances = samples.mean(1), samples.var(1)
    return {"E[m]": float(means.mean()), "Var[m]": float(means.var()),
            "σ²/N": sigma ** 2 / n, "E[s²]": float(variances.mean()),
            "(N−1)/N σ²": (n - 1) / n * sigma ** 2}


# --------------------------------------------------------------------------- generalization

def hoeffding_bound(n: int, eps: float, n_hypotheses: float) -> float:
    """P(bad training set) ≤ |H| · 2 exp(−2 N ε²) (union bound + Hoeffding; may exceed 1)."""
    return float(n_hypotheses * 2.0 * math.exp(-2.0 * n * eps ** 2))


def n_needed_exact(eps: float, n_hypotheses: float, delta: float) -> float:
    """The N at which the bound equals δ: N = ln(2|H|/δ) / (2ε²)."""
    return math.log(2.0 * n_hypotheses / delta) / (2.0 * eps ** 2)


def n_needed(eps: float, n_hypotheses: float, delta: float) -> int:
    """The smallest integer N with P(bad) ≤ δ."""
    return math.ceil(n_needed_exact(eps, n_hypotheses, delta))


def eps_for(n: int, n_hypotheses: float, delta: float) -> float:
    """The gap ε guaranteed with probability 1 − δ: ε = sqrt(ln(2|H|/δ) / (2N))."""
    return math.sqrt(math.log(2.0 * n_hypotheses / delta) / (2.0 * n))


def demo_generalization_bound(n: int = 500, eps: float = 0.1, log10_h: float = 4.0,
                              delta: float = 0.1) -> tuple[Figure, Numbers]:
    """Demo 5: the bound for N, ε, |H| = 10^log10_h and δ, and the N it needs."""
    h = 10.0 ** log10_h
    bound = hoeffding_bound(n, eps, h)
    ns = np.linspace(1, max(2 * n_needed(eps, h, delta), 2 * n), 400)
    fig, ax = plt.subplots()
    plt.close(fig)
    for lh, color in zip(sorted({1.0, log10_h, log10_h + 4}), COLORS, strict=False):
        ax.semilogy(ns, 10 ** lh * 2 * np.exp(-2 * ns * eps ** 2), color=color,
                    label=f"|H| = 1e{lh:g}")
    ax.axhline(1.0, color="k", lw=0.8, label="1 (useless above)")
    ax.axhline(delta, color="grey", ls=":", label=f"δ = {delta:g}")
    ax.plot([n], [bound], "o", color=COLORS[1], ms=8, label=f"N = {n}: {bound:.3g}")
    ax.set(title=f"P(bad training set) ≤ |H|·2exp(−2Nε²), ε = {eps:g}", xlabel="N",
           ylabel="bound", ylim=(1e-6, 1e12))
    ax.legend(fontsize=8)
    return fig, {"bound": bound, "vacuous (> 1)": bound > 1,
                 "N needed": n_needed(eps, h, delta)}


def simulate_bad_sets(n: int, eps: float, n_thresholds: int = 50, n_sets: int = 2000,
                      label_noise: float = 0.1, seed: int = 0) -> dict[str, float]:
    """Sample training sets for a finite H of threshold classifiers on [0, 1]; return the
    fraction of *bad* sets (some h with |L_train(h) − L_all(h)| > ε) and the bound."""
    rng = np.random.RandomState(seed)
    thresholds = np.linspace(0, 1, n_thresholds)
    x = rng.rand(n_sets, n)
    y = (x > 0.5) ^ (rng.rand(n_sets, n) < label_noise)
    train_err = ((x[..., None] > thresholds) != y[..., None]).mean(1)
    # Exact loss over the whole distribution: wrong between the thresholds, plus label noise.
    all_err = label_noise + (1 - 2 * label_noise) * np.abs(thresholds - 0.5)
    bad = (np.abs(train_err - all_err) > eps).any(1).mean()
    return {"P(bad) simulated": float(bad), "bound": hoeffding_bound(n, eps, n_thresholds)}


# --------------------------------------------------------------------------- why deep

DYADIC_GRID = np.linspace(0.0, 1.0, 2 ** 12 + 1)
"""Every breakpoint of the tent nets up to depth 12 lies on this grid."""


def relu(z):
    """max(0, z) for numpy arrays (the shallow fit's design matrix)."""
    return np.maximum(z, 0.0)


def random_breakpoints(n_neurons: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Breakpoints at distinct interior points of :data:`DYADIC_GRID` (so a piece count on the
    grid sees every bend) and random output weights for one layer of ``n_neurons`` ReLUs."""
    rng = np.random.RandomState(seed)
    breakpoints = np.sort(rng.choice(DYADIC_GRID[1:-1], n_neurons, replace=False))
    return breakpoints, rng.normal(size=n_neurons)


def fit_shallow(x: np.ndarray, y: np.ndarray, n_neurons: int) -> np.ndarray:
    """Least-squares output weights of ``n_neurons`` ReLUs with evenly spaced breakpoints
    (the first at 0, so one neuron is the linear term) and a bias; returns the fit."""
    breakpoints = np.arange(n_neurons) / n_neurons
    design = np.c_[np.ones(len(x)), relu(x[:, None] - breakpoints)]
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    return design @ coef


def deep_parameters(depth: int) -> int:
    """Parameters of the k × 2 tent net with a 1-input layer and a 1-output layer."""
    return (1 * 2 + 2) + (depth - 1) * (2 * 2 + 2) + (2 + 1)


def shallow_parameters(n_neurons: int) -> int:
    """Parameters of a 1 → n → 1 network."""
    return 3 * n_neurons + 1


def demo_piece_counter(tent_net: Callable[[torch.Tensor, int], torch.Tensor],
                       count_pieces: Callable[[torch.Tensor, torch.Tensor], int],
                       depth: int = 3, shallow_neurons: int = 8) -> tuple[Figure, Numbers]:
    """Demo 6: the notebook's deep k × 2 ``tent_net`` against one layer of n ReLUs fitted to it,
    with pieces counted by the notebook's ``count_pieces``."""
    x = DYADIC_GRID
    deep = tent_net(torch.from_numpy(x), depth).numpy()
    shallow = fit_shallow(x, deep, shallow_neurons)
    pieces = {name: int(count_pieces(torch.from_numpy(x), torch.from_numpy(y)))
              for name, y in (("deep", deep), ("shallow", shallow))}
    fig, ax = plt.subplots(figsize=(8, 3.6))
    plt.close(fig)
    ax.plot(x, deep, lw=2,
            label=f"deep: {depth} layers × 2 ReLUs ({deep_parameters(depth)} params)")
    ax.plot(x, shallow, "--", lw=1.5, label=f"1 layer × {shallow_neurons} ReLUs "
                                             f"({shallow_parameters(shallow_neurons)} params)")
    ax.set(title=f"{pieces['deep']} pieces from {2 * depth} neurons vs "
                 f"{pieces['shallow']} pieces from {shallow_neurons}",
           xlabel="x", ylabel="output", ylim=(-0.3, 1.45))
    ax.legend(loc="upper right", fontsize=8)
    return fig, {"deep pieces": pieces["deep"], "shallow pieces": pieces["shallow"],
                 "shallow max error": float(np.abs(shallow - deep).max())}


def parity_gates(n_bits: int) -> dict[str, int]:
    """Gates for n-bit parity: a 2-layer AND–OR circuit needs 2^(n−1) ANDs (one per odd
    input pattern) + 1 OR; a deep chain of XOR gates needs n − 1."""
    return {"bits": n_bits, "2 layers (AND + OR)": 2 ** (n_bits - 1) + 1,
            "deep (XOR chain)": n_bits - 1}


def parity_by_xor_chain(bits: np.ndarray) -> np.ndarray:
    """Parity of each row computed as a chain of XOR gates (the deep circuit)."""
    out = bits[:, 0].astype(bool)
    for j in range(1, bits.shape[1]):
        out = out ^ bits[:, j].astype(bool)
    return out


# --------------------------------------------------------------------------- exercises

def check_train_val_split(fn: Callable[[int, float, int], tuple]) -> str:
    """Exercise 2: ``fn(n, val_fraction, seed) -> (train_idx, val_idx)``, a shuffled split."""
    def body() -> None:
        train, val = (np.asarray(part).ravel() for part in attempt(fn, 100, 0.1, 0))
        expect(len(val) == 10 and len(train) == 90,
               f"100 examples with val_fraction 0.1 gave {len(train)} train and {len(val)} "
               "validation indices; expected 90 and 10.")
        expect(not set(train.tolist()) & set(val.tolist()),
               "an index is in both parts: the validation set must be unseen in training.")
        expect(sorted(np.r_[train, val].tolist()) == list(range(100)),
               "train ∪ validation must be every index 0 … n − 1 exactly once.")
        expect(val.tolist() != list(range(90, 100)),
               "the validation part is just the last 10%: shuffle first, a file may be sorted.")
        again = np.asarray(attempt(fn, 100, 0.1, 0)[1]).ravel()
        expect(sorted(again.tolist()) == sorted(val.tolist()),
               "the same seed gave a different split: draw the permutation from the seed.")
        other = np.asarray(attempt(fn, 100, 0.1, 1)[1]).ravel()
        expect(sorted(other.tolist()) != sorted(val.tolist()),
               "seed 1 gave the same split as seed 0: use the seed.")
        expect(len(np.asarray(attempt(fn, 1000, 0.2, 0)[1]).ravel()) == 200,
               "1000 examples with val_fraction 0.2 should give 200 validation indices.")
    return report("90/10 train/validation split", body)


def check_cross_val_mse(fn: Callable[[torch.Tensor, torch.Tensor, int, int], float]) -> str:
    """Exercise 3: ``fn(x, y, degree, k)`` is the mean validation MSE of k-fold CV (folds in
    order, as ``KFold(k)``) of a least-squares polynomial."""
    def body() -> None:
        x, y = sine_data(30, seed=7)
        for degree, k in ((1, 5), (3, 3), (5, 10)):
            got = attempt(fn, torch.from_numpy(x), torch.from_numpy(y), degree, k)
            pipeline = make_pipeline(PolynomialFeatures(degree), LinearRegression())
            want = -cross_val_score(pipeline, x[:, None], y, cv=KFold(k),
                                    scoring="neg_mean_squared_error").mean()
            expect_close(float(got), want, f"the {k}-fold CV MSE of degree {degree}",
                         hint="Fit on the other k − 1 folds only, compute the MSE on the "
                              "held-out fold, then average the k validation MSEs.",
                         atol=1e-6, rtol=1e-5)
    return report("k-fold cross-validation", body)
