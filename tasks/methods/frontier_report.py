"""The frontier's parts of the report's details on one snapshot (``tasks.methods.frontier``'s
``Method.section``): the record-low table per band with its checks against selection and its figures, and, after
every method's first table, what is causing the trend (parameters and price per parameter).
"""

from __future__ import annotations

import pandas as pd

from tasks.core.stats import geometric_mean

from tasks.core.vocabulary import PRICE_SOURCES, PRICE_TYPES, QUANTITIES, fmt_interval, label
from tasks.reporting.document import Document
from tasks.reporting.format import (ReportInputs, SimulatedCoverage, factor_text, flags, fmt_band, fmt_int,
                                    fmt_months, fmt_p, interval_text, is_estimated, label_subset, main_rows,
                                    measure_text, own_coverage, select)
from tasks.reporting.figures import band_label
from tasks.reporting.markup import md_code
from tasks.trends.geomean import averaged_bands
from tasks.trends.method import AnswerRow, RowGroup


def frontier_details(doc: Document, inputs: ReportInputs, snapshot: str) -> None:
    trends = inputs.trends[inputs.trends["snapshot"] == snapshot]
    main = main_rows(trends)
    price = select(main, method="frontier", quantity="price", variant=None)
    if price.empty or (price["status"] == "skipped").all():
        return
    doc.heading(f"Record-low frontier by quality band: {md_code(snapshot)}", 3)
    doc.text("In each MMLU-Pro band, the models that set a new record-low price (at most the lowest price of every "
             "model before them; same-day releases cheapest first; one model per set of weights), regressed (log10) "
             "on release date; beside it the typical model of the band (OLS over every model of the band, with its score as a control: "
             "the band's mean score drifts) and the checks against selection.")
    boot = trends[trends["ci_method"] == "bootstrap"].set_index("trend_id")
    typical = select(main, method="frontier", variant="typical")
    no_reasoning = select(main, method="frontier", variant="no_reasoning")
    rows = []
    price = price.assign(_s=price["price_source"].map({s: i for i, s in enumerate(PRICE_SOURCES)}).fillna(9),
                         _t=price["price_type"].map({t: i for i, t in enumerate(PRICE_TYPES)}).fillna(9))
    for _, row in price.sort_values(["_s", "_t", "subset", "band_low"], ascending=[True, True, False, True]).iterrows():
        b = boot.loc[row["trend_id"]] if row["trend_id"] in boot.index else None
        keys = dict(subset=row["subset"], price_source=row["price_source"], price_type=row["price_type"],
                    band_low=row["band_low"])
        twin = select(typical, **keys)
        nr = select(no_reasoning, **keys)
        simulated = own_coverage(inputs, row)
        null_valid, null_total = inputs.diag(row["trend_id"], "null_valid"), inputs.diag(row["trend_id"], "null_total")
        boot_valid = inputs.diag(row["trend_id"], "bootstrap_valid")
        rows.append([
            f"{row['price_source']} · {row['price_type']}", row["subset"], fmt_band(row), factor_text(row),
            interval_text(inputs, row),
            (fmt_interval(b["ci_low"], b["ci_high"]) + (f" ({fmt_int(boot_valid)} resamples)" if boot_valid else ""))
            if b is not None and is_estimated(row) else "-",
            f"{fmt_int(row['n'])} of {fmt_int(row['n_candidates'])}",
            factor_text(twin.iloc[0]) if len(twin) else "-",
            factor_text(nr.iloc[0]) if len(nr) else "-",
            (f"{fmt_p(row['null_p_value'])} ({fmt_int(null_valid)} of {fmt_int(null_total)})"
             if pd.notna(row["null_p_value"]) else "-"),
            fmt_interval(row["loo_min_factor"], row["loo_max_factor"]),
            fmt_interval(row["tie_order_min_factor"], row["tie_order_max_factor"]),
            simulated.text(),
            fmt_months(row["months_since_last"]) if pd.notna(row["months_since_last"]) else "-",
            flags(inputs, row)])
    doc.table(["price", "subset", "band (%)", "x / year", "90% CI (OLS)", "90% CI (bootstrap)", "records",
               "typical model", "no reasoning", "p (null; usable shuffles)", "leave-one-out", "any same-day order",
               "OLS coverage", "since last record", "flags"], rows, "lllrrrrrrrrrrrl")
    geo = select(main, method="frontier_geomean", quantity="price", variant=None)
    lines = [f"{row.subset}, {row.price_type}, {md_code(row.price_source)}: {factor_text(row._asdict())} "
             f"[{fmt_interval(row.ci_low, row.ci_high)}] ({fmt_int(row.n)} records over the bands)"
             for row in geo.sort_values(["price_source", "subset", "price_type"]).itertuples()]
    if lines:
        doc.text("Geometric mean across the bands (mean of the log slopes; bootstrap interval from joint resamples of "
                 "the bands, which share models):")
        doc.bullets(lines)
    for subset in ("open", "all"):
        doc.figure(inputs.figures, f"figures/{snapshot}/frontier_{subset}.png",
                   f"Figure: record-low blended price by MMLU-Pro band, {label_subset(subset)}")
    doc.figure(inputs.figures, f"figures/{snapshot}/null.png",
               "Figure: each band's observed factor against its permutation null (release dates shuffled)")


