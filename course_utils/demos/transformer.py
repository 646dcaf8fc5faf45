"""Figure, widget, data and exercise-checker plumbing of L05 (seq2seq, the Transformer,
decoding, BLEU). The blocks, searches and BLEU themselves are written in the notebook.

Every ``demo_*`` function is pure: ``demo(**params) -> (figure, numbers)``; its defaults are
the notebook's default widget state.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import math
import textwrap
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from torch.nn import functional as F

from course_utils.bleu import corpus_bleu, ngrams, tokenize
from course_utils.exercises import attempt, expect, expect_close, expect_shape, report
from course_utils.models.attention import MultiHeadAttention, causal_mask
from course_utils.models.decoding import (
    beam_search,
    greedy_decode,
    greedy_search,
    sample_search,
    scheduled_sampling_inputs,
    shift_right,
)
from course_utils.models.transformer import DecoderLayer, PositionwiseFFN, Seq2SeqTransformer

Numbers = dict[str, object]
BOS = 10  # digits 0–9; BOS doubles as END, as in HW05
GUIDE_WEIGHT = 5.0  # weight of the guided-attention loss


def _subplots(*args, **kwargs):
    """``plt.subplots`` closed at once, so a figure shows only where a cell returns it."""
    fig, axes = plt.subplots(*args, **kwargs)
    plt.close(fig)
    return fig, axes


# ---------------------------------------------------------------- anatomy
SHAPES = {
    "MHA": "x (b, n, d) → (b, n, d); A: (b, h, n, n)",
    "Add & Norm": "LayerNorm(x + sublayer(x)): (b, n, d) → (b, n, d)",
    "FFN": "(b, n, d) → (b, n, d_ff) → (b, n, d)",
    "masked MHA": "y (b, t, d); causal A: (b, h, t, t), upper triangle 0",
    "cross-attention": "q: y (b, t, d); k, v: memory (b, n, d); A: (b, h, t, n)",
}


def component_shapes(batch: int = 2, length: int = 5, d_model: int = 16, n_heads: int = 4,
                     d_ff: int = 32) -> dict[str, tuple[int, ...]]:
    """Run each library block once and record the tensor shapes a student should predict."""
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


def demo_anatomy(code: dict[str, Callable], component: str = "masked MHA", step: int = 2,
                 length: int = 6) -> tuple[Figure, Numbers]:
    """The notebook code of ``component`` (``code`` maps names of :data:`SHAPES` to functions)
    with its shapes, and the causal mask row used at decoding ``step``."""
    fn = code[component]
    try:
        lines = textwrap.dedent(inspect.getsource(fn)).strip().splitlines()
    except (OSError, TypeError):
        lines = [f"{fn.__qualname__} (source not available)"]
    fig, (ax_code, ax_mask) = _subplots(1, 2, figsize=(12, 3.6), width_ratios=[2.2, 1])
    ax_code.axis("off")
    ax_code.text(0, 1, "\n".join(line[:88] for line in lines[:14])
                 + f"\n\nshapes: {SHAPES[component]}", family="monospace", fontsize=7.5, va="top")
    ax_code.set_title(f"{component}: {fn.__qualname__} (defined above)")
    mask = causal_mask(length).float().numpy()
    shown = mask * 0.35
    shown[step] = mask[step]
    ax_mask.imshow(shown, cmap="Blues", vmin=0, vmax=1)
    ax_mask.set(title=f"causal mask, step t = {step} (bright row)", xlabel="key position",
                ylabel="query position")
    return fig, {"keys visible at step t": int(mask[step].sum())}


def torch_layer_like(block: torch.nn.Module) -> torch.nn.Module:
    """``nn.TransformerEncoderLayer``/``DecoderLayer`` (post-norm, ReLU, no dropout) holding the
    weights of a notebook block with the library's parameter names (attn or self_attn,
    cross_attn, ffn.fc1/fc2, norm1..3), to check the block against PyTorch's layer."""
    d_model, d_ff = block.ffn.fc1.in_features, block.ffn.fc1.out_features
    decoder = hasattr(block, "cross_attn")
    cls = torch.nn.TransformerDecoderLayer if decoder else torch.nn.TransformerEncoderLayer
    self_attn = block.self_attn if decoder else block.attn
    layer = cls(d_model, self_attn.n_heads, d_ff, dropout=0.0, batch_first=True).eval()
    pairs = [(layer.self_attn, self_attn)] + ([(layer.multihead_attn, block.cross_attn)]
                                              if decoder else [])
    with torch.no_grad():
        for theirs, mine in pairs:
            theirs.in_proj_weight.copy_(torch.cat([mine.w_q.weight, mine.w_k.weight,
                                                   mine.w_v.weight]))
            theirs.in_proj_bias.copy_(torch.cat([mine.w_q.bias, mine.w_k.bias, mine.w_v.bias]))
            theirs.out_proj.load_state_dict(mine.w_o.state_dict())
        layer.linear1.load_state_dict(block.ffn.fc1.state_dict())
        layer.linear2.load_state_dict(block.ffn.fc2.state_dict())
        for i in range(1, 4 if decoder else 3):
            getattr(layer, f"norm{i}").load_state_dict(getattr(block, f"norm{i}").state_dict())
    return layer


