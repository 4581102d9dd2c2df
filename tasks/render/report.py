"""The report: ``report.md`` and a self-contained ``report.html`` (figures embedded, no network needed).

Contents: what was run on what data (sources, snapshot, sha256, config); the trends (factor, interval, n, R^2,
adjusted R^2, the range over orders of same-day releases); the figures; the decomposition; published vs
reproduced, with the reason for each difference; the data-quality accounting and the corrections.

The report is a pure function of its inputs (no timestamps or run ids: those are in ``manifest.json``), so an
unchanged rerun serves it from the cache with identical bytes.
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

import pandas as pd

from tasks.data.clean import CleanResult
from tasks.data.tables import read_csv_output
from tasks.render.markup import Md, markdown_to_html, md_cell, md_code, md_escape
from tasks.render.comparison import breaks_section, methods_section, methods_selection
from tasks.methods.presets import PublishedValue
from tasks.core.stats import geometric_mean
from tasks.methods.threshold import fmt_range
from tasks.core.vocabulary import BENCHMARKS as BENCHMARK_LABELS, PRICE_SOURCES, QUANTITIES as QUANTITY_LABELS, fmt_factor, fmt_interval, headline_price_source

def fmt_number(value, digits: int = 2) -> str:
    return "-" if value is None or pd.isna(value) else f"{float(value):.{digits}f}"


def fmt_int(value) -> str:
    return "-" if value is None or pd.isna(value) else str(int(value))


def fmt_date(value) -> str:
    return "-" if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def fmt_band(row) -> str:
    if pd.isna(row["band_low"]):
        return "-"
    low = f"{row['band_low']:g}"
    high = "" if pd.isna(row["band_high"]) else f"{row['band_high']:g}"
    closing = ")" if (row.get("variant") or "") == "half_open_bands" else "]"
    return f"[{low}, {high}{closing}" if high else f">= {low}"


def fmt_status(row) -> str:
    return "ok" if row["status"] == "ok" else f"{row['status']}: {row['note']}"


def md_table(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    """A Markdown table; every cell is escaped (``tasks.render.markup``) unless our code built it as ``Md``."""
    align = align or "l" * len(header)
    marks = {"l": "---", "r": "---:", "c": ":---:"}
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(marks[a] for a in align) + " |"]
    lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def figure(figures: dict[str, Path], snapshot: str, name: str, caption: str) -> list[str]:
    key = f"figures/{snapshot}/{name}.png"
    if key not in figures:
        return []
    return [f"![{caption}]({key})", "", f"*{caption} (also as [SVG](figures/{snapshot}/{name}.svg))*", ""]


def headline_source(trends: pd.DataFrame) -> str | None:
    return headline_price_source(trends["price_source"].dropna())


def _main(trends: pd.DataFrame, snapshot: str) -> pd.DataFrame:
    """The snapshot's main rows: no variant, OLS estimator."""
    return trends[(trends["snapshot"] == snapshot) & trends["variant"].isna() & (trends["estimator"] == "ols")]


# --- sections ------------------------------------------------------------------------------------------------
def _percent(value) -> str:
    return "-" if value is None or pd.isna(value) else f"{float(value):.0%}"


def verdict(row, boot, diagnostics, half_open) -> str:
    """A plain-language reading of one frontier estimate, generated from its numbers."""
    if row["status"] != "ok":
        return f"No estimate: {row['note']}."
    parts = []
    p = row["null_p_value"]
    if pd.notna(p):
        if p > 0.10:
            parts.append(f"Not distinguishable from selection alone at the 10% level: with release dates shuffled "
                         f"(no trend at all), record lows fall at least this fast {p:.0%} of the time")
        else:
            parts.append(f"Steeper than selection alone produces (p = {p:.2f}; shuffled dates give a median of "
                         f"{fmt_factor(row['null_median_factor'])}x)")
    if boot is not None and pd.notna(boot["ci_low"]) and boot["ci_low"] <= 1:
        parts.append("the bootstrap interval includes no decline at all")
    if pd.notna(row["loo_min_factor"]) and row["loo_max_factor"] / row["loo_min_factor"] > 5:
        parts.append(f"fragile: removing a single model moves it between {fmt_factor(row['loo_min_factor'])}x and "
                     f"{fmt_factor(row['loo_max_factor'])}x")
    if pd.notna(row["tie_order_min_factor"]) and row["tie_order_max_factor"] / row["tie_order_min_factor"] > 1.5:
        parts.append(f"the order of same-day releases alone spans {fmt_interval(row['tie_order_min_factor'], row['tie_order_max_factor'])}x")
    if half_open is not None and pd.notna(half_open["factor_per_year"]):
        ratio = half_open["factor_per_year"] / row["factor_per_year"]
        if ratio > 1.25 or ratio < 0.8:
            parts.append(f"half-open bands give {fmt_factor(half_open['factor_per_year'])}x")
    elif half_open is not None:
        parts.append("half-open bands leave too few records for an estimate")
    if diagnostics is not None and pd.notna(diagnostics.get("coverage_ols")):
        parts.append(f"in simulated bands like this one the 90% OLS interval covered the true trend "
                     f"{_percent(diagnostics['coverage_ols'])} of the time")
    if not parts:
        return "-"
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def frontier_tables(part: pd.DataFrame, trends: pd.DataFrame, diagnostics: pd.DataFrame,
                    lead: list[str] | None = None) -> list[str]:
    """Two tables for a set of frontier trends: the estimates, then how much of each is trend."""
    lead = lead or []
    boot = trends[trends["ci_method"] == "bootstrap"].set_index("trend_id")
    half = trends[(trends["variant"] == "half_open_bands") & (trends["ci_method"] == "ols")]
    diag = diagnostics.set_index("trend_id") if not diagnostics.empty else pd.DataFrame()
    estimates, checks = [], []
    for _, row in part.sort_values([*lead, "band_low"]).iterrows():
        b = boot.loc[row["trend_id"]] if row["trend_id"] in boot.index else None
        twin = half[(half["subset"] == row["subset"]) & (half["quantity"] == row["quantity"])
                    & (half["band_low"] == row["band_low"]) & (half["price_type"].fillna("") == (row["price_type"] or ""))
                    & (half["price_source"].fillna("") == (row["price_source"] or ""))]
        h = twin.iloc[0] if len(twin) else None
        d = diag.loc[row["trend_id"]] if row["trend_id"] in diag.index else None
        first = [row[c] for c in lead] + [fmt_band(row)]
        estimates.append(first + [fmt_factor(row["factor_per_year"]), fmt_interval(row["ci_low"], row["ci_high"]),
                                  fmt_interval(b["ci_low"], b["ci_high"]) if b is not None else "-",
                                  fmt_int(row["n"]), fmt_int(row["n_candidates"]), fmt_number(row["r_squared"]),
                                  fmt_number(row["adj_r_squared"]),
                                  f"{fmt_date(row['first_date'])} to {fmt_date(row['last_date'])}"])
        coverage = "-"
        if d is not None and pd.notna(d.get("coverage_ols")):
            coverage = f"{_percent(d['coverage_ols'])} / {_percent(d['coverage_bootstrap'])}"
        checks.append(first + [
            fmt_factor(row["null_median_factor"]),
            "-" if pd.isna(row["null_p_value"]) else f"{row['null_p_value']:.2f}",
            fmt_interval(row["loo_min_factor"], row["loo_max_factor"]),
            fmt_interval(row["tie_order_min_factor"], row["tie_order_max_factor"]),
            fmt_factor(h["factor_per_year"]) if h is not None and h["status"] == "ok" else (
                "insufficient" if h is not None else "-"),
            coverage, verdict(row, b, d, h)])
    head = [c.replace("_", " ") for c in lead] + ["band (%)"]
    return [md_table(head + ["x / year", "90% CI (OLS)", "90% CI (bootstrap)", "n (records)", "candidates", "R^2",
                             "adj. R^2", "records from / to"], estimates, "l" * len(head) + "rrrrrrrl"), "",
            md_table(head + ["null median", "p (null)", "leave-one-out", "any same-day order", "half-open band",
                             "coverage OLS / boot.", "reading"], checks, "l" * len(head) + "rrrrrrl"), ""]


