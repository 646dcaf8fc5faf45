"""The calibration rule and protocol (issue 11), without running a notebook: ``run_notebook`` and
the generator are replaced by fakes whose noise level is set per rung."""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from course_utils.grading import TIERS, ArtifactSpec, GradingConfig, load_config
from course_utils.grading import calibrate as cal
from course_utils.grading.scoring import METRICS
from course_utils.grading.thresholds import (
    check_held_out,
    check_ladder,
    final_tiers,
    standard_error,
    thresholds,
    tier_margin,
)

HW = "hw01"
ANSWERS = "covid.test.answers.csv"
NOISE = {"simple": 2.0, "medium": 1.0, "strong": 0.5, "boss": 0.2}  # std of the prediction error


def _config(metric: str, higher: bool) -> GradingConfig:
    return GradingConfig(hw=HW, metric=metric, higher_is_better=higher,
                         artifact=ArtifactSpec("pred.csv", ("id", "y")), answer_file="a.csv",
                         public_fraction=0.5,
                         tiers={"simple": 0.0, "medium": 1.0, "strong": 2.0, "boss": 3.0})


def _runs(values, **extra):
    """Ten runs from 20 half-scores: run i gets values[2i] public and values[2i+1] private."""
    return {i: {"data_seed": 2022 + i % 3, "public": values[2 * i],
                "private": values[2 * i + 1], **extra} for i in range(len(values) // 2)}


# ---- the arithmetic ------------------------------------------------------------------------

def test_accuracy_threshold_is_the_low_decile_minus_a_binomial_standard_error():
    config = _config("accuracy", True)
    runs = _runs([0.50 + 0.01 * i for i in range(20)], n_public=100, n_private=120)
    q = float(np.quantile([0.50 + 0.01 * i for i in range(20)], 0.1))
    assert q == pytest.approx(0.519)
    assert tier_margin(config, runs) == pytest.approx(math.sqrt(q * (1 - q) / 100), abs=1e-6)
    scores = {t: runs for t in ("simple", "medium", "strong", "boss")}
    margins = {t: tier_margin(config, runs) for t in scores}
    assert thresholds(config, scores, margins)["simple"] == pytest.approx(q - margins["simple"],
                                                                          abs=1e-5)


def test_mse_threshold_is_the_high_decile_plus_the_bootstrap_se_nearest_to_it():
    config = _config("mse", False)
    values = [1.0 + 0.1 * i for i in range(20)]
    runs = _runs(values, n_public=50, n_private=50)
    for r in runs.values():  # se of a half: its score / 10, so the nearest one is known
        r["se_public"], r["se_private"] = r["public"] / 10, r["private"] / 10
    q = float(np.quantile(values, 0.9))
    assert q == pytest.approx(2.71)
    assert tier_margin(config, runs) == pytest.approx(2.7 / 10)
    scores = {t: runs for t in ("simple", "medium", "strong", "boss")}
    assert thresholds(config, scores, {t: 0.27 for t in scores})["boss"] == pytest.approx(2.98)


def test_bootstrap_standard_errors_match_the_grading_metric():
    rng = np.random.default_rng(1)
    truth = rng.normal(10, 3, 80)
    pred = truth + rng.normal(0, 1, 80)
    idx = np.random.default_rng(0).integers(0, 80, size=(200, 80))
    direct = np.std([METRICS["mse"](pred[i], truth[i]) for i in idx], ddof=1)
    assert standard_error("mse", pred, truth) == pytest.approx(direct)
    refs = ["我喜歡貓。", "他不在學校。", "今天天氣很好。", "我們明天見。", "這是一本書。"] * 4
    hyps = ["我 喜歡 貓。", "他不在家", "今天 天氣 很好", "明天見", "這是書。"] * 4
    idx = np.random.default_rng(0).integers(0, 20, size=(200, 20))
    direct = np.std([METRICS["bleu"]([hyps[j] for j in i], [refs[j] for j in i]) for i in idx],
                    ddof=1)
    assert standard_error("bleu", hyps, refs) == pytest.approx(direct)
    assert standard_error("accuracy", list("aabb"), list("abab")) == pytest.approx(0.25)
    assert standard_error("exact_match", list("aabb"), list("abab")) == pytest.approx(0.25)
    labels = rng.integers(0, 2, 60)
    scores = labels + rng.normal(0, 1, 60)
    idx = np.random.default_rng(0).integers(0, 60, size=(200, 60))
    direct = np.std([METRICS["roc_auc"](scores[i], labels[i]) for i in idx], ddof=1)
    assert standard_error("roc_auc", scores, labels) == pytest.approx(direct)


def test_runs_pair_training_seeds_with_data_seeds_round_robin():
    assert cal.pairs([0, 1, 2, 3, 4], [7, 8, 9]) == [(0, 7), (1, 8), (2, 9), (3, 7), (4, 8)]


def test_held_out_check_wants_template_simple_and_reference_strong():
    config = _config("accuracy", True)
    good = check_held_out(config, {"public": 0.5, "private": 0.2},
                          {"public": 2.5, "private": 3.5})
    assert good == []
    bad = check_held_out(config, {"public": 1.2, "private": -0.1},
                         {"public": 1.5, "private": 2.0})
    assert bad == ["held-out template public 1.2 is medium; it must be simple",
                   "held-out template private -0.1 is below simple; it must be simple",
                   "held-out reference public 1.5 is medium; it must be strong or boss"]


# ---- the protocol, with fake notebooks -----------------------------------------------------

@pytest.fixture
def fake(tmp_path, monkeypatch):
    """A hw01-like homework under ``tmp_path`` whose notebooks are fakes: a run's error has the
    standard deviation of its rung (``fake.noise``), so the ladder separates by default."""
    root = tmp_path / "homework"
    (root / HW).mkdir(parents=True)
    raw = json.loads((Path("homework") / HW / "grading.json").read_text())
    raw = {k: raw[k] for k in ("hw", "metric", "higher_is_better", "artifact", "answer_file",
                               "public_fraction", "tiers", "grading_parameters")}
    (root / HW / "grading.json").write_text(json.dumps(raw))
    for name in (f"{HW}.ipynb", f"{HW}_reference.ipynb"):
        (root / HW / name).write_text("{}")
    state = SimpleNamespace(root=root, calls=[], noise=dict(NOISE), held_out_template=None,
                            version=3, shipped=tmp_path / "_shipped")
    state.shipped.mkdir()
    (state.shipped / "judges.pt").write_bytes(b"trained")
    monkeypatch.setattr(cal, "SHIPPED", state.shipped)

    def generate(data, key, seed):
        Path(data).mkdir(parents=True)
        Path(key).mkdir(parents=True)
        truth = np.random.default_rng(seed).normal(10, 5, 400)
        (Path(key) / ANSWERS).write_text("id,tested_positive\n" + "".join(
            f"{i},{v:.5f}\n" for i, v in enumerate(truth)))

    def run_notebook(notebook, parameters, parent):
        state.calls.append((Path(notebook).name, parameters))
        tier = "simple" if Path(notebook).name == f"{HW}.ipynb" else parameters.get("TIER", "boss")
        noise = state.noise[tier]
        if parameters["SEED"] == cal.HELD_OUT["seed"] and tier == "simple":
            noise = state.held_out_template or noise
        key = Path(parameters["DATA_DIR"]).parent / "key" / ANSWERS
        truth = np.loadtxt(key, delimiter=",", skiprows=1)[:, 1]
        pred = truth + np.random.default_rng(parameters["SEED"] + 1000).normal(0, noise,
                                                                               len(truth))
        work = Path(tempfile.mkdtemp(dir=parent))
        (work / "pred.csv").write_text("id,tested_positive\n" + "".join(
            f"{i},{v:.5f}\n" for i, v in enumerate(pred)))
        return work, 1.0

    monkeypatch.setattr(cal, "spec", lambda hw: SimpleNamespace(generate=lambda: generate))
    monkeypatch.setattr(cal, "run_notebook", run_notebook)
    monkeypatch.setattr(cal, "generator_record", lambda hw: {
        "module": "fake", "version": state.version, "seed": 2022})
    return state


def _calibrate(fake, **kwargs):
    return cal.calibrate(HW, root=fake.root, log=lambda m: None, **kwargs)


def test_a_separating_ladder_gives_a_complete_record(fake):
    entries = _calibrate(fake)
    record = entries["calibration"]
    assert len(fake.calls) == 42 and record["seeds"] == list(range(10))
    assert record["data_seeds"] == [2022, 2023, 2024]
    assert record["scores"]["boss"]["4"]["data_seed"] == 2023
    assert record["rule"] == {"quantile": 0.1, "margin": "bootstrap", "resamples": 200}
    assert record["held_out"]["template"]["tiers"] == ["simple", "simple"]
    assert record["held_out"]["reference"]["tiers"] == ["boss", "boss"]
    assert record["official_sample_lowered_simple"] is None
    cal.write(HW, entries, fake.root)
    config = load_config(HW, fake.root)
    scores = {t: {int(s): r for s, r in runs.items()} for t, runs in record["scores"].items()}
    assert final_tiers(config, scores, record["margins"]) == (config.tiers, None)
    assert check_ladder(config, scores, config.tiers) == []


def test_held_out_seeds_are_refused(fake, capsys):
    with pytest.raises(cal.CalibrationError, match="never calibrated on"):
        _calibrate(fake, seeds=[0, cal.HELD_OUT["seed"]])
    with pytest.raises(cal.CalibrationError, match="never calibrated on"):
        _calibrate(fake, data_seeds=[2022, cal.HELD_OUT["data_seed"]])
    assert fake.calls == []


def test_the_cache_resumes_and_is_dropped_when_its_inputs_change(fake, tmp_path):
    cache = tmp_path / "cache.json"
    _calibrate(fake, cache_path=cache, seeds=[0, 1, 2, 3], rungs=["simple"])
    assert len(fake.calls) == 4
    _calibrate(fake, cache_path=cache, seeds=list(range(10)))  # resumes: 6 + 30 + 2 held out
    assert len(fake.calls) == 4 + 38
    first = _calibrate(fake, cache_path=cache)
    assert len(fake.calls) == 42
    (fake.root / HW / f"{HW}.ipynb").write_text('{"changed": 1}')
    assert _calibrate(fake, cache_path=cache) == first and len(fake.calls) == 84
    fake.version = 4
    _calibrate(fake, cache_path=cache)
    assert len(fake.calls) == 126
    raw = json.loads((fake.root / HW / "grading.json").read_text())
    raw["grading_parameters"]["EPOCHS"] = 3
    (fake.root / HW / "grading.json").write_text(json.dumps(raw))
    _calibrate(fake, cache_path=cache)
    assert len(fake.calls) == 168
    (fake.shipped / "judges.pt").write_bytes(b"retrained")  # a shipped model changes
    _calibrate(fake, cache_path=cache)
    assert len(fake.calls) == 210


def _with_sample(fake, **sample):
    raw = json.loads((fake.root / HW / "grading.json").read_text())
    raw["official_sample"] = {"settings": "official", "seconds": 60, "data_seed": 2022,
                              "generator_version": fake.version, **sample}
    (fake.root / HW / "grading.json").write_text(json.dumps(raw))


def test_the_official_sample_lowers_simple_and_must_stay_below_medium(fake, tmp_path):
    cache = tmp_path / "cache.json"
    plain = _calibrate(fake, cache_path=cache)["tiers"]
    _with_sample(fake, public=9.5, private=9.0)
    entries = _calibrate(fake, cache_path=cache)
    assert entries["tiers"] == {**plain, "simple": 9.5}
    assert entries["calibration"]["official_sample_lowered_simple"] == {
        "from": plain["simple"], "to": 9.5}
    _with_sample(fake, public=plain["simple"] - 0.01, private=plain["simple"] - 0.02)
    assert _calibrate(fake, cache_path=cache)["tiers"] == plain  # already simple: unchanged
    _with_sample(fake, public=9.5, private=plain["medium"] - 0.01)
    with pytest.raises(cal.CalibrationError, match="official sample scores .* reaches medium"):
        _calibrate(fake, cache_path=cache)
    _with_sample(fake, public=9.5, private=9.0, generator_version=fake.version - 1)
    with pytest.raises(cal.CalibrationError, match="run the official sample again"):
        _calibrate(fake, cache_path=cache)
    assert len(fake.calls) == 42


def test_a_ladder_that_does_not_separate_is_explained_and_not_written(fake, tmp_path, capsys,
                                                                      monkeypatch):
    before = (fake.root / HW / "grading.json").read_text()
    fake.noise["medium"] = 1.9
    with pytest.raises(cal.CalibrationError) as err:
        _calibrate(fake)
    message = str(err.value)
    assert "simple rung's 90th percentile on its good side" in message
    assert "reaches medium" in message and "rung runs" in message.replace("  ", " ")
    assert len(fake.calls) == 40  # no held-out runs
    fake.noise.update(medium=1.0, boss=7.0)
    with pytest.raises(cal.CalibrationError, match="boss run .* did not learn"):
        _calibrate(fake)
    monkeypatch.setattr(cal, "homework_root", lambda: fake.root)
    with pytest.raises(SystemExit) as exit_:
        cal.main([HW, "--seeds", "0", "1", "2"])
    assert "does not separate" in str(exit_.value.code)
    assert (fake.root / HW / "grading.json").read_text() == before


def test_a_failing_held_out_run_fails_the_calibration(fake):
    fake.held_out_template = 0.9  # the template reaches medium on the held-out seeds
    with pytest.raises(cal.CalibrationError, match="held-out template public .* is medium"):
        _calibrate(fake)


def test_the_cli_writes_the_record(fake, monkeypatch, capsys):
    monkeypatch.setattr(cal, "homework_root", lambda: fake.root)
    monkeypatch.setattr("course_utils.grading.config.homework_root", lambda: fake.root)
    cal.main([HW, "--note", "fake"])
    out = capsys.readouterr().out
    assert "wrote" in out and '"held_out"' in out
    record = json.loads((fake.root / HW / "grading.json").read_text())["calibration"]
    assert record["note"] == "fake" and len(record["scores"]["simple"]) == 10
    shutil.rmtree(fake.root)


def test_check_calibration_accepts_the_record_and_catches_an_edit(fake, monkeypatch):
    import course_datasets.hw01_covid as generator
    from homework_e2e import check_calibration

    fake.version = generator.VERSION
    entries = _calibrate(fake)
    cal.write(HW, entries, fake.root)
    monkeypatch.setenv("COURSE_HOMEWORK_ROOT", str(fake.root))
    check_calibration(HW)
    raw = json.loads((fake.root / HW / "grading.json").read_text())
    raw["tiers"]["simple"] += 0.5
    (fake.root / HW / "grading.json").write_text(json.dumps(raw))
    with pytest.raises(AssertionError):
        check_calibration(HW)


def test_a_composite_metric_is_calibrated_component_by_component():
    """HW6's FID + AFD: each component's thresholds are what its own scalar rule gives; a rung
    that reaches the next tier on every component fails the ladder check."""
    config = replace(_config("mse", False), metric="fid_afd",
                     higher_is_better={"fid": False, "afd": True},
                     tiers={t: {"fid": 1.0, "afd": 0.5} for t in TIERS})
    level = {"simple": 0, "medium": 1, "strong": 2, "boss": 3}
    scores = {}
    for tier, k in level.items():
        fids = [100 - 20 * k + i for i in range(20)]
        afds = [0.2 + 0.2 * k + 0.001 * i for i in range(20)]
        scores[tier] = {i: {"data_seed": 2022, "public": {"fid": fids[2 * i], "afd": afds[2 * i]},
                            "private": {"fid": fids[2 * i + 1], "afd": afds[2 * i + 1]},
                            "se_public": {"fid": 2.0, "afd": 0.01},
                            "se_private": {"fid": 2.0, "afd": 0.01}} for i in range(10)}
    margins = {t: tier_margin(config, scores[t]) for t in TIERS}
    assert margins["boss"] == {"fid": 2.0, "afd": 0.01}
    tiers, lowered = final_tiers(config, scores, margins)
    fid_q = float(np.quantile([40 + i for i in range(20)], 0.9))
    assert tiers["boss"] == pytest.approx({"fid": fid_q + 2.0, "afd": 0.8 + 0.0019 - 0.01},
                                          abs=1e-5)
    assert lowered is None and check_ladder(config, scores, tiers) == []
    held = check_held_out(config, scores["simple"][0], {"public": {"fid": 30, "afd": 0.95},
                                                        "private": {"fid": 30, "afd": 0.1}},
                          tiers)
    assert held == ["held-out reference private fid 30, afd 0.1 is below simple; it must be "
                    "strong or boss"]
    weak = {"public": {"fid": 150.0, "afd": 0.1}, "private": {"fid": 140.0, "afd": 0.15}}
    lowered_tiers, lowered = final_tiers(config, scores, margins, weak)
    assert lowered_tiers["simple"] == {"fid": 150.0, "afd": 0.1}  # the official sample is simple
    assert set(lowered) == {"fid", "afd"} and lowered_tiers["boss"] == tiers["boss"]
    strong = {"public": tiers["strong"], "private": tiers["strong"]}
    assert any("official sample scores" in p for p in check_ladder(config, scores, tiers,
                                                                   sample=strong))
    scores["medium"] = scores["strong"]  # medium's runs now reach strong on both components
    assert any("medium rung's 90th percentiles on its good side" in p
               for p in check_ladder(config, scores, final_tiers(config, scores, {
                   t: tier_margin(config, scores[t]) for t in TIERS})[0]))
