"""What every lecture's exercise tests share: the untouched stub and the three verdicts."""

from course_utils.exercises import FAILED, NOT_ATTEMPTED, PASSED


def stub(*args, **kwargs):
    """The notebook's untouched exercise stub."""
    raise NotImplementedError


def assert_verdicts(checker, solution, wrong, capsys) -> None:
    """``checker`` passes ``solution``, says "not attempted" for the stub and fails each wrong
    answer with a message that contains the words naming its mistake."""
    assert checker(solution) == PASSED
    assert "correct" in capsys.readouterr().out
    assert checker(stub) == NOT_ATTEMPTED
    assert "not attempted yet" in capsys.readouterr().out
    for answer, mistake in wrong:
        assert checker(answer) == FAILED, answer.__name__
        assert mistake in capsys.readouterr().out, answer.__name__
