"""Train the checkpoint of L06's DCGAN section: a DCGAN on 5,000 HW6 synthetic faces at 32×32
and the attribute network used as its FID feature network (architectures in
``course_utils.models.gan``).

    python -m course_datasets.l06_dcgan    # writes datasets/_shipped/l06_dcgan.pt (a few minutes)

Deterministic on CPU with one thread: the same seed gives the same weights. The file holds
plain state_dicts (``{"generator": ..., "discriminator": ..., "attributes": ...}``), loaded
with ``torch.load(..., weights_only=True)``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from course_datasets.l06_training import SEED, fit, train_nonsaturating
from torch.nn import functional as F

from course_utils.models.gan import (
    FACE_Z_DIM,
    DCGANDiscriminator,
    DCGANGenerator,
    FaceAttributeNet,
)
from course_utils.toy_data import anime_faces

SHIPPED = Path(__file__).resolve().parent / "_shipped" / "l06_dcgan.pt"
TRAIN_FACES_SEED = 2022   # the HW6 generator's default seed: the faces students train on
HELD_OUT_SEED = 1         # faces to check the attribute network on


def faces_in_range(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` HW6 faces at 32×32 scaled to [−1, 1] (as the generator's tanh) and their factors."""
    images, factors = anime_faces(n, seed)
    return torch.from_numpy(images) * 2 - 1, torch.from_numpy(factors)


def attribute_loss(model: FaceAttributeNet, x: torch.Tensor, factors: torch.Tensor
                   ) -> torch.Tensor:
    """The sum over the 8 factors of each factor's cross-entropy."""
    return sum(F.cross_entropy(logits, factors[:, i])
               for i, logits in enumerate(model.factor_logits(x)))


def train_attributes(x: torch.Tensor, factors: torch.Tensor, epochs: int = 4
                     ) -> FaceAttributeNet:
    """Adam on every factor at once; prints the accuracy per factor on held-out faces."""
    torch.manual_seed(SEED)
    model = FaceAttributeNet()
    fit(model, len(x), lambda idx: attribute_loss(model, x[idx], factors[idx]), epochs)
    held_x, held_factors = faces_in_range(1000, HELD_OUT_SEED)
    with torch.no_grad():
        acc = [float((logits.argmax(1) == held_factors[:, i]).float().mean())
               for i, logits in enumerate(model.factor_logits(held_x))]
    print("attribute network: held-out accuracy per factor", [round(a, 3) for a in acc])
    return model


def train_dcgan(x: torch.Tensor, steps: int = 4000, batch: int = 64
                ) -> tuple[DCGANGenerator, DCGANDiscriminator]:
    """Non-saturating GAN loss, Adam (lr 2e-4, β₁ = 0.5) as in the DCGAN paper."""
    torch.manual_seed(SEED)

    def draw(g: torch.Generator):
        real = x[torch.randint(0, len(x), (batch,), generator=g)]
        return (real,), (torch.randn(batch, FACE_Z_DIM, generator=g),), (), ()

    return train_nonsaturating(DCGANGenerator(), DCGANDiscriminator(), draw, steps,
                               log_every=500)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--faces", type=int, default=5000)
    parser.add_argument("--out", type=Path, default=SHIPPED)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    x, factors = faces_in_range(args.faces, TRAIN_FACES_SEED)
    attributes = train_attributes(x, factors)
    G, D = train_dcgan(x, args.steps)
    with torch.no_grad():
        fake = G.eval()(torch.randn(1000, FACE_Z_DIM, generator=torch.Generator().manual_seed(1)))
        hair = attributes.factor_logits(fake)[0].argmax(1)
    print("generated faces per hair colour:", torch.bincount(hair, minlength=8).tolist())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"generator": G.state_dict(), "discriminator": D.state_dict(),
                "attributes": attributes.state_dict()}, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
