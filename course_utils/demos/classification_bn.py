"""Demos and self-checks of L02c (classification losses, softmax, generative vs
discriminative classifiers, feature normalization and batch normalization).

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
from matplotlib.figure import Figure
from sklearn.datasets import load_breast_cancer
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_utils.plots import COLORS, plot_error_surface
from course_utils.runtime import Profile
from course_utils.toy_data import digits
from course_utils.training import History, fit

Numbers = dict[str, object]


def sigmoid(z):
    """σ(z) = 1 / (1 + e^{−z}) for numpy arrays (numerically stable for large |z|)."""
    z = np.asarray(z, float)
    return np.exp(-np.logaddexp(0.0, -z))


def softmax(z, temperature: float = 1.0, axis: int = -1) -> np.ndarray:
    """softmax(z / T) along ``axis``: positive, sums to 1; a small T enlarges the gaps."""
    z = np.asarray(z, float) / temperature
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def sigmoid_softmax_max_diff(z_grid: np.ndarray | None = None) -> float:
    """max |σ(z) − softmax([z, 0])₀| on a grid: a binary sigmoid is a 2-class softmax."""
    z = np.linspace(-20, 20, 4001) if z_grid is None else np.asarray(z_grid, float)
    two = softmax(np.stack([z, np.zeros_like(z)], axis=1))[:, 0]
    return float(np.abs(sigmoid(z) - two).max())


# --------------------------------------------------------------------------- 1. losses

def plot_surrogate_losses() -> Figure:
    """The 0/1 loss and its differentiable stand-ins as functions of ŷ·z (ŷ = ±1)."""
    m = np.linspace(-3, 3, 601)
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    plt.close(fig)
    ax.plot(m, (m < 0).astype(float), lw=2.5, color="k", label="ideal 0/1 loss δ(f(x) ≠ ŷ)")
    ax.plot(m, (m - 1) ** 2, label="square error (ŷ·z − 1)²")
    ax.plot(m, (sigmoid(m) - 1) ** 2, label="sigmoid + square error")
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
        return (2 * (sigmoid(z) - y) ** 2).mean(axis=-1)
    return (np.logaddexp(0, z) - y * z).mean(axis=-1)


def classification_gradient(w: float, b: float, x: np.ndarray, y: np.ndarray,
                            kind: str = "ce") -> tuple[float, float]:
    """(∂L/∂w, ∂L/∂b) of :func:`classification_loss`."""
    p = sigmoid(w * x + b)
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
    """Demo 1: MSE-after-softmax and CE surfaces with GD paths from the same start."""
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
    """Demo 2: logits → softmax bars at temperature T, and σ(z) over softmax([z, 0])₀."""
    z = np.array([z1, z2, z3])
    p = softmax(z, temperature)
    fig, (ax_bar, ax_sig) = plt.subplots(1, 2, figsize=(11, 3.6))
    plt.close(fig)
    pos = np.arange(3)
    ax_bar.bar(pos - 0.2, z, width=0.4, color=COLORS[0], label="logit z")
    ax_bar.bar(pos + 0.2, p, width=0.4, color=COLORS[1], label=f"softmax(z / {temperature:g})")
    ax_bar.set_xticks(pos, ["class 1", "class 2", "class 3"])
    ax_bar.axhline(0, color="k", lw=0.8)
    ax_bar.set(title="Softmax: (0, 1), sums to 1, enlarges gaps", ylabel="value")
    ax_bar.legend(loc="upper right")
    grid = np.linspace(-8, 8, 201)
    ax_sig.plot(grid, sigmoid(grid), lw=4, alpha=0.4, label="σ(z)")
    ax_sig.plot(grid, softmax(np.stack([grid, 0 * grid], 1))[:, 0], "k--",
                label="softmax([z, 0])₀")
    ax_sig.set(title="Binary sigmoid ≡ 2-class softmax", xlabel="z", ylabel="probability")
    ax_sig.legend(loc="upper left")
    fig.tight_layout()
    return fig, {"softmax": p, "sum": float(p.sum()),
                 "max diff σ vs 2-class softmax": sigmoid_softmax_max_diff(grid)}


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


@dataclass(frozen=True)
class GaussianModel:
    """Class priors P(C₁), P(C₂), means μ¹, μ² and covariances Σ¹, Σ² (MLE)."""

    prior: tuple[float, float]
    mu: tuple[np.ndarray, np.ndarray]
    cov: tuple[np.ndarray, np.ndarray]


def fit_gaussian_classes(X: np.ndarray, y: np.ndarray, shared: bool = False,
                         naive: bool = False) -> GaussianModel:
    """MLE of each class's Gaussian: μ = mean, Σ = (1/N) Σ (x − μ)(x − μ)ᵀ.

    ``shared`` replaces both Σ by (N₁Σ¹ + N₂Σ²)/N; ``naive`` keeps only the diagonal.
    """
    parts = [X[y == 1], X[y == 0]]
    mu = tuple(p.mean(axis=0) for p in parts)
    cov = [np.cov(p, rowvar=False, bias=True) for p in parts]
    n = np.array([len(p) for p in parts], float)
    if shared:
        cov = [(n[0] * cov[0] + n[1] * cov[1]) / n.sum()] * 2
    if naive:
        cov = [np.diag(np.diag(c)) for c in cov]
    return GaussianModel(prior=tuple(n / n.sum()), mu=mu, cov=tuple(cov))


def gaussian_log_density(X: np.ndarray, mu: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """ln f_{μ,Σ}(x) of a multivariate Gaussian — a density, not a probability."""
    d = X - mu
    _, logdet = np.linalg.slogdet(cov)
    maha = np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d)
    return -0.5 * (maha + logdet + X.shape[1] * np.log(2 * np.pi))


def gaussian_posterior(model: GaussianModel, X: np.ndarray) -> np.ndarray:
    """P(C₁|x) by Bayes' rule: P(x|C₁)P(C₁) / (P(x|C₁)P(C₁) + P(x|C₂)P(C₂))."""
    z = (gaussian_log_density(X, model.mu[0], model.cov[0]) + np.log(model.prior[0])
         - gaussian_log_density(X, model.mu[1], model.cov[1]) - np.log(model.prior[1]))
    return sigmoid(z)


