"""HW6 anime faces: the sample code's file list and a layout check (introduced in HW06).

``root`` is the ``faces/`` folder of the official sample code, i.e. ``resolve("hw06") / "faces"``.
"""

from __future__ import annotations

import glob
import os
import re
from pathlib import Path

import numpy as np
from PIL import Image

FACE_NAME = re.compile(r"^(\d+)\.jpg$")
FACTORS_FILE = "faces_factors.csv"  # the per-image factors, in the answer folder only
REFERENCE_FILE = "reference_faces.npy"  # the grader's real faces (FID reference), answers only
THUMBNAILS_FILE = "faces_thumbnails.npy"  # 8×8 thumbnails of the data faces, answers only
THUMBNAIL_SIDE = 8


class SchemaError(ValueError):
    """A folder does not have the official HW6 layout."""


def face_files(root: str | Path) -> list[str]:
    """The sample's ``glob.glob(os.path.join(root, '*'))``, in the order of the file numbers."""
    return sorted(glob.glob(os.path.join(root, "*")), key=lambda f: int(Path(f).stem))


def check_faces(root: str | Path) -> int:
    """Raise :class:`SchemaError` unless ``root`` (the ``faces`` folder) holds only square RGB
    JPEGs named ``0.jpg, 1.jpg, …`` without gaps; return their number."""
    root = Path(root)
    if not root.is_dir():
        raise SchemaError(f"{root} is missing: unzip faces.zip so that a faces/ folder appears.")
    names = [p.name for p in root.iterdir()]
    bad = [n for n in names if not FACE_NAME.match(n)]
    if bad:
        raise SchemaError(f"{root}: {sorted(bad)[0]!r} is not named <number>.jpg; the sample "
                          "code reads every file in faces/ as an image, so keep nothing else "
                          "there.")
    if not names:
        raise SchemaError(f"{root} holds no .jpg images.")
    numbers = sorted(int(FACE_NAME.match(n).group(1)) for n in names)
    if numbers != list(range(len(numbers))):
        raise SchemaError(f"{root}: the files must be numbered 0.jpg … {len(numbers) - 1}.jpg "
                          "without gaps.")
    with Image.open(root / "0.jpg") as image:
        if image.mode != "RGB" or image.width != image.height:
            raise SchemaError(f"{root / '0.jpg'} is a {image.width}×{image.height} {image.mode} "
                              "image, not a square RGB JPEG.")
    return len(numbers)


def thumbnail(image: np.ndarray) -> np.ndarray:
    """An (H, W, 3) uint8 face box-filtered to ``THUMBNAIL_SIDE`` px: what the grader compares
    to find submitted images that copy the training faces."""
    small = Image.fromarray(image).resize((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.BOX)
    return np.asarray(small)
