"""The slope kernels: ordinary least squares of y on x, one fit per row of a weight matrix (replicates x points),
in a few numpy operations instead of a Python loop. Every resampling check (tie orders, bootstrap, permutation
null, leave-one-out; record-low and Pareto frontiers alike) fits through these two:

- ``weighted_slopes``: y ~ 1 + x, closed form from the weighted sums. A weight k counts the point k times (a
  bootstrap draw), 0 leaves it out (a mask);
- ``weighted_coefficient``: the coefficient of x in y ~ 1 + x + controls, from the normal equations (the Pareto
  frontier's trend may control for the score).

Both give NaN, never an error, where the slope is not identified: fewer distinct points than the minimum, or all
the remaining points on one x (a singular design).
"""

from __future__ import annotations

import numpy as np

MAX_CONDITION = 1e12  # a replicate's normal matrix worse conditioned than this has no identified slope


def distinct_points(weights: np.ndarray) -> np.ndarray:
    """Points with a positive weight, per row."""
    return (np.asarray(weights) > 0).sum(axis=1)


def weighted_slopes(x: np.ndarray, y: np.ndarray, weights: np.ndarray, min_points: int,
                    distinct: np.ndarray | None = None) -> np.ndarray:
    """OLS slope of ``y`` on ``x`` per row of ``weights`` (closed form, vectorised); NaN where fewer than
    ``min_points`` distinct points (``distinct``, by default those with a positive weight) or no spread in x.

    Keep the formulation: the published outputs are byte-identical only with these sums in this order."""
    w = weights.astype(float)
    n = w.sum(axis=1)
    sx, sy = w @ x, w @ y
    sxx, sxy = w @ (x * x), w @ (x * y)
    denominator = n * sxx - sx * sx
    with np.errstate(invalid="ignore", divide="ignore"):
        slopes = (n * sxy - sx * sy) / denominator
    spread = denominator > 1e-9 * np.maximum(1.0, n * sxx)
    if distinct is None:
        distinct = distinct_points(weights)
    return np.where((distinct >= min_points) & spread, slopes, np.nan)


def weighted_coefficient(x: np.ndarray, y: np.ndarray, controls: np.ndarray, weights: np.ndarray,
                         min_points: int) -> np.ndarray:
    """OLS coefficient of ``x`` in y ~ 1 + x + controls, per row of ``weights`` (replicates x points; a weight k =
    the point k times). ``x``: one row of x values shared by every replicate, or one row per replicate (permuted
    dates). NaN where fewer than max(min_points, k + 1) distinct points remain or the design is singular."""
    weights = np.asarray(weights, dtype=float)
    replicates, n = weights.shape
    x = np.broadcast_to(np.asarray(x, dtype=float), (replicates, n))
    controls = np.asarray(controls, dtype=float).reshape(n, -1)
    columns = [np.ones((replicates, n)), x - x.mean(axis=1, keepdims=True)]
    columns += [np.broadcast_to(c - c.mean(), (replicates, n)) for c in controls.T]
    design = np.stack(columns, axis=2)
    k = design.shape[2]
    normal = np.einsum("rn,rni,rnj->rij", weights, design, design)
    right = np.einsum("rn,rni,n->ri", weights, design, np.asarray(y, dtype=float))
    out = np.full(replicates, np.nan)
    ok = distinct_points(weights) >= max(min_points, k + 1)
    if ok.any():
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            condition = np.linalg.cond(normal[ok])
        good = np.isfinite(condition) & (condition < MAX_CONDITION)
        rows = np.flatnonzero(ok)[good]
        if len(rows):
            out[rows] = np.linalg.solve(normal[rows], right[rows][..., None])[:, 1, 0]
    return out
