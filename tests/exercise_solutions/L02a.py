"""Solutions and wrong answers for L02a's exercises, and copies of the notebook's functions
that the demo plumbing takes as arguments (tests only)."""

import numpy as np
import torch
from torch import nn

DIAGNOSES = {"A": "model bias", "B": "overfitting", "C": "optimization", "D": "mismatch"}


def plain_mlp(n_in, hidden_layers, width, n_out, dropout=0.0):
    layers, n = [], n_in
    for _ in range(hidden_layers):
        layers += [nn.Linear(n, width), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        n = width
    return nn.Sequential(*layers, nn.Linear(n, n_out))


def fit_predict(x, y_hat, degree, x_new):
    design = lambda v: torch.stack([v**j for j in range(degree + 1)], dim=1)  # noqa: E731
    return design(x_new) @ torch.linalg.lstsq(design(x), y_hat[:, None]).solution[:, 0]


def tent_net(x, depth):
    for _ in range(depth):
        x = 2 * torch.relu(x) - 4 * torch.relu(x - 0.5)
    return x


def count_pieces(x, y, tol=1e-6):
    slopes = torch.diff(y) / torch.diff(x)
    changes = torch.diff(slopes).abs() > tol * max(1.0, slopes.abs().max().item())
    return int(changes.sum()) + 1


def train_val_split(n, val_fraction, seed):
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_val = round(n * val_fraction)
    return order[n_val:], order[:n_val]


def train_val_split_unshuffled(n, val_fraction, seed):
    """Wrong: the last rows become the validation set."""
    n_val = round(n * val_fraction)
    return np.arange(n - n_val), np.arange(n - n_val, n)


def train_val_split_overlapping(n, val_fraction, seed):
    """Wrong: the validation indices are also trained on."""
    train, val = train_val_split(n, val_fraction, seed)
    return torch.cat([train[len(val):], val]), val


def cross_val_mse(x, y_hat, degree, k):
    blocks = np.array_split(np.arange(len(x)), k)
    losses = []
    for f in range(k):
        train = np.concatenate(blocks[:f] + blocks[f + 1:])
        pred = fit_predict(x[train], y_hat[train], degree, x[blocks[f]])
        losses.append(((pred - y_hat[blocks[f]]) ** 2).mean().item())
    return float(np.mean(losses))


def cross_val_mse_training_loss(x, y_hat, degree, k):
    """Wrong: measures the loss on the training folds."""
    blocks = np.array_split(np.arange(len(x)), k)
    losses = []
    for f in range(k):
        train = np.concatenate(blocks[:f] + blocks[f + 1:])
        pred = fit_predict(x[train], y_hat[train], degree, x[train])
        losses.append(((pred - y_hat[train]) ** 2).mean().item())
    return float(np.mean(losses))
