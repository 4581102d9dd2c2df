"""Hedonic regression (the FutureTech study's "Method 2"), with the intervals and estimators that test it.

ln(price) = a * release day + b * score (+ more benchmark scores as controls) + c, over every model of the subset
whose quality score lies in the preset's range (closed), every release the measure scores. The time coefficient is the
quality-adjusted trend. Models missing any control are left out of that fit (``n`` says how many remain), so
compare fits with different controls by adjusted R^2.

One trend gives one row per (estimator, interval method):

- ``ols`` estimator, ``ci_method`` ``ols`` (classical) and ``hc3`` (heteroskedasticity-robust), t with n - k df;
- ``cluster``: cluster-robust by creator (statsmodels ``cov_type="cluster"``: CR1 correction, t with G - 1 df).
  Labs price their families alike and families are near-duplicates, so models of one creator are not independent
  draws. Creators come from the source, else from ``data/creators.csv`` (``tasks/data/creators.py``); a model neither
  attributes is its own cluster, and the row's note names it. The note starts with "G creator clusters";
- ``wild_cluster``: the wild cluster restricted bootstrap-t with the interval by test inversion
  (``tasks/core/robust.py``: Rademacher weights, Webb's six-point weights below 12 clusters; seeded; B = 999 by default).
  With few clusters (G < 30 by default: ``wild_cluster_below``) the cluster-robust t interval is too narrow and
  this is the interval to read: when ``cluster`` is asked for and G is below that, the wild row is added even if
  the preset did not list it;
- ``quantile_0.5`` / ``quantile_0.2`` estimators: median and 20th-percentile regressions (statsmodels QuantReg),
  ``ci_method = bootstrap``: a seeded pairs bootstrap, 499 resamples by default (QuantReg's own kernel interval has
  no name in the frozen ``ci_method`` vocabulary; see ``tasks/core/robust.py``). About 0.6 s per quantile and trend.

Variant ``no_reasoning`` (``spec.exclude_reasoning``): the same fits without the models flagged as reasoning
models (``reasoning`` true), as Epoch AI does: their per-token prices are not comparable (they spend many more
tokens per task). Models whose flag is unknown are kept; every row's note says how many were excluded and how many
unknown ones were kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import math
from typing import Literal

import numpy as np
import pandas as pd
from pandera.typing import DataFrame
from pydantic import Field, ValidationInfo, field_validator, model_validator

from schemas.analysis import POINT_COLUMNS
from schemas.canonical import BENCHMARK_UNITS
from schemas.analysis import AnalysisTable
from tasks.core.bands import in_band
from tasks.core.robust import quantile_fit, wild_cluster_fit
from tasks.core.eiv import EIVError, corrected_slope
from tasks.core.stats import FitError, SlopeFit, factor_per_year, log_values, ols_fits, release_day
from tasks.data.creators import assign_creators
from tasks.data.quantities import model_values
from tasks.methods import hedonic_figures, hedonic_report
from tasks.trends.sections import BenchmarkSection, check_bands
from tasks.trends.method import FIRST, Method
from tasks.trends import (NO_REASONING, Checks, Diagnostics, Estimate, LogBase, PriceSource, PriceType, Resamples,
                          Sample, Subset, TrendFit, TrendSpec, check_band, points_frame)

COMMON_PRICE_SAMPLE = hedonic_report.COMMON_PRICE_SAMPLE  # every price definition on the models all of them price
COMPOSITION, SCORE_RANGE = hedonic_report.COMPOSITION, hedonic_report.SCORE_RANGE  # the sensitivity variants
NAME = "hedonic"


class HedonicSpec(TrendSpec):
    """A hedonic regression (tasks/core/robust.py): its intervals beside the classical one; ``seed`` seeds its
    bootstraps, ``exclude_reasoning`` is its no_reasoning variant."""

    cluster_by: str | None = None  # "creator": the cluster and wild_cluster intervals group models by creator
    wild_bootstrap: int = 999  # wild cluster bootstrap replicates
    wild_cluster_below: int = 30  # with cluster asked and fewer clusters than this, wild_cluster is added
    quantiles: tuple[float, ...] = ()  # quantile regressions (estimator quantile_<q>), pairs-bootstrap interval
    quantile_bootstrap: int = 499  # their pairs-bootstrap resamples (0: point estimate only)
    # variant common_price_sample: only the models priced on every one of these sources (the price definitions
    # compared on the same models: a different sample is not a different definition)
    common_sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class HedonicDiagnostics(Diagnostics):
    """A regression's clusters (creators) and the reasoning models its no_reasoning variant left out."""

    clusters: int | None = None  # creator clusters of the sample
    unattributed_models: str | None = None  # models without a creator, each its own cluster
    reasoning_excluded: int | None = None  # no_reasoning: reasoning models left out
    reasoning_unknown_kept: int | None = None  # ... and models whose flag is unknown, kept