def check_masked_attention(fn: Callable) -> str:
    """Exercise: causal (masked) single-head attention ``fn(q, k, v) -> (b, t, d_v)``."""
    def body():
        g = torch.Generator().manual_seed(5)
        q, k, v = (torch.randn(2, 5, d, generator=g) for d in (4, 4, 3))
        out = attempt(fn, q, k, v)
        expect_shape(out, (2, 5, 3),
                     "my_masked_attention(q, k, v) with q, k (2, 5, 4) and v (2, 5, 3)")
        expect_close(out[:, 0], v[:, 0], "the output at position 0",
                     hint="Position 0 may only attend to itself, so its output is v[0]: put −inf "
                          "above the diagonal BEFORE the softmax, so each row still sums to 1.")
        k2, v2 = k.clone(), v.clone()
        k2[:, 4], v2[:, 4] = 10.0, -10.0
        changed = (attempt(fn, q, k2, v2)[:, :4] - out[:, :4]).abs().max().item()
        expect(changed < 1e-6, f"changing the key and value at position 4 changed the outputs at "
                               f"positions 0–3 by {changed:.3g}: the mask lets a query see the "
                               "future (query i may use keys j ≤ i only).")
        scores = (q @ k.transpose(1, 2) / 2.0).masked_fill(~causal_mask(5), float("-inf"))
        expect_close(out, scores.softmax(-1) @ v, "the output",
                     hint="Scale the scores q kᵀ by 1/√d_k and take the softmax over the keys.")
    return report("masked (causal) self-attention", body)


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
    fig, ax = _subplots(figsize=(7, 3.2))
    ax.bar(names, probs, color=colors)
    ax.bar([0], [0], color="C1", label="greedy path")
    ax.bar([0], [0], color="C2", label=f"beam-{beam_size} path")
    ax.set(title="Toy tree: probability of every full path", xlabel="path", ylabel="P(path)")
    ax.legend()
    word = lambda path: "".join("AB"[t] for t in path)  # noqa: E731
    return fig, {"greedy": word(greedy), "P(greedy)": path_probability(step, greedy),
                 "beam": word(beam), "P(beam)": path_probability(step, beam),
                 "best": names[int(np.argmax(probs))]}


