"""What every method shares: the trend specification, the typed result of a fit, and the output tables.

A ``TrendSpec`` says what one trend is (the identifying columns of ``trends.csv``, snapshot .. variant) and how to
fit it (minimum points, interval level, ...). Its ``trend_id`` is readable and deterministic: the method, subset,
band, quantity, price type and source, controls and variant, then 8 hex digits of a hash of every identifying
column, so the same trend keeps the same id across runs and two trends never share one.

A method's ``fit(analysis, spec, context) -> TrendFit`` returns a typed result, in the spirit of statsmodels'
results objects: one ``Estimate`` per (estimator, interval method), the points behind it, ``Diagnostics`` (replicate
counts, simulated coverage, cluster count, reasoning models left out, ...) and the replicate slopes. The report and
the figures read these fields; nothing is ever recovered from the free-text ``note``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import AfterValidator, BaseModel, ConfigDict

from schemas.analysis import POINT_COLUMNS, TREND_COLUMNS, TREND_ID_COLUMNS, Points, Trends
from schemas.canonical import BENCHMARK_UNITS
from schemas.validation import validate
from tasks.core.stats import SlopeFit, halving_months
from tasks.data.parsing import slugify
from tasks.files.tables import csv_text, read_csv_output

FLOAT_DIGITS = 10
# variants: sensitivity versions of a preset's main trends (empty variant)
HALF_OPEN = "half_open_bands"  # [lo, hi) instead of the study's closed bands
COMMON_SAMPLE = "price_frontier_sample"  # decomposition on the models of the band's price frontier
AS_PUBLISHED = "as_published"  # on the data without the project's documented corrections
NO_REASONING = "no_reasoning"  # fits without the models flagged as reasoning models (as Epoch AI)
TYPICAL = "typical"  # a frontier band's OLS over every model of the band: the typical model beside the cheapest


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
    # uncertainty (frontier trends; see tasks/core/uncertainty.py)
    bootstrap_resamples: int = 0
    permutations: int = 0
    seed: int = 0
    coverage_simulations: int = 0
    coverage_resamples: int = 200
    members: tuple[str, ...] = ()  # frontier_geomean: the trend ids it averages
    # hedonic trends (tasks/methods/hedonic.py, tasks/core/robust.py); ``seed`` above seeds their bootstraps, and
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
    # frontier: one candidate per set of weights (the cheapest reasoning-effort variant in the band)
    one_per_weights: bool = True
    # benchmark_cost (tasks/methods/benchmark_cost.py): how cache tokens are charged, and the clip of the score
    # before its logit
    cache_rule: Literal["authors", "components"] = "authors"
    logit_clip: tuple[float, float] = (0.005, 0.995)

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


def _number(value: float) -> str:
    return format(value, "g").replace(".", "p")


# --- the typed result of a fit ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sample:
    """What a fit rests on: the points used, the candidates they were selected from, and their date span."""

    n: int | None
    n_candidates: int | None
    first_date: object = None
    last_date: object = None

    @classmethod
    def of(cls, points: pd.DataFrame, candidates: int | None, date: str = "release_date") -> "Sample":
        n = len(points)
        return cls(n, candidates, points[date].min() if n else None, points[date].max() if n else None)


@dataclass(frozen=True)
class Checks:
    """The frontier's robustness checks, shared by every row of a trend."""

    tie_order_min_factor: float | None = None
    tie_order_max_factor: float | None = None
    tie_order_exact: bool | None = None
    loo_min_factor: float | None = None
    loo_max_factor: float | None = None
    null_median_factor: float | None = None
    null_p_value: float | None = None