FRONTIER_EXPLAINED = (
    "*x / year*: times cheaper per year. *90% CI (OLS)*: classical, on the record points; it ignores that they were "
    "selected as record lows. *90% CI (bootstrap)*: models resampled with replacement (jointly across bands), record "
    "lows reselected and refitted in each of the resamples. *null median*, *p (null)*: with release dates shuffled "
    "among the band's models (no trend at all), the median factor and the share of shuffles giving at least the "
    "observed factor: how much a record-low regression reports from selection alone. *leave-one-out*: the range "
    "when any single model is removed. *any same-day order*: the range over every order of releases that share a "
    "day. *half-open band*: the factor with [lo, hi) bands. *coverage*: in simulations that keep the band's release "
    "dates and price scatter with a known trend, how often the 90% OLS / bootstrap intervals contained it.")


def geomean_line(trends: pd.DataFrame, subset: str, quantity: str, price_type: str | None, source: str | None) -> str:
    rows = trends[(trends["method"] == "frontier_geomean") & (trends["subset"] == subset)
                  & (trends["quantity"] == quantity) & (trends["price_type"].fillna("") == (price_type or ""))
                  & (trends["price_source"].fillna("") == (source or ""))]
    if rows.empty:
        return ""
    row = rows.iloc[0]
    if row["status"] != "ok":
        return f"Geometric mean across the bands: {md_escape(row['note'])}."
    return (f"Geometric mean across the bands (mean of the log slopes): **{fmt_factor(row['factor_per_year'])}x per "
            f"year**, 90% bootstrap interval {fmt_interval(row['ci_low'], row['ci_high'])}x (the bands are resampled "
            "together, so the interval accounts for the models they share).")


def frontier_section(trends: pd.DataFrame, snapshot: str, figures: dict[str, Path],
                     diagnostics: pd.DataFrame) -> list[str]:
    everything = trends[trends["snapshot"] == snapshot]
    main = _main(trends, snapshot)
    frontier = main[(main["method"] == "frontier") & (main["quantity"] == "price") & (main["ci_method"] == "ols")]
    if frontier.empty:
        return []
    source = headline_source(frontier)
    out = ["## Record-low frontier by quality band", "",
           "In each MMLU-Pro band, the models that set a new record-low price (at most the lowest price of every "
           f"model released before them; same-day releases cheapest first), regressed (log10) on release date. "
           f"Price: `{source}`.", "", FRONTIER_EXPLAINED, ""]
    for subset, who in (("open", "Open-weights models"), ("all", "All models (open and proprietary)")):
        part = frontier[(frontier["subset"] == subset) & (frontier["price_type"] == "blended")
                        & (frontier["price_source"] == source)]
        if part.empty:
            continue
        out += [f"### {who}, blended price", ""] + frontier_tables(part, everything, diagnostics)
        line = geomean_line(main, subset, "price", "blended", source)
        if line:
            out += [line, ""]
        out += figure(figures, snapshot, f"frontier_{subset}",
                      f"Figure: record-low blended price by MMLU-Pro band, {who.lower()}")
    out += figure(figures, snapshot, "null", "Figure: the observed factor against its permutation null (release dates "
                                             "shuffled among each band's models)")
    other = frontier[(frontier["price_type"] != "blended") & (frontier["price_source"] == source)]
    if not other.empty:
        out += ["### Input and output prices", ""]
        out += frontier_tables(other, everything, diagnostics, lead=["subset", "price_type"])
        for subset in ("open", "all"):
            for price_type in ("input", "output"):
                line = geomean_line(main, subset, "price", price_type, source)
                if line:
                    out += [f"- {subset}, {price_type}: " + line[0].lower() + line[1:]]
        out += [""]
    return out


def _diagnostic(diagnostics: pd.DataFrame, trend_id: str, column: str):
    """One typed diagnostic of a trend (``diagnostics.csv``), None when absent."""
    if diagnostics.empty or column not in diagnostics:
        return None
    hit = diagnostics.loc[diagnostics["trend_id"] == trend_id, column].dropna()
    return hit.iloc[0] if len(hit) else None


def _with_interval(row) -> str:
    if row is None:
        return "-"
    if row["status"] != "ok":
        return row["status"]
    interval = fmt_interval(row["ci_low"], row["ci_high"])
    return fmt_factor(row["factor_per_year"]) + ("" if interval == "-" else f" [{interval}]")


