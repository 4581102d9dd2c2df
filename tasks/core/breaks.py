"""One structural break in a log-linear price trend: is a kinked line better than a straight one?

The FutureTech study notes that trends around May 2024 do not look linear. For a trend fitted on the points of
``points.csv`` (``in_fit``), each candidate break splits the points, in date order, into a segment before and a
segment from the break on, each with at least ``min_segment`` points (5 by default) and never inside a run of
same-day points. For each candidate the Chow statistic compares two separate lines with one line:

    F(k) = ((RSS_1 - RSS_2) / 2) / (RSS_2 / (n - 4))

The break reported is the candidate with the largest F (sup-F, Andrews 1993). Searching over candidates inflates F,
so its p-value is not the F distribution's, and the points are record lows (a running minimum), not a line plus
independent noise, so resampling their own residuals would find breaks in most straight trends. The p-value comes
from the selection under "no break" (``selected_break``, seeded): one straight line with independent scatter fitted
on *every candidate* of the trend (``points.csv``), candidates redrawn from it, their record lows reselected, and the
whole search redone; p = (1 + count) / (1 + valid simulations), count = simulated sup-F at least the observed one.
Monthly-cheapest series repeat a model for months: they are reduced to their distinct cheapest models (each at its
first month), whose candidates are not in ``points.csv``; those few points get the plain residual bootstrap
(``sup_f_break``) and are descriptive. A break is *supported* when p < alpha (0.10 by default). Trends with fewer
than 2 x min_segment points are not tested (``status = too_few``).

Hedonic trends have more regressors than time and are not tested here.

The trend-level wrapper (which trends are tested, their points, the ``breaks.csv`` rows) is ``tasks.study.breaks``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tasks.core.stats import DAYS_PER_YEAR, LOG_BASES


@dataclass(frozen=True)
class BreakTest:
    status: str  # "tested" or "too_few"
    candidates: int = 0
    break_index: int | None = None  # first point of the second segment
    sup_f: float | None = None
    p_value: float | None = None
    slope_before: float | None = None
    slope_after: float | None = None


def _rss_line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Residual sum of squares and slope of the OLS line of y on x."""
    xm, ym = x.mean(), y.mean()
    sxx = ((x - xm) ** 2).sum()
    slope = ((x - xm) * (y - ym)).sum() / sxx if sxx > 0 else 0.0
    resid = y - ym - slope * (x - xm)
    return float((resid ** 2).sum()), float(slope)


def candidate_splits(x: np.ndarray, min_segment: int) -> list[int]:
    """Indices k (second segment starts at k) with enough points on both sides and not inside a same-day run."""
    n = len(x)
    return [k for k in range(min_segment, n - min_segment + 1) if x[k] != x[k - 1]]


def _segment_rss(n, sx, sy, sxx, syy, sxy) -> np.ndarray:
    """RSS of the OLS line on segments given their sums (vectorised over segments)."""
    vxx = sxx - sx * sx / n
    vxy = sxy - sx * sy / n
    vyy = syy - sy * sy / n
    with np.errstate(divide="ignore", invalid="ignore"):
        rss = np.where(vxx > 0, vyy - vxy * vxy / vxx, vyy)
    return np.maximum(rss, 0.0)


def sup_f(x: np.ndarray, y: np.ndarray, splits: list[int]) -> tuple[float, int]:
    """The largest Chow F over the candidate splits, and where (prefix sums: O(n) per search)."""
    n = len(x)
    k = np.asarray(splits)
    x, y = x - x.mean(), y - y.mean()  # centred: the prefix sums do not cancel catastrophically
    sums = [np.concatenate([[0.0], np.cumsum(v)]) for v in (x, y, x * x, y * y, x * y)]
    total = [s[-1] for s in sums]
    before = [s[k] for s in sums]
    after = [t - b for t, b in zip(total, before)]
    rss1 = _segment_rss(n, *total)
    rss2 = _segment_rss(k, *before) + _segment_rss(n - k, *after)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(rss2 > 0, ((rss1 - rss2) / 2) / (rss2 / (n - 4)), np.inf)
    best = int(np.argmax(f))
    return float(f[best]), int(k[best])


