"""Read an image archive (HW6's ``submission.tgz``) as plain data, with a reason for each fault.

The official submission is ``cd output; tar -zcf ../submission.tgz *.jpg``: the images
``1.jpg … 1000.jpg`` at the archive's top level (here they may also sit in one ``output/``
folder). The archive is read in memory, never extracted: the decompressed stream, the member
count and each member's size are capped; only regular files are read, and a link, a device, an
absolute path or a ``..`` component rejects the archive. Hidden files (``._1.jpg``,
``.DS_Store``) are skipped. Each image is decoded with Pillow only after its header shows an
allowed size, and must be an RGB JPEG.
"""

from __future__ import annotations

import gzip
import io
import re
import tarfile
import warnings
import zlib
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image

from course_utils.grading.artifact import ArtifactError, preview
from course_utils.grading.config import ArtifactSpec

MAX_UNPACKED = 32 << 20      # bytes of the decompressed tar stream
MAX_MEMBER = 512 << 10       # bytes of one image
EXTRA_MEMBERS = 64           # members allowed beyond the images (folders, hidden files)
FOLDERS = ("", "output")     # where the images may sit
NAME = re.compile(r"^([1-9][0-9]{0,5})\.jpg$")
GZIP_MAGIC = b"\x1f\x8b"


class _Capped(io.RawIOBase):
    """A read-only stream that fails once more than ``limit`` bytes have been read."""

    def __init__(self, stream, limit: int, file: str) -> None:
        self.stream, self.left, self.file = stream, limit, file
        self.limit = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read(min(len(buffer), self.left + 1))
        if len(data) > self.left:
            raise ArtifactError(f"{self.file} unpacks to more than {self.limit >> 20} MB; 1,000 "
                                "small JPEGs take a few MB.")
        self.left -= len(data)
        buffer[:len(data)] = data
        return len(data)


def _member_key(member: tarfile.TarInfo, file: str) -> str | None:
    """The image number a member holds (``None``: a folder or a hidden file to skip); raises
    for links, special files and paths that leave the folder."""
    name = member.name
    path = PurePosixPath(name)
    if name.startswith("/") or path.is_absolute():
        raise ArtifactError(f"{file}: member {name} is an absolute path; pack the images with "
                            "`cd output; tar -zcf ../submission.tgz *.jpg`.")
    if ".." in path.parts:
        raise ArtifactError(f"{file}: member {name} escapes the folder (a '..' in its path).")
    if member.issym() or member.islnk():
        kind = "symbolic" if member.issym() else "hard"
        raise ArtifactError(f"{file}: a member is a {kind} link: {name} -> {member.linkname}. "
                            "Pack the image files themselves.")
    parts = [p for p in path.parts if p != "."]
    folder = "/".join(parts[:-1])
    if member.isdir():
        if "/".join(parts) in FOLDERS:
            return None
        raise ArtifactError(f"{file}: folder {name} is not expected; put 1.jpg … at the top "
                            "level (or in one output/ folder).")
    if not member.isreg():
        raise ArtifactError(f"{file}: member {name} is not a regular file (a device, FIFO or "
                            "other special file).")
    if parts and parts[-1].startswith("."):
        return None
    match = NAME.match(parts[-1]) if parts else None
    if folder not in FOLDERS or match is None:
        raise ArtifactError(f"{file}: member {name} is not an image named <n>.jpg (1.jpg … at "
                            "the top level, or in one output/ folder).")
    return match.group(1)


