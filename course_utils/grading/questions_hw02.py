"""HW02's auto-graded report questions (curriculum: HW02 "Auto-graded")."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from course_utils.data.hw02 import concat_feat
from course_utils.grading.questions import (
    ReportError,
    close,
    curves_check,
    question,
    value,
)

PROBE_SHAPE, PROBE_CONCAT_N = (5, 3), 5  # the export cell's fixed probe


@question("hw02", "concat_feat")
def concat_feat_probe(report: dict, answer_dir: Path) -> tuple[float, str]:
    """The student's ``concat_feat`` on the fixed probe equals the official edge-repeat one."""
    probe = value(report, "concat_feat_probe", dict)
    if "error" in probe:
        return 0.0, f"concat_feat raised {probe['error']}"
    expected = concat_feat(torch.arange(15, dtype=torch.float32).view(PROBE_SHAPE), PROBE_CONCAT_N)
    if close(probe.get("output"), expected.tolist(), atol=0):
        return 1.0, "matches the official concat_feat (edge frames repeated)"
    return 0.0, ("differs from the official concat_feat on a (5, 3) probe with concat_n = 5: "
                 "each row must hold its 2 neighbours on either side, edge frames repeated")


@question("hw02", "confused_pairs")
def confused_pairs(report: dict, answer_dir: Path) -> tuple[float, str]:
    """Share of the top-5 confused pairs that are acoustically confusable (same group) or
    neighbours in the phone language model (boundary errors of a sequence model)."""
    pairs = value(report, "confused_pairs", list)
    key = json.loads((answer_dir / "phone_groups.json").read_text())
    phones = key["phones"]
    group = {p: g for g, members in key["groups"].items() for p in members}
    follows = {(a, b) for a, nexts in key["likely_successors"].items() for b in nexts}
    if not pairs or not all(isinstance(p, list) and len(p) == 3 and
                            all(isinstance(v, int) and 0 <= v < len(phones) for v in p[:2])
                            for p in pairs):
        raise ReportError("report.json['confused_pairs'] must list [class, class, count] triples.")
    named = [(phones[a], phones[b]) for a, b, _ in pairs[:5]]
    same = sum(group[a] == group[b] for a, b in named)
    neighbours = sum(group[a] != group[b] and ((a, b) in follows or (b, a) in follows)
                     for a, b in named)
    return (same + neighbours) / 5, (f"of the top {len(named)} pairs, {same} are in one "
                                     f"confusable group and {neighbours} are phones that follow "
                                     "each other in the language model")


@question("hw02", "loss_curves")
def loss_curves(report: dict, answer_dir: Path) -> tuple[float, str]:
    """Finite curves, falling training loss."""
    return curves_check(report)