def check_beam_step(fn: Callable) -> str:
    """Exercise: one batched beam-search step
    ``fn(scores (k,), log_probs (k, V), beam_size) -> (new_scores, parents, tokens)``."""
    def body():
        # the toy tree after step 1 (beams A, B) with P(A | A) = 0.55: AA 0.33, AB 0.27, BB 0.36
        scores = torch.tensor([0.6, 0.4]).log()
        log_probs = torch.tensor([[0.55, 0.45], [0.1, 0.9]]).log()
        out = attempt(fn, scores, log_probs, 2)
        expect(isinstance(out, tuple) and len(out) == 3,
               "return a tuple (new_scores, parents, tokens).")
        new_scores, parents, tokens = out
        for value, name in zip(out, ("new_scores", "parents", "tokens"), strict=True):
            expect_shape(value, (2,), f"{name} (beam_size = 2)")
        expect_close(new_scores.exp(), [0.36, 0.33], "exp(new_scores) on the toy tree",
                     hint="A hypothesis' score is its cumulative log-probability: add the beam's "
                          "score to each next-token log-prob, then keep the best k of all k·V, "
                          "best first (not only extensions of the best beam: that is greedy).")
        expect(parents.tolist() == [1, 0] and tokens.tolist() == [1, 0],
               f"parents {parents.tolist()} and tokens {tokens.tolist()} should be [1, 0] and "
               "[1, 0] (BB, then AA): for a flat index i into the (k, V) table, the parent is "
               "i // V and the token i % V.")
        g = torch.Generator().manual_seed(3)
        scores, log_probs = -torch.rand(3, generator=g) * 3, torch.randn(3, 5, generator=g)
        new_scores, parents, tokens = attempt(fn, scores, log_probs.log_softmax(-1), 4)
        expect_close(new_scores, scores[parents] + log_probs.log_softmax(-1)[parents, tokens],
                     "new_scores vs scores[parents] + log_probs[parents, tokens] (k = 3, V = 5)",
                     hint="Each new score must be its parent's score plus the chosen token's "
                          "log-prob.")
        best = (scores[:, None] + log_probs.log_softmax(-1)).flatten().topk(4).values
        expect_close(new_scores, best, "the 4 best of 3 beams × 5 tokens",
                     hint="Take the top beam_size of all k·V candidates, sorted best first.")
    return report("beam-search step", body)


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


@dataclass
class Seq2SeqRun:
    """A trained reversal model with its per-step loss curve."""

    model: Seq2SeqTransformer
    losses: list[float] = field(default_factory=list)


@lru_cache(maxsize=16)
def train_reversal(steps: int = 300, length: int = 6, sampling_p: float = 0.0,
                   prior: Callable[[torch.Tensor], torch.Tensor] | None = None, d_model: int = 32,
                   seed: int = 0, batch_size: int = 64) -> Seq2SeqRun:
    """Teacher-forced training (mean per-token CE, END included; ``losses`` records the CE);
    optional scheduled sampling (prob ``sampling_p``) and an attention prior, a penalty on the
    (batch, T, S) cross-attention added with weight ``GUIDE_WEIGHT``. Cached per setting."""
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
        loss = ce + (GUIDE_WEIGHT * prior(model.cross_attention()) if prior else 0.0)
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
    fig, ax = _subplots(figsize=(4.2, 3.8))
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
    """Teacher forcing vs scheduled sampling at the same number of steps: token accuracy with
    gold inputs vs with the model's own outputs; their difference is the exposure-bias gap."""
    runs = {"teacher forcing": train_reversal(steps, length), f"sampling p={sampling_p:.2f}":
            train_reversal(steps, length, sampling_p=sampling_p)}
    accs = {name: reversal_accuracy(run.model, length=length) for name, run in runs.items()}
    fig, ax = _subplots(figsize=(7, 3.2))
    keys = list(next(iter(accs.values())))
    for i, (name, acc) in enumerate(accs.items()):
        ax.bar(np.arange(3) + 0.4 * i, [acc[k] for k in keys], width=0.4, label=name)
    ax.set_xticks(np.arange(3) + 0.2, keys)
    ax.set(title=f"Exposure bias after {steps} steps each", ylabel="accuracy", ylim=(0, 1.05))
    ax.legend()
    numbers: Numbers = {}
    for name, acc in accs.items():
        numbers[f"{name}: gap"] = acc["teacher-forced token acc"] - acc["free-running token acc"]
        numbers[f"{name}: free-running token acc"] = acc["free-running token acc"]
    return fig, numbers


