"""HW2 libriphone files: the official reading code and a schema check (introduced in HW02).

``load_feat``, ``shift``, ``concat_feat`` and ``preprocess_data`` are the 2022 sample code's
functions (the notebook keeps its own copy for students to read); the grader uses
``concat_feat`` here as the trusted implementation of the ``concat_feat`` probe.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import torch

N_CLASSES = 41
FEATURE_DIM = 39
# The mini set's 41 classes (ARPAbet) in 10 confusable groups: {group: (kind, members)}.
GROUPS = {
    "silence": ("sil", ("sil", "spn")),
    "front vowels": ("vowel", ("iy", "ih", "ey", "eh", "ae")),
    "back vowels": ("vowel", ("aa", "ao", "ow", "uh", "uw")),
    "central vowels and diphthongs": ("vowel", ("ah", "er", "aw", "ay", "oy")),
    "voiced stops": ("consonant", ("b", "d", "g")),
    "voiceless stops": ("consonant", ("p", "t", "k")),
    "nasals": ("consonant", ("m", "n", "ng")),
    "voiceless fricatives": ("consonant", ("f", "th", "s", "sh", "hh")),
    "voiced fricatives and affricates": ("consonant", ("v", "dh", "z", "zh", "jh", "ch")),
    "liquids and glides": ("consonant", ("l", "r", "w", "y")),
}
PHONES = ("sil", *sorted(p for _, members in GROUPS.values() for p in members
                         if p not in ("sil", "spn")), "spn")
SILENCE = ("sil", "spn")


class SchemaError(ValueError):
    """A file does not have the official HW2 layout."""


def load_feat(path):
    feat = torch.load(path)
    return feat


def shift(x, n):
    if n < 0:
        left = x[0].repeat(-n, 1)
        right = x[:n]

    elif n > 0:
        right = x[-1].repeat(n, 1)
        left = x[n:]
    else:
        return x

    return torch.cat((left, right), dim=0)


def concat_feat(x, concat_n):
    assert concat_n % 2 == 1 # n must be odd
    if concat_n < 2:
        return x
    seq_len, feature_dim = x.size(0), x.size(1)
    x = x.repeat(1, concat_n)
    x = x.view(seq_len, concat_n, feature_dim).permute(1, 0, 2) # concat_n, seq_len, feature_dim
    mid = (concat_n // 2)
    for r_idx in range(1, mid+1):
        x[mid + r_idx, :] = shift(x[mid + r_idx], r_idx)
        x[mid - r_idx, :] = shift(x[mid - r_idx], -r_idx)

    return x.permute(1, 0, 2).view(seq_len, concat_n * feature_dim)


def read_split(phone_path: str | Path, split: str) -> list[str]:
    """The utterance ids of ``train_split.txt`` or ``test_split.txt``, in file order."""
    return [line.strip("\n") for line in open(os.path.join(phone_path, f"{split}_split.txt"))]


def read_labels(phone_path: str | Path) -> dict[str, list[int]]:
    """``train_labels.txt`` as {utterance id: one label per frame}."""
    label_dict = {}
    for line in open(os.path.join(phone_path, "train_labels.txt")).readlines():
        line = line.strip("\n").split(" ")
        label_dict[line[0]] = [int(p) for p in line[1:]]
    return label_dict


def split_utterances(names: list[str], split: str, train_ratio: float = 0.8,
                     train_val_seed: int = 1337) -> list[str]:
    """The sample code's train/val split of the training utterances (a seeded shuffle)."""
    usage_list = list(names)
    random.seed(train_val_seed)
    random.shuffle(usage_list)
    percent = int(len(usage_list) * train_ratio)
    return usage_list[:percent] if split == "train" else usage_list[percent:]


def check_libriphone(root: str | Path, n_check: int = 5) -> None:
    """Raise :class:`SchemaError` unless ``root/libriphone`` has the official layout.

    Checks the split and label files completely and the first ``n_check`` feature files of
    each split (a (T, 39) float32 tensor whose T matches the labels).
    """
    phone_path = Path(root) / "libriphone"
    for name in ("train_split.txt", "test_split.txt", "train_labels.txt"):
        if not (phone_path / name).is_file():
            raise SchemaError(f"{phone_path / name} is missing; resolve('hw02') returns the "
                              "folder that holds libriphone/.")
    labels = read_labels(phone_path)
    for split in ("train", "test"):
        names = read_split(phone_path, split)
        if not names or len(set(names)) != len(names) or any(" " in n for n in names):
            raise SchemaError(f"{split}_split.txt must list unique utterance ids, one a line.")
        if split == "train" and set(names) != set(labels):
            raise SchemaError("train_labels.txt must have one line per id of train_split.txt.")
        for name in names[:n_check]:
            path = phone_path / "feat" / split / f"{name}.pt"
            if not path.is_file():
                raise SchemaError(f"{path} is missing (feat/{split}/<utterance id>.pt).")
            feat = torch.load(path, weights_only=True)
            if feat.dtype != torch.float32 or feat.dim() != 2 or feat.shape[1] != FEATURE_DIM:
                raise SchemaError(f"{path} must hold a float32 (T, {FEATURE_DIM}) tensor, not "
                                  f"{feat.dtype} {tuple(feat.shape)}.")
            if split == "train" and len(labels[name]) != len(feat):
                raise SchemaError(f"{name}: {len(feat)} frames but {len(labels[name])} labels.")
    if any(not 0 <= c < N_CLASSES for lab in labels.values() for c in lab):
        raise SchemaError(f"train_labels.txt: labels must be class ids 0-{N_CLASSES - 1}.")
