"""Figure, widget and data plumbing of L04 and its exercise checkers.

The attention code itself (the loop and matrix forms, scaled dot-product and multi-head
attention, the masks, positional encoding, Nadaraya–Watson, the small CNN and ViT) is written
in ``notebooks/L04_self_attention.ipynb``; demos that draw it take the notebook's functions as
arguments. Every ``demo_*`` function is pure: ``demo(**params) -> (figure, numbers)``.
Matrices follow the slides: vectors are *columns* (``I`` is d × N, ``A = KᵀQ``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset

from course_utils.exercises import attempt, expect, expect_close, expect_shape, report
from course_utils.models.attention import (
    AdditiveAttention,
    local_mask,
    masked_softmax,
    sinusoidal_positional_encoding,
)
from course_utils.plots import COLORS
from course_utils.runtime import Profile
from course_utils.toy_data import digits
from course_utils.training import fit

Numbers = dict[str, object]
SelfAttention = Callable[..., dict[str, torch.Tensor]]


# --------------------------------------------------------------------------- 1. vector sets

def word_vectors(n_per_group: int = 4, dim: int = 16, seed: int = 0):
    """Toy vocabulary in 3 semantic groups: one-hot vectors and clustered 'embedding' vectors."""
    groups = {"animal": ["cat", "dog", "rabbit", "bird"], "verb": ["jump", "run", "saw", "eat"],
              "plant": ["flower", "tree", "grass", "rose"]}
    words = [w for g in groups.values() for w in g[:n_per_group]]
    labels = np.repeat(np.arange(len(groups)), n_per_group)
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 3, (len(groups), dim))
    embedding = centers[labels] + rng.normal(0, 0.7, (len(words), dim))
    return words, labels, np.eye(len(words)), embedding, list(groups)


def pairwise_distances(x: np.ndarray) -> np.ndarray:
    """Euclidean distance between every pair of rows."""
    return np.linalg.norm(x[:, None, :] - x[None, :, :], axis=-1)


def pca_2d(x: np.ndarray) -> np.ndarray:
    """Project rows onto the top-2 principal components."""
    centered = x - x.mean(0)
    _, _, vt = np.linalg.svd(centered, full_matrices=False)
    return centered @ vt[:2].T


def plot_one_hot_vs_embedding(seed: int = 0) -> tuple[Figure, Numbers]:
    """Distance matrices of one-hot vs embedding vectors and a PCA plot of the embedding."""
    words, labels, one_hot, emb, names = word_vectors(seed=seed)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    plt.close(fig)
    for ax, x, title in zip(axes[:2], (one_hot, emb), ("one-hot (1-of-N)", "word embedding"),
                            strict=True):
        im = ax.imshow(pairwise_distances(x), cmap="viridis")
        ax.set(title=f"{title}: pairwise distance", xticks=range(len(words)),
               yticks=range(len(words)), xlabel="word", ylabel="word")
        ax.set_xticklabels(words, rotation=90, fontsize=7)
        ax.set_yticklabels(words, fontsize=7)
        fig.colorbar(im, ax=ax, fraction=0.046)
    z = pca_2d(emb)
    for g, name in enumerate(names):
        axes[2].scatter(*z[labels == g].T, color=COLORS[g], label=name)
    for (x, y), w in zip(z, words, strict=True):
        axes[2].annotate(w, (x, y), fontsize=7)
    axes[2].set(title="embedding, PCA to 2-D", xlabel="PC 1", ylabel="PC 2")
    axes[2].legend()
    d_hot, d_emb = pairwise_distances(one_hot), pairwise_distances(emb)
    off = ~np.eye(len(words), dtype=bool)
    same = (labels[:, None] == labels[None, :]) & off
    return fig, {"one-hot distinct distances": len(np.unique(d_hot[off].round(9))),
                 "embedding: mean distance same group": float(d_emb[same].mean()),
                 "embedding: mean distance other group": float(d_emb[~same & off].mean())}


def synthetic_audio(seconds: float = 1.0, sample_rate: int = 16000, seed: int = 0) -> np.ndarray:
    """Sines (a 'vowel' then a higher tone) plus noise: stands in for 1 s of speech."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    vowel = np.sin(2 * np.pi * 220 * t) + 0.5 * np.sin(2 * np.pi * 440 * t)
    wave = np.where(t < seconds / 2, vowel,
                    0.8 * np.sin(2 * np.pi * 660 * t))
    return wave + 0.1 * rng.normal(size=t.size)


