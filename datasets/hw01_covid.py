"""Mini COVID-19 survey data in the official HW1 layout (ml2022spring-hw1), fitted to the real data.

Each state has a latent epidemic level ``z``: the state's own level, a national trend shared
by all states, and an AR(1) day-to-day deviation. The fifteen survey features observe ``z``
with state offsets, loadings and day noise; ``tested_positive`` is ``a·exp(b·z)`` plus noise,
so its day-to-day change grows with its level. Rows are 5-day sliding
windows per state (37 x 102, the official row counts: 2699 train, 1075 test), listed roughly
in date order (as in the official files, where ``id`` correlates 0.26 with the target); train
and test are a random split, each numbered from 0. The official row counts matter: the
sample's unscaled SGD is hurt by the size of ``id`` (0-2698) on the real file, and with the
spec's 810 rows it was not (measured, see homework/hw01/INSTRUCTOR.md).
The test answers, and the grader's copy of all rows for the report question, are written only
when ``answers_dir`` is given.

Fitted to the official ``covid.train.csv`` (measured, never copied): target mean 9.8 and sd 6.4,
the illness columns correlated 0.86-0.9 with the target, large state offsets in every column,
``id`` correlated 0.26 with the target, day-to-day changes with almost no autocorrelation. One
deliberate difference: the day-to-day change has half the real spread (sd 0.6 instead of 1.1).
With the real spread a few high-level states' jumps made up most of a test half's MSE, so a
half's score varied more between data seeds than one rung of the ladder moves it (version 4).
Every data seed also draws its states' levels and loadings stratified and gives every state's
daily path the same spread, for the same reason.

What each knob is for (INSTRUCTOR.md has the ladder they make):

* ``cli``/``ili``: small-valued (about 1 %) but precise from day to day: how today differs
  from yesterday shows in them, which only a model on standardized inputs trained with a
  better optimizer picks up. How much a state's cases move per unit of ``cli`` differs between
  states (``LOADING_SPREAD``): a bigger network, kept smooth by L2, learns that faster.
* ``hh_cmnty_cli``/``nohh_cmnty_cli``: large-valued and noisy from day to day.
* behaviour and mood columns: weak or no loading on ``z``, large state offsets and noise
  (``wearing_mask`` the largest, as in the real data).
* ``id``: the row number, a trap for "use all features".
"""

from __future__ import annotations

from pathlib import Path
from statistics import NormalDist

import numpy as np

from course_utils.data import hw01, secret

VERSION = 5
SEED = 2022
STATES = list(hw01.STATES)
FEATURES = list(hw01.DAY_FEATURES)
DAYS = 5

# ---- difficulty knobs -------------------------------------------------------------------
DAYS_PER_STATE = 106            # 37 states x 102 windows = 3774 rows, as in the real files
N_TRAIN = 2699                  # as in the real file (id 0-2698); the other 1075 rows: test
STATE_LEVEL = (-3.2, 3.2)       # states' own latent levels, stratified uniform
TREND = 1.4                     # national trend over the period (-TREND .. +TREND)
AR_PHI, AR_SIGMA = 0.9, 0.14    # daily deviations: what the lagged cases cannot foresee
POSITIVE = (8.0, 0.3)           # tested_positive = a·e^(b·z) + noise
TARGET_NOISE = 0.05
ORDER_JITTER = 0.1              # rows sorted by date + N(0, jitter) in units of the period
LOADING_SPREAD = 0.5            # sd of log(loading) across states for cli and ili
SPREAD_FEATURES = ("cli", "ili")
# name: (mean, state sd, loading on z, day noise sd), in percent like the official columns
SURVEY = {
    "cli": (0.93, 0.15, 0.40, 0.005),
    "ili": (0.94, 0.15, 0.40, 0.005),
    "hh_cmnty_cli": (15.1, 2.5, 6.5, 0.6),
    "nohh_cmnty_cli": (11.4, 2.5, 6.0, 0.6),
    "wearing_mask": (52.0, 9.0, 0.0, 12.0),
    "travel_outside_state": (15.9, 4.4, -0.2, 1.5),
    "work_outside_home": (33.0, 2.7, 2.0, 1.5),
    "shop": (66.0, 1.5, -0.8, 1.9),
    "restaurant": (34.7, 3.4, -0.5, 2.5),
    "spent_time": (44.8, 3.1, 0.0, 2.0),
    "large_event": (19.9, 3.0, 0.9, 1.8),
    "public_transit": (4.7, 1.8, -0.8, 0.5),
    "anxious": (11.9, 1.4, 1.2, 1.2),
    "depressed": (10.0, 1.1, 0.7, 0.9),
    "worried_finances": (34.8, 3.1, 1.0, 1.4),
}
KEY_FILE = "covid.report_key.csv"  # all rows with targets, for questions_hw01 (answers only)


def header() -> list[str]:
    """The official header: id, 37 states, then 5 days x 16 features with repeated names."""
    return ["id", *STATES, *(FEATURES * DAYS)]


