"""Corpus BLEU with the brevity penalty (introduced in L05; used again in HW05).

BLEU = BP · exp(Σₙ log pₙ / N), with pₙ the clipped n-gram precision and
BP = 1 if c > r else exp(1 − r/c) (c: candidate length, r: closest reference length).
Scores are in [0, 1]; sacrebleu prints 100 × this value.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass


def tokenize(text: str, mode: str = "space") -> list[str]:
    """Split on whitespace (``"space"``) or into non-space characters (``"char"``, for Chinese)."""
    if mode == "space":
        return text.split()
    if mode == "char":
        return [ch for ch in text if not ch.isspace()]
    raise ValueError(f"Unknown tokenize mode {mode!r}; use 'space' or 'char'.")


def ngrams(tokens: list[str], n: int) -> Counter:
    """Counts of the n-grams (as tuples) in ``tokens``."""
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def brevity_penalty(candidate_len: int, reference_len: int) -> float:
    """BP = 1 if c > r else exp(1 − r/c); 0 for an empty candidate."""
    if candidate_len == 0:
        return 0.0
    return 1.0 if candidate_len > reference_len else math.exp(1 - reference_len / candidate_len)


@dataclass(frozen=True)
class Bleu:
    """A corpus BLEU result: ``score`` in [0, 1], per-order ``precisions`` and ``bp``."""

    score: float
    precisions: tuple[float, ...]
    bp: float
    candidate_len: int
    reference_len: int


def corpus_bleu(candidates: list[str], references: list[str | list[str]], max_n: int = 4,
                mode: str = "space") -> Bleu:
    """BLEU of ``candidates`` against one reference (str) or several (list) per candidate."""
    if len(candidates) != len(references):
        raise ValueError(f"{len(candidates)} candidates but {len(references)} references.")
    matched, total = [0] * max_n, [0] * max_n
    c_len = r_len = 0
    for cand, refs in zip(candidates, references, strict=True):
        refs = [refs] if isinstance(refs, str) else refs
        hyp, ref_tokens = tokenize(cand, mode), [tokenize(r, mode) for r in refs]
        c_len += len(hyp)
        r_len += min((len(r) for r in ref_tokens), key=lambda n: (abs(n - len(hyp)), n))
        for n in range(1, max_n + 1):
            counts, max_ref = ngrams(hyp, n), Counter()
            for r in ref_tokens:
                max_ref |= ngrams(r, n)
            matched[n - 1] += sum(min(c, max_ref[g]) for g, c in counts.items())
            total[n - 1] += max(len(hyp) - n + 1, 0)
    precisions = tuple(m / t if t else 0.0 for m, t in zip(matched, total, strict=True))
    bp = brevity_penalty(c_len, r_len)
    if min(precisions) == 0:
        return Bleu(0.0, precisions, bp, c_len, r_len)
    score = bp * math.exp(sum(math.log(p) for p in precisions) / max_n)
    return Bleu(score, precisions, bp, c_len, r_len)