CONTEXT = ("creators",)  # the creator mapping (data/creators.csv): clusters for the cluster-robust intervals


class HedonicSection(BenchmarkSection):
    """ln(price) ~ release day + quality controls over every model in a score range (the FutureTech "Method 2")."""

    score_range: tuple[float, float]
    subsets: list[Subset] = ["open"]
    control_sets: list[list[str]] = [["mmlu_pro"]]
    price_types: list[PriceType] = ["input", "output", "blended"]
    price_sources: list[PriceSource] = ["lowest_reported", "lowest_provider"]
    comparison_price_sources: list[PriceSource] = []
    # ols, hc3: classical and heteroskedasticity-robust; cluster: cluster-robust by creator (CR1, t with G-1 df);
    # wild_cluster: wild cluster restricted bootstrap-t (tasks/core/robust.py). Every one is an estimator-ols row.
    ci_methods: list[Literal["ols", "hc3", "cluster", "wild_cluster"]] = ["ols", "hc3"]
    log_base: LogBase = "e"
    cluster_by: Literal["creator"] = "creator"  # the source's creator, else data/creators.csv, else the model itself
    wild_bootstrap: Resamples = Field(999, ge=99)  # wild cluster bootstrap replicates (all weight vectors if fewer)
    wild_cluster_below: int = Field(30, ge=0)  # cluster asked, fewer clusters than this: wild_cluster added
    quantiles: list[Literal[0.5, 0.2]] = []  # quantile regressions: estimator quantile_0.5 / quantile_0.2
    # their seeded pairs-bootstrap resamples (0: no interval); 499: (B + 1) * 0.05 = 25, an exact order statistic
    quantile_bootstrap: Resamples = Field(499, ge=0)  # also the corrected (errors-in-variables) row's
    no_reasoning: bool = False  # also fit every trend without reasoning models (variant no_reasoning)
    # also fit every main trend on the models priced on every price source of the snapshot (variant
    # common_price_sample, OLS interval only): the price definitions compared on the same models
    common_sample: bool = True
    # sensitivity of the blended-price regression controlling for the quality measure alone (each main price
    # source): on other subsets (variant composition: "all" beside "open") and other score ranges (variant
    # score_range), OLS interval only; the report sets them side by side
    sensitivity_subsets: list[Subset] = []
    sensitivity_ranges: list[tuple[float, float]] = []
    seed: int = 20250713

    @field_validator("score_range")
    @classmethod
    def _a_band(cls, value, info: ValidationInfo):
        check_band(*value, info.data.get("quality_measure"))  # in percent for a fraction benchmark
        return value

    @field_validator("sensitivity_ranges")
    @classmethod
    def _bands(cls, values, info: ValidationInfo):
        return check_bands(values, info)

    @model_validator(mode="after")
    def _known_controls(self):
        for controls in self.control_sets:
            for control in controls:
                if control not in BENCHMARK_UNITS:
                    raise ValueError(f"unknown control benchmark {control!r}")
        return self


SECTIONS = {"hedonic": HedonicSection}


