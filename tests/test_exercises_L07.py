"""Every L07 exercise checker passes the solution, fails each wrong answer with a message
that names the mistake, and says "not attempted" for the stub."""

from functools import partial

import pytest
from exercise_solutions import L07 as S
from exercise_verdicts import assert_verdicts

from course_utils.demos import bert_gpt as L07
from course_utils.exercises import FAILED, NOT_ATTEMPTED, PASSED
from course_utils.quiz import check_quiz

CASES = [
    (L07.check_span_masking, S.span_mask, [
        (S.token_mask, "whole spans"),
        (S.span_mask_all_to_mask, "80/10/10"),
        (S.span_mask_start_p, "1 - 0.85^(1/3)"),
        (S.span_mask_labels_everywhere, "labels are -100"),
    ]),
    (L07.check_mrr_from_similarity, S.mrr_from_similarity, [
        (S.mrr_columns, "row i's true match is column i"),
        (S.mrr_rank_from_zero, "rank 1 = the most similar"),
        (S.mrr_mean_rank, "average 1 / rank"),
    ]),
]


@pytest.mark.parametrize(("checker", "solution", "wrong"), CASES,
                         ids=lambda x: getattr(x, "__name__", ""))
def test_checker_verdicts(capsys, checker, solution, wrong):
    assert_verdicts(checker, solution, wrong, capsys)


def test_case_quiz_marks_each_answer(capsys):
    check = partial(check_quiz, key=L07.QUIZ_KEY, choices=L07.QUIZ_CHOICES, hint="h")
    assert check(S.QUIZ_SOLUTION) == PASSED
    assert check({q: "?" for q in L07.QUIZ_KEY}) == NOT_ATTEMPTED
    assert check(S.QUIZ_ALL_ONE) == FAILED
    assert "1 / 5 correct" in capsys.readouterr().out
