"""Set up the course and run it, on any machine with Python ≥ 3.10 and pip.

    python course.py lab [ARGS]   # install everything, open JupyterLab on lecture 00
                                  # (ARGS go to jupyter lab, e.g. --no-browser --port 8899)
    python course.py test [ARGS]  # install everything, run the whole test suite (what CI runs)
    python course.py execute      # re-execute the lecture notebooks and store their outputs
    python course.py templates    # rebuild homework templates from the reference solutions
    python course.py normalize    # rewrite notebooks exactly as JupyterLab saves them
    python course.py install-cell # stamp the Colab/Kaggle install cell into every notebook
    python course.py grader       # instructors: install the grader and its sandbox (bubblewrap)
    python course.py release OUT  # instructors: write the student release into the folder OUT
                                  # (--repository URL: where you publish it; see README)

Everything goes into ./.venv, installed with the tested versions in constraints.txt.
`test`, `templates`, `grader` and `release` need the full repository (tests, reference
solutions); a student release has what `lab`, `execute`, `normalize` and `install-cell` use.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
FIRST_NOTEBOOK = "notebooks/00_pytorch_basics.ipynb"
COURSE_NOTEBOOKS = ("notebooks/*.ipynb", "homework/*/*.ipynb")
PYTEST = [
    "-m", "pytest", "tests", "notebooks",
    "--nbval-lax", "--nbval-current-env", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg",
    "--nbval-cell-timeout", "300", "-n", "2", "--dist", "loadfile", "-p", "no:cacheprovider",
]
PIP_PROGRESS = ("Collecting", "Installing collected", "Successfully installed")


def run(*args: str | Path, **kwargs) -> None:
    """Run a command in the repository root, echoed first; fail on a non-zero exit."""
    print("+", " ".join(map(str, args)), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True, **kwargs)


def pip_install(*args: str) -> None:
    """``pip install`` into .venv, showing one line per package instead of pip's full log."""
    cmd = [str(PYTHON), "-m", "pip", "install", "--progress-bar", "off", *args]
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True) as proc:
        for line in proc.stdout:
            if line.startswith(PIP_PROGRESS):
                print("  " + line.rstrip()[:110], flush=True)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd)


def install(extra: str) -> None:
    """Create .venv and install course_utils[extra] with the pinned versions, once."""
    if sys.version_info < (3, 10):  # noqa: UP036 (runs under any python3 the user has)
        sys.exit(f"Python ≥ 3.10 is needed; this is {sys.version.split()[0]}.")
    inputs = b"".join((ROOT / f).read_bytes() for f in ("pyproject.toml", "constraints.txt"))
    stamp = VENV / f".installed-{extra}"
    digest = hashlib.sha256(inputs).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    start = time.monotonic()
    print(f"Installing the course ({extra}: torch, JupyterLab and the rest, pinned in "
          "constraints.txt) into ./.venv. The first time takes about 2 minutes; later runs "
          "skip this step.", flush=True)
    if not PYTHON.exists():
        venv.create(VENV, with_pip=True)
    pip_install("-c", "constraints.txt", "-e", f".[{extra}]")
    stamp.write_text(digest)
    print(f"Installed in {time.monotonic() - start:.0f} s.", flush=True)


def ensure_debian_package(command: str, package: str, needed_for: str) -> None:
    """Install ``package`` from Debian when ``command`` is missing and we may (root + apt)."""
    if shutil.which(command):
        return
    if shutil.which("apt-get") and is_root():
        print(f"Installing Debian's {package} ({needed_for}).", flush=True)
        run("apt-get", "update", "-qq")
        run("apt-get", "install", "-y", "-qq", "--no-install-recommends", package)
    else:
        print(f"! {command} is missing: install it (e.g. `sudo apt-get install {package}`) "
              f"for {needed_for}.")


def is_root() -> bool:
    """True when running as root (jupyter then needs --allow-root)."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def course_notebooks() -> list[str]:
    """The lecture and homework notebooks, relative to the repository root."""
    return sorted(str(p.relative_to(ROOT)) for pattern in COURSE_NOTEBOOKS
                  for p in ROOT.glob(pattern))


def lab_command(extra_args: list[str], root: Path = ROOT) -> list[str | Path]:
    """``jupyter lab`` serving ``root`` (the repository) on lecture 00; extra args last."""
    return [BIN / "jupyter", "lab", f"--ServerApp.root_dir={root}",
            f"--LabApp.default_url=/lab/tree/{FIRST_NOTEBOOK}",
            *(["--allow-root"] if is_root() else []), *extra_args]


def main(argv: list[str]) -> int:
    """Dispatch one of the commands in the module docstring; return the exit status."""
    command, args = (argv[0], argv[1:]) if argv else ("", [])
    # One thread per kernel: CI runs two notebooks at once on two cores, and oversubscribed
    # torch threads made a lecture 3-4x slower. Stored outputs are made the same way.
    env = {**os.environ, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"}
    if command == "lab":
        install("lab")
        print("Trusting the course's notebooks, so their stored widgets and figures show.")
        run(BIN / "jupyter", "trust", "--log-level=WARN", *course_notebooks())
        run(*lab_command(args), env=env)
    elif command == "test":
        install("test")
        ensure_debian_package("bwrap", "bubblewrap", "the grader's sandbox and its tests")
        ensure_debian_package("chromium", "chromium", "the browser test of JupyterLab")
        env.pop("COURSE_PROFILE", None)
        env.pop("COURSE_FAST_DEV_RUN", None)
        run(BIN / "ruff", "check", ".")
        run(PYTHON, *PYTEST, *args, env=env)
    elif command == "execute":
        install("test")
        notebooks = args or sorted(str(p) for p in (ROOT / "notebooks").glob("*.ipynb"))
        run(PYTHON, "-m", "course_utils.notebooks", *notebooks, env=env)
    elif command == "normalize":
        install("test")
        run(PYTHON, "-m", "course_utils.normalize", *(args or course_notebooks()))
    elif command == "install-cell":
        install("test")
        run(PYTHON, "-m", "course_utils.bootstrap", *(args or course_notebooks()))
    elif command == "grader":
        install("grader")
        ensure_debian_package("bwrap", "bubblewrap", "the grader's sandbox")
        run(BIN / "course-grade", "--help")
    elif command == "release":
        install("test")
        if args and not args[0].startswith("-"):  # OUT, relative to the current folder
            args = [str(Path(args[0]).resolve()), *args[1:]]
        run(PYTHON, "-m", "course_utils.release", *args)
    elif command == "templates":
        install("test")
        references = ROOT.glob("homework/*/*_reference.ipynb")
        homework = args or sorted(p.parent.name for p in references)
        run(PYTHON, "-m", "course_utils.authoring", *homework)
        templates = [f"homework/{hw}/{hw}.ipynb" for hw in homework]
        run(PYTHON, "-m", "course_utils.normalize", *templates)
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as err:
        sys.exit(err.returncode)
