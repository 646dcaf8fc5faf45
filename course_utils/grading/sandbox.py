"""The command that runs one student notebook: bubblewrap → prlimit → setpriv → papermill.

bubblewrap gives a private network, PID, IPC and UTS namespace and a root built from an allow
list, read-only: the system folders (``/usr``, ``/etc``, ``/lib*``), the interpreter and its
venv, a clean copy of the course packages (:func:`package_view`: no reference notebooks, no
tests, no instructor files), the students' data, and one writable folder: the submission's
workdir, mounted at :data:`WORKDIR`. Nothing else of the machine exists inside. prlimit caps
memory, file size, processes and open files; setpriv drops to an unprivileged uid that no other
run holds. setpriv comes after bwrap, which mounts as root.
"""

from __future__ import annotations

import atexit
import fcntl
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from course_utils.grading.config import homework_root

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
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc")
PACKAGES = ("course_utils", "course_datasets")
COPY_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
EXECUTE = Path(__file__).resolve().with_name("execute.py")
PYTHON = os.path.abspath(sys.executable)  # "venv/bin/../bin/python" does not exist inside


@dataclass(frozen=True)
class Limits:
    """Resource limits of one run; ``memory_bytes=0`` leaves the address space of each process
    unlimited (GPU), ``total_memory_bytes`` caps all its processes together (0: no cap)."""

    wall_s: float = 600.0
    cell_s: float = 300.0
    memory_bytes: int = 4 * GiB
    total_memory_bytes: int = 4 * GiB
    file_bytes: int = 64 << 20
    disk_bytes: int = 1 * GiB
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


def _unmount(folder: Path) -> None:
    if os.path.ismount(folder):
        subprocess.run(["umount", "-l", str(folder)], check=False, capture_output=True)


def _fresh_workdir(workdir: Path, disk_bytes: int) -> bool:
    """An empty ``workdir``: a tmpfs of ``disk_bytes`` when the grader may mount (root), so a
    run can never fill the grader's disk. Returns whether the size limit is in place."""
    _unmount(workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(mode=0o700)
    if not disk_bytes or os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={disk_bytes},mode=0700",
                           "course-grade-work", str(workdir)], capture_output=True)
    return done.returncode == 0


@contextmanager
def lease(disk_bytes: int = 0) -> Iterator[tuple[int, Path, bool]]:
    """Lease a uid that no concurrent run holds, with its own fresh, empty workdir.

    The uid makes RLIMIT_NPROC and file access per run. The lease is an ``flock`` that the
    kernel releases even when the grader is killed, and a workdir left behind by a killed
    grader is emptied (and unmounted) by the next run that leases the same uid. The workdir
    is a tmpfs of ``disk_bytes`` where the grader can mount one (as root); the third value
    says whether it is.
    """
    for uid in range(UID_BASE, UID_BASE + UID_POOL):
        fd = os.open(uid_lock(uid), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        workdir = _grader_tmp("course-grade-work") / str(uid)
        try:
            yield uid, workdir, _fresh_workdir(workdir, disk_bytes)
        finally:
            _unmount(workdir)
            shutil.rmtree(workdir, ignore_errors=True)
            os.close(fd)
        return
    raise RuntimeError(f"all {UID_POOL} sandbox uids are in use")


def disk_full(workdir: Path) -> bool:
    """Whether the run's work area has (almost) no space left."""
    try:
        info = os.statvfs(workdir)
    except OSError:
        return False
    return info.f_bavail * info.f_frsize < 1 << 20


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _runtime_paths() -> list[Path]:
    """The interpreter and its venv, which the kernel must read."""
    prefixes = [Path(os.path.abspath(p)) for p in (sys.base_prefix, sys.prefix)]
    return sorted({*prefixes, *(p.resolve() for p in prefixes)})


def _package_dirs() -> dict[str, Path]:
    """Where each course package is imported from, if not from inside the venv (an editable
    install maps them into the checkout)."""
    found = {}
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        folder = Path(list(spec.submodule_search_locations)[0]).resolve()
        if not any(_inside(folder, p) for p in _runtime_paths()):
            found[name] = folder
    return found


def _own_folder(name: str) -> Path:
    """A fresh grader-owned folder ``$TMPDIR/<name>/<pid>-…``, removed when this process exits
    (not by a forked child); folders of processes that no longer exist are swept first."""
    root = _grader_tmp(name)
    for old in root.iterdir():
        pid = old.name.split("-")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(old, ignore_errors=True)
    target = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=root))
    owner = os.getpid()
    atexit.register(lambda: os.getpid() == owner and shutil.rmtree(target, ignore_errors=True))
    return target


