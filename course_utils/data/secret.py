"""Class data from a secret, mini data from a seed (introduced in HW01).

The shipped mini set, calibration and tests use small integer seeds, so anyone holding the
generator can rebuild their answer keys. A class's data must come from a secret of at least
128 bits instead: ``course-data generate --answers`` and ``course-grade`` draw one when none is
given and keep it beside the answer key (``class-secret.txt``), never in the students' data.
Every random stream of a generator comes from :func:`rng`, which keeps integer seeds exactly as
before (``RandomState(seed + stream)``) and hashes a secret into the generator's full state.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from pathlib import Path

import numpy as np

SECRET_FILE = "class-secret.txt"
SECRET_BITS = 128
_HEX = re.compile(r"[0-9a-f]+")

Seed = int | str


def new_secret() -> str:
    """A fresh 128-bit secret as 32 hex digits."""
    return secrets.token_hex(SECRET_BITS // 8)


def check_secret(secret: str) -> str:
    """``secret`` if it is hex of at least 128 bits, else :class:`ValueError`."""
    if not _HEX.fullmatch(secret) or len(secret) * 4 < SECRET_BITS:
        raise ValueError(f"a class secret must be at least {SECRET_BITS // 4} lower-case hex "
                         "digits (e.g. python -c 'import secrets; print(secrets.token_hex(16))')")
    return secret


def rng(seed: Seed, stream: int = 0) -> np.random.RandomState:
    """The generator's random stream ``stream``: ``RandomState(seed + stream)`` for an integer
    seed (the mini set, calibration), or seeded with SHA-256 of the secret and the stream."""
    if isinstance(seed, bool) or not isinstance(seed, int | str):
        raise TypeError(f"seed must be an int or a hex secret, not {type(seed).__name__}")
    if isinstance(seed, int):
        return np.random.RandomState(seed + stream)
    digest = hashlib.sha256(f"{check_secret(seed)}:{stream}".encode()).digest()
    return np.random.RandomState(np.frombuffer(digest, dtype="<u4").astype(np.uint32))


def stratified(rng: np.random.RandomState, n: int) -> np.ndarray:
    """n uniform draws in (0, 1), one in each n-th of the interval, in random order. Generators
    draw per-item traits this way so that every data seed gets the same spread of them (with
    independent draws one seed's items came out much harder than another's)."""
    return (rng.permutation(n) + rng.uniform(size=n)) / n


def write_secret(key_dir: Path, secret: str) -> Path:
    """Store the class secret beside the answer key, readable by its owner only."""
    path = Path(key_dir) / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(check_secret(secret) + "\n")
    return path


def read_secret(key_dir: Path) -> str | None:
    """The class secret stored beside the answer key, or ``None`` (a guessable mini key)."""
    path = Path(key_dir) / SECRET_FILE
    return check_secret(path.read_text().strip()) if path.is_file() else None
