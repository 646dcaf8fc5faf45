"""Turn a papermill run (exit code, executed notebook, log) into a status a student can act on.

papermill's exit code alone is no grade: ``sys.exit(0)`` exits 0 with cells left pending,
a per-cell timeout and a cell error both exit 1, a dead kernel exits 138.
"""

from __future__ import annotations

from dataclasses import dataclass

import nbformat

STATUSES = ("ok", "rejected", "cell-error", "exited-early", "kernel-died", "timed-out",
            "output-too-large", "disk-full", "memory-limit", "no-artifact", "invalid-artifact",
            "invalid-report", "grader-error", "pending")
NO_SPACE = ("No space left on device", "[Errno 28]")
PAPERMILL_TAGS = ("injected-parameters", "papermill-error-cell-tag")
DEAD_KERNEL_RC = 138
GiB = 1 << 30


@dataclass(frozen=True)
class Outcome:
    """How the run ended: a status, a reason in words, and the cell it points at."""

    status: str
    reason: str = ""
    cell: int | None = None  # 1-based, as the student counts
    exception: str = ""


@dataclass(frozen=True)
class Run:
    """What the grader observed: exit code, whether it killed the run, the notebook, the log."""

    returncode: int
    killed: bool
    wall_s: float
    cell_s: float
    file_bytes: int
    notebook: nbformat.NotebookNode | None
    log: str
    disk_bytes: int = 0
    disk_full: bool = False
    memory_bytes: int = 0
    over_memory: bool = False


def student_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The submitted cells, without the ones papermill added (numbering as the student sees it)."""
    return [c for c in nb.cells
            if not set(c.get("metadata", {}).get("tags", [])) & set(PAPERMILL_TAGS)]


def _papermill(cell: nbformat.NotebookNode) -> dict:
    meta = cell.get("metadata", {}).get("papermill", {})
    return meta if isinstance(meta, dict) else {}


def _errors(cell: nbformat.NotebookNode) -> list[dict]:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def _where(cells: list, index: int) -> str:
    course = cells[index].get("metadata", {}).get("course", {})
    gid = course.get("grade_id") if isinstance(course, dict) else None
    return f"cell {index + 1} of {len(cells)}" + (f" ({gid})" if gid else "")


def _last_started(cells: list) -> int | None:
    """The cell running when the run ended (papermill stamps ``start_time`` on each cell)."""
    started = [i for i, c in enumerate(cells) if _papermill(c).get("start_time")]
    return started[-1] if started else None


def _failed(cells: list) -> tuple[int, dict] | None:
    """The first cell with an error output; ``sys.exit(0)`` is no error to papermill."""
    for i, cell in enumerate(cells):
        for error in _errors(cell):
            if not (error.get("ename") == "SystemExit" and error.get("evalue") in ("", "0")):
                return i, error
    return None


def _ended_early(cells: list) -> Outcome:
    pending = [i for i, c in enumerate(cells) if _papermill(c).get("status") == "pending"]
    if not pending:
        return Outcome("ok")
    stop = max(pending[0] - 1, 0)
    return Outcome("exited-early", f"The notebook stopped at {_where(cells, stop)} (sys.exit, "
                   f"exit() or quit()), and {len(pending)} later cell(s) never ran. Remove the "
                   "exit so that every cell runs.", stop + 1, "SystemExit")


def classify(run: Run) -> Outcome:
    """The run's :class:`Outcome`; ``ok`` means every cell ran and none failed.

    The log is read only when papermill failed: the kernel shares it, so it is not trusted.
    """
    cells = student_cells(run.notebook) if run.notebook is not None else []
    last = _last_started(cells)
    at, cell = (f" in {_where(cells, last)}", last + 1) if last is not None else ("", None)
    if run.over_memory:
        return Outcome("memory-limit", f"The notebook's processes together used more than "
                       f"{run.memory_bytes / GiB:g} GB of memory{at}, the memory limit for the "
                       "whole run, and were stopped. Use smaller batches or models, fewer "
                       "DataLoader workers, and free what you no longer need.", cell)
    if run.killed:
        return Outcome("timed-out", f"The notebook was still running{at} after the "
                       f"{run.wall_s:g} s limit for the whole notebook and was stopped. Use "
                       "the grading parameters (EPOCHS, DATA_FRACTION), not fixed values.", cell)
    if run.returncode == 0:
        if run.notebook is None:
            return Outcome("exited-early", "The run ended without a readable executed notebook: "
                           "the notebook must not write, change or delete executed.ipynb.")
        return _ended_early(cells)
    if "File too large" in run.log:
        return Outcome("output-too-large",
                       f"The notebook's output grew past the {run.file_bytes >> 20} MB limit. "
                       "Print less (no per-batch prints of whole tensors), then run it again.")
    if run.returncode == DEAD_KERNEL_RC:
        return Outcome("kernel-died", f"The Python kernel died{at}: it crashed, called os._exit, "
                       "or ran out of memory. Run the notebook top to bottom and watch that "
                       "cell's memory use.", cell)
    if "CellTimeoutError" in run.log:
        return Outcome("timed-out", f"A cell ran longer than the {run.cell_s:g} s per-cell limit"
                       f"{at}. Check for an endless loop, or train for fewer epochs.", cell,
                       "CellTimeoutError")
    failed = _failed(cells)
    error = failed[1] if failed else {}
    if run.disk_full or any(s in f"{run.log} {error.get('evalue', '')}" for s in NO_SPACE):
        return Outcome("disk-full", f"The notebook filled its {run.disk_bytes >> 20} MB working "
                       f"area (disk full){at}. Save fewer or smaller files (checkpoints, "
                       "copies of the data) and delete what you no longer need.", cell,
                       str(error.get("ename", "")))
    if failed is not None:
        index, error = failed
        name, value = str(error.get("ename")), str(error.get("evalue") or "")
        raised = f"{name}: {value}" if value else name
        return Outcome("cell-error", f"{_where(cells, index).capitalize()} raised {raised}"[:500],
                       index + 1, name)
    if "MemoryError" in run.log:
        return Outcome("output-too-large", "The notebook's output filled papermill's memory "
                       "before it could be saved. Print less, then run it again.")
    if run.returncode > 128 or run.returncode < 0 or last is not None:
        signal = run.returncode - 128 if run.returncode > 128 else -run.returncode
        how = f"was killed by signal {signal}" if signal > 0 else f"exited with {run.returncode}"
        return Outcome("kernel-died", f"The notebook run {how}{at} with no cell error: code in "
                       "the notebook stopped papermill or the kernel (os.kill, os._exit, "
                       "closing its sockets). Do not signal or kill processes.", cell)
    tail = run.log.strip().splitlines()[-1:] or ["no output"]
    return Outcome("grader-error", f"papermill exited with {run.returncode} and no cell error: "
                   f"{tail[0][:300]}")
