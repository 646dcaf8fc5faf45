"""Checks every homework shares: the template is built from the reference, the parameters cell,
the cell roles, the calibrated tiers, and papermill runs in the grading profile.

Each ``tests/test_hwNN.py`` calls these, so a homework's test file holds only what is its own
(the data layout, the signal its ladder relies on, its report values).
"""

from __future__ import annotations

import ast
import importlib
import json
import resource
from pathlib import Path

import nbformat
import pytest

from course_utils.authoring import make_template, strip_solution, template_paths
from course_utils.bootstrap import install_cell
from course_utils.data.checksums import tree_digests
from course_utils.data.registry import mini_record, spec
from course_utils.grading import TIERS, Score, load_config, score_artifact
from course_utils.grading.calibrate import check_ladder, run_notebook, thresholds

PARAMETERS = ("PROFILE", "FAST_DEV_RUN", "EPOCHS", "DATA_FRACTION", "SEED", "DATA_DIR",
              "OUT_DIR", "DEVICE")


def generate(hw: str, tmp_path_factory) -> tuple[Path, Path]:
    """The mini set and its hidden answer key in a fresh folder: ``(data_dir, key_dir)``."""
    root = tmp_path_factory.mktemp(hw)
    spec(hw).generate()(root / "data", root / "key")
    return root / "data", root / "key"


def check_generator_matches_registry(hw: str, data_dir: Path, tmp_path: Path) -> None:
    """A second generation gives the same content, and both match datasets/registry.json."""
    module = importlib.import_module(spec(hw).generator)
    spec(hw).generate()(tmp_path)
    record = mini_record(hw)
    assert (record["version"], record["seed"]) == (module.VERSION, module.SEED)
    assert tree_digests(tmp_path) == record["files"] == tree_digests(data_dir)


def notebooks(hw: str) -> tuple[nbformat.NotebookNode, nbformat.NotebookNode]:
    """``(reference, template)`` as stored."""
    reference, template = template_paths(hw)
    return nbformat.read(reference, as_version=4), nbformat.read(template, as_version=4)


def check_template_is_built(hw: str) -> None:
    """The stored template is exactly what ``make_template`` builds from the reference."""
    reference, template = notebooks(hw)
    built = make_template(reference)
    assert [(c.cell_type, c.source, c.metadata) for c in built.cells] == [
        (c.cell_type, c.source, c.metadata) for c in template.cells], \
        f"rebuild the template: python -m course_utils.authoring {hw}"
    assert template.metadata["course"]["assignment"] == hw
    source = "\n".join(c.source for c in template.cells if c.cell_type == "code")
    assert "TIER" not in source and "### BEGIN" not in source
    for nb in (reference, template):
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
            "homework notebooks are committed without outputs"


def check_parameters_cell(hw: str, extra_names: tuple[str, ...] = ()) -> None:
    """The install cell, then one literal-only ``parameters`` cell with the common names,
    the homework's size knobs, and ``TIER = "boss"`` in the reference only."""
    reference, template = notebooks(hw)
    for nb in (reference, template):
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code[0].source == install_cell()
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1 and code[1] is tagged[0]
        assert tagged[0].metadata["course"]["role"] == "parameters"
        names = []
        for node in ast.parse(strip_solution(tagged[0].source)).body:
            assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant), \
                ast.unparse(node)
            names.append(node.targets[0].id)
        assert tuple(names) == PARAMETERS + tuple(extra_names)
    parameters = next(c.source for c in reference.cells
                      if "parameters" in c.metadata.get("tags", []))
    assert 'TIER = "boss"' in parameters


def check_roles(hw: str, solution_ids: set[str]) -> None:
    """The export and public-check cells are locked; the solution cells are the TODOs."""
    for nb in notebooks(hw):
        roles = {c.metadata.get("course", {}).get("grade_id"): c.metadata["course"]["role"]
                 for c in nb.cells if "grade_id" in c.metadata.get("course", {})}
        assert roles["export"] == "export" and roles["public_checks"] == "public-check"
        assert {g for g, r in roles.items() if r == "solution"} == solution_ids


