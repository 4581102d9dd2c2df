"""The report: the answer first, then every estimate in one table, then the details and an appendix.

``build_report`` turns the run's tables into a ``Document`` (``tasks.render.document``) and the first screen's
numbers (``headline.json``); Jinja2 templates render the document as ``report.md`` and a self-contained
``report.html`` (figures embedded, a table of contents with anchors). The report is a pure function of its inputs:
no timestamps or run ids (those are in ``manifest.json`` and ``CITATION.bib``), so an unchanged rerun serves it
from the cache with identical bytes.

Conventions the report follows (and states in its definitions section):
- a factor is "times cheaper per year"; beside it the time to halve and to fall 10-fold;
- an estimate whose status is ``uninformative`` is printed as such, never in bold, and is left out of medians,
  ranges and geometric means;
- an interval whose simulated coverage is far below its nominal level is called a *range*, with the coverage;
- every headline is shown on each price definition, with the one the published study used named.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from tasks.core.stats import geometric_mean
from tasks.core.vocabulary import BENCHMARKS, COVERAGE_FLOOR, PRICE_SOURCES, fmt_factor, fmt_interval, label
from tasks.files.tables import read_csv_output
from tasks.methods import METHODS
from tasks.render.comparison import compared_methods, methods_selection
from tasks.render.document import render_html, render_markdown
from tasks.reporting.document import Document
from tasks.reporting.format import (FEW_CLUSTERS, SELECTION_P, STALLED_MONTHS, ReportInputs, factor_text, flags,
                                    fmt_date, fmt_int, fmt_months, fmt_number, fmt_p, fmt_usd, interval_text,
                                    is_estimated, main_rows, months_to, scope, select, time_text)
from tasks.reporting.markup import Md, md_code, md_escape
from tasks.study.presets import PublishedValue
from tasks.trends import ESTIMATED

CAVEATS = [
    "**Snapshot prices regressed on release dates are not a price index.** Every model is priced on the snapshot's "
    "date (today's hardware, today's hosts); the slope compares new models with old ones at today's prices. The "
    "*first observed* price definition and the same-model drift of the price history show how much that matters.",
    "**Per token is not per task.** Reasoning models spend many more tokens per answer: a model cheap per token can "
    "be dear per task. The cost of one benchmark run (tokens actually spent x prices) answers the per-task question "
    "where the run has that data.",
    "**Benchmarks saturate.** A quality band or threshold on a benchmark that new models all pass stops measuring "
    "quality; the bands here follow MMLU-Pro up to 90%, and thresholds below the chance level are skipped.",
]


def latest_snapshot(inputs: ReportInputs) -> str | None:
    """The snapshot with the latest observation date among those with frontier or hedonic estimates."""
    main = main_rows(inputs.trends)
    usable = sorted({s for s in main[main["method"].isin(["frontier", "hedonic"])
                                     & main["status"].isin(ESTIMATED)]["snapshot"]})
    dated = [(inputs.observed_on(s), s) for s in usable if inputs.observed_on(s) is not None]
    return max(dated)[1] if dated else (usable[-1] if usable else None)


# --- published vs reproduced -------------------------------------------------------------------------------------
def published_values(inputs: ReportInputs) -> list[PublishedValue]:
    """Every value the run's preset(s) say a study published."""
    return [PublishedValue.model_validate(p) for preset in inputs.meta.get("presets", [inputs.meta["preset"]])
            for p in preset.get("published", [])]


def _published_ours(rows: pd.DataFrame, entry: PublishedValue):
    if rows.empty:
        return None, None
    if entry.aggregate is None:
        return rows.iloc[0], rows.iloc[0]["factor_per_year"]
    ok = rows[rows["status"].isin(ESTIMATED)]["factor_per_year"]
    if len(ok) != len(rows):
        return None, None
    if entry.aggregate == "range":
        return None, (ok.min(), ok.max())
    return None, geometric_mean(list(ok))


def _close(ours, published, rounded_to: float | None) -> bool:
    """Equal up to the published precision (rounded text), else within 0.5% (365 vs 365.25 days, printing)."""
    if ours is None or published is None:
        return False
    if isinstance(ours, tuple):
        return all(_close(x, y, rounded_to) for x, y in zip(ours, published))
    if rounded_to:
        return abs(ours - published) <= rounded_to / 2
    return abs(ours / published - 1) <= 0.005


def _fmt_value(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, tuple):
        return f"{fmt_factor(value[0])}-{fmt_factor(value[1])}"
    return fmt_factor(value)