def hedonic_section(trends: pd.DataFrame, snapshot: str, figures: dict[str, Path],
                    diagnostics: pd.DataFrame) -> list[str]:
    """The hedonic fits per price type: every interval method, the quantile regressions, the clusters, and the
    effect of leaving out reasoning models (``tasks/methods/hedonic.py``)."""
    import math

    every = trends[(trends["snapshot"] == snapshot) & (trends["method"] == "hedonic")]
    hedonic = every[every["variant"].isna()]
    if hedonic.empty:
        return []
    level = f"{hedonic['ci_level'].dropna().iloc[0]:.0%}" if hedonic["ci_level"].notna().any() else "90%"
    first = hedonic.iloc[0]
    measure = {"mmlu_pro": "MMLU-Pro"}.get(first["quality_measure"], first["quality_measure"])
    out = ["## Hedonic regression", "",
           f"ln(price) on release day and quality scores, over every {first['subset']} model with "
           f"{measure} in {fmt_band(first)} %: the quality-adjusted rate at which prices fall "
           "(x / year, OLS). Extra controls drop models that lack the score: compare fits by adjusted R^2. "
           f"{level} intervals: classical (OLS), heteroskedasticity-robust (HC3), clustered by creator (CR1, t with "
           "G - 1 df; G clusters) and the wild cluster bootstrap-t (null imposed, interval by test inversion). The "
           "median and 20th-percentile regressions (QuantReg) carry pairs-bootstrap intervals.", ""]
    rows, clusters, orphans = [], [], set()
    order = {"input": 0, "output": 1, "blended": 2}
    skipped = hedonic[hedonic["status"] == "skipped"]
    keys = hedonic[hedonic["status"] != "skipped"][["price_source", "price_type", "subset", "controls"]]
    keys = keys.drop_duplicates()
    keys = keys.assign(_p=keys["price_type"].map(order).fillna(3),
                       _s=keys["price_source"].map({s: i for i, s in enumerate(PRICE_SOURCES)}).fillna(9),
                       _c=keys["controls"].str.count(r"\+")).sort_values(["_s", "subset", "_c", "controls", "_p"])
    many_subsets = hedonic["subset"].nunique() > 1
    for key in keys.itertuples(index=False):
        group = hedonic[(hedonic["price_source"] == key.price_source) & (hedonic["price_type"] == key.price_type)
                        & (hedonic["subset"] == key.subset) & (hedonic["controls"] == key.controls)]
        by = {(r["estimator"], r["ci_method"]): r for _, r in group.iterrows()}
        ols = by.get(("ols", "ols"), group.iloc[0])

        def interval(method):
            row = by.get(("ols", method))
            if row is None:
                return "-"
            return fmt_interval(row["ci_low"], row["ci_high"]) if row["status"] == "ok" else row["status"]

        count = _diagnostic(diagnostics, ols["trend_id"], "clusters")
        count = None if count is None else int(count)
        if count is not None:
            clusters.append(count)
        unattributed = _diagnostic(diagnostics, ols["trend_id"], "unattributed_models")
        orphans |= set(unattributed.split(", ")) if unattributed else set()
        label = key.price_type + (f" ({key.subset})" if many_subsets else "")
        rows.append([label, key.price_source, key.controls.replace("+", " + "), fmt_int(ols["n"]),
                     fmt_factor(ols["factor_per_year"]) if ols["status"] == "ok" else fmt_status(ols),
                     interval("ols"), interval("hc3"), interval("cluster"), interval("wild_cluster"),
                     fmt_int(count), _with_interval(by.get(("quantile_0.5", "bootstrap"))),
                     _with_interval(by.get(("quantile_0.2", "bootstrap"))),
                     f"{fmt_number(ols['r_squared'])} / {fmt_number(ols['adj_r_squared'])}"])
    out += [md_table(["price", "source", "controls", "n", "x / year", f"{level} CI: OLS", "HC3", "cluster",
                      "wild cluster", "G", "median reg. x / year", "20th pct. reg. x / year", "R^2 / adj."],
                     rows, "llllrrrrrrrrr"), ""]
    for note, group in skipped.drop_duplicates("trend_id").groupby("note", sort=True):
        which = ", ".join(sorted(set(group["controls"].str.replace("+", " + "))))
        out += [f"Not estimated ({len(group)} trend(s) with controls {md_escape(which)}): {md_escape(note)}", ""]
    orphans = sorted(orphans)
    if clusters:
        few = max(clusters) < 30
        spread = f"{min(clusters)}" if min(clusters) == max(clusters) else f"{min(clusters)}-{max(clusters)}"
        out += [f"Models cluster by creator (the source's, else `data/creators.csv`): G = {spread} per sample. "
                + ("With fewer than 30 clusters the cluster-robust t interval tends to be too narrow; the wild "
                   "cluster bootstrap interval is the one to read. " if few else "")
                + ("Every model in these samples has a creator." if not orphans else
                   f"No creator for {len(orphans)} model(s), each its own cluster: "
                   f"{md_escape(', '.join(orphans))}."), ""]
    ok = hedonic[(hedonic["status"] == "ok") & (hedonic["estimator"] == "ols") & (hedonic["ci_method"] == "ols")
                 & (hedonic["controls"] == "mmlu_pro")]
    source = headline_source(ok)
    ok = ok[ok["price_source"] == source]
    by_type = {row["price_type"]: row["factor_per_year"] for _, row in ok.iterrows()}
    if "input" in by_type and "output" in by_type and by_type["output"] > 1:
        ratio = math.log(by_type["input"]) / math.log(by_type["output"])
        out += [f"Input prices fall {fmt_factor(by_type['input'])}x per year and output prices "
                f"{fmt_factor(by_type['output'])}x ({source}): in log terms input falls {ratio:.2f} times as fast "
                "as output.", ""]
    quantiles = hedonic[(hedonic["status"] == "ok") & (hedonic["price_source"] == source)
                        & (hedonic["controls"] == "mmlu_pro") & hedonic["estimator"].str.startswith("quantile")]
    if not quantiles.empty and not ok.empty:
        def span(values):
            return f"{fmt_factor(min(values))}-{fmt_factor(max(values))}x"
        median = quantiles[quantiles["estimator"] == "quantile_0.5"]["factor_per_year"].tolist()
        low = quantiles[quantiles["estimator"] == "quantile_0.2"]["factor_per_year"].tolist()
        parts = [f"OLS {span(ok['factor_per_year'].tolist())}"]
        parts += [f"median regression {span(median)}"] if median else []
        parts += [f"20th-percentile regression {span(low)}"] if low else []
        out += [f"Across price types ({source}, MMLU-Pro control): " + ", ".join(parts) + " per year: the cheap end "
                "of the market (20th percentile) "
                + ("falls more slowly than the mean." if low and max(low) < min(ok["factor_per_year"]) else
                   "does not fall uniformly more slowly than the mean." if low else "is not estimated."), ""]
    out += _no_reasoning_lines(every, source, diagnostics)
    out += figure(figures, snapshot, "hedonic", "Figure: price adjusted to the mean MMLU-Pro vs release date, with the "
                                                "fitted trend")
    return out


