"""The real HW1 reference solution and student template through ``course-grade``, end to end,
in the issue's form: no --data, so the grader makes the data and checks it against the key.

The key is made with ``--seed 2022``, the generator's own seed (one of the calibration's data
seeds; the held-out seeds are tested in test_hw01.py). The secret path is tested in
test_grader.py."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from grader_corpus.corpus import sheet

from course_utils.authoring import template_paths

pytestmark = pytest.mark.slow


def test_reference_reaches_boss_and_template_scores_simple(tmp_path):
    reference, template = template_paths("hw01")
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(reference, subs / "reference.ipynb")
    shutil.copy(template, subs / "template.ipynb")
    subprocess.run([sys.executable, "-m", "course_utils.data", "generate", "hw01",
                    tmp_path / "data", "--answers", tmp_path / "key", "--seed", "2022"],
                   check=True)
    done = subprocess.run(
        [sys.executable, "-m", "course_utils.grading", "hw01", subs, "--answer-key",
         tmp_path / "key", "--out", tmp_path / "out", "--jobs", "2"],
        capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "was not made from a class secret" in done.stderr
    rows = sheet(tmp_path / "out")
    ref, tpl = rows["reference"], rows["template"]
    assert ref["status"] == "ok", ref["reason"]
    assert (ref["public_tier"], ref["private_tier"]) == ("boss", "boss"), ref
    assert tpl["status"] == "ok", tpl["reason"]
    assert (tpl["public_tier"], tpl["private_tier"]) == ("simple", "simple"), tpl
    # the report question, scored from report.json outside the sandbox: earned by the
    # reference's selection, 0 for the template's 117 columns
    assert float(ref["report_selected_features"]) > 0.5
    assert float(tpl["report_selected_features"]) == 0
