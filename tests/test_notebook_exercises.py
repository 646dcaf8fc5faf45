"""Every lecture ends with at least three exercises whose checkers ran on the stubs
(curriculum.md §1 rule 7.3): the committed notebook shows "not attempted yet" for each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("[0L]*.ipynb"))
MIN_EXERCISES = 3


def stored_text(cell: dict) -> str:
    """All text a code cell printed or displayed."""
    parts = []
    for output in cell.get("outputs", []):
        parts.append("".join(output.get("text", "")))
        parts.append("".join(output.get("data", {}).get("text/plain", "")))
    return "".join(parts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_lecture_has_three_unattempted_exercises(path: Path) -> None:
    cells = json.loads(path.read_text())["cells"]
    checked = [i for i, c in enumerate(cells)
               if c["cell_type"] == "code" and "not attempted yet" in stored_text(c)]
    assert len(checked) >= MIN_EXERCISES, (
        f"{path.name}: {len(checked)} exercise checker(s) report 'not attempted yet' on the "
        f"stubs (cells {checked}); each lecture needs at least {MIN_EXERCISES}.")