def frame_signal(wave: np.ndarray, sample_rate: int = 16000, window_ms: float = 25,
                 hop_ms: float = 10) -> np.ndarray:
    """(n_frames, window) frames: 25 ms windows every 10 ms → one vector per frame."""
    win, hop = int(sample_rate * window_ms / 1000), int(sample_rate * hop_ms / 1000)
    n = 1 + (len(wave) - win) // hop
    return np.stack([wave[i * hop:i * hop + win] for i in range(n)])


# --------------------------------------------------------------------------- 2. mechanics

def toy_inputs() -> torch.Tensor:
    """I: 4 toy input vectors a¹…a⁴ as the columns of a 3 × 4 matrix."""
    return torch.tensor([[1.0, 0.0, 1.0, 0.0], [0.0, 2.0, 0.0, 1.0], [1.0, 1.0, 0.0, 1.0]])


def toy_weights(seed: int = 0, d_in: int = 3, d_k: int = 2) -> dict[str, torch.Tensor]:
    """Seeded Wᵠ, Wᵏ, Wᵛ for the step-through (the only learned parameters)."""
    gen = torch.Generator().manual_seed(seed)
    return {name: torch.randn(d_k if name != "v" else d_in, d_in, generator=gen)
            for name in ("q", "k", "v")}


def demo_step_through(attend: SelfAttention, seed: int = 0, q_scale: float = 1.0,
                      activation: str = "softmax") -> tuple[Figure, Numbers]:
    """Q/K/V, raw scores A, normalized A′ and outputs O for 4 toy vectors, computed by the
    notebook's ``attend(I, Wq, Wk, Wv, activation)``; ★ marks the input each query attends to
    most. ``q_scale`` multiplies Wᵠ (a sharper or flatter attention)."""
    I, W = toy_inputs(), toy_weights(seed)  # noqa: E741 (the slides' I)
    r = attend(I, W["q"] * q_scale, W["k"], W["v"], activation)
    fig, axes = plt.subplots(1, 6, figsize=(15, 3.2),
                             gridspec_kw={"width_ratios": [1, 1, 1, 1.3, 1.3, 1]})
    plt.close(fig)
    for ax, name in zip(axes, ("Q", "K", "V", "A", "A'", "O"), strict=True):
        m = r[name].numpy()
        ax.imshow(m, cmap="RdBu_r" if name != "A'" else "viridis", aspect="auto",
                  vmin=-np.abs(m).max() if name != "A'" else 0, vmax=np.abs(m).max())
        for (row, col), value in np.ndenumerate(m):
            ax.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize=7)
        ax.set(title=name, xticks=range(4), xticklabels=[f"{c}{i + 1}" for i in range(4)
                                                        for c in ["a" if name in "QKV" else "q"]],
               yticks=range(m.shape[0]), xlabel="column")
        if name in ("A", "A'"):
            ax.set(ylabel="key kʲ", yticklabels=[f"k{j + 1}" for j in range(4)], xlabel="query qⁱ")
            best = r["A'"].argmax(dim=0).numpy()
            ax.plot(range(4), best, "s", mfc="none", mec="gold", ms=24, mew=2.5,
                    label="dominant input")
    axes[4].legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), fontsize=7)
    fig.suptitle(f"self-attention step-through ({activation}, Wᵠ × {q_scale:g})", y=1.04)
    col_sum = r["A'"].sum(0)
    return fig, {"dominant input for q1..q4": (r["A'"].argmax(0) + 1).tolist(),
                 "max |column sum − 1|": float((col_sum - 1).abs().max())}