def _no_reasoning_lines(every: pd.DataFrame, source: str | None, diagnostics: pd.DataFrame) -> list[str]:
    """With vs without reasoning models (variant no_reasoning), OLS, the headline source, the first control set."""
    import math

    ols = every[(every["estimator"] == "ols") & (every["ci_method"] == "ols") & (every["price_source"] == source)]
    without = ols[ols["variant"] == "no_reasoning"]
    if without.empty:
        return []
    controls = ols[ols["variant"].isna() & (ols["status"] == "ok")]["controls"].dropna()
    controls = min(controls, key=lambda c: (c.count("+"), c)) if len(controls) else None  # the fewest controls
    rows, changes = [], []
    order = {"input": 0, "output": 1, "blended": 2}
    for _, out_row in without[without["controls"] == controls].sort_values(
            "price_type", key=lambda s: s.map(order).fillna(3)).iterrows():
        match = ols[ols["variant"].isna() & (ols["price_type"] == out_row["price_type"])
                    & (ols["subset"] == out_row["subset"]) & (ols["controls"] == controls)]
        if match.empty:
            continue
        with_row = match.iloc[0]
        excluded = _diagnostic(diagnostics, out_row["trend_id"], "reasoning_excluded")
        kept = _diagnostic(diagnostics, out_row["trend_id"], "reasoning_unknown_kept")
        counts = None if excluded is None else (int(excluded), int(kept))
        rows.append([out_row["price_type"], _with_interval(with_row), fmt_int(with_row["n"]), _with_interval(out_row),
                     fmt_int(out_row["n"]), str(counts[0]) if counts else "-", str(counts[1]) if counts else "-"])
        if with_row["status"] == "ok" and out_row["status"] == "ok":
            changes.append((out_row["price_type"], with_row, out_row, counts))
    if not rows:
        return []
    lines = ["### Without reasoning models", "",
             "Reasoning models spend many more tokens per task, so their per-token prices are not comparable; Epoch "
             f"AI leaves them out. The same OLS fits without the models flagged as reasoning models ({source}, "
             f"controls: {controls.replace('+', ' + ') if controls else '-'}); models whose flag is unknown stay in.",
             "", md_table(["price", "with: x / year [CI]", "n", "without: x / year [CI]", "n", "reasoning excluded",
                           "unknown kept"], rows, "lrrrrrr"), ""]
    if changes:
        def shift(item):
            _, with_row, out_row, _ = item
            return abs(math.log(out_row["factor_per_year"]) - math.log(with_row["factor_per_year"]))

        price_type, with_row, out_row, counts = max(changes, key=shift)
        inside = with_row["ci_low"] <= out_row["factor_per_year"] <= with_row["ci_high"]
        excluded = f"the {counts[0]} reasoning model(s)" if counts else "the reasoning models"
        lines += [f"Leaving out {excluded} moves the factor most for {price_type} prices: "
                  f"{fmt_factor(with_row['factor_per_year'])}x -> {fmt_factor(out_row['factor_per_year'])}x per year "
                  f"(n {fmt_int(with_row['n'])} -> {fmt_int(out_row['n'])}), "
                  + ("inside the interval with them: the exclusion does not change the conclusion." if inside else
                     "outside the interval with them: the choice matters here.") , ""]
    return lines


def threshold_section(trends: pd.DataFrame, snapshot: str) -> list[str]:
    """Epoch AI's threshold trends of one snapshot (``tasks/methods/threshold.py``): one table row per threshold."""
    rows = trends[(trends["snapshot"] == snapshot) & (trends["method"] == "threshold") & trends["variant"].isna()
                  & (trends["ci_method"] == "ols")]
    if rows.empty:
        return []
    order = {b: i for i, b in enumerate(BENCHMARK_LABELS)}
    rows = rows.assign(_b=rows["quality_measure"].map(order).fillna(len(order)))
    rows = rows.sort_values(["_b", "quality_measure", "band_low"], na_position="first")
    sources = ", ".join(md_code(s) for s in rows["price_source"].dropna().unique())
    table = []
    for _, row in rows.iterrows():
        ok = row["status"] == "ok"
        table.append([BENCHMARK_LABELS.get(row["quality_measure"], row["quality_measure"]),
                      row["threshold_model"] if isinstance(row["threshold_model"], str) else "-", fmt_range(row),
                      f"{fmt_factor(row['factor_per_year'])} [{fmt_interval(row['ci_low'], row['ci_high'])}]"
                      if ok else "-",
                      "-" if row["status"] == "skipped" else f"{fmt_int(row['n'])} of {fmt_int(row['n_candidates'])}",
                      f"{fmt_date(row['first_date'])} to {fmt_date(row['last_date'])}" if pd.notna(row["first_date"])
                      else "-", fmt_number(row["r_squared"]),
                      "ok" if ok else f"{row['status']}: {row['note']}"])
    out = ["## Threshold trends (Epoch AI method)", "",
           "Per benchmark, every score that was once the best so far (reasoning models left out) is a threshold; of "
           "the price observations at or above it (below 100%; Elo: no upper limit), in date order, those strictly "
           "cheaper than every earlier one are kept (same day: the cheapest), and log10(price) is regressed on their "
           f"dates. A price change is its own observation with its own date. Price: {sources}, blended as the source "
           "gives it. On multiple-choice benchmarks, thresholds below the preset's minimum (Epoch: 30%) are skipped.",
           "",
           md_table(["benchmark", "threshold model", "range", "x / year [90% CI]", "n (kept of candidates)",
                     "kept from / to", "R^2", "status"], table, "lllrrlrl"), ""]
    ok = rows[rows["status"] == "ok"]["factor_per_year"].astype(float)
    if len(ok):
        out += [f"Across the {len(ok)} estimated trends: median **{fmt_factor(ok.median())}x per year**, range "
                f"{fmt_factor(ok.min())}-{fmt_factor(ok.max())}x. The intervals are classical OLS intervals on "
                "points that were selected as new lows: descriptive, not confidence statements.", ""]
    return out


