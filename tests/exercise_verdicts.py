"""What every lecture's exercise tests share: the untouched stub and the three verdicts."""

from course_utils.exercises import FAILED, NOT_ATTEMPTED, PASSED


def stub(*args, **kwargs):
    """The notebook's untouched exercise stub."""
    raise NotImplementedError


def assert_verdicts(checker, solution, wrong, capsys) -> None:
    """``checker`` passes ``solution``, says "not attempted" for the stub and fails each wrong
    answer with a message that contains the words naming its mistake (a string, or a tuple of
    strings that must all appear)."""
    assert checker(solution) == PASSED
    assert "correct" in capsys.readouterr().out
    assert checker(stub) == NOT_ATTEMPTED
    assert "not attempted yet" in capsys.readouterr().out
    for answer, mistake in wrong:
        assert checker(answer) == FAILED, answer.__name__
        out = capsys.readouterr().out
        for words in (mistake,) if isinstance(mistake, str) else mistake:
            assert words in out, (answer.__name__, words, out)
