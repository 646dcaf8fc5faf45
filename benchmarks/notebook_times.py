"""Run times: each lecture notebook in its default profile (target < 60 s, average < 30 s) and
each homework reference solution and template in its grading profile (target < 2 min / 1 min).

Notebooks run in fresh kernels as CI runs them (set OMP_NUM_THREADS=1 to match CI); nothing
is rewritten.

    python benchmarks/notebook_times.py [--lectures-only | --homework-only]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from course_utils.authoring import template_paths
from course_utils.data import resolve
from course_utils.grading import load_config
from course_utils.grading.calibrate import run_notebook
from course_utils.notebooks import execute_notebook

ROOT = Path(__file__).resolve().parents[1]


def lecture_times() -> dict[str, float]:
    return {nb.name: execute_notebook(nb, write=False)
            for nb in sorted((ROOT / "notebooks").glob("*.ipynb"))}


def homework_times() -> dict[str, float]:
    times = {}
    for reference in sorted((ROOT / "homework").glob("*/*_reference.ipynb")):
        hw = reference.parent.name
        parameters = {**load_config(hw).grading_parameters, "DATA_DIR": str(resolve(hw))}
        with tempfile.TemporaryDirectory() as tmp:
            for notebook in template_paths(hw):
                times[notebook.name] = run_notebook(notebook, parameters, Path(tmp))[1]
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--lectures-only", action="store_true")
    which.add_argument("--homework-only", action="store_true")
    args = parser.parse_args()
    if not args.homework_only:
        times = lecture_times()
        for name, seconds in times.items():
            print(f"{name:<40} {seconds:6.1f} s")
        print(f"{'lecture mean':<40} {sum(times.values()) / max(len(times), 1):6.1f} s")
    if not args.lectures_only:
        for name, seconds in homework_times().items():
            print(f"{name:<40} {seconds:6.1f} s  (grading profile)")


if __name__ == "__main__":
    main()
