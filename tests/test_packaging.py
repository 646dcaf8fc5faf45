"""The package installs on its own, as Colab and Kaggle install it: a wheel built from the
checkout (`python -m build`) goes into a clean venv through the notebooks' install cell, and
lecture 00 runs with it in simulated Colab and Kaggle sessions."""

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import nbformat
import pytest

from course_utils.bootstrap import find_install_cell, install_cell

ROOT = Path(__file__).resolve().parents[1]
LECTURE_00 = ROOT / "notebooks" / "00_pytorch_basics.ipynb"
# Run by the new venv's Python: execute a notebook in place in a kernel of that Python.
EXECUTE = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
try:
    NotebookClient(nb, kernel_name="python3", timeout=300,
                   allow_errors="--allow-errors" in sys.argv).execute()
finally:
    nbformat.write(nb, sys.argv[1])
"""
COLAB_STUB = {"google/colab/__init__.py": "",
              "google/colab/output.py": "def enable_custom_widget_manager():\n"
                                        "    print('[colab stub] custom widget manager on')\n"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel `python -m build` makes from the checkout (sdist first, wheel from it)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ROOT],
                   check=True, capture_output=True, cwd=out)
    return next(out.glob("course_utils-*.whl"))


def test_wheel_ships_generators_and_checksums(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for required in ("course_datasets/registry.json", "course_datasets/hw01_covid.py",
                     "course_utils/data/locate.py", "course_utils/grading/scoring.py",
                     "course_datasets/_shipped/l06_cgan.pt",
                     "course_datasets/_shipped/l06_dcgan.pt",
                     "course_datasets/_shipped/hw06_judges.pt",
                     "course_datasets/_shipped/hw07_tiny_bert.json",
                     *(f"course_datasets/_shipped/{folder}/{name}"
                       for folder in ("hw07_tiny_bert", "hw07_tiny_bert_large")
                       for name in ("config.json", "model.safetensors", "tokenizer.json",
                                    "tokenizer_config.json", "vocab.txt"))):
        assert required in names
    assert {n.split("/")[0] for n in names} >= {"course_utils", "course_datasets"}
    subpackages = {p.parent.relative_to(ROOT).as_posix().replace("/", ".")
                   for p in (ROOT / "course_utils").rglob("__init__.py")}
    shipped = {n.rsplit("/", 1)[0].replace("/", ".") for n in names if n.endswith("__init__.py")}
    assert subpackages <= shipped, "add new course_utils subpackages to pyproject.toml"


def _pins() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    return {name.lower().replace("_", "-"): version for name, version in
            (line.split("==") for line in lines if "==" in line and not line.startswith("#"))}


def test_constraints_pin_the_cpu_torch():
    assert _pins()["torch"] == "2.13.0"
    assert "torchvision" not in _pins()


def test_constraints_pin_every_test_dependency():
    extra = re.search(r"^test = \[(.*?)\]", (ROOT / "pyproject.toml").read_text(), re.S | re.M)
    names = {re.split(r"[<>=\[ ]", req.strip().strip('"'))[0].lower().replace("_", "-")
             for req in extra.group(1).split(",") if req.strip()}
    assert {"playwright", "pytest-playwright", "build"} <= names
    assert names - set(_pins()) == set(), "pin these in constraints.txt"


def clean_venv(where: Path, *extra_paths: Path) -> Path:
    """A venv without course_utils; the other packages are .venv's, seen through a .pth file
    (so pip finds torch & co. installed and installs only the course package). Returns its
    Python."""
    venv.create(where / "venv", symlinks=True)
    deps = where / "deps"
    deps.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith(("course_utils", "course_datasets", "__editable__")):
            (deps / entry.name).symlink_to(entry)
    python = where / "venv" / "bin" / "python"
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = subprocess.run([python, "-c", purelib], check=True, capture_output=True,
                          text=True).stdout.strip()
    Path(site, "course_test_deps.pth").write_text("".join(f"{p}\n" for p in (deps, *extra_paths)))
    return python


def session_env(where: Path, **platform: str) -> dict[str, str]:
    """The environment of a fresh Colab/Kaggle-like session: no repository on the path."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "COURSE_PROFILE", "COURSE_FAST_DEV_RUN")}
    return {**env, **platform, "JUPYTER_DATA_DIR": str(where / "jupyter"),
            "COURSE_FAST_DEV_RUN": "1", "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}


def run_notebook(python: Path, nb: nbformat.NotebookNode, cwd: Path, env: dict[str, str],
                 allow_errors: bool = False) -> nbformat.NotebookNode:
    """Execute ``nb`` in ``cwd`` with a kernel of ``python``; return it with its outputs."""
    path = cwd / "notebook.ipynb"
    nbformat.write(nb, path)
    args = [python, "-c", EXECUTE, path.name] + (["--allow-errors"] if allow_errors else [])
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return nbformat.read(path, as_version=4)


def texts(nb: nbformat.NotebookNode) -> list[str]:
    """The text of every output, in order (streams, plain text, tracebacks)."""
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            found.append(out.get("text") or out.get("data", {}).get("text/plain", "")
                         or "\n".join([out.get("evalue", ""), *out.get("traceback", [])]))
    return found


def lecture_00_with_current_install_cell(whole: bool) -> nbformat.NotebookNode:
    """Lecture 00 with today's install cell (whole, or up to its setup cell's banner)."""
    nb = nbformat.read(LECTURE_00, as_version=4)
    find_install_cell(nb).source = install_cell()
    if not whole:
        setup = next(i for i, cell in enumerate(nb.cells) if "banner()" in cell.source)
        nb.cells = nb.cells[:setup + 1]
    nb.cells.append(nbformat.v4.new_code_cell(
        'import course_utils\nprint(f"course_utils from {course_utils.__file__}")'))
    return nb


@pytest.mark.slow
@pytest.mark.parametrize("platform", ["colab", "kaggle"])
def test_lecture_00_runs_after_the_install_cell_installs_the_wheel(wheel, tmp_path, platform):
    if platform == "colab":  # the uploaded wheel sits in the working directory, /content
        cwd = tmp_path / "content"
        cwd.mkdir()
        stubs = tmp_path / "stubs"
        for name, code in COLAB_STUB.items():
            (stubs / name).parent.mkdir(parents=True, exist_ok=True)
            (stubs / name).write_text(code)
        python = clean_venv(tmp_path, stubs)
        env = session_env(tmp_path, COLAB_RELEASE_TAG="release-colab-20260101")
        shutil.copy(wheel, cwd)
    else:  # a dataset holding the wheel is mounted under /kaggle/input
        cwd = tmp_path / "kaggle" / "working"
        cwd.mkdir(parents=True)
        dataset = tmp_path / "kaggle" / "input" / "course-utils-wheel"
        dataset.mkdir(parents=True)
        python = clean_venv(tmp_path)
        env = session_env(tmp_path, KAGGLE_KERNEL_RUN_TYPE="Interactive")
        shutil.copy(wheel, dataset)
    missing = subprocess.run([python, "-c", "import course_utils"], env=env, cwd=cwd)
    assert missing.returncode != 0, "the clean venv must not see the checkout's course_utils"

    # The whole lecture runs once (Colab); Kaggle differs only up to the setup cell.
    nb = lecture_00_with_current_install_cell(whole=platform == "colab")
    outputs = texts(run_notebook(python, nb, cwd, env))

    where = "" if platform == "colab" else "../input/course-utils-wheel/"
    assert f"Installing the course package from {where}{wheel.name}" in "".join(outputs)
    assert any(text.startswith(f"{platform} | torch") for text in outputs), "banner: platform"
    if platform == "colab":
        assert any("[colab stub] custom widget manager on" in text for text in outputs)
    printed = "".join(outputs)  # under load the kernel may send one print in several chunks
    assert "course_utils from" in printed, f"no origin printed; the last outputs: {outputs[-3:]}"
    origin = Path(printed.rsplit("course_utils from", 1)[1].split("\n")[0].strip())
    assert origin.is_relative_to(tmp_path / "venv"), f"course_utils came from {origin}"


@pytest.mark.slow
def test_install_cell_fails_loudly_with_what_to_do(tmp_path):
    python = clean_venv(tmp_path)
    env = session_env(tmp_path, KAGGLE_KERNEL_RUN_TYPE="Interactive")
    cell = install_cell(source=f"course_utils @ git+file://{tmp_path}/no-such-repository")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)])

    error = run_notebook(python, nb, tmp_path, env, allow_errors=True).cells[0].outputs[-1]

    assert error.output_type == "error" and error.ename == "RuntimeError"
    for what_to_do in ("Could not install the course package from course_utils @ git+file://",
                       "python -m build --wheel", "course_utils-*.whl", "Internet"):
        assert what_to_do in error.evalue

