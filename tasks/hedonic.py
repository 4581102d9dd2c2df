"""Hedonic regression (the FutureTech study's "Method 2").

ln(price) = a * release day + b * score (+ more benchmark scores as controls) + c, over every model of the subset
whose quality score lies in the preset's range (closed), all release dates. The time coefficient is the
quality-adjusted trend. Models missing any control are left out of that fit (``n`` says how many remain), so
compare fits with different controls by adjusted R^2.
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
from tasks.trends import TrendResult, TrendSpec, points_frame, rows_frame, skipped_result, trend_row, write_result


def hedonic_sample(analysis: pd.DataFrame, spec: TrendSpec) -> tuple[pd.DataFrame, int]:
    """The fit's sample, and the number of candidates before dropping models that miss a control."""
    frame = model_values(analysis, spec.quantity, spec.subset, spec.price_type, spec.price_source)
    frame = frame[in_band(frame[f"score_{spec.quality_measure}"], spec.quality_measure, spec.band_low,
                          spec.band_high, "closed")]
    candidates = len(frame)
    controls = [f"score_{c}" for c in spec.controls]
    frame = frame.dropna(subset=controls)
    return frame.sort_values(["release_date", "model_id"], kind="mergesort").reset_index(drop=True), candidates


def fit_hedonic(analysis: pd.DataFrame, spec: TrendSpec) -> TrendResult:
    if spec.skip_note:
        return skipped_result(spec)
    sample, candidates = hedonic_sample(analysis, spec)
    n = len(sample)
    first = sample["release_date"].min() if n else None
    last = sample["release_date"].max() if n else None
    fits, status, note = {}, "ok", None
    if n < spec.min_points:
        status, note = "insufficient", f"{n} model(s), fewer than the minimum of {spec.min_points}"
    else:
        try:
            fits = ols_fits(log_values(sample["value"], spec.log_base), release_day(sample["release_date"]),
                            controls=sample[[f"score_{c}" for c in spec.controls]].to_numpy(),
                            ci_level=spec.ci_level, ci_methods=spec.ci_methods)
        except FitError as err:
            status, note = "insufficient", str(err)
    rows = [
        trend_row(spec, estimator="ols", ci_method=method, fit=fits.get(method), n=n, n_candidates=candidates,
                  first_date=first, last_date=last, status=status, note=note)
        for method in spec.ci_methods
    ]
    points = sample[["model_id", "name", "release_date", "value"]].assign(is_record=pd.NA, in_fit=status == "ok")
    return TrendResult(rows=rows_frame(rows), points=points_frame(points, spec.trend_id))


def _run_name(parameters: dict) -> str:
    return parameters["spec"].label


@cached_task(name="hedonic", task_run_name=_run_name)
def hedonic_task(spec: TrendSpec, analysis_path: Path) -> dict[str, Path]:
    result = fit_hedonic(read_parquet(analysis_path), spec)
    return write_result(result, spec, "hedonic")


def hedonic_coefficients(analysis: pd.DataFrame, spec: TrendSpec) -> tuple[pd.DataFrame, dict[str, float]]:
    """The fit's sample and every coefficient (const, day, one per control), for figures that adjust for quality."""
    import statsmodels.api as sm

    sample, _ = hedonic_sample(analysis, spec)
    controls = [f"score_{c}" for c in spec.controls]
    design = sm.add_constant(np.column_stack([release_day(sample["release_date"]), sample[controls].to_numpy()]),
                             has_constant="add")
    params = sm.OLS(log_values(sample["value"], spec.log_base), design).fit().params
    return sample, dict(zip(["const", "day", *controls], map(float, params)))
