"""Where the notebook runs and how big its work may be (introduced in 00).

A *profile* turns one notebook parameter into sizes: ``ci`` is a seconds-long smoke run,
``cpu`` the default that the committed outputs come from, ``gpu`` the full-size run.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import EllipsisType
from typing import TypeVar

import torch

PROFILES = ("ci", "cpu", "gpu")
PROFILE_ENV = "COURSE_PROFILE"
FAST_DEV_RUN_ENV = "COURSE_FAST_DEV_RUN"
T = TypeVar("T")


class ProfileError(ValueError):
    """An unknown profile name was asked for."""


def environment() -> str:
    """Return ``'colab'``, ``'kaggle'`` or ``'local'``."""
    if "google.colab" in sys.modules or os.environ.get("COLAB_RELEASE_TAG"):
        return "colab"
    if os.environ.get("KAGGLE_KERNEL_RUN_TYPE") or Path("/kaggle/input").is_dir():
        return "kaggle"
    return "local"


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Profile:
    """A resolved run profile; ``pick`` chooses the size that belongs to it."""

    name: str
    requested: str

    @property
    def fast_dev_run(self) -> bool:
        return self.name == "ci"

    @property
    def max_batches(self) -> int | None:
        """Batches per epoch the training loop may run (``None``: all)."""
        return 3 if self.fast_dev_run else None

    def pick(self, *, ci: T, cpu: T, gpu: T | EllipsisType = ...) -> T:
        """Return the value for this profile; a left-out ``gpu`` falls back to ``cpu``, while
        ``gpu=None`` is the value None (as in ``n_train = P.pick(..., gpu=None)``: every pair)."""
        if self.name == "ci":
            return ci
        if self.name == "gpu" and gpu is not ...:
            return gpu
        return cpu

    def __str__(self) -> str:
        how = "" if self.requested == self.name else f" (from {self.requested!r})"
        return f"profile {self.name}{how}"


def profile(name: str = "auto", fast_dev_run: bool = False) -> Profile:
    """Resolve the notebook's ``PROFILE``/``FAST_DEV_RUN`` parameters into a :class:`Profile`.

    ``COURSE_PROFILE`` and ``COURSE_FAST_DEV_RUN=1`` override the notebook; ``auto`` picks
    ``gpu`` when CUDA is present and ``cpu`` otherwise.
    """
    requested = os.environ.get(PROFILE_ENV) or name
    key = str(requested).strip().lower()
    if key not in ("auto", *PROFILES):
        raise ProfileError(
            f"Unknown profile {requested!r}. Pick one of 'auto', 'ci', 'cpu', 'gpu' in the "
            f"notebook's parameters cell (PROFILE = ...) or in ${PROFILE_ENV}."
        )
    if fast_dev_run or _env_flag(FAST_DEV_RUN_ENV):
        key = "ci"
    elif key == "auto":
        key = "gpu" if torch.cuda.is_available() else "cpu"
    return Profile(name=key, requested=str(requested))