def _search(x, y, min_segment: int):
    """The points sorted by date, the candidate splits, and the observed sup-F and its split (None: too few)."""
    order = np.argsort(x, kind="mergesort")
    x, y = x[order], y[order]
    splits = candidate_splits(x, min_segment) if len(x) >= 2 * min_segment else []
    if not splits:
        return None
    observed, k = sup_f(x, y, splits)
    return x, y, splits, observed, k


def _tested(x, y, splits, observed, k, count: int, simulations: int) -> BreakTest:
    return BreakTest(status="tested", candidates=len(splits), break_index=k, sup_f=observed,
                     p_value=(1 + count) / (1 + simulations), slope_before=_rss_line(x[:k], y[:k])[1],
                     slope_after=_rss_line(x[k:], y[k:])[1])


def _line(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fitted values and residuals of the OLS line of y on x."""
    _, slope = _rss_line(x, y)
    fitted = y.mean() + slope * (x - x.mean())
    return fitted, y - fitted


def sup_f_break(x, y, min_segment: int = 5, simulations: int = 999, seed: int = 0) -> BreakTest:
    """sup-F test for one break in y = a + b x (x in days), p-value by residual bootstrap under no break."""
    found = _search(np.asarray(x, dtype=float), np.asarray(y, dtype=float), min_segment)
    if found is None:
        return BreakTest(status="too_few")
    x, y, splits, observed, k = found
    fitted, resid = _line(x, y)
    rng = np.random.default_rng(seed)
    count = sum(sup_f(x, fitted + rng.choice(resid, size=len(resid), replace=True), splits)[0] >= observed
                for _ in range(simulations))
    return _tested(x, y, splits, observed, k, count, simulations)


def running_records(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Indices of the record lows of (x, y) in date order, same day lowest first (at most the running minimum)."""
    order = np.lexsort((y, x))
    ys = y[order]
    previous = np.concatenate([[np.inf], np.minimum.accumulate(ys)[:-1]])
    return np.sort(order[ys <= previous])


def selected_break(x_all, y_all, records, min_segment: int = 5, simulations: int = 999, seed: int = 0
                   ) -> BreakTest:
    """sup-F on a record-low series, its p-value from the *selection* under "no break".

    The null: the candidates' log values follow one straight line with independent scatter (fitted on every
    candidate: OLS line and its residuals). Each simulation redraws the candidates (line + resampled residuals),
    reselects their record lows and redoes the whole search on them. A running minimum is not a line plus
    independent noise, so resampling the records' own residuals would be wrong: it finds breaks in most straight
    trends (its simulated false-positive rate on record series was 85-97%)."""
    x_all = np.asarray(x_all, dtype=float)
    y_all = np.asarray(y_all, dtype=float)
    records = np.asarray(records)
    found = _search(x_all[records], y_all[records], min_segment)
    if found is None:
        return BreakTest(status="too_few")
    x, y, splits, observed, k = found
    fitted, resid = _line(x_all, y_all)
    rng = np.random.default_rng(seed)
    count = valid = 0
    for _ in range(simulations):
        y_sim = fitted + rng.choice(resid, size=len(resid), replace=True)
        picked = running_records(x_all, y_sim)
        xs, ys = x_all[picked], y_sim[picked]
        sim_splits = candidate_splits(xs, min_segment) if len(xs) >= 2 * min_segment else []
        if not sim_splits:
            continue
        valid += 1
        if sup_f(xs, ys, sim_splits)[0] >= observed:
            count += 1
    if valid < 99:
        return BreakTest(status="too_few", candidates=len(splits))
    return _tested(x, y, splits, observed, k, count, valid)


def factor(slope: float | None, log_base: str) -> float | None:
    return None if slope is None else float(LOG_BASES[log_base] ** (-slope * DAYS_PER_YEAR))
