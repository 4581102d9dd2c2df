"""The report's first screen: the answer (``answer_section``), its numbers (``headline``, ``headline.json``) and
their terminal form (``headline_lines``).

What the answer says is what the methods contribute (``Method.answer_rows``: a row of its table per method and
answer, one cell per price definition; ``Method.answer_notes``: the lines below it), in the order of their
``place``, then the registry's; this module only assembles them.
"""

from __future__ import annotations

import pandas as pd

from tasks.core.vocabulary import PRICE_SOURCES, fmt_factor, fmt_interval
from tasks.methods import METHODS
from tasks.render.published import reproduction_summary
from tasks.reporting.document import Document
from tasks.reporting.format import (ReportInputs, answer_cell, fmt_date, interval_text, is_estimated, main_rows,
                                    months_to, number, tenfold_text)
from tasks.reporting.markup import md_code
from tasks.trends import ESTIMATED
from tasks.trends.method import AnswerNote, AnswerRow

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


ANSWER_HEADERS = {"lowest_provider": "lowest price across providers",
                  "lowest_reported": "lowest price across providers, as reported",
                  "first_observed": "lowest price when first observed", "aa_headline": "list price, AA headline",
                  "source_price": "the source's price"}


def answering_methods() -> list[str]:
    """The methods the answer's table is drawn from (those with answer rows), in registry order."""
    return [method.name for method in METHODS if method.answer_rows]


def answer_rows() -> list[AnswerRow]:
    """Every method's rows of the answer's table, by place, then in registry order."""
    rows = [(row.place, index, row) for index, method in enumerate(METHODS) for row in method.answer_rows]
    return [row for _, _, row in sorted(rows, key=lambda item: item[:2])]


def answer_notes() -> list[AnswerNote]:
    """Every method's lines below the answer's table, by place, then in registry order."""
    notes = [(note.place, index, note) for index, method in enumerate(METHODS) for note in method.answer_notes]
    return [note for _, _, note in sorted(notes, key=lambda item: item[:2])]


def latest_snapshot(inputs: ReportInputs) -> str | None:
    """The snapshot with the latest observation date among those with estimates of a method the answer's table is
    drawn from (``Method.answer_rows``)."""
    main = main_rows(inputs.trends)
    usable = sorted({s for s in main[main["method"].isin(answering_methods())
                                     & main["status"].isin(ESTIMATED)]["snapshot"]})
    dated = [(inputs.observed_on(s), s) for s in usable if inputs.observed_on(s) is not None]
    return max(dated)[1] if dated else (usable[-1] if usable else None)


def headline(inputs: ReportInputs) -> dict:
    """The first screen's numbers, each with its trend id (``headline.json``)."""
    snapshot = latest_snapshot(inputs)
    main = main_rows(inputs.trends)
    out = {"snapshot": snapshot, "observed_on": fmt_date(inputs.observed_on(snapshot)) if snapshot else None,
           "entries": []}
    # with no estimate for the answer's table (a run of a method with answer notes alone) the notes still answer
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
                "status": row["status"], "factor_per_year": number(row["factor_per_year"]),
                "ci_low": number(row["ci_low"]), "ci_high": number(row["ci_high"]),
                "ci_level": number(row["ci_level"]), "n": number(row["n"]),
                "interval": str(interval_text(inputs, row)),
                "interval_is_range": str(interval_text(inputs, row)).startswith("range"),
                "months_to_halve": number(months_to(row["factor_per_year"], 2)) if is_estimated(row) else None,
                "months_to_10x": number(months_to(row["factor_per_year"], 10)) if is_estimated(row) else None,
                "months_since_last": number(row.get("months_since_last")),
                "left_out": _left_out(row.get("note"))})

    for answer in answer_rows():
        add(answer.kind, answer.what, answer.rows(here))
    for note in answer_notes():
        out["entries"] += note.entries(inputs, main)
    return out


def _left_out(note) -> str | None:
    """The bands a geometric mean left out (its note says "band(s) [30, 50] left out (uninformative)")."""
    if not isinstance(note, str) or " left out (" not in note:
        return None
    return note.split(" left out (")[0].removeprefix("band(s) ")


def headline_lines(numbers: dict) -> list[str]:
    """The first screen in plain text, for the terminal: one line per answer and price definition."""
    titled = {note.kind for note in answer_notes() if note.title}
    if not numbers.get("snapshot"):
        lines = [f"No {' or '.join(answering_methods())} estimate to answer from: see the report."]
        if not any(e["kind"] in titled for e in numbers.get("entries", [])):
            return lines
    else:
        lines = [f"The answer on {numbers['snapshot']} (prices observed up to {numbers['observed_on']}), "
                 "x cheaper per year at constant quality:"]
    titles = {**{answer.kind: answer.title for answer in answer_rows()},
              **{note.kind: note.title for note in answer_notes() if note.title}}
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
                if e.get("months_to_10x") is not None:  # with the months at the ends of the factor's interval
                    text += f", 10x in {tenfold_text(e['factor_per_year'], e.get('ci_low'), e.get('ci_high'))}"
            name = e["what"] if kind in titled else e["price_source"]
            lines.append(f"    {name:<16} {text}")
    return lines


def answer_section(doc: Document, inputs: ReportInputs, numbers: dict, found: list[dict]) -> None:
    doc.heading("The answer")
    snapshot = numbers["snapshot"]
    if snapshot is None:
        doc.text(f"This run has no {' or '.join(answering_methods())} estimate to answer from; every estimate is in "
                 "the table below.")
        lines = []
        for note in answer_notes():
            mine = [e for e in numbers["entries"] if e["kind"] == note.kind]
            if note.alone and mine:
                lines += note.lines(mine)
        doc.bullets(lines)
        return
    doc.text(f"On the latest data of this run ({md_code(snapshot)}, prices observed up to {numbers['observed_on']}): "
             "how many times cheaper per year inference gets at constant quality, on each price definition "
             "(90% interval; time to halve and to fall tenfold, the latter with the times at the interval's "
             "ends).")
    entries = numbers["entries"]
    sources = [s for s in PRICE_SOURCES if any(e.get("price_source") == s for e in entries
                                                if e["kind"] in {answer.kind for answer in answer_rows()})]
    rows = []
    for answer in answer_rows():
        cells = [answer.label]
        for source in sources:
            hit = next((e for e in entries if e["kind"] == answer.kind and e["price_source"] == source), None)
            cells.append(answer_cell(hit) if hit else "-")
        if any(c != "-" for c in cells[1:]):
            rows.append(cells)
    doc.table(["at constant quality", *[f"{ANSWER_HEADERS.get(s, s)} ({s})" for s in sources]],
              rows, "l" * (1 + len(sources)))  # text cells: they wrap
    doc.text("Bold: an informative estimate whose interval covers about as often as it says in simulation (else the "
             "interval is called a *range*, with its simulated coverage). The typical-model-per-band row has no interval "
             "(the bands share models, and no joint resampling is run for it); each band's interval is in the table "
             "below. A geometric mean leaves out the bands that carry no information, and says which.")
    lines = []
    for note in answer_notes():
        mine = [e for e in entries if e["kind"] == note.kind]
        if mine:
            lines += note.lines(mine)
        elif note.missing:
            lines.append(note.missing)
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
