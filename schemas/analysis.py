"""Derived tables: the analysis table, the quarantine, and the output contract (``trends.csv``, ``points.csv``).

The trends and points columns are a frozen contract (issue "Step 1 of 7"): later steps fill more of them; no column
is ever renamed or dropped.
"""

from __future__ import annotations

from typing import Optional

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from tasks.core.vocabulary import BENCHMARK_UNITS, ESTIMATED, LOG_BASES, PRICE_SOURCES, PRICE_TYPES, STATUSES, SUBSETS

SCORE_COLUMNS = [f"score_{benchmark}" for benchmark in BENCHMARK_UNITS]

# methods and quantities are the registered methods' own (tasks/methods/__init__.py): checked when the trends
# table is assembled (tasks.study.tables.finalise_trends), here only their form; the other names are the
# vocabulary's (tasks/core/vocabulary.py)

class AnalysisTable(pa.DataFrameModel):
    """One row per model and price observation (a model without any usable price has one row, price columns
    empty). Every value here passed cleaning: positive prices and parameter counts, fractions within 0..1."""

    model_id: Series[str]
    name: Series[str]
    creator: Series[str] = pa.Field(nullable=True)
    release_date: Series[pa.DateTime]
    open_weights: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    reasoning: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    license: Series[str] = pa.Field(nullable=True)
    total_params_b: Series[float] = pa.Field(nullable=True, gt=0)
    active_params_b: Series[float] = pa.Field(nullable=True, gt=0)
    active_params_known: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    price_source: Series[str] = pa.Field(nullable=True)
    observed_on: Series[pa.DateTime] = pa.Field(nullable=True)
    input_usd_per_mtok: Series[float] = pa.Field(nullable=True, gt=0)
    output_usd_per_mtok: Series[float] = pa.Field(nullable=True, gt=0)
    blended_usd_per_mtok: Series[float] = pa.Field(nullable=True, gt=0)
    blended_computed: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    source: Series[str]
    score_: Series[float] = pa.Field(nullable=True, regex=True, alias=r"^score_[a-z0-9_]+$")
    # the capability's measurement-error variance per model (the scale's bootstrap), where the run fits the scale
    # (tasks.data.capability.with_capability): a fit that controls for it corrects for it (tasks/core/eiv.py)
    capability_var: Optional[Series[float]] = pa.Field(nullable=True, ge=0)

    class Config:
        strict = False  # score_* columns are matched by the regex field; no other extra column is produced
        coerce = True
        unique = ["model_id", "price_source", "observed_on"]

    @pa.dataframe_check(error="fraction benchmarks must lie within 0..1")
    def fractions_in_range(cls, df: pd.DataFrame) -> Series[bool]:
        ok = pd.Series(True, index=df.index)
        for benchmark, unit in BENCHMARK_UNITS.items():
            column = f"score_{benchmark}"
            if unit == "fraction" and column in df:
                ok &= df[column].isna() | df[column].between(0, 1)
        return ok


class Quarantine(pa.DataFrameModel):
    """Every rejected unit and why: a raw value or record (stage ``ingest``), a model, score, price
    observation or single value (stage ``clean``)."""

    stage: Series[str] = pa.Field(isin=["ingest", "clean"])
    table: Series[str]
    unit: Series[str] = pa.Field(isin=["record", "model", "score", "price", "value", "run"])
    model_id: Series[str] = pa.Field(nullable=True)
    name: Series[str] = pa.Field(nullable=True)
    field: Series[str] = pa.Field(nullable=True)
    value: Series[str] = pa.Field(nullable=True)
    rule: Series[str]
    source: Series[str] = pa.Field(nullable=True)
    file: Series[str] = pa.Field(nullable=True)
    record: Series[pd.Int64Dtype] = pa.Field(nullable=True)

    class Config:
        strict = True
        coerce = True
        ordered = True


