"""Epoch AI's threshold method ("LLM inference prices have fallen rapidly but unequally across tasks", March 2025).

Per benchmark:
1. *Thresholds* come from the data: every model that was ever the top scorer among the models released up to its
   date (models with a usable price of the chosen source, as Epoch drops unpriced rows). In release-date order, a
   model is a threshold when its score is strictly above every model released on an earlier day and the highest of
   its own day (a tie at the top of one day names one model, the first by model id: the threshold, and so the
   trend, is the same whichever is named). On multiple-choice benchmarks (MMLU, GPQA Diamond) thresholds below the
   preset's minimum (Epoch: 30%, near chance) are skipped; they still count as the best so far.
2. The *range* is [threshold, 100%) for percentage benchmarks, [threshold, no limit) for Elo ratings.
3. *The walk*: the price observations with a score in the range, in date order (same day: by model id), keep one
   when it is strictly cheaper than the cheapest kept so far (an equal price is not a new low); of kept
   observations on the same day, only the cheapest stays. The result does not depend on the order of the input
   rows or of same-day releases.
4. OLS of log10(price) on the day of each kept observation, 90% t interval; at least 4 points, else
   ``insufficient``.

Price observations: Epoch records a price change as a new row with its own date, so a model can enter a trend
more than once (GPT-3 at $60 in 2021 and at $20 from September 2022). An observation is dated by the model's
release date when it is the model's first observation of the price source, by its ``observed_on`` date when it is
a later one (a price change). On a snapshot with one price per model this is the release date, as in the
frontier method. A model's score is the model's, not the observation's (see ``tasks/ingest/epoch_prices.py``).

Reasoning models (``reasoning`` true) are left out of both the thresholds and the walk when the preset says so
(Epoch: per-token prices of models that spend many more tokens per task are not comparable); models whose flag is
unknown stay in.

Membership is decided in integer hundredths of a band unit (``tasks.bands``): 43.9% is exactly 43.9.

Differences from Epoch's notebook (``llm_price_trends.ipynb`` @ 2fdd9a8), none of which moves its 21 published
trends: its rows are sorted with pandas' default (unstable) sort, so the order of same-day rows is the file's
accident; here it is explicit. Its same-day step compares each kept row with the next one only, and after a
removal compares against a shifted row: three kept rows on one day would leave two. Its factor uses 365-day
years (``10 ** (-slope * 365)``); ours 365.25 (``tasks.stats``): our factor is theirs to the power 365.25/365.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from schemas.canonical import BENCHMARK_UNITS
from tasks.bands import band_units, in_band
from tasks.caching import cached_task
from tasks.io import read_parquet
from tasks.quantities import price_column
from tasks.stats import FitError, log_values, ols_fits, release_day
from tasks.trends import trend_run_name, TrendResult, TrendSpec, points_frame, rows_frame, skipped_result, trend_row, write_result

OBSERVATION_COLUMNS = ["model_id", "name", "release_date", "value", "score"]


def percent_scale(benchmark: str) -> bool:
    """Percentage benchmarks get a [threshold, 100%) range; Elo and index points have no upper limit."""
    return BENCHMARK_UNITS.get(benchmark, "fraction") == "fraction"


def _hundredths(values) -> np.ndarray:
    return np.rint(np.asarray(values, dtype=float) * 100).astype(np.int64)


def observation_dates(frame: pd.DataFrame) -> pd.Series:
    """The date of each price observation: the release date for a model's first one, ``observed_on`` for later ones
    (price changes). ``frame``: one price source, one row per model and ``observed_on``."""
    first = frame.groupby("model_id")["observed_on"].transform("min")
    later = frame["observed_on"].notna() & (frame["observed_on"] > first)
    return frame["release_date"].where(~later, frame["observed_on"])


def observations(analysis: pd.DataFrame, benchmark: str, price_source: str, price_type: str = "blended",
                 subset: str = "all", exclude_reasoning: bool = True) -> pd.DataFrame:
    """Every usable price observation with a score on ``benchmark``: model_id, name, release_date (the
    observation's date, see ``observation_dates``), value (the price), score (as stored: a fraction or Elo)."""
    frame = analysis[analysis["price_source"] == price_source]
    if subset == "open":
        frame = frame[frame["open_weights"].fillna(False).astype(bool)]
    if exclude_reasoning:
        frame = frame[~frame["reasoning"].fillna(False).astype(bool)]
    column = f"score_{benchmark}"
    if column not in frame:
        return pd.DataFrame(columns=OBSERVATION_COLUMNS)
    price = frame[price_column(price_type)]
    frame = frame[price.notna() & (price > 0) & frame[column].notna()]
    out = pd.DataFrame({"model_id": frame["model_id"], "name": frame["name"], "release_date": observation_dates(frame),
                        "value": frame[price_column(price_type)].astype(float), "score": frame[column].astype(float)})
    return out.sort_values(["release_date", "model_id", "value"], kind="mergesort").reset_index(drop=True)


def find_thresholds(obs: pd.DataFrame, benchmark: str, min_threshold: float | None = None) -> pd.DataFrame:
    """The running best: every model that was the top scorer among the models released up to its date.

    ``obs``: observations (``observations``); each model counts once, at its release date (its first observation).
    ``min_threshold``: a fraction (0.30) for percentage benchmarks, else points; lower thresholds are skipped but
    still count as the best so far. Returns model_id, name, release_date, score, band_low (in band units: percent
    for percentage benchmarks, rounded to hundredths), in date order.
    """
    columns = ["model_id", "name", "release_date", "score", "band_low"]
    if obs.empty:
        return pd.DataFrame(columns=columns)
    models = obs.sort_values(["release_date", "model_id"], kind="mergesort").drop_duplicates("model_id")
    models = models.assign(_h=_hundredths(band_units(models["score"], benchmark)))
    floor = None if min_threshold is None else int(_hundredths(band_units(pd.Series([min_threshold]), benchmark))[0])
    rows, best = [], None
    for day, group in models.groupby("release_date", sort=True):
        top = int(group["_h"].max())
        if best is None or top > best:
            leader = group[group["_h"] == top].sort_values("model_id", kind="mergesort").iloc[0]
            if floor is None or top >= floor:
                rows.append(dict(model_id=leader["model_id"], name=leader["name"], release_date=day,
                                 score=leader["score"], band_low=top / 100))
            best = top
    return pd.DataFrame(rows, columns=columns)


def walk(candidates: pd.DataFrame) -> pd.Series:
    """Epoch's selection on the observations in a range (release_date, model_id, value): in date order (same day: by
    model id), keep one when strictly cheaper than the cheapest kept so far; then, of the kept ones sharing a day,
    only the cheapest stays (the first in that order on a tie). Returns the kept mask, aligned with ``candidates``."""
    ordered = candidates.sort_values(["release_date", "model_id", "value"], kind="mergesort")
    kept = pd.Series(False, index=candidates.index)
    cheapest = np.inf
    for index, value in zip(ordered.index, ordered["value"].to_numpy(dtype=float)):
        if value < cheapest:
            kept[index] = True
            cheapest = value
    chosen = ordered[kept[ordered.index]]
    day_best = chosen.sort_values(["release_date", "value"], kind="mergesort").drop_duplicates("release_date").index
    return pd.Series(candidates.index.isin(day_best), index=candidates.index)


def range_candidates(obs: pd.DataFrame, spec: TrendSpec) -> pd.DataFrame:
    """The observations whose score lies in [band_low, band_high) (band_high None: no upper limit)."""
    mask = in_band(obs["score"], spec.quality_measure, spec.band_low, spec.band_high, "half_open")
    return obs[mask].reset_index(drop=True)


def fit_points(points: pd.DataFrame, spec: TrendSpec):
    return ols_fits(log_values(points["value"], spec.log_base), release_day(points["release_date"]),
                    ci_level=spec.ci_level, ci_methods=("ols",))["ols"]


def fit_threshold(analysis: pd.DataFrame, spec: TrendSpec) -> TrendResult:
    """One threshold trend: its row and every observation in its range (``is_record`` = kept by the walk)."""
    if spec.skip_note:
        return skipped_result(spec)
    obs = observations(analysis, spec.quality_measure, spec.price_source, spec.price_type, spec.subset,
                       spec.exclude_reasoning)
    candidates = range_candidates(obs, spec)
    candidates["is_record"] = walk(candidates)
    kept = candidates[candidates["is_record"]]
    n, n_candidates = len(kept), len(candidates)
    fit, status, note = None, "ok", None
    if n < spec.min_points:
        status, note = "insufficient", f"{n} point(s), fewer than the minimum of {spec.min_points}"
    else:
        try:
            fit = fit_points(kept, spec)
        except FitError as err:
            status, note = "insufficient", str(err)
    candidates["in_fit"] = candidates["is_record"] & (status == "ok")
    row = trend_row(spec, estimator="ols", ci_method="ols", fit=fit, n=n, n_candidates=n_candidates,
                    first_date=kept["release_date"].min() if n else None,
                    last_date=kept["release_date"].max() if n else None, status=status, note=note)
    return TrendResult(rows=rows_frame([row]), points=points_frame(candidates, spec.trend_id))



@cached_task(name="threshold", task_run_name=trend_run_name)
def threshold_task(spec: TrendSpec, analysis_path: Path) -> dict[str, Path]:
    result = fit_threshold(read_parquet(analysis_path), spec)
    return write_result(result, spec, "threshold")


# --- labels for the report (tasks/report.py: threshold_section) ---------------------------------------------
BENCHMARK_LABELS = {"mmlu": "MMLU", "gpqa_diamond": "GPQA Diamond", "math_500": "MATH-500",
                    "math_level_5": "MATH level 5", "humaneval": "HumanEval", "arena_elo": "Chatbot Arena Elo"}


def fmt_range(row) -> str:
    """'[43.9, 100) %' for percentage benchmarks, '>= 1106' for Elo."""
    if pd.isna(row["band_low"]):
        return "-"
    if pd.isna(row["band_high"]):
        return f">= {row['band_low']:g}"
    return f"[{row['band_low']:g}, {row['band_high']:g}) %"
