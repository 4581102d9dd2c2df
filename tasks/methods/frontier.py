"""Record-low frontier per quality band (the FutureTech study's "Method 1"), with its uncertainty.

In each band: keep models released on or after the preset's start date whose quality score lies in the band
(closed [lo, hi] by default, as in the study's code); order them by release date, same-day releases by value
(cheapest first) then model id; a model is a *record* when its value is at most the lowest value of every model
before it in that order (equal values count, as in the study's code: ``cummin() == value``). OLS of log10(value)
on release day over the records gives the trend.

The order of same-day releases is a choice: ``cheapest first`` is the order that adds the fewest same-day records,
and it is explicit and deterministic (the study's unstable ``sort_values`` let the file's row order decide).

Each trend also gets (``tasks/core/uncertainty.py``, ``tasks/core/tieorder.py``, ``tasks/core/coverage.py``): the range over
every order of same-day releases, a bootstrap interval that redoes the selection in every resample, a
permutation null, the leave-one-out range, and the simulated coverage of its intervals.

``variant = price_frontier_sample`` is the decomposition on a common sample: the models of the band's price
frontier (its records, those with a parameter count), on which ln price = ln active parameters + ln price per
active parameter holds exactly, so the slopes add up.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
import pandas as pd
from pandera.typing import DataFrame
from pydantic import Field, model_validator

from schemas.analysis import AnalysisTable
from tasks.core.bands import in_band
from tasks.core.coverage import band_truth, frontier_coverage
from tasks.core.stats import FitError, factor_per_year, log_values, ols_fits, release_day
from tasks.core.tieorder import tie_order_range
from tasks.core.uncertainty import (bootstrap_slopes, factors, joint_count_blocks, leave_one_out_slopes,
                                   null_p_value, permutation_slopes, summarise)
from tasks.data.quantities import PARAM_COLUMN, model_values
from tasks.data.resolve import family_slug
from tasks.trends import geomean
from tasks.methods import frontier_figures, frontier_report
from tasks.trends.sections import BandedSection
from tasks.trends.method import AFTER, FIRST, Method, every_row
from tasks.trends import (attempt_fit, COMMON_SAMPLE, HALF_OPEN, MAX_RESAMPLES_ENV, NO_REASONING, TYPICAL, Checks,
                          Diagnostics, Estimate, LogBase, PriceSource, PriceType, Resamples, Sample, Section,
                          Subset, TrendFit, TrendSpec, max_resamples, points_frame,
                          skipped)

NAME = "frontier"
DERIVED = (geomean.NAME,)


class FrontierSpec(TrendSpec):
    """A frontier trend: the study's options on top of what every trend has."""

    min_release_date: dt.date | None = None  # models released before it are left out
    one_per_weights: bool = True  # one candidate per set of weights (the cheapest reasoning-effort variant)
    coverage_simulations: int = 0  # simulated coverage of its intervals (tasks/core/coverage.py)
    coverage_resamples: int = 200  # bootstrap resamples per simulated band


@dataclass(frozen=True)
class FrontierDiagnostics(Diagnostics):
    """A frontier fit's checks, and a decomposition trend's share of the price slope on the same models."""

    common_sample_share: float | None = None


class FrontierSection(BandedSection):
    """Record-low frontier per quality band (the FutureTech "Method 1"); ``quality_measure`` and ``bands`` as every
    banded section (checked there)."""

    band_edges: Literal["closed", "half_open"] = "closed"
    min_release_date: dt.date | None = None
    subsets: list[Subset] = ["open", "all"]
    price_types: list[PriceType] = ["blended"]
    price_sources: list[PriceSource] = ["lowest_reported", "lowest_provider"]
    # fitted too, for comparison (vintage table), without the half-open variant and the coverage simulation
    comparison_price_sources: list[PriceSource] = []
    log_base: LogBase = "10"
    # one candidate per set of weights: reasoning-effort variants (gpt-oss-20b-high / -low, "-reasoning") share their
    # weights, so only the cheapest variant in the band stands for them (tasks.data.resolve.family_slug)
    one_per_weights: bool = True
    # also per price band: the OLS trend over every model of the band, the typical model beside the cheapest
    # (variant typical), and the record lows without reasoning models (variant no_reasoning, as Epoch AI)
    typical: bool = True
    no_reasoning: bool = True



class DecompositionSection(Section):
    """The frontier method (the preset's bands, start date, edges, rule and minimum points) applied to parameter
    counts and to price per parameter: what is causing the price trend."""

    REQUIRES: ClassVar[str] = "frontier"

    quantities: list[Literal["active_params", "total_params", "price_per_active_param", "price_per_total_param"]] = [
        "active_params", "total_params", "price_per_active_param", "price_per_total_param"]
    subsets: list[Subset] = ["open"]
    price_type: PriceType = "blended"
    price_sources: list[PriceSource] = ["lowest_reported", "lowest_provider"]