def _trend(days: int) -> np.ndarray:
    return TREND * np.linspace(-1.0, 1.0, days)


def _offsets(rng: np.random.RandomState, levels: np.ndarray) -> np.ndarray:
    """(states, survey columns) state offsets, uncorrelated with the states' levels: a column
    is linked to the epidemic by its loading only (a chance correlation of 37 random offsets
    with the levels gave a no-loading column |corr| 0.46 with the target on one data seed)."""
    sd = np.array([state_sd for _, state_sd, _, _ in SURVEY.values()])
    offsets = rng.normal(size=(len(levels), len(SURVEY)))
    centred = levels - levels.mean()
    offsets -= np.outer(centred, centred @ offsets) / (centred @ centred)
    return sd * offsets / offsets.std(axis=0)


def _state_series(rng: np.random.RandomState, trend: np.ndarray, level: float,
                  spread: float, offsets: np.ndarray) -> np.ndarray:
    """(days, 16) daily values of one state with latent level ``level``, ``cli``/``ili``
    loadings scaled by ``spread`` and the survey columns' state ``offsets``."""
    days = len(trend)
    deviation = np.empty(days)
    deviation[0] = rng.normal(0.0, AR_SIGMA / np.sqrt(1.0 - AR_PHI**2))
    for t in range(1, days):
        deviation[t] = AR_PHI * deviation[t - 1] + rng.normal(0.0, AR_SIGMA)
    # every state's path has the stationary spread, so no data seed is much calmer than another
    deviation *= AR_SIGMA / np.sqrt(1.0 - AR_PHI**2) / deviation.std()
    z = level + trend + deviation
    values = {}
    for offset, (name, (mean, _, loading, noise_sd)) in zip(offsets, SURVEY.items(), strict=True):
        if name in SPREAD_FEATURES:
            loading = loading * spread
        values[name] = mean + offset + loading * z + rng.normal(0.0, noise_sd, days)
    a, b = POSITIVE
    values["tested_positive"] = a * np.exp(b * z) + rng.normal(0.0, TARGET_NOISE, days)
    return np.clip(np.stack([values[f] for f in FEATURES], axis=1), 0.0, 100.0)


def windows(seed: secret.Seed = SEED) -> tuple[np.ndarray, np.ndarray]:
    """All 5-day windows in file order: (rows, 37 one-hot + 80 features) and each row's state.
    The file order is the date plus a little jitter, as in the official files."""
    rng = secret.rng(seed)
    trend = _trend(DAYS_PER_STATE)
    low, high = STATE_LEVEL
    levels = low + (high - low) * secret.stratified(rng, len(STATES))
    spreads = np.exp(LOADING_SPREAD * np.array(
        [NormalDist().inv_cdf(u) for u in secret.stratified(rng, len(STATES))]))
    offsets = _offsets(rng, levels)
    series = [_state_series(rng, trend, level, spread, offset)
              for level, spread, offset in zip(levels, spreads, offsets, strict=True)]
    onehot = np.eye(len(STATES))
    rows, states, dates = [], [], []
    for d in range(DAYS_PER_STATE - DAYS + 1):
        for s in range(len(STATES)):
            rows.append(np.concatenate([onehot[s], series[s][d:d + DAYS].ravel()]))
            states.append(s)
            dates.append(d / (DAYS_PER_STATE - DAYS))
    order = np.argsort(np.array(dates) + rng.normal(0.0, ORDER_JITTER, len(dates)),
                       kind="stable")
    return np.round(np.array(rows), 5)[order], np.array(states)[order]


def _write_csv(path: Path, columns: list[str], ids: np.ndarray, values: np.ndarray,
               first: list[str] | None = None) -> None:
    lines = [",".join(columns)]
    for k, (i, row) in enumerate(zip(ids, values, strict=True)):
        cells = [str(int(i)), *(f"{v:.5f}".rstrip("0").rstrip(".") for v in row)]
        lines.append(",".join(([first[k]] if first else []) + cells))
    path.write_text("\n".join(lines) + "\n")


def split(seed: secret.Seed = SEED) -> tuple[np.ndarray, np.ndarray]:
    """(train rows, test rows) of a random split; each part keeps the file order."""
    rows, _ = windows(seed)
    order = secret.rng(seed, 1).permutation(len(rows))
    return rows[np.sort(order[:N_TRAIN])], rows[np.sort(order[N_TRAIN:])]


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
        # the grader's copy of every row (pandas names), for the report question
        names = ["split", "id", *STATES, *(f"{f}{'' if d == 0 else f'.{d}'}" for d in range(DAYS)
                                           for f in FEATURES)]
        _write_csv(answers_dir / KEY_FILE, names,
                   np.r_[np.arange(len(train)), np.arange(len(test))], np.r_[train, test],
                   first=["train"] * len(train) + ["test"] * len(test))
