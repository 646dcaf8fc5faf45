"""A memory limit for one whole run, not per process.

RLIMIT_AS caps each process, but a run may start many (up to RLIMIT_NPROC), so together they
could take the machine. Where the cgroup v2 memory controller is available the run gets its own
cgroup with ``memory.max`` (the kernel reclaims, then OOM-kills inside the cgroup only; tmpfs
pages the run writes count too). Elsewhere (cgroup v1 hosts such as this CI) a thread sums the
proportional set size (PSS: a page shared by n processes counts 1/n to each, so forked
children are not counted n times) of every process of the run's uid, which no other run
shares, plus what the run's tmpfs mounts hold (work area, ``/tmp``, ``/dev/shm``), every
:data:`POLL_S` seconds (at most :data:`POLL_MAX_S` when a poll is slow) and kills the run when
the sum passes the limit. Polling can overshoot by what the run allocates in one interval;
RLIMIT_AS still caps each process meanwhile.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PARENT = "course-grade"
POLL_S = 0.25
POLL_MAX_S = 1.0  # never sleep longer between polls, however slow the last poll was
PAGE = os.sysconf("SC_PAGE_SIZE")


def cgroup_v2() -> Path | None:
    """The folder for per-run cgroups when the v2 memory controller can be delegated to it."""
    root = CGROUP_ROOT
    try:
        if "memory" not in (root / "cgroup.controllers").read_text().split():
            return None
        parent = root / PARENT
        parent.mkdir(exist_ok=True)
        (root / "cgroup.subtree_control").write_text("+memory")
        (parent / "cgroup.subtree_control").write_text("+memory")
    except OSError:
        return None
    return parent


def _pss(pid_dir: str) -> int:
    """A process's proportional set size in bytes (shared pages split among their users)."""
    with open(f"{pid_dir}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    return 0


def _rss(pid_dir: str) -> int:
    with open(f"{pid_dir}/statm") as f:
        return int(f.read().split()[1]) * PAGE


def _measure(pids: list[str], measure: Callable[[str], int]) -> int:
    total = 0
    for pid_dir in pids:
        try:
            total += measure(pid_dir)
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile
    return total


def _tmpfs_used(pid_dir: str, tmpfs: tuple[str, ...]) -> int:
    """Bytes held in the run's memory-backed file systems, seen through one of its processes'
    root (``/proc/PID/root``, readable by the root grader)."""
    used = 0
    for mount in tmpfs:
        info = os.statvfs(f"{pid_dir}/root/{mount}")
        used += (info.f_blocks - info.f_bfree) * info.f_frsize
    return used


def uid_memory(uid: int, limit_bytes: int, tmpfs: tuple[str, ...] = (),
               proc: str = "/proc") -> int:
    """Bytes of memory of all processes owned by ``uid``, plus what their ``tmpfs`` mounts
    (paths inside the sandbox) hold: the cheap resident sizes while the sum stays under
    ``limit_bytes``, else the proportional set sizes (RSS counts a page shared by forked
    children once per child; PSS splits it), where the kernel has ``smaps_rollup``."""
    pids = []
    with os.scandir(proc) as entries:
        for entry in entries:
            try:
                if entry.name.isdigit() and entry.stat().st_uid == uid:
                    pids.append(entry.path)
            except OSError:
                continue  # the process ended meanwhile
    files = 0
    for pid_dir in pids[:1] if tmpfs else []:
        try:
            files = _tmpfs_used(pid_dir, tmpfs)
        except OSError:
            pass  # the process ended meanwhile
    total = files + _measure(pids, _rss)
    if total > limit_bytes and os.path.exists(f"{proc}/self/smaps_rollup"):
        total = files + _measure(pids, _pss)
    return total


class Guard:
    """Caps the memory of one run: wrap its command, watch it, then ask whether it acted."""

    def __init__(self, limit_bytes: int, uid: int | None, cgroup: Path | None,
                 tmpfs: tuple[str, ...] = ()) -> None:
        self.limit_bytes, self.uid, self.cgroup, self.tmpfs = limit_bytes, uid, cgroup, tmpfs
        self.killed = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.method = "cgroup" if cgroup else "polling" if uid is not None else "none"

    def command(self, cmd: list[str]) -> list[str]:
        """``cmd``, entering the run's cgroup first when there is one."""
        if self.cgroup is None:
            return cmd
        attach = 'echo $$ > "$0" && exec "$@"'
        return ["sh", "-c", attach, str(self.cgroup / "cgroup.procs"), *cmd]

    def watch(self, proc: subprocess.Popen) -> None:
        """Without a cgroup, poll the run uid's memory and kill ``proc``'s group past the limit."""
        if self.method != "polling":
            return

        def poll() -> None:
            wait = POLL_S
            while not self._stop.wait(wait):
                start = time.monotonic()
                if uid_memory(self.uid, self.limit_bytes, self.tmpfs) > self.limit_bytes:
                    self.killed = True
                    os.killpg(proc.pid, signal.SIGKILL)
                    return
                # at most a third of a core, unless one poll takes over half a second
                wait = min(POLL_MAX_S, max(POLL_S, 2 * (time.monotonic() - start)))

        self._thread = threading.Thread(target=poll, daemon=True)
        self._thread.start()

    def exceeded(self) -> bool:
        """Whether the run hit the limit (the cgroup OOM-killed in it, or the poller killed it)."""
        if self.cgroup is not None:
            try:
                events = (self.cgroup / "memory.events").read_text().split()
            except OSError:
                return False
            counts = dict(zip(events[::2], events[1::2], strict=False))
            return int(counts.get("oom_kill", 0)) > 0
        return self.killed

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


@contextmanager
def guard(limit_bytes: int, uid: int | None, name: str,
          tmpfs: tuple[str, ...] = ()) -> Iterator[Guard]:
    """A :class:`Guard` for one run; ``limit_bytes=0`` sets none. ``tmpfs``: the sandbox's
    memory-backed mounts, counted by the polling fallback (a cgroup counts them itself)."""
    parent = cgroup_v2() if limit_bytes else None
    cgroup = None
    if parent is not None:
        cgroup = parent / name
        cgroup.mkdir(exist_ok=True)
        (cgroup / "memory.max").write_text(str(limit_bytes))
        if (cgroup / "memory.swap.max").exists():
            (cgroup / "memory.swap.max").write_text("0")
    watcher = Guard(limit_bytes, uid if limit_bytes else None, cgroup, tmpfs)
    try:
        yield watcher
    finally:
        watcher.stop()
        if cgroup is not None:
            try:
                cgroup.rmdir()
            except OSError:
                pass  # a process is still exiting; the next run with this name reuses it
