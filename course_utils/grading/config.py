"""A homework's grading config, ``homework/hwNN/grading.json`` (introduced in HW01)."""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

TIERS = ("simple", "medium", "strong", "boss")


def homework_root() -> Path:
    """``$COURSE_HOMEWORK_ROOT`` or the ``homework/`` folder of this checkout."""
    env = os.environ.get("COURSE_HOMEWORK_ROOT")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "homework"


FORMATS = ("csv", "lines", "tgz_images")
VALUE_TYPES = ("number", "label", "text")


@dataclass(frozen=True)
class ArtifactSpec:
    """The submission file: its name, size cap and layout.

    ``format="csv"``: a header that must equal ``columns`` exactly, then ``id,value`` rows
    (HW1-HW4). ``format="lines"``: one prediction per line, its id the 0-based line number
    (HW5's ``prediction.txt``). ``values`` says how a value is read: ``"number"`` (a finite
    float), ``"label"`` (a class id or name, compared as a stripped string) or ``"text"``.
    ``format="tgz_images"``: a gzipped tar of the JPEGs ``1.jpg … {count}.jpg``, each a square
    of a side in ``sides`` (HW6's ``submission.tgz``; read by ``course_utils.grading.images``).
    """

    file: str
    columns: tuple[str, ...] = ()
    max_bytes: int = 2_000_000
    format: str = "csv"
    values: str = "number"
    count: int = 0
    sides: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.format not in FORMATS or self.values not in VALUE_TYPES:
            raise ValueError(f"artifact {self.file}: format must be one of {FORMATS} and values "
                             f"one of {VALUE_TYPES}, not {self.format!r} / {self.values!r}")
        if self.format == "csv" and len(self.columns) != 2:
            raise ValueError(f"artifact {self.file}: a csv artifact needs two columns (id, value)")
        if self.format == "tgz_images" and (self.count < 1 or not self.sides):
            raise ValueError(f"artifact {self.file}: a tgz_images artifact needs a count and "
                             "the allowed sides")

    @property
    def id_column(self) -> str:
        return self.columns[0]

    @property
    def value_column(self) -> str:
        return self.columns[1]


@dataclass(frozen=True)
class GradingConfig:
    """Metric, direction, artifact, answer key file, public/private split and tiers.

    A scalar metric has one direction (``higher_is_better: bool``) and one threshold per tier.
    A composite metric (HW6's FID, AFD and hair-colour coverage) names its components in
    ``higher_is_better`` (``{"fid": false, "afd": true, ...}``), scores a dict of them, and a
    tier needs every component's threshold (``tiers[tier] = {"fid": 60, "afd": 0.5, ...}``).
    """

    hw: str
    metric: str
    higher_is_better: bool | dict[str, bool]
    artifact: ArtifactSpec
    answer_file: str
    public_fraction: float
    tiers: dict[str, float] | dict[str, dict[str, float]]
    grading_parameters: dict = field(default_factory=dict)
    calibration: dict = field(default_factory=dict)
    questions: tuple[str, ...] = ()
    flag_margin: float = 0.5
    points_per_tier: float = 1.0

    @property
    def components(self) -> tuple[str, ...]:
        """A composite metric's component names; empty for a scalar metric."""
        return tuple(self.higher_is_better) if isinstance(self.higher_is_better, dict) else ()

    def reaches(self, value: float, threshold: float, component: str | None = None) -> bool:
        """Whether ``value`` is at least as good as ``threshold`` (of ``component``)."""
        higher = self.higher_is_better[component] if component else self.higher_is_better
        return value >= threshold if higher else value <= threshold

    def passes(self, score: float | dict[str, float], tier: str) -> bool:
        """Whether ``score`` reaches ``tier``'s threshold in the metric's direction (every
        component's, for a composite metric)."""
        threshold = self.tiers[tier]
        if self.components:
            return all(self.reaches(score[c], threshold[c], c) for c in self.components)
        return self.reaches(score, threshold)

    def tier(self, score: float | dict[str, float]) -> str:
        """The highest tier reached, or ``'below simple'``."""
        reached = [t for t in TIERS if self.passes(score, t)]
        return reached[-1] if reached else "below simple"

    def points(self, public_tier: str | None, private_tier: str | None) -> float:
        """The course's scheme: ``points_per_tier`` for each tier reached on each half."""
        reached = sum(TIERS.index(t) + 1 for t in (public_tier, private_tier) if t in TIERS)
        return reached * self.points_per_tier


def load_config(hw: str, root: Path | None = None) -> GradingConfig:
    """Read and check ``<root>/<hw>/grading.json``."""
    path = (root or homework_root()) / hw / "grading.json"
    raw = json.loads(path.read_text())
    art = raw["artifact"]
    config = GradingConfig(
        hw=raw["hw"], metric=raw["metric"], higher_is_better=raw["higher_is_better"],
        artifact=ArtifactSpec(art["file"], tuple(art.get("columns", ())),
                              art.get("max_bytes", 2_000_000), art.get("format", "csv"),
                              art.get("values", "number"), art.get("count", 0),
                              tuple(art.get("sides", ()))),
        answer_file=raw["answer_file"], public_fraction=raw["public_fraction"],
        tiers=raw["tiers"], grading_parameters=raw.get("grading_parameters", {}),
        calibration=raw.get("calibration", {}), questions=tuple(raw.get("questions", ())),
        flag_margin=raw.get("flag_margin", 0.5),
        points_per_tier=raw.get("points_per_tier", 1.0),
    )
    from course_utils.grading.questions import unknown_questions

    if unknown := unknown_questions(config.hw, list(config.questions)):
        raise ValueError(f"{path}: no check is registered for the questions {unknown}")
    if problem := tier_order_problem(config):
        raise ValueError(f"{path}: {problem}: {config.tiers}")
    return config


def tier_order_problem(config: GradingConfig) -> str:
    """Why the tiers are not ordered simple → boss ("" when they are): strictly for a scalar
    metric; for a composite one each component never easier and each tier harder somewhere."""
    if not config.components:
        values = [config.tiers[t] for t in TIERS]
        ordered = values == sorted(values, reverse=not config.higher_is_better)
        strict = ordered and len(set(values)) == len(values)
        return "" if strict else "tiers must be strictly ordered simple → boss"
    for lower, upper in itertools.pairwise(TIERS):
        pairs = [(config.tiers[lower][c], config.tiers[upper][c], c) for c in config.components]
        if not all(config.reaches(b, a, c) for a, b, c in pairs) or all(
                a == b for a, b, _ in pairs):
            return (f"{upper} must ask at least as much as {lower} on every component and more "
                    "on one")
    return ""
