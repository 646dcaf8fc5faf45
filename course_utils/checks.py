"""The printer behind every notebook's ``Checks`` cell (introduced in 00).

Values are rounded to 4 significant digits and −0.0 prints as 0, so the pinned output is
stable across platforms; a relation prints its truth value and both sides.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
        "==": operator.eq, "!=": operator.ne}


def format_value(value: object) -> str:
    """Render numbers with 4 significant digits; lists and tensors element by element."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        text = f"{float(value):.4g}"
        return "0" if text == "-0" else text
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return str(value)


@dataclass(frozen=True)
class Relation:
    """A checked relation ``a op b`` that prints as ``True (a < b)``."""

    a: float
    op: str
    b: float

    @property
    def holds(self) -> bool:
        return bool(_OPS[self.op](self.a, self.b))

    def __str__(self) -> str:
        return f"{self.holds} ({format_value(self.a)} {self.op} {format_value(self.b)})"


def relation(a: float, op: str, b: float) -> Relation:
    """Build a :class:`Relation`; ``op`` is one of ``< <= > >= == !=``."""
    if op not in _OPS:
        raise ValueError(f"Unknown relation {op!r}; use one of {', '.join(_OPS)}.")
    return Relation(float(a), op, float(b))


def below(diff: float, tol: float) -> Relation:
    """``relation(diff, "<", tol)`` with ``diff`` rounded at the tolerance's decimal place, so
    float round-off under the tolerance prints the same on every platform (introduced in L02c)."""
    return relation(round(float(diff), max(0, -math.floor(math.log10(tol)))), "<", tol)


def print_checks(checks: Mapping[str, object]) -> None:
    """Print one ``name: value`` line per check, rounded for stable comparison."""
    width = max(len(name) for name in checks)
    for name, value in checks.items():
        print(f"{name:<{width}} : {format_value(value)}")