def decomposition_details(doc: Document, inputs: ReportInputs, snapshot: str) -> None:
    main = main_rows(inputs.trends[inputs.trends["snapshot"] == snapshot])
    parts = main[(main["method"] == "frontier") & (main["quantity"] != "price") & main["variant"].isna()
                 & (main["status"] != "skipped")]
    if parts.empty:
        return
    doc.heading(f"What is causing the trend: parameters and price per parameter ({md_code(snapshot)})", 3)
    doc.text("The same record-low method applied to the fewest parameters needed at each quality level and to the "
             "lowest blended price per parameter (open models). Each quantity selects its own record lows, so these "
             "factors need not multiply to the price factor; the common-sample rows below do.")
    order = {q: i for i, q in enumerate(QUANTITIES)}
    parts = parts.assign(_q=parts["quantity"].map(order))
    doc.table(["quantity", "price", "band (%)", "x / year", "90% interval", "n", "flags"],
              [[label(QUANTITIES, r["quantity"]), r["price_source"] or "-", fmt_band(r), factor_text(r),
                interval_text(inputs, r), fmt_int(r["n"]), flags(inputs, r)]
               for _, r in parts.sort_values(["_q", "price_source", "band_low"], na_position="first").iterrows()],
              "lllrrrl")
    common = select(main, variant="price_frontier_sample", subset="open")
    rows = []
    for (source, band), group in common.groupby(["price_source", "band_low"], sort=True):
        by = {r["quantity"]: r for _, r in group.iterrows()}
        price, active, per = (by.get(q) for q in ("price", "active_params", "price_per_active_param"))
        if price is None or not is_estimated(price) or active is None or per is None or not is_estimated(active):
            rows.append([source, fmt_band(group.iloc[0]), "-", "-", "-", "-", fmt_int(group.iloc[0]["n"])])
            continue
        share = active["slope_per_day"] / price["slope_per_day"] if price["slope_per_day"] else float("nan")
        rows.append([source, fmt_band(price), factor_text(price), factor_text(active), factor_text(per),
                     f"{share:.0%} / {1 - share:.0%}", fmt_int(price["n"])])
    if rows:
        doc.text("On each band's price-frontier models (those with a parameter count), log price = log active "
                 "parameters + log price per active parameter, so the slopes add up:")
        doc.table(["price", "band (%)", "price x / year", "active params x / year", "price per active param",
                   "shares: params / price per param", "n"], rows, "llrrrrr")
    doc.figure(inputs.figures, f"figures/{snapshot}/active_params.png",
               "Figure: fewest active parameters per MMLU-Pro band")
    doc.figure(inputs.figures, f"figures/{snapshot}/price_per_active_param.png",
               "Figure: lowest blended price per active parameter per MMLU-Pro band")


def geomean_rows(here: pd.DataFrame) -> pd.DataFrame:
    """The answer's frontier row: the geometric mean of the open models' blended-price bands."""
    return select(here, method="frontier_geomean", subset="open", quantity="price", price_type="blended", variant=None)


