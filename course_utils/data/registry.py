"""What each homework's data looks like and where it may be found (introduced in HW01)."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class DatasetSpec:
    """One homework's official files, how to recognise them, and its mini-set generator."""

    hw: str
    title: str
    files: tuple[str, ...]
    kaggle_slug: str
    generator: str
    official_source: str

    @property
    def sentinel(self) -> str:
        """The file whose presence marks a data directory."""
        return self.files[0]

    def generate(self) -> Callable[..., None]:
        """The generator ``generate(data_dir, answers_dir=None, seed=...)``."""
        return importlib.import_module(self.generator).generate

    def instructions(self) -> str:
        """How a student provides the data, in words."""
        return (
            f"Provide the {self.title} data ({', '.join(self.files)}) in one of these ways:\n"
            f"  - pass data_dir=... to resolve({self.hw!r}) or set $COURSE_DATA_{self.hw.upper()}"
            f" (or $COURSE_DATA to a folder holding {self.hw}/);\n"
            + (f"  - on Kaggle, add the competition data '{self.kaggle_slug}' to the notebook;\n"
               if self.kaggle_slug else "")
            + "  - on Colab or locally, put the files in the working directory;\n"
            f"  - or call resolve({self.hw!r}, prefer='mini') for the offline mini set.\n"
            f"Official source: {self.official_source}"
        )


DATASETS: dict[str, DatasetSpec] = {
    "hw01": DatasetSpec(
        hw="hw01",
        title="COVID-19 cases (HW1)",
        files=("covid.train.csv", "covid.test.csv"),
        kaggle_slug="ml2022spring-hw1",
        generator="course_datasets.hw01_covid",
        official_source="https://www.kaggle.com/competitions/ml2022spring-hw1/data",
    ),
    "hw02": DatasetSpec(
        hw="hw02",
        title="LibriSpeech phoneme frames (HW2)",
        files=("libriphone/train_split.txt", "libriphone/train_labels.txt",
               "libriphone/test_split.txt"),
        kaggle_slug="ml2022spring-hw2",
        generator="course_datasets.hw02_libriphone",
        official_source="https://www.kaggle.com/competitions/ml2022spring-hw2/data",
    ),
    "hw03": DatasetSpec(
        hw="hw03",
        title="Food-11 images (HW3)",
        files=("food11/training", "food11/validation", "food11/test"),
        kaggle_slug="ml2022spring-hw3b",
        generator="course_datasets.hw03_food11",
        official_source="https://www.kaggle.com/competitions/ml2022spring-hw3b/data",
    ),
    "hw04": DatasetSpec(
        hw="hw04",
        title="VoxCeleb speaker mel features (HW4)",
        files=("Dataset/metadata.json", "Dataset/mapping.json", "Dataset/testdata.json"),
        kaggle_slug="ml2022spring-hw4",
        generator="course_datasets.hw04_speaker",
        official_source="https://www.kaggle.com/competitions/ml2022spring-hw4/data",
    ),
    "hw05": DatasetSpec(
        hw="hw05",
        title="TED2020 English-Chinese translation (HW5)",
        files=("DATA/rawdata/ted2020/raw.en", "DATA/rawdata/ted2020/raw.zh",
               "DATA/rawdata/ted2020/test/test.en", "DATA/rawdata/ted2020/test/test.zh",
               "DATA/rawdata/mono/ted_zh_corpus.deduped.gz"),
        kaggle_slug="",
        generator="course_datasets.hw05_ted2020",
        official_source="the course's HW5 sample notebook (ted2020.tgz, test.tgz and "
                        "ted_zh_corpus.deduped.gz from its download cell; graded on JudgeBoi, "
                        "not Kaggle)",
    ),
    "hw06": DatasetSpec(
        hw="hw06",
        title="Crypko anime faces (HW6)",
        files=("faces",),
        kaggle_slug="",
        generator="course_datasets.hw06_anime_faces",
        official_source="the course's HW6 sample notebook (faces.zip from the Hugging Face "
                        "dataset LeoFeng/MLHW_6, unzipped into faces/; graded on JudgeBoi, "
                        "not Kaggle)",
    ),
    "hw07": DatasetSpec(
        hw="hw07",
        title="DRCD extractive question answering (HW7)",
        files=("hw7_train.json", "hw7_dev.json", "hw7_test.json"),
        kaggle_slug="ml2022spring-hw7",
        generator="course_datasets.hw07_drcd",
        official_source="https://www.kaggle.com/competitions/ml2022spring-hw7/data",
    ),
    "hw08": DatasetSpec(
        hw="hw08",
        title="face images for anomaly detection (HW8)",
        files=("data/trainingset.npy", "data/testingset.npy"),
        kaggle_slug="ml2022spring-hw8",
        generator="course_datasets.hw08_anomaly",
        official_source="https://www.kaggle.com/competitions/ml2022spring-hw8/data",
    ),
}


def spec(hw: str) -> DatasetSpec:
    """The :class:`DatasetSpec` of a homework id such as ``'hw01'``."""
    key = hw.lower()
    if key not in DATASETS:
        raise KeyError(f"No dataset registered for {hw!r}; known: {', '.join(sorted(DATASETS))}.")
    return DATASETS[key]


def mini_record(hw: str) -> dict:
    """The generator version and content digests recorded for the mini set."""
    text = resources.files("course_datasets").joinpath("registry.json").read_text()
    return json.loads(text)[hw]


def registry_path() -> Path:
    """Path of ``datasets/registry.json`` (written by ``course-data record``)."""
    return Path(str(resources.files("course_datasets").joinpath("registry.json")))
