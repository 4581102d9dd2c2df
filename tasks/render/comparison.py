"""The report's methods comparison: which estimates it sets side by side. What each method measures, its label and
the published figure it is set beside come from the method itself (``tasks.methods``: ``Method.label``, ``what``,
``reference``, ``compare``).
"""

from __future__ import annotations

import pandas as pd
from pandera.typing import DataFrame

from schemas.analysis import Trends
from tasks.methods import METHODS
from tasks.trends.method import Method


def compared_methods() -> list[Method]:
    """The methods the comparison shows, in the registry's order."""
    return [m for m in METHODS if m.compare is not None]


def methods_selection(trends: DataFrame[Trends]) -> pd.DataFrame:
    """One estimate per main trend for the comparison: the headline price (blended, or the mean of input and
    output), no sensitivity variant, OLS rows (or a method's own estimator and interval), and of those the rows each method's ``compare`` keeps (each preset's
    main price source, the quality control only, ...)."""
    rows = trends[trends["variant"].isna() & (trends["quantity"] == "price")
                  & trends["price_type"].isin(["blended", "mean_in_out"])]
    keep = pd.Series(False, index=rows.index)
    for method in compared_methods():  # OLS, or the method's own estimator and interval (it declares them)
        keep |= ((rows["method"] == method.name) & rows["estimator"].isin({"ols", *method.estimators})
                 & rows["ci_method"].isin({"ols", *method.ci_methods}) & method.compare(rows))
    return rows[keep]
