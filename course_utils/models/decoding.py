"""Decoding and teacher forcing (introduced in L05): greedy, beam search, sampling,
shift-right inputs and scheduled sampling.

Search functions work on a ``step_fn(prefix) -> log-probabilities`` over the vocabulary, so
the same code decodes the toy tree, an n-gram LM or a Transformer (:func:`model_step_fn`).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

StepFn = Callable[[list[int]], torch.Tensor]


def shift_right(tgt: torch.Tensor, bos: int) -> torch.Tensor:
    """Teacher-forcing decoder input: BOS followed by the target without its last token."""
    return torch.cat([torch.full_like(tgt[:, :1], bos), tgt[:, :-1]], dim=1)


@torch.no_grad()
def scheduled_sampling_inputs(model, src: torch.Tensor, tgt_in: torch.Tensor, p: float,
                              generator: torch.Generator | None = None) -> torch.Tensor:
    """Replace each gold input token (after BOS) by the model's own prediction with prob p."""
    pred = model(src, tgt_in).argmax(-1)[:, :-1]
    use_pred = torch.rand(pred.shape, generator=generator) < p
    return torch.cat([tgt_in[:, :1], torch.where(use_pred, pred, tgt_in[:, 1:])], dim=1)


@torch.no_grad()
def greedy_decode(model, src: torch.Tensor, bos: int, max_len: int) -> torch.Tensor:
    """Autoregressive argmax decoding of a batch: (batch, max_len) tokens after BOS."""
    memory, ys = model.encode(src), torch.full((src.size(0), 1), bos, dtype=torch.long)
    for _ in range(max_len):
        next_token = model.decode(ys, memory, src)[:, -1].argmax(-1, keepdim=True)
        ys = torch.cat([ys, next_token], dim=1)
    return ys[:, 1:]


def model_step_fn(model, src: torch.Tensor) -> StepFn:
    """Wrap a seq2seq model and one source sequence (1, S) as a ``step_fn``."""
    memory = model.encode(src)

    @torch.no_grad()
    def step(prefix: list[int]) -> torch.Tensor:
        return model.decode(torch.tensor([prefix]), memory, src)[0, -1]

    return step


def greedy_search(step_fn: StepFn, bos: int, max_len: int, eos: int | None = None) -> list[int]:
    """Pick the most probable token at every step (the first on ties)."""
    seq = [bos]
    for _ in range(max_len):
        seq.append(int(step_fn(seq).argmax()))
        if seq[-1] == eos:
            break
    return seq[1:]


def beam_search(step_fn: StepFn, bos: int, max_len: int, beam_size: int = 2,
                eos: int | None = None, alpha: float = 0.0) -> list[tuple[list[int], float, float]]:
    """Keep the ``beam_size`` best of the k·V extensions each step.

    Returns ``(tokens, log_prob, score)`` sorted best first, with the length-normalized
    score = log_prob / len(tokens)^alpha (alpha = 0.75 in the lecture, 0 = raw log-prob).
    """
    live, done = [([bos], 0.0)], []
    for _ in range(max_len):
        candidates = [(seq + [v], lp + float(step_logp))
                      for seq, lp in live for v, step_logp in enumerate(step_fn(seq))]
        candidates.sort(key=lambda c: -c[1])
        live = []
        for seq, lp in candidates[:beam_size]:
            (done if seq[-1] == eos else live).append((seq, lp))
        if not live:
            break
    scored = [(seq[1:], lp, lp / max(len(seq) - 1, 1) ** alpha) for seq, lp in done + live]
    return sorted(scored, key=lambda c: -c[2])


def sample_search(step_fn: StepFn, bos: int, max_len: int, temperature: float = 1.0,
                  top_k: int | None = None, eos: int | None = None,
                  generator: torch.Generator | None = None) -> list[int]:
    """Sample from softmax(log p / T), restricted to the ``top_k`` most probable tokens."""
    seq = [bos]
    for _ in range(max_len):
        logits = step_fn(seq).float() / temperature
        if top_k is not None and top_k < logits.numel():
            kth = logits.topk(top_k).values[-1]
            logits = logits.masked_fill(logits < kth, float("-inf"))
        seq.append(int(torch.multinomial(logits.softmax(-1), 1, generator=generator)))
        if seq[-1] == eos:
            break
    return seq[1:]
