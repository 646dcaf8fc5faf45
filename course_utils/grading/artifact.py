"""Read a submission file as plain data and say exactly what is wrong with it (introduced in HW01).

Nothing is unpickled or executed: the file is size-capped, decoded as UTF-8 (a CSV with the
exact header, or one line per test item) and checked for complete and unique ids and finite
numbers or non-empty labels.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterable
from pathlib import Path

from course_utils.grading.config import ArtifactSpec


class ArtifactError(ValueError):
    """The submission file cannot be scored; the message says why, in words for a student."""


def preview(items: Iterable, n: int = 5, key: Callable | None = str) -> str:
    """The first ``n`` items (sorted by ``key``; ``None`` keeps their order), comma-separated,
    with the total when there are more."""
    items = list(items) if key is None else sorted(items, key=key)
    more = f" … ({len(items)} in all)" if len(items) > n else ""
    return ", ".join(map(str, items[:n])) + more


def _text(path: Path, spec: ArtifactSpec) -> str:
    """The size-capped, UTF-8 text of a submission file."""
    if not path.is_file():
        raise ArtifactError(f"No {spec.file} was written: run the export cell that saves it.")
    size = path.stat().st_size
    if size > spec.max_bytes:
        raise ArtifactError(f"{spec.file} is {size:,} bytes; the limit is {spec.max_bytes:,}.")
    raw = path.read_bytes()
    if raw.startswith((b"\x80", b"PK", b"\x93NUMPY")):
        kind = "a CSV" if spec.format == "csv" else "a text file"
        raise ArtifactError(f"{spec.file} is a binary file, not {kind}: write it with the "
                            "notebook's save function.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ArtifactError(f"{spec.file} is not UTF-8 text.") from None


def _value(spec: ArtifactSpec, value: str, where: str) -> float | str:
    """A value as ``spec.values`` says: a float for numbers, a stripped string otherwise."""
    if spec.values != "number":
        return value.strip() if spec.values == "label" else value.rstrip("\r")
    try:
        return float(value)
    except ValueError:
        raise ArtifactError(f"{where}: {value.strip()!r} is not a number.") from None


def _csv_rows(text: str, spec: ArtifactSpec) -> list[tuple[str, str, str]]:
    reader = csv.reader(io.StringIO(text))
    try:
        rows = list(reader)
    except csv.Error as err:  # a field over csv's 131,072-character limit, a NUL byte, ...
        raise ArtifactError(
            f"{spec.file} line {reader.line_num} is not valid CSV ({err}).") from None
    if not rows:
        raise ArtifactError(f"{spec.file} is empty.")
    header = tuple(h.strip() for h in rows[0])
    if header != spec.columns:
        raise ArtifactError(
            f"{spec.file} header is {','.join(header)!r}; it must be exactly "
            f"{','.join(spec.columns)!r}."
        )
    parsed = []
    for line, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(spec.columns):
            raise ArtifactError(
                f"{spec.file} line {line} has {len(row)} fields, not {len(spec.columns)}.")
        parsed.append((row[0].strip(), row[1], f"{spec.file} line {line}: {spec.value_column}"))
    return parsed


def _line_rows(text: str, spec: ArtifactSpec) -> list[tuple[str, str, str]]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    return [(str(i), line, f"{spec.file} line {i + 1}") for i, line in enumerate(lines)]


def read_predictions(
    path: Path, spec: ArtifactSpec, expected_ids: Iterable
) -> dict[str, float | str]:
    """Return ``{id: value}`` from a submission file, or raise :class:`ArtifactError`."""
    text = _text(Path(path), spec)
    rows = _csv_rows(text, spec) if spec.format == "csv" else _line_rows(text, spec)
    expected = [str(i) for i in expected_ids]
    if spec.format == "lines" and len(rows) != len(expected):
        raise ArtifactError(f"{spec.file} has {len(rows)} lines; it needs exactly one per test "
                            f"item, {len(expected)}, in the test file's order.")
    values: dict[str, float | str] = {}
    duplicates, bad = set(), []
    for key, value, where in rows:
        parsed = _value(spec, value, where)
        if isinstance(parsed, float) and not math.isfinite(parsed):
            bad.append(key)
        if spec.values == "label" and not parsed:
            bad.append(key)
        if key in values:
            duplicates.add(key)
        values[key] = parsed
    problems = []
    if duplicates:
        problems.append(f"duplicate ids: {preview(duplicates)}")
    if missing := set(expected) - values.keys():
        problems.append(f"missing ids: {preview(missing)}")
    if extra := values.keys() - set(expected):
        problems.append(f"unknown ids: {preview(extra)}")
    if bad:
        what = "NaN or infinite predictions" if spec.values == "number" else "empty labels"
        problems.append(f"{what} for ids: {preview(bad)}")
    if problems:
        raise ArtifactError(f"{spec.file}: " + "; ".join(problems) + ".")
    return values


def read_answers(path: Path, spec: ArtifactSpec) -> dict[str, float | str]:
    """The hidden answer key, written by the generator in the artifact's own layout: a CSV
    ``id,value`` with a header for csv artifacts, one reference per line for line artifacts."""
    text = Path(path).read_text(encoding="utf-8")
    if spec.format == "lines":
        rows = _line_rows(text, spec)
    else:
        rows = [(r[0].strip(), r[1], str(path)) for r in csv.reader(io.StringIO(text)) if r][1:]
    return {key: _value(spec, value, where) for key, value, where in rows}