def shared_cov_linear(model: GaussianModel) -> tuple[np.ndarray, float]:
    """Closed-form (w, b) with P(C₁|x) = σ(wᵀx + b) for a shared-Σ model."""
    inv = np.linalg.inv(model.cov[0])
    mu1, mu2 = model.mu
    w = inv @ (mu1 - mu2)
    b = -0.5 * mu1 @ inv @ mu1 + 0.5 * mu2 @ inv @ mu2 + np.log(model.prior[0] / model.prior[1])
    return w, float(b)


def logistic_gradient(w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray,
                      loss: str = "ce") -> tuple[np.ndarray, float]:
    """Gradient of the mean loss of f = σ(w·x + b): CE gives −Σ(ŷ − f)x / N, like regression."""
    f = sigmoid(X @ w + b)
    dz = (f - y) if loss == "ce" else 2 * (f - y) * f * (1 - f)
    return X.T @ dz / len(y), float(dz.mean())


def logistic_loss(w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray,
                  loss: str = "ce") -> float:
    """Mean binary cross-entropy (−ln L / N) or mean square error of f = σ(w·x + b)."""
    z = X @ w + b
    if loss == "ce":
        return float(np.mean(np.logaddexp(0, z) - y * z))
    return float(np.mean((sigmoid(z) - y) ** 2))


def train_logistic(X: np.ndarray, y: np.ndarray, eta: float = 1.0, steps: int = 300,
                   loss: str = "ce", w0: np.ndarray | None = None, b0: float = 0.0
                   ) -> tuple[np.ndarray, float, np.ndarray]:
    """Full-batch gradient descent; returns (w, b, loss per step)."""
    w = np.zeros(X.shape[1]) if w0 is None else np.asarray(w0, float).copy()
    b = float(b0)
    losses = [logistic_loss(w, b, X, y, loss)]
    for _ in range(steps):
        gw, gb = logistic_gradient(w, b, X, y, loss)
        w, b = w - eta * gw, b - eta * gb
        losses.append(logistic_loss(w, b, X, y, loss))
    return w, b, np.array(losses)


def train_logistic_standardized(X: np.ndarray, y: np.ndarray, steps: int = 300
                                ) -> tuple[np.ndarray, float]:
    """Logistic regression trained on standardized features, returned in raw units."""
    m, s = X.mean(axis=0), X.std(axis=0) + 1e-12
    w, b, _ = train_logistic((X - m) / s, y, eta=1.0, steps=steps)
    return w / s, b - float((w / s) @ m)