def typical_geomeans(here: pd.DataFrame) -> pd.DataFrame:
    """The geometric mean of the typical-model bands per price source (informative bands only: none if any is not)."""
    rows = []
    typical = select(here, method="frontier", subset="open", quantity="price", price_type="blended", variant="typical")
    for source, group in typical.groupby("price_source", sort=True):
        estimated = group[group["status"] == "ok"]
        weak = set(group["status"]) - {"ok"}  # a band with little information (or none): so is the mean
        status = "ok" if not weak and len(group) else "short_span" if "short_span" in weak else "wide_interval"
        factor = geometric_mean(list(estimated["factor_per_year"])) if len(estimated) else None
        first = group.iloc[0]
        rows.append({"trend_id": ",".join(sorted(group["trend_id"])), "method": "frontier", "price_source": source,
                     "status": status, "factor_per_year": factor, "ci_low": None, "ci_high": None, "ci_level": None,
                     "n": int(group["n"].sum()), "months_since_last": None, "note": None,
                     **{column: first[column] for column in SHARED}})
    return pd.DataFrame(rows, columns=["trend_id", "method", "price_source", "status", "factor_per_year", "ci_low",
                                       "ci_high", "ci_level", "n", "months_since_last", "note", *SHARED])


# what the typical-model bands of one price source share: their geometric mean keeps it
SHARED = ["preset", "snapshot", "subset", "price_type", "quality_measure", "quality_window_start",
          "quality_window_end"]


ANSWER_ROWS = (
    AnswerRow(kind="frontier",
              what="cheapest model per quality band (record lows, open models, geometric mean of the bands)",
              label="Cheapest model per quality band (record lows, open models, geometric mean)",
              title="cheapest model per band (record lows, open, geometric mean)", rows=geomean_rows, place=1,
              extra=lambda inputs, row: selection_alone(inputs, row),
              differs="selection: only the models that set a record low are fitted, and record lows fall fast even "
                      "when release dates are shuffled (the checks below)"),
    AnswerRow(kind="typical_band",
              what="typical model per band (OLS over every open model of the band, score as a control, geometric "
                   "mean)",
              label="Typical model per band (OLS over every open model of the band, at constant score)",
              title="typical model per band (geometric mean, no interval)", rows=typical_geomeans, place=2,
              differs="composition: every open model of a band, not only the cheapest, at constant score within "
                      "the band (its score a control); no interval"),
)

DEFINITIONS = (
    "**Record low** (frontier): a model priced at most the lowest price of every model released before it "
    "(same-day releases cheapest first; one model per set of weights: the cheapest of a model's reasoning-effort "
    "variants in the band). **Typical model**: the OLS of log price on release date over every model of the band, "
    "with the model's score as a control (the band's mean score drifts over time: without the control the typical "
    "model would not be of constant quality).",
)


# --- how the frontier's rows read in the report's tables and the cross-method figures (Method hooks) ------------
GEOMEAN = "frontier_geomean"


def geomean_bands(row) -> str:
    """The bands a geometric mean averages, from its note: ``bands [50, 70], [70, 90]``, or ``bands [70, 90] only``
    when it left some out (``every band`` for a note that does not name them)."""
    note = getattr(row, "note", None)
    bands = averaged_bands(note)
    if bands is None:
        return "every band"
    return f"bands {bands}{' only' if ' left out (' in note else ''}"


def scope(row) -> str:
    """What a trend follows: its band on MMLU-Pro; a geometric mean, the bands it averages."""
    if row["method"] == GEOMEAN:
        return f"{measure_text(row)}, {geomean_bands(row)}".strip(", ")
    return f"{measure_text(row)} {fmt_band(row)}".strip()


def figure_scope(row) -> str:
    """A figure label's part for the band (``row``: an ``itertuples`` row): ``MMLU-Pro 40-70 %``; a geometric
    mean, the bands it averages: ``MMLU-Pro, bands [70, 90] only``."""
    if row.method == GEOMEAN:
        return f"{measure_text(row)}, {geomean_bands(row)}".strip(", ")
    return band_label(row)


