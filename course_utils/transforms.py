"""The few ``torchvision.transforms`` the homework samples use, on Pillow, NumPy and torch.

Introduced in HW03 (``test_tfm``/``train_tfm``), reused by HW06 (``ToPILImage``), HW09, HW11
and HW13. The classes keep torchvision's names and semantics, so the official sample code
reads unchanged: ``import course_utils.transforms as transforms``. The random ones (flips,
rotations, crops, affine maps, colour jitter, grayscale) draw from torch's global random
generator, like torchvision's, so ``torch.manual_seed`` makes them repeatable and every call of
a ``train_tfm`` built from them gives a new variant of the same image (HW03 report question 1).
Random augmentation of whole batches of tensors on the device is kornia's (see the HW03
notebook).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

import numpy as np
import torch
from PIL import Image, ImageEnhance

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


def _uniform(low: float, high: float) -> float:
    """One number drawn uniformly from [low, high] by torch's global generator."""
    return float(torch.empty(1).uniform_(low, high).item())


def _range(value, name: str, centre: float | None = None, bound: tuple = (0, math.inf)):
    """torchvision's argument convention: a number v means [centre - v, centre + v] (or
    [-v, v]), clipped to ``bound``; a pair is the range itself."""
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f"{name} must be non-negative, got {value}")
        c = 0.0 if centre is None else centre
        low, high = c - value, c + value
        if centre is not None:
            low = max(low, bound[0])
    else:
        low, high = (float(v) for v in value)
    if not bound[0] <= low <= high <= bound[1]:
        raise ValueError(f"{name} range {(low, high)} is outside {bound}")
    return low, high


class RandomHorizontalFlip:
    """Mirror a PIL image left-right with probability ``p`` (torch's random generator)."""

    def __init__(self, p: float = 0.5):
        self.p = p

    def __call__(self, image: Image.Image) -> Image.Image:
        if torch.rand(1).item() < self.p:
            return image.transpose(Image.FLIP_LEFT_RIGHT)
        return image

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror a PIL image top-bottom with probability ``p``."""

    def __call__(self, image: Image.Image) -> Image.Image:
        if torch.rand(1).item() < self.p:
            return image.transpose(Image.FLIP_TOP_BOTTOM)
        return image

    def __repr__(self) -> str:
        return f"RandomVerticalFlip(p={self.p})"


class RandomRotation:
    """Rotate a PIL image by an angle drawn from ``degrees`` (a number d means [-d, d]),
    about the centre, keeping its size; uncovered corners get ``fill``."""

    def __init__(self, degrees, interpolation: int = Image.NEAREST, expand: bool = False,
                 fill: int | tuple = 0):
        self.degrees = _range(degrees, "degrees", bound=(-math.inf, math.inf))
        self.interpolation, self.expand, self.fill = interpolation, expand, fill

    def __call__(self, image: Image.Image) -> Image.Image:
        angle = _uniform(*self.degrees)
        fill = self.fill if not isinstance(self.fill, int) or image.mode == "L" \
            else (self.fill,) * len(image.getbands())
        return image.rotate(angle, self.interpolation, self.expand, fillcolor=fill)

    def __repr__(self) -> str:
        return f"RandomRotation(degrees={self.degrees})"


class RandomAffine:
    """A random rotation (``degrees``), translation (``translate`` = (a, b): up to a share a of
    the width and b of the height) and scaling (``scale`` = (lo, hi)) about the centre."""

    def __init__(self, degrees, translate: Sequence[float] | None = None,
                 scale: Sequence[float] | None = None, interpolation: int = Image.NEAREST,
                 fill: int | tuple = 0):
        self.degrees = _range(degrees, "degrees", bound=(-math.inf, math.inf))
        self.translate, self.scale = translate, scale
        self.interpolation, self.fill = interpolation, fill

    def __call__(self, image: Image.Image) -> Image.Image:
        w, h = image.size
        angle = math.radians(_uniform(*self.degrees))
        tx = ty = 0.0
        if self.translate is not None:
            tx = round(_uniform(-self.translate[0] * w, self.translate[0] * w))
            ty = round(_uniform(-self.translate[1] * h, self.translate[1] * h))
        s = _uniform(*self.scale) if self.scale is not None else 1.0
        # PIL wants the inverse map, output (x, y) -> input: un-shift, rotate back, un-scale
        cx, cy = w * 0.5, h * 0.5
        cos, sin = math.cos(angle) / s, math.sin(angle) / s
        ox, oy = cx + tx, cy + ty
        coeffs = (cos, sin, cx - cos * ox - sin * oy, -sin, cos, cy + sin * ox - cos * oy)
        fill = self.fill if not isinstance(self.fill, int) or image.mode == "L" \
            else (self.fill,) * len(image.getbands())
        return image.transform((w, h), Image.AFFINE, coeffs, resample=self.interpolation,
                               fillcolor=fill)

    def __repr__(self) -> str:
        return (f"RandomAffine(degrees={self.degrees}, translate={self.translate}, "
                f"scale={self.scale})")


class RandomResizedCrop:
    """Crop a random part of a PIL image (``scale``: its share of the area, ``ratio``: its
    aspect ratio) and resize it to ``size``, torchvision's 10 tries then a centre crop."""

    def __init__(self, size: Size, scale: Sequence[float] = (0.08, 1.0),
                 ratio: Sequence[float] = (3 / 4, 4 / 3), interpolation: int = Image.BILINEAR):
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        self.scale, self.ratio, self.interpolation = tuple(scale), tuple(ratio), interpolation

    def box(self, width: int, height: int) -> tuple[int, int, int, int]:
        """(top, left, h, w) of the crop, drawn as torchvision draws it."""
        area = width * height
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            target = area * _uniform(*self.scale)
            aspect = math.exp(_uniform(*log_ratio))
            w = round(math.sqrt(target * aspect))
            h = round(math.sqrt(target / aspect))
            if 0 < w <= width and 0 < h <= height:
                top = int(torch.randint(0, height - h + 1, (1,)).item())
                left = int(torch.randint(0, width - w + 1, (1,)).item())
                return top, left, h, w
        in_ratio = width / height
        if in_ratio < min(self.ratio):
            w, h = width, round(width / min(self.ratio))
        elif in_ratio > max(self.ratio):
            h, w = height, round(height * max(self.ratio))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def __call__(self, image: Image.Image) -> Image.Image:
        top, left, h, w = self.box(*image.size)
        crop = image.crop((left, top, left + w, top + h))
        return crop.resize((self.size[1], self.size[0]), self.interpolation)

    def __repr__(self) -> str:
        return f"RandomResizedCrop(size={self.size}, scale={self.scale}, ratio={self.ratio})"


