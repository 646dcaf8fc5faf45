"""L02c's exercise checkers reach every verdict: solution, wrong answers and the stub."""

import pytest
from exercise_solutions import L02c as solutions
from exercise_verdicts import stub

from course_utils.demos import classification_bn as L02c
from course_utils.exercises import FAILED, NOT_ATTEMPTED, PASSED


def test_cross_entropy(capsys):
    assert L02c.check_cross_entropy(solutions.cross_entropy) == PASSED
    assert L02c.check_cross_entropy(stub) == NOT_ATTEMPTED
    assert "not attempted yet" in capsys.readouterr().out


@pytest.mark.parametrize(("wrong", "message"), [
    (solutions.cross_entropy_naive, "log-sum-exp"),
    (solutions.cross_entropy_summed, "average over the examples"),
    (solutions.cross_entropy_wrong_sign, "check the sign"),
])
def test_cross_entropy_mistakes(wrong, message, capsys):
    assert L02c.check_cross_entropy(wrong) == FAILED
    assert message in capsys.readouterr().out


def test_class_logits(capsys):
    assert L02c.check_class_logits(solutions.class_logits) == PASSED
    assert L02c.check_class_logits(stub) == NOT_ATTEMPTED
    assert "not attempted yet" in capsys.readouterr().out
    assert L02c.check_class_logits(solutions.class_logits_without_prior) == FAILED
    assert "ignores the priors" in capsys.readouterr().out
    assert L02c.check_class_logits(solutions.class_logits_without_half) == FAILED
    assert "Bayes posterior" in capsys.readouterr().out
    assert L02c.check_class_logits(lambda X, mus, cov, priors: X @ mus.T) == FAILED
    assert "depends on k" in capsys.readouterr().out
    assert L02c.check_class_logits(lambda X, mus, cov, priors: X @ cov) == FAILED
    assert "shape (6, 2), expected (6, 3)" in capsys.readouterr().out


def test_batchnorm2d(capsys):
    assert L02c.check_batchnorm2d(solutions.batchnorm2d) == PASSED
    assert L02c.check_batchnorm2d(stub) == NOT_ATTEMPTED
    assert "not attempted yet" in capsys.readouterr().out


@pytest.mark.parametrize(("wrong", "message"), [
    (solutions.batchnorm2d_per_position, "each position separately"),
    (solutions.batchnorm2d_per_example, "layer norm"),
    (solutions.batchnorm2d_unbiased, "biased variance"),
    (solutions.batchnorm2d_without_affine, "γ[c]"),
])
def test_batchnorm2d_mistakes(wrong, message, capsys):
    assert L02c.check_batchnorm2d(wrong) == FAILED
    assert message in capsys.readouterr().out
