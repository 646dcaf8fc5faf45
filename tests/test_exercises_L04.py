"""Every L04 exercise checker passes the solution, fails each wrong answer with a message
that names the mistake, and says "not attempted" for the stub."""

import pytest
from exercise_solutions import L04 as S
from exercise_verdicts import assert_verdicts

from course_utils.demos import self_attention as L04

CASES = [
    (L04.check_attention_weights, S.attention_weights, [
        (S.attention_weights_unscaled, "divide by √d"),
        (S.attention_weights_over_queries, "sum to 1"),
        (S.attention_weights_transposed, "shape"),
        (S.attention_weights_scaled_by_d, "(0.731, 0.269)"),
    ]),
    (L04.check_causal_window_mask, S.causal_window_mask, [
        (S.causal_window_mask_float, "make it bool"),
        (S.causal_window_mask_transposed, "transposed"),
        (S.causal_window_mask_no_window, "only keys 3 and 4"),
        (S.causal_window_mask_one_too_wide, "only keys 3 and 4"),
        (S.causal_window_mask_strict, "attend to itself"),
    ]),
    (L04.check_positional_encoding_row, S.positional_encoding_row, [
        (S.positional_encoding_row_swapped, "even dimensions are sin"),
        (S.positional_encoding_row_wrong_frequency, "ω_j = 10000^(−2j/d)"),
        (S.positional_encoding_row_half, "shape"),
    ]),
    (L04.check_split_heads, S.split_heads, [
        (S.split_heads_reshape_only, "a reshape alone mixes positions"),
        (S.split_heads_no_transpose, "shape"),
        (S.split_heads_interleaved, "features h·d_h"),
    ]),
]


@pytest.mark.parametrize(("checker", "solution", "wrong"), CASES,
                         ids=[case[0].__name__ for case in CASES])
def test_checker_verdicts(checker, solution, wrong, capsys):
    assert_verdicts(checker, solution, wrong, capsys)