class RunTable(pa.DataFrameModel):
    """Benchmark runs after cleaning (``tasks.data.runs``): one row per usable run, with its model's name, licence,
    open-weights flag and release date (null for a run priced from a list-price history, which needs none)."""

    model_id: Series[str]
    name: Series[str]
    license: Series[str] = pa.Field(nullable=True)
    open_weights: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    release_date: Series[pa.DateTime] = pa.Field(nullable=True)
    benchmark: Series[str]
    record: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1)
    input_tokens: Series[float] = pa.Field(nullable=True, ge=0)
    output_tokens: Series[float] = pa.Field(nullable=True, ge=0)
    reasoning_tokens: Series[float] = pa.Field(nullable=True, ge=0)
    reasoning_in_output: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    cache_read_tokens: Series[float] = pa.Field(nullable=True, ge=0)
    cache_write_tokens: Series[float] = pa.Field(nullable=True, ge=0)
    cache_in_input: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    cache_in_output: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    cache_read_usd_per_mtok: Series[float] = pa.Field(nullable=True, ge=0)
    cache_write_usd_per_mtok: Series[float] = pa.Field(nullable=True, ge=0)
    epochs: Series[float] = pa.Field(nullable=True, gt=0)
    cost_usd: Series[float] = pa.Field(nullable=True, gt=0)
    price_source: Series[str] = pa.Field(nullable=True)
    score: Series[float] = pa.Field(nullable=True)
    source: Series[str]

    class Config:
        strict = True
        coerce = True
        ordered = True
        unique = ["model_id", "benchmark", "source"]

    @pa.dataframe_check(error="a reported-cost run is dated at its model's release: it needs a release date")
    def reported_cost_dated(cls, df: pd.DataFrame) -> Series[bool]:
        return df["cost_usd"].isna() | df["release_date"].notna()


class RunPrices(pa.DataFrameModel):
    """The monthly list prices that cost the benchmark runs (``tasks.data.runs``): both prices positive."""

    model_id: Series[str]
    observed_on: Series[pa.DateTime]
    input_usd_per_mtok: Series[float] = pa.Field(gt=0)
    output_usd_per_mtok: Series[float] = pa.Field(gt=0)
    source: Series[str]

    class Config:
        strict = True
        coerce = True
        ordered = True
        unique = ["model_id", "observed_on", "source"]


class QuarantineSummary(pa.DataFrameModel):
    """Per table: rows in = rows used + rows quarantined."""

    table: Series[str]
    unit: Series[str]
    rows_in: Series[int] = pa.Field(ge=0)
    rows_used: Series[int] = pa.Field(ge=0)
    rows_quarantined: Series[int] = pa.Field(ge=0)

    class Config:
        strict = True
        coerce = True
        ordered = True

    @pa.dataframe_check(error="rows in must equal rows used + rows quarantined")
    def balanced(cls, df: pd.DataFrame) -> Series[bool]:
        return df["rows_in"] == df["rows_used"] + df["rows_quarantined"]


class CorrectionsLog(pa.DataFrameModel):
    model_id: Series[str]
    field: Series[str]
    old: Series[str] = pa.Field(nullable=True)
    new: Series[str] = pa.Field(nullable=True)
    status: Series[str] = pa.Field(isin=["applied", "already_correct", "value_differs", "model_absent", "disabled"])
    found: Series[str] = pa.Field(nullable=True)
    reason: Series[str]
    source: Series[str]

    class Config:
        strict = True
        coerce = True
        ordered = True


