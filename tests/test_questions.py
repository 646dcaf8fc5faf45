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
