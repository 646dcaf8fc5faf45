"""Report questions: parsed as data, checked by trusted functions, bad values score 0 with a
reason."""

from __future__ import annotations

import pytest

from course_utils.grading import load_config
from course_utils.grading.questions import (
    ReportError,
    check_report,
    close,
    parse_report,
    unknown_questions,
)


def test_report_is_parsed_as_json_only():
    assert parse_report(b'{"a": [1, 2]}') == {"a": [1, 2]}
    for raw in (b"\x80\x04K\x01.", b"[1, 2]", b"{'a': 1}"):
        with pytest.raises(ReportError):
            parse_report(raw)


def test_close_compares_nested_numbers_by_shape():
    assert close([[1.0, 2.0]], [[1.0, 2.00001]])
    assert not close([1.0, 2.0], [[1.0, 2.0]]) and not close(["a"], [1.0])


def test_grading_configs_name_only_registered_questions():
    assert load_config("hw01").questions == ("selected_features",)
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
