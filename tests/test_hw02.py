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
    held_out_data,
    kernel_cpu_seconds,
    notebooks,
    report_questions,
    run_graded,
    run_held_out,
)

from course_utils.data import hw02, resolve

SOLUTIONS = {"model", "config", "data", "training", "testing", "report"}


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


OFFICIAL_QUESTIONS = (
    "1. (2%) Implement 2 models with approximately the same number of parameters, (A) one "
    "narrower and deeper (e.g. hidden_layers=6, hidden_dim=1024) and (B) the other wider and "
    "shallower (e.g. hidden_layers=2, hidden_dim=1700). Report training/validation accuracies "
    "for both models.",
    "2. (2%) Add dropout layers, and report training/validation accuracies with dropout rates "
    "equal to (A) 0.25/(B) 0.5/(C) 0.75 respectively.",
)


def test_template_is_the_official_sample():
    template = notebooks("hw02")[1]
    source = "\n".join(c.source for c in template.cells if c.cell_type == "code")
    for official in ("concat_nframes = 1", "hidden_layers = 1", "hidden_dim = 256",
                     "batch_size = 512", "learning_rate = 0.0001", "train_val_seed=1337",
                     "torch.optim.AdamW(model.parameters(), lr=learning_rate)",
                     "# TODO: apply batch normalization and dropout for strong baseline.",
                     "f.write('Id,Class\\n')", "def concat_feat(x, concat_n):",
                     "class LibriDataset(Dataset):", "class BasicBlock(nn.Module):",
                     # the official training loop and its best-checkpoint rule, in sight
                     "best_acc = 0.0", "optimizer.zero_grad()", "loss.backward()",
                     "if val_acc > best_acc:", "torch.save(model.state_dict(), model_path)",
                     "model.load_state_dict(torch.load(model_path))",
                     "_, test_pred = torch.max(outputs, 1)"):
        assert official in source, official
    assert "course_utils.fit(" not in source and "LSTM" not in source
    # the report questions are the student's to answer: report_runs starts empty, nothing fills it
    assert "report_runs = {}" in source
    assert not [line for line in source.splitlines() if line.strip().startswith("report_runs[")]


def test_notebooks_hold_the_official_report_questions_and_only_the_official_hints():
    for nb in notebooks("hw02"):
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        for q in OFFICIAL_QUESTIONS:
            assert q in text, q
        for hint in ("sample code", "concat n frames, add layers",
                     "concat n, batchnorm, dropout, add layers", "sequence-labeling(using RNN)"):
            assert f"| {hint} |" in text, hint
    template = "\n".join(c.source for c in notebooks("hw02")[1].cells)
    for recipe in ("concat_nframes = 11", "concat_nframes = 21", "Dropout(0.25)", "bidirectional",
                   "BiLSTM", "confusable", "5e-3"):
        assert recipe not in template, recipe


def test_parameters_cell_holds_literals_only():
    check_parameters_cell("hw02")


def test_locked_and_solution_cells_are_marked():
    check_roles("hw02", SOLUTIONS)


# ---- grading.json and calibration -----------------------------------------------------------

def test_tiers_are_monotone_and_calibrated_on_the_current_generator():
    check_calibration("hw02")


# ---- the report questions (trusted checks on report.json) ---------------------------------------

def _mlp(nframes, hidden_layers, hidden_dim, dropout=0.0, curves=((0.30, 0.45), (0.40, 0.50))):
    """A report run as the export cell describes a Classifier (no batch normalization)."""
    sizes = [39 * nframes, *[hidden_dim] * (hidden_layers + 1), 41]
    layers = [[i, o, True] for i, o in zip(sizes, sizes[1:], strict=False)]
    train, val = (list(c) for c in zip(*curves, strict=True))
    return {"linear_layers": layers, "norm_parameters": 0,
            "dropout": [dropout] * (hidden_layers + 1) if dropout else [],
            "parameters": sum(i * o + o for i, o, _ in layers),
            "train_acc": train, "val_acc": val, "measured_val_acc": val[-1]}


def _good_report():
    return {"report_runs": {
        "Q1-A": _mlp(11, 6, 256), "Q1-B": _mlp(11, 2, 403, curves=((0.35, 0.46), (0.42, 0.49))),
        "Q2-A": _mlp(11, 2, 256, 0.25, ((0.30, 0.45), (0.40, 0.50))),
        "Q2-B": _mlp(11, 2, 256, 0.5, ((0.25, 0.44), (0.33, 0.49))),
        "Q2-C": _mlp(11, 2, 256, 0.75, ((0.15, 0.38), (0.20, 0.44)))}}


def _grade(report, key_dir):
    from course_utils.grading.questions import check_report

    return {a.name: (a.points, a.detail) for a in check_report(
        "hw02", ["q1_depth_vs_width", "q2_dropout"], report, key_dir)}


def test_report_questions_earn_their_points_with_a_full_report(hw02_files):
    got = _grade(_good_report(), hw02_files[1])
    assert got["q1_depth_vs_width"][0] == 1.0, got
    assert got["q2_dropout"][0] == 1.0, got
    assert "515,369 parameters" in got["q1_depth_vs_width"][1]


def _broken(change):
    report = _good_report()
    change(report["report_runs"])
    return report


