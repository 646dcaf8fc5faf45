"""Demos of L02b (course_utils.demos.optimization)."""

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from course_utils import optimizers as O
from course_utils.demos import optimization as D

matplotlib.use("Agg")


@pytest.mark.parametrize(("surface", "verdict"), [
    ("x² − y²", "saddle point"), ("x² + y²", "local minimum"), ("−x² − y²", "local maximum"),
    ("1-1-1 network (1 − w₁w₂)²", "saddle point")])
def test_critical_point_classifier(surface, verdict):
    fig, numbers = D.demo_critical_point(surface, 0.0, 0.0)
    assert isinstance(fig, Figure)
    assert numbers["type"] == verdict


def test_saddle_escape_lowers_the_loss_as_the_lecture_says():
    _, numbers = D.demo_critical_point()
    np.testing.assert_allclose(numbers["eigenvalues"], [-2, 2])
    assert numbers["L after escape"] == pytest.approx(0.990025, abs=1e-12)
    _, away = D.demo_critical_point(w1=1.0, w2=0.5)
    assert away["type"] == "not critical (g ≠ 0)"


def test_hessian_matches_the_analytic_one():
    _, H = D.gradient_and_hessian("1-1-1 network (1 − w₁w₂)²", (0.5, 2.0))
    # L = (1 − w1 w2)²: H = [[2 w2², 4 w1 w2 − 2], [., 2 w1²]]
    np.testing.assert_allclose(H, [[8.0, 2.0], [2.0, 0.5]])


def test_trained_tiny_mlp_is_near_a_critical_point_but_not_a_minimum():
    run = D.hessian_at_convergence(0, steps=300)
    assert run["parameters"] == 49
    assert run["‖g‖"] < 0.05 and run["training loss"] < 0.05
    assert 0.3 < run["minimum ratio"] < 1.0


def test_small_batches_learn_more_in_the_same_epochs():
    lab = D.batch_size_lab([8, 1297], epochs=3)
    small, full = lab["validation accuracy"]
    assert small > 0.85 and small > full + 0.2


def test_sharp_minimum_suffers_more_from_a_shift():
    _, n = D.demo_sharp_flat(shift=0.1)
    assert n["test − train (sharp)"] > 10 * n["test − train (flat)"] > 0
    _, zero = D.demo_sharp_flat(shift=0.0)
    assert zero["test − train (sharp)"] == zero["test − train (flat)"] == 0


def test_momentum_rolls_past_the_saddle_and_gd_does_not():
    _, n = D.demo_momentum_1d()
    gd, mom = n.values()
    assert -2.3 < gd < -2.0
    assert mom == pytest.approx(2.5, abs=0.05)
    assert D.grad_1d(np.array([-2.0, 0.0, 1.0, 2.5])) == pytest.approx(0)


def test_fixed_lr_is_stuck_with_a_large_gradient():
    paths = D.fixed_lr_runs((1e-2, 1e-7), steps=500)
    bowl = D.SURFACES["convex bowl (ill-conditioned)"]
    for path in paths.values():
        assert bowl.loss(*path[-1]) > 20 and np.linalg.norm(bowl.grad(path[-1])) > 90
    adam = D.run_path(bowl, O.Adam(0.1), 500)
    assert bowl.loss(*adam[-1]) < 1e-2


def test_adagrad_without_decay_explodes_and_decay_fixes_it():
    paths = D.adagrad_explosion(eta=0.3, steps=600)
    const, decay = paths.values()
    assert np.abs(np.diff(const[300:, 1])).max() > 0.3
    assert np.abs(np.diff(decay[300:, 1])).max() < 1e-3


@pytest.mark.parametrize("name", D.RACERS)
def test_every_racer_runs_and_descends_on_the_saddle(name):
    s = D.SURFACES["saddle"]
    path = D.run_path(s, D.make_optimizer(name, 0.05), 400)
    assert s.loss(*path[-1]) < s.loss(*path[0]) - 0.5


def test_race_demo_reports_each_racer():
    fig, n = D.demo_optimizer_race(racers=("SGD", "SGDM"))
    assert isinstance(fig, Figure) and set(n) == {"L (SGD)", "L (SGDM)"}
    assert n["L (SGDM)"] < n["L (SGD)"]
    with pytest.raises(ValueError):
        D.make_optimizer("Adamax", 0.1)


def test_schedule_demo_peaks_where_the_schedules_say():
    _, n = D.demo_schedules(total=10_000, warmup=1_000, period=2_000)
    assert n["peak step (Transformer warm-up)"] == 1_000
    assert n["peak step (one-cycle)"] == 3_000
    assert n["peak step (step decay)"] == 0


def test_lr_range_test_falls_then_blows_up():
    table = D.lr_range_test(1e-4, 10.0, steps=100)
    smooth = table["loss"].ewm(alpha=0.2).mean()
    assert smooth.min() < 0.5 * smooth.iloc[0]
    assert table["lr"].iloc[int(smooth.idxmin())] > 1e-2


def test_adam_takes_eta_sized_first_steps_and_warmup_starts_small():
    adam = D.first_steps(O.Adam(1e-3), steps=5)
    warm = D.first_steps(O.Adam(1e-3, schedule=O.linear_warmup(1e-3, 10)), steps=5)
    moved = adam["g"][0] > 1e-6
    np.testing.assert_allclose(adam["update"][0][moved], 1e-3, rtol=1e-2)
    assert warm["update"][0].mean() < 0.2 * adam["update"][0].mean()
    assert adam["loss"][-1] < adam["loss"][0]


def test_adamw_and_adam_l2_differ():
    runs = D.weight_decay_runs(0.1, epochs=2)
    a, w = (r["norms"][-1] for r in runs.values())
    assert abs(a - w) > 0.5
    assert all(r["val accuracy"] > 0.7 for r in runs.values())
