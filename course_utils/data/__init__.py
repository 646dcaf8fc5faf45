"""Homework data: find the official files or make the offline mini set (introduced in HW01)."""

from course_utils.data.hw01 import check_covid_schema, read_covid
from course_utils.data.locate import (
    ChecksumWarning,
    DataNotFoundError,
    make_mini,
    resolve,
    verify_mini,
)
from course_utils.data.registry import DATASETS, DatasetSpec, spec

__all__ = [
    "DATASETS",
    "ChecksumWarning",
    "DataNotFoundError",
    "DatasetSpec",
    "check_covid_schema",
    "make_mini",
    "read_covid",
    "resolve",
    "spec",
    "verify_mini",
]
