"""HW05's auto-graded report questions (curriculum: HW05 "Auto-graded probes")."""

from __future__ import annotations

from pathlib import Path

from course_utils.data.hw05 import probe_inputs, probe_reference
from course_utils.grading.questions import close, curves_check, probe_output, question


def _expected(name: str):
    return probe_reference(probe_inputs())[name]


@question("hw05", "compute_bleu")
def compute_bleu(report: dict, answer_dir: Path) -> tuple[float, str]:
    """compute_bleu on the probe pairs equals sacrebleu's corpus BLEU with tokenize='zh'."""
    got, why = probe_output(report, "compute_bleu")
    if got is None:
        return 0.0, why
    expected = _expected("compute_bleu")
    if close(got, expected, atol=1e-3):
        return 1.0, f"matches sacrebleu.corpus_bleu(hyps, [refs], tokenize='zh') ({expected:.2f})"
    return 0.0, f"{got} differs from sacrebleu's {expected:.2f}: use tokenize='zh' and [refs]"


@question("hw05", "grad_norm")
def grad_norm(report: dict, answer_dir: Path) -> tuple[float, str]:
    """The p-norm over all probe gradient tensors, as clip_grad_norm_ computes it."""
    got, why = probe_output(report, "grad_norm")
    if got is None:
        return 0.0, why
    expected = _expected("grad_norm")
    if close(got, expected):
        return 1.0, "matches the total gradient norm for p = 2, 1 and 3"
    return 0.0, "differs from the p-norm of the per-tensor p-norms (clip_grad_norm_'s total norm)"


@question("hw05", "beam_search")
def beam_search(report: dict, answer_dir: Path) -> tuple[float, str]:
    """The best sequence of a beam search on the probe log-probability tables."""
    got, why = probe_output(report, "beam_search")
    if got is None:
        return 0.0, why
    expected = _expected("beam_search")
    right = sum(g == e for g, e in zip(got, expected, strict=False)) if isinstance(got, list) else 0
    return right / len(expected), (f"{right} of {len(expected)} probe searches return the best "
                                   "sequence (ranked by log-prob / length ** alpha)")


@question("hw05", "learning_curves")
def learning_curves(report: dict, answer_dir: Path) -> tuple[float, str]:
    """Finite curves, falling training loss."""
    return curves_check(report, "train_loss", "valid_bleu")
