"""The thresholds' part of the report's details on one snapshot (``tasks.methods.threshold``'s
``Method.section``).
"""

from __future__ import annotations

import pandas as pd

from tasks.core.vocabulary import BENCHMARKS, fmt_factor, label
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
    """The median of the informative thresholds per snapshot."""
    out = []
    for snap, group in select(main, method="threshold", variant=None).groupby("snapshot", sort=True):
        ok = group[group["status"] == "ok"]["factor_per_year"]
        if len(ok):
            out.append({"kind": "threshold_median", "what": "Epoch AI's thresholds: median",
                        "snapshot": snap, "price_source": group["price_source"].iloc[0],
                        "factor_per_year": float(ok.median()), "n_trends": int(len(ok)),
                        "trend_ids": sorted(group[group["status"] == "ok"]["trend_id"])})
    return out


def answer_lines(entries: list[dict]) -> list[str]:
    return [f"**Epoch AI's thresholds** on {md_code(e['snapshot'])}: median {fmt_factor(e['factor_per_year'])}x "
            f"per year over {e['n_trends']} informative thresholds (price {md_code(e['price_source'])})."
            for e in entries]


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
