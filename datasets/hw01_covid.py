"""Mini COVID-19 survey data in the official HW1 layout (ml2022spring-hw1).

Each state has a latent epidemic level ``z`` on a log scale: the state's own level, a national
wave shared by all states, and an AR(1) day-to-day deviation. The fifteen survey features
observe ``z`` with state offsets, loadings and noise, and ``tested_positive`` is a nonlinear
(saturating exponential) function of ``z`` plus noise. Rows are 5-day sliding windows per
state, listed date by date as in a data export; the target is day 5's ``tested_positive``.
The test answers are written only when ``answers_dir`` is given.

What each survey feature is for (the difficulty knobs below set how much each one helps):

* ``hh_cmnty_cli``/``nohh_cmnty_cli``: large-valued, almost free of state offsets, noisy from
  day to day (and collinear with each other): the plain SGD of the sample code can use them.
* ``cli``: small-valued (about 1 %) and almost free of state offsets: useful only after
  standardization.
* ``ili``: large state offsets hide it from a correlation ranking, but its day-to-day change
  tracks the epidemic exactly: found by a better feature selection.
* the behaviour and mood columns: weak or no signal, some confounded with the state's level.
* ``id``: the row number. Rows are in date order and the national wave rises over the
  period, so ``id`` correlates with the target in the training file but means something else
  in the (shorter) test file: a trap for "use all features".
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from course_utils.data import hw01, secret

VERSION = 2
SEED = 2022
STATES = list(hw01.STATES)
FEATURES = list(hw01.DAY_FEATURES)
DAYS = 5

# ---- difficulty knobs -------------------------------------------------------------------
DAYS_PER_STATE = 34             # 37 states x 30 windows = 1110 rows
TEST_FRACTION = 0.27            # 300 test rows, 810 train rows
STATE_LEVEL = 0.3               # states' own log-levels are uniform in ±STATE_LEVEL
WAVE = 1.4                      # amplitude of the national wave (log scale)
AR_PHI, AR_SIGMA = 0.9, 0.1     # daily deviations: what the lagged cases cannot foresee
POSITIVE = (16.0, 0.6, 0.15)    # tested_positive = a·e^(b·z) / (1 + c·e^(b·z)) + noise
TARGET_NOISE = 0.4
# name: (mean, state sd, loading on z, day noise sd), in percent like the official columns
SURVEY = {
    "cli": (1.2, 0.03, 0.35, 0.045),
    "ili": (4.5, 0.8, 0.35, 0.007),
    "hh_cmnty_cli": (30.0, 1.5, 9.0, 1.1),
    "nohh_cmnty_cli": (25.0, 1.3, 8.0, 1.0),
    "wearing_mask": (92.0, 2.0, 0.8, 1.0),
    "travel_outside_state": (9.0, 2.0, -0.5, 1.0),
    "work_outside_home": (32.0, 3.0, 0.0, 3.0),
    "shop": (57.0, 3.0, 0.0, 3.0),
    "restaurant": (20.0, 3.0, -0.6, 1.5),
    "spent_time": (37.0, 3.0, 0.0, 3.0),
    "large_event": (15.0, 3.0, 0.0, 3.0),
    "public_transit": (2.5, 1.2, 0.0, 1.0),
    "anxious": (13.0, 2.0, 0.6, 1.0),
    "depressed": (14.0, 2.0, 0.0, 2.0),
    "worried_finances": (37.0, 3.0, 0.3, 1.5),
}
# Collinearity: this share of the first feature's day noise is the second one's too.
COLLINEAR = {"nohh_cmnty_cli": ("hh_cmnty_cli", 0.9)}
# Confounding: correlation of a state's offset with the state's own level.
CONFOUNDED = {"wearing_mask": -0.4, "travel_outside_state": 0.35, "restaurant": 0.35,
              "large_event": 0.4, "public_transit": -0.35, "worried_finances": 0.4,
              "anxious": 0.3}


def header() -> list[str]:
    """The official header: id, 37 states, then 5 days x 16 features with repeated names."""
    return ["id", *STATES, *(FEATURES * DAYS)]


def _national_wave(days: int) -> np.ndarray:
    return WAVE * np.sin(np.linspace(-1.2, 1.8, days))


def _state_series(rng: np.random.RandomState, wave: np.ndarray) -> np.ndarray:
    """(days, 16) daily values of one state."""
    days = len(wave)
    level = rng.uniform(-STATE_LEVEL, STATE_LEVEL)
    deviation = np.empty(days)
    deviation[0] = rng.normal(0.0, AR_SIGMA / np.sqrt(1.0 - AR_PHI**2))
    for t in range(1, days):
        deviation[t] = AR_PHI * deviation[t - 1] + rng.normal(0.0, AR_SIGMA)
    z = level + wave + deviation
    standard_level = level / STATE_LEVEL * np.sqrt(3.0)  # mean 0, sd 1 across states
    values, noises = {}, {}
    for name, (mean, state_sd, loading, noise_sd) in SURVEY.items():
        rho = CONFOUNDED.get(name, 0.0)
        offset = state_sd * (rho * standard_level + np.sqrt(1.0 - rho**2) * rng.normal())
        noise = rng.normal(0.0, noise_sd, days)
        if name in COLLINEAR:
            source, share = COLLINEAR[name]
            noise = share * noises[source] * noise_sd / SURVEY[source][3] + np.sqrt(
                1.0 - share**2) * noise
        noises[name] = noise
        values[name] = mean + offset + loading * z + noise
    a, b, c = POSITIVE
    growth = np.exp(b * z)
    values["tested_positive"] = a * growth / (1.0 + c * growth) + rng.normal(
        0.0, TARGET_NOISE, days)
    return np.clip(np.stack([values[f] for f in FEATURES], axis=1), 0.0, 100.0)


def windows(seed: secret.Seed = SEED) -> tuple[np.ndarray, np.ndarray]:
    """All 5-day windows in date order: (rows, 37 one-hot + 80 features) and each row's state."""
    rng = secret.rng(seed)
    wave = _national_wave(DAYS_PER_STATE)
    series = [_state_series(rng, wave) for _ in STATES]
    onehot = np.eye(len(STATES))
    rows, states = [], []
    for d in range(DAYS_PER_STATE - DAYS + 1):
        for s in range(len(STATES)):
            rows.append(np.concatenate([onehot[s], series[s][d:d + DAYS].ravel()]))
            states.append(s)
    return np.round(np.array(rows), 5), np.array(states)


