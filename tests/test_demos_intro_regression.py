"""Demos and self-checks of L01 (course_utils.demos.intro_regression)."""

from functools import partial

import numpy as np
import pytest
import torch
from exercise_solutions import L01 as notebook
from matplotlib.figure import Figure

from course_utils.demos import intro_regression as L01
from course_utils.toy_data import pokemon_split


@pytest.fixture(scope="module")
def xy():
    return L01.yesterday_today()


def test_losses_on_a_grid_match_the_definitions(xy):
    x, y = xy
    W, B = np.meshgrid([0.2, 0.9], [-1.0, 0.5])
    direct = np.array([[np.mean((y - (b + w * x)) ** 2) for w, b in zip(rw, rb, strict=True)]
                       for rw, rb in zip(W, B, strict=True)])
    np.testing.assert_allclose(L01.mse(W, B, x, y), direct, rtol=1e-10)
    assert L01.mae(0.5, 1.0, x, y) == pytest.approx(np.mean(np.abs(y - (1.0 + 0.5 * x))))


def _descend(x1, y_hat, eta, w0, b0, steps):
    """A reference gradient descent for the demo (the notebook writes its own)."""
    x, y, path = x1.numpy(), y_hat.numpy(), [(w0, b0)]
    for _ in range(steps):
        w, b = path[-1]
        e = b + w * x - y
        path.append((w - eta * 2 * np.mean(e * x), b - eta * 2 * np.mean(e)))
        if max(map(abs, path[-1])) > L01.DIVERGED:
            break
    return np.array(path)


def test_least_squares_line_is_the_optimum(xy):
    x, y = xy
    w, b = L01.least_squares_line(x, y)
    assert L01.mse(w, b, x, y) < min(L01.mse(w + d, b, x, y) for d in (-1e-3, 1e-3))
    assert L01.mse(w, b, x, y) < min(L01.mse(w, b + d, x, y) for d in (-1e-3, 1e-3))


def test_gradient_descent_demo_draws_the_given_path_and_flags_divergence():
    assert L01.demo_gradient_descent(_descend, eta=0.11, steps=500)[1]["diverged"]
    fig, numbers = L01.demo_gradient_descent(_descend)
    assert isinstance(fig, Figure) and not numbers["diverged"]
    assert numbers["distance to (w*, b*)"] < 0.5


def test_hard_sigmoid_is_exactly_two_relus():
    z = np.random.RandomState(0).uniform(-5, 5, 10_000)
    assert np.abs(L01.hard_sigmoid(z) - L01.hard_sigmoid_from_relus(z)).max() == 0.0


def test_sum_of_hard_sigmoids_is_the_piecewise_linear_interpolant():
    knots = np.linspace(*L01.SIGMOID_RANGE, 6)
    y_hat, parts = L01.sum_of_units(knots, 5, "hard sigmoid")
    assert len(parts) == 5
    np.testing.assert_allclose(y_hat, L01.target_curve(knots), atol=1e-12)
    x = np.linspace(*L01.SIGMOID_RANGE, 200)
    np.testing.assert_array_equal(L01.sum_of_units(x, 5, "2 ReLUs")[0],
                                  L01.sum_of_units(x, 5, "hard sigmoid")[0])


@pytest.mark.parametrize("unit", ["sigmoid", "hard sigmoid"])
def test_more_units_approximate_the_curve_better(unit):
    x = np.linspace(*L01.SIGMOID_RANGE, 400)
    errors = [np.abs(L01.sum_of_units(x, k, unit)[0] - L01.target_curve(x)).max()
              for k in (2, 8, 32)]
    assert errors[0] > errors[1] > errors[2]


def test_relu_builder_uses_twice_the_units():
    assert L01.demo_sigmoid_builder(k=5, unit="2 ReLUs")[1]["units"] == 10
    assert L01.demo_sigmoid_builder(k=5, unit="sigmoid")[1]["units"] == 5


def test_backprop_table_multiplies_forward_by_backward():
    ones = {k: torch.ones_like(v) for k, v in L01.toy_network(0).items() if k in L01.WEIGHTS}
    twos = {k: 2 * v for k, v in ones.items()}
    table = L01.backprop_table(ones, twos, twos)
    assert len(table) == 12 and (table["product"] == 2.0).all()
    assert table["|difference|"].max() == 0.0 and table["weight"].iloc[0] == "W1[0, 0]"