class UncertaintySection(Section):
    """How hard to test each frontier trend (tasks/core/uncertainty.py, tasks/core/coverage.py)."""

    OPTIONAL_DEFAULT: ClassVar[bool] = True

    # each count at most tasks.trends.max_resamples() (100,000; INFERENCE_TRENDS_MAX_RESAMPLES)
    bootstrap_resamples: Resamples = Field(2000, ge=0)  # 0: no bootstrap rows
    permutations: Resamples = Field(1000, ge=0)  # 0: no permutation null
    seed: int = 20250713
    coverage_simulations: Resamples = Field(400, ge=0)  # 0: no coverage simulation
    coverage_resamples: Resamples = Field(200, ge=10)  # bootstraps per simulation
    edge_variant: bool = True  # also fit half-open [lo, hi) bands (variant half_open_bands)
    common_sample: bool = True  # decomposition on the price frontier's own models (variant price_frontier_sample)

    @model_validator(mode="after")
    def _coverage_cost(self):
        # every simulation runs its own bootstrap: the cost is their product, bounded by 100 x the resample limit
        limit = 100 * max_resamples()
        fits = self.coverage_simulations * self.coverage_resamples
        if fits > limit:
            raise ValueError(f"coverage_simulations x coverage_resamples = {fits:,} bootstrap fits per trend, more "
                             f"than the limit of {limit:,} (100 x the resample limit; set {MAX_RESAMPLES_ENV} to "
                             "raise it)")
        return self


SECTIONS = {"frontier": FrontierSection, "decomposition": DecompositionSection, "uncertainty": UncertaintySection}


# --- the plan ----------------------------------------------------------------------------------------------------
def plan(preset, snapshot: str, analysis: DataFrame[AnalysisTable], common: dict, price_sources: set[str]
         ) -> list[TrendSpec]:
    """The price frontier per band, subset, price type and source; the decomposition; their variants."""
    f, u = preset.frontier, preset.uncertainty
    options = dict(method=NAME, quality_measure=f.quality_measure, band_edges=f.band_edges,
                   one_per_weights=f.one_per_weights,
                   min_release_date=f.min_release_date, ci_methods=("ols",), log_base=f.log_base,
                   variant="" if f.band_edges == "closed" else HALF_OPEN,
                   bootstrap_resamples=u.bootstrap_resamples, permutations=u.permutations, seed=u.seed,
                   coverage_simulations=u.coverage_simulations, coverage_resamples=u.coverage_resamples)
    specs, comparison = [], []
    for source in [s for s in f.price_sources if s in price_sources]:
        for price_type in f.price_types:
            for subset in f.subsets:
                for low, high in f.bands:
                    specs.append(FrontierSpec(**common, **options, subset=subset, band_low=low, band_high=high,
                                           quantity="price", price_type=price_type, price_source=source))
    for source in [s for s in f.comparison_price_sources if s in price_sources and s not in f.price_sources]:
        # compared side by side with the main definition, so with the same checks (coverage included)
        comparison += [FrontierSpec(**common, **options, subset=subset, band_low=low,
                                 band_high=high, quantity="price", price_type=price_type, price_source=source)
                       for price_type in f.price_types for subset in f.subsets for low, high in f.bands]
    d = preset.decomposition
    if d is not None:
        for quantity in d.quantities:
            per_price = quantity.startswith("price_per_")
            sources = [s for s in d.price_sources if s in price_sources] if per_price else [None]
            for source in sources:
                for subset in d.subsets:
                    for low, high in f.bands:
                        specs.append(FrontierSpec(**common, **options, subset=subset, band_low=low, band_high=high,
                                               quantity=quantity, price_type=d.price_type if per_price else None,
                                               price_source=source))
        if u.common_sample and f.band_edges == "closed":
            # ln price = ln active params + ln price per active param, on each band's price-frontier models
            for source in [s for s in d.price_sources if s in price_sources]:
                for subset in d.subsets:
                    for low, high in f.bands:
                        for quantity in ("price", "active_params", "price_per_active_param"):
                            specs.append(FrontierSpec(
                                **common, **{**options, "variant": COMMON_SAMPLE, "bootstrap_resamples": 0,
                                             "permutations": 0, "coverage_simulations": 0},
                                subset=subset, band_low=low, band_high=high, quantity=quantity,
                                price_type=d.price_type, price_source=source))
    main = [s for s in specs if not s.variant]
    if u.edge_variant and f.band_edges == "closed":
        specs += [s.model_copy(update={"band_edges": "half_open", "variant": HALF_OPEN, "coverage_simulations": 0})
                  for s in main]
    prices = [s for s in main if s.quantity == "price"]
    if f.typical:  # the OLS over every model of the band, on every price definition (cheap: no resampling checks,
        # as there is no selection to check)
        specs += [s.model_copy(update={"variant": TYPICAL, "bootstrap_resamples": 0, "permutations": 0,
                                       "coverage_simulations": 0}) for s in prices + comparison]
    if f.no_reasoning:
        specs += [s.model_copy(update={"variant": NO_REASONING, "exclude_reasoning": True, "coverage_simulations": 0})
                  for s in prices]
    return specs + comparison


