"""The typed result of a fit, and what a fit says: informative or not.

A method's ``fit(analysis, spec, context) -> TrendFit`` returns a typed result, in the spirit of statsmodels'
results objects: one ``Estimate`` per (estimator, interval method), the points behind it, ``Diagnostics`` (replicate
counts, simulated coverage, cluster count, reasoning models left out, ...) and the replicate slopes. The report and
the figures read these fields; nothing is ever recovered from the free-text ``note``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from schemas.analysis import POINT_COLUMNS, TREND_COLUMNS
from tasks.core.stats import FitError, SlopeFit, halving_months
from tasks.core.vocabulary import ESTIMATED
from tasks.trends.spec import TrendSpec


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
    months_since_last: float | None = None  # from the last fitted point to the last release scored on its measure
    quality_window_start: pd.Timestamp | None = None  # the first and last release scored on its quality measure
    quality_window_end: pd.Timestamp | None = None

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
                   quality_window_start=self.quality_window_start, quality_window_end=self.quality_window_end,
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
    """What every fit may report about itself besides its estimates (``diagnostics.csv``, read by the report): its
    resampling checks. A method adds its own fields in a subclass, its ``Method.diagnostics``
    (``tasks.methods.diagnostic_columns()``: the file's columns, these first)."""

    bootstrap_valid: int | None = None  # resamples with enough records for a slope
    bootstrap_total: int | None = None
    null_valid: int | None = None  # permutations with enough records
    null_total: int | None = None
    loo_valid: int | None = None  # leave-one-out fits with enough records
    coverage_ols: float | None = None  # simulated coverage of the 90% OLS interval
    coverage_bootstrap: float | None = None
    coverage_simulations: int | None = None
    # their Monte-Carlo errors (two binomial standard errors): a coverage within its error of the floor is not
    # enough to call the interval one (tasks.core.vocabulary.is_range)
    coverage_ols_error: float | None = None
    coverage_bootstrap_error: float | None = None
    coverage_true_factor: float | None = None
    coverage_sigma: float | None = None


DIAGNOSTIC_COLUMNS = ["trend_id", *(f.name for f in dataclasses.fields(Diagnostics))]  # every method's, at least
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
MIN_SPAN_DAYS = 365  # points spanning less than 12 months say little about a yearly rate
MAX_INTERVAL_RATIO = 1000.0  # an interval wider than three orders of magnitude says nothing about it


def nothing_estimated(trends: pd.DataFrame) -> tuple[str, bool] | None:
    """None when some trend of the run has an estimate (status ``ok``, ``short_span`` or ``wide_interval``).
    Otherwise what the run
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


def uninformative_reason(estimate: Estimate) -> tuple[str, str] | None:
    """Why an estimate carries little information (documented rule): its status (``short_span``: its points span
    under 12 months, checked first; ``wide_interval``: its interval is wider than three orders of magnitude) and the
    note that names the reason; or None."""
    if estimate.status != "ok":
        return None
    first, last = estimate.sample.first_date, estimate.sample.last_date
    if first is not None and last is not None and not pd.isna(first) and not pd.isna(last):
        days = (pd.Timestamp(last) - pd.Timestamp(first)).days
        if days < MIN_SPAN_DAYS:
            return "short_span", f"short span: its points span {days} days, under 12 months"
    if estimate.ci_low is not None and estimate.ci_high is not None and estimate.ci_low > 0 and \
            estimate.ci_high / estimate.ci_low > MAX_INTERVAL_RATIO:
        return "wide_interval", (f"wide interval: its {estimate.ci_level:.0%} interval spans "
                                 f"{estimate.ci_high / estimate.ci_low:,.0f}-fold, more than three orders of magnitude")
    return None


def judge(fit: TrendFit, as_of=None, window=None) -> TrendFit:
    """The trend's status by the documented rule (``uninformative_reason`` on its main estimate: every row of the
    trend follows it); its quality window (``window``: a ``tasks.data.quality.QualityWindow`` of its measure, or
    None); and the months from its last point to the last scored release (the window's end), or to ``as_of`` (the
    snapshot's latest price observation) for a trend without a quality window."""
    verdict = uninformative_reason(fit.main)
    months = None
    last = fit.main.sample.last_date
    until = window.end if window is not None else as_of
    if until is not None and last is not None and not pd.isna(last) and fit.main.status in ESTIMATED:
        months = max(0.0, round((pd.Timestamp(until) - pd.Timestamp(last)).days / (365.25 / 12), 1))
    estimates = []
    for estimate in fit.estimates:
        changes = {"months_since_last": months,
                   "quality_window_start": window.start if window is not None else None,
                   "quality_window_end": window.end if window is not None else None}
        if verdict and estimate.status == "ok":
            status, reason = verdict
            changes.update(status=status, note=f"{reason}; {estimate.note}" if estimate.note else reason)
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



def attempt_fit(n: int, min_points: int, counted: str, fit: Callable[[], SlopeFit]
                ) -> tuple[SlopeFit | None, str, str | None]:
    """Fit when there are enough points: (the fit, "ok", None); else (None, "insufficient", why): fewer than the
    minimum (``counted`` names the points: "record(s)", "month(s)"), or the fit's own reason (``FitError``)."""
    if n < min_points:
        return None, "insufficient", f"{n} {counted}, fewer than the minimum of {min_points}"
    try:
        return fit(), "ok", None
    except FitError as err:
        return None, "insufficient", str(err)
