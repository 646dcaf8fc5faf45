"""HW03's auto-graded report questions (curriculum: HW03 "Auto-graded probes").

The export cell runs the student's ``mixup``, ``soft_cross_entropy``, ``tta_aggregate``,
``ensemble_logits`` and ``ensemble_vote`` on fixed probe tensors; here the grader draws the
same tensors itself and computes each answer from the formula written out.
"""

from __future__ import annotations

from pathlib import Path

import torch

from course_utils.grading.questions import (
    ReportError,
    close,
    curves_check,
    question,
    value,
)

N_CLASSES = 11
TUPLES = {"mixup"}  # probes that return several tensors


def probe_inputs() -> dict:
    """The export cell's probe tensors, drawn in the same order from the same generator."""
    g = torch.Generator().manual_seed(2022)
    return {
        "img_a": torch.rand(2, 3, 4, 4, generator=g), "img_b": torch.rand(2, 3, 4, 4, generator=g),
        "label_a": torch.tensor([1, 4]), "label_b": torch.tensor([4, 10]), "lam": 0.3,
        "logits": torch.randn(4, 11, generator=g),
        "soft_target": torch.rand(4, 11, generator=g).softmax(dim=-1),
        "test_logits": torch.randn(5, 11, generator=g),
        "view_logits": torch.randn(3, 5, 11, generator=g),
        "tta_weight": 0.4, "model_logits": torch.randn(3, 5, 11, generator=g),
        "votes": torch.tensor([[0, 2, 5, 7, 1, 3], [2, 2, 5, 1, 4, 3], [2, 9, 6, 7, 4, 8]]),
    }


def expected_outputs() -> dict:
    """The trusted answers, each from its formula."""
    p = probe_inputs()
    one_hot = torch.eye(N_CLASSES)
    lam = p["lam"]
    log_softmax = p["logits"] - p["logits"].exp().sum(-1, keepdim=True).log()
    votes = torch.stack([(p["votes"] == c).sum(0) for c in range(N_CLASSES)], dim=-1)
    winners = [min(c for c in range(N_CLASSES) if row[c] == row.max()) for row in votes]
    return {
        "mixup": [(lam * p["img_a"] + (1 - lam) * p["img_b"]).tolist(),
                  (lam * one_hot[p["label_a"]] + (1 - lam) * one_hot[p["label_b"]]).tolist()],
        "soft_cross_entropy": float(-(p["soft_target"] * log_softmax).sum(-1).mean()),
        "tta_aggregate": (p["tta_weight"] * p["test_logits"]
                          + (1 - p["tta_weight"]) * p["view_logits"].mean(0)).tolist(),
        "ensemble_logits": p["model_logits"].mean(0).tolist(),
        "ensemble_vote": winners,
    }


HINTS = {
    "mixup": "λ·a + (1 − λ)·b for the images, and for the labels as one-hot vectors",
    "soft_cross_entropy": "−Σ target · log_softmax(logits), summed over classes, averaged over "
                          "the batch",
    "tta_aggregate": "weight · test_tfm logits + (1 − weight) · the mean of the views' logits",
    "ensemble_logits": "the mean of the models' logits",
    "ensemble_vote": "the most frequent class per item; a tie goes to the lowest class index",
}


def _probe_check(name: str) -> None:
    @question("hw03", name)
    def check(report: dict, answer_dir: Path) -> tuple[float, str]:
        probe = value(report, "probes", dict).get(name)
        if not isinstance(probe, dict):
            raise ReportError(f"report.json['probes'] has no {name!r}: run the export cell.")
        if "error" in probe:
            return 0.0, f"{name} raised {str(probe['error'])[:120]}"
        expected, got = expected_outputs()[name], probe.get("output")
        if name in TUPLES:  # (images, labels): parts of different shapes
            expected, got = list(expected), got if isinstance(got, list) else [got]
        else:
            expected, got = [expected], [got]
        if len(got) == len(expected) and all(
                close(g, e, atol=1e-4) for g, e in zip(got, expected, strict=True)):
            return 1.0, f"{name} matches the formula"
        return 0.0, f"{name} differs from the expected {HINTS[name]}"
    check.__doc__ = f"The student's {name} on the probe: {HINTS[name]}."


for _name in HINTS:
    _probe_check(_name)


@question("hw03", "loss_curves")
def loss_curves(report: dict, answer_dir: Path) -> tuple[float, str]:
    """Every fold's curves are finite and its training loss fell."""
    train, valid = value(report, "train_loss", list), value(report, "valid_loss", list)
    if not train or len(train) != len(valid):
        raise ReportError("report.json needs one train and one valid curve per model.")
    results = [curves_check({"t": t, "v": v}, "t", "v") for t, v in zip(train, valid, strict=True)]
    if all(points == 1.0 for points, _ in results):
        return 1.0, f"{len(results)} model(s); every training loss fell"
    return 0.0, next(detail for points, detail in results if points < 1.0)
