"""HW2: the mini libriphone data in the official layout, the notebooks, the tiers, end to end."""

from __future__ import annotations

import json
import os
import random

import course_datasets.hw02_libriphone as generator
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
    notebooks,
    report_questions,
    run_at_expected_tier,
    run_graded,
)

from course_utils.data import hw02, resolve

SOLUTIONS = {"model", "config", "data", "training", "testing"}


@pytest.fixture(scope="module")
def hw02_files(tmp_path_factory):
    """The mini set and its hidden answer key, generated once for this module."""
    return generate("hw02", tmp_path_factory)


def _utterances(root, split):
    phone_path = root / "libriphone"
    return {name: torch.load(phone_path / "feat" / split / f"{name}.pt", weights_only=True)
            for name in hw02.read_split(phone_path, split)}


# ---- the generator and the official layout ---------------------------------------------------

def test_generator_is_deterministic_and_matches_the_registry(hw02_files, tmp_path):
    check_generator_matches_registry("hw02", hw02_files[0], tmp_path)


def test_answers_go_only_to_the_answer_folder(hw02_files):
    data, key = hw02_files
    assert [p.name for p in data.iterdir()] == ["libriphone"]
    assert sorted(p.name for p in (data / "libriphone").iterdir()) == [
        "feat", "test_split.txt", "train_labels.txt", "train_split.txt"]
    assert sorted(p.name for p in key.iterdir()) == ["phone_groups.json", "test_labels.csv"]
    lines = (key / "test_labels.csv").read_text().splitlines()
    test = _utterances(data, "test")
    assert lines[0] == "Id,Class" and len(lines) - 1 == sum(len(f) for f in test.values())
    assert [int(line.split(",")[0]) for line in lines[1:]] == list(range(len(lines) - 1))
    groups = json.loads((key / "phone_groups.json").read_text())
    assert groups["phones"] == list(hw02.PHONES) and len(groups["groups"]) == 10


def test_files_have_the_official_layout_shapes_and_dtypes(hw02_files):
    data = hw02_files[0]
    hw02.check_libriphone(data, n_check=1000)
    labels = hw02.read_labels(data / "libriphone")
    train, test = _utterances(data, "train"), _utterances(data, "test")
    assert len(train) == generator.N_TRAIN and len(test) == generator.N_TEST
    assert not set(train) & set(test)
    for name in [*train, *test]:
        speaker, chapter, index = name.split("-")
        assert speaker.isdigit() and chapter.isdigit() and len(index) == 4 and index.isdigit()
    for feats in [*train.values(), *test.values()]:
        assert feats.dtype == torch.float32 and feats.shape[1] == 39 and len(feats) > 30
        # CMVN per utterance: every dimension has mean 0 and standard deviation 1
        assert feats.mean(0).abs().max() < 1e-3
        assert (feats.std(0, unbiased=False) - 1).abs().max() < 1e-3
    assert sum(len(v) for v in labels.values()) > 50_000
    classes = np.concatenate([np.array(v) for v in labels.values()])
    assert classes.min() == 0 and classes.max() <= 40 and len(np.unique(classes)) >= 40


def test_schema_check_says_what_is_wrong(hw02_files, tmp_path):
    data = hw02_files[0]
    broken = tmp_path / "libriphone"
    broken.mkdir()
    for name in ("train_split.txt", "test_split.txt", "train_labels.txt"):
        (broken / name).write_text((data / "libriphone" / name).read_text())
    with pytest.raises(hw02.SchemaError, match="is missing"):
        hw02.check_libriphone(tmp_path)
    first = hw02.read_split(broken, "train")[0]
    (broken / "feat" / "train").mkdir(parents=True)
    torch.save(torch.zeros(5, 40), broken / "feat" / "train" / f"{first}.pt")
    with pytest.raises(hw02.SchemaError, match=r"\(T, 39\)"):
        hw02.check_libriphone(tmp_path)


