"""Hedonic regression: the sample rules and the fit against an independent least-squares computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from tasks.methods.hedonic import fit as fit_hedonic
from tests.test_frontier import analysis, spec


def toy_frame(n=40, seed=3):
    rng = np.random.default_rng(seed)
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    mmlu = rng.uniform(0.35, 0.75, n).round(4)
    true_factor = 4.0
    log_price = -math.log(true_factor) / 365.25 * (dates - pd.Timestamp("2023-01-01")).days + 6 * mmlu
    price = np.exp(log_price + rng.normal(0, 0.6, n))
    rows = [(f"m{i:02d}", str(dates[i].date()), float(price[i]), float(mmlu[i]), bool(i % 5 != 0)) for i in range(n)]
    frame = analysis(rows)
    frame["score_scicode"] = np.where(np.arange(n) % 7 == 0, np.nan, rng.uniform(0.1, 0.4, n))
    return frame


def hedonic_spec(**overrides):
    values = dict(method="hedonic", subset="open", band_low=40, band_high=70, log_base="e",
                  controls=("mmlu_pro",), ci_methods=("ols", "hc3"), min_points=4)
    values.update(overrides)
    return spec(**values)


def test_sample_rules():
    frame = toy_frame()
    result = fit_hedonic(frame, hedonic_spec())
    expected = frame[frame.open_weights.astype(bool) & frame.score_mmlu_pro.between(0.40, 0.70)]
    assert sorted(result.points.model_id) == sorted(expected.model_id)
    with_sci = fit_hedonic(frame, hedonic_spec(controls=("mmlu_pro", "scicode")))
    row = with_sci.rows.iloc[0]
    assert row.n == len(expected.dropna(subset=["score_scicode"])) and row.n_candidates == len(expected)
    assert list(result.rows.ci_method) == ["ols", "hc3"]
    assert result.points.is_record.isna().all() and result.points.in_fit.all()


@pytest.mark.parametrize("controls", [("mmlu_pro",), ("mmlu_pro", "scicode")])
def test_fit_matches_independent_least_squares(controls):
    frame = toy_frame()
    result = fit_hedonic(frame, hedonic_spec(controls=controls))
    sample = frame[frame.open_weights.astype(bool) & frame.score_mmlu_pro.between(0.40, 0.70)]
    sample = sample.dropna(subset=[f"score_{c}" for c in controls])
    days = (sample.release_date - pd.Timestamp("1970-01-01")).dt.days.to_numpy(dtype=float)
    X = np.column_stack([np.ones(len(sample)), days] + [sample[f"score_{c}"].to_numpy() for c in controls])
    y = np.log(sample.blended_usd_per_mtok.to_numpy())
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    n, k = X.shape
    se = math.sqrt(resid @ resid / (n - k) * np.linalg.inv(X.T @ X)[1, 1])
    t = scipy_stats.t.ppf(0.95, n - k)
    ols = result.rows.set_index("ci_method").loc["ols"]
    assert ols.factor_per_year == pytest.approx(math.exp(-beta[1] * 365.25), rel=1e-9)
    # the interval is the slope's, transformed at its endpoints (upper slope -> lower factor)
    assert ols.ci_low == pytest.approx(math.exp(-(beta[1] + t * se) * 365.25), rel=1e-8)
    assert ols.ci_high == pytest.approx(math.exp(-(beta[1] - t * se) * 365.25), rel=1e-8)
    r2 = 1 - resid @ resid / np.sum((y - y.mean()) ** 2)
    assert ols.r_squared == pytest.approx(r2, rel=1e-9)
    assert ols.adj_r_squared == pytest.approx(1 - (1 - r2) * (n - 1) / (n - k), rel=1e-9)
    hc3 = result.rows.set_index("ci_method").loc["hc3"]
    assert hc3.factor_per_year == ols.factor_per_year and hc3.ci_low != ols.ci_low
    assert ols.log_base == "e"


def test_insufficient_sample():
    frame = toy_frame(n=6)
    result = fit_hedonic(frame, hedonic_spec(min_points=30))
    assert set(result.rows.status) == {"insufficient"} and result.rows.factor_per_year.isna().all()
