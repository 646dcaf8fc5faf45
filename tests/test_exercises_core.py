"""The advisory exercise checkers' shared core: every verdict can be reached."""

import torch

from course_utils.exercises import (
    FAILED,
    NOT_ATTEMPTED,
    PASSED,
    attempt,
    expect_close,
    expect_shape,
    report,
)


def check_double(fn) -> str:
    def body():
        out = attempt(fn, torch.ones(2, 3))
        expect_shape(out, (2, 3), "double(x)")
        expect_close(out, torch.full((2, 3), 2.0), "double(ones)", hint="multiply by 2")
    return report("double", body)


def stub(x):
    raise NotImplementedError


def test_verdicts_and_messages(capsys):
    assert check_double(lambda x: 2 * x) == PASSED
    assert check_double(stub) == NOT_ATTEMPTED
    assert "not attempted yet" in capsys.readouterr().out
    assert check_double(lambda x: ...) == NOT_ATTEMPTED
    assert check_double(lambda x: 3 * x) == FAILED
    assert "multiply by 2" in capsys.readouterr().out
    assert check_double(lambda x: x.sum(0)) == FAILED
    assert "shape (3,)" in capsys.readouterr().out
    assert check_double(lambda x: None) == FAILED
    assert "forget `return`" in capsys.readouterr().out
    assert check_double(lambda x: 1 / 0) == FAILED
    assert "ZeroDivisionError" in capsys.readouterr().out
