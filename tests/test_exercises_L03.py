"""Every L03 exercise checker passes the solution, fails each wrong answer with a message
that names the mistake, and says "not attempted" for the stub."""

import pytest
from exercise_solutions import L03 as S
from exercise_verdicts import assert_verdicts

from course_utils.demos import cnn as L03

CASES = [
    (L03.check_locally_connected_params, S.locally_connected_params, [
        (S.locally_connected_params_shared, "own filters"),
        (S.locally_connected_params_all_pixels, "n − k + 1"),
        (S.locally_connected_params_no_bias, "bias"),
    ]),
    (L03.check_avg_pool2d, S.avg_pool2d, [
        (S.avg_pool2d_takes_max, "maximum"),
        (S.avg_pool2d_ignores_stride, "shape"),
        (S.avg_pool2d_mixes_channels, "every channel"),
    ]),
    (L03.check_feature_map_side, S.feature_map_side, [
        (S.feature_map_side_true_division, "whole number"),
        (S.feature_map_side_one_padding, "nn.Conv2d gives"),
    ]),
    (L03.check_bilinear, S.bilinear, [
        (S.bilinear_nearest, "nearest pixel"),
        (S.bilinear_swaps_axes, "x is the column"),
        (S.bilinear_detached, "no gradient"),
    ]),
]


@pytest.mark.parametrize(("checker", "solution", "wrong"), CASES,
                         ids=[case[0].__name__ for case in CASES])
def test_checker_verdicts(checker, solution, wrong, capsys):
    assert_verdicts(checker, solution, wrong, capsys)