def _unpack(raw: bytes, spec: ArtifactSpec) -> dict[str, bytes]:
    """``{image number: JPEG bytes}`` from the archive, checking members as they stream by."""
    stream = io.BytesIO(raw)
    capped = _Capped(gzip.GzipFile(fileobj=stream) if raw.startswith(GZIP_MAGIC) else stream,
                     MAX_UNPACKED, spec.file)
    found: dict[str, bytes] = {}
    duplicates: set[str] = set()
    try:
        with tarfile.open(fileobj=io.BufferedReader(capped), mode="r|") as tar:
            for count, member in enumerate(tar, start=1):
                if count > spec.count + EXTRA_MEMBERS:
                    raise ArtifactError(f"{spec.file} holds more than {count - 1} members; it "
                                        f"should hold the {spec.count} images only.")
                key = _member_key(member, spec.file)
                if key is None:
                    continue
                if member.size > MAX_MEMBER:
                    raise ArtifactError(f"{spec.file}: {member.name} is {member.size:,} bytes; "
                                        f"an image may take at most {MAX_MEMBER:,}.")
                if key in found:
                    duplicates.add(key)
                found[key] = tar.extractfile(member).read(MAX_MEMBER + 1)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as err:
        raise ArtifactError(f"{spec.file} is not a .tgz archive that can be read ({err}): pack "
                            "it with `cd output; tar -zcf ../submission.tgz *.jpg`.") from None
    if duplicates:
        raise ArtifactError(f"{spec.file}: {_names(duplicates)} appear more than once.")
    return found


def _names(keys: set[str]) -> str:
    """Image numbers as file names, in numeric order (the first few)."""
    return preview([f"{k}.jpg" for k in sorted(keys, key=int)], key=None)


def _check_header(name: str, image: Image.Image, spec: ArtifactSpec) -> None:
    """Format, size and mode from the header, before any pixel is decoded."""
    if image.format != "JPEG":
        raise ArtifactError(f"{name} is a {image.format or 'non-JPEG'} image, not a JPEG: save "
                            "the images with torchvision's save_image as <n>.jpg.")
    if image.size[0] != image.size[1] or image.size[0] not in spec.sides:
        raise ArtifactError(f"{name} is {image.size[0]}×{image.size[1]}; the images must be "
                            f"{_sides(spec)}.")
    if image.mode != "RGB":
        raise ArtifactError(f"{name} is a {image.mode} image; RGB is needed.")


def _sides(spec: ArtifactSpec) -> str:
    return " or ".join(f"{s}×{s}" for s in spec.sides)


def _decode(name: str, data: bytes, spec: ArtifactSpec) -> np.ndarray:
    """An (H, W, 3) uint8 array of one JPEG of an allowed size, or :class:`ArtifactError`."""
    try:
        with warnings.catch_warnings():  # the size is checked before decoding
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                _check_header(name, image, spec)
                image.load()
                return np.asarray(image)
    except ArtifactError:
        raise
    except Image.DecompressionBombError:
        raise ArtifactError(f"{name} claims more pixels than Pillow will decode (a decompression "
                            f"bomb); the images must be {_sides(spec)}.") from None
    except Exception as err:  # Pillow raises many kinds for a corrupt or truncated file
        raise ArtifactError(f"{name} is not a JPEG Pillow can decode ({err}).") from None


def read_images(path: Path, spec: ArtifactSpec) -> dict[str, np.ndarray]:
    """``{"1": (H, W, 3) uint8, …, str(spec.count): …}`` from an image archive, or raise
    :class:`ArtifactError` saying what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise ArtifactError(f"No {spec.file} was written: run the cell that packs output/.")
    size = path.stat().st_size
    if size > spec.max_bytes:
        raise ArtifactError(f"{spec.file} is {size:,} bytes; the limit is {spec.max_bytes:,}.")
    found = _unpack(path.read_bytes(), spec)
    expected = {str(i) for i in range(1, spec.count + 1)}
    problems = []
    if missing := expected - found.keys():
        problems.append(f"missing: {_names(missing)}")
    if extra := found.keys() - expected:
        problems.append(f"unexpected: {_names(extra)}")
    if problems:
        held = len(found.keys() & expected)
        raise ArtifactError(f"{spec.file} holds {held} of the images; 1.jpg … {spec.count}.jpg "
                            f"are needed ({'; '.join(problems)}).")
    return {key: _decode(f"{key}.jpg", found[key], spec)
            for key in sorted(found, key=int)}