def _one_layer(n_in, depth, width, activation):
    return torch.nn.Sequential(torch.nn.Linear(n_in, width), torch.nn.ReLU(),
                               torch.nn.Linear(width, 1))


def test_train_networks_learns_the_view_counts():
    threads = torch.get_num_threads()
    table = L01.train_networks(7, [(1, 16)], _one_layer, epochs=15, batch_size=64)
    assert torch.get_num_threads() == threads  # the one-thread speed-up is undone
    _, y_train, _, _ = L01.lagged_split(7)
    constant_mae = np.abs(y_train - y_train.mean()).mean()
    assert table["train MAE"].iloc[0] < 0.6 * constant_mae
    assert table["parameters"].iloc[0] == 7 * 16 + 16 + 16 + 1


def test_notebook_ridge_is_least_squares_at_zero_lambda_and_shrinks_weights():
    train, _ = pokemon_split()
    Phi = L01.poly_features(train["cp"], 3)
    fit = lambda lam: L01._fit(notebook.ridge_fit, Phi, train["cp_after"], lam,  # noqa: E731
                               np.ones(4, bool))
    np.testing.assert_allclose(fit(0.0), np.linalg.lstsq(Phi, train["cp_after"], rcond=None)[0],
                               rtol=1e-6)
    assert np.sum(fit(10.0)[1:] ** 2) < np.sum(fit(0.0)[1:] ** 2)


def test_unpenalized_bias_keeps_the_mean_under_huge_lambda():
    train, test = pokemon_split()
    *_, theta = L01.poly_errors(notebook.ridge_fit, train, test, 2, lam=1e12, penalize_b=False)
    assert theta[0] == pytest.approx(train["cp_after"].mean(), rel=1e-3)
    *_, theta = L01.poly_errors(notebook.ridge_fit, train, test, 2, lam=1e12, penalize_b=True)
    assert abs(theta[0]) < 1.0


def test_polynomial_case_study_tells_the_lecture_story():
    train, test = pokemon_split()
    errors = np.array([L01.poly_errors(notebook.ridge_fit, train, test, d)[:2]
                       for d in range(1, 6)])
    assert np.all(np.diff(errors[:, 0]) <= 1e-9)  # training error never rises with degree
    assert errors[:, 1].argmin() == 1 and errors[4, 1] > 3 * errors[1, 1]


def test_remedies_lower_the_test_error_of_the_overfit_models():
    table = L01.pokemon_remedies(notebook.ridge_fit, lam_poly=0.1, lam_species=0.01, more_data=100)
    test = dict(zip(table["model"], table["test RMSE"], strict=True))
    overfit_poly, overfit_species = table["test RMSE"].iloc[0], table["test RMSE"].iloc[5]
    assert all(v < overfit_poly / 3 for v in table["test RMSE"].iloc[1:5])
    assert max(table["test RMSE"].iloc[6:]) < overfit_species / 2
    assert len(test) == 8


@pytest.mark.parametrize("demo", [L01.demo_linear_fit, L01.demo_error_surface,
                                  L01.demo_sigmoid_builder,
                                  partial(L01.demo_pokemon, notebook.ridge_fit)])
def test_demos_run_with_their_defaults(demo):
    fig, numbers = demo()
    assert isinstance(fig, Figure) and numbers
    assert all(np.isfinite(float(v)) for v in numbers.values())


def test_linear_fit_demo_reports_both_losses():
    numbers = L01.demo_linear_fit(w=0.5, b=1.0, loss="MSE")[1]
    x, y = L01.yesterday_today()
    assert numbers["MSE"] == pytest.approx(np.mean((y - 1.0 - 0.5 * x) ** 2))
    assert numbers["MAE"] == pytest.approx(np.mean(np.abs(y - 1.0 - 0.5 * x)))


@pytest.mark.parametrize("plot", [L01.plot_view_counts, L01.plot_gd_failure_modes,
                                  L01.plot_activations, L01.plot_network, L01.plot_dl_history])
def test_static_figures_draw(plot):
    fig = plot()
    assert isinstance(fig, Figure) and all(ax.get_title() or not ax.axison for ax in fig.axes)


def test_failure_modes_stall_where_the_gradient_vanishes():
    for loss, grad, start, _ in L01.FAILURE_MODES.values():
        theta = start
        for _ in range(60):
            theta -= 0.1 * grad(theta)
        assert abs(grad(theta)) < 0.05
        assert loss(theta) > loss(np.linspace(-4, 6, 2001)).min() + 0.5  # not the global minimum
