"""Schema validation at every hand-off, with errors a user can act on (which table, row, column, rule)."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa


class DataValidationError(ValueError):
    """A table failed its schema. ``failure_cases`` holds every failure (column, check, value, row)."""

    def __init__(self, message: str, failure_cases: pd.DataFrame):
        super().__init__(message)
        self.failure_cases = failure_cases


def validate(model: type[pa.DataFrameModel], df: pd.DataFrame, where: str, max_listed: int = 20) -> pd.DataFrame:
    """Validate ``df`` against ``model`` (all failures collected) and return the coerced frame.

    ``where`` names the table for the message, e.g. "prices of data/snapshots/futuretech-2025-07/prices.csv".
    Row numbers in the message are 1-based data rows (the header is not counted).
    """
    try:
        return model.validate(df, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases.copy()
        lines = []
        for case in cases.head(max_listed).itertuples(index=False):
            index = getattr(case, "index", None)
            row = f"row {int(index) + 1}" if index is not None and pd.notna(index) else "table"
            column = getattr(case, "column", None) or "-"
            lines.append(f"  {row}, column {column!s}: rule {case.check!s} failed for value {case.failure_case!r}")
        more = f"\n  ... and {len(cases) - max_listed} more" if len(cases) > max_listed else ""
        message = f"{where}: {len(cases)} schema violation(s) ({model.__name__}):\n" + "\n".join(lines) + more
        raise DataValidationError(message, cases.astype(str)) from None
