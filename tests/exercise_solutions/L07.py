"""Solutions and plausible wrong answers to the L07 exercises (used by test_exercises_L07.py)."""

import torch

from course_utils.demos.bert_gpt import MASK, QUIZ_KEY, SPECIALS, VOCAB

SPAN = 3


# ---------------------------------------------------------------- span masking
def _spans(ids, g, p=0.15, length=SPAN):
    start_p = 1 - (1 - p) ** (1 / length)
    starts = torch.rand(ids.shape, generator=g) < start_p
    selected = starts.clone()
    for shift in range(1, length):
        selected[shift:] |= starts[:-shift]
    return selected


def _bert_rule(ids, selected, g):
    u = torch.rand(ids.shape, generator=g)
    corrupted = ids.clone()
    corrupted[selected & (u < 0.8)] = MASK
    to_random = selected & (u >= 0.8) & (u < 0.9)
    random_ids = torch.randint(len(SPECIALS), len(VOCAB), ids.shape, generator=g)
    corrupted[to_random] = random_ids[to_random]
    return corrupted, torch.where(selected, ids, torch.full_like(ids, -100))


def span_mask(ids, g, p=0.15):
    return _bert_rule(ids, _spans(ids, g, p), g)


def token_mask(ids, g, p=0.15):
    return _bert_rule(ids, torch.rand(ids.shape, generator=g) < p, g)


def span_mask_all_to_mask(ids, g, p=0.15):
    return _all_masked(ids, _spans(ids, g, p))


def _all_masked(ids, selected):
    corrupted = ids.clone()
    corrupted[selected] = MASK
    return corrupted, torch.where(selected, ids, torch.full_like(ids, -100))


def span_mask_start_p(ids, g, p=0.15):
    starts = torch.rand(ids.shape, generator=g) < p          # p per start: ~40 % selected
    selected = starts.clone()
    for shift in range(1, SPAN):
        selected[shift:] |= starts[:-shift]
    return _bert_rule(ids, selected, g)


def span_mask_labels_everywhere(ids, g, p=0.15):
    corrupted, _ = span_mask(ids, g, p)
    return corrupted, ids.clone()


# ---------------------------------------------------------------- MRR from similarities
def mrr_from_similarity(sim):
    ranks = 1 + (sim > sim.diagonal().unsqueeze(1)).sum(1)
    return float((1 / ranks.double()).mean())


def mrr_columns(sim):
    return mrr_from_similarity(sim.T)


def mrr_rank_from_zero(sim):
    ranks = (sim > sim.diagonal().unsqueeze(1)).sum(1).clamp(min=1)
    return float((1 / ranks.double()).mean())


def mrr_mean_rank(sim):
    ranks = 1 + (sim > sim.diagonal().unsqueeze(1)).sum(1)
    return float(1 / ranks.double().mean())


# ---------------------------------------------------------------- quiz
QUIZ_SOLUTION = dict(QUIZ_KEY)
QUIZ_ALL_ONE = {question: "1" for question in QUIZ_KEY}
