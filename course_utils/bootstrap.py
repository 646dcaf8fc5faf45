"""The install cell at the top of every notebook: on Colab or Kaggle it installs the course
package, from a wheel the user uploaded or else from the course's git repository, and fails
loudly with what to do (introduced in 00). Where the package is installed it does nothing.

    python -m course_utils.bootstrap [--check] notebooks/*.ipynb homework/*/*.ipynb

stamps the cell into each notebook (``python course.py install-cell``); the repository's
address lives only in :data:`REPOSITORY`. Fork the course? Change it and run that command.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from course_utils import normalize

REPOSITORY = "https://github.com/ml2022-companion/ml2022-companion"
GIT_SOURCE = f"course_utils @ git+{REPOSITORY}"
WHEEL = "course_utils-*.whl"
# Colab uploads land in the working directory (/content); Kaggle mounts datasets under
# /kaggle/input, which is ../input from its working directory /kaggle/working.
WHEEL_PATTERNS = (WHEEL, f"../input/**/{WHEEL}")

CELL_TEMPLATE = '''\
# Colab / Kaggle: install the course package (where it is installed, this does nothing).
# Uses the wheel {wheel} if you uploaded one (Colab: the Files panel; Kaggle: add it
# as a dataset), else the course's git repository (needs internet).
try:
    import course_utils  # noqa: F401
except ImportError:
    import glob
    import importlib
    import subprocess
    import sys
    patterns = {patterns}
    wheels = sorted(w for pattern in patterns for w in glob.glob(pattern, recursive=True))
    source = wheels[-1] if wheels else "{source}"
    print("Installing the course package from", source)
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", source],
                         capture_output=True, text=True)
    if pip.returncode != 0:
        raise RuntimeError(
            f"Could not install the course package from {{source}}:\\n{{pip.stderr[-2000:]}}\\n"
            "To fix it, either (a) build the wheel in a clone of the course "
            "(`python -m build --wheel`) and upload dist/{wheel} (Colab: Files panel, "
            "next to this notebook; Kaggle: Add Input → a dataset holding the wheel), or (b) turn "
            "internet access on (Kaggle: Settings → Internet) to install from git. "
            "Then run this cell again.") from None
    importlib.invalidate_caches()
    import course_utils  # noqa: F401'''


def install_cell(source: str = GIT_SOURCE) -> str:
    """The install cell's code; ``source`` is what pip installs when no wheel was uploaded."""
    patterns = "(" + ", ".join(f'"{pattern}"' for pattern in WHEEL_PATTERNS) + ")"
    return CELL_TEMPLATE.format(wheel=WHEEL, patterns=patterns, source=source)


def find_install_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook's install cell: the first code cell that imports course_utils on a guard."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "except ImportError" in cell.source \
                and "import course_utils" in cell.source:
            return cell
    raise LookupError("no install cell (a code cell with `import course_utils` guarded by "
                      "`except ImportError`); copy one from notebooks/00_pytorch_basics.ipynb")


def stamp(path: str | Path) -> bool:
    """Replace the install cell of the notebook at ``path``; return whether it changed."""
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    cell = find_install_cell(nb)
    if cell.source == install_cell():
        return False
    cell.source = install_cell()
    normalize.write(nb, path)
    return True


def main(argv: list[str] | None = None) -> int:
    """Stamp the install cell into the given notebooks (``--check``: list the stale ones)."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a notebook's install cell is stale")
    args = parser.parse_args(argv)
    stale = [path for path in args.notebooks
             if find_install_cell(nbformat.read(path, as_version=4)).source != install_cell()]
    for path in stale:
        print(f"{path}: install cell {'is stale' if args.check else 'updated'}")
        if not args.check:
            stamp(path)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
