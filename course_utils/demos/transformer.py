"""Demos and helpers of L05 (seq2seq, the Transformer, decoding, BLEU).

Every ``demo_*`` function is pure: ``demo(**params) -> (figure, numbers)``; its defaults are
the notebook's default widget state.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from torch.nn import functional as F

from course_utils.bleu import corpus_bleu, ngrams, tokenize
from course_utils.models.attention import MultiHeadAttention, causal_mask
from course_utils.models.decoding import (
    beam_search,
    greedy_decode,
    greedy_search,
    sample_search,
    scheduled_sampling_inputs,
    shift_right,
)
from course_utils.models.transformer import (
    DecoderLayer,
    EncoderLayer,
    PositionwiseFFN,
    Seq2SeqTransformer,
)

Numbers = dict[str, object]
BOS = 10  # digits 0–9; BOS doubles as END, as in HW05
GUIDE_WEIGHT = 5.0  # weight of the guided-attention loss


# ---------------------------------------------------------------- anatomy
COMPONENTS = {
    "MHA": (MultiHeadAttention.forward, "x (b, n, d) → (b, n, d); A: (b, h, n, n)"),
    "Add & Norm": (EncoderLayer.forward, "LayerNorm(x + sublayer(x)): (b, n, d) → (b, n, d)"),
    "FFN": (PositionwiseFFN.forward, "(b, n, d) → (b, n, d_ff) → (b, n, d)"),
    "masked MHA": (DecoderLayer.forward, "y (b, t, d); causal A: (b, h, t, t), upper triangle 0"),
    "cross-attention": (DecoderLayer.forward,
                        "q: y (b, t, d); k, v: memory (b, n, d); A: (b, h, t, n)"),
}


def component_shapes(batch: int = 2, length: int = 5, d_model: int = 16, n_heads: int = 4,
                     d_ff: int = 32) -> dict[str, tuple[int, ...]]:
    """Run each block once and record the tensor shapes a student should predict."""
    torch.manual_seed(0)
    x, mem = torch.randn(batch, length, d_model), torch.randn(batch, length + 2, d_model)
    mha, ffn, dec = MultiHeadAttention(d_model, n_heads), PositionwiseFFN(d_model, d_ff), \
        DecoderLayer(d_model, n_heads, d_ff)
    out = mha(x)
    dec(x, mem)
    return {"MHA output": tuple(out.shape), "self-attention A": tuple(mha.attention.shape),
            "FFN hidden": tuple(ffn.fc1(x).shape), "FFN output": tuple(ffn(x).shape),
            "masked A": tuple(dec.self_attn.attention.shape),
            "cross A": tuple(dec.cross_attn.attention.shape)}


def demo_anatomy(component: str = "masked MHA", step: int = 2,
                 length: int = 6) -> tuple[Figure, Numbers]:
    """The component's code and shapes, and the causal mask row used at decoding ``step``."""
    fn, shapes = COMPONENTS[component]
    code = inspect.getsource(fn).strip().splitlines()
    fig, (ax_code, ax_mask) = plt.subplots(1, 2, figsize=(12, 3.6), width_ratios=[2.2, 1])
    ax_code.axis("off")
    ax_code.text(0, 1, "\n".join(line[:88] for line in code[:14]) + f"\n\nshapes: {shapes}",
                 family="monospace", fontsize=7.5, va="top")
    ax_code.set_title(f"{component}: {fn.__qualname__}")
    mask = causal_mask(length).float().numpy()
    shown = mask * 0.35
    shown[step] = mask[step]
    ax_mask.imshow(shown, cmap="Blues", vmin=0, vmax=1)
    ax_mask.set(title=f"causal mask, step t = {step} (bright row)", xlabel="key position",
                ylabel="query position")
    return fig, {"keys visible at step t": int(mask[step].sum())}


def causal_leak(seed: int = 0, length: int = 6, t: int = 2, d_model: int = 16) -> float:
    """Max |Δ output| at positions ≤ t of a decoder layer when only token t + 1 changes."""
    torch.manual_seed(seed)
    layer = DecoderLayer(d_model, 4, 2 * d_model).eval()
    y, memory = torch.randn(1, length, d_model), torch.randn(1, length, d_model)
    y2 = y.clone()
    y2[:, t + 1] += torch.randn(d_model)
    with torch.no_grad():
        diff = (layer(y, memory) - layer(y2, memory)).abs()
    return float(diff[:, : t + 1].max())


