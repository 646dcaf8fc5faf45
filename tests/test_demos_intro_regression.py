"""Demos and self-checks of L01 (course_utils.demos.intro_regression)."""

import math

import numpy as np
import pytest
import torch
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


def test_closed_form_is_least_squares(xy):
    x, y = xy
    np.testing.assert_allclose(L01.closed_form_linear(x, y), np.polyfit(x, y, 1), rtol=1e-10)


def test_gradient_descent_reaches_the_closed_form(xy):
    x, y = xy
    path = L01.gradient_descent_linear(x, y, eta=0.09, w0=1.5, b0=3.0, steps=100_000, tol=1e-6)
    assert np.abs(path[-1] - L01.closed_form_linear(x, y)).max() < 1e-3
    assert len(path) < 100_001  # it stopped on the gradient norm, not on the cap


def test_too_large_a_learning_rate_diverges(xy):
    x, y = xy
    path = L01.gradient_descent_linear(x, y, eta=0.12, w0=1.5, b0=3.0, steps=1000)
    assert len(path) < 1001 and np.abs(path[-1]).max() >= L01.DIVERGED
    assert L01.demo_gradient_descent(eta=0.11)[1]["diverged"]
    assert not L01.demo_gradient_descent()[1]["diverged"]


def test_sgd_makes_one_update_per_batch_and_gets_close(xy):
    x, y = xy
    path = L01.sgd_linear(x, y, eta=0.05, batch_size=32, epochs=20, w0=1.5, b0=3.0)
    assert len(path) - 1 == 20 * math.ceil(len(x) / 32)
    w_star, b_star = L01.closed_form_linear(x, y)
    assert L01.mse(*path[-1], x, y) < 1.05 * L01.mse(w_star, b_star, x, y)


def test_updates_per_epoch_counts_the_last_partial_batch():
    assert L01.updates_per_epoch(10_000, 10) == 1000
    assert L01.updates_per_epoch(10, 3) == 4
    assert L01.updates_per_epoch(10, 3, drop_last=True) == 3
    with pytest.raises(ValueError):
        L01.updates_per_epoch(10, 0)


