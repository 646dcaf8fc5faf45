"""HW3 Food-11 folders: the official file naming and a layout check (introduced in HW03)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from PIL import Image

CLASSES = ("Bread", "Dairy product", "Dessert", "Egg", "Fried food", "Meat", "Noodles/Pasta",
           "Rice", "Seafood", "Soup", "Vegetable/Fruit")
SPLITS = ("training", "validation", "test")
LABELLED = re.compile(r"^(\d+)_(\d+)\.jpg$")
TEST_NAME = re.compile(r"^(\d{4})\.jpg$")


class SchemaError(ValueError):
    """A folder does not have the official HW3 layout."""


def food_files(path: str | Path) -> list[str]:
    """The sample code's file list: every ``.jpg`` in ``path``, sorted (test order = Id order)."""
    return sorted(os.path.join(path, x) for x in os.listdir(path) if x.endswith(".jpg"))


def label_of(fname: str) -> int:
    """The sample code's label: the number before ``_`` in the file name, -1 for test files."""
    try:
        return int(fname.split("/")[-1].split("_")[0])
    except ValueError:
        return -1


def check_food11(root: str | Path) -> dict[str, int]:
    """Raise :class:`SchemaError` unless ``root`` (the ``food11`` folder) has the official
    layout; return the number of images per split."""
    root = Path(root)
    counts = {}
    for split in SPLITS:
        folder = root / split
        if not folder.is_dir():
            raise SchemaError(f"{folder} is missing: food11/ must hold training/, validation/ "
                              "and test/ (unzip food11.zip so that these three folders appear).")
        names = sorted(p.name for p in folder.iterdir() if p.suffix == ".jpg")
        if not names:
            raise SchemaError(f"{folder} holds no .jpg images.")
        pattern = TEST_NAME if split == "test" else LABELLED
        bad = [n for n in names if not pattern.match(n)]
        if bad:
            form = "<4-digit id>.jpg" if split == "test" else "{label}_{idx}.jpg"
            raise SchemaError(f"{folder}: {bad[0]!r} is not named {form} like the official files.")
        if split == "test":
            if [int(n[:4]) for n in names] != list(range(1, len(names) + 1)):
                raise SchemaError(f"{folder}: the ids must run 0001, 0002, … without gaps.")
        else:
            labels = {int(LABELLED.match(n).group(1)) for n in names}
            if not labels <= set(range(len(CLASSES))):
                raise SchemaError(f"{folder}: labels must be 0-10, found {sorted(labels)}.")
        with Image.open(folder / names[0]) as image:
            if image.mode != "RGB":
                raise SchemaError(f"{folder / names[0]} is {image.mode}, not an RGB JPEG.")
        counts[split] = len(names)
    return counts