def check_calibration(hw: str) -> None:
    """Tiers are strictly ordered and were calibrated on the current generator, by >= 3 seeds."""
    config = load_config(hw)
    values = [config.tiers[t] for t in TIERS]
    assert values == sorted(values, reverse=not config.higher_is_better)
    assert len(set(values)) == len(TIERS)
    record = config.calibration
    module = importlib.import_module(spec(hw).generator)
    assert record["generator"]["version"] == module.VERSION, \
        f"re-run calibrate after a generator change: python -m course_utils.grading.calibrate {hw}"
    assert record["generator"]["seed"] == module.SEED and len(record["seeds"]) >= 3
    assert record["profile"] == config.grading_parameters
    scores = {t: {int(s): r for s, r in runs.items()} for t, runs in record["scores"].items()}
    assert thresholds(config, scores) == pytest.approx(config.tiers, abs=1e-4)
    assert check_ladder(config, scores, config.tiers) == []


def run_graded(hw: str, which: str, data_dir: Path, key_dir: Path, tmp_path: Path,
               **parameters) -> tuple[Score, float, Path]:
    """Run the ``reference`` or ``template`` with papermill in the grading profile (plus
    ``parameters``) and score its artifact: ``(score, seconds, work_dir)``."""
    config = load_config(hw)
    notebook = template_paths(hw)[0 if which == "reference" else 1]
    work, seconds = run_notebook(
        notebook, {**config.grading_parameters, **parameters, "DATA_DIR": str(data_dir)},
        tmp_path)
    return score_artifact(config, work / config.artifact.file, key_dir), seconds, work


def report_questions(hw: str, work_dir: Path, key_dir: Path) -> dict[str, float]:
    """The grader's report questions on a run's ``report.json``: ``{name: points}``."""
    from course_utils.grading.questions import check_report

    report = json.loads((work_dir / "report.json").read_text())
    answers = check_report(hw, list(load_config(hw).questions), report, key_dir)
    return {a.name: a.points for a in answers}


def grade_with_cli(hw: str, data_dir: Path, key_dir: Path, tmp_path: Path) -> dict[str, dict]:
    """``course-grade`` (sandboxed) on the reference and the template: the sheet's rows by id."""
    import csv
    import shutil
    import subprocess
    import sys

    subs = tmp_path / "subs"
    subs.mkdir()
    reference, template = template_paths(hw)
    shutil.copy(reference, subs / "reference.ipynb")
    shutil.copy(template, subs / "template.ipynb")
    done = subprocess.run(
        [sys.executable, "-m", "course_utils.grading", hw, subs, "--answer-key", key_dir,
         "--out", tmp_path / "out", "--data", data_dir, "--jobs", "2"],
        capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    with open(tmp_path / "out" / "grades.csv", newline="") as f:
        return {row["id"]: row for row in csv.DictReader(f)}


# What the grading profile must give, per notebook: the tier on both halves and the time budget.
EXPECTED = {"reference": ("boss", 120), "template": ("simple", 60)}


def run_at_expected_tier(hw: str, which: str, data_dir: Path, key_dir: Path,
                         tmp_path: Path) -> Path:
    """Run the ``reference`` (boss, within 2 min) or ``template`` (simple and not medium,
    within 1 min) in the grading profile, assert both, and return its work dir."""
    tier, budget = EXPECTED[which]
    cpu_before = kernel_cpu_seconds()
    score, seconds, work = run_graded(hw, which, data_dir, key_dir, tmp_path)
    cpu = kernel_cpu_seconds() - cpu_before
    assert (score.public_tier, score.private_tier) == (tier, tier), score
    assert cpu < budget, (f"the {which} used {cpu:.0f} s of CPU ({seconds:.0f} s wall); "
                          f"the budget is {budget} s")
    return work


def kernel_cpu_seconds() -> float:
    """CPU seconds of this process's finished children: papermill's kernels, which run with
    one torch thread, so on an idle 2-core machine this is their run time. Under a parallel
    test run it is what the wall time would be without the other tests' load."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