def test_batch_calculator_self_check_flags_floor_division(capsys):
    assert not L01.check_updates_per_epoch(lambda n, b: n // b)
    assert "✗" in capsys.readouterr().out
    assert L01.check_updates_per_epoch(lambda n, b: -(-n // b))


def test_taxonomy_quiz_scores_answers(capsys):
    assert L01.check_taxonomy_quiz(L01.TAXONOMY_QUIZ) == len(L01.TAXONOMY_QUIZ)
    wrong = {q: "regression" for q in L01.TAXONOMY_QUIZ}
    assert L01.check_taxonomy_quiz(wrong) == sum(
        a == "regression" for a in L01.TAXONOMY_QUIZ.values())
    assert "✗" in capsys.readouterr().out


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


def _hand_tables(net):
    s = L01.toy_forward(net)
    dz_dw = {"W1": net["x"].expand(2, 2), "b1": torch.ones(2), "W2": s["a1"].expand(2, 2),
             "b2": torch.ones(2)}
    dl_dz2 = (s["y"] - net["y_hat"]) * s["y"] * (1 - s["y"])
    dl_dz1 = s["a1"] * (1 - s["a1"]) * (net["W2"].T @ dl_dz2)
    dl_dz = {"W1": dl_dz1[:, None].expand(2, 2), "b1": dl_dz1,
             "W2": dl_dz2[:, None].expand(2, 2), "b2": dl_dz2}
    return dz_dw, dl_dz


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_backprop_grader_accepts_correct_tables(seed):
    net = L01.toy_network(seed)
    table = L01.compare_with_autograd(net, *_hand_tables(net))
    assert len(table) == 12 and (table["ok"] == "✓").all()
    assert table["|difference|"].max() < 1e-12


def test_backprop_grader_flags_a_missing_sigmoid_derivative():
    net = L01.toy_network(0)
    dz_dw, dl_dz = _hand_tables(net)
    s = L01.toy_forward(net)
    dl_dz["b2"] = s["y"] - net["y_hat"]  # forgot σ'(z2)
    table = L01.compare_with_autograd(net, dz_dw, dl_dz)
    assert list(table.loc[table["ok"] == "✗", "weight"]) == ["b2[0]", "b2[1]"]


def test_autograd_gradients_match_finite_differences():
    net = L01.toy_network(3)
    grads = L01.autograd_gradients(net)
    eps = 1e-6
    bumped = {k: v.clone() for k, v in net.items()}
    bumped["W2"][1, 0] += eps
    numeric = (L01.toy_forward(bumped)["l"] - L01.toy_forward(net)["l"]) / eps
    assert grads["W2"][1, 0].item() == pytest.approx(numeric.item(), rel=1e-4)


def test_mlp_has_the_requested_depth_and_width():
    net = L01.mlp(56, 3, 10, "sigmoid")
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    assert [m.out_features for m in linears] == [10, 10, 10, 1]
    assert sum(isinstance(m, torch.nn.Sigmoid) for m in net) == 3


def test_train_networks_learns_the_view_counts():
    threads = torch.get_num_threads()
    table = L01.train_networks(7, [(1, 16)], epochs=15, batch_size=64)
    assert torch.get_num_threads() == threads  # the one-thread speed-up is undone
    _, y_train, _, _ = L01.lagged_split(7)
    constant_mae = np.abs(y_train - y_train.mean()).mean()
    assert table["train MAE"].iloc[0] < 0.6 * constant_mae
    assert table["parameters"].iloc[0] == 7 * 16 + 16 + 16 + 1


def test_ridge_with_zero_lambda_is_least_squares_and_lambda_shrinks_weights():
    train, _ = pokemon_split()
    Phi = L01.poly_features(train["cp"], 3)
    plain = L01.ridge_fit(Phi, train["cp_after"], 0.0)
    np.testing.assert_allclose(plain, np.linalg.lstsq(Phi, train["cp_after"], rcond=None)[0],
                               rtol=1e-6)
    shrunk = L01.ridge_fit(Phi, train["cp_after"], 10.0)
    assert np.sum(shrunk[1:] ** 2) < np.sum(plain[1:] ** 2)


def test_unpenalized_bias_keeps_the_mean_under_huge_lambda():
    train, test = pokemon_split()
    *_, theta = L01.poly_errors(train, test, 2, lam=1e12, penalize_b=False)
    assert theta[0] == pytest.approx(train["cp_after"].mean(), rel=1e-3)
    *_, theta = L01.poly_errors(train, test, 2, lam=1e12, penalize_b=True)
    assert abs(theta[0]) < 1.0


def test_polynomial_case_study_tells_the_lecture_story():
    train, test = pokemon_split()
    errors = np.array([L01.poly_errors(train, test, d)[:2] for d in range(1, 6)])
    assert np.all(np.diff(errors[:, 0]) <= 1e-9)  # training error never rises with degree
    assert errors[:, 1].argmin() == 1 and errors[4, 1] > 3 * errors[1, 1]


def test_remedies_lower_the_test_error_of_the_overfit_models():
    table = L01.pokemon_remedies(lam_poly=0.1, lam_species=0.01, more_data=100)
    test = dict(zip(table["model"], table["test RMSE"], strict=True))
    overfit_poly, overfit_species = table["test RMSE"].iloc[0], table["test RMSE"].iloc[5]
    assert all(v < overfit_poly / 3 for v in table["test RMSE"].iloc[1:5])
    assert max(table["test RMSE"].iloc[6:]) < overfit_species / 2
    assert len(test) == 8


@pytest.mark.parametrize("demo", [L01.demo_linear_fit, L01.demo_error_surface,
                                  L01.demo_gradient_descent, L01.demo_sigmoid_builder,
                                  L01.demo_pokemon])
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
