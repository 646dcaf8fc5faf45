"""Data, figure, widget and exercise-checker plumbing of L07 (self-supervised learning, BERT
and GPT). The masking rule, the BERT and GPT layers, the MLM, QA and CBOW heads, MRR and the
training loops are written in the notebook.

The corpus is a small synthetic English language built so that what BERT learns can be
measured: adjectives come in same-polarity pairs ("the food was good and superb"), so the
masked-LM objective has to learn which adjectives mean the same; "apple" is a fruit in some
sentences and a phone brand in others. Every ``demo_*`` function is pure:
``demo(**params) -> (figure, numbers)``; its defaults are the notebook's default widget state.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from course_utils.exercises import attempt, expect, expect_close, report

Numbers = dict[str, object]
SPECIALS = ["[PAD]", "[CLS]", "[SEP]", "[MASK]"]
PAD, CLS, SEP, MASK = range(4)
POSITIVE = ["good", "great", "nice", "fine", "superb", "lovely", "excellent", "wonderful"]
NEGATIVE = ["bad", "awful", "poor", "dull", "terrible", "nasty", "horrible", "boring"]
SEEN_ADJECTIVES = 4  # the labelled sentiment set uses only the first four of each polarity
NOUNS = ["food", "movie", "room", "book", "song", "game", "show", "meal"]
FRUITS = ["apple", "pear", "plum", "banana"]
BRANDS = ["apple", "sony", "nokia", "lenovo"]
FUNCTION_WORDS = ["the", "a", "was", "and", "really", "i", "think", "is", "ate", "today",
                  "bought", "phone", "new", "my", "tasted", "sweet", "fresh", "ripe", "cheap",
                  "fast", "how", ","]
WORDS = sorted(set(POSITIVE + NEGATIVE + NOUNS + FRUITS + BRANDS + FUNCTION_WORDS))
VOCAB = SPECIALS + WORDS
VOCAB_SIZE = len(VOCAB)
MAX_LEN = 12
OUTCOME_COLORS = {"kept": "white", "[MASK]": "tab:orange", "random": "tab:red",
                  "unchanged": "tab:green"}


def _subplots(*args, **kwargs):
    """``plt.subplots`` closed at once, so a figure shows only where a cell returns it."""
    fig, axes = plt.subplots(*args, **kwargs)
    plt.close(fig)
    return fig, axes


# ---------------------------------------------------------------- the synthetic corpus
def encode(words: list[str]) -> list[int]:
    """Token ids of a list of words (every word must be in ``VOCAB``)."""
    return [VOCAB.index(w) for w in words]


def decode(ids) -> list[str]:
    """Words of a sequence of token ids."""
    return [VOCAB[int(i)] for i in ids]


def _sentence(rng: random.Random) -> str:
    """One sentence of the pre-training corpus."""
    adjectives = rng.choice([POSITIVE, NEGATIVE])
    a1, a2 = rng.sample(adjectives, 2)
    noun, fruit, brand = rng.choice(NOUNS), rng.choice(FRUITS), rng.choice(BRANDS)
    taste, spec = rng.choice(["sweet", "fresh", "ripe"]), rng.choice(["new", "cheap", "fast"])
    return rng.choice([
        f"the {noun} was {a1} and {a2}",
        f"i think the {noun} is {a1} , really {a2}",
        f"a {a1} {noun} , really {a2}",
        f"i ate a {taste} {fruit} today",
        f"my {fruit} tasted {taste} and {a1}",
        f"i bought a {spec} {brand} phone",
        f"my {brand} phone is {spec} and {a1}",
    ])


def pack(sentences: list[str], max_len: int = MAX_LEN) -> torch.Tensor:
    """``[CLS] words [SEP]`` padded with ``[PAD]`` to ``max_len``: a (n, max_len) LongTensor."""
    out = torch.full((len(sentences), max_len), PAD, dtype=torch.long)
    for row, sentence in enumerate(sentences):
        ids = [CLS, *encode(sentence.split()), SEP]
        out[row, :len(ids)] = torch.tensor(ids)
    return out


def corpus(n: int, seed: int = 0) -> list[str]:
    """``n`` sentences of the synthetic pre-training corpus (no labels: self-supervised)."""
    rng = random.Random(seed)
    return [_sentence(rng) for _ in range(n)]


def sentiment_data(n: int, seen: bool, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Labelled sentences "the <noun> was <adjective>" (label 1 positive, 0 negative), packed.
    ``seen`` picks the first ``SEEN_ADJECTIVES`` adjectives of each polarity, else the others."""
    rng = random.Random(seed)
    part = slice(None, SEEN_ADJECTIVES) if seen else slice(SEEN_ADJECTIVES, None)
    sentences, labels = [], []
    for _ in range(n):
        label = rng.randrange(2)
        adjective = rng.choice((NEGATIVE, POSITIVE)[label][part])
        sentences.append(f"the {rng.choice(NOUNS)} was {adjective}")
        labels.append(label)
    return pack(sentences), torch.tensor(labels)


