"""`python course.py lab|test`: what a new user runs first."""

import importlib.util
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbformat.sign import NotebookNotary

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("course", ROOT / "course.py")
course = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(course)


@pytest.fixture
def commands(monkeypatch):
    """The commands course.py would run (nothing is installed or started)."""
    ran = []
    monkeypatch.setattr(course, "run", lambda *args, **kw: ran.append([str(a) for a in args]))
    monkeypatch.setattr(course, "install", lambda extra: ran.append(["install", extra]))
    return ran


@pytest.mark.parametrize("root", [True, False])
def test_lab_serves_the_repository_on_lecture_00_with_the_users_arguments(commands, monkeypatch,
                                                                         root):
    monkeypatch.setattr(course.os, "geteuid", lambda: 0 if root else 1000)
    assert course.main(["lab", "--no-browser", "--port", "8899"]) == 0
    install, trust, lab = commands
    assert install == ["install", "lab"]
    assert trust[1:3] == ["trust", "--log-level=WARN"]
    assert {"notebooks/00_pytorch_basics.ipynb", "homework/hw01/hw01.ipynb"} <= set(trust[3:])
    assert lab[1:4] == ["lab", f"--ServerApp.root_dir={ROOT}",
                        "--LabApp.default_url=/lab/tree/notebooks/00_pytorch_basics.ipynb"]
    assert ("--allow-root" in lab) == root
    assert lab[-3:] == ["--no-browser", "--port", "8899"]


def test_jupyter_trust_as_course_py_calls_it_trusts_the_notebook(tmp_path):
    data = tmp_path / "jupyter-data"
    data.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1", outputs=[
        nbformat.v4.new_output("display_data", data={"text/html": "<b>1</b>"})])])
    nbformat.write(nb, tmp_path / "nb.ipynb")
    notary = NotebookNotary(data_dir=str(data))
    assert not notary.check_signature(nb)
    subprocess.run([course.BIN / "jupyter", "trust", "--log-level=WARN", "nb.ipynb"], cwd=tmp_path,
                   check=True, env={"JUPYTER_DATA_DIR": str(data), "PATH": "/usr/bin:/bin"})
    assert notary.check_signature(nbformat.read(tmp_path / "nb.ipynb", as_version=4))


def test_first_install_says_what_it_does(monkeypatch, tmp_path, capsys):
    installed = []
    monkeypatch.setattr(course, "VENV", tmp_path)
    monkeypatch.setattr(course, "PYTHON", tmp_path / "python")
    monkeypatch.setattr(course.venv, "create", lambda *a, **kw: (tmp_path / "python").touch())
    monkeypatch.setattr(course, "pip_install", lambda *args: installed.append(args))
    course.install("lab")
    out = capsys.readouterr().out
    assert "Installing the course (lab" in out and "about 2 minutes" in out
    assert installed == [("-c", "constraints.txt", "-e", ".[lab]")]
    course.install("lab")  # the second time nothing is installed and nothing is said
    assert len(installed) == 1 and capsys.readouterr().out == ""


def test_test_command_installs_chromium_and_bubblewrap_when_missing(commands, monkeypatch):
    monkeypatch.setattr(course.shutil, "which", lambda cmd: "/usr/bin/apt-get"
                        if cmd == "apt-get" else None)
    monkeypatch.setattr(course.os, "geteuid", lambda: 0)
    course.main(["test", "tests/test_runtime.py"])
    installs = [cmd[-1] for cmd in commands if cmd[:2] == ["apt-get", "install"]]
    assert installs == ["bubblewrap", "chromium"]
    assert commands[-1][-1] == "tests/test_runtime.py"
