"""Report questions: parsed as data, checked by trusted functions, bad values score 0 with a
reason."""

from __future__ import annotations

import json

import pytest

from course_utils.grading import load_config
from course_utils.grading.questions import (
    ReportError,
    check_report,
    close,
    curves_check,
    parse_report,
    unknown_questions,
)
from course_utils.grading.questions_hw01 import informative_columns


def test_report_is_parsed_as_json_only():
    assert parse_report(b'{"a": [1, 2]}') == {"a": [1, 2]}
    for raw in (b"\x80\x04K\x01.", b"[1, 2]", b"{'a': 1}"):
        with pytest.raises(ReportError):
            parse_report(raw)


def test_hw01_selected_features_scores_precision_and_recall(tmp_path):
    truth = sorted(informative_columns())
    assert len(truth) == 24 and "tested_positive.3" in truth and "tested_positive.4" not in truth
    perfect = check_report("hw01", ["selected_features"], {"selected_features": truth}, tmp_path)
    assert perfect[0].points == 1.0 and "precision 1.00, recall 1.00" in perfect[0].detail
    half = check_report("hw01", ["selected_features"],
                        {"selected_features": truth[:12]}, tmp_path)[0]
    assert half.points == pytest.approx(2 * 1.0 * 0.5 / 1.5, abs=1e-4)
    with_id = check_report("hw01", ["selected_features"],
                           {"selected_features": ["id", *truth]}, tmp_path)[0]
    assert with_id.points < 1.0 and "row number" in with_id.detail


@pytest.mark.parametrize("report, reason", [
    ({}, "has no 'selected_features'"),
    ({"selected_features": "cli"}, "wrong type"),
    ({"selected_features": [1, 2]}, "list of column names"),
])
def test_bad_report_values_score_zero_with_a_reason(tmp_path, report, reason):
    answer = check_report("hw01", ["selected_features"], report, tmp_path)[0]
    assert answer.points == 0.0 and reason in answer.detail


def test_curves_must_be_finite_and_decreasing():
    assert curves_check({"train_loss": [3.0, 1.0], "valid_loss": [2.0]})[0] == 1.0
    assert curves_check({"train_loss": [1.0, 3.0], "valid_loss": [2.0]})[0] == 0.0
    with pytest.raises(ReportError, match="NaN"):
        curves_check(json.loads('{"train_loss": [3.0, NaN], "valid_loss": [2.0]}'))
    with pytest.raises(ReportError, match="at least 2 numbers"):
        curves_check({"train_loss": [1.0], "valid_loss": [2.0]})


def test_close_compares_nested_numbers_by_shape():
    assert close([[1.0, 2.0]], [[1.0, 2.00001]])
    assert not close([1.0, 2.0], [[1.0, 2.0]]) and not close(["a"], [1.0])


def test_grading_configs_name_only_registered_questions():
    assert load_config("hw01").questions == ("selected_features", "loss_curves")
    assert unknown_questions("hw01", ["selected_features", "essay"]) == ["essay"]


def test_hw03_probes_accept_the_formulas_and_reject_the_rest(tmp_path):
    from course_utils.grading.questions_hw03 import HINTS, expected_outputs

    expected = expected_outputs()
    report = {"probes": {k: {"output": v} for k, v in expected.items()}}
    assert all(a.points == 1.0 for a in check_report("hw03", list(HINTS), report, tmp_path))
    wrong = {"mixup": [expected["mixup"][0], expected["mixup"][0]],  # labels not mixed
             "soft_cross_entropy": expected["soft_cross_entropy"] / 4,  # summed, not averaged
             "ensemble_vote": [2, 2, 5, 7, 4, 8]}  # tie sent to the highest class
    report["probes"].update({k: {"output": v} for k, v in wrong.items()})
    report["probes"]["tta_aggregate"] = {"error": "NotImplementedError: TODO"}
    points = {a.name: a.points for a in check_report("hw03", list(HINTS), report, tmp_path)}
    assert points == {"mixup": 0.0, "soft_cross_entropy": 0.0, "tta_aggregate": 0.0,
                      "ensemble_logits": 1.0, "ensemble_vote": 0.0}


def test_hw04_probes_follow_the_formulas(tmp_path):
    import numpy as np

    from course_utils.grading.questions_hw04 import probe_inputs

    x, w, cosine = probe_inputs()
    alpha = np.exp(x @ w - (x @ w).max())
    pooled = ((alpha / alpha.sum()) @ x).tolist()
    names = ["self_attention_pooling", "am_softmax_loss"]
    ok = check_report("hw04", names, {"probes": {
        "self_attention_pooling": pooled, "am_softmax_loss": 0.0}}, tmp_path)
    assert [a.points for a in ok] == [1.0, 0.0]  # a loss of 0 is not the AM-softmax loss
    mean_pool = x.mean(axis=0).tolist()
    missing = check_report("hw04", names, {"probes": {
        "self_attention_pooling": mean_pool, "am_softmax_loss": None,
        "am_softmax_loss_error": "NotImplementedError('not written yet')"}}, tmp_path)
    assert [a.points for a in missing] == [0.0, 0.0] and "not written yet" in missing[1].detail