def demo_guided(prior: Callable[[torch.Tensor], torch.Tensor], guided: bool = True,
                steps: int = 60, length: int = 8) -> tuple[Figure, Numbers]:
    """Loss curves without and with (``guided``) the attention ``prior``."""
    plain = train_reversal(steps, length)
    guide = train_reversal(steps, length, prior=prior if guided else None)
    fig, ax = _subplots(figsize=(7, 3.2))
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


def creative_texts(temperature: float = 0.8, top_k: int = 8, length: int = 120, seed: int = 0,
                   prompt: str = "Beautiful ") -> tuple[str, str]:
    """Beam-3 and temperature/top-k sampled continuations of ``prompt`` from a char 4-gram LM
    of the Zen of Python."""
    lm = CharNgramLM(zen_text())
    start = [-1] + [lm.index[c] for c in prompt]
    step = lambda prefix: lm.step(start + prefix[1:])  # noqa: E731
    g = torch.Generator().manual_seed(seed)
    beam = prompt + lm.decode(beam_search(step, -1, length, beam_size=3)[0][0])
    sample = prompt + lm.decode(sample_search(step, -1, length, temperature, top_k, generator=g))
    return beam, sample


def demo_sampling(temperature: float = 0.8, top_k: int = 8, length: int = 120, seed: int = 0,
                  prompt: str = "Beautiful ") -> tuple[Figure, Numbers]:
    """Beam search vs temperature/top-k sampling on a char n-gram LM of the Zen of Python."""
    beam, sample = creative_texts(temperature, top_k, length, seed, prompt)
    fig, ax = _subplots(figsize=(10, 2.6))
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
    fig, ax = _subplots(figsize=(6, 3))
    ax.bar([f"p{n}" for n in range(1, 5)], result.precisions, color="C0", label="n-gram precision")
    ax.bar(["BP"], [result.bp], color="C1", label="brevity penalty")
    ax.bar(["BLEU"], [result.score], color="C2", label="BLEU")
    ax.set(title=f"BLEU ({mode} tokens): c = {result.candidate_len}, r = {result.reference_len}",
           ylabel="value", ylim=(0, 1.05))
    ax.legend(fontsize=8)
    return fig, {"BLEU": result.score, "BP": result.bp, "p1": result.precisions[0],
                 "tokens": len(tokenize(candidate, mode))}


def check_bleu(fn: Callable) -> str:
    """Exercise: sentence BLEU with several references ``fn(candidate, references) -> float``."""
    cases = [  # (candidate, references, what it tests, hint)
        ("a b c d e", ["a b c d e"], "an identical sentence",
         "Identical sentences have every p_n = 1 and BP = 1, so BLEU = 1."),
        ("a b c d a b c d", ["a b c d e f g h"], "a candidate repeating the reference's n-grams",
         "Clip each n-gram's count by its count in the reference (“the the the” gets 1 credit)."),
        ("a b c d", ["a b c d e f g h"], "a short candidate (c = 4, r = 8)",
         "A candidate shorter than the reference gets BP = exp(1 − r/c)."),
        ("a b c d e", ["a b", "a b c d e f"], "two references of lengths 2 and 6 (c = 5)",
         "With several references, r is the length of the reference closest to c."),
        ("a a a b c d", ["a b c d", "a x a y"], "two references (“a” twice in the second)",
         "Clip by the largest count in any single reference, not by the sum over references."),
    ]

    def body():
        for candidate, references, what, hint in cases:
            expect_close(attempt(fn, candidate, references),
                         corpus_bleu([candidate], [references]).score,
                         f"my_bleu on {what}", hint=hint)
    return report("BLEU (clipped precision, brevity penalty)", body)


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
