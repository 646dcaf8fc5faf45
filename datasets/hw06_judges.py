"""Train HW6's judges (``course_utils.grading.judges``): the attribute network whose features
give the FID and whose hair-colour head gives the coverage, and the face/non-face classifier
whose acceptance rate is the AFD.

    python -m course_datasets.hw06_judges    # writes datasets/_shipped/hw06_judges.pt

Deterministic on CPU with one thread: the same seeds give the same weights. The judges see
faces the way the grader sees a submission: saved as JPEG (quality 75, as the official
``save_image``), drawn at 32 or 64 px and box-filtered to 32 px. The classifier's negatives are
what a bad generator makes: noise, smooth noise, colour blobs, blurred, patch-shuffled,
half-erased, upside-down or ghosted (two blended) faces, flat colours, and untrained DCGAN
generators. The file holds plain state_dicts, loaded with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from course_datasets.hw06_anime_faces import FACTOR_VALUES, draw_faces
from course_datasets.l06_dcgan import attribute_loss
from course_datasets.l06_training import SEED, fit
from PIL import Image, ImageDraw, ImageFilter
from torch.nn import functional as F

from course_utils.grading.judges import (
    JUDGE_SIZE,
    SHIPPED,
    face_classifier,
    jpeg_round_trip,
    judge_input,
    to_judge_size,
)
from course_utils.models.gan import FACE_Z_DIM, DCGANGenerator, FaceAttributeNet

TRAIN_SEED = 6060     # faces the judges learn from (no class or calibration draws this seed)
HELD_OUT_SEED = 6061  # faces the judges are checked on
SIZES = (64, 32)      # the sides a submission may have; half the faces are drawn at each
S = JUDGE_SIZE


def real_faces(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` faces as the grader sees them, (n, 32, 32, 3) uint8, and their factor indices
    (n, 8); faces alternate between the sides in ``SIZES``."""
    images, factors = [], []
    for size in SIZES:
        for face, image in draw_faces(seed + size, n // len(SIZES), size):
            images.append(to_judge_size(jpeg_round_trip(np.asarray(image))))
            factors.append([values.index(getattr(face, name))
                            for name, values in FACTOR_VALUES.items()])
    return np.stack(images), np.array(factors, dtype=np.int64)


# ---- negatives: (rng, a real face, another real face) -> a 32×32 uint8 non-face ------------
def _noise(rng, a, b):
    return rng.randint(0, 256, (S, S, 3)).astype(np.uint8)


def _smooth_noise(rng, a, b):
    side = rng.randint(2, 9)
    small = rng.randint(0, 256, (side, side, 3)).astype(np.uint8)
    return np.asarray(Image.fromarray(small).resize((S, S), Image.BILINEAR))


def _blobs(rng, a, b):
    image = Image.new("RGB", (S, S), tuple(rng.randint(0, 256, 3).tolist()))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(2, 9)):
        x, y = rng.uniform(-4, S, 2)
        w, h = rng.uniform(3, S * 0.7, 2)
        draw.ellipse([x, y, x + w, y + h], fill=tuple(rng.randint(0, 256, 3).tolist()))
    return np.asarray(image.filter(ImageFilter.GaussianBlur(rng.uniform(0, 1.5))))


def _blurred(rng, a, b):
    return np.asarray(Image.fromarray(a).filter(ImageFilter.GaussianBlur(rng.uniform(1.5, 3.5))))


def _shuffled(rng, a, b):
    k = rng.choice([2, 4, 8])
    p = S // k
    tiles = [a[i * p:(i + 1) * p, j * p:(j + 1) * p] for i in range(k) for j in range(k)]
    order = rng.permutation(len(tiles))
    rows = [np.concatenate([tiles[order[i * k + j]] for j in range(k)], 1) for i in range(k)]
    return np.concatenate(rows, 0)