def geomean_members(inputs: ReportInputs, row) -> pd.DataFrame:
    """The band trends (main rows) a geometric mean averaged: same snapshot, subset, quantity, price and variant; the
    bands its note names (a mean of bands that all carry little information averages them all, and is marked so),
    else the informative ones. Before: only the informative ones, so a mean of short-span bands had no members, no
    simulated coverage and no selection check (futuretech-2025-07, open, lowest_reported: 9.06x printed with an
    interval its bands cover 0-9% of the time)."""
    t = main_rows(inputs.trends)
    same = t[(t["method"] == "frontier") & (t["snapshot"] == row["snapshot"]) & (t["preset"] == row["preset"])]
    for column in ("subset", "quantity", "price_type", "price_source", "variant"):
        value = row[column]
        same = same[same[column].isna()] if pd.isna(value) else same[same[column] == value]
    averaged = averaged_bands(row.get("note"))
    if averaged:
        named = same[[f"[{low:g}, {high:g}]" in averaged for low, high in zip(same["band_low"], same["band_high"])]]
        if len(named):
            return named
    return same[same["status"] == "ok"]


def coverage(inputs: ReportInputs, row) -> SimulatedCoverage:
    """A band's interval: its own simulated coverage. A geometric mean's: the lowest and highest simulated bootstrap
    coverage of its informative bands (the Monte-Carlo error: the lowest one's)."""
    if row["method"] != GEOMEAN:
        return own_coverage(inputs, row)
    found = []
    for trend in geomean_members(inputs, row)["trend_id"]:
        value, error = inputs.diag(trend, "coverage_bootstrap"), inputs.diag(trend, "coverage_bootstrap_error")
        if value is not None and pd.notna(value):
            found.append((float(value), None if error is None or pd.isna(error) else float(error)))
    if not found:
        return SimulatedCoverage(None, None, "")
    (low, error), high = min(found), max(v for v, _ in found)
    return SimulatedCoverage(low, high, "its bands' intervals cover", error)


SUMMARY_GROUPS = (
    RowGroup("Geometric mean across bands (bootstrap interval)", lambda t: t.method == GEOMEAN, 0,
             colour="#2a9d3f"),
    RowGroup("Frontier, open models, price",
             lambda t: (t.method == "frontier") & (t.quantity == "price") & (t.subset == "open"), 1),
    RowGroup("Frontier, all models, price",
             lambda t: (t.method == "frontier") & (t.quantity == "price") & (t.subset == "all"), 2),
    RowGroup("Decomposition (frontier, open models)", lambda t: (t.method == "frontier") & (t.quantity != "price"),
             3),
)


def vintage_figure(rows: pd.DataFrame) -> pd.Series:
    """The vintage figure draws the blended price's bands."""
    return (rows["method"] == "frontier") & (rows["price_type"] == "blended")


def vintage_label(row) -> str:
    """``frontier · open · MMLU-Pro 40-70 %`` (a price type other than blended named too)."""
    kind = "" if row.price_type == "blended" else f" · {row.price_type}"
    return f"frontier · {row.subset}{kind} · {band_label(row)}"


# --- what the selection alone gives (step 15, point 3) ---------------------------------------------------------
SELECTION_COVERAGE = 0.5  # an interval covering less than this in simulation: the point is biased, not only narrow


def selection_alone(inputs: ReportInputs, row) -> dict:
    """For a record-low estimate (a band or a geometric mean of bands): the factor shuffled release dates alone give
    (the permutation null's median; a geometric mean: that of its bands' medians), and whether the selection
    explains the estimate: the null median inside its interval, or a simulated coverage below 50% (the simulation's
    truth is the typical model's slope, so low coverage means a biased point)."""
    if row.get("method") == GEOMEAN:
        members = geomean_members(inputs, row)
        medians = [m for m in members["null_median_factor"] if pd.notna(m) and m > 0]
        null = geometric_mean(medians) if medians and len(medians) == len(members) else None
    else:
        value = row.get("null_median_factor")
        null = float(value) if value is not None and pd.notna(value) else None
    if null is None:
        return {"selection_alone": None, "selection_explains": None}
    low, high = row.get("ci_low"), row.get("ci_high")
    inside = low is not None and high is not None and pd.notna(low) and pd.notna(high) and low <= null <= high
    lowest = coverage(inputs, row)[0]
    return {"selection_alone": float(null),
            "selection_explains": bool(inside or (lowest is not None and lowest < SELECTION_COVERAGE))}
