"""L02c's figure, widget and data plumbing (course_utils.demos.classification_bn).

The lecture's algorithms live in the notebook (checked there against the library); the
exercise checkers are tested in test_exercises_L02c.py.
"""

import numpy as np
import pytest
from matplotlib.figure import Figure
from torch import nn

from course_utils import below
from course_utils.demos import classification_bn as L02c


def test_softmax_demo_is_a_distribution_that_a_higher_temperature_flattens():
    fig, numbers = L02c.demo_softmax()
    assert isinstance(fig, Figure)
    assert numbers["sum"] == pytest.approx(1.0) and numbers["softmax"].argmax() == 0
    assert L02c.demo_softmax(temperature=5.0)[1]["softmax"].max() < numbers["softmax"].max()


def test_cross_entropy_escapes_where_mse_after_softmax_stalls():
    fig, numbers = L02c.demo_loss_surfaces()
    assert isinstance(fig, Figure)
    assert numbers["CE: accuracy"] > 0.75 > numbers["MSE: accuracy"]
    assert numbers["CE: final loss"] < 0.5


def test_gaussian_data_keeps_the_79_61_split():
    X, y = L02c.gaussian_classes(n1=79, n2=61)
    assert X.shape == (140, 2) and (y == 1).sum() == 79 and (y == 0).sum() == 61
    X, y = L02c.independent_gaussians(10, dims=20)
    assert X.shape == (10, 20) and y.sum() == 5


def test_library_logistic_regression_learns():
    X, y = L02c.gaussian_classes()
    w, b = L02c.fit_logistic(X, y)
    assert np.mean((X @ w + b > 0) == (y == 1)) > 0.65  # chance: 0.56


@pytest.mark.parametrize("covariance", list(L02c.CLASSIFIERS))
def test_generative_lab_runs_every_classifier_and_learns(covariance):
    fig, numbers = L02c.demo_generative_lab(n_train=20, covariance=covariance)
    assert isinstance(fig, Figure) and numbers["n train"] == 20
    assert numbers["generative test acc"] > 0.6 and numbers["logistic test acc"] > 0.6


def test_accuracy_curve_plot_has_one_line_per_model():
    fig = L02c.plot_accuracy_vs_train_size((10, 20), {"a": [[0.6, 0.7], [0.7, 0.8]],
                                                      "b": [[0.5, 0.5], [0.6, 0.6]]}, "t")
    assert len(fig.axes[0].get_legend().get_texts()) == 2


def test_xor_needs_a_feature_transformation():
    assert L02c.demo_xor(transform=False)[1]["accuracy"] < 1.0
    assert L02c.demo_xor(transform=True)[1]["accuracy"] == 1.0


def test_standardizing_makes_gradient_descent_converge():
    raw = L02c.demo_feature_scaling(standardize=False)[1]
    std = L02c.demo_feature_scaling(standardize=True)[1]
    assert raw["condition number"] > 1e4 and not raw["converged"]
    assert std["converged"] and std["GD steps"] < 50


def test_breast_cancer_standardization_uses_training_statistics():
    (Xtr, _), (Xva, _) = L02c.breast_cancer_tensors(standardize=True)
    assert Xtr.mean(0).abs().max() < 1e-4 and Xva.mean(0).abs().max() > 1e-3


def test_batchnorm_demo_and_train_eval_gap():
    fig, numbers = L02c.demo_batchnorm(batch_size=8, mode="eval")
    assert isinstance(fig, Figure)
    assert numbers["running_mean"][0] == pytest.approx(5.0, abs=0.5)
    assert L02c.train_eval_gap(2) > L02c.train_eval_gap(64) * 3


def test_batchnorm_helps_the_sigmoid_mlp_learn():
    runs = L02c.digits_bn_comparison(epochs=3, width=32, lrs=(1.0,))
    assert runs["BN, lr = 1"][1] > runs["no BN, lr = 1"][1] + 0.2
    assert isinstance(L02c.digits_mlp(True, 8)[1], nn.BatchNorm1d)
    assert isinstance(L02c.plot_bn_comparison(runs), Figure)


def test_below_rounds_at_the_tolerance():
    assert str(below(2.4e-7, 1e-6)) == "True (0 < 1e-06)"
    assert not below(3e-6, 1e-6).holds