def test_official_loading_code_reads_the_mini_files(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    root = resolve("hw02")
    phone_path = os.path.join(root, "libriphone")
    labels = hw02.read_labels(phone_path)
    names = hw02.read_split(phone_path, "train")
    # the sample's split: random.seed(1337); random.shuffle(usage_list); 80 % for training
    usage_list = open(os.path.join(phone_path, "train_split.txt")).readlines()
    random.seed(1337)
    random.shuffle(usage_list)
    percent = int(len(usage_list) * 0.8)
    assert [u.strip("\n") for u in usage_list[:percent]] == hw02.split_utterances(names, "train")
    feat = hw02.load_feat(os.path.join(phone_path, "feat", "train", f"{names[0]}.pt"))
    assert feat.shape == (len(labels[names[0]]), 39)
    window = hw02.concat_feat(feat, 11)
    assert window.shape == (len(feat), 39 * 11)
    assert torch.equal(window[:, 5 * 39:6 * 39], feat)  # the middle block is the frame itself


def test_concat_feat_repeats_the_edge_frames():
    x = torch.arange(8, dtype=torch.float32).view(4, 2)
    out = hw02.concat_feat(x.clone(), 3)
    assert out.tolist() == [[0, 1, 0, 1, 2, 3], [0, 1, 2, 3, 4, 5], [2, 3, 4, 5, 6, 7],
                            [4, 5, 6, 7, 6, 7]]
    assert hw02.concat_feat(x.clone(), 1).tolist() == x.tolist()


def test_the_ladder_has_a_signal_to_climb(hw02_files):
    """One frame is ambiguous within a confusable group, a window of frames much less so, and
    the phone sequence follows the bigram LM (what a sequence model can use)."""
    data = hw02_files[0]
    labels = hw02.read_labels(data / "libriphone")
    feats = _utterances(data, "train")
    names = sorted(labels)
    x1 = np.concatenate([feats[n][:, :13].numpy() for n in names])
    window = np.concatenate([np.stack([feats[n][max(t - 3, 0):t + 4, :13].mean(0).numpy()
                                       for t in range(len(feats[n]))]) for n in names])
    y = np.concatenate([labels[n] for n in names])
    half = len(y) // 2

    def nearest_mean_accuracy(x):  # class means from one half, scored on the other
        classes = np.unique(y[:half])
        means = np.stack([x[:half][y[:half] == c].mean(0) for c in classes])
        distance = ((x[half:, None, :] - means[None]) ** 2).sum(-1)
        return float((classes[distance.argmin(1)] == y[half:]).mean())

    one, seven = nearest_mean_accuracy(x1), nearest_mean_accuracy(window)
    assert 0.15 < one < 0.4 and seven > one + 0.1, (one, seven)
    # phone-to-phone transitions: the two likely successors take most of the mass
    phones = [np.array(labels[n])[np.r_[True, np.diff(labels[n]) != 0]] for n in names]
    pairs = np.concatenate([np.stack([p[:-1], p[1:]], 1) for p in phones])
    speech = pairs[(pairs[:, 0] != 0) & (pairs[:, 1] != 0)]
    counts = np.zeros((41, 41))
    np.add.at(counts, (speech[:, 0], speech[:, 1]), 1)
    top2 = np.sort(counts, axis=1)[:, -2:].sum() / counts.sum()
    assert top2 > 0.8, top2


# ---- the notebooks --------------------------------------------------------------------------

def test_template_is_built_from_the_reference():
    check_template_is_built("hw02")


def test_template_is_the_official_sample():
    template = notebooks("hw02")[1]
    source = "\n".join(c.source for c in template.cells if c.cell_type == "code")
    for official in ("concat_nframes = 1", "hidden_layers = 1", "hidden_dim = 256",
                     "batch_size = 512", "learning_rate = 0.0001", "train_val_seed=1337",
                     "torch.optim.AdamW(model.parameters(), lr=learning_rate)",
                     "# TODO: apply batch normalization and dropout for strong baseline.",
                     "f.write('Id,Class\\n')", "def concat_feat(x, concat_n):",
                     "class LibriDataset(Dataset):", "class BasicBlock(nn.Module):"):
        assert official in source, official
    assert "course_utils.fit(" in source and "LSTM" not in source


def test_parameters_cell_holds_literals_only():
    check_parameters_cell("hw02")


def test_locked_and_solution_cells_are_marked():
    check_roles("hw02", SOLUTIONS)


# ---- grading.json and calibration -----------------------------------------------------------

def test_tiers_are_monotone_and_calibrated_on_the_current_generator():
    check_calibration("hw02")


# ---- end to end: papermill in the grading profile -------------------------------------------

def _questions(work, key) -> dict[str, float]:
    """The grader's report questions on the run's report.json: {name: points}."""
    report = json.loads((work / "report.json").read_text())
    points = report_questions("hw02", work, key)
    assert points["concat_feat"] == 1.0 and points["loss_curves"] == 1.0, points
    assert len(report["confused_pairs"]) == 5
    assert all(a < b and n > 0 for a, b, n in report["confused_pairs"])
    return points


@pytest.mark.slow
def test_reference_reaches_boss_in_the_grading_profile(hw02_files, tmp_path, run_env):
    work = run_at_expected_tier("hw02", "reference", *hw02_files, tmp_path)
    # a sequence model's leftover errors are mostly at boundaries between successive phones
    assert _questions(work, hw02_files[1])["confused_pairs"] >= 0.6


@pytest.mark.slow
def test_template_scores_simple_but_not_medium(hw02_files, tmp_path, run_env):
    work = run_at_expected_tier("hw02", "template", *hw02_files, tmp_path)
    # a frame-wise model confuses phones of the same confusable group
    assert _questions(work, hw02_files[1])["confused_pairs"] >= 0.6
    # model_path holds what the markdown says: the best epoch's plain state_dict, which the
    # official `model.load_state_dict(torch.load(model_path))` reads
    state = torch.load(work / "model.ckpt", weights_only=True)
    assert all(isinstance(v, torch.Tensor) for v in state.values()) and "model" not in state


@pytest.mark.slow
@pytest.mark.parametrize("which", ["reference", "template"])
def test_fast_dev_run_is_a_seconds_long_smoke_run(hw02_files, tmp_path, run_env, which):
    score, seconds, work = run_graded("hw02", which, *hw02_files, tmp_path, FAST_DEV_RUN=True)
    assert seconds < 40
    report = json.loads((work / "report.json").read_text())
    assert report["train_loss"][-1] < report["train_loss"][0]  # it learns, a little
    assert score.public > 1 / 41


def test_grader_scores_label_submissions(hw02_files, tmp_path):
    """course-grade --artifacts on HW2's label CSVs: the key itself is boss, a shifted copy is
    wrong, a float-formatted or header-less file gets a reason."""
    import subprocess
    import sys

    from grader_corpus.corpus import sheet

    key = (hw02_files[1] / "test_labels.csv").read_text()
    rows = key.splitlines()[1:]
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "perfect.csv").write_text(key)
    (subs / "shifted.csv").write_text("Id,Class\n" + "".join(
        f"{r.split(',')[0]},{(int(r.split(',')[1]) + 1) % 41}\n" for r in rows))
    (subs / "noheader.csv").write_text("\n".join(rows) + "\n")
    done = subprocess.run([sys.executable, "-m", "course_utils.grading", "hw02", subs,
                           "--answer-key", hw02_files[1], "--out", tmp_path / "out",
                           "--artifacts"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    got = sheet(tmp_path / "out")
    assert (got["perfect"]["status"], got["perfect"]["public_tier"]) == ("ok", "boss")
    assert float(got["perfect"]["public_accuracy"]) == 1.0
    assert got["shifted"]["public_tier"] == "below simple"
    assert float(got["shifted"]["private_accuracy"]) == 0.0
    assert got["noheader"]["status"] == "invalid-artifact" and "header" in got["noheader"]["reason"]


@pytest.mark.slow
def test_course_grade_runs_both_in_the_sandbox(tmp_path, hw02_files):
    """The grader, end to end: bwrap sandbox, grading profile, scoring, report questions."""
    rows = grade_with_cli("hw02", *hw02_files, tmp_path)
    ref, tpl = rows["reference"], rows["template"]
    assert (ref["status"], ref["public_tier"], ref["private_tier"]) == ("ok", "boss", "boss"), ref
    assert (tpl["status"], tpl["private_tier"]) == ("ok", "simple"), tpl
    assert ref["report_concat_feat"] == "1.0", ref
    assert tpl["report_concat_feat"] == "1.0", tpl
