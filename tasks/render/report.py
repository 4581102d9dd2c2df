"""The report: the answer first, then every estimate in one table, then the details and an appendix.

The report is assembled here from three parts: the formatting every section shares (``tasks.reporting``), the
answer (``tasks.render.answer``: what each method contributes to the first screen) and the per-method details
(each method's ``Method.section``, placed by ``section_place``/``more_sections``); this module adds the sections
that belong to no method (published vs reproduced, the methods side by side, breaks, vintages, history,
resolution, data quality, definitions, appendix).

``build_report`` turns the run's tables into a ``Document`` (``tasks.render.document``) and the first screen's
numbers (``headline.json``); Jinja2 templates render the document as ``report.md`` and a self-contained
``report.html`` (figures embedded, a table of contents with anchors). The report is a pure function of its inputs:
no timestamps or run ids (those are in ``manifest.json`` and ``CITATION.bib``), so an unchanged rerun serves it
from the cache with identical bytes.

Conventions the report follows (and states in its definitions section):
- a factor is "times cheaper per year"; beside it the time to halve and to fall 10-fold;
- an estimate whose status is ``short_span`` or ``wide_interval`` (little information) is printed with its reason,
  never in bold, and is left out of geometric means (a median says how many it left out);
- an interval whose simulated coverage is far below its nominal level is called a *range*, with the coverage;
- every headline is shown on each price definition, with the one the published study used named.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from tasks.core.vocabulary import is_uninformative, status_word
from tasks.core.vocabulary import (COVERAGE_FLOOR, FACTOR_HIGH, FACTOR_LOW, PRICE_SOURCES, fmt_factor,
                                   fmt_interval)
from tasks.files.tables import read_csv_output
from tasks.methods import METHODS
from tasks.render.answer import answer_section, headline
from tasks.render.capability import capability_section
from tasks.render.comparison import compared_methods, methods_selection
from tasks.render.document import render_html, render_markdown
from tasks.render.published import fmt_value, reproductions
from tasks.reporting.document import Document
from tasks.reporting.format import (FEW_CLUSTERS, SELECTION_P, STALLED_MONTHS, ReportInputs, factor_text, flags,
                                    fmt_int, fmt_number, fmt_p, fmt_usd, interval_text, main_rows, scope, select,
                                    time_text)
from tasks.reporting.markup import Md, md_code, md_escape
from tasks.trends import ESTIMATED

# --- every estimate at a glance ----------------------------------------------------------------------------------
def overview_mask(main: pd.DataFrame) -> pd.Series:
    """The rows of the table of every estimate: of each method's main rows, those its ``Method.overview`` shows."""
    mask = pd.Series(False, index=main.index)
    for method in METHODS:
        mine = main["method"].isin(method.names())
        mask |= mine & method.overview(main)
    return mask


