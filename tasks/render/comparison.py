"""The report's methods comparison: every method's estimates side by side, and what each one measures and how far
to trust it: a fixed description of each method's mechanics, and its results (ranges, interval widths, points,
tests against selection) filled in from the run's numbers.

Published reference figures (shown beside ours): FutureTech 2025, 7-28x per year (frontier) and 3-4x (hedonic);
Epoch AI 2025, 9-900x, median 46x (cheapest model above a threshold); a16z 2024, 10x (monthly cheapest above an
MMLU threshold); training-side algorithmic progress, about 3x per year (Ho et al. 2024), for scale.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.core.vocabulary import fmt_factor
from tasks.render.markup import md_code, md_escape

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




def _range(values: pd.Series) -> str:
    values = values.dropna()
    if values.empty:
        return "no estimate"
    if len(values) == 1:
        return f"{fmt_factor(values.iloc[0])}x"
    return f"{fmt_factor(values.min())}-{fmt_factor(values.max())}x (median {fmt_factor(values.median())}x)"


def method_paragraph(method: str, rows: pd.DataFrame, all_rows: pd.DataFrame) -> str:
    """What the method measures, what it gives on each snapshot, and how far to trust it: from the numbers."""
    ok = rows[rows["status"] == "ok"]
    per_snapshot = "; ".join(
        f"on {md_code(snap)} {_range(part['factor_per_year'])} over {len(part)} estimate(s)"
        + (f" ({int((rows[(rows['snapshot'] == snap)]['status'] != 'ok').sum())} more without an estimate)"
           if (rows[(rows["snapshot"] == snap)]["status"] != "ok").any() else "")
        for snap, part in ok.groupby("snapshot", sort=True)) or "no estimate on any snapshot"
    sentences = [f"**{method}** measures {WHAT[method]}. Here: {per_snapshot}. {REFERENCE_TEXT[method]}."]
    widths = np.log10(ok["ci_high"].astype(float) / ok["ci_low"].astype(float)).dropna()
    if len(widths):
        levels = sorted({f"{float(v):.0%}" for v in ok["ci_level"].dropna()})
        sentences.append(f"Its {'/'.join(levels)} intervals span a median of {np.median(widths):.1f} orders of "
                         "magnitude.")
    if method in ("frontier", "threshold", "monthly_cheapest"):
        nulls = all_rows[(all_rows["method"] == method) & all_rows["null_p_value"].notna()
                         & all_rows["trend_id"].isin(ok["trend_id"])].drop_duplicates("trend_id")
        if len(nulls):
            weak = int((nulls["null_p_value"].astype(float) >= 0.10).sum())
            sentences.append(f"{weak} of {len(nulls)} tested estimates are not distinguishable, at the 10% level, "
                             "from what selecting record lows produces with no trend at all (permutation null).")
        n = ok["n"].astype(float)
        caveat = {
            "frontier": "record selection makes their OLS intervals too narrow (see each trend's simulated "
                        "coverage in the uncertainty tables), so read them as descriptive",
            "threshold": "the record selection is the frontier's (strictly cheaper instead of at most as cheap), so "
                         "its OLS intervals are too narrow in the same way",
            "monthly_cheapest": "the monthly minimum is a running record too, and months are not independent",
        }[method]
        if len(n):
            sentences.append(f"Fits rest on {int(n.min())}-{int(n.max())} points (median {int(n.median())}); "
                             f"{caveat}.")
    if method == "hedonic":
        sentences.append("No selection on the outcome: its OLS and HC3 intervals cover at about their nominal "
                         "rate in the test suite's simulation. Models of one lab move together, and with fewer than "
                         "10 creators no cluster-robust interval is reliable: read the leave-one-creator-out range "
                         "beside it. The quality control is one benchmark.")
    if method == "monthly_cheapest" and len(ok):
        sentences.append("Consecutive months repeat the same cheapest model, so its n overstates the evidence; "
                         "a16z's own price table is not published, so it is not checked against their data.")
    hardware = ok["hardware_adjusted_factor"].dropna().astype(float)
    if len(hardware):
        sentences.append(f"Net of hardware price-performance, the estimates become {_range(hardware)}.")
    return " ".join(sentences)


def methods_section(trends: pd.DataFrame, selection: pd.DataFrame, figures: dict,
                    hardware: tuple[float | None, str] = (None, "")) -> list[str]:
    """The report's "Methods side by side" section (``selection``: the rows the comparison figure shows)."""
    if selection["method"].nunique() < 2:
        return []
    out = ["# Methods side by side", "",
           "Published answers to \"how fast does inference get cheaper\" range from about 3x to 900x per year, "
           "mostly because of method choices. Every preset of this run on every snapshot it can use (where a "
           "snapshot lacks the benchmark a method needs, its trends are skipped with a note).", ""]
    if "figures/methods/methods.png" in figures:
        out += ["![Figure: every method's estimates with their intervals, and the published figures]"
                "(figures/methods/methods.png)", "",
                "*Figure: every method's estimates with their intervals, and the published figures (also as "
                "[SVG](figures/methods/methods.svg))*", ""]
    factor, source = hardware
    if factor:
        out += [f"Hardware adjustment: price trends are also divided by {factor:g}x per year of hardware "
                f"price-performance ({md_escape(source)}); the column `hardware_adjusted_factor` of trends.csv holds the result.",
                ""]
    for method in ("frontier", "hedonic", "threshold", "monthly_cheapest"):
        rows = selection[selection["method"] == method]
        if rows.empty:
            continue
        out += [method_paragraph(method, rows, trends), ""]
    return out


def breaks_section(breaks: pd.DataFrame) -> list[str]:
    """Structural breaks: every trend long enough to test, and the verdict."""
    if breaks is None or breaks.empty:
        return []
    tested = breaks[breaks["status"] == "tested"]
    out = ["# Structural breaks", "",
           "Is one kinked line better than a straight one? For every single-regressor trend with at least 5 points "
           "on each side of some candidate date, the largest Chow F over all candidate dates (sup-F). Its p-value "
           "comes from simulations under \"no break\" that redraw the trend's candidates around one straight line, "
           "reselect their record lows and redo the search, so neither searching many dates nor selecting record "
           "lows manufactures a break. Monthly-cheapest series are reduced to their distinct cheapest models first. "
           f"{len(tested)} of {len(breaks)} trends have enough points to test; the rest are listed in `breaks.csv`.",
           ""]
    if tested.empty:
        return out + ["No trend of this run is long enough to test for a break.", ""]
    rows = []
    for r in tested.sort_values(["p_value", "trend_id"]).itertuples():
        rows.append(f"| {md_code(r.trend_id)} | {r.n} | {r.candidates} | {r.break_date} | {r.sup_f:.2f} | {r.p_value:.3f} "
                    f"| {'yes' if r.supported else 'no'} | {fmt_factor(r.factor_before)} (n={int(r.n_before)}) | "
                    f"{fmt_factor(r.factor_after)} (n={int(r.n_after)}) |")
    return out + ["| trend | n | candidates | best break | sup-F | p | supported | x / year before | after |",
                  "| --- | ---: | ---: | --- | ---: | ---: | --- | ---: | ---: |", *rows, ""]
