"""Grade one submission: pre-flight, run it in the sandbox, classify, score, record.

Everything that comes back from the sandbox (executed notebook, predictions) is untrusted:
it is opened without following links, size-capped and parsed as plain data only.
"""

from __future__ import annotations

import base64
import copy
import errno
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from course_utils.grading import memory, sandbox, sheet
from course_utils.grading.artifact import ArtifactError
from course_utils.grading.config import GradingConfig
from course_utils.grading.outcome import Run, classify
from course_utils.grading.preflight import PreflightError, preflight
from course_utils.grading.questions import (
    REPORT_FILE,
    REPORT_MAX_BYTES,
    ReportError,
    check_report,
    parse_report,
)
from course_utils.grading.report import render_report, truncate_outputs
from course_utils.grading.scoring import score_artifact, suspicion

LOG_TAIL = 64_000
LOG_KEPT = 3000
NOISE = ("Kernel is running over TCP without encryption", "KeyboardInterrupt caught in kernel")


@dataclass(frozen=True)
class Job:
    """One submission and everything needed to grade it (picklable, for Dask workers)."""

    sub_id: str
    submission: Path
    config: GradingConfig
    answer_dir: Path
    out_dir: Path
    artifacts_only: bool = False
    template: Path | None = None
    data_dir: Path | None = None
    limits: sandbox.Limits = sandbox.Limits()
    sandboxed: bool = True


class UntrustedFileError(ValueError):
    """A file from the sandbox is not a plain regular file within its size cap."""


def read_untrusted(path: Path, max_bytes: int) -> bytes:
    """Read a file the student controls: no symlinks, no FIFOs or devices, at most ``max_bytes``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as err:
        if err.errno == errno.ENOENT:
            raise
        what = "a symbolic link" if err.errno == errno.ELOOP else f"unreadable ({err.strerror})"
        raise UntrustedFileError(f"{path.name} is {what}, not a plain file") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UntrustedFileError(f"{path.name} is not a regular file")
        if info.st_size > max_bytes:
            raise UntrustedFileError(f"{path.name} is {info.st_size:,} bytes; the limit is "
                                     f"{max_bytes:,}")
        return f.read(max_bytes + 1)[:max_bytes]


def _quiet(log: str) -> str:
    """The papermill log without the warnings every kernel start prints."""
    return "\n".join(line for line in log.splitlines() if not any(n in line for n in NOISE))


def _score(job: Job, artifact: Path, result: dict, error: str = "") -> None:
    """Copy the predictions out of reach of the student, then score the copy; ``error`` says
    why the export cell's file could not be taken."""
    spec = job.config.artifact
    kept = sheet.submission_dir(job.out_dir, job.sub_id) / spec.file
    try:
        if error:
            raise UntrustedFileError(error)
        sheet.atomic_write(kept, read_untrusted(artifact, spec.max_bytes))
    except FileNotFoundError:
        missing = ("was submitted" if job.artifacts_only else "was written: the export cell "
                   "must run, and OUT_DIR must not be changed")
        result.update(status="no-artifact", reason=f"No {spec.file} {missing}.")
        return
    except UntrustedFileError as err:
        result.update(status="invalid-artifact", reason=f"{err}.")
        return
    try:
        score = score_artifact(job.config, kept, job.answer_dir)
    except ArtifactError as err:
        result.update(status="invalid-artifact", reason=str(err))
        return
    result.update(public=score.public, private=score.private, public_tier=score.public_tier,
                  private_tier=score.private_tier)
    flags = [*score.flags, suspicion(job.config, score)]
    if flags := [f for f in flags if f]:
        result.setdefault("flags", []).extend(flags)


def _check_questions(job: Job, report: Path, result: dict, error: str = "") -> None:
    """Score the report questions from a size-capped copy of ``report.json`` (data only)."""
    names = list(job.config.questions)
    if not names:
        return
    try:
        if error:
            raise UntrustedFileError(error)
        raw = read_untrusted(report, REPORT_MAX_BYTES)
        sheet.atomic_write(sheet.submission_dir(job.out_dir, job.sub_id) / REPORT_FILE, raw)
        answers = check_report(job.config.hw, names, parse_report(raw), job.answer_dir)
        result["questions"] = [vars(a) for a in answers]
    except FileNotFoundError:
        result["questions"] = [{"name": n, "points": 0.0, "detail": f"No {REPORT_FILE} was "
                                "written"} for n in names]
    except (UntrustedFileError, ReportError) as err:
        result["questions"] = [{"name": n, "points": 0.0, "detail": f"{err}"} for n in names]
        if result["status"] == "ok":  # the predictions' score stands
            result.update(status="invalid-report", reason=f"{err}")


