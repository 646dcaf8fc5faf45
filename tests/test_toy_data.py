"""The seeded synthetic data sets of L01 (course_utils.toy_data)."""

import numpy as np
import pytest

from course_utils.toy_data import (
    CP_NOISE,
    CP_RANGE,
    POKEMON_TEST,
    POKEMON_TRAIN,
    SPECIES,
    cp_truth,
    lag_features,
    pokemon_cp,
    pokemon_split,
    view_count_series,
)


def test_view_counts_repeat_for_a_seed_and_change_with_it():
    a, b, c = view_count_series(0), view_count_series(0), view_count_series(1)
    np.testing.assert_array_equal(a.views, b.views)
    assert not np.allclose(a.views, c.views)


def test_view_counts_cover_2017_to_2021_with_2021_held_out():
    series = view_count_series()
    assert len(series) == 5 * 365 + 1  # 2020 is a leap year
    assert str(series.date[0]) == "2017-01-01" and str(series.date[-1]) == "2021-12-31"
    assert str(series.date[series.test_start]) == "2021-01-01"
    assert series.weekday[0] == 6  # 2017-01-01 was a Sunday
    assert np.all(series.views > 0)


def test_view_counts_have_a_weekly_cycle_with_quiet_fridays_and_saturdays():
    series = view_count_series()
    means = np.array([series.views[series.weekday == d].mean() for d in range(7)])
    assert means[[4, 5]].max() < 0.8 * means[:4].min()
    # Yesterday and one week ago predict today better than three days ago.
    corr = [np.corrcoef(series.views[k:], series.views[:-k])[0, 1] for k in (1, 3, 7)]
    assert corr[2] > corr[1] and corr[0] > corr[1]


def test_lag_features_align_previous_days_with_today():
    views = np.arange(10.0)
    X, y = lag_features(views, 3)
    assert X.shape == (7, 3)
    np.testing.assert_array_equal(y, views[3:])
    np.testing.assert_array_equal(X[0], [2.0, 1.0, 0.0])  # yesterday first
    with pytest.raises(ValueError, match="n_lags"):
        lag_features(views, 10)


def test_pokemon_records_repeat_and_have_balanced_species():
    a, b = pokemon_cp(40, seed=3), pokemon_cp(40, seed=3)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    counts = [np.sum(a["species"] == s) for s in SPECIES]
    assert max(counts) - min(counts) <= 1
    assert CP_RANGE[0] <= a["cp"].min() and a["cp"].max() <= CP_RANGE[1]


def test_pokemon_cp_after_is_the_quadratic_truth_plus_noise():
    data = pokemon_cp(4000, seed=5)
    residual = data["cp_after"] - cp_truth(data["cp"], data["species"])
    assert abs(residual.mean()) < 1.0
    assert residual.std() == pytest.approx(CP_NOISE, rel=0.1)
    pidgey = data["species"] == "Pidgey"
    quad = np.polyfit(data["cp"][pidgey], data["cp_after"][pidgey], 2)
    assert quad[0] == pytest.approx(0.001, rel=0.2)  # the curvature is real


def test_pokemon_split_is_the_lecture_setup():
    train, test = pokemon_split()
    assert len(train["cp"]) == POKEMON_TRAIN == 10 and len(test["cp"]) == POKEMON_TEST
    assert set(train["species"]) == set(SPECIES)
    assert not np.array_equal(train["cp"], test["cp"][:POKEMON_TRAIN])


def test_digits_are_the_real_scaled_digits():
    from course_utils.toy_data import digits

    X, y = digits()
    images, _ = digits(images=True)
    assert X.shape == (1797, 64) and images.shape == (1797, 1, 8, 8)
    assert X.min() == 0.0 and X.max() == 1.0 and set(y) == set(range(10))
    assert (images.reshape(-1, 64) == X).all()
