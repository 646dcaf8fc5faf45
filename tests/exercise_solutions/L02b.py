"""Solutions and plausible wrong answers to the L02b exercises (used by test_exercises_L02b.py)."""

import math

import torch


# ---------------------------------------------------------------- critical-point type
def _g_and_eigenvalues(loss, theta):
    g = torch.autograd.functional.jacobian(loss, theta)
    return g, torch.linalg.eigvalsh(torch.autograd.functional.hessian(loss, theta))


def critical_point(loss, theta):
    g, lam = _g_and_eigenvalues(loss, theta)
    if g.norm() > 1e-8:
        return "not critical"
    if (lam > 0).all():
        return "local minimum"
    if (lam < 0).all():
        return "local maximum"
    return "saddle point"


def critical_point_ignores_gradient(loss, theta):
    _, lam = _g_and_eigenvalues(loss, theta)
    if (lam > 0).all():
        return "local minimum"
    if (lam < 0).all():
        return "local maximum"
    return "saddle point"


def critical_point_from_diagonal(loss, theta):
    """Reads the curvature off H's diagonal instead of its eigenvalues."""
    g = torch.autograd.functional.jacobian(loss, theta)
    d = torch.autograd.functional.hessian(loss, theta).diagonal()
    if g.norm() > 1e-8:
        return "not critical"
    if (d >= 0).all():
        return "local minimum"
    if (d <= 0).all():
        return "local maximum"
    return "saddle point"


def critical_point_by_majority(loss, theta):
    g, lam = _g_and_eigenvalues(loss, theta)
    if g.norm() > 1e-8:
        return "not critical"
    positive = (lam > 0).float().mean()
    return "local minimum" if positive > 0.5 else "local maximum"


# ---------------------------------------------------------------- AdamW
def adamw_step(theta, g, m, v, t, lr, betas, eps, weight_decay):
    beta1, beta2 = betas
    theta = theta * (1 - lr * weight_decay)
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / (v_hat.sqrt() + eps), m, v


def adam_l2_step(theta, g, m, v, t, lr, betas, eps, weight_decay):
    """Adam + L2: the decay is added to the gradient."""
    return adamw_step(theta, g + weight_decay * theta, m, v, t, lr, betas, eps, 0.0)


def adam_step_without_decay(theta, g, m, v, t, lr, betas, eps, weight_decay):
    return adamw_step(theta, g, m, v, t, lr, betas, eps, 0.0)


def adamw_without_bias_correction(theta, g, m, v, t, lr, betas, eps, weight_decay):
    beta1, beta2 = betas
    theta = theta * (1 - lr * weight_decay)
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    return theta - lr * m / (v.sqrt() + eps), m, v


def adamw_returns_theta_only(theta, g, m, v, t, lr, betas, eps, weight_decay):
    return adamw_step(theta, g, m, v, t, lr, betas, eps, weight_decay)[0]


# ---------------------------------------------------------------- warm-up + cosine
def warmup_cosine(t, peak_lr, warmup, total):
    if t < warmup:
        return peak_lr * t / warmup
    return peak_lr * 0.5 * (1 + math.cos(math.pi * (t - warmup) / (total - warmup)))


def warmup_cosine_starts_at_first_step(t, peak_lr, warmup, total):
    """Ramps as (t + 1)/warmup, so η⁰ = peak/warmup instead of 0."""
    if t < warmup:
        return peak_lr * (t + 1) / warmup
    return warmup_cosine(t, peak_lr, warmup, total)


def warmup_cosine_from_zero(t, peak_lr, warmup, total):
    """The cosine counts from t = 0 instead of from the end of the warm-up."""
    if t < warmup:
        return peak_lr * t / warmup
    return peak_lr * 0.5 * (1 + math.cos(math.pi * t / total))


def warmup_linear_decay(t, peak_lr, warmup, total):
    if t < warmup:
        return peak_lr * t / warmup
    return peak_lr * (total - t) / (total - warmup)


# ---------------------------------------------------------------- Nesterov in PyTorch's variables
def nesterov_step(phi, g, v, lr, momentum):
    v = momentum * v + g
    return phi - lr * (g + momentum * v), v


def nesterov_step_plain_momentum(phi, g, v, lr, momentum):
    v = momentum * v + g
    return phi - lr * v, v


def nesterov_step_wrong_sign(phi, g, v, lr, momentum):
    v = momentum * v + g
    return phi - lr * (g - momentum * v), v


def nesterov_step_returns_phi_only(phi, g, v, lr, momentum):
    return nesterov_step(phi, g, v, lr, momentum)[0]
