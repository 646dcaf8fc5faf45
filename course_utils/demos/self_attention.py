"""Demos and self-checks of L04 (vector-set inputs, self-attention step by step, multi-head
attention, positional encoding, truncated attention, CNN ⊂ self-attention, the d2l view).

Every ``demo_*`` function is pure: ``demo(**params) -> (figure, numbers)``, so the notebook's
widgets are only UI and tests can call the functions directly. Their defaults are the
notebook's default widget state. Matrices follow the slides: vectors are *columns*
(``I`` is d × N, ``A = KᵀQ`` and the softmax runs down each column).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset

from course_utils.models.attention import (
    AdditiveAttention,
    MultiHeadAttention,
    local_mask,
    masked_softmax,
    scaled_dot_product_attention,
    sinusoidal_positional_encoding,
)
from course_utils.plots import COLORS
from course_utils.runtime import Profile
from course_utils.toy_data import digits
from course_utils.training import fit

Numbers = dict[str, object]


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


def _activate(a: torch.Tensor, activation: str) -> torch.Tensor:
    if activation == "softmax":
        return a.softmax(dim=0)
    if activation == "relu":
        return a.relu()
    raise ValueError(f"activation must be 'softmax' or 'relu', not {activation!r}.")


def self_attention_loop(I: torch.Tensor,  # noqa: E741 (the slides' I)
                        Wq: torch.Tensor, Wk: torch.Tensor, Wv: torch.Tensor,
                        activation: str = "softmax") -> torch.Tensor:
    """One output at a time: bⁱ = Σ_j α'_{i,j} vʲ with α_{i,j} = kʲ·qⁱ (the slides' loop)."""
    cols = []
    for i in range(I.shape[1]):
        q = Wq @ I[:, i]
        alpha = torch.stack([(Wk @ I[:, j]) @ q for j in range(I.shape[1])])
        alpha = _activate(alpha, activation)
        cols.append(sum(alpha[j] * (Wv @ I[:, j]) for j in range(I.shape[1])))
    return torch.stack(cols, dim=1)


def self_attention_matrix(I: torch.Tensor,  # noqa: E741
                           Wq: torch.Tensor, Wk: torch.Tensor, Wv: torch.Tensor,
                           activation: str = "softmax") -> dict[str, torch.Tensor]:
    """Matrix form: Q = WᵠI, K = WᵏI, V = WᵛI, A = KᵀQ, A′ = column softmax, O = VA′."""
    Q, K, V = Wq @ I, Wk @ I, Wv @ I
    A = K.T @ Q
    A_prime = _activate(A, activation)
    return {"Q": Q, "K": K, "V": V, "A": A, "A'": A_prime, "O": V @ A_prime}


def demo_step_through(seed: int = 0, q_scale: float = 1.0, activation: str = "softmax",
                      ) -> tuple[Figure, Numbers]:
    """Q/K/V, raw scores A, normalized A′ and outputs O for 4 toy vectors; ★ marks the input
    each query attends to most. ``q_scale`` multiplies Wᵠ (a sharper or flatter attention)."""
    I, W = toy_inputs(), toy_weights(seed)  # noqa: E741
    r = self_attention_matrix(I, W["q"] * q_scale, W["k"], W["v"], activation)
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


def loop_vs_matrix(lengths: Sequence[int] = (4, 16, 64), d: int = 16, seed: int = 0,
                   ) -> tuple[Figure, Numbers]:
    """Time the loop and matrix versions as L grows and check they agree."""
    gen = torch.Generator().manual_seed(seed)
    W = [torch.randn(d, d, generator=gen) / math.sqrt(d) for _ in range(3)]
    t_loop, t_mat, diff = [], [], 0.0
    for L in lengths:
        I = torch.randn(d, L, generator=gen)  # noqa: E741
        start = time.perf_counter()
        slow = self_attention_loop(I, *W)
        t_loop.append(time.perf_counter() - start)
        start = time.perf_counter()
        fast = self_attention_matrix(I, *W)["O"]
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


class TinyAttentionModel(nn.Module):
    """Embedding + learned positions → one multi-head self-attention layer → FC per position."""

    def __init__(self, vocab: int = 10, length: int = 8, d_model: int = 32, n_heads: int = 2):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model)
        self.pos = nn.Parameter(torch.randn(length, d_model))
        self.attn = MultiHeadAttention(d_model, n_heads)
        self.fc = nn.Sequential(nn.Linear(d_model, 64), nn.ReLU(), nn.Linear(64, vocab))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        h = self.embed(tokens) + self.pos
        return self.fc(h + self.attn(h))


def sequence_cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy over (batch, length, classes) logits and (batch, length) labels."""
    return F.cross_entropy(logits.transpose(1, 2), target)


