"""Record-low frontier per quality band (the FutureTech study's "Method 1"), with its uncertainty.

In each band: keep models released on or after the preset's start date whose quality score lies in the band
(closed [lo, hi] by default, as in the study's code); order them by release date, same-day releases by value
(cheapest first) then model id; a model is a *record* when its value is at most the lowest value of every model
before it in that order (equal values count, as in the study's code: ``cummin() == value``). OLS of log10(value)
on release day over the records gives the trend.

The order of same-day releases is a choice: ``cheapest first`` is the order that adds the fewest same-day records,
and it is explicit and deterministic (the study's unstable ``sort_values`` let the file's row order decide).

Each trend also gets (``tasks/uncertainty.py``, ``tasks/tieorder.py``, ``tasks/coverage.py``): the range over
every order of same-day releases, a bootstrap interval that redoes the selection in every resample, a
permutation null, the leave-one-out range, and the simulated coverage of its intervals.

``variant = price_frontier_sample`` is the decomposition on a common sample: the models of the band's price
frontier (its records, those with a parameter count), on which ln price = ln active parameters + ln price per
active parameter holds exactly, so the slopes add up.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from tasks.bands import in_band
from tasks.caching import cached_task
from tasks.coverage import band_truth, frontier_coverage
from tasks.io import read_parquet
from tasks.quantities import PARAM_COLUMN, model_values
from tasks.stats import FitError, factor_per_year, log_values, ols_fits, release_day
from tasks.tieorder import tie_order_range
from tasks.trends import (trend_run_name, COMMON_SAMPLE, TrendResult, TrendSpec, points_frame, rows_frame, skipped_result, trend_row,
                          write_result)
from tasks.uncertainty import (bootstrap_slopes, factors, joint_count_blocks, leave_one_out_slopes,
                               permutation_slopes, summarise)

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


def trend_seed(spec: TrendSpec, salt: str) -> int:
    """A seed per trend and purpose, derived from the preset's seed: reproducible, distinct across trends."""
    digest = hashlib.sha256(f"{spec.seed}:{spec.trend_id}:{salt}".encode()).hexdigest()
    return int(digest[:8], 16)


def snapshot_universe(analysis: pd.DataFrame) -> list[str]:
    """Every model of the snapshot, sorted: the population the joint bootstrap resamples."""
    return sorted(analysis["model_id"].unique())


def uncertainty(analysis: pd.DataFrame, candidates: pd.DataFrame, spec: TrendSpec, observed: float) -> tuple:
    """Bootstrap, permutation null, leave-one-out and simulated coverage for one frontier trend."""
    x = release_day(candidates["release_date"])
    x = x - x.mean()
    y = log_values(candidates["value"].to_numpy(), spec.log_base)
    values = candidates["value"].to_numpy(dtype=float)
    extra, diagnostics, replicates = {}, {}, []
    level = spec.ci_level

    loo = summarise(factors(leave_one_out_slopes(x, y, values, spec.min_points), spec.log_base), 1.0)
    extra.update(loo_min_factor=loo.low, loo_max_factor=loo.high)
    diagnostics["loo_valid"] = loo.valid

    if spec.permutations:
        tiebreak = np.lexsort((candidates["model_id"].to_numpy(), values)).argsort()
        null = permutation_slopes(x, values, tiebreak, spec.permutations, trend_seed(spec, "null"),
                                  spec.min_points, y)
        null_factors = factors(null, spec.log_base)
        finite = null_factors[np.isfinite(null_factors)]
        if len(finite):
            extra.update(null_median_factor=float(np.median(finite)),
                         null_p_value=float(np.mean(finite >= observed * (1 - 1e-12))))
        diagnostics.update(null_valid=len(finite), null_total=len(null))
        replicates.append(pd.DataFrame({"kind": "null", "replicate": np.arange(len(null)), "slope_per_day": null}))

    boot = None
    if spec.bootstrap_resamples:
        universe = snapshot_universe(analysis)
        index = pd.Index(universe).get_indexer(candidates["model_id"])
        counts = joint_count_blocks(len(universe), spec.bootstrap_resamples, spec.seed, index)
        slopes = bootstrap_slopes(x, y, values, counts, spec.min_points)
        boot = summarise(factors(slopes, spec.log_base), level)
        diagnostics.update(bootstrap_valid=boot.valid, bootstrap_total=boot.total)
        replicates.append(pd.DataFrame({"kind": "bootstrap", "replicate": np.arange(len(slopes)),
                                        "slope_per_day": slopes}))

    if spec.coverage_simulations and not spec.variant:
        true_slope, sigma = band_truth(x, y)
        cover = frontier_coverage(x, true_slope, sigma, spec.min_points, level, trend_seed(spec, "coverage"),
                                  spec.coverage_simulations, spec.coverage_resamples)
        diagnostics.update(coverage_ols=cover.ols, coverage_bootstrap=cover.bootstrap,
                           coverage_simulations=cover.simulations,
                           coverage_true_factor=factor_per_year(true_slope, spec.log_base), coverage_sigma=sigma)
    frame = pd.concat(replicates, ignore_index=True) if replicates else None
    return extra, boot, diagnostics, frame


