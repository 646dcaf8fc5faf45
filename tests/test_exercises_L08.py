"""Every L08 exercise checker passes the solution, fails each wrong answer with a message
that names the mistake, and says "not attempted" for the stub."""

import pytest
from exercise_solutions import L08 as S
from exercise_verdicts import assert_verdicts

from course_utils.demos import autoencoder as L08

CASES = [
    (L08.check_anomaly_score, S.anomaly_score, [
        (S.score_summed, "don't sum them"),
        (S.score_not_squared, "Square the difference"),
        (S.score_over_the_batch, "one score per image"),
    ]),
    (L08.check_precision_recall, S.precision_recall, [
        (S.precision_recall_swapped, "swapped"),
        (S.precision_recall_at_or_above, "strictly above"),
        (S.precision_recall_nan, "0 / 0"),
    ]),
    (L08.check_kmeans_step, S.kmeans_step, [
        (S.kmeans_farthest, "nearest centre"),
        (S.kmeans_sum, "a mean, not a sum"),
        (S.kmeans_empty_nan, "Keep a centre without points"),
    ]),
]


@pytest.mark.parametrize(("checker", "solution", "wrong"), CASES,
                         ids=lambda x: getattr(x, "__name__", ""))
def test_checker_verdicts(capsys, checker, solution, wrong):
    assert_verdicts(checker, solution, wrong, capsys)
