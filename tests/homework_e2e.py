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
from course_utils.grading.calibrate import HELD_OUT, run_notebook
from course_utils.grading.config import homework_root, tier_order_problem
from course_utils.grading.thresholds import check_held_out, check_ladder, final_tiers

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
    """The calibration record is complete and consistent: the tiers follow from its scores and
    margins (and the official sample), the ladder separates, the generator is the current one,
    >= 10 training seeds and >= 3 data seeds paired round-robin, the held-out seeds are not
    among them, and the recorded held-out runs pass with the current tiers."""
    config = load_config(hw)
    assert tier_order_problem(config) == ""
    record = config.calibration
    again = f"re-run: flock /tmp/calibrate.lock python -m course_utils.grading.calibrate {hw}"
    module = importlib.import_module(spec(hw).generator)
    assert record["generator"]["version"] == module.VERSION, again
    assert record["generator"]["seed"] == module.SEED
    assert record["profile"] == config.grading_parameters, again
    seeds, data_seeds = record["seeds"], record["data_seeds"]
    assert len(set(seeds)) >= 10 and len(set(data_seeds)) >= 3, record["seeds"]
    assert HELD_OUT["seed"] not in seeds and HELD_OUT["data_seed"] not in data_seeds
    scores = {t: {int(s): r for s, r in runs.items()} for t, runs in record["scores"].items()}
    for runs in scores.values():
        assert [(s, r["data_seed"]) for s, r in runs.items()] == [
            (s, data_seeds[i % len(data_seeds)]) for i, s in enumerate(seeds)]
    sample = json.loads((homework_root() / hw / "grading.json").read_text()).get(
        "official_sample")
    if sample:
        assert sample["generator_version"] == module.VERSION, "measure the official sample again"
    tiers, lowered = final_tiers(config, scores, record["margins"], sample)
    for t in TIERS:  # a composite metric's tiers are dicts of its components
        assert tiers[t] == pytest.approx(config.tiers[t], abs=1e-5), again
    assert lowered == record.get("official_sample_lowered_simple")
    assert check_ladder(config, scores, config.tiers, sample=sample) == []
    held = record["held_out"]
    assert (held["seed"], held["data_seed"]) == (HELD_OUT["seed"], HELD_OUT["data_seed"])
    assert check_held_out(config, held["template"], held["reference"]) == []


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



def check_course_grade(hw: str, data_dir: Path, key_dir: Path, tmp_path: Path,
                       questions: tuple[str, ...],
                       reference_tiers: frozenset[str] = frozenset({"boss"}),
                       template_halves: tuple[str, ...] = ("private",)) -> None:
    """``course-grade`` end to end (bwrap sandbox, grading profile, scoring, report questions):
    the reference is in ``reference_tiers`` (boss) on both halves, the template simple on
    ``template_halves`` (the private half), and each report question gives the reference its
    point and the template none."""
    rows = grade_with_cli(hw, data_dir, key_dir, tmp_path)
    ref, tpl = rows["reference"], rows["template"]
    assert ref["status"] == tpl["status"] == "ok", (ref, tpl)
    assert {ref["public_tier"], ref["private_tier"]} <= reference_tiers, ref
    assert {tpl[f"{half}_tier"] for half in template_halves} == {"simple"}, tpl
    for name in questions:
        assert (ref[f"report_{name}"], tpl[f"report_{name}"]) == ("1.0", "0.0"), name

# What the grading profile must give on the default data, per notebook: the tier on both halves
# and the CPU budget in seconds (on held-out seeds the reference must reach at least strong).
EXPECTED = {"reference": ("boss", 120), "template": ("simple", 60)}


_HELD_OUT_DATA: dict[str, tuple[Path, Path]] = {}


def held_out_data(hw: str, tmp_path_factory) -> tuple[Path, Path]:
    """The held-out mini set and key (generator seed ``HELD_OUT["data_seed"]``), generated once
    per test session: ``(data_dir, key_dir)``."""
    if hw not in _HELD_OUT_DATA or not _HELD_OUT_DATA[hw][1].exists():
        root = tmp_path_factory.mktemp(f"{hw}-held-out")
        spec(hw).generate()(root / "data", root / "key", seed=HELD_OUT["data_seed"])
        _HELD_OUT_DATA[hw] = root / "data", root / "key"
    return _HELD_OUT_DATA[hw]


def run_held_out(hw: str, which: str, tmp_path_factory, tmp_path: Path) -> tuple[Score, Path]:
    """Run the ``reference`` or ``template`` in the grading profile on the held-out seeds
    (training seed ``HELD_OUT["seed"]``, 5201314, on the held-out data) and assert the template
    is simple (not below, not medium) and the reference at least strong on both halves, within
    ``EXPECTED``'s CPU budget. Returns ``(score, work_dir)``."""
    data_dir, key_dir = held_out_data(hw, tmp_path_factory)
    budget = EXPECTED[which][1]
    cpu_before = kernel_cpu_seconds()
    score, seconds, work = run_graded(hw, which, data_dir, key_dir, tmp_path,
                                      SEED=HELD_OUT["seed"])
    cpu = kernel_cpu_seconds() - cpu_before
    half = {"public": score.public, "private": score.private}
    problems = check_held_out(load_config(hw), half, half)
    mine = [p for p in problems if p.startswith(f"held-out {which}")]
    assert not mine, f"{score}: " + "; ".join(mine)
    assert cpu < budget, (f"the {which} used {cpu:.0f} s of CPU ({seconds:.0f} s wall); "
                          f"the budget is {budget} s")
    return score, work


def held_out_tests(hw: str) -> tuple:
    """A homework module's two slow held-out tests (``run_held_out``): the reference reaches at
    least strong and earns every report question, the template is simple and earns none.
    Assign them at module level: ``test_reference_..., test_template_... = held_out_tests(HW)``."""
    questions = tuple(load_config(hw).questions)

    @pytest.mark.slow
    def test_reference_reaches_strong_on_held_out_seeds(tmp_path_factory, tmp_path, run_env):
        _, work = run_held_out(hw, "reference", tmp_path_factory, tmp_path)
        assert report_questions(hw, work, tmp_path) == dict.fromkeys(questions, 1.0)

    @pytest.mark.slow
    def test_template_scores_simple_on_held_out_seeds(tmp_path_factory, tmp_path, run_env):
        _, work = run_held_out(hw, "template", tmp_path_factory, tmp_path)
        assert report_questions(hw, work, tmp_path) == dict.fromkeys(questions, 0.0)

    return (test_reference_reaches_strong_on_held_out_seeds,
            test_template_scores_simple_on_held_out_seeds)


def kernel_cpu_seconds() -> float:
    """CPU seconds of this process's finished children: papermill's kernels, which run with
    one torch thread, so on an idle 2-core machine this is their run time. Under a parallel
    test run it is what the wall time would be without the other tests' load."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