def logistic_grad_check(seed: int = 0) -> float:
    """max |hand-written CE gradient − autograd's| on random data."""
    rng = np.random.RandomState(seed)
    X, y = rng.normal(size=(20, 3)), (rng.rand(20) < 0.5).astype(float)
    w, b = rng.normal(size=3), 0.3
    gw, gb = logistic_gradient(w, b, X, y)
    wt = torch.tensor(w, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    z = torch.tensor(X) @ wt + bt
    nn.functional.binary_cross_entropy_with_logits(z, torch.tensor(y)).backward()
    return float(max(np.abs(gw - wt.grad.numpy()).max(), abs(gb - bt.grad.item())))


CLASSIFIERS = ("separate Σ", "shared Σ", "naive Bayes")


def _fit_generative(X: np.ndarray, y: np.ndarray, covariance: str) -> GaussianModel:
    return fit_gaussian_classes(X, y, shared=covariance == "shared Σ",
                                naive=covariance == "naive Bayes")


def _subset(n_train: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n_train`` points of a 79/61 draw, keeping the class ratio (≥ 2 per class)."""
    X, y = gaussian_classes(seed=seed)
    n1 = max(2, round(n_train * 79 / 140))
    n2 = max(2, n_train - n1)
    return np.concatenate([X[:n1], X[79:79 + n2]]), np.concatenate([y[:n1], y[79:79 + n2]])


def held_out_set(n: int = 4000, seed: int = 1234) -> tuple[np.ndarray, np.ndarray]:
    """A large held-out draw from the same two Gaussians (same 79 : 61 ratio)."""
    return gaussian_classes(round(n * 79 / 140), n - round(n * 79 / 140), seed=seed)


def accuracy(p: np.ndarray, y: np.ndarray) -> float:
    """Fraction of ``p > 0.5`` decisions that match ``y``."""
    return float(np.mean((p > 0.5) == (y == 1)))


def demo_generative_lab(n_train: int = 140, covariance: str = "shared Σ",
                        logistic: bool = True, seed: int = 0) -> tuple[Figure, Numbers]:
    """Demo 3: Gaussian classifiers (separate/shared Σ, naive Bayes) vs logistic regression."""
    X, y = _subset(n_train, seed)
    Xt, yt = held_out_set()
    model = _fit_generative(X, y, covariance)
    fig, ax = plt.subplots(figsize=(6.8, 4.6))
    plt.close(fig)
    g1, g2 = np.meshgrid(np.linspace(-20, 160, 181), np.linspace(-20, 160, 181))
    grid = np.stack([g1.ravel(), g2.ravel()], 1)
    post = gaussian_posterior(model, grid).reshape(g1.shape)
    ax.contourf(g1, g2, post, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.35)
    ax.contour(g1, g2, post, levels=[0.5], colors="k", linewidths=2)
    ax.plot([], [], "k-", lw=2, label=f"generative ({covariance}) P(C₁|x) = 0.5")
    numbers: Numbers = {"generative test acc": accuracy(gaussian_posterior(model, Xt), yt)}
    if logistic:
        w, b = train_logistic_standardized(X, y)
        ax.contour(g1, g2, (grid @ w + b).reshape(g1.shape), levels=[0], colors="g",
                   linewidths=2, linestyles="--")
        ax.plot([], [], "g--", lw=2, label="logistic regression σ(w·x + b) = 0.5")
        numbers["logistic test acc"] = accuracy(sigmoid(Xt @ w + b), yt)
    ax.scatter(*X[y == 1].T, s=14, color=COLORS[0], label=f"water (C₁), {int(y.sum())}")
    ax.scatter(*X[y == 0].T, s=14, color=COLORS[1], label=f"normal (C₂), {int((1 - y).sum())}")
    ax.set(title=f"Boundaries from {len(y)} training points", xlabel="defense",
           ylabel="special defense", xlim=(-20, 160), ylim=(-20, 160))
    ax.legend(loc="upper left", fontsize=8)
    numbers["n train"] = len(y)
    return fig, numbers


def accuracy_vs_train_size(sizes=(6, 10, 20, 40, 80, 140), repeats: int = 20
                           ) -> dict[str, np.ndarray]:
    """Mean test accuracy of shared-Σ generative vs logistic regression per training size."""
    Xt, yt = held_out_set()
    out = {"generative (shared Σ)": [], "logistic regression": []}
    for n in sizes:
        gen, dis = [], []
        for seed in range(repeats):
            X, y = _subset(n, seed)
            gen.append(accuracy(gaussian_posterior(fit_gaussian_classes(X, y, shared=True), Xt),
                                yt))
            w, b = train_logistic_standardized(X, y)
            dis.append(accuracy(sigmoid(Xt @ w + b), yt))
        out["generative (shared Σ)"].append(np.mean(gen))
        out["logistic regression"].append(np.mean(dis))
    return {"n": np.array(sizes), **{k: np.array(v) for k, v in out.items()}}


def plot_accuracy_vs_train_size(curves: dict[str, np.ndarray]) -> Figure:
    """Test accuracy against the number of training points (log x axis)."""
    fig, ax = plt.subplots(figsize=(6.2, 3.8))
    plt.close(fig)
    for name, acc in curves.items():
        if name != "n":
            ax.semilogx(curves["n"], acc, "o-", label=name)
    ax.set_xticks(curves["n"], [str(n) for n in curves["n"]])
    ax.set(title="Generative wins with little data", xlabel="training points",
           ylabel="mean test accuracy")
    ax.legend(loc="lower right")
    return fig


# The lecture's naive-Bayes toy: one (1, 1) example of class 1; (1,0), (0,1), (0,0) × 4 of class 2.
NB_TOY_X = np.array([[1, 1]] + [[1, 0]] * 4 + [[0, 1]] * 4 + [[0, 0]] * 4, float)
NB_TOY_Y = np.array([1.0] + [0.0] * 12)


def naive_bayes_toy(x=(1.0, 1.0)) -> dict[str, float]:
    """P(C₁|x) from Bernoulli naive Bayes and from logistic regression on the toy data."""
    X, y, x = NB_TOY_X, NB_TOY_Y, np.asarray(x, float)
    joint = []
    for c in (1.0, 0.0):
        p = X[y == c].mean(axis=0)
        joint.append(np.mean(y == c) * np.prod(np.where(x == 1, p, 1 - p)))
    w, b, _ = train_logistic(X, y, eta=2.0, steps=3000)
    return {"naive Bayes P(C₁|x)": float(joint[0] / sum(joint)),
            "logistic P(C₁|x)": float(sigmoid(x @ w + b))}


# --------------------------------------------------------------------------- 4. XOR

XOR_X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
XOR_Y = np.array([0.0, 0.0, 1.0, 1.0])


def xor_features(X: np.ndarray) -> np.ndarray:
    """The lecture's feature transformation: distances to (0, 0) and to (1, 1)."""
    return np.stack([np.hypot(X[:, 0], X[:, 1]), np.hypot(X[:, 0] - 1, X[:, 1] - 1)], 1)


def demo_xor(transform: bool = False, steps: int = 2000) -> tuple[Figure, Numbers]:
    """Demo 4: logistic regression on XOR, in the raw or the transformed feature space."""
    X = xor_features(XOR_X) if transform else XOR_X
    w, b, losses = train_logistic(X, XOR_Y, eta=2.0, steps=steps)
    f = sigmoid(X @ w + b)
    fig, ax = plt.subplots(figsize=(5.2, 4.4))
    plt.close(fig)
    lo, hi = X.min() - 0.4, X.max() + 0.4
    g1, g2 = np.meshgrid(np.linspace(lo, hi, 121), np.linspace(lo, hi, 121))
    grid = np.stack([g1.ravel(), g2.ravel()], 1)
    cs = ax.contourf(g1, g2, sigmoid(grid @ w + b).reshape(g1.shape),
                     levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.5)
    fig.colorbar(cs, ax=ax, label="σ(w·x + b)")
    for c, color in ((1.0, COLORS[0]), (0.0, COLORS[1])):
        ax.scatter(*X[XOR_Y == c].T, s=120, color=color, edgecolor="k",
                   label=f"class {1 if c else 2}")
    names = ("x₁′ = ‖x − (0,0)‖", "x₂′ = ‖x − (1,1)‖") if transform else ("x₁", "x₂")
    ax.set(title="Transformed features: separable" if transform else "Raw XOR: no line works",
           xlabel=names[0], ylabel=names[1])
    ax.legend(loc="upper right")
    return fig, {"accuracy": accuracy(f, XOR_Y), "final CE": float(losses[-1])}


def cascaded_logistic_xor(steps: int = 2000, seed: int = 1) -> tuple[float, np.ndarray]:
    """Two logistic units feeding a third (a 2-2-1 sigmoid network) trained on XOR."""
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1))
    opt = torch.optim.Adam(net.parameters(), lr=0.1)
    X, y = torch.tensor(XOR_X, dtype=torch.float32), torch.tensor(XOR_Y, dtype=torch.float32)
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(net(X).squeeze(1), y)
        loss.backward()
        opt.step()
    with torch.no_grad():
        p = torch.sigmoid(net(X).squeeze(1)).numpy()
    return accuracy(p, XOR_Y), p


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
    """Train/validation tensors of ``load_breast_cancer`` (70/30), raw or standardized."""
    X, y = load_breast_cancer(return_X_y=True)
    order = np.random.RandomState(seed).permutation(len(y))
    X, y = X[order], y[order].astype(np.float32)
    cut = int(0.7 * len(y))
    if standardize:
        m, s = X[:cut].mean(axis=0), X[:cut].std(axis=0)
        X = (X - m) / s
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


