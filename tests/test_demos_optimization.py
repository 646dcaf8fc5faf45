"""Demos of L02b (course_utils.demos.optimization): figure/widget plumbing and data."""

import matplotlib
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from torch.optim import lr_scheduler

from course_utils.demos import optimization as D

matplotlib.use("Agg")


def _sign_classifier(lam):
    if (lam > 0).all():
        return "local minimum"
    return "local maximum" if (lam < 0).all() else "saddle point"


@pytest.mark.parametrize(("surface", "verdict"), [
    ("x² − y²", "saddle point"), ("x² + y²", "local minimum"), ("−x² − y²", "local maximum"),
    ("1-1-1 network (1 − w₁w₂)²", "saddle point")])
def test_critical_point_demo_passes_the_eigenvalues_to_the_classifier(surface, verdict):
    fig, numbers = D.demo_critical_point(surface, 0.0, 0.0, classify=_sign_classifier)
    assert isinstance(fig, Figure)
    assert numbers["type"] == verdict


def test_saddle_escape_lowers_the_loss_as_the_lecture_says():
    _, numbers = D.demo_critical_point(classify=_sign_classifier)
    np.testing.assert_allclose(numbers["eigenvalues"], [-2, 2])
    assert numbers["L after escape"] == pytest.approx(0.990025, abs=1e-12)
    _, away = D.demo_critical_point(w1=1.0, w2=0.5, classify=_sign_classifier)
    assert away["type"] == "not critical (g ≠ 0)"


def test_trained_tiny_mlp_is_near_a_critical_point_but_not_a_minimum():
    run = D.hessian_at_convergence(0, steps=300)
    assert run["parameters"] == 49
    assert run["‖g‖"] < 0.05 and run["training loss"] < 0.05
    assert 0.3 < run["minimum ratio"] < 1.0


def test_torch_path_and_lr_sequence_run_the_library_versions():
    path = D.torch_path(lambda ps: torch.optim.SGD(ps, lr=0.5), torch.tensor([2.0]),
                        lambda th: 2 * th, 3)
    assert path.squeeze().tolist() == [2.0, 0.0, 0.0, 0.0]
    lrs = D.lr_sequence(lambda o: lr_scheduler.StepLR(o, 2, 0.5), 5, 1.0)
    assert lrs.tolist() == [1.0, 1.0, 0.5, 0.5, 0.25]


def test_batch_lab_budgets():
    epochs = D.batch_size_lab([8, 1297], epochs=3)
    assert epochs["updates"].tolist() == [3 * 163, 3]
    small, full = epochs["validation accuracy"]
    assert small > 0.85 and small > full + 0.2
    updates = D.batch_size_lab([8, 1297], updates=150)
    assert updates["updates"].tolist() == [150, 150] and updates["epochs"].tolist()[1] == 150
    assert (updates["validation accuracy"] > 0.7).all()
    with pytest.raises(ValueError, match="exactly one budget"):
        D.batch_size_lab([8], epochs=1, updates=1)


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
    adam = D.run_path(bowl, lambda ps: torch.optim.Adam(ps, 0.1), 500)
    assert bowl.loss(*adam[-1]) < 1e-2


def test_adagrad_without_decay_explodes_and_decay_fixes_it():
    const, decay = D.adagrad_explosion(eta=0.3, steps=600).values()
    assert np.abs(np.diff(const[300:, 1])).max() > 0.3
    assert np.abs(np.diff(decay[300:, 1])).max() < 1e-3


@pytest.mark.parametrize("name", D.RACERS)
def test_every_racer_runs_and_descends_on_the_saddle(name):
    s = D.SURFACES["saddle"]
    path = D.run_path(s, lambda ps: D.RACERS[name](ps, 0.05, 0.9, 0.999, 0.9), 400)
    assert s.loss(*path[-1]) < s.loss(*path[0]) - 0.5


def test_race_demo_reports_each_racer_and_takes_extra_racers():
    extra = {"SGD twice": lambda ps, lr, b1, b2, a: torch.optim.SGD(ps, lr)}
    fig, n = D.demo_optimizer_race(racers=("SGD", "SGDM", "SGD twice"), extra=extra)
    assert isinstance(fig, Figure) and set(n) == {"L (SGD)", "L (SGDM)", "L (SGD twice)"}
    assert n["L (SGDM)"] < n["L (SGD)"] == n["L (SGD twice)"]
    with pytest.raises(ValueError, match="Unknown racer"):
        D.demo_optimizer_race(racers=("Adamax",))


def test_schedule_demo_peaks_where_the_schedules_say():
    _, n = D.demo_schedules(total=10_000, warmup=1_000, period=2_000)
    assert n["peak step (Transformer warm-up)"] == 999      # step t = 999 is the 1000th
    assert n["peak step (one-cycle)"] == 2_999
    assert n["peak step (step decay)"] == 0


def test_lr_range_test_falls_then_blows_up():
    table = D.lr_range_test(1e-4, 10.0, steps=100)
    smooth = table["loss"].ewm(alpha=0.2).mean()
    assert smooth.min() < 0.5 * smooth.iloc[0]
    assert table["lr"].iloc[int(smooth.idxmin())] > 1e-2


def test_sigma_of_reads_each_optimizers_state():
    p = torch.zeros(2, requires_grad=True)
    rms = 0.1**0.5                                       # √((1 − α)g²) after one step
    for make, expected in ((lambda ps: torch.optim.Adam(ps), [1.0, 3.0]),
                           (lambda ps: torch.optim.Adagrad(ps), [1.0, 3.0]),
                           (lambda ps: torch.optim.RMSprop(ps, alpha=0.9), [rms, 3 * rms])):
        opt = make([p])
        p.grad = torch.tensor([1.0, -3.0])
        opt.step()
        np.testing.assert_allclose(D.sigma_of(opt), expected, rtol=1e-5)


def test_adam_takes_eta_sized_first_steps_and_warmup_starts_small():
    adam = D.first_steps(lambda ps: torch.optim.Adam(ps, 1e-3), steps=5)
    warm = D.first_steps(lambda ps: torch.optim.Adam(ps, 1e-3), steps=5,
                         schedule=lambda o: lr_scheduler.LinearLR(o, 0.1, total_iters=9))
    moved = adam["g"][0] > 1e-6
    np.testing.assert_allclose(adam["update"][0][moved], 1e-3, rtol=1e-2)
    assert warm["update"][0].mean() < 0.2 * adam["update"][0].mean()
    assert adam["loss"][-1] < adam["loss"][0]


def test_adamw_and_adam_l2_differ():
    runs = D.weight_decay_runs(0.1, epochs=2)
    a, w = (r["norms"][-1] for r in runs.values())
    assert abs(a - w) > 0.5
    assert all(r["val accuracy"] > 0.7 for r in runs.values())