def qa_data(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor,
                                              torch.Tensor]:
    """Extractive-QA examples ``[CLS] how was the <noun> [SEP] <document> [SEP]`` whose answer is
    the span "<a1> and <a2>" of the document, at a place that depends on its wording: ids,
    segment ids (0 question, 1 document), and the answer's start and end index."""
    rng = random.Random(seed)
    ids, segments = torch.full((n, 16), PAD, dtype=torch.long), torch.zeros(n, 16, dtype=torch.long)
    starts = torch.zeros(n, dtype=torch.long)
    for row in range(n):
        noun, (a1, a2) = rng.choice(NOUNS), rng.sample(rng.choice([POSITIVE, NEGATIVE]), 2)
        before = rng.choice([f"the {noun} was", f"i think the {noun} was",
                             f"the {noun} was really", f"i think the {noun} is really"]).split()
        question = [CLS, *encode(["how", "was", "the", noun]), SEP]
        document = [*encode([*before, a1, "and", a2]), SEP]
        ids[row, :len(question) + len(document)] = torch.tensor(question + document)
        segments[row, len(question):len(question) + len(document)] = 1
        starts[row] = len(question) + len(before)
    return ids, segments, starts, starts + 2


NUCLEOTIDE_WORDS = {"A": "pear", "C": "sony", "G": "movie", "T": "good"}  # arbitrary words


def dna_data(n: int, length: int = 10, seed: int = 0
             ) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """DNA as text: random ``length``-mers with A/C/G/T written as four arbitrary corpus words
    (``NUCLEOTIDE_WORDS``), packed; label 1 where the motif "TA" occurs. Also the raw strings."""
    rng = random.Random(seed)
    strings = ["".join(rng.choice("ACGT") for _ in range(length)) for _ in range(n)]
    sentences = [" ".join(NUCLEOTIDE_WORDS[b] for b in s) for s in strings]
    labels = torch.tensor([int("TA" in s) for s in strings])
    return pack(sentences, max_len=length + 2), labels, strings


# ---------------------------------------------------------------- masking
def masking_outcomes(original: torch.Tensor, corrupted: torch.Tensor,
                     labels: torch.Tensor) -> list[str]:
    """Per token: "kept" (not selected), "[MASK]", "random" or "unchanged" (selected, kept)."""
    out = []
    for o, c, y in zip(original.tolist(), corrupted.tolist(), labels.tolist(), strict=True):
        if y == -100:
            out.append("kept")
        elif c == MASK:
            out.append("[MASK]")
        else:
            out.append("unchanged" if c == o else "random")
    return out


def masking_fractions(original: torch.Tensor, corrupted: torch.Tensor,
                      labels: torch.Tensor) -> dict[str, float]:
    """The MLM statistics: the selected share of all tokens, the [MASK] / random / unchanged
    shares of the selected tokens, and the random share of all tokens."""
    selected = labels != -100
    n_sel = max(int(selected.sum()), 1)
    is_mask = selected & (corrupted == MASK)
    is_random = selected & (corrupted != MASK) & (corrupted != original)
    is_same = selected & (corrupted == original)
    return {"selected": float(selected.float().mean()),
            "[MASK] of selected": int(is_mask.sum()) / n_sel,
            "random of selected": int(is_random.sum()) / n_sel,
            "unchanged of selected": int(is_same.sum()) / n_sel,
            "random of all": float(is_random.float().mean())}


