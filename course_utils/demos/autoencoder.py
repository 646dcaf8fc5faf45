"""Figure, widget, training-loop and exercise-checker plumbing of L08 (auto-encoders, PCA,
denoising, discrete codes and clustering, vector quantization, anomaly detection). The models,
PCA, k-means, the quantizer, the anomaly score and ROC/AUC are written in the notebook.

Every ``demo_*`` function is pure: ``demo(**params) -> (figure, numbers)``; its defaults are
the notebook's default widget state. Demos take the notebook's models and functions as their
first arguments.
"""

from __future__ import annotations

from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

from course_utils.exercises import attempt, expect, expect_close, report

Numbers = dict[str, object]


def _subplots(*args, **kwargs):
    """``plt.subplots`` closed at once, so a figure shows only where a cell returns it."""
    fig, axes = plt.subplots(*args, **kwargs)
    plt.close(fig)
    return fig, axes


# ---------------------------------------------------------------- training loop
def train_reconstruction(model: nn.Module, x: torch.Tensor, steps: int,
                         loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                         noise_std: float = 0.0, lr: float = 1e-3, batch: int = 128,
                         seed: int = 0) -> list[float]:
    """Adam on ``loss_fn(model(x + noise), x)`` over random batches of ``x`` (``noise_std`` > 0
    trains a denoising auto-encoder); returns the loss of every step (introduced in L08)."""
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    model.train()
    for _ in range(steps):
        clean = x[torch.randint(0, len(x), (batch,), generator=g)]
        noisy = clean + noise_std * torch.randn(clean.shape, generator=g)
        loss = loss_fn(model(noisy), clean)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    return losses


def purity(clusters: np.ndarray, labels: np.ndarray) -> float:
    """Share of points whose cluster's majority label is their own label."""
    clusters, labels = np.asarray(clusters), np.asarray(labels)
    return sum(np.bincount(labels[clusters == c]).max() for c in np.unique(clusters)) / len(labels)


# ---------------------------------------------------------------- Demo 1: 2-D bottleneck
def demo_bottleneck(decoder: nn.Module, codes: np.ndarray, labels: np.ndarray,
                    z1: float = 0.0, z2: float = 0.0, grid: int = 8) -> tuple[Figure, Numbers]:
    """The 2-D codes coloured by digit with the chosen point, its decoding, and a grid of
    decodings over the codes' range."""
    fig, (ax_codes, ax_one, ax_grid) = _subplots(1, 3, figsize=(13, 4.2),
                                                 gridspec_kw={"width_ratios": [1.3, 0.6, 1]})
    scatter = ax_codes.scatter(codes[:, 0], codes[:, 1], c=labels, cmap="tab10", s=4)
    ax_codes.plot([z1], [z2], "k*", markersize=14)
    ax_codes.legend(*scatter.legend_elements(num=None), fontsize=7, ncol=2, title="digit")
    ax_codes.set(title="codes of the digits (★ = decoded point)", xlabel="z1", ylabel="z2")
    lo, hi = np.percentile(codes, 2, axis=0), np.percentile(codes, 98, axis=0)
    zs = np.stack(np.meshgrid(np.linspace(lo[0], hi[0], grid), np.linspace(hi[1], lo[1], grid)),
                  -1).reshape(-1, 2)
    with torch.no_grad():
        one = decoder(torch.tensor([[z1, z2]], dtype=torch.float32)).reshape(28, 28)
        many = decoder(torch.tensor(zs, dtype=torch.float32)).reshape(grid, grid, 28, 28)
    ax_one.imshow(one.numpy(), cmap="gray", vmin=0, vmax=1)
    ax_one.set(title=f"decoder(({z1:.1f}, {z2:.1f}))", xticks=[], yticks=[])
    ax_grid.imshow(many.permute(0, 2, 1, 3).reshape(grid * 28, grid * 28).numpy(), cmap="gray",
                   extent=(lo[0], hi[0], lo[1], hi[1]), aspect="auto")
    ax_grid.set(title="decoder over a grid of codes", xlabel="z1", ylabel="z2")
    fig.tight_layout()
    return fig, {"z": [z1, z2]}