@dataclass(frozen=True)
class Estimate:
    """One row of ``trends.csv``: an estimator with one interval method, its factor per year and interval."""

    estimator: str
    ci_method: str
    status: str  # ok | insufficient | skipped
    sample: Sample
    note: str | None = None
    factor: float | None = None  # times cheaper per year
    ci_low: float | None = None
    ci_high: float | None = None
    ci_level: float | None = None
    slope: float | None = None  # of log_base(value) per day
    slope_se: float | None = None
    log_base: str | None = None
    r_squared: float | None = None
    adj_r_squared: float | None = None
    hardware_adjusted_factor: float | None = None
    checks: Checks = field(default_factory=Checks)
    months_since_last: float | None = None  # from the last fitted point to the snapshot's latest observation

    @classmethod
    def of(cls, spec: TrendSpec, estimator: str, ci_method: str, fit: SlopeFit | None, sample: Sample,
           status: str = "ok", note: str | None = None, checks: Checks = Checks()) -> "Estimate":
        """An estimate from a slope fit (none for insufficient or skipped trends: no numbers)."""
        if fit is None or status != "ok":
            return cls(estimator, ci_method, status, sample, note, ci_level=spec.ci_level, checks=checks)
        factor = fit.factor(spec.log_base)
        low, high = fit.factor_interval(spec.log_base)
        return cls(estimator, ci_method, status, sample, note, factor=factor, ci_low=low, ci_high=high,
                   ci_level=fit.ci_level, slope=fit.slope, slope_se=fit.se, log_base=spec.log_base,
                   r_squared=fit.r_squared, adj_r_squared=fit.adj_r_squared,
                   hardware_adjusted_factor=hardware_adjusted(spec, factor), checks=checks)

    def replace(self, **changes) -> "Estimate":
        return dataclasses.replace(self, **changes)

    @property
    def halving_months(self) -> float | None:
        return halving_months(self.factor) if self.factor is not None and self.status in ESTIMATED else None

    def row(self, spec: TrendSpec) -> dict:
        """The ``trends.csv`` row (the frozen output contract)."""
        row = {column: None for column in TREND_COLUMNS}
        row.update(spec.identity())
        row.update(trend_id=spec.trend_id, estimator=self.estimator, ci_method=self.ci_method, n=self.sample.n,
                   n_candidates=self.sample.n_candidates, first_date=self.sample.first_date,
                   last_date=self.sample.last_date, status=self.status, note=self.note, ci_level=self.ci_level,
                   factor_per_year=self.factor, ci_low=self.ci_low, ci_high=self.ci_high, slope_per_day=self.slope,
                   slope_se=self.slope_se, log_base=self.log_base, halving_months=self.halving_months,
                   r_squared=self.r_squared, adj_r_squared=self.adj_r_squared,
                   hardware_adjusted_factor=self.hardware_adjusted_factor, months_since_last=self.months_since_last,
                   **dataclasses.asdict(self.checks))
        return row


# Price definitions observed when the model was released (or when its price changed): Epoch AI's dated prices, the
# first price observed for a model, a monthly list price. A same-date snapshot (lowest_reported, lowest_provider,
# aa_headline) prices every model on today's hardware: dividing its trend by the hardware gain would count hardware
# progress twice, so it gets no hardware-adjusted factor.
OBSERVED_AT_RELEASE = frozenset({"source_price", "list_price"})  # first_observed: observed in 2025-26 for models of 2023


def hardware_adjusted(spec: TrendSpec, factor: float | None) -> float | None:
    """A price trend net of hardware price-performance: factor / hardware factor. None where it does not apply:
    parameter counts are not prices, a preset may set no hardware factor, and prices observed on one date (not at
    release) are already on today's hardware."""
    if factor is None or spec.hardware_factor is None or not spec.quantity.startswith(("price", "cost")):
        return None
    if spec.price_source not in OBSERVED_AT_RELEASE:
        return None
    return float(factor) / spec.hardware_factor


@dataclass(frozen=True)
class Diagnostics:
    """What a fit reports about itself besides its estimates (``diagnostics.csv``, read by the report)."""

    bootstrap_valid: int | None = None  # resamples with enough records for a slope
    bootstrap_total: int | None = None
    null_valid: int | None = None  # permutations with enough records
    null_total: int | None = None
    loo_valid: int | None = None  # leave-one-out fits with enough records
    coverage_ols: float | None = None  # simulated coverage of the 90% OLS interval
    coverage_bootstrap: float | None = None
    coverage_simulations: int | None = None
    coverage_true_factor: float | None = None
    coverage_sigma: float | None = None
    common_sample_share: float | None = None  # decomposition: this quantity's share of the price slope
    clusters: int | None = None  # hedonic: creator clusters of the sample
    unattributed_models: str | None = None  # hedonic: models without a creator, each its own cluster
    reasoning_excluded: int | None = None  # hedonic no_reasoning: reasoning models left out
    reasoning_unknown_kept: int | None = None  # ... and models whose flag is unknown, kept


DIAGNOSTIC_COLUMNS = ["trend_id", *(f.name for f in dataclasses.fields(Diagnostics))]
REPLICATE_COLUMNS = ["trend_id", "kind", "replicate", "slope_per_day"]


