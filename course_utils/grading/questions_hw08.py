"""HW08's auto-graded questions: the anomaly-score function and the AUC on a labelled probe set.

``anomaly_score``: the export cell calls the student's ``anomaly_score(img, output)`` on the
public pairs of :func:`course_utils.data.hw08.score_probes` (faces whose reconstruction has a
fine error everywhere, then the same faces with a recoloured patch and a near-exact
reconstruction) and writes the scores to ``report["probes"]["anomaly_score"]``. A recoloured
patch must score above its face's diffuse error in at least :data:`MIN_RANKED` of the pairs;
the sample's root summed squared error ranks none of them so.

``probe_auc``: the export cell scores the public labelled probe set of
:func:`course_utils.data.hw08.labelled_probes` with the student's own pipeline and writes the
scores and the student's AUC of them. The grader recomputes the AUC from the scores and the
labels: the student's number must equal it and reach :data:`MIN_PROBE_AUC`.
"""

from __future__ import annotations

import math
from pathlib import Path

from course_utils.data.hw08 import N_LABELLED_PROBES, N_SCORE_PROBES, labelled_probes
from course_utils.grading.questions import ReportError, probe_output, question, value
from course_utils.grading.scoring import roc_auc

MIN_RANKED = 0.8       # share of the recoloured pairs that must score above their face
MIN_PROBE_AUC = 0.85   # the AUC on the labelled probe set
AUC_TOLERANCE = 1e-6


def _scores(values, n: int, name: str) -> list[float]:
    """``values`` as ``n`` finite floats, or :class:`ReportError` saying what is wrong."""
    if not isinstance(values, list) or len(values) != n:
        size = len(values) if isinstance(values, list) else type(values).__name__
        raise ReportError(f"{name} must give one score per probe image, {n}, not {size}")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
               for v in values):
        raise ReportError(f"{name} gave a score that is not a finite number")
    return [float(v) for v in values]


@question("hw08", "anomaly_score")
def anomaly_score(report: dict, answer_dir: Path | None) -> tuple[float, str]:
    """At least 80% of the recoloured-patch pairs score above the diffuse-error pairs."""
    got, why = probe_output(report, "anomaly_score")
    if got is None:
        return 0.0, why
    scores = _scores(got, 2 * N_SCORE_PROBES, "anomaly_score")
    diffuse, patch = scores[:N_SCORE_PROBES], scores[N_SCORE_PROBES:]
    ranked = sum(p > d for p, d in zip(patch, diffuse, strict=True)) / N_SCORE_PROBES
    if ranked < MIN_RANKED:
        return 0.0, (f"a recoloured patch scores above the same face's diffuse reconstruction "
                     f"error in {ranked:.0%} of the probe pairs (at least {MIN_RANKED:.0%} "
                     "needed): an auto-encoder blurs every detail a little, an anomaly changes "
                     "a whole region; compare the images at a coarser scale")
    return 1.0, f"a recoloured patch scores above diffuse error in {ranked:.0%} of the pairs"


@question("hw08", "probe_auc")
def probe_auc(report: dict, answer_dir: Path | None) -> tuple[float, str]:
    """The student's AUC on the labelled probes equals the grader's and reaches 0.85."""
    got, why = probe_output(report, "probe_auc")
    if got is None:
        return 0.0, why
    probe = value({"probe_auc": got}, "probe_auc", dict)
    scores = _scores(probe.get("scores"), N_LABELLED_PROBES, "the scores of the probe set")
    claimed = probe.get("auc")
    if claimed is None:
        return 0.0, "probe_auc is None: compute the ROC AUC of your probe scores"
    if not isinstance(claimed, (int, float)) or isinstance(claimed, bool) or not math.isfinite(
            claimed):
        return 0.0, "probe_auc must be a finite number"
    auc = roc_auc(scores, labelled_probes(size=8)[1].tolist())
    if abs(claimed - auc) > AUC_TOLERANCE:
        return 0.0, (f"your probe_auc {claimed:.4f} is not the ROC AUC of your probe scores "
                     f"({auc:.4f}): higher score = anomaly = label 1")
    if auc < MIN_PROBE_AUC:
        return 0.0, (f"the AUC on the labelled probe set is {auc:.4f}; at least "
                     f"{MIN_PROBE_AUC} is needed")
    return 1.0, f"AUC {auc:.4f} on the labelled probe set, as you computed it"
