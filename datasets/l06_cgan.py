"""Train the checkpoint L06 loads: a conditional GAN on MNIST-5k and the digit classifier
used as FID/IS feature network (architectures in ``course_utils.models.gan``).

    python -m course_datasets.l06_cgan    # writes datasets/_shipped/l06_cgan.pt (a few minutes)

Deterministic on CPU with one thread: the same seed gives the same weights. The file holds
plain state_dicts (``{"generator": ..., "discriminator": ..., "classifier": ...}``), loaded
with ``torch.load(..., weights_only=True)``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from course_datasets.l06_training import SEED, fit, train_nonsaturating
from torch.nn import functional as F

from course_utils.models.gan import (
    Z_DIM,
    ConditionalDiscriminator,
    ConditionalGenerator,
    DigitClassifier,
)
from course_utils.toy_data import mnist5k

SHIPPED = Path(__file__).resolve().parent / "_shipped" / "l06_cgan.pt"


def digits_in_range() -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST-5k scaled to [−1, 1], as the generator's tanh outputs."""
    images, labels = mnist5k()
    return torch.from_numpy(images) * 2 - 1, torch.from_numpy(labels)


def train_classifier(x: torch.Tensor, y: torch.Tensor, epochs: int = 4) -> DigitClassifier:
    """Adam on every fifth digit held out; prints the held-out accuracy."""
    torch.manual_seed(SEED)
    held_out = torch.arange(len(x)) % 5 == 0
    train_x, train_y = x[~held_out], y[~held_out]
    model = DigitClassifier()
    fit(model, len(train_x), lambda idx: F.cross_entropy(model(train_x[idx]), train_y[idx]),
        epochs)
    with torch.no_grad():
        acc = (model(x[held_out]).argmax(1) == y[held_out]).float().mean()
    print(f"classifier: held-out accuracy {acc:.3f}")
    return model


def train_cgan(x: torch.Tensor, y: torch.Tensor, steps: int = 6000, batch: int = 64,
               ) -> tuple[ConditionalGenerator, ConditionalDiscriminator]:
    """Non-saturating cGAN; D also learns that a real image with a wrong label is fake."""
    torch.manual_seed(SEED)

    def draw(g: torch.Generator):
        idx = torch.randint(0, len(x), (batch,), generator=g)
        real, label = x[idx], y[idx]
        wrong = (label + torch.randint(1, 10, (batch,), generator=g)) % 10
        z = torch.randn(batch, Z_DIM, generator=g)
        return (real,), (z, label), (label,), [(real, wrong)]

    return train_nonsaturating(ConditionalGenerator(), ConditionalDiscriminator(), draw, steps,
                               log_every=1000)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=6000)
    parser.add_argument("--out", type=Path, default=SHIPPED)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    x, y = digits_in_range()
    classifier = train_classifier(x, y)
    G, D = train_cgan(x, y, args.steps)
    with torch.no_grad():
        labels = torch.arange(1000) % 10
        fake = G(torch.randn(1000, Z_DIM, generator=torch.Generator().manual_seed(1)), labels)
        acc = (classifier(fake).argmax(1) == labels).float().mean()
    print(f"generated digits classified as their label: {acc:.3f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"generator": G.state_dict(), "discriminator": D.state_dict(),
                "classifier": classifier.state_dict()}, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