# --- one trend ---------------------------------------------------------------------------------------------------
def frontier_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Release date, then value (cheapest first), then model id; a stable sort, so the input order never matters."""
    return frame.sort_values(["release_date", "value", "model_id"], kind="mergesort").reset_index(drop=True)


def mark_records(ordered: pd.DataFrame) -> pd.Series:
    """True where the value is at most the lowest value of every earlier row (rows already in frontier order)."""
    previous_min = ordered["value"].cummin().shift(1, fill_value=np.inf)
    return ordered["value"] <= previous_min


def frontier_candidates(analysis: DataFrame[AnalysisTable], spec: FrontierSpec) -> pd.DataFrame:
    """The band's candidates in frontier order: models of the subset with a value, released on or after the start
    date, with the quality score in the band; reasoning models left out when the spec says so; and one model per set
    of weights (the cheapest of its reasoning-effort variants in the band)."""
    frame = model_values(analysis, spec.quantity, spec.subset, spec.price_type, spec.price_source)
    if spec.min_release_date is not None:
        frame = frame[frame["release_date"] >= pd.Timestamp(spec.min_release_date)]
    if spec.exclude_reasoning:
        frame = frame[~frame["reasoning"].astype("boolean").fillna(False).astype(bool)]
    score = frame[f"score_{spec.quality_measure}"]
    frame = frame[in_band(score, spec.quality_measure, spec.band_low, spec.band_high, spec.band_edges)]
    frame = frontier_order(frame[["model_id", "name", "release_date", "value"]])
    if spec.one_per_weights:
        weights = frame["model_id"].map(family_slug)
        cheapest = frame.assign(_w=weights).sort_values(["value", "release_date", "model_id"], kind="mergesort")
        frame = frontier_order(frame.loc[cheapest.drop_duplicates("_w").index])
    return frame


def fit_records(records: pd.DataFrame, spec: FrontierSpec):
    return ols_fits(log_values(records["value"], spec.log_base), release_day(records["release_date"]),
                    ci_level=spec.ci_level, ci_methods=("ols",))["ols"]


def trend_seed(spec: FrontierSpec, salt: str) -> int:
    """A seed per trend and purpose, derived from the preset's seed: reproducible, distinct across trends."""
    digest = hashlib.sha256(f"{spec.seed}:{spec.trend_id}:{salt}".encode()).hexdigest()
    return int(digest[:8], 16)


def snapshot_universe(analysis: DataFrame[AnalysisTable]) -> list[str]:
    """Every model of the snapshot, sorted: the population the joint bootstrap resamples."""
    return sorted(analysis["model_id"].unique())


def uncertainty(analysis: DataFrame[AnalysisTable], candidates: pd.DataFrame, spec: FrontierSpec, observed: float
                ) -> tuple[Checks, object, Diagnostics, pd.DataFrame | None]:
    """Leave-one-out, permutation null, bootstrap and simulated coverage for one frontier trend."""
    x = release_day(candidates["release_date"])
    x = x - x.mean()
    y = log_values(candidates["value"].to_numpy(), spec.log_base)
    values = candidates["value"].to_numpy(dtype=float)
    checks, diagnostics, replicates = {}, {}, []
    level = spec.ci_level

    loo = summarise(factors(leave_one_out_slopes(x, y, values, spec.min_points), spec.log_base), 1.0)
    checks.update(loo_min_factor=loo.low, loo_max_factor=loo.high)
    diagnostics["loo_valid"] = loo.valid

    if spec.permutations:
        tiebreak = np.lexsort((candidates["model_id"].to_numpy(), values)).argsort()
        null = permutation_slopes(x, values, tiebreak, spec.permutations, trend_seed(spec, "null"),
                                  spec.min_points, y)
        null_factors = factors(null, spec.log_base)
        finite = null_factors[np.isfinite(null_factors)]
        if len(finite):  # (b + 1) / (N + 1) over the N usable shuffles, never 0
            checks.update(null_median_factor=float(np.median(finite)),
                          null_p_value=null_p_value(null_factors, observed))
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
                           coverage_simulations=cover.simulations, coverage_ols_error=cover.ols_error,
                           coverage_bootstrap_error=cover.bootstrap_error,
                           coverage_true_factor=factor_per_year(true_slope, spec.log_base), coverage_sigma=sigma)
    frame = pd.concat(replicates, ignore_index=True) if replicates else None
    return checks, boot, diagnostics, frame


