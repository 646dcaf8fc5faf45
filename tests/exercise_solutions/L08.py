"""Solutions and plausible wrong answers to the L08 exercises (used by test_exercises_L08.py)."""

import numpy as np
import torch


# ---------------------------------------------------------------- anomaly score
def anomaly_score(x, x_hat):
    return ((x - x_hat) ** 2).flatten(1).mean(1)


def score_summed(x, x_hat):
    return ((x - x_hat) ** 2).flatten(1).sum(1)


def score_not_squared(x, x_hat):
    return (x - x_hat).abs().flatten(1).mean(1)


def score_over_the_batch(x, x_hat):
    return ((x - x_hat) ** 2).mean()


# ---------------------------------------------------------------- precision and recall
def precision_recall(scores, labels, threshold):
    flagged = scores > threshold
    tp = int((flagged & (labels == 1)).sum())
    precision = tp / flagged.sum() if flagged.any() else 0.0
    return precision, tp / (labels == 1).sum()


def precision_recall_swapped(scores, labels, threshold):
    precision, recall = precision_recall(scores, labels, threshold)
    return recall, precision


def precision_recall_at_or_above(scores, labels, threshold):
    return precision_recall(scores, labels, np.nextafter(threshold, -np.inf))


def precision_recall_nan(scores, labels, threshold):
    flagged = scores > threshold
    tp = float((flagged & (labels == 1)).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.float64(tp) / flagged.sum(), tp / (labels == 1).sum()


# ---------------------------------------------------------------- k-means step
def kmeans_step(x, centres):
    assignment = torch.cdist(x, centres).argmin(1)
    new = torch.stack([x[assignment == k].mean(0) if (assignment == k).any() else centres[k]
                       for k in range(len(centres))])
    return assignment, new


def kmeans_farthest(x, centres):
    assignment = torch.cdist(x, centres).argmax(1)
    return assignment, kmeans_step(x, centres)[1]


def kmeans_sum(x, centres):
    assignment = torch.cdist(x, centres).argmin(1)
    return assignment, torch.stack([x[assignment == k].sum(0) for k in range(len(centres))])


def kmeans_empty_nan(x, centres):
    assignment = torch.cdist(x, centres).argmin(1)
    return assignment, torch.stack([x[assignment == k].mean(0) for k in range(len(centres))])