def demo_masking(mask_fn: Callable, sentence: str = "the food was good and superb , i think the"
                 " movie is dull , really boring", seed: int = 0,
                 p: float = 0.15) -> tuple[Figure, Numbers]:
    """The masking simulator: the sentence's words coloured by what ``mask_fn`` did to them,
    the corrupted input below each word, and the statistics of 10,000 corpus tokens."""
    words = [w for w in sentence.lower().split() if w in VOCAB] or ["the"]
    ids = torch.tensor(encode(words))
    corrupted, labels = mask_fn(ids, torch.Generator().manual_seed(seed), p)
    outcomes = masking_outcomes(ids, corrupted, labels)
    fig, ax = _subplots(figsize=(min(1.0 * len(words) + 1, 16), 1.9))
    for i, (word, new, outcome) in enumerate(zip(words, decode(corrupted), outcomes,
                                                strict=True)):
        ax.add_patch(plt.Rectangle((i, 0), 0.95, 1, color=OUTCOME_COLORS[outcome], ec="grey"))
        ax.text(i + 0.47, 0.68, word, ha="center", fontsize=8)
        ax.text(i + 0.47, 0.25, "·" if outcome == "kept" else new, ha="center", fontsize=8,
                weight="bold")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c, ec="grey") for c in OUTCOME_COLORS.values()]
    ax.legend(handles, list(OUTCOME_COLORS), ncol=4, loc="upper center",
              bbox_to_anchor=(0.5, -0.02), fontsize=8)
    ax.set(xlim=(0, len(words)), ylim=(0, 1), title=f"masking with p = {p:g}, seed {seed}: "
           "word (top) → model input (bottom, · = not selected)")
    ax.axis("off")
    tokens = pack(corpus(1000, seed=seed))
    tokens = tokens[tokens > SEP][:10_000]
    stats = masking_fractions(tokens, *mask_fn(tokens, torch.Generator().manual_seed(seed), p))
    return fig, {k: round(v, 4) for k, v in stats.items()}


def check_span_masking(fn: Callable) -> str:
    """Exercise: span masking keeps BERT's statistics over 10,000 tokens, in runs."""
    def body():
        tokens = pack(corpus(1000, seed=1))
        tokens = tokens[tokens > SEP][:10_000]
        corrupted, labels = attempt(fn, tokens, torch.Generator().manual_seed(0), 0.15)
        expect(corrupted.shape == tokens.shape and labels.shape == tokens.shape,
               "return (corrupted ids, labels), both shaped like the input.")
        selected = labels != -100
        expect(bool((labels[selected] == tokens[selected]).all()),
               "labels must hold the original id at every selected position (and -100 "
               "elsewhere).")
        expect(bool((corrupted[~selected] == tokens[~selected]).all()),
               "a token that is not selected must stay unchanged in the input.")
        stats = masking_fractions(tokens, corrupted, labels)
        expect(abs(stats["selected"] - 0.15) <= 0.01,
               f"{stats['selected']:.3f} of the tokens are selected; expected 0.15 ± 0.01 "
               "(a span of 3 starts at a token with probability 1 - 0.85^(1/3), not 0.15; "
               "labels are -100 wherever a token is not selected).")
        for name, share in (("[MASK]", 0.8), ("random", 0.1), ("unchanged", 0.1)):
            got = stats[f"{name} of selected"]
            expect(abs(got - share) <= 0.03, f"{got:.3f} of the selected tokens are {name}; "
                   f"expected {share} ± 0.03 (the 80/10/10 rule applies to every span).")
        runs = int((selected[1:] & ~selected[:-1]).sum()) + int(selected[0])
        mean_run = int(selected.sum()) / max(runs, 1)
        expect(mean_run >= 2.5, f"selected tokens come in runs of {mean_run:.2f} on average; "
               "span masking selects whole spans (mean length 3), not single tokens.")
    return report("span masking", body)


