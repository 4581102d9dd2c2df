"""The structural-break test of a run's trends (``breaks.csv``): which trends are tested, on which points, and the
rows that say what the test found. The test itself (sup-F, its p-value from the record selection under "no break")
is ``tasks.core.breaks``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandera.typing import DataFrame

from schemas.analysis import Points, Trends
from tasks.core.breaks import factor, selected_break, sup_f_break

BREAK_COLUMNS = ["trend_id", "snapshot", "preset", "method", "n", "candidates", "status", "break_date", "sup_f",
                 "p_value", "supported", "factor_before", "n_before", "factor_after", "n_after", "note", "weak"]
# a supported break is weak when its p-value is above this, or a side holds no more than the minimum segment
STRONG_P = 0.05


def structural_breaks(trends: DataFrame[Trends], points: DataFrame[Points], min_segment: int, simulations: int,
                      alpha: float, seed: int) -> pd.DataFrame:
    """One row per single-regressor trend with an estimate (frontier, threshold, monthly cheapest)."""
    main = trends[(trends["ci_method"] == "ols") & (trends["status"] == "ok")
                  & trends["method"].isin(["frontier", "threshold", "monthly_cheapest"])]
    main = main.drop_duplicates("trend_id")
    rows = []
    tested: dict[tuple, str] = {}  # the points of each series tested so far -> its trend
    for index, row in enumerate(main.itertuples()):
        base = str(row.log_base) if pd.notna(row.log_base) else "10"
        every = points[points["trend_id"] == row.trend_id].sort_values(["release_date", "model_id"],
                                                                       kind="mergesort")
        if row.method == "monthly_cheapest":
            # months repeat the same model: the evidence is the distinct cheapest models, each at its first month
            every = every[every["model_id"].ne(every["model_id"].shift())].assign(in_fit=True)
        every = every.reset_index(drop=True)
        x_all = ((pd.to_datetime(every["release_date"]) - pd.Timestamp("1970-01-01")).dt.days).to_numpy(float)
        values = every["value"].to_numpy(dtype=float)
        y_all = np.log10(values) if base == "10" else np.log(values)
        in_fit = np.flatnonzero(every["in_fit"].astype(bool).to_numpy())
        fit = every.iloc[in_fit]
        dates = pd.to_datetime(fit["release_date"]).reset_index(drop=True)
        x = x_all[in_fit]
        key = (row.method, tuple(x_all), tuple(np.round(y_all, 12)), tuple(in_fit))
        if key in tested:  # the same series (a variant that selected the same points): tested once, there
            rows.append({"trend_id": row.trend_id, "snapshot": row.snapshot, "preset": row.preset,
                         "method": row.method, "n": len(x), "candidates": None, "status": "same_series",
                         "note": f"the same points as {tested[key]}: tested once, there"})
            continue
        tested[key] = row.trend_id
        if row.method == "monthly_cheapest":  # candidates unknown here: the records' own residuals (descriptive)
            result = sup_f_break(x, y_all[in_fit], min_segment, simulations, seed + index)
        else:
            result = selected_break(x_all, y_all, in_fit, min_segment, simulations, seed + index)
        record = {"trend_id": row.trend_id, "snapshot": row.snapshot, "preset": row.preset, "method": row.method,
                  "n": len(x), "candidates": result.candidates, "status": result.status}
        if result.status == "tested":
            supported = result.p_value < alpha
            smaller = min(result.break_index, len(x) - result.break_index)
            weak = bool(supported and (result.p_value >= STRONG_P or smaller <= min_segment))
            why_weak = (f"; weak: p = {result.p_value:.3f} is not below {STRONG_P:g}" if result.p_value >= STRONG_P
                        else "") + (f"; weak: {smaller} points on one side, the minimum the test allows"
                                    if smaller <= min_segment else "") if weak else ""
            record.update(break_date=dates.iloc[result.break_index].date(), sup_f=result.sup_f,
                          p_value=result.p_value, supported=supported, weak=weak if supported else None,
                          factor_before=factor(result.slope_before, base), n_before=result.break_index,
                          factor_after=factor(result.slope_after, base), n_after=len(x) - result.break_index,
                          note=(f"a break at {dates.iloc[result.break_index].date()} is supported (p = "
                                f"{result.p_value:.3f} < {alpha:g}, corrected for the search over "
                                f"{result.candidates} candidate dates and for the record selection){why_weak}")
                          if supported else f"no break supported (best candidate p = {result.p_value:.3f})")
        else:
            record.update(note=f"{len(x)} points: a break needs at least {min_segment} on each side"
                          + (" (distinct cheapest models of the monthly series)" if row.method == "monthly_cheapest"
                             else ""))
        rows.append(record)
    return pd.DataFrame(rows, columns=BREAK_COLUMNS)


def breaks_table(trends: DataFrame[Trends], points: DataFrame[Points], settings: dict[str, dict]) -> pd.DataFrame:
    """Every preset's break tests (``settings``: per preset name, its ``[breaks]`` section)."""
    frames = []
    for preset, options in sorted(settings.items()):
        frames.append(structural_breaks(trends[trends["preset"] == preset], points, options["min_segment"],
                                        options["simulations"], options["alpha"], options["seed"]))
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=BREAK_COLUMNS)