def train_reverse_copy(n_train: int = 2000, epochs: int = 30, n_heads: int = 2,
                       profile: Profile | None = None, seed: int = 0):
    """Train :class:`TinyAttentionModel` with the course's ``fit``; return model, accuracy."""
    torch.manual_seed(seed)
    x, y = reverse_copy_data(n_train, seed=seed)
    xv, yv = reverse_copy_data(500, seed=seed + 1)
    model = TinyAttentionModel(n_heads=n_heads)
    train = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True,
                       generator=torch.Generator().manual_seed(seed))
    val = DataLoader(TensorDataset(xv, yv), batch_size=500)
    history = fit(model, train, val, loss_fn=sequence_cross_entropy, epochs=epochs,
                  optimizer=torch.optim.Adam(model.parameters(), lr=3e-3),
                  device=torch.device("cpu"), profile=profile)
    model.eval()
    with torch.no_grad():
        accuracy = float((model(xv).argmax(-1) == yv).float().mean())
    return model, accuracy, history


def plot_head_maps(model: TinyAttentionModel, tokens: torch.Tensor) -> Figure:
    """Per-head attention maps (queries × keys) for one sequence."""
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


def rotation_error(length: int = 100, d_model: int = 64, delta: int = 7) -> float:
    """max |p_{i+δ} − R(δω) p_i| in float64, R rotating each (sin, cos) pair by δω_j."""
    pe = sinusoidal_positional_encoding(length + delta, d_model, dtype=torch.float64)
    two_j = torch.arange(0, d_model, 2, dtype=torch.float64)
    omega = torch.exp(two_j * (-math.log(10000.0) / d_model))
    c, s = torch.cos(delta * omega), torch.sin(delta * omega)
    sin_i, cos_i = pe[:length, 0::2], pe[:length, 1::2]
    rotated = torch.stack([c * sin_i + s * cos_i, -s * sin_i + c * cos_i], dim=-1).flatten(1)
    return float((pe[delta:] - rotated).abs().max())


def permutation_diffs(length: int = 6, d_model: int = 16, seed: int = 0) -> dict[str, float]:
    """max |f(x[π]) − f(x)[π]| for a self-attention layer, without and with positional encoding."""
    torch.manual_seed(seed)
    layer = MultiHeadAttention(d_model, 2)
    x = torch.randn(1, length, d_model)
    perm = torch.randperm(length)
    pe = sinusoidal_positional_encoding(length, d_model)
    out = {}
    with torch.no_grad():
        for name, add in (("without PE", 0.0), ("with PE", pe)):
            out[name] = float((layer(x[:, perm] + add) - layer(x + add)[:, perm]).abs().max())
    return out


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


# ------------------------------------------------------------------ 6. CNN ⊂ self-attention

def local_attention_as_conv(length: int = 12, channels: int = 3, seed: int = 0) -> float:
    """max |conv1d(x) − Σ_o (A_o X) W_oᵀ| where head o attends only to offset o (fixed
    one-hot attention) and W_o is the kernel tap: a 1-D convolution is self-attention."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(length, channels, generator=gen)
    kernel = torch.randn(channels, channels, 3, generator=gen)  # (out, in, taps)
    conv = F.conv1d(x.T[None], kernel, padding=1)[0].T
    padded = torch.cat([torch.zeros(1, channels), x, torch.zeros(1, channels)])
    pos = torch.arange(length + 2)
    out = torch.zeros(length, channels)
    for tap, offset in enumerate((-1, 0, 1)):
        mask = (pos[None, :] - pos[1:-1, None]) == offset  # query t attends to key t + offset
        _, weights = scaled_dot_product_attention(padded[1:-1], padded, padded, mask)
        out += (weights @ padded) @ kernel[:, :, tap].T
    return float((conv - out).abs().max())


def complexity_table(n: int = 98, d: int = 64, k: int = 3) -> list[dict[str, object]]:
    """d2l's table: computation, sequential operations and max path length for one layer."""
    return [
        {"layer": "CNN (kernel k)", "compute": k * n * d * d, "sequential ops": 1,
         "max path length": math.ceil(n / (k - 1))},
        {"layer": "RNN", "compute": n * d * d, "sequential ops": n, "max path length": n},
        {"layer": "self-attention", "compute": n * n * d, "sequential ops": 1,
         "max path length": 1},
    ]


