"""HW6's metric: FID, AFD and hair-colour coverage of generated faces (introduced in HW06).

- **FID** (lower is better): the Fréchet distance between Gaussians fitted to the judge
  attribute network's 64-d features of the generated images and of the reference faces, real
  faces the class's generator drew for the answer key only (``reference_faces.npy``). Its scale
  is the mini judge's, not Inception's: not comparable with the official FID.
- **AFD** (higher is better): the share of images the shipped face classifier accepts.
- **hair_coverage** (higher is better): how many of the 8 hair colours the attribute network
  reads on at least ``MIN_SHARE`` of the images (half of an even share), so a collapsed
  generator scores low.

The reference faces are stored as drawn (uint8, before JPEG) and go through the grader's own
path for a submission: a JPEG at the official quality, then the judges' 32 px.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from course_utils.data.hw06 import REFERENCE_FILE, THUMBNAILS_FILE, thumbnail
from course_utils.grading.artifact import ArtifactError
from course_utils.grading.judges import jpeg_round_trip, judge, judge_input, load_judges
from course_utils.models.gan import FACE_FACTORS

COMPONENTS = {"fid": False, "afd": True, "hair_coverage": True}  # name: higher is better
HAIR_COLOURS = FACE_FACTORS["hair_colour"]
MIN_SHARE = 0.5 / HAIR_COLOURS


COPY_DISTANCE = 6.0  # RMS grey levels between 8×8 thumbnails: a copy of a training face
COPIES_FLAGGED = 10  # this many copies flag a submission for a look by hand


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance of Gaussians fitted to feature rows ``a`` and ``b``:
    ‖μa − μb‖² + tr(Σa + Σb − 2 (Σa^½ Σb Σa^½)^½), in float64."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = (np.atleast_2d(np.cov(x, rowvar=False)) for x in (a, b))
    values, vectors = np.linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(values.clip(min=0))) @ vectors.T
    cross = np.linalg.eigvalsh(root_a @ cov_b @ root_a).clip(min=0)
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b)
                 - 2 * np.sqrt(cross).sum())


def features(images: Sequence[np.ndarray]) -> np.ndarray:
    """The FID features (N, 64) of (H, W, 3) uint8 images, as the grader computes them."""
    return judge(load_judges(), judge_input(list(images)))[0].numpy()


@lru_cache(maxsize=4)
def _reference_features(path: str, mtime: float) -> np.ndarray:
    faces = np.load(path, allow_pickle=False)
    if faces.dtype != np.uint8 or faces.ndim != 4 or faces.shape[-1] != 3:
        raise ValueError(f"{path} is not an (N, H, W, 3) uint8 array of faces")
    return features([jpeg_round_trip(face) for face in faces])


def reference_features(answer_dir: Path) -> np.ndarray:
    """The judge features of the answer key's reference faces (cached while the file stays)."""
    path = Path(answer_dir) / REFERENCE_FILE
    if not path.is_file():
        raise FileNotFoundError(f"No {REFERENCE_FILE} in {answer_dir}: make the key with "
                                "course-data generate hw06 DATA --answers KEY.")
    return _reference_features(str(path), path.stat().st_mtime)


def _numbers(features: np.ndarray, hair: np.ndarray, accepted: np.ndarray,
             reference: np.ndarray) -> dict[str, float]:
    shares = np.bincount(hair, minlength=HAIR_COLOURS) / len(hair)
    return {"fid": round(frechet_distance(features, reference), 4),
            "afd": round(float(accepted.mean()), 4),
            "hair_coverage": int((shares >= MIN_SHARE).sum())}


def _judged(images: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if len(images) < 2:
        raise ArtifactError("FID needs at least two images on each split.")
    return tuple(t.numpy() for t in judge(load_judges(), judge_input(list(images))))


def score_faces(images: Sequence[np.ndarray], reference: np.ndarray) -> dict[str, float]:
    """FID against ``reference`` features (from :func:`features`), AFD and hair-colour coverage
    of (H, W, 3) uint8 ``images`` (at least two)."""
    return _numbers(*_judged(images), reference)


def standard_errors(images: Sequence[np.ndarray], reference: np.ndarray, resamples: int = 200
                    ) -> dict[str, float]:
    """Per component, the standard deviation of :func:`score_faces` over ``resamples``
    bootstrap resamples of the images (fixed generator): a half's test-set noise, for
    calibration margins."""
    judged = _judged(images)
    idx = np.random.default_rng(0).integers(0, len(images), size=(resamples, len(images)))
    runs = [_numbers(*(part[i] for part in judged), reference) for i in idx]
    return {c: round(float(np.std([r[c] for r in runs], ddof=1)), 6) for c in COMPONENTS}


def copies(images: Sequence[np.ndarray], answer_dir: Path) -> int:
    """How many images are copies of the students' training faces: their 8×8 thumbnail is
    within ``COPY_DISTANCE`` (RMS) of a data face's, from the key's thumbnails (0 without)."""
    path = Path(answer_dir) / THUMBNAILS_FILE
    if not path.is_file():
        return 0
    train = np.load(path, allow_pickle=False).astype(float)
    train = train.reshape(len(train), -1)
    x = np.stack([thumbnail(image) for image in images]).reshape(len(images), -1).astype(float)
    squared = (x ** 2).sum(1)[:, None] + (train ** 2).sum(1)[None] - 2 * x @ train.T
    nearest = np.sqrt(squared.clip(min=0).min(1) / x.shape[1])
    return int((nearest < COPY_DISTANCE).sum())


def copy_flag(images: Sequence[np.ndarray], answer_dir: Path) -> str:
    """A flag for the sheet when ``COPIES_FLAGGED`` or more images copy training faces."""
    n = copies(images, answer_dir)
    if n < COPIES_FLAGGED:
        return ""
    return (f"{n} of {len(images)} images are copies of the training faces (8×8 thumbnails "
            f"within {COPY_DISTANCE:g} grey levels): check the notebook by hand")
