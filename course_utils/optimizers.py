"""Optimizers and learning-rate schedules written from scratch (introduced in L02b).

Every optimizer follows the lecture's general form
$\\theta \\leftarrow \\theta - \\frac{\\eta^t}{\\sigma^t} m^t$ on NumPy arrays:
``opt.step(theta, g)`` returns the new ``theta``, and ``opt.state`` keeps ``m``/``sigma``
for plots. The optional ``schedule`` gives η^t = ``schedule(t)`` for t = 0, 1, ... (else η
is constant). Where PyTorch has the same rule, the tests check that both agree step for step.
Schedules are plain functions ``step -> learning rate``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

Schedule = Callable[[int], float]


class Optimizer:
    """Base class: holds η, the step counter ``t`` and the optional schedule η^t."""

    def __init__(self, lr: float, schedule: Schedule | None = None):
        self.lr = lr
        self.schedule = schedule
        self.t = 0
        self.state: dict[str, np.ndarray] = {}

    def eta(self) -> float:
        """η^t of the step about to be taken."""
        return self.schedule(self.t) if self.schedule else self.lr

    def step(self, theta: np.ndarray, g: np.ndarray) -> np.ndarray:
        theta = np.asarray(theta, dtype=float)
        new = self._update(theta, np.asarray(g, dtype=float), self.eta())
        self.t += 1
        return new

    def _update(self, theta: np.ndarray, g: np.ndarray, eta: float) -> np.ndarray:
        raise NotImplementedError


class SGD(Optimizer):
    """Vanilla (stochastic) gradient descent: θ ← θ − η g."""

    def _update(self, theta, g, eta):
        return theta - eta * g


class Momentum(Optimizer):
    """SGD with momentum (SGDM).

    ``style="lee"``: movement m ← λm − ηg, θ ← θ + m (the lecture's rolling ball).
    ``style="d2l"``: v ← βv + g, θ ← θ − ηv (d2l and ``torch.optim.SGD(momentum=β)``).
    ``nesterov=True`` evaluates the step at the look-ahead point (NAG, in PyTorch's form).
    """

    def __init__(self, lr: float, momentum: float = 0.9, style: str = "d2l",
                 nesterov: bool = False, schedule: Schedule | None = None):
        super().__init__(lr, schedule)
        if style not in ("lee", "d2l"):
            raise ValueError(f"style must be 'lee' or 'd2l', got {style!r}.")
        self.momentum, self.style, self.nesterov = momentum, style, nesterov

    def _update(self, theta, g, eta):
        if self.style == "lee":
            m = self.momentum * self.state.get("m", 0.0) - eta * g
            self.state["m"] = m
            return theta + (self.momentum * m - eta * g if self.nesterov else m)
        v = g if self.t == 0 else self.momentum * self.state["v"] + g
        self.state["v"] = v
        return theta - eta * (g + self.momentum * v if self.nesterov else v)


class Adagrad(Optimizer):
    """Adagrad: σ^t = RMS of all past gradients, θ ← θ − η^t/σ^t · g.

    With ``decay=True`` η^t = η/√(t+1) (d2l's and PyTorch's form, η·g/√Σg²); without it η is
    constant, the lecture's first version, which can explode after long flat stretches.
    """

    def __init__(self, lr: float, eps: float = 1e-10, decay: bool = True,
                 schedule: Schedule | None = None):
        super().__init__(lr, schedule)
        self.eps, self.decay = eps, decay

    def _update(self, theta, g, eta):
        sum_sq = self.state.get("sum_sq", 0.0) + g**2
        self.state["sum_sq"] = sum_sq
        sigma = np.sqrt(sum_sq / (self.t + 1))
        self.state["sigma"] = sigma
        if self.decay:  # η/√(t+1) / σ = η/√Σg²
            return theta - eta * g / (np.sqrt(sum_sq) + self.eps)
        return theta - eta * g / (sigma + self.eps)


class RMSProp(Optimizer):
    """RMSProp: σ_t = √(α σ²_{t−1} + (1−α) g²), θ ← θ − η g/σ (Hinton's Coursera lecture 6e).

    ``sigma0_from_first_gradient=True`` is the lecture's σ⁰ = |g⁰|; ``False`` starts the
    average at 0, as ``torch.optim.RMSprop`` does.
    """

    def __init__(self, lr: float, alpha: float = 0.9, eps: float = 1e-8,
                 sigma0_from_first_gradient: bool = True, schedule: Schedule | None = None):
        super().__init__(lr, schedule)
        self.alpha, self.eps, self.sigma0_from_first = alpha, eps, sigma0_from_first_gradient

    def _update(self, theta, g, eta):
        if self.t == 0 and self.sigma0_from_first:
            sq = g**2
        else:
            sq = self.alpha * self.state.get("sq", 0.0) + (1 - self.alpha) * g**2
        self.state["sq"] = sq
        self.state["sigma"] = np.sqrt(sq)
        return theta - eta * g / (np.sqrt(sq) + self.eps)


class Adam(Optimizer):
    """Adam = RMSProp + momentum with bias correction (``torch.optim.Adam``'s rule).

    ``weight_decay`` adds λθ to the gradient (Adam + L2); ``decoupled=True`` instead shrinks
    θ by ηλθ directly (AdamW). ``amsgrad=True`` divides by the running max of v (AMSGrad).
    ``nesterov=True`` uses the look-ahead first moment (a simple Nadam). ``bound=(final_lr,
    gamma)`` clips the per-parameter step size into a band that narrows to final_lr (AdaBound).
    """

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, decoupled: bool = False,
                 amsgrad: bool = False, nesterov: bool = False,
                 bound: tuple[float, float] | None = None, schedule: Schedule | None = None):
        super().__init__(lr, schedule)
        self.beta1, self.beta2 = betas
        self.eps, self.weight_decay, self.decoupled = eps, weight_decay, decoupled
        self.amsgrad, self.nesterov, self.bound = amsgrad, nesterov, bound

    def _moments(self, theta: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        if self.weight_decay and not self.decoupled:
            g = g + self.weight_decay * theta
        m = self.beta1 * self.state.get("m", 0.0) + (1 - self.beta1) * g
        v = self.beta2 * self.state.get("v", 0.0) + (1 - self.beta2) * g**2
        self.state.update(m=m, v=v)
        return m, v, self.t + 1

    def _update(self, theta, g, eta):
        if self.weight_decay and self.decoupled:
            theta = theta * (1 - eta * self.weight_decay)
        m, v, t = self._moments(theta, g)
        if self.amsgrad:
            v = np.maximum(self.state.get("v_max", 0.0), v)
            self.state["v_max"] = v
        m_hat = m / (1 - self.beta1**t)
        if self.nesterov:
            m_hat = self.beta1 * m_hat + (1 - self.beta1) * g / (1 - self.beta1**t)
        sigma = np.sqrt(v / (1 - self.beta2**t)) + self.eps
        self.state["sigma"] = sigma
        step_size = eta / sigma
        if self.bound is not None:
            final_lr, gamma = self.bound
            step_size = np.clip(step_size, final_lr * (1 - 1 / (gamma * t + 1)),
                                final_lr * (1 + 1 / (gamma * t)))
        return theta - step_size * m_hat


def AdamW(lr: float = 1e-3, weight_decay: float = 1e-2, **kwargs) -> Adam:  # noqa: N802
    """AdamW: Adam with decoupled weight decay (``torch.optim.AdamW``)."""
    return Adam(lr, weight_decay=weight_decay, decoupled=True, **kwargs)


class RAdam(Adam):
    """Rectified Adam (``torch.optim.RAdam``): SGDM-like steps until the variance of the
    adaptive rate is tractable (ρ_t > 5), then Adam scaled by the rectification r_t."""

    def _update(self, theta, g, eta):
        m, v, t = self._moments(theta, g)
        m_hat = m / (1 - self.beta1**t)
        rho_inf = 2 / (1 - self.beta2) - 1
        rho_t = rho_inf - 2 * t * self.beta2**t / (1 - self.beta2**t)
        if rho_t <= 5.0:
            self.state["sigma"] = np.ones_like(theta)
            return theta - eta * m_hat
        rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                         / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        sigma = (np.sqrt(v) + self.eps) / math.sqrt(1 - self.beta2**t)
        self.state["sigma"] = sigma
        return theta - eta * rect * m_hat / sigma


class SWATS(Optimizer):
    """Start with Adam, switch to SGDM at ``switch_step`` (a fixed-step SWATS)."""

    def __init__(self, lr: float = 1e-3, lr_sgd: float = 1e-2, switch_step: int = 100,
                 momentum: float = 0.9, schedule: Schedule | None = None):
        super().__init__(lr, schedule)
        self.adam, self.sgdm = Adam(lr), Momentum(lr_sgd, momentum)
        self.switch_step = switch_step

    def _update(self, theta, g, eta):
        return (self.adam if self.t < self.switch_step else self.sgdm).step(theta, g)


class Lookahead(Optimizer):
    """Lookahead wrapper: the inner optimizer takes k fast steps, then the slow weights move
    a fraction α towards them and the fast weights restart there (k forward, 1 back)."""

    def __init__(self, inner: Optimizer, k: int = 5, alpha: float = 0.5):
        super().__init__(inner.lr)
        self.inner, self.k, self.alpha = inner, k, alpha

    def _update(self, theta, g, eta):
        if "slow" not in self.state:
            self.state["slow"] = theta.copy()
        fast = self.inner.step(theta, g)
        if (self.t + 1) % self.k == 0:
            self.state["slow"] = self.state["slow"] + self.alpha * (fast - self.state["slow"])
            fast = self.state["slow"].copy()
        return fast


# --------------------------------------------------------------------------- schedules

def constant(lr: float) -> Schedule:
    """η at every step."""
    return lambda t: lr


def step_decay(lr: float, every: int, gamma: float = 0.1) -> Schedule:
    """η·γ^⌊t/every⌋ (``StepLR``)."""
    return lambda t: lr * gamma ** (t // every)


def exponential_decay(lr: float, gamma: float) -> Schedule:
    """η·γ^t (``ExponentialLR``)."""
    return lambda t: lr * gamma**t


def transformer_warmup(d_model: int = 512, warmup: int = 4000) -> Schedule:
    """d^−0.5 · min(t^−0.5, t · warmup^−1.5) for steps t ≥ 1 ("Attention Is All You Need")."""
    return lambda t: d_model**-0.5 * min(max(t, 1) ** -0.5, max(t, 1) * warmup**-1.5)


def linear_warmup(lr: float, warmup: int) -> Schedule:
    """Linear ramp from η/warmup to η over ``warmup`` steps, then constant."""
    return lambda t: lr * min(1.0, (t + 1) / warmup)


def cyclical(base_lr: float, max_lr: float, half_cycle: int) -> Schedule:
    """Triangular cyclical LR (Smith 2017; ``CyclicLR(mode='triangular')``)."""
    def lr(t: int) -> float:
        x = abs(t / half_cycle - 2 * (t // (2 * half_cycle)) - 1)
        return base_lr + (max_lr - base_lr) * max(0.0, 1 - x)
    return lr


def sgdr(lr: float, period: int, mult: int = 1, min_lr: float = 0.0) -> Schedule:
    """Cosine annealing with warm restarts (SGDR; ``CosineAnnealingWarmRestarts``)."""
    def schedule(t: int) -> float:
        length = period
        while t >= length:
            t -= length
            length *= mult
        return min_lr + (lr - min_lr) * (1 + math.cos(math.pi * t / length)) / 2
    return schedule


def one_cycle(max_lr: float, total: int, pct_start: float = 0.3, div: float = 25.0,
              final_div: float = 1e4) -> Schedule:
    """One-cycle: cosine up from max_lr/div to max_lr, then down to max_lr/(div·final_div)."""
    up = pct_start * total

    def schedule(t: int) -> float:
        if t < up:
            lo, hi, frac = max_lr / div, max_lr, t / up
        else:
            lo, hi, frac = max_lr / div / final_div, max_lr, (t - up) / max(total - up, 1)
            frac = 1 - min(frac, 1.0)
        return lo + (hi - lo) * (1 - math.cos(math.pi * frac)) / 2
    return schedule
