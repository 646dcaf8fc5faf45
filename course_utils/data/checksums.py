"""Content checksums of generated datasets (introduced in HW01; binary formats from HW02 on).

A digest covers what a file *means*, not its bytes, so that it survives library upgrades that
re-encode the same content: text is hashed after normalising line endings, ``.gz`` after
decompressing, images as decoded pixels, ``.npy`` arrays and ``.pt`` tensors as dtype, shape
and values (zip containers and JPEG encoders write different bytes across versions). Folders
with many files (the utterances or images of a split) are summarised in one entry,
``"<folder>/*"``.
"""

from __future__ import annotations

import gzip
import hashlib
from collections import defaultdict
from pathlib import Path

import numpy as np

TEXT_SUFFIXES = {".csv", ".json", ".txt", ".en", ".zh"}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp"}
MAX_LISTED = 20  # a folder with more files than this gets one summary entry


def _array_bytes(array: np.ndarray) -> bytes:
    array = np.ascontiguousarray(array)
    header = f"{array.dtype.newbyteorder('<').str}{array.shape}".encode()
    return header + array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()


def _content(path: Path) -> bytes:
    suffix = path.suffix.lower()
    if suffix == ".gz":
        return gzip.decompress(path.read_bytes()).replace(b"\r\n", b"\n")
    if suffix in IMAGE_SUFFIXES:
        from PIL import Image

        with Image.open(path) as image:
            return image.mode.encode() + _array_bytes(np.asarray(image))
    if suffix == ".npy":
        return _array_bytes(np.load(path))
    if suffix == ".pt":
        import torch

        tensor = torch.load(path, map_location="cpu", weights_only=True)
        return _array_bytes(tensor.numpy())
    data = path.read_bytes()
    return data.replace(b"\r\n", b"\n") if suffix in TEXT_SUFFIXES else data


def file_digest(path: Path) -> str:
    """sha256 of a file's content (see the module docstring for what content means)."""
    return hashlib.sha256(_content(Path(path))).hexdigest()


def tree_digests(root: Path) -> dict[str, str]:
    """``{relative posix path: digest}`` for every file below ``root``; a folder holding more
    than ``MAX_LISTED`` files appears once, as ``"<folder>/*"``, with a digest of its
    ``name:digest`` lines."""
    root = Path(root)
    by_folder: dict[Path, list[Path]] = defaultdict(list)
    for path in sorted(root.rglob("*")):
        if path.is_file():
            by_folder[path.parent.relative_to(root)].append(path)
    digests = {}
    for folder, files in sorted(by_folder.items()):
        if len(files) <= MAX_LISTED:
            digests.update({(folder / p.name).as_posix(): file_digest(p) for p in files})
            continue
        lines = "".join(f"{p.name}:{file_digest(p)}\n" for p in files)
        key = "*" if folder == Path(".") else f"{folder.as_posix()}/*"
        digests[key] = hashlib.sha256(lines.encode()).hexdigest()
    return dict(sorted(digests.items()))
