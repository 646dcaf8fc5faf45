"""HW8 anomaly detection: the official file names, the sample's loading and a layout check
(introduced in HW08).

``root`` is the folder that holds ``data/``, i.e. ``resolve("hw08")``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

TRAIN_FILE = "data/trainingset.npy"
TEST_FILE = "data/testingset.npy"
ANSWER_FILE = "prediction.answers.csv"  # ID,label (1 = anomaly), in the answer folder only
KINDS_FILE = "testingset_kinds.csv"     # ID,kind, in the answer folder only


class SchemaError(ValueError):
    """A folder does not have the official HW8 layout."""


def load_sets(root: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """The sample's ``np.load('data/trainingset.npy', allow_pickle=True)`` and the test set."""
    root = Path(root)
    return (np.load(root / TRAIN_FILE, allow_pickle=True),
            np.load(root / TEST_FILE, allow_pickle=True))


def check_sets(root: str | Path) -> tuple[int, int]:
    """Raise :class:`SchemaError` unless ``root/data`` holds the two uint8 (N, H, W, 3) arrays
    with the same image size; return their lengths."""
    root = Path(root)
    shapes = []
    for name in (TRAIN_FILE, TEST_FILE):
        if not (root / name).is_file():
            raise SchemaError(f"{root / name} is missing: put trainingset.npy and "
                              "testingset.npy into a data/ folder.")
        array = np.load(root / name, mmap_mode="r")
        if array.dtype != np.uint8 or array.ndim != 4 or array.shape[-1] != 3:
            raise SchemaError(f"{root / name} holds a {array.dtype} array of shape "
                              f"{array.shape}, not uint8 images (N, H, W, 3).")
        shapes.append(array.shape)
    if shapes[0][1:] != shapes[1][1:]:
        raise SchemaError(f"the training images are {shapes[0][1:3]} but the test images "
                          f"{shapes[1][1:3]}; both sets must have one image size.")
    return shapes[0][0], shapes[1][0]