def decomposition_section(trends: pd.DataFrame, snapshot: str, figures: dict[str, Path],
                          diagnostics: pd.DataFrame) -> list[str]:
    everything = trends[trends["snapshot"] == snapshot]
    main = _main(trends, snapshot)
    frontier = main[(main["method"] == "frontier") & (main["subset"] == "open") & (main["ci_method"] == "ols")]
    decomposition = frontier[frontier["quantity"] != "price"]
    if decomposition.empty:
        return []
    source = headline_source(frontier[frontier["quantity"] == "price"])
    out = ["## What is causing the trend: parameters and price per parameter", "",
           "The same record-low method (bands, rule, minimum points) applied to the fewest parameters needed at each "
           "quality level and to the lowest blended price per parameter, open-weights models. The study's text "
           "divides the price by total parameters, its code by active parameters (known active, else total): both "
           "are shown. Each quantity selects its own record lows, so these factors need not multiply to the price "
           "factor; the common-sample table below does add up.", ""]
    order = {"active_params": 0, "price_per_active_param": 1, "total_params": 2, "price_per_total_param": 3}
    part = decomposition[decomposition["price_source"].isna() | (decomposition["price_source"] == source)]
    part = part.assign(quantity_label=part["quantity"].map(QUANTITY_LABELS), _o=part["quantity"].map(order))
    part = part.sort_values(["_o", "band_low"])
    out += frontier_tables(part, everything, diagnostics, lead=["quantity_label"])
    common = everything[(everything["variant"] == "price_frontier_sample") & (everything["price_source"] == source)
                        & (everything["subset"] == "open")]
    if not common.empty:
        out += ["### On a common sample: the models of each band's price frontier", "",
                "On the record-low price models of each band (those with a parameter count), log price = log active "
                "parameters + log price per active parameter, so the three OLS slopes on release date add up "
                "exactly: the shares say how much of the price trend came from needing fewer active parameters and "
                "how much from a lower price per parameter.", ""]
        rows = []
        for band, group in common.groupby("band_low", sort=True):
            by = {r["quantity"]: r for _, r in group.iterrows()}
            price, active, per = (by.get(q) for q in ("price", "active_params", "price_per_active_param"))
            if price is None or price["status"] != "ok" or active is None or per is None:
                reason = next((r["note"] for r in (price, active, per) if r is not None and r["status"] != "ok"), "-")
                rows.append([fmt_band(group.iloc[0]), "-", "-", "-", "-", fmt_int(group.iloc[0]["n"]), reason])
                continue
            share_active = active["slope_per_day"] / price["slope_per_day"]
            rows.append([fmt_band(price), fmt_factor(price["factor_per_year"]), fmt_factor(active["factor_per_year"]),
                         fmt_factor(per["factor_per_year"]), f"{share_active:.0%} / {1 - share_active:.0%}",
                         fmt_int(price["n"]), price["note"] if isinstance(price["note"], str) else "-"])
        out += [md_table(["band (%)", "price x / year", "active params x / year", "price per active param x / year",
                          "shares: params / price per param", "n", "note"], rows, "lrrrrrl"), ""]
    out += figure(figures, snapshot, "active_params", "Figure: fewest active parameters per MMLU-Pro band")
    out += figure(figures, snapshot, "price_per_active_param",
                  "Figure: lowest blended price per active parameter per MMLU-Pro band")
    return out


def _published_ours(rows: pd.DataFrame, entry: PublishedValue):
    """Our number(s) for a published value: a row, or a (low, high) range / geometric mean across bands."""
    if rows.empty:
        return None, None
    if entry.aggregate is None:
        return rows.iloc[0], rows.iloc[0]["factor_per_year"]
    ok = rows[rows["status"] == "ok"]["factor_per_year"]
    if len(ok) != len(rows):
        return None, None
    if entry.aggregate == "range":
        return None, (ok.min(), ok.max())
    return None, geometric_mean(list(ok))


def _fmt_value(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, tuple):
        return f"{fmt_factor(value[0])}-{fmt_factor(value[1])}"
    return fmt_factor(value)


def _close(ours, published, rounded_to: float | None) -> bool:
    """Equal up to the published precision (rounded text), else within 0.5% (365 vs 365.25 days, printing)."""
    if ours is None or published is None:
        return False
    if isinstance(ours, tuple):
        return all(_close(x, y, rounded_to) for x, y in zip(ours, published))
    if rounded_to:
        return abs(ours - published) <= rounded_to / 2
    return abs(ours / published - 1) <= 0.005


def published_section(trends: pd.DataFrame, snapshot: str, published: list[PublishedValue],
                      corrections: pd.DataFrame, as_published_run: bool) -> list[str]:
    entries = [p for p in published if p.snapshot == snapshot]
    if not entries:
        return []
    snap = trends[(trends["snapshot"] == snapshot) & (trends["estimator"] == "ols") & (trends["ci_method"] == "ols")]
    applied = corrections[corrections["status"] == "applied"]
    fixes = "; ".join(f"{r.model_id} {r.field} {r.old} -> {r.new}" for r in applied.itertuples()) or "none"
    out = ["## Published vs reproduced", "",
           "Each number the study published (or that its code gives on its file, marked *reconstructed*), next to "
           "ours on its data: with this project's documented corrections"
           + (" (this run is `--as-published`: none applied)" if as_published_run else f" ({fixes})")
           + ", and on the data exactly as published. Our factors use 365.25-day years (the study: 365), which "
           "moves a factor F to F^(365.25/365): under 0.5% for factors below 1,000x.", ""]
    rows = []
    for entry in entries:
        def select(variant: str | None) -> pd.DataFrame:
            part = snap[snap["variant"].isna()] if variant is None else snap[snap["variant"] == variant]
            mask = [entry.matches(r.method, r.subset, r.quantity, r.price_type, r.price_source, r.band_low,
                                  r.band_high, r.controls, r.quality_measure, r.threshold_model)
                    for r in part.itertuples()]
            return part[mask] if len(part) else part

        main_row, ours = _published_ours(select(None), entry)
        if as_published_run:
            pub_row, ours_published = main_row, ours
        else:
            pub_row, ours_published = _published_ours(select("as_published"), entry)
            if ours_published is None:  # the corrections changed nothing here
                pub_row, ours_published = main_row, ours
        published_value = entry.value if entry.value is not None else tuple(entry.value_range)
        reasons = []
        rounding = f" (the source rounds to the nearest {entry.rounded_to:g})" if entry.rounded_to else ""
        if _close(ours, published_value, entry.rounded_to) and _close(ours_published, published_value,
                                                                        entry.rounded_to):
            reasons.append("reproduced" + rounding)
        elif _close(ours_published, published_value, entry.rounded_to):
            reasons.append("reproduced on the data as published" + rounding
                           + "; the difference is the documented correction(s)")
        elif _close(ours, published_value, entry.rounded_to):
            reasons.append("reproduced with the documented correction(s)" + rounding + ", not on the data as "
                           "published")
        elif pub_row is not None and entry.method == "frontier" and pd.notna(pub_row["tie_order_min_factor"]) and (
                pub_row["tie_order_min_factor"] * 0.995 <= published_value <= pub_row["tie_order_max_factor"] * 1.005):
            reasons.append(f"the order of same-day releases: every order gives "
                           f"{fmt_interval(pub_row['tie_order_min_factor'], pub_row['tie_order_max_factor'])}x, the "
                           "published value among them; we take the cheapest first, the study's code left them in "
                           "its file's row order")
        elif entry.aggregate is not None:
            reasons.append("follows from the per-band differences below")
        if entry.note:
            reasons.append(entry.note)
        if entry.rounded_to:  # show what the source says, not false precision
            published_text = (f"{published_value[0]:g}-{published_value[1]:g}" if isinstance(published_value, tuple)
                              else f"{published_value:g}")
        else:
            published_text = _fmt_value(published_value)
        if entry.ci:
            published_text += f" [{fmt_interval(*entry.ci)}]"
        ours_text = _fmt_value(ours)
        if main_row is not None and pd.notna(main_row["ci_low"]):
            ours_text += f" [{fmt_interval(main_row['ci_low'], main_row['ci_high'])}]"
        details = []
        if entry.n is not None:
            details.append(f"n {entry.n} vs {fmt_int(main_row['n']) if main_row is not None else '-'}")
        if entry.adj_r_squared is not None and main_row is not None:
            details.append(f"adj. R^2 {entry.adj_r_squared:.2f} vs {fmt_number(main_row['adj_r_squared'])}")
        elif entry.r_squared is not None and main_row is not None:
            details.append(f"R^2 {entry.r_squared:.2f} vs {fmt_number(main_row['r_squared'])}")
        rows.append([Md(md_escape(entry.label) + (" *(reconstructed)*" if entry.kind == "reconstructed" else "")),
                     published_text,
                     ours_text, _fmt_value(ours_published), "; ".join(details) or "-",
                     ". ".join(r[0].upper() + r[1:] for r in reasons) or "-", entry.source])
    out += [md_table(["what", "published", "ours", "ours, data as published", "n, fit (published vs ours)",
                      "why they differ",
                      "published in"], rows, "lrrrlll"), ""]
    return out


