"""papermill, run inside the sandbox, keeping the files as the locked export cell left them.

    python -P execute.py '{"fd": 3, "dir": "/tmp/submission", "files": {"pred.csv": 200000}}' \
        <papermill arguments>

Cells after the export cell (or threads started before it) could rewrite ``pred.csv`` and
``report.json``. So when a cell whose ``metadata.course.role`` is ``export`` completes, this
process reads each file (no links, regular files only, size-capped) and writes them as JSON
to file descriptor ``fd``: a file the grader opened outside the sandbox. The kernel cannot
reach it: the descriptor is closed on exec (jupyter_client starts kernels with
``close_fds=False``), and this process makes itself non-dumpable, so the kernel, although it
runs as the same user, can neither open ``/proc/<pid>/fd`` nor ptrace it.

Run as a script, never imported through ``course_utils`` (whose ``__init__`` imports torch).
"""

from __future__ import annotations

import base64
import ctypes
import errno
import json
import os
import stat
import sys

PR_SET_DUMPABLE = 4


def read_capped(path: str, max_bytes: int) -> dict:
    """``{"data": base64}`` of a plain file within ``max_bytes``, else ``{"error": why}``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as err:
        if err.errno == errno.ENOENT:
            return {"missing": True}
        what = "a symbolic link" if err.errno == errno.ELOOP else f"unreadable ({err.strerror})"
        return {"error": f"{os.path.basename(path)} is {what}, not a plain file"}
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            return {"error": f"{os.path.basename(path)} is not a regular file"}
        if info.st_size > max_bytes:
            return {"error": f"{os.path.basename(path)} is {info.st_size:,} bytes; the limit is "
                             f"{max_bytes:,}"}
        return {"data": base64.b64encode(f.read(max_bytes + 1)[:max_bytes]).decode()}


def snapshot(fd: int, folder: str, files: dict[str, int]) -> None:
    """Replace the record on ``fd`` with the current state of ``files`` in ``folder``."""
    record = json.dumps({name: read_capped(os.path.join(folder, name), cap)
                         for name, cap in files.items()}).encode()
    os.lseek(fd, 0, os.SEEK_SET)
    os.ftruncate(fd, 0)
    os.write(fd, record)


def main(argv: list[str]) -> None:
    """Hook the export cell's completion, then run papermill's command line on ``argv[1:]``."""
    config = json.loads(argv[0])
    fd = config["fd"]
    os.set_inheritable(fd, False)
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    from papermill.cli import papermill
    from papermill.engines import NotebookExecutionManager

    complete = NotebookExecutionManager.cell_complete

    def cell_complete(self, cell, cell_index=None, **kwargs):
        complete(self, cell, cell_index=cell_index, **kwargs)
        course = cell.get("metadata", {}).get("course", {})
        if isinstance(course, dict) and course.get("role") == "export":
            snapshot(fd, config["dir"], config["files"])

    NotebookExecutionManager.cell_complete = cell_complete
    papermill.main(args=argv[1:], prog_name="papermill")


if __name__ == "__main__":
    main(sys.argv[1:])
