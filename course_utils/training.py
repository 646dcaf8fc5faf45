"""One training loop for every notebook: ``fit``, ``evaluate``, ``predict`` (introduced in 00).

The loop is the one from the HW1 sample code (zero_grad → backward → step per batch, a
validation pass per epoch, early stopping, best checkpoint), written once and tested.
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import torch
from torch import nn
from tqdm.auto import tqdm

from course_utils.checkpoint import save_state_dict
from course_utils.device import autocast
from course_utils.device import device as pick_device
from course_utils.runtime import Profile

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass
class History:
    """Per-epoch mean losses and where the best validation loss was."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int = -1
    best_val_loss: float = math.inf
    stopped_early: bool = False

    @property
    def epochs(self) -> int:
        return len(self.train_loss)


def _to(batch, dev: torch.device):
    if isinstance(batch, (list, tuple)):
        return [b.to(dev, non_blocking=True) for b in batch]
    return batch.to(dev, non_blocking=True)


def _limited(loader: Iterable, max_batches: int | None) -> Iterable:
    for i, batch in enumerate(loader):
        if max_batches is not None and i >= max_batches:
            return
        yield batch


def evaluate(
    model: nn.Module, loader: Iterable, loss_fn: LossFn, device: torch.device | None = None,
    max_batches: int | None = None,
) -> float:
    """Mean loss over the loader (weighted by batch size), in eval mode without a graph."""
    dev = device or next(model.parameters()).device
    model.eval()
    total, count = torch.zeros((), device=dev), 0
    with torch.no_grad():
        for x, y in _limited(loader, max_batches):
            x, y = x.to(dev, non_blocking=True), y.to(dev, non_blocking=True)
            with autocast(dev):
                loss = loss_fn(model(x), y)
            total.add_(loss.detach(), alpha=len(x))
            count += len(x)
    return (total / max(count, 1)).item()


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Top-1 accuracy of ``model`` on the tensors (x, y), in eval mode (introduced in L02b)."""
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def predict(model: nn.Module, loader: Iterable, device: torch.device | None = None) -> torch.Tensor:
    """Concatenated model outputs on the CPU; batches may be tensors or ``(x, ...)`` tuples."""
    dev = device or next(model.parameters()).device
    model.eval()
    outputs = []
    with torch.no_grad():
        for batch in loader:
            x = batch[0] if isinstance(batch, (list, tuple)) else batch
            with autocast(dev):
                outputs.append(model(x.to(dev, non_blocking=True)).float().cpu())
    return torch.cat(outputs)


def fit(
    model: nn.Module,
    train_loader: Iterable,
    val_loader: Iterable | None = None,
    *,
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    device: torch.device | None = None,
    profile: Profile | None = None,
    patience: int | None = None,
    checkpoint: str | os.PathLike | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    progress: bool = True,
) -> History:
    """Train ``model`` and return its :class:`History`.

    With ``val_loader``, the best epoch's weights are kept (and written to ``checkpoint``
    as a plain state_dict, so the official ``model.load_state_dict(torch.load(path))`` reads
    it) and restored at the end; ``patience`` stops after that many epochs
    without improvement. The ``ci`` profile limits every epoch to a few batches. On CUDA
    the forward pass runs in mixed precision.
    """
    dev = device or pick_device()
    model.to(dev)
    max_batches = profile.max_batches if profile is not None else None
    scaler = torch.amp.GradScaler("cuda", enabled=dev.type == "cuda")
    history, best_state, since_best = History(), None, 0
    bar = tqdm(range(epochs), desc="epochs", disable=not progress, leave=False)
    for epoch in bar:
        model.train()
        total, count = torch.zeros((), device=dev), 0
        for x, y in _limited(train_loader, max_batches):
            x, y = x.to(dev, non_blocking=True), y.to(dev, non_blocking=True)
            optimizer.zero_grad(set_to_none=True)
            with autocast(dev):
                loss = loss_fn(model(x), y)
            if scaler.is_enabled():
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
            else:
                loss.backward()
                optimizer.step()
            total.add_(loss.detach(), alpha=len(x))
            count += len(x)
        if scheduler is not None:
            scheduler.step()
        history.train_loss.append((total / max(count, 1)).item())
        if val_loader is None:
            bar.set_postfix(train=f"{history.train_loss[-1]:.4g}")
            continue
        val = evaluate(model, val_loader, loss_fn, dev, max_batches)
        history.val_loss.append(val)
        bar.set_postfix(train=f"{history.train_loss[-1]:.4g}", val=f"{val:.4g}")
        if val < history.best_val_loss:
            history.best_val_loss, history.best_epoch, since_best = val, epoch, 0
            best_state = copy.deepcopy(model.state_dict())
            if checkpoint is not None:
                save_state_dict(checkpoint, model)
        else:
            since_best += 1
            if patience is not None and since_best >= patience:
                history.stopped_early = True
                break
    bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    return history