def reproductions(inputs: ReportInputs) -> list[dict]:
    """Every published value beside ours: on our data and method, and on the data and method as published."""
    as_published_run = inputs.meta.get("as_published", False)
    snap_rows = inputs.trends[(inputs.trends["estimator"] == "ols") & (inputs.trends["ci_method"] == "ols")]
    out = []
    for entry in published_values(inputs):
        snap = snap_rows[snap_rows["snapshot"] == entry.snapshot]
        if snap.empty:
            continue

        def choose(variant: str | None) -> pd.DataFrame:
            part = snap[snap["variant"].isna()] if variant is None else snap[snap["variant"] == variant]
            mask = [entry.matches(r.method, r.subset, r.quantity, r.price_type, r.price_source, r.band_low,
                                  r.band_high, r.controls, r.quality_measure, r.threshold_model,
                                  r.variant if isinstance(r.variant, str) else None)
                    for r in part.itertuples()]
            return part[mask] if len(part) else part

        # a published value of a variant (e.g. the unrestricted fit beside a Pareto one) is set beside that variant
        main_row, ours = _published_ours(choose(entry.variant or None), entry)
        if as_published_run:
            pub_row, ours_published = main_row, ours
        else:
            pub_row, ours_published = _published_ours(choose("as_published"), entry)
            if ours_published is None:
                pub_row, ours_published = main_row, ours
        value = entry.value if entry.value is not None else tuple(entry.value_range)
        rounding = f" (the source rounds to the nearest {entry.rounded_to:g})" if entry.rounded_to else ""
        if _close(ours, value, entry.rounded_to) and _close(ours_published, value, entry.rounded_to):
            verdict, status = "reproduced" + rounding, "reproduced"
        elif _close(ours_published, value, entry.rounded_to):
            verdict, status = ("reproduced on the data and method as published" + rounding + "; the difference is "
                               "this project's documented corrections and one model per set of weights"), "reproduced"
        elif _close(ours, value, entry.rounded_to):
            verdict, status = "reproduced with this project's corrections" + rounding, "reproduced"
        elif pub_row is not None and entry.method == "frontier" and pd.notna(pub_row["tie_order_min_factor"]) and \
                not isinstance(value, tuple) and (pub_row["tie_order_min_factor"] * 0.995 <= value
                                                  <= pub_row["tie_order_max_factor"] * 1.005):
            verdict = (f"explained: every order of same-day releases gives "
                       f"{fmt_interval(pub_row['tie_order_min_factor'], pub_row['tie_order_max_factor'])}x, the "
                       "published value among them; we take the cheapest first, the study's code its file's order")
            status = "explained"
        elif entry.aggregate is not None:
            verdict, status = "follows from the per-band differences", "explained"
        else:
            verdict, status = "differs", "differs"
        out.append(dict(entry=entry, ours=ours, ours_published=ours_published, main_row=main_row, value=value,
                        verdict=verdict, status=status))
    return out


def reproduction_summary(found: list[dict]) -> list[str]:
    """One line per published study: how many of its values we reproduce."""
    lines = []
    by_source: dict[str, list[dict]] = {}
    for item in found:
        by_source.setdefault(item["entry"].snapshot, []).append(item)
    for snapshot, items in by_source.items():
        reproduced = sum(i["status"] == "reproduced" for i in items)
        explained = sum(i["status"] == "explained" for i in items)
        lines.append(f"on {md_code(snapshot)}: {reproduced} of {len(items)} published values reproduced"
                     + (f", {explained} more explained (same-day order, aggregates)" if explained else "")
                     + (f", {len(items) - reproduced - explained} differ" if len(items) - reproduced - explained else ""))
    return lines


# --- the first screen --------------------------------------------------------------------------------------------
def headline(inputs: ReportInputs) -> dict:
    """The first screen's numbers, each with its trend id (``headline.json``)."""
    snapshot = latest_snapshot(inputs)
    main = main_rows(inputs.trends)
    out = {"snapshot": snapshot, "observed_on": fmt_date(inputs.observed_on(snapshot)) if snapshot else None,
           "entries": []}
    # with no frontier or hedonic estimate (a run of the benchmark_cost method alone) the cost and threshold lines
    # below still answer
    here = main[main["snapshot"] == snapshot] if snapshot is not None else main.iloc[0:0]
    sources = [s for s in PRICE_SOURCES if s in set(here["price_source"].dropna())]

    def add(kind: str, what: str, rows: pd.DataFrame):
        for source in sources:
            hit = rows[rows["price_source"] == source]
            if hit.empty:
                continue
            row = hit.iloc[0]
            out["entries"].append({
                "kind": kind, "what": what, "price_source": source, "trend_id": row["trend_id"],
                "status": row["status"], "factor_per_year": _number(row["factor_per_year"]),
                "ci_low": _number(row["ci_low"]), "ci_high": _number(row["ci_high"]),
                "ci_level": _number(row["ci_level"]), "n": _number(row["n"]),
                "interval": str(interval_text(inputs, row)),
                "interval_is_range": str(interval_text(inputs, row)).startswith("range"),
                "months_to_halve": _number(months_to(row["factor_per_year"], 2)) if is_estimated(row) else None,
                "months_to_10x": _number(months_to(row["factor_per_year"], 10)) if is_estimated(row) else None,
                "months_since_last": _number(row.get("months_since_last")),
                "left_out": _left_out(row.get("note"))})

    add("hedonic", "typical model at constant quality (hedonic, open models)",
        select(here, method="hedonic", subset="open", price_type="blended", variant=None, controls="mmlu_pro"))
    add("frontier", "cheapest model per quality band (record lows, open models, geometric mean of the bands)",
        select(here, method="frontier_geomean", subset="open", quantity="price", price_type="blended",
               variant=None))
    add("typical_band", "typical model per band (OLS over every open model of the band, geometric mean)",
        _typical_geomeans(here))
    # the cost of one benchmark run: its own snapshot (the authors' runs data), the latest that has estimates
    cost = main[(main["method"] == "benchmark_cost") & main["variant"].isna() & main["status"].isin(ESTIMATED)
                & (main["quantity"] == "cost_per_run")]
    if len(cost):
        dated = sorted((inputs.observed_on(s) or pd.Timestamp.min, s) for s in cost["snapshot"].unique())
        cost = cost[cost["snapshot"] == dated[-1][1]]
    for _, row in cost.sort_values(["quality_measure", "subset"]).iterrows():
        out["entries"].append({
            "kind": "benchmark_cost", "snapshot": row["snapshot"], "subset": row["subset"],
            "what": f"{label(BENCHMARKS, row['quality_measure'])}, {row['subset']} models",
            "price_source": row["price_source"], "trend_id": row["trend_id"], "status": row["status"],
            "factor_per_year": _number(row["factor_per_year"]), "ci_low": _number(row["ci_low"]),
            "ci_high": _number(row["ci_high"]), "n": _number(row["n"]),
            "interval": str(interval_text(inputs, row)),
            "interval_is_range": str(interval_text(inputs, row)).startswith("range"),
            "months_to_10x": _number(months_to(row["factor_per_year"], 10)) if is_estimated(row) else None})
    thresholds = select(main, method="threshold", variant=None)
    for snap, group in thresholds.groupby("snapshot", sort=True):
        ok = group[group["status"] == "ok"]["factor_per_year"]
        if len(ok):
            out["entries"].append({"kind": "threshold_median", "what": "Epoch AI's thresholds: median",
                                   "snapshot": snap, "price_source": group["price_source"].iloc[0],
                                   "factor_per_year": float(ok.median()), "n_trends": int(len(ok)),
                                   "trend_ids": sorted(group[group["status"] == "ok"]["trend_id"])})
    return out


