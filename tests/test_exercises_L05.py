"""Every L05 exercise checker passes the solution, fails each wrong answer with a message
that names the mistake, and says "not attempted" for the stub."""

import pytest
from exercise_solutions import L05 as S
from exercise_verdicts import assert_verdicts

from course_utils.demos import transformer as L05

CASES = [
    (L05.check_masked_attention, S.masked_attention, [
        (S.attention_without_mask, "position 0"),
        (S.attention_masked_after_softmax, "BEFORE the softmax"),
        (S.attention_unscaled, "1/√d_k"),
        (S.attention_returns_weights, "shape"),
    ]),
    (L05.check_beam_step, S.beam_step, [
        (S.beam_step_forgets_scores, "cumulative log-probability"),
        (S.beam_step_greedy_parent, "that is greedy"),
        (S.beam_step_flat_tokens, "i % V"),
    ]),
    (L05.check_bleu, S.bleu, [
        (S.bleu_unclipped, "Clip each n-gram"),
        (S.bleu_without_brevity_penalty, "BP = exp(1 − r/c)"),
        (S.bleu_first_reference_length, "closest to c"),
        (S.bleu_clips_by_sum, "not by the sum"),
    ]),
]


@pytest.mark.parametrize(("checker", "solution", "wrong"), CASES,
                         ids=lambda x: getattr(x, "__name__", ""))
def test_checker_verdicts(capsys, checker, solution, wrong):
    assert_verdicts(checker, solution, wrong, capsys)