@dataclass
class TrendFit:
    """Everything fitting one trend produces."""

    spec: TrendSpec
    estimates: list[Estimate]
    points: pd.DataFrame  # POINT_COLUMNS: every candidate, is_record, in_fit
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    replicates: pd.DataFrame | None = None  # REPLICATE_COLUMNS: bootstrap and null slopes

    @property
    def main(self) -> Estimate:
        """The OLS estimate with the classical interval (the first row)."""
        return next((e for e in self.estimates if (e.estimator, e.ci_method) == ("ols", "ols")), self.estimates[0])

    def estimate(self, estimator: str, ci_method: str) -> Estimate | None:
        return next((e for e in self.estimates if (e.estimator, e.ci_method) == (estimator, ci_method)), None)

    @property
    def rows(self) -> pd.DataFrame:
        """The estimates as rows of ``trends.csv``."""
        return pd.DataFrame([e.row(self.spec) for e in self.estimates], columns=TREND_COLUMNS)

    def diagnostics_row(self) -> dict:
        return {"trend_id": self.spec.trend_id, **dataclasses.asdict(self.diagnostics)}


# --- what a fit says: informative or not ------------------------------------------------------------------------
ESTIMATED = ("ok", "uninformative")  # statuses that carry a factor
MIN_SPAN_DAYS = 365  # points spanning less than 12 months say little about a yearly rate
MAX_INTERVAL_RATIO = 1000.0  # an interval wider than three orders of magnitude says nothing about it


def nothing_estimated(trends: pd.DataFrame) -> tuple[str, bool] | None:
    """None when some trend of the run has an estimate (status ``ok`` or ``uninformative``). Otherwise what the run
    estimated instead: a message with the count of each status and the most frequent notes, and whether any trend
    was attempted (``insufficient``: too few points for it) rather than skipped (``skipped``: the data has nothing
    it could be fitted on, e.g. no score for its quality measure, or no usable price)."""
    if (trends["status"].isin(ESTIMATED)).any():
        return None
    by_trend = trends.drop_duplicates("trend_id")
    counts = by_trend["status"].value_counts()
    notes = by_trend["note"].fillna(by_trend["status"]).value_counts()
    listed = "; ".join(f"{note} ({n})" for note, n in notes.head(3).items())
    statuses = ", ".join(f"{n} {status}" for status, n in counts.items())
    message = (f"nothing was estimated: none of the {len(by_trend)} trend(s) of this run has an estimate "
               f"({statuses or 'no trend at all'})")
    if listed:
        message += f"; the most frequent reasons: {listed}"
    return message, bool((by_trend["status"] == "insufficient").any())


def uninformative_reason(estimate: Estimate) -> str | None:
    """Why an estimate carries no information (documented rule), or None."""
    if estimate.status != "ok":
        return None
    first, last = estimate.sample.first_date, estimate.sample.last_date
    if first is not None and last is not None and not pd.isna(first) and not pd.isna(last):
        days = (pd.Timestamp(last) - pd.Timestamp(first)).days
        if days < MIN_SPAN_DAYS:
            return f"uninformative: its points span {days} days, under 12 months"
    if estimate.ci_low is not None and estimate.ci_high is not None and estimate.ci_low > 0 and \
            estimate.ci_high / estimate.ci_low > MAX_INTERVAL_RATIO:
        return (f"uninformative: its {estimate.ci_level:.0%} interval spans {estimate.ci_high / estimate.ci_low:,.0f}"
                "-fold, more than three orders of magnitude")
    return None


def judge(fit: TrendFit, as_of=None) -> TrendFit:
    """The trend's status by the documented rule (``uninformative_reason`` on its main estimate: every row of the
    trend follows it), and the months from its last point to ``as_of`` (the snapshot's latest observation)."""
    reason = uninformative_reason(fit.main)
    months = None
    last = fit.main.sample.last_date
    if as_of is not None and last is not None and not pd.isna(last) and fit.main.status in ESTIMATED:
        months = max(0.0, round((pd.Timestamp(as_of) - pd.Timestamp(last)).days / (365.25 / 12), 1))
    estimates = []
    for estimate in fit.estimates:
        changes = {"months_since_last": months}
        if reason and estimate.status == "ok":
            changes.update(status="uninformative", note=f"{reason}; {estimate.note}" if estimate.note else reason)
        estimates.append(estimate.replace(**changes))
    return dataclasses.replace(fit, estimates=estimates)


def skipped(spec: TrendSpec, ci_methods: list[str] | None = None) -> TrendFit:
    """A trend the data cannot support at all (``status = skipped``, ``note`` says why)."""
    methods = list(ci_methods or spec.ci_methods)
    if ci_methods is None and spec.method == "frontier" and spec.bootstrap_resamples:
        methods.append("bootstrap")
    empty = Sample(0, 0)
    return TrendFit(spec, [Estimate.of(spec, "ols", m, None, empty, "skipped", spec.skip_note)
                           for m in dict.fromkeys(methods)], pd.DataFrame(columns=POINT_COLUMNS))