def sigmoid_saturation(normalize: bool, seed: int = 0) -> float:
    """Fraction of hidden sigmoid units with σ′(z) < 0.01 on breast-cancer inputs.

    The inputs are standardized, but the pre-activations z = W x of a random layer with
    scaled-up weights are not; normalizing z (before the sigmoid) un-saturates them.
    """
    (X, _), _ = breast_cancer_tensors(standardize=True, seed=seed)
    torch.manual_seed(seed)
    z = nn.Linear(X.shape[1], 64)(X).detach() * 4 + 2
    if normalize:
        z = (z - z.mean(0)) / z.std(0)
    s = torch.sigmoid(z)
    return float((s * (1 - s) < 0.01).float().mean())


# --------------------------------------------------------------------------- 6. batch norm

def bn_forward(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5
               ) -> dict[str, torch.Tensor]:
    """Training-mode BN: μ, σ² (biased), z̃ = (x − μ)/√(σ² + ε) and out = γ ⊙ z̃ + β."""
    mu = x.mean(dim=0)
    var = x.var(dim=0, unbiased=False)
    z_tilde = (x - mu) / torch.sqrt(var + eps)
    return {"mu": mu, "var": var, "z_tilde": z_tilde, "out": gamma * z_tilde + beta}


class ManualBatchNorm1d:
    """A hand-written ``nn.BatchNorm1d`` with PyTorch's running-statistics convention.

    running ← (1 − momentum)·running + momentum·batch statistic (momentum = 0.1); the
    running variance uses the unbiased batch variance, normalization the biased one.
    """

    def __init__(self, num_features: int, momentum: float = 0.1, eps: float = 1e-5):
        self.gamma, self.beta = torch.ones(num_features), torch.zeros(num_features)
        self.running_mean, self.running_var = torch.zeros(num_features), torch.ones(num_features)
        self.momentum, self.eps, self.training = momentum, eps, True

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return (self.gamma * (x - self.running_mean) / torch.sqrt(self.running_var + self.eps)
                    + self.beta)
        parts = bn_forward(x, self.gamma, self.beta, self.eps)
        m = self.momentum
        self.running_mean = (1 - m) * self.running_mean + m * parts["mu"]
        self.running_var = (1 - m) * self.running_var + m * x.var(dim=0, unbiased=True)
        return parts["out"]


