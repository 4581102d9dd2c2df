"""The value a trend follows, per model: a price, a parameter count, or a price per parameter.

Units: prices in USD per million tokens; parameters in billions; price per parameter in USD per million tokens per
billion parameters. A model with several observations of the chosen price source (a price history) contributes
its latest observation here; methods that use every observation (Epoch's) select their own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PRICE_QUANTITIES = {"price", "price_per_active_param", "price_per_total_param"}
PARAM_COLUMN = {
    "active_params": "active_params_b",
    "total_params": "total_params_b",
    "price_per_active_param": "active_params_b",
    "price_per_total_param": "total_params_b",
}
UNITS = {
    "price": "USD per 1M tokens",
    "active_params": "billion active parameters",
    "total_params": "billion parameters",
    "price_per_active_param": "USD per 1M tokens per billion active parameters",
    "price_per_total_param": "USD per 1M tokens per billion parameters",
}


# Values are compared at 12 significant digits wherever a tie decides something (a record low "at most every earlier
# price", the cheapest of a month): the lowest price across providers is computed ((3 x input + output) / 4, a
# minimum over providers), so $0.15 can come out as 0.15000000000000002 for one model and 0.15 for another; at 12
# significant digits (a relative 1e-12, far below any source's precision) they are the same price.
SIGNIFICANT_DIGITS = 12


def at_precision(values) -> np.ndarray:
    """``values`` rounded to ``SIGNIFICANT_DIGITS`` significant digits (NaN stays NaN)."""
    values = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        magnitude = np.where(values != 0, np.floor(np.log10(np.abs(values))), 0)
    scale = 10.0 ** (SIGNIFICANT_DIGITS - 1 - magnitude)
    return np.where(np.isfinite(values) & (values != 0), np.round(values * scale) / scale, values)


def price_column(price_type: str) -> str:
    return f"{price_type}_usd_per_mtok"


def model_values(analysis: pd.DataFrame, quantity: str, subset: str, price_type: str | None = None,
                 price_source: str | None = None) -> pd.DataFrame:
    """One row per model with a usable value: model_id, name, release_date, value, and every score column."""
    frame = analysis
    if subset == "open":
        frame = frame[frame["open_weights"].fillna(False).astype(bool)]
    if quantity in PRICE_QUANTITIES:
        frame = frame[frame["price_source"] == price_source]
        frame = frame.sort_values(["model_id", "observed_on"], kind="mergesort").drop_duplicates("model_id", keep="last")
        value = frame[price_column(price_type)]
        if quantity != "price":
            value = value / frame[PARAM_COLUMN[quantity]]
    elif quantity in PARAM_COLUMN:
        frame = frame.drop_duplicates("model_id", keep="first")
        value = frame[PARAM_COLUMN[quantity]]
    else:
        raise ValueError(f"unknown quantity {quantity!r}")
    frame = frame.assign(value=at_precision(value.astype(float)))
    frame = frame[frame["value"].notna() & (frame["value"] > 0)]
    return frame.reset_index(drop=True)
