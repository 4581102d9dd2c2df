"""The cost of a benchmark run's part of the report's details on one snapshot
(``tasks.methods.benchmark_cost``'s ``Method.section``): its figures, one per benchmark (its estimates are in the
report's table of every estimate and in its answer).
"""

from __future__ import annotations

import pandas as pd

from tasks.core.vocabulary import BENCHMARKS, fmt_factor, fmt_interval, is_uninformative, label, status_word
from tasks.reporting.document import Document
from tasks.reporting.format import (ReportInputs, answer_cell, interval_text, is_estimated, main_rows, months_to,
                                    number, quality_window)
from tasks.reporting.markup import md_code, md_escape
from tasks.trends import ESTIMATED
from tasks.trends.method import AnswerNote, main_estimates


def _cell(row) -> str:
    if row is None:
        return "-"
    if not is_estimated(row):
        return str(md_escape(row["status"]))
    interval = fmt_interval(row["ci_low"], row["ci_high"])
    text = f"{fmt_factor(row['factor_per_year'])}x" + ("" if interval == "-" else f" [{interval}]")
    if is_uninformative(row["status"]):
        return text + f" ({status_word(row['status'])})"
    return text + (" (dearer each year)" if pd.notna(row["ci_high"]) and row["ci_high"] < 1 else "")


def raw_table(doc: Document, inputs: ReportInputs, snapshot: str) -> None:
    """Per benchmark and subset: the cost of a run x cheaper per year controlling for the score (Pareto points, every
    run) and raw, on the date alone (Pareto points, every run); below 1 a run gets dearer each year."""
    rows = main_rows(inputs.trends)
    rows = rows[(rows["snapshot"] == snapshot) & (rows["method"] == "benchmark_cost")
                & (rows["quantity"] == "cost_per_run")]
    heads = rows[rows["variant"].isna() & (rows["status"] != "skipped")]
    if heads.empty:
        return
    table = []
    for _, row in heads.sort_values(["quality_measure", "subset"]).iterrows():
        siblings = [_sibling(rows, row, variant) for variant in ("unrestricted", "raw", "raw_unrestricted")]
        table.append([label(BENCHMARKS, row["quality_measure"]), row["subset"], _cell(row), _cell(siblings[0]),
                      _cell(siblings[1]), _cell(siblings[2]),
                      " / ".join("-" if r is None else str(int(r["n"])) for r in (row, siblings[0]))])
    doc.text("The cost of one run, x cheaper per year (90% OLS intervals): controlling for the score (logit), as the "
             "authors, and raw, on the date alone: what a run actually cost. A factor below 1 is a run getting "
             "dearer each year (marked where the whole interval is below 1); the score rising with the date makes "
             "the difference.")
    doc.table(["benchmark", "subset", "score controlled: Pareto", "score controlled: all runs", "raw: Pareto",
               "raw: all runs", "n (Pareto / all)"], table, "llrrrrr")


def benchmark_cost_details(doc: Document, inputs: ReportInputs, snapshot: str) -> None:
    """The table of the score-controlled and raw fits, and the cost-per-run figure of each benchmark (method
    benchmark_cost), in the plan's order."""
    raw_table(doc, inputs, snapshot)
    prefix = f"figures/{snapshot}/benchmark_cost_"
    for key in [k for k in inputs.figures if k.startswith(prefix) and k.endswith(".png")]:
        benchmark = key.removeprefix(prefix).removesuffix(".png")
        doc.figure(inputs.figures, key, f"Figure: cost of one run of {md_escape(BENCHMARKS.get(benchmark, benchmark))} "
                                        f"over time on {md_code(snapshot)}, the score as colour, the Pareto points "
                                        "joined, the Pareto and unrestricted fits")


# the variants set beside the headline (score-controlled, Pareto points): (entry prefix, variant, what it is)
BESIDE = (("raw", "raw", "the Pareto points"), ("raw_all", "raw_unrestricted", "all runs"),
          ("adjusted_all", "unrestricted", "all runs, score controlled"))


def _sibling(main: pd.DataFrame, row, variant: str):
    """The row of ``variant`` fitted on the same snapshot, benchmark, subset and price definition as ``row``."""
    same = main[(main["method"] == row["method"]) & (main["snapshot"] == row["snapshot"])
                & (main["quality_measure"] == row["quality_measure"]) & (main["subset"] == row["subset"])
                & (main["price_source"] == row["price_source"]) & (main["quantity"] == row["quantity"])
                & (main["variant"] == variant)]
    return next((r for _, r in same.iterrows()), None)