# ---------------------------------------------------------------- Demo 2: PCA vs AE
def plot_error_vs_code_size(errors: dict[str, dict[int, float]]) -> Figure:
    """Reconstruction MSE against the code size, one line per method."""
    fig, ax = _subplots(figsize=(5.5, 3.8))
    for name, by_k in errors.items():
        ax.plot(list(by_k), list(by_k.values()), "o-", label=name)
    ax.set(title="reconstruction error vs code size", xlabel="code size k",
           ylabel="MSE per pixel", yscale="log")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_embedding(points: np.ndarray, labels: np.ndarray, title: str) -> Figure:
    """A 2-D embedding coloured by label."""
    fig, ax = _subplots(figsize=(5.5, 4.5))
    scatter = ax.scatter(points[:, 0], points[:, 1], c=labels, cmap="tab10", s=5)
    ax.legend(*scatter.legend_elements(num=None), fontsize=7, ncol=2, title="digit")
    ax.set(title=title, xlabel="dimension 1", ylabel="dimension 2")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- Demo 3: denoising
def demo_denoise(models: dict[str, nn.Module], images: torch.Tensor, noise: float = 0.5,
                 seed: int = 0) -> tuple[Figure, Numbers]:
    """Noisy inputs, each model's reconstruction and the clean targets; MSEs to the clean."""
    g = torch.Generator().manual_seed(seed)
    noisy = images + noise * torch.randn(images.shape, generator=g)
    with torch.no_grad():
        rows = {"noisy input": noisy, **{name: m(noisy) for name, m in models.items()},
                "clean target": images}
    fig, axes = _subplots(len(rows), len(images), figsize=(1.2 * len(images), 1.3 * len(rows)),
                          squeeze=False)
    for r, (name, batch) in enumerate(rows.items()):
        for c, image in enumerate(batch):
            axes[r, c].imshow(image.reshape(28, 28).clamp(0, 1).numpy(), cmap="gray")
            axes[r, c].set(xticks=[], yticks=[])
        axes[r, 0].set_ylabel(name, fontsize=8)
    fig.suptitle(f"denoising at noise sd {noise:g}")
    fig.tight_layout()
    return fig, {f"MSE to clean, {name}": float(((batch - images) ** 2).mean())
                 for name, batch in rows.items() if name != "clean target"}


# ---------------------------------------------------------------- Demo 4: clusters
def demo_kmeans(fit: Callable[[int], tuple[np.ndarray, float]], inertias: dict[int, float],
                view: np.ndarray, labels: np.ndarray, k: int = 10) -> tuple[Figure, Numbers]:
    """The elbow curve with the chosen k, and the clusters of ``fit(k)`` on a 2-D view."""
    clusters, inertia = fit(k)
    fig, (ax_elbow, ax_view) = _subplots(1, 2, figsize=(11, 4))
    ax_elbow.plot(list(inertias), list(inertias.values()), "o-")
    ax_elbow.plot([k], [inertia], "r*", markersize=14)
    ax_elbow.set(title="elbow: within-cluster sum of squares", xlabel="k", ylabel="inertia")
    ax_view.scatter(view[:, 0], view[:, 1], c=clusters, cmap="tab20", s=5)
    ax_view.set(title=f"k-means clusters, k = {k} (PCA view)", xlabel="PC 1", ylabel="PC 2")
    fig.tight_layout()
    return fig, {"k": k, "inertia": inertia, "purity": purity(clusters, labels)}


def demo_dendrogram(linkage: np.ndarray, labels: np.ndarray, threshold: float = 12.0
                    ) -> tuple[Figure, Numbers]:
    """The HAC tree cut at ``threshold``: the clusters below the cut and their purity."""
    from scipy.cluster.hierarchy import dendrogram, fcluster

    clusters = fcluster(linkage, threshold, criterion="distance")
    fig, ax = _subplots(figsize=(11, 3.8))
    dendrogram(linkage, ax=ax, no_labels=True, color_threshold=threshold, truncate_mode="level",
               p=12)
    ax.axhline(threshold, color="k", linestyle="--", label=f"threshold {threshold:g}")
    ax.set(title="hierarchical agglomerative clustering (Ward)", xlabel="digits (merged)",
           ylabel="merge distance")
    ax.legend()
    fig.tight_layout()
    return fig, {"clusters": int(clusters.max()), "purity": purity(clusters, labels)}