def plan(preset, snapshot: str, analysis: DataFrame[AnalysisTable], common: dict, price_sources: set[str]
         ) -> list[TrendSpec]:
    """One trend per price source, price type, subset and control set; and each without reasoning models."""
    h = preset.hedonic
    low, high = h.score_range
    sources = [s for s in [*h.price_sources, *h.comparison_price_sources] if s in price_sources]
    options = dict(ci_methods=tuple(h.ci_methods), log_base=h.log_base, cluster_by=h.cluster_by,
                   wild_bootstrap=h.wild_bootstrap, wild_cluster_below=h.wild_cluster_below,
                   quantiles=tuple(h.quantiles), quantile_bootstrap=h.quantile_bootstrap, seed=h.seed)
    specs = [HedonicSpec(**common, **options, method=NAME, subset=subset, quality_measure=h.quality_measure,
                        band_low=low, band_high=high, quantity="price", price_type=price_type, price_source=source,
                        controls=tuple(controls))
             for source in dict.fromkeys(sources)
             for price_type in h.price_types for subset in h.subsets for controls in h.control_sets]
    main = list(specs)
    if h.no_reasoning:  # the same fits without reasoning models (Epoch AI excludes them)
        specs += [s.model_copy(update={"variant": NO_REASONING, "exclude_reasoning": True}) for s in main]
    sensitive = [s for s in main if s.price_type == "blended" and s.controls == (h.quality_measure,)
                 and s.price_source in h.price_sources and s.subset == h.subsets[0]]
    cheap = {"ci_methods": ("ols",), "quantiles": ()}
    specs += [s.model_copy(update={"variant": COMPOSITION, "subset": subset, **cheap})
              for s in sensitive for subset in h.sensitivity_subsets if subset != s.subset]
    specs += [s.model_copy(update={"variant": SCORE_RANGE, "band_low": float(a), "band_high": float(b), **cheap})
              for s in sensitive for a, b in h.sensitivity_ranges if (float(a), float(b)) != (low, high)]
    used = list(dict.fromkeys(sources))
    if h.common_sample and len(used) > 1:  # each price definition on the models every definition prices
        specs += [s.model_copy(update={"variant": COMMON_PRICE_SAMPLE, "common_sources": tuple(used),
                                       "ci_methods": ("ols",), "quantiles": ()}) for s in main]
    return specs

CLASSICAL = ("ols", "hc3")


def quantile_estimator(q: float) -> str:
    """``quantile_0.5``, ``quantile_0.2``: the ``estimator`` value of a quantile regression."""
    return f"quantile_{q:g}"


def is_reasoning(frame: pd.DataFrame) -> pd.Series:
    """True where the model is flagged as a reasoning model; False where it is not or unknown."""
    if "reasoning" not in frame:
        return pd.Series(False, index=frame.index)
    return frame["reasoning"].astype("boolean").fillna(False).astype(bool)


def reasoning_unknown(frame: pd.DataFrame) -> pd.Series:
    if "reasoning" not in frame:
        return pd.Series(True, index=frame.index)
    return frame["reasoning"].astype("boolean").isna()


def hedonic_candidates(analysis: DataFrame[AnalysisTable], spec: HedonicSpec) -> pd.DataFrame:
    """Every model of the subset with a value and the quality score in range (reasoning models included)."""
    frame = model_values(analysis, spec.quantity, spec.subset, spec.price_type, spec.price_source)
    return frame[in_band(frame[f"score_{spec.quality_measure}"], spec.quality_measure, spec.band_low,
                         spec.band_high, "closed")]


def hedonic_sample(analysis: DataFrame[AnalysisTable], spec: HedonicSpec) -> tuple[pd.DataFrame, int]:
    """The fit's sample, and the number of candidates before dropping models that miss a control."""
    frame = hedonic_candidates(analysis, spec)
    if spec.exclude_reasoning:
        frame = frame[~is_reasoning(frame)]
    if spec.common_sources:  # the models priced on every one of the sources (the common-sample comparison)
        for source in spec.common_sources:
            priced = model_values(analysis, spec.quantity, spec.subset, spec.price_type, source)
            frame = frame[frame["model_id"].isin(priced.loc[priced["value"].notna(), "model_id"])]
    candidates = len(frame)
    controls = [f"score_{c}" for c in spec.controls]
    frame = frame.dropna(subset=controls)
    return frame.sort_values(["release_date", "model_id"], kind="mergesort").reset_index(drop=True), candidates


def planned_rows(spec: HedonicSpec) -> list[tuple[str, str]]:
    """(estimator, ci_method) of every row the spec asks for (before a wild row added for few clusters)."""
    rows = [("ols", method) for method in spec.ci_methods]
    rows += [(quantile_estimator(q), "bootstrap") for q in spec.quantiles]
    return rows


