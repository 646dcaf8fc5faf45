"""HW6: the anime-faces-synth mini set in the official layout (faces/0.jpg …) and its factors."""

from __future__ import annotations

import csv
import glob
import os
import shutil
from dataclasses import replace
from pathlib import Path

import course_datasets.hw06_anime_faces as generator
import numpy as np
import pytest
import torch
from PIL import Image

import course_utils.transforms as transforms
from course_utils.data import resolve, spec, verify_mini
from course_utils.data.hw06 import (
    FACTORS_FILE,
    REFERENCE_FILE,
    THUMBNAILS_FILE,
    SchemaError,
    check_faces,
    face_files,
)

N_SMALL = 240  # faces in the test set: every factor value shows up, and it takes about 1.5 s
N_OTHER = 40   # faces drawn from another seed or a secret
SECRET = "0123456789abcdef0123456789abcdef"


def _generate(root: Path, **kwargs) -> tuple[Path, Path]:
    generator.generate(root / "data", root / "key", **{"n_faces": N_SMALL, **kwargs})
    return root / "data", root / "key"


@pytest.fixture(scope="module")
def small_set(tmp_path_factory) -> tuple[Path, Path]:
    """A small set from the mini seed and its factor table: ``(data_dir, key_dir)``."""
    return _generate(tmp_path_factory.mktemp("hw06"))


def _factor_table(key: Path) -> list[dict[str, str]]:
    with (key / FACTORS_FILE).open() as f:
        return list(csv.DictReader(f))


def _pixels(folder: Path) -> np.ndarray:
    return np.stack([np.asarray(Image.open(f)) for f in face_files(folder)])


def _crown_colour(image: Image.Image) -> np.ndarray:
    """The median colour of a patch of the crown, between the shine band and the fringe."""
    s = image.width
    patch = np.asarray(image)[round(0.26 * s):round(0.31 * s), round(0.44 * s):round(0.56 * s)]
    return np.median(patch.reshape(-1, 3), axis=0)


# ---- the official layout ----------------------------------------------------------------------

def test_files_have_the_official_layout(small_set):
    data, _ = small_set
    assert sorted(p.name for p in data.iterdir()) == ["faces"]
    assert check_faces(data / "faces") == N_SMALL
    files = face_files(data / "faces")
    assert [Path(f).name for f in files] == [f"{i}.jpg" for i in range(N_SMALL)]
    for f in files[:20]:
        with Image.open(f) as image:
            assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (64, 64))


def test_the_grading_profile_draws_32_pixel_faces(tmp_path):
    generator.generate(tmp_path, n_faces=3, size=32)
    with Image.open(tmp_path / "faces" / "2.jpg") as image:
        assert image.size == (32, 32)


def test_official_loading_code_reads_the_mini_files(small_set):
    # the sample's get_dataset: every file in faces/, resized to 64x64 and normalised to [-1, 1]
    fnames = glob.glob(os.path.join(small_set[0], "faces", "*"))
    transform = transforms.Compose([
        transforms.Resize((64, 64)),
        transforms.ToTensor(),
        transforms.Normalize(mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)),
    ])
    images = torch.stack([transform(Image.open(f)) for f in fnames[:64]])
    assert len(fnames) == N_SMALL and images.shape == (64, 3, 64, 64)
    assert images.min() >= -1 and images.max() <= 1 and images.std() > 0.3


def test_check_faces_says_what_is_wrong(small_set, tmp_path):
    broken = tmp_path / "faces"
    shutil.copytree(small_set[0] / "faces", broken)
    (broken / "notes.txt").write_text("x")
    with pytest.raises(SchemaError, match="'notes.txt' is not named <number>.jpg"):
        check_faces(broken)
    (broken / "notes.txt").unlink()
    (broken / "7.jpg").unlink()
    with pytest.raises(SchemaError, match="without gaps"):
        check_faces(broken)
    with pytest.raises(SchemaError, match="unzip faces.zip"):
        check_faces(tmp_path / "elsewhere")


