"""Food-11-synth: procedurally drawn food photos in the official HW3 layout (ml2022spring-hw3b).

Every image is a plate on a textured tablecloth with one of 11 dishes drawn from simple
primitives (ellipses, polygons, curves, dots), a few clutter items, and a pose (rotation,
scale, shift), colour and lighting jitter. Training images keep these jitters narrow; the
validation and test images draw them from wider ranges and may be mirrored, so augmentation
and test-time augmentation pay. A few dishes look alike on purpose (bread / fried food,
noodles / rice, meat / seafood, dairy / dessert). The per-image object masks (for HW9) and the
test labels are written only when ``answers_dir`` is given.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from course_utils.data import secret

VERSION = 2
SEED = 2022
CLASSES = ("Bread", "Dairy product", "Dessert", "Egg", "Fried food", "Meat", "Noodles/Pasta",
           "Rice", "Seafood", "Soup", "Vegetable/Fruit")

# ---- difficulty knobs -------------------------------------------------------------------
N_TRAIN, N_VALID, N_TEST = 60, 40, 1100  # per class, per class, in all
SIZE_RANGE = (64, 128)                   # image side in pixels (each image draws its own)
JPEG_QUALITY = 90
CLUTTER = (1, 4)                         # clutter items per image (min, max)
# Jitter ranges: (training, validation/test). Validation and test are wider than training.
ROTATION = (10.0, 180.0)                 # degrees, ±
SCALE = ((0.9, 1.05), (0.55, 1.2))       # object size relative to the plate
SHIFT = (0.03, 0.15)                     # object offset, share of the image side, ±
COLOUR = (0.04, 0.25)                    # per-channel gain, ±
LIGHT = (0.05, 0.30)                     # brightness and lighting-gradient strength, ±
FLIP = (0.0, 0.5)                        # probability of a left-right mirror
NOISE = (4.0, 8.0)                       # pixel noise sd (0-255 scale)
CONFUSION = 0.25                         # how far a dish's palette drifts toward its look-alike


def _jitter_colour(rng, colour, amount=18):
    return tuple(int(np.clip(c + rng.uniform(-amount, amount), 0, 255)) for c in colour)


def _ellipse(draw, cx, cy, rx, ry, fill, outline=None, width=1):
    draw.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=fill, outline=outline, width=width)


def _blob(rng, cx, cy, r, n=9, rough=0.25):
    """Points of an irregular closed blob around (cx, cy)."""
    angles = np.sort(rng.uniform(0, 2 * math.pi, n))
    radii = r * (1 + rng.uniform(-rough, rough, n))
    return [(cx + a * math.cos(t), cy + a * math.sin(t))
            for t, a in zip(angles, radii, strict=True)]


def _mix(a, b, t):
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b, strict=True))


# Each dish draws on a square RGBA layer of side s, centred, into the object's footprint.
def _bread(d, rng, s, c):
    w, h = s * 0.34, s * 0.2
    crust = _mix(_jitter_colour(rng, (170, 110, 50)), c, CONFUSION)
    d.rounded_rectangle([s / 2 - w, s / 2 - h, s / 2 + w, s / 2 + h], radius=h * 0.9, fill=crust)
    inner = _jitter_colour(rng, (215, 165, 95))
    d.rounded_rectangle([s / 2 - w * 0.8, s / 2 - h * 0.6, s / 2 + w * 0.8, s / 2 + h * 0.6],
                        radius=h * 0.5, fill=inner)
    for k in range(3):
        x = s / 2 + (k - 1) * w * 0.45
        d.line([(x - s * 0.05, s / 2 - h * 0.5), (x + s * 0.05, s / 2 + h * 0.5)],
               fill=(130, 80, 35), width=max(1, s // 40))


def _dairy(d, rng, s, c):
    cheese = _mix(_jitter_colour(rng, (240, 205, 80)), c, CONFUSION)
    pts = [(s * 0.2, s * 0.7), (s * 0.8, s * 0.7), (s * 0.62, s * 0.28)]
    d.polygon(pts, fill=cheese)
    for _ in range(4):
        x, y = rng.uniform(0.4, 0.65) * s, rng.uniform(0.5, 0.65) * s
        _ellipse(d, x, y, s * 0.03, s * 0.03, (200, 160, 50))


def _dessert(d, rng, s, c):
    layers = [(110, 60, 40), (250, 200, 210), (110, 60, 40), (250, 240, 230)]
    top, bottom = s * 0.3, s * 0.7
    step = (bottom - top) / len(layers)
    for k, colour in enumerate(layers):
        y0 = top + k * step
        colour = _mix(_jitter_colour(rng, colour), c, CONFUSION) if k % 2 else colour
        d.polygon([(s * 0.25, y0 + step), (s * 0.75, y0 + step), (s * 0.75, y0),
                   (s * 0.25, y0)], fill=colour)
    _ellipse(d, s * 0.5, s * 0.26, s * 0.06, s * 0.06, _jitter_colour(rng, (200, 20, 40)))


def _egg(d, rng, s, c):
    white = _jitter_colour(rng, (245, 245, 240), 8)
    d.polygon(_blob(rng, s / 2, s / 2, s * 0.3, 10, 0.2), fill=white)
    yolk = _jitter_colour(rng, (250, 180, 20))
    _ellipse(d, s / 2 + rng.uniform(-3, 3), s / 2 + rng.uniform(-3, 3), s * 0.11, s * 0.11, yolk)


def _fried(d, rng, s, c):
    for _ in range(rng.randint(3, 6)):
        x, y = rng.uniform(0.3, 0.7) * s, rng.uniform(0.3, 0.7) * s
        colour = _mix(_jitter_colour(rng, (215, 150, 50)), c, CONFUSION)
        d.polygon(_blob(rng, x, y, s * 0.11, 8, 0.35), fill=colour, outline=(160, 95, 30))


def _meat(d, rng, s, c):
    slab = _mix(_jitter_colour(rng, (140, 35, 35)), c, CONFUSION)
    d.polygon(_blob(rng, s / 2, s / 2, s * 0.3, 9, 0.15), fill=slab)
    for _ in range(4):
        x0, y0 = rng.uniform(0.3, 0.7) * s, rng.uniform(0.3, 0.7) * s
        d.line([(x0, y0), (x0 + rng.uniform(-8, 8) * s / 64, y0 + rng.uniform(-8, 8) * s / 64)],
               fill=(235, 215, 210), width=max(1, s // 50))


def _noodles(d, rng, s, c):
    colour = _mix(_jitter_colour(rng, (235, 195, 95)), c, CONFUSION)
    for _ in range(9):
        y0, phase, amp = rng.uniform(0.3, 0.7) * s, rng.uniform(0, 6.3), rng.uniform(0.02, 0.06) * s
        xs = np.linspace(0.22 * s, 0.78 * s, 16)
        d.line([(x, y0 + amp * math.sin(phase + x / s * 12)) for x in xs], fill=colour,
               width=max(2, s // 28))


def _rice(d, rng, s, c):
    _ellipse(d, s / 2, s / 2, s * 0.3, s * 0.3, (235, 235, 228))
    colour = _mix(_jitter_colour(rng, (250, 250, 245), 5), c, CONFUSION)
    for _ in range(45):
        x, y = rng.uniform(0.25, 0.75) * s, rng.uniform(0.25, 0.75) * s
        if (x - s / 2) ** 2 + (y - s / 2) ** 2 < (s * 0.28) ** 2:
            _ellipse(d, x, y, s * 0.022, s * 0.012, colour, outline=(200, 200, 190))


def _seafood(d, rng, s, c):
    colour = _mix(_jitter_colour(rng, (245, 130, 90)), c, CONFUSION)
    for k in range(2):
        cx, cy = s * 0.5, s * (0.42 + 0.18 * k)
        r = s * 0.2
        d.arc([cx - r, cy - r * 0.8, cx + r, cy + r * 0.8], 200, 340, fill=colour,
              width=max(2, s // 12))
        for a in (220, 260, 300):
            t = math.radians(a)
            d.line([(cx + r * 0.75 * math.cos(t), cy + r * 0.6 * math.sin(t)),
                    (cx + r * 1.05 * math.cos(t), cy + r * 0.85 * math.sin(t))],
                   fill=(255, 220, 200), width=1)


def _soup(d, rng, s, c):
    _ellipse(d, s / 2, s / 2, s * 0.33, s * 0.33, (90, 90, 100))
    broth = _mix(_jitter_colour(rng, (200, 120, 40)), c, CONFUSION)
    _ellipse(d, s / 2, s / 2, s * 0.27, s * 0.27, broth)
    for _ in range(8):
        x, y = rng.uniform(0.32, 0.68) * s, rng.uniform(0.32, 0.68) * s
        _ellipse(d, x, y, s * 0.02, s * 0.02, _jitter_colour(rng, (60, 150, 50)))


def _vegetable(d, rng, s, c):
    for _ in range(rng.randint(3, 6)):
        x, y = rng.uniform(0.3, 0.7) * s, rng.uniform(0.3, 0.7) * s
        if rng.rand() < 0.6:
            d.polygon(_blob(rng, x, y, s * 0.09, 6, 0.5), fill=_jitter_colour(rng, (60, 160, 50)))
        else:
            _ellipse(d, x, y, s * 0.07, s * 0.07, _jitter_colour(rng, (220, 40, 40)))


DISHES = (_bread, _dairy, _dessert, _egg, _fried, _meat, _noodles, _rice, _seafood, _soup,
          _vegetable)
# Each dish's look-alike: its palette drifts toward this colour by CONFUSION.
LOOK_ALIKE = {0: (215, 150, 50), 4: (170, 110, 50), 6: (250, 250, 245), 7: (235, 195, 95),
              5: (245, 130, 90), 8: (140, 35, 35), 1: (250, 200, 210), 2: (240, 205, 80)}
TABLECLOTHS = ((180, 40, 40), (40, 70, 140), (60, 120, 70), (150, 130, 100), (90, 60, 110))


def _background(rng, s):
    colour = np.array(TABLECLOTHS[rng.randint(len(TABLECLOTHS))], dtype=np.float32)
    colour += rng.uniform(-25, 25, 3)
    yy, xx = np.mgrid[0:s, 0:s]
    period = rng.uniform(6, 16) * s / 96
    pattern = ((xx // period + yy // period) % 2) if rng.rand() < 0.5 else ((yy // period) % 2)
    image = colour[None, None, :] * (0.8 + 0.2 * pattern[..., None])
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8))


def _clutter(draw, rng, s):
    for _ in range(rng.randint(CLUTTER[0], CLUTTER[1] + 1)):
        x, y = rng.uniform(0, s), rng.uniform(0, s)
        kind = rng.randint(3)
        grey = tuple(int(v) for v in rng.uniform(150, 230, 3))
        if kind == 0:  # cutlery
            angle = rng.uniform(0, math.pi)
            dx, dy = math.cos(angle) * s * 0.3, math.sin(angle) * s * 0.3
            draw.line([(x, y), (x + dx, y + dy)], fill=grey, width=max(1, s // 45))
        elif kind == 1:  # crumbs
            crumb = tuple(int(v) for v in rng.uniform(60, 220, 3))
            _ellipse(draw, x, y, s * 0.015, s * 0.015, crumb)
        else:  # a napkin corner
            r = s * rng.uniform(0.06, 0.12)
            draw.polygon([(x, y), (x + r, y), (x, y + r)], fill=grey)


def render(label: int, rng: np.random.RandomState, wide: bool) -> tuple[Image.Image, np.ndarray]:
    """One image of class ``label`` and its object mask (bool, same size as the image)."""
    j = int(wide)
    s = rng.randint(SIZE_RANGE[0], SIZE_RANGE[1] + 1)
    image = _background(rng, s)
    draw = ImageDraw.Draw(image)
    plate = _jitter_colour(rng, (235, 235, 232), 10)
    pr = s * rng.uniform(0.40, 0.47)
    _ellipse(draw, s / 2, s / 2, pr, pr, plate, outline=(190, 190, 190), width=max(1, s // 48))
    _clutter(draw, rng, s)
    layer = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    confuse = LOOK_ALIKE.get(label, (128, 128, 128))
    DISHES[label](ImageDraw.Draw(layer), rng, s, confuse)
    angle = rng.uniform(-ROTATION[j], ROTATION[j])
    scale = rng.uniform(*SCALE[j])
    shift = rng.uniform(-SHIFT[j], SHIFT[j], 2) * s
    layer = _pose(layer, angle, scale, shift)
    image.paste(layer, (0, 0), layer)
    mask = np.asarray(layer)[:, :, 3] > 127
    pixels = np.asarray(image).astype(np.float32)
    gain = 1 + rng.uniform(-COLOUR[j], COLOUR[j], 3)
    yy, xx = np.mgrid[0:s, 0:s] / s - 0.5
    direction = rng.uniform(0, 2 * math.pi)
    light = (1 + rng.uniform(-LIGHT[j], LIGHT[j])
             + rng.uniform(0, LIGHT[j]) * (xx * math.cos(direction) + yy * math.sin(direction)))
    pixels = pixels * gain[None, None, :] * light[..., None]
    pixels += rng.normal(0, NOISE[j], pixels.shape)
    image = Image.fromarray(np.clip(np.round(pixels), 0, 255).astype(np.uint8))
    if rng.rand() < FLIP[j]:
        image, mask = image.transpose(Image.FLIP_LEFT_RIGHT), mask[:, ::-1]
    return image, np.ascontiguousarray(mask)


def _pose(layer: Image.Image, angle: float, scale: float, shift: np.ndarray) -> Image.Image:
    """Rotate by ``angle`` degrees and scale about the centre, then shift (inverse affine map)."""
    s = layer.width
    t = math.radians(angle)
    cos, sin = math.cos(t) / scale, math.sin(t) / scale
    cx, cy = s / 2 + shift[0], s / 2 + shift[1]
    # output (x, y) -> input: centre, un-shift, rotate back, un-scale
    coeffs = (cos, sin, s / 2 - cos * cx - sin * cy, -sin, cos, s / 2 + sin * cx - cos * cy)
    return layer.transform((s, s), Image.AFFINE, coeffs, resample=Image.BILINEAR)


def _save(image: Image.Image, path: Path) -> None:
    image.save(path, "JPEG", quality=JPEG_QUALITY)


def generate(data_dir: str | Path, answers_dir: str | Path | None = None,
             seed: secret.Seed = SEED) -> None:
    """Write ``food11/{training,validation,test}`` (and the answer key and masks, if asked)."""
    root = Path(data_dir) / "food11"
    rng = secret.rng(seed)
    masks: dict[str, np.ndarray] = {}
    for split, per_class in (("training", N_TRAIN), ("validation", N_VALID)):
        folder = root / split
        folder.mkdir(parents=True, exist_ok=True)
        for label in range(len(CLASSES)):
            for idx in range(per_class):
                image, mask = render(label, rng, wide=split == "validation")
                _save(image, folder / f"{label}_{idx}.jpg")
                masks[f"{split}/{label}_{idx}"] = mask
    test_labels = secret.rng(seed, 1).permutation(
        np.arange(N_TEST) % len(CLASSES))
    folder = root / "test"
    folder.mkdir(parents=True, exist_ok=True)
    for i, label in enumerate(test_labels, start=1):
        image, mask = render(int(label), rng, wide=True)
        _save(image, folder / f"{i:04d}.jpg")
        masks[f"test/{i:04d}"] = mask
    if answers_dir is not None:
        answers = Path(answers_dir)
        answers.mkdir(parents=True, exist_ok=True)
        rows = [f"{i:04d},{int(label)}" for i, label in enumerate(test_labels, start=1)]
        (answers / "submission.answers.csv").write_text("Id,Category\n" + "\n".join(rows) + "\n")
        np.savez_compressed(answers / "food11_masks.npz", **masks)
