"""Read a submission file as plain data and say exactly what is wrong with it (introduced in HW01).

Nothing is unpickled or executed: the file is size-capped, decoded as UTF-8 CSV and checked
for the exact header, complete and unique ids and finite numbers.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from pathlib import Path

from course_utils.grading.config import ArtifactSpec


class ArtifactError(ValueError):
    """The submission file cannot be scored; the message says why, in words for a student."""


def _preview(items: Iterable, n: int = 5) -> str:
    items = sorted(items, key=str)
    more = f" … ({len(items)} in all)" if len(items) > n else ""
    return ", ".join(map(str, items[:n])) + more


def read_predictions(
    path: Path, spec: ArtifactSpec, expected_ids: Iterable[str]
) -> dict[str, float]:
    """Return ``{id: value}`` from a submission CSV, or raise :class:`ArtifactError`."""
    path = Path(path)
    if not path.is_file():
        raise ArtifactError(f"No {spec.file} was written: run the export cell that saves it.")
    size = path.stat().st_size
    if size > spec.max_bytes:
        raise ArtifactError(f"{spec.file} is {size:,} bytes; the limit is {spec.max_bytes:,}.")
    raw = path.read_bytes()
    if raw.startswith((b"\x80", b"PK", b"\x93NUMPY")):
        raise ArtifactError(f"{spec.file} is a binary file, not a CSV: write it with save_pred.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ArtifactError(f"{spec.file} is not UTF-8 text: write it as a CSV file.") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ArtifactError(f"{spec.file} is empty.")
    header = tuple(h.strip() for h in rows[0])
    if header != spec.columns:
        raise ArtifactError(
            f"{spec.file} header is {','.join(header)!r}; it must be exactly "
            f"{','.join(spec.columns)!r}."
        )
    values: dict[str, float] = {}
    duplicates, bad = set(), []
    for line, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(spec.columns):
            raise ArtifactError(
                f"{spec.file} line {line} has {len(row)} fields, not {len(spec.columns)}.")
        key, value = row[0].strip(), row[1].strip()
        try:
            number = float(value)
        except ValueError:
            raise ArtifactError(
                f"{spec.file} line {line}: {spec.value_column} {value!r} is not a number."
            ) from None
        if not math.isfinite(number):
            bad.append(key)
        if key in values:
            duplicates.add(key)
        values[key] = number
    expected = {str(i) for i in expected_ids}
    problems = []
    if duplicates:
        problems.append(f"duplicate ids: {_preview(duplicates)}")
    if missing := expected - values.keys():
        problems.append(f"missing ids: {_preview(missing)}")
    if extra := values.keys() - expected:
        problems.append(f"unknown ids: {_preview(extra)}")
    if bad:
        problems.append(f"NaN or infinite predictions for ids: {_preview(bad)}")
    if problems:
        raise ArtifactError(f"{spec.file}: " + "; ".join(problems) + ".")
    return values
