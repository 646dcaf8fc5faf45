"""course_utils.transforms: torchvision's names and semantics on Pillow/NumPy/torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

import course_utils.transforms as transforms


def image(w: int = 40, h: int = 30) -> Image.Image:
    """An RGB image whose pixels say where they are: R = x, G = y, B = 200."""
    yy, xx = np.mgrid[0:h, 0:w]
    array = np.stack([xx * 255 // (w - 1), yy * 255 // (h - 1), np.full_like(xx, 200)], axis=2)
    return Image.fromarray(array.astype(np.uint8))


def test_to_tensor_is_chw_float_in_unit_range():
    x = transforms.ToTensor()(image())
    assert x.shape == (3, 30, 40) and x.dtype == torch.float32
    assert x.min() >= 0 and x.max() <= 1
    assert x[2].unique().tolist() == pytest.approx([200 / 255])
    assert x[0, 0, -1] == 1.0 and x[1, -1, 0] == 1.0  # channel 0 grows along x, 1 along y
    gray = transforms.ToTensor()(image().convert("L"))
    assert gray.shape == (1, 30, 40)


def test_resize_to_a_pair_is_height_width_and_an_int_sets_the_shorter_side():
    assert transforms.Resize((16, 24))(image()).size == (24, 16)  # PIL size is (w, h)
    assert transforms.Resize(15)(image(40, 30)).size == (20, 15)
    assert transforms.Resize(15)(image(30, 40)).size == (15, 20)


def test_resize_keeps_the_picture():
    small = np.asarray(transforms.Resize((15, 20))(image())).astype(float)
    assert np.all(np.diff(small[:, :, 0], axis=1) >= 0)  # still a left-to-right ramp
    assert abs(small[:, :, 2].mean() - 200) < 1


def test_compose_applies_in_order_and_matches_the_sample_pipeline():
    tfm = transforms.Compose([transforms.Resize((8, 8)), transforms.ToTensor()])
    x = tfm(image())
    assert x.shape == (3, 8, 8)
    calls = []
    steps = [transforms.Lambda(lambda v, k=k: calls.append(k) or v + k) for k in (1, 10)]
    assert transforms.Compose(steps)(0) == 11 and calls == [1, 10]


def test_center_crop_normalize_grayscale_flip_lambda():
    crop = transforms.CenterCrop(10)(image(40, 30))
    assert crop.size == (10, 10)
    assert np.asarray(crop)[0, 0, 0] == np.asarray(image())[10, 15, 0]
    x = transforms.ToTensor()(image())
    z = transforms.Normalize([0.5, 0.5, 0.5], [0.25, 0.25, 0.25])(x)
    assert torch.allclose(z, (x - 0.5) / 0.25)
    assert transforms.Grayscale()(image()).mode == "L"
    assert transforms.Grayscale(3)(image()).mode == "RGB"
    flipped = transforms.RandomHorizontalFlip(p=1.0)(image())
    assert np.array_equal(np.asarray(flipped), np.asarray(image())[:, ::-1])
    assert transforms.RandomHorizontalFlip(p=0.0)(image()) is not None
    assert transforms.Lambda(lambda im: im.size)(image()) == (40, 30)


RANDOM = {
    "RandomHorizontalFlip": transforms.RandomHorizontalFlip(),
    "RandomVerticalFlip": transforms.RandomVerticalFlip(),
    "RandomRotation": transforms.RandomRotation(30),
    "RandomAffine": transforms.RandomAffine(20, translate=(0.1, 0.1), scale=(0.8, 1.2)),
    "RandomResizedCrop": transforms.RandomResizedCrop(24, scale=(0.5, 1.0)),
    "ColorJitter": transforms.ColorJitter(0.4, 0.4, 0.4, 0.1),
    "RandomGrayscale": transforms.RandomGrayscale(0.5),
    "RandomApply": transforms.RandomApply([transforms.RandomRotation(30)], p=0.5),
}


@pytest.mark.parametrize("name", RANDOM)
def test_random_transforms_vary_and_follow_torch_manual_seed(name):
    """Each call gives a new variant of the same image, and the torch seed repeats them."""
    tfm = transforms.Compose([RANDOM[name], transforms.Resize((24, 24)), transforms.ToTensor()])

    def outputs(seed, n=12):
        torch.manual_seed(seed)
        return [tfm(image()) for _ in range(n)]

    first, again = outputs(0), outputs(0)
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    distinct = {tuple(x.flatten().tolist()) for x in first}
    assert len(distinct) >= 2
    assert all(x.shape == (3, 24, 24) for x in first)


def test_random_transforms_keep_torchvision_semantics():
    im = image()
    torch.manual_seed(1)
    assert transforms.RandomRotation((90, 90), expand=True)(im).size == (30, 40)
    assert transforms.RandomRotation(0)(im).tobytes() == im.tobytes()
    assert transforms.RandomAffine(0)(im).tobytes() == im.tobytes()
    shifted = np.asarray(transforms.RandomAffine(0, translate=(0.25, 0))(im))[:, :, 0]
    assert not np.array_equal(shifted, np.asarray(im)[:, :, 0])  # moved sideways
    crop = transforms.RandomResizedCrop((10, 20))
    assert crop(im).size == (20, 10)
    for _ in range(20):
        top, left, h, w = crop.box(40, 30)
        assert 0 <= top and top + h <= 30 and 0 <= left and left + w <= 40
    assert transforms.ColorJitter()(im).tobytes() == im.tobytes()  # no jitter asked: unchanged
    gray = np.asarray(transforms.RandomGrayscale(p=1.0)(im))
    assert gray.shape == (30, 40, 3) and np.array_equal(gray[:, :, 0], gray[:, :, 1])
    with pytest.raises(ValueError, match="hue"):
        transforms.ColorJitter(hue=0.7)
    with pytest.raises(ValueError, match="brightness"):
        transforms.ColorJitter(brightness=-1)
