"""HW7 grading: ``result.csv`` (``ID,Answer``, text values) read with a reason for every fault,
and scored by exact match through ``score_artifact`` and the real grader
(``course-grade --artifacts``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from grader_corpus.corpus import result, sheet
from homework_e2e import generate

from course_utils.grading import ArtifactError, cli, load_config, score_artifact
from course_utils.grading.artifact import read_answers, read_predictions
from course_utils.grading.scoring import split

HW = "hw07"
CONFIG = load_config(HW)
SPEC = CONFIG.artifact


@pytest.fixture(scope="module")
def key(tmp_path_factory) -> Path:
    return generate(HW, tmp_path_factory)[1]


@pytest.fixture(scope="module")
def answers(key) -> dict[str, str]:
    return read_answers(key / CONFIG.answer_file, SPEC)


def _write(path: Path, rows: list[tuple[str, str]], header: str = "ID,Answer") -> Path:
    """A result.csv as the sample writes it: no quoting, commas taken out of the answers."""
    lines = [header] + [f"{i},{a.replace(',', '')}" for i, a in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_key_is_the_sample_layout_with_an_answer_for_every_test_question(answers):
    assert list(answers) == [str(i) for i in range(500)]
    assert all(isinstance(a, str) and a and "," not in a for a in answers.values())


def test_the_samples_result_csv_is_read_as_text(tmp_path, answers):
    rows = [(i, "") if i == "3" else (i, "nan") if i == "4" else (i, a)
            for i, a in answers.items()]
    got = read_predictions(_write(tmp_path / SPEC.file, rows), SPEC, answers)
    assert got["0"] == answers["0"] and got["3"] == "" and got["4"] == "nan"


BAD = {
    "a wrong header": (lambda a: ("Id,answer", list(a.items())),
                       "result.csv header is 'Id,answer'; it must be exactly 'ID,Answer'."),
    "a duplicate id": (lambda a: ("ID,Answer", list(a.items()) + [("7", "x")]),
                       "result.csv: duplicate ids: 7."),
    "missing ids": (lambda a: ("ID,Answer", list(a.items())[:-2]),
                    "result.csv: missing ids: 498, 499."),
    "an unknown id": (lambda a: ("ID,Answer", list(a.items()) + [("500", "x")]),
                      "result.csv: unknown ids: 500."),
    "no answers": (lambda a: ("ID,Answer", []),
                   "result.csv: missing ids: 0, 1, 10, 100, 101 … (500 in all)."),
}


@pytest.mark.parametrize("case", BAD)
def test_a_faulty_result_csv_is_refused_with_its_reason(tmp_path, answers, case):
    header, rows = BAD[case][0](answers)
    with pytest.raises(ArtifactError) as err:
        read_predictions(_write(tmp_path / SPEC.file, rows, header), SPEC, answers)
    assert str(err.value) == BAD[case][1]


def test_a_row_with_a_comma_left_in_is_refused(tmp_path, answers):
    path = _write(tmp_path / SPEC.file, list(answers.items()))
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[5] = "4,1,828年"  # the sample removes commas from answers; here one was left in
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ArtifactError, match="result.csv line 6 has 3 fields, not 2"):
        read_predictions(path, SPEC, answers)


def test_exact_match_is_exact_and_empty_answers_count_as_wrong(tmp_path, key, answers):
    public, private = split(CONFIG, list(answers))
    perfect = score_artifact(CONFIG, _write(tmp_path / "a.csv", list(answers.items())), key)
    assert (perfect.public, perfect.private) == (1.0, 1.0)
    assert (perfect.public_tier, perfect.private_tier) == ("boss", "boss")
    # the public half right; every private answer off by a trailing space, an [UNK] or the
    # spaces of tokenizer.decode
    off = {i: (a if i in public else f"{a} " if int(i) % 3 == 0 else
               "[UNK]" + a[1:] if int(i) % 3 == 1 else " ".join(a))
           for i, a in answers.items()}
    assert all(off[i] != answers[i] for i in private)
    half = score_artifact(CONFIG, _write(tmp_path / "b.csv", list(off.items())), key)
    assert (half.public, half.private) == (1.0, 0.0)
    empty = score_artifact(CONFIG, _write(tmp_path / "c.csv", [(i, "") for i in answers]), key)
    assert (empty.public, empty.private) == (0.0, 0.0)


def test_the_grader_scores_result_files_and_gives_reasons(tmp_path, key, answers, monkeypatch):
    monkeypatch.delenv("COURSE_HOMEWORK_ROOT", raising=False)
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    _write(subs / "perfect.csv", list(answers.items()))
    _write(subs / "empty.csv", [(i, "") for i in answers])
    _write(subs / "header.csv", list(answers.items()), header="id,Answer")
    _write(subs / "short.csv", list(answers.items())[:100])
    (subs / "binary.csv").write_bytes(b"PK\x03\x04" + bytes(100))
    args = [HW, str(subs), "--answer-key", str(key), "--out", str(out), "--artifacts"]
    assert cli.main(args) == 0
    rows = sheet(out)
    assert {k: (v["status"], v["public_tier"]) for k, v in rows.items()} == {
        "perfect": ("ok", "boss"), "empty": ("ok", rows["empty"]["public_tier"]),
        "header": ("invalid-artifact", "not graded"), "short": ("invalid-artifact", "not graded"),
        "binary": ("invalid-artifact", "not graded")}
    assert float(rows["perfect"]["public_exact_match"]) == 1.0
    assert float(rows["empty"]["private_exact_match"]) == 0.0
    assert "must be exactly 'ID,Answer'" in result(out, "header")["reason"]
    assert "missing ids" in result(out, "short")["reason"]
    assert "binary file, not a CSV" in result(out, "binary")["reason"]
