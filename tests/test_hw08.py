"""HW8: the anomaly-faces mini set in the official layout (data/trainingset.npy, testingset.npy),
its answer key, its knobs, and that each kind of anomaly is the kind of difference it names."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import course_datasets.hw08_anomaly as generator
import numpy as np
import pytest
from course_datasets import hw06_anime_faces as faces
from sklearn.metrics import roc_auc_score

from course_utils.data import resolve, spec, verify_mini
from course_utils.data.hw08 import (
    ANSWER_FILE,
    KINDS_FILE,
    TEST_FILE,
    TRAIN_FILE,
    SchemaError,
    check_sets,
    load_sets,
)

N_TRAIN, N_TEST, SIZE = 300, 240, 32  # about 1.5 s
SECRET = "0123456789abcdef0123456789abcdef"


def _generate(root: Path, **kwargs) -> tuple[Path, Path]:
    generator.generate(root / "data", root / "key",
                       **{"n_train": N_TRAIN, "n_test": N_TEST, "size": SIZE, **kwargs})
    return root / "data", root / "key"


@pytest.fixture(scope="module")
def small_set(tmp_path_factory) -> tuple[Path, Path]:
    """A small set from the mini seed and its key: ``(root holding data/, key_dir)``."""
    return _generate(tmp_path_factory.mktemp("hw08"))


def _column(path: Path, column: str) -> list[str]:
    with path.open() as f:
        rows = list(csv.DictReader(f))
    assert [r["ID"] for r in rows] == [str(i) for i in range(len(rows))]
    return [r[column] for r in rows]


# ---- the official layout ----------------------------------------------------------------------

def test_files_have_the_official_layout(small_set):
    root, _ = small_set
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*.npy")) == sorted(
        [TRAIN_FILE, TEST_FILE])
    assert check_sets(root) == (N_TRAIN, N_TEST)
    train, test = load_sets(root)  # the sample's np.load(..., allow_pickle=True)
    assert train.shape == (N_TRAIN, SIZE, SIZE, 3) and test.shape == (N_TEST, SIZE, SIZE, 3)
    assert train.dtype == test.dtype == np.uint8
    assert 60 < train.mean() < 200 and train.std() > 30


def test_check_sets_says_what_is_wrong(small_set, tmp_path):
    shutil.copytree(small_set[0] / "data", tmp_path / "data")
    np.save(tmp_path / TEST_FILE, np.zeros((4, SIZE, SIZE, 3), np.float32))
    with pytest.raises(SchemaError, match=r"float32 array of shape \(4, 32, 32, 3\), not uint8"):
        check_sets(tmp_path)
    np.save(tmp_path / TEST_FILE, np.zeros((4, 64, 64, 3), np.uint8))
    with pytest.raises(SchemaError, match="both sets must have one image size"):
        check_sets(tmp_path)
    (tmp_path / TRAIN_FILE).unlink()
    with pytest.raises(SchemaError, match="trainingset.npy is missing"):
        check_sets(tmp_path)


def test_resolve_finds_a_data_folder(small_set, monkeypatch):
    for var in ("COURSE_DATA", "COURSE_DATA_HW08"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(small_set[0])
    assert resolve("hw08") == small_set[0]
    assert spec("hw08").generate() is generator.generate


# ---- the key and the knobs ------------------------------------------------------------------

def test_the_key_goes_only_to_the_answer_folder(small_set):
    root, key = small_set
    assert sorted(p.name for p in key.iterdir()) == sorted([ANSWER_FILE, KINDS_FILE])
    assert [p.name for p in root.iterdir()] == ["data"]
    labels = _column(key / ANSWER_FILE, "label")
    kinds = _column(key / KINDS_FILE, "kind")
    assert len(labels) == N_TEST and set(labels) == {"0", "1"}
    assert labels == [str(int(k != "normal")) for k in kinds]
    n_anomalies = round(N_TEST * generator.ANOMALY_FRACTION)
    hard = round(n_anomalies * generator.HARD_SHARE)
    assert Counter(kinds) == {"normal": N_TEST - n_anomalies,
                              "other_domain": (n_anomalies - hard) // 2,
                              "occlusion": (n_anomalies - hard) - (n_anomalies - hard) // 2,
                              "unseen_colour": hard // 2, "pose": hard - hard // 2}


def test_the_knobs_set_the_anomaly_fraction_and_the_mix():
    rng = np.random.RandomState(0)
    assert Counter(generator.test_kinds(rng, 100, 0.2, 0.0)) == {
        "normal": 80, "other_domain": 10, "occlusion": 10}
    assert Counter(generator.test_kinds(rng, 100, 0.5, 1.0)) == {
        "normal": 50, "unseen_colour": 25, "pose": 25}
    with pytest.raises(ValueError, match="shares between 0 and 1"):
        generator.make_sets(n_train=1, n_test=2, anomaly_fraction=1.5)


def test_normal_test_faces_are_new_faces_of_the_training_stream(small_set):
    """Normal test images are the HW6 stream's faces after the training set, never copies."""
    train, test = load_sets(small_set[0])
    kinds = np.array(_column(small_set[1] / KINDS_FILE, "kind"))
    stream = [np.asarray(image) for _, image in
              faces.draw_faces(generator.SEED, N_TRAIN + (kinds == "normal").sum(), SIZE)]
    assert np.array_equal(np.stack(stream[:N_TRAIN]), train)
    assert np.array_equal(np.stack(stream[N_TRAIN:]), test[kinds == "normal"])


