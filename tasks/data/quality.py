"""The quality-data window: which releases a snapshot's quality measure covers.

A benchmark stops being run on new models (Artificial Analysis retired MMLU-Pro in early 2026: on ``aa-2026-07``,
84 of 89 models released in 2025Q4 have a score, 1 of 73 in 2026Q1, 0 of 85 in 2026Q2). A trend at constant
MMLU-Pro then ends where the scores end, however late the prices were observed: its window is the release dates of
the scored models, and "stalled" is measured from the last scored release, not from the price date.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class QualityWindow:
    """The release dates of the models scored on one quality measure: first, last, and how many models."""

    measure: str
    start: pd.Timestamp
    end: pd.Timestamp
    models: int

    def months_before(self, date) -> float:
        """Months from the last scored release to ``date`` (0 when it is later)."""
        return max(0.0, round((pd.Timestamp(date) - self.end).days / (365.25 / 12), 1))

    def text(self) -> str:
        """``models released 2024-04-23 to 2026-01-04``."""
        return f"models released {self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}"


def quality_window(analysis: pd.DataFrame, measure: str | None) -> QualityWindow | None:
    """The window of ``measure`` (a benchmark: the analysis table's ``score_<measure>``) on this analysis table; None
    when the measure has no score or no dated release."""
    column = f"score_{measure}"
    if not measure or column not in analysis or "release_date" not in analysis:
        return None
    scored = analysis.loc[analysis[column].notna(), ["model_id", "release_date"]].drop_duplicates("model_id")
    dates = pd.to_datetime(scored["release_date"]).dropna()
    if dates.empty:
        return None
    return QualityWindow(measure, dates.min(), dates.max(), int(scored["model_id"].nunique()))


# a window that ends more than this many months before the prices were observed: the answer says so
WINDOW_LAG_WARNING_MONTHS = 3
