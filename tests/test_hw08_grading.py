"""HW8 grading: prediction.csv (``ID,score``) read with a reason for every fault, ROC AUC on
both halves, through ``score_artifact`` and the real grader (``course-grade --artifacts``)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import course_datasets.hw08_anomaly as generator
import pytest
from grader_corpus.corpus import result, sheet

from course_utils.data.hw08 import ANSWER_FILE
from course_utils.grading import ArtifactError, cli, load_config, score_artifact
from course_utils.grading.artifact import read_predictions

CONFIG = load_config("hw08")
SPEC = CONFIG.artifact
N_TEST = 200


@pytest.fixture(scope="module")
def key(tmp_path_factory) -> Path:
    """A small answer key from the generator (labels 1 = anomaly, about half)."""
    root = tmp_path_factory.mktemp("hw08-key")
    generator.generate(root / "data", root / "key", n_train=10, n_test=N_TEST, size=16)
    return root / "key"


def _labels(key: Path) -> dict[str, int]:
    with (key / ANSWER_FILE).open() as f:
        return {row["ID"]: int(row["label"]) for row in csv.DictReader(f)}


def _csv(rows, header: str = "ID,score") -> str:
    return header + "\n" + "".join(f"{i},{s}\n" for i, s in rows)


def _ranked(key: Path, flip: bool = False) -> str:
    """Scores that rank every anomaly above every normal image (or below, with ``flip``)."""
    return _csv((i, (1 - label if flip else label) + int(i) / 10_000)
                for i, label in _labels(key).items())


def test_grading_config_is_the_official_task():
    assert (CONFIG.metric, CONFIG.higher_is_better) == ("roc_auc", True)
    assert (SPEC.file, SPEC.columns, SPEC.values) == ("prediction.csv", ("ID", "score"), "number")
    assert CONFIG.questions == ("anomaly_score", "probe_auc")
    assert CONFIG.grading_parameters == {"PROFILE": "cpu", "FAST_DEV_RUN": False}
    raw = json.loads((Path(__file__).parents[1] / "homework/hw08/grading.json").read_text())
    assert raw["official_thresholds"]["2022"] == {
        "simple": 0.5297, "medium": 0.72895, "strong": 0.77196, "boss": 0.79506}


def test_the_ranking_decides_the_score(tmp_path, key):
    path = tmp_path / SPEC.file
    path.write_text(_ranked(key))
    score = score_artifact(CONFIG, path, key)
    assert (score.public, score.private) == (1.0, 1.0)
    assert (score.public_tier, score.private_tier) == ("boss", "boss")
    path.write_text(_ranked(key, flip=True))
    score = score_artifact(CONFIG, path, key)
    assert (score.public, score.private) == (0.0, 0.0)
    assert score.public_tier == "below simple"
    path.write_text(_csv((i, 0.5) for i in _labels(key)))  # one constant: ties count one half
    assert score_artifact(CONFIG, path, key).public == 0.5


def _with(text: str, item: str, value: str) -> str:
    """``text`` with the row of id ``item`` holding ``value`` instead of its score."""
    return re.sub(rf"^{item},.*$", f"{item},{value}", text, count=1, flags=re.M)


@pytest.mark.parametrize(("change", "reason"), [
    (lambda t: t.replace("ID,score", "Id,Score", 1),
     "prediction.csv header is 'Id,Score'; it must be exactly 'ID,score'"),
    (lambda t: t.replace("ID,score", "ID,label", 1), "it must be exactly 'ID,score'"),
    (lambda t: t + "0,0.5\n", "duplicate ids: 0"),
    (lambda t: t.replace("\n7,", "\n7000,", 1), "missing ids: 7; unknown ids: 7000"),
    (lambda t: "\n".join(t.splitlines()[:-10]) + "\n", f"missing ids: {N_TEST - 10}"),
    (lambda t: t + f"{N_TEST},0.5\n", f"unknown ids: {N_TEST}"),
    (lambda t: _with(t, "3", "nan"), "NaN or infinite predictions for ids: 3"),
    (lambda t: _with(t, "4", "high"), "prediction.csv line 6: score: 'high' is not a number"),
    (lambda t: _with(t, "5", ""), "line 7: score: '' is not a number"),
    (lambda t: _with(t, "2", "1,2"), "line 4 has 3 fields, not 2"),
    (lambda t: "", "prediction.csv is empty"),
])
def test_bad_predictions_get_one_clear_reason(tmp_path, key, change, reason):
    path = tmp_path / SPEC.file
    path.write_text(change(_ranked(key)))
    with pytest.raises(ArtifactError) as err:
        read_predictions(path, SPEC, _labels(key))
    assert reason in str(err.value), str(err.value)


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "NaN", "1e999"])
def test_non_finite_scores_are_refused(tmp_path, key, bad):
    path = tmp_path / SPEC.file
    path.write_text(_with(_ranked(key), "6", bad))
    with pytest.raises(ArtifactError, match="NaN or infinite predictions for ids: 6"):
        score_artifact(CONFIG, path, key)


def test_the_grader_scores_predictions_and_gives_reasons(tmp_path, key, monkeypatch):
    monkeypatch.delenv("COURSE_HOMEWORK_ROOT", raising=False)
    subs, out = tmp_path / "subs", tmp_path / "out"
    (subs / "folder").mkdir(parents=True)
    (subs / "good.csv").write_text(_ranked(key))
    (subs / "folder" / SPEC.file).write_text(_ranked(key))
    (subs / "reversed.csv").write_text(_ranked(key, flip=True))
    (subs / "nan.csv").write_text(_csv((i, "nan") for i in _labels(key)))
    (subs / "header.csv").write_text(_ranked(key).replace("ID,score", "id,score", 1))
    args = ["hw08", str(subs), "--answer-key", str(key), "--out", str(out), "--artifacts"]
    assert cli.main(args) == 0
    rows = sheet(out)
    assert {k: (v["status"], v["public_tier"]) for k, v in rows.items()} == {
        "good": ("ok", "boss"), "folder": ("ok", "boss"), "reversed": ("ok", "below simple"),
        "nan": ("invalid-artifact", "not graded"), "header": ("invalid-artifact", "not graded")}
    assert float(rows["good"]["public_roc_auc"]) == 1.0
    assert "NaN or infinite predictions" in result(out, "nan")["reason"]
    assert "must be exactly 'ID,score'" in result(out, "header")["reason"]
