"""Scoring homework artifacts against a hidden answer key, and grading a class (HW01).

This package never imports student code: notebooks run only in a sandboxed subprocess
(``course-grade``, see README.md here), and scores come from plain-data files only.
"""

from course_utils.grading.artifact import ArtifactError, read_answers, read_predictions
from course_utils.grading.config import TIERS, ArtifactSpec, GradingConfig, load_config
from course_utils.grading.scoring import METRICS, Score, is_public, score_artifact

__all__ = [
    "METRICS",
    "TIERS",
    "ArtifactError",
    "ArtifactSpec",
    "GradingConfig",
    "Score",
    "is_public",
    "load_config",
    "read_answers",
    "read_predictions",
    "score_artifact",
]