def plot_loop_vs_matrix(loop: Callable, matrix: Callable, lengths: Sequence[int] = (4, 16, 64),
                        d: int = 16, seed: int = 0) -> tuple[Figure, Numbers]:
    """Time ``loop(I, Wq, Wk, Wv)`` against ``matrix(I, Wq, Wk, Wv)`` as L grows; check that
    they agree."""
    gen = torch.Generator().manual_seed(seed)
    W = [torch.randn(d, d, generator=gen) / math.sqrt(d) for _ in range(3)]
    t_loop, t_mat, diff = [], [], 0.0
    for L in lengths:
        I = torch.randn(d, L, generator=gen)  # noqa: E741
        start = time.perf_counter()
        slow = loop(I, *W)
        t_loop.append(time.perf_counter() - start)
        start = time.perf_counter()
        fast = matrix(I, *W)
        t_mat.append(time.perf_counter() - start)
        diff = max(diff, float((slow - fast).abs().max()))
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    plt.close(fig)
    ax.loglog(lengths, t_loop, "o-", label="loop over queries and keys")
    ax.loglog(lengths, t_mat, "s-", label="matrix form O = V softmax(KᵀQ)")
    ax.set(title="same outputs, very different speed", xlabel="sequence length L",
           ylabel="seconds")
    ax.legend()
    return fig, {"max |loop − matrix|": diff, "speed-up at largest L": t_loop[-1] / t_mat[-1]}


# --------------------------------------------------------------------------- 3. multi-head

def reverse_copy_data(n: int, length: int = 8, vocab: int = 10, seed: int = 0):
    """Random token sequences and their reversal: a copy toy that needs attention by position."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randint(0, vocab, (n, length), generator=gen)
    return x, x.flip(1)


def sequence_cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy over (batch, length, classes) logits and (batch, length) labels."""
    return F.cross_entropy(logits.transpose(1, 2), target)


def train_reverse_copy(model: nn.Module, n_train: int = 2000, epochs: int = 30,
                       profile: Profile | None = None, seed: int = 0) -> float:
    """Train ``model`` on the reverse-copy toy with the course's ``fit``; return token accuracy
    on 500 new sequences."""
    torch.manual_seed(seed)
    x, y = reverse_copy_data(n_train, seed=seed)
    xv, yv = reverse_copy_data(500, seed=seed + 1)
    train = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True,
                       generator=torch.Generator().manual_seed(seed))
    val = DataLoader(TensorDataset(xv, yv), batch_size=500)
    fit(model, train, val, loss_fn=sequence_cross_entropy, epochs=epochs,
        optimizer=torch.optim.Adam(model.parameters(), lr=3e-3),
        device=torch.device("cpu"), profile=profile, progress=False)
    model.eval()
    with torch.no_grad():
        return float((model(xv).argmax(-1) == yv).float().mean())


def plot_head_maps(model: nn.Module, tokens: torch.Tensor) -> Figure:
    """Per-head attention maps (queries × keys) of ``model.attn`` for one sequence."""
    model.eval()
    with torch.no_grad():
        model(tokens[None])
    maps = model.attn.attention[0]
    fig, axes = plt.subplots(1, len(maps), figsize=(3.6 * len(maps), 3.4))
    plt.close(fig)
    for h, (ax, m) in enumerate(zip(np.atleast_1d(axes), maps, strict=True)):
        ax.imshow(m.numpy(), cmap="viridis", vmin=0, vmax=1)
        ax.set(title=f"head {h + 1}", xlabel="key position", ylabel="query position")
    fig.suptitle(f"reverse-copy input {tokens.tolist()}", y=1.02)
    return fig


