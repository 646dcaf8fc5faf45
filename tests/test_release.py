"""The student release (``python course.py release``, course_utils/release.py): every template,
lecture and student README ships, no solution, answer key or instructor text does, and the
released course installs and runs a homework template on its own (issue 11 §4)."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from test_packaging import clean_venv, session_env

from course_utils import normalize, release
from course_utils.bootstrap import find_install_cell, install_cell

ROOT = Path(__file__).resolve().parents[1]
HOMEWORK = sorted(p.parent.name for p in ROOT.glob("homework/hw*/grading.json"))
URL = "https://example.org/teacher/ml2022-release"
# Markers of reference-only text, in the notebooks and markdown that ship (authoring.py and
# release.py name them in code, so Python sources are not searched).
LEAKS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN TEMPLATE", "instructor-only -->")
PACKAGES = {"course_utils": "course_utils", "course_datasets": "datasets"}


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """The release of this checkout, published at :data:`URL`."""
    out = tmp_path_factory.mktemp("release") / "course"
    release.release(out, URL)
    return out


def released_files(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}


def texts(out: Path) -> dict[str, str]:
    """Every released text file's content, by path."""
    found = {}
    for path in released_files(out):
        try:
            found[path] = (out / path).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
    return found


def is_module(tree: Path, name: str) -> bool:
    """Whether ``name`` (``course_utils.x.y``) is a module or package in ``tree``."""
    top, *rest = name.split(".")
    path = tree.joinpath(PACKAGES[top], *rest)
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def course_imports(source: str) -> set[str]:
    """The course modules ``source`` imports, submodules named in ``from … import`` included."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("!", "%"))]
    names = set()
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            if node.module.split(".")[0] in PACKAGES:
                names |= {f"{node.module}.{alias.name}" for alias in node.names
                          if is_module(ROOT, f"{node.module}.{alias.name}")}
    return {n for n in names if n.split(".")[0] in PACKAGES}


def test_every_homework_has_a_student_and_an_instructor_readme():
    assert HOMEWORK, "no homework found"
    missing = [f"{hw}/{name}" for hw in HOMEWORK for name in ("README.md", "INSTRUCTOR.md")
               if not (ROOT / "homework" / hw / name).is_file()]
    assert not missing, f"write {missing} (CONTRIBUTING.md: two READMEs per homework)"


def test_release_ships_every_template_lecture_and_student_readme(released):
    files = released_files(released)
    expected = {"README.md", "homework/README.md", "pyproject.toml", "constraints.txt",
                "course.py", "course_utils/grading/artifact.py", "datasets/registry.json"}
    expected |= {p.relative_to(ROOT).as_posix() for p in ROOT.glob("notebooks/*.ipynb")}
    for hw in HOMEWORK:
        expected |= {f"homework/{hw}/{hw}.ipynb", f"homework/{hw}/README.md",
                     f"homework/{hw}/grading.json"}
    assert expected - files == set()
    assert len(files) > 50


def test_release_leaves_out_solutions_keys_tests_and_instructor_files(released):
    files = released_files(released)
    tracked = release.tracked_files()
    public = release.template_questions()
    left_out = {p for p in tracked if release.left_out_reason(p)} - set(public)
    assert files & left_out == set()
    assert files == set(tracked) - left_out
    for pattern in ("homework/*/*_reference.ipynb", "homework/*/INSTRUCTOR.md", "tests/*",
                    ".ci/*", "course_utils/grading/calibrate.py", "CONTRIBUTING.md"):
        assert not [f for f in files if Path(f).match(pattern)], pattern
    questions = {f for f in files if Path(f).match("course_utils/grading/questions_hw*.py")}
    assert questions == set(public), "only the checks a template runs publicly ship"
    for module, template in public.items():
        assert Path(module).stem in (ROOT / template).read_text(), template
    assert [p for p in tracked if p.startswith("tests/exercise_solutions/")], \
        "the rule must have something to leave out"


def test_no_released_file_holds_solution_markers_or_instructor_text(released):
    contents = texts(released)
    leaks = [f"{path}: {leak}" for path, text in contents.items()
             if path.endswith((".ipynb", ".md")) for leak in LEAKS if leak in text]
    assert not leaks, "reference-only text in the release (student READMEs must not name it)"
    for hw in HOMEWORK:
        nb = nbformat.read(released / "homework" / hw / f"{hw}.ipynb", as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert not re.search(r"^\s*TIER\s*=", code, re.M), f"{hw}: TIER is reference-only"
        assert not [c for c in nb.cells if "reference-only" in c.metadata.get("tags", [])]
        config = json.loads((released / "homework" / hw / "grading.json").read_text())
        assert set(config) & set(release.PRIVATE_CONFIG_KEYS) == set()
        assert set(config["tiers"]) == {"simple", "medium", "strong", "boss"}
    # No line of an instructor README or of an instructor-only block reached a released file.
    instructor = [p.read_text() for p in ROOT.glob("homework/*/INSTRUCTOR.md")]
    instructor += [block for p in ROOT.rglob("*.md") if ".venv" not in p.parts
                   for block in release.INSTRUCTOR_BLOCK.findall(p.read_text())]
    lines = {line.strip() for text in instructor for line in text.splitlines()
             if len(line.strip()) > 60}
    # the generators ship by design (students make the mini sets offline), so an instructor
    # README may quote a generator's docstring
    shipped = "\n".join(text for name, text in contents.items()
                        if not str(name).startswith("datasets/"))
    assert not [line for line in lines if line in shipped]


def test_released_code_imports_only_released_modules(released):
    sources = {p: p.read_text() for p in released.rglob("*.py")}
    for path in released.rglob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        sources[path] = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    missing = {f"{path.relative_to(released)}: {name}" for path, source in sources.items()
               for name in course_imports(source) if not is_module(released, name)}
    assert not missing, "a released module imports a left-out one"
    assert course_imports("from course_utils.grading import calibrate, load_config") == {
        "course_utils.grading", "course_utils.grading.calibrate"}


def test_released_markdown_links_only_to_released_files(released):
    assert release.dangling_links(released) == [], \
        "a released README links to a left-out file: link it from INSTRUCTOR.md instead"


def test_install_cells_and_repository_point_at_the_published_release(released):
    notebooks = sorted(released.rglob("*.ipynb"))
    assert len(notebooks) == len(list(ROOT.glob("notebooks/*.ipynb"))) + len(HOMEWORK)
    for path in notebooks:
        cell = find_install_cell(nbformat.read(path, as_version=4))
        assert cell.source == install_cell(f"course_utils @ git+{URL}"), path
        assert normalize.is_normalized(path), path
    bootstrap = (released / "course_utils" / "bootstrap.py").read_text()
    assert f'REPOSITORY = "{URL}"' in bootstrap
    assert URL in (released / "README.md").read_text().split("\n\n", 2)[1]


def test_release_refuses_a_full_folder_or_the_repository(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    for out in (tmp_path / "full", ROOT / "student-release", ROOT):
        with pytest.raises(SystemExit, match="inside the repository|not an empty folder"):
            release.release(out)
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"
    assert not (ROOT / "student-release").exists()


def test_course_py_release_takes_out_relative_to_the_current_folder(monkeypatch, tmp_path):
    from test_course_cli import course

    ran = []
    monkeypatch.setattr(course, "run", lambda *args, **kw: ran.append([str(a) for a in args]))
    monkeypatch.setattr(course, "install", lambda extra: None)
    monkeypatch.chdir(tmp_path)
    assert course.main(["release", "out", "--repository", URL]) == 0
    assert ran == [[str(course.PYTHON), "-m", "course_utils.release", str(tmp_path / "out"),
                    "--repository", URL]]


def test_release_ships_tracked_files_only(tmp_path):
    repo = tmp_path / "repo"
    for path, text in {"README.md": "# Course\n", "homework/hw09/INSTRUCTOR.md": "key\n",
                       "homework/hw09/README.md": "[task](hw09.ipynb)\n"}.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "x"], check=True)
    (repo / "scratch.ipynb").write_text("{}")  # untracked junk

    written, left_out = release.release(tmp_path / "out", root=repo)

    assert written == ["README.md", "homework/hw09/README.md"]
    assert left_out == {"instructor README": ["homework/hw09/INSTRUCTOR.md"]}
    assert released_files(tmp_path / "out") == set(written)
    assert "Student release" in (tmp_path / "out" / "README.md").read_text()
    assert release.dangling_links(tmp_path / "out") == ["homework/hw09/README.md: hw09.ipynb"]


@pytest.mark.slow
def test_released_course_installs_and_runs_hw01_in_fast_dev_run(released, tmp_path):
    course = shutil.copytree(released, tmp_path / "course")  # pip builds in the tree
    python = clean_venv(tmp_path)
    env = session_env(tmp_path)
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    str(course)], check=True, env=env, cwd=tmp_path, capture_output=True)

    hw01 = course / "homework" / "hw01"
    nb = nbformat.read(hw01 / "hw01.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        'import course_utils\nprint("course_utils from", course_utils.__file__)'))
    nbformat.write(nb, tmp_path / "hw01.ipynb")
    out = tmp_path / "out"
    done = subprocess.run(
        [python, "-m", "papermill", "--cwd", str(hw01), "-k", "python3",
         "-p", "FAST_DEV_RUN", "True", "-p", "PROFILE", "cpu", "-p", "OUT_DIR", str(out),
         str(tmp_path / "hw01.ipynb"), str(tmp_path / "ran.ipynb")],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (out / "pred.csv").is_file() and (out / "report.json").is_file()
    last = nbformat.read(tmp_path / "ran.ipynb", as_version=4).cells[-1].outputs[0].text
    assert Path(last.split("course_utils from", 1)[1].strip()).is_relative_to(tmp_path / "venv")