def _copy_view(target: Path) -> None:
    """The importable packages and every homework's ``grading.json`` (notebooks read it), and
    nothing else of the checkout, into ``target``."""
    for name, folder in _package_dirs().items():
        shutil.copytree(folder, target / name, ignore=COPY_IGNORE)
    for config in sorted(homework_root().glob("*/grading.json")):
        (target / "homework" / config.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(config, target / "homework" / config.parent.name / config.name)


@cache
def package_view() -> tuple[tuple[Path, Path], ...]:
    """``(copy, where)`` pairs to bind read-only: a grader-owned, clean copy of the course
    packages at the paths they are imported from, and the homework configs at
    :func:`homework_root`. Built once per grader process; a checkout is never bound whole."""
    target = _own_folder("course-grade-view")
    _copy_view(target)
    for path in [target, *target.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    pairs = [(target / name, folder) for name, folder in _package_dirs().items()]
    if (target / "homework").is_dir():
        pairs.append((target / "homework", homework_root().resolve()))
    return tuple(pairs)


def _link_tree(source: Path, target: Path) -> None:
    """``target`` as a copy of ``source`` made of hard links (a real copy across devices)."""
    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link, symlinks=False)


def _stamp(folder: Path) -> tuple:
    """What changes when any file below ``folder`` is rewritten."""
    return tuple(sorted((str(p), p.stat().st_size, p.stat().st_mtime_ns)
                        for p in folder.rglob("*") if p.is_file()))


def data_view(data_dir: Path) -> Path:
    """The students' data under a neutral grader-owned name, made of hard links, so that the
    sandbox's ``/proc/self/mountinfo`` (which shows a bind's source path) never names the
    class's folders (the data may live in the results folder, beside the key). Made again
    when a file of the data changes."""
    return _data_view(data_dir, _stamp(data_dir))


@cache
def _data_view(data_dir: Path, stamp: tuple) -> Path:
    target = _own_folder("course-grade-data")
    _link_tree(data_dir, target / "data")
    for path in [target, *target.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)
    return target / "data"


def _bound(path: Path) -> bool:
    """Whether ``path`` lies inside something the sandbox binds."""
    roots = [Path(p).resolve() for p in SYSTEM] + _runtime_paths()
    return any(_inside(path, r) for r in roots)


def hiding_problem(hidden: Sequence[Path]) -> str | None:
    """Why these folders (answer key, submissions, results) cannot be kept out of the
    sandbox, or ``None``: none may hold, or lie inside, what the sandbox binds."""
    bound = [Path(p).resolve() for p in SYSTEM] + _runtime_paths() + list(
        _package_dirs().values())
    for folder in (Path(f).resolve() for f in hidden):
        for path in bound:
            if _inside(path, folder) or _inside(folder, path):
                return (f"{folder} overlaps {path}, which the sandbox shows to the notebooks; "
                        "keep submissions, the answer key and results outside it")
    return None


def papermill_args(parameters: dict, limits: Limits, export: dict) -> list[str]:
    """papermill on ``submission.ipynb`` → ``executed.ipynb`` with ``parameters`` injected,
    through :mod:`~course_utils.grading.execute`, which records the files named in ``export``
    (``{"fd", "dir", "files"}``) when the locked export cell completes."""
    return [PYTHON, "-P", str(EXECUTE), json.dumps(export), "--no-progress-bar",
            "-k", "python3", "--language", "python",
            "--execution-timeout", str(max(1, round(limits.cell_s))),
            "-y", json.dumps(parameters), NOTEBOOK, EXECUTED]


def environment(home: str, tmp: str = "/tmp") -> dict[str, str]:
    """The run's whole environment: nothing of the grader's leaks in."""
    return {
        "PATH": f"{Path(PYTHON).parent}:/usr/local/bin:/usr/bin:/bin",
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


def _system_args() -> list[str]:
    """The system folders, read-only; a merged-/usr symlink such as ``/bin`` stays a symlink."""
    args = []
    for folder in SYSTEM:
        if os.path.islink(folder):
            args += ["--symlink", os.readlink(folder), folder]
        elif os.path.isdir(folder):
            args += ["--ro-bind", folder, folder]
    return args


def _bind(source: Path, where: Path, made: set[Path], option: str = "--ro-bind") -> list[str]:
    """Bind ``source`` at ``where``, first making its missing parents traversable (bwrap
    would make them 0700, closed to the sandbox user); ``made`` records those already made."""
    args = []
    for parent in reversed(where.parents):
        if parent != Path("/") and parent not in made and not _bound(parent):
            made.add(parent)
            args += ["--perms", "0755", "--dir", str(parent)]
    return [*args, option, str(source), str(where)]


def sandbox_command(workdir: Path, data_dir: Path, limits: Limits, parameters: dict,
                    uid: int | None, export: dict) -> list[str]:
    """The full bwrap command; ``uid`` is the unprivileged user to drop to (root graders).
    Only allow-listed paths exist inside (:func:`hiding_problem` keeps the class's folders out
    of them), and the data is bound from its neutral :func:`data_view`."""
    args = [BWRAP, *_system_args(), "--dev", "/dev", "--proc", "/proc",
            "--size", str(TMP_BYTES), "--perms", "01777", "--tmpfs", "/tmp",
            "--size", str(SHM_BYTES), "--perms", "01777", "--tmpfs", "/dev/shm"]
    made = {Path("/tmp")}
    for path in _runtime_paths():
        args += _bind(path, path, made)
    for copy, where in package_view():
        args += _bind(copy, where, made)
    args += ["--bind", str(workdir), WORKDIR, "--ro-bind", str(data_view(data_dir)),
             f"{WORKDIR}/{DATA}",
             "--chdir", WORKDIR, "--unshare-net", "--unshare-pid", "--unshare-ipc",
             "--unshare-uts", "--hostname", "sandbox", "--die-with-parent", "--new-session",
             "--clearenv"]
    for key, value in environment(WORKDIR).items():
        args += ["--setenv", key, value]
    args += prlimit_args(limits)
    if uid is not None:
        args += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"]
    return args + papermill_args(parameters, limits, {**export, "dir": WORKDIR})


def unsafe_command(limits: Limits, parameters: dict, export: dict) -> list[str]:
    """prlimit + papermill only, for ``--unsafe-no-sandbox``: no isolation at all."""
    return prlimit_args(limits) + papermill_args(parameters, limits, export)
