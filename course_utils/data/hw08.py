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


# ---- public probes for the report questions (introduced in HW08) -----------------------------

PROBE_SEED = 8            # public: both probe sets are the same for every class
N_LABELLED_PROBES = 200   # half normal faces, half other-domain images and occluded faces
N_SCORE_PROBES = 40       # pairs of each kind
DIFFUSE_ERROR = 0.12      # std of a blurry reconstruction's pixel error ([-1, 1] units)
PATCH, PATCH_SHIFT = 12, 0.5  # side (pixels) and per-channel shift of the recoloured patch


def labelled_probes(size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """A public labelled probe set: uint8 images (N_LABELLED_PROBES, size, size, 3) drawn like
    the test set, and their labels (1 = anomaly: an other-domain image or an occluded face)."""
    from course_datasets.hw08_anomaly import make_sets

    _, images, kinds = make_sets(PROBE_SEED, n_train=1, n_test=N_LABELLED_PROBES,
                                 hard_share=0.0, size=size)
    return images, np.array([int(kind != "normal") for kind in kinds])


def score_probes(size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """``(inputs, reconstructions)``, float32 (2 N_SCORE_PROBES, 3, size, size) in [-1, 1]: first
    faces whose reconstruction has a fine, pixel-level error everywhere (an auto-encoder blurs
    every detail), then the same faces with one recoloured patch and a near-exact
    reconstruction of the face without it. The patch holds less squared error than the diffuse
    error, so the summed squared error ranks it lower; an anomaly changes a whole region."""
    from course_datasets.hw06_anime_faces import draw_faces

    rng = np.random.RandomState(PROBE_SEED)
    faces = np.stack([np.asarray(face) for _, face in draw_faces(PROBE_SEED, N_SCORE_PROBES,
                                                                 size)])
    faces = faces.transpose(0, 3, 1, 2).astype(np.float32) * (2 / 255) - 1
    recoloured = faces.copy()
    for image in recoloured:
        y, x = rng.randint(size // 4, size - size // 4 - PATCH, 2)
        patch = image[:, y:y + PATCH, x:x + PATCH]
        patch -= np.where(patch > 0, PATCH_SHIFT, -PATCH_SHIFT)  # towards grey: stays in [-1, 1]
    blurry = faces + rng.normal(0, DIFFUSE_ERROR, faces.shape).astype(np.float32)
    exact = faces + rng.normal(0, DIFFUSE_ERROR / 6, faces.shape).astype(np.float32)
    return np.concatenate([faces, recoloured]), np.concatenate([blurry, exact])
