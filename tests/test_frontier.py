"""The record-low rule and the frontier fit, on toy cases with hand-computed answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from schemas.analysis import SCORE_COLUMNS
from tasks.methods.frontier import fit as fit_frontier
from tasks.methods import method
from tasks.trends import TrendSpec


def analysis(rows) -> pd.DataFrame:
    """rows: (model_id, release_date, blended price, mmlu_pro fraction, open)."""
    frame = pd.DataFrame(rows, columns=["model_id", "release_date", "blended_usd_per_mtok", "score_mmlu_pro",
                                        "open_weights"])
    frame["name"] = frame["model_id"].str.upper()
    frame["release_date"] = pd.to_datetime(frame["release_date"])
    frame["price_source"] = "lowest_reported"
    frame["observed_on"] = pd.Timestamp("2025-07-01")
    for column in SCORE_COLUMNS:
        if column not in frame:
            frame[column] = np.nan
    return frame


def spec(**overrides) -> TrendSpec:
    values = dict(snapshot="toy", preset="test", method="frontier", subset="all", quality_measure="mmlu_pro",
                  band_low=30, band_high=50, quantity="price", price_type="blended", price_source="lowest_reported",
                  min_points=2, ci_level=0.9, log_base="10")
    values.update(overrides)
    return method(values["method"]).spec_type(values["method"])(**values)  # its method's type of trend


def records(result) -> list[str]:
    points = result.points
    return list(points[points.is_record.astype(bool)].sort_values(["release_date", "value", "model_id"]).model_id)


def test_same_day_ties_cheapest_first():
    # d2 holds two releases: cheapest first means only the cheaper one is a record
    result = fit_frontier(analysis([
        ("a", "2024-01-01", 4.0, 0.4, True),
        ("b", "2024-02-01", 3.0, 0.4, True),
        ("c", "2024-02-01", 2.0, 0.4, True),
        ("d", "2024-03-01", 1.0, 0.4, True),
    ]), spec())
    assert records(result) == ["a", "c", "d"]


def test_equal_prices_count_as_records():
    result = fit_frontier(analysis([
        ("a", "2024-01-01", 2.0, 0.4, True),
        ("b", "2024-02-01", 2.0, 0.4, True),   # equal to the running minimum: a record
        ("c", "2024-02-01", 2.0, 0.4, True),   # same day, same price: also a record (then by model id)
        ("d", "2024-03-01", 2.5, 0.4, True),   # above: not a record
        ("e", "2024-04-01", 1.0, 0.4, True),
    ]), spec())
    assert records(result) == ["a", "b", "c", "e"]


def test_input_row_order_does_not_matter():
    rows = [("m%d" % i, f"2024-0{1 + i // 3}-01", float(p), 0.4, True)
            for i, p in enumerate([5, 3, 4, 2, 2.5, 1, 0.9, 0.9, 1.5])]
    first = fit_frontier(analysis(rows), spec())
    for seed in range(5):
        shuffled = list(np.random.default_rng(seed).permutation(len(rows)))
        again = fit_frontier(analysis([rows[i] for i in shuffled]), spec())
        pd.testing.assert_frame_equal(first.rows, again.rows)
        pd.testing.assert_frame_equal(first.points.reset_index(drop=True), again.points.reset_index(drop=True))


def test_band_edges_and_start_date():
    frame = analysis([
        ("edge50", "2024-01-01", 1.0, 0.5, True),         # exactly 50.0%: in [30, 50] and in [50, 70]
        ("edge30", "2024-01-01", 1.0, 0.3, True),
        ("below", "2024-01-01", 1.0, 0.2999, True),
        ("early", "2023-11-30", 1.0, 0.4, True),           # before the start date
        ("start", "2023-12-01", 1.0, 0.4, True),
    ])
    low = fit_frontier(frame, spec(min_release_date="2023-12-01"))
    high = fit_frontier(frame, spec(band_low=50, band_high=70, min_release_date="2023-12-01"))
    assert sorted(low.points.model_id) == ["edge30", "edge50", "start"]
    assert sorted(high.points.model_id) == ["edge50"]
    half_open = fit_frontier(frame, spec(band_edges="half_open", variant="half_open_bands",
                                         min_release_date="2023-12-01"))
    assert sorted(half_open.points.model_id) == ["edge30", "start"]


def test_subset_open_only():
    frame = analysis([("open1", "2024-01-01", 1.0, 0.4, True), ("closed", "2024-01-01", 0.5, 0.4, False),
                      ("unknown", "2024-01-01", 0.5, 0.4, None)])
    assert sorted(fit_frontier(frame, spec(subset="open")).points.model_id) == ["open1"]
    assert len(fit_frontier(frame, spec(subset="all")).points) == 3


def test_fit_hand_computed():
    # records halve every 365.25 days exactly: factor 2, R^2 1, zero-width interval
    rows = [(f"m{i}", str((pd.Timestamp("2024-01-01") + pd.Timedelta(days=365.25 * i / 4)).date()), 8 * 2 ** (-i / 4),
             0.4, True) for i in range(5)]
    # dates are rounded to whole days, so compute the expected factor from the actual dates by hand
    days = np.array([(pd.Timestamp(r[1]) - pd.Timestamp("2024-01-01")).days for r in rows], dtype=float)
    y = np.log10([r[2] for r in rows])
    slope = np.sum((days - days.mean()) * (y - y.mean())) / np.sum((days - days.mean()) ** 2)
    result = fit_frontier(analysis(rows), spec(min_points=4))
    row = result.rows.iloc[0]
    assert row.status == "ok" and row.n == 5 and row.n_candidates == 5
    assert row.factor_per_year == pytest.approx(10 ** (-slope * 365.25), rel=1e-12)
    assert row.factor_per_year == pytest.approx(2.0, rel=2e-3)
    assert row.halving_months == pytest.approx(12 * math.log(2) / math.log(row.factor_per_year))
    assert row.first_date == pd.Timestamp("2024-01-01") and row.log_base == "10"
    assert row.ci_low <= row.factor_per_year <= row.ci_high


def test_insufficient_records_give_no_numbers():
    result = fit_frontier(analysis([
        ("a", "2024-01-01", 3.0, 0.4, True), ("b", "2024-02-01", 2.0, 0.4, True),
        ("c", "2024-03-01", 1.0, 0.4, True), ("d", "2024-04-01", 5.0, 0.4, True),
    ]), spec(min_points=4))
    row = result.rows.iloc[0]
    assert row.status == "insufficient" and "3 record(s)" in row.note
    assert pd.isna(row.factor_per_year) and pd.isna(row.ci_low) and pd.isna(row.r_squared)
    assert (row.n, row.n_candidates) == (3, 4)
    assert not result.points.in_fit.any() and result.points.is_record.sum() == 3


def test_records_on_one_day_cannot_be_fitted():
    result = fit_frontier(analysis([(c, "2024-01-01", 1.0, 0.4, True) for c in "abcd"]), spec(min_points=4))
    row = result.rows.iloc[0]
    assert row.status == "insufficient" and "one date" in row.note


def test_decomposition_quantities():
    frame = analysis([
        ("a", "2024-01-01", 2.0, 0.4, True),
        ("b", "2024-03-01", 1.5, 0.4, True),
        ("c", "2024-06-01", 1.0, 0.4, True),
        ("d", "2024-09-01", 0.9, 0.4, True),
    ])
    frame["total_params_b"] = [70.0, 8.0, 100.0, 12.0]
    frame["active_params_b"] = [70.0, 8.0, 10.0, 12.0]      # c is a mixture of experts: 10B of 100B active
    active = fit_frontier(frame, spec(quantity="active_params", price_type=None, price_source=None))
    assert records(active) == ["a", "b"]                     # 70 -> 8; 10 and 12 are not below 8
    assert list(active.points.sort_values("release_date").value) == [70.0, 8.0, 10.0, 12.0]
    total = fit_frontier(frame, spec(quantity="total_params", price_type=None, price_source=None))
    assert records(total) == ["a", "b"]
    per_active = fit_frontier(frame, spec(quantity="price_per_active_param"))
    values = dict(zip(per_active.points.model_id, per_active.points.value))
    # values are compared at 12 significant digits (tasks.data.quantities.at_precision)
    assert values == pytest.approx({"a": 2 / 70, "b": 1.5 / 8, "c": 1.0 / 10, "d": 0.9 / 12}, rel=1e-11)
    assert records(per_active) == ["a"]                      # 0.029 stays the lowest
    per_total = fit_frontier(frame, spec(quantity="price_per_total_param"))
    assert dict(zip(per_total.points.model_id, per_total.points.value))["c"] == pytest.approx(1.0 / 100, rel=1e-11)
    assert records(per_total) == ["a", "c"]
    row = per_total.rows.iloc[0]
    assert row.quantity == "price_per_total_param" and row.price_type == "blended"
    assert active.rows.iloc[0].price_type is None and active.rows.iloc[0].price_source is None


def test_typical_model_per_band_controls_for_the_score_within_the_band():
    """Step 15 point 5: inside a band the mean score drifts. Prices that depend on the score alone (no time trend),
    on models whose score rises with their release date, gave the old typical fit (log price on date only) a price
    *rise*; with the score as a control the typical model of constant quality has no trend (factor 1). And on
    scattered data the slope equals numpy's least squares of log10 price on [1, day, score]."""
    from tasks.core.stats import release_day

    dates = pd.date_range("2024-01-01", periods=8, freq="90D")
    scores = np.linspace(0.31, 0.49, 8)
    rng = np.random.default_rng(5)
    scores_scattered = scores + rng.normal(0, 0.02, 8).clip(-0.01, 0.01)
    prices = 10 ** (4 * scores_scattered)  # the price follows the score only
    rows = [(f"m{i}", d.date().isoformat(), p, s, True) for i, (d, p, s) in enumerate(zip(dates, prices,
                                                                                            scores_scattered))]
    result = fit_frontier(analysis(rows), spec(variant="typical"))
    [estimate] = result.estimates
    assert estimate.status == "ok"
    assert estimate.factor == pytest.approx(1.0, abs=1e-9)
    # independently: least squares with and without the control
    day = release_day(pd.Series(dates))
    logs = np.log10(prices)
    with_score = np.linalg.lstsq(np.column_stack([np.ones(8), day, scores_scattered]), logs, rcond=None)[0][1]
    without = np.polyfit(day, logs, 1)[0]
    assert estimate.slope == pytest.approx(with_score, abs=1e-12)
    assert without > 1e-4  # what the old fit reported: prices rising, only because the band's mean score rose

    noisy = prices * 10 ** rng.normal(0, 0.2, 8) * 10 ** (-0.002 * np.arange(8) * 90)
    rows = [(f"m{i}", d.date().isoformat(), p, s, True) for i, (d, p, s) in enumerate(zip(dates, noisy,
                                                                                            scores_scattered))]
    [estimate] = fit_frontier(analysis(rows), spec(variant="typical")).estimates
    expected = np.linalg.lstsq(np.column_stack([np.ones(8), day, scores_scattered]), np.log10(noisy),
                               rcond=None)[0][1]
    assert estimate.slope == pytest.approx(expected, rel=1e-9)