def _left_out(note) -> str | None:
    """The bands a geometric mean left out (its note says "band(s) [30, 50] left out (uninformative)")."""
    if not isinstance(note, str) or " left out (" not in note:
        return None
    return note.split(" left out (")[0].removeprefix("band(s) ")


def headline_lines(numbers: dict) -> list[str]:
    """The first screen in plain text, for the terminal: one line per answer and price definition."""
    if not numbers.get("snapshot"):
        lines = ["No frontier or hedonic estimate to answer from: see the report."]
        if not any(e["kind"] == "benchmark_cost" for e in numbers.get("entries", [])):
            return lines
    else:
        lines = [f"The answer on {numbers['snapshot']} (prices observed up to {numbers['observed_on']}), "
                 "x cheaper per year at constant quality:"]
    titles = {"hedonic": "typical model (hedonic, open models)",
              "frontier": "cheapest model per band (record lows, open, geometric mean)",
              "typical_band": "typical model per band (geometric mean, no interval)",
              "benchmark_cost": "cost of one benchmark run (Pareto frontier, score controlled)"}
    for kind, title in titles.items():
        entries = [e for e in numbers["entries"] if e["kind"] == kind]
        if not entries:
            continue
        lines.append(f"  {title}:")
        for e in entries:
            if e.get("factor_per_year") is None or e.get("status") not in ESTIMATED:
                text = e.get("status") or "-"
            else:
                text = f"{fmt_factor(e['factor_per_year'])}x"
                if e["status"] == "uninformative":
                    text += " (uninformative)"
                interval = fmt_interval(e.get("ci_low"), e.get("ci_high"))
                if interval != "-":
                    text += f" {'range' if e.get('interval_is_range') else '90%'} {interval}"
                if e.get("months_to_10x") is not None:
                    text += f", 10x in {fmt_months(e['months_to_10x'])}"
            name = e["what"] if kind == "benchmark_cost" else e["price_source"]
            lines.append(f"    {name:<16} {text}")
    return lines


def _typical_geomeans(here: pd.DataFrame) -> pd.DataFrame:
    """The geometric mean of the typical-model bands per price source (informative bands only: none if any is not)."""
    rows = []
    typical = select(here, method="frontier", subset="open", quantity="price", price_type="blended", variant="typical")
    for source, group in typical.groupby("price_source", sort=True):
        estimated = group[group["status"] == "ok"]
        status = "ok" if len(estimated) == len(group) and len(group) else "uninformative"
        factor = geometric_mean(list(estimated["factor_per_year"])) if len(estimated) else None
        rows.append({"trend_id": ",".join(sorted(group["trend_id"])), "method": "frontier", "price_source": source,
                     "status": status,
                     "factor_per_year": factor, "ci_low": None, "ci_high": None, "ci_level": None,
                     "n": int(group["n"].sum()), "months_since_last": None, "note": None})
    return pd.DataFrame(rows, columns=["trend_id", "method", "price_source", "status", "factor_per_year", "ci_low",
                                       "ci_high",
                                       "ci_level", "n", "months_since_last", "note"])


def _number(value):
    """A number of ``headline.json``: None when missing or not finite (JSON has no NaN or Infinity; an unbounded
    interval end is null there)."""
    if value is None or pd.isna(value):
        return None
    value = float(value) if not isinstance(value, (int,)) else value
    return value if math.isfinite(value) else None


def _cost_line(costs: list[dict]) -> str:
    """The answer's line on the cost of one benchmark run (method benchmark_cost)."""
    parts = [f"{md_escape(e['what'])}: {_answer_cell(e)}" for e in costs]
    return (f"**Cost of one benchmark run** on {md_code(costs[0]['snapshot'])} (tokens actually spent x prices, or the "
            "source's own cost of a run; Pareto frontier, controlling for the score): " + "; ".join(parts) + ".")