FAILS = {  # question -> [(what a student did wrong, the words the reason must contain)]
    "q1_depth_vs_width": [
        (lambda r: r.clear(), "no report run 'Q1-A'"),
        (lambda r: r.pop("Q1-B"), "no report run 'Q1-B'"),
        (lambda r: r.update({"Q1-A": {"error": "AttributeError: x"}}), "could not be described"),
        (lambda r: r.update({"Q1-B": _mlp(11, 2, 1700)}), "apart"),
        (lambda r: r.update({"Q1-A": _mlp(11, 2, 403), "Q1-B": _mlp(11, 6, 256)}), "deeper"),
        (lambda r: r.update({"Q1-B": _mlp(21, 2, 403)}), "same input window"),
        (lambda r: r["Q1-A"].update(parameters=1), "must be MLPs"),
        (lambda r: r["Q1-A"]["linear_layers"][1].__setitem__(0, 300), "do not chain"),
        (lambda r: r["Q1-A"].update(measured_val_acc=0.3), "none of its reported"),
        (lambda r: r["Q1-A"].update(val_acc=[0.1, 0.12], measured_val_acc=0.12), "did not learn"),
        (lambda r: r["Q1-A"].update(val_acc=[0.5]), "1 validation"),
        (lambda r: r["Q1-A"].update(train_acc=[0.3, 1.5]), "between 0 and 1"),
        (lambda r: r["Q1-B"].update({k: r["Q1-A"][k] for k in ("train_acc", "val_acc",
                                                                "measured_val_acc")}),
         "identical accuracies"),
    ],
    "q2_dropout": [
        (lambda r: r.clear(), "no report run 'Q2-A'"),
        (lambda r: r["Q2-B"].update(dropout=[0.25, 0.25, 0.25]), "all must be 0.5"),
        (lambda r: r["Q2-C"].update(dropout=[]), "no nn.Dropout layer"),
        (lambda r: r.update({"Q2-C": _mlp(11, 2, 300, 0.75)}), "differ in more than"),
        (lambda r: r["Q2-C"].update(train_acc=[0.30, 0.45]), "not below"),
        (lambda r: r["Q2-C"].update(train_acc=r["Q2-A"]["train_acc"], val_acc=r["Q2-A"]["val_acc"],
                                    measured_val_acc=r["Q2-A"]["measured_val_acc"]),
         "identical accuracies"),
        (lambda r: r["Q2-A"].update(measured_val_acc=None), "no measured validation accuracy"),
    ],
}


@pytest.mark.parametrize(("name", "case"), [(n, i) for n, cases in FAILS.items()
                                            for i in range(len(cases))])
def test_report_questions_fail_with_a_reason(hw02_files, name, case):
    change, words = FAILS[name][case]
    points, detail = _grade(_broken(change), hw02_files[1])[name]
    assert points == 0.0 and words in detail, detail


def test_report_questions_give_the_untouched_template_nothing(hw02_files):
    """The export cell of the untouched template writes an empty report_runs."""
    for report in ({"report_runs": {}}, {}):
        got = _grade(report, hw02_files[1])
        assert all(points == 0.0 and detail for points, detail in got.values()), got


# ---- end to end: papermill in the grading profile, on seeds nobody calibrated on --------------

@pytest.mark.slow
def test_reference_is_at_least_strong_on_held_out_seeds(tmp_path_factory, tmp_path, run_env):
    score, work = run_held_out("hw02", "reference", tmp_path_factory, tmp_path)
    # the reference's report runs earn both report questions
    points = report_questions("hw02", work, held_out_data("hw02", tmp_path_factory)[1])
    assert points == {"q1_depth_vs_width": 1.0, "q2_dropout": 1.0}, points


@pytest.mark.slow
def test_template_is_simple_on_held_out_seeds(tmp_path_factory, tmp_path, run_env):
    score, work = run_held_out("hw02", "template", tmp_path_factory, tmp_path)
    # the untouched template earns no report question
    points = report_questions("hw02", work, held_out_data("hw02", tmp_path_factory)[1])
    assert set(points) == {"q1_depth_vs_width", "q2_dropout"} and not any(points.values()), points
    # model_path holds what the markdown says: the best epoch's plain state_dict, which the
    # official `model.load_state_dict(torch.load(model_path))` reads
    state = torch.load(work / "model.ckpt", weights_only=True)
    assert all(isinstance(v, torch.Tensor) for v in state.values()) and "model" not in state


@pytest.mark.slow
@pytest.mark.parametrize("which", ["reference", "template"])
def test_fast_dev_run_is_a_seconds_long_smoke_run(hw02_files, tmp_path, run_env, which):
    cpu_before = kernel_cpu_seconds()
    score, seconds, work = run_graded("hw02", which, *hw02_files, tmp_path, FAST_DEV_RUN=True)
    cpu = kernel_cpu_seconds() - cpu_before  # wall time depends on the machine's load
    assert cpu < 40, f"{cpu:.0f} s of CPU ({seconds:.0f} s wall)"
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
    assert (ref["report_q1_depth_vs_width"], ref["report_q2_dropout"]) == ("1.0", "1.0"), ref
    assert (tpl["report_q1_depth_vs_width"], tpl["report_q2_dropout"]) == ("0.0", "0.0"), tpl
