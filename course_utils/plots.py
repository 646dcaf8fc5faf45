"""Figures with one consistent look (introduced in L01).

Every helper returns a ``matplotlib.figure.Figure`` (or draws on a given ``ax``) and never
calls ``plt.show()``, so widgets and tests can reuse it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")
PATH_COLORS = ("k", "m", "c", "w", "#ff7f0e", "#2ca02c")  # readable on the RdYlBu surface

STYLE = {
    "figure.figsize": (6.0, 3.8),
    "figure.dpi": 80,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "axes.prop_cycle": mpl.cycler(color=COLORS),
    "image.cmap": "viridis",
}


def use_course_style() -> None:
    """Apply the course's matplotlib style (the setup cell of every notebook calls it)."""
    mpl.rcParams.update(STYLE)


def _axes(ax: Axes | None, figsize: tuple[float, float] | None = None) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize)
    plt.close(fig)
    return fig, ax


def plot_history(history, title: str = "Training curves", log_y: bool = False,
                 ax: Axes | None = None) -> Figure:
    """Train (and validation) loss per epoch, marking the best epoch (any :class:`History`)."""
    fig, ax = _axes(ax)
    epochs = np.arange(1, len(history.train_loss) + 1)
    ax.plot(epochs, history.train_loss, label="train")
    if history.val_loss:
        ax.plot(epochs[: len(history.val_loss)], history.val_loss, label="validation")
        if history.best_epoch >= 0:
            ax.axvline(history.best_epoch + 1, color="grey", ls=":", label="best epoch")
    if log_y:
        ax.set_yscale("log")
    ax.set(title=title, xlabel="epoch", ylabel="loss")
    ax.legend()
    return fig


def plot_error_surface(
    loss: Callable[[np.ndarray, np.ndarray], np.ndarray],
    w_range: tuple[float, float],
    b_range: tuple[float, float],
    paths: dict[str, np.ndarray] | None = None,
    optimum: tuple[float, float] | None = None,
    title: str = "Error surface L(w, b)",
    resolution: int = 80,
    ax: Axes | None = None,
) -> Figure:
    """Contour of ``loss(W, B)`` on a grid (warm = high loss) with optimisation paths.

    ``paths`` maps a label to an array of shape (steps, 2) holding (w, b) per step.
    """
    fig, ax = _axes(ax)
    w = np.linspace(*w_range, resolution)
    b = np.linspace(*b_range, resolution)
    W, B = np.meshgrid(w, b)
    Z = loss(W, B)
    levels = np.quantile(Z, np.linspace(0, 1, 25) ** 2)
    cs = ax.contourf(W, B, Z, levels=np.unique(levels), cmap="RdYlBu_r")
    fig.colorbar(cs, ax=ax, label="loss")
    for (label, path), color in zip((paths or {}).items(), itertools.cycle(PATH_COLORS)):
        path = np.asarray(path)
        ax.plot(path[:, 0], path[:, 1], "o-", ms=2.5, lw=1.2, color=color, label=label)
    if optimum is not None:
        ax.plot(*optimum, marker="*", ms=14, color="gold", mec="k", ls="", label="optimum")
    ax.set(title=title, xlabel="w", ylabel="b", xlim=w_range, ylim=b_range)
    ax.grid(False)
    if paths or optimum is not None:
        ax.legend(loc="upper right")
    return fig


def plot_fit_1d(
    x: np.ndarray, y: np.ndarray, curves: dict[str, tuple[np.ndarray, np.ndarray]],
    title: str = "Function fit", xlabel: str = "x", ylabel: str = "y",
    x_test: np.ndarray | None = None, y_test: np.ndarray | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Data points and fitted curves; ``curves`` maps a label to ``(x_grid, y_hat)``."""
    fig, ax = _axes(ax)
    ax.scatter(x, y, s=12, color="grey", alpha=0.7, label="training data")
    if x_test is not None and y_test is not None:
        ax.scatter(x_test, y_test, s=14, marker="x", color="k", alpha=0.7, label="test data")
    for label, (xg, yg) in curves.items():
        ax.plot(xg, yg, lw=2, label=label)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend()
    return fig


def plot_image_grid(images: Sequence[np.ndarray] | np.ndarray, titles: Sequence[str] | None = None,
                    ncols: int = 8, title: str = "", cmap: str = "gray") -> Figure:
    """A grid of images given as (H, W) or (H, W, C) arrays, or a (N, C, H, W) batch."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[1] in (1, 3):
        images = images.transpose(0, 2, 3, 1)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    n = len(images)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.3 * ncols, 1.4 * nrows), squeeze=False)
    plt.close(fig)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i], cmap=cmap)
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
