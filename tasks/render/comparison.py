"""The report's methods comparison: which estimates it sets side by side, each method's label and what it measures.

Published reference figures (shown beside ours): FutureTech 2025, 7-28x per year (frontier) and 3-4x (hedonic);
Epoch AI 2025, 9-900x, median 46x (cheapest model above a threshold); a16z 2024, 10x (monthly cheapest above an
MMLU threshold); training-side algorithmic progress, about 3x per year (Ho et al. 2024), for scale.
"""

from __future__ import annotations

import pandas as pd


METHOD_LABELS = {"frontier": "Record-low frontier by band (FutureTech)", "hedonic": "Hedonic regression (FutureTech)",
                 "threshold": "Cheapest above a threshold (Epoch AI)",
                 "monthly_cheapest": "Monthly cheapest above a threshold (a16z)"}
REFERENCE_TEXT = {
    "frontier": "FutureTech 2025 published 7-28x per year across bands (geometric mean 11.8x)",
    "hedonic": "FutureTech 2025 published about 3-4x per year (output and blended prices)",
    "threshold": "Epoch AI 2025 published 9-900x per year across thresholds, median 46x",
    "monthly_cheapest": "a16z 2024 published about 10x per year (MMLU 42 and 83)",
}
WHAT = {
    "frontier": "the price of the cheapest model inside a two-sided quality band, following the models that set a "
                "new record low. The band keeps quality roughly constant, but only the record-setting models are "
                "fitted: the method selects on the outcome",
    "hedonic": "the price trend of all models in a quality range after controlling for quality in a regression: "
               "every model counts, not only the cheapest, so it measures how the typical price at given quality "
               "moves",
    "threshold": "the price of the cheapest model at or above the level of a past top model, following the models "
                 "that were strictly cheaper than every earlier one. One-sided thresholds let quality rise inside "
                 "the range, and the record selection applies here too",
    "monthly_cheapest": "the cheapest model at or above a fixed score, month by month: a step function of a few "
                        "record-setting models, fitted as if each month were a new observation",
}


def methods_selection(trends: pd.DataFrame) -> pd.DataFrame:
    """One estimate per main trend for the comparison: the headline price (blended, or the mean of input and
    output), each preset's main price source (not the FutureTech preset's AA-headline comparison), no sensitivity
    variant, OLS rows; hedonic with the quality control only."""
    rows = trends[trends["variant"].isna() & (trends["estimator"] == "ols") & (trends["ci_method"] == "ols")
                  & (trends["quantity"] == "price") & trends["price_type"].isin(["blended", "mean_in_out"])
                  & trends["method"].isin(list(METHOD_LABELS))]
    rows = rows[(rows["method"] != "hedonic") | (rows["controls"] == rows["quality_measure"])]
    # the FutureTech preset's AA-headline fits are its comparison price; other presets may have only that price
    comparison = rows["method"].isin(["frontier", "hedonic"]) & (rows["price_source"] == "aa_headline")
    return rows[~comparison]