# ---------------------------------------------------------------- Demo 5: VQ
def demo_vq(learn: Callable[[int], tuple[torch.Tensor, torch.Tensor]], data: torch.Tensor,
            size: int = 3) -> tuple[Figure, Numbers]:
    """The codebook ``learn(size)`` returns, which code each point picks, and the usage."""
    codebook, index = learn(size)
    usage = torch.bincount(index, minlength=size)
    fig, (ax_pts, ax_use) = _subplots(1, 2, figsize=(10, 4))
    ax_pts.scatter(data[:, 0], data[:, 1], c=index, cmap="tab10", s=8)
    ax_pts.scatter(codebook[:, 0], codebook[:, 1], c="k", marker="X", s=120, label="codebook")
    ax_pts.set(title=f"nearest code of each point ({size} codes)", xlabel="x1", ylabel="x2")
    ax_pts.legend()
    ax_use.bar(range(size), usage.numpy())
    ax_use.set(title="code usage", xlabel="code index", ylabel="points")
    fig.tight_layout()
    distortion = float(((data - codebook[index]) ** 2).sum(1).mean())
    return fig, {"codes used": int((usage > 0).sum()), "mean squared distance": distortion}


# ---------------------------------------------------------------- Demo 6: anomaly lab
def confusion(scores: np.ndarray, labels: np.ndarray, threshold: float) -> dict[str, int]:
    """TP, FP, FN, TN when ``score > threshold`` flags an anomaly (label 1)."""
    flagged, labels = np.asarray(scores) > threshold, np.asarray(labels).astype(bool)
    return {"TP": int((flagged & labels).sum()), "FP": int((flagged & ~labels).sum()),
            "FN": int((~flagged & labels).sum()), "TN": int((~flagged & ~labels).sum())}


def demo_anomaly(roc: Callable, scores: np.ndarray, labels: np.ndarray,
                 threshold: float) -> tuple[Figure, Numbers]:
    """Score histograms with the threshold, the confusion matrix, and the ROC curve with the
    threshold's operating point; ``roc(scores, labels) -> (fpr, tpr, auc)``."""
    counts = confusion(scores, labels, threshold)
    fpr, tpr, auc = roc(scores, labels)
    fig, (ax_hist, ax_cm, ax_roc) = _subplots(1, 3, figsize=(14, 4))
    bins = np.geomspace(scores.min(), scores.max(), 40)
    for value, name in ((0, "normal"), (1, "anomaly")):
        ax_hist.hist(scores[labels == value], bins=bins, alpha=0.6, label=name)
    ax_hist.axvline(threshold, color="k", linestyle="--", label="threshold")
    ax_hist.set(title="anomaly scores", xlabel="reconstruction error", ylabel="images",
                xscale="log")
    ax_hist.legend()
    matrix = np.array([[counts["TP"], counts["FN"]], [counts["FP"], counts["TN"]]])
    ax_cm.imshow(matrix, cmap="Blues", vmin=0, vmax=2 * matrix.max())
    ax_cm.grid(False)
    for (r, c), n in np.ndenumerate(matrix):
        ax_cm.text(c, r, str(n), ha="center", va="center", fontsize=14)
    ax_cm.set(title="confusion matrix", xticks=[0, 1], yticks=[0, 1],
              xticklabels=["flagged", "passed"], yticklabels=["anomaly", "normal"])
    here = counts["FP"] / max(1, counts["FP"] + counts["TN"]), \
        counts["TP"] / max(1, counts["TP"] + counts["FN"])
    ax_roc.plot(fpr, tpr, label=f"ROC, AUC = {auc:.3f}")
    ax_roc.plot([0, 1], [0, 1], "k:", label="chance")
    ax_roc.plot(*here, "r*", markersize=14, label="this threshold")
    ax_roc.set(title="ROC curve", xlabel="false positive rate", ylabel="true positive rate")
    ax_roc.legend(loc="lower right")
    fig.tight_layout()
    precision = counts["TP"] / max(1, counts["TP"] + counts["FP"])
    return fig, {**counts, "precision": precision, "recall": here[1], "AUC": auc}


