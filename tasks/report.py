"""``report.md``: what was run on what data, the trends with n and R^2, and the data-quality accounting.

The report is a pure function of its inputs (no timestamps or run ids: those are in ``manifest.json``), so an
unchanged rerun serves it from the cache and produces identical bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from tasks.caching import cached_task, sha256_bytes
from tasks.clean import CleanResult, read_clean
from tasks.io import atomic_write_text
from tasks.settings import cache_dir
from tasks.stats import geometric_mean
from tasks.trends import read_trends_csv


def fmt_factor(value) -> str:
    if value is None or pd.isna(value):
        return "-"
    value = float(value)
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 0.01:
        return f"{value:.2f}"
    return f"{value:.2g}"


def fmt_interval(low, high) -> str:
    if low is None or pd.isna(low):
        return "-"
    return f"{fmt_factor(low)}-{fmt_factor(high)}"


def fmt_number(value, digits: int = 2) -> str:
    if value is None or pd.isna(value):
        return "-"
    return f"{float(value):.{digits}f}"


def fmt_int(value) -> str:
    return "-" if value is None or pd.isna(value) else str(int(value))


def fmt_date(value) -> str:
    return "-" if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def fmt_band(row) -> str:
    if pd.isna(row["band_low"]):
        return "-"
    low = f"{row['band_low']:g}"
    high = "" if pd.isna(row["band_high"]) else f"{row['band_high']:g}"
    closing = "]" if (row.get("variant") or "") != "half_open_bands" else ")"
    return f"[{low}, {high}{closing}" if high else f">= {low}"


def md_table(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    align = align or "l" * len(header)
    marks = {"l": "---", "r": "---:", "c": ":---:"}
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(marks[a] for a in align) + " |"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def headline_source(trends: pd.DataFrame) -> str | None:
    frontier = trends[(trends["method"] == "frontier") & (trends["quantity"] == "price")]
    for source in ("lowest_provider", "lowest_reported", "aa_headline", "source_price"):
        if (frontier["price_source"] == source).any():
            return source
    return None


def frontier_section(trends: pd.DataFrame, snapshot: str) -> list[str]:
    frontier = trends[(trends["method"] == "frontier") & (trends["quantity"] == "price")
                      & (trends["snapshot"] == snapshot) & trends["variant"].isna()]
    if frontier.empty:
        return []
    out = ["## Record-low frontier by quality band", "",
           "Price of the models that set a new record low in each band, regressed (log10) on release date. "
           "Factor = times cheaper per year; interval: classical OLS on the record points (descriptive: it ignores "
           "that the points were selected as record lows).", ""]
    source = headline_source(frontier)
    for price_type in ("blended", "input", "output"):
        part = frontier[(frontier["price_type"] == price_type) & (frontier["price_source"] == source)]
        if part.empty:
            continue
        out += [f"### {price_type.capitalize()} price ({source})", ""]
        rows = []
        for subset in ("open", "all"):
            for _, row in part[part["subset"] == subset].sort_values("band_low").iterrows():
                rows.append([subset, fmt_band(row), fmt_factor(row["factor_per_year"]),
                             fmt_interval(row["ci_low"], row["ci_high"]), fmt_int(row["n"]),
                             fmt_int(row["n_candidates"]), fmt_number(row["r_squared"]),
                             f"{fmt_date(row['first_date'])} to {fmt_date(row['last_date'])}",
                             row["status"] if row["status"] == "ok" else f"{row['status']}: {row['note']}"])
            ok = part[(part["subset"] == subset) & (part["status"] == "ok")]
            if len(ok) >= 2 and len(ok) == (part["subset"] == subset).sum():
                rows.append([subset, "geometric mean", fmt_factor(geometric_mean(list(ok["factor_per_year"]))),
                             "-", "", "", "", "", "mean of the band slopes (no interval: bands share models)"])
        level = part["ci_level"].dropna()
        ci_header = f"{level.iloc[0]:.0%} CI" if len(level) else "CI"
        out += [md_table(["subset", "MMLU-Pro band (%)", "x / year", ci_header, "n (records)", "candidates", "R^2",
                          "records from / to", "status"], rows, "llrrrrrll"), ""]
    return out


def hedonic_section(trends: pd.DataFrame, snapshot: str) -> list[str]:
    hedonic = trends[(trends["method"] == "hedonic") & (trends["snapshot"] == snapshot) & trends["variant"].isna()]
    if hedonic.empty:
        return []
    out = ["## Hedonic regression", "",
           "ln(price) on release day and quality scores over every model of the subset in the score range: the "
           "quality-adjusted rate at which prices fall.", ""]
    rows = []
    for (source, price_type, subset, controls), group in hedonic.groupby(
            ["price_source", "price_type", "subset", "controls"], sort=False):
        by = {row["ci_method"]: row for _, row in group.iterrows()}
        first = next(iter(by.values()))
        rows.append([price_type, source, subset, fmt_band(first), controls.replace("+", " + "),
                     fmt_factor(first["factor_per_year"]),
                     fmt_interval(by["ols"]["ci_low"], by["ols"]["ci_high"]) if "ols" in by else "-",
                     fmt_interval(by["hc3"]["ci_low"], by["hc3"]["ci_high"]) if "hc3" in by else "-",
                     fmt_int(first["n"]), fmt_number(first["r_squared"]), fmt_number(first["adj_r_squared"]),
                     first["status"] if first["status"] == "ok" else f"{first['status']}: {first['note']}"])
    out += [md_table(["price", "source", "subset", "MMLU-Pro range (%)", "controls", "x / year", "OLS CI", "HC3 CI",
                      "n", "R^2", "adj. R^2", "status"], rows, "lllllrrrrrrl"), ""]
    return out


def quarantine_section(summary: pd.DataFrame, quarantine: pd.DataFrame, warnings: pd.DataFrame) -> list[str]:
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
    reasons = (quarantine.groupby(["stage", "table", "unit", "rule"], sort=True).size()
               .reset_index(name="count"))
    out += ["Reasons:", "", md_table(["stage", "table", "unit", "rule", "count"],
                                     [list(map(str, r)) for r in reasons.itertuples(index=False)], "llllr"), ""]
    listed = quarantine.head(60)
    out += [f"Quarantined units ({len(quarantine)}; all of them in `quarantine.csv`):", "",
            md_table(["stage", "table", "model", "field", "value", "rule"],
                     [[r.stage, r.table, r.model_id or r.name or "-", r.field or "-",
                       "-" if r.value is None or pd.isna(r.value) else r.value, r.rule]
                      for r in listed.itertuples(index=False)]), ""]
    return out


def corrections_section(corrections: pd.DataFrame, as_published: bool) -> list[str]:
    head = ["## Data corrections", ""]
    if as_published:
        head += ["Run with `--as-published`: the documented corrections below were **not** applied.", ""]
    if corrections.empty:
        return head + ["No corrections are listed in `data/corrections.csv`.", ""]
    rows = [[r.model_id, r.field, r.old or "", r.new or "", r.status, r.reason, r.source]
            for r in corrections.itertuples(index=False)]
    return head + [md_table(["model", "field", "old", "new", "status", "reason", "source"], rows), ""]


def render_report(trends: pd.DataFrame, cleans: dict[str, CleanResult], meta: dict) -> str:
    """The whole report; ``cleans`` maps each snapshot to its cleaning result."""
    status = trends.drop_duplicates("trend_id")["status"].value_counts().sort_index()
    lines = [f"# Inference price trends: {meta['preset']['title']}", "",
             " · ".join(meta["attribution"]), "",
             f"- Preset: `{meta['preset']['name']}`"
             + (f" (reference: {meta['preset']['reference']})" if meta["preset"].get("reference") else ""),
             f"- Snapshots: {', '.join(f'`{s}`' for s in cleans)}",
             f"- Data corrections: {'disabled (`--as-published`)' if meta['as_published'] else 'applied'}",
             f"- Trends: {trends['trend_id'].nunique()} ({', '.join(f'{k}: {v}' for k, v in status.items())})",
             ""]
    many = len(cleans) > 1
    for snapshot, clean in cleans.items():
        section = []
        section += frontier_section(trends, snapshot)
        section += hedonic_section(trends, snapshot)
        section += quarantine_section(clean.summary, clean.quarantine, clean.warnings)
        section += corrections_section(clean.corrections, meta["as_published"])
        if many:
            section = [f"# Snapshot `{snapshot}`", ""] + [("#" + line if line.startswith("#") else line)
                                                          for line in section]
        lines += section
    lines += ["## Inputs and configuration", "",
              md_table(["input", "role", "sha256"],
                       [[f"`{i['path']}`", i["role"], f"`{i['sha256']}`"] for i in meta["inputs"]]), "",
              "Configuration (the preset as run):", "", "```json",
              json.dumps(meta["preset"], indent=2, sort_keys=True, default=str), "```", "",
              "Every row of every trend is in `trends.csv`; the points behind each trend in `points.csv`; "
              "input and output hashes, package versions and the code version in `manifest.json`.", ""]
    return "\n".join(lines)


@cached_task(name="report", task_run_name="write-report")
def report_task(trends_path: Path, clean_paths: dict[str, dict[str, Path]], meta: dict) -> Path:
    cleans = {snapshot: read_clean(paths) for snapshot, paths in clean_paths.items()}
    text = render_report(read_trends_csv(trends_path), cleans, meta)
    data = text.encode()
    return atomic_write_text(cache_dir() / "report" / f"report-{sha256_bytes(data)[:16]}.md", text)

