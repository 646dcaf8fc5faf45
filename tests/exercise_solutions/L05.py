"""Solutions and plausible wrong answers to the L05 exercises (used by test_exercises_L05.py)."""

import math
from collections import Counter

import torch


# ---------------------------------------------------------------- masked (causal) attention
def masked_attention(q, k, v):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    future = torch.ones(q.size(1), k.size(1), dtype=torch.bool).triu(1)
    return scores.masked_fill(future, float("-inf")).softmax(-1) @ v


def attention_without_mask(q, k, v):
    return (q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))).softmax(-1) @ v


def attention_masked_after_softmax(q, k, v):
    weights = (q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))).softmax(-1)
    return weights.tril() @ v


def attention_unscaled(q, k, v):
    future = torch.ones(q.size(1), k.size(1), dtype=torch.bool).triu(1)
    return (q @ k.transpose(-2, -1)).masked_fill(future, float("-inf")).softmax(-1) @ v


def attention_returns_weights(q, k, v):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    future = torch.ones(q.size(1), k.size(1), dtype=torch.bool).triu(1)
    return scores.masked_fill(future, float("-inf")).softmax(-1)


# ---------------------------------------------------------------- beam-search step
def beam_step(scores, log_probs, beam_size):
    vocab = log_probs.size(-1)
    best, index = (scores[:, None] + log_probs).flatten().topk(beam_size)
    return best, index // vocab, index % vocab


def beam_step_forgets_scores(scores, log_probs, beam_size):
    vocab = log_probs.size(-1)
    best, index = log_probs.flatten().topk(beam_size)
    return best, index // vocab, index % vocab


def beam_step_greedy_parent(scores, log_probs, beam_size):
    parent = int(scores.argmax())
    best, tokens = (scores[parent] + log_probs[parent]).topk(beam_size)
    return best, torch.full_like(tokens, parent), tokens


def beam_step_flat_tokens(scores, log_probs, beam_size):
    vocab = log_probs.size(-1)
    best, index = (scores[:, None] + log_probs).flatten().topk(beam_size)
    return best, index // vocab, index


# ---------------------------------------------------------------- BLEU with several references
def _ngrams(tokens, n):
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def _bleu(candidate, references, clip, ref_len):
    hyp, refs = candidate.split(), [r.split() for r in references]
    log_p = 0.0
    for n in range(1, 5):
        counts = _ngrams(hyp, n)
        matched = sum(min(c, clip([_ngrams(r, n)[g] for r in refs])) for g, c in counts.items())
        if matched == 0:
            return 0.0
        log_p += math.log(matched / max(len(hyp) - n + 1, 1)) / 4
    c, r = len(hyp), ref_len(len(hyp), [len(r) for r in refs])
    return (1.0 if c > r else math.exp(1 - r / c)) * math.exp(log_p)


def _closest(c, lengths):
    return min(lengths, key=lambda n: (abs(n - c), n))


def bleu(candidate, references):
    return _bleu(candidate, references, max, _closest)


def bleu_unclipped(candidate, references):
    return _bleu(candidate, references, lambda counts: math.inf, _closest)


def bleu_without_brevity_penalty(candidate, references):
    return _bleu(candidate, references, max, lambda c, lengths: 0)


def bleu_first_reference_length(candidate, references):
    return _bleu(candidate, references, max, lambda c, lengths: lengths[0])


def bleu_clips_by_sum(candidate, references):
    return _bleu(candidate, references, sum, _closest)