def fit_frontier(analysis: pd.DataFrame, spec: TrendSpec) -> TrendResult:
    """One frontier trend: its row(s) and every candidate point (with ``is_record``/``in_fit``)."""
    if spec.skip_note:
        return skipped_result(spec)
    if spec.variant == COMMON_SAMPLE:
        return fit_common_sample(analysis, spec)
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
    extra, boot, diagnostics, replicates = {}, None, {}, None
    if status == "ok":
        ties = tie_order_range(candidates, spec.min_points, spec.log_base, seed=trend_seed(spec, "ties"))
        extra = dict(tie_order_min_factor=ties.min_factor, tie_order_max_factor=ties.max_factor,
                     tie_order_exact=ties.exact)
        more, boot, diagnostics, replicates = uncertainty(analysis, candidates, spec, fit.factor(spec.log_base))
        extra.update(more)
    common = dict(n=n, n_candidates=n_candidates, first_date=first, last_date=last, status=status, note=note)
    rows = [trend_row(spec, estimator="ols", ci_method="ols", fit=fit, **common, **extra)]
    if spec.bootstrap_resamples:
        boot_row = trend_row(spec, estimator="ols", ci_method="bootstrap", fit=fit, **common, **extra)
        if status == "ok":
            boot_row.update(ci_low=boot.low if boot else None, ci_high=boot.high if boot else None,
                            slope_se=None, note=f"percentile interval of {boot.valid} of {boot.total} resamples "
                                                f"with at least {spec.min_points} records" if boot else None)
        rows.append(boot_row)
    if replicates is not None:
        replicates.insert(0, "trend_id", spec.trend_id)
    return TrendResult(rows=rows_frame(rows), points=points_frame(candidates, spec.trend_id),
                       diagnostics=diagnostics, replicates=replicates)


def common_sample_frame(analysis: pd.DataFrame, spec: TrendSpec) -> tuple[pd.DataFrame, int]:
    """The band's price-frontier records with price, active parameters and their ratio; and how many records."""
    price_spec = spec.model_copy(update={"quantity": "price", "variant": ""})
    candidates = frontier_candidates(analysis, price_spec)
    records = candidates[mark_records(candidates)]
    params = (analysis.drop_duplicates("model_id").set_index("model_id")[PARAM_COLUMN["active_params"]])
    frame = records.rename(columns={"value": "price"}).assign(
        active_params=records["model_id"].map(params).to_numpy())
    frame["price_per_active_param"] = frame["price"] / frame["active_params"]
    return frame, len(records)


def fit_common_sample(analysis: pd.DataFrame, spec: TrendSpec) -> TrendResult:
    """One term of ln price = ln active params + ln price per active param, on the price frontier's models."""
    frame, n_records = common_sample_frame(analysis, spec)
    sample = frame[frame["active_params"].notna() & (frame["active_params"] > 0)].reset_index(drop=True)
    n = len(sample)
    fit, status, note, share = None, "ok", None, None
    missing = n_records - n
    if n < spec.min_points:
        status, note = "insufficient", f"{n} price-frontier model(s) with a parameter count, fewer than " \
                                       f"{spec.min_points}"
    else:
        try:
            x = release_day(sample["release_date"])
            slopes = {q: ols_fits(log_values(sample[q], spec.log_base), x, ci_level=spec.ci_level)["ols"]
                      for q in ("price", "active_params", "price_per_active_param")}
            fit = slopes[spec.quantity]
            if spec.quantity != "price" and slopes["price"].slope:
                share = fit.slope / slopes["price"].slope
                note = f"share of the common-sample price trend: {share:.0%}"
        except FitError as err:
            status, note = "insufficient", str(err)
    if missing and note:
        note += f"; {missing} of {n_records} price-frontier models lack a parameter count"
    points = sample.assign(value=sample[spec.quantity], is_record=True, in_fit=status == "ok")
    row = trend_row(spec, estimator="ols", ci_method="ols", fit=fit, n=n, n_candidates=n_records,
                    first_date=sample["release_date"].min() if n else None,
                    last_date=sample["release_date"].max() if n else None, status=status, note=note)
    return TrendResult(rows=rows_frame([row]), points=points_frame(points, spec.trend_id),
                       diagnostics={"common_sample_share": share})



@cached_task(name="frontier", task_run_name=trend_run_name)
def frontier_task(spec: TrendSpec, analysis_path: Path) -> dict[str, Path]:
    result = fit_frontier(read_parquet(analysis_path), spec)
    return write_result(result, spec, "frontier")