def fit(analysis: DataFrame[AnalysisTable], spec: FrontierSpec, context: dict | None = None) -> TrendFit:
    """One frontier trend: its estimate(s) and every candidate point (with ``is_record``/``in_fit``)."""
    if spec.skip_note:
        return skipped(spec)
    if spec.variant == COMMON_SAMPLE:
        return fit_common_sample(analysis, spec)
    if spec.variant == TYPICAL:
        return fit_typical(analysis, spec)
    candidates = frontier_candidates(analysis, spec)
    candidates["is_record"] = mark_records(candidates)
    records = candidates[candidates["is_record"]]
    sample = Sample.of(records, len(candidates))
    slope_fit, status, note = attempt_fit(sample.n, spec.min_points, "record(s)", lambda: fit_records(records, spec))
    candidates["in_fit"] = candidates["is_record"] & (status == "ok")
    checks, boot, diagnostics, replicates = {}, None, {}, None
    if status == "ok":
        ties = tie_order_range(candidates, spec.min_points, spec.log_base, seed=trend_seed(spec, "ties"))
        checks = dict(tie_order_min_factor=ties.min_factor, tie_order_max_factor=ties.max_factor,
                      tie_order_exact=ties.exact)
        more, boot, diagnostics, replicates = uncertainty(analysis, candidates, spec, slope_fit.factor(spec.log_base))
        checks.update(more)
    checks = Checks(**checks)
    ols = Estimate.of(spec, "ols", "ols", slope_fit, sample, status, note, checks)
    estimates = [ols]
    if spec.bootstrap_resamples:
        bootstrap = Estimate.of(spec, "ols", "bootstrap", slope_fit, sample, status, note, checks)
        if status == "ok":
            bootstrap = bootstrap.replace(
                ci_low=boot.low if boot else None, ci_high=boot.high if boot else None, slope_se=None,
                note=f"percentile interval of {boot.valid} of {boot.total} resamples with at least "
                     f"{spec.min_points} records" if boot else None)
        estimates.append(bootstrap)
    if replicates is not None:
        replicates.insert(0, "trend_id", spec.trend_id)
    return TrendFit(spec, estimates, points_frame(candidates, spec.trend_id), FrontierDiagnostics(**diagnostics),
                    replicates)


def fit_typical(analysis: DataFrame[AnalysisTable], spec: FrontierSpec) -> TrendFit:
    """The band's typical model at constant quality: OLS of log value on release day over every candidate of the band,
    with the candidate's score as a control (no selection of record lows, so no selection bias either; it answers
    "how fast does the average model of this quality get cheaper", beside the frontier's "how fast does the
    cheapest"). The control matters: within a band the mean score drifts (MMLU-Pro [70, 90] on the seed's data: +7.6
    points a year), and without it the band's typical model is not of constant quality (step 15, point 5). The
    fitted line (figures) passes through the band's mean day, price and score."""
    candidates = frontier_candidates(analysis, spec)
    candidates["is_record"] = mark_records(candidates)
    sample = Sample.of(candidates, len(candidates))
    scores = model_scores(analysis, spec.quality_measure).reindex(candidates["model_id"]).to_numpy(dtype=float)

    def typical_fit():
        return ols_fits(log_values(candidates["value"], spec.log_base), release_day(candidates["release_date"]),
                        controls=scores, ci_level=spec.ci_level, ci_methods=("ols",))["ols"]

    # a slope and a score coefficient: one point more than the frontier's minimum
    slope_fit, status, note = attempt_fit(sample.n, spec.min_points + 1, "model(s) in the band", typical_fit)
    candidates["in_fit"] = status == "ok"
    return TrendFit(spec, [Estimate.of(spec, "ols", "ols", slope_fit, sample, status, note)],
                    points_frame(candidates, spec.trend_id))


def model_scores(analysis: DataFrame[AnalysisTable], measure: str) -> pd.Series:
    """Each model's score on ``measure`` (one per model: the analysis table repeats a model per price row)."""
    return analysis.drop_duplicates("model_id").set_index("model_id")[f"score_{measure}"].astype(float)