def manual_vs_torch_bn(batches: int = 5, batch_size: int = 16, features: int = 4,
                       seed: int = 0) -> dict[str, float]:
    """Max |manual − nn.BatchNorm1d| in train mode (over batches) and then in eval mode."""
    gen = torch.Generator().manual_seed(seed)
    ref, mine = nn.BatchNorm1d(features), ManualBatchNorm1d(features)
    train_diff = 0.0
    for _ in range(batches):
        x = 3 * torch.randn(batch_size, features, generator=gen) + 2
        with torch.no_grad():
            train_diff = max(train_diff, float((ref(x) - mine(x)).abs().max()))
    ref.eval()
    mine.training = False
    x = torch.randn(batch_size, features, generator=gen)
    with torch.no_grad():
        return {"train": train_diff, "eval": float((ref(x) - mine(x)).abs().max())}


def check_bn_forward(fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
                     ) -> bool:
    """Advisory self-check: does ``fn(x, gamma, beta)`` match ``nn.BatchNorm1d`` in train mode?"""
    gen = torch.Generator().manual_seed(1)
    x = 5 * torch.randn(32, 3, generator=gen) - 1
    bn = nn.BatchNorm1d(3)
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([1.0, 2.0, 0.5]))
        bn.bias.copy_(torch.tensor([0.0, -1.0, 3.0]))
        want = bn(x)
    got = fn(x, bn.weight.detach(), bn.bias.detach())
    ok = got.shape == want.shape and bool(torch.allclose(got, want, atol=1e-5))
    print("✓ matches nn.BatchNorm1d" if ok else
          "✗ differs from nn.BatchNorm1d — normalize each feature over dim 0 with the biased "
          "variance, then scale by γ and shift by β")
    return ok


