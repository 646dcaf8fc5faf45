"""HW1: the mini data in the official layout, the notebooks, the calibrated tiers, end to end."""

from __future__ import annotations

import json
import math
from pathlib import Path

import course_datasets.hw01_covid as generator
import numpy as np
import pandas as pd
import pytest
from homework_e2e import (
    check_calibration,
    check_generator_matches_registry,
    check_parameters_cell,
    check_roles,
    check_template_is_built,
    generate,
    notebooks,
    run_at_expected_tier,
    run_graded,
)

from course_utils.data import read_covid, resolve
from course_utils.grading import TIERS, load_config
from course_utils.grading.calibrate import check_ladder, thresholds

LAGS = [53, 69, 85, 101]


@pytest.fixture(scope="session")
def hw01_files(tmp_path_factory) -> tuple[Path, Path]:
    """The mini set and its hidden answer key, generated once per session."""
    return generate("hw01", tmp_path_factory)


# ---- the generator and the official layout ---------------------------------------------------

def test_generator_is_deterministic_and_matches_the_registry(hw01_files, tmp_path):
    check_generator_matches_registry("hw01", hw01_files[0], tmp_path)


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

def test_template_is_built_from_the_reference():
    check_template_is_built("hw01")


def test_template_is_the_official_sample():
    template = notebooks("hw01")[1]
    source = "\n".join(c.source for c in template.cells if c.cell_type == "code")
    assert "TIER" not in source and "### BEGIN" not in source
    sgd = "torch.optim.SGD(model.parameters(), lr=config['learning_rate'], momentum=0.9)"
    for official in ("nn.Linear(input_dim, 16)", "nn.Linear(16, 8)", "nn.Linear(8, 1)",
                     "'select_all': True", "'learning_rate': 1e-5", "'batch_size': 256", sgd,
                     "feat_idx = [0,1,2,3,4] # TODO", "writer.writerow(['id', 'tested_positive'])"):
        assert official in source, official
    assert "course_utils.fit(" in source and "for x, y in" not in source  # no re-typed loop


def test_parameters_roles_and_calibration():
    check_parameters_cell("hw01")
    check_roles("hw01", {"model", "select_feat", "optimizer", "config"})
    check_calibration("hw01")


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

@pytest.mark.slow
def test_reference_reaches_boss_in_the_grading_profile(hw01_files, tmp_path, run_env):
    work = run_at_expected_tier("hw01", "reference", *hw01_files, tmp_path)
    report = json.loads((work / "report.json").read_text())
    assert "tested_positive.3" in report["selected_features"] and "id" not in report[
        "selected_features"]
    losses = report["train_loss"]
    assert all(math.isfinite(v) for v in losses + report["valid_loss"]) and losses[-1] < losses[0]


@pytest.mark.slow
def test_template_scores_simple_but_not_medium(hw01_files, tmp_path, run_env):
    work = run_at_expected_tier("hw01", "template", *hw01_files, tmp_path)
    assert len(json.loads((work / "report.json").read_text())["selected_features"]) == 117


@pytest.mark.slow
@pytest.mark.parametrize("which", ["reference", "template"])
def test_fast_dev_run_is_a_seconds_long_smoke_run(hw01_files, tmp_path, run_env, which):
    _, seconds, work = run_graded("hw01", which, *hw01_files, tmp_path, FAST_DEV_RUN=True)
    assert seconds < 30
    report = json.loads((work / "report.json").read_text())
    assert min(report["valid_loss"]) < report["valid_loss"][0] / 2  # it learns, quickly
    assert len(pd.read_csv(work / "pred.csv")) == len(pd.read_csv(hw01_files[1] /
                                                                  "covid.test.answers.csv"))
