"""The training loops of L06's shipped checkpoints (``l06_cgan``, ``l06_dcgan``): Adam over
shuffled mini-batches for the feature networks, and the non-saturating GAN game."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn
from torch.nn import functional as F

SEED = 0
Batch = tuple[Sequence[torch.Tensor], Sequence[torch.Tensor], Sequence[torch.Tensor],
              Sequence[Sequence[torch.Tensor]]]


def fit(model: nn.Module, n: int, batch_loss: Callable[[torch.Tensor], torch.Tensor],
        epochs: int, batch: int = 64) -> nn.Module:
    """Adam (lr 2e-3) on ``batch_loss(indices)`` over shuffled batches of ``range(n)``."""
    g = torch.Generator().manual_seed(SEED)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    for _ in range(epochs):
        for idx in torch.randperm(n, generator=g).split(batch):
            loss = batch_loss(idx)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model


def train_nonsaturating(G: nn.Module, D: nn.Module, draw: Callable[[torch.Generator], Batch],
                        steps: int, log_every: int) -> tuple[nn.Module, nn.Module]:
    """Non-saturating GAN with Adam (lr 2e-4, β₁ = 0.5, the DCGAN paper's). Each step
    ``draw(g)`` gives (real, G's inputs, the condition D sees with each image, extra
    negatives: D inputs it must call fake, e.g. a real image with a wrong label)."""
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    g = torch.Generator().manual_seed(SEED)
    for step in range(steps):
        real, g_inputs, condition, negatives = draw(g)
        fake = G(*g_inputs)
        loss_d = -(F.logsigmoid(D(*real, *condition)).mean()
                   + F.logsigmoid(-D(fake.detach(), *condition)).mean()
                   + sum(F.logsigmoid(-D(*inputs)).mean() for inputs in negatives))
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = -F.logsigmoid(D(fake, *condition)).mean()
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        if step % log_every == 0:
            print(f"step {step}: D loss {loss_d:.3f}, G loss {loss_g:.3f}", flush=True)
    return G, D
