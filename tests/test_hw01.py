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
    held_out_data,
    notebooks,
    report_questions,
    run_graded,
    run_held_out,
)

from course_utils.data import read_covid, resolve
from course_utils.grading.questions import check_report
from course_utils.grading.questions_hw01 import KEY_FILE, ridge_mse

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
    # the grader's copy of every row, for the report question: the same values as the files
    full = pd.read_csv(key / KEY_FILE)
    train = pd.read_csv(data / "covid.train.csv")
    assert list(full.columns) == ["split", *train.columns]
    mine = full[full["split"] == "train"].drop(columns="split").reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, train, check_dtype=False)
    theirs = full[full["split"] == "test"].reset_index(drop=True)
    assert np.allclose(theirs[test.columns].to_numpy(float), test.to_numpy(float))
    assert np.allclose(theirs["tested_positive.4"], answers["tested_positive"])


def test_files_have_the_official_header_and_shapes(hw01_files):
    data = hw01_files[0]
    header = (data / "covid.train.csv").read_text().splitlines()[0].split(",")
    assert len(header) == 118 and header[0] == "id" and header[1:38] == list(generator.STATES)
    days = [header[38 + 16 * d: 54 + 16 * d] for d in range(5)]
    assert all(day == list(generator.FEATURES) for day in days)  # names repeat, no suffixes
    test_header = (data / "covid.test.csv").read_text().splitlines()[0].split(",")
    assert test_header == header[:-1]
    train, test = pd.read_csv(data / "covid.train.csv"), pd.read_csv(data / "covid.test.csv")
    assert len(train) == 2699 and 1000 <= len(test) <= 1100  # the official row counts
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
        starts = {tuple(r[:64]) for r in mine}
        assert sum(tuple(r[16:]) in starts for r in mine) == len(mine) - 1  # one chain of days


@pytest.mark.parametrize("seed", [generator.SEED, generator.SEED + 1, generator.SEED + 2])
def test_statistics_are_those_of_the_real_files(seed, tmp_path):
    """Measured on the official covid.train.csv: target mean 9.8, sd 6.4; day-to-day change sd
    1.1, barely autocorrelated; illness columns correlated 0.86-0.9 with the target; id 0.26.
    The one deliberate difference: half the real day-to-day change (see the generator)."""
    generator.generate(tmp_path, seed=seed)
    train = pd.read_csv(tmp_path / "covid.train.csv")
    y = train["tested_positive.4"]
    assert 8 < y.mean() < 12 and 5 < y.std() < 7.5
    change = y - train["tested_positive.3"]
    before = train["tested_positive.3"] - train["tested_positive.2"]
    assert 0.5 < change.std() < 0.8 and abs(np.corrcoef(change, before)[0, 1]) < 0.3
    corr = train.corr()["tested_positive.4"]
    assert (corr.iloc[LAGS] > 0.9).all()
    assert corr[["cli.4", "ili.4", "hh_cmnty_cli.4", "nohh_cmnty_cli.4"]].min() > 0.6
    assert 0.1 < corr["id"] < 0.5  # rows roughly in date order, as in the official files
    noise = ["wearing_mask", "spent_time", "travel_outside_state"]
    assert corr[[f"{n}.4" for n in noise]].abs().max() < 0.3
    states = train.iloc[:, 1:38].to_numpy().argmax(axis=1)
    level = y.groupby(states).mean()
    assert level.std() > 3  # large differences between states


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
    for official in ("optimizer.zero_grad()", "loss.backward()", "optimizer.step()",
                     "torch.save(model.state_dict(), config['save_path'])",
                     "if mean_valid_loss < best_loss:",
                     "if early_stop_count >= config['early_stop']:"):
        assert official in source, official  # the official loop, in sight
    assert "course_utils.fit(" not in source
    hints = "\n".join(c.source for c in template.cells if c.cell_type == "markdown")
    for hint in ("Feature selection", "Different model architectures and optimizers",
                 "L2 regularization and try more parameters"):
        assert hint in hints, hint


def test_parameters_and_roles():
    check_parameters_cell("hw01")
    check_roles("hw01", {"model", "select_feat", "optimizer", "config"})