def overview_section(doc: Document, inputs: ReportInputs, found: list[dict]) -> None:
    doc.heading("Every estimate at a glance")
    doc.text("One row per method, snapshot, price definition and scope (main estimates: no sensitivity variant but "
             "the typical-model rows; every row of every variant is in `trends.csv`). *flags* are defined in "
             "[Definitions](#definitions). Estimates with a short span or a wide interval are shown for completeness, "
             "with their reason, never in bold.")
    main = main_rows(inputs.trends)
    shown = main[overview_mask(main)]
    published = {}
    for item in found:
        if item["main_row"] is not None:
            published[item["main_row"]["trend_id"]] = fmt_value(item["value"])
    order = {m: i for i, m in enumerate(name for method in METHODS for name in (*method.derived, method.name))}
    shown = shown.assign(_m=shown["method"].map(order).fillna(9),
                         _s=shown["price_source"].map({s: i for i, s in enumerate(PRICE_SOURCES)}).fillna(9))
    rows = []
    for _, row in shown.sort_values(["snapshot", "_m", "_s", "subset", "price_type", "variant", "band_low"],
                                    na_position="first", kind="mergesort").iterrows():
        method = row["method"] + (" (typical)" if row["variant"] == "typical" else "")
        price = row["price_source"] if pd.isna(row["price_type"]) else f"{row['price_source']} · {row['price_type']}"
        rows.append([method, row["snapshot"], price, row["subset"],
                     scope(inputs, row), factor_text(row), interval_text(inputs, row), time_text(row), fmt_int(row["n"]),
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
                     else f"{item['value']:g}") if entry.rounded_to else fmt_value(item["value"])
        if entry.ci:
            published += f" [{fmt_interval(*entry.ci)}]"
        ours = fmt_value(item["ours"])
        if main_row is not None and pd.notna(main_row["ci_low"]):
            ours += f" [{fmt_interval(main_row['ci_low'], main_row['ci_high'])}]"
        if main_row is not None and is_uninformative(main_row["status"]):
            ours += f" ({status_word(main_row['status'])})"
        rows.append([Md(md_escape(entry.label) + (" *(reconstructed)*" if entry.kind == "reconstructed" else "")),
                     entry.snapshot, published, ours, fmt_value(item["ours_published"]),
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
        spread = (f"{fmt_interval(informative.min(), informative.max())}x, median "
                  f"{fmt_factor(informative.median())}x over {len(informative)} informative estimates"
                  if len(informative) else "no informative estimate")
        if len(rows) > len(informative):  # never dropped silently: the median of every estimate beside it
            spread += (f" (median of all {len(rows)} estimates, {len(rows) - len(informative)} with a short span or "
                       f"a wide interval among them: {fmt_factor(rows['factor_per_year'].median())}x)")
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
    side_by_side = [method for method in METHODS if method.vintage is not None]
    chosen = pd.Series(False, index=main.index)
    for method in side_by_side:
        chosen |= (main["method"] == method.name) & method.vintage(main)
    main = main[main["variant"].isna() & (main["quantity"] == "price") & chosen]
    snapshots = [s for s in snapshots if (main[main["snapshot"] == s]["status"] != "skipped").any()]
    if len(snapshots) < 2:
        return
    doc.heading("Vintage comparison", 3)
    doc.text("The same trends on each snapshot and price definition (open and all models, blended and per type). "
             "Frontier intervals are descriptive.")
    columns = [(snap, source) for snap in snapshots for source in PRICE_SOURCES
               if ((main["snapshot"] == snap) & (main["price_source"] == source)).any()]
    keys = main[["method", "subset", "price_type", "band_low", "band_high"]].drop_duplicates()
    keys = keys.assign(_m=keys["method"].map({method.name: i for i, method in enumerate(side_by_side)}),
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
        mixed = rises[~rises["same_source"].astype(bool)]
        doc.text(f"The same model in two snapshots ({len(rises)} models priced in both, by model id): its lowest "
                 f"blended price across providers rose for {len(up)} of them, the largest rises"
                 + (f" ({len(mixed)} of the pairs compare two different price sources, so their change mixes a "
                    "change of source with a change over time)" if len(mixed) else "") + ":")
        doc.table(["model", "earlier snapshot", "$ / 1M tokens", "later snapshot", "$ / 1M tokens", "rise"],
                  [[r.name, f"{r.snapshot_a} ({r.price_source_a})", fmt_usd(r.price_a),
                    f"{r.snapshot_b} ({r.price_source_b})", fmt_usd(r.price_b), f"{r.change:.2f}x"]
                   for r in up.sort_values("change", ascending=False).head(12).itertuples()], "llrlrr")
        doc.text("Every model priced in both snapshots, with both prices, is in `price_changes.csv`.")


LOWEST = ("lowest_provider", "lowest_reported")  # the lowest price across providers: computed, or as reported
PRICE_CHANGE_COLUMNS = ["model_id", "name", "snapshot_a", "price_source_a", "price_a", "snapshot_b",
                        "price_source_b", "price_b", "change", "same_source"]


def price_changes(inputs: ReportInputs) -> pd.DataFrame | None:
    """Per model in two snapshots (same id, a lowest-across-providers price in each): the later / earlier price,
    on one price source where both snapshots have it (a change of source is not a change over time); where they
    have none in common, each snapshot's own, and ``same_source`` false says so."""
    dated = sorted((inputs.observed_on(s), s) for s in inputs.cleans if inputs.observed_on(s) is not None)
    rows = []
    for (_, a), (_, b) in zip(dated, dated[1:]):
        def sources(snapshot) -> list[str]:
            have = set(inputs.cleans[snapshot].analysis["price_source"])
            return [s for s in LOWEST if s in have]

        common = [s for s in sources(a) if s in sources(b)]

        def lowest(snapshot, source):
            frame = inputs.cleans[snapshot].analysis
            frame = frame[frame["price_source"] == source]
            return frame.sort_values("observed_on").drop_duplicates("model_id", keep="last").set_index("model_id")
        source_a, source_b = (common[0], common[0]) if common else (next(iter(sources(a)), None),
                                                                   next(iter(sources(b)), None))
        if source_a is None or source_b is None:
            continue
        left, right = lowest(a, source_a), lowest(b, source_b)
        both = left.index.intersection(right.index)
        for model in both:
            pa, pb = left.at[model, "blended_usd_per_mtok"], right.at[model, "blended_usd_per_mtok"]
            if pd.notna(pa) and pd.notna(pb) and pa > 0:
                rows.append({"model_id": model, "name": right.at[model, "name"], "snapshot_a": a,
                             "price_source_a": source_a, "price_a": pa, "snapshot_b": b, "price_source_b": source_b,
                             "price_b": pb, "change": pb / pa, "same_source": source_a == source_b})
    return pd.DataFrame(rows, columns=PRICE_CHANGE_COLUMNS).sort_values(
        ["change", "model_id"], ascending=[False, True], kind="mergesort", ignore_index=True) if rows else None


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
        matches = _read_table(paths["matches"])
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
        "*halves in* and *10x in*: 12 ln 2 / ln(factor) and 12 ln 10 / ln(factor) months; in parentheses after "
        "*10x in*, the same at the ends of the factor's interval, the faster end first (*never* for an end at or "
        "below 1x: no decline excluded there). A factor above "
        f"{FACTOR_HIGH:g}x prints as > {FACTOR_HIGH:g}x, one below {FACTOR_LOW:g}x as < {FACTOR_LOW:g}x (an interval "
        "end too: \"2.30 to > 1000\"); the exact numbers are in `trends.csv` and `headline.json`.",
        *(bullet for method in METHODS for bullet in method.definitions),
        "**Price definitions**: " + "; ".join(f"`{k}`: {v}" for k, v in PRICE_SOURCES.items()) + ".",
        "**Flags**: *short span*: points spanning under 12 months; *wide interval*: an interval wider than three "
        "orders of magnitude (both: an estimate carrying little information, printed with its reason, never in bold, "
        "left out of geometric means, and a median says how many it left out); *selection*: with "
        f"release dates shuffled, record lows fall at least this fast more than {SELECTION_P:.0%} of the time "
        "(p = (b + 1) / (N + 1) over the N usable shuffles, those with enough records for a slope; how many is printed "
        "beside each p); *fragile*: removing one model moves the factor more than "
        "5-fold; *order*: the order of same-day releases alone moves it more than 1.5-fold; *range*: in simulations "
        f"like this band, the 90% interval covered the true trend less than {COVERAGE_FLOOR:.0%} of the time (the "
        "coverage less its Monte-Carlo error, two standard errors, printed as 76% ± 2: a coverage within its error "
        "of the line is simulated up to four times longer, and an interval is never called one on simulation noise), "
        f"so it is a descriptive range; *stalled N mo*: the last point is N months (>= {STALLED_MONTHS}) before the "
        f"last release scored on its quality measure (the snapshot's latest price without one); *G clusters*: fewer than {FEW_CLUSTERS} creators, no cluster-robust interval is "
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
             "`CITATION.bib` (beside this report: the tool, and the studies and datasets this run used; the hashes it "
             "refers to are in `CITATION.hashes.json`); the first screen's numbers are in `headline.json`.")


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
    capability_section(doc, inputs)  # when a preset fitted the capability scale
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
