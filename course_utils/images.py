"""torchvision's image helpers that the HW06 sample calls, on Pillow and torch (introduced in HW06).

``read_image`` is ``torchvision.io.read_image``, ``make_grid`` and ``save_image`` are
``torchvision.utils.make_grid`` and ``save_image`` with their defaults (2-pixel black padding,
8 images a row, values in [0, 1] rounded to 8 bits), so the sample's calls read unchanged.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from PIL import Image


def read_image(path: str | Path) -> torch.Tensor:
    """The image at ``path`` as a uint8 tensor (C, H, W), RGB (or grey with one channel)."""
    with Image.open(path) as image:
        array = np.asarray(image.convert("L" if image.mode in ("L", "1") else "RGB"))
    array = array[:, :, None] if array.ndim == 2 else array
    return torch.from_numpy(array.transpose(2, 0, 1).copy())


def make_grid(tensor: torch.Tensor | list[torch.Tensor], nrow: int = 8, padding: int = 2,
              pad_value: float = 0.0) -> torch.Tensor:
    """Images (B, C, H, W) (or a list of (C, H, W)) tiled ``nrow`` a row into one (C, H', W')."""
    batch = torch.stack(list(tensor)) if isinstance(tensor, list) else tensor
    if batch.dim() == 3:
        batch = batch.unsqueeze(0)
    if batch.size(1) == 1:
        batch = batch.expand(-1, 3, -1, -1)
    n, c, h, w = batch.shape
    cols = min(nrow, n)
    rows = math.ceil(n / cols)
    grid = batch.new_full((c, rows * (h + padding) + padding, cols * (w + padding) + padding),
                          pad_value)
    for k in range(n):
        top, left = (k // cols) * (h + padding) + padding, (k % cols) * (w + padding) + padding
        grid[:, top:top + h, left:left + w] = batch[k]
    return grid


def save_image(tensor: torch.Tensor | list[torch.Tensor], fp: str | Path, nrow: int = 8,
               padding: int = 2) -> None:
    """Write a (C, H, W) image, or a grid of a batch, with values in [0, 1], as ``fp``'s format."""
    grid = make_grid(tensor, nrow=nrow, padding=padding) if (
        isinstance(tensor, list) or tensor.dim() == 4) else tensor
    array = grid.detach().cpu().mul(255).add_(0.5).clamp_(0, 255).to(torch.uint8)
    array = array.permute(1, 2, 0).numpy()
    Image.fromarray(array[:, :, 0] if array.shape[2] == 1 else array).save(fp)
