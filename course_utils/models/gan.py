"""The conditional GAN of L06 on MNIST-5k and the small digit classifier that serves as its
feature network for FID and IS (introduced in L06).

L06 writes the generator and discriminator out in its own cells and checks that they match
these; ``course_datasets.l06_cgan`` trains all three into the shipped checkpoint.
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
