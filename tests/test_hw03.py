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
from PIL import Image

import course_utils.transforms as transforms
from course_utils.data import resolve
from course_utils.data.hw03 import SchemaError, check_food11, food_files, label_of
from course_utils.grading.questions import close
from course_utils.grading.questions_hw03 import probe_inputs

N_CLASSES = 11
N_TEST = generator.N_TEST  # 550: more than the 220 first planned, so that each half is stable


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
        assert len(masks.files) == 660 + 220 + N_TEST
        for name in ("training/3_7", "validation/10_19", "test/0220"):
            split, stem = name.split("/")
            with Image.open(data / "food11" / split / f"{stem}.jpg") as image:
                mask = masks[name]
                assert mask.dtype == bool and mask.shape == (image.height, image.width)
                assert 0.02 < mask.mean() < 0.6  # the dish, not the whole picture


def test_files_have_the_official_layout(hw03_files):
    food11 = hw03_files[0] / "food11"
    assert check_food11(food11) == {"training": 660, "validation": 220, "test": N_TEST}
    for split, per_class in (("training", 60), ("validation", 20)):
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
    for split, expected in (("training", 660), ("test", N_TEST)):
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
                     "class FoodDataset(Dataset):",
                     'label = int(fname.split("/")[-1].split("_")[0])',
                     "nn.Conv2d(ch(512), ch(512), 3, 1, 1)", "nn.Linear(ch(512), 11)",
                     "torch.optim.Adam(model.parameters(), lr=learning_rate, weight_decay=1e-5)",
                     "learning_rate = 0.0003",
                     "patience = 300", "augment = nn.Identity()", "Model = Classifier",
                     'def pad4(i):', 'df.to_csv(out_dir / "submission.csv",index = False)'):
        assert official in source, official
    assert "ResidualClassifier" not in source and "course_utils.fit(" in source
    for stub in ("mixup", "tta_aggregate", "ensemble_logits", "ensemble_vote",
                 "cross_validation_splits", "soft_cross_entropy"):
        assert f"def {stub}(" in source
    assert source.count("raise NotImplementedError") == 6


def test_parameters_roles_and_calibration():
    check_parameters_cell("hw03", ("IMG_SIZE", "WIDTH"))
    check_roles("hw03", {"transforms", "model", "tricks", "config"})
    check_calibration("hw03")


# ---- end to end: papermill in the grading profile -------------------------------------------

def _questions(work, key) -> dict[str, float]:
    """The grader's report questions on the run's report.json: {name: points}."""
    report = json.loads((work / "report.json").read_text())
    # the grader draws the probe tensors itself: they must be the export cell's
    ours = {k: v.tolist() if hasattr(v, "tolist") else v for k, v in probe_inputs().items()}
    assert all(close(report["probe_inputs"][k], v, atol=1e-5) for k, v in ours.items())
    return report_questions("hw03", work, key)


@pytest.mark.slow
def test_reference_reaches_boss_in_the_grading_profile(hw03_files, tmp_path, run_env):
    work = run_at_expected_tier("hw03", "reference", *hw03_files, tmp_path)
    assert set(_questions(work, hw03_files[1]).values()) == {1.0}  # probes and curves
    assert len(json.loads((work / "report.json").read_text())["train_loss"]) > 1  # one per fold


@pytest.mark.slow
def test_template_scores_simple_but_not_medium(hw03_files, tmp_path, run_env):
    work = run_at_expected_tier("hw03", "template", *hw03_files, tmp_path)
    report = json.loads((work / "report.json").read_text())
    assert all("NotImplementedError" in p["error"] for p in report["probes"].values())
    points = _questions(work, hw03_files[1])
    assert points.pop("loss_curves") == 1.0 and set(points.values()) == {0.0}
    assert len(report["train_loss"]) == 1


@pytest.mark.slow
@pytest.mark.parametrize("which", ["reference", "template"])
def test_fast_dev_run_is_a_seconds_long_smoke_run(hw03_files, tmp_path, run_env, which):
    _, seconds, work = run_graded("hw03", which, *hw03_files, tmp_path, FAST_DEV_RUN=True)
    assert seconds < 30
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
    assert ref["report_mixup"] == "1.0" and ref["report_ensemble_vote"] == "1.0", ref
    assert tpl["report_mixup"] == "0.0", tpl
