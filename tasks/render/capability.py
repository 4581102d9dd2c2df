"""The report's "Capability scale" section (step 16): when a preset fitted the capability scale
(``tasks.core.irt``, ``tasks.data.capability``), the run's report shows every model's capability (the figure, the top
models, a pointer to ``capability.csv`` for all of them), the anchors, the models left out and why, and the trends
at constant capability beside the MMLU-Pro ones of the same run, each with the release dates it covers. Pure: the
run's tables in, a ``Document``'s blocks out."""

from __future__ import annotations

import pandas as pd

from tasks.core.vocabulary import fmt_interval
from tasks.reporting.document import Document
from tasks.reporting.format import (ReportInputs, factor_text, fmt_int, interval_text, main_rows, scope)
from tasks.reporting.markup import Md, md_code, md_escape
from tasks.render.figures.plan import CAPABILITY_FIGURE

TOP = 20  # the models the report lists; all of them are in capability.csv
LEFT_OUT = 25  # the models left out that the report lists; all of them are in capability_excluded.csv
COMPARED = {"capability": "capability", "mmlu_pro": "MMLU-Pro"}  # quality measure -> its name in the table


def scale_section(meta: dict) -> dict | None:
    """The [capability] section of the run's first preset that has one (``meta["presets"]``), or None."""
    return next((p["capability"] for p in meta.get("presets", []) if isinstance(p, dict) and p.get("capability")),
                None)


def _date(value) -> str:
    stamp = pd.to_datetime(value, errors="coerce")
    return "-" if pd.isna(stamp) else stamp.strftime("%Y-%m-%d")


def window_text(row) -> str:
    """The release dates a trend's points cover: ``2024-01-05 to 2026-06-30``."""
    return f"{_date(row.get('first_date'))} to {_date(row.get('last_date'))}"


def compared_trends(trends: pd.DataFrame) -> pd.DataFrame:
    """The main rows (no variant, a price trend, estimated) at constant capability and at constant MMLU-Pro, in the
    order the table shows them: method, subset, price definition, then capability before MMLU-Pro."""
    rows = main_rows(trends)
    rows = rows[rows["variant"].isna() & (rows["quantity"] == "price") & rows["quality_measure"].isin(COMPARED)
                & (rows["status"] != "skipped")]
    if "price_type" in rows:
        rows = rows[rows["price_type"].isna() | (rows["price_type"] == "blended")]
    order = {name: i for i, name in enumerate(COMPARED)}
    rows = rows.assign(_q=rows["quality_measure"].map(order))
    return rows.sort_values(["method", "subset", "price_source", "snapshot", "_q", "band_low"],
                            na_position="first", kind="mergesort").drop(columns="_q")


def capability_section(doc: Document, inputs: ReportInputs) -> None:
    """The section, when the run has a capability table; nothing otherwise."""
    table = inputs.capability
    if table is None:
        return
    doc.heading("Capability scale", 2, "capability-scale")
    scale = scale_section(inputs.meta)
    anchors = ""
    if scale:
        anchors = (f" Anchors (fixed by the preset, so that new models do not move the scale): "
                   f"{md_code(scale['low_model'])} = {scale['low_value']:g} and {md_code(scale['high_model'])} = "
                   f"{scale['high_value']:g} (Epoch AI's Capabilities Index anchors); a model needs at least "
                   f"{fmt_int(scale['min_scores'])} benchmark scores; intervals: "
                   f"{scale['ci_level']:.0%} over {fmt_int(scale['bootstrap'])} bootstrap refits.")
    dated = pd.to_datetime(table["release_date"], errors="coerce")
    doc.text(f"A latent capability per model, fitted across the benchmarks Artificial Analysis reports per model by "
             f"item response theory (`P = sigmoid(a_b (c_m - d_b))`), so that a trend \"at constant quality\" can "
             f"reach models no single benchmark still scores. {fmt_int(len(table))} models, released "
             f"{_date(dated.min())} to {_date(dated.max())}." + anchors)
    doc.figure(inputs.figures, CAPABILITY_FIGURE, "Figure: every model's capability by release date, open and "
                                                  "closed models apart, with the frontier (the highest capability "
                                                  "released so far) of each")
    top = table.sort_values("capability", ascending=False, kind="mergesort").head(TOP)
    doc.text(f"The {len(top)} most capable models (all {fmt_int(len(table))}, with the benchmarks each was scored "
             "on, are in `capability.csv`):")
    doc.table(["#", "model", "released", "capability", "interval", "benchmarks"],
              [[str(i), md_escape(str(r.name)), _date(r.release_date), f"{r.capability:.1f}",
                fmt_interval(r.ci_low, r.ci_high), fmt_int(r.n_benchmarks)]
               for i, r in enumerate(top.itertuples(index=False), start=1)], "rllrrr")
    left_out = inputs.capability_excluded
    if left_out is not None and not left_out.empty:
        models = left_out[left_out["kind"] == "model"]
        others = left_out[left_out["kind"] != "model"]
        doc.text(f"Left out of the scale: {fmt_int(len(models))} model(s) and {fmt_int(len(others))} benchmark(s)"
                 + (f" (the first {LEFT_OUT} here; every one, with why, in `capability_excluded.csv`):"
                    if len(left_out) > LEFT_OUT else " (also in `capability_excluded.csv`):"))
        shown = pd.concat([others, models]).head(LEFT_OUT)
        doc.table(["what", "id", "why"], [[str(r.kind), md_escape(str(r.id)), md_escape(str(r.reason))]
                                          for r in shown.itertuples(index=False)], "lll")
    rows = compared_trends(inputs.trends)
    doc.heading("Trends at constant capability and at constant MMLU-Pro", 3)
    if rows.empty:
        doc.text("No trend of this run holds capability or MMLU-Pro constant.")
        return
    doc.text("The same methods holding capability constant and holding MMLU-Pro constant, side by side (blended "
             "prices; a frontier's bands are paired by their order on each measure's own scale, lowest first). "
             "*window*: the release dates of the models each trend's points cover; MMLU-Pro stopped being run in "
             "early 2026, so its trends end there. Every row with its flags is in the table of every estimate above "
             "and in `trends.csv`.")

    def cell(row) -> list:
        if row is None:
            return ["-", "-", "-"]
        estimate = factor_text(row)
        interval = interval_text(inputs, row)
        # escaped as one plain text: a cell starting "> 1000x" would otherwise read as a quote
        text = Md(md_escape(f"{estimate} [{interval}]" if interval != "-" else f"{estimate}"))
        return [scope(inputs, row), text, f"{window_text(row)} (n={fmt_int(row['n'])})"]

    table = []
    for key, group in rows.groupby(["method", "snapshot", "price_source", "subset"], sort=False):
        pairs = [group[group["quality_measure"] == measure].reset_index(drop=True) for measure in COMPARED]
        for i in range(max(len(p) for p in pairs)):
            left, right = (p.iloc[i] if i < len(p) else None for p in pairs)
            table.append([key[0], f"{key[1]} · {key[2]} · {key[3]}", *cell(left), *cell(right)])
    doc.table(["method", "snapshot · price · subset", "capability: scope", "x / year [90%]", "window",
               "MMLU-Pro: scope", "x / year [90%]", "window"], table, "llllllll")
