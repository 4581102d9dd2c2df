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
frontier method. A model's score is the model's, not the observation's (see ``tasks/data/ingest/epoch_prices.py``).

Reasoning models (``reasoning`` true) are left out of both the thresholds and the walk when the preset says so
(Epoch: per-token prices of models that spend many more tokens per task are not comparable); models whose flag is
unknown stay in.

Membership is decided in integer hundredths of a band unit (``tasks.core.bands``): 43.9% is exactly 43.9.

Differences from Epoch's notebook (``llm_price_trends.ipynb`` @ 2fdd9a8), none of which moves its 21 published
trends: its rows are sorted with pandas' default (unstable) sort, so the order of same-day rows is the file's
accident; here it is explicit. Its same-day step compares each kept row with the next one only, and after a
removal compares against a shifted row: three kept rows on one day would leave two. Its factor uses 365-day
years (``10 ** (-slope * 365)``); ours 365.25 (``tasks.core.stats``): our factor is theirs to the power 365.25/365.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
from pandera.typing import DataFrame

from schemas.canonical import BENCHMARK_UNITS
from pydantic import Field, model_validator

from schemas.analysis import AnalysisTable
from tasks.core.bands import band_units, in_band
from tasks.core.stats import log_values, ols_fits, release_day
from tasks.data.quantities import at_precision, price_column
from tasks.methods import threshold_report
from tasks.trends.method import FIRST, Method, every_row
from tasks.trends import (attempt_fit, LogBase, PriceSource, PriceType, Sample, Estimate, Section, Subset, TrendFit,
                          TrendSpec, known_benchmark, points_frame, skipped)

NAME = "threshold"


class ThresholdSection(Section):
    """Epoch AI's method (March 2025, ``tasks/methods/threshold.py``): per benchmark, every score that was once the best so
    far is a threshold; from it on, the observations priced strictly below every earlier one at or above the
    threshold, regressed (log) on their dates."""

    benchmarks: list[str]
    subset: Subset = "all"
    # thresholds below this score (a fraction: 0.30 = 30%) are skipped on these (multiple-choice) benchmarks
    multiple_choice: list[str] = ["mmlu", "gpqa_diamond"]
    min_threshold: float = Field(0.30, ge=0, le=1)
    exclude_reasoning: bool = True  # leave out models flagged as reasoning models (thresholds and points)
    price_type: PriceType = "blended"
    # in order of preference: the first price source the snapshot has is used
    price_sources: list[PriceSource] = ["source_price"]
    log_base: LogBase = "10"

    @model_validator(mode="after")
    def _known_benchmarks(self):
        for benchmark in [*self.benchmarks, *self.multiple_choice]:
            known_benchmark(benchmark)
        if not self.price_sources:
            raise ValueError("give at least one price source")
        return self


SECTIONS = {"threshold": ThresholdSection}


def plan(preset, snapshot: str, analysis: DataFrame[AnalysisTable], common: dict, price_sources: set[str]
         ) -> list[TrendSpec]:
    """Epoch AI's thresholds are in the data: one trend per score that was once the best so far, per benchmark, on
    the first price source of the preset's list that the snapshot has. A benchmark that yields no threshold (no
    usable scores, or all below the multiple-choice minimum), or a snapshot with none of the price sources, gives one
    ``skipped`` trend with the reason."""
    t = preset.threshold
    if analysis is None:
        raise ValueError(f"preset {preset.name}: threshold trends are planned from the data; pass the analysis table")
    source = next((s for s in t.price_sources if s in price_sources), None)
    options = dict(common, method=NAME, subset=t.subset, quantity="price", price_type=t.price_type,
                   price_source=source or t.price_sources[0], band_edges="half_open", ci_methods=("ols",),
                   log_base=t.log_base, exclude_reasoning=t.exclude_reasoning)
    specs = []
    for benchmark in t.benchmarks:
        if source is None:
            specs.append(TrendSpec(**options, quality_measure=benchmark, skip_note=(
                f"no {' or '.join(t.price_sources)} prices in snapshot {common['snapshot']}")))
            continue
        minimum = t.min_threshold if benchmark in t.multiple_choice else None
        obs = observations(analysis, benchmark, source, t.price_type, t.subset, t.exclude_reasoning)
        found = find_thresholds(obs, benchmark, minimum)
        if found.empty:
            why = (f"no {benchmark} score of a priced ({source}) model" if obs.empty else
                   f"every {benchmark} threshold lies below the multiple-choice minimum of {minimum:.0%}")
            specs.append(TrendSpec(**options, quality_measure=benchmark,
                                   skip_note=f"{why} in snapshot {common['snapshot']}: no threshold to follow"))
            continue
        high = 100.0 if percent_scale(benchmark) else None
        specs += [TrendSpec(**options, quality_measure=benchmark, band_low=float(row.band_low), band_high=high,
                            threshold_model=row.name) for row in found.itertuples()]
    return specs

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


def observations(analysis: DataFrame[AnalysisTable], benchmark: str, price_source: str, price_type: str = "blended",
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
                        "value": at_precision(frame[price_column(price_type)].astype(float)),
                        "score": frame[column].astype(float)})
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


def fit(analysis: DataFrame[AnalysisTable], spec: TrendSpec, context: dict | None = None) -> TrendFit:
    """One threshold trend: its estimate and every observation in its range (``is_record`` = kept by the walk)."""
    if spec.skip_note:
        return skipped(spec)
    obs = observations(analysis, spec.quality_measure, spec.price_source, spec.price_type, spec.subset,
                       spec.exclude_reasoning)
    candidates = range_candidates(obs, spec)
    candidates["is_record"] = walk(candidates)
    kept = candidates[candidates["is_record"]]
    sample = Sample.of(kept, len(candidates))
    slope_fit, status, note = attempt_fit(sample.n, spec.min_points, "point(s)", lambda: fit_points(kept, spec))
    candidates["in_fit"] = candidates["is_record"] & (status == "ok")
    return TrendFit(spec, [Estimate.of(spec, "ols", "ols", slope_fit, sample, status, note)],
                    points_frame(candidates, spec.trend_id))


METHOD = Method(
    name=NAME,
    sections=SECTIONS,
    plan=plan,
    fit=fit,
    label="Cheapest above a threshold (Epoch AI)",
    what="the price of the cheapest model at or above the level of a past top model, following the models that were "
         "strictly cheaper than every earlier one. One-sided thresholds let quality rise inside the range, and the "
         "record selection applies here too",
    reference="Epoch AI 2025 published 9-900x per year across thresholds, median 46x",
    reference_ranges=((9, 900, "Epoch AI 2025: 9-900x, median 46x"), (46, 46, "")),
    compare=every_row,
    section=threshold_report.threshold_details,
    section_place=FIRST,
    answer_notes=threshold_report.ANSWER_NOTES,
    scope=threshold_report.scope,
    figure_scope=threshold_report.figure_scope,
    summary_groups=threshold_report.SUMMARY_GROUPS,
)
