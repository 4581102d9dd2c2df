"""The thresholds' part of the report's details on one snapshot (``tasks.methods.threshold``'s
``Method.section``).
"""

from __future__ import annotations

import pandas as pd

from tasks.core.vocabulary import BENCHMARKS, ESTIMATED, fmt_factor, label
from tasks.reporting.document import Document
from tasks.reporting.format import (ReportInputs, factor_text, flags, fmt_band, fmt_date, fmt_int, interval_text,
                                    measure_text, ran, select)
from tasks.reporting.markup import md_code
from tasks.trends.method import AnswerNote, RowGroup


def threshold_details(doc: Document, inputs: ReportInputs, snapshot: str) -> None:
    rows = ran(inputs, snapshot, "threshold")
    if rows.empty:
        return
    doc.heading(f"Thresholds (Epoch AI's method): {md_code(snapshot)}", 3)
    doc.text("Per benchmark, every score that was once the best so far (reasoning models left out) is a threshold; of "
             "the price observations at or above it, in date order, those strictly cheaper than every earlier one are "
             "kept (same day: the cheapest) and log10(price) is regressed on their dates. The intervals are classical "
             "OLS intervals on selected points: descriptive.")
    order = {b: i for i, b in enumerate(BENCHMARKS)}
    rows = rows.assign(_b=rows["quality_measure"].map(order).fillna(99))
    table = [[label(BENCHMARKS, r["quality_measure"]), r["threshold_model"] or "-", fmt_band(r, half_open=True), factor_text(r),
              interval_text(inputs, r), f"{fmt_int(r['n'])} of {fmt_int(r['n_candidates'])}",
              f"{fmt_date(r['first_date'])} to {fmt_date(r['last_date'])}", flags(inputs, r)]
             for _, r in rows.sort_values(["_b", "band_low"]).iterrows()]
    doc.table(["benchmark", "threshold model", "range", "x / year", "90% interval", "kept of candidates",
               "kept from / to", "flags"], table, "lllrrrll")


def answer_entries(inputs: ReportInputs, main: pd.DataFrame) -> list[dict]:
    """The median of the thresholds per snapshot: of all that have an estimate (``factor_per_year``, as Epoch AI's
    published median counts them), of the long-span ones (``long_span_factor``: those whose points span 12 months or
    more; ``short_span`` ones carry little information) and of the short-span ones, each with its count."""
    out = []
    for snap, group in select(main, method="threshold", variant=None).groupby("snapshot", sort=True):
        estimated = group[group["status"].isin(ESTIMATED)]
        if estimated.empty:
            continue
        long_span = estimated[estimated["status"] != "short_span"]
        short = estimated[estimated["status"] == "short_span"]
        out.append({"kind": "threshold_median", "what": "Epoch AI's thresholds: median",
                    "snapshot": snap, "price_source": group["price_source"].iloc[0],
                    "factor_per_year": float(estimated["factor_per_year"].median()), "n_trends": int(len(estimated)),
                    "trend_ids": sorted(estimated["trend_id"]),
                    "long_span_factor": float(long_span["factor_per_year"].median()) if len(long_span) else None,
                    "n_long_span": int(len(long_span)),
                    "short_span_factor": float(short["factor_per_year"].median()) if len(short) else None,
                    "n_short_span": int(len(short))})
    return out


def answer_lines(entries: list[dict]) -> list[str]:
    """Both medians, labelled: of every threshold with an estimate, and of those spanning 12 months or more."""
    lines = []
    for e in entries:
        text = (f"**Epoch AI's thresholds** on {md_code(e['snapshot'])} (price {md_code(e['price_source'])}): "
                f"median of all {e['n_trends']} thresholds with an estimate {fmt_factor(e['factor_per_year'])}x "
                "per year")
        if e.get("n_short_span"):
            long_span = (f"{fmt_factor(e['long_span_factor'])}x" if e.get("long_span_factor") is not None
                         else "none")
            text += (f"; median of the {e['n_long_span']} long-span ones (points spanning 12 months or more) "
                     f"{long_span} (the {e['n_short_span']} short-span ones: median "
                     f"{fmt_factor(e['short_span_factor'])}x)")
        else:
            text += " (every one long-span: points spanning 12 months or more)"
        lines.append(text + ".")
    return lines


ANSWER_NOTES = (AnswerNote(kind="threshold_median", entries=answer_entries, lines=answer_lines, place=1),)


# --- how its rows read in the report's tables and the cross-method figures (Method hooks) ------------------------
def scope(row) -> str:
    """``MMLU-Pro [62, 100) (at GPT-4)``: a threshold's range is half-open."""
    text = f"{measure_text(row)} {fmt_band(row, half_open=True)}".strip()
    return f"{text} (at {row['threshold_model']})" if isinstance(row["threshold_model"], str) else text


def figure_scope(row) -> str:
    return f"{measure_text(row)} ≥ {row.threshold_model}"


SUMMARY_GROUPS = (RowGroup("Threshold (Epoch AI method): benchmark ≥ threshold model",
                           lambda t: t.method == "threshold", 5),)