# --------------------------------------------------------------------------- 4. positional encoding

def demo_positional_encoding(d_model: int = 64, length: int = 100) -> tuple[Figure, Numbers]:
    """Heatmap of the sinusoidal table and the similarity e^i·e^(i+δ) as the offset grows."""
    pe = sinusoidal_positional_encoding(length, d_model)
    sim = (pe @ pe.T) / (d_model / 2)
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    plt.close(fig)
    im = axes[0].imshow(pe.T.numpy(), aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1)
    axes[0].set(title=f"sinusoidal PE, d = {d_model}", xlabel="position i", ylabel="dimension")
    fig.colorbar(im, ax=axes[0])
    for start in (0, length // 2):
        offsets = np.arange(-start, length - start)
        axes[1].plot(offsets, sim[start].numpy(), label=rf"$e^{{{start}}} \cdot e^{{i}}$")
    axes[1].set(title="similarity depends on the offset δ", xlabel="offset δ = i − start",
                ylabel="normalized dot product")
    axes[1].legend()
    return fig, {"similarity at δ = 1": float(sim[0, 1]), "similarity at δ = 10": float(sim[0, 10])}


# --------------------------------------------------------------------------- 5. truncated attention

def full_vs_truncated_entries(n_frames: int, radius: int) -> tuple[int, int]:
    """Attention scores computed by full (L²) vs truncated ±radius (≈ L(2w+1)) attention."""
    return n_frames ** 2, int(local_mask(n_frames, radius).sum())


def demo_truncated_audio(radius: int = 5) -> tuple[Figure, Numbers]:
    """1 s of synthetic audio → 98 frames; the ±radius mask of truncated self-attention."""
    wave = synthetic_audio()
    frames = frame_signal(wave)
    full, trunc = full_vs_truncated_entries(len(frames), radius)
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.6), gridspec_kw={"width_ratios": [1.6, 1]})
    plt.close(fig)
    t = np.arange(len(wave)) / 16000
    axes[0].plot(t, wave, lw=0.4, label="waveform")
    for i in range(0, len(frames), 10):
        axes[0].axvspan(i * 0.01, i * 0.01 + 0.025, color=COLORS[1], alpha=0.15)
    axes[0].set(title=f"1 s audio → {len(frames)} frames (25 ms window, 10 ms hop; every 10th)",
                xlabel="time (s)", ylabel="amplitude")
    axes[0].legend(loc="upper right")
    axes[1].imshow(local_mask(len(frames), radius).numpy(), cmap="Greys")
    axes[1].set(title=f"truncated attention mask (±{radius} frames)", xlabel="key frame",
                ylabel="query frame")
    return fig, {"frames": len(frames), "full scores (L²)": full, "truncated scores": trunc,
                 "fraction kept": trunc / full}


# ------------------------------------------------------------------ 6. CNN, RNN and GNN

def complexity_table(n: int = 98, d: int = 64, k: int = 3) -> list[dict[str, object]]:
    """d2l's table: computation, sequential operations and max path length for one layer."""
    return [
        {"layer": "CNN (kernel k)", "compute": k * n * d * d, "sequential ops": 1,
         "max path length": math.ceil(n / (k - 1))},
        {"layer": "RNN", "compute": n * d * d, "sequential ops": n, "max path length": n},
        {"layer": "self-attention", "compute": n * n * d, "sequential ops": 1,
         "max path length": 1},
    ]


# --------------------------------------------------------------------------- 7. data-size crossover

def digits_splits(seed: int = 0):
    """load_digits as (N, 1, 8, 8) images in [0, 1]: a 1,000-image training pool, 297 images
    for validation (early stopping, learning rates) and 500 for the test."""
    X, y = digits(images=True)
    x, y = torch.tensor(X, dtype=torch.float32), torch.tensor(y)
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    x, y = x[perm], y[perm]
    return (x[797:], y[797:]), (x[500:797], y[500:797]), (x[:500], y[:500])


