"""The models of L06 (introduced there): the conditional GAN on MNIST-5k and the small digit
classifier that serves as its feature network for FID and IS; the DCGAN on the HW6 faces and
the attribute network that serves as theirs.

L06 writes each generator and discriminator out in its own cells and checks that they match
these; ``course_datasets.l06_cgan`` and ``course_datasets.l06_dcgan`` train them into the
shipped checkpoints.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

N_CLASSES = 10
Z_DIM = 16


class ConditionalGenerator(nn.Module):
    """(z, y) → a 28×28 image in [−1, 1]: [z, onehot(y)] → 7×7 map → 14×14 → 28×28."""

    def __init__(self, z_dim: int = Z_DIM, width: int = 16, n_classes: int = N_CLASSES):
        super().__init__()
        self.n_classes, self.width = n_classes, width
        self.fc = nn.Linear(z_dim + n_classes, 2 * width * 7 * 7)
        self.up1 = nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1)
        self.up2 = nn.ConvTranspose2d(width, 1, 4, stride=2, padding=1)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.fc(torch.cat([z, F.one_hot(y, self.n_classes).float()], dim=1)))
        h = F.relu(self.up1(h.view(-1, 2 * self.width, 7, 7)))
        return torch.tanh(self.up2(h))


class ConditionalDiscriminator(nn.Module):
    """(x, y) → a realness-and-match logit: w·h(x) + embed(y)·h(x) (a projection
    discriminator), so the label can veto an image that does not show it."""

    def __init__(self, width: int = 16, n_classes: int = N_CLASSES):
        super().__init__()
        self.conv1 = nn.Conv2d(1, width, 4, stride=2, padding=1)
        self.conv2 = nn.Conv2d(width, 2 * width, 4, stride=2, padding=1)
        self.out = nn.Linear(2 * width * 7 * 7, 1)
        self.embed = nn.Embedding(n_classes, 2 * width * 7 * 7)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = F.leaky_relu(self.conv1(x), 0.2)
        h = F.leaky_relu(self.conv2(h), 0.2).flatten(1)
        return (self.out(h) + (self.embed(y) * h).sum(1, keepdim=True)).squeeze(1)


class DigitClassifier(nn.Module):
    """A small CNN for 28×28 digits in [−1, 1]; ``features`` is its 32-d penultimate layer,
    the stand-in for Inception's features in FID and its softmax the p(y|x) of IS."""

    def __init__(self, n_classes: int = N_CLASSES):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc = nn.Linear(32 * 7 * 7, 32)
        self.head = nn.Linear(32, n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        return F.relu(self.fc(h.flatten(1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


# ---------------------------------------------------------------- DCGAN on the HW6 faces
FACE_Z_DIM = 64
FACE_SIZE = 32


class DCGANGenerator(nn.Module):
    """z → a 3×32×32 face in [−1, 1]: transposed convolutions 1 → 4 → 8 → 16 → 32, batch norm
    and ReLU between them, tanh at the end (Radford et al.'s guidelines)."""

    def __init__(self, z_dim: int = FACE_Z_DIM, width: int = 16):
        super().__init__()
        self.net = nn.Sequential(
            nn.ConvTranspose2d(z_dim, 4 * width, 4, 1, 0, bias=False),
            nn.BatchNorm2d(4 * width), nn.ReLU(),
            nn.ConvTranspose2d(4 * width, 2 * width, 4, 2, 1, bias=False),
            nn.BatchNorm2d(2 * width), nn.ReLU(),
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False),
            nn.BatchNorm2d(width), nn.ReLU(),
            nn.ConvTranspose2d(width, 3, 4, 2, 1), nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z[:, :, None, None])


class DCGANDiscriminator(nn.Module):
    """A 3×32×32 image → a realness logit: strided convolutions 32 → 16 → 8 → 4 → 1 with
    LeakyReLU(0.2), batch norm on the inner layers, no pooling and no hidden linear layer."""

    def __init__(self, width: int = 16):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, width, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, 2, 1, bias=False),
            nn.BatchNorm2d(2 * width), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * width, 4 * width, 4, 2, 1, bias=False),
            nn.BatchNorm2d(4 * width), nn.LeakyReLU(0.2),
            nn.Conv2d(4 * width, 1, 4, 1, 0),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).flatten()


# Values per factor of the HW6 faces (course_datasets.hw06_anime_faces.FACTOR_VALUES).
FACE_FACTORS = {"hair_colour": 8, "hair_style": 4, "eye_colour": 6, "eye_size": 3, "skin": 4,
                "mouth": 4, "background": 6, "pattern": 4}


class FaceAttributeNet(nn.Module):
    """A small CNN that reads the 8 factors of a 32×32 face in [−1, 1]; ``features`` is its 64-d
    penultimate layer (the feature network of the faces' FID), ``forward`` the logits of every
    factor side by side (split them with ``FACE_FACTORS``)."""

    def __init__(self, n_values: int = sum(FACE_FACTORS.values())):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(3, 16, 3, padding=1),
                                    nn.Conv2d(16, 32, 3, padding=1),
                                    nn.Conv2d(32, 32, 3, padding=1)])
        self.fc = nn.Linear(32 * 4 * 4, 64)
        self.head = nn.Linear(64, n_values)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        for conv in self.convs:  # 32 → 16 → 8 → 4
            x = F.max_pool2d(F.relu(conv(x)), 2)
        return F.relu(self.fc(x.flatten(1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

    def factor_logits(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """One (N, values) logit tensor per factor, in the order of ``FACE_FACTORS``."""
        return self(x).split(list(FACE_FACTORS.values()), dim=1)