def _read_table(path: Path) -> pd.DataFrame:
    path = Path(path)
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return read_csv_output(path)


def resolution_section(resolution: dict[str, Path] | None) -> list[str]:
    """How several sources became one snapshot: what matched, what did not, who won where they disagreed."""
    if not resolution:
        return []
    from tasks.data.resolve import (CONFLICT_FIELDS, DATE_TOLERANCE_DAYS, FIELD_PRECEDENCE, SCORE_SOURCES,
                               match_summary)

    matches, conflicts = _read_table(resolution["matches"]), _read_table(resolution["conflicts"])
    summary = match_summary(matches)
    out = ["## Sources and entity resolution", "",
           "The first source's models are the snapshot's models; the others are joined to them by the committed "
           "crosswalk, then by id, then by a normalised name key, then as reasoning-effort variants of one set of "
           "weights (a price or parameter count then applies to every variant, a score to none).", "",
           md_table(["source", "models", "matched", "match rate", "how", "doubtful"],
                    [[r.source, r.models, r.matched, f"{r.match_rate:.0%}", r.by_method, r.doubtful]
                     for r in summary.itertuples(index=False)], "lrrrlr"), "",
           "Precedence where sources disagree (first non-empty value wins): "
           + "; ".join(f"{field}: {' > '.join(order)}" for field, order in FIELD_PRECEDENCE.items())
           + f". Scores come from {', '.join(SCORE_SOURCES)} only (evaluations from different harnesses are not "
           f"mixed). Disagreements are recorded for {', '.join(CONFLICT_FIELDS)} (dates more than "
           f"{DATE_TOLERANCE_DAYS} days apart; counts more than 1% apart).", ""]
    if not conflicts.empty:
        counts = conflicts.groupby(["field", "winner_source", "other_source"]).size().reset_index(name="models")
        out += [f"Disagreements ({len(conflicts)}; every one in `conflicts.csv`):", "",
                md_table(["field", "value taken from", "overruled source", "models"],
                         [list(map(str, r)) for r in counts.itertuples(index=False)], "lllr"), ""]
    doubtful = matches[(matches["method"] == "ambiguous")
                       | matches["note"].fillna("").str.startswith("doubtful")].drop_duplicates("source_id")
    if not doubtful.empty:
        listed = doubtful.head(25)
        out += [f"Doubtful joins: listed, not applied ({len(doubtful)}; accept one by adding a row to "
                "`data/crosswalk.csv`):", "",
                md_table(["source", "source id", "name", "why"],
                         [[r.source, r.source_id, r.source_name, r.note or r.method]
                          for r in listed.itertuples(index=False)]), ""]
    return out


def vintage_section(trends: pd.DataFrame, snapshots: list[str], figures: dict[str, Path]) -> list[str]:
    """The same trends on each snapshot, under both price definitions (lowest across providers; AA headline)."""
    if len(snapshots) < 2:
        return []
    main = trends[trends["variant"].isna() & (trends["ci_method"] == "ols") & (trends["quantity"] == "price")
                  & trends["method"].isin(["frontier", "hedonic"])
                  & ((trends["method"] == "frontier") | (trends["controls"] == "mmlu_pro"))]
    if main.empty:  # a preset without frontier or hedonic trends (Epoch's, a16z's)
        return []
    # snapshots where these methods were skipped altogether (no MMLU-Pro: Epoch's data) get no empty columns
    snapshots = [s for s in snapshots if (main[main["snapshot"] == s]["status"] != "skipped").any()]
    if len(snapshots) < 2:
        return []
    main = main.assign(definition=main["price_source"].map(
        lambda s: "headline" if s == "aa_headline" else "lowest"))
    columns = [(snap, d) for snap in snapshots for d in ("lowest", "headline")]
    rows = []
    keys = main[["method", "subset", "price_type", "band_low", "band_high"]].drop_duplicates()
    keys = keys.assign(_m=keys["method"].map({"frontier": 0, "hedonic": 1}),
                       _p=keys["price_type"].map({"blended": 0, "input": 1, "output": 2}))
    for key in keys.sort_values(["_m", "_p", "subset", "band_low"], ascending=[True, True, False, True]).itertuples():
        cells = []
        for snap, definition in columns:
            hit = main[(main["method"] == key.method) & (main["subset"] == key.subset)
                       & (main["price_type"] == key.price_type) & (main["band_low"] == key.band_low)
                       & (main["snapshot"] == snap) & (main["definition"] == definition)]
            if hit.empty:
                cells.append("-")
                continue
            r = hit.iloc[0]
            cells.append(f"{fmt_factor(r['factor_per_year'])} [{fmt_interval(r['ci_low'], r['ci_high'])}] "
                         f"n={fmt_int(r['n'])}" if r["status"] == "ok" else f"{r['status']} (n={fmt_int(r['n'])})")
        label = f"{key.method} · {key.subset} · {key.price_type}"
        band = f"[{key.band_low:g}, {key.band_high:g}]" if pd.notna(key.band_low) else "-"
        rows.append([label, band] + cells)
    header = ["trend", "MMLU-Pro (%)"] + [f"{snap}: {d}" for snap, d in columns]
    out = ["# Vintage comparison", "",
           "The same preset on each bundled snapshot, under both price definitions: the lowest price across real "
           "hosting providers (`lowest_reported` in the FutureTech file, `lowest_provider` computed from models.dev) "
           "and Artificial Analysis' headline price (`aa_headline`). Factor per year [90% OLS interval], n = points "
           "in the fit. Frontier intervals are descriptive (see each snapshot's uncertainty tables).", "",
           md_table(header, rows, "ll" + "r" * len(columns)), ""]
    out += figure(figures, "vintage", "vintage", "Figure: the same trends on each snapshot and price definition")
    return out


