"""The student release (issue 11 §4): the course without what only an instructor may see.

    python course.py release OUT_DIR [--repository URL]
    python -m course_utils.release OUT_DIR [--repository URL]

It copies the repository's git-tracked files (``git ls-files``: untracked files never ship) as
they are in the working tree into a new or empty ``OUT_DIR`` outside the repository, except
the files :data:`LEFT_OUT` names, and rewrites a few on the way:

- **Left out**: the reference solutions (``homework/*/*_reference.ipynb``), the instructor
  READMEs (``homework/*/INSTRUCTOR.md``), ``tests/`` (lecture exercise solutions, reference
  runs, the grader's corpus), ``.ci/``, ``benchmarks/`` (development timings: none reveals a
  solution, but two run the reference solutions or the tests' grader corpus), ``conftest.py``
  and ``CONTRIBUTING.md`` (authoring the course), and from ``course_utils.grading``: the report
  questions' checks (``questions_hwNN.py``: answer keys, such as the columns that carry HW1's
  signal or the formulas of the probe functions HW3 and HW4 ask for), calibration
  (``calibrate.py``, ``thresholds.py``: they run the reference solutions) and the grader's
  README (grading a class). A ``questions_hwNN.py`` that its homework's template imports
  ships: the template's public checks run the grader's own check (HW2 and HW5 check that the
  report's numbers fit together), so such a module must hold no hidden answer.
- **Kept**: every lecture notebook, homework template and student README, and the package
  otherwise. The templates' public checks import ``course_utils.grading`` (``ArtifactSpec``,
  ``read_predictions``, ``load_config``) and ``course_utils.data.hwNN`` (loaders, public probe
  inputs and their trusted outputs), so those stay; so do the grader (``course-grade``) and
  the generators. The generators must ship, because the mini sets are generated on the
  student's machine: whoever reads them learns the mini set's design, which is why a class is
  graded on data drawn from a secret (``course-data generate --answers``), never on the mini
  set.
- **Rewritten**: ``homework/*/grading.json`` loses ``calibration`` (per-rung scores and notes
  that name recipes), ``official_sample`` and ``questions`` (the grader's list; most of its
  checks are left out); markdown loses its blocks from a ``<!-- instructor-only -->`` line to a
  ``<!-- /instructor-only -->`` line, and the top-level README starts with a note saying what
  this tree is. With ``--repository URL`` the notebooks' install cell and
  ``course_utils.bootstrap.REPOSITORY`` point at ``URL``, where the instructor publishes the
  release (so ``python course.py install-cell`` keeps it there).

``python course.py release`` prints what it wrote and what it left out by rule, and exits 1
when a released markdown file links to a file the release does not hold.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path, PurePosixPath

import nbformat

from course_utils import bootstrap, normalize

ROOT = Path(__file__).resolve().parents[1]
# (pattern over the repository-relative POSIX path, why it is left out); `*` crosses folders.
LEFT_OUT: tuple[tuple[str, str], ...] = (
    ("homework/*/*_reference.ipynb", "reference solution"),
    ("homework/*/INSTRUCTOR.md", "instructor README"),
    ("tests/*", "tests: exercise solutions, reference runs, grader corpus"),
    (".ci/*", "CI of the full repository"),
    ("benchmarks/*", "development timings (need the references and tests/)"),
    ("conftest.py", "pytest set-up of the tests"),
    ("CONTRIBUTING.md", "authoring rules (references, tests)"),
    ("course_utils/grading/questions_hw*.py", "report-question answer key"),
    ("course_utils/grading/calibrate.py", "calibration: runs the reference solutions"),
    ("course_utils/grading/thresholds.py", "calibration rule"),
    ("course_utils/grading/README.md", "grading a class (instructors)"),
)
PRIVATE_CONFIG_KEYS = ("calibration", "official_sample", "questions")
# The markers stand on lines of their own, so prose may name them.
INSTRUCTOR_BLOCK = re.compile(
    r"^[ \t]*<!-- instructor-only -->[ \t]*\n.*?^[ \t]*<!-- /instructor-only -->[ \t]*(?:\n|\Z)",
    re.S | re.M)
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
REPOSITORY_LINE = re.compile(r'^REPOSITORY = ".*"$', re.M)
TEMPLATE_QUESTIONS = re.compile(r"\bcourse_utils\.grading(?:\.|\s+import\s+)(questions_hw\d+)\b")


def tracked_files(root: Path = ROOT) -> list[str]:
    """The repository's tracked files that exist in the working tree (POSIX, sorted)."""
    try:
        listing = subprocess.run(["git", "ls-files", "-z"], cwd=root, check=True,
                                 capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        raise SystemExit(f"{root} is not a git checkout: a release is made from the "
                         "course's git repository (its tracked files).") from None
    return sorted(p for p in listing.split("\0") if p and (root / p).is_file())


def left_out_reason(path: str) -> str | None:
    """Why ``path`` does not ship, or None when it ships."""
    return next((why for pattern, why in LEFT_OUT if fnmatch.fnmatchcase(path, pattern)), None)


def template_questions(root: Path = ROOT) -> dict[str, str]:
    """``{questions module path: template}`` for the question checks a template imports."""
    found = {}
    for template in sorted(root.glob("homework/*/hw*.ipynb")):
        if not template.stem.endswith("_reference"):
            for name in TEMPLATE_QUESTIONS.findall(template.read_text(encoding="utf-8")):
                found[f"course_utils/grading/{name}.py"] = template.relative_to(root).as_posix()
    return found


def strip_instructor_blocks(text: str) -> str:
    """Markdown without its ``<!-- instructor-only -->`` … ``<!-- /instructor-only -->`` blocks
    (and without the run of blank lines a removed block leaves)."""
    stripped = INSTRUCTOR_BLOCK.sub("", text)
    return text if stripped == text else re.sub(r"\n{3,}", "\n\n", stripped)


def public_config(text: str) -> str:
    """A ``grading.json`` without the keys only the grader and the instructor use."""
    raw = json.loads(text)
    kept = {key: value for key, value in raw.items() if key not in PRIVATE_CONFIG_KEYS}
    return json.dumps(kept, indent=2, ensure_ascii=False) + "\n"


def git_source(repository: str) -> str:
    """What pip installs from ``repository`` (``git+`` added when missing)."""
    return f"course_utils @ {repository if repository.startswith('git+') else 'git+' + repository}"


def notice(commit: str, repository: str | None) -> str:
    """The note at the top of the released README."""
    where = f" The notebooks install `course_utils` from <{repository}>." if repository else ""
    return ("> **Student release** of this course, written by `python course.py release` from "
            f"commit `{commit}`. Reference solutions, instructor READMEs, tests and answer keys "
            "are not part of it; `python course.py lab` and every notebook work as described "
            f"below.{where}\n\n")


def with_notice(readme: str, text: str) -> str:
    """``readme`` with ``text`` inserted after its title line."""
    title, _, rest = readme.partition("\n")
    return f"{title}\n\n{text}{rest.lstrip(chr(10))}"


def stamp_install_cell(path: Path, repository: str) -> None:
    """Point the install cell of the notebook at ``path`` at ``repository``."""
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    bootstrap.find_install_cell(nb).source = bootstrap.install_cell(git_source(repository))
    normalize.write(nb, path)


def dangling_links(out: Path) -> list[str]:
    """``file: target`` for every relative markdown link in ``out`` whose target is missing."""
    found = []
    for md in sorted(out.rglob("*.md")):
        for target in MARKDOWN_LINK.findall(md.read_text(encoding="utf-8")):
            path = target.split("#", 1)[0]
            if not path or re.match(r"^[a-z][a-z0-9+.-]*:", path):
                continue
            if not (md.parent / path).exists():
                found.append(f"{md.relative_to(out).as_posix()}: {target}")
    return found


def commit_id(root: Path = ROOT) -> str:
    """The short commit id, with ``+changes`` when tracked files differ from it."""
    git = ["git", "-C", str(root)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], check=True,
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run([*git, "status", "--porcelain", "--untracked-files=no"], check=True,
                           capture_output=True, text=True).stdout.strip()
    return commit + ("+changes" if dirty else "")


def check_destination(out: Path, root: Path = ROOT) -> None:
    """Refuse a folder inside the repository or one that is not empty (SystemExit)."""
    out = out.resolve()
    if out == root or out.is_relative_to(root):
        raise SystemExit(f"{out} is inside the repository: write the release somewhere else.")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise SystemExit(f"{out} exists and is not an empty folder: give a new or empty one.")


def release(out: Path, repository: str | None = None,
            root: Path = ROOT) -> tuple[list[str], dict[str, list[str]]]:
    """Write the student release into ``out``; return (files written, left out by reason)."""
    check_destination(out, root)
    written: list[str] = []
    left_out: dict[str, list[str]] = {why: [] for _, why in LEFT_OUT}
    public = template_questions(root)
    for path in tracked_files(root):
        if (why := left_out_reason(path)) and path not in public:
            left_out[why].append(path)
            continue
        source, target = root / path, out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        name = PurePosixPath(path)
        if name.suffix == ".md":
            text = strip_instructor_blocks(source.read_text(encoding="utf-8"))
            if path == "README.md":
                text = with_notice(text, notice(commit_id(root), repository))
            target.write_text(text, encoding="utf-8")
        elif name.name == "grading.json" and name.parts[0] == "homework":
            target.write_text(public_config(source.read_text(encoding="utf-8")),
                              encoding="utf-8")
        elif path == "course_utils/bootstrap.py" and repository:
            text = source.read_text(encoding="utf-8")
            target.write_text(REPOSITORY_LINE.sub(f'REPOSITORY = "{repository}"', text),
                              encoding="utf-8")
        else:
            target.write_bytes(source.read_bytes())
            if name.suffix == ".ipynb" and repository:
                stamp_install_cell(target, repository)
        target.chmod(source.stat().st_mode & 0o777)
        written.append(path)
    return written, {why: paths for why, paths in left_out.items() if paths}


def summary(out: Path, written: list[str], left_out: dict[str, list[str]],
            public: dict[str, str]) -> str:
    """What was written and what was left out, by rule, for the terminal."""
    kinds = Counter(PurePosixPath(p).parts[0] if "/" in p else "top level" for p in written)
    lines = [f"Wrote {len(written)} files to {out} ("
             + ", ".join(f"{folder} {n}" for folder, n in sorted(kinds.items())) + ")."]
    lines.append(f"Left out {sum(map(len, left_out.values()))} files by rule:")
    for why, paths in left_out.items():
        shown = ", ".join(paths[:4]) + (f", … ({len(paths)} in all)" if len(paths) > 4 else "")
        lines.append(f"  {why}: {shown}")
    for module, template in public.items():
        lines.append(f"Kept {module}: the public checks of {template} import it.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Write the release; exit 1 when a released markdown file links to a missing file."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="a new or empty folder outside the repository")
    parser.add_argument("--repository", metavar="URL",
                        help="where the release is published: the notebooks' install cell "
                             "installs course_utils from it (default: "
                             f"{bootstrap.REPOSITORY})")
    args = parser.parse_args(argv)
    written, left_out = release(args.out, args.repository)
    print(summary(args.out, written, left_out, template_questions()))
    if dangling := dangling_links(args.out):
        print("Links to files that are not in the release (fix the source markdown, or put "
              "them in an <!-- instructor-only --> block):\n  " + "\n  ".join(dangling))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
