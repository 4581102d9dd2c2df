"""The hedonic regression's part of the report's details on one snapshot (``tasks.methods.hedonic``'s
``Method.section``): every interval of each regression, side by side, and its figure.
"""

from __future__ import annotations

import pandas as pd

from tasks.core.vocabulary import BENCHMARKS, PRICE_SOURCES, PRICE_TYPES, fmt_factor, fmt_interval, label
from tasks.reporting.document import Document
from tasks.reporting.format import (FEW_CLUSTERS, ReportInputs, factor_text, flags, fmt_band, fmt_int, fmt_number,
                                    is_estimated, measure_text, number, select)
from tasks.reporting.markup import md_code, md_escape
from tasks.trends.method import AnswerNote, AnswerRow, RowGroup


def hedonic_details(doc: Document, inputs: ReportInputs, snapshot: str) -> None:
    trends = inputs.trends[(inputs.trends["snapshot"] == snapshot) & (inputs.trends["method"] == "hedonic")]
    estimated = trends[trends["status"] != "skipped"]
    if estimated.empty:
        return
    doc.heading(f"Hedonic regression: {md_code(snapshot)}", 3)
    first = estimated.iloc[0]
    doc.text(f"ln(price) on release day and quality scores over every {md_escape(first['subset'])} model with "
             f"{label(BENCHMARKS, first['quality_measure'])} in {fmt_band(first)} %: the quality-adjusted rate at "
             "which the typical price falls. Several intervals, none of them \"the\" one: classical (OLS), "
             "heteroskedasticity-robust (HC3), clustered by creator (CR1) and the wild cluster bootstrap-t; with "
             f"fewer than {FEW_CLUSTERS} creators no cluster-robust interval is reliable, and the leave-one-creator-out "
             "range says how much one lab moves the estimate.")
    keys = estimated[["price_source", "price_type", "subset", "controls", "variant"]].drop_duplicates()
    keys = keys.assign(_s=keys["price_source"].map({s: i for i, s in enumerate(PRICE_SOURCES)}).fillna(9),
                       _t=keys["price_type"].map({t: i for i, t in enumerate(PRICE_TYPES)}).fillna(9),
                       _c=keys["controls"].fillna("").str.count(r"\+"), _v=keys["variant"].fillna(""))
    rows = []
    for key in keys.sort_values(["_v", "_s", "_c", "_t"]).itertuples(index=False):
        group = select(estimated, price_source=key.price_source, price_type=key.price_type, subset=key.subset,
                       controls=key.controls, variant=key.variant if isinstance(key.variant, str) else None)
        by = {(r["estimator"], r["ci_method"]): r for _, r in group.iterrows()}
        ols = by.get(("ols", "ols"), group.iloc[0])

        def interval(estimator, method):
            row = by.get((estimator, method))
            if row is None:
                return "-"
            return fmt_interval(row["ci_low"], row["ci_high"]) if is_estimated(row) else row["status"]

        clusters = inputs.diag(ols["trend_id"], "clusters")
        excluded = inputs.diag(ols["trend_id"], "reasoning_excluded")
        median = by.get(("quantile_0.5", "bootstrap"))
        rows.append([f"{key.price_source} · {key.price_type}", (key.controls or "-").replace("+", " + "),
                     "without reasoning" + (f" ({int(excluded)} out)" if excluded is not None else "")
                     if key.variant == "no_reasoning" else
                     "priced on every definition" if key.variant == COMMON_PRICE_SAMPLE else "all",
                     fmt_int(ols["n"]), factor_text(ols),
                     interval("ols", "ols"), interval("ols", "hc3"), interval("ols", "cluster"),
                     interval("ols", "wild_cluster"), fmt_int(clusters),
                     fmt_interval(ols["loo_min_factor"], ols["loo_max_factor"]),
                     factor_text(median) if median is not None else "-",
                     f"{fmt_number(ols['r_squared'])} / {fmt_number(ols['adj_r_squared'])}", flags(inputs, ols)])
    doc.table(["price", "controls", "models", "n", "x / year", "90% CI: OLS", "HC3", "cluster", "wild cluster", "G",
               "leave one creator out", "median reg.", "R^2 / adj.", "flags"], rows, "lllrrrrrrrrrrl")
    orphans = sorted({m for t in estimated["trend_id"].unique()
                      for m in (inputs.diag(t, "unattributed_models") or "").split(", ") if m})
    if orphans:
        doc.text(f"No creator for {len(orphans)} model(s), each its own cluster: {md_escape(', '.join(orphans))}.")
    doc.figure(inputs.figures, f"figures/{snapshot}/hedonic.png",
               "Figure: price adjusted to the mean MMLU-Pro vs release date, with the fitted trend")


