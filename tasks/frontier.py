"""Record-low frontier per quality band (the FutureTech study's "Method 1").

In each band: keep models released on or after the preset's start date whose quality score lies in the band
(closed [lo, hi] by default, as in the study's code); order them by release date, same-day releases by value
(cheapest first) then model id; a model is a *record* when its value is at most the lowest value of every model
before it in that order (equal values count, as in the study's code: ``cummin() == value``). OLS of log10(value)
on release day over the records gives the trend.

The order of same-day releases is a choice: ``cheapest first`` is the order that adds the fewest same-day records,
and it is explicit and deterministic (the study's unstable ``sort_values`` let the file's row order decide).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tasks.bands import in_band
from tasks.caching import cached_task
from tasks.io import read_parquet
from tasks.quantities import model_values
from tasks.stats import FitError, log_values, ols_fits, release_day
from tasks.tieorder import tie_order_range
from tasks.trends import TrendResult, TrendSpec, points_frame, rows_frame, trend_row, write_result

def frontier_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Release date, then value (cheapest first), then model id; a stable sort, so the input order never matters."""
    return frame.sort_values(["release_date", "value", "model_id"], kind="mergesort").reset_index(drop=True)


def mark_records(ordered: pd.DataFrame) -> pd.Series:
    """True where the value is at most the lowest value of every earlier row (rows already in frontier order)."""
    previous_min = ordered["value"].cummin().shift(1, fill_value=np.inf)
    return ordered["value"] <= previous_min


def frontier_candidates(analysis: pd.DataFrame, spec: TrendSpec) -> pd.DataFrame:
    frame = model_values(analysis, spec.quantity, spec.subset, spec.price_type, spec.price_source)
    if spec.min_release_date is not None:
        frame = frame[frame["release_date"] >= pd.Timestamp(spec.min_release_date)]
    score = frame[f"score_{spec.quality_measure}"]
    frame = frame[in_band(score, spec.quality_measure, spec.band_low, spec.band_high, spec.band_edges)]
    return frontier_order(frame[["model_id", "name", "release_date", "value"]])


def fit_records(records: pd.DataFrame, spec: TrendSpec):
    return ols_fits(log_values(records["value"], spec.log_base), release_day(records["release_date"]),
                    ci_level=spec.ci_level, ci_methods=("ols",))["ols"]


def fit_frontier(analysis: pd.DataFrame, spec: TrendSpec) -> TrendResult:
    """One frontier trend: its row(s) and every candidate point (with ``is_record``/``in_fit``)."""
    candidates = frontier_candidates(analysis, spec)
    candidates["is_record"] = mark_records(candidates)
    records = candidates[candidates["is_record"]]
    n, n_candidates = len(records), len(candidates)
    first = records["release_date"].min() if n else None
    last = records["release_date"].max() if n else None
    fit, status, note = None, "ok", None
    if n < spec.min_points:
        status = "insufficient"
        note = f"{n} record(s), fewer than the minimum of {spec.min_points}"
    else:
        try:
            fit = fit_records(records, spec)
        except FitError as err:
            status, note = "insufficient", str(err)
    candidates["in_fit"] = candidates["is_record"] & (status == "ok")
    extra = {}
    if status == "ok":
        ties = tie_order_range(candidates, spec.min_points, spec.log_base, seed=_seed(spec))
        extra = dict(tie_order_min_factor=ties.min_factor, tie_order_max_factor=ties.max_factor,
                     tie_order_exact=ties.exact)
    row = trend_row(spec, estimator="ols", ci_method="ols", fit=fit, n=n, n_candidates=n_candidates,
                    first_date=first, last_date=last, status=status, note=note, **extra)
    points = points_frame(candidates, spec.trend_id)
    return TrendResult(rows=rows_frame([row]), points=points)


def _seed(spec: TrendSpec) -> int:
    """A per-trend seed for sampled orders: reproducible, and different across trends."""
    return int(spec.trend_id.rsplit("-", 1)[1], 16)


def _run_name(parameters: dict) -> str:
    return parameters["spec"].label


@cached_task(name="frontier", task_run_name=_run_name)
def frontier_task(spec: TrendSpec, analysis_path: Path) -> dict[str, Path]:
    result = fit_frontier(read_parquet(analysis_path), spec)
    return write_result(result, spec, "frontier")
