"""HW3: Food-11-synth in the official layout, the notebooks, the calibrated tiers, end to end."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import course_datasets.hw03_food11 as generator
import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from homework_e2e import (
    check_calibration,
    check_generator_matches_registry,
    check_parameters_cell,
    check_roles,
    check_template_is_built,
    generate,
    grade_with_cli,
    held_out_data,
    notebooks,
    report_questions,
    run_graded,
    run_held_out,
)
from PIL import Image

import course_utils.transforms as transforms
from course_utils.authoring import strip_solution
from course_utils.data import resolve
from course_utils.data.hw03 import SchemaError, check_food11, food_files, label_of
from course_utils.grading import load_config
from course_utils.grading.questions import check_report, close
from course_utils.grading.questions_hw03 import (
    expected_outputs,
    expected_residual_output,
    probe_inputs,
    residual_parameters,
)

N_CLASSES = 11
N_TEST = generator.N_TEST  # 1100: 550 per half, so that a half's accuracy moves by < 0.02
N_VALID = generator.N_VALID * N_CLASSES  # 440 test-like photos: the best epoch is chosen on them
N_TRAIN = generator.N_TRAIN * N_CLASSES  # 660, as the official layout's 11 classes x 60


@pytest.fixture(scope="module")
def hw03_files(tmp_path_factory) -> tuple[Path, Path]:
    """The mini set and its hidden answer key, generated once per module."""
    return generate("hw03", tmp_path_factory)


def _thumbnails(files: list[str], size: int = 12) -> np.ndarray:
    tfm = transforms.Compose([transforms.Resize((size, size)), transforms.ToTensor()])
    return np.stack([tfm(Image.open(f)).numpy().ravel() for f in files])


# ---- the generator and the official layout ---------------------------------------------------

def test_generator_is_deterministic_and_matches_the_registry(hw03_files, tmp_path):
    check_generator_matches_registry("hw03", hw03_files[0], tmp_path)


def test_answers_and_masks_go_only_to_the_answer_folder(hw03_files):
    data, key = hw03_files
    assert sorted(p.name for p in data.iterdir()) == ["food11"]
    assert sorted(p.name for p in (data / "food11").iterdir()) == ["test", "training",
                                                                   "validation"]
    assert all(p.suffix == ".jpg" for p in (data / "food11").rglob("*") if p.is_file())
    answers = pd.read_csv(key / "submission.answers.csv", dtype=str)
    assert list(answers.columns) == ["Id", "Category"]
    test_ids = [Path(f).stem for f in food_files(data / "food11" / "test")]
    assert answers["Id"].tolist() == test_ids == [f"{i:04d}" for i in range(1, N_TEST + 1)]
    assert answers["Category"].astype(int).value_counts().tolist() == [N_TEST // 11] * N_CLASSES
    with np.load(key / "food11_masks.npz", allow_pickle=False) as masks:
        assert len(masks.files) == N_TRAIN + N_VALID + N_TEST
        for name in ("training/3_7", "validation/10_19", "test/0220"):
            split, stem = name.split("/")
            with Image.open(data / "food11" / split / f"{stem}.jpg") as image:
                mask = masks[name]
                assert mask.dtype == bool and mask.shape == (image.height, image.width)
                assert 0.02 < mask.mean() < 0.6  # the dish, not the whole picture


def test_files_have_the_official_layout(hw03_files):
    food11 = hw03_files[0] / "food11"
    assert check_food11(food11) == {"training": N_TRAIN, "validation": N_VALID, "test": N_TEST}
    for split, per_class in (("training", generator.N_TRAIN), ("validation", generator.N_VALID)):
        labels = [label_of(f) for f in food_files(food11 / split)]
        assert np.bincount(labels).tolist() == [per_class] * N_CLASSES
    sizes = set()
    for f in food_files(food11 / "test")[:40] + food_files(food11 / "training")[:40]:
        with Image.open(f) as image:
            assert image.format == "JPEG" and image.mode == "RGB" and image.width == image.height
            sizes.add(image.width)
    assert min(sizes) >= 64 and max(sizes) <= 128 and len(sizes) > 10  # sizes vary


def test_check_food11_says_what_is_wrong(hw03_files, tmp_path):
    broken = tmp_path / "food11"
    shutil.copytree(hw03_files[0] / "food11", broken)
    (broken / "test" / "0005.jpg").rename(broken / "test" / "5.jpg")
    with pytest.raises(SchemaError, match="not named <4-digit id>.jpg"):
        check_food11(broken)
    shutil.rmtree(broken / "validation")
    with pytest.raises(SchemaError, match="validation is missing"):
        check_food11(broken)


def test_official_loading_code_reads_the_mini_files(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    _dataset_dir = os.path.join(resolve("hw03"), "food11")
    # the sample's FoodDataset: sorted .jpg files, the label before "_", -1 for test files
    test_tfm = transforms.Compose([transforms.Resize((128, 128)), transforms.ToTensor()])
    for split, expected in (("training", N_TRAIN), ("test", N_TEST)):
        path = os.path.join(_dataset_dir, split)
        files = sorted([os.path.join(path, x) for x in os.listdir(path) if x.endswith(".jpg")])
        assert files == food_files(path) and len(files) == expected
        im = test_tfm(Image.open(files[0]))
        assert tuple(im.shape) == (3, 128, 128) and str(im.dtype) == "torch.float32"
        label = label_of(files[0])
        assert label == (int(Path(files[0]).name.split("_")[0]) if split == "training" else -1)


def test_validation_varies_more_than_training(hw03_files):
    """The signal the ladder relies on: the classes are learnable, and a model fitted to the
    narrow training photos loses accuracy on the wider validation photos."""
    food11 = hw03_files[0] / "food11"
    train_files = food_files(food11 / "training")
    x_train, y_train = _thumbnails(train_files), np.array([label_of(f) for f in train_files])
    valid_files = food_files(food11 / "validation")
    x_valid, y_valid = _thumbnails(valid_files), np.array([label_of(f) for f in valid_files])
    half = np.arange(len(y_train)) % 2 == 0
    centroids = np.stack([x_train[half & (y_train == c)].mean(0) for c in range(N_CLASSES)])

    def nearest_centroid_accuracy(x, y):
        d = ((x[:, None, :] - centroids[None]) ** 2).sum(-1)
        return float((d.argmin(1) == y).mean())

    held_out = nearest_centroid_accuracy(x_train[~half], y_train[~half])
    valid = nearest_centroid_accuracy(x_valid, y_valid)
    assert held_out > 0.3 > 1 / N_CLASSES  # learnable from pixels alone, even this crudely
    assert valid < held_out - 0.1          # validation/test poses and colours are wider
    with np.load(hw03_files[1] / "food11_masks.npz", allow_pickle=False) as masks:
        def offset(split):
            shifts = []
            for name in masks.files:
                if name.startswith(split):
                    yy, xx = np.nonzero(masks[name])
                    side = masks[name].shape[0]
                    shifts.append(np.hypot(yy.mean() - side / 2, xx.mean() - side / 2) / side)
            return np.mean(shifts)
        assert offset("validation") > 1.5 * offset("training")


# ---- the notebooks --------------------------------------------------------------------------

def test_template_is_built_from_the_reference():
    check_template_is_built("hw03")


def test_template_is_the_official_sample():
    template = notebooks("hw03")[1]
    source = "\n".join(c.source for c in template.cells if c.cell_type == "code")
    for official in ("transforms.Resize((img_size, img_size))", "transforms.ToTensor()",
                     "class FoodDataset(Dataset):", "im = self.transform(im)",
                     'label = int(fname.split("/")[-1].split("_")[0])',
                     "nn.Conv2d(ch(512), ch(512), 3, 1, 1)", "nn.Linear(ch(512), 11)",
                     "torch.optim.Adam(model.parameters(), lr=learning_rate, weight_decay=1e-5)",
                     "learning_rate = 0.0003", "gpu=3)  # TODO: train longer",
                     "patience = 300", "augment = nn.Identity()", "Model = Classifier",
                     "optimizer.zero_grad()", "loss.backward()",
                     "grad_norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=10)",
                     "if valid_acc > best_acc:",
                     "torch.save(model.state_dict(), save_path)",
                     "if stale > patience:",
                     'model_best.load_state_dict(torch.load(f"{_exp_name}_fold{fold}_best.ckpt"))',
                     # the report questions' cells, as in the official notebook
                     "# You need to add some transforms here.", "transforms.Resize((128, 128)),",
                     "class Residual_Network(nn.Module):", "nn.Linear(256* 32* 32, 256),",
                     "x2 = self.cnn_layer2(x1)\n\n        x2 = self.relu(x2)",
                     'def pad4(i):', 'df.to_csv(out_dir / "submission.csv",index = False)'):
        assert official in source, official
    for gone in ("ResidualClassifier", "course_utils.fit(", "self.cache", "x2 + x1",
                 "RandomRotation(", "RandomAffine("):
        assert gone not in source, gone
    for stub in ("mixup", "tta_aggregate", "ensemble_logits", "ensemble_vote",
                 "cross_validation_splits", "soft_cross_entropy", "view"):
        assert f"def {stub}(" in source
    assert source.count("raise NotImplementedError") == 7


def test_template_shows_the_official_hints_only():
    """The recipe of the ladder is reference-only; the template has the slides' hints and
    the report questions word for word."""
    reference, template = notebooks("hw03")
    text = "\n".join(c.source for c in template.cells if c.cell_type == "markdown")
    for official in ("Training Augmentation + Model Design + Test Time Augmentation + Train "
                     "Looonger",
                     "Final Prediction = avg_train_tfm_pred * 0.5 + test_tfm_pred * 0.5",
                     "Your train_tfm must be capable of producing 5+ different results when given "
                     "an identical image multiple times.",
                     "Your  train_tfm in the report can be different from train_tfm in your "
                     "training code.", "You should only modify the forward part of the model",
                     "# Q2. Residual Implementation"):
        assert official in text, official
    for recipe in ("any rotation", "RandomRGBShift", "cosine schedule", "weighted 0.4",
                   "mirrored, stronger colour"):
        assert recipe not in text, recipe
    assert any("reference-only" in c.metadata.get("tags", []) and "any rotation" in c.source
               for c in reference.cells)


def _cell(which: str, grade_id: str) -> str:
    reference, template = notebooks("hw03")
    nb = reference if which == "reference" else template
    return next(c.source for c in nb.cells
                if c.metadata.get("course", {}).get("grade_id") == grade_id)


def test_food_dataset_applies_the_transform_on_every_call(hw03_files):
    """Q1 needs it: a random train_tfm gives a new variant of an image in every epoch."""
    template = notebooks("hw03")[1]
    source = next(c.source for c in template.cells if "class FoodDataset" in c.source)
    namespace = {"Dataset": torch.utils.data.Dataset, "os": os, "Image": Image,
                 "test_tfm": None}
    exec(source, namespace)
    tfm = transforms.Compose([transforms.RandomRotation(180), transforms.Resize((32, 32)),
                              transforms.ToTensor()])
    dataset = namespace["FoodDataset"](str(hw03_files[0] / "food11" / "training"), tfm=tfm)
    torch.manual_seed(0)
    first, again = dataset[0], dataset[0]
    assert first[1] == again[1] == 0 and not torch.equal(first[0], again[0])


def test_parameters_and_roles():
    check_parameters_cell("hw03", ("IMG_SIZE", "WIDTH"))
    check_roles("hw03", {"transforms", "model", "tricks", "config", "report_q1", "report_q2"})


def test_the_official_sample_is_simple():
    config = load_config("hw03")
    grading = Path(__file__).parents[1] / "homework" / "hw03" / "grading.json"
    sample = json.loads(grading.read_text())["official_sample"]
    assert sample["generator_version"] == generator.VERSION
    assert config.tiers["simple"] <= min(sample["public"], sample["private"])
    assert max(sample["public"], sample["private"]) < config.tiers["medium"]


def test_calibration():
    check_calibration("hw03")


# ---- the report questions: each can fail, and says why ---------------------------------------

def _export_namespace(which: str) -> dict:
    """The export cell's q1/q2 helpers and the notebook's train_tfm and Residual_Network."""
    export = _cell("template", "export")
    helpers = export[export.index("def probe("):export.index("\ng = torch.Generator()")]
    prepare = (lambda s: s) if which == "reference" else strip_solution
    namespace = {"torch": torch, "np": np, "math": __import__("math"), "F": F, "Image": Image,
                 "transforms": transforms}
    for grade_id in ("report_q1", "report_q2"):
        exec(prepare(_cell(which, grade_id)), namespace)
    exec(helpers, namespace)
    return namespace


def _grade(name: str, report: dict) -> tuple[float, str]:
    answer = check_report("hw03", [name], json.loads(json.dumps(report)), Path("."))[0]
    return answer.points, answer.detail


def test_q1_counts_different_results_of_train_tfm():
    q1 = _export_namespace("template")
    report = {"q1_train_tfm": q1["probe"](q1["q1_train_tfm"], q1["train_tfm"])}
    assert _grade("train_tfm", report) == (
        0.0, "only 1 different result(s) of 10 calls on one image; 5+ are needed: add random "
             "transforms to train_tfm")
    reference = _export_namespace("reference")
    report = {"q1_train_tfm": reference["probe"](reference["q1_train_tfm"],
                                                 reference["train_tfm"])}
    assert _grade("train_tfm", report)[0] == 1.0
    noisy = transforms.Compose([transforms.Resize((64, 64)), transforms.ToTensor(),
                                transforms.Lambda(lambda x: x + 1e-3 * torch.randn_like(x))])
    assert _grade("train_tfm", {"q1_train_tfm": q1["probe"](q1["q1_train_tfm"], noisy)})[0] == 0
    no_tensor = transforms.Compose([transforms.RandomRotation(90)])
    points, detail = _grade("train_tfm", {"q1_train_tfm": q1["probe"](q1["q1_train_tfm"],
                                                                      no_tensor)})
    assert points == 0 and "ToTensor()" in detail
    assert _grade("train_tfm", {})[0] == 0


def test_q2_compares_residual_network_with_the_graph():
    template = _export_namespace("template")
    report = {"q2_residual_network": template["probe"](template["q2_residual_network"],
                                                       template["Residual_Network"])}
    points, detail = _grade("residual_network", report)
    assert points == 0 and "differs" in detail
    reference = _export_namespace("reference")
    good = reference["probe"](reference["q2_residual_network"], reference["Residual_Network"])
    assert _grade("residual_network", {"q2_residual_network": good}) == (
        1.0, "Residual_Network's output matches the graph's residual connections")
    assert close(good["output"]["output"], expected_residual_output().tolist(), atol=1e-3)
    assert sorted((n, tuple(s)) for n, s in good["output"]["parameters"]) == sorted(
        (n, tuple(s)) for n, s in residual_parameters())
    renamed = json.loads(json.dumps(good))
    renamed["output"]["parameters"][0][0] = "conv_in.weight"
    points, detail = _grade("residual_network", {"q2_residual_network": renamed})
    assert points == 0 and "modify only its forward part" in detail
    points, detail = _grade("residual_network", {"q2_residual_network": {"error": "TypeError"}})
    assert points == 0 and "raised" in detail


@pytest.mark.parametrize("name", ["mixup", "soft_cross_entropy", "tta_aggregate",
                                  "ensemble_logits", "ensemble_vote"])
def test_probe_questions_fail_on_a_stub_and_a_wrong_answer(name):
    expected = expected_outputs()[name]
    assert _grade(name, {"probes": {name: {"output": expected}}})[0] == 1.0
    points, detail = _grade(name, {"probes": {name: {"error": "NotImplementedError: TODO"}}})
    assert points == 0 and "raised NotImplementedError" in detail
    wrong = (np.asarray(expected[0]) + 1).tolist() if name == "mixup" else \
        (np.asarray(expected) + 1).tolist()
    wrong = [wrong, expected[1]] if name == "mixup" else wrong
    points, detail = _grade(name, {"probes": {name: {"output": wrong}}})
    assert points == 0 and "differs" in detail


# ---- end to end: papermill in the grading profile -------------------------------------------

def _questions(work, key) -> dict[str, float]:
    """The grader's report questions on the run's report.json: {name: points}."""
    report = json.loads((work / "report.json").read_text())
    # the grader draws the probe tensors itself: they must be the export cell's
    ours = {k: v.tolist() if hasattr(v, "tolist") else v for k, v in probe_inputs().items()}
    assert all(close(report["probe_inputs"][k], v, atol=1e-5) for k, v in ours.items())
    return report_questions("hw03", work, key)


@pytest.mark.slow
def test_reference_reaches_strong_on_held_out_seeds(tmp_path_factory, tmp_path, run_env):
    score, work = run_held_out("hw03", "reference", tmp_path_factory, tmp_path)
    key_dir = held_out_data("hw03", tmp_path_factory)[1]
    assert set(_questions(work, key_dir).values()) == {1.0}  # Q1, Q2 and the probes
    assert len(json.loads((work / "report.json").read_text())["train_loss"]) > 1  # one per fold


@pytest.mark.slow
def test_template_is_simple_on_held_out_seeds(tmp_path_factory, tmp_path, run_env):
    score, work = run_held_out("hw03", "template", tmp_path_factory, tmp_path)
    report = json.loads((work / "report.json").read_text())
    assert all("NotImplementedError" in p["error"] for p in report["probes"].values())
    key_dir = held_out_data("hw03", tmp_path_factory)[1]
    assert set(_questions(work, key_dir).values()) == {0.0}  # every report question
    assert len(report["train_loss"]) == 1


@pytest.mark.slow
@pytest.mark.parametrize("which", ["reference", "template"])
def test_fast_dev_run_is_a_seconds_long_smoke_run(hw03_files, tmp_path, run_env, which):
    _, seconds, work = run_graded("hw03", which, *hw03_files, tmp_path, FAST_DEV_RUN=True)
    assert seconds < 60
    report = json.loads((work / "report.json").read_text())
    assert all(curve[-1] < curve[0] for curve in report["train_loss"])  # it learns a little
    submission = pd.read_csv(work / "submission.csv", dtype=str)
    assert list(submission.columns) == ["Id", "Category"] and len(submission) == N_TEST


@pytest.mark.slow
def test_course_grade_runs_both_in_the_sandbox(tmp_path, hw03_files):
    """The grader, end to end: bwrap sandbox, grading profile, scoring, report questions."""
    rows = grade_with_cli("hw03", *hw03_files, tmp_path)
    ref, tpl = rows["reference"], rows["template"]
    assert (ref["status"], ref["public_tier"], ref["private_tier"]) == ("ok", "boss", "boss"), ref
    assert (tpl["status"], tpl["private_tier"]) == ("ok", "simple"), tpl
    for question in ("train_tfm", "residual_network", "mixup", "ensemble_vote"):
        assert (ref[f"report_{question}"], tpl[f"report_{question}"]) == ("1.0", "0.0"), question
