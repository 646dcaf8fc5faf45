import json
import pickle

import numpy as np
import pytest

from course_utils.grading import (
    ArtifactError,
    ArtifactSpec,
    GradingConfig,
    is_public,
    load_config,
    read_predictions,
    score_artifact,
)

SPEC = ArtifactSpec("pred.csv", ("id", "tested_positive"), max_bytes=10_000)
IDS = [str(i) for i in range(10)]


def _csv(tmp_path, text, name="pred.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def _rows(values):
    return "id,tested_positive\n" + "".join(f"{i},{v}\n" for i, v in values)


def test_reads_a_valid_submission(tmp_path):
    path = _csv(tmp_path, _rows((i, i * 0.5) for i in range(10)))
    assert read_predictions(path, SPEC, IDS)["4"] == 2.0


@pytest.mark.parametrize("text, reason", [
    ("id,prediction\n0,1\n", "header is 'id,prediction'; it must be exactly 'id,tested_positive'"),
    (_rows((i, 1) for i in range(9)), "missing ids: 9"),
    (_rows((i, 1) for i in range(11)), "unknown ids: 10"),
    (_rows([(0, 1), (0, 2), *((i, 1) for i in range(1, 10))]), "duplicate ids: 0"),
    (_rows((i, "nan" if i == 3 else 1) for i in range(10)), "NaN or infinite predictions for id"),
    (_rows((i, "inf") for i in range(10)), "NaN or infinite"),
    (_rows((i, "high") for i in range(10)), "'high' is not a number"),
    ("", "is empty"),
])
def test_bad_submissions_get_one_clear_reason(tmp_path, text, reason):
    with pytest.raises(ArtifactError, match=reason.replace("(", r"\(")):
        read_predictions(_csv(tmp_path, text), SPEC, IDS)


def test_pickle_posing_as_csv_is_never_loaded(tmp_path):
    class Boom:
        def __reduce__(self):
            return (exec, ("raise SystemExit('unpickled!')",))

    path = tmp_path / "pred.csv"
    path.write_bytes(pickle.dumps(Boom()))
    with pytest.raises(ArtifactError, match="binary file"):
        read_predictions(path, SPEC, IDS)


def test_size_cap_and_missing_file(tmp_path):
    with pytest.raises(ArtifactError, match="No pred.csv was written"):
        read_predictions(tmp_path / "pred.csv", SPEC, IDS)
    big = _csv(tmp_path, "id,tested_positive\n" + "0,1\n" * 5000)
    with pytest.raises(ArtifactError, match="the limit is 10,000"):
        read_predictions(big, SPEC, IDS)


def test_public_split_is_deterministic_and_balanced():
    ids = [str(i) for i in range(2000)]
    public = [is_public(i, 0.5, "hw01") for i in ids]
    assert public == [is_public(i, 0.5, "hw01") for i in ids]
    assert 0.45 < sum(public) / len(ids) < 0.55
    assert public != [is_public(i, 0.5, "hw02") for i in ids]


def _config(**tiers):
    return GradingConfig(hw="hw01", metric="mse", higher_is_better=False, artifact=SPEC,
                         answer_file="answers.csv", public_fraction=0.5,
                         tiers=tiers or {"simple": 2.0, "medium": 1.0, "strong": 0.5, "boss": 0.2})


def test_tiers_follow_the_metric_direction():
    config = _config()
    assert config.tier(3.0) == "below simple"
    assert config.tier(2.0) == "simple"
    assert config.tier(0.7) == "medium"
    assert config.tier(0.1) == "boss"


def test_points_follow_the_course_scheme():
    """One point per tier reached on each half (HW4: half a point); nothing for no tier."""
    assert _config().points("boss", "medium") == 6
    assert _config().points("below simple", None) == 0
    assert load_config("hw04").points("boss", "boss") == 4
    assert load_config("hw01").points("simple", "strong") == 4


def test_score_artifact_on_both_splits(tmp_path):
    (tmp_path / "key").mkdir()
    _csv(tmp_path / "key", _rows((i, float(i)) for i in range(10)), "answers.csv")
    perfect = _csv(tmp_path, _rows((i, float(i)) for i in range(10)))
    score = score_artifact(_config(), perfect, tmp_path / "key")
    assert (score.public, score.private, score.public_tier) == (0.0, 0.0, "boss")
    off = _csv(tmp_path, _rows((i, i + 1.0) for i in range(10)), "off.csv")
    score = score_artifact(_config(), off, tmp_path / "key")
    assert score.public == score.private == 1.0 and score.private_tier == "medium"


def test_load_config_rejects_unordered_tiers(tmp_path):
    raw = {"hw": "hw01", "metric": "mse", "higher_is_better": False,
           "artifact": {"file": "pred.csv", "columns": ["id", "tested_positive"]},
           "answer_file": "a.csv", "public_fraction": 0.5,
           "tiers": {"simple": 1.0, "medium": 2.0, "strong": 0.5, "boss": 0.2}}
    (tmp_path / "hw01").mkdir()
    (tmp_path / "hw01" / "grading.json").write_text(json.dumps(raw))
    with pytest.raises(ValueError, match="strictly ordered"):
        load_config("hw01", tmp_path)
    raw["tiers"].update(simple=2.0, medium=1.5)
    (tmp_path / "hw01" / "grading.json").write_text(json.dumps(raw))
    assert load_config("hw01", tmp_path).tier(1.2) == "medium"


# ---- label and line artifacts (HW2-HW5) ----------------------------------------------------

LABELS = ArtifactSpec("prediction.csv", ("Id", "Class"), values="label")
LINES = ArtifactSpec("prediction.txt", format="lines", values="text")


def test_label_artifacts_keep_ids_and_labels_as_strings(tmp_path):
    path = _csv(tmp_path, "Id,Class\n0001,id10001\n0002, 7 \n", "prediction.csv")
    assert read_predictions(path, LABELS, ["0001", "0002"]) == {"0001": "id10001", "0002": "7"}
    empty = _csv(tmp_path, "Id,Class\n0001,\n0002,3\n", "prediction.csv")
    with pytest.raises(ArtifactError, match="empty labels for ids: 0001"):
        read_predictions(empty, LABELS, ["0001", "0002"])


def test_line_artifacts_need_one_line_per_item(tmp_path):
    path = _csv(tmp_path, "我 喜歡 貓\n\n他 不 在\n", "prediction.txt")
    assert read_predictions(path, LINES, range(3)) == {"0": "我 喜歡 貓", "1": "", "2": "他 不 在"}
    with pytest.raises(ArtifactError, match="has 3 lines; it needs exactly one per test item, 4"):
        read_predictions(path, LINES, range(4))


def test_answer_keys_are_read_in_the_artifacts_layout(tmp_path):
    from course_utils.grading import read_answers

    (tmp_path / "key.csv").write_text("Id,Class\n0001,3\n0002,5\n")
    assert read_answers(tmp_path / "key.csv", LABELS) == {"0001": "3", "0002": "5"}
    (tmp_path / "key.txt").write_text("我喜歡貓。\n他不在。\n", encoding="utf-8")
    assert read_answers(tmp_path / "key.txt", LINES) == {"0": "我喜歡貓。", "1": "他不在。"}
    assert read_answers(tmp_path / "key.csv", SPEC) == {"0001": 3.0, "0002": 5.0}


def test_accuracy_and_bleu_metrics():
    import sacrebleu

    from course_utils.grading import METRICS

    assert METRICS["accuracy"](["1", "2", "3", "4"], ["1", "2", "0", "4"]) == 0.75
    hyps, refs = ["我 喜歡 貓。", "他不在家"], ["我喜歡貓。", "他不在學校。"]
    expected = sacrebleu.corpus_bleu(hyps, [refs], tokenize="zh").score
    assert METRICS["bleu"](hyps, refs) == pytest.approx(expected)
    assert 0 < expected < 100 and METRICS["bleu"](refs, refs) == pytest.approx(100)


def test_exact_match_and_roc_auc_metrics():
    from sklearn.metrics import roc_auc_score

    from course_utils.grading import METRICS

    assert METRICS["exact_match"](["臺北", "1999年", "李"], ["臺北", "1999", "李"]) == 2 / 3
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 200)
    scores = np.round(labels + rng.normal(0, 1, 200), 1)  # rounded: many ties
    assert METRICS["roc_auc"](scores, labels) == pytest.approx(roc_auc_score(labels, scores))
    assert METRICS["roc_auc"]([0.1, 0.9], [0, 1]) == 1.0
    with pytest.raises(ValueError, match="both normal and anomalous"):
        METRICS["roc_auc"]([0.1, 0.9], [1, 1])


def test_artifact_spec_rejects_unknown_layouts():
    with pytest.raises(ValueError, match="format must be one of"):
        ArtifactSpec("p.csv", ("Id", "Class"), format="xlsx")
    with pytest.raises(ValueError, match="needs two columns"):
        ArtifactSpec("p.csv", ("Id",))