class ColorJitter:
    """Random brightness, contrast, saturation (a number v means a factor in [1 - v, 1 + v])
    and hue (a number h means a shift in [-h, h] of the hue circle, h <= 0.5), applied in a
    random order, on an RGB PIL image."""

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        self.brightness = _range(brightness, "brightness", centre=1.0)
        self.contrast = _range(contrast, "contrast", centre=1.0)
        self.saturation = _range(saturation, "saturation", centre=1.0)
        self.hue = _range(hue, "hue", bound=(-0.5, 0.5))

    @staticmethod
    def shift_hue(image: Image.Image, shift: float) -> Image.Image:
        h, s, v = image.convert("HSV").split()
        h = h.point(lambda x: (x + round(shift * 255)) % 256)
        return Image.merge("HSV", (h, s, v)).convert(image.mode)

    def __call__(self, image: Image.Image) -> Image.Image:
        steps = (
            (self.brightness, lambda im, f: ImageEnhance.Brightness(im).enhance(f)),
            (self.contrast, lambda im, f: ImageEnhance.Contrast(im).enhance(f)),
            (self.saturation, lambda im, f: ImageEnhance.Color(im).enhance(f)),
            (self.hue, self.shift_hue),
        )
        factors = [_uniform(*r) for r, _ in steps]
        for i in torch.randperm(4).tolist():
            (low, high), apply = steps[i]
            if (low, high) not in ((1.0, 1.0), (0.0, 0.0)):
                image = apply(image, factors[i])
        return image

    def __repr__(self) -> str:
        return (f"ColorJitter(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")


class RandomGrayscale:
    """Turn a PIL image gray (keeping its number of channels) with probability ``p``."""

    def __init__(self, p: float = 0.1):
        self.p = p

    def __call__(self, image: Image.Image) -> Image.Image:
        if torch.rand(1).item() < self.p:
            return Grayscale(len(image.getbands()))(image)
        return image


class RandomApply:
    """Apply the list of ``transforms`` with probability ``p``, else none of them."""

    def __init__(self, transforms: Sequence[Callable], p: float = 0.5):
        self.transforms, self.p = list(transforms), p

    def __call__(self, image):
        if self.p < torch.rand(1).item():
            return image
        for transform in self.transforms:
            image = transform(image)
        return image


class ToPILImage:
    """uint8 tensor (C, H, W) (``read_image``'s output) or HxWxC array → PIL image."""

    def __call__(self, image) -> Image.Image:
        if isinstance(image, torch.Tensor):
            image = image.permute(1, 2, 0).numpy()
        array = np.asarray(image)
        return Image.fromarray(array[:, :, 0] if array.ndim == 3 and array.shape[2] == 1 else array)

    def __repr__(self) -> str:
        return "ToPILImage()"


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