def graph_attention_weights(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Self-attention on a 5-node graph restricted to edges (and self-loops): one kind of GNN."""
    adjacency = torch.tensor([[0, 1, 1, 0, 0], [1, 0, 1, 0, 0], [1, 1, 0, 1, 0],
                              [0, 0, 1, 0, 1], [0, 0, 0, 1, 0]], dtype=torch.bool)
    nodes = torch.randn(5, 4, generator=torch.Generator().manual_seed(seed))
    allowed = adjacency | torch.eye(5, dtype=torch.bool)
    _, weights = scaled_dot_product_attention(nodes, nodes, nodes, allowed)
    return adjacency, weights


# --------------------------------------------------------------------------- 7. data-size crossover

class TinyCNN(nn.Module):
    """Two 3×3 conv layers on 8×8 digits (introduced in L04 for the data-size crossover)."""

    def __init__(self, width: int = 16):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Conv2d(width, width, 3, padding=1), nn.ReLU(),
                                 nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class TinyViT(nn.Module):
    """An 8×8 image as a set of 16 2×2-patch vectors + learned positions → one encoder layer."""

    def __init__(self, width: int = 32, n_heads: int = 4, patch: int = 2):
        super().__init__()
        self.patch = patch
        n_patches = (8 // patch) ** 2
        self.embed = nn.Linear(patch * patch, width)
        self.pos = nn.Parameter(0.02 * torch.randn(n_patches, width))
        self.attn = MultiHeadAttention(width, n_heads)
        self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.ff = nn.Sequential(nn.Linear(width, 2 * width), nn.ReLU(), nn.Linear(2 * width, width))
        self.head = nn.Linear(width, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = self.patch
        patches = x.unfold(2, p, p).unfold(3, p, p).reshape(len(x), -1, p * p)
        h = self.embed(patches) + self.pos
        h = h + self.attn(self.norm1(h))
        h = h + self.ff(self.norm2(h))
        return self.head(h.mean(1))


def digits_tensors(seed: int = 0):
    """load_digits as (N, 1, 8, 8) images in [0, 1], split 1,297 train / 500 test."""
    X, y = digits(images=True)
    x, y = torch.tensor(X, dtype=torch.float32), torch.tensor(y)
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    x, y = x[perm], y[perm]
    return (x[500:], y[500:]), (x[:500], y[:500])


def data_size_crossover(sizes: Sequence[int], updates: int, profile: Profile | None = None,
                        seed: int = 0) -> dict[str, list[float]]:
    """Test accuracy of a tiny CNN and a tiny ViT trained on growing subsets of the digits,
    each with about ``updates`` Adam steps (batch 32)."""
    (x, y), (xt, yt) = digits_tensors(seed)
    results: dict[str, list[float]] = {"CNN": [], "ViT": []}
    for n in sizes:
        for name, make in (("CNN", TinyCNN), ("ViT", TinyViT)):
            torch.manual_seed(seed)
            model = make()
            loader = DataLoader(TensorDataset(x[:n], y[:n]), batch_size=32, shuffle=True,
                                generator=torch.Generator().manual_seed(seed))
            fit(model, loader, loss_fn=F.cross_entropy, epochs=max(1, updates // len(loader)),
                optimizer=torch.optim.Adam(model.parameters(), lr=3e-3),
                device=torch.device("cpu"), profile=profile, progress=False)
            model.eval()
            with torch.no_grad():
                results[name].append(float((model(xt).argmax(1) == yt).float().mean()))
    return results


def plot_crossover(sizes: Sequence[int], results: dict[str, list[float]]) -> Figure:
    """Test accuracy vs training-set size for both models."""
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    plt.close(fig)
    for name, acc in results.items():
        ax.plot(sizes, acc, "o-", label=name)
    ax.set(xscale="log", title="8×8 digits: CNN vs ViT as data grows", xlabel="training examples",
           ylabel="test accuracy")
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


def nadaraya_watson(queries, keys, values, w: float | torch.Tensor):
    """f(q) = Σ_i softmax_i(−((q − x_i) w)² / 2) y_i; w = 1/bandwidth. Returns (f, weights)."""
    weights = (-((queries[:, None] - keys[None, :]) * w) ** 2 / 2).softmax(dim=1)
    return weights @ values, weights


def learn_nw_weight(x, y, steps: int = 200, lr: float = 0.5, seed: int = 0) -> float:
    """The parametric version: learn w by SGD, each point predicted from all the others."""
    w = torch.ones((), requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=lr)
    keep = ~torch.eye(len(x), dtype=torch.bool)
    keys = x.expand(len(x), -1)[keep].view(len(x), -1)
    values = y.expand(len(y), -1)[keep].view(len(y), -1)
    for _ in range(steps):
        weights = (-((x[:, None] - keys) * w) ** 2 / 2).softmax(dim=1)
        loss = ((weights * values).sum(1) - y).pow(2).mean() / 2
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return float(w.detach())


def demo_nadaraya_watson(bandwidth: float = 1.0, learned: bool = False) -> tuple[Figure, Numbers]:
    """Average pooling vs Gaussian-kernel attention pooling; ``learned`` uses the trained w."""
    x, y, xq, truth = nw_data()
    w = learn_nw_weight(x, y) if learned else 1.0 / bandwidth
    pred, weights = nadaraya_watson(xq, x, y, w)
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
