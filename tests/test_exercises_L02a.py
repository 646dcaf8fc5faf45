"""L02a's exercise checkers reach every verdict: solution, wrong answers and the stub."""

from exercise_solutions import L02a as solutions
from exercise_verdicts import assert_verdicts

from course_utils.demos import general_guide as L02a
from course_utils.exercises import FAILED, NOT_ATTEMPTED, PASSED


def test_diagnoses(capsys):
    assert L02a.check_diagnoses(solutions.DIAGNOSES) == PASSED
    assert L02a.check_diagnoses({"A": "?", "B": "?", "C": "?", "D": "?"}) == NOT_ATTEMPTED
    assert "not attempted yet" in capsys.readouterr().out
    assert L02a.check_diagnoses({name: "overfitting" for name in "ABCD"}) == FAILED
    out = capsys.readouterr().out
    assert "1 / 4 correct" in out and "✗  log A: not overfitting" in out


def test_train_val_split(capsys):
    assert_verdicts(L02a.check_train_val_split, solutions.train_val_split, [
        (solutions.train_val_split_unshuffled, "shuffle first"),
        (solutions.train_val_split_overlapping, "in both parts"),
    ], capsys)


def test_cross_val_mse(capsys):
    assert_verdicts(L02a.check_cross_val_mse, solutions.cross_val_mse, [
        (solutions.cross_val_mse_training_loss,
         ("5-fold CV MSE of degree 1 is off", "held-out fold")),
    ], capsys)