def _accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean())


def train_until_converged(make: Callable[[], nn.Module], n: int, lr: float, max_updates: int,
                          patience: int, profile: Profile | None = None, seed: int = 0):
    """Adam (batch 32) on the first ``n`` training digits until the validation loss has not
    improved for about ``patience`` updates (at most ``max_updates``); best weights kept.
    Small subsets are repeated so that the validation check runs every 25 updates or more."""
    (x, y), (xv, yv), _ = digits_splits(seed)
    torch.manual_seed(seed)
    model = make()
    repeats = math.ceil(25 * 32 / n)
    loader = DataLoader(TensorDataset(x[:n].repeat(repeats, 1, 1, 1), y[:n].repeat(repeats)),
                        batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(seed))
    history = fit(model, loader, [(xv, yv)], loss_fn=F.cross_entropy,
                  epochs=math.ceil(max_updates / len(loader)),
                  patience=math.ceil(patience / len(loader)),
                  optimizer=torch.optim.Adam(model.parameters(), lr=lr),
                  device=torch.device("cpu"), profile=profile, progress=False)
    return model, history, len(loader)


def data_size_crossover(models: dict[str, Callable[[], nn.Module]], sizes: Sequence[int],
                        lrs: dict[str, Sequence[float]], max_updates: int, patience: int,
                        profile: Profile | None = None, seed: int = 0) -> list[dict[str, object]]:
    """For each model and training-set size: train with each learning rate in ``lrs[name]``
    until converged, keep the one with the best validation accuracy, report its test accuracy."""
    (x, y), (xv, yv), (xt, yt) = digits_splits(seed)
    rows = []
    for n in sizes:
        for name, make in models.items():
            runs = [(lr, *train_until_converged(make, n, lr, max_updates, patience, profile, seed))
                    for lr in lrs[name]]
            lr, model, history, per_epoch = max(runs, key=lambda r: _accuracy(r[1], xv, yv))
            rows.append({"n": n, "model": name, "lr": lr,
                         "updates": len(history.train_loss) * per_epoch,
                         "train accuracy": _accuracy(model, x[:n], y[:n]),
                         "test accuracy": _accuracy(model, xt, yt)})
    return rows


def plot_crossover(rows: Sequence[dict[str, object]]) -> Figure:
    """Test accuracy vs training-set size, one line per model."""
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    plt.close(fig)
    for name in dict.fromkeys(r["model"] for r in rows):
        mine = [r for r in rows if r["model"] == name]
        ax.plot([r["n"] for r in mine], [r["test accuracy"] for r in mine], "o-", label=name)
    ax.set(xscale="log", title="8×8 digits: CNN vs ViT as data grows",
           xlabel="training examples", ylabel="test accuracy")
    ax.legend()
    return fig


# ------------------------------------------------------------------ 8. d2l: Nadaraya–Watson

