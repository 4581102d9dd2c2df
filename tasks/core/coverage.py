"""How often do the intervals cover the true trend? Measured by simulation, not assumed.

For a frontier trend, the simulation keeps what the data fix (the band's release dates, so the same same-day
ties, the same number of candidates) and replaces the prices by a known truth: log price = true slope x day +
noise, the slope and the noise's spread being those of an OLS fit over all the band's candidates. Each simulated
band goes through the same record-low selection and fit; coverage = share of the 90% intervals (classical OLS on
the records, and the bootstrap that redoes the selection) that contain the true slope. The record-low selection
biases the slope, so these fall short of 90%: by how much is the number the report puts next to every estimate.

``hedonic_coverage`` does the same for the hedonic regression's OLS and HC3 intervals (which should cover at
about their nominal rate); the test suite checks both.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy import stats as scipy_stats

from tasks.core.stopping import check as check_stop
from tasks.core.vocabulary import COVERAGE_FLOOR
from tasks.core.uncertainty import BLOCK_ELEMENTS, draw_counts

SIMULATIONS = 400
RESAMPLES = 200
# a coverage within its Monte-Carlo error of the range/interval floor is simulated further, up to this many times the
# asked simulations, so that the label does not flip on simulation noise (step 15)
EXTEND = 4


@dataclass(frozen=True)
class Coverage:
    ols: float | None  # share of simulated OLS intervals on the records that contain the true slope
    bootstrap: float | None  # the same for the percentile bootstrap that redoes the selection
    simulations: int  # simulated bands with enough records to fit
    true_slope: float
    sigma: float
    bootstrap_simulations: int = 0  # simulated bands whose bootstrap had enough usable resamples

    @property
    def ols_error(self) -> float | None:
        """The Monte-Carlo error of ``ols`` (``mc_error``: two binomial standard errors)."""
        return mc_error(self.ols, self.simulations)

    @property
    def bootstrap_error(self) -> float | None:
        return mc_error(self.bootstrap, self.bootstrap_simulations)


def mc_error(share: float | None, simulations: int) -> float | None:
    """Two binomial standard errors of a share estimated from ``simulations`` draws: about a 95% Monte-Carlo margin.
    At least half a draw's weight (1 / 2n), so that a share of 0 or 1 is not exact."""
    if share is None or not simulations:
        return None
    return max(2 * float(np.sqrt(share * (1 - share) / simulations)), 0.5 / simulations)


def near_floor(share: float | None, error: float | None) -> bool:
    """Is the share within its Monte-Carlo error of ``COVERAGE_FLOOR`` (the range/interval line)?"""
    return share is not None and error is not None and abs(share - COVERAGE_FLOOR) < error


@functools.lru_cache(maxsize=1024)
def _t_quantile(level: float, df: int) -> float:
    return float(scipy_stats.t.ppf(0.5 + level / 2, df))


