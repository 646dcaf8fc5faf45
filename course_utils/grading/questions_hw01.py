"""HW01's auto-graded report questions (curriculum: HW01, report (a) and (c))."""

from __future__ import annotations

from pathlib import Path

from course_utils.data.hw01 import N_DAYS
from course_utils.grading.questions import ReportError, curves_check, question, value

# The survey columns that carry the epidemic signal in the mini set (datasets/hw01_covid.py:
# the illness answers load on the latent level; tested_positive is the target's own lag).
INFORMATIVE = ("cli", "ili", "hh_cmnty_cli", "nohh_cmnty_cli", "tested_positive")


def informative_columns() -> set[str]:
    """Column names as pandas reads them (``.1``-``.4`` for days 2-5), target excluded."""
    names = {f"{f}{'' if day == 0 else f'.{day}'}" for f in INFORMATIVE for day in range(N_DAYS)}
    return names - {"tested_positive.4"}


@question("hw01", "selected_features")
def selected_features(report: dict, answer_dir: Path) -> tuple[float, str]:
    """(a) F1 of the selected columns against the truly informative ones."""
    chosen = value(report, "selected_features", list)
    if not all(isinstance(c, str) for c in chosen):
        raise ReportError("report.json['selected_features'] must be a list of column names.")
    chosen_set, truth = set(chosen), informative_columns()
    hits = len(chosen_set & truth)
    precision = hits / len(chosen_set) if chosen_set else 0.0
    recall = hits / len(truth)
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    detail = (f"{len(chosen_set)} columns selected; precision {precision:.2f}, recall "
              f"{recall:.2f} against the {len(truth)} informative columns")
    if "id" in chosen_set:
        detail += "; `id` is a row number, not a feature"
    return f1, detail


@question("hw01", "loss_curves")
def loss_curves(report: dict, answer_dir: Path) -> tuple[float, str]:
    """(c) the training and validation curves are finite and the training loss decreased."""
    return curves_check(report)
