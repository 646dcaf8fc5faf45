"""L01's exercise checkers reach every verdict: solution, wrong answers and the stub."""

from exercise_solutions import L01 as solutions
from exercise_verdicts import assert_verdicts

from course_utils.demos import intro_regression as L01
from course_utils.exercises import FAILED, NOT_ATTEMPTED, PASSED


def test_taxonomy_quiz(capsys):
    assert L01.check_taxonomy_quiz(solutions.TAXONOMY_ANSWERS) == PASSED
    assert L01.check_taxonomy_quiz({q: "?" for q in L01.TAXONOMY_QUIZ}) == NOT_ATTEMPTED
    assert "not attempted yet" in capsys.readouterr().out
    all_regression = {q: "regression" for q in L01.TAXONOMY_QUIZ}
    assert L01.check_taxonomy_quiz(all_regression) == FAILED
    out = capsys.readouterr().out
    assert "2 / 7 correct" in out and "✗  Decide whether an e-mail is spam" in out


def test_updates_per_epoch(capsys):
    assert_verdicts(L01.check_updates_per_epoch, solutions.updates_per_epoch, [
        (solutions.updates_per_epoch_floor,
         ("N = 10, B = 3: you give 3", "smaller batch is still an update")),
    ], capsys)


def test_relu_backprop(capsys):
    assert_verdicts(L01.check_relu_backprop, solutions.relu_backprop, [
        (solutions.relu_backprop_no_relu_derivative, ("∂l/∂b1 is off", "ReLU'(z)")),
        (solutions.relu_backprop_transposed, "∂l/∂W2 has shape (4, 2), expected (2, 4)"),
        (lambda **net: {"W1": 0}, "keys W1, b1, W2, b2"),
    ], capsys)


def test_the_exercise_network_has_inactive_hidden_neurons():
    net = L01.relu_network()
    z1 = net["W1"] @ net["x"] + net["b1"]
    assert (z1 < 0).any() and (z1 > 0).any()
