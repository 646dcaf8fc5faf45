"""Mini COVID-19 survey data in the official HW1 layout (ml2022spring-hw1).

Each state has a latent epidemic level ``z`` (an AR(1) process on a log scale). The sixteen
daily survey features observe it with state offsets, loadings and noise: the illness
indicators strongly, the behaviour indicators weakly or not at all, several of them
collinear. ``tested_positive`` is a nonlinear function of ``z`` plus noise. Rows are 5-day
sliding windows per state, as in the official files; the target is day 5's
``tested_positive``. The test answers are written only when ``answers_dir`` is given.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from course_utils.data import hw01

VERSION = 1
SEED = 2022
STATES = list(hw01.STATES)
FEATURES = list(hw01.DAY_FEATURES)
DAYS = 5
# Difficulty knobs: loading of each survey feature on the latent level, and its noise.
LOADINGS = {"cli": 1.0, "ili": 0.95, "hh_cmnty_cli": 1.6, "nohh_cmnty_cli": 1.4,
            "wearing_mask": 0.15, "travel_outside_state": -0.1, "work_outside_home": 0.0,
            "shop": 0.0, "restaurant": -0.05, "spent_time": 0.0, "large_event": 0.0,
            "public_transit": 0.0, "anxious": 0.3, "depressed": 0.0, "worried_finances": 0.1}
NOISE = {"cli": 0.25, "ili": 0.25, "hh_cmnty_cli": 0.3, "nohh_cmnty_cli": 0.3}
IRRELEVANT_NOISE = 2.0
TARGET_NOISE = 0.6
DAYS_PER_STATE = 34
TEST_FRACTION = 0.27
AR_PHI = 0.93
AR_SIGMA = 0.09


def header() -> list[str]:
    """The official header: id, 37 states, then 5 days x 16 features with repeated names."""
    return ["id", *STATES, *(FEATURES * DAYS)]


def _state_series(rng: np.random.RandomState, days: int) -> np.ndarray:
    """(days, 16) daily features of one state."""
    level = rng.uniform(-0.6, 0.6)
    z = np.empty(days)
    z[0] = level + rng.normal(0, 0.3)
    for t in range(1, days):
        z[t] = level + AR_PHI * (z[t - 1] - level) + rng.normal(0, AR_SIGMA)
    cols = []
    for name in FEATURES[:-1]:
        offset = rng.uniform(2.0, 30.0)
        noise = NOISE.get(name, IRRELEVANT_NOISE if LOADINGS[name] == 0 else 0.8)
        cols.append(offset + 4.0 * LOADINGS[name] * z + rng.normal(0, noise, days))
    positive = 16.0 * np.exp(0.9 * z) / (1.0 + 0.15 * np.exp(0.9 * z)) + rng.normal(0, TARGET_NOISE, days)
    cols.append(positive)
    return np.clip(np.stack(cols, axis=1), 0.0, 100.0)


def windows(seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """All 5-day windows: (rows, 37 one-hot + 80 features) and the state of each row."""
    rng = np.random.RandomState(seed)
    rows, states = [], []
    for s, _ in enumerate(STATES):
        series = _state_series(rng, DAYS_PER_STATE)
        onehot = np.eye(len(STATES))[s]
        for d in range(DAYS_PER_STATE - DAYS + 1):
            rows.append(np.concatenate([onehot, series[d:d + DAYS].ravel()]))
            states.append(s)
    return np.round(np.array(rows), 5), np.array(states)


def _write_csv(path: Path, columns: list[str], ids: np.ndarray, values: np.ndarray) -> None:
    lines = [",".join(columns)]
    for i, row in zip(ids, values, strict=True):
        lines.append(",".join([str(int(i)), *(f"{v:.5f}".rstrip("0").rstrip(".") for v in row)]))
    path.write_text("\n".join(lines) + "\n")


def generate(data_dir: str | Path, answers_dir: str | Path | None = None, seed: int = SEED) -> None:
    """Write ``covid.train.csv`` and ``covid.test.csv`` (and the answer key, if asked)."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    rows, _ = windows(seed)
    rng = np.random.RandomState(seed + 1)
    order = rng.permutation(len(rows))
    n_test = int(round(TEST_FRACTION * len(rows)))
    test, train = rows[order[:n_test]], rows[order[n_test:]]
    cols = header()
    _write_csv(data_dir / "covid.train.csv", cols, np.arange(len(train)), train)
    _write_csv(data_dir / "covid.test.csv", cols[:-1], np.arange(len(test)), test[:, :-1])
    if answers_dir is not None:
        answers_dir = Path(answers_dir)
        answers_dir.mkdir(parents=True, exist_ok=True)
        _write_csv(answers_dir / "covid.test.answers.csv", ["id", "tested_positive"],
                   np.arange(len(test)), test[:, -1:])