def common_sample_frame(analysis: DataFrame[AnalysisTable], spec: FrontierSpec) -> tuple[pd.DataFrame, int]:
    """The band's price-frontier records with price, active parameters and their ratio; and how many records."""
    price_spec = spec.model_copy(update={"quantity": "price", "variant": ""})
    candidates = frontier_candidates(analysis, price_spec)
    records = candidates[mark_records(candidates)]
    params = (analysis.drop_duplicates("model_id").set_index("model_id")[PARAM_COLUMN["active_params"]])
    frame = records.rename(columns={"value": "price"}).assign(
        active_params=records["model_id"].map(params).to_numpy())
    frame["price_per_active_param"] = frame["price"] / frame["active_params"]
    return frame, len(records)


def fit_common_sample(analysis: DataFrame[AnalysisTable], spec: FrontierSpec) -> TrendFit:
    """One term of ln price = ln active params + ln price per active param, on the price frontier's models."""
    frame, n_records = common_sample_frame(analysis, spec)
    sample_frame = frame[frame["active_params"].notna() & (frame["active_params"] > 0)].reset_index(drop=True)
    n = len(sample_frame)
    slope_fit, status, note, share = None, "ok", None, None
    missing = n_records - n
    if n < spec.min_points:
        status, note = "insufficient", f"{n} price-frontier model(s) with a parameter count, fewer than " \
                                       f"{spec.min_points}"
    else:
        try:
            x = release_day(sample_frame["release_date"])
            slopes = {q: ols_fits(log_values(sample_frame[q], spec.log_base), x, ci_level=spec.ci_level)["ols"]
                      for q in ("price", "active_params", "price_per_active_param")}
            slope_fit = slopes[spec.quantity]
            if spec.quantity != "price" and slopes["price"].slope:
                share = slope_fit.slope / slopes["price"].slope
                note = f"share of the common-sample price trend: {share:.0%}"
        except FitError as err:
            status, note = "insufficient", str(err)
    if missing and note:
        note += f"; {missing} of {n_records} price-frontier models lack a parameter count"
    points = sample_frame.assign(value=sample_frame[spec.quantity], is_record=True, in_fit=status == "ok")
    estimate = Estimate.of(spec, "ols", "ols", slope_fit, Sample.of(sample_frame, n_records), status, note)
    return TrendFit(spec, [estimate], points_frame(points, spec.trend_id),
                    FrontierDiagnostics(common_sample_share=share))


# --- derived trends: the geometric mean across bands ------------------------------------------------------------
def derive(fits: list[TrendFit]) -> list[TrendFit]:
    """One geometric mean per group of frontier trends that differ only by band (``tasks.trends.geomean``)."""
    by_id = {f.spec.trend_id: f for f in fits}
    return [geomean.fit(spec, [by_id[m] for m in spec.members])
            for spec in geomean.plan([f.spec for f in fits])]


METHOD = Method(
    name=NAME,
    sections=SECTIONS,
    plan=plan,
    fit=fit,
    label="Record-low frontier by band (FutureTech)",
    what="the price of the cheapest model inside a two-sided quality band, following the models that set a new record "
         "low. The band keeps quality roughly constant, but only the record-setting models are fitted: the method "
         "selects on the outcome",
    reference="FutureTech 2025 published 7-28x per year across bands (geometric mean 11.8x)",
    reference_ranges=((7, 28, "FutureTech 2025: 7-28x"),),
    # the FutureTech preset's AA-headline fits are its comparison price; other presets may have only that price
    compare=lambda rows: rows["price_source"] != "aa_headline",
    derived=DERIVED,
    derive=derive,
    spec=FrontierSpec,
    derived_spec=geomean.GeomeanSpec,
    diagnostics=FrontierDiagnostics,
    section=frontier_report.frontier_details,
    section_place=FIRST,
    more_sections=((AFTER, frontier_report.decomposition_details),),
    answer_rows=frontier_report.ANSWER_ROWS,
    vintage=every_row,
    definitions=frontier_report.DEFINITIONS,
    figures=frontier_figures.figures,
    draw=frontier_figures.draw,
    interactive=frontier_figures.interactive,
    scope=frontier_report.scope,
    figure_scope=frontier_report.figure_scope,
    coverage=frontier_report.coverage,
    summary_groups=frontier_report.SUMMARY_GROUPS,
    redoes_selection=True,
    vintage_figure=frontier_report.vintage_figure,
    vintage_label=frontier_report.vintage_label,
)