def test_resolve_finds_a_faces_folder(small_set, monkeypatch):
    for var in ("COURSE_DATA", "COURSE_DATA_HW06"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(small_set[0])
    assert resolve("hw06") == small_set[0]
    assert spec("hw06").generate() is generator.generate


# ---- the factors ------------------------------------------------------------------------------

def test_factors_go_only_to_the_answer_folder_and_every_value_appears(small_set):
    data, key = small_set
    assert sorted(p.name for p in key.iterdir()) == sorted([FACTORS_FILE, REFERENCE_FILE,
                                                            THUMBNAILS_FILE])
    assert all(p.suffix == ".jpg" for p in (data / "faces").iterdir())
    rows = _factor_table(key)
    assert [r["file"] for r in rows] == [f"{i}.jpg" for i in range(N_SMALL)]
    for name, values in generator.FACTOR_VALUES.items():
        assert sorted({r[name] for r in rows}) == sorted(values), name


def test_the_hair_colour_is_drawn(small_set):
    """The crown's colour names the hair colour of the factor table (what the grader's
    attribute classifier learns): nearest palette colour, right for almost every face."""
    names = list(generator.HAIR_COLOURS)
    palette = np.array([generator.HAIR_COLOURS[n] for n in names], dtype=float)
    rows = _factor_table(small_set[1])
    hits = []
    for f, row in zip(face_files(small_set[0] / "faces"), rows, strict=True):
        colour = _crown_colour(Image.open(f))
        hits.append(names[np.abs(palette - colour).sum(1).argmin()] == row["hair_colour"])
    assert np.mean(hits) > 0.95


def test_render_takes_explicit_and_unseen_factor_values():
    """HW8 draws anomalies by passing factor values the mini set never uses."""
    factors = generator.sample_factors(np.random.RandomState(0))
    face = generator.render(factors, np.random.RandomState(1))
    assert np.array_equal(np.asarray(face),
                          np.asarray(generator.render(factors, np.random.RandomState(1))))
    white = generator.render(replace(factors, hair_colour=(250, 250, 250)),
                             np.random.RandomState(1))
    assert _crown_colour(white).min() > 200 > _crown_colour(face).min()
    other_mouth = generator.render(replace(factors, mouth="grin" if factors.mouth != "grin"
                                           else "flat"), np.random.RandomState(1))
    assert not np.array_equal(np.asarray(other_mouth), np.asarray(face))


def test_factors_reject_unknown_values():
    factors = generator.sample_factors(np.random.RandomState(0))
    with pytest.raises(ValueError, match="mouth must be one of smile, grin, flat, oh, not 'wink'"):
        replace(factors, mouth="wink")
    with pytest.raises(ValueError, match=r"or an \(r, g, b\) triple, not 'teal'"):
        replace(factors, hair_colour="teal")


# ---- seeds and secrets ------------------------------------------------------------------------

def test_the_seed_fixes_the_data_and_a_secret_changes_it(small_set, tmp_path):
    data, key = small_set
    again, again_key = _generate(tmp_path / "again", n_faces=N_OTHER)
    assert np.array_equal(_pixels(again / "faces"), _pixels(data / "faces")[:N_OTHER])
    table = (key / FACTORS_FILE).read_text().splitlines()[:N_OTHER + 1]
    assert (again_key / FACTORS_FILE).read_text().splitlines() == table
    for seed in (generator.SEED + 1, SECRET):
        other, other_key = _generate(tmp_path / str(seed), n_faces=N_OTHER, seed=seed)
        assert (other_key / FACTORS_FILE).read_text().splitlines() != table
        same = (_pixels(other / "faces") == _pixels(data / "faces")[:N_OTHER]).all(axis=(1, 2, 3))
        assert not same.any()


@pytest.mark.slow
def test_mini_set_matches_the_registry(tmp_path, monkeypatch):
    """The full mini set (what resolve() makes) matches datasets/registry.json, and its first
    faces are the small test set's (one random stream, face after face)."""
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    folder = resolve("hw06")
    assert folder.parent == tmp_path / "cache" / "hw06"
    assert verify_mini("hw06", folder) == []
    assert check_faces(folder / "faces") == generator.N_FACES
    small, _ = _generate(tmp_path / "small", n_faces=10)
    assert np.array_equal(_pixels(small / "faces"), _pixels(folder / "faces")[:10])
