"""Figures, widgets, data and exercise checkers of L02c (classification losses, softmax,
generative vs discriminative classifiers, feature normalization and batch normalization).

The lecture's algorithms (softmax, cross-entropy, the Gaussian classifier, logistic
regression, standardization, BN's forward passes) are written in the notebook; this module
only draws them and uses the library versions the notebook checks them against
(``torch.softmax``, scikit-learn's discriminant analysis, ``nn.BatchNorm1d``).

Every ``demo_*`` function is pure: ``demo(**params) -> (figure, numbers)``, so the notebook's
widgets are only UI and tests can call the functions directly. Their defaults are the
notebook's default widget state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from sklearn.datasets import load_breast_cancer
from sklearn.discriminant_analysis import (
    LinearDiscriminantAnalysis,
    QuadraticDiscriminantAnalysis,
)
from sklearn.naive_bayes import GaussianNB
from sklearn.preprocessing import StandardScaler
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_utils.exercises import attempt, expect, expect_close, expect_shape, report
from course_utils.plots import COLORS, plot_error_surface
from course_utils.runtime import Profile
from course_utils.toy_data import digits
from course_utils.training import History, fit

Numbers = dict[str, object]


def _sigmoid(z) -> np.ndarray:
    """σ(z) for numpy arrays, stable for large |z| (figure plumbing; the notebook uses torch)."""
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, float)))


# --------------------------------------------------------------------------- 1. losses

def plot_surrogate_losses() -> Figure:
    """The 0/1 loss and its differentiable stand-ins as functions of ŷ·z (ŷ = ±1)."""
    m = np.linspace(-3, 3, 601)
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    plt.close(fig)
    ax.plot(m, (m < 0).astype(float), lw=2.5, color="k", label="ideal 0/1 loss δ(f(x) ≠ ŷ)")
    ax.plot(m, (m - 1) ** 2, label="square error (ŷ·z − 1)²")
    ax.plot(m, (_sigmoid(m) - 1) ** 2, label="sigmoid + square error")
    ax.plot(m, np.logaddexp(0, -m) / np.log(2), label="sigmoid + cross-entropy (÷ ln 2)")
    ax.set(title="Loss of one example vs the margin ŷ·z", xlabel="ŷ·z (positive = correct side)",
           ylabel="loss", ylim=(-0.1, 4))
    ax.legend(loc="upper right")
    return fig


@dataclass(frozen=True)
class Toy1D:
    """A 1-D two-class toy set: ``x`` and labels ``y`` in {0, 1}."""

    x: np.ndarray
    y: np.ndarray


def toy_1d(n: int = 40, seed: int = 0) -> Toy1D:
    """Two overlapping 1-D Gaussian classes at −1 and +1 (n points each)."""
    rng = np.random.RandomState(seed)
    x = np.concatenate([rng.normal(-1, 0.8, n), rng.normal(1, 0.8, n)])
    return Toy1D(x=x, y=np.repeat([0.0, 1.0], n))


def classification_loss(w, b, x: np.ndarray, y: np.ndarray, kind: str = "ce") -> np.ndarray:
    """Mean loss of p = softmax([w·x + b, 0])₀ = σ(w·x + b) against one-hot targets.

    ``kind="mse"`` is the squared error summed over both classes, 2(p − y)²; ``"ce"`` is
    cross-entropy. ``w`` and ``b`` may be grids.
    """
    w, b = np.asarray(w, float)[..., None], np.asarray(b, float)[..., None]
    z = w * x + b
    if kind == "mse":
        return (2 * (_sigmoid(z) - y) ** 2).mean(axis=-1)
    return (np.logaddexp(0, z) - y * z).mean(axis=-1)


def classification_gradient(w: float, b: float, x: np.ndarray, y: np.ndarray,
                            kind: str = "ce") -> tuple[float, float]:
    """(∂L/∂w, ∂L/∂b) of :func:`classification_loss`."""
    p = _sigmoid(w * x + b)
    dz = 4 * (p - y) * p * (1 - p) if kind == "mse" else p - y
    return float(np.mean(dz * x)), float(np.mean(dz))


def gd_classification(x: np.ndarray, y: np.ndarray, kind: str, w0: float, b0: float,
                      eta: float, steps: int) -> np.ndarray:
    """Gradient descent on :func:`classification_loss`; the (w, b) path, shape (steps+1, 2)."""
    path = [(w0, b0)]
    for _ in range(steps):
        gw, gb = classification_gradient(*path[-1], x, y, kind)
        path.append((path[-1][0] - eta * gw, path[-1][1] - eta * gb))
    return np.array(path)


LOSS_W_RANGE, LOSS_B_RANGE = (-8.0, 8.0), (-8.0, 8.0)


def demo_loss_surfaces(w0: float = -6.0, b0: float = 6.0, eta: float = 1.0,
                       steps: int = 100) -> tuple[Figure, Numbers]:
    """Demo 2: MSE-after-softmax and CE surfaces with GD paths from the same start."""
    data = toy_1d()
    fig, axes = plt.subplots(1, 2, figsize=(11.5, 4.0))
    plt.close(fig)
    numbers: Numbers = {}
    for ax, kind, name in zip(axes, ("mse", "ce"), ("MSE after softmax", "cross-entropy"),
                              strict=True):
        path = gd_classification(data.x, data.y, kind, w0, b0, eta, steps)
        plot_error_surface(lambda W, B, k=kind: classification_loss(W, B, data.x, data.y, k),
                           LOSS_W_RANGE, LOSS_B_RANGE, paths={f"GD, {steps} steps": path},
                           title=f"{name}", ax=ax)
        ax.legend(loc="lower right")
        loss = float(classification_loss(*path[-1], data.x, data.y, kind))
        acc = float(np.mean((path[-1][0] * data.x + path[-1][1] > 0) == data.y))
        numbers[f"{kind.upper()}: final loss"] = loss
        numbers[f"{kind.upper()}: accuracy"] = acc
    fig.suptitle(f"Same start (w, b) = ({w0:g}, {b0:g}), same η = {eta:g}")
    fig.tight_layout()
    return fig, numbers


# --------------------------------------------------------------------------- 2. softmax

def demo_softmax(z1: float = 3.0, z2: float = 1.0, z3: float = -3.0,
                 temperature: float = 1.0) -> tuple[Figure, Numbers]:
    """Demo 1: logits → softmax bars at temperature T, and σ(z) over softmax([z, 0])₀."""
    z = torch.tensor([z1, z2, z3], dtype=torch.float64)
    p = torch.softmax(z / temperature, dim=0).numpy()
    fig, (ax_bar, ax_sig) = plt.subplots(1, 2, figsize=(11, 3.6))
    plt.close(fig)
    pos = np.arange(3)
    ax_bar.bar(pos - 0.2, z.numpy(), width=0.4, color=COLORS[0], label="logit z")
    ax_bar.bar(pos + 0.2, p, width=0.4, color=COLORS[1], label=f"softmax(z / {temperature:g})")
    ax_bar.set_xticks(pos, ["class 1", "class 2", "class 3"])
    ax_bar.axhline(0, color="k", lw=0.8)
    ax_bar.set(title="Softmax: (0, 1), sums to 1, enlarges gaps", ylabel="value")
    ax_bar.legend(loc="upper right")
    grid = torch.linspace(-8, 8, 201, dtype=torch.float64)
    two = torch.softmax(torch.stack([grid, torch.zeros_like(grid)], 1), dim=1)[:, 0]
    ax_sig.plot(grid, torch.sigmoid(grid), lw=4, alpha=0.4, label="σ(z)")
    ax_sig.plot(grid, two, "k--", label="softmax([z, 0])₀")
    ax_sig.set(title="Binary sigmoid ≡ 2-class softmax", xlabel="z", ylabel="probability")
    ax_sig.legend(loc="upper left")
    fig.tight_layout()
    return fig, {"softmax": p, "sum": float(p.sum())}


# --------------------------------------------------------------------------- 3. generative

# Defense / special-defense means of "water" and "normal" types as on the slides; the slides'
# covariances are shrunk by 0.3 so that the two classes overlap less.
WATER_MEAN, WATER_COV = np.array([75.0, 71.3]), 0.3 * np.array([[874.0, 327.0], [327.0, 929.0]])
NORMAL_MEAN, NORMAL_COV = (np.array([55.6, 59.8]),
                           0.3 * np.array([[847.0, 422.0], [422.0, 685.0]]))


def gaussian_classes(n1: int = 79, n2: int = 61, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """2-D two-class Gaussians: ``n1`` "water" (y = 1) and ``n2`` "normal" (y = 0) points."""
    rng = np.random.RandomState(seed)
    X = np.concatenate([rng.multivariate_normal(WATER_MEAN, WATER_COV, n1),
                        rng.multivariate_normal(NORMAL_MEAN, NORMAL_COV, n2)])
    return X, np.repeat([1.0, 0.0], [n1, n2])


def _subset(n_train: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n_train`` points of a 79/61 draw, keeping the class ratio (≥ 3 per class)."""
    X, y = gaussian_classes(seed=seed)
    n1 = max(3, round(n_train * 79 / 140))
    n2 = max(3, n_train - n1)
    return np.concatenate([X[:n1], X[79:79 + n2]]), np.concatenate([y[:n1], y[79:79 + n2]])


