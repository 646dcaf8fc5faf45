"""HW1: the mini data in the official layout, the notebooks, the calibrated tiers, end to end."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import course_datasets.hw01_covid as generator
import nbformat
import numpy as np
import pandas as pd
import pytest

from course_utils.authoring import make_template, strip_solution, template_paths
from course_utils.data import read_covid, resolve
from course_utils.data.checksums import tree_digests
from course_utils.data.registry import mini_record
from course_utils.grading import TIERS, load_config, score_artifact
from course_utils.grading.calibrate import RUN_ENV, check_ladder, run_notebook, thresholds
from course_utils.runtime import FAST_DEV_RUN_ENV, PROFILE_ENV

LAGS = [53, 69, 85, 101]
INSTALL_CELL = """\
try:
    import course_utils  # noqa: F401
except ImportError:  # Colab / Kaggle: install the course package once
    %pip install -q "course_utils @ git+https://github.com/ml2022-companion/ml2022-companion\""""


@pytest.fixture(scope="session")
def hw01_files(tmp_path_factory) -> tuple[Path, Path]:
    """The mini set and its hidden answer key, generated once per session."""
    root = tmp_path_factory.mktemp("hw01")
    generator.generate(root / "data", root / "key")
    return root / "data", root / "key"


@pytest.fixture(scope="module")
def notebooks():
    reference, template = template_paths("hw01")
    return nbformat.read(reference, as_version=4), nbformat.read(template, as_version=4)


# ---- the generator and the official layout ---------------------------------------------------

def test_generator_is_deterministic_and_matches_the_registry(hw01_files, tmp_path):
    generator.generate(tmp_path)
    record = mini_record("hw01")
    assert record["version"] == generator.VERSION and record["seed"] == generator.SEED
    assert tree_digests(tmp_path) == record["files"] == tree_digests(hw01_files[0])


def test_answers_go_only_to_the_answer_folder(hw01_files):
    data, key = hw01_files
    assert sorted(p.name for p in data.iterdir()) == ["covid.test.csv", "covid.train.csv"]
    answers = pd.read_csv(key / "covid.test.answers.csv")
    test = pd.read_csv(data / "covid.test.csv")
    assert list(answers.columns) == ["id", "tested_positive"]
    assert answers["id"].tolist() == test["id"].tolist() == list(range(len(test)))


def test_files_have_the_official_header_and_shapes(hw01_files):
    data = hw01_files[0]
    header = (data / "covid.train.csv").read_text().splitlines()[0].split(",")
    assert len(header) == 118 and header[0] == "id" and header[1:38] == list(generator.STATES)
    days = [header[38 + 16 * d: 54 + 16 * d] for d in range(5)]
    assert all(day == list(generator.FEATURES) for day in days)  # names repeat, no suffixes
    test_header = (data / "covid.test.csv").read_text().splitlines()[0].split(",")
    assert test_header == header[:-1]
    train, test = pd.read_csv(data / "covid.train.csv"), pd.read_csv(data / "covid.test.csv")
    assert 700 <= len(train) <= 900 and 250 <= len(test) <= 350
    assert train.shape[1] == 118 and test.shape[1] == 117
    assert [train.columns[i] for i in LAGS] == [
        "tested_positive", "tested_positive.1", "tested_positive.2", "tested_positive.3"]
    assert train.columns[-1] == "tested_positive.4"
    for frame in (train, test):
        states = frame.iloc[:, 1:38].to_numpy()
        assert set(np.unique(states)) == {0, 1} and (states.sum(axis=1) == 1).all()
        assert frame.notna().all().all() and (frame.iloc[:, 38:].to_numpy() >= 0).all()


def test_rows_are_sliding_windows_per_state(hw01_files):
    data = hw01_files[0]
    train, test = pd.read_csv(data / "covid.train.csv"), pd.read_csv(data / "covid.test.csv")
    state = {name: frame.iloc[:, 1:38].to_numpy().argmax(axis=1)
             for name, frame in (("train", train), ("test", test))}
    days = {name: frame.iloc[:, 38:].to_numpy() for name, frame in (("train", train),
                                                                      ("test", test))}
    first_four = {(s, tuple(row[:64])) for name in days for s, row in zip(
        state[name], days[name], strict=True)}
    followed = sum((s, tuple(row[16:80])) in first_four
                   for s, row in zip(state["train"], days["train"], strict=True))
    # every training row is followed by its state's next window, unless it is the last one
    assert len(train) - followed <= len(generator.STATES)
    rows, states = generator.windows()
    for s in range(len(generator.STATES)):
        mine = rows[states == s, 37:]
        assert np.array_equal(mine[1:, :64], mine[:-1, 16:])


