"""The cost-score Pareto frontier over time, and how much a trend fitted on it owes to the selection.

A point (date, score, cost) is *on the frontier* when no point dated on or before it has a score at least as high
and a cost at least as low, one of the two strictly (the MIT FutureTech 2026 rule). Equal points (same score and
cost) do not dominate each other, so both stay; a point is judged against the points available at its own date, so a
later, better point does not remove it. The rule compares every pair of points at once: the result never depends on
the order of the input, same-day points included.

Keeping only frontier points selects on the outcome, like the record-low frontier (``tasks/core/uncertainty.py``),
so a trend fitted on them gets the same checks, vectorised over replicates (replicates x points matrices):

- **bootstrap that redoes the selection**: models (clusters of their points: a model's price cuts are not
  independent) are resampled with replacement; in each resample the frontier is selected again (a model drawn k
  times counts k times: equal points stay together) and refitted. Percentile interval;
- **permutation null**: dates shuffled among the points, the frontier reselected and refitted: what the rule
  reports when there is no trend at all;
- **leave-one-out**: each model (all its points) left out in turn, the frontier reselected and refitted.

The regression is OLS of y on a constant, the day and control columns (``tasks.core.slopes.weighted_coefficient``:
weights are counts). A replicate with fewer distinct points than the minimum (or more coefficients than points), or
a singular design, gives no slope (NaN) and is counted as unusable.
"""

from __future__ import annotations

import numpy as np

from tasks.core.slopes import weighted_coefficient
from tasks.core.stopping import check as check_stop
from tasks.core.uncertainty import block_rows, draw_counts

def clipped_logit(score, clip: tuple[float, float] = (0.005, 0.995)) -> np.ndarray:
    """logit(score) with the score (a fraction) clipped to ``clip`` first: 0 -> logit(0.005), 1 -> logit(0.995)."""
    p = np.clip(np.asarray(score, dtype=float), clip[0], clip[1])
    return np.log(p / (1 - p))


def dominance(scores, costs) -> np.ndarray:
    """[i, j]: point j dominates point i (score at least as high, cost at least as low, one of them strictly)."""
    score = np.asarray(scores, dtype=float)
    cost = np.asarray(costs, dtype=float)
    at_least = (score[None, :] >= score[:, None]) & (cost[None, :] <= cost[:, None])
    strictly = (score[None, :] > score[:, None]) | (cost[None, :] < cost[:, None])
    return at_least & strictly


def dated_dominance(days, scores, costs) -> np.ndarray:
    """[i, j]: point j is dated on or before point i and dominates it."""
    day = np.asarray(days, dtype=float)
    return (day[None, :] <= day[:, None]) & dominance(scores, costs)


def pareto_flags(days, scores, costs) -> np.ndarray:
    """True for each point that no point dated on or before it dominates."""
    return ~dated_dominance(days, scores, costs).any(axis=1)


def kept_under(dated: np.ndarray, included: np.ndarray) -> np.ndarray:
    """Frontier flags per row of ``included`` (replicates x points): included, and dominated by no included point
    dated on or before it (``dated``: ``dated_dominance``)."""
    dominated = included.astype(np.float64) @ dated.T.astype(np.float64)
    return included & (dominated == 0)


def bootstrap_slopes(days, scores, costs, y, controls, groups, resamples: int, seed: int, min_points: int,
                     select: bool = True) -> np.ndarray:
    """Slopes of ``resamples`` cluster-bootstrap replicates (``groups``: each point's model, 0 .. G-1), the frontier
    reselected in each (``select``)."""
    groups = np.asarray(groups, dtype=int)
    size = int(groups.max()) + 1 if len(groups) else 0
    dated = dated_dominance(days, scores, costs)
    rng = np.random.default_rng(seed)
    out = []
    step = block_rows(max(len(groups), size))
    for start in range(0, resamples, step):
        check_stop()  # a stop request takes effect between blocks (tasks/core/stopping.py)
        counts = draw_counts(rng, min(step, resamples - start), size)[:, groups]
        kept = kept_under(dated, counts > 0) if select else counts > 0
        out.append(weighted_coefficient(days, y, controls, counts * kept, min_points))
    return np.concatenate(out) if out else np.empty(0)


def permutation_slopes(days, scores, costs, y, controls, permutations: int, seed: int, min_points: int,
                       select: bool = True) -> np.ndarray:
    """Slopes after shuffling the dates among the points, the frontier reselected under the shuffled dates."""
    days = np.asarray(days, dtype=float)
    n = len(days)
    beats = dominance(scores, costs)
    rng = np.random.default_rng(seed)
    out = []
    step = max(1, block_rows(n * n) if n else 1)
    for start in range(0, permutations, step):
        check_stop()
        size = min(step, permutations - start)
        shuffled = days[np.argsort(rng.random((size, n)), axis=1)]  # shuffled[r, i]: the date point i gets
        if select:
            earlier = shuffled[:, None, :] <= shuffled[:, :, None]
            kept = ~(earlier & beats[None]).any(axis=2)
        else:
            kept = np.ones((size, n), dtype=bool)
        out.append(weighted_coefficient(shuffled, y, controls, kept, min_points))
    return np.concatenate(out) if out else np.empty(0)


def leave_one_out_slopes(days, scores, costs, y, controls, groups, min_points: int,
                         select: bool = True) -> np.ndarray:
    """Slopes with each group (model) left out in turn, the frontier reselected (``select``); one per group."""
    groups = np.asarray(groups, dtype=int)
    size = int(groups.max()) + 1 if len(groups) else 0
    included = groups[None, :] != np.arange(size)[:, None]
    kept = kept_under(dated_dominance(days, scores, costs), included) if select else included
    return weighted_coefficient(days, y, controls, kept, min_points) if size else np.empty(0)
