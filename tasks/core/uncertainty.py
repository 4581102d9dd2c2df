"""Is a frontier trend real, or an artefact of selecting record lows? Vectorised resampling for one trend.

All functions take the band's candidates in frontier order (release date, then value, then model id) and work on
whole matrices of replicates at once (replicates x candidates), so that thousands of resamples cost a few numpy
operations, not thousands of Python loops or Prefect tasks.

- **Bootstrap that redoes the selection**: models are resampled with replacement *from the whole snapshot*, with one
  seeded draw shared by every trend of the run (``joint_counts``), so the bands of a preset are resampled jointly
  and the geometric mean across bands gets a valid interval. In each resample the record lows are selected again
  (a model drawn k times counts k times) and refitted. Percentile interval.
- **Permutation null**: release dates shuffled among the band's models, records reselected and refitted: what the
  record-low method reports when there is no trend at all. ``null_p_value`` = (b + 1) / (N + 1) over the N
  usable shuffles, b of them with a factor at least as large as the observed one.
- **Leave-one-out**: remove each model in turn (records or not), reselect, refit: the range of factors.

Replicates with fewer record points than the trend's minimum (or all on one date) give no slope and are left out;
how many remained is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tasks.core.slopes import weighted_slopes
from tasks.core.stats import DAYS_PER_YEAR, LOG_BASES
from tasks.core.stopping import check as check_stop

CHUNK = 4096  # replicates per block at most
# Elements per work array: replicates are processed in blocks of at most this many cells (replicates x
# candidates), so memory stays bounded (a few tens of MB per array) however many candidates a band has.
BLOCK_ELEMENTS = 1 << 22


def block_rows(width: int, cap: int = CHUNK) -> int:
    """How many replicate rows of ``width`` cells fit one block."""
    return max(1, min(cap, BLOCK_ELEMENTS // max(int(width), 1)))


@dataclass(frozen=True)
class Summary:
    """Percentile interval and spread of a vector of replicate factors."""

    low: float | None
    high: float | None
    median: float | None
    valid: int
    total: int


def records_under(values: np.ndarray, included: np.ndarray) -> np.ndarray:
    """Record mask per row: included and at most the minimum of every included value before it (rows in
    frontier order along axis 1)."""
    masked = np.where(included, values[None, :], np.inf)
    previous = np.minimum.accumulate(masked, axis=1)
    previous = np.concatenate([np.full((len(masked), 1), np.inf), previous[:, :-1]], axis=1)
    return included & (values[None, :] <= previous)


def factors(slopes: np.ndarray, log_base: str) -> np.ndarray:
    return LOG_BASES[log_base] ** (-slopes * DAYS_PER_YEAR)


def summarise(values: np.ndarray, level: float) -> Summary:
    finite = values[np.isfinite(values)]
    if not len(finite):
        return Summary(None, None, None, 0, len(values))
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return Summary(float(low), float(high), float(np.median(finite)), len(finite), len(values))


# --- bootstrap -----------------------------------------------------------------------------------------------
def joint_counts(universe_size: int, resamples: int, seed: int) -> np.ndarray:
    """How often each model of the snapshot is drawn in each resample (resamples x models), one seeded draw."""
    return np.vstack(list(joint_count_blocks(universe_size, resamples, seed))) if resamples else \
        np.zeros((0, universe_size), dtype=np.int32)


def joint_count_blocks(universe_size: int, resamples: int, seed: int, columns: np.ndarray | None = None):
    """The same seeded draw as ``joint_counts``, in blocks of resamples, keeping only ``columns`` (the band's
    candidates): memory is bounded by ``BLOCK_ELEMENTS`` whatever the size of the snapshot."""
    rng = np.random.default_rng(seed)
    step = block_rows(universe_size)
    for start in range(0, resamples, step):
        check_stop()  # a stop request takes effect between blocks (tasks/core/stopping.py)
        counts = draw_counts(rng, min(step, resamples - start), universe_size)
        yield counts if columns is None else counts[:, columns]


def draw_counts(rng: np.random.Generator, resamples: int, size: int) -> np.ndarray:
    """``resamples`` draws of ``size`` items with replacement, as counts per item (resamples x size)."""
    draws = rng.integers(0, size, size=(resamples, size))
    flat = draws + (np.arange(resamples) * size)[:, None]
    return np.bincount(flat.ravel(), minlength=resamples * size).reshape(resamples, size).astype(np.int32)


def bootstrap_slopes(x: np.ndarray, y: np.ndarray, values: np.ndarray, counts, min_points: int) -> np.ndarray:
    """Slope of the reselected record lows in each resample; ``counts``: resamples x candidates, as one matrix or
    as an iterable of row blocks (``joint_count_blocks``)."""
    blocks = [counts] if isinstance(counts, np.ndarray) else counts
    out = []
    for matrix in blocks:
        for start in range(0, len(matrix), block_rows(len(values))):
            check_stop()
            block = matrix[start:start + block_rows(len(values))]
            records = records_under(values, block > 0)
            out.append(weighted_slopes(x, y, block * records, min_points, distinct=records.sum(axis=1)))
    return np.concatenate(out) if out else np.empty(0)


# --- permutation null --------------------------------------------------------------------------------------
def permutation_slopes(days: np.ndarray, values: np.ndarray, tiebreak: np.ndarray, permutations: int, seed: int,
                       min_points: int, y: np.ndarray) -> np.ndarray:
    """Slopes of the record lows after shuffling release dates among the candidates.

    ``tiebreak``: each candidate's rank by (value, model id), the order of same-day releases; ``y``: log values.
    """
    rng = np.random.default_rng(seed)
    n = len(days)
    out = np.empty(permutations)
    step = block_rows(n)
    for start in range(0, permutations, step):
        check_stop()
        size = min(step, permutations - start)
        shuffled = np.argsort(rng.random((size, n)), axis=1)  # a permutation of the dates per replicate
        dates = days[shuffled]  # dates[r, i]: the date model i gets in replicate r
        order = np.argsort(dates * (n + 1) + tiebreak[None, :], axis=1, kind="stable")
        sorted_values = values[order]
        sorted_days = np.take_along_axis(dates, order, axis=1)
        previous = np.minimum.accumulate(sorted_values, axis=1)
        previous = np.concatenate([np.full((size, 1), np.inf), previous[:, :-1]], axis=1)
        record = sorted_values <= previous
        w = record.astype(float)
        sorted_y = y[order]
        count = w.sum(axis=1)
        sx, sy = (w * sorted_days).sum(axis=1), (w * sorted_y).sum(axis=1)
        sxx, sxy = (w * sorted_days ** 2).sum(axis=1), (w * sorted_days * sorted_y).sum(axis=1)
        denominator = count * sxx - sx * sx
        with np.errstate(invalid="ignore", divide="ignore"):
            slopes = (count * sxy - sx * sy) / denominator
        ok = (count >= min_points) & (denominator > 1e-9 * np.maximum(1.0, count * sxx))
        out[start:start + size] = np.where(ok, slopes, np.nan)
    return out


def null_p_value(null_factors: np.ndarray, observed: float) -> float | None:
    """One-sided permutation p-value of the ``observed`` factor against the null's: (b + 1) / (N + 1), where N is
    the number of usable shuffles (a finite factor) and b how many of them are at least as large as the observed one
    (up to a relative 1e-12). A shuffle with too few records has no slope: it is left out of N, not counted as less
    extreme (that would shrink the p-value towards 0 as unusable shuffles grow). None with no usable shuffle."""
    finite = null_factors[np.isfinite(null_factors)]
    if not len(finite):
        return None
    at_least = int(np.sum(finite >= observed * (1 - 1e-12)))
    return (at_least + 1) / (len(finite) + 1)


# --- leave-one-out -----------------------------------------------------------------------------------------
def leave_one_out_slopes(x: np.ndarray, y: np.ndarray, values: np.ndarray, min_points: int) -> np.ndarray:
    """Slope of the reselected record lows with each candidate removed in turn (candidates in frontier order)."""
    n = len(values)
    out = []
    for start in range(0, n, block_rows(n)):
        check_stop()
        rows = np.arange(start, min(n, start + block_rows(n)))
        included = np.ones((len(rows), n), dtype=bool)
        included[np.arange(len(rows)), rows] = False
        records = records_under(values, included)
        out.append(weighted_slopes(x, y, records, min_points, distinct=records.sum(axis=1)))
    return np.concatenate(out) if out else np.empty(0)
