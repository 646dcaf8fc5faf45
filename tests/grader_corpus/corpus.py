"""Adversarial submissions for the grader, built from the tiny ``hwtiny`` homework.

``hwtiny`` predicts y = 2x + 1 from ``x.csv`` without torch, so each run takes a second or two.
Each case is the template with its ``predict`` cell (cell 4 of 6) replaced, or with a cell
added after the export cell; ``build`` writes them all into a submissions folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

HW = "hwtiny"
HW_ROOT = Path(__file__).resolve().parent
TEMPLATE = HW_ROOT / HW / f"{HW}.ipynb"
N = 40
GOOD = "def predict(x):\n    return 2 * x + 1 + OFFSET"
LIMITS = ["--timeout", "20", "--cell-timeout", "6", "--memory-gb", "1", "--max-output-mb", "16",
          "--disk-mb", "64", "--total-memory-gb", "1.5"]
FILL_DISK = """\
for i in range(40):  # 320 MB in 8 MB files, each under the 16 MB file-size limit
    with open(f'fill{i}.bin', 'wb') as f:
        f.write(b'x' * (8 << 20))
"""
CHILDREN = """\
import select, subprocess, sys, time
# 3 fresh interpreters x 600 MB: each under the 1 GB per-process limit (a forked kernel would
# start from its own ~740 MB of address space), 1.8 GB together; few children, so that they
# start and fill their memory within the cell even on a loaded machine
HOLD = "import sys, time\\ndata = b'x' * (600 << 20)\\nprint(1, flush=True)\\ntime.sleep(60)"
children = [subprocess.Popen([sys.executable, "-c", HOLD], stdout=subprocess.PIPE)
            for _ in range(3)]
start = time.monotonic()
deadline = start + 4  # under the 6 s cell limit, however loaded the machine
for child in children:  # a child that dies reads as end of file
    select.select([child.stdout], [], [], max(0.0, deadline - time.monotonic()))
ready = sum(bool(select.select([c.stdout], [], [], 0)[0]) and c.poll() is None for c in children)
print(f"{ready} of 3 children hold their 600 MB after {time.monotonic() - start:.1f} s")
"""
WAIT = ("import time\ntime.sleep(5)  # the children still hold their memory\n"
        "print(sum(c.poll() is None for c in children), 'children still alive')")


def write_class(data_dir: Path, key_dir: Path) -> None:
    """The students' ``x.csv`` and the hidden ``answers.csv`` (y = 2x + 1)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    key_dir.mkdir(parents=True, exist_ok=True)
    xs = [i / 4 for i in range(N)]
    (data_dir / "x.csv").write_text("id,x\n" + "".join(f"{i},{x}\n" for i, x in enumerate(xs)))
    (key_dir / "answers.csv").write_text(
        "id,y\n" + "".join(f"{i},{2 * x + 1}\n" for i, x in enumerate(xs)))


def rebuild_hw01_key(data_dir: Path, seeds: list[int]) -> str | None:
    """The issue's attack: regenerate HW1 with each guessable seed until the students'
    ``covid.test.csv`` matches, then return that seed's answer key (``None``: not found)."""
    import tempfile

    from course_datasets.hw01_covid import generate

    target = (data_dir / "covid.test.csv").read_bytes()
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            generate(Path(tmp) / "data", Path(tmp) / "key", seed=seed)
            if (Path(tmp) / "data" / "covid.test.csv").read_bytes() == target:
                return (Path(tmp) / "key" / "covid.test.answers.csv").read_text()
    return None


def notebook(predict: str = GOOD, after: str | tuple[str, ...] = ()) -> nbformat.NotebookNode:
    """The template with ``predict`` as cell 4 and, optionally, cells added at the end."""
    nb = nbformat.read(TEMPLATE, as_version=4)
    nb.cells[3].source = predict
    for source in (after,) if isinstance(after, str) else after:
        nb.cells.append(nbformat.v4.new_code_cell(source))
    return nb


