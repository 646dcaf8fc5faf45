"""Checkpoints as plain state_dicts, never pickled models (introduced in 00)."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn


def _atomic_save(obj: object, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)
    return path


def save_state_dict(path: str | os.PathLike, model: nn.Module) -> Path:
    """Write the model's plain state_dict atomically, as the official samples save their best
    model: ``model.load_state_dict(torch.load(path))`` reads it (introduced in HW01)."""
    return _atomic_save(model.state_dict(), Path(path))


def save_checkpoint(
    path: str | os.PathLike, model: nn.Module, optimizer: torch.optim.Optimizer | None = None,
    epoch: int = 0,
) -> Path:
    """Write model (and optimizer) state_dicts atomically; return the path."""
    state = {"model": model.state_dict(), "epoch": epoch}
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    return _atomic_save(state, Path(path))


def load_checkpoint(
    path: str | os.PathLike, model: nn.Module, optimizer: torch.optim.Optimizer | None = None,
) -> int:
    """Load a checkpoint written by :func:`save_checkpoint` or a plain state_dict written by
    :func:`save_state_dict` (``weights_only=True``).

    Returns the stored epoch so that training can resume after it (0 for a plain state_dict).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path}: train first or check the path.")
    state = torch.load(path, map_location="cpu", weights_only=True)
    if "model" not in state:  # a plain state_dict
        state = {"model": state}
    model.load_state_dict(state["model"])
    if optimizer is not None and "optimizer" in state:
        optimizer.load_state_dict(state["optimizer"])
    return int(state.get("epoch", 0))
