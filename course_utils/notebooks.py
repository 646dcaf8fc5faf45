"""Execute notebooks in place, the way their committed outputs are made (used by CI and
maintainers; introduced in 00).

    python -m course_utils.notebooks notebooks/00_pytorch_basics.ipynb [...]

Each notebook runs top to bottom in a fresh kernel in its own folder, with the default
profile (``COURSE_PROFILE`` and ``COURSE_FAST_DEV_RUN`` are removed from the environment),
and is written as JupyterLab would save it (:mod:`course_utils.normalize`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from course_utils import normalize
from course_utils.runtime import FAST_DEV_RUN_ENV, PROFILE_ENV


def execute_notebook(path: Path, timeout: int = 600, write: bool = True) -> float:
    """Run ``path`` in a fresh kernel (outputs replace the stored ones); return seconds."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    saved = {k: os.environ.pop(k) for k in (PROFILE_ENV, FAST_DEV_RUN_ENV) if k in os.environ}
    start = time.perf_counter()
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        os.environ.update(saved)
    seconds = time.perf_counter() - start
    if write:
        normalize.write(nb, path)
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="per cell, seconds")
    args = parser.parse_args(argv)
    for path in args.notebooks:
        seconds = execute_notebook(path, args.timeout)
        print(f"{path}: {seconds:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
