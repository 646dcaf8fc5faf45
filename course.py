"""Set up the course and run it, on any machine with Python ≥ 3.10 and pip.

    python course.py lab        # install everything, open JupyterLab on the course map
    python course.py test       # install everything, run the whole test suite (what CI runs)
    python course.py execute    # re-execute the lecture notebooks and store their outputs
    python course.py templates  # rebuild homework templates from the reference solutions
    python course.py grader     # instructors: install the grader and its sandbox (bubblewrap)

Everything goes into ./.venv, installed with the tested versions in constraints.txt.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
FIRST_NOTEBOOK = "notebooks/00_pytorch_basics.ipynb"
PYTEST = [
    "-m", "pytest", "tests", "notebooks",
    "--nbval-lax", "--nbval-current-env", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg",
    "--nbval-cell-timeout", "300", "-n", "2", "--dist", "loadfile", "-p", "no:cacheprovider",
]


def run(*args: str | Path, **kwargs) -> None:
    print("+", " ".join(map(str, args)), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True, **kwargs)


def install(extra: str) -> None:
    """Create .venv and install course_utils[extra] with the pinned versions, once."""
    if sys.version_info < (3, 10):  # noqa: UP036 (runs under any python3 the user has)
        sys.exit(f"Python ≥ 3.10 is needed; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        venv.create(VENV, with_pip=True)
    inputs = b"".join((ROOT / f).read_bytes() for f in ("pyproject.toml", "constraints.txt"))
    stamp = VENV / f".installed-{extra}"
    digest = hashlib.sha256(inputs).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    run(PYTHON, "-m", "pip", "install", "-q", "-c", "constraints.txt", "-e", f".[{extra}]")
    stamp.write_text(digest)


def ensure_bubblewrap() -> None:
    """The grader's sandbox needs bubblewrap; install it from Debian when we may (root)."""
    if shutil.which("bwrap"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        run("apt-get", "update", "-qq")
        run("apt-get", "install", "-y", "-qq", "bubblewrap")
    else:
        print("! bubblewrap (bwrap) is missing: install it (e.g. `sudo apt-get install "
              "bubblewrap`) to grade untrusted submissions and to run the grader tests.")


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    # One thread per kernel: CI runs two notebooks at once on two cores, and oversubscribed
    # torch threads made a lecture 3-4x slower. Stored outputs are made the same way.
    env = {**os.environ, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"}
    if command == "lab":
        install("lab")
        run(BIN / "jupyter", "lab", FIRST_NOTEBOOK, env=env)
    elif command == "test":
        install("test")
        ensure_bubblewrap()
        env.pop("COURSE_PROFILE", None)
        env.pop("COURSE_FAST_DEV_RUN", None)
        run(BIN / "ruff", "check", ".")
        run(PYTHON, *PYTEST, *argv[1:], env=env)
    elif command == "execute":
        install("test")
        notebooks = argv[1:] or sorted(str(p) for p in (ROOT / "notebooks").glob("*.ipynb"))
        run(PYTHON, "-m", "course_utils.notebooks", *notebooks, env=env)
    elif command == "grader":
        install("grader")
        ensure_bubblewrap()
        run(BIN / "course-grade", "--help")
    elif command == "templates":
        install("test")
        references = ROOT.glob("homework/*/*_reference.ipynb")
        homework = argv[1:] or sorted(p.parent.name for p in references)
        run(PYTHON, "-m", "course_utils.authoring", *homework)
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as err:
        sys.exit(err.returncode)
