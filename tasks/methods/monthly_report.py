"""The monthly cheapest's part of the report's details on one snapshot (``tasks.methods.monthly``'s
``Method.section``).
"""

from __future__ import annotations

from tasks.core.vocabulary import BENCHMARKS, label
from tasks.reporting.document import Document
from tasks.reporting.format import ReportInputs, factor_text, fmt_band, fmt_int, interval_text, measure_text, ran
from tasks.reporting.markup import md_code
from tasks.trends.method import RowGroup


def monthly_details(doc: Document, inputs: ReportInputs, snapshot: str) -> None:
    rows = ran(inputs, snapshot, "monthly_cheapest")
    if rows.empty:
        return
    doc.heading(f"Monthly cheapest above a threshold (a16z's method): {md_code(snapshot)}", 3)
    doc.text("The cheapest model at or above a fixed score, month by month, regressed (log10) on the month: "
             "consecutive months repeat one model, so the interval overstates the evidence.")
    doc.table(["benchmark", "threshold", "price", "x / year", "90% interval", "months", "note"],
              [[label(BENCHMARKS, r["quality_measure"]), fmt_band(r), f"{r['price_source']} · {r['price_type']}",
                factor_text(r), interval_text(inputs, r), fmt_int(r["n"]), r["note"] or "-"]
               for _, r in rows.iterrows()], "llllrrl")


# --- how its rows read in the cross-method figures (Method hooks) ------------------------------------------------
def figure_scope(row) -> str:
    return f"{measure_text(row)} ≥ {row.band_low:g}"


SUMMARY_GROUPS = (RowGroup("Monthly cheapest above a threshold (a16z method)",
                           lambda t: t.method == "monthly_cheapest", 6),)
