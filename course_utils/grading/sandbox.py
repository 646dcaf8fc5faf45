"""The command that runs one student notebook: bubblewrap → prlimit → setpriv → papermill.

bubblewrap gives a private network, PID, IPC and UTS namespace, a read-only view of the
machine with the grader's home, ``/tmp`` and every ``hidden`` folder (answer key, submissions,
results) replaced by empty tmpfs, and one writable folder: the submission's workdir, mounted at
:data:`WORKDIR`. prlimit caps memory, file size, processes and open files; setpriv drops to an
unprivileged uid that no other run holds. setpriv comes after bwrap, which mounts as root.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BWRAP = "bwrap"
WORKDIR = "/tmp/submission"
NOTEBOOK = "submission.ipynb"
EXECUTED = "executed.ipynb"
DATA = "data"
UID_BASE = 300_000
UID_POOL = 256
TMP_BYTES = 256 << 20
SHM_BYTES = 1 << 30
GiB = 1 << 30


@dataclass(frozen=True)
class Limits:
    """Resource limits of one run; ``memory_bytes=0`` leaves the address space unlimited (GPU)."""

    wall_s: float = 600.0
    cell_s: float = 300.0
    memory_bytes: int = 4 * GiB
    file_bytes: int = 64 << 20
    processes: int = 256
    open_files: int = 512


def sandbox_problem() -> str | None:
    """Why the sandbox cannot run here, or ``None`` when bwrap starts with its namespaces."""
    if shutil.which(BWRAP) is None:
        return f"{BWRAP} (bubblewrap) is not installed: apt-get install -y bubblewrap"
    for tool in ("prlimit", "setpriv"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed: apt-get install -y util-linux"
    try:
        probe = subprocess.run([BWRAP, "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid",
                                "true"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"{BWRAP} could not start: {err}"
    if probe.returncode != 0:
        return f"{BWRAP} cannot create namespaces here: {probe.stderr.strip() or probe.returncode}"
    return None


def _grader_tmp(name: str) -> Path:
    folder = Path(tempfile.gettempdir()) / name
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def uid_lock(uid: int) -> Path:
    """The lock file whose ``flock`` leases ``uid`` to one run."""
    return _grader_tmp("course-grade-uids") / str(uid)


@contextmanager
def lease() -> Iterator[tuple[int, Path]]:
    """Lease a uid that no concurrent run holds, with its own fresh, empty workdir.

    The uid makes RLIMIT_NPROC and file access per run. The lease is an ``flock`` that the
    kernel releases even when the grader is killed, and a workdir left behind by a killed
    grader is emptied by the next run that leases the same uid.
    """
    for uid in range(UID_BASE, UID_BASE + UID_POOL):
        fd = os.open(uid_lock(uid), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        workdir = _grader_tmp("course-grade-work") / str(uid)
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(mode=0o700)
        try:
            yield uid, workdir
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            os.close(fd)
        return
    raise RuntimeError(f"all {UID_POOL} sandbox uids are in use")


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _reveal(path: Path, hidden: Path) -> list[str]:
    """Bind ``path`` read-only inside the hidden ``hidden``, with traversable parents."""
    parents = [p for p in reversed(path.parents) if hidden in p.parents]
    args = [a for p in parents for a in ("--perms", "0755", "--dir", str(p))]
    return [*args, "--ro-bind", str(path), str(path)]


def _runtime_paths() -> list[Path]:
    """What the kernel must read: the interpreter, the venv and the course package."""
    package_root = Path(__file__).resolve().parents[2]
    paths = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), package_root}
    return sorted(paths)


def hiding_problem(hidden: Sequence[Path]) -> str | None:
    """Why hiding these folders would also hide the kernel's Python, or ``None``."""
    for folder in hidden:
        for path in _runtime_paths():
            if _inside(path, Path(folder).resolve()):
                return (f"{folder} contains the Python the notebooks run with ({path}); keep "
                        "submissions, the answer key and results outside it")
    return None


def papermill_args(parameters: dict, limits: Limits) -> list[str]:
    """papermill on ``submission.ipynb`` → ``executed.ipynb`` with ``parameters`` injected."""
    return [sys.executable, "-m", "papermill", "--no-progress-bar", "-k", "python3",
            "--language", "python", "--execution-timeout", str(max(1, round(limits.cell_s))),
            "-y", json.dumps(parameters), NOTEBOOK, EXECUTED]


def environment(home: str, tmp: str = "/tmp") -> dict[str, str]:
    """The run's whole environment: nothing of the grader's leaks in."""
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home, "USER": "student", "LOGNAME": "student", "TMPDIR": tmp,
        "LANG": "C.UTF-8", "MPLBACKEND": "agg", "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0",
        "JUPYTER_RUNTIME_DIR": f"{tmp}/.jupyter-runtime", "IPYTHONDIR": f"{tmp}/.ipython",
        "MPLCONFIGDIR": f"{tmp}/.matplotlib", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }


def prlimit_args(limits: Limits) -> list[str]:
    """prlimit for everything the run starts (papermill, the kernel and its children)."""
    args = ["prlimit", f"--nproc={limits.processes}", f"--fsize={limits.file_bytes}",
            f"--nofile={limits.open_files}", "--core=0"]
    if limits.memory_bytes:
        args.append(f"--as={limits.memory_bytes}")
    return [*args, "--"]


def sandbox_command(workdir: Path, data_dir: Path, hidden: Sequence[Path], limits: Limits,
                    parameters: dict, uid: int | None) -> list[str]:
    """The full bwrap command; ``uid`` is the unprivileged user to drop to (root graders)."""
    home = Path.home().resolve()
    args = [BWRAP, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    if home != Path("/"):
        args += ["--tmpfs", str(home)]
        args += [a for p in _runtime_paths() if _inside(p, home) for a in _reveal(p, home)]
    args += ["--size", str(TMP_BYTES), "--perms", "01777", "--tmpfs", "/tmp",
             "--size", str(SHM_BYTES), "--perms", "01777", "--tmpfs", "/dev/shm"]
    tmp = Path("/tmp").resolve()  # a checkout (and its venv) may live there, as CI's does
    args += [a for p in _runtime_paths() if _inside(p, tmp) for a in _reveal(p, tmp)]
    for folder in hidden:
        args += ["--tmpfs", str(Path(folder).resolve())]
    args += ["--bind", str(workdir), WORKDIR, "--ro-bind", str(data_dir), f"{WORKDIR}/{DATA}",
             "--chdir", WORKDIR, "--unshare-net", "--unshare-pid", "--unshare-ipc",
             "--unshare-uts", "--hostname", "sandbox", "--die-with-parent", "--new-session",
             "--clearenv"]
    for key, value in environment(WORKDIR).items():
        args += ["--setenv", key, value]
    args += prlimit_args(limits)
    if uid is not None:
        args += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"]
    return args + papermill_args(parameters, limits)


def unsafe_command(limits: Limits, parameters: dict) -> list[str]:
    """prlimit + papermill only, for ``--unsafe-no-sandbox``: no isolation at all."""
    return prlimit_args(limits) + papermill_args(parameters, limits)