def _execute(job: Job, workdir: Path, parameters: dict, uid: int | None,
             sized: bool) -> tuple[Run, dict]:
    """Run papermill (sandboxed unless ``job.sandboxed`` is false) with the wall-clock kill.
    Also returns the files as the export cell left them (see :mod:`.execute`)."""
    limits = job.limits
    exported = tempfile.TemporaryFile()
    export = {"fd": exported.fileno(), "dir": str(workdir),
              "files": {job.config.artifact.file: job.config.artifact.max_bytes,
                        REPORT_FILE: REPORT_MAX_BYTES}}
    if job.sandboxed:
        cmd = sandbox.sandbox_command(workdir, job.data_dir, limits, parameters, uid, export)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    else:
        cmd = sandbox.unsafe_command(limits, parameters, export)
        env = sandbox.environment(str(workdir), tmp=str(workdir))
    tmpfs = ("tmp", "dev/shm", *([sandbox.WORKDIR.lstrip("/")] if sized else []))
    with tempfile.TemporaryFile() as log, memory.guard(
            limits.total_memory_bytes, uid, workdir.name, tmpfs if job.sandboxed else ()) as cap:
        proc = subprocess.Popen(cap.command(cmd), cwd=workdir, env=env, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                pass_fds=(exported.fileno(),))
        cap.watch(proc)
        killed = False
        try:
            returncode = proc.wait(timeout=limits.wall_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            returncode, killed = proc.wait(), True
        cap.stop()
        over_memory = cap.exceeded()
        log.seek(max(0, log.seek(0, os.SEEK_END) - LOG_TAIL))
        text = log.read().decode("utf-8", "replace")
    notebook = _read_executed(workdir / sandbox.EXECUTED, limits.file_bytes)
    with exported:
        exported.seek(0)
        files = _parse_export(exported.read(2 * sum(export["files"].values()) + 4096))
    run = Run(returncode=returncode, killed=killed, wall_s=limits.wall_s, cell_s=limits.cell_s,
               file_bytes=limits.file_bytes, notebook=notebook, log=text,
               disk_bytes=limits.disk_bytes if sized else 0,
               disk_full=sized and returncode != 0 and sandbox.disk_full(workdir),
               memory_bytes=limits.total_memory_bytes, over_memory=over_memory)
    return run, files


def _parse_export(raw: bytes) -> dict:
    """The export record: ``{file name: {"data": base64} | {"error": why} | {"missing": true}}``."""
    try:
        record = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return {k: v for k, v in record.items() if isinstance(v, dict)} if isinstance(
        record, dict) else {}


def _keep_exported(files: dict, folder: Path) -> dict[str, str]:
    """Write the exported files into the grader-owned ``folder``; return ``{name: why}`` for
    those the export cell left unreadable (a link, too large, not a regular file)."""
    errors = {}
    for name, entry in files.items():
        if Path(name).name != name or name in ("", ".", ".."):
            continue
        if isinstance(entry.get("data"), str):
            (folder / name).write_bytes(base64.b64decode(entry["data"]))
        elif "error" in entry:
            errors[name] = str(entry["error"])[:300]
    return errors


def _prepare_workdir(job: Job, workdir: Path, nb: nbformat.NotebookNode, uid: int | None) -> None:
    """Put the cleaned notebook and a mount point for the data into the fresh workdir."""
    nbformat.write(nb, workdir / sandbox.NOTEBOOK)
    if job.sandboxed:
        (workdir / sandbox.DATA).mkdir()
        if uid is not None:
            os.chown(workdir / sandbox.NOTEBOOK, uid, uid)
            os.chown(workdir, uid, uid)


def _parameters(job: Job) -> dict:
    data = f"{sandbox.WORKDIR}/{sandbox.DATA}" if job.sandboxed else str(job.data_dir)
    out = sandbox.WORKDIR if job.sandboxed else "."
    return {**job.config.grading_parameters, "DATA_DIR": data, "OUT_DIR": out}


def _grade_notebook(job: Job, result: dict) -> nbformat.NotebookNode | None:
    """Pre-flight, execute and classify; score when the run is ``ok``. Returns the executed nb."""
    if job.submission.is_dir():
        count = len(list(job.submission.glob("*.ipynb")))
        result.update(status="rejected", reason=f"The folder holds {count} notebooks; submit "
                      "exactly one .ipynb file.")
        return None
    try:
        prepared = preflight(job.submission, job.config.hw, nbformat.read(job.template, 4))
    except PreflightError as err:
        result.update(status="rejected", reason=str(err))
        return None
    result["notes"] = prepared.notes
    with sandbox.lease(job.limits.disk_bytes) as (slot, workdir, sized):
        uid = slot if job.sandboxed and os.geteuid() == 0 else None
        _prepare_workdir(job, workdir, prepared.notebook, uid)
        run, exported = _execute(job, workdir, _parameters(job), uid, sized)
        outcome = classify(run)
        result.update(status=outcome.status, reason=outcome.reason, cell=outcome.cell,
                      exception=outcome.exception, returncode=run.returncode)
        if outcome.status == "ok":  # the files as the locked export cell left them
            with tempfile.TemporaryDirectory(prefix="course-grade-export-") as folder:
                errors = _keep_exported(exported, Path(folder))
                artifact = job.config.artifact.file
                _score(job, Path(folder) / artifact, result, errors.get(artifact, ""))
                _check_questions(job, Path(folder) / REPORT_FILE, result,
                                 errors.get(REPORT_FILE, ""))
        else:
            result["log_tail"] = _quiet(run.log)[-LOG_KEPT:]
    if run.notebook is not None:
        sheet.atomic_write(sheet.submission_dir(job.out_dir, job.sub_id) / sandbox.EXECUTED,
                           nbformat.writes(truncate_outputs(run.notebook)))
    return run.notebook


def _read_executed(path: Path, max_bytes: int) -> nbformat.NotebookNode | None:
    """The executed notebook if it is a valid one; the student could have rewritten it."""
    try:
        notebook = nbformat.reads(read_untrusted(path, max_bytes).decode("utf-8"), as_version=4)
        nbformat.validate(notebook)
        truncate_outputs(copy.deepcopy(notebook))
        classify(Run(0, False, 0, 0, 0, notebook, ""))
    except Exception:  # missing, truncated by RLIMIT_FSIZE, or tampered with: no notebook
        return None
    return notebook


def sha256(path: Path) -> str:
    """Hex digest of a submission file, to notice resubmissions on resume."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def grade(job: Job) -> dict:
    """Grade one submission and store its report and result JSON (the result is written last)."""
    start = time.monotonic()
    result = {"id": job.sub_id, "assignment": job.config.hw, "submission": job.submission.name,
              "sha256": sha256(job.submission), "status": "grader-error", "reason": "",
              "public": None, "private": None, "public_tier": None, "private_tier": None,
              "sandboxed": job.sandboxed and not job.artifacts_only}
    notebook = None
    try:
        if job.artifacts_only:
            result.update(status="ok")
            _score(job, job.submission, result)
        else:
            notebook = _grade_notebook(job, result)
    except Exception as err:  # a grader bug must still leave a row and a reason
        result.update(status="grader-error", reason=f"The grader failed ({type(err).__name__}); "
                      "this submission is graded again on the next run.",
                      grader_traceback=traceback.format_exc(limit=5)[-3000:])
        print(f"grader error on {job.sub_id}:\n{result['grader_traceback']}", file=sys.stderr)
    result["wall_s"] = round(time.monotonic() - start, 2)
    result["graded_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    folder = sheet.submission_dir(job.out_dir, job.sub_id)
    try:
        text = render_report(result, notebook, job.config.metric)
    except Exception:  # a tampered executed notebook: report without its cells
        text = render_report(result, None, job.config.metric)
    sheet.atomic_write(folder / "report.md", text)
    sheet.write_result(job.out_dir, result)
    return result
