"""Demos and self-checks of L02a (course_utils.demos.general_guide)."""

import numpy as np
import pytest
import torch
from exercise_solutions import L02a as notebook
from matplotlib.figure import Figure
from sklearn.model_selection import KFold, StratifiedKFold

from course_utils.demos import general_guide as L02a


@pytest.mark.parametrize(("answers", "expected"), [
    ((True, True, False, False), "optimization"),
    ((True, False, True, True), "model bias"),
    ((False, True, True, False), "overfitting"),
    ((False, False, False, True), "mismatch"),
    ((False, False, False, False), "done"),
])
def test_general_guide_follows_the_flowchart(answers, expected):
    assert L02a.diagnose(*answers) == expected
    fig, numbers = L02a.demo_general_guide(*answers)
    assert isinstance(fig, Figure) and numbers["diagnosis"] == expected


def test_canned_logs_cover_all_four_problems():
    truths = {name: L02a.diagnose_log(log) for name, log in L02a.CANNED_LOGS.items()}
    assert sorted(truths.values()) == sorted(["model bias", "optimization", "overfitting",
                                              "mismatch"])


def test_generalization_bound_numbers():
    assert L02a.n_needed_exact(0.1, 1e4, 0.1) == pytest.approx(610.3036, abs=1e-3)
    assert L02a.n_needed(0.1, 1e4, 0.1) == 611
    assert L02a.hoeffding_bound(611, 0.1, 1e4) <= 0.1 < L02a.hoeffding_bound(610, 0.1, 1e4)
    assert L02a.eps_for(611, 1e4, 0.1) == pytest.approx(0.1, rel=1e-3)
    _, numbers = L02a.demo_generalization_bound(n=100, eps=0.1, log10_h=4)
    assert numbers["vacuous (> 1)"] and numbers["N needed"] == 611


def test_simulated_bad_training_sets_respect_the_bound():
    sim = L02a.simulate_bad_sets(200, 0.1, n_thresholds=20, n_sets=500)
    assert 0 < sim["P(bad) simulated"] <= min(1.0, sim["bound"])


def test_random_breakpoints_are_distinct_interior_grid_points():
    breakpoints, weights = L02a.random_breakpoints(31, seed=3)
    assert len(set(breakpoints.tolist())) == 31 and len(weights) == 31
    assert np.isin(breakpoints, L02a.DYADIC_GRID[1:-1]).all()
    grid = torch.from_numpy(L02a.DYADIC_GRID)
    shallow = torch.relu(grid[:, None] - torch.from_numpy(breakpoints)) @ torch.from_numpy(weights)
    assert notebook.count_pieces(grid, shallow) == 32


def test_shallow_net_needs_as_many_neurons_as_pieces():
    counter = (notebook.tent_net, notebook.count_pieces)
    _, exact = L02a.demo_piece_counter(*counter, depth=3, shallow_neurons=8)
    _, short = L02a.demo_piece_counter(*counter, depth=3, shallow_neurons=4)
    assert exact["deep pieces"] == 8 and exact["shallow max error"] < 1e-9
    assert short["shallow pieces"] <= 5 and short["shallow max error"] > 0.1


def test_fold_fractions_stratified_vs_plain():
    labels = L02a.imbalanced_labels(100, 0.1)
    assert L02a.fold_fractions(labels, StratifiedKFold(5).split(labels, labels)) == [0.1] * 5
    kfold = L02a.fold_fractions(labels, KFold(5).split(labels))
    assert (min(kfold), max(kfold)) == (0.0, 0.5)


def test_picking_on_the_public_board_overfits_it():
    _, one = L02a.demo_leaderboard(n_candidates=1)
    _, many = L02a.demo_leaderboard(n_candidates=500)
    assert many["gap"] > 0.05 and many["public (picked)"] > one["public (picked)"]


def test_leakage_inflates_cross_validation_on_random_labels():
    scores = L02a.leakage_demo(n=80, n_features=2000)
    assert scores["leaky CV accuracy"] > 0.7 and abs(scores["honest CV accuracy"] - 0.5) < 0.2


def test_more_data_does_not_fix_a_mismatch():
    table = L02a.mismatch_curve([50, 800])
    assert table["same distribution"].iloc[-1] > table["same distribution"].iloc[0] + 0.05
    assert table["shifted digits (mismatch)"].iloc[-1] < 0.3


def test_bias_variance_figure_and_the_estimator_analogy():
    fig = L02a.plot_bias_variance_fits(notebook.fit_predict, degrees=(1, 7), n_sets=5)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    stats = L02a.sample_statistics(5, n_repeats=20000)
    assert stats["E[s²]"] == pytest.approx(0.8, abs=0.03)
    assert stats["Var[m]"] == pytest.approx(0.2, abs=0.02)


def test_more_data_narrows_the_overfitting_gap():
    _, small = L02a.demo_overfitting(notebook.plain_mlp, epochs=150)
    _, large = L02a.demo_overfitting(notebook.plain_mlp, n_train=150, epochs=150)
    assert small["train MSE"] < 0.05 and small["gap"] > 2 * large["gap"]


def test_deeper_plain_net_has_larger_training_loss():
    table, curves = L02a.depth_comparison(notebook.plain_mlp, [2, 12], epochs=8)
    loss = table.set_index("hidden layers")["train loss"]
    assert loss[2] < 0.5 < loss[12] and len(curves[2]) == 8


def test_parity_gates_and_xor_chain():
    bits = np.array(np.meshgrid(*[[0, 1]] * 6)).reshape(6, -1).T
    assert (L02a.parity_by_xor_chain(bits) == (bits.sum(1) % 2 == 1)).all()
    assert L02a.parity_gates(10) == {"bits": 10, "2 layers (AND + OR)": 513, "deep (XOR chain)": 9}


def test_shift_right_moves_pixels_and_blanks_the_edge():
    X = np.arange(64, dtype=float).reshape(1, 64)
    shifted = L02a.shift_right(X, 2).reshape(8, 8)
    assert (shifted[:, :2] == 0).all() and shifted[0, 2] == 0 and shifted[0, 3] == 1


def test_fold_plot_labels_each_panel_with_its_own_fractions():
    fig = L02a.plot_folds(L02a.imbalanced_labels(100, 0.1), k=5)
    kfold_ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    strat_ticks = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert kfold_ticks[-1].endswith("0.50") and kfold_ticks[0].endswith("0.00")
    assert all(t.endswith("0.10") for t in strat_ticks)


def test_augmentation_figure_shows_every_variant_of_every_digit():
    fig = L02a.plot_augmentation_examples(digits=(2, 6))
    assert isinstance(fig, Figure) and len(fig.axes) == 10