def controls_text(controls) -> str:
    """``controls: MMLU-Pro + SciCode``: the regression's quality controls, by their benchmarks' names."""
    return "controls: " + " + ".join(label(BENCHMARKS, c) for c in str(controls).split("+"))


# the answer's regression: the one controlling for MMLU-Pro alone (on a preset whose measure is another, e.g. the
# capability scale: the one controlling for that measure alone)
ANSWER_CONTROLS = "mmlu_pro"


def answer_rows(here: pd.DataFrame) -> pd.DataFrame:
    """The answer's hedonic row: open models, blended price, controlling for its quality measure alone."""
    rows = select(here, method="hedonic", subset="open", price_type="blended", variant=None)
    return rows[rows["controls"].astype(str) == rows["quality_measure"].astype(str)]


def _answer_extra(inputs, row) -> dict:
    low, high = row.get("band_low"), row.get("band_high")
    return {"quality_measure": row.get("quality_measure"),
            "score_range": [None if pd.isna(low) else float(low), None if pd.isna(high) else float(high)]}


def answer_label(entry: dict) -> str:
    """``Typical model (hedonic regression, open models, MMLU-Pro 40-70; controls: MMLU-Pro)``, for the entry's
    measure and score range."""
    measure = entry.get("quality_measure") or ANSWER_CONTROLS
    low, high = (entry.get("score_range") or [None, None])[:2]
    scope = f" {low:g}-{high:g}" if low is not None and high is not None else ""
    name = label(BENCHMARKS, measure)
    return f"Typical model (hedonic regression, open models, {name}{scope}; controls: {name})"


ANSWER_ROWS = (AnswerRow(kind="hedonic", what="typical model at constant quality (hedonic, open models)",
                         label="Typical model (hedonic regression, open models, MMLU-Pro 40-70; "
                               f"{controls_text(ANSWER_CONTROLS)})",
                         title=f"typical model (hedonic, open models; {controls_text(ANSWER_CONTROLS)})",
                         rows=answer_rows, place=0,
                         differs="every open model of the quality range, its score held constant in the "
                                 "regression", extra=_answer_extra, label_of=answer_label),)


def scope(row) -> str:
    """What a regression follows in the report's tables: its band on its benchmark and its controls (two
    regressions on one snapshot and price may differ by their controls alone: "MMLU-Pro [40, 70]; controls:
    MMLU-Pro + SciCode")."""
    base = f"{measure_text(row)} {fmt_band(row)}".strip()
    controls = row["controls"]
    return base if controls is None or pd.isna(controls) else f"{base}; {controls_text(controls)}"


def vintage(rows: pd.DataFrame) -> pd.Series:
    """The vintage comparison sets the regression controlling for MMLU-Pro side by side."""
    return rows["controls"] == "mmlu_pro"


# --- how its rows read in the cross-method figures (Method hooks) -----------------------------------------------
def details(row) -> list[str]:
    """A figure label names the regression's controls."""
    return [f"controls {row.controls.replace('+', ' + ')}"] if pd.notna(row.controls) else []


SUMMARY_GROUPS = (RowGroup("Hedonic regression (open models)", lambda t: t.method == "hedonic", 4),)


def vintage_figure(rows: pd.DataFrame) -> pd.Series:
    """The vintage figure draws the regression controlling for MMLU-Pro, each price type."""
    return (rows["method"] == "hedonic") & (rows["controls"] == "mmlu_pro")


def vintage_label(row) -> str:
    return f"hedonic, MMLU-Pro controlled · {row.price_type}"


# --- the price definitions on the same models (step 15, point 5) ------------------------------------------------
COMMON_PRICE_SAMPLE = "common_price_sample"  # the variant: every price definition on the models all of them price
COMPOSITION = "composition"  # the answer's regression on another subset (all models beside open ones)
SCORE_RANGE = "score_range"  # the answer's regression on another score range (the edges' sensitivity)


