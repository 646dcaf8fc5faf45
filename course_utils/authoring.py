"""Build a homework's student template from its reference solution (introduced in HW01).

The reference ``hwNN_reference.ipynb`` is the single source. In its code cells,
``### BEGIN SOLUTION`` … ``### END SOLUTION`` blocks are removed, and
``### BEGIN TEMPLATE`` … ``### END TEMPLATE`` blocks (commented out in the reference) are
uncommented. Cells tagged ``reference-only`` are dropped and outputs are cleared.

    python -m course_utils.authoring hw01          # rewrite homework/hw01/hw01.ipynb
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path

import nbformat

from course_utils.grading.config import homework_root

MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN TEMPLATE", "### END TEMPLATE")


class MarkerError(ValueError):
    """Solution/template markers are unbalanced or nested."""


def strip_solution(source: str) -> str:
    """Cell source with solution blocks removed and template blocks uncommented."""
    out, mode = [], None
    for line in source.splitlines():
        marker = line.strip()
        if marker in (MARKERS[0], MARKERS[2]):
            if mode is not None:
                raise MarkerError(f"{marker!r} inside an open block:\n{source}")
            mode = "solution" if marker == MARKERS[0] else "template"
        elif marker in (MARKERS[1], MARKERS[3]):
            if mode != ("solution" if marker == MARKERS[1] else "template"):
                raise MarkerError(f"{marker!r} without its BEGIN:\n{source}")
            mode = None
        elif mode == "template":
            indent = len(line) - len(line.lstrip())
            body = line.lstrip()
            if not body.startswith("#"):
                raise MarkerError(f"template line must be commented out: {line!r}")
            body = body[2:] if body.startswith("# ") else body[1:]
            out.append(" " * indent + body)
        elif mode is None:
            out.append(line)
    if mode is not None:
        raise MarkerError(f"unclosed {mode} block:\n{source}")
    return "\n".join(out)


def make_template(reference: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student template built from a reference notebook."""
    nb = copy.deepcopy(reference)
    cells = []
    for cell in nb.cells:
        if "reference-only" in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "code":
            cell.source = strip_solution(cell.source)
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
            cell.metadata.pop("papermill", None)
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("papermill", None)
    nb.metadata.setdefault("course", {})["role"] = "template"
    return nb


def template_paths(hw: str, root: Path | None = None) -> tuple[Path, Path]:
    """(reference, template) notebook paths of a homework."""
    folder = (root or homework_root()) / hw
    return folder / f"{hw}_reference.ipynb", folder / f"{hw}.ipynb"


def build_template(hw: str, root: Path | None = None) -> Path:
    """Regenerate ``hwNN.ipynb`` from ``hwNN_reference.ipynb``; return its path."""
    reference, template = template_paths(hw, root)
    nb = make_template(nbformat.read(reference, as_version=4))
    nbformat.write(nb, template)
    return template


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("hw", nargs="+")
    for hw in parser.parse_args(argv).hw:
        print(f"wrote {build_template(hw)}")


if __name__ == "__main__":
    main()
