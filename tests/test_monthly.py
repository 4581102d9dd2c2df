"""a16z's monthly cheapest series, the hardware adjustment, and presets from a user's file."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from tasks.methods.monthly import fit as fit_monthly, monthly_series, observation_prices, price_type_for
from tasks.trends import Estimate, Sample, TrendSpec
from tasks.core.stats import SlopeFit


def analysis(rows: list[tuple]) -> pd.DataFrame:
    """(model, release, observed, mmlu, input, output, blended)"""
    frame = pd.DataFrame(rows, columns=["model_id", "release_date", "observed_on", "score_mmlu", "input_usd_per_mtok",
                                        "output_usd_per_mtok", "blended_usd_per_mtok"])
    for column in ("release_date", "observed_on"):
        frame[column] = pd.to_datetime(frame[column])
    return frame.assign(name=frame["model_id"].str.upper(), price_source="source_price", open_weights=False)


SPEC = TrendSpec(snapshot="toy", preset="a16z-2024", method="monthly_cheapest", subset="all", quality_measure="mmlu",
                 band_low=42, quantity="price", price_type="mean_in_out", price_source="source_price", min_points=3)


def test_monthly_series_by_hand():
    data = analysis([
        ("a", "2024-01-10", "2024-01-10", 0.50, 2.0, 6.0, 3.0),   # mean 4.0 from January
        ("b", "2024-02-20", "2024-02-20", 0.41, 0.1, 0.1, 0.1),   # below 42%: never counts
        ("c", "2024-03-05", "2024-03-05", 0.42, 1.0, 3.0, 1.5),   # exactly 42%: counts; mean 2.0 from March
        ("a", "2024-01-10", "2024-04-15", 0.50, 0.5, 1.5, 0.75),  # a's price cut in April: mean 1.0
        ("d", "2024-05-01", "2024-05-01", 0.60, None, None, 0.9),  # no input/output: blended 0.9 from May
    ])
    series = monthly_series(observation_prices(data, SPEC))
    assert series["month"].dt.strftime("%Y-%m").tolist() == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]
    assert series["model_id"].tolist() == ["a", "a", "c", "a", "d"]
    assert series["price"].tolist() == [4.0, 4.0, 2.0, 1.0, 0.9]
    assert series["mean_in_out"].tolist() == [True, True, True, True, False]

    result = fit_monthly(data, SPEC)
    row = result.rows.iloc[0]
    assert row["status"] == "ok" and row["n"] == 5
    # independent fit: log10 price on the month's first day (days since 1970-01-01), OLS slope
    days = np.array([(pd.Timestamp(m) - pd.Timestamp("1970-01-01")).days
                     for m in ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01", "2024-05-01"]], dtype=float)
    slope = np.polyfit(days, np.log10([4.0, 4.0, 2.0, 1.0, 0.9]), 1)[0]
    assert row["factor_per_year"] == pytest.approx(10 ** (-slope * 365.25), rel=1e-9)
    assert "1 of 5 months priced by the source's blended price" in row["note"]
    assert "3 distinct cheapest models over 5 months" in row["note"]


def test_too_few_months_is_insufficient_and_price_type_falls_back_to_blended():
    data = analysis([("a", "2024-01-10", "2024-01-10", 0.5, None, None, 3.0),
                     ("b", "2024-02-10", "2024-02-10", 0.5, None, None, 1.0)])
    assert price_type_for(data, "source_price") == "blended"
    row = fit_monthly(data, SPEC.model_copy(update={"price_type": "blended"})).rows.iloc[0]
    assert row["status"] == "insufficient" and row["n"] == 2 and pd.isna(row["factor_per_year"])


def test_hardware_adjustment_divides_price_trends_only():
    fit = SlopeFit(slope=-np.log10(8) / 365.25, se=0.0001, ci_low=-np.log10(16) / 365.25,
                   ci_high=-np.log10(4) / 365.25, n=6, r_squared=0.9, adj_r_squared=0.88, ci_level=0.9,
                   ci_method="ols")
    spec = SPEC.model_copy(update={"hardware_factor": 1.4})
    row = Estimate.of(spec, "ols", "ols", fit, Sample(6, 6)).row(spec)
    assert row["factor_per_year"] == pytest.approx(8.0) and row["hardware_adjusted_factor"] == pytest.approx(8 / 1.4)
    params = spec.model_copy(update={"quantity": "active_params"})
    row = Estimate.of(params, "ols", "ols", fit, Sample(6, 6)).row(params)
    assert row["hardware_adjusted_factor"] is None


def test_a_user_preset_file_runs_the_methods_it_names(tmp_path):
    from tasks.study.plan import plan_trends
    from tasks.study.presets import load_preset

    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\ntitle = "monthly cheapest at MMLU 60"\nmin_points = 3\n'
                    '[monthly_cheapest]\nthresholds = [60]\nprice_sources = ["source_price"]\n')
    preset = load_preset(str(path))
    data = analysis([("a", "2024-01-10", "2024-01-10", 0.7, 2.0, 6.0, 3.0),
                     ("c", "2024-03-05", "2024-03-05", 0.65, 1.0, 3.0, 1.5),
                     ("d", "2024-05-01", "2024-05-01", 0.61, 0.2, 0.6, 0.3)])
    specs = plan_trends(preset, "toy", {"source_price"}, measures={"mmlu"}, analysis=data)
    assert [(s.method, s.band_low, s.price_type) for s in specs] == [("monthly_cheapest", 60, "mean_in_out")]
    row = fit_monthly(data, specs[0]).rows.iloc[0]
    assert row["status"] == "ok" and row["n"] == 5 and row["preset"] == "mine"
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\ntitle = "t"\n[monthly_cheapest]\nthreshold = [60]\n')
    with pytest.raises(ValueError, match="threshold"):
        load_preset(str(bad))
