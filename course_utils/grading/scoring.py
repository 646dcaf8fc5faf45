"""Artifact → metric → tier, on a public and a private split like the course's leaderboards
(introduced in HW01)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from course_utils.grading.artifact import read_answers, read_predictions
from course_utils.grading.config import GradingConfig


def mse(pred: Sequence[float], truth: Sequence[float]) -> float:
    """Mean squared error (HW1)."""
    return float(np.mean((np.asarray(pred, float) - np.asarray(truth, float)) ** 2))


def accuracy(pred: Sequence[str], truth: Sequence[str]) -> float:
    """Share of exactly matching labels (HW2-HW4)."""
    return float(np.mean([p == t for p, t in zip(pred, truth, strict=True)]))


def bleu(pred: Sequence[str], truth: Sequence[str]) -> float:
    """Corpus BLEU, 0-100, with sacrebleu's Chinese tokenisation, as HW5's leaderboard."""
    import sacrebleu

    return float(sacrebleu.corpus_bleu(list(pred), [list(truth)], tokenize="zh").score)


def exact_match(pred: Sequence[str], truth: Sequence[str]) -> float:
    """Share of answers equal to the reference span, character for character (HW7)."""
    return float(np.mean([p == t for p, t in zip(pred, truth, strict=True)]))


def roc_auc(pred: Sequence[float], truth: Sequence[float]) -> float:
    """Area under the ROC curve of anomaly scores against 0/1 labels (HW8): the chance that
    a random anomaly scores above a random normal item, ties counting one half."""
    scores, labels = np.asarray(pred, float), np.asarray(truth, float)
    positive, negative = scores[labels == 1], scores[labels == 0]
    if not len(positive) or not len(negative):
        raise ValueError("ROC AUC needs both normal and anomalous items")
    ranks = np.empty(len(scores))
    order = np.argsort(scores, kind="mergesort")
    ranks[order] = np.arange(1, len(scores) + 1)
    for value in np.unique(scores):  # average ranks of ties
        tied = scores == value
        ranks[tied] = ranks[tied].mean()
    rank_sum = ranks[labels == 1].sum()
    return float((rank_sum - len(positive) * (len(positive) + 1) / 2)
                 / (len(positive) * len(negative)))


METRICS: dict[str, Callable[[Sequence, Sequence], float]] = {
    "mse": mse, "accuracy": accuracy, "bleu": bleu, "exact_match": exact_match,
    "roc_auc": roc_auc}
PERFECT = {"mse": 0.0, "accuracy": 1.0, "bleu": 100.0, "exact_match": 1.0, "roc_auc": 1.0}


def is_public(item_id: str, fraction: float, salt: str) -> bool:
    """Deterministic leaderboard split by id hash: about ``fraction`` of ids are public."""
    digest = hashlib.sha256(f"{salt}:{item_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


@dataclass(frozen=True)
class Score:
    """Metric and tier on the public and private splits (a dict of components for a
    composite metric)."""

    public: float | dict[str, float]
    private: float | dict[str, float]
    public_tier: str
    private_tier: str
    flags: tuple[str, ...] = ()  # for a look by hand (HW6: copies of the training faces)


def split(config: GradingConfig, ids: Sequence[str]) -> tuple[list[str], list[str]]:
    """The public and the private ids."""
    public = [i for i in ids if is_public(i, config.public_fraction, config.hw)]
    return public, [i for i in ids if not is_public(i, config.public_fraction, config.hw)]


def score_images(config: GradingConfig, artifact: Path, answer_dir: Path) -> Score:
    """HW6: FID, AFD and hair-colour coverage of the archive's images on each split."""
    from course_utils.grading.faces import copy_flag, reference_features, score_faces
    from course_utils.grading.images import read_images

    images = read_images(artifact, config.artifact)
    reference = reference_features(answer_dir)
    pub, priv = (score_faces([images[i] for i in ids], reference)
                 for ids in split(config, list(images)))
    flag = copy_flag(list(images.values()), answer_dir)
    return Score(pub, priv, config.tier(pub), config.tier(priv), (flag,) if flag else ())


def score_artifact(config: GradingConfig, artifact: Path, answer_dir: Path) -> Score:
    """Score a submission file against the answer key; raises ``ArtifactError`` when invalid."""
    if config.artifact.format == "tgz_images":
        return score_images(config, artifact, answer_dir)
    answers = read_answers(Path(answer_dir) / config.answer_file, config.artifact)
    preds = read_predictions(artifact, config.artifact, answers.keys())
    metric = METRICS[config.metric]
    pub, priv = (metric([preds[i] for i in ids], [answers[i] for i in ids])
                 for ids in split(config, list(answers)))
    return Score(pub, priv, config.tier(pub), config.tier(priv))


def reference_best(config: GradingConfig) -> float | None:
    """The best score the boss reference reached in calibration (any seed, either half)."""
    runs = config.calibration.get("scores", {}).get("boss", {})
    values = [float(run[half]) for run in runs.values() for half in ("public", "private")]
    if not values:
        return None
    return max(values) if config.higher_is_better else min(values)


def suspicion(config: GradingConfig, score: Score) -> str:
    """Why ``score`` is far better than the calibrated reference's ("" when it is not).

    "Far better" means closer to a perfect score than the reference's best by more than
    ``config.flag_margin`` of the reference's own distance to perfect (MSE 0.1 against 0.27
    with the default 0.5): a sign of a rebuilt or leaked answer key. Scalar metrics only.
    """
    best = None if config.components else reference_best(config)
    if best is None:
        return ""
    perfect = PERFECT[config.metric]
    limit = abs(perfect - best) * (1.0 - config.flag_margin)
    better = [f"{half} {value:.4g}" for half, value in (("public", score.public),
                                                        ("private", score.private))
              if abs(perfect - value) < limit]
    if not better:
        return ""
    return (f"far better than the reference solution ({', '.join(better)}; the calibrated "
            f"boss reference's best is {best:.4g}): check the notebook by hand")
