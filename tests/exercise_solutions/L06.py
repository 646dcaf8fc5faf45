"""Solutions and plausible wrong answers to the L06 exercises (used by test_exercises_L06.py)."""

import torch
from torch.nn import functional as F


# ---------------------------------------------------------------- hinge loss of D
def hinge_d_loss(real_score, fake_score):
    return F.relu(1 - real_score).mean() + F.relu(1 + fake_score).mean()


def hinge_without_relu(real_score, fake_score):
    return (1 - real_score).mean() + (1 + fake_score).mean()


def hinge_signs_swapped(real_score, fake_score):
    return F.relu(1 + real_score).mean() + F.relu(1 - fake_score).mean()


def hinge_summed(real_score, fake_score):
    return F.relu(1 - real_score).sum() + F.relu(1 + fake_score).sum()


# ---------------------------------------------------------------- R1 penalty
def _grad_at(D, real, create_graph=True):
    x = real.detach().requires_grad_(True)
    grad, = torch.autograd.grad(D(x).sum(), x, create_graph=create_graph)
    return grad


def r1_penalty(D, real, gamma):
    return gamma / 2 * _grad_at(D, real).pow(2).sum(1).mean()


def r1_centred_at_one(D, real, gamma):
    return gamma / 2 * ((_grad_at(D, real).norm(dim=1) - 1) ** 2).mean()


def r1_without_half(D, real, gamma):
    return gamma * _grad_at(D, real).pow(2).sum(1).mean()


def r1_without_graph(D, real, gamma):
    return gamma / 2 * _grad_at(D, real, create_graph=False).pow(2).sum(1).mean()


# ---------------------------------------------------------------- slerp
def _angle(z0, z1, normalize=True):
    if normalize:
        z0, z1 = z0 / z0.norm(), z1 / z1.norm()
    return torch.arccos((z0 @ z1).clamp(-1, 1) if normalize else z0 @ z1)


def slerp(z0, z1, t):
    omega = _angle(z0, z1)
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


def lerp(z0, z1, t):
    return (1 - t) * z0 + t * z1


def slerp_weights_swapped(z0, z1, t):
    omega = _angle(z0, z1)
    return (torch.sin(t * omega) * z0 + torch.sin((1 - t) * omega) * z1) / torch.sin(omega)


def slerp_unnormalized_angle(z0, z1, t):
    omega = _angle(z0, z1, normalize=False)
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)
