"""What a student gets back: the executed notebook with long outputs cut, and a short report."""

from __future__ import annotations

import html
import re

import nbformat

from course_utils.grading.outcome import student_cells

MAX_LINES = 1000
MAX_CHARS = 100_000
MAX_TRACEBACK = 100
MAX_IMAGE_CHARS = 2_000_000
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
CUT = "\n... output truncated by the grader ...\n"


def _cut(text: str) -> str:
    lines = text.splitlines(keepends=True)
    if len(lines) > MAX_LINES:
        half = MAX_LINES // 2
        text = "".join(lines[:half]) + CUT + "".join(lines[-half:])
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS // 2] + CUT + text[-MAX_CHARS // 2:]
    return text


def truncate_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Cut long streams, tracebacks and oversized rich outputs in place (nbgrader's LimitOutput)."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                out["text"] = _cut("".join(out.get("text", "")))
            elif out.get("output_type") == "error":
                out["traceback"] = list(out.get("traceback", []))[-MAX_TRACEBACK:]
            for mime, value in list(out.get("data", {}).items()):
                text = value if isinstance(value, str) else "".join(map(str, value))
                if len(text) > MAX_IMAGE_CHARS:
                    out["data"][mime] = f"[{mime} output of {len(text):,} characters removed]"
                elif mime.startswith("text/"):
                    out["data"][mime] = _cut(text)
    return nb


def _fence(trace: str) -> str:
    """A code block the traceback cannot close (Markdown renders no HTML inside it)."""
    return "````\n" + ANSI.sub("", trace).replace("`", "ʼ").strip() + "\n````"


def _durations(nb: nbformat.NotebookNode) -> list[str]:
    rows = ["| cell | status | seconds |", "|---:|---|---:|"]
    for i, cell in enumerate(student_cells(nb), start=1):
        meta = cell.get("metadata", {}).get("papermill", {})
        if cell.get("cell_type") == "code" and meta:
            seconds = meta.get("duration")
            status = meta.get("status", "") if meta.get("start_time") else "not run"
            took = f"{seconds:.1f}" if isinstance(seconds, int | float) else ""
            rows.append(f"| {i} | {text(status)} | {took} |")
    return rows


def _failing_output(nb: nbformat.NotebookNode, cell: int) -> str:
    cells = student_cells(nb)
    if not 1 <= cell <= len(cells):
        return ""
    errors = [o for o in cells[cell - 1].get("outputs", []) if o.get("output_type") == "error"]
    return "\n".join(errors[0].get("traceback", [])[-20:]) if errors else ""


def text(value: object) -> str:
    """Student-influenced text made inert in Markdown and in the HTML it renders to: HTML
    escaped, table pipes, emphasis, links and line breaks neutralised."""
    escaped = html.escape(ANSI.sub("", str(value)), quote=True)
    for char in "\\`*_[]|<>!":
        escaped = escaped.replace(char, f"&#{ord(char)};")
    return " ".join(escaped.split())


def render_report(result: dict, notebook: nbformat.NotebookNode | None, metric: str) -> str:
    """A Markdown report for one submission: status, reason, scores, notes, where it failed.
    Everything that may come from the student is passed through :func:`text`."""
    lines = [f"# {result['assignment']}: {text(result['id'])}", "",
             f"**Status:** {result['status']}", ""]
    if result.get("reason"):
        lines += [text(result["reason"]), ""]
    if result.get("public") is not None:
        names = list(result["public"]) if isinstance(result["public"], dict) else [metric]

        def cells(value: float | dict) -> str:
            parts = [value[n] for n in names] if isinstance(value, dict) else [value]
            return " | ".join(f"{float(p):.6g}" for p in parts)

        lines += [f"| split | {' | '.join(names)} | tier |",
                  "|---|" + "---:|" * len(names) + "---|",
                  f"| public | {cells(result['public'])} | {result['public_tier']} |",
                  f"| private | {cells(result['private'])} | {result['private_tier']} |", ""]
    if result.get("flags"):
        lines += ["## Flagged for a look by hand", "",
                  *[f"- {text(f)}" for f in result["flags"]], ""]
    if result.get("questions"):
        lines += ["## Report questions", "", "| question | points | why |", "|---|---:|---|",
                  *[f"| {text(q['name'])} | {q['points']:.2f} | {text(q['detail'])} |"
                    for q in result["questions"]], ""]
    if result.get("notes"):
        notes = [f"- {text(note)}" for note in result["notes"]]
        lines += ["## Notes from the pre-flight check", "", *notes, ""]
    if notebook is not None and result.get("cell"):
        trace = _failing_output(notebook, result["cell"])
        if trace:
            lines += [f"## Error in cell {result['cell']}", "", _fence(trace), ""]
    if notebook is not None:
        lines += ["## Cells", "", *_durations(notebook), ""]
    if not result.get("sandboxed", True):
        lines += ["> Graded with --unsafe-no-sandbox: the notebook was not isolated.", ""]
    lines += [f"Run time {result.get('wall_s', 0):.1f} s. Graded {result['graded_at']}."]
    return "\n".join(lines) + "\n"
