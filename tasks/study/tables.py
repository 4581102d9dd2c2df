"""The trends table of a run: validated against its schema, and every method, quantity, estimator and interval method
a known one (the vocabulary's or a registered method's)."""

from __future__ import annotations

import pandas as pd

from schemas.analysis import TREND_COLUMNS, Trends
from schemas.validation import validate
from tasks.methods import all_method_names, ci_methods, estimators, quantities


def finalise_trends(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The trends table: validated (schema), every method a registered one, every quantity a known one."""
    frames = [f for f in frames if not f.empty]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=TREND_COLUMNS)
    frame = frame.reindex(columns=TREND_COLUMNS)
    frame = frame.sort_values(["trend_id", "estimator", "ci_method"], kind="mergesort").reset_index(drop=True)
    frame = validate(Trends, frame, "trends table")
    for column, known in (("method", all_method_names()), ("quantity", quantities()), ("estimator", estimators()),
                          ("ci_method", ci_methods())):
        unknown = sorted(set(frame[column].dropna()) - set(known))
        if unknown:
            raise ValueError(f"trends table, column {column}: {', '.join(unknown)} not registered "
                             f"(known: {', '.join(known)})")
    return frame