def _untagged(role_too: bool) -> nbformat.NotebookNode:
    nb = notebook()
    nb.cells[1].metadata.pop("tags")
    if role_too:
        nb.cells[1].metadata.pop("course")
    return nb


def _edited_export() -> nbformat.NotebookNode:
    nb = notebook()
    nb.cells[5].source = 'open(os.path.join(OUT_DIR, "pred.csv"), "w").write("id,y\\n0,1\\n")'
    return nb


def _planted_injection() -> nbformat.NotebookNode:
    """A fake papermill cell above the parameters cell: papermill would inject there."""
    nb = notebook()
    fake = nbformat.v4.new_code_cell("OFFSET = 0.0", metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(1, fake)
    return nb


def _renamed() -> nbformat.NotebookNode:
    nb = notebook()
    nb.metadata["course"]["assignment"] = "hw99"
    return nb


def _slow() -> nbformat.NotebookNode:
    """Five 5 s cells, each within the per-cell limit, together past the wall clock; and a
    detached grandchild that must not outlive the run."""
    nb = notebook("import subprocess\n"
                  "subprocess.Popen(['sleep', '600'], start_new_session=True)\n" + GOOD)
    nb.cells += [nbformat.v4.new_code_cell("import time\ntime.sleep(5)") for _ in range(5)]
    return nb


ATTEMPTS = """\
for target in TARGETS:
    try:
        with open(target, MODE) as f:
            ACTION
        print('OPENED', target)
    except OSError as err:
        print('BLOCKED', target, type(err).__name__)
"""
NETWORK = """\
import socket
for host in [('127.0.0.1', PORT), ('example.com', 80)]:
    try:
        socket.create_connection(host, timeout=2).close()
        print('CONNECTED', host)
    except OSError as err:
        print('BLOCKED', host, type(err).__name__)
"""
CHECKOUT = HW_ROOT.parents[1]
REFERENCES = [str(CHECKOUT / "homework" / "hw05" / "hw05_reference.ipynb"),
              str(CHECKOUT / "homework" / "hw01" / "README.md"),
              str(CHECKOUT / "tests" / "test_grader.py"), str(CHECKOUT / "course.py"),
              str(TEMPLATE)]
LISTING = """\
print('LISTING', sorted(os.listdir(CHECKOUT)))
print('PACKAGE', os.path.isfile(os.path.join(CHECKOUT, 'course_utils', 'grading', 'config.py')))
"""
PICKLING_OPEN = """\
import builtins, pickle
class Boom:
    def __reduce__(self):
        return (exec, ('raise SystemExit("unpickled")',))
def open(path, mode='r', *args, **kwargs):  # the export cell's open() writes a pickle
    if str(path).endswith('pred.csv') and 'w' in mode:
        with builtins.open(path, 'wb') as f:
            f.write(pickle.dumps(Boom()))
        return builtins.open(os.devnull, 'w')
    return builtins.open(path, mode, *args, **kwargs)
"""
REWRITE = """\
open(os.path.join(OUT_DIR, 'pred.csv'), 'w').write(
    'id,y\\n' + ''.join(f"{r['id']},0\\n" for r in rows))
open(os.path.join(OUT_DIR, 'report.json'), 'w').write('{"forged": true}')
"""
READ_KEY = """\
def predict(x):
    try:
        open(KEY).read()
        return 2 * x + 1
    except OSError:
        return 0.0
"""


def _attempts(paths: list[str], mode: str) -> str:
    """Code that tries to open each path and prints what happened (never raises)."""
    action = "f.write('hacked')" if mode == "w" else "f.read()"
    return (ATTEMPTS.replace("TARGETS", repr(paths)).replace("MODE", repr(mode))
            .replace("ACTION", action))


@dataclass(frozen=True)
class Case:
    """One submission: how to build it, the status it must get, words its reason must hold."""

    name: str
    expect: str
    reason: str = ""


def cases(paths: dict[str, Path], port: int) -> dict[str, tuple[Case, object]]:
    """Every corpus case with its notebook (or raw bytes for the invalid-JSON case)."""
    key = str(paths["key"] / "answers.csv")
    out, subs = paths["out"], paths["subs"]
    read_key = (_attempts([key, "/etc/shadow", str(subs / "good.ipynb")], "r")
                + READ_KEY.replace("KEY", repr(key)))
    outside = [str(paths["root"] / "outside.txt"), str(HW_ROOT / "pwned.txt"),
               "/root/pwned.txt", "/tmp/pwned.txt"]
    results = [str(out / "grades.csv"), str(out / "submissions" / "good" / "result.json"),
               str(out / "submissions" / "good" / "report.md"), str(subs / "good.ipynb")]
    network = NETWORK.replace("PORT", str(port)) + GOOD
    # A small interpreter forks up to the process limit first (cheap forks), so the big
    # kernel's own fork fails at once instead of racing the 6 s cell limit on a loaded host.
    fork = ("import os, subprocess, sys, time\nsubprocess.Popen([sys.executable, '-c', "
            "'import os, time\\nwhile True:\\n    try:\\n        pid = os.fork()\\n"
            "    except OSError:\\n        time.sleep(600)\\n    if pid == 0:\\n"
            "        time.sleep(600)\\n        os._exit(0)'])\ntime.sleep(3)\n"
            "children = 0\nwhile True:\n    if os.fork() == 0:\n"
            "        time.sleep(600)\n        os._exit(0)\n    children += 1\n")
    memory = "chunks = []\nwhile True:\n    chunks.append(bytearray(50 << 20))\n"
    table: dict[str, tuple[Case, object]] = {
        "good": (Case("good", "ok"), notebook()),
        "no_parameters_tag": (Case("no_parameters_tag", "rejected", "No cell is tagged "
                                   "'parameters'"), _untagged(role_too=True)),
        "lost_tag_retagged": (Case("lost_tag_retagged", "ok"), _untagged(role_too=False)),
        "invalid_json": (Case("invalid_json", "rejected", "not valid notebook JSON"),
                         b'{"cells": [}'),
        "wrong_assignment": (Case("wrong_assignment", "rejected", "is for 'hw99'"), _renamed()),
        "edited_export": (Case("edited_export", "ok"), _edited_export()),
        "planted_injection": (Case("planted_injection", "ok"), _planted_injection()),
        "reads_key": (Case("reads_key", "ok"), notebook(read_key)),
        "writes_outside": (Case("writes_outside", "ok"),
                           notebook(_attempts(outside, "w") + GOOD)),
        "overwrites_results": (Case("overwrites_results", "ok"),
                               notebook(_attempts(results, "w") + GOOD)),
        "network": (Case("network", "ok"), notebook(network)),
        "reads_references": (Case("reads_references", "ok"), notebook(
            _attempts(REFERENCES, "r") + LISTING.replace("CHECKOUT", repr(str(CHECKOUT)))
            + GOOD)),
        "infinite_loop": (Case("infinite_loop", "timed-out", "per-cell limit in cell 4 of 6"),
                          notebook("while True:\n    pass")),
        "wall_clock": (Case("wall_clock", "timed-out", "limit for the whole notebook"), _slow()),
        "memory_bomb": (Case("memory_bomb", "cell-error", "Cell 4 of 6 (predict) raised "
                             "MemoryError"), notebook(memory)),
        "fork_bomb": (Case("fork_bomb", "cell-error", "raised BlockingIOError"), notebook(fork)),
        "huge_output": (Case("huge_output", "output-too-large", "16 MB limit"),
                        notebook("for _ in range(40):\n    print('x' * 1_000_000)\n" + GOOD)),
        "endless_output": (Case("endless_output", "contained"),
                           notebook("while True:\n    print('x' * 100_000)")),
        "fills_disk": (Case("fills_disk", "disk-full", "filled its 64 MB working area"),
                       notebook(FILL_DISK + GOOD)),
        "memory_children": (Case("memory_children", "memory-limit",
                                  "more than 1.5 GB of memory"),
                            notebook(CHILDREN + GOOD, after=(WAIT, WAIT))),
        "kills_papermill": (Case("kills_papermill", "kernel-died", "killed by signal 9"),
                            notebook("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)")),
        "exit_early": (Case("exit_early", "exited-early", "stopped at cell 4 of 6"),
                       notebook("import sys\nsys.exit(0)")),
        "os_exit": (Case("os_exit", "kernel-died", "in cell 4 of 6"),
                    notebook("import os\nos._exit(0)")),
        "segfault": (Case("segfault", "kernel-died"),
                     notebook("import ctypes\nctypes.string_at(0)")),
        "nan_predictions": (Case("nan_predictions", "invalid-artifact", "NaN or infinite"),
                            notebook("def predict(x):\n    return float('nan')")),
        "missing_ids": (Case("missing_ids", "invalid-artifact", "missing ids"),
                        notebook("rows = rows[:-3]\n" + GOOD)),
        "extra_ids": (Case("extra_ids", "invalid-artifact", "unknown ids: 999"),
                      notebook("rows.append({'id': '999', 'x': '0'})\n" + GOOD)),
        "duplicate_ids": (Case("duplicate_ids", "invalid-artifact", "duplicate ids: 0"),
                          notebook("rows.append(rows[0])\n" + GOOD)),
        "pickle_artifact": (Case("pickle_artifact", "invalid-artifact", "binary file"),
                            notebook(PICKLING_OPEN + GOOD)),
        "symlink_artifact": (Case("symlink_artifact", "invalid-artifact", "symbolic link"),
                             notebook("open('real.csv', 'w').close()\n"
                                      "os.symlink('real.csv', 'pred.csv')\n" + GOOD)),
        "mountinfo": (Case("mountinfo", "ok"), notebook(
            "print(open('/proc/self/mountinfo').read())\n" + GOOD)),
        "rewrites_after_export": (Case("rewrites_after_export", "ok"), notebook(
            after=_attempts([f"/proc/PPID/fd/{n}" for n in range(3, 12)], "w").replace(
                "'/proc/PPID", "f'/proc/{os.getppid()}") + REWRITE)),
    }
    return table


def build(subs: Path, table: dict) -> None:
    """Write every case as ``<name>.ipynb`` into ``subs``."""
    subs.mkdir(parents=True, exist_ok=True)
    for name, (_, nb) in table.items():
        path = subs / f"{name}.ipynb"
        if isinstance(nb, bytes):
            path.write_bytes(nb)
        else:
            nbformat.write(nb, path)


def grader(*args: str | Path, timeout: float = 600, **popen) -> subprocess.CompletedProcess:
    """Run ``python -m course_utils.grading`` with ``hwtiny`` as the homework root."""
    env = {**os.environ, "COURSE_HOMEWORK_ROOT": str(HW_ROOT), **popen.pop("env", {})}
    return subprocess.run([sys.executable, "-m", "course_utils.grading", *map(str, args)],
                          env=env, capture_output=True, text=True, timeout=timeout, **popen)


def sheet(out: Path) -> dict[str, dict]:
    """``grades.csv`` as ``{id: row}``."""
    import csv

    with open(out / "grades.csv", newline="") as f:
        return {row["id"]: row for row in csv.DictReader(f)}


def result(out: Path, sub_id: str) -> dict:
    """One submission's result JSON."""
    return json.loads((out / "submissions" / sub_id / "result.json").read_text())


def printed(out: Path, sub_id: str) -> str:
    """What the submission's cells printed (for a failing test's message)."""
    path = out / "submissions" / sub_id / "executed.ipynb"
    if not path.exists():
        return "(no executed notebook)"
    cells = nbformat.reads(path.read_text(), as_version=4).cells
    return "".join(o.get("text", "") for c in cells for o in c.get("outputs", []))