def bn_data(seed: int = 0, n: int = 4096) -> torch.Tensor:
    """Two raw-scale features (means 5 and −3, std 2 and 0.5) for the BN demo."""
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, 2, generator=gen) * torch.tensor([2.0, 0.5]) + torch.tensor([5.0, -3.0])


def train_eval_gap(batch_size: int, batches: int = 200, seed: int = 0) -> float:
    """Mean |train-mode − eval-mode output| of BN after ``batches`` training batches."""
    data = bn_data(seed)
    bn = ManualBatchNorm1d(2)
    gaps = []
    for i in range(batches):
        x = data[(i * batch_size) % (len(data) - batch_size):][:batch_size]
        bn.training = True
        out_train = bn(x)
        bn.training = False
        gaps.append(float((out_train - bn(x)).abs().mean()))
    return float(np.mean(gaps[batches // 2:]))


def demo_batchnorm(batch_size: int = 8, gamma: float = 1.0, beta: float = 0.0,
                   mode: str = "train", batches: int = 60) -> tuple[Figure, Numbers]:
    """Demo 6: BN on one batch (μ, σ, z̃, γ, β) and the running mean over training batches."""
    data = bn_data()
    bn = ManualBatchNorm1d(2)
    bn.gamma, bn.beta = torch.full((2,), gamma), torch.full((2,), beta)
    history = []
    for i in range(batches):
        bn(data[i * batch_size:(i + 1) * batch_size])
        history.append(bn.running_mean[0].item())
    x = data[batches * batch_size:(batches + 1) * batch_size]
    parts = bn_forward(x, bn.gamma, bn.beta, bn.eps)
    bn.training = mode == "train"
    out = bn(x)
    fig, (ax_b, ax_r) = plt.subplots(1, 2, figsize=(11.5, 3.8))
    plt.close(fig)
    rows = {"raw x": x[:, 0], "z̃ = (x − μ)/σ": parts["z_tilde"][:, 0],
            f"out ({mode} mode)": out[:, 0]}
    for k, (name, vals) in enumerate(rows.items()):
        ax_b.scatter(vals.numpy(), np.full(len(vals), -k), s=30, label=name)
    ax_b.set_yticks([0, -1, -2], list(rows))
    ax_b.set(title=f"Feature 1 of one batch of {batch_size}: μ = {parts['mu'][0]:.2f}, "
                   f"σ = {parts['var'][0].sqrt():.2f}", xlabel="value")
    ax_r.plot(np.arange(1, batches + 1), history, label="running_mean (momentum 0.1)")
    ax_r.axhline(float(data[:, 0].mean()), color="k", ls="--", label="population mean")
    ax_r.set(title="Moving average used at inference", xlabel="training batch",
             ylabel="running mean of feature 1")
    ax_r.legend(loc="lower right")
    fig.tight_layout()
    return fig, {"batch μ": parts["mu"], "batch σ": parts["var"].sqrt(),
                 "running_mean": bn.running_mean, "running_var": bn.running_var,
                 "mean |train − eval| output": train_eval_gap(batch_size)}


def running_stats_after_one_batch(seed: int = 0) -> dict[str, float]:
    """Max deviations of a fresh BN's running stats from 0.1·μ and 0.9 + 0.1·s² (unbiased)."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(32, 5, generator=gen)
    bn = nn.BatchNorm1d(5)
    with torch.no_grad():
        bn(x)
    return {"mean": float((bn.running_mean - 0.1 * x.mean(0)).abs().max()),
            "var": float((bn.running_var - (0.9 + 0.1 * x.var(0, unbiased=True))).abs().max())}


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
    """Training-loss curves of :func:`digits_bn_comparison`, one line per run."""
    fig, ax = plt.subplots(figsize=(6.8, 4.0))
    plt.close(fig)
    for name, (hist, acc) in results.items():
        ax.plot(np.arange(1, hist.epochs + 1), hist.train_loss,
                ls="-" if name.startswith("BN") else "--", label=f"{name} (val acc {acc:.3f})")
    ax.set(title="Sigmoid MLP on digits: BN converges faster", xlabel="epoch",
           ylabel="training cross-entropy", yscale="log")
    ax.legend(loc="upper right")
    return fig