def history_section(name: str, tables: dict[str, pd.DataFrame], trends: pd.DataFrame) -> list[str]:
    """Same-model price drift beside the new-model trends, and the data-drift warnings of a price-history store."""
    files, drift = tables["files"], tables["drift"]
    summary, per_model = tables["same_model_summary"], tables["same_model"]
    ok = summary[summary["status"] == "ok"]
    days = int(summary["days"].dropna().max()) if summary["days"].notna().any() else None
    out = [f"# Price history {md_code(name)}: price cuts on existing models, and data drift", "",
           f"{len(files)} daily files, {files['observed_on'].min()} to {files['observed_on'].max()} (Artificial "
           "Analysis headline prices, `aa_headline`). Ingested incrementally: a file already in the store is not "
           "read again.", "",
           "## Same-model price drift", "",
           "For every model priced on both the first and the last day of the price window, the annualised change of "
           "its own price (OLS of ln price on day over its daily prices; > 1: it got cheaper). This is the part of "
           "a price decline that comes from price cuts on existing models rather than from new models. "
           f"The window is only {days} days long: a single cut or rise is annualised, so the spread is wide and "
           "the median is the number to read.", ""]
    rows = [[r.subset, r.price_type, fmt_int(r.n_models), fmt_int(r.n_changed),
             f"{fmt_int(r.n_cheaper)} / {fmt_int(r.n_dearer)}", fmt_factor(r.median_factor),
             f"{fmt_factor(r.p25_factor)}-{fmt_factor(r.p75_factor)}",
             f"{fmt_factor(r.p10_factor)}-{fmt_factor(r.p90_factor)}", fmt_factor(r.mean_log_factor)]
            for r in ok.itertuples()]
    rows += [[r.subset, r.price_type, fmt_int(r.n_models), "-", "-", "-", "-", f"{r.status}: {r.note}", "-"]
             for r in summary[summary["status"] != "ok"].itertuples()]
    out += [md_table(["subset", "price", "models", "price changed", "cheaper / dearer", "median x / year",
                      "25-75%", "10-90%", "geometric mean"], rows, "llrrrrrrr"), "",
            "Below 1: the model got dearer. The geometric mean weighs the few large moves that the median ignores.",
            ""]
    # the new-model trends on the same price definition (AA headline) and on the lowest provider price
    frontier = trends[(trends["method"] == "frontier") & trends["variant"].isna() & (trends["ci_method"] == "ols")
                      & (trends["quantity"] == "price") & (trends["price_type"] == "blended")
                      & (trends["status"] == "ok")]
    latest = sorted(frontier["snapshot"].unique())
    if latest:
        snap = latest[-1] if not any(s.startswith("aa-") for s in latest) else \
            sorted(s for s in latest if s.startswith("aa-"))[-1]
        part = frontier[frontier["snapshot"] == snap]
        new_rows = []
        for r in part.sort_values(["price_source", "subset", "band_low"], ascending=[True, False, True]).itertuples():
            same = ok[(ok["subset"] == r.subset) & (ok["price_type"] == "blended")]
            new_rows.append([r.subset, f"[{r.band_low:g}, {r.band_high:g}]", md_code(r.price_source),
                             f"{fmt_factor(r.factor_per_year)} [{fmt_interval(r.ci_low, r.ci_high)}]",
                             fmt_factor(same["median_factor"].iloc[0]) if len(same) else "-"])
        out += [f"New-model trends (record-low frontier, blended price, snapshot {md_code(snap)}) next to the same-model "
                "drift of the same subset: the frontier compares new models with older ones, each at its price on "
                "the snapshot date; the same-model median says how much existing models' own prices moved.", "",
                md_table(["subset", "MMLU-Pro (%)", "price", "new models: x / year [90% CI]",
                          "same-model median x / year"], new_rows, "lllrr"), ""]
    if len(per_model):
        movers = per_model[(per_model["price_type"] == "blended") & per_model["changed"]]
        out += [f"{len(movers)} models changed their blended headline price in the window; the largest moves "
                "(first -> last price, USD per 1M tokens):", ""]
        extremes = pd.concat([movers.nsmallest(3, "factor_per_year"), movers.nlargest(3, "factor_per_year")])
        out += [md_table(["model", "open", "first", "last", "x / year (OLS)"],
                         [[str(r.name), "yes" if r.open_weights else "no", fmt_number(r.first_price, 4),
                           fmt_number(r.last_price, 4), fmt_factor(r.factor_per_year)]
                          for r in extremes.drop_duplicates("model_id").itertuples()], "llrrr"), ""]
    out += ["## Data drift between consecutive observation dates", "",
            "Row-count changes of 10% or more, fields appearing or disappearing, null-rate jumps of 20 points or "
            "more, a field going entirely null, and unit changes (fractions turning into percentages, or a median "
            "moving 20-fold). An estimate that needs a field that went missing is skipped with a note, never "
            "silently recomputed on what is left.", ""]
    if drift.empty:
        out += ["No drift between consecutive dates.", ""]
    else:
        out += [md_table(["date", "previous", "kind", "field", "warning"],
                         [[str(r.observed_on), str(r.previous_on), r.kind, str(r.column) if pd.notna(r.column) else
                           "-", r.message] for r in drift.itertuples()], "lllll"), ""]
    return out


def quarantine_section(clean: CleanResult) -> list[str]:
    summary, quarantine, warnings = clean.summary, clean.quarantine, clean.warnings
    out = ["## Data quality: what was used and what was quarantined", "",
           md_table(["table", "unit", "rows in", "used", "quarantined"],
                    [[r.table, r.unit, r.rows_in, r.rows_used, r.rows_quarantined]
                     for r in summary.itertuples(index=False)], "llrrr"), ""]
    if not warnings.empty:
        out += ["Warnings (kept, but worth knowing):", "",
                md_table(["file", "record", "model", "rule"],
                         [[w.file, fmt_int(w.record), w.model_name or "-", w.rule]
                          for w in warnings.itertuples(index=False)]), ""]
    if quarantine.empty:
        return out + ["Nothing was quarantined.", ""]
    reasons = quarantine.groupby(["stage", "table", "unit", "rule"], sort=True).size().reset_index(name="count")
    out += ["Quarantined, by reason (every unit with its model, field and value is in `quarantine.csv`):", "",
            md_table(["stage", "table", "unit", "rule", "count"],
                     [list(map(str, r)) for r in reasons.itertuples(index=False)], "llllr"), ""]
    return out


def corrections_section(corrections: pd.DataFrame, as_published: bool) -> list[str]:
    head = ["## Data corrections", ""]
    if as_published:
        head += ["This run is `--as-published`: the documented corrections below were **not** applied.", ""]
    if corrections.empty:
        return head + ["No corrections are listed in `data/corrections.csv`.", ""]
    rows = [[r.model_id, r.field, r.old or "", r.new or "", r.status, r.reason, r.source]
            for r in corrections.itertuples(index=False)]
    return head + [md_table(["model", "field", "old", "new", "status", "reason", "source"], rows), ""]


