"""Write notebooks byte for byte as JupyterLab saves them, so that opening and saving an
unchanged notebook in the lab leaves no diff (``python course.py normalize``; also used by
``course.py execute`` and checked in CI).

    python -m course_utils.normalize [--check] notebooks/*.ipynb homework/*/*.ipynb

On save, JupyterLab stores the kernel's ``kernelspec`` and ``language_info``, sends the
notebook through JavaScript (where ``150.0`` and ``150`` are the same number) and the server
writes it with nbformat (format 4.5 with cell ids, sorted keys, indent 1, final newline).
``language_info.version`` is the kernel's Python, so normalise with the course's Python.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path
from typing import Any

import nbformat

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LARGEST_JS_INTEGER_TEXT = 1e21  # JavaScript writes integral numbers below this without ".0"


def language_info() -> dict[str, Any]:
    """The ``language_info`` the IPython kernel of this Python reports (stored on save)."""
    from ipykernel.ipkernel import IPythonKernel

    return dict(IPythonKernel.language_info)


def as_javascript(value: Any) -> Any:
    """JSON as a browser hands it back: integral floats become integers (150.0 → 150)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < LARGEST_JS_INTEGER_TEXT:
        return int(value)
    if isinstance(value, dict):
        return {key: as_javascript(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_javascript(item) for item in value]
    return value


def normalize(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return ``nb`` as JupyterLab would save it (cell ids added where missing)."""
    nb = nbformat.from_dict(as_javascript(nb))
    nb.nbformat, nb.nbformat_minor = 4, max(nb.get("nbformat_minor", 0), 5)
    taken = {cell.get("id") for cell in nb.cells}
    for cell in nb.cells:
        while not cell.get("id"):
            candidate = uuid.uuid4().hex[:8]
            if candidate not in taken:
                cell.id = candidate
                taken.add(candidate)
    nb.metadata.kernelspec = dict(KERNELSPEC)
    nb.metadata.language_info = language_info()
    return nb


def dumps(nb: nbformat.NotebookNode) -> str:
    """The normalised notebook's file text, as the Jupyter server writes it."""
    text = nbformat.writes(normalize(nb), version=nbformat.NO_CONVERT)
    return text if text.endswith("\n") else text + "\n"


def write(nb: nbformat.NotebookNode, path: str | Path) -> bool:
    """Write ``nb`` normalised to ``path``; return whether the file changed."""
    path = Path(path)
    text = dumps(nb)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def is_normalized(path: str | Path) -> bool:
    """True when ``path`` is already exactly what :func:`write` would make of it."""
    text = Path(path).read_text(encoding="utf-8")
    return dumps(nbformat.reads(text, as_version=nbformat.NO_CONVERT)) == text


def main(argv: list[str] | None = None) -> int:
    """Normalise the given notebooks (``--check``: only list those that are not)."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if any "
                        "notebook is not normalised")
    args = parser.parse_args(argv)
    if args.check:
        stale = [path for path in args.notebooks if not is_normalized(path)]
        for path in stale:
            print(f"{path}: not normalised (run `python course.py normalize {path}`)")
        return 1 if stale else 0
    for path in args.notebooks:
        if write(nbformat.read(path, as_version=nbformat.NO_CONVERT), path):
            print(f"{path}: normalised")
    return 0


if __name__ == "__main__":
    sys.exit(main())
