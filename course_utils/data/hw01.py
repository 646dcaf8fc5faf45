"""HW1 COVID-19 files: the official reading code and a schema check (introduced in HW01)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

STATES = tuple("AL AK AZ AR CA CO CT FL GA ID IL IN IA KS KY LA MD MA MI MN MS MO NE NV NJ NM NY "
               "NC OH OK OR RI SC TX UT VA WA".split())
DAY_FEATURES = tuple(
    "cli ili hh_cmnty_cli nohh_cmnty_cli wearing_mask travel_outside_state work_outside_home "
    "shop restaurant spent_time large_event public_transit anxious depressed worried_finances "
    "tested_positive".split()
)
N_DAYS = 5
TRAIN_COLUMNS = 1 + len(STATES) + len(DAY_FEATURES) * N_DAYS
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
    if tuple(frame.columns[1:1 + len(STATES)]) != STATES:
        raise SchemaError(f"{what}: columns 1-37 must be the one-hot states AL … WA in order.")
    day_names = [c.split(".")[0] for c in frame.columns[1 + len(STATES):]]
    if day_names != list(DAY_FEATURES * N_DAYS)[: len(day_names)]:
        raise SchemaError(f"{what}: the day columns must repeat the same 16 names 5 times, "
                          f"in the official order ({', '.join(DAY_FEATURES)}).")
    states = frame.iloc[:, 1:1 + len(STATES)]
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