def frontier_coverage(days: np.ndarray, true_slope: float, sigma: float, min_points: int, level: float,
                      seed: int, simulations: int = SIMULATIONS, resamples: int = RESAMPLES,
                      block: int = 50) -> Coverage:
    """Coverage of the frontier's OLS and bootstrap intervals in bands like this one (``days``: release days).

    Vectorised over simulations (in blocks) and resamples: simulations x resamples x candidates arrays. Where either
    coverage lies within its Monte-Carlo error of ``COVERAGE_FLOOR`` after ``simulations``, the same random stream
    goes on, block by block, up to ``EXTEND`` times as many: a far-from-the-line coverage costs nothing more and is
    exactly what it was; a borderline one gets an error half as large.
    """
    rng = np.random.default_rng(seed)
    x = np.sort(np.asarray(days, dtype=float))
    x = x - x.mean()
    n = len(x)
    group = np.unique(x, return_inverse=True)[1]  # same-day groups, in date order
    # simulations per block: as asked, unless a block would pass the memory bound (very large bands)
    block = max(1, min(block, BLOCK_ELEMENTS // max(resamples * n, 1)))
    tail = (1 - level) / 2 * 100
    covered_ols = covered_boot = fitted = boot_fitted = 0
    start, limit = 0, simulations
    while start < limit:
        check_stop()  # a stop request takes effect between blocks (tasks/core/stopping.py)
        size = min(block, limit - start)
        start += size
        y = true_slope * x[None, :] + rng.normal(0, sigma, (size, n))
        rank = y.argsort(axis=1).argsort(axis=1)
        order = (group[None, :] * n + rank).argsort(axis=1)  # date order, same-day releases cheapest first
        ys = np.take_along_axis(y, order, axis=1)
        xs = x[order]
        previous = np.minimum.accumulate(ys, axis=1)
        previous = np.concatenate([np.full((size, 1), np.inf), previous[:, :-1]], axis=1)
        records = ys <= previous
        # classical OLS interval on each simulation's records
        w = records.astype(float)
        count = w.sum(axis=1)
        mx = (w * xs).sum(axis=1) / count
        my = (w * ys).sum(axis=1) / count
        sxx = (w * (xs - mx[:, None]) ** 2).sum(axis=1)
        slope = (w * (xs - mx[:, None]) * (ys - my[:, None])).sum(axis=1) / np.where(sxx > 0, sxx, np.nan)
        resid = ys - my[:, None] - slope[:, None] * (xs - mx[:, None])
        df = count - 2
        with np.errstate(invalid="ignore", divide="ignore"):
            se = np.sqrt((w * resid ** 2).sum(axis=1) / df / sxx)
        usable = (count >= max(min_points, 3)) & (sxx > 0)
        t = np.array([_t_quantile(level, int(d)) if ok else np.nan for d, ok in zip(df, usable)])
        fitted += int(usable.sum())
        covered_ols += int(((slope - t * se <= true_slope) & (true_slope <= slope + t * se) & usable).sum())
        # percentile bootstrap that redoes the selection, per simulation
        counts = draw_counts(rng, size * resamples, n).reshape(size, resamples, n)
        included = counts > 0
        masked = np.where(included, ys[:, None, :], np.inf)
        before = np.minimum.accumulate(masked, axis=2)
        before = np.concatenate([np.full((size, resamples, 1), np.inf), before[:, :, :-1]], axis=2)
        boot_records = included & (ys[:, None, :] <= before)
        weights = counts * boot_records
        bx, by = xs[:, None, :], ys[:, None, :]
        total = weights.sum(axis=2)
        sx, sy = (weights * bx).sum(axis=2), (weights * by).sum(axis=2)
        sxx_b, sxy = (weights * bx * bx).sum(axis=2), (weights * bx * by).sum(axis=2)
        denominator = total * sxx_b - sx * sx
        with np.errstate(invalid="ignore", divide="ignore"):
            slopes = (total * sxy - sx * sy) / denominator
        ok = (boot_records.sum(axis=2) >= min_points) & (denominator > 1e-9 * np.maximum(1.0, total * sxx_b))
        slopes = np.where(ok, slopes, np.nan)
        enough = usable & (ok.sum(axis=1) >= resamples // 2)
        if enough.any():
            low, high = np.nanpercentile(slopes[enough], [tail, 100 - tail], axis=1)
            boot_fitted += int(enough.sum())
            covered_boot += int(((low <= true_slope) & (true_slope <= high)).sum())
        if start == simulations:  # the asked simulations are done: go on only where the label is in doubt
            ols = covered_ols / fitted if fitted else None
            boot = covered_boot / boot_fitted if boot_fitted else None
            if near_floor(ols, mc_error(ols, fitted)) or near_floor(boot, mc_error(boot, boot_fitted)):
                limit = simulations * EXTEND
    return Coverage(ols=covered_ols / fitted if fitted else None,
                    bootstrap=covered_boot / boot_fitted if boot_fitted else None,
                    simulations=fitted, true_slope=true_slope, sigma=sigma, bootstrap_simulations=boot_fitted)


def band_truth(days: np.ndarray, log_values: np.ndarray) -> tuple[float, float]:
    """The slope and residual spread of an OLS fit over all of a band's candidates: the simulation's truth."""
    x = np.asarray(days, dtype=float)
    x = x - x.mean()
    y = np.asarray(log_values, dtype=float)
    slope = float(x @ (y - y.mean())) / float(x @ x)
    resid = y - y.mean() - slope * x
    return slope, float(np.sqrt(resid @ resid / max(len(x) - 2, 1)))


def hedonic_coverage(n: int, true_slope: float, sigma: float, level: float, seed: int,
                     simulations: int = 400, heteroskedastic: bool = False) -> dict[str, float]:
    """Coverage of the hedonic regression's OLS and HC3 intervals (log price on day and a quality score)."""
    from tasks.core.stats import ols_fits

    rng = np.random.default_rng(seed)
    hits = {"ols": 0, "hc3": 0}
    for _ in range(simulations):
        check_stop()
        day = rng.uniform(0, 900, n)
        score = rng.uniform(0.4, 0.7, n)
        spread = sigma * (0.5 + day / 900) if heteroskedastic else sigma
        y = true_slope * day + 5 * score + rng.normal(0, 1, n) * spread
        fits = ols_fits(y, day, controls=score, ci_level=level, ci_methods=("ols", "hc3"))
        for method, fit in fits.items():
            hits[method] += fit.ci_low <= true_slope <= fit.ci_high
    return {method: count / simulations for method, count in hits.items()}
