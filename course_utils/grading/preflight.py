"""Check a submitted notebook and make it safe to execute, running none of its code.

Size cap → JSON and nbformat validation → assignment id → exactly one ``parameters`` cell →
stored outputs stripped → locked cells (export, public checks) restored from the template by
``course.grade_id``, as nbgrader's ``OverwriteCells`` does.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_utils.grading.outcome import PAPERMILL_TAGS

MAX_NOTEBOOK_BYTES = 20_000_000
LOCKED_ROLES = ("export", "public-check")


class PreflightError(ValueError):
    """The notebook cannot be graded; the message tells the student what to fix."""


@dataclass
class Prepared:
    """The notebook to execute, and notes for the student about what pre-flight changed."""

    notebook: nbformat.NotebookNode
    notes: list[str] = field(default_factory=list)


def course_meta(cell: nbformat.NotebookNode) -> dict:
    """A cell's ``metadata.course`` ({role, grade_id}), or ``{}``."""
    meta = cell.get("metadata", {}).get("course", {})
    return meta if isinstance(meta, dict) else {}


def read_notebook(path: Path, max_bytes: int = MAX_NOTEBOOK_BYTES) -> nbformat.NotebookNode:
    """Parse a notebook file with a size cap; raise :class:`PreflightError` with a reason."""
    size = path.stat().st_size
    if size > max_bytes:
        raise PreflightError(f"The notebook is {size:,} bytes; the limit is {max_bytes:,}. "
                             "Clear all outputs (Edit → Clear all outputs) and submit again.")
    try:
        text = path.read_bytes().decode("utf-8")
        raw = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise PreflightError(f"The file is not valid notebook JSON ({err}). Download it again "
                             "with File → Download → .ipynb.") from None
    if not isinstance(raw, dict) or "cells" not in raw:
        raise PreflightError("The file is JSON but not a notebook (it has no 'cells').")
    try:
        return nbformat.reads(text, as_version=4)
    except Exception as err:  # nbformat raises many types for malformed notebooks
        raise PreflightError(f"The notebook cannot be read by nbformat: {err}") from None


def strip_outputs(nb: nbformat.NotebookNode, notes: list[str]) -> None:
    """Remove stored outputs, execution counts and everything papermill added before.

    A cell tagged ``injected-parameters`` would receive the grading parameters wherever it
    sits, so one placed above the parameters cell would let the student's values win.
    """
    added = [c for c in nb.cells if set(c.metadata.get("tags", [])) & set(PAPERMILL_TAGS)]
    if added:
        nb.cells = [c for c in nb.cells if all(c is not a for a in added)]
        notes.append(f"{len(added)} cell(s) left by papermill (tagged injected-parameters or "
                     "papermill-error-cell-tag) were removed.")
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None


def validate(nb: nbformat.NotebookNode) -> None:
    """nbformat's schema check, as a :class:`PreflightError`."""
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as err:
        raise PreflightError(f"The notebook does not follow the nbformat schema: "
                             f"{err.message}. Start again from the template.") from None


def check_assignment(nb: nbformat.NotebookNode, hw: str) -> None:
    """The notebook's ``metadata.course.assignment`` must be ``hw``."""
    course = nb.metadata.get("course", {})
    found = course.get("assignment") if isinstance(course, dict) else None
    if found != hw:
        what = f"is for {found!r}" if found else "has no assignment id"
        raise PreflightError(f"This notebook {what}, not {hw!r}: start from the {hw} template "
                             "and keep its notebook metadata.")


def ensure_parameters(nb: nbformat.NotebookNode, notes: list[str]) -> None:
    """Exactly one cell tagged ``parameters``; re-tag the one whose role says so if needed."""
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if len(tagged) > 1:
        raise PreflightError(f"{len(tagged)} cells are tagged 'parameters'; keep the tag only "
                             "on the template's parameters cell.")
    if tagged:
        return
    by_role = [c for c in nb.cells if course_meta(c).get("role") == "parameters"]
    if len(by_role) != 1:
        raise PreflightError("No cell is tagged 'parameters', so the grading settings cannot be "
                             "injected: restore the template's parameters cell and its tag.")
    by_role[0].metadata.setdefault("tags", []).append("parameters")
    notes.append("The parameters cell had lost its 'parameters' tag; the grader re-tagged it.")


def restore_locked(nb: nbformat.NotebookNode, template: nbformat.NotebookNode,
                   notes: list[str]) -> None:
    """Overwrite (or re-insert) every locked template cell by ``grade_id``."""
    position = 0
    for tcell in template.cells:
        gid = course_meta(tcell).get("grade_id")
        matches = [i for i, c in enumerate(nb.cells)
                   if gid and course_meta(c).get("grade_id") == gid]
        if gid and course_meta(tcell).get("role") in LOCKED_ROLES:
            if not matches:
                nb.cells.insert(position, copy.deepcopy(tcell))
                notes.append(f"The locked cell {gid!r} was missing; the grader put it back.")
                matches = [position]
            for i in matches:
                old = nb.cells[i]
                if (old.cell_type, old.source) != (tcell.cell_type, tcell.source):
                    notes.append(f"The locked cell {gid!r} was edited; the grader restored it.")
                nb.cells[i] = copy.deepcopy(tcell)
                if "id" in old:
                    nb.cells[i]["id"] = old["id"]
        if matches:
            position = matches[-1] + 1


def preflight(path: Path, hw: str, template: nbformat.NotebookNode) -> Prepared:
    """Everything above, in order; raises :class:`PreflightError` with the first problem."""
    prepared = Prepared(read_notebook(path))
    nb = prepared.notebook
    strip_outputs(nb, prepared.notes)
    validate(nb)
    check_assignment(nb, hw)
    ensure_parameters(nb, prepared.notes)
    restore_locked(nb, template, prepared.notes)
    return prepared
