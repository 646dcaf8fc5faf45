"""The few ``torchvision.transforms`` the homework samples use, on Pillow, NumPy and torch.

Introduced in HW03 (``test_tfm``/``train_tfm``), reused by HW09, HW11 and HW13. The classes
keep torchvision's names and semantics, so the official sample code reads unchanged:
``import course_utils.transforms as transforms``. Random augmentation runs batch-wise on
tensors with kornia instead (see the HW03 notebook).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from PIL import Image

Size = int | Sequence[int]


class Compose:
    """Apply ``transforms`` one after the other."""

    def __init__(self, transforms: Sequence[Callable]):
        self.transforms = list(transforms)

    def __call__(self, image):
        for transform in self.transforms:
            image = transform(image)
        return image

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose({inner}\n)"


class Resize:
    """Resize a PIL image: ``(h, w)`` exactly, or an int for the shorter side (keeping the
    aspect ratio), bilinear with antialiasing like torchvision on PIL images."""

    def __init__(self, size: Size, interpolation: int = Image.BILINEAR):
        self.size = size
        self.interpolation = interpolation

    def __call__(self, image: Image.Image) -> Image.Image:
        if isinstance(self.size, int):
            w, h = image.size
            short, long = (w, h) if w <= h else (h, w)
            new_long = int(self.size * long / short)
            size = (self.size, new_long) if w <= h else (new_long, self.size)
        else:
            h, w = self.size
            size = (w, h)
        return image.resize(size, self.interpolation)

    def __repr__(self) -> str:
        return f"Resize(size={self.size})"


class CenterCrop:
    """Crop the centre ``(h, w)`` (or ``size × size``) of a PIL image."""

    def __init__(self, size: Size):
        self.size = (size, size) if isinstance(size, int) else tuple(size)

    def __call__(self, image: Image.Image) -> Image.Image:
        h, w = self.size
        left, top = round((image.width - w) / 2), round((image.height - h) / 2)
        return image.crop((left, top, left + w, top + h))

    def __repr__(self) -> str:
        return f"CenterCrop(size={self.size})"


class Grayscale:
    """Convert a PIL image to grayscale with 1 or 3 output channels."""

    def __init__(self, num_output_channels: int = 1):
        self.num_output_channels = num_output_channels

    def __call__(self, image: Image.Image) -> Image.Image:
        gray = image.convert("L")
        return gray.convert("RGB") if self.num_output_channels == 3 else gray


class RandomHorizontalFlip:
    """Mirror a PIL image left-right with probability ``p`` (torch's random generator)."""

    def __init__(self, p: float = 0.5):
        self.p = p

    def __call__(self, image: Image.Image) -> Image.Image:
        if torch.rand(1).item() < self.p:
            return image.transpose(Image.FLIP_LEFT_RIGHT)
        return image


class ToTensor:
    """PIL image or HxWxC uint8 array → float tensor (C, H, W) in [0, 1]."""

    def __call__(self, image) -> torch.Tensor:
        array = np.asarray(image)
        if array.ndim == 2:
            array = array[:, :, None]
        tensor = torch.from_numpy(array.transpose(2, 0, 1).copy())
        return tensor.float().div(255) if array.dtype == np.uint8 else tensor.float()

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """``(x - mean) / std`` per channel of a (C, H, W) tensor."""

    def __init__(self, mean: Sequence[float], std: Sequence[float]):
        self.mean, self.std = list(mean), list(std)

    def __call__(self, tensor: torch.Tensor) -> torch.Tensor:
        mean = torch.tensor(self.mean, dtype=tensor.dtype).view(-1, 1, 1)
        std = torch.tensor(self.std, dtype=tensor.dtype).view(-1, 1, 1)
        return (tensor - mean) / std

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean}, std={self.std})"


class Lambda:
    """Wrap a function as a transform."""

    def __init__(self, function: Callable):
        self.function = function

    def __call__(self, image):
        return self.function(image)