def reasoning_counts(analysis: DataFrame[AnalysisTable], spec: HedonicSpec) -> tuple[int, int] | None:
    """(reasoning models left out, models of unknown reasoning status kept) of a no_reasoning trend."""
    if not spec.exclude_reasoning:
        return None
    candidates = hedonic_candidates(analysis, spec)
    return int(is_reasoning(candidates).sum()), int(reasoning_unknown(candidates).sum())


def reasoning_note(counts: tuple[int, int] | None) -> str | None:
    if counts is None:
        return None
    return f"without {counts[0]} reasoning model(s); {counts[1]} model(s) with unknown reasoning status kept"


def cluster_note(clusters: pd.DataFrame) -> str:
    """"G creator clusters; ...": who clusters with whom, in words (the numbers are in ``Diagnostics``)."""
    groups = clusters["cluster"].nunique()
    inferred = int((clusters["origin"] == "mapping").sum())
    note = (f"{groups} creator clusters; creator inferred from data/creators.csv for {inferred} of "
            f"{len(clusters)} models")
    orphans = clusters[clusters["origin"] == "none"]
    if len(orphans):
        note += "; no creator, own cluster: " + ", ".join(sorted(orphans["model_id"]))
    return note


def _join(*parts: str | None) -> str | None:
    text = "; ".join(p for p in parts if p)
    return text or None


def fit(analysis: DataFrame[AnalysisTable], spec: HedonicSpec, context: dict | None = None) -> TrendFit:
    """Fit one hedonic trend; ``context["creators"]``: the creator mapping (``data/creators.csv``), if any."""
    creators = (context or {}).get("creators")
    planned = planned_rows(spec)
    if spec.skip_note:
        return TrendFit(spec, [Estimate.of(spec, e, m, None, Sample(0, 0), "skipped", spec.skip_note)
                               for e, m in planned], pd.DataFrame(columns=POINT_COLUMNS))
    counts = reasoning_counts(analysis, spec)
    base_note = reasoning_note(counts)
    sample_frame, candidates = hedonic_sample(analysis, spec)
    sample = Sample.of(sample_frame, candidates)
    status, note = "ok", None
    if sample.n < spec.min_points:
        status, note = "insufficient", f"{sample.n} model(s), fewer than the minimum of {spec.min_points}"
    results: dict[tuple[str, str], tuple[SlopeFit | None, str | None]] = {}
    clusters = None
    if status == "ok":
        results, clusters = _fit_all(sample_frame, spec, creators)
    checks = Checks()
    if clusters is not None:  # how much one creator's models move the OLS factor (few clusters: read this)
        low, high = leave_one_creator_out(sample_frame, clusters, spec)
        checks = Checks(loo_min_factor=low, loo_max_factor=high)
    estimates = []
    for key in planned + [k for k in results if k not in planned]:
        estimator, method = key
        slope_fit, row_note = results.get(key, (None, note))
        row_status = "ok" if slope_fit is not None else "insufficient"
        estimates.append(Estimate.of(spec, estimator, method, slope_fit, sample, row_status,
                                     _join(base_note, row_note), checks))
    points = sample_frame[["model_id", "name", "release_date", "value"]].assign(is_record=pd.NA,
                                                                                in_fit=status == "ok")
    diagnostics = HedonicDiagnostics(
        clusters=None if clusters is None else int(clusters["cluster"].nunique()),
        unattributed_models=None if clusters is None else
        (", ".join(sorted(clusters[clusters["origin"] == "none"]["model_id"])) or None),
        reasoning_excluded=counts[0] if counts else None, reasoning_unknown_kept=counts[1] if counts else None)
    return TrendFit(spec, estimates, points_frame(points, spec.trend_id), diagnostics)