def _write_csv(path: Path, columns: list[str], ids: np.ndarray, values: np.ndarray) -> None:
    lines = [",".join(columns)]
    for i, row in zip(ids, values, strict=True):
        lines.append(",".join([str(int(i)), *(f"{v:.5f}".rstrip("0").rstrip(".") for v in row)]))
    path.write_text("\n".join(lines) + "\n")


def split(seed: secret.Seed = SEED) -> tuple[np.ndarray, np.ndarray]:
    """(train rows, test rows) of a random split; each part keeps the date order."""
    rows, _ = windows(seed)
    order = secret.rng(seed, 1).permutation(len(rows))
    n_test = int(round(TEST_FRACTION * len(rows)))
    return rows[np.sort(order[n_test:])], rows[np.sort(order[:n_test])]


def generate(data_dir: str | Path, answers_dir: str | Path | None = None,
             seed: secret.Seed = SEED) -> None:
    """Write ``covid.train.csv`` and ``covid.test.csv`` (and the answer key, if asked)."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    train, test = split(seed)
    cols = header()
    _write_csv(data_dir / "covid.train.csv", cols, np.arange(len(train)), train)
    _write_csv(data_dir / "covid.test.csv", cols[:-1], np.arange(len(test)), test[:, :-1])
    if answers_dir is not None:
        answers_dir = Path(answers_dir)
        answers_dir.mkdir(parents=True, exist_ok=True)
        _write_csv(answers_dir / "covid.test.answers.csv", ["id", "tested_positive"],
                   np.arange(len(test)), test[:, -1:])
