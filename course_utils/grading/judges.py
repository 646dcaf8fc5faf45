"""HW6's judges: the shipped networks that score generated anime faces (introduced in HW06).

Two small CNNs of the attribute network's design (``course_utils.models.gan.FaceAttributeNet``),
trained by ``python -m course_datasets.hw06_judges`` into ``hw06_judges.pt`` (plain
state_dicts, loaded with ``weights_only=True``):

- ``attributes`` reads the 8 factors of a face; its 64-d penultimate features are the FID's
  feature space and its hair-colour logits give the hair-colour coverage;
- ``face`` is a face/non-face classifier (one logit): the share of images it accepts is the AFD.

Both see 32×32 images: a submitted image of another side is box-filtered down to 32 px first.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import course_datasets
import numpy as np
import torch
from PIL import Image

from course_utils.models.gan import FaceAttributeNet

JUDGE_SIZE = 32
JPEG_QUALITY = 75  # what torchvision.utils.save_image (the official inference) writes
SHIPPED = Path(course_datasets.__file__).resolve().parent / "_shipped" / "hw06_judges.pt"


@dataclass(frozen=True)
class Judges:
    """The attribute network (FID features, hair colour) and the face classifier, in eval mode."""

    attributes: FaceAttributeNet
    face: FaceAttributeNet


def face_classifier() -> FaceAttributeNet:
    """The face/non-face classifier's architecture: the attribute network with one logit."""
    return FaceAttributeNet(n_values=1)


@lru_cache(maxsize=2)
def load_judges(path: Path = SHIPPED) -> Judges:
    """The shipped judges from ``path`` (``weights_only=True``; cached per path)."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"No HW6 judges at {path}: run "
                                "`python -m course_datasets.hw06_judges` to train them.")
    state = torch.load(path, map_location="cpu", weights_only=True)
    attributes, face = FaceAttributeNet(), face_classifier()
    attributes.load_state_dict(state["attributes"])
    face.load_state_dict(state["face"])
    return Judges(attributes.eval(), face.eval())


def jpeg_round_trip(image: np.ndarray, quality: int = JPEG_QUALITY) -> np.ndarray:
    """An (H, W, 3) uint8 image after saving it as a JPEG and decoding it again."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return np.asarray(decoded.convert("RGB"))


def to_judge_size(image: np.ndarray) -> np.ndarray:
    """An (H, W, 3) uint8 image box-filtered to ``JUDGE_SIZE`` (unchanged when already so)."""
    if image.shape[:2] == (JUDGE_SIZE, JUDGE_SIZE):
        return image
    return np.asarray(Image.fromarray(image).resize((JUDGE_SIZE, JUDGE_SIZE), Image.BOX))


def judge_input(images: np.ndarray | list[np.ndarray]) -> torch.Tensor:
    """(N, H, W, 3) uint8 images → the judges' (N, 3, 32, 32) float input in [−1, 1]."""
    batch = np.stack([to_judge_size(np.asarray(image)) for image in images])
    return torch.from_numpy(batch).permute(0, 3, 1, 2).float() / 127.5 - 1.0


@torch.no_grad()
def judge(judges: Judges, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """For a judge input ``x``: the FID features (N, 64), the hair colour (N,) and whether the
    face classifier accepts each image (N,) as a bool."""
    features = judges.attributes.features(x)
    hair = judges.attributes.factor_logits(x)[0].argmax(1)
    accepted = judges.face(x).squeeze(1) > 0
    return features, hair, accepted
