"""Find a homework's data, or make the offline mini set (introduced in HW01).

Search order: explicit ``data_dir`` → ``$COURSE_DATA_<HW>`` / ``$COURSE_DATA/<hw>`` →
Kaggle input folders (searched for the sentinel file) → Colab / working directory →
the mini set generated into the cache, atomically, and verified against its checksums.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from pathlib import Path

from course_utils.data.checksums import tree_digests
from course_utils.data.registry import DatasetSpec, mini_record, spec

KAGGLE_INPUT = Path("/kaggle/input")
COLAB_CONTENT = Path("/content")
SEARCH_DEPTH = 3


class DataNotFoundError(FileNotFoundError):
    """The homework's data is not where it was asked for; the message says what to do."""


def cache_root() -> Path:
    """``$COURSE_CACHE`` or ``~/.cache/course_utils``."""
    return Path(os.environ.get("COURSE_CACHE") or Path.home() / ".cache" / "course_utils")


def _missing(ds: DatasetSpec, folder: Path) -> list[str]:
    return [f for f in ds.files if not (folder / f).exists()]


def _search(root: Path, sentinel: str) -> Path | None:
    """The folder below ``root`` that holds ``sentinel`` (a relative path, maybe nested)."""
    if not root.is_dir():
        return None
    levels = len(Path(sentinel).parts)
    for depth in range(SEARCH_DEPTH + 1):
        for hit in sorted(root.glob("/".join(["*"] * depth + [sentinel]))):
            return hit.parents[levels - 1]
    return None


def _explicit(ds: DatasetSpec, data_dir: str | os.PathLike | None) -> Path | None:
    where = data_dir or os.environ.get(f"COURSE_DATA_{ds.hw.upper()}")
    if not where and os.environ.get("COURSE_DATA"):
        where = Path(os.environ["COURSE_DATA"]) / ds.hw
    if not where:
        return None
    folder = Path(where).expanduser()
    missing = _missing(ds, folder)
    if missing:
        raise DataNotFoundError(
            f"{folder} does not hold the {ds.title} data: missing {', '.join(missing)}.\n"
            + ds.instructions()
        )
    return folder


def find_official(ds: DatasetSpec) -> Path | None:
    """A Kaggle input, Colab or working-directory folder holding every official file."""
    candidates = [_search(KAGGLE_INPUT, ds.sentinel), COLAB_CONTENT, Path.cwd()]
    for folder in candidates:
        if folder is not None and not _missing(ds, folder):
            return folder
    return None


def verify_mini(hw: str, folder: Path) -> list[str]:
    """Files whose content differs from the recorded mini-set checksums (empty: all good)."""
    expected = mini_record(hw)["files"]
    actual = tree_digests(folder)
    return sorted(name for name in set(expected) | set(actual)
                  if expected.get(name) != actual.get(name))


class ChecksumWarning(UserWarning):
    """The generated mini set differs from the recorded checksums (other library versions)."""


def make_mini(hw: str) -> Path:
    """Generate (once) and return the cached mini set of ``hw``.

    A set that does not match ``datasets/registry.json`` (numpy or Pillow versions other than
    the tested ones, as on Colab) is kept with a :class:`ChecksumWarning`, and a note beside it
    so the next call reuses it instead of generating it again.
    """
    ds, record = spec(hw), mini_record(hw)
    target = cache_root() / hw / f"v{record['version']}"
    note = target.parent / f"{target.name}.unverified"
    if target.is_dir() and note.exists():
        _warn_unverified(hw, note.read_text().split())
        return target
    if target.is_dir() and not verify_mini(hw, target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        ds.generate()(tmp)
        bad = verify_mini(hw, tmp)
        if target.exists():
            shutil.rmtree(target)
        try:
            tmp.rename(target)
        except OSError:  # another process finished first; its copy is as good as ours
            bad = verify_mini(hw, target)
        if bad:
            note.write_text("\n".join(bad) + "\n")
            _warn_unverified(hw, bad)
        else:
            note.unlink(missing_ok=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _warn_unverified(hw: str, bad: list[str]) -> None:
    warnings.warn(
        f"The generated {hw} mini set differs from datasets/registry.json in {', '.join(bad)}: "
        "your numpy/Pillow/pandas differ from the tested versions in constraints.txt. The data "
        "is still a valid mini set and the notebook goes on, but your scores may differ a "
        "little from the ones in the homework README.", ChecksumWarning, stacklevel=3)


def resolve(hw: str, data_dir: str | os.PathLike | None = None, prefer: str = "auto") -> Path:
    """Return the folder holding ``hw``'s data files.

    ``prefer='official'`` never generates (and raises :class:`DataNotFoundError` with the
    ways to provide the data); ``prefer='mini'`` skips the search.
    """
    ds = spec(hw)
    if prefer not in ("auto", "official", "mini"):
        raise ValueError(f"prefer must be 'auto', 'official' or 'mini', not {prefer!r}.")
    if prefer != "mini":
        found = _explicit(ds, data_dir) or find_official(ds)
        if found is not None:
            return found
        if prefer == "official":
            raise DataNotFoundError(f"The {ds.title} data was not found.\n" + ds.instructions())
    return make_mini(hw)