def test_the_lags_and_the_illness_features_carry_the_signal(hw01_files):
    train = pd.read_csv(hw01_files[0] / "covid.train.csv")
    corr = train.corr()["tested_positive.4"].abs()
    assert (corr.iloc[LAGS] > 0.9).all()
    assert corr[["hh_cmnty_cli.4", "cli.4"]].min() > 0.8
    noise = ["work_outside_home", "shop", "spent_time", "large_event", "depressed"]
    assert corr[[f"{n}.4" for n in noise]].max() < 0.3
    # ili hides from a correlation ranking, but its daily change follows the cases' change
    change = np.corrcoef(train["ili.4"] - train["ili.3"],
                         train["tested_positive.4"] - train["tested_positive.3"])[0, 1]
    assert corr["ili.4"] < 0.5 and change > 0.7
    assert corr["id"] > 0.8  # the trap: rows in date order during a rising wave


def test_loader_reads_the_mini_files_like_the_official_code(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    folder = resolve("hw01")
    train, test = read_covid(folder)
    assert train.shape[1] == 118 and test.shape[1] == 117
    # the official sample code: pd.read_csv(...).values
    train_data = pd.read_csv(folder / "covid.train.csv").values
    test_data = pd.read_csv(folder / "covid.test.csv").values
    assert train_data.shape == train.shape and test_data.shape == test.shape
    assert train_data.dtype == np.float64 and np.isfinite(train_data).all()


# ---- the notebooks --------------------------------------------------------------------------

def test_template_is_built_from_the_reference(notebooks):
    reference, template = notebooks
    built = make_template(reference)
    assert [(c.cell_type, c.source, c.metadata) for c in built.cells] == [
        (c.cell_type, c.source, c.metadata) for c in template.cells]
    assert template.metadata["course"]["assignment"] == "hw01"


def test_template_is_the_official_sample(notebooks):
    template = notebooks[1]
    source = "\n".join(c.source for c in template.cells if c.cell_type == "code")
    assert "TIER" not in source and "### BEGIN" not in source
    sgd = "torch.optim.SGD(model.parameters(), lr=config['learning_rate'], momentum=0.9)"
    for official in ("nn.Linear(input_dim, 16)", "nn.Linear(16, 8)", "nn.Linear(8, 1)",
                     "'select_all': True", "'learning_rate': 1e-5", "'batch_size': 256", sgd,
                     "feat_idx = [0,1,2,3,4] # TODO", "writer.writerow(['id', 'tested_positive'])"):
        assert official in source, official
    assert "course_utils.fit(" in source and "for x, y in" not in source  # no re-typed loop


def test_parameters_cell_holds_literals_only(notebooks):
    for nb in notebooks:
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code[0].source == INSTALL_CELL
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1 and code[1] is tagged[0]
        assert tagged[0].metadata["course"]["role"] == "parameters"
        names = []
        for node in ast.parse(strip_solution(tagged[0].source)).body:
            assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            names.append(node.targets[0].id)
        expected = ["PROFILE", "FAST_DEV_RUN", "EPOCHS", "DATA_FRACTION", "SEED", "DATA_DIR",
                    "OUT_DIR", "DEVICE"]
        assert names == expected
    reference_parameters = next(c.source for c in notebooks[0].cells
                                if "parameters" in c.metadata.get("tags", []))
    assert 'TIER = "boss"' in reference_parameters


def test_locked_and_solution_cells_are_marked(notebooks):
    for nb in notebooks:
        roles = {c.metadata.get("course", {}).get("grade_id"): c.metadata["course"]["role"]
                 for c in nb.cells if "course" in c.metadata}
        assert roles["export"] == "export" and roles["public_checks"] == "public-check"
        assert {g for g, r in roles.items() if r == "solution"} == {
            "model", "select_feat", "optimizer", "config"}


# ---- grading.json and calibration -----------------------------------------------------------

def test_tiers_are_monotone_and_calibrated_on_the_current_generator():
    config = load_config("hw01")
    values = [config.tiers[t] for t in TIERS]
    assert values == sorted(values, reverse=True) and len(set(values)) == 4
    record = config.calibration
    assert record["generator"]["version"] == generator.VERSION, "re-run calibrate after a " \
        "generator change: python -m course_utils.grading.calibrate hw01"
    assert record["generator"]["seed"] == generator.SEED and len(record["seeds"]) >= 3
    assert record["profile"] == config.grading_parameters
    scores = {t: {int(s): r for s, r in runs.items()} for t, runs in record["scores"].items()}
    assert thresholds(config, scores) == pytest.approx(config.tiers, abs=1e-4)
    assert check_ladder(config, scores, config.tiers) == []


def _scores(simple, medium, strong, boss):
    return {t: {seed: {"public": s, "private": s} for seed, s in enumerate(runs)}
            for t, runs in zip(TIERS, (simple, medium, strong, boss), strict=True)}


def test_calibration_rejects_a_ladder_that_does_not_separate():
    config = load_config("hw01")
    good = _scores([3.0, 2.6], [1.2, 1.1], [0.7, 0.65], [0.4, 0.38])
    assert check_ladder(config, good, thresholds(config, good), constant=50.0) == []
    overlap = _scores([3.0, 1.1], [1.2, 1.1], [0.7, 0.65], [0.4, 0.38])
    problems = check_ladder(config, overlap, thresholds(config, overlap))
    assert any("reaches medium" in p for p in problems)
    reach = _scores([3.0, 2.6], [1.2, 0.72], [0.7, 0.65], [0.4, 0.38])
    assert [p for p in check_ladder(config, reach, thresholds(config, reach))
            if "reaches strong" in p]
    wide = _scores([1.9, 1.9], [1.2, 0.2], [0.15, 0.14], [0.08, 0.07])
    problems = check_ladder(config, wide, thresholds(config, wide))
    assert len(problems) == 1 and "not wider than the seed spread" in problems[0]
    dead = _scores([3.0, 40.0], [1.2, 1.1], [0.7, 0.65], [0.4, 0.38])
    assert any("did not learn" in p for p in check_ladder(config, dead, thresholds(config, dead),
                                                          constant=50.0))


# ---- end to end: papermill in the grading profile -------------------------------------------

@pytest.fixture
def run_env(monkeypatch):
    for name in (PROFILE_ENV, FAST_DEV_RUN_ENV):
        monkeypatch.delenv(name, raising=False)
    for name, value in RUN_ENV.items():
        monkeypatch.setenv(name, value)


def _run(notebook: Path, parameters: dict, data: Path, tmp_path: Path) -> tuple[Path, float]:
    return run_notebook(notebook, {**parameters, "DATA_DIR": str(data)}, tmp_path)


@pytest.mark.slow
def test_reference_reaches_boss_in_the_grading_profile(hw01_files, tmp_path, run_env):
    config = load_config("hw01")
    reference, _ = template_paths("hw01")
    work, seconds = _run(reference, config.grading_parameters, hw01_files[0], tmp_path)
    score = score_artifact(config, work / "pred.csv", hw01_files[1])
    assert (score.public_tier, score.private_tier) == ("boss", "boss"), score
    assert seconds < 180, f"the reference took {seconds:.0f} s; the budget is 3 min"
    report = json.loads((work / "report.json").read_text())
    assert "tested_positive.3" in report["selected_features"] and "id" not in report[
        "selected_features"]
    losses = report["train_loss"]
    assert all(math.isfinite(v) for v in losses + report["valid_loss"]) and losses[-1] < losses[0]


@pytest.mark.slow
def test_template_scores_simple_but_not_medium(hw01_files, tmp_path, run_env):
    config = load_config("hw01")
    _, template = template_paths("hw01")
    work, seconds = _run(template, config.grading_parameters, hw01_files[0], tmp_path)
    score = score_artifact(config, work / "pred.csv", hw01_files[1])
    assert (score.public_tier, score.private_tier) == ("simple", "simple"), score
    assert seconds < 60, f"the template took {seconds:.0f} s; the budget is 1 min"
    assert len(json.loads((work / "report.json").read_text())["selected_features"]) == 117


@pytest.mark.slow
@pytest.mark.parametrize("which", ["reference", "template"])
def test_fast_dev_run_is_a_seconds_long_smoke_run(hw01_files, tmp_path, run_env, which):
    notebook = template_paths("hw01")[0 if which == "reference" else 1]
    work, seconds = _run(notebook, {"FAST_DEV_RUN": True}, hw01_files[0], tmp_path)
    assert seconds < 30
    report = json.loads((work / "report.json").read_text())
    assert min(report["valid_loss"]) < report["valid_loss"][0] / 2  # it learns, quickly
    assert len(pd.read_csv(work / "pred.csv")) == len(pd.read_csv(hw01_files[1] /
                                                                  "covid.test.answers.csv"))