def nw_data(n_train: int = 50, seed: int = 0):
    """d2l's noisy 1-D data: y = 2 sin x + x^0.8 + ε on sorted x ∈ [0, 5)."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.sort(torch.rand(n_train, generator=gen) * 5).values
    f = lambda t: 2 * torch.sin(t) + t ** 0.8  # noqa: E731
    y = f(x) + 0.5 * torch.randn(n_train, generator=gen)
    x_test = torch.arange(0, 5, 0.1)
    return x, y, x_test, f(x_test)


def demo_nadaraya_watson(pool: Callable, learn_w: Callable, bandwidth: float = 1.0,
                         learned: bool = False) -> tuple[Figure, Numbers]:
    """Average pooling vs the notebook's Gaussian-kernel attention pooling
    ``pool(queries, keys, values, w) -> (f, weights)``; ``learned`` uses ``learn_w(x, y)``."""
    x, y, xq, truth = nw_data()
    w = learn_w(x, y) if learned else 1.0 / bandwidth
    pred, weights = pool(xq, x, y, w)
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    plt.close(fig)
    axes[0].plot(xq, truth, "k--", label="truth")
    axes[0].plot(x, y, "o", alpha=0.5, ms=4, label="training data (keys, values)")
    axes[0].plot(xq, torch.full_like(xq, float(y.mean())), label="average pooling")
    axes[0].plot(xq, pred, lw=2, label=f"attention pooling, w = {float(w):.2f}")
    axes[0].set(title="Nadaraya–Watson kernel regression", xlabel="x", ylabel="y")
    axes[0].legend(fontsize=8)
    axes[1].imshow(weights.detach().numpy(), aspect="auto", cmap="viridis",
                   extent=(float(x[0]), float(x[-1]), 5, 0))
    axes[1].set(title="attention weights", xlabel="key x_i (sorted training inputs)",
                ylabel="query x")
    mse = lambda p: float(((p - truth) ** 2).mean())  # noqa: E731
    return fig, {"w": float(w), "MSE attention pooling": mse(pred.detach()),
                 "MSE average pooling": mse(torch.full_like(xq, float(y.mean())))}


def padded_batch_scores(seed: int = 0):
    """Additive vs scaled dot-product weights on a padded batch (valid lengths 2 and 5)."""
    torch.manual_seed(seed)
    q, k = torch.randn(2, 1, 8), torch.randn(2, 6, 8)
    valid = torch.tensor([2, 5])
    additive = masked_softmax(AdditiveAttention(8, 8, 16).scores(q, k), valid)
    dot = masked_softmax(q @ k.transpose(1, 2) / math.sqrt(8), valid)
    return {"additive": additive.detach(), "scaled dot-product": dot}, valid


def plot_padded_scores(weights: dict[str, torch.Tensor], valid: torch.Tensor) -> Figure:
    """One heatmap per scoring function: rows are the batch's sequences, columns keys."""
    fig, axes = plt.subplots(1, 2, figsize=(13, 2.6))
    plt.close(fig)
    for ax, (name, w) in zip(axes, weights.items(), strict=True):
        m = w[:, 0].numpy()
        ax.imshow(m, cmap="viridis", vmin=0, vmax=1, aspect="auto")
        for (row, col), value in np.ndenumerate(m):
            ax.text(col, row, f"{value:.2f}", ha="center", va="center", color="w", fontsize=8)
        ax.set(title=f"{name} + masked softmax", xlabel="key position (padding → 0)",
               ylabel="sequence", yticks=[0, 1],
               yticklabels=[f"valid len {int(v)}" for v in valid])
    return fig


# --------------------------------------------------------------------------- exercises

def check_attention_weights(fn: Callable) -> str:
    """Exercise: ``fn(q, k)`` returns the (L_q, L_k) weights softmax(q kᵀ / √d) over the keys."""
    def body():
        q, k = torch.tensor([[1.0, 0, 0, 0]]), torch.tensor([[2.0, 0, 0, 0], [0.0, 0, 0, 0]])
        out = attempt(fn, q, k)
        expect_shape(out, (1, 2), "weights for 1 query and 2 keys")
        expect(torch.allclose(out.sum(-1), torch.ones(1), atol=1e-5),
               "the weights of a query do not sum to 1: normalize over the keys (the last axis).")
        unscaled = (q @ k.T).softmax(-1)
        expect(not torch.allclose(out, unscaled, atol=1e-4),
               "these are the weights of the unscaled scores: divide by √d (d = 4 here).")
        expect_close(out, [[0.7311, 0.2689]], "weights for q = e₁, keys (2e₁, 0)", atol=1e-3,
                     hint="score = q·k / √d = (1, 0), and a softmax of (1, 0) is (0.731, 0.269).")
        gen = torch.Generator().manual_seed(0)
        q, k = torch.randn(3, 8, generator=gen), torch.randn(5, 8, generator=gen)
        out = attempt(fn, q, k)
        expect_shape(out, (3, 5), "weights for 3 queries and 5 keys")
        expect_close(out, (q @ k.T / math.sqrt(8)).softmax(-1), "weights for random q, k (d = 8)",
                     hint="rows are queries, columns keys: did you swap q and k?")
    return report("attention weights", body)


