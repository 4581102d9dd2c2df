"""Corrected least squares for a control measured with a known error (tasks/core/eiv.py): exact without error, and
unbiased with it in simulation, where ordinary least squares is not; its bootstrap interval covers the truth."""

from __future__ import annotations

import numpy as np
import pytest

from tasks.core.eiv import EIVError, corrected_slope

TRUE_SLOPE = -0.002  # log price per day
TRUE_CONTROL = 0.08  # log price per capability point


def simulate(rng, n=150, error_sd=(2.0, 5.0)):
    """Release days, true capabilities rising with the date (as on the real scale), prices from both; the control
    observed with a per-model error whose variance is known."""
    day = rng.uniform(0, 900, n)
    capability = 125 + 0.025 * day + rng.normal(0, 7, n)
    log_price = TRUE_SLOPE * day + TRUE_CONTROL * capability + rng.normal(0, 0.6, n)
    sd = rng.uniform(*error_sd, n)
    observed = capability + rng.normal(0, 1, n) * sd
    return log_price, day, observed, sd ** 2


def test_without_measurement_error_it_is_ordinary_least_squares():
    rng = np.random.default_rng(1)
    y, x, w, _ = simulate(rng)
    fit = corrected_slope(y, x, w, np.zeros_like(w), resamples=0)
    expected = np.linalg.lstsq(np.column_stack([np.ones_like(x), x, w]), y, rcond=None)[0][1]
    assert fit.slope == pytest.approx(expected, rel=1e-10) and fit.naive_slope == pytest.approx(expected, rel=1e-10)
    assert fit.reliability == pytest.approx(1.0)


def test_the_correction_removes_the_bias_ordinary_least_squares_has():
    """Over 200 simulated data sets: OLS on the noisy control is biased toward a slower decline (the control soaks
    up less of the capability, the date more of it); the corrected slope is centred on the truth."""
    rng = np.random.default_rng(2)
    fits = [corrected_slope(*simulate(rng), resamples=0) for _ in range(200)]
    naive = np.mean([f.naive_slope for f in fits])
    corrected = np.mean([f.slope for f in fits])
    assert naive > TRUE_SLOPE * 0.8  # at least 20% of the decline lost without the correction
    assert corrected == pytest.approx(TRUE_SLOPE, rel=0.05)  # within 5% of the truth on average


def test_the_bootstrap_interval_covers_the_truth_about_as_often_as_it_says():
    rng = np.random.default_rng(3)
    hits = 0
    for _ in range(60):
        fit = corrected_slope(*simulate(rng), ci_level=0.9, resamples=199, seed=int(rng.integers(1 << 30)))
        hits += fit.ci_low <= TRUE_SLOPE <= fit.ci_high
    assert 0.78 <= hits / 60 <= 0.98  # nominal 90%; 60 draws: a binomial 95% band of about 0.82-0.97


def test_a_control_whose_error_swamps_its_spread_gives_no_estimate():
    rng = np.random.default_rng(4)
    y, x, w, _ = simulate(rng)
    with pytest.raises(EIVError, match="reliability"):
        corrected_slope(y, x, w, np.full_like(w, np.var(w) * 0.8), resamples=0)
    with pytest.raises(EIVError, match="fewer than 5"):
        corrected_slope(y[:4], x[:4], w[:4], np.ones(4), resamples=0)


def test_the_hedonic_fit_on_the_capability_adds_the_corrected_row():
    """Step 16: a hedonic trend controlling for the capability, whose error variances the run joined
    (capability_var), gets an `ols_eiv` row: the corrected slope, equal to the estimator called directly, beside the
    attenuated OLS one; a trend on MMLU-Pro (no error variance) gets none."""
    import pandas as pd

    from tasks.methods.hedonic import fit as fit_hedonic
    from tests.test_frontier import analysis, spec

    rng = np.random.default_rng(5)
    y, x, w, var = simulate(rng, n=80)
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(x.round(), unit="D")
    frame = analysis([(f"m{i:02d}", str(dates[i].date()), float(np.exp(y[i])), 0.5, True) for i in range(80)])
    frame["score_capability"], frame["capability_var"] = w, var
    trend = spec(method="hedonic", subset="open", quality_measure="capability", band_low=100, band_high=200,
                 log_base="e", controls=("capability",), ci_methods=("ols",), min_points=4, quantile_bootstrap=199)
    rows = {(e.estimator, e.ci_method): e for e in fit_hedonic(frame, trend).estimates}
    eiv, ols = rows[("ols_eiv", "bootstrap")], rows[("ols", "ols")]
    day = (dates - pd.Timestamp("1970-01-01")).days.to_numpy(float)
    logs = np.log(frame["blended_usd_per_mtok"].to_numpy(float))
    direct = corrected_slope(logs, day, w, var, resamples=0)
    assert eiv.status == "ok" and eiv.slope == pytest.approx(direct.slope, rel=1e-9)
    assert ols.slope == pytest.approx(direct.naive_slope, rel=1e-9)
    assert eiv.slope < ols.slope  # the correction gives back the decline the noisy control soaked up
    assert eiv.ci_low < eiv.factor < eiv.ci_high and "errors in variables" in eiv.note  # factors per year
    mmlu = spec(method="hedonic", subset="open", band_low=40, band_high=70, log_base="e", controls=("mmlu_pro",),
                ci_methods=("ols",), min_points=4)
    assert not any(e.estimator == "ols_eiv" for e in fit_hedonic(frame.assign(score_mmlu_pro=0.5 + 0.1 * rng.random(80)),
                                                                  mmlu).estimates)
