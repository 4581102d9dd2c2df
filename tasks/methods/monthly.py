"""The cheapest model above a quality threshold, month by month (a16z's "LLMflation", November 2024;
``method = monthly_cheapest``).

For each calendar month from the first month in which some model reaches the threshold to the month of the last
price observation: among the models with a score at or above the threshold and available by the month's last day,
the lowest price, each model at its latest price as of that month. A model's first price observation counts from
its release date (a single snapshot's prices are the models' prices since release, as in Epoch's data); later
observations of a price history are price changes, counted from the day they were observed. The monthly series
is regressed (log10 price on the month's first day, OLS) to a factor per year.

Price: the mean of input and output price (``price_type = mean_in_out``) where both are known, as a16z did; else the
source's blended price. A series that had to use blended prices for some months says so in ``note``; one that has
no input/output prices at all is reported with ``price_type = blended``.

Consecutive months usually repeat the same cheapest model: the points are not independent, so the OLS interval is
narrower than the evidence warrants (the report says so); the point estimate is what a16z published.
"""

from __future__ import annotations

import pandas as pd
from pandera.typing import DataFrame
from pydantic import ValidationInfo, field_validator

from schemas.analysis import AnalysisTable
from tasks.core.bands import in_band
from tasks.core.stats import log_values, ols_fits, release_day
from tasks.data.quantities import at_precision
from tasks.methods import monthly_report
from tasks.trends.sections import BenchmarkSection
from tasks.trends.method import FIRST, Method, every_row
from tasks.trends import (attempt_fit, Estimate, LogBase, PriceSource, Sample, Subset, TrendFit, TrendSpec,
                          check_band, points_frame, skipped)

NAME = "monthly_cheapest"


class MonthlyCheapestSection(BenchmarkSection):
    """The cheapest model at or above a quality threshold, month by month (a16z "LLMflation", Nov 2024)."""

    quality_measure: str = "mmlu"
    thresholds: list[float] = [42, 83]  # in band units: percent for fraction benchmarks
    subsets: list[Subset] = ["all"]
    # the first of these the snapshot has; the mean of input and output where the snapshot has them (a16z), else
    # the source's blended price
    price_sources: list[PriceSource] = ["source_price", "lowest_reported", "lowest_provider", "aa_headline"]
    log_base: LogBase = "10"

    @field_validator("thresholds")
    @classmethod
    def _thresholds(cls, values, info: ValidationInfo):
        for value in values:  # each the low end of a band with no high end
            check_band(value, None, info.data.get("quality_measure"))
        return values


SECTIONS = {"monthly_cheapest": MonthlyCheapestSection}


def plan(preset, snapshot: str, analysis: DataFrame[AnalysisTable], common: dict, price_sources: set[str]
         ) -> list[TrendSpec]:
    """a16z's monthly cheapest model above each threshold, on the first price source the preset lists that the
    snapshot has (a16z used one price per model)."""
    m = preset.monthly_cheapest
    specs = []
    for source in [s for s in m.price_sources if s in price_sources][:1]:
        price_type = price_type_for(analysis, source) if analysis is not None else "mean_in_out"
        for subset in m.subsets:
            for threshold in m.thresholds:
                specs.append(TrendSpec(**common, method=NAME, subset=subset,
                                       quality_measure=m.quality_measure, band_low=threshold, band_high=None,
                                       quantity="price", price_type=price_type, price_source=source,
                                       log_base=m.log_base))
    if not specs:  # no price source this preset uses: say so instead of leaving the preset silent
        specs = [TrendSpec(**common, method=NAME, subset=subset, quality_measure=m.quality_measure,
                           band_low=threshold, band_high=None, quantity="price", price_type="mean_in_out",
                           skip_note=f"no price from {', '.join(m.price_sources)} in this snapshot")
                 for subset in m.subsets for threshold in m.thresholds]
    return specs