def inputs_section(meta: dict) -> list[str]:
    out = ["## What was run, on what data", "",
           md_table(["input", "role", "sha256"],
                    [[md_code(i['path']), i["role"], md_code(i['sha256'])] for i in meta["inputs"]]), ""]
    if meta.get("rejected_inputs"):
        out += ["Files in the input folders that were **not read** (`--strict` makes this an error):", "",
                md_table(["file", "why"], [[md_code(i["path"]), i["reason"]] for i in meta["rejected_inputs"]]), ""]
    for snapshot in meta.get("snapshots", []):
        sources = snapshot.get("sources") or []
        if sources:
            out += [f"Snapshot {md_code(snapshot['name'])} was built from:", "",
                    md_table(["raw file", "origin", "sha256"],
                             [[s["file"], s.get("origin", ""), md_code(s['sha256'])] for s in sources]), ""]
    out += ["Configuration (the preset as run):", "", "```json",
            json.dumps({k: v for k, v in meta["preset"].items() if k != "published"}, indent=2, sort_keys=True,
                       default=str), "```", "",
            "Every row of every trend is in `trends.csv`, the points behind each trend in `points.csv`, the hashes of "
            "every input and output, the package versions and the code version in `manifest.json`.", ""]
    return out


def render_report(trends: pd.DataFrame, cleans: dict[str, CleanResult], meta: dict,
                  figures: dict[str, Path] | None = None, diagnostics: pd.DataFrame | None = None,
                  resolution: dict[str, dict[str, Path]] | None = None,
                  histories: dict[str, dict[str, pd.DataFrame]] | None = None,
                  breaks: pd.DataFrame | None = None) -> str:
    """The whole report as markdown; ``cleans`` maps each snapshot to its cleaning result."""
    figures = figures or {}
    diagnostics = diagnostics if diagnostics is not None else pd.DataFrame(columns=["trend_id"])
    status = trends.drop_duplicates("trend_id")["status"].value_counts().sort_index()
    published = [PublishedValue.model_validate(p) for p in meta["preset"].get("published", [])]
    lines = [f"# Inference price trends: {md_escape(meta['preset']['title'])}", "",
             " · ".join(meta["attribution"]), "",
             f"- Preset: {md_code(meta['preset']['name'])}"
             + (f" (reference: {md_escape(meta['preset']['reference'])})" if meta["preset"].get("reference") else ""),
             f"- Snapshots: {', '.join(f'`{s}`' for s in cleans)}",
             f"- Data corrections: {'disabled (`--as-published`)' if meta['as_published'] else 'applied'}",
             f"- Trends: {trends['trend_id'].nunique()} ({', '.join(f'{k}: {v}' for k, v in status.items())})",
             ""]
    skipped = trends[trends["status"] == "skipped"].drop_duplicates("trend_id")
    if len(skipped):
        lines += [f"**Skipped, not estimated ({len(skipped)} trends)**: the snapshot lacks what the method needs; "
                  "nothing was estimated on other data in their place.", "",
                  md_table(["snapshot", "preset", "trends", "why"],
                           [[md_code(snap), preset, str(len(group)), note]
                            for (snap, preset, note), group in skipped.groupby(["snapshot", "preset", "note"],
                                                                                sort=True)], "llrl"), ""]
    many = len(cleans) > 1
    shown = trends[trends["status"] != "skipped"]  # listed once above, not as empty tables per method
    for snapshot, clean in cleans.items():
        section = []
        section += frontier_section(shown, snapshot, figures, diagnostics)
        section += hedonic_section(shown, snapshot, figures, diagnostics)
        section += threshold_section(shown, snapshot)
        section += decomposition_section(shown, snapshot, figures, diagnostics)
        section += published_section(trends, snapshot, published, clean.corrections, meta["as_published"])
        if f"figures/{snapshot}/summary.png" in figures:
            section += ["## Every trend at a glance", ""] + figure(
                figures, snapshot, "summary", "Figure: every trend with its interval and same-day-order range")
        section += resolution_section((resolution or {}).get(snapshot))
        section += quarantine_section(clean)
        section += corrections_section(clean.corrections, meta["as_published"])
        if many:
            section = [f"# Snapshot {md_code(snapshot)}", ""] + [("#" + line if line.startswith("#") else line)
                                                          for line in section]
        lines += section
    lines += vintage_section(trends, list(cleans), figures)
    hardware = (meta["preset"].get("hardware_factor_per_year"), meta["preset"].get("hardware_source", ""))
    lines += methods_section(trends, methods_selection(trends), figures, hardware)
    lines += breaks_section(breaks)
    for name, tables in (histories or {}).items():
        lines += history_section(name, tables, trends)
    lines += inputs_section(meta)
    return "\n".join(lines)


# --- HTML ----------------------------------------------------------------------------------------------------
CSS = """
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;color:#1d1d1f;
  max-width:1180px;margin:0 auto;padding:24px 28px 60px;line-height:1.5;font-size:15px}
h1{font-size:26px;margin:0 0 8px;line-height:1.25} h2{font-size:20px;margin-top:36px;border-bottom:1px solid #ddd;
  padding-bottom:4px} h3{font-size:16px;margin-top:24px}
table{border-collapse:collapse;margin:10px 0 16px;font-size:13px;display:block;overflow-x:auto;max-width:100%}
th,td{border:1px solid #d9d9de;padding:4px 8px;vertical-align:top} th{background:#f3f4f6;text-align:left}
td{white-space:normal} tr:nth-child(even) td{background:#fafafa}
img{max-width:100%;height:auto;border:1px solid #eee;margin:8px 0 2px} code{font-size:12.5px;background:#f3f4f6;
  padding:1px 4px;border-radius:3px} pre{background:#f6f8fa;padding:10px;overflow-x:auto;font-size:12px}
p.caption{color:#555;font-size:13px;font-style:italic;margin:0 0 22px} a{color:#1b6ca8}
"""


def render_html(markdown_text: str, figures: dict[str, Path]) -> str:
    """Self-contained HTML: every PNG embedded as a data URI, SVG links pointing at the run folder's files."""
    body = markdown_to_html(markdown_text)

    def embed(match: re.Match) -> str:
        key = html.unescape(match.group(1))
        if key in figures:
            data = base64.b64encode(Path(figures[key]).read_bytes()).decode()
            return f'src="data:image/png;base64,{data}"'
        return match.group(0)

    body = re.sub(r'src="([^"]+\.png)"', embed, body)
    body = body.replace("<p><em>Figure: ", '<p class="caption"><em>Figure: ')
    title = next((line[2:] for line in markdown_text.splitlines() if line.startswith("# ")), "Report")
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head>\n<body>\n{body}\n</body></html>\n")