def points_frame(points: pd.DataFrame, trend_id: str) -> pd.DataFrame:
    frame = points.assign(trend_id=trend_id)
    return frame[POINT_COLUMNS]


# --- the run's tables -----------------------------------------------------------------------------------------
def finalise_trends(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The trends table: validated (schema), every method a registered one, every quantity a known one."""
    from tasks.methods import all_method_names, quantities

    frames = [f for f in frames if not f.empty]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=TREND_COLUMNS)
    frame = frame.reindex(columns=TREND_COLUMNS)
    frame = frame.sort_values(["trend_id", "estimator", "ci_method"], kind="mergesort").reset_index(drop=True)
    frame = validate(Trends, frame, "trends table")
    for column, known in (("method", all_method_names()), ("quantity", quantities())):
        unknown = sorted(set(frame[column].dropna()) - set(known))
        if unknown:
            raise ValueError(f"trends table, column {column}: {', '.join(unknown)} not registered "
                             f"(known: {', '.join(known)})")
    return frame


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


def read_trends_csv(path) -> pd.DataFrame:
    """Read ``trends.csv`` back with the contract's types."""
    frame = read_csv_output(path)
    frame["tie_order_exact"] = frame["tie_order_exact"].map({"true": True, "false": False, None: None})
    return validate(Trends, frame, str(path))


def nan_to_none(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value


# --- preset sections: what every method's section is made of ----------------------------------------------------
from tasks.core.vocabulary import LogBase, PriceSource, PriceType, Subset  # noqa: E402  (the one vocabulary)


def known_benchmark(value: str) -> str:
    if value not in BENCHMARK_UNITS:
        raise ValueError(f"unknown benchmark {value!r}; known: {', '.join(BENCHMARK_UNITS)}")
    return value


class Section(BaseModel):
    """A preset section: strict (an unknown field is an error, never a silent default), immutable, and every number
    finite (TOML has ``nan`` and ``inf``: they are errors here, not values that fail mid-run or reach a JSON file)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# --- the limits of a preset's numbers ----------------------------------------------------------------------------
# Resampling counts (bootstrap resamples, permutations, simulations): each at most this many. The bundled presets use
# 200-2,000 (a run's fits take a minute); 100,000 takes about 50 times as long, and the replicates of every trend are
# kept (replicates.parquet), so a mistyped 99999999 would run for hours with memory growing.
MAX_RESAMPLES_ENV = "INFERENCE_TRENDS_MAX_RESAMPLES"
DEFAULT_MAX_RESAMPLES = 100_000


def max_resamples() -> int:
    """The most resamples (or permutations, or simulations) a count may ask for (``INFERENCE_TRENDS_MAX_RESAMPLES``,
    default 100,000)."""
    value = os.environ.get(MAX_RESAMPLES_ENV, "")
    try:
        return int(value) if value.strip() else DEFAULT_MAX_RESAMPLES
    except ValueError:
        raise ValueError(f"{MAX_RESAMPLES_ENV}={value!r} is not a whole number") from None


def within_resample_limit(value: int) -> int:
    limit = max_resamples()
    if value > limit:
        raise ValueError(f"more than the limit of {limit:,} (set {MAX_RESAMPLES_ENV} to raise it)")
    return value


# a count of resamples, permutations or simulations: bounded by ``max_resamples()``
Resamples = Annotated[int, AfterValidator(within_resample_limit)]


def _g(value) -> str:
    return format(value, "g")


def check_band(low: float, high: float | None, benchmark: str | None) -> None:
    """A quality band [low, high] in band units (``tasks.core.bands``: percent for a fraction benchmark, as reported
    for points such as Elo; high None: no upper end, a threshold): low below high, and for percentages
    0 <= low < high <= 100 (a threshold: 0 <= low <= 100). Raises ValueError saying which rule it breaks."""
    if high is not None and not low < high:
        raise ValueError(f"band [{_g(low)}, {_g(high)}] is empty: its low end must be below its high end")
    if benchmark is not None and BENCHMARK_UNITS.get(benchmark) == "fraction" and \
            not (0 <= low <= 100 and (high is None or high <= 100)):
        if high is None:
            raise ValueError(f"threshold {_g(low)} is not within 0-100: {benchmark} is scored in percent here, so "
                             "a threshold needs 0 <= threshold <= 100")
        raise ValueError(f"band [{_g(low)}, {_g(high)}] is not within 0-100: {benchmark} is scored in percent "
                         "here, so a band needs 0 <= low < high <= 100")