def test_calibration():
    check_calibration("hw01")


# ---- the report question --------------------------------------------------------------------

def _report(columns):
    return {"assignment": "hw01", "selected_features": columns}


def test_selected_features_earns_nothing_for_all_columns_and_says_why(hw01_files):
    key = hw01_files[1]
    names = list(pd.read_csv(hw01_files[0] / "covid.train.csv").columns[:-1])
    answer, = check_report("hw01", ["selected_features"], _report(names), key)
    assert answer.points == 0 and "all 117 columns" in answer.detail


def test_selected_features_rewards_a_selection_that_predicts_better(hw01_files):
    key = hw01_files[1]
    names = list(pd.read_csv(hw01_files[0] / "covid.train.csv").columns[:-1])
    illness = [f"{f}{s}" for f in ("cli", "ili", "hh_cmnty_cli", "nohh_cmnty_cli")
               for s in ("", ".1", ".2", ".3", ".4")]
    lags = ["tested_positive", "tested_positive.1", "tested_positive.2", "tested_positive.3"]
    full = pd.read_csv(key / KEY_FILE)
    assert ridge_mse(full, lags + illness) < 0.9 * ridge_mse(full, names)
    answer, = check_report("hw01", ["selected_features"], _report(lags + illness), key)
    assert answer.points == 1.0, answer.detail
    # a selection that throws the signal away scores 0, with the numbers as the reason
    bad = ["id", "wearing_mask", "shop"]
    answer, = check_report("hw01", ["selected_features"], _report(bad), key)
    assert answer.points == 0 and "test MSE" in answer.detail and "`id` is a row number" in \
        answer.detail


@pytest.mark.parametrize("report, reason", [
    ({}, "has no 'selected_features'"),
    ({"selected_features": []}, "non-empty list"),
    ({"selected_features": [3, 4]}, "non-empty list"),
    ({"selected_features": ["cli", "no_such_column"]}, "no_such_column"),
])
def test_selected_features_fails_with_a_reason(hw01_files, report, reason):
    answer, = check_report("hw01", ["selected_features"], report, hw01_files[1])
    assert answer.points == 0 and reason in answer.detail


def test_selected_features_needs_the_graders_copy(tmp_path):
    answer, = check_report("hw01", ["selected_features"], _report(["cli"]), tmp_path)
    assert answer.points == 0 and KEY_FILE in answer.detail


# ---- end to end: papermill in the grading profile -------------------------------------------

@pytest.mark.slow
def test_reference_reaches_strong_on_held_out_seeds(tmp_path_factory, tmp_path, run_env):
    _, work = run_held_out("hw01", "reference", tmp_path_factory, tmp_path)
    report = json.loads((work / "report.json").read_text())
    assert "tested_positive.3" in report["selected_features"] and "id" not in report[
        "selected_features"]
    losses = report["train_loss"]
    assert all(math.isfinite(v) for v in losses + report["valid_loss"]) and losses[-1] < losses[0]
    key = held_out_data("hw01", tmp_path_factory)[1]
    assert all(p > 0 for p in report_questions("hw01", work, key).values())


@pytest.mark.slow
def test_template_is_simple_on_held_out_seeds(tmp_path_factory, tmp_path, run_env):
    _, work = run_held_out("hw01", "template", tmp_path_factory, tmp_path)
    assert len(json.loads((work / "report.json").read_text())["selected_features"]) == 117
    key = held_out_data("hw01", tmp_path_factory)[1]
    assert set(report_questions("hw01", work, key).values()) == {0}


@pytest.mark.slow
@pytest.mark.parametrize("which", ["reference", "template"])
def test_fast_dev_run_is_a_seconds_long_smoke_run(hw01_files, tmp_path, run_env, which):
    _, seconds, work = run_graded("hw01", which, *hw01_files, tmp_path, FAST_DEV_RUN=True)
    assert seconds < 30
    report = json.loads((work / "report.json").read_text())
    assert min(report["valid_loss"]) < report["valid_loss"][0] / 2  # it learns, quickly
    assert len(pd.read_csv(work / "pred.csv")) == len(pd.read_csv(hw01_files[1] /
                                                                  "covid.test.answers.csv"))
