"""Conversions and fits against hand computation and closed-form formulas (not statsmodels)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from tasks.core.stats import (FitError, factor_interval, factor_per_year, geometric_mean, halving_months, ols_fits,
                         release_day)


def test_factor_from_slope_hand_values():
    # prices halve every year: log10 slope per day = -log10(2) / 365.25
    assert factor_per_year(-math.log10(2) / 365.25, "10") == pytest.approx(2.0, rel=1e-14)
    assert factor_per_year(-math.log(10) / 365.25, "e") == pytest.approx(10.0, rel=1e-14)
    assert factor_per_year(0.0, "10") == 1.0
    # rising prices give a factor below 1
    assert factor_per_year(math.log10(3) / 365.25, "10") == pytest.approx(1 / 3, rel=1e-14)


def test_interval_is_transformed_at_the_endpoints_and_swaps():
    low_slope, high_slope = -math.log10(8) / 365.25, -math.log10(2) / 365.25
    low, high = factor_interval(low_slope, high_slope, "10")
    assert (low, high) == (pytest.approx(2.0), pytest.approx(8.0))
    # asymmetric on the factor scale: the point estimate for the mid slope is the geometric, not arithmetic, middle
    mid = factor_per_year((low_slope + high_slope) / 2, "10")
    assert mid == pytest.approx(4.0) and mid != pytest.approx((low + high) / 2)


def test_halving_months():
    assert halving_months(2.0) == pytest.approx(12.0)
    assert halving_months(4.0) == pytest.approx(6.0)
    assert halving_months(16.0) == pytest.approx(3.0)
    assert halving_months(0.5) == pytest.approx(-12.0)   # doubling every 12 months
    assert halving_months(1.0) is None


def test_geometric_mean_is_the_factor_of_the_mean_slope():
    assert geometric_mean([2.0, 8.0]) == pytest.approx(4.0)
    assert geometric_mean([7.12, 28.48, 8.2]) == pytest.approx((7.12 * 28.48 * 8.2) ** (1 / 3))


def test_release_day():
    import pandas as pd

    days = release_day(pd.Series(pd.to_datetime(["1970-01-01", "1970-01-02", "2024-01-01"])))
    assert list(days[:2]) == [0.0, 1.0] and days[2] == 19723.0


def closed_form_ols(x, y, level):
    """Textbook simple regression: slope, its standard error and t interval."""
    n = len(x)
    sxx = np.sum((x - x.mean()) ** 2)
    slope = np.sum((x - x.mean()) * (y - y.mean())) / sxx
    intercept = y.mean() - slope * x.mean()
    resid = y - intercept - slope * x
    se = math.sqrt(np.sum(resid ** 2) / (n - 2) / sxx)
    t = scipy_stats.t.ppf(0.5 + level / 2, n - 2)
    r2 = 1 - np.sum(resid ** 2) / np.sum((y - y.mean()) ** 2)
    return slope, se, slope - t * se, slope + t * se, r2


def test_ols_matches_closed_form():
    x = np.array([0.0, 40.0, 95.0, 210.0, 300.0, 420.0])
    y = np.log10([2.0, 1.6, 0.9, 0.7, 0.31, 0.2])
    slope, se, low, high, r2 = closed_form_ols(x, y, 0.9)
    fit = ols_fits(y, x, ci_level=0.9)["ols"]
    assert fit.slope == pytest.approx(slope, rel=1e-12)
    assert fit.se == pytest.approx(se, rel=1e-10)
    assert (fit.ci_low, fit.ci_high) == (pytest.approx(low, rel=1e-10), pytest.approx(high, rel=1e-10))
    assert fit.r_squared == pytest.approx(r2, rel=1e-12)
    assert fit.adj_r_squared == pytest.approx(1 - (1 - r2) * 5 / 4, rel=1e-12)


def test_hc3_matches_its_formula():
    rng = np.random.default_rng(7)
    n = 30
    x = rng.uniform(0, 700, n)
    z = rng.uniform(0.4, 0.7, n)
    y = -0.002 * x + 3 * z + rng.normal(0, 0.5 + x / 700, n)
    X = np.column_stack([np.ones(n), x, z])
    beta = np.linalg.solve(X.T @ X, X.T @ y)
    resid = y - X @ beta
    bread = np.linalg.inv(X.T @ X)
    leverage = np.einsum("ij,jk,ik->i", X, bread, X)
    meat = X.T @ (X * (resid / (1 - leverage))[:, None] ** 2)
    cov = bread @ meat @ bread
    se = math.sqrt(cov[1, 1])
    t = scipy_stats.t.ppf(0.95, n - 3)
    fit = ols_fits(y, x, controls=z, ci_level=0.9, ci_methods=("ols", "hc3"))
    assert fit["hc3"].slope == pytest.approx(beta[1], rel=1e-10)
    assert fit["hc3"].se == pytest.approx(se, rel=1e-8)
    assert fit["hc3"].ci_low == pytest.approx(beta[1] - t * se, rel=1e-8)
    classical = math.sqrt(np.sum(resid ** 2) / (n - 3) * bread[1, 1])
    assert fit["ols"].se == pytest.approx(classical, rel=1e-8)


def test_unidentified_fits_raise():
    with pytest.raises(FitError, match="one date"):
        ols_fits(np.array([1.0, 2.0, 3.0]), np.array([5.0, 5.0, 5.0]))
    with pytest.raises(FitError, match="cannot identify"):
        ols_fits(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    with pytest.raises(FitError, match="collinear"):
        x = np.array([1.0, 2.0, 3.0, 4.0])
        ols_fits(np.array([1.0, 3.0, 2.0, 5.0]), x, controls=2 * x)