def answer_section(doc: Document, inputs: ReportInputs, numbers: dict, found: list[dict]) -> None:
    doc.heading("The answer")
    snapshot = numbers["snapshot"]
    if snapshot is None:
        doc.text("This run has no frontier or hedonic estimate to answer from; every estimate is in the table below.")
        costs = [e for e in numbers["entries"] if e["kind"] == "benchmark_cost"]
        if costs:
            doc.bullets([_cost_line(costs)])
        return
    doc.text(f"On the latest data of this run ({md_code(snapshot)}, prices observed up to {numbers['observed_on']}): "
             "how many times cheaper per year inference gets at constant quality, on each price definition "
             "(90% interval; time to halve and to fall tenfold).")
    entries = numbers["entries"]
    sources = [s for s in PRICE_SOURCES if any(e.get("price_source") == s for e in entries
                                                if e["kind"] in ("hedonic", "frontier", "typical_band"))]
    rows = []
    for kind, what in (("hedonic", "Typical model (hedonic regression, open models, MMLU-Pro 40-70)"),
                       ("frontier", "Cheapest model per quality band (record lows, open models, geometric mean)"),
                       ("typical_band", "Typical model per band (OLS over every open model of the band)")):
        cells = [what]
        for source in sources:
            hit = next((e for e in entries if e["kind"] == kind and e["price_source"] == source), None)
            cells.append(_answer_cell(hit) if hit else "-")
        if any(c != "-" for c in cells[1:]):
            rows.append(cells)
    doc.table(["at constant quality", *[f"{ANSWER_HEADERS.get(s, s)} ({s})" for s in sources]],
              rows, "l" * (1 + len(sources)))  # text cells: they wrap
    doc.text("Bold: an informative estimate whose interval covers about as often as it says in simulation (else the "
             "interval is called a *range*, with its simulated coverage). The typical-model-per-band row has no interval "
             "(the bands share models, and no joint resampling is run for it); each band's interval is in the table "
             "below. A geometric mean leaves out the bands that carry no information, and says which.")
    lines = []
    costs = [e for e in entries if e["kind"] == "benchmark_cost"]
    if costs:
        lines.append(_cost_line(costs))
    else:
        lines.append("**Cost of one benchmark run** (tokens actually spent x prices): not in this run (the "
                     "`futuretech-2026` preset on the authors' 2026 data estimates it).")
    for e in [e for e in entries if e["kind"] == "threshold_median"]:
        lines.append(f"**Epoch AI's thresholds** on {md_code(e['snapshot'])}: median {fmt_factor(e['factor_per_year'])}x "
                     f"per year over {e['n_trends']} informative thresholds (price {md_code(e['price_source'])}).")
    summary = reproduction_summary(found)
    if summary:
        lines.append("**Reproductions of the published studies**: " + "; ".join(summary) + " (details below).")
    lines.append("**Price definitions**: the published FutureTech study used the lowest price across providers "
                 "(`lowest_reported` in its file; `lowest_provider` here is the same definition computed from "
                 "per-provider prices); Artificial Analysis' headline price (`aa_headline`) is a list price; "
                 "`first_observed` prices each model when the project's data first saw it. The definition changes "
                 "the answer: read them side by side.")
    doc.bullets(lines)
    doc.text("Three caveats:")
    doc.bullets(CAVEATS)


ANSWER_HEADERS = {"lowest_provider": "lowest price across providers",
                  "lowest_reported": "lowest price across providers, as reported",
                  "first_observed": "lowest price when first observed", "aa_headline": "list price, AA headline",
                  "source_price": "the source's price"}


def _answer_cell(entry: dict) -> Md:
    if entry.get("status") not in ESTIMATED or entry.get("factor_per_year") is None:
        return Md(md_escape(entry.get("status") or "-"))
    factor = f"{fmt_factor(entry['factor_per_year'])}x"
    interval = fmt_interval(entry.get("ci_low"), entry.get("ci_high"))
    text = factor if entry["status"] == "ok" else f"{factor} (uninformative)"
    if entry["status"] == "ok" and interval != "-" and not entry.get("interval_is_range"):
        text = f"**{text}**"  # bold: informative, with an interval that covers as it says in simulation
    if interval != "-" and entry.get("interval_is_range"):
        coverage = entry["interval"].split("(", 1)[1].rstrip(")").replace(" in simulation", "")
        text += f"; range {interval} ({coverage} in simulation)"
    elif interval != "-":
        text += f" [{interval}]"
    halve, tenfold = months_to(entry["factor_per_year"], 2), months_to(entry["factor_per_year"], 10)
    if tenfold is not None:
        text += f"; halves in {fmt_months(halve)}, 10x in {fmt_months(tenfold)}"
    if entry.get("left_out"):
        text += f"; band {md_escape(entry['left_out'])} left out (uninformative)"
    return Md(text)


# --- every estimate at a glance ----------------------------------------------------------------------------------
def overview_section(doc: Document, inputs: ReportInputs, found: list[dict]) -> None:
    doc.heading("Every estimate at a glance")
    doc.text("One row per method, snapshot, price definition and scope (main estimates: no sensitivity variant but "
             "the typical-model rows; every row of every variant is in `trends.csv`). *flags* are defined in "
             "[Definitions](#definitions). Uninformative estimates are shown for completeness and enter no headline.")
    main = main_rows(inputs.trends)
    shown = main[(main["variant"].isna() | (main["variant"] == "typical")) & (main["status"] != "skipped")
                 & (main["quantity"] == "price") | (main["method"] == "benchmark_cost") & main["variant"].isna()]
    published = {}
    for item in found:
        if item["main_row"] is not None:
            published[item["main_row"]["trend_id"]] = _fmt_value(item["value"])
    order = {m: i for i, m in enumerate(["frontier_geomean", "frontier", "hedonic", "threshold", "monthly_cheapest",
                                         "benchmark_cost"])}
    shown = shown.assign(_m=shown["method"].map(order).fillna(9),
                         _s=shown["price_source"].map({s: i for i, s in enumerate(PRICE_SOURCES)}).fillna(9))
    rows = []
    for _, row in shown.sort_values(["snapshot", "_m", "_s", "subset", "price_type", "variant", "band_low"],
                                    na_position="first", kind="mergesort").iterrows():
        method = row["method"] + (" (typical)" if row["variant"] == "typical" else "")
        price = row["price_source"] if pd.isna(row["price_type"]) else f"{row['price_source']} · {row['price_type']}"
        rows.append([method, row["snapshot"], price, row["subset"],
                     scope(row), factor_text(row), interval_text(inputs, row), time_text(row), fmt_int(row["n"]),
                     published.get(row["trend_id"], "-"), flags(inputs, row)])
    doc.table(["method", "snapshot", "price", "subset", "scope", "x / year", "90% interval", "halves / 10x in", "n",
               "published", "flags"], rows, "lllllrrrrrl")


