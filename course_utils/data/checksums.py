"""Content checksums of generated datasets (introduced in HW01).

Text files are hashed after normalising line endings, so a checkout on Windows or a
re-save with CRLF still verifies; the hash covers every file of a data directory.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

TEXT_SUFFIXES = {".csv", ".json", ".txt", ".en", ".zh"}


def file_digest(path: Path) -> str:
    """sha256 of a file's content (text with ``\\n`` line endings)."""
    data = path.read_bytes()
    if path.suffix in TEXT_SUFFIXES:
        data = data.replace(b"\r\n", b"\n")
    return hashlib.sha256(data).hexdigest()


def tree_digests(root: Path) -> dict[str, str]:
    """``{relative posix path: digest}`` for every file below ``root``."""
    return {
        p.relative_to(root).as_posix(): file_digest(p)
        for p in sorted(root.rglob("*")) if p.is_file()
    }
