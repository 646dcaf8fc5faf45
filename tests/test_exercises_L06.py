"""Every L06 exercise checker passes the solution, fails each wrong answer with a message
that names the mistake, and says "not attempted" for the stub."""

import pytest
from exercise_solutions import L06 as S
from exercise_verdicts import assert_verdicts

from course_utils.demos import gan as L06

CASES = [
    (L06.check_hinge_loss, S.hinge_d_loss, [
        (S.hinge_without_relu, "clip each term with relu"),
        (S.hinge_signs_swapped, "Real samples should score ≥ +1"),
        (S.hinge_summed, "mean over the batch, not a sum"),
    ]),
    (L06.check_r1_penalty, S.r1_penalty, [
        (S.r1_centred_at_one, "zero-centred"),
        (S.r1_without_half, "factor γ/2"),
        (S.r1_without_graph, "create_graph=True"),
    ]),
    (L06.check_slerp, S.slerp, [
        (S.lerp, "straight line (lerp)"),
        (S.slerp_weights_swapped, "t = 0 must give z0"),
        (S.slerp_unnormalized_angle, "unit vectors"),
    ]),
]


@pytest.mark.parametrize(("checker", "solution", "wrong"), CASES,
                         ids=lambda x: getattr(x, "__name__", ""))
def test_checker_verdicts(capsys, checker, solution, wrong):
    assert_verdicts(checker, solution, wrong, capsys)