# ---------------------------------------------------------------- weights and heads
HF_NAMES = [  # this lecture's parameter names <- transformers' BERT names
    ("embeddings.token.", "bert.embeddings.word_embeddings."),
    ("embeddings.position.", "bert.embeddings.position_embeddings."),
    ("embeddings.segment.", "bert.embeddings.token_type_embeddings."),
    ("embeddings.norm.", "bert.embeddings.LayerNorm."),
    ("layers.", "bert.encoder.layer."),
    (".q.", ".attention.self.query."), (".k.", ".attention.self.key."),
    (".v.", ".attention.self.value."), (".o.", ".attention.output.dense."),
    (".norm1.", ".attention.output.LayerNorm."), (".ff1.", ".intermediate.dense."),
    (".ff2.", ".output.dense."), (".norm2.", ".output.LayerNorm."),
    ("mlm.dense.", "cls.predictions.transform.dense."),
    ("mlm.norm.", "cls.predictions.transform.LayerNorm."), ("mlm.bias", "cls.predictions.bias"),
]


def to_hf_names(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename a notebook BERT's state_dict to ``transformers``' BertForMaskedLM names; the MLM
    output matrix is tied to the word embeddings in both, so its copy is left out."""
    out = {}
    for name, value in state.items():
        if name.startswith("mlm.embedding."):
            continue
        for ours, theirs in HF_NAMES:
            name = name.replace(ours, theirs)
        out[name] = value
    return out


def from_hf_names(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The inverse of :func:`to_hf_names`: a ``BertForMaskedLM`` state_dict in the notebook
    BERT's names, with the tied MLM output matrix pointing at the word embeddings."""
    out = {}
    for name, value in state.items():
        if ".decoder." in name or name.endswith("position_ids"):
            continue
        for ours, theirs in HF_NAMES:
            name = name.replace(theirs, ours)
        out[name] = value
    out["mlm.embedding.weight"] = out["embeddings.token.weight"]
    return out


def hf_config_from_sizes(vocab: int, hidden: int, layers: int, heads: int, ff: int,
                         max_len: int):
    """A ``transformers.BertConfig`` of these sizes with no dropout (GELU, LN eps 1e-12)."""
    from transformers import BertConfig

    return BertConfig(vocab_size=vocab, hidden_size=hidden, num_hidden_layers=layers,
                      num_attention_heads=heads, intermediate_size=ff,
                      max_position_embeddings=max_len, hidden_dropout_prob=0.0,
                      attention_probs_dropout_prob=0.0, pad_token_id=PAD)


def hf_config(model: torch.nn.Module, heads: int):
    """The ``BertConfig`` of a notebook BERT (sizes read off its weights)."""
    vocab, hidden = model.embeddings.token.weight.shape
    return hf_config_from_sizes(vocab, hidden, len(model.layers), heads,
                                model.layers[0].ff1.out_features,
                                model.embeddings.position.num_embeddings)


# ---------------------------------------------------------------- fine-tuning cases
@dataclass(frozen=True)
class Case:
    """One of the four ways to use BERT downstream."""

    name: str
    example: list[str]
    segments: list[int]
    used: str            # which outputs feed the new head: "cls", "all" or "document"
    head: str
    new_parameters: Callable[[int, int], int]  # (hidden size, classes) -> count


CASES = {
    1: Case("sequence → class (sentiment)", ["[CLS]", "the", "food", "was", "superb", "[SEP]"],
            [0] * 6, "cls", "Linear(H, C) on the [CLS] output", lambda h, c: h * c + c),
    2: Case("sequence → same length (POS tagging)",
            ["[CLS]", "the", "food", "was", "superb", "[SEP]"], [0] * 6, "all",
            "Linear(H, C) on every token's output", lambda h, c: h * c + c),
    3: Case("two sequences → class (NLI)",
            ["[CLS]", "the", "food", "was", "good", "[SEP]", "the", "meal", "was", "bad", "[SEP]"],
            [0] * 6 + [1] * 5, "cls", "Linear(H, 3) on [CLS]: contradiction / entailment / "
            "neutral", lambda h, c: h * 3 + 3),
    4: Case("extraction QA", ["[CLS]", "how", "was", "the", "food", "[SEP]", "the", "food", "was",
                              "good", "and", "great", "[SEP]"],
            [0] * 6 + [1] * 7, "document", "a start vector and an end vector (+ 2 biases), dot "
            "products with the document outputs", lambda h, c: 2 * h + 2),
}


def demo_case(case: int = 1, hidden: int = 64, classes: int = 2) -> tuple[Figure, Numbers]:
    """The fine-tuning case builder: the input (segment 0 blue, 1 orange), the outputs that
    feed the new head (bold arrows) and the number of new parameters."""
    c = CASES[case]
    n = len(c.example)
    fig, ax = _subplots(figsize=(max(6.0, 0.8 * n), 2.6))
    for i, (word, segment) in enumerate(zip(c.example, c.segments, strict=True)):
        ax.add_patch(plt.Rectangle((i, 0), 0.9, 0.5, color=("tab:blue", "tab:orange")[segment],
                                   alpha=0.35))
        ax.text(i + 0.45, 0.22, word, ha="center", fontsize=8)
        used = {"cls": i == 0, "all": 0 < i < n - 1,
                "document": c.segments[i] == 1 and word != "[SEP]"}[c.used]
        ax.annotate("", (i + 0.45, 1.6 if used else 1.1), (i + 0.45, 0.55),
                    arrowprops={"arrowstyle": "->", "lw": 2.5 if used else 0.6,
                                "color": "black" if used else "grey"})
    ax.add_patch(plt.Rectangle((0, 0.7), n - 0.1, 0.35, color="tab:grey", alpha=0.3))
    ax.text(n / 2, 0.82, "BERT (pre-trained, fine-tuned too)", ha="center", fontsize=8)
    ax.text(n / 2, 1.75, c.head, ha="center", fontsize=8, color="tab:red")
    ax.set(xlim=(-0.2, n), ylim=(-0.1, 2.0), title=f"case {case}: {c.name}")
    ax.axis("off")
    return fig, {"new parameters": c.new_parameters(hidden, classes)}


QUIZ_CHOICES = ["1", "2", "3", "4"]
QUIZ_KEY = {  # task -> fine-tuning case
    "named-entity recognition": "2",
    "is sentence B a logical consequence of sentence A?": "3",
    "star rating of a review": "1",
    "find the answer span in a Wikipedia paragraph (SQuAD, HW7)": "4",
    "does this query match this document? (search ranking)": "3",
}


# ---------------------------------------------------------------- figures
def plot_curves(curves: dict[str, list[float]], title: str, ylabel: str = "loss",
                xlabel: str = "step") -> Figure:
    """Named training curves on one axis."""
    fig, ax = _subplots(figsize=(6, 3.2))
    for name, values in curves.items():
        ax.plot(np.arange(1, len(values) + 1), values, label=name)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend()
    return fig


def plot_finetuning(runs: dict[str, dict[str, list[float]]], every: int) -> Figure:
    """Fine-tuning runs side by side: train loss per step (log scale) and test accuracy every
    ``every`` steps."""
    fig, (ax_loss, ax_acc) = _subplots(1, 2, figsize=(10, 3.2))
    for name, run in runs.items():
        ax_loss.plot(np.arange(1, len(run["train loss"]) + 1), run["train loss"], label=name)
        steps = every * np.arange(1, len(run["test accuracy"]) + 1)
        ax_acc.plot(steps, run["test accuracy"], marker="o", label=name)
    ax_loss.set(yscale="log", title="train loss (labelled adjectives)", xlabel="step",
                ylabel="cross-entropy")
    ax_acc.axhline(0.5, color="grey", ls=":", label="chance")
    ax_acc.set(title="accuracy on sentences with unseen adjectives", xlabel="step",
               ylabel="accuracy", ylim=(0, 1.02))
    ax_loss.legend()
    ax_acc.legend()
    return fig


def plot_span_probs(words: list[str], p_start: torch.Tensor, p_end: torch.Tensor) -> Figure:
    """The start and end softmaxes of one QA example as bars over its tokens."""
    fig, ax = _subplots(figsize=(8, 3))
    x = np.arange(len(words))
    ax.bar(x - 0.2, p_start.detach().numpy(), 0.4, label="p(start)")
    ax.bar(x + 0.2, p_end.detach().numpy(), 0.4, label="p(end)")
    ax.set_xticks(x, words, rotation=45, fontsize=8)
    ax.set(title="extraction QA: softmax of the dot products with the start / end vectors",
           ylabel="probability")
    ax.legend()
    return fig


def plot_similarity(matrix: torch.Tensor, rows: list[str], cols: list[str], title: str) -> Figure:
    """A cosine-similarity matrix as a heat map with its values."""
    fig, ax = _subplots(figsize=(0.7 * len(cols) + 2, 0.5 * len(rows) + 1.2))
    im = ax.imshow(matrix.numpy(), cmap="viridis", vmin=-1, vmax=1)
    for (i, j), value in np.ndenumerate(matrix.numpy()):
        ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7, color="w")
    ax.set_xticks(range(len(cols)), cols, rotation=45, fontsize=8)
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    ax.set_title(title)
    fig.colorbar(im, ax=ax, label="cosine")
    return fig