def common_sample_entries(inputs: ReportInputs, main: pd.DataFrame) -> list[dict]:
    """Per snapshot: the answer's regression (open models, blended, MMLU-Pro control) on each price definition, on
    its own sample and on the models every definition prices."""
    out = []
    rows = select(main, method="hedonic", subset="open", price_type="blended", controls=ANSWER_CONTROLS)
    for snap, group in rows.groupby("snapshot", sort=True):
        common = group[group["variant"] == COMMON_PRICE_SAMPLE]
        if common.empty:
            continue
        pairs = []
        for source in [s for s in PRICE_SOURCES if s in set(common["price_source"])]:
            full = group[group["variant"].isna() & (group["price_source"] == source)]
            same = common[common["price_source"] == source]
            if full.empty or same.empty:
                continue
            full, same = full.iloc[0], same.iloc[0]
            pairs.append({"price_source": source, "factor_full": number(full["factor_per_year"]),
                          "n_full": number(full["n"]), "status_full": full["status"],
                          "factor_common": number(same["factor_per_year"]), "n_common": number(same["n"]),
                          "status_common": same["status"], "trend_id_common": same["trend_id"]})
        if len(pairs) > 1:
            out.append({"kind": "hedonic_common_sample", "what": "typical model on the same models (hedonic, open)",
                        "snapshot": snap, "definitions": pairs})
    return out


def common_sample_lines(entries: list[dict]) -> list[str]:
    lines = []
    for e in entries:
        pairs = e["definitions"]
        common = " / ".join(f"{fmt_factor(p['factor_common'])}x" for p in pairs)
        full = " / ".join(f"{fmt_factor(p['factor_full'])}x" for p in pairs)
        sizes = " / ".join(fmt_int(p["n_full"]) for p in pairs)
        names = " / ".join(md_code(p["price_source"]) for p in pairs)
        lines.append(f"**The price definitions on the same models** ({md_code(e['snapshot'])}, typical model, "
                     f"open models): on the {fmt_int(pairs[0]['n_common'])} models priced on every definition, "
                     f"{names}: {common} per year; each on its own sample ({sizes} models): {full}. Part of the "
                     "difference between definitions is a difference of models.")
    return lines


ANSWER_NOTES = (AnswerNote(kind="hedonic_common_sample", entries=common_sample_entries, lines=common_sample_lines,
                           place=0),
                AnswerNote(kind="hedonic_sensitivity", entries=lambda inputs, main: sensitivity_entries(inputs, main),
                           lines=lambda entries: sensitivity_lines(entries), place=0))


def sensitivity_entries(inputs: ReportInputs, main: pd.DataFrame) -> list[dict]:
    """Per snapshot and main price source: the answer's regression, and how far composition (another subset) and
    the score range's edges move it."""
    out = []
    rows = select(main, method="hedonic", price_type="blended", controls=ANSWER_CONTROLS)
    for (snap, source), group in rows.groupby(["snapshot", "price_source"], sort=True):
        base = group[group["variant"].isna()]
        composition = group[(group["variant"] == COMPOSITION) & group["status"].isin(["ok"])]
        ranges = group[(group["variant"] == SCORE_RANGE) & group["status"].isin(["ok"])]
        if base.empty or (composition.empty and ranges.empty):
            continue
        base = base.iloc[0]
        out.append({"kind": "hedonic_sensitivity", "what": "typical model: composition and score-range edges",
                    "snapshot": snap, "price_source": source, "subset": base["subset"],
                    "band": [number(base["band_low"]), number(base["band_high"])],
                    "factor_per_year": number(base["factor_per_year"]),
                    "composition": [{"subset": r["subset"], "factor_per_year": number(r["factor_per_year"]),
                                     "n": number(r["n"])} for _, r in composition.iterrows()],
                    "ranges": {"n": len(ranges), "min": number(ranges["factor_per_year"].min()) if len(ranges) else None,
                               "max": number(ranges["factor_per_year"].max()) if len(ranges) else None}})
    return out


def sensitivity_lines(entries: list[dict]) -> list[str]:
    lines = []
    for e in entries:
        parts = [f"{r['subset']} models {fmt_factor(r['factor_per_year'])}x (n = {fmt_int(r['n'])})"
                 for r in e["composition"]]
        if e["ranges"]["n"]:
            parts.append(f"{e['ranges']['n']} other MMLU-Pro ranges {fmt_factor(e['ranges']['min'])}-"
                         f"{fmt_factor(e['ranges']['max'])}x")
        lines.append(f"**What moves the typical model** ({md_code(e['snapshot'])}, {md_code(e['price_source'])}, "
                     f"blended): {e['subset']} models, MMLU-Pro {e['band'][0]:g}-{e['band'][1]:g}: "
                     f"{fmt_factor(e['factor_per_year'])}x; composition and range edges: {'; '.join(parts)}.")
    return lines