class Trends(pa.DataFrameModel):
    """``trends.csv``: one row per (trend, estimator, interval method)."""

    trend_id: Series[str] = pa.Field(str_matches=r"^[a-z0-9_.+\-]+$")
    snapshot: Series[str]
    preset: Series[str]
    method: Series[str] = pa.Field(str_matches=r"^[a-z][a-z0-9_]*$")
    subset: Series[str] = pa.Field(isin=list(SUBSETS))
    quality_measure: Series[str] = pa.Field(nullable=True)
    band_low: Series[float] = pa.Field(nullable=True)
    band_high: Series[float] = pa.Field(nullable=True)
    threshold_model: Series[str] = pa.Field(nullable=True)
    quantity: Series[str] = pa.Field(str_matches=r"^[a-z][a-z0-9_]*$")
    price_type: Series[str] = pa.Field(nullable=True, isin=list(PRICE_TYPES))
    price_source: Series[str] = pa.Field(nullable=True, isin=list(PRICE_SOURCES))
    controls: Series[str] = pa.Field(nullable=True)
    variant: Series[str] = pa.Field(nullable=True)
    # the vocabulary's estimators and interval methods and those a registered method adds: checked, like methods and
    # quantities, when the trends table is assembled (tasks.study.tables.finalise_trends), here only their form
    estimator: Series[str] = pa.Field(str_matches=r"^[a-z][a-z0-9_.]*$")
    ci_method: Series[str] = pa.Field(str_matches=r"^[a-z][a-z0-9_]*$")
    factor_per_year: Series[float] = pa.Field(nullable=True, gt=0)
    ci_low: Series[float] = pa.Field(nullable=True, ge=0)
    ci_high: Series[float] = pa.Field(nullable=True, ge=0)
    ci_level: Series[float] = pa.Field(nullable=True, gt=0, lt=1)
    slope_per_day: Series[float] = pa.Field(nullable=True)
    slope_se: Series[float] = pa.Field(nullable=True, ge=0)
    log_base: Series[str] = pa.Field(nullable=True, isin=list(LOG_BASES))
    halving_months: Series[float] = pa.Field(nullable=True)
    n: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0)
    n_candidates: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0)
    r_squared: Series[float] = pa.Field(nullable=True)
    adj_r_squared: Series[float] = pa.Field(nullable=True)
    first_date: Series[pa.DateTime] = pa.Field(nullable=True)
    last_date: Series[pa.DateTime] = pa.Field(nullable=True)
    tie_order_min_factor: Series[float] = pa.Field(nullable=True)
    tie_order_max_factor: Series[float] = pa.Field(nullable=True)
    tie_order_exact: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    loo_min_factor: Series[float] = pa.Field(nullable=True)
    loo_max_factor: Series[float] = pa.Field(nullable=True)
    null_median_factor: Series[float] = pa.Field(nullable=True)
    null_p_value: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    hardware_adjusted_factor: Series[float] = pa.Field(nullable=True)
    status: Series[str] = pa.Field(isin=list(STATUSES))
    note: Series[str] = pa.Field(nullable=True)
    months_since_last: Series[float] = pa.Field(nullable=True, ge=0)
    # the release dates of the snapshot's models scored on the trend's quality measure (first, last): the window the
    # quality data covers, whatever the price observation date (step 15)
    quality_window_start: Series[pa.DateTime] = pa.Field(nullable=True)
    quality_window_end: Series[pa.DateTime] = pa.Field(nullable=True)

    class Config:
        strict = True
        coerce = True
        ordered = True
        unique = ["trend_id", "estimator", "ci_method"]

    @pa.dataframe_check(error="an estimated row (ok, short_span, wide_interval) carries a factor (inside its "
                              "interval, unless the interval is a bootstrap's, which selection can push away from "
                              "the estimate); other rows none")
    def estimate_matches_status(cls, df: pd.DataFrame) -> Series[bool]:
        ok = df["status"].isin(ESTIMATED)
        inside = (df["ci_low"] <= df["factor_per_year"] * (1 + 1e-12)) & (
            df["factor_per_year"] <= df["ci_high"] * (1 + 1e-12)
        )
        ordered = df["ci_low"] <= df["ci_high"]
        interval_missing = df["ci_low"].isna() & df["ci_high"].isna()
        bootstrap = df["ci_method"] == "bootstrap"
        return (ok & df["factor_per_year"].notna() & (inside | interval_missing | (bootstrap & ordered))) | (
            ~ok & df["factor_per_year"].isna()
        )


class Points(pa.DataFrameModel):
    """``points.csv``: the points behind every trend (candidates, records, the ones in the fit)."""

    trend_id: Series[str]
    model_id: Series[str]
    name: Series[str]
    release_date: Series[pa.DateTime]
    value: Series[float] = pa.Field(gt=0)
    is_record: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    in_fit: Series[pd.BooleanDtype]

    class Config:
        strict = True
        coerce = True
        ordered = True


# the output contract's columns, in order, from the schemas (the Trends columns are a frozen contract: issue "Step 1
# of 7"; step 10 added months_since_last, months from the last fitted point to the last release scored on the trend's
# quality measure since step 15: a frontier whose last record is old has stalled, whatever its slope says; step 15
# added the quality window, the first and last release scored on the trend's quality measure)
TREND_COLUMNS = list(Trends.to_schema().columns)
TREND_ID_COLUMNS = TREND_COLUMNS[1:14]  # snapshot .. variant
POINT_COLUMNS = list(Points.to_schema().columns)