def held_out_set(n: int = 4000, seed: int = 1234) -> tuple[np.ndarray, np.ndarray]:
    """A large held-out draw from the same two Gaussians (same 79 : 61 ratio)."""
    return gaussian_classes(round(n * 79 / 140), n - round(n * 79 / 140), seed=seed)


def independent_gaussians(n: int, dims: int = 20, gap: float = 0.35, seed: int = 0
                          ) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` points (half per class) of two unit-variance Gaussians in ``dims`` independent
    dimensions whose means differ by ``gap`` in every dimension: naive Bayes' assumption holds."""
    gen = torch.Generator().manual_seed(seed)
    y = (torch.arange(n) < n // 2).double()
    X = torch.randn(n, dims, generator=gen, dtype=torch.float64) + gap * (y[:, None] - 0.5)
    return X, y


def fit_logistic(X: np.ndarray, y: np.ndarray, steps: int = 300, lr: float = 1.0
                 ) -> tuple[np.ndarray, float]:
    """Logistic regression by full-batch GD with ``nn.Linear`` + ``BCEWithLogitsLoss`` on
    standardized features; (w, b) in raw units (the library version of the notebook's loop)."""
    m, s = X.mean(axis=0), X.std(axis=0) + 1e-12
    Xs, yt = torch.tensor((X - m) / s), torch.tensor(y, dtype=torch.float64)
    model = nn.Linear(X.shape[1], 1, dtype=torch.float64)
    nn.init.zeros_(model.weight)
    nn.init.zeros_(model.bias)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        F.binary_cross_entropy_with_logits(model(Xs)[:, 0], yt).backward()
        opt.step()
    w = model.weight.detach().numpy()[0] / s
    return w, float(model.bias.item() - w @ m)


CLASSIFIERS = {"separate Σ": QuadraticDiscriminantAnalysis, "shared Σ": LinearDiscriminantAnalysis,
               "naive Bayes": GaussianNB}


def accuracy(p: np.ndarray, y: np.ndarray) -> float:
    """Fraction of ``p > 0.5`` decisions that match ``y``."""
    return float(np.mean((p > 0.5) == (y == 1)))


def demo_generative_lab(n_train: int = 140, covariance: str = "shared Σ",
                        logistic: bool = True, seed: int = 0) -> tuple[Figure, Numbers]:
    """Demo 3: Gaussian classifiers (scikit-learn's QDA, LDA, GaussianNB) vs logistic regression."""
    X, y = _subset(n_train, seed)
    Xt, yt = held_out_set()
    model = CLASSIFIERS[covariance]().fit(X, y)
    fig, ax = plt.subplots(figsize=(6.8, 4.6))
    plt.close(fig)
    g1, g2 = np.meshgrid(np.linspace(-20, 160, 181), np.linspace(-20, 160, 181))
    grid = np.stack([g1.ravel(), g2.ravel()], 1)
    post = model.predict_proba(grid)[:, 1].reshape(g1.shape)
    ax.contourf(g1, g2, post, levels=np.linspace(0, 1, 11), cmap="RdBu", alpha=0.35)
    ax.contour(g1, g2, post, levels=[0.5], colors="k", linewidths=2)
    ax.plot([], [], "k-", lw=2, label=f"generative ({covariance}) P(C₁|x) = 0.5")
    numbers: Numbers = {"generative test acc": accuracy(model.predict_proba(Xt)[:, 1], yt)}
    if logistic:
        w, b = fit_logistic(X, y)
        ax.contour(g1, g2, (grid @ w + b).reshape(g1.shape), levels=[0], colors="g",
                   linewidths=2, linestyles="--")
        ax.plot([], [], "g--", lw=2, label="logistic regression σ(w·x + b) = 0.5")
        numbers["logistic test acc"] = accuracy(_sigmoid(Xt @ w + b), yt)
    ax.scatter(*X[y == 1].T, s=14, color=COLORS[0], label=f"water (C₁), {int(y.sum())}")
    ax.scatter(*X[y == 0].T, s=14, color=COLORS[1], label=f"normal (C₂), {int((1 - y).sum())}")
    ax.set(title=f"Boundaries from {len(y)} training points", xlabel="defense",
           ylabel="special defense", xlim=(-20, 160), ylim=(-20, 160))
    ax.legend(loc="upper left", fontsize=8)
    numbers["n train"] = len(y)
    return fig, numbers


def plot_accuracy_vs_train_size(sizes, curves: dict[str, np.ndarray], title: str) -> Figure:
    """Mean test accuracy (± one standard error) against the number of training points."""
    fig, ax = plt.subplots(figsize=(6.2, 3.8))
    plt.close(fig)
    for name, accs in curves.items():
        accs = np.asarray(accs)
        mean, se = accs.mean(axis=1), accs.std(axis=1) / np.sqrt(accs.shape[1])
        ax.errorbar(sizes, mean, yerr=se, fmt="o-", capsize=3, label=name)
    ax.set_xscale("log")
    ax.set_xticks(sizes, [str(n) for n in sizes])
    ax.set(title=title, xlabel="training points", ylabel="mean test accuracy")
    ax.legend(loc="lower right")
    return fig


# The lecture's naive-Bayes toy: one (1, 1) example of class 1; (1,0), (0,1), (0,0) × 4 of class 2.
NB_TOY_X = np.array([[1, 1]] + [[1, 0]] * 4 + [[0, 1]] * 4 + [[0, 0]] * 4, float)
NB_TOY_Y = np.array([1.0] + [0.0] * 12)


# --------------------------------------------------------------------------- 4. XOR

XOR_X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
XOR_Y = np.array([0.0, 0.0, 1.0, 1.0])


def xor_features(X: np.ndarray) -> np.ndarray:
    """The lecture's feature transformation: distances to (0, 0) and to (1, 1)."""
    return np.stack([np.hypot(X[:, 0], X[:, 1]), np.hypot(X[:, 0] - 1, X[:, 1] - 1)], 1)


def demo_xor(transform: bool = False, steps: int = 500) -> tuple[Figure, Numbers]:
    """Demo 4: logistic regression on XOR, in the raw or the transformed feature space."""
    X = xor_features(XOR_X) if transform else XOR_X
    w, b = fit_logistic(X, XOR_Y, steps=steps)
    f = _sigmoid(X @ w + b)
    fig, ax = plt.subplots(figsize=(5.2, 4.4))
    plt.close(fig)
    lo, hi = X.min() - 0.4, X.max() + 0.4
    g1, g2 = np.meshgrid(np.linspace(lo, hi, 121), np.linspace(lo, hi, 121))
    grid = np.stack([g1.ravel(), g2.ravel()], 1)
    cs = ax.contourf(g1, g2, _sigmoid(grid @ w + b).reshape(g1.shape),
                     levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.5)
    fig.colorbar(cs, ax=ax, label="σ(w·x + b)")
    for c, color in ((1.0, COLORS[0]), (0.0, COLORS[1])):
        ax.scatter(*X[XOR_Y == c].T, s=120, color=color, edgecolor="k",
                   label=f"class {1 if c else 2}")
    names = ("x₁′ = ‖x − (0,0)‖", "x₂′ = ‖x − (1,1)‖") if transform else ("x₁", "x₂")
    ax.set(title="Transformed features: separable" if transform else "Raw XOR: no line works",
           xlabel=names[0], ylabel=names[1])
    ax.legend(loc="upper right")
    z = X @ w + b
    return fig, {"accuracy": accuracy(f, XOR_Y),
                 "final CE": float(np.mean(np.logaddexp(0, z) - XOR_Y * z))}


# --------------------------------------------------------------------------- 5. feature scale

def scale_data(n: int = 100, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """x₁ ∈ [0, 1], x₂ ∈ [0, 1000] and y = 2·x₁ + 0.003·x₂ + noise."""
    rng = np.random.RandomState(seed)
    X = np.stack([rng.rand(n), 1000 * rng.rand(n)], 1)
    return X, 2 * X[:, 0] + 0.003 * X[:, 1] + rng.normal(0, 0.1, n)


def _centered(X: np.ndarray, y: np.ndarray, standardize: bool):
    """Centered targets and features (so no bias is needed); standardized if asked."""
    Xc = X - X.mean(axis=0)
    if standardize:
        Xc = Xc / X.std(axis=0)
    return Xc, y - y.mean()


def gd_linear_2d(X: np.ndarray, y: np.ndarray, eta: float, steps: int, tol: float = 1e-6
                 ) -> np.ndarray:
    """GD on MSE of y ≈ w₁x₁ + w₂x₂ from w = 0; stops once L − L* < tol·(L₀ − L*)."""
    w_star = np.linalg.lstsq(X, y, rcond=None)[0]
    L = lambda w: np.mean((y - X @ w) ** 2)  # noqa: E731
    L_star, L0 = L(w_star), L(np.zeros(2))
    path = [np.zeros(2)]
    for _ in range(steps):
        if L(path[-1]) - L_star < tol * (L0 - L_star):
            break
        path.append(path[-1] + eta * 2 * X.T @ (y - X @ path[-1]) / len(y))
    return np.array(path)


def demo_feature_scaling(standardize: bool = False, max_steps: int = 3000
                         ) -> tuple[Figure, Numbers]:
    """Demo 5: the error surface of raw vs standardized features and GD at its safe η."""
    X, y = _centered(*scale_data(), standardize)
    H = 2 * X.T @ X / len(y)
    eigs = np.linalg.eigvalsh(H)
    eta = 1.0 / eigs.max()
    path = gd_linear_2d(X, y, eta, max_steps)
    w_star = np.linalg.lstsq(X, y, rcond=None)[0]
    span = np.abs(w_star) * 1.6 + 1e-3
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    plt.close(fig)
    plot_error_surface(lambda W1, W2: np.mean((y - W1[..., None] * X[:, 0]
                                               - W2[..., None] * X[:, 1]) ** 2, axis=-1),
                       (-span[0], span[0]), (-span[1], span[1]),
                       paths={f"GD, η = 1/λmax = {eta:.3g}": path}, optimum=tuple(w_star),
                       title="standardized features" if standardize else "raw: x₂ is 1000× x₁",
                       ax=ax)
    ax.set(xlabel="w₁", ylabel="w₂")
    converged = len(path) <= max_steps
    return fig, {"condition number": float(eigs.max() / eigs.min()),
                 "GD steps": len(path) - 1, "converged": converged}


def breast_cancer_tensors(standardize: bool, seed: int = 0):
    """Train/validation tensors of ``load_breast_cancer`` (70/30), raw or standardized with
    the training split's statistics (scikit-learn's ``StandardScaler``)."""
    X, y = load_breast_cancer(return_X_y=True)
    order = np.random.RandomState(seed).permutation(len(y))
    X, y = X[order], y[order].astype(np.float32)
    cut = int(0.7 * len(y))
    if standardize:
        X = StandardScaler().fit(X[:cut]).transform(X)
    Xt = torch.tensor(X, dtype=torch.float32)
    yt = torch.tensor(y).unsqueeze(1)
    return (Xt[:cut], yt[:cut]), (Xt[cut:], yt[cut:])


def breast_cancer_logistic(standardize: bool, epochs: int, profile: Profile | None = None,
                           lr: float = 0.01, seed: int = 0) -> tuple[History, float]:
    """Logistic regression (one ``nn.Linear``) on breast-cancer data; (history, val acc)."""
    (Xtr, ytr), (Xva, yva) = breast_cancer_tensors(standardize, seed)
    torch.manual_seed(seed)
    model = nn.Linear(Xtr.shape[1], 1)
    g = torch.Generator().manual_seed(seed)
    train = DataLoader(TensorDataset(Xtr, ytr), batch_size=32, shuffle=True, generator=g)
    val = DataLoader(TensorDataset(Xva, yva), batch_size=256)
    hist = fit(model, train, val, loss_fn=nn.BCEWithLogitsLoss(), epochs=epochs,
               optimizer=torch.optim.SGD(model.parameters(), lr=lr), profile=profile,
               progress=False)
    dev = next(model.parameters()).device
    with torch.no_grad():
        acc = float(((model(Xva.to(dev)).cpu() > 0).float() == yva).float().mean())
    return hist, acc


# --------------------------------------------------------------------------- 6. batch norm

def bn_data(seed: int = 0, n: int = 4096) -> torch.Tensor:
    """Two raw-scale features (means 5 and −3, std 2 and 0.5) for the BN demo."""
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, 2, generator=gen) * torch.tensor([2.0, 0.5]) + torch.tensor([5.0, -3.0])


def train_eval_gap(batch_size: int, batches: int = 200, seed: int = 0) -> float:
    """Mean |train-mode − eval-mode output| of ``nn.BatchNorm1d`` over the last half of
    ``batches`` training batches."""
    data = bn_data(seed)
    bn = nn.BatchNorm1d(2)
    gaps = []
    with torch.no_grad():
        for i in range(batches):
            x = data[(i * batch_size) % (len(data) - batch_size):][:batch_size]
            out_train = bn.train()(x)
            gaps.append(float((out_train - bn.eval()(x)).abs().mean()))
    return float(np.mean(gaps[batches // 2:]))


def demo_batchnorm(batch_size: int = 8, gamma: float = 1.0, beta: float = 0.0,
                   mode: str = "train", batches: int = 60) -> tuple[Figure, Numbers]:
    """Demo 6: ``nn.BatchNorm1d`` on one batch (μ, σ, z̃, γ, β) and its running mean."""
    data = bn_data()
    bn = nn.BatchNorm1d(2)
    history = []
    with torch.no_grad():
        bn.weight.fill_(gamma)
        bn.bias.fill_(beta)
        for i in range(batches):
            bn(data[i * batch_size:(i + 1) * batch_size])
            history.append(bn.running_mean[0].item())
        x = data[batches * batch_size:(batches + 1) * batch_size]
        mu, var = x.mean(0), x.var(0, unbiased=False)
        z_tilde = F.batch_norm(x, None, None, training=True)  # γ = 1, β = 0
        out = bn.train(mode == "train")(x)
    fig, (ax_b, ax_r) = plt.subplots(1, 2, figsize=(11.5, 3.8))
    plt.close(fig)
    rows = {"raw x": x[:, 0], "z̃ = (x − μ)/σ": z_tilde[:, 0], f"out ({mode} mode)": out[:, 0]}
    for k, (name, vals) in enumerate(rows.items()):
        ax_b.scatter(vals.numpy(), np.full(len(vals), -k), s=30, label=name)
    ax_b.set_yticks([0, -1, -2], list(rows))
    ax_b.set(title=f"Feature 1 of one batch of {batch_size}: μ = {mu[0]:.2f}, "
                   f"σ = {var[0].sqrt():.2f}", xlabel="value")
    ax_r.plot(np.arange(1, batches + 1), history, label="running_mean (momentum 0.1)")
    ax_r.axhline(float(data[:, 0].mean()), color="k", ls="--", label="population mean")
    ax_r.set(title="Moving average used at inference", xlabel="training batch",
             ylabel="running mean of feature 1")
    ax_r.legend(loc="lower right")
    fig.tight_layout()
    return fig, {"batch μ": mu, "batch σ": var.sqrt(), "running_mean": bn.running_mean,
                 "running_var": bn.running_var,
                 "mean |train − eval| output": train_eval_gap(batch_size)}


def digits_mlp(batch_norm: bool, width: int) -> nn.Sequential:
    """A 64-w-w-10 sigmoid MLP for ``load_digits``; BN sits before each sigmoid."""
    def block(i: int, o: int) -> list[nn.Module]:
        return [nn.Linear(i, o), *([nn.BatchNorm1d(o)] if batch_norm else []), nn.Sigmoid()]
    return nn.Sequential(*block(64, width), *block(width, width), nn.Linear(width, 10))


def digits_loaders(seed: int = 0, batch_size: int = 64):
    """Train/validation loaders of ``load_digits`` (pixels / 16, 75/25 split)."""
    X, y = digits()
    order = np.random.RandomState(seed).permutation(len(y))
    X = torch.tensor(X[order], dtype=torch.float32)
    y = torch.tensor(y[order], dtype=torch.long)
    cut = int(0.75 * len(y))
    g = torch.Generator().manual_seed(seed)
    return (DataLoader(TensorDataset(X[:cut], y[:cut]), batch_size, shuffle=True, generator=g),
            DataLoader(TensorDataset(X[cut:], y[cut:]), 512))


def digits_bn_comparison(epochs: int, width: int, lrs=(0.1, 1.0), profile: Profile | None = None,
                         seed: int = 0) -> dict[str, tuple[History, float]]:
    """Train the digits MLP with/without BN at each learning rate; (history, val accuracy)."""
    results = {}
    for lr in lrs:
        for bn in (False, True):
            torch.manual_seed(seed)
            model = digits_mlp(bn, width)
            train, val = digits_loaders(seed)
            hist = fit(model, train, val, loss_fn=nn.CrossEntropyLoss(), epochs=epochs,
                       optimizer=torch.optim.SGD(model.parameters(), lr=lr), profile=profile,
                       progress=False)
            model.eval()
            dev = next(model.parameters()).device
            with torch.no_grad():
                correct = sum(int((model(x.to(dev)).argmax(1).cpu() == y).sum()) for x, y in val)
            results[f"{'BN' if bn else 'no BN'}, lr = {lr:g}"] = (
                hist, correct / len(val.dataset))
    return results


def plot_bn_comparison(results: dict[str, tuple[History, float]]) -> Figure:
    """Training-loss curves of :func:`digits_bn_comparison`: colour = η, solid = with BN."""
    fig, ax = plt.subplots(figsize=(6.8, 4.0))
    plt.close(fig)
    lrs = sorted({name.split("lr = ")[1] for name in results})
    for name, (hist, acc) in results.items():
        ax.plot(np.arange(1, hist.epochs + 1), hist.train_loss,
                color=COLORS[lrs.index(name.split("lr = ")[1]) % len(COLORS)],
                ls="-" if name.startswith("BN") else "--", label=f"{name} (val acc {acc:.3f})")
    ax.axhline(0.5, color="grey", lw=0.8, ls=":", label="loss 0.5")
    ax.set(title="Sigmoid MLP on digits: BN converges faster", xlabel="epoch",
           ylabel="training cross-entropy", yscale="log")
    ax.legend(loc="upper right")
    return fig


# --------------------------------------------------------------------------- exercises

def check_cross_entropy(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> str:
    """Exercise 1: ``fn(logits, labels)`` is the mean cross-entropy, stable for huge logits."""
    def body():
        logits = torch.tensor([[2.0, 1.0, 0.0], [0.0, 0.0, 3.0]], dtype=torch.float64)
        labels = torch.tensor([0, 2])
        out = attempt(fn, logits, labels)
        expect_shape(out, (), "cross_entropy(logits, labels)")
        want = F.cross_entropy(logits, labels)
        expect(float(out) >= 0, f"the loss is {float(out):.4g} < 0: cross-entropy is "
                                "−ln(probability of the true class), check the sign.")
        expect(not torch.isclose(out, 2 * want), "you return the sum over the batch; "
                                                 "average over the examples instead.")
        expect_close(out, want, "cross_entropy on two small examples",
                     hint="e = −ln softmax(z)[label], averaged over the batch.")
        big = torch.tensor([[1000.0, 0.0, -1000.0], [-500.0, 500.0, 0.0]], dtype=torch.float64)
        out = attempt(fn, big, torch.tensor([1, 1]))
        expect(bool(torch.isfinite(out)), f"logits of ±1000 give {float(out)}: exp(1000) "
                                          "overflows. Subtract each row's max logit first "
                                          "(log-sum-exp trick).")
        expect_close(out, F.cross_entropy(big, torch.tensor([1, 1])),
                     "cross_entropy with logits of ±1000",
                     hint="ln Σ exp(z) = m + ln Σ exp(z − m).")
    return report("stable cross-entropy", body, "It matches F.cross_entropy, even at ±1000.")


def _gaussian_posteriors(X: torch.Tensor, mus: torch.Tensor, cov: torch.Tensor,
                         priors: torch.Tensor) -> torch.Tensor:
    """P(C_k|x) by Bayes' rule with ``torch.distributions`` densities (the checker's reference)."""
    dists = torch.distributions.MultivariateNormal(mus, covariance_matrix=cov)
    return torch.softmax(dists.log_prob(X[:, None, :]) + priors.log(), dim=1)


def check_class_logits(fn: Callable[..., torch.Tensor]) -> str:
    """Exercise 2: ``fn(X, mus, cov, priors)`` gives z_k with softmax(z) = the Bayes posterior."""
    def body():
        gen = torch.Generator().manual_seed(3)
        X = torch.randn(6, 2, generator=gen, dtype=torch.float64)
        mus = torch.tensor([[1.0, 0.0], [-1.0, 0.5], [0.0, -2.0]], dtype=torch.float64)
        cov = torch.tensor([[2.0, 0.6], [0.6, 1.0]], dtype=torch.float64)
        priors = torch.tensor([0.5, 0.3, 0.2], dtype=torch.float64)
        z = attempt(fn, X, mus, cov, priors)
        expect_shape(z, (6, 3), "class_logits(X, mus, cov, priors) for 6 points and 3 classes")
        got, want = torch.softmax(z, dim=1), _gaussian_posteriors(X, mus, cov, priors)
        no_prior = _gaussian_posteriors(X, mus, cov, torch.full((3,), 1 / 3, dtype=torch.float64))
        expect(torch.allclose(got, want) or not torch.allclose(got, no_prior),
               "softmax(z) ignores the priors: add ln P(C_k) to z_k.")
        expect_close(got, want, "softmax(z) vs the Bayes posterior P(C_k|x)",
                     hint="expand −½(x − μ_k)ᵀΣ⁻¹(x − μ_k) + ln P(C_k) and keep every term "
                          "that depends on k; only −½xᵀΣ⁻¹x is shared by all classes.")
    return report("multi-class shared-Σ logits", body,
                  "softmax of linear functions is the Gaussian posterior.")


def _normalize_over(x: torch.Tensor, dims: tuple[int, ...], unbiased: bool = False
                    ) -> torch.Tensor:
    """(x − mean) / √(var + 1e-5) over ``dims``: the checker's diagnosis of common slips."""
    mu = x.mean(dim=dims, keepdim=True)
    return (x - mu) / torch.sqrt(x.var(dim=dims, keepdim=True, unbiased=unbiased) + 1e-5)


def check_batchnorm2d(fn: Callable[..., torch.Tensor]) -> str:
    """Exercise 3: ``fn(x, gamma, beta)`` is ``nn.BatchNorm2d``'s train-mode forward."""
    def body():
        gen = torch.Generator().manual_seed(5)
        x = 3 * torch.randn(4, 3, 5, 5, generator=gen, dtype=torch.float64) + 2
        gamma = torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64)
        beta = torch.tensor([0.0, -1.0, 3.0], dtype=torch.float64)
        out = attempt(fn, x, gamma, beta)
        expect_shape(out, x.shape, "batchnorm2d(x) for x of shape (4, 3, 5, 5)")
        bn = nn.BatchNorm2d(3, dtype=torch.float64)
        with torch.no_grad():
            bn.weight.copy_(gamma)
            bn.bias.copy_(beta)
            want = bn(x)
        z_tilde = (out - beta[:, None, None]) / gamma[:, None, None]
        slips = {(0,): "you normalized each position separately (over the batch only): one "
                       "μ and σ per channel pools the batch AND all positions.",
                 (1, 2, 3): "you normalized each example over its channels and positions "
                            "(that is layer norm): BN pools over the batch, per channel."}
        for dims, message in slips.items():
            expect(not torch.allclose(z_tilde, _normalize_over(x, dims), atol=1e-6), message)
        expect(not torch.allclose(z_tilde, _normalize_over(x, (0, 2, 3), unbiased=True),
                                  atol=1e-6),
               "BN normalizes with the biased variance (divide by B·H·W, not B·H·W − 1).")
        expect_close(out, want, "batchnorm2d vs nn.BatchNorm2d (train mode)",
                     hint="normalize each channel, then scale by γ[c] and shift by β[c] "
                          "(ε = 1e-5 inside the square root).")
    return report("BatchNorm2d forward", body, "one μ and σ per channel, as nn.BatchNorm2d.")