def leave_one_creator_out(sample: pd.DataFrame, clusters: pd.DataFrame, spec: HedonicSpec
                          ) -> tuple[float | None, float | None]:
    """The smallest and largest OLS factor when each creator's models (a cluster) are left out in turn; with few
    creators this range, not a cluster-robust interval, says how much the estimate rests on one lab."""
    y = log_values(sample["value"], spec.log_base)
    x = release_day(sample["release_date"])
    controls = sample[[f"score_{c}" for c in spec.controls]].to_numpy()
    groups = clusters["cluster"].to_numpy()
    found = []
    for group in sorted(set(groups)):
        keep = groups != group
        try:
            fit = ols_fits(y[keep], x[keep], controls=controls[keep], ci_level=spec.ci_level)["ols"]
        except FitError:
            continue
        found.append(fit.factor(spec.log_base))
    return (min(found), max(found)) if found else (None, None)


def _fit_all(sample: pd.DataFrame, spec: HedonicSpec, creators: pd.DataFrame | None
             ) -> tuple[dict[tuple[str, str], tuple[SlopeFit | None, str | None]], pd.DataFrame | None]:
    """Every planned fit on an adequate sample: (estimator, ci_method) -> (fit or None, note); and the creator
    clusters when an interval uses them."""
    y = log_values(sample["value"], spec.log_base)
    x = release_day(sample["release_date"])
    controls = sample[[f"score_{c}" for c in spec.controls]].to_numpy()
    out: dict[tuple[str, str], tuple[SlopeFit | None, str | None]] = {}
    classical = [m for m in spec.ci_methods if m in CLASSICAL]
    try:
        fits = ols_fits(y, x, controls=controls, ci_level=spec.ci_level, ci_methods=tuple(classical))
        out.update({("ols", m): (fits[m], None) for m in classical})
    except FitError as err:
        out.update({("ols", m): (None, str(err)) for m in classical})
    clustered = [m for m in spec.ci_methods if m in ("cluster", "wild_cluster")]
    clusters = None
    if clustered:
        frame = sample.assign(creator=sample["creator"] if "creator" in sample else None)
        clusters = assign_creators(frame, creators)
        groups = clusters["cluster"].to_numpy()
        count = clusters["cluster"].nunique()
        about = cluster_note(clusters)
        if "cluster" in clustered and "wild_cluster" not in clustered and count < spec.wild_cluster_below:
            clustered.append("wild_cluster")
        if "cluster" in clustered:
            try:
                fit = ols_fits(y, x, controls=controls, ci_level=spec.ci_level, ci_methods=("cluster",),
                               groups=groups)["cluster"]
                out[("ols", "cluster")] = (fit, f"{about}; CR1, t with {count - 1} df")
            except FitError as err:
                out[("ols", "cluster")] = (None, f"{err}; {about}")
        if "wild_cluster" in clustered:
            try:
                wild = wild_cluster_fit(y, x, controls, groups, spec.ci_level, spec.wild_bootstrap, spec.seed)
                how = (f"every one of the {wild.resamples} {wild.weights} weight vectors" if wild.enumerated
                       else f"B = {wild.resamples} {wild.weights} draws, seed {spec.seed}")
                unbounded = (" (unbounded: no slope on that side is rejected)"
                             if not all(map(math.isfinite, (wild.fit.ci_low, wild.fit.ci_high))) else "")
                out[("ols", "wild_cluster")] = (
                    wild.fit, f"{about}; wild cluster bootstrap-t, null imposed, {how}; interval by test inversion"
                              + unbounded)
            except FitError as err:
                out[("ols", "wild_cluster")] = (None, f"{err}; {about}")
    for q in spec.quantiles:
        key = (quantile_estimator(q), "bootstrap")
        try:
            result = quantile_fit(y, x, controls, q, spec.ci_level, spec.quantile_bootstrap, spec.seed)
            how = (f"pairs bootstrap, {result.usable} of {result.resamples} resamples usable, seed {spec.seed}, "
                   "percentile interval" if result.resamples else "no interval (quantile_bootstrap = 0)")
            exact = f"; {result.exact_refits} refit(s) solved exactly (IRLS did not converge)" if result.exact_refits \
                else ""
            out[key] = (result.fit, f"QuantReg, q = {q:g}; {how}{exact}; pseudo R^2 {result.pseudo_r_squared:.3f}")
        except FitError as err:
            out[key] = (None, str(err))
    if EIV_COLUMN in sample and list(spec.controls) == [EIV_CONTROL] and sample[EIV_COLUMN].notna().any():
        out[(EIV_ESTIMATOR, "bootstrap")] = eiv_fit(y, x, sample, spec)
    return out, clusters


