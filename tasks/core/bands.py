"""Exact band and threshold membership.

Scores are fractions inside the pipeline; bands are written in percent (30, 50) for fraction benchmarks and in
points for Elo or index scores. Floating point must not decide which side of an edge a model lands on
(0.5 * 100 and 70 * 0.01 are not exact), so both sides are converted to integer hundredths of a band unit (basis
points for percentages) before comparing. Scores are therefore compared at a precision of 0.01 percentage points.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from tasks.core.vocabulary import BENCHMARK_UNITS

Edges = Literal["closed", "half_open"]


def band_units(scores: pd.Series, benchmark: str) -> pd.Series:
    """Scores in the unit bands are written in: percent for fraction benchmarks, as is otherwise."""
    factor = 100.0 if BENCHMARK_UNITS.get(benchmark, "fraction") == "fraction" else 1.0
    return scores.astype(float) * factor


def _hundredths(values: pd.Series | float) -> pd.Series | int:
    if isinstance(values, pd.Series):
        return pd.Series(np.rint(values.to_numpy(dtype=float) * 100), index=values.index)
    return int(round(float(values) * 100))


def in_band(scores: pd.Series, benchmark: str, low: float | None, high: float | None,
            edges: Edges = "closed") -> pd.Series:
    """Boolean mask: ``low <= score <= high`` (closed) or ``low <= score < high`` (half_open); missing -> False.

    ``low``/``high`` are in band units; ``None`` means unbounded on that side.
    """
    scaled = _hundredths(band_units(scores, benchmark))
    mask = scores.notna()
    if low is not None:
        mask &= scaled >= _hundredths(low)
    if high is not None:
        mask &= (scaled <= _hundredths(high)) if edges == "closed" else (scaled < _hundredths(high))
    return mask.fillna(False).astype(bool)
