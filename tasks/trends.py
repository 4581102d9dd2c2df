"""Trend specifications, their stable ids, result rows in the frozen output contract, and the output files.

A ``TrendSpec`` says what one trend is (the identifying columns of ``trends.csv``, snapshot .. variant) and how to
fit it (minimum points, interval level, ...). Its ``trend_id`` is readable and deterministic: the method, subset,
band, quantity, price type and source, controls and variant, then 8 hex digits of a hash of every identifying
column, so the same trend keeps the same id across runs and two trends never share one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from schemas.analysis import POINT_COLUMNS, TREND_COLUMNS, TREND_ID_COLUMNS, Points, Trends
from tasks.io import csv_text, read_csv_output, write_cached_parquet
from tasks.parsing import slugify
from tasks.stats import SlopeFit, halving_months
from tasks.validation import validate

FLOAT_DIGITS = 10
# variants: sensitivity versions of a preset's main trends (empty variant)
HALF_OPEN = "half_open_bands"  # [lo, hi) instead of the study's closed bands
COMMON_SAMPLE = "price_frontier_sample"  # decomposition on the models of the band's price frontier
AS_PUBLISHED = "as_published"  # on the data without the project's documented corrections
NO_REASONING = "no_reasoning"  # hedonic fits without the models flagged as reasoning models (as Epoch AI)


class TrendSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # identifying columns (snapshot .. variant)
    snapshot: str
    preset: str
    method: str
    subset: str
    quality_measure: str | None = None
    band_low: float | None = None
    band_high: float | None = None
    threshold_model: str | None = None
    quantity: str = "price"
    price_type: str | None = None
    price_source: str | None = None
    controls: tuple[str, ...] = ()
    variant: str = ""
    # how to fit (not part of the id; recorded in the manifest's config)
    band_edges: str = "closed"
    min_release_date: dt.date | None = None
    min_points: int = 4
    ci_level: float = 0.9
    ci_methods: tuple[str, ...] = ("ols",)
    log_base: str = "10"
    # uncertainty (frontier trends; see tasks/uncertainty.py)
    bootstrap_resamples: int = 0
    permutations: int = 0
    seed: int = 0
    coverage_simulations: int = 0
    coverage_resamples: int = 200
    members: tuple[str, ...] = ()  # frontier_geomean: the trend ids it averages
    # hedonic trends (tasks/hedonic.py, tasks/robust.py); ``seed`` above seeds their bootstraps, and
    # ``exclude_reasoning`` below drops reasoning models (variant no_reasoning)
    cluster_by: str | None = None  # "creator": the cluster and wild_cluster intervals group models by creator
    wild_bootstrap: int = 999  # wild cluster bootstrap replicates
    wild_cluster_below: int = 30  # with cluster asked and fewer clusters than this, wild_cluster is added
    quantiles: tuple[float, ...] = ()  # quantile regressions (estimator quantile_<q>), pairs-bootstrap interval
    quantile_bootstrap: int = 499  # their pairs-bootstrap resamples (0: point estimate only)
    # set by the plan when the snapshot lacks what the trend needs (a benchmark column gone missing): the trend is
    # reported as ``skipped`` with this note instead of being estimated on whatever is left
    skip_note: str | None = None
    # leave out models flagged as reasoning models: threshold trends (Epoch AI; thresholds and points alike), and
    # the hedonic variant no_reasoning
    exclude_reasoning: bool = False
    # hardware price-performance gain per year (preset); price trends report factor / this as hardware_adjusted_factor
    hardware_factor: float | None = None

    def identity(self) -> dict:
        values = self.model_dump(mode="json")
        values["controls"] = "+".join(self.controls) or None
        values["variant"] = self.variant or None
        return {column: values[column] for column in TREND_ID_COLUMNS}

    @property
    def trend_id(self) -> str:
        digest = hashlib.sha256(json.dumps(self.identity(), sort_keys=True).encode()).hexdigest()[:8]
        parts = [self.method, self.subset]
        if self.quality_measure:
            band = "_".join(_number(v) for v in (self.band_low, self.band_high) if v is not None)
            parts.append(f"{self.quality_measure}_{band}" if band else self.quality_measure)
        if self.threshold_model:
            parts.append(slugify(self.threshold_model))  # a model's name: 'GPT-4 Turbo' -> gpt-4-turbo
        parts.append(self.quantity)
        parts.extend(p for p in (self.price_type, self.price_source) if p)
        if self.controls:
            parts.append("ctrl_" + "+".join(self.controls))
        if self.variant:
            parts.append(self.variant)
        parts.append(digest)
        return "-".join(parts)



def trend_run_name(parameters: dict) -> str:
    """A trend task's run name: its full ``trend_id``, so that the UI's run graph, the manifest and ``trends.csv``
    name a trend the same way (two trends that differ only in a parameter differ in the hash suffix)."""
    return parameters["spec"].trend_id


def _number(value: float) -> str:
    return format(value, "g").replace(".", "p")


DIAGNOSTIC_COLUMNS = ["trend_id", "bootstrap_valid", "bootstrap_total", "null_valid", "null_total", "loo_valid",
                      "coverage_ols", "coverage_bootstrap", "coverage_simulations", "coverage_true_factor",
                      "coverage_sigma", "common_sample_share"]
REPLICATE_COLUMNS = ["trend_id", "kind", "replicate", "slope_per_day"]


@dataclass
class TrendResult:
    """What fitting one trend produces: its rows (one per estimator and interval method), its points, and for
    frontier trends the diagnostics (replicate counts, simulated coverage) and the replicate slopes."""

    rows: pd.DataFrame
    points: pd.DataFrame
    diagnostics: dict = field(default_factory=dict)
    replicates: pd.DataFrame | None = None


def trend_row(spec: TrendSpec, *, estimator: str, ci_method: str, fit: SlopeFit | None, n: int | None,
              n_candidates: int | None, first_date, last_date, status: str, note: str | None = None,
              **extra) -> dict:
    """One row of ``trends.csv`` from a fit (or from no fit, for insufficient or skipped trends)."""
    row = {column: None for column in TREND_COLUMNS}
    row.update(spec.identity())
    row.update(trend_id=spec.trend_id, estimator=estimator, ci_method=ci_method, n=n, n_candidates=n_candidates,
               first_date=first_date, last_date=last_date, status=status, note=note, ci_level=spec.ci_level)
    if fit is not None and status == "ok":
        factor = fit.factor(spec.log_base)
        low, high = fit.factor_interval(spec.log_base)
        row.update(factor_per_year=factor, ci_low=low, ci_high=high, slope_per_day=fit.slope, slope_se=fit.se,
                   log_base=spec.log_base, halving_months=halving_months(factor), r_squared=fit.r_squared,
                   adj_r_squared=fit.adj_r_squared, ci_level=fit.ci_level,
                   hardware_adjusted_factor=hardware_adjusted(spec, factor))
    row.update(extra)
    return row


def hardware_adjusted(spec: TrendSpec, factor: float | None) -> float | None:
    """A price trend net of hardware price-performance: factor / hardware factor (None where it does not apply:
    parameter counts are not prices, and a preset may set no hardware factor)."""
    if factor is None or spec.hardware_factor is None or not spec.quantity.startswith("price"):
        return None
    return float(factor) / spec.hardware_factor


def skipped_result(spec: TrendSpec) -> TrendResult:
    """The rows of a trend the data cannot support at all (``status = skipped``, ``note`` says why)."""
    methods = list(spec.ci_methods)
    if spec.method == "frontier" and spec.bootstrap_resamples:
        methods.append("bootstrap")
    rows = [trend_row(spec, estimator="ols", ci_method=m, fit=None, n=0, n_candidates=0, first_date=None,
                      last_date=None, status="skipped", note=spec.skip_note) for m in dict.fromkeys(methods)]
    return TrendResult(rows=rows_frame(rows), points=pd.DataFrame(columns=POINT_COLUMNS))


def rows_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


def points_frame(points: pd.DataFrame, trend_id: str) -> pd.DataFrame:
    frame = points.assign(trend_id=trend_id)
    return frame[POINT_COLUMNS]


def write_result(result: TrendResult, spec: TrendSpec, stage: str) -> dict[str, Path]:
    """Cache one trend's tables as Parquet and return their paths (``collect`` validates them all)."""
    lineage = {"stage": stage, "trend_id": spec.trend_id}
    diagnostics = pd.DataFrame([{"trend_id": spec.trend_id, **result.diagnostics}], columns=DIAGNOSTIC_COLUMNS)
    replicates = result.replicates if result.replicates is not None else pd.DataFrame(columns=REPLICATE_COLUMNS)
    tables = {"rows": result.rows, "points": result.points, "diagnostics": diagnostics,
              "replicates": replicates.astype({"replicate": "int64", "slope_per_day": "float64"})}
    return {name: write_cached_parquet(frame, f"trends/{stage}", f"{spec.trend_id}.{name}", lineage)
            for name, frame in tables.items()}