def _erased(rng, a, b):
    out = a.copy()
    h, w = rng.randint(S // 2, S + 1, 2)
    y, x = rng.randint(0, S - h + 1), rng.randint(0, S - w + 1)
    fill = (rng.randint(0, 256, (h, w, 3)) if rng.rand() < 0.5
            else np.broadcast_to(rng.randint(0, 256, 3), (h, w, 3)))
    out[y:y + h, x:x + w] = fill
    return out


def _broken_layout(rng, a, b):
    kind = rng.randint(3)
    if kind == 0:
        return a[::-1].copy()                               # upside down
    if kind == 1:
        return np.concatenate([a[S // 2:], a[:S // 2]], 0)  # lower half on top
    return np.rot90(a, rng.choice([1, 3])).copy()          # lying on its side


def _ghost(rng, a, b):
    t = rng.uniform(0.35, 0.65)
    return (t * a + (1 - t) * b).astype(np.uint8)


def _flat(rng, a, b):
    colour = a.reshape(-1, 3).mean(0) if rng.rand() < 0.5 else rng.randint(0, 256, 3)
    return np.broadcast_to(colour, (S, S, 3)).astype(np.uint8)


NEGATIVES: dict[str, Callable] = {
    "noise": _noise, "smooth noise": _smooth_noise, "colour blobs": _blobs,
    "blurred face": _blurred, "shuffled face": _shuffled, "half-erased face": _erased,
    "broken layout": _broken_layout, "ghosted faces": _ghost, "flat colour": _flat,
}


def untrained_generator_images(seed: int, n: int) -> np.ndarray:
    """``n`` images of freshly initialised DCGAN generators (batch norm in train and eval mode),
    as the grader sees them."""
    torch.manual_seed(seed)
    out = []
    for i in range(0, n, 50):
        G = DCGANGenerator().train(i % 100 == 0)
        with torch.no_grad():
            fake = G(torch.randn(min(50, n - i), FACE_Z_DIM))
        pixels = ((fake + 1) * 127.5 + 0.5).clamp(0, 255).byte().permute(0, 2, 3, 1).numpy()
        out.extend(pixels)
    return np.stack(out)


def negatives(seed: int, reals: np.ndarray, n: int) -> tuple[np.ndarray, list[str]]:
    """``n`` non-faces, JPEG round-tripped like a submission, and the kind of each: every
    kind of ``NEGATIVES`` and untrained generators in turn."""
    rng = np.random.RandomState(seed)
    kinds = [*NEGATIVES, "untrained generator"]
    names = [kinds[i % len(kinds)] for i in range(n)]
    generated = iter(untrained_generator_images(seed, names.count("untrained generator")))
    images = []
    for name in names:
        if name == "untrained generator":
            image = next(generated)
        else:
            a, b = reals[rng.randint(len(reals), size=2)]
            image = NEGATIVES[name](rng, a, b)
        images.append(jpeg_round_trip(np.ascontiguousarray(image, dtype=np.uint8)))
    return np.stack(images), names


def train_attributes(x: torch.Tensor, factors: torch.Tensor, epochs: int) -> FaceAttributeNet:
    """All 8 factors at once (cross-entropy each), Adam, as L06's attribute network."""
    torch.manual_seed(SEED)
    model = FaceAttributeNet()
    fit(model, len(x), lambda idx: attribute_loss(model, x[idx], factors[idx]), epochs)
    return model.eval()


def train_face(x: torch.Tensor, is_face: torch.Tensor, epochs: int) -> FaceAttributeNet:
    """Binary cross-entropy on faces (1) against non-faces (0)."""
    torch.manual_seed(SEED)
    model = face_classifier()
    fit(model, len(x), lambda idx: F.binary_cross_entropy_with_logits(
        model(x[idx]).squeeze(1), is_face[idx]), epochs)
    return model.eval()


def train_judges(n_faces: int = 4000, epochs: int = 6
                 ) -> tuple[FaceAttributeNet, FaceAttributeNet]:
    """Both judges from ``n_faces`` faces of ``TRAIN_SEED`` and as many non-faces."""
    faces, factors = real_faces(TRAIN_SEED, n_faces)
    fakes, _ = negatives(TRAIN_SEED, faces, len(faces))
    x_faces = judge_input(faces)
    attributes = train_attributes(x_faces, torch.from_numpy(factors), epochs)
    x = torch.cat([x_faces, judge_input(fakes)])
    is_face = torch.cat([torch.ones(len(faces)), torch.zeros(len(fakes))])
    return attributes, train_face(x, is_face, epochs)


@torch.no_grad()
def held_out_report(attributes: FaceAttributeNet, face: FaceAttributeNet, n: int = 1000
                    ) -> dict[str, float]:
    """Accuracy per factor and face acceptance on held-out faces; rejection per non-face kind."""
    faces, factors = real_faces(HELD_OUT_SEED, n)
    x = judge_input(faces)
    report = {f"{name} accuracy": float((logits.argmax(1) == torch.from_numpy(factors[:, i]))
                                        .float().mean())
              for i, (name, logits) in enumerate(zip(FACTOR_VALUES, attributes.factor_logits(x),
                                                     strict=True))}
    report["faces accepted"] = float((face(x).squeeze(1) > 0).float().mean())
    fakes, kinds = negatives(HELD_OUT_SEED, faces, n)
    rejected = (face(judge_input(fakes)).squeeze(1) <= 0).numpy()
    for kind in dict.fromkeys(kinds):
        report[f"{kind} rejected"] = float(rejected[[k == kind for k in kinds]].mean())
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--faces", type=int, default=4000)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--out", type=Path, default=SHIPPED)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    attributes, face = train_judges(args.faces, args.epochs)
    for name, value in held_out_report(attributes, face).items():
        print(f"held out: {name} {value:.3f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"attributes": attributes.state_dict(), "face": face.state_dict()}, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
