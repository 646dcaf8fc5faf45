"""Auto-graded report questions (introduced in HW01).

The locked export cell writes ``report.json``: plain values such as the features a model used,
its loss curves, or what the student's functions return on public probe inputs. The grader
reads that file outside the sandbox, as data only, and checks each question listed in
``grading.json``'s ``"questions"`` with a trusted function registered here. A check returns
points in [0, 1] and a sentence for the student; a missing or malformed value scores 0 with
the reason, never an error.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

REPORT_FILE = "report.json"
REPORT_MAX_BYTES = 1_000_000
MAX_DEPTH = 32
MAX_DIGITS = 30
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')

Check = Callable[[dict, Path], tuple[float, str]]
QUESTIONS: dict[str, dict[str, Check]] = {}


class ReportError(ValueError):
    """A report value is missing or has the wrong shape; the message says which."""


def question(hw: str, name: str) -> Callable[[Check], Check]:
    """Register ``check(report, answer_dir) -> (points, detail)`` as ``hw``'s question ``name``."""
    def register(check: Check) -> Check:
        QUESTIONS.setdefault(hw, {})[name] = check
        return check
    return register


@dataclass(frozen=True)
class Answer:
    """One question's result on the grade sheet."""

    name: str
    points: float
    detail: str


def _depth(text: str) -> int:
    """How deeply the JSON text nests arrays and objects (strings skipped), without parsing."""
    brackets = [1 if c in "[{" else -1 for c in _STRING.sub("", text) if c in "[]{}"]
    return max(accumulate(brackets), default=0)


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_DIGITS:
        raise ReportError(f"{REPORT_FILE} holds a number of {len(digits)} digits; the limit is "
                          f"{MAX_DIGITS}.")
    return int(digits)


def parse_report(raw: bytes) -> dict:
    """``report.json`` as a dict (JSON only: nothing is unpickled or executed), within
    :data:`MAX_DEPTH` levels of nesting and :data:`MAX_DIGITS`-digit integers."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ReportError(f"{REPORT_FILE} is not UTF-8 ({err}).") from None
    if (depth := _depth(text)) > MAX_DEPTH:
        raise ReportError(f"{REPORT_FILE} nests {depth} levels deep; the limit is {MAX_DEPTH}.")
    try:
        report = json.loads(text, parse_int=_integer)
    except (json.JSONDecodeError, RecursionError) as err:
        raise ReportError(f"{REPORT_FILE} is not valid JSON ({err}).") from None
    if not isinstance(report, dict):
        raise ReportError(f"{REPORT_FILE} must hold a JSON object.")
    return report


def _load(hw: str) -> dict[str, Check]:
    """The registered checks of ``hw`` (importing ``course_utils.grading.questions_<hw>``)."""
    module = f"course_utils.grading.questions_{hw}"
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as err:
        if err.name != module:
            raise
    return QUESTIONS.get(hw, {})


def check_report(hw: str, names: list[str], report: dict, answer_dir: Path) -> list[Answer]:
    """Check the questions ``names`` of ``hw`` against a parsed report."""
    checks = _load(hw)
    answers = []
    for name in names:
        try:
            points, detail = checks[name](report, Path(answer_dir))
        except ReportError as err:
            points, detail = 0.0, str(err)
        except (TypeError, ValueError, OverflowError, KeyError, IndexError, AttributeError) as err:
            points, detail = 0.0, (f"{REPORT_FILE}: the value for {name!r} has an unexpected "
                                   f"shape ({type(err).__name__})")
        answers.append(Answer(name, round(min(max(float(points), 0.0), 1.0), 4), detail))
    return answers


def unknown_questions(hw: str, names: list[str]) -> list[str]:
    """Names in ``grading.json`` that have no registered check (a config error)."""
    return [n for n in names if n not in _load(hw)]


# ---- helpers for checks ---------------------------------------------------------------------

def value(report: dict, key: str, kind: type | tuple[type, ...] = object):
    """``report[key]``, which must exist and be a ``kind``."""
    if key not in report:
        raise ReportError(f"{REPORT_FILE} has no {key!r}: run the export cell unchanged.")
    item = report[key]
    if not isinstance(item, kind) or isinstance(item, bool) and kind in (int, float):
        raise ReportError(f"{REPORT_FILE}[{key!r}] has the wrong type ({type(item).__name__}).")
    return item


def probe_output(report: dict, name: str) -> tuple[object, str]:
    """``report["probes"][name]`` and ``""``, or ``None`` and why there is no output (the
    export cell stores ``<name>_error`` when the student's function raised)."""
    probes = value(report, "probes", dict)
    if probes.get(name) is None:
        error = probes.get(f"{name}_error", "no value")
        return None, f"{name} gave no output ({str(error)[:120]})"
    return probes[name], ""


def close(got, expected, atol: float = 1e-4) -> bool:
    """Nested lists of numbers equal within ``atol`` (same shape)."""
    import numpy as np

    try:
        got_arr, exp_arr = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return False
    return got_arr.shape == exp_arr.shape and bool(np.allclose(got_arr, exp_arr, atol=atol))
