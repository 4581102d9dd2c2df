"""The report's first screen: the answer (``answer_section``), its numbers (``headline``, ``headline.json``) and
their terminal form (``headline_lines``).

What the answer says is what the methods contribute (``Method.answer_rows``: a row of its table per method and
answer, one cell per price definition; ``Method.answer_notes``: the lines below it), in the order of their
``place``, then the registry's; this module only assembles them.
"""

from __future__ import annotations

import pandas as pd

from tasks.core.vocabulary import (BENCHMARKS, PRICE_SOURCES, fmt_factor, fmt_interval, is_uninformative, label,
                                   status_word)
from tasks.data.quality import WINDOW_LAG_WARNING_MONTHS
from tasks.methods import METHODS
from tasks.render.published import reproduction_summary
from tasks.reporting.document import Document
from tasks.reporting.format import (ReportInputs, answer_cell, fmt_date, fmt_months, interval_text, is_estimated,
                                    main_rows, months_to, number, quality_window, tenfold_text)
from tasks.reporting.markup import Md, md_code
from tasks.trends import ESTIMATED
from tasks.trends.geomean import averaged_bands
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


def primary_rule(inputs: ReportInputs) -> dict | None:
    """The rule that picks the primary estimate: the ``[answer]`` section of the first of the run's presets that has
    one (``tasks.study.presets.AnswerSection``), with that preset's name; None when no preset states one."""
    for preset in inputs.meta.get("presets", []):
        if preset.get("answer"):
            return {**preset["answer"], "preset": preset["name"]}
    return None


def window_lag_months(entry: dict, observed_on) -> float | None:
    """Months from the end of an entry's quality window to the price observation date."""
    window = entry.get("quality_window")
    if not window or not observed_on:
        return None
    return max(0.0, round((pd.Timestamp(observed_on) - pd.Timestamp(window["end"])).days / (365.25 / 12), 1))


def headline(inputs: ReportInputs) -> dict:
    """The first screen's numbers, each with its trend id, where it comes from (preset, snapshot, subset, interval
    method, quality window) and whether it is the primary estimate (``headline.json``)."""
    snapshot = latest_snapshot(inputs)
    main = main_rows(inputs.trends)
    rule = primary_rule(inputs)
    out = {"snapshot": snapshot, "observed_on": fmt_date(inputs.observed_on(snapshot)) if snapshot else None,
           "code_commit": (inputs.meta.get("code") or {}).get("git_commit"), "primary_rule": rule, "entries": []}
    # with no estimate for the answer's table (a run of a method with answer notes alone) the notes still answer
    here = main[main["snapshot"] == snapshot] if snapshot is not None else main.iloc[0:0]
    if rule is not None and "preset" in here and (here["preset"] == rule["preset"]).any():
        # several presets side by side (capability beside futuretech-2025): the answer is the rule's preset's, so
        # that the primary and its alternatives are on one quality measure, not the first preset's rows of each kind
        here = here[here["preset"] == rule["preset"]]
    sources = [s for s in PRICE_SOURCES if s in set(here["price_source"].dropna())]

    def add(kind: str, what: str, rows: pd.DataFrame, extra=None):
        for source in sources:
            hit = rows[rows["price_source"] == source]
            if hit.empty:
                continue
            row = hit.iloc[0]
            out["entries"].append({
                "kind": kind, "what": what, "primary": False, "price_source": source, "trend_id": row["trend_id"],
                "preset": row.get("preset"), "snapshot": row.get("snapshot", snapshot), "subset": row.get("subset"),
                "price_type": row.get("price_type"), "ci_method": row.get("ci_method"),
                "quality_window": quality_window(row),
                "status": row["status"], "factor_per_year": number(row["factor_per_year"]),
                "ci_low": number(row["ci_low"]), "ci_high": number(row["ci_high"]),
                "ci_level": number(row["ci_level"]), "n": number(row["n"]),
                "interval": str(interval_text(inputs, row)),
                "interval_is_range": str(interval_text(inputs, row)).startswith("range"),
                "months_to_halve": number(months_to(row["factor_per_year"], 2)) if is_estimated(row) else None,
                "months_to_10x": number(months_to(row["factor_per_year"], 10)) if is_estimated(row) else None,
                "months_since_last": number(row.get("months_since_last")),
                "bands": averaged_bands(row.get("note")), **_left_out(row.get("note")),
                **(extra(inputs, row) if extra is not None else {})})

    for answer in answer_rows():
        add(answer.kind, answer.what, answer.rows(here), answer.extra)
    out["same_as"] = _same_definitions(out["entries"])  # a definition equal to another is not a third one
    out["entries"] = [e for e in out["entries"] if e["price_source"] not in out["same_as"]]
    for note in answer_notes():
        out["entries"] += [{"primary": False, **entry} for entry in note.entries(inputs, main)]
    if rule is not None:  # the primary: the rule's row on the first of its price sources the snapshot has
        wanted = rule.get("select") or {}
        for source in rule["price_sources"]:
            hit = next((e for e in out["entries"] if e["kind"] == rule["primary"] and e["price_source"] == source
                        and e["status"] in ESTIMATED and all(e.get(k) == v for k, v in wanted.items())), None)
            if hit is not None:
                hit["primary"] = True
                break
    return out


