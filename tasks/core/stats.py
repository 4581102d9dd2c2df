"""Estimators and conversions shared by every method.

Conventions (also in the docs, docs/methods.md, "Conversions"):
- fit log_base(value) on time in days; ``factor_per_year = base ** (-slope * 365.25)``: a factor above 1 means the
  quantity falls that many times per year;
- the factor's interval is the slope's interval transformed at its endpoints (asymmetric on the factor scale);
  never the delta method on the factor;
- halving time in months = 12 ln 2 / ln(factor) (negative: the quantity doubles every |h| months; none when the
  factor is exactly 1);
- averages across bands average log slopes (geometric mean of factors).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

DAYS_PER_YEAR = 365.25
LOG_BASES = {"10": 10.0, "e": math.e}
EPOCH = pd.Timestamp("1970-01-01")


def release_day(dates: pd.Series) -> np.ndarray:
    """Days since 1970-01-01 as floats (a slope per day does not depend on the origin)."""
    return ((pd.to_datetime(pd.Series(dates)) - EPOCH) / pd.Timedelta(days=1)).to_numpy(dtype=float)


def log_values(values: np.ndarray, base: str) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return np.log10(values) if base == "10" else np.log(values)


def factor_per_year(slope_per_day: float, base: str) -> float:
    """Slope of log_base(value) per day -> "x times cheaper per year" (> 1 when the value falls)."""
    return float(LOG_BASES[base] ** (-slope_per_day * DAYS_PER_YEAR))


def factor_interval(slope_low: float, slope_high: float, base: str) -> tuple[float, float]:
    """The slope interval's endpoints, transformed: the steepest decline (lowest slope) is the largest factor."""
    return factor_per_year(slope_high, base), factor_per_year(slope_low, base)


def halving_months(factor: float) -> float | None:
    if factor is None or not math.isfinite(factor) or factor <= 0 or factor == 1:
        return None
    return 12 * math.log(2) / math.log(factor)


def geometric_mean(factors: list[float]) -> float:
    """Geometric mean of factors = the factor of the average log slope."""
    return float(math.exp(sum(math.log(f) for f in factors) / len(factors)))


@dataclass(frozen=True)
class SlopeFit:
    """One fitted slope with its interval; what a trend row needs from an estimator."""

    slope: float
    se: float
    ci_low: float
    ci_high: float
    ci_level: float
    n: int
    r_squared: float
    adj_r_squared: float
    ci_method: str

    def factor(self, base: str) -> float:
        return factor_per_year(self.slope, base)

    def factor_interval(self, base: str) -> tuple[float, float]:
        return factor_interval(self.ci_low, self.ci_high, base)


class FitError(ValueError):
    """The data cannot identify a slope (too few points, no spread in dates, collinear controls)."""


def check_design(design: np.ndarray, x: np.ndarray) -> tuple[int, int]:
    """A time-trend design the fit can identify: more points than coefficients, more than one date, no collinear
    columns (FitError naming which, otherwise)."""
    n, k = design.shape
    if n <= k:
        raise FitError(f"{n} points cannot identify {k} coefficients")
    if np.ptp(x) == 0:
        raise FitError("all points share one date: no time trend can be fitted")
    if np.linalg.matrix_rank(design) < k:
        raise FitError("the regressors are collinear")
    return n, k


def ols_fits(y: np.ndarray, x: np.ndarray, controls: np.ndarray | None = None, ci_level: float = 0.9,
             ci_methods: tuple[str, ...] = ("ols",), groups: np.ndarray | None = None) -> dict[str, SlopeFit]:
    """OLS of ``y`` on a constant, ``x`` (days) and optional controls; the slope on ``x`` for each interval method.

    ``ci_methods``: ``ols`` (classical) and ``hc3`` (heteroskedasticity-robust, MacKinnon-White HC3). Both use the
    t distribution with n - k degrees of freedom (statsmodels would use the normal for robust covariances by
    default; with a few dozen points the t reference is the honest, slightly wider choice).
    ``cluster``: cluster-robust by ``groups`` (one label per point), statsmodels' ``cov_type="cluster"`` with its
    defaults: the CR1 small-sample correction G/(G-1) * (n-1)/(n-k) and, with ``use_t``, the t distribution with
    G - 1 degrees of freedom (as Stata; the usual choice with few clusters). It needs two clusters or more.
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    columns = [x] if controls is None else [x, *np.asarray(controls, dtype=float).reshape(len(x), -1).T]
    design = sm.add_constant(np.column_stack(columns), has_constant="add")
    n, k = check_design(design, x)
    fits = {}
    for method in ci_methods:
        cov_type = {"ols": "nonrobust", "hc3": "HC3", "cluster": "cluster"}[method]
        cov_kwds = None
        if method == "cluster":
            codes = pd.factorize(pd.Series(groups, dtype=object).astype(str), sort=True)[0]
            if len(set(codes)) < 2:
                raise FitError("one cluster: a cluster-robust interval needs two clusters or more")
            cov_kwds = {"groups": codes}
        with warnings.catch_warnings():  # a constant y has no R^2 (0/0): reported as missing, not warned about
            warnings.simplefilter("ignore", RuntimeWarning)
            result = sm.OLS(y, design).fit(cov_type=cov_type, cov_kwds=cov_kwds, use_t=True)
            r_squared, adj_r_squared = float(result.rsquared), float(result.rsquared_adj)
        low, high = result.conf_int(alpha=1 - ci_level)[1]
        fits[method] = SlopeFit(
            slope=float(result.params[1]), se=float(result.bse[1]), ci_low=float(low), ci_high=float(high),
            ci_level=ci_level, n=int(n), r_squared=r_squared, adj_r_squared=adj_r_squared,
            ci_method=method,
        )
    return fits
