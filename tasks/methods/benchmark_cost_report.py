"""The cost of a benchmark run's part of the report's details on one snapshot
(``tasks.methods.benchmark_cost``'s ``Method.section``): its figures, one per benchmark (its estimates are in the
report's table of every estimate and in its answer).
"""

from __future__ import annotations

import pandas as pd

from tasks.core.vocabulary import BENCHMARKS, label
from tasks.reporting.document import Document
from tasks.reporting.format import ReportInputs, answer_cell, interval_text, is_estimated, months_to, number
from tasks.reporting.markup import md_code, md_escape
from tasks.trends import ESTIMATED
from tasks.trends.method import AnswerNote, main_estimates


def benchmark_cost_details(doc: Document, inputs: ReportInputs, snapshot: str) -> None:
    """The cost-per-run figure of each benchmark (method benchmark_cost), in the plan's order."""
    prefix = f"figures/{snapshot}/benchmark_cost_"
    for key in [k for k in inputs.figures if k.startswith(prefix) and k.endswith(".png")]:
        benchmark = key.removeprefix(prefix).removesuffix(".png")
        doc.figure(inputs.figures, key, f"Figure: cost of one run of {md_escape(BENCHMARKS.get(benchmark, benchmark))} "
                                        f"over time on {md_code(snapshot)}, the score as colour, the Pareto points "
                                        "joined, the Pareto and unrestricted fits")


def answer_entries(inputs: ReportInputs, main: pd.DataFrame) -> list[dict]:
    """The cost of one benchmark run per benchmark and subset, on its own snapshot (the authors' runs data): the
    latest that has estimates."""
    cost = main[(main["method"] == "benchmark_cost") & main["variant"].isna() & main["status"].isin(ESTIMATED)
                & (main["quantity"] == "cost_per_run")]
    if len(cost):
        dated = sorted((inputs.observed_on(s) or pd.Timestamp.min, s) for s in cost["snapshot"].unique())
        cost = cost[cost["snapshot"] == dated[-1][1]]
    return [{
        "kind": "benchmark_cost", "snapshot": row["snapshot"], "subset": row["subset"],
        "what": f"{label(BENCHMARKS, row['quality_measure'])}, {row['subset']} models",
        "price_source": row["price_source"], "trend_id": row["trend_id"], "status": row["status"],
        "factor_per_year": number(row["factor_per_year"]), "ci_low": number(row["ci_low"]),
        "ci_high": number(row["ci_high"]), "n": number(row["n"]),
        "interval": str(interval_text(inputs, row)),
        "interval_is_range": str(interval_text(inputs, row)).startswith("range"),
        "months_to_10x": number(months_to(row["factor_per_year"], 10)) if is_estimated(row) else None}
        for _, row in cost.sort_values(["quality_measure", "subset"]).iterrows()]


def answer_lines(costs: list[dict]) -> list[str]:
    """The answer's line on the cost of one benchmark run."""
    parts = [f"{md_escape(e['what'])}: {answer_cell(e)}" for e in costs]
    return [f"**Cost of one benchmark run** on {md_code(costs[0]['snapshot'])} (tokens actually spent x prices, or the "
            "source's own cost of a run; Pareto frontier, controlling for the score): " + "; ".join(parts) + "."]


ANSWER_NOTES = (AnswerNote(kind="benchmark_cost", entries=answer_entries, lines=answer_lines, place=0,
                           missing="**Cost of one benchmark run** (tokens actually spent x prices): not in this run "
                                   "(the `futuretech-2026` preset on the authors' 2026 data estimates it).",
                           title="cost of one benchmark run (Pareto frontier, score controlled)", alone=True),)


def overview(rows: pd.DataFrame) -> pd.Series:
    """The table of every estimate shows each main row of its trends (the cost of a run, too, and a skipped one)."""
    return main_estimates(rows) | rows["variant"].isna()