# ---------------------------------------------------------------- MRR exercise
def check_mrr_from_similarity(fn: Callable) -> str:
    """Exercise: MRR of a cross-lingual similarity matrix whose diagonal holds the true pairs."""
    def body():
        sim = torch.tensor([[0.9, 0.1, 0.3], [0.8, 0.5, 0.1], [0.7, 0.6, 0.2]])
        expect_close(attempt(fn, sim), (1 + 1 / 2 + 1 / 3) / 3, "MRR of the 3×3 example",
                     hint="row i's true match is column i; rank 1 = the most similar column; "
                     "average 1 / rank over the rows.")
        eye = torch.eye(4)
        expect_close(attempt(fn, eye), 1.0, "MRR of a perfect alignment (identity matrix)",
                     hint="every row ranks its own column first, so every 1/rank is 1.")
        g = torch.Generator().manual_seed(0)
        big = torch.rand(50, 50, generator=g)
        true_score = big.diagonal().unsqueeze(1)
        ranks = 1 + (big > true_score).sum(1).double()
        expect_close(attempt(fn, big), (1 / ranks).mean(), "MRR of a random 50×50 matrix",
                     hint="count, in each row, the columns scoring higher than the diagonal.")
    return report("MRR from a similarity matrix", body)


# ---------------------------------------------------------------- in-context learning
ICL_LETTERS = "abcdef"
ICL_VOCAB = "0123456789" + ICL_LETTERS


