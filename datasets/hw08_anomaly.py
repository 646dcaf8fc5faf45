"""Anomaly-faces-synth: HW6 faces as the normal class and four kinds of anomalies, in the
official HW8 layout (``data/trainingset.npy`` and ``data/testingset.npy``).

The official files are (100000, 64, 64, 3) and (19636, 64, 64, 3) uint8 arrays of face crops;
about half of the test images are anomalies. Here the normal images are the HW6 generator's
faces (:func:`course_datasets.hw06_anime_faces.draw_faces`): the training set is its first
``n_train`` faces and the test set's normal images are the next ones. The anomalies:

- ``other_domain`` (easy): crops of scikit-image's sample photographs, or shapes on a plain
  ground: not a face at all;
- ``occlusion`` (easy): a face with a bar over the eyes, a mask over the mouth or a patch;
- ``unseen_colour`` (hard): hair, skin or eyes in a colour the training set never shows;
- ``pose`` (hard): a face rolled by 10-20 degrees (training faces roll by at most 6).

``hard_share`` (the share of anomalies of the hard kinds) and ``anomaly_fraction`` are the
difficulty knobs. The key, ``ID,label`` with 1 = anomaly, and each test image's kind go only to
``answers_dir``, in the layout of the artifact ``prediction.csv`` (``ID,score``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import replace
from itertools import islice
from pathlib import Path

import numpy as np
from course_datasets import hw06_anime_faces as faces
from PIL import Image, ImageDraw

from course_utils.data import secret
from course_utils.data.hw08 import ANSWER_FILE, KINDS_FILE, TEST_FILE, TRAIN_FILE

VERSION = 1
SEED = 2022

# ---- size and difficulty knobs ---------------------------------------------------------------
N_TRAIN = 3000           # official: 100,000
N_TEST = 1000            # official: 19,636
SIZE = 64
ANOMALY_FRACTION = 0.5   # share of test images that are anomalies ("about half", as official)
HARD_SHARE = 0.5         # share of the anomalies drawn from HARD_KINDS
EASY_KINDS = ("other_domain", "occlusion")
HARD_KINDS = ("unseen_colour", "pose")
KINDS = ("normal", *EASY_KINDS, *HARD_KINDS)
MIN_COLOUR_DISTANCE = 90  # an unseen colour is at least this far (L1, 0-255) from the palette
POSE_ROLL = (10.0, 20.0)  # degrees, either way
PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry", "camera",
          "brick", "grass", "gravel", "coins", "moon", "hubble_deep_field")


# ---- the anomalies ---------------------------------------------------------------------------
def _photo_crop(rng: np.random.RandomState, size: int) -> Image.Image:
    """A random square crop of a scikit-image sample photograph (greyscale ones tinted)."""
    import skimage.data

    pixels = getattr(skimage.data, PHOTOS[rng.randint(len(PHOTOS))])()
    if pixels.ndim == 2:
        tint = rng.uniform(0.6, 1.0, 3)
        pixels = (pixels[..., None] * tint).astype(np.uint8)
    side = int(min(pixels.shape[:2]) * rng.uniform(0.25, 0.8))
    y, x = (rng.randint(pixels.shape[i] - side + 1) for i in (0, 1))
    return Image.fromarray(pixels[y:y + side, x:x + side, :3]).resize((size, size),
                                                                     Image.LANCZOS)


def _shapes(rng: np.random.RandomState, size: int) -> Image.Image:
    """A few filled ellipses, rectangles and polygons on a background colour of the faces."""
    ground = faces.BACKGROUNDS[list(faces.BACKGROUNDS)[rng.randint(len(faces.BACKGROUNDS))]]
    image = Image.new("RGB", (size, size), ground)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(2, 6)):
        colour = tuple(int(c) for c in rng.randint(0, 256, 3))
        x0, y0 = rng.uniform(-0.1, 0.8, 2) * size
        w, h = rng.uniform(0.15, 0.6, 2) * size
        kind = rng.randint(3)
        if kind == 0:
            draw.ellipse([x0, y0, x0 + w, y0 + h], fill=colour)
        elif kind == 1:
            draw.rectangle([x0, y0, x0 + w, y0 + h], fill=colour)
        else:
            draw.polygon([tuple(p) for p in rng.uniform(0, size, (3, 2))], fill=colour)
    return image


def _other_domain(rng: np.random.RandomState, size: int) -> Image.Image:
    return _photo_crop(rng, size) if rng.rand() < 0.5 else _shapes(rng, size)


def _occlusion(rng: np.random.RandomState, size: int) -> Image.Image:
    """A face with a dark bar over the eyes, a light mask over the mouth, or a colour patch."""
    image = faces.render(faces.sample_factors(rng), rng, size)
    draw, s = ImageDraw.Draw(image), size
    kind = rng.randint(3)
    if kind == 0:
        y = rng.uniform(0.57, 0.63) * s
        draw.rectangle([0.22 * s, y - 0.06 * s, 0.78 * s, y + 0.06 * s],
                       fill=tuple(int(c) for c in rng.randint(0, 60, 3)))
    elif kind == 1:
        y = rng.uniform(0.74, 0.78) * s
        draw.rounded_rectangle([0.3 * s, y - 0.08 * s, 0.7 * s, y + 0.1 * s], radius=0.05 * s,
                               fill=tuple(int(c) for c in rng.randint(200, 256, 3)))
    else:
        w = rng.uniform(0.15, 0.3) * s
        x, y = rng.uniform(0.2, 0.8 - w / s, 2) * s
        draw.rectangle([x, y, x + w, y + w], fill=tuple(int(c) for c in rng.randint(0, 256, 3)))
    return image


def unseen_colour(rng: np.random.RandomState, palette: dict[str, faces.RGB]) -> faces.RGB:
    """A colour at least ``MIN_COLOUR_DISTANCE`` (L1) from every colour of ``palette``."""
    table = np.array(list(palette.values()))
    while True:
        colour = rng.randint(0, 256, 3)
        if np.abs(table - colour).sum(1).min() >= MIN_COLOUR_DISTANCE:
            return tuple(int(c) for c in colour)


def _unseen_colour(rng: np.random.RandomState, size: int) -> Image.Image:
    """A face whose hair, skin or eyes have a colour outside their training palette."""
    factor, palette = (("hair_colour", faces.HAIR_COLOURS), ("skin", faces.SKINS),
                       ("eye_colour", faces.EYE_COLOURS))[rng.randint(3)]
    factors = replace(faces.sample_factors(rng), **{factor: unseen_colour(rng, palette)})
    return faces.render(factors, rng, size)


def _pose(rng: np.random.RandomState, size: int) -> Image.Image:
    """A face rolled further than any training face; the corners take the background colour."""
    image = faces.render(faces.sample_factors(rng), rng, size)
    angle = rng.uniform(*POSE_ROLL) * (1 if rng.rand() < 0.5 else -1)
    return image.rotate(angle, resample=Image.BICUBIC, fillcolor=image.getpixel((0, 0)))


ANOMALIES = {"other_domain": _other_domain, "occlusion": _occlusion,
             "unseen_colour": _unseen_colour, "pose": _pose}


# ---- the sets --------------------------------------------------------------------------------
def test_kinds(rng: np.random.RandomState, n_test: int, anomaly_fraction: float,
               hard_share: float) -> list[str]:
    """Each test image's kind, shuffled: exact counts per kind (easy and hard kinds split
    their share evenly)."""
    n_anomalies = round(n_test * anomaly_fraction)
    n_hard = round(n_anomalies * hard_share)
    counts = {"normal": n_test - n_anomalies}
    for group, n in ((EASY_KINDS, n_anomalies - n_hard), (HARD_KINDS, n_hard)):
        for i, kind in enumerate(group):
            counts[kind] = n // len(group) + (i < n % len(group))
    kinds = [kind for kind, n in counts.items() for _ in range(n)]
    return [kinds[i] for i in rng.permutation(len(kinds))]


def _stack(images: Iterable[Image.Image]) -> np.ndarray:
    return np.stack([np.asarray(image, dtype=np.uint8) for image in images])


def make_sets(seed: secret.Seed = SEED, n_train: int = N_TRAIN, n_test: int = N_TEST,
              anomaly_fraction: float = ANOMALY_FRACTION, hard_share: float = HARD_SHARE,
              size: int = SIZE) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``(train, test, kinds)``: uint8 (n, size, size, 3) arrays and each test image's kind."""
    if not 0 <= anomaly_fraction <= 1 or not 0 <= hard_share <= 1:
        raise ValueError("anomaly_fraction and hard_share are shares between 0 and 1")
    kinds = test_kinds(secret.rng(seed, 1), n_test, anomaly_fraction, hard_share)
    n_normal = kinds.count("normal")
    normals = faces.draw_faces(seed, n_train + n_normal, size)
    train = _stack(image for _, image in islice(normals, n_train))
    rng = secret.rng(seed, 2)
    test = _stack(next(normals)[1] if kind == "normal" else ANOMALIES[kind](rng, size)
                  for kind in kinds)
    return train, test, kinds


def generate(data_dir: str | Path, answers_dir: str | Path | None = None,
             seed: secret.Seed = SEED, n_train: int = N_TRAIN, n_test: int = N_TEST,
             anomaly_fraction: float = ANOMALY_FRACTION, hard_share: float = HARD_SHARE,
             size: int = SIZE) -> None:
    """Write ``data/trainingset.npy`` and ``data/testingset.npy`` (and the key, if asked)."""
    train, test, kinds = make_sets(seed, n_train, n_test, anomaly_fraction, hard_share, size)
    for name, array in ((TRAIN_FILE, train), (TEST_FILE, test)):
        path = Path(data_dir) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, array)
    if answers_dir is not None:
        answers = Path(answers_dir)
        answers.mkdir(parents=True, exist_ok=True)
        for name, column, values in ((ANSWER_FILE, "label", [int(k != "normal") for k in kinds]),
                                     (KINDS_FILE, "kind", kinds)):
            with (answers / name).open("w", newline="") as f:
                writer = csv.writer(f, lineterminator="\n")
                writer.writerow(["ID", column])
                writer.writerows(enumerate(values))