# --- the details --------------------------------------------------------------------------------------------
def published_details(doc: Document, inputs: ReportInputs, found: list[dict]) -> None:
    if not found:
        return
    doc.heading("Published vs reproduced", 3)
    doc.text("Each number a study published (or that its code gives on its file, marked *reconstructed*), next to "
             "ours: with this project's documented corrections and one model per set of weights, and on the data and "
             "method as published. Our factors use 365.25-day years (the studies: 365): under 0.5% for factors below "
             "1,000x.")
    rows = []
    for item in found:
        entry, main_row = item["entry"], item["main_row"]
        published = (f"{item['value'][0]:g}-{item['value'][1]:g}" if isinstance(item["value"], tuple)
                     else f"{item['value']:g}") if entry.rounded_to else _fmt_value(item["value"])
        if entry.ci:
            published += f" [{fmt_interval(*entry.ci)}]"
        ours = _fmt_value(item["ours"])
        if main_row is not None and pd.notna(main_row["ci_low"]):
            ours += f" [{fmt_interval(main_row['ci_low'], main_row['ci_high'])}]"
        if main_row is not None and main_row["status"] == "uninformative":
            ours += " (uninformative)"
        rows.append([Md(md_escape(entry.label) + (" *(reconstructed)*" if entry.kind == "reconstructed" else "")),
                     entry.snapshot, published, ours, _fmt_value(item["ours_published"]),
                     item["verdict"] + (f". {entry.note}" if entry.note else ""), entry.source])
    doc.table(["what", "snapshot", "published", "ours", "ours, as published", "reading", "published in"], rows,
              "llrrrll")


def methods_details(doc: Document, inputs: ReportInputs) -> None:
    selection = methods_selection(inputs.trends)
    if selection["method"].nunique() < 2:
        return
    doc.heading("Methods side by side", 3)
    doc.text("Every method on every snapshot, on its own price definition (blended, or the mean of input and output): "
             "how far apart they are, and why.")
    for method in [m for m in compared_methods() if m.name in set(selection["method"])]:
        rows = selection[(selection["method"] == method.name) & selection["status"].isin(ESTIMATED)]
        informative = rows[rows["status"] == "ok"]["factor_per_year"]
        spread = (f"{fmt_factor(informative.min())}-{fmt_factor(informative.max())}x, median "
                  f"{fmt_factor(informative.median())}x over {len(informative)} informative estimates"
                  if len(informative) else "no informative estimate")
        doc.text(f"**{method.label}** measures {method.what}. Here: {spread}. {method.reference}.")
    doc.figure(inputs.figures, "figures/methods/methods.png",
               "Figure: every method's estimates with their intervals, and the published figures")


def breaks_details(doc: Document, inputs: ReportInputs) -> None:
    breaks = inputs.breaks
    if breaks is None or breaks.empty:
        return
    doc.heading("Structural breaks", 3)
    tested = breaks[breaks["status"] == "tested"]
    doc.text("Is one kinked line better than a straight one? The largest Chow F over every candidate date (sup-F), "
             "its p-value from simulations under \"no break\" that redo the selection, (b + 1) / (N + 1). A break "
             "supported at p above 0.05, or with the minimum number of points on one side, is *weak*; a series "
             f"that equals another is tested once. {len(tested)} of {len(breaks)} trends have enough points "
             "(the rest are listed in `breaks.csv`).")
    rows = [[md_code(r.trend_id), fmt_int(r.n), str(r.break_date), fmt_number(r.sup_f), fmt_p(r.p_value),
             ("weak" if r.weak else "yes") if r.supported else "no",
             f"{fmt_factor(r.factor_before)} (n={fmt_int(r.n_before)})",
             f"{fmt_factor(r.factor_after)} (n={fmt_int(r.n_after)})"]
            for r in tested.sort_values(["p_value", "trend_id"]).itertuples()]
    doc.table(["trend", "n", "best break", "sup-F", "p", "supported", "x / year before", "after"], rows, "lrlrrlrr")


