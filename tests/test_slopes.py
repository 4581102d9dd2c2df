"""The one slope kernel module (tasks/core/slopes.py) against independent fits: numpy's polyfit for the
closed-form slope (weights as repeated points, masks as subsets) and statsmodels' WLS for the coefficient with
controls; degenerate rows give NaN, not an error."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from tasks.core.slopes import weighted_coefficient, weighted_slopes


@pytest.fixture
def data():
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 900, 25)
    y = -0.002 * x + rng.normal(0, 0.4, 25)
    return x, y, rng


def test_masked_slopes_match_polyfit_on_each_subset(data):
    x, y, rng = data
    masks = rng.random((40, len(x))) < 0.5
    slopes = weighted_slopes(x, y, masks, min_points=3)
    for mask, slope in zip(masks, slopes):
        if mask.sum() >= 3:
            assert slope == pytest.approx(np.polyfit(x[mask], y[mask], 1)[0], rel=1e-9, abs=1e-12)
        else:
            assert np.isnan(slope)


def test_count_weights_are_repeated_points(data):
    x, y, rng = data
    counts = rng.integers(0, 4, size=(30, len(x)))
    slopes = weighted_slopes(x, y, counts, min_points=2)
    for row, slope in zip(counts, slopes):
        expected = np.polyfit(np.repeat(x, row), np.repeat(y, row), 1)[0]
        assert slope == pytest.approx(expected, rel=1e-9, abs=1e-12)
        wls = sm.WLS(y[row > 0], sm.add_constant(x[row > 0]), weights=row[row > 0]).fit()
        assert slope == pytest.approx(wls.params[1], rel=1e-9, abs=1e-12)


def test_min_points_counts_distinct_points_unless_told(data):
    x, y, _ = data
    weights = np.zeros((1, len(x)))
    weights[0, :2] = 5  # two distinct points drawn five times each: ten points, two distinct
    assert np.isnan(weighted_slopes(x, y, weights, min_points=3)[0])
    assert np.isfinite(weighted_slopes(x, y, weights, min_points=2)[0])
    assert np.isfinite(weighted_slopes(x, y, weights, min_points=3, distinct=np.array([3]))[0])


def test_degenerate_rows_give_nan_not_an_error():
    x = np.full(6, 42.0)  # every point on one day: no slope
    y = np.arange(6.0)
    assert np.isnan(weighted_slopes(x, y, np.ones((2, 6)), min_points=2)).all()
    assert np.isnan(weighted_slopes(np.arange(6.0), y, np.zeros((1, 6)), min_points=1)).all()  # nothing left
    assert np.isnan(weighted_coefficient(x, y, np.empty((6, 0)), np.ones((2, 6)), min_points=2)).all()
    assert np.isnan(weighted_coefficient(np.arange(6.0), y, np.empty((6, 0)), np.zeros((1, 6)), 1)).all()


def test_coefficient_with_controls_matches_statsmodels_wls(data):
    x, y, rng = data
    control = rng.normal(size=len(x))
    y = y + 0.7 * control
    counts = rng.integers(0, 3, size=(20, len(x)))
    coefficients = weighted_coefficient(x, y, control, counts, min_points=4)
    for row, coefficient in zip(counts, coefficients):
        keep = row > 0
        if keep.sum() < 4:
            assert np.isnan(coefficient)
            continue
        design = sm.add_constant(np.column_stack([x[keep], control[keep]]))
        expected = sm.WLS(y[keep], design, weights=row[keep]).fit().params[1]
        assert coefficient == pytest.approx(expected, rel=1e-7, abs=1e-10)


def test_per_replicate_x_rows(data):
    x, y, rng = data
    shuffled = np.stack([rng.permutation(x) for _ in range(5)])
    ones = np.ones((5, len(x)))
    got = weighted_coefficient(shuffled, y, np.empty((len(x), 0)), ones, min_points=3)
    for row, value in zip(shuffled, got):
        assert value == pytest.approx(np.polyfit(row, y, 1)[0], rel=1e-7)
