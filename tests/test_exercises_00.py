"""Notebook 00's exercise checkers reach every verdict: solution, wrong answers and the stub."""

from exercise_solutions import N00 as solutions
from exercise_verdicts import assert_verdicts

from course_utils.demos import pytorch_basics as demo
from course_utils.exercises import FAILED, NOT_ATTEMPTED, PASSED


def test_shape_puzzles(capsys):
    assert len(demo.SHAPE_PUZZLES) == 10
    assert demo.check_shape_puzzles(solutions.PUZZLE_SHAPES) == PASSED
    assert "10/10 correct" in capsys.readouterr().out
    assert demo.check_shape_puzzles({n: None for n in range(1, 11)}) == NOT_ATTEMPTED
    assert "not attempted yet" in capsys.readouterr().out
    assert demo.check_shape_puzzles(solutions.PUZZLE_SHAPES_TWO_WRONG) == FAILED
    out = capsys.readouterr().out
    assert "8/10 correct" in out and "✗  2." in out and "you said (5, 1)" in out
    assert "not answered yet" in out and "→" not in out
    demo.check_shape_puzzles({}, reveal=True)
    assert "→ (5, 1)" in capsys.readouterr().out


def test_batches_per_epoch(capsys):
    assert_verdicts(demo.check_batches_per_epoch, solutions.batches_per_epoch, [
        (solutions.batches_per_epoch_ignores_drop_last, "drop_last=True"),
        (lambda n, bs, drop: None, "forget `return`"),
    ], capsys)


def test_fix_the_model(capsys):
    assert_verdicts(demo.check_small_mlp, solutions.Fixed, [
        (solutions.Comma, "trailing comma"),
        (solutions.two_outputs, "output shape is (4, 2)"),
        (solutions.relu_instead, "nn.Sigmoid"),
    ], capsys)
