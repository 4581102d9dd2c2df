"""The geometric mean of a preset's bands (``method = frontier_geomean``), with a bootstrap interval.

The point estimate is the factor of the mean of the bands' log slopes. Bands share models (a model at exactly
50.0% sits in two closed bands; one model can set records in several), so their intervals cannot be combined as if
independent. Because every frontier trend of a run resamples the *same* joint draw of models
(``tasks.uncertainty.joint_counts``), replicate r of every band comes from one resampled data set: averaging the
bands' slopes replicate by replicate gives the geometric mean's bootstrap distribution.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tasks.caching import cached_task
from tasks.io import read_parquet
from tasks.stats import DAYS_PER_YEAR, LOG_BASES, halving_months
from tasks.trends import trend_run_name, TrendResult, TrendSpec, hardware_adjusted, rows_frame, trend_row, write_result
from tasks.uncertainty import factors, summarise


def fit_geomean(spec: TrendSpec, member_rows: pd.DataFrame, member_replicates: pd.DataFrame) -> TrendResult:
    """``member_rows``: the member trends' rows; ``member_replicates``: their replicate slopes."""
    main = member_rows[member_rows["ci_method"] == "ols"].set_index("trend_id").loc[list(spec.members)]
    bands = ", ".join(f"[{r.band_low:g}, {r.band_high:g}]" for r in main.itertuples())
    common = dict(n=int(main["n"].sum()), n_candidates=int(main["n_candidates"].sum()),
                  first_date=main["first_date"].min(), last_date=main["last_date"].max())
    if (main["status"] == "skipped").all():
        row = trend_row(spec, estimator="ols", ci_method="bootstrap", fit=None, status="skipped",
                        note=main["note"].iloc[0], **common)
        return TrendResult(rows=rows_frame([row]), points=pd.DataFrame(columns=["trend_id"]))
    if (main["status"] != "ok").any():
        bad = ", ".join(f"[{r.band_low:g}, {r.band_high:g}]" for r in main.itertuples() if r.status != "ok")
        row = trend_row(spec, estimator="ols", ci_method="bootstrap", fit=None, status="insufficient",
                        note=f"bands {bad} have no estimate", **common)
        return TrendResult(rows=rows_frame([row]), points=pd.DataFrame(columns=["trend_id"]))
    slope = float(main["slope_per_day"].mean())
    boot = member_replicates[member_replicates["kind"] == "bootstrap"]
    table = boot.pivot(index="replicate", columns="trend_id", values="slope_per_day").reindex(
        columns=list(spec.members))
    replicate_slopes = table.mean(axis=1, skipna=False).to_numpy()
    summary = summarise(factors(replicate_slopes, spec.log_base), spec.ci_level)
    factor = float(LOG_BASES[spec.log_base] ** (-slope * DAYS_PER_YEAR))

    row = trend_row(spec, estimator="ols", ci_method="bootstrap", fit=None, status="ok",
                    note=f"mean of the log slopes of bands {bands}; percentile interval of {summary.valid} of "
                         f"{summary.total} joint resamples in which every band had an estimate", **common)
    row.update(factor_per_year=factor, ci_low=summary.low, ci_high=summary.high, slope_per_day=slope,
               log_base=spec.log_base, halving_months=halving_months(factor), ci_level=spec.ci_level,
               hardware_adjusted_factor=hardware_adjusted(spec, factor))
    replicates = pd.DataFrame({"trend_id": spec.trend_id, "kind": "bootstrap",
                               "replicate": np.arange(len(replicate_slopes)), "slope_per_day": replicate_slopes})
    return TrendResult(rows=rows_frame([row]), points=pd.DataFrame(columns=["trend_id"]),
                       diagnostics={"bootstrap_valid": summary.valid, "bootstrap_total": summary.total},
                       replicates=replicates)



@cached_task(name="frontier-geomean", task_run_name=trend_run_name)
def geomean_task(spec: TrendSpec, members: list[dict[str, Path]]) -> dict[str, Path]:
    rows = pd.concat([read_parquet(m["rows"]) for m in members], ignore_index=True)
    replicates = pd.concat([read_parquet(m["replicates"]) for m in members], ignore_index=True)
    return write_result(fit_geomean(spec, rows, replicates), spec, "frontier_geomean")