def _same_definitions(entries: list[dict]) -> dict[str, str]:
    """Price definitions whose every answer equals an earlier definition's (``first_observed`` on a snapshot that
    has no earlier observation is ``lowest_reported``): definition -> the one it equals."""
    def numbers(source):
        return {e["kind"]: (e["factor_per_year"], e["ci_low"], e["ci_high"]) for e in entries
                if e["price_source"] == source}

    sources = list(dict.fromkeys(e["price_source"] for e in entries))
    same: dict[str, str] = {}
    for i, source in enumerate(sources):
        mine = numbers(source)
        for earlier in sources[:i]:
            if earlier not in same and mine and numbers(earlier) == mine:
                same[source] = earlier
                break
    return same


def primary_entry(numbers: dict) -> dict | None:
    return next((e for e in numbers.get("entries", []) if e.get("primary")), None)


def primary_sentence(numbers: dict, markdown: bool = True) -> str | None:
    """The first screen's quotable sentence: the primary estimate, its interval, its window, one caveat and why it
    is the primary (the preset's rule); None when the run has no primary."""
    entry, rule = primary_entry(numbers), numbers.get("primary_rule")
    if entry is None or rule is None:
        return None
    row = next((a for a in answer_rows() if a.kind == entry["kind"]), None)
    observed_on = entry.get("observed_on") or numbers.get("observed_on")  # a note's entry: its own snapshot's
    factor = f"{fmt_factor(entry['factor_per_year'])}x cheaper per year"
    interval = fmt_interval(entry.get("ci_low"), entry.get("ci_high"))
    ranged = entry.get("interval_is_range") or entry["status"] != "ok"
    bold = (lambda text: f"**{text}**") if markdown and not ranged else (lambda text: text)
    code = (lambda text: md_code(text)) if markdown else (lambda text: text)
    level = f"{entry['ci_level']:.0%}" if entry.get("ci_level") else "90%"
    said = bold(factor)
    if interval != "-":
        said += f" ({'range' if ranged else f'{level} interval'} {interval})"
    window = entry.get("quality_window")
    where = (f"on models released {window['start']} to {window['end']} (the releases scored on "
             f"{label(BENCHMARKS, window['measure'])}), with prices observed up to {observed_on}"
             if window else f"with prices observed up to {observed_on}")
    lag = window_lag_months(entry, observed_on)
    if lag is not None and lag > WINDOW_LAG_WARNING_MONTHS:
        caveat = (f"the quality scores end {fmt_months(lag)} before the prices: models released since "
                  f"{window['end']} are not in it")
    elif entry.get("caveat"):  # the method's own (the cost of a run: its raw trend)
        caveat = entry["caveat"]
    else:
        caveat = ("snapshot prices regressed on release dates compare new models with old ones at today's prices: "
                  "not a price index")
    price = entry.get("price_label") or ANSWER_HEADERS.get(entry["price_source"], entry["price_source"])
    if row is None:  # an answer note's entry (the cost of a benchmark run): its own label
        text = entry.get("label") or entry["what"]
    else:
        text = row.label_of(entry) if row.label_of is not None else row.label
    name = text[:1].lower() + text[1:]
    return (f"{'**Primary estimate**' if markdown else 'Primary estimate'}: {name}, at the {price} "
            f"({code(entry['price_source'])}, {code(entry['snapshot'])}): {said}, {where}. Caveat: {caveat}. "
            f"Why this one: {rule['rule']} (the rule of preset {code(rule['preset'])}).")


def _left_out(note) -> dict:
    """The bands a geometric mean left out and why (its note says "band(s) [30, 50] left out (short span)"):
    ``left_out`` (None if none) and ``left_out_why``."""
    if not isinstance(note, str) or " left out (" not in note:
        return {"left_out": None, "left_out_why": None}
    bands, why = note.split(" left out (", 1)
    return {"left_out": bands.removeprefix("band(s) "), "left_out_why": why.split("); ", 1)[0].rstrip(")")}


