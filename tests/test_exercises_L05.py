"""Every L05 exercise checker passes the solution, fails each wrong answer with a message
that names the mistake, and says "not attempted" for the stub."""

import importlib.util
from pathlib import Path

import pytest

from course_utils.demos import transformer as L05
from course_utils.exercises import FAILED, NOT_ATTEMPTED, PASSED

_path = Path(__file__).parent / "exercise_solutions" / "L05.py"
_spec = importlib.util.spec_from_file_location("L05_solutions", _path)
S = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(S)


def stub(*args):
    raise NotImplementedError


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
    assert checker(solution) == PASSED
    assert "correct" in capsys.readouterr().out
    assert checker(stub) == NOT_ATTEMPTED
    assert "not attempted yet" in capsys.readouterr().out
    for answer, message in wrong:
        assert checker(answer) == FAILED, answer.__name__
        assert message in capsys.readouterr().out, answer.__name__
