import pandas as pd
import pytest

from course_utils.data import (
    ChecksumWarning,
    DataNotFoundError,
    check_covid_schema,
    make_mini,
    read_covid,
    resolve,
    spec,
    verify_mini,
)
from course_utils.data.hw01 import SchemaError
from course_utils.data.registry import mini_record


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    for var in ("COURSE_DATA", "COURSE_DATA_HW01"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr("course_utils.data.locate.KAGGLE_INPUT", tmp_path / "kaggle" / "input")
    monkeypatch.setattr("course_utils.data.locate.COLAB_CONTENT", tmp_path / "content")
    monkeypatch.chdir(tmp_path)


def _official_copy(dest):
    dest.mkdir(parents=True)
    src = make_mini("hw01")
    for name in spec("hw01").files:
        (dest / name).write_bytes((src / name).read_bytes())
    return dest


def test_mini_set_is_generated_once_and_verified(tmp_path):
    first = resolve("hw01")
    assert first.parent == tmp_path / "cache" / "hw01"
    assert verify_mini("hw01", first) == []
    mtime = (first / "covid.train.csv").stat().st_mtime_ns
    assert resolve("hw01") == first
    assert (first / "covid.train.csv").stat().st_mtime_ns == mtime
    assert not list(first.parent.glob(".v*"))  # no temporary folders left behind


def test_corrupted_cache_is_regenerated():
    folder = resolve("hw01")
    (folder / "covid.test.csv").write_text("id\n")
    assert verify_mini("hw01", folder) == ["covid.test.csv"]
    assert verify_mini("hw01", resolve("hw01")) == []


def test_other_library_versions_warn_and_go_on(monkeypatch):
    """Data generated under other numpy/Pillow versions (Colab) differs from the registry: the
    notebook gets a warning, not an error, and the set is generated only once."""
    record = {**mini_record("hw01")}
    record["files"] = {**record["files"], "covid.test.csv": "0" * 64}
    monkeypatch.setattr("course_utils.data.locate.mini_record", lambda hw: record)
    with pytest.warns(ChecksumWarning, match="covid.test.csv.*goes on"):
        folder = resolve("hw01")
    assert sorted(p.name for p in folder.iterdir()) == sorted(spec("hw01").files)
    mtime = (folder / "covid.train.csv").stat().st_mtime_ns
    with pytest.warns(ChecksumWarning):
        assert resolve("hw01") == folder
    assert (folder / "covid.train.csv").stat().st_mtime_ns == mtime


def test_answer_key_is_not_in_the_student_folder():
    assert sorted(p.name for p in resolve("hw01").iterdir()) == sorted(spec("hw01").files)


def test_kaggle_input_is_searched_for_the_sentinel(tmp_path):
    found = _official_copy(tmp_path / "kaggle" / "input" / "ml2022spring-hw1" / "nested")
    assert resolve("hw01") == found


def test_working_directory_and_environment_variables(tmp_path, monkeypatch):
    here = _official_copy(tmp_path / "work")
    monkeypatch.chdir(here)
    assert resolve("hw01") == here
    other = _official_copy(tmp_path / "elsewhere" / "hw01")
    monkeypatch.setenv("COURSE_DATA", str(other.parent))
    assert resolve("hw01") == other
    monkeypatch.setenv("COURSE_DATA_HW01", str(here))
    assert resolve("hw01") == here


def test_explicit_folder_without_the_files_names_them(tmp_path):
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "covid.train.csv").write_text("id\n")
    with pytest.raises(DataNotFoundError, match="missing covid.test.csv") as err:
        resolve("hw01", data_dir=tmp_path / "half")
    assert "ml2022spring-hw1" in str(err.value) and "prefer='mini'" in str(err.value)


def test_prefer_official_never_generates(tmp_path):
    with pytest.raises(DataNotFoundError, match="was not found"):
        resolve("hw01", prefer="official")
    assert not (tmp_path / "cache").exists()


def test_unknown_homework_and_preference():
    with pytest.raises(KeyError, match="No dataset registered for 'hw99'"):
        resolve("hw99")
    with pytest.raises(ValueError, match="prefer must be"):
        resolve("hw01", prefer="online")


def test_reader_rejects_a_wrong_layout():
    train, test = read_covid(resolve("hw01"))
    with pytest.raises(SchemaError, match="columns"):
        check_covid_schema(train.drop(columns=["cli"]), train=True)
    shuffled = test[[*test.columns[:38], *reversed(test.columns[38:])]]
    with pytest.raises(SchemaError, match="repeat the same 16 names"):
        check_covid_schema(shuffled, train=False)
    broken = train.copy()
    broken["AL"] = 1
    with pytest.raises(SchemaError, match="one-hot"):
        check_covid_schema(broken, train=True)
    assert isinstance(train, pd.DataFrame)


def test_nested_sentinels_and_folders_are_found_on_kaggle(tmp_path, monkeypatch):
    from course_utils.data.locate import find_official
    from course_utils.data.registry import DatasetSpec

    ds = DatasetSpec("hwxx", "nested", ("food11/training", "food11/test"), "slug", "none", "src")
    root = tmp_path / "kaggle" / "input" / "ml2022spring-hw3b" / "archive"
    for sub in ("training", "test"):
        (root / "food11" / sub).mkdir(parents=True)
    assert find_official(ds) == root  # the folder holding food11/, as the sample code expects


def test_content_digests_ignore_encodings_and_summarise_big_folders(tmp_path):
    import gzip

    import numpy as np
    import torch
    from PIL import Image

    from course_utils.data.checksums import MAX_LISTED, file_digest, tree_digests

    (tmp_path / "a.txt").write_bytes(b"x\r\ny\r\n")
    (tmp_path / "b.txt").write_bytes(b"x\ny\n")
    assert file_digest(tmp_path / "a.txt") == file_digest(tmp_path / "b.txt")
    (tmp_path / "c.gz").write_bytes(gzip.compress(b"x\ny\n", mtime=1))
    (tmp_path / "d.gz").write_bytes(gzip.compress(b"x\ny\n", mtime=2, compresslevel=1))
    assert file_digest(tmp_path / "c.gz") == file_digest(tmp_path / "d.gz")
    tensor = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    torch.save(tensor, tmp_path / "e.pt")
    torch.save(tensor.clone(), tmp_path / "f.pt")
    torch.save(tensor.reshape(4, 3), tmp_path / "g.pt")
    assert file_digest(tmp_path / "e.pt") == file_digest(tmp_path / "f.pt")
    assert file_digest(tmp_path / "e.pt") != file_digest(tmp_path / "g.pt")
    pixels = np.random.RandomState(0).randint(0, 255, (8, 8, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "h.png")
    Image.fromarray(pixels).save(tmp_path / "i.png", compress_level=9)
    assert file_digest(tmp_path / "h.png") == file_digest(tmp_path / "i.png")
    many = tmp_path / "feat" / "train"
    many.mkdir(parents=True)
    for i in range(MAX_LISTED + 1):
        (many / f"{i}.txt").write_text(str(i))
    digests = tree_digests(tmp_path)
    assert "feat/train/*" in digests and not any(k.startswith("feat/train/0") for k in digests)
    (many / "3.txt").write_text("changed")
    assert tree_digests(tmp_path)["feat/train/*"] != digests["feat/train/*"]
