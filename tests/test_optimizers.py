"""From-scratch optimizers and schedules (course_utils.optimizers) against PyTorch."""

import math

import numpy as np
import pytest
import torch

from course_utils import optimizers as O


def _quartic_grad(theta: np.ndarray) -> np.ndarray:
    """Gradient of Σ (θ_i⁴/4 + i·θ_i): varied curvature, never zero at the start."""
    return theta**3 + np.arange(1, len(theta) + 1)


def _run_ours(opt: O.Optimizer, theta0: np.ndarray, steps: int) -> np.ndarray:
    theta, path = theta0.copy(), [theta0.copy()]
    for _ in range(steps):
        theta = opt.step(theta, _quartic_grad(theta))
        path.append(theta)
    return np.array(path)


def _run_torch(make, theta0: np.ndarray, steps: int, scheduler=None) -> np.ndarray:
    p = torch.nn.Parameter(torch.tensor(theta0, dtype=torch.float64))
    opt = make([p])
    sched = scheduler(opt) if scheduler else None
    path = [theta0.copy()]
    for _ in range(steps):
        opt.zero_grad()
        p.grad = torch.from_numpy(_quartic_grad(p.detach().numpy().copy()))
        opt.step()
        if sched:
            sched.step()
        path.append(p.detach().numpy().copy())
    return np.array(path)


THETA0 = np.array([1.5, -0.5, 0.2, 2.0])
PAIRS = {
    "SGD": (lambda: O.SGD(0.05), lambda ps: torch.optim.SGD(ps, lr=0.05)),
    "SGDM": (lambda: O.Momentum(0.05, 0.9), lambda ps: torch.optim.SGD(ps, 0.05, momentum=0.9)),
    "NAG": (lambda: O.Momentum(0.05, 0.9, nesterov=True),
            lambda ps: torch.optim.SGD(ps, 0.05, momentum=0.9, nesterov=True)),
    "Adagrad": (lambda: O.Adagrad(0.1), lambda ps: torch.optim.Adagrad(ps, lr=0.1)),
    "RMSProp": (lambda: O.RMSProp(0.01, alpha=0.99, sigma0_from_first_gradient=False),
                lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.99)),
    "Adam": (lambda: O.Adam(0.05), lambda ps: torch.optim.Adam(ps, lr=0.05)),
    "Adam+L2": (lambda: O.Adam(0.05, weight_decay=0.1),
                lambda ps: torch.optim.Adam(ps, lr=0.05, weight_decay=0.1)),
    "AdamW": (lambda: O.AdamW(0.05, weight_decay=0.1),
              lambda ps: torch.optim.AdamW(ps, lr=0.05, weight_decay=0.1)),
    "AMSGrad": (lambda: O.Adam(0.05, amsgrad=True),
                lambda ps: torch.optim.Adam(ps, lr=0.05, amsgrad=True)),
    "RAdam": (lambda: O.RAdam(0.05), lambda ps: torch.optim.RAdam(ps, lr=0.05)),
}


@pytest.mark.parametrize("name", list(PAIRS))
def test_matches_torch_step_for_step(name):
    ours, theirs = PAIRS[name]
    np.testing.assert_allclose(_run_ours(ours(), THETA0, 40), _run_torch(theirs, THETA0, 40),
                               rtol=1e-9, atol=1e-12)


def test_schedule_matches_torch_scheduler():
    sched = O.step_decay(0.05, every=7, gamma=0.5)
    ours = _run_ours(O.Adam(0.05, schedule=sched), THETA0, 30)
    theirs = _run_torch(lambda ps: torch.optim.Adam(ps, lr=0.05), THETA0, 30,
                        lambda opt: torch.optim.lr_scheduler.StepLR(opt, 7, 0.5))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)


def test_lee_and_d2l_momentum_are_the_same_rule():
    lee = _run_ours(O.Momentum(0.05, 0.9, style="lee"), THETA0, 30)
    d2l = _run_ours(O.Momentum(0.05, 0.9, style="d2l"), THETA0, 30)
    np.testing.assert_allclose(lee, d2l, rtol=1e-10)
    assert not np.allclose(lee, _run_ours(O.SGD(0.05), THETA0, 30))


def test_lecture_sigmas():
    ada = O.Adagrad(1.0, decay=False)
    rms = O.RMSProp(1.0, alpha=0.9)
    for g in (1.0, 3.0):
        ada.step(np.zeros(1), np.array([g]))
        rms.step(np.zeros(1), np.array([g]))
    assert ada.state["sigma"][0] == pytest.approx(math.sqrt(5))
    assert rms.state["sigma"][0] == pytest.approx(math.sqrt(1.8))


@pytest.mark.parametrize("g", [1e-3, 1.0, 1e3])
def test_first_adam_step_is_eta_whatever_the_gradient(g):
    theta = O.Adam(0.01).step(np.zeros(3), np.full(3, g))
    np.testing.assert_allclose(np.abs(theta) / 0.01, 1.0, atol=1e-4)


def test_adabound_band_and_lookahead_and_swats_still_descend():
    for opt in (O.Adam(0.05, bound=(0.05, 1e-3)), O.Lookahead(O.Adam(0.05), k=5),
                O.SWATS(0.05, lr_sgd=0.01, switch_step=20), O.Adam(0.05, nesterov=True)):
        path = _run_ours(opt, THETA0, 200)
        loss = (path**4 / 4 + np.arange(1, 5) * path).sum(axis=1)
        assert loss[-1] < loss[0] - 1.0


def test_lookahead_pulls_back_every_k_steps():
    inner = O.SGD(0.1)
    la = O.Lookahead(inner, k=2, alpha=0.5)
    theta = la.step(np.zeros(1), np.array([-1.0]))   # fast: 0.1
    theta = la.step(theta, np.array([-1.0]))          # fast: 0.2, then halfway back to 0
    assert theta[0] == pytest.approx(0.1)


def test_transformer_warmup_peak():
    s = O.transformer_warmup(512, 4000)
    lrs = [s(t) for t in range(1, 20_000)]
    assert int(np.argmax(lrs)) + 1 == 4000
    assert s(4000) == pytest.approx(6.988e-4, rel=1e-3)


def test_sgdr_matches_torch():
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.1)
    sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=10, T_mult=2,
                                                                 eta_min=0.001)
    ours = O.sgdr(0.1, 10, 2, 0.001)
    for t in range(60):
        assert opt.param_groups[0]["lr"] == pytest.approx(ours(t), rel=1e-9)
        opt.step()
        sched.step()


def test_cyclical_one_cycle_and_warmup_shapes():
    cyc = O.cyclical(0.01, 0.1, half_cycle=5)
    assert cyc(0) == pytest.approx(0.01) and cyc(5) == pytest.approx(0.1)
    assert cyc(10) == pytest.approx(0.01)
    oc = O.one_cycle(1.0, total=100)
    lrs = [oc(t) for t in range(100)]
    assert int(np.argmax(lrs)) == 30 and lrs[0] == pytest.approx(0.04) and lrs[-1] < 1e-3
    warm = O.linear_warmup(0.1, 10)
    assert warm(0) == pytest.approx(0.01) and warm(9) == warm(50) == pytest.approx(0.1)
