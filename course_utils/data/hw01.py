"""HW1 COVID-19 files: the official reading code and a schema check (introduced in HW01)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

N_STATES = 37
N_DAY_FEATURES = 16
N_DAYS = 5
TRAIN_COLUMNS = 1 + N_STATES + N_DAY_FEATURES * N_DAYS
TARGET = "tested_positive.4"


class SchemaError(ValueError):
    """A file does not have the official HW1 layout."""


def check_covid_schema(frame: pd.DataFrame, train: bool) -> None:
    """Raise :class:`SchemaError` unless ``frame`` has the official train/test layout."""
    expected = TRAIN_COLUMNS if train else TRAIN_COLUMNS - 1
    what = "covid.train.csv" if train else "covid.test.csv"
    if frame.shape[1] != expected:
        raise SchemaError(f"{what} has {frame.shape[1]} columns; the official file has {expected}.")
    if frame.columns[0] != "id":
        raise SchemaError(f"{what}: the first column must be 'id', not {frame.columns[0]!r}.")
    day_names = [c.split(".")[0] for c in frame.columns[1 + N_STATES:]]
    first_day = day_names[:N_DAY_FEATURES]
    if first_day[-1] != "tested_positive" or day_names[: len(day_names)] != (
            first_day * N_DAYS)[: len(day_names)]:
        raise SchemaError(f"{what}: the day columns must repeat the same 16 names 5 times.")
    states = frame.iloc[:, 1:1 + N_STATES]
    if not states.isin([0, 1]).all().all() or not (states.sum(axis=1) == 1).all():
        raise SchemaError(f"{what}: the 37 state columns must be one-hot.")
    if frame.isna().any().any():
        raise SchemaError(f"{what} has missing values.")
    if train and frame.columns[-1] != TARGET:
        raise SchemaError(f"covid.train.csv must end with {TARGET!r}.")


def read_covid(data_dir: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read ``covid.train.csv`` and ``covid.test.csv`` (official or mini) and check both."""
    data_dir = Path(data_dir)
    train = pd.read_csv(data_dir / "covid.train.csv")
    test = pd.read_csv(data_dir / "covid.test.csv")
    check_covid_schema(train, train=True)
    check_covid_schema(test, train=False)
    return train, test
