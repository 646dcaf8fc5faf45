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
            f"  - on Kaggle, add the competition data '{self.kaggle_slug}' to the notebook;\n"
            f"  - on Colab or locally, put the files in the working directory;\n"
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