def icl_sequences(n: int, shots: int, rng: random.Random) -> torch.Tensor:
    """``n`` char-id strings "x label x label …" of ``shots + 1`` digits: even and odd digits get
    two letters drawn anew for each string, so the names are learnable only in context."""
    rows = []
    for _ in range(n):
        names = rng.sample(ICL_LETTERS, 2)
        xs = [rng.randrange(10) for _ in range(shots + 1)]
        rows.append([ICL_VOCAB.index(ch) for x in xs for ch in (str(x), names[x % 2])])
    return torch.tensor(rows)


def show_icl(ids: torch.Tensor) -> str:
    """A string of char ids as text, one "x→label" pair per example."""
    text = "".join(ICL_VOCAB[int(i)] for i in ids)
    return " ".join(f"{text[i]}→{text[i + 1]}" if i + 1 < len(text) else f"{text[i]}→?"
                    for i in range(0, len(text), 2))


def demo_icl(accuracies: list[float], shots: int = 2, seed: int = 0) -> tuple[Figure, Numbers]:
    """The k-shot slider: the frozen char-GPT's accuracy by number of examples in the prompt,
    k = ``shots`` highlighted, and one such prompt in the title."""
    fig, ax = _subplots(figsize=(6.5, 3))
    ks = np.arange(len(accuracies))
    ax.bar(ks, accuracies, color=["tab:red" if k == shots else "tab:blue" for k in ks])
    ax.axhline(1 / len(ICL_LETTERS), color="grey", ls=":", label="guessing a letter (1/6)")
    prompt = show_icl(icl_sequences(1, shots, random.Random(seed))[0][:-1])
    ax.set(xlabel="examples in the prompt (k-shot)", ylabel="accuracy", ylim=(0, 1.05),
           title=f"no gradient step at test time; a {shots}-shot prompt: {prompt}")
    ax.legend(loc="upper left")
    return fig, {f"accuracy at {shots}-shot": accuracies[shots]}
