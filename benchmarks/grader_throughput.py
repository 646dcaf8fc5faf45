"""How much the grader's sandbox costs, and how many submissions per minute it grades.

    .venv/bin/python benchmarks/grader_throughput.py [--repeats 7] [--class-size 8]

1. Sandbox overhead: one trivial submission (the test homework ``hwtiny``, no torch) graded
   sandboxed (bwrap + prlimit + setpriv + papermill) and with ``--unsafe-no-sandbox``
   (prlimit + papermill), interleaved; medians and their ratio.
2. Throughput: a class of identical submissions through ``course-grade`` with --jobs 1,
   --jobs 2, and on a local Dask cluster (2 worker processes, 1 thread each).
3. A hostile submission under the limits (256 MB work area, 1 GB per process, 2 GB for the
   run): it fills the work area, /tmp and /dev/shm, then forks children that take 300 MB
   each. Peak memory of the run (PSS of its processes plus its tmpfs files, sampled by this
   script) and the change in the host disk's free space.
Needs root and bubblewrap, like the grader; prints numbers only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from grader_corpus.corpus import HW, HW_ROOT, TEMPLATE, build, notebook, write_class  # noqa: E402

from course_utils.grading import load_config  # noqa: E402
from course_utils.grading.runner import Job, grade  # noqa: E402


def plain_papermill(folder: Path) -> None:
    """papermill alone on the submission, as an instructor would run it by hand."""
    subprocess.run([sys.executable, "-m", "papermill", "--no-progress-bar", "-k", "python3",
                    str(folder / "subs" / "s.ipynb"), str(folder / "plain.ipynb"),
                    "-p", "DATA_DIR", str(folder / "data"), "-p", "OUT_DIR", str(folder)],
                   check=True, capture_output=True)


def overhead(folder: Path, repeats: int) -> None:
    """Median seconds per trivial submission: sandboxed, unsandboxed, and papermill alone."""
    write_class(folder / "data", folder / "key")
    build(folder / "subs", {"s": (None, notebook())})
    config = load_config(HW, HW_ROOT)
    times: dict[str, list[float]] = {"sandboxed": [], "unsandboxed": [], "papermill": []}
    for i in range(repeats):
        for sandboxed in (True, False):
            job = Job(sub_id="s", submission=folder / "subs" / "s.ipynb", config=config,
                      answer_dir=folder / "key", out_dir=folder / f"out{i}{sandboxed}",
                      template=TEMPLATE, data_dir=folder / "data",
                      sandboxed=sandboxed)
            start = time.perf_counter()
            status = grade(job)["status"]
            times["sandboxed" if sandboxed else "unsandboxed"].append(time.perf_counter() - start)
            assert status == "ok", status
        start = time.perf_counter()
        plain_papermill(folder)
        times["papermill"].append(time.perf_counter() - start)
    print(f"per submission ({repeats} repeats, trivial notebook, interleaved):")
    for label, values in times.items():
        print(f"  {label:<12} median {statistics.median(values):.2f} s  "
              f"(min {min(values):.2f}, max {max(values):.2f})")
    medians = {k: statistics.median(v) for k, v in times.items()}
    print(f"  sandbox / unsandboxed grading {medians['sandboxed'] / medians['unsandboxed']:.2f}; "
          f"sandboxed grading / papermill alone {medians['sandboxed'] / medians['papermill']:.2f}")


def course_grade(folder: Path, *extra: str) -> float:
    """Seconds for one ``course-grade`` run over the class in ``folder`` (from scratch)."""
    shutil.rmtree(folder / "out", ignore_errors=True)
    env = {**os.environ, "COURSE_HOMEWORK_ROOT": str(HW_ROOT)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "course_utils.grading", HW, str(folder / "subs"),
                    "--answer-key", str(folder / "key"), "--out", str(folder / "out"),
                    "--data", str(folder / "data"), *extra],
                   env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def throughput(folder: Path, size: int) -> None:
    """Wall time and submissions per minute for --jobs 1, --jobs 2 and a local Dask cluster."""
    write_class(folder / "data", folder / "key")
    build(folder / "subs", {f"s{i:03d}": (None, notebook()) for i in range(size)})
    print(f"throughput ({size} trivial submissions, whole command incl. start-up):")
    for label, extra in (("--jobs 1", ("--jobs", "1")), ("--jobs 2", ("--jobs", "2"))):
        seconds = course_grade(folder, *extra)
        print(f"  {label:<10} {seconds:6.1f} s  {seconds / size:.2f} s/submission  "
              f"{60 * size / seconds:.0f} per minute")
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        seconds = course_grade(folder, "--scheduler", cluster.scheduler_address)
    print(f"  {'dask 2x1':<10} {seconds:6.1f} s  {seconds / size:.2f} s/submission  "
          f"{60 * size / seconds:.0f} per minute")


HOSTILE = """\
import os, time
def fill(folder):
    written = 0
    try:
        while True:
            with open(f'{folder}/fill{written}.bin', 'wb') as f:
                f.write(b'x' * (8 << 20))
            written += 1
    except OSError:
        return written * 8
print('WROTE MB', {d: fill(d) for d in ('.', '/tmp', '/dev/shm')})
for _ in range(8):
    if os.fork() == 0:
        data = b'x' * (300 << 20)
        time.sleep(120)
        os._exit(0)
time.sleep(50)
"""


def hostile(folder: Path) -> None:
    """Peak memory and disk a hostile submission takes under the new limits."""
    import threading

    from course_utils.grading import memory, sandbox

    write_class(folder / "data", folder / "key")
    build(folder / "subs", {"h": (None, notebook(HOSTILE))})
    limits = sandbox.Limits(wall_s=120, cell_s=90, memory_bytes=sandbox.GiB,
                            total_memory_bytes=2 * sandbox.GiB, file_bytes=16 << 20,
                            disk_bytes=256 << 20)
    job = Job(sub_id="h", submission=folder / "subs" / "h.ipynb", config=load_config(HW, HW_ROOT),
              answer_dir=folder / "key", out_dir=folder / "out", template=TEMPLATE,
              data_dir=folder / "data", limits=limits)
    peak, done = [0], threading.Event()
    tmpfs = ("tmp", "dev/shm", sandbox.WORKDIR.lstrip("/"))

    def sample() -> None:
        while not done.wait(0.1):
            used = [memory.uid_memory(uid, 0, tmpfs)
                    for uid in range(sandbox.UID_BASE, sandbox.UID_BASE + 4)]
            peak[0] = max(peak[0], *used)

    disk = os.statvfs("/")
    free_before = disk.f_bavail * disk.f_frsize
    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    result = grade(job)
    done.set()
    watcher.join()
    disk = os.statvfs("/")
    grown = free_before - disk.f_bavail * disk.f_frsize
    print("hostile submission (256 MB work area, 1 GB per process, 2 GB per run):")
    print(f"  status {result['status']} after {result['wall_s']:.1f} s: {result['reason'][:90]}")
    print(f"  peak memory of the run (PSS + tmpfs files) {peak[0] / (1 << 30):.2f} GiB; "
          f"host disk free space changed by {-grown / (1 << 20):+.0f} MiB (others share it)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--class-size", type=int, default=8)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    base = "/var/tmp" if Path("/var/tmp").is_dir() else None
    with tempfile.TemporaryDirectory(prefix="grader-bench-", dir=base) as tmp:
        overhead(Path(tmp) / "overhead", args.repeats)
        throughput(Path(tmp) / "class", args.class_size)
        hostile(Path(tmp) / "hostile")
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
