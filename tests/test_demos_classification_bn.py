"""Demos and self-checks of L02c (course_utils.demos.classification_bn)."""

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from torch import nn

from course_utils import below
from course_utils.demos import classification_bn as L02c


def test_softmax_is_a_distribution_and_binary_sigmoid_is_two_class_softmax():
    p = L02c.softmax([3.0, 1.0, -3.0])
    assert p.sum() == pytest.approx(1.0) and np.all(p > 0) and p.argmax() == 0
    assert L02c.softmax([3.0, 1.0], temperature=5.0).max() < p.max()  # higher T flattens
    assert L02c.sigmoid_softmax_max_diff() < 1e-7


def test_cross_entropy_escapes_where_mse_after_softmax_stalls():
    fig, numbers = L02c.demo_loss_surfaces()
    assert isinstance(fig, Figure)
    assert numbers["CE: accuracy"] > 0.75 > numbers["MSE: accuracy"]
    assert numbers["CE: final loss"] < 0.5


def test_shared_covariance_posterior_is_a_sigmoid_of_a_linear_function():
    X, y = L02c.gaussian_classes()
    shared = L02c.fit_gaussian_classes(X, y, shared=True)
    w, b = L02c.shared_cov_linear(shared)
    np.testing.assert_allclose(L02c.gaussian_posterior(shared, X), L02c.sigmoid(X @ w + b),
                               atol=1e-10)
    separate = L02c.fit_gaussian_classes(X, y)
    assert not np.allclose(separate.cov[0], separate.cov[1])
    np.testing.assert_allclose(separate.mu[0], X[y == 1].mean(0))


def test_gaussian_mle_and_naive_bayes_covariances():
    X, y = L02c.gaussian_classes(n1=79, n2=61)
    assert (y == 1).sum() == 79 and (y == 0).sum() == 61
    naive = L02c.fit_gaussian_classes(X, y, naive=True)
    assert naive.cov[0][0, 1] == 0 and naive.cov[0][0, 0] == pytest.approx(X[y == 1, 0].var())


def test_logistic_gradient_matches_autograd_and_training_learns():
    assert L02c.logistic_grad_check() < 1e-10
    X, y = L02c.gaussian_classes()
    w, b = L02c.train_logistic_standardized(X, y)
    assert L02c.accuracy(L02c.sigmoid(X @ w + b), y) > 0.65  # chance: 0.56


def test_naive_bayes_toy_is_counter_intuitive():
    out = L02c.naive_bayes_toy()
    assert out["naive Bayes P(C₁|x)"] == pytest.approx(3 / 7)
    assert out["logistic P(C₁|x)"] > 0.5


def test_xor_needs_a_feature_transformation():
    assert L02c.demo_xor(transform=False)[1]["accuracy"] < 1.0
    assert L02c.demo_xor(transform=True)[1]["accuracy"] == 1.0
    assert L02c.cascaded_logistic_xor(seed=1)[0] == 1.0


def test_standardizing_makes_gradient_descent_converge():
    raw = L02c.demo_feature_scaling(standardize=False)[1]
    std = L02c.demo_feature_scaling(standardize=True)[1]
    assert raw["condition number"] > 1e4 and not raw["converged"]
    assert std["converged"] and std["GD steps"] < 50


def test_generative_lab_and_size_curve_run():
    fig, numbers = L02c.demo_generative_lab(n_train=20, covariance="separate Σ")
    assert isinstance(fig, Figure) and numbers["n train"] == 20
    curves = L02c.accuracy_vs_train_size(sizes=(10, 140), repeats=2)
    assert curves["logistic regression"][1] > curves["logistic regression"][0] - 0.05


def test_manual_batchnorm_matches_pytorch_in_train_and_eval_mode():
    diffs = L02c.manual_vs_torch_bn()
    assert diffs["train"] < 1e-5 and diffs["eval"] < 1e-5
    running = L02c.running_stats_after_one_batch()
    assert running["mean"] < 1e-6 and running["var"] < 1e-6


def test_check_bn_forward_accepts_the_reference_and_rejects_a_wrong_one(capsys):
    assert L02c.check_bn_forward(lambda x, g, b: L02c.bn_forward(x, g, b)["out"])
    unbiased = lambda x, g, b: g * (x - x.mean(0)) / x.std(0) + b  # noqa: E731
    assert not L02c.check_bn_forward(unbiased)
    assert "✗" in capsys.readouterr().out


def test_bn_gap_between_train_and_eval_shrinks_with_batch_size():
    assert L02c.train_eval_gap(2) > L02c.train_eval_gap(64) * 3
    parts = L02c.bn_forward(torch.tensor([[1.0], [5.0]]), torch.ones(1), torch.zeros(1))
    np.testing.assert_allclose(parts["z_tilde"].abs().numpy(), 1.0, atol=1e-5)


def test_batchnorm_helps_the_sigmoid_mlp_learn():
    runs = L02c.digits_bn_comparison(epochs=3, width=32, lrs=(0.1,))
    assert runs["BN, lr = 0.1"][1] > runs["no BN, lr = 0.1"][1] + 0.2
    assert isinstance(L02c.digits_mlp(True, 8)[1], nn.BatchNorm1d)


def test_below_rounds_at_the_tolerance():
    assert str(below(2.4e-7, 1e-6)) == "True (0 < 1e-06)"
    assert not below(3e-6, 1e-6).holds