def test_unseen_colours_are_far_from_the_palette():
    rng = np.random.RandomState(0)
    for palette in (faces.HAIR_COLOURS, faces.SKINS, faces.EYE_COLOURS):
        table = np.array(list(palette.values()))
        colours = np.array([generator.unseen_colour(rng, palette) for _ in range(50)])
        distance = np.abs(colours[:, None] - table[None]).sum(-1).min(1)
        assert distance.min() >= generator.MIN_COLOUR_DISTANCE


# ---- the anomalies are the differences they name ---------------------------------------------

def _auc_per_kind(score: np.ndarray, kinds: np.ndarray) -> dict[str, float]:
    normal = kinds == "normal"
    return {kind: roc_auc_score(np.r_[np.zeros(normal.sum()), np.ones((kinds == kind).sum())],
                                np.r_[score[normal], score[kinds == kind]])
            for kind in generator.KINDS[1:]}


def _nearest_distance(train: np.ndarray, test: np.ndarray) -> np.ndarray:
    return ((test[:, None] - train[None]) ** 2).sum(-1).min(1)


def test_a_simple_detector_finds_the_easy_kinds_and_not_all_hard_ones(small_set):
    """Nearest-neighbour distance in pixels (16x16) nearly always flags other-domain images;
    the hard kinds stay subtler than that."""
    train, test = load_sets(small_set[0])
    kinds = np.array(_column(small_set[1] / KINDS_FILE, "kind"))

    def pixels(x):
        return x.reshape(len(x), 16, 2, 16, 2, 3).mean((2, 4)).reshape(len(x), -1) / 255

    auc = _auc_per_kind(_nearest_distance(pixels(train), pixels(test)), kinds)
    assert auc["other_domain"] > 0.97
    assert max(auc["unseen_colour"], auc["occlusion"]) < 0.85
    assert auc["pose"] < auc["other_domain"]


def test_colour_anomalies_show_in_the_colours_and_pose_does_not(small_set):
    """A colour-histogram detector (no layout) sees unseen colours but not a rolled head."""
    train, test = load_sets(small_set[0])
    kinds = np.array(_column(small_set[1] / KINDS_FILE, "kind"))

    def histogram(x):
        return np.stack([np.histogramdd(i.reshape(-1, 3) // 64, bins=4, range=[(0, 4)] * 3)[0]
                         .ravel() for i in x]) / (SIZE * SIZE)

    auc = _auc_per_kind(_nearest_distance(histogram(train), histogram(test)), kinds)
    assert auc["unseen_colour"] > 0.7 and auc["pose"] < 0.6


# ---- seeds and secrets ------------------------------------------------------------------------

def test_the_seed_fixes_the_data_and_a_secret_changes_it(small_set, tmp_path):
    train, test = load_sets(small_set[0])
    kinds = _column(small_set[1] / KINDS_FILE, "kind")
    again, again_key = _generate(tmp_path / "again")
    assert all(np.array_equal(a, b) for a, b in zip(load_sets(again), (train, test),
                                                    strict=True))
    assert _column(again_key / KINDS_FILE, "kind") == kinds
    other, other_key = _generate(tmp_path / "secret", seed=SECRET)
    other_train, other_test = load_sets(other)
    assert _column(other_key / KINDS_FILE, "kind") != kinds
    assert not (other_train == train).all(axis=(1, 2, 3)).any()
    assert not (other_test == test).all(axis=(1, 2, 3)).any()


@pytest.mark.slow
def test_mini_set_matches_the_registry(tmp_path, monkeypatch):
    """The full mini set (what resolve() makes) matches datasets/registry.json."""
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    folder = resolve("hw08")
    assert folder.parent == tmp_path / "cache" / "hw08"
    assert verify_mini("hw08", folder) == []
    assert check_sets(folder) == (generator.N_TRAIN, generator.N_TEST)
