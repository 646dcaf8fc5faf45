"""HW4: the mini speaker set in the official layout, the notebooks, the tiers, end to end."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import course_datasets.hw04_speaker as generator
import numpy as np
import pytest
import torch
from homework_e2e import (
    check_calibration,
    check_generator_matches_registry,
    check_parameters_cell,
    check_roles,
    check_template_is_built,
    generate,
    grade_with_cli,
    kernel_cpu_seconds,
    notebooks,
    report_questions,
    run_graded,
    run_held_out,
)

from course_utils.data import resolve
from course_utils.data.hw04 import SchemaError, check_speaker_data, load_mel, read_speaker_data

HW = "hw04"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> tuple[Path, Path]:
    """(data_dir, key_dir) of the mini set, generated once for this module."""
    return generate(HW, tmp_path_factory)


def _json(files, name: str) -> dict:
    return json.loads((files[0] / "Dataset" / name).read_text())


# ---- the generator and the official layout ---------------------------------------------------

def test_generator_is_deterministic_and_matches_the_registry(files, tmp_path):
    check_generator_matches_registry(HW, files[0], tmp_path)


def test_files_have_the_official_layout(files):
    folder = files[0] / "Dataset"
    metadata, mapping, testdata = (_json(files, n) for n in
                                   ("metadata.json", "mapping.json", "testdata.json"))
    assert metadata["n_mels"] == testdata["n_mels"] == 40
    speakers = metadata["speakers"]
    assert len(speakers) == generator.N_SPEAKERS
    assert all(re.fullmatch(r"id1\d{4}", s) for s in speakers)
    assert all(len(u) == generator.TRAIN_UTTERANCES for u in speakers.values())
    assert len(testdata["utterances"]) == generator.N_SPEAKERS * generator.TEST_UTTERANCES
    assert mapping["speaker2id"] == {s: i for i, s in enumerate(sorted(speakers))}
    assert mapping["id2speaker"] == {str(i): s for s, i in mapping["speaker2id"].items()}
    entries = [u for us in speakers.values() for u in us] + testdata["utterances"]
    names = [e["feature_path"] for e in entries]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"uttr-[0-9a-f]{32}\.pt", n) for n in names)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        names + ["mapping.json", "metadata.json", "testdata.json"])
    for entry in entries[::40]:
        mel = torch.load(folder / entry["feature_path"], weights_only=True)
        assert mel.dtype == torch.float32 and tuple(mel.shape) == (entry["mel_len"], 40)
        assert torch.isfinite(mel).all()
    lengths = [e["mel_len"] for e in entries]
    assert generator.LENGTHS[0] <= min(lengths) and max(lengths) <= generator.LENGTHS[1]


def test_the_official_validation_split_holds_several_full_batches(files):
    """The sample validates on the last 10 % of a random_split, batch 32 with drop_last=True:
    the validation accuracy that picks its checkpoint must rest on more than one batch."""
    n = sum(len(u) for u in _json(files, "metadata.json")["speakers"].values())
    n_valid = n - int(0.9 * n)  # the sample's trainlen = int(0.9 * len(dataset))
    assert n_valid // 32 >= 6, f"{n_valid} validation utterances: {n_valid // 32} full batches"


def test_answers_go_only_to_the_answer_folder(files):
    data, key = files
    assert [p.name for p in data.iterdir()] == ["Dataset"]
    lines = (key / "output.answers.csv").read_text().splitlines()
    assert lines[0] == "Id,Category"
    rows = [line.split(",") for line in lines[1:]]
    testdata = _json(files, "testdata.json")["utterances"]
    assert [r[0] for r in rows] == [u["feature_path"] for u in testdata]
    assert all(set(u) == {"feature_path", "mel_len"} for u in testdata)
    speakers = _json(files, "mapping.json")["speaker2id"]
    counts = {s: 0 for s in speakers}
    for _, speaker in rows:
        counts[speaker] += 1
    assert set(counts.values()) == {generator.TEST_UTTERANCES}


def test_loader_reads_the_mini_files_like_the_official_code(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    data_dir = resolve(HW) / "Dataset"
    metadata, mapping, testdata = read_speaker_data(data_dir)
    # the official myDataset: mapping → speaker ids, metadata → (feature_path, id), torch.load
    speaker2id = json.load((Path(data_dir) / "mapping.json").open())["speaker2id"]
    data = [[u["feature_path"], speaker2id[s]] for s in metadata["speakers"]
            for u in metadata["speakers"][s]]
    feat_path, speaker = data[0]
    mel = torch.load(str(Path(data_dir) / feat_path))
    assert mel.shape[1] == 40 and 0 <= speaker < len(mapping["id2speaker"])
    assert torch.equal(mel, load_mel(data_dir, feat_path))
    assert load_mel(data_dir, testdata["utterances"][0]["feature_path"]).shape[1] == 40


def test_schema_check_says_what_is_wrong(files, tmp_path):
    folder = tmp_path / "Dataset"
    shutil.copytree(files[0] / "Dataset", folder)
    check_speaker_data(folder)
    mapping = json.loads((folder / "mapping.json").read_text())
    mapping["id2speaker"] = {str(i + 1): s for i, s in enumerate(mapping["speaker2id"])}
    (folder / "mapping.json").write_text(json.dumps(mapping))
    with pytest.raises(SchemaError, match="inverse of speaker2id"):
        check_speaker_data(folder)
    with pytest.raises(SchemaError, match="missing"):
        check_speaker_data(tmp_path)


# ---- the signal the ladder relies on ------------------------------------------------------

def _speaker_means(files) -> tuple[list[str], np.ndarray]:
    folder = files[0] / "Dataset"
    speakers = _json(files, "metadata.json")["speakers"]
    names = sorted(speakers)
    means = np.stack([np.mean([load_mel(folder, u["feature_path"]).numpy().mean(0)
                               for u in speakers[s]], axis=0) for s in names])
    return names, means


def test_speakers_come_in_families_of_close_neighbours(files):
    names, means = _speaker_means(files)
    family = np.arange(len(names)) // generator.FAMILY_SIZE  # speakers are numbered by family
    distance = np.linalg.norm(means[:, None] - means[None], axis=-1)
    np.fill_diagonal(distance, np.inf)
    nearest_in_family = (family[distance.argmin(1)] == family).mean()
    assert nearest_in_family > 0.8
    within = distance[(family[:, None] == family[None]) & np.isfinite(distance)]
    assert np.median(within) < 0.5 * np.median(distance[np.isfinite(distance)])


def test_the_voice_rhythm_is_in_the_order_of_the_frames(files):
    """Family members differ in their rhythm period: visible in the frame order, gone when
    the frames are shuffled (what a Transformer without positional encoding sees)."""
    _, _, _, periods = generator.speaker_traits()
    family = np.arange(generator.N_SPEAKERS) // generator.FAMILY_SIZE
    for f in np.unique(family):
        assert len(set(periods[family == f])) == (family == f).sum()
    folder = files[0] / "Dataset"
    speakers = _json(files, "metadata.json")["speakers"]
    rng = np.random.RandomState(0)
    hits = shuffled_hits = total = 0
    for s, name in enumerate(sorted(speakers)):
        for u in speakers[name][:3]:
            low = load_mel(folder, u["feature_path"]).numpy() @ generator.rhythm_shape()
            for series, counter in ((low, "ordered"), (rng.permutation(low), "shuffled")):
                spectrum = np.abs(np.fft.rfft(series - series.mean())) ** 2
                freqs = np.fft.rfftfreq(len(series))
                fast = freqs >= 0.1  # periods up to 10 frames; phones change more slowly
                found = 1 / freqs[fast][spectrum[fast].argmax()]
                hit = abs(found - periods[s]) < 0.15 * periods[s]
                if counter == "ordered":
                    hits += hit
                else:
                    shuffled_hits += hit
            total += 1
    assert hits / total > 0.9 and shuffled_hits / total < 0.3


# ---- the notebooks --------------------------------------------------------------------------

def test_template_is_built_from_the_reference():
    check_template_is_built(HW)


def test_parameters_cell_holds_literals_only():
    check_parameters_cell(HW, ("SEGMENT_LEN",))


def test_locked_and_solution_cells_are_marked():
    check_roles(HW, {"conformer", "pooling", "am_softmax", "model", "config", "main"})


def test_template_is_the_official_sample():
    template = notebooks(HW)[1]
    source = "\n".join(c.source for c in template.cells if c.cell_type == "code")
    for official in ("d_model=d_model, dim_feedforward=256, nhead=2", "stats = out.mean(dim=1)",
                     "padding_value=-20", "criterion = nn.CrossEntropyLoss()",
                     "optimizer = AdamW(model.parameters(), lr=1e-3)",
                     "get_cosine_schedule_with_warmup(optimizer, warmup_steps, total_steps)",
                     'results = [["Id", "Category"]]', "Change Transformer to Conformer."):
        assert official in source, official
    assert "transformers" not in source.replace("get_cosine", "")


# ---- report questions ---------------------------------------------------------------------------

def _right_probes() -> dict:
    from course_utils.grading.questions_hw04 import LABELS, MARGIN, SCALE, probe_inputs

    x, w, cosine = probe_inputs()
    pooled = torch.softmax(torch.tensor(x @ w), 0) @ torch.tensor(x)
    loss = torch.nn.functional.cross_entropy(
        SCALE * (torch.tensor(cosine) - MARGIN * torch.eye(7, dtype=torch.float64)[list(LABELS)]),
        torch.tensor(LABELS))
    return {"self_attention_pooling": pooled.tolist(), "am_softmax_loss": float(loss)}


def test_questions_are_the_two_probes_and_the_official_essays_stay_in_the_notebook():
    from course_utils.grading import load_config

    assert load_config(HW).questions == ("self_attention_pooling", "am_softmax_loss")
    reference, template = notebooks(HW)
    for nb in (reference, template):
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        for official in ("1. Make a brief introduction about a variant of Transformer. (2 pts)",
                         "2. Briefly explain why adding convolutional layers to Transformer can "
                         "boost performance. (2 pts)"):
            assert official in text


@pytest.mark.parametrize("name", ["self_attention_pooling", "am_softmax_loss"])
def test_each_question_scores_the_right_answer_and_fails_others_with_a_reason(name, tmp_path):
    from course_utils.grading.questions import check_report
    from course_utils.grading.questions_hw04 import probe_inputs

    right = _right_probes()
    x, _, cosine = probe_inputs()
    ce = float(torch.nn.functional.cross_entropy(10.0 * torch.tensor(cosine),
                                                 torch.tensor([0, 3, 6, 2, 3])))
    wrong = {"self_attention_pooling": x.mean(axis=0).tolist(),  # mean pooling, w ignored
             "am_softmax_loss": ce}                               # scaled CE, no margin
    untouched = {name: None, f"{name}_error": "NotImplementedError('not written yet')"}
    cases = [(right, 1.0, "match"), (wrong, 0.0, "differ"), (untouched, 0.0, "not written yet"),
             ({}, 0.0, "no output")]
    for probes, points, reason in cases:
        (answer,) = check_report(HW, [name], {"probes": probes}, tmp_path)
        assert answer.points == points and reason in answer.detail, (probes, answer)


# ---- grading.json and calibration -----------------------------------------------------------

def test_tiers_are_monotone_and_calibrated_on_the_current_generator():
    check_calibration(HW)


# ---- end to end: papermill in the grading profile -------------------------------------------

@pytest.mark.slow
def test_reference_reaches_strong_on_held_out_seeds(tmp_path_factory, tmp_path, run_env):
    """Held-out generator seed and training seed: the reference is strong or boss on both
    halves within its budget, and earns both auto-graded report questions."""
    _, work = run_held_out(HW, "reference", tmp_path_factory, tmp_path)
    assert report_questions(HW, work, tmp_path) == {
        "self_attention_pooling": 1.0, "am_softmax_loss": 1.0}


@pytest.mark.slow
def test_template_scores_simple_on_held_out_seeds(tmp_path_factory, tmp_path, run_env):
    """Held-out seeds: the untouched template is simple (not below, not medium) on both halves,
    and every report question scores 0 for it."""
    _, work = run_held_out(HW, "template", tmp_path_factory, tmp_path)
    probes = json.loads((work / "report.json").read_text())["probes"]
    assert "not written yet" in probes["am_softmax_loss_error"]
    assert report_questions(HW, work, tmp_path) == {
        "self_attention_pooling": 0.0, "am_softmax_loss": 0.0}


@pytest.mark.slow
@pytest.mark.parametrize("which", ["reference", "template"])
def test_fast_dev_run_is_a_seconds_long_smoke_run(files, tmp_path, run_env, which):
    cpu_before = kernel_cpu_seconds()
    score, seconds, work = run_graded(HW, which, *files, tmp_path, FAST_DEV_RUN=True)
    cpu = kernel_cpu_seconds() - cpu_before  # wall time depends on the machine's load
    assert cpu < 40, f"{cpu:.0f} s of CPU ({seconds:.0f} s wall)"
    report = json.loads((work / "report.json").read_text())
    assert report["train_loss"][-1] < report["train_loss"][0]  # it learns, a little
    assert score.public > 2 / generator.N_SPEAKERS or score.private > 2 / generator.N_SPEAKERS


@pytest.mark.slow
def test_course_grade_runs_both_in_the_sandbox(tmp_path, files):
    """The grader, end to end: bwrap sandbox, grading profile, scoring, report questions."""
    rows = grade_with_cli("hw04", *files, tmp_path)
    ref, tpl = rows["reference"], rows["template"]
    assert (ref["status"], ref["public_tier"], ref["private_tier"]) == ("ok", "boss", "boss"), ref
    assert (tpl["status"], tpl["private_tier"]) == ("ok", "simple"), tpl
    assert ref["report_am_softmax_loss"] == "1.0", ref
    assert tpl["report_am_softmax_loss"] == "0.0", tpl