def _beside_fields(main: pd.DataFrame, row) -> dict:
    """``raw_*``, ``raw_all_*`` and ``adjusted_all_*``: factor, interval, n, status and trend id of the raw fits (no
    score control) on the Pareto points and on every run, and of the score-controlled fit on every run."""
    fields = {}
    for prefix, variant, _ in BESIDE:
        other = _sibling(main, row, variant)
        estimated = other is not None and other["status"] in ESTIMATED
        fields.update({
            f"{prefix}_trend_id": None if other is None else other["trend_id"],
            f"{prefix}_status": None if other is None else other["status"],
            f"{prefix}_factor_per_year": number(other["factor_per_year"]) if estimated else None,
            f"{prefix}_ci_low": number(other["ci_low"]) if estimated else None,
            f"{prefix}_ci_high": number(other["ci_high"]) if estimated else None,
            f"{prefix}_n": number(other["n"]) if other is not None else None})
    return fields


def _direction(factor: float) -> str:
    """``2.4x dearer each year`` below 1 (the cost rises), ``1.11x cheaper per year`` above."""
    if factor < 1:
        return f"{fmt_factor(1 / factor)}x dearer each year"
    return f"{fmt_factor(factor)}x cheaper per year"


def raw_text(entry: dict) -> str | None:
    """What one run actually cost over time, without the score control, for the answer's line and the terminal:
    ``raw cost of a run (no score control): 0.42x per year [0.20-0.90] on the Pareto points (n = 20), 2.38x dearer
    each year; 1.11x per year [...] on all runs (n = 75), 1.11x cheaper per year``; and, where a raw fit's whole
    interval is below 1, that running frontier models is getting dearer. None without a raw fit."""
    parts, dearer = [], False
    for prefix, _, what in BESIDE[:2]:
        factor = entry.get(f"{prefix}_factor_per_year")
        if factor is None:
            status = entry.get(f"{prefix}_status")
            if status:
                parts.append(f"{what}: {status}")
            continue
        interval = fmt_interval(entry.get(f"{prefix}_ci_low"), entry.get(f"{prefix}_ci_high"))
        n = entry.get(f"{prefix}_n")
        where = f"{what} (n = {int(n)})" if n is not None else what
        status = entry.get(f"{prefix}_status")
        muted = f" ({status_word(status)})" if is_uninformative(status) else ""
        parts.append(f"{fmt_factor(factor)}x per year{muted}{'' if interval == '-' else f' [{interval}]'} on {where}, "
                     f"{_direction(factor)}")
        high = entry.get(f"{prefix}_ci_high")
        dearer = dearer or (high is not None and high < 1)  # the whole interval a rise, not the point alone
    if not parts:
        return None
    text = "raw cost of a run (no score control): " + "; ".join(parts)
    if dearer:
        text += " - running frontier models is getting dearer (what falls is the cost at a constant score)"
    return text


# the authors' own conclusion on the raw cost of a run (Gundlach et al., arXiv 2511.23455v2, abstract)
AUTHORS = ("the authors themselves conclude that \"the price of running frontier models is rising between 3x to 18x "
           "per year due to bigger models and larger reasoning demands\" (Gundlach et al., arXiv 2511.23455v2)")


def _caveat(entry: dict) -> str | None:
    """The primary sentence's caveat for a cost of a run: what one run actually cost over time (its raw trend)."""
    factor = entry.get("raw_all_factor_per_year")
    if factor is None:
        return None
    dearer = factor < 1
    return (f"the raw cost of one run (no score control, every run) gets {_direction(factor)}; the fall is at a "
            "constant score, from the logit(score) control, and needs it" + (f"; {AUTHORS}" if dearer else ""))


