"""Every L02b exercise checker passes the solution, fails each wrong answer with a message
that names the mistake, and says "not attempted" for the stub."""

import pytest
from exercise_solutions import L02b as S
from exercise_verdicts import assert_verdicts

from course_utils.demos import optimization as L02b

CASES = [
    (L02b.check_critical_point, S.critical_point, [
        (S.critical_point_ignores_gradient, "gradient is (numerically) zero"),
        (S.critical_point_from_diagonal, "not its diagonal"),
        (S.critical_point_by_majority, "not its diagonal or the majority"),
    ]),
    (L02b.check_adamw_step, S.adamw_step, [
        (S.adam_l2_step, "Adam + L2"),
        (S.adam_step_without_decay, "weight decay is missing"),
        (S.adamw_without_bias_correction, "bias correction"),
        (S.adamw_returns_theta_only, "tuple (theta, m, v)"),
    ]),
    (L02b.check_warmup_cosine, S.warmup_cosine, [
        (S.warmup_cosine_starts_at_first_step, "starts from 0"),
        (S.warmup_cosine_from_zero, "ends at the peak"),
        (S.warmup_linear_decay, "½(1 + cos"),
    ]),
    (L02b.check_nesterov_step, S.nesterov_step, [
        (S.nesterov_step_plain_momentum, "plain momentum"),
        (S.nesterov_step_wrong_sign, "check the sign"),
        (S.nesterov_step_returns_phi_only, "tuple (phi, v)"),
    ]),
]


@pytest.mark.parametrize(("checker", "solution", "wrong"), CASES,
                         ids=[case[0].__name__ for case in CASES])
def test_checker_verdicts(checker, solution, wrong, capsys):
    assert_verdicts(checker, solution, wrong, capsys)