# --- final outputs -----------------------------------------------------------------------------------------------
def finalise_trends(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=TREND_COLUMNS)
    frame = frame.reindex(columns=TREND_COLUMNS)
    frame = frame.sort_values(["trend_id", "estimator", "ci_method"], kind="mergesort").reset_index(drop=True)
    return validate(Trends, frame, "trends table")


def finalise_points(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=POINT_COLUMNS)
    frame = frame.reindex(columns=POINT_COLUMNS)
    frame = frame.sort_values(["trend_id", "release_date", "model_id"], kind="mergesort").reset_index(drop=True)
    return validate(Points, frame, "points table")


def trends_csv(frame: pd.DataFrame) -> str:
    """``trends.csv`` text: floats with 10 significant digits, ISO dates, ``true``/``false``, empty = n/a."""
    return csv_text(frame, float_digits=FLOAT_DIGITS)


def points_csv(frame: pd.DataFrame) -> str:
    return csv_text(frame, float_digits=FLOAT_DIGITS)


def read_trends_csv(path: Path) -> pd.DataFrame:
    """Read ``trends.csv`` back with the contract's types."""
    frame = read_csv_output(path)
    frame["tie_order_exact"] = frame["tie_order_exact"].map({"true": True, "false": False, None: None})
    return validate(Trends, frame, str(path))


def nan_to_none(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value