# ---------------------------------------------------------------- exercise checkers
def check_anomaly_score(fn: Callable) -> str:
    """Exercise: ``fn(x, x_hat) -> (N,)`` mean squared reconstruction error per image."""
    def body():
        x = torch.zeros(2, 3, 2, 2)
        x_hat = torch.zeros(2, 3, 2, 2)
        x_hat[1] = 2.0
        score = attempt(fn, x, x_hat)
        expect(torch.as_tensor(score).shape == (2,), "return one score per image, shape (N,): "
               f"got shape {tuple(torch.as_tensor(score).shape)}; average over every "
               "dimension except the first.")
        hints = {48.0: "Average the squared errors of an image, don't sum them (HW8 scores "
                       "images of any size on one scale).",
                 2.0: "Square the difference before averaging (or take its absolute value "
                      "and square)."}
        got = float(torch.as_tensor(score)[1])
        expect_close(score, [0.0, 4.0], "the scores of a perfect and an off-by-2 reconstruction",
                     hint=next((h for v, h in hints.items() if abs(got - v) < 1e-6), ""))
        g = torch.Generator().manual_seed(0)
        x, x_hat = torch.randn(5, 3, 4, 4, generator=g), torch.randn(5, 3, 4, 4, generator=g)
        expect_close(attempt(fn, x, x_hat), ((x - x_hat) ** 2).mean((1, 2, 3)),
                     "the scores of 5 random images")
    return report("anomaly score", body)


def check_precision_recall(fn: Callable) -> str:
    """Exercise: ``fn(scores, labels, threshold) -> (precision, recall)``; score > threshold
    flags an anomaly (label 1)."""
    def body():
        scores = np.array([0.1, 0.4, 0.35, 0.8, 0.3, 0.9])
        labels = np.array([0, 0, 0, 1, 1, 1])
        got = attempt(fn, scores, labels, 0.32)
        expect(len(got) == 2, "return two numbers: (precision, recall).")
        precision, recall = (float(v) for v in got)
        if abs(precision - 2 / 3) < 1e-6 and abs(recall - 0.5) < 1e-6:
            expect(False, "precision and recall are swapped: precision = TP / (TP + FP), "
                          "recall = TP / (TP + FN).")
        expect_close([precision, recall], [0.5, 2 / 3],
                     "(precision, recall) of the toy scores at threshold 0.32",
                     hint="Scores 0.4, 0.35, 0.8, 0.9 are flagged: TP = 2 (0.8, 0.9), FP = 2, "
                          "FN = 1 (0.3).")
        expect_close([float(v) for v in attempt(fn, scores, labels, 0.9)], [0.0, 0.0],
                     "(precision, recall) when nothing is flagged (threshold 0.9)",
                     hint="Flag only scores strictly above the threshold, and return 0 for a "
                          "precision of 0 / 0 instead of dividing by zero.")
    return report("precision and recall", body)


def check_kmeans_step(fn: Callable) -> str:
    """Exercise: one k-means iteration ``fn(x, centres) -> (assignment, new_centres)``."""
    def body():
        x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [4.0, 0.0], [6.0, 0.0], [5.0, 3.0]])
        centres = torch.tensor([[0.0, 0.0], [5.0, 0.0]])
        got = attempt(fn, x, centres)
        expect(len(got) == 2, "return (assignment, new_centres).")
        assignment, new = got
        expect(torch.equal(torch.as_tensor(assignment).long(), torch.tensor([0, 0, 1, 1, 1])),
               f"the assignment is {torch.as_tensor(assignment).tolist()}, expected "
               "[0, 0, 1, 1, 1]: give each point the index of its nearest centre "
               "(argmin of the distances over dim 1).")
        expect_close(new, [[0.0, 0.5], [5.0, 1.0]], "the new centres",
                     hint="Each centre moves to the mean of the points assigned to it "
                          "(a mean, not a sum).")
        lonely = torch.tensor([[0.0, 0.0], [9.0, 9.0], [50.0, 50.0]])
        _, new = attempt(fn, x, lonely)
        expect_close(torch.as_tensor(new)[2], [50.0, 50.0], "a centre that no point chose",
                     hint="Keep a centre without points where it is (a mean of no points is "
                          "NaN).", atol=1e-4)
    return report("one k-means step", body)
