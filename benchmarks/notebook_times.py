"""Run time of each lecture notebook in its default profile (target < 60 s, average < 30 s).

The notebooks are executed in fresh kernels exactly as CI does, without rewriting them.

    python benchmarks/notebook_times.py [NOTEBOOK ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

from course_utils.notebooks import execute_notebook

ROOT = Path(__file__).resolve().parents[1]


def main(paths: list[str]) -> None:
    notebooks = [Path(p) for p in paths] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    times = {nb.name: execute_notebook(nb, write=False) for nb in notebooks}
    for name, seconds in times.items():
        print(f"{name:<40} {seconds:6.1f} s")
    print(f"{'mean':<40} {sum(times.values()) / max(len(times), 1):6.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
