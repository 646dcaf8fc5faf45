"""HW05's auto-graded report questions: the two problems of the official report.

Problem 1 (positional embeddings): ``report["pos_emb"]`` (the first rows of the decoder's
positional-embedding table) and ``report["pos_similarity"]`` (their cosine-similarity matrix).
The grader recomputes the cosine similarities from the rows and checks that the rows carry
position (nearby positions are more alike than distant ones). The explanation is for a person.

Problem 2 (gradient norm): ``report["grad_norms"]`` (the norm ``clip_grad_norm_`` returned at
every optimizer step of the main training), ``report["n_steps"]`` (the optimizer's step count,
written by the locked export cell), ``report["clip_norm"]`` (``max_norm``) and
``report["explosion_steps"]`` (the two steps the student circles). Half a point for one finite
norm per step with ``max_norm = 1.0``, half for two circled steps where clipping took effect.
"""

from __future__ import annotations

import math
from pathlib import Path

from course_utils.grading.questions import question

MIN_ROWS = 16
TOLERANCE = 1e-3


def _matrix(value, name: str) -> tuple[list[list[float]] | None, str]:
    if value is None:
        return None, f"report.json has no {name} (the report cell leaves it None)"
    if (not isinstance(value, list) or not value or not all(isinstance(r, list) for r in value)
            or len({len(r) for r in value}) != 1 or not value[0]):
        return None, f"{name} must be a non-empty list of equally long rows"
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for r in value for v in r):
        return None, f"{name} holds a value that is not a finite number"
    return value, ""


def _cosine(a: list[float], b: list[float]) -> float:
    na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(x * x for x in b))
    return sum(x * y for x, y in zip(a, b, strict=True)) / max(na * nb, 1e-8)


@question("hw05", "positional_embedding")
def positional_embedding(report: dict, answer_dir: Path | None) -> tuple[float, str]:
    """Problem 1: the cosine-similarity matrix of the decoder's positional embeddings."""
    emb, why = _matrix(report.get("pos_emb"), "pos_emb")
    if emb is None:
        return 0.0, why
    sim, why = _matrix(report.get("pos_similarity"), "pos_similarity")
    if sim is None:
        return 0.0, why
    n = len(emb)
    if n < MIN_ROWS or len(emb[0]) < 2:
        return 0.0, f"pos_emb has {n} x {len(emb[0])} values; at least {MIN_ROWS} positions " \
                    "of at least 2 dimensions are needed"
    if len(sim) != n or len(sim[0]) != n:
        return 0.0, f"pos_similarity is {len(sim)} x {len(sim[0])} but pos_emb has {n} rows: " \
                    "it must be the N x N similarity of the rows of pos_emb"
    worst = max(abs(sim[i][j] - _cosine(emb[i], emb[j])) for i in range(n) for j in range(n))
    if worst > TOLERANCE:
        return 0.0, f"pos_similarity differs from the cosine similarity of the rows of pos_emb " \
                    f"by up to {worst:.3g}"
    rows = [i for i in range(n) if any(v != 0 for v in emb[i])]  # skip the padding row
    near = [sim[i][j] for i in rows for j in rows if abs(i - j) == 1]
    far = [sim[i][j] for i in rows for j in rows if abs(i - j) >= n // 4]
    if not near or not far:
        return 0.0, "pos_emb has too few non-zero rows to compare near and far positions"
    near_mean, far_mean = sum(near) / len(near), sum(far) / len(far)
    if near_mean < far_mean + 0.1:
        return 0.0, (f"neighbouring positions are not more similar than distant ones "
                     f"({near_mean:.2f} vs {far_mean:.2f}): pos_emb does not look like "
                     "positional embeddings (model.decoder.embed_positions.weights)")
    return 1.0, (f"the cosine similarities of {n} positions are right; neighbours "
                 f"{near_mean:.2f}, positions {n // 4}+ apart {far_mean:.2f}")


@question("hw05", "gradient_norm")
def gradient_norm(report: dict, answer_dir: Path | None) -> tuple[float, str]:
    """Problem 2: the gradient norm of every step, clipped at 1.0, and two circled explosions."""
    norms, steps = report.get("grad_norms"), report.get("n_steps")
    clip = report.get("clip_norm")
    if not isinstance(norms, list) or not norms:
        return 0.0, "report.json has no grad_norms: record the norm clip_grad_norm_ returns at " \
                    "every step of train_one_epoch"
    if not all(isinstance(g, (int, float)) and math.isfinite(g) and g >= 0 for g in norms):
        return 0.0, "grad_norms holds a value that is not a finite non-negative number"
    if isinstance(steps, int) and steps > 0 and len(norms) != steps:
        return 0.0, f"{len(norms)} gradient norms for {steps} optimizer steps: one per step"
    if clip != 1.0:
        return 0.0, f"max_norm is {clip}; the report asks for clip_norm = 1.0"
    if len(set(norms)) < 2:
        return 0.0, "every recorded gradient norm is the same: record gnorm of each step"
    points, detail = 0.5, f"{len(norms)} gradient norms, one per step"
    circled = report.get("explosion_steps") or []
    clipped = sum(g > clip for g in norms)
    good = {i for i in circled if isinstance(i, int) and 0 <= i < len(norms) and norms[i] > clip}
    if len(good) >= 2:
        return points + 0.5, f"{detail}; steps {sorted(good)[:2]} are clipped (norm > {clip})"
    return points, (f"{detail}, {clipped} of them above max_norm; explosion_steps must name two "
                    f"steps where clipping takes effect (norm > {clip}), {len(good)} do")
