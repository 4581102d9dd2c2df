"""How much a frontier trend depends on the order of same-day releases.

Release dates in these data are mostly the 1st of a month, so many models share a day, and which of them count as
record lows depends on the order they are taken in. The smallest and largest factor over *all* orders of same-day
releases bound that choice.

Why this is exact and cheap. Walk the days in order with ``m`` the running minimum before a day. Within the day's
group (any order), a model is a record when its value is at most ``m`` and at most every value before it in the
group. Hence:
- models above ``m`` are never records, whatever the order;
- the group's cheapest model(s) (value ``c`` <= ``m``) are always records;
- any subset of the others with ``c`` < value <= ``m`` ("optional" models) can be made the extra records by some
  order (put that subset first in decreasing value, then the cheapest, then the rest), and no other set can;
- after the day the running minimum is ``min(m, c)`` in every order, so days are independent.
The distinct record sets are therefore every combination of optional models: 2 ** (number of optional models).
Up to ``max_exact`` (100,000) combinations they are all fitted; beyond that, a seeded sample of random within-day
orders (at least 10,000) is used and ``exact`` is false.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tasks.core.slopes import weighted_slopes
from tasks.core.stats import DAYS_PER_YEAR, LOG_BASES, log_values, release_day
from tasks.core.stopping import check as check_stop

MAX_EXACT = 100_000
SAMPLE_ORDERS = 10_000
CHUNK = 8_192


@dataclass(frozen=True)
class TieOrderRange:
    min_factor: float | None
    max_factor: float | None
    exact: bool
    record_sets: int  # distinct record sets fitted (exact) or orders sampled
    fitted: int  # of those, how many had enough points for a fit


def record_structure(ordered: pd.DataFrame) -> tuple[np.ndarray, list[int]]:
    """For rows in frontier order: the records every order shares, and the optional rows (see module docstring)."""
    values = ordered["value"].to_numpy(dtype=float)
    days = ordered["release_date"].to_numpy()
    always = np.zeros(len(values), dtype=bool)
    optional: list[int] = []
    running = np.inf
    start = 0
    while start < len(values):
        end = start
        while end < len(values) and days[end] == days[start]:
            end += 1
        group = values[start:end]
        cheapest = group.min()
        if cheapest <= running:
            for i in range(start, end):
                if values[i] == cheapest:
                    always[i] = True
                elif values[i] <= running:
                    optional.append(i)
            running = cheapest
        start = end
    return always, optional


def masks_exact(always: np.ndarray, optional: list[int]) -> np.ndarray:
    """Every distinct record set, as a boolean matrix (record sets x rows)."""
    count = 1 << len(optional)
    bits = ((np.arange(count)[:, None] >> np.arange(len(optional))[None, :]) & 1).astype(bool)
    masks = np.repeat(always[None, :], count, axis=0)
    if optional:
        masks[:, optional] = bits
    return masks


def masks_sampled(ordered: pd.DataFrame, samples: int, seed: int) -> np.ndarray:
    """Record sets of ``samples`` random within-day orders (seeded), as a boolean matrix."""
    rng = np.random.default_rng(seed)
    values = ordered["value"].to_numpy(dtype=float)
    days = ordered["release_date"].to_numpy()
    masks = np.zeros((samples, len(values)), dtype=bool)
    running = np.full(samples, np.inf)
    start = 0
    while start < len(values):
        end = start
        while end < len(values) and days[end] == days[start]:
            end += 1
        size = end - start
        check_stop()
        order = np.argsort(rng.random((samples, size)), axis=1)  # a random permutation per sample
        permuted = values[start:end][order]
        before = np.minimum.accumulate(np.concatenate([running[:, None], permuted], axis=1), axis=1)[:, :-1]
        is_record = permuted <= before
        rows = np.repeat(np.arange(samples), size)
        masks[rows, (start + order).ravel()] = is_record.ravel()
        running = np.minimum(running, permuted.min(axis=1))
        start = end
    return masks


def tie_order_range(ordered: pd.DataFrame, min_points: int, log_base: str, max_exact: int = MAX_EXACT,
                    samples: int = SAMPLE_ORDERS, seed: int = 0) -> TieOrderRange:
    """Smallest and largest factor per year over every order of same-day releases (``ordered``: candidates in
    frontier order, with ``release_date`` and ``value``)."""
    if ordered.empty:
        return TieOrderRange(None, None, True, 0, 0)
    always, optional = record_structure(ordered)
    # only rows that are a record under some order matter (a row dearer than the running minimum before its day
    # is never one, and never changes which rows are): the masks are records-wide, not candidates-wide
    eligible = always.copy()
    eligible[optional] = True
    x = release_day(ordered["release_date"])
    x = (x - x.mean())[eligible]  # centring keeps the sums well conditioned
    y = log_values(ordered["value"].to_numpy(), log_base)[eligible]
    ordered = ordered[eligible].reset_index(drop=True)
    always, optional = record_structure(ordered)
    exact = len(optional) < 63 and (1 << len(optional)) <= max_exact
    lowest, highest, fitted, total = np.inf, -np.inf, 0, 0
    blocks = [masks_exact(always, optional)] if exact else [masks_sampled(ordered, samples, seed)]
    for masks in blocks:
        for begin in range(0, len(masks), CHUNK):
            check_stop()  # a stop request takes effect between chunks (tasks/core/stopping.py)
            slopes = weighted_slopes(x, y, masks[begin:begin + CHUNK], min_points)
            total += len(slopes)
            finite = slopes[np.isfinite(slopes)]
            fitted += len(finite)
            if len(finite):
                lowest, highest = min(lowest, finite.min()), max(highest, finite.max())
    if not fitted:
        return TieOrderRange(None, None, exact, total, 0)
    base = LOG_BASES[log_base]
    # the steepest decline (lowest slope) is the largest factor
    return TieOrderRange(float(base ** (-highest * DAYS_PER_YEAR)), float(base ** (-lowest * DAYS_PER_YEAR)),
                         exact, total, fitted)
