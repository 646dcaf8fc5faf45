"""Artifact → metric → tier, on a public and a private split like the course's leaderboards
(introduced in HW01)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from course_utils.grading.artifact import read_predictions
from course_utils.grading.config import GradingConfig


def mse(pred: np.ndarray, truth: np.ndarray) -> float:
    """Mean squared error (HW1)."""
    return float(np.mean((pred - truth) ** 2))


METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {"mse": mse}


def is_public(item_id: str, fraction: float, salt: str) -> bool:
    """Deterministic leaderboard split by id hash: about ``fraction`` of ids are public."""
    digest = hashlib.sha256(f"{salt}:{item_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def read_answers(path: Path) -> dict[str, float]:
    """The hidden answer key: a two-column CSV ``id,<value>`` written by the generator."""
    lines = Path(path).read_text().splitlines()[1:]
    return {k: float(v) for k, v in (line.split(",") for line in lines if line)}


@dataclass(frozen=True)
class Score:
    """Metric and tier on the public and private splits."""

    public: float
    private: float
    public_tier: str
    private_tier: str


def score_artifact(config: GradingConfig, artifact: Path, answer_dir: Path) -> Score:
    """Score a submission file against the answer key; raises ``ArtifactError`` when invalid."""
    answers = read_answers(Path(answer_dir) / config.answer_file)
    preds = read_predictions(artifact, config.artifact, answers.keys())
    ids = sorted(answers)
    public = np.array([is_public(i, config.public_fraction, config.hw) for i in ids])
    pred = np.array([preds[i] for i in ids])
    truth = np.array([answers[i] for i in ids])
    metric = METRICS[config.metric]
    pub, priv = metric(pred[public], truth[public]), metric(pred[~public], truth[~public])
    return Score(pub, priv, config.tier(pub), config.tier(priv))