def answer_entries(inputs: ReportInputs, main: pd.DataFrame) -> list[dict]:
    """The cost of one benchmark run per benchmark and subset, on its own snapshot (the authors' runs data): the
    latest that has estimates; each with its raw fits (no score control) beside it (``raw_*``, ``raw_all_*``; the
    score-controlled fit on every run: ``adjusted_all_*``) and ``beside``, the text the terminal prints after it."""
    fits = main[(main["method"] == "benchmark_cost") & main["status"].isin(ESTIMATED)
                & (main["quantity"] == "cost_per_run")]
    cost = fits[fits["variant"].isna() | (fits["variant"] == UNRESTRICTED)]
    if len(cost):
        dated = sorted((inputs.observed_on(s) or pd.Timestamp.min, s) for s in cost["snapshot"].unique())
        cost = cost[cost["snapshot"] == dated[-1][1]]
    entries = []
    for _, row in cost.sort_values(["quality_measure", "subset", "variant"], na_position="first").iterrows():
        every_run = row["variant"] == UNRESTRICTED
        benchmark = label(BENCHMARKS, row["quality_measure"])
        observed = inputs.observed_on(row["snapshot"])
        entry = {
            # the Pareto fit answers in the note; the fit on every run (no Pareto selection) is an entry of its own,
            # which a preset's [answer] can pick as its primary (the least exposed to selection)
            "kind": "benchmark_cost_unrestricted" if every_run else "benchmark_cost", "snapshot": row["snapshot"],
            "subset": row["subset"], "quality_measure": row["quality_measure"],
            "variant": None if pd.isna(row["variant"]) else row["variant"],
            "preset": row.get("preset"), "ci_method": row.get("ci_method"), "ci_level": number(row.get("ci_level")),
            "what": f"{benchmark}, {row['subset']} models{', every run' if every_run else ''}",
            "label": f"Cost of one {benchmark} run at constant score ("
                     f"{'every run' if every_run else 'Pareto frontier'}, {row['subset']} models, logit(score) "
                     "control)",
            "price_label": PRICE_LABELS.get(row["price_source"], row["price_source"]),
            "observed_on": observed.date().isoformat() if observed is not None else None,
            "quality_window": quality_window(row),
            "price_source": row["price_source"], "trend_id": row["trend_id"], "status": row["status"],
            "factor_per_year": number(row["factor_per_year"]), "ci_low": number(row["ci_low"]),
            "ci_high": number(row["ci_high"]), "n": number(row["n"]),
            "interval": str(interval_text(inputs, row)),
            "interval_is_range": str(interval_text(inputs, row)).startswith("range"),
            "months_to_10x": number(months_to(row["factor_per_year"], 10)) if is_estimated(row) else None,
            **_beside_fields(main, row)}
        entry["beside"] = raw_text(entry)
        entry["caveat"] = _caveat(entry)
        entries.append(entry)
    return entries


UNRESTRICTED = "unrestricted"
PRICE_LABELS = {"list_price": "monthly list prices (the tokens each run used x the model's list price that month)",
                "source_price": "source's own cost of a run"}


def answer_lines(costs: list[dict]) -> list[str]:
    """The answer's line on the cost of one benchmark run: the score-controlled factor, and beside it the raw one."""
    parts = []
    costs = [e for e in costs if e["kind"] == "benchmark_cost"]  # the Pareto fits; every run's is beside each
    if not costs:
        return []
    for e in costs:
        text = f"{md_escape(e['what'])}, controlling for the score: {answer_cell(e)}"
        if e.get("beside"):
            text += f"; {md_escape(e['beside'])}"
        parts.append(text)
    dearer = any("getting dearer" in (e.get("beside") or "") for e in costs)
    return [f"**Cost of one benchmark run** on {md_code(costs[0]['snapshot'])} (tokens actually spent x prices, or the "
            "source's own cost of a run; Pareto frontier): " + "; ".join(parts) + "."
            + (f" Running frontier models is getting dearer: {md_escape(AUTHORS)}." if dearer else "")]


ANSWER_NOTES = (AnswerNote(kind="benchmark_cost", entries=answer_entries, lines=answer_lines, place=0,
                           missing="**Cost of one benchmark run** (tokens actually spent x prices): not in this run "
                                   "(the `futuretech-2026` preset on the authors' 2026 data estimates it).",
                           title="cost of one benchmark run (Pareto frontier, score controlled; raw beside it)",
                           alone=True),)


def overview(rows: pd.DataFrame) -> pd.Series:
    """The table of every estimate shows each main row of its trends (the cost of a run, too, and a skipped one); the
    raw fits are in the method's details table."""
    return main_estimates(rows) | rows["variant"].isna()