def check_causal_window_mask(fn: Callable) -> str:
    """Exercise: ``fn(L, w)`` returns an (L, L) bool mask, True where query t may see key s
    with t − w < s ≤ t (the causal mask when w ≥ L)."""
    def body():
        mask = attempt(fn, 5, 2)
        expect_shape(mask, (5, 5), "mask(5, w=2)")
        expect(mask.dtype == torch.bool, f"the mask has dtype {mask.dtype}; make it bool "
               "(True = may attend), e.g. with a comparison or `.bool()`.")
        expect(bool(mask.diagonal().all()), "a position must be allowed to attend to itself "
               "(the diagonal must be True).")
        expect(not bool(mask[0, 1]), "query 0 may see key 1, which is in its future: "
               "rows are queries, columns keys — is the mask transposed?")
        expect(bool(mask[4, 3]), "query 4 must see key 3, one step back (w = 2).")
        expect(not bool(mask[4, 2]), "query 4 may see key 2, but with w = 2 only keys 3 and 4 "
               "are in its window (t − w < s ≤ t).")
        pos = torch.arange(5)
        offset = pos[:, None] - pos[None, :]
        expect(torch.equal(mask, (offset >= 0) & (offset < 2)),
               "mask(5, w=2) must allow exactly the keys t − 1 and t for each query t.")
        expect(torch.equal(attempt(fn, 4, 10), torch.ones(4, 4, dtype=torch.bool).tril()),
               "with w ≥ L the mask must be the causal mask: True on and below the diagonal.")
    return report("causal window mask", body)


def check_positional_encoding_row(fn: Callable) -> str:
    """Exercise: ``fn(i, d)`` returns the sinusoidal position vector e^i of length d."""
    def body():
        row = attempt(fn, 0, 6)
        expect_shape(row, (6,), "e^0 with d = 6")
        expect_close(row, [0.0, 1.0, 0.0, 1.0, 0.0, 1.0], "e^0 with d = 6",
                     hint="at position 0 every sin is 0 and every cos is 1: even dimensions are "
                          "sin, odd ones cos.")
        expect_close(attempt(fn, 1, 4), [math.sin(1), math.cos(1), math.sin(0.01), math.cos(0.01)],
                     "e^1 with d = 4", hint="the frequencies are ω_j = 10000^(−2j/d): "
                     "1 for the first pair and 0.01 for the second when d = 4.")
        expect_close(attempt(fn, 37, 16), sinusoidal_positional_encoding(38, 16)[37],
                     "e^37 with d = 16")
    return report("positional encoding row", body)


def check_split_heads(fn: Callable) -> str:
    """Exercise: ``fn(x, n_heads)`` turns (B, L, d) into (B, n_heads, L, d / n_heads)."""
    def body():
        x = torch.arange(2 * 3 * 8, dtype=torch.float32).reshape(2, 3, 8)
        out = attempt(fn, x, 2)
        expect_shape(out, (2, 2, 3, 4), "split_heads(x of shape (2, 3, 8), 2 heads)")
        expect_close(out[0, 0, 1], x[0, 1, :4], "head 1's vector at position 2 (batch 1)",
                     hint="head h must hold features h·d_h … (h+1)·d_h − 1 of every position: "
                          "split the last axis, then move the head axis in front of the "
                          "positions (a reshape alone mixes positions).")
        expect_close(out[1, 1], x[1, :, 4:], "head 2 of batch 2")
    return report("split heads", body)