def headline_lines(numbers: dict) -> list[str]:
    """The first screen in plain text, for the terminal: one line per answer and price definition."""
    titled = {note.kind for note in answer_notes() if note.title}
    if not numbers.get("snapshot"):
        sentence = primary_sentence(numbers, markdown=False)  # a note's entry can be the primary (its own snapshot)
        lines = ([sentence, ""] if sentence else []) + [
            f"No {' or '.join(answering_methods())} estimate to answer from: see the report."]
        if not any(e["kind"] in titled for e in numbers.get("entries", [])):
            return lines
    else:
        sentence = primary_sentence(numbers, markdown=False)
        lines = ([sentence, ""] if sentence else []) + [
            f"The answer on {numbers['snapshot']} (prices observed up to {numbers['observed_on']}), "
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
                if is_uninformative(e["status"]):
                    text += f" ({status_word(e['status'])})"
                interval = fmt_interval(e.get("ci_low"), e.get("ci_high"))
                if interval != "-":
                    text += f" {'range' if e.get('interval_is_range') else '90%'} {interval}"
                if e.get("months_to_10x") is not None:  # with the months at the ends of the factor's interval
                    text += f", 10x in {tenfold_text(e['factor_per_year'], e.get('ci_low'), e.get('ci_high'))}"
                if e.get("selection_explains"):
                    text += f"; of which the selection alone gives {fmt_factor(e['selection_alone'])}x"
                if e.get("beside"):  # what a method sets beside its factor (the raw trend of a score-controlled one)
                    text += f"; {e['beside']}"
                if e.get("bands"):  # a geometric mean: the bands it averages
                    text += f"; bands {e['bands']}{' only' if e.get('left_out') else ''}"
            name = e["what"] if kind in titled else e["price_source"]
            lines.append(f"    {name:<16} {text}")
    return lines


def answer_section(doc: Document, inputs: ReportInputs, numbers: dict, found: list[dict]) -> None:
    doc.heading("The answer")
    snapshot = numbers["snapshot"]
    if snapshot is None:
        sentence = primary_sentence(numbers)
        if sentence:
            doc.text(sentence)
        doc.text(f"This run has no {' or '.join(answering_methods())} estimate to answer from; every estimate is in "
                 "the table below.")
        lines = []
        for note in answer_notes():
            mine = [e for e in numbers["entries"] if e["kind"] == note.kind]
            if note.alone and mine:
                lines += note.lines(mine)
        doc.bullets(lines)
        return
    sentence = primary_sentence(numbers)
    if sentence:
        doc.text(sentence)
    entries = numbers["entries"]
    windows = sorted({(e["quality_window"]["measure"], e["quality_window"]["start"], e["quality_window"]["end"])
                      for e in entries if e.get("quality_window")})
    scored = "; ".join(f"{label(BENCHMARKS, m)} scores on models released {a} to {b}" for m, a, b in windows)
    doc.text(f"{'Beside it, the alternatives' if sentence else 'The estimates'} on the latest data of this run "
             f"({md_code(snapshot)}, prices observed up to {numbers['observed_on']}"
             f"{'; ' + scored if scored else ''}): how many times cheaper per year inference gets at constant "
             "quality, on each price definition (90% interval; time to halve and to fall tenfold, the latter with the "
             "times at the interval's ends), and why each differs.")
    for measure, _, end in windows:
        lag = window_lag_months({"quality_window": {"end": end}}, numbers["observed_on"])
        if lag <= WINDOW_LAG_WARNING_MONTHS:
            continue
        doc.text(f"**Warning: the quality data end {fmt_months(lag)} before the prices.** The last model scored on "
                 f"{label(BENCHMARKS, measure)} was released on {end}; every trend at constant "
                 f"{label(BENCHMARKS, measure)} stops there, whatever the date of its prices.")
    sources = [s for s in PRICE_SOURCES if any(e.get("price_source") == s for e in entries
                                                if e["kind"] in {answer.kind for answer in answer_rows()})]
    rows = []
    primary = primary_entry(numbers)
    for answer in answer_rows():
        first = next((e for e in entries if e["kind"] == answer.kind), None)
        cells = [answer.label_of(first) if answer.label_of is not None and first is not None else answer.label]
        for source in sources:
            hit = next((e for e in entries if e["kind"] == answer.kind and e["price_source"] == source), None)
            cell = answer_cell(hit) if hit else "-"
            cells.append(Md(f"{cell} (primary)") if hit is not None and hit is primary else cell)
        if primary is not None:
            cells.append("the primary estimate's method" if answer.kind == primary["kind"] else answer.differs)
        if any(c != "-" for c in cells[1:1 + len(sources)]):
            rows.append(cells)
    doc.table(["at constant quality", *[f"{ANSWER_HEADERS.get(s, s)} ({s})" for s in sources],
               *(["why it differs"] if primary is not None else [])],
              rows, "l" * (1 + len(sources) + (primary is not None)))  # text cells: they wrap
    doc.text("Bold: an informative estimate whose interval covers about as often as it says in simulation (else the "
             "interval is called a *range*, with its simulated coverage). The typical-model-per-band row has no interval "
             "(the bands share models, and no joint resampling is run for it); each band's interval is in the table "
             "below. A geometric mean leaves out the bands that carry little information (short span, wide "
             "interval), and says which bands it averages.")
    lines = []
    for note in answer_notes():
        mine = [e for e in entries if e["kind"] == note.kind]
        if mine:
            lines += note.lines(mine)
        elif note.missing:
            lines.append(note.missing)
    for source, other in numbers.get("same_as", {}).items():
        lines.append(f"**{md_code(source)} is {md_code(other)} here**: on {md_code(snapshot)} every estimate on it "
                     f"equals the one on {md_code(other)} (no model was observed earlier), so it is not a third "
                     "definition and is not listed.")
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