def observation_prices(analysis: DataFrame[AnalysisTable], spec: TrendSpec) -> pd.DataFrame:
    """Every price observation of the models at or above the threshold: model, name, date, price, and whether the
    price is the mean of input and output (else the blended price)."""
    frame = analysis[analysis["price_source"] == spec.price_source]
    if spec.subset == "open":
        frame = frame[frame["open_weights"].fillna(False).astype(bool)]
    score = frame[f"score_{spec.quality_measure}"]
    frame = frame[in_band(score, spec.quality_measure, spec.band_low, spec.band_high, "closed")]
    both = frame["input_usd_per_mtok"].notna() & frame["output_usd_per_mtok"].notna()
    mean = (frame["input_usd_per_mtok"] + frame["output_usd_per_mtok"]) / 2
    price = mean.where(both, frame["blended_usd_per_mtok"])
    # a model's first price observation dates from its release (a snapshot taken today prices models released
    # years ago: their price is known from release on, as in tasks/methods/threshold.py); later observations are price
    # changes, dated when observed (never before the release)
    frame = frame.sort_values(["model_id", "observed_on"], kind="mergesort")
    first = ~frame["model_id"].duplicated()
    date = frame["observed_on"].where(~first & frame["observed_on"].notna(), frame["release_date"])
    date = pd.concat([date, frame["release_date"]], axis=1).max(axis=1)
    out = pd.DataFrame({"model_id": frame["model_id"], "name": frame["name"], "date": pd.to_datetime(date),
                        "price": at_precision(price.astype(float)), "mean_in_out": both})
    return out[out["price"].notna() & (out["price"] > 0)].sort_values(["date", "model_id"], kind="mergesort")


def monthly_series(observations: pd.DataFrame) -> pd.DataFrame:
    """One row per month: the cheapest model available by the month's end, at its latest price by then."""
    if observations.empty:
        return pd.DataFrame(columns=["month", "model_id", "name", "price", "mean_in_out"])
    first = observations["date"].min().to_period("M")
    last = observations["date"].max().to_period("M")
    rows = []
    for month in pd.period_range(first, last, freq="M"):
        end = month.to_timestamp(how="end")
        seen = observations[observations["date"] <= end]
        latest = seen.sort_values(["model_id", "date"], kind="mergesort").drop_duplicates("model_id", keep="last")
        best = latest.sort_values(["price", "model_id"], kind="mergesort").iloc[0]
        rows.append({"month": month.to_timestamp(how="start"), "model_id": best["model_id"], "name": best["name"],
                     "price": float(best["price"]), "mean_in_out": bool(best["mean_in_out"])})
    return pd.DataFrame(rows)


def fit(analysis: DataFrame[AnalysisTable], spec: TrendSpec, context: dict | None = None) -> TrendFit:
    """The monthly cheapest series above the threshold, and its trend."""
    if spec.skip_note:
        return skipped(spec)
    observations = observation_prices(analysis, spec)
    series = monthly_series(observations)
    n = len(series)
    first = series["month"].min() if n else None
    last = series["month"].max() if n else None
    slope_fit, status, note = attempt_fit(n, spec.min_points, "month(s)", lambda: ols_fits(
        log_values(series["price"], spec.log_base), release_day(series["month"]), ci_level=spec.ci_level,
        ci_methods=("ols",))["ols"])
    blended_months = int((~series["mean_in_out"].astype(bool)).sum()) if n else 0
    if n and blended_months and spec.price_type == "mean_in_out":
        extra = (f"{blended_months} of {n} months priced by the source's blended price (input or output price "
                 "unknown for that month's cheapest model)")
        note = f"{note}; {extra}" if note else extra
    if status == "ok":
        repeats = n - series["model_id"].nunique()
        extra = (f"{series['model_id'].nunique()} distinct cheapest models over {n} months: consecutive months "
                 "repeat a model, so the OLS interval overstates the evidence")
        note = f"{note}; {extra}" if note and repeats else (extra if repeats else note)
    sample = Sample(n, int(observations["model_id"].nunique()), first, last)
    points = series.rename(columns={"month": "release_date", "price": "value"})[
        ["model_id", "name", "release_date", "value"]].assign(is_record=True, in_fit=status == "ok")
    return TrendFit(spec, [Estimate.of(spec, "ols", "ols", slope_fit, sample, status, note)],
                    points_frame(points, spec.trend_id))


def price_type_for(analysis: DataFrame[AnalysisTable], price_source: str) -> str:
    """``mean_in_out`` when the snapshot has input and output prices for this source, else ``blended``."""
    frame = analysis[analysis["price_source"] == price_source]
    both = frame["input_usd_per_mtok"].notna() & frame["output_usd_per_mtok"].notna()
    return "mean_in_out" if bool(both.any()) else "blended"


METHOD = Method(
    name=NAME,
    sections=SECTIONS,
    plan=plan,
    fit=fit,
    label="Monthly cheapest above a threshold (a16z)",
    what="the cheapest model at or above a fixed score, month by month: a step function of a few record-setting "
         "models, fitted as if each month were a new observation",
    reference="a16z 2024 published about 10x per year (MMLU 42 and 83)",
    reference_ranges=((10, 10, "a16z 2024: 10x"),),
    compare=every_row,
    section=monthly_report.monthly_details,
    section_place=FIRST,
    figure_scope=monthly_report.figure_scope,
    summary_groups=monthly_report.SUMMARY_GROUPS,
)