def vintage_details(doc: Document, inputs: ReportInputs) -> None:
    snapshots = list(inputs.cleans)
    main = main_rows(inputs.trends)
    main = main[main["variant"].isna() & (main["quantity"] == "price") & main["method"].isin(["frontier", "hedonic"])
                & ((main["method"] == "frontier") | (main["controls"] == "mmlu_pro"))]
    snapshots = [s for s in snapshots if (main[main["snapshot"] == s]["status"] != "skipped").any()]
    if len(snapshots) < 2:
        return
    doc.heading("Vintage comparison", 3)
    doc.text("The same trends on each snapshot and price definition (open and all models, blended and per type). "
             "Frontier intervals are descriptive.")
    columns = [(snap, source) for snap in snapshots for source in PRICE_SOURCES
               if ((main["snapshot"] == snap) & (main["price_source"] == source)).any()]
    keys = main[["method", "subset", "price_type", "band_low", "band_high"]].drop_duplicates()
    keys = keys.assign(_m=keys["method"].map({"frontier": 0, "hedonic": 1}),
                       _p=keys["price_type"].map({"blended": 0, "input": 1, "output": 2}))
    rows = []
    for key in keys.sort_values(["_m", "_p", "subset", "band_low"], ascending=[True, True, False, True]).itertuples():
        cells = [f"{key.method} · {key.subset} · {key.price_type}",
                 f"[{key.band_low:g}, {key.band_high:g}]" if pd.notna(key.band_low) else "-"]
        for snap, source in columns:
            hit = select(main, method=key.method, subset=key.subset, price_type=key.price_type, band_low=key.band_low,
                         snapshot=snap, price_source=source)
            cells.append(f"{factor_text(hit.iloc[0])} n={fmt_int(hit.iloc[0]['n'])}" if len(hit) else "-")
        rows.append(cells)
    doc.table(["trend", "MMLU-Pro (%)", *[f"{snap}: {source}" for snap, source in columns]], rows,
              "ll" + "r" * len(columns))
    doc.figure(inputs.figures, "figures/vintage/vintage.png", "Figure: the same trends on each snapshot and price "
                                                              "definition")
    rises = price_changes(inputs)
    if rises is not None and len(rises):
        up = rises[rises["change"] > 1]
        doc.text(f"The same model in two snapshots ({len(rises)} models priced in both, by model id): its lowest "
                 f"blended price across providers rose for {len(up)} of them, the largest rises:")
        doc.table(["model", "earlier snapshot", "$ / 1M tokens", "later snapshot", "$ / 1M tokens", "rise"],
                  [[r.name, r.snapshot_a, fmt_usd(r.price_a), r.snapshot_b, fmt_usd(r.price_b),
                    f"{r.change:.2f}x"]
                   for r in up.sort_values("change", ascending=False).head(12).itertuples()], "llrlrr")
        doc.text("Every model priced in both snapshots, with both prices, is in `price_changes.csv`.")


def price_changes(inputs: ReportInputs) -> pd.DataFrame | None:
    """Per model in two snapshots (same id, a lowest-across-providers price in each): the later / earlier price."""
    dated = sorted((inputs.observed_on(s), s) for s in inputs.cleans if inputs.observed_on(s) is not None)
    rows = []
    for (_, a), (_, b) in zip(dated, dated[1:]):
        def lowest(snapshot):
            frame = inputs.cleans[snapshot].analysis
            frame = frame[frame["price_source"].isin(["lowest_provider", "lowest_reported"])]
            return frame.sort_values("observed_on").drop_duplicates("model_id", keep="last").set_index("model_id")
        left, right = lowest(a), lowest(b)
        both = left.index.intersection(right.index)
        for model in both:
            pa, pb = left.at[model, "blended_usd_per_mtok"], right.at[model, "blended_usd_per_mtok"]
            if pd.notna(pa) and pd.notna(pb) and pa > 0:
                rows.append({"model_id": model, "name": right.at[model, "name"], "snapshot_a": a, "price_a": pa,
                             "snapshot_b": b, "price_b": pb, "change": pb / pa})
    return pd.DataFrame(rows).sort_values(["change", "model_id"], ascending=[False, True], kind="mergesort",
                                          ignore_index=True) if rows else None


def history_details(doc: Document, inputs: ReportInputs) -> None:
    for name, tables in inputs.histories.items():
        files, summary, drift = tables["files"], tables["same_model_summary"], tables["drift"]
        doc.heading(f"Price history {md_code(name)}: price cuts on existing models", 3)
        ok = summary[summary["status"] == "ok"]
        days = int(summary["days"].dropna().max()) if summary["days"].notna().any() else None
        doc.text(f"{len(files)} daily files, {files['observed_on'].min()} to {files['observed_on'].max()} (AA headline "
                 "prices). For each model priced on the first and the last day, the annualised change of its own price "
                 f"(> 1: it got cheaper). The window is {days} days long: single cuts are annualised, so the median "
                 "is the number to read.")
        doc.table(["subset", "price", "models", "changed", "cheaper / dearer", "median x / year", "25-75%"],
                  [[r.subset, r.price_type, fmt_int(r.n_models), fmt_int(r.n_changed),
                    f"{fmt_int(r.n_cheaper)} / {fmt_int(r.n_dearer)}", fmt_factor(r.median_factor),
                    fmt_interval(r.p25_factor, r.p75_factor)] for r in ok.itertuples()], "llrrrrr")
        doc.text(f"Data drift between consecutive dates: {len(drift)} warning(s) (listed in the appendix and in "
                 f"`history/{md_escape(name)}/data_drift.csv`).")


