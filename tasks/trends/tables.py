"""The run's output tables: points validated and sorted, ``trends.csv`` and ``points.csv`` text.

The trends table itself is finalised in ``tasks.study.tables`` (it checks every method against the registry).
"""

from __future__ import annotations

import pandas as pd

from schemas.analysis import POINT_COLUMNS, Points
from schemas.validation import validate
from tasks.files.tables import csv_text

FLOAT_DIGITS = 10


def finalise_points(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=POINT_COLUMNS)
    frame = frame.reindex(columns=POINT_COLUMNS)
    frame = frame.sort_values(["trend_id", "release_date", "model_id"], kind="mergesort").reset_index(drop=True)
    return validate(Points, frame, "points table")


def trends_csv(frame: pd.DataFrame) -> str:
    """``trends.csv`` text: floats with 10 significant digits, ISO dates, ``true``/``false``, empty = n/a."""
    return csv_text(frame, float_digits=FLOAT_DIGITS)


def points_csv(frame: pd.DataFrame) -> str:
    return csv_text(frame, float_digits=FLOAT_DIGITS)

