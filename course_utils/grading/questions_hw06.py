"""HW06's auto-graded report question: the gradient penalty of report question 2.

The export cell calls the student's ``TrainerGAN.gp(r_imgs, f_imgs)`` with ``trainer.D``
replaced by a probe discriminator that is linear in the image, ``D(x) = w·x + b``, once with
``‖w‖ = 0.5`` and once with ``‖w‖ = 3``, on fixed probe real and fake images, and writes the
two values to ``report["probes"]["gradient_penalty"]``. A linear D has the gradient ``w`` at
every point, so the penalty ``λ · E[(‖∇D(x̂)‖ − 1)²]`` is ``λ (‖w‖ − 1)²`` wherever the
interpolates ``x̂`` fall: 0.25 λ and 4 λ. Both values must give the same λ > 0, which a norm
over the whole batch, a missing square or a missing ``− 1`` do not. The plot of the official
question is for a person.
"""

from __future__ import annotations

import math
from pathlib import Path

from course_utils.grading.questions import ReportError, question, value

PROBE_NORMS = (0.5, 3.0)  # ‖w‖ of the two probe discriminators, as the export cell draws them
TOLERANCE = 1e-3          # relative disagreement of the two λ estimates


@question("hw06", "gradient_penalty")
def gradient_penalty(report: dict, answer_dir: Path | None) -> tuple[float, str]:
    """The student's gp on two linear probe Ds is λ (‖w‖ − 1)² with one λ > 0."""
    probes = value(report, "probes", dict).get("gradient_penalty")
    if not isinstance(probes, dict):
        raise ReportError("report.json['probes'] has no 'gradient_penalty': run the export cell.")
    lambdas = []
    for norm in PROBE_NORMS:
        probe = probes.get(str(norm))
        if not isinstance(probe, dict):
            raise ReportError(f"report.json has no gradient-penalty probe for |w| = {norm}: run "
                              "the export cell unchanged.")
        if "error" in probe:
            return 0.0, f"TrainerGAN.gp gave no value ({str(probe['error'])[:120]})"
        got = probe.get("output")
        if not isinstance(got, (int, float)) or isinstance(got, bool) or not math.isfinite(got):
            return 0.0, "TrainerGAN.gp must return a finite number (a scalar tensor)"
        lambdas.append(got / (norm - 1) ** 2)
    low, high = min(lambdas), max(lambdas)
    if low <= 0:
        return 0.0, ("the gradient penalty of a D whose gradient norm is not 1 must be positive; "
                     f"gp gave {probes[str(PROBE_NORMS[0])]['output']:.4g} and "
                     f"{probes[str(PROBE_NORMS[1])]['output']:.4g}")
    if high - low > TOLERANCE * high:
        return 0.0, ("for linear discriminators with gradient norms 0.5 and 3 the penalty is not "
                     "lambda * (norm - 1)^2 with one lambda (estimates "
                     f"{lambdas[0]:.4g} and {lambdas[1]:.4g}): take the norm of each sample's "
                     "gradient, subtract 1, square, then average")
    return 1.0, f"gp is lambda * mean((||grad D|| - 1)^2) with lambda = {lambdas[0]:.4g}"