def n_parameters(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def encoder_block_parameters(d_model: int = 64, n_heads: int = 4,
                             d_ff: int = 256) -> dict[str, int]:
    """Parameter counts of one encoder block and its parts."""
    layer = EncoderLayer(d_model, n_heads, d_ff)
    return {"MHA": n_parameters(layer.attn), "FFN": n_parameters(layer.ffn),
            "LayerNorms": n_parameters(layer.norm1) + n_parameters(layer.norm2),
            "total": n_parameters(layer)}


# ---------------------------------------------------------------- greedy vs beam
def toy_tree_step(p_a: float = 0.6, p_after_a: float = 0.5, p_after_b: float = 0.9):
    """The lecture's 2-token tree (A = 0, B = 1, BOS = 2): P(A) = p_a, then A/B with
    p_after_a after A, and B with p_after_b after B."""

    def step(prefix: list[int]) -> torch.Tensor:
        if len(prefix) == 1:
            p = [p_a, 1 - p_a]
        elif prefix[1] == 0:
            p = [p_after_a, 1 - p_after_a]
        else:
            p = [1 - p_after_b, p_after_b]
        return torch.tensor(p, dtype=torch.float64).clamp_min(1e-12).log()

    return step


def path_probability(step_fn, path: list[int], bos: int = 2) -> float:
    """P(path) = Π P(token | prefix)."""
    logp = sum(float(step_fn([bos, *path[:i]])[tok]) for i, tok in enumerate(path))
    return math.exp(logp)


def demo_beam(p_a: float = 0.6, p_after_a: float = 0.5, p_after_b: float = 0.9,
              beam_size: int = 2, alpha: float = 0.75, depth: int = 3) -> tuple[Figure, Numbers]:
    """Greedy vs beam search on the toy tree: every full path with its probability."""
    step = toy_tree_step(p_a, p_after_a, p_after_b)
    greedy = greedy_search(step, 2, depth)
    beam = beam_search(step, 2, depth, beam_size=beam_size, alpha=alpha)[0][0]
    paths = [[int(c) for c in np.binary_repr(i, depth)] for i in range(2 ** depth)]
    probs = [path_probability(step, p) for p in paths]
    names = ["".join("AB"[t] for t in p) for p in paths]
    colors = ["C2" if p == beam else "C1" if p == greedy else "0.7" for p in paths]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.bar(names, probs, color=colors)
    ax.bar([0], [0], color="C1", label="greedy path")
    ax.bar([0], [0], color="C2", label=f"beam-{beam_size} path")
    ax.set(title="Toy tree: probability of every full path", xlabel="path", ylabel="P(path)")
    ax.legend()
    word = lambda path: "".join("AB"[t] for t in path)  # noqa: E731
    return fig, {"greedy": word(greedy), "P(greedy)": path_probability(step, greedy),
                 "beam": word(beam), "P(beam)": path_probability(step, beam),
                 "best": names[int(np.argmax(probs))]}


def toy_tree_search(beam_size: int = 2) -> dict[str, float]:
    """P(greedy path) and P(beam path) on the lecture's toy tree (for the Checks)."""
    step = toy_tree_step()
    beam = beam_search(step, 2, 3, beam_size=beam_size)[0][0]
    return {"greedy": path_probability(step, greedy_search(step, 2, 3)),
            "beam": path_probability(step, beam)}


# ---------------------------------------------------------------- tiny seq2seq
def reversal_data(n: int, length: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Random digit strings and their reversal followed by END (= BOS)."""
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(0, 10, (n, length), generator=g)
    return src, torch.cat([src.flip(1), torch.full((n, 1), BOS)], dim=1)


def guided_attention_loss(attn: torch.Tensor, reverse: bool = True,
                          width: float = 0.2) -> torch.Tensor:
    """Penalty on attention far from the expected alignment (Tachibana et al.'s guided
    attention: W = 1 − exp(−(s/S − t/T)² / 2g²); anti-diagonal when ``reverse``)."""
    _, t_len, s_len = attn.shape
    t = torch.arange(t_len)[:, None] / t_len
    s = torch.arange(s_len)[None, :] / s_len
    s = 1 - 1 / s_len - s if reverse else s
    weight = 1 - torch.exp(-((s - t) ** 2) / (2 * width ** 2))
    return (attn * weight).mean()


@dataclass
class Seq2SeqRun:
    """A trained reversal model with its per-step loss curve."""

    model: Seq2SeqTransformer
    losses: list[float] = field(default_factory=list)


@lru_cache(maxsize=16)
def train_reversal(steps: int = 300, length: int = 6, sampling_p: float = 0.0, guided: bool = False,
                   d_model: int = 32, seed: int = 0, batch_size: int = 64) -> Seq2SeqRun:
    """Teacher-forced training (mean per-token CE, END included; ``losses`` records the CE);
    optional scheduled sampling (prob ``sampling_p``) and guided attention. Cached per setting."""
    torch.manual_seed(seed)
    model = Seq2SeqTransformer(11, 11, d_model=d_model, n_heads=4, d_ff=2 * d_model, max_len=32)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    g, run = torch.Generator().manual_seed(seed), Seq2SeqRun(model)
    for i in range(steps):
        src, tgt = reversal_data(batch_size, length, seed=seed * 100_003 + i)
        tgt_in = shift_right(tgt, BOS)
        if sampling_p > 0:
            tgt_in = scheduled_sampling_inputs(model, src, tgt_in, sampling_p, g)
        log_probs = model(src, tgt_in)
        ce = F.nll_loss(log_probs.transpose(1, 2), tgt)
        prior = GUIDE_WEIGHT * guided_attention_loss(model.cross_attention()) if guided else 0.0
        loss = ce + prior
        opt.zero_grad()
        loss.backward()
        opt.step()
        run.losses.append(float(ce.detach()))
    return run


@torch.no_grad()
def reversal_accuracy(model: Seq2SeqTransformer, n: int = 500, length: int = 6,
                      seed: int = 12345) -> dict[str, float]:
    """Teacher-forced token accuracy vs free-running (autoregressive) token/sequence accuracy."""
    src, tgt = reversal_data(n, length, seed)
    tf = (model(src, shift_right(tgt, BOS)).argmax(-1) == tgt).float().mean()
    pred = greedy_decode(model, src, BOS, tgt.size(1))
    return {"teacher-forced token acc": float(tf),
            "free-running token acc": float((pred == tgt).float().mean()),
            "free-running sequence acc": float((pred == tgt).all(1).float().mean())}


def plot_alignment(model: Seq2SeqTransformer, src: torch.Tensor) -> Figure:
    """Cross-attention heatmap of the greedy decode of one source (1, S)."""
    pred = greedy_decode(model, src, BOS, src.size(1) + 1)
    with torch.no_grad():
        model(src, torch.cat([torch.tensor([[BOS]]), pred[:, :-1]], dim=1))
    fig, ax = plt.subplots(figsize=(4.2, 3.8))
    im = ax.imshow(model.cross_attention()[0].numpy(), cmap="viridis")
    label = lambda toks: ["E" if t == BOS else str(t) for t in toks]  # noqa: E731
    ax.set_xticks(range(src.size(1)), label(src[0].tolist()))
    ax.set_yticks(range(pred.size(1)), label(pred[0].tolist()))
    ax.set(title="Cross-attention (decoder → encoder)", xlabel="source token (k, v)",
           ylabel="output token (q)")
    fig.colorbar(im, ax=ax, label="weight")
    return fig


def demo_scheduled_sampling(sampling_p: float = 0.5, steps: int = 60,
                            length: int = 8) -> tuple[Figure, Numbers]:
    """Teacher forcing vs scheduled sampling: accuracy with gold inputs vs own outputs."""
    runs = {"teacher forcing": train_reversal(steps, length), f"sampling p={sampling_p:.2f}":
            train_reversal(steps, length, sampling_p=sampling_p)}
    accs = {name: reversal_accuracy(run.model, length=length) for name, run in runs.items()}
    fig, ax = plt.subplots(figsize=(7, 3.2))
    keys = list(next(iter(accs.values())))
    for i, (name, acc) in enumerate(accs.items()):
        ax.bar(np.arange(3) + 0.4 * i, [acc[k] for k in keys], width=0.4, label=name)
    ax.set_xticks(np.arange(3) + 0.2, keys)
    ax.set(title=f"Exposure bias after {steps} steps", ylabel="accuracy", ylim=(0, 1.05))
    ax.legend()
    return fig, {f"{name}: seq acc": acc["free-running sequence acc"] for name, acc in accs.items()}


def demo_guided(guided: bool = True, steps: int = 60, length: int = 8) -> tuple[Figure, Numbers]:
    """Loss curves with and without a guided-attention prior."""
    plain, guide = train_reversal(steps, length), train_reversal(steps, length, guided=guided)
    fig, ax = plt.subplots(figsize=(7, 3.2))
    smooth = lambda v: np.convolve(v, np.ones(10) / 10, mode="valid")  # noqa: E731
    ax.plot(smooth(plain.losses), label="no prior")
    ax.plot(smooth(guide.losses), label="guided attention" if guided else "no prior (again)")
    ax.set(title="Convergence with a guided-attention prior", xlabel="step",
           ylabel="training loss (10-step mean)", yscale="log")
    ax.legend()
    return fig, {"final CE, no prior": float(np.mean(plain.losses[-10:])),
                 "final CE, with toggle": float(np.mean(guide.losses[-10:]))}


# ---------------------------------------------------------------- creative decoding
def zen_text() -> str:
    """The Zen of Python (stdlib ``this``), decoded."""
    with contextlib.redirect_stdout(io.StringIO()):
        import this
    return "".join(this.d.get(c, c) for c in this.s)


class CharNgramLM:
    """Char-level n-gram LM with add-k smoothing; ``step`` is a decoding ``step_fn``."""

    def __init__(self, text: str, order: int = 4, k: float = 0.05):
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}
        self.order, self.k = order, k
        self.counts: dict[str, Counter] = {}
        for i in range(len(text)):
            self.counts.setdefault(text[max(0, i - order + 1):i], Counter())[text[i]] += 1

    def step(self, prefix: list[int]) -> torch.Tensor:
        context = "".join(self.chars[i] for i in prefix[1:])[-(self.order - 1):]
        while context and context not in self.counts:
            context = context[1:]
        counts = self.counts.get(context, Counter())
        p = torch.tensor([counts[c] + self.k for c in self.chars], dtype=torch.float64)
        return (p / p.sum()).log()

    def decode(self, tokens: list[int]) -> str:
        return "".join(self.chars[i] for i in tokens)


def distinct_ratio(text: str, n: int = 3) -> float:
    """Distinct n-grams / all n-grams of the characters: low means repetitive."""
    grams = ngrams(list(text), n)
    return len(grams) / max(sum(grams.values()), 1)


def demo_sampling(temperature: float = 0.8, top_k: int = 8, length: int = 120, seed: int = 0,
                  prompt: str = "Beautiful ") -> tuple[Figure, Numbers]:
    """Beam search vs temperature/top-k sampling on a char n-gram LM of the Zen of Python."""
    lm = CharNgramLM(zen_text())
    start = [-1] + [lm.index[c] for c in prompt]
    step = lambda prefix: lm.step(start + prefix[1:])  # noqa: E731
    g = torch.Generator().manual_seed(seed)
    beam = prompt + lm.decode(beam_search(step, -1, length, beam_size=3)[0][0])
    sample = prompt + lm.decode(sample_search(step, -1, length, temperature, top_k, generator=g))
    fig, ax = plt.subplots(figsize=(10, 2.6))
    ax.axis("off")
    wrap = lambda s: "\n".join(s[i:i + 70] for i in range(0, len(s), 70)).replace("\n\n", "\n")  # noqa: E731
    texts = {1.0: "beam-3:\n" + wrap(beam.replace("\n", " ")),
             0.45: f"sample (T={temperature}, top-k={top_k}):\n" + wrap(sample.replace("\n", " "))}
    for y, text in texts.items():
        ax.text(0, y, text, family="monospace", va="top", fontsize=8)
    ax.set_title("Beam search repeats itself; sampling does not")
    return fig, {"distinct 3-grams, beam": distinct_ratio(beam),
                 "distinct 3-grams, sample": distinct_ratio(sample)}


# ---------------------------------------------------------------- copy mechanism
GREETING = ["hi", ",", "i'm"]
REPLY = ["hi", "<name>", ",", "nice", "to", "meet", "you", "<end>"]


def copy_vocab(n_names: int = 40) -> list[str]:
    words = sorted(set(GREETING + REPLY) - {"<name>"})
    return ["<bos>", *words, *[f"name{i}" for i in range(n_names)]]


def greeting_data(names: list[int], vocab: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """"hi , i'm ⟨name⟩" → "hi ⟨name⟩ , nice to meet you ⟨end⟩" for every name id."""
    idx = {w: i for i, w in enumerate(vocab)}
    first = vocab.index("name0")
    src = [[idx[w] for w in GREETING] + [first + n] for n in names]
    tgt = [[first + n if w == "<name>" else idx[w] for w in REPLY] for n in names]
    return torch.tensor(src), torch.tensor(tgt)


@lru_cache(maxsize=4)
def train_greeting(copy: bool, steps: int = 150, n_names: int = 40,
                   seed: int = 0) -> Seq2SeqTransformer:
    """Train on the first half of the names; the second half stays unseen."""
    torch.manual_seed(seed)
    vocab = copy_vocab(n_names)
    src, tgt = greeting_data(list(range(n_names // 2)), vocab)
    model = Seq2SeqTransformer(len(vocab), len(vocab), d_model=32, copy=copy, max_len=16)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(steps):
        loss = F.nll_loss(model(src, shift_right(tgt, 0)).transpose(1, 2), tgt)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model


def copy_accuracy(steps: int = 150, n_names: int = 40) -> dict[str, float]:
    """Exact-reply accuracy on unseen names for a vocabulary-only and a copy decoder."""
    vocab = copy_vocab(n_names)
    src, tgt = greeting_data(list(range(n_names // 2, n_names)), vocab)
    out = {}
    for copy, name in ((False, "vocabulary-only"), (True, "copy head")):
        pred = greedy_decode(train_greeting(copy, steps, n_names), src, 0, tgt.size(1))
        out[name] = float((pred == tgt).all(1).float().mean())
    return out


def reply(model: Seq2SeqTransformer, name: int, n_names: int = 40) -> str:
    vocab = copy_vocab(n_names)
    src, _ = greeting_data([name], vocab)
    return " ".join(vocab[i] for i in greedy_decode(model, src, 0, len(REPLY))[0])


# ---------------------------------------------------------------- BLEU and NAT
def demo_bleu(candidate: str = "the cat sat on mat", reference: str = "the cat sat on the mat",
              char_level: bool = False) -> tuple[Figure, Numbers]:
    """n-gram precisions, brevity penalty and BLEU of one sentence pair."""
    mode = "char" if char_level else "space"
    result = corpus_bleu([candidate], [reference], mode=mode)
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.bar([f"p{n}" for n in range(1, 5)], result.precisions, color="C0", label="n-gram precision")
    ax.bar(["BP"], [result.bp], color="C1", label="brevity penalty")
    ax.bar(["BLEU"], [result.score], color="C2", label="BLEU")
    ax.set(title=f"BLEU ({mode} tokens): c = {result.candidate_len}, r = {result.reference_len}",
           ylabel="value", ylim=(0, 1.05))
    ax.legend(fontsize=8)
    return fig, {"BLEU": result.score, "BP": result.bp, "p1": result.precisions[0],
                 "tokens": len(tokenize(candidate, mode))}


@torch.no_grad()
def at_vs_nat_seconds(model: Seq2SeqTransformer, src: torch.Tensor, speed: float = 1.0,
                      repeats: int = 3) -> dict[str, float]:
    """Decoding time: AT needs T sequential decoder calls, NAT one call on T = speed·S slots."""
    t_len = max(1, round(speed * src.size(1)))
    memory = model.encode(src)
    start = time.perf_counter()
    for _ in range(repeats):
        greedy_decode(model, src, BOS, t_len)
    at = (time.perf_counter() - start) / repeats
    start = time.perf_counter()
    for _ in range(repeats):
        model.decode(torch.full((src.size(0), t_len), BOS), memory, src)
    nat = (time.perf_counter() - start) / repeats
    return {"output length": t_len, "AT seconds": at, "NAT seconds": nat}
