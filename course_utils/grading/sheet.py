"""The grade records: one result JSON per submission, the class CSV and the summary plot.

Every file is written atomically (a temporary file, then ``os.replace``), and the sheet is
always rebuilt from the result JSONs, so killing the grader loses no finished grade.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections import Counter
from pathlib import Path

from course_utils.grading.config import TIERS, GradingConfig

SHEET = "grades.csv"
RESULT = "result.json"
SUBMISSIONS = "submissions"
UNGRADED = "not graded"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def submission_dir(out_dir: Path, sub_id: str) -> Path:
    """Where one submission's result, report and executed notebook live."""
    return Path(out_dir) / SUBMISSIONS / sub_id


def write_result(out_dir: Path, result: dict) -> None:
    """Store a finished result; its presence marks the submission as graded."""
    atomic_write(submission_dir(out_dir, result["id"]) / RESULT, json.dumps(result, indent=2))


def read_result(out_dir: Path, sub_id: str) -> dict | None:
    """The stored result of ``sub_id``, or ``None`` if it was never finished."""
    path = submission_dir(out_dir, sub_id) / RESULT
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _metrics(config: GradingConfig) -> list[str]:
    """The metric's names: itself, or a composite metric's components."""
    return list(config.components or [config.metric])


def columns(config: GradingConfig) -> list[str]:
    """The sheet's header: a score column per split and metric (or component)."""
    report = [f"report_{q}" for q in config.questions]
    scores = [f"{half}_{m}" for half in ("public", "private") for m in _metrics(config)]
    return ["id", "status", *scores, "public_tier", "private_tier", "points", *report, "flags",
            "reason", "wall_s", "submission", "sha256"]


def _scores(config: GradingConfig, result: dict) -> list:
    """The score cells of a result, blank where it has none."""
    cells = []
    for half in ("public", "private"):
        value = result.get(half)
        for m in _metrics(config):
            part = value.get(m, "") if isinstance(value, dict) else value
            cells.append("" if part is None else part)
    return cells


def _row(config: GradingConfig, sub_id: str, result: dict | None) -> list:
    blank = [""] * 2 * len(_metrics(config))
    if result is None:
        return [sub_id, "pending", *blank, "", "", "", *[""] * len(config.questions), "",
                "not graded yet", "", "", ""]
    points = {q["name"]: q["points"] for q in result.get("questions", [])}
    return [sub_id, result["status"], *_scores(config, result),
            result.get("public_tier") or UNGRADED, result.get("private_tier") or UNGRADED,
            f"{config.points(result.get('public_tier'), result.get('private_tier')):g}",
            *[points.get(q, "") for q in config.questions], "; ".join(result.get("flags", [])),
            result.get("reason", ""),
            f"{result.get('wall_s', 0):.1f}",
            result.get("submission", ""), result.get("sha256", "")]


def cell(value: object) -> object:
    """A CSV cell that no spreadsheet runs as a formula: text starting with ``= + - @``, a tab
    or a carriage return gets a leading apostrophe (OWASP's CSV-injection advice); numbers
    pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_sheet(out_dir: Path, config: GradingConfig, ids: list[str]) -> list[dict | None]:
    """Rebuild ``grades.csv`` from the result JSONs: one row per submission, graded or not."""
    results = [read_result(out_dir, i) for i in ids]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns(config))
    writer.writerows([cell(v) for v in _row(config, i, r)]
                     for i, r in zip(ids, results, strict=True))
    atomic_write(Path(out_dir) / SHEET, buffer.getvalue())
    return results


def tier_counts(results: list[dict | None], split: str) -> dict[str, int]:
    """How many submissions reached each tier on ``split`` ('public' or 'private')."""
    counts = Counter((r or {}).get(f"{split}_tier") or UNGRADED for r in results)
    order = [UNGRADED, "below simple", *TIERS]
    return {tier: counts.get(tier, 0) for tier in order}


def write_summary(out_dir: Path, config: GradingConfig, results: list[dict | None]) -> None:
    """``summary.png`` (tiers on both splits) and ``summary.md`` (statuses and tiers)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    public, private = tier_counts(results, "public"), tier_counts(results, "private")
    fig, ax = plt.subplots(figsize=(8, 4))
    x = range(len(public))
    ax.bar([i - 0.2 for i in x], list(public.values()), width=0.4, label="public")
    ax.bar([i + 0.2 for i in x], list(private.values()), width=0.4, label="private")
    ax.set_xticks(list(x), list(public))
    ax.set_xlabel("tier")
    ax.set_ylabel("submissions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"{config.hw}: tier distribution ({len(results)} submissions)")
    ax.legend()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    atomic_write(Path(out_dir) / "summary.png", buffer.getvalue())
    statuses = Counter((r or {}).get("status", "pending") for r in results)
    lines = [f"# {config.hw} grading summary", "", "![tiers](summary.png)", "",
             "| status | submissions |", "|---|---:|",
             *[f"| {s} | {n} |" for s, n in statuses.most_common()], "",
             "| tier | public | private |", "|---|---:|---:|",
             *[f"| {t} | {public[t]} | {private[t]} |" for t in public]]
    atomic_write(Path(out_dir) / "summary.md", "\n".join(lines) + "\n")