def resolution_details(doc: Document, inputs: ReportInputs) -> None:
    """How a merged snapshot's sources were joined: match rates, precedence, disagreements, doubtful joins."""
    from tasks.data.resolve import (CONFLICT_FIELDS, DATE_TOLERANCE_DAYS, FIELD_PRECEDENCE, SCORE_SOURCES,
                                    match_summary)

    for snapshot, paths in (inputs.resolution or {}).items():
        matches, conflicts = _read_table(paths["matches"]), _read_table(paths["conflicts"])
        doc.heading(f"Sources and entity resolution: {md_code(snapshot)}", 3)
        doc.text("The first source's models are the snapshot's models; the others are joined to them by the committed "
                 "crosswalk, then by id, then by a normalised name key, then as reasoning-effort variants of one set "
                 "of weights (a price or parameter count then applies to every variant, a score to none).")
        doc.table(["source", "models", "matched", "match rate", "how", "doubtful"],
                  [[r.source, fmt_int(r.models), fmt_int(r.matched), f"{r.match_rate:.0%}", r.by_method,
                    fmt_int(r.doubtful)] for r in match_summary(matches).itertuples(index=False)], "lrrrlr")
        doc.text("Precedence where sources disagree (first non-empty value wins): "
                 + md_escape("; ".join(f"{field}: {' > '.join(order)}" for field, order in FIELD_PRECEDENCE.items()))
                 + f". Scores come from {md_escape(', '.join(SCORE_SOURCES))} only (evaluations from different "
                 f"harnesses are not mixed). Disagreements are recorded for {md_escape(', '.join(CONFLICT_FIELDS))} "
                 f"(dates more than {DATE_TOLERANCE_DAYS} days apart; counts more than 1% apart); their counts are in "
                 "the appendix, every one in `conflicts.csv`.")
        doubtful = matches[(matches["method"] == "ambiguous")
                           | matches["note"].fillna("").str.startswith("doubtful")].drop_duplicates("source_id")
        if not doubtful.empty:
            doc.text(f"Doubtful joins: listed, not applied ({len(doubtful)}; the first 25 here; accept one by adding a "
                     "row to `data/crosswalk.csv`):")
            doc.table(["source", "source id", "name", "why"],
                      [[r.source, r.source_id, r.source_name, r.note or r.method]
                       for r in doubtful.head(25).itertuples(index=False)])


def quality_details(doc: Document, inputs: ReportInputs) -> None:
    doc.heading("Data quality", 3)
    rows = []
    for snapshot, clean in inputs.cleans.items():
        for r in clean.summary.itertuples(index=False):
            rows.append([snapshot, r.table, r.unit, fmt_int(r.rows_in), fmt_int(r.rows_used),
                         fmt_int(r.rows_quarantined)])
    doc.text("Rows in = used + quarantined, counted from the raw input (every quarantined unit with its reason is in "
             "`quarantine.csv`; warnings, kept but worth knowing, in `warnings.csv`).")
    doc.table(["snapshot", "table", "unit", "rows in", "used", "quarantined"], rows, "lllrrr")
    dear = [(s, w) for s, c in inputs.cleans.items() for w in c.warnings.itertuples(index=False)
            if "above the headline price" in str(w.rule)]
    if dear:
        doc.text(f"{len(dear)} model(s) whose lowest price across providers is above the headline (list) price: cheap "
                 "hosts dropped them, so today's snapshot prices them dearer than when they were current (the "
                 "`first_observed` price definition addresses this):")
        doc.table(["snapshot", "model", "warning"], [[s, w.model_name or "-", w.rule] for s, w in dear[:15]], "lll")


def definitions_section(doc: Document) -> None:
    doc.heading("Definitions", 2, "definitions")
    doc.bullets([
        "**x / year**: times cheaper per year, from the OLS slope of log price on release date, "
        "`factor = base^(-slope x 365.25)`; the interval is the slope's interval transformed at its endpoints. "
        "*halves in* and *10x in*: 12 ln 2 / ln(factor) and 12 ln 10 / ln(factor) months.",
        "**Record low** (frontier): a model priced at most the lowest price of every model released before it "
        "(same-day releases cheapest first; one model per set of weights: the cheapest of a model's reasoning-effort "
        "variants in the band). **Typical model**: the OLS over every model of the band.",
        "**Price definitions**: " + "; ".join(f"`{k}`: {v}" for k, v in PRICE_SOURCES.items()) + ".",
        "**Flags**: *uninformative*: points spanning under 12 months, or an interval wider than three orders of "
        "magnitude: printed, never in bold, left out of medians, ranges and geometric means; *selection*: with "
        f"release dates shuffled, record lows fall at least this fast more than {SELECTION_P:.0%} of the time "
        "(p = (b + 1) / (N + 1) over every shuffle); *fragile*: removing one model moves the factor more than "
        "5-fold; *order*: the order of same-day releases alone moves it more than 1.5-fold; *range*: in simulations "
        f"like this band, the 90% interval covered the true trend less than {COVERAGE_FLOOR:.0%} of the time, so it "
        f"is a descriptive range; *stalled N mo*: the last point is N months (>= {STALLED_MONTHS}) before the "
        f"snapshot's latest price; *G clusters*: fewer than {FEW_CLUSTERS} creators, no cluster-robust interval is "
        "reliable.",
        "**Hardware-adjusted factor** (`trends.csv`): the factor divided by the preset's hardware price-performance "
        "gain (1.4x per year in the FutureTech preset), only for prices observed when the model was current "
        "(`source_price`, monthly list prices): a same-date snapshot prices every model on today's hardware, and "
        "dividing its trend again would count hardware twice.",
    ])


