"""HW04's auto-graded report questions (curriculum: HW04 "Auto-graded probes").

The official HW4 report questions are essays (a variant of the Transformer; why convolutions
help a Transformer) and stay ungraded markdown in the notebook. What is graded here are the two
boss-rung building blocks on fixed probe inputs: the untouched template raises
``NotImplementedError`` in both and scores 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from course_utils.grading.questions import close, probe_output, question

# The export cell's fixed probe inputs (NumPy's legacy generator: the same numbers everywhere).
PROBE_SEED, MARGIN, SCALE, LABELS = 2022, 0.35, 10.0, (0, 3, 6, 2, 3)


def probe_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(x (12, 8), w (8,), cosine (5, 7))`` exactly as the export cell draws them."""
    rng = np.random.RandomState(PROBE_SEED)
    x, w = rng.normal(size=(12, 8)).round(3), rng.normal(size=8).round(3)
    return x, w, rng.uniform(-1, 1, size=(5, 7)).round(3)


@question("hw04", "self_attention_pooling")
def self_attention_pooling(report: dict, answer_dir: Path) -> tuple[float, str]:
    """softmax(x·w) over the frames, then the weighted sum of the frames."""
    got, why = probe_output(report, "self_attention_pooling")
    if got is None:
        return 0.0, why
    x, w, _ = probe_inputs()
    scores = x @ w
    alpha = np.exp(scores - scores.max())
    expected = (alpha / alpha.sum()) @ x
    if close(got, expected.tolist()):
        return 1.0, "matches softmax(x·w)ᵀ x on the (12, 8) probe"
    return 0.0, "differs from softmax over frames of x·w, followed by the weighted sum of frames"


@question("hw04", "am_softmax_loss")
def am_softmax_loss(report: dict, answer_dir: Path) -> tuple[float, str]:
    """Cross-entropy of s·(cos θ − m·onehot), averaged over the probe batch."""
    got, why = probe_output(report, "am_softmax_loss")
    if got is None:
        return 0.0, why
    _, _, cosine = probe_inputs()
    labels = np.array(LABELS)
    logits = SCALE * (cosine - MARGIN * np.eye(cosine.shape[1])[labels])
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_prob = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    expected = float(-log_prob[np.arange(len(labels)), labels].mean())
    if close(got, expected):
        return 1.0, f"matches the additive-margin softmax loss ({expected:.4f})"
    return 0.0, (f"{got} differs from {expected:.4f}: subtract the margin from the target "
                 "class's cosine only, then scale, then cross-entropy")
