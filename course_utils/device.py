"""Device choice, seeding and mixed precision (introduced in 00)."""

from __future__ import annotations

import contextlib
import os
import random
import shutil

import numpy as np
import torch

from course_utils.runtime import environment


def device(prefer: str = "auto") -> torch.device:
    """Return the best available device: CUDA, then Apple MPS, then CPU (or ``prefer``)."""
    if prefer != "auto":
        return torch.device(prefer)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def banner(dev: torch.device | None = None) -> str:
    """One line naming the environment, the device and its memory."""
    dev = dev or device()
    if dev.type == "cuda":
        props = torch.cuda.get_device_properties(dev)
        what = f"cuda ({props.name}, {props.total_memory / 2**30:.0f} GiB)"
    else:
        what = f"{dev.type} ({torch.get_num_threads()} threads)"
    free = shutil.disk_usage(".").free / 2**30
    return f"{environment()} | torch {torch.__version__} | {what} | {free:.0f} GiB free disk"


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA) so that CPU runs repeat exactly."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


def autocast(dev: torch.device) -> contextlib.AbstractContextManager:
    """Mixed precision (float16) on CUDA; a no-op elsewhere."""
    if dev.type == "cuda":
        return torch.autocast("cuda", dtype=torch.float16)
    return contextlib.nullcontext()