def appendix_section(doc: Document, inputs: ReportInputs) -> None:
    doc.heading("Appendix: inputs, hashes and configuration")
    meta = inputs.meta
    doc.table(["input", "role", "sha256"], [[md_code(i["path"]), i["role"], md_code(i["sha256"])]
                                             for i in meta["inputs"]])
    if meta.get("rejected_inputs"):
        doc.text("Files in the input folders that were **not read** (`--strict` makes this an error):")
        doc.table(["file", "why"], [[md_code(i["path"]), i["reason"]] for i in meta["rejected_inputs"]])
    for snapshot in meta.get("snapshots", []):
        if snapshot.get("sources"):
            doc.text(f"Snapshot {md_code(snapshot['name'])} was built from:")
            doc.table(["raw file", "origin", "sha256"], [[s["file"], s.get("origin", ""), md_code(s["sha256"])]
                                                         for s in snapshot["sources"]])
    for snapshot, clean in inputs.cleans.items():
        if not clean.corrections.empty:
            doc.text(f"Data corrections on {md_code(snapshot)}"
                     + (" (this run is `--as-published`: none applied)" if meta.get("as_published") else "") + ":")
            doc.table(["model", "field", "wrong value", "correct value", "status", "found", "reason"],
                      [[r.model_id, r.field, r.old or "", r.new or "", r.status, r.found or "-", r.reason]
                       for r in clean.corrections.itertuples(index=False)])
        if not clean.quarantine.empty:
            reasons = clean.quarantine.groupby(["stage", "table", "unit", "rule"], sort=True).size()
            doc.text(f"Quarantined on {md_code(snapshot)}, by reason:")
            doc.table(["stage", "table", "unit", "rule", "count"],
                      [[*k, fmt_int(v)] for k, v in reasons.items()], "llllr")
    for snapshot, paths in (inputs.resolution or {}).items():
        conflicts = _read_table(paths["conflicts"])
        if not conflicts.empty:
            counts = conflicts.groupby(["field", "winner_source", "other_source"]).size()
            doc.text(f"Sources of {md_code(snapshot)} that disagreed ({len(conflicts)}; every one in `conflicts.csv`):")
            doc.table(["field", "value taken from", "overruled source", "models"],
                      [[*k, fmt_int(v)] for k, v in counts.items()], "lllr")
    for name, tables in inputs.histories.items():
        drift = tables["drift"]
        if not drift.empty:
            doc.text(f"Data drift in the price history {md_code(name)}:")
            doc.table(["date", "previous", "kind", "field", "warning"],
                      [[str(r.observed_on), str(r.previous_on), r.kind, r.column if pd.notna(r.column) else "-",
                        r.message] for r in drift.itertuples()])
    doc.text("Configuration (the preset(s) as run):")
    doc.code(json.dumps({k: v for k, v in meta["preset"].items() if k != "published"}, indent=2, sort_keys=True,
                        default=str))
    doc.text("Every row of every trend is in `trends.csv`, the points behind each in `points.csv`, the hashes of every "
             "input and output, the package versions and the code version in `manifest.json`. Cite this run with "
             "`CITATION.bib` (beside this report); the first screen's numbers are in `headline.json`.")


def _read_table(path) -> pd.DataFrame:
    path = Path(path)
    return pd.read_parquet(path) if path.suffix == ".parquet" else read_csv_output(path)


def method_sections(inputs: ReportInputs, snapshot: str) -> list:
    """The methods' parts of a snapshot's details (``Method.report_sections``), of the methods with a trend on it:
    place by place, each place in the registry's order."""
    here = set(inputs.trends.loc[inputs.trends["snapshot"] == snapshot, "method"])
    parts = [(place, index, write) for index, method in enumerate(METHODS) if here & set(method.names())
             for place, write in method.report_sections()]
    return [write for _, _, write in sorted(parts, key=lambda part: part[:2])]


# --- the whole report ---------------------------------------------------------------------------------------------
def build_report(inputs: ReportInputs) -> tuple[Document, dict]:
    meta = inputs.meta
    doc = Document(md_escape("How fast does LLM inference get cheaper? " + meta["preset"]["title"]))
    code = meta.get("code") or {}
    doc.text(" · ".join(md_escape(a) for a in meta["attribution"]))
    doc.text(f"Preset {md_code(meta['preset']['name'])}; snapshots {', '.join(md_code(s) for s in inputs.cleans)}; "
             f"data corrections {'off (`--as-published`)' if meta.get('as_published') else 'applied'}"
             + (f"; code {md_code(str(code['git_commit'])[:12])}" if code.get("git_commit") else "") + ".")
    numbers = headline(inputs)
    found = reproductions(inputs)
    answer_section(doc, inputs, numbers, found)
    overview_section(doc, inputs, found)
    doc.heading("Details")
    for snapshot in inputs.cleans:
        for write in method_sections(inputs, snapshot):
            write(doc, inputs, snapshot)
        if f"figures/{snapshot}/summary.png" in inputs.figures:
            doc.figure(inputs.figures, f"figures/{snapshot}/summary.png",
                       f"Figure: every trend of {md_code(snapshot)} with its interval and same-day-order range")
    published_details(doc, inputs, found)
    methods_details(doc, inputs)
    breaks_details(doc, inputs)
    vintage_details(doc, inputs)
    history_details(doc, inputs)
    resolution_details(doc, inputs)
    quality_details(doc, inputs)
    definitions_section(doc)
    appendix_section(doc, inputs)
    return doc, numbers


def render_report(inputs: ReportInputs) -> tuple[str, str, dict]:
    """``report.md``, ``report.html`` and ``headline.json``'s content."""
    doc, numbers = build_report(inputs)
    return render_markdown(doc), render_html(doc, inputs.figures), numbers
