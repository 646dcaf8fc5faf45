"""Notebook 00's exercise checkers reach every verdict: solution, wrong answers and the stub."""

from exercise_solutions import N00 as solutions
from exercise_verdicts import stub

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
    assert demo.check_batches_per_epoch(solutions.batches_per_epoch) == PASSED
    assert demo.check_batches_per_epoch(stub) == NOT_ATTEMPTED
    assert "not attempted yet" in capsys.readouterr().out
    assert demo.check_batches_per_epoch(solutions.batches_per_epoch_ignores_drop_last) == FAILED
    assert "drop_last=True" in capsys.readouterr().out
    assert demo.check_batches_per_epoch(lambda n, bs, drop: None) == FAILED
    assert "forget `return`" in capsys.readouterr().out


def test_fix_the_model(capsys):
    assert demo.check_small_mlp(solutions.Fixed) == PASSED
    assert demo.check_small_mlp(stub) == NOT_ATTEMPTED
    assert "not attempted yet" in capsys.readouterr().out
    assert demo.check_small_mlp(solutions.Comma) == FAILED
    assert "trailing comma" in capsys.readouterr().out
    assert demo.check_small_mlp(solutions.two_outputs) == FAILED
    assert "output shape is (4, 2)" in capsys.readouterr().out
    assert demo.check_small_mlp(solutions.relu_instead) == FAILED
    assert "nn.Sigmoid" in capsys.readouterr().out