# A control measured with a known error (the capability scale's, from its bootstrap): corrected least squares beside
# the OLS rows, which the error attenuates (tasks/core/eiv.py). Only where the capability is the one control.
EIV_ESTIMATOR = "ols_eiv"
EIV_CONTROL = "capability"
EIV_COLUMN = "capability_var"


def eiv_fit(y: np.ndarray, x: np.ndarray, sample: pd.DataFrame, spec: HedonicSpec
            ) -> tuple[SlopeFit | None, str | None]:
    """The date's slope with the capability's measurement error corrected for, and a pairs-bootstrap interval."""
    variance = sample[EIV_COLUMN].to_numpy(dtype=float)
    try:
        fit = corrected_slope(y, x, sample[f"score_{EIV_CONTROL}"].to_numpy(dtype=float), variance,
                              ci_level=spec.ci_level, resamples=spec.quantile_bootstrap, seed=spec.seed)
    except EIVError as err:
        return None, str(err)
    if fit.ci_low is None:
        return None, f"corrected least squares: {fit.resamples} usable resamples, too few for an interval"
    note = (f"errors in variables: the capability's own error (mean variance {np.nanmean(variance):.1f} points^2, "
            f"reliability {fit.reliability:.2f}) corrected by moments (Fuller 1987); OLS on the same sample: "
            f"{factor_per_year(fit.naive_slope, spec.log_base):.3g}x; pairs bootstrap, {fit.resamples} resamples, "
            f"seed {spec.seed}, percentile interval")
    result = SlopeFit(slope=fit.slope, se=float("nan"), ci_low=fit.ci_low, ci_high=fit.ci_high, ci_level=spec.ci_level,
                      n=fit.n, r_squared=float("nan"), adj_r_squared=float("nan"), ci_method="bootstrap")
    return result, note



def hedonic_coefficients(analysis: DataFrame[AnalysisTable], spec: HedonicSpec
                         ) -> tuple[pd.DataFrame, dict[str, float]]:
    """The fit's sample and every coefficient (const, day, one per control), for figures that adjust for quality."""
    import statsmodels.api as sm

    sample, _ = hedonic_sample(analysis, spec)
    controls = [f"score_{c}" for c in spec.controls]
    design = sm.add_constant(np.column_stack([release_day(sample["release_date"]), sample[controls].to_numpy()]),
                             has_constant="add")
    params = sm.OLS(log_values(sample["value"], spec.log_base), design).fit().params
    return sample, dict(zip(["const", "day", *controls], map(float, params)))


METHOD = Method(
    name=NAME,
    sections=SECTIONS,
    plan=plan,
    fit=fit,
    label="Hedonic regression (FutureTech)",
    what="the price trend of all models in a quality range after controlling for quality in a regression: every model "
         "counts, not only the cheapest, so it measures how the typical price at given quality moves",
    reference="FutureTech 2025 published about 3-4x per year (output and blended prices)",
    reference_ranges=((3, 4, "FutureTech 2025: 3-4x"),),
    # the quality control only, and not the FutureTech preset's AA-headline comparison price
    compare=lambda rows: (rows["controls"] == rows["quality_measure"]) & (rows["price_source"] != "aa_headline"),
    context=CONTEXT,
    estimators=(EIV_ESTIMATOR,),
    spec=HedonicSpec,
    diagnostics=HedonicDiagnostics,
    section=hedonic_report.hedonic_details,
    section_place=FIRST,
    answer_rows=hedonic_report.ANSWER_ROWS,
    answer_notes=hedonic_report.ANSWER_NOTES,
    vintage=hedonic_report.vintage,
    figures=hedonic_figures.figures,
    draw=hedonic_figures.draw,
    interactive=hedonic_figures.interactive,
    scope=hedonic_report.scope,
    details=hedonic_report.details,
    summary_groups=hedonic_report.SUMMARY_GROUPS,
    vintage_figure=hedonic_report.vintage_figure,
    vintage_label=hedonic_report.vintage_label,
)
