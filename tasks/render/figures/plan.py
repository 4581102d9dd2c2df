"""Which figures a run gets, and the data each one draws (pure: frames in, frames out)."""

from __future__ import annotations

import pandas as pd
from pandera.typing import DataFrame

from schemas.analysis import AnalysisTable, Points, Trends
from tasks.data.sources import attributions
from tasks.methods import METHODS, registry
from tasks.trends import TrendSpec
from tasks.reporting.figures import main_price_source


def with_coverage(trends: pd.DataFrame, diagnostics: pd.DataFrame | None) -> pd.DataFrame:
    """``trends`` with each row's simulated coverage of its 90% OLS interval (diagnostics ``coverage_ols``, and its
    Monte-Carlo error ``coverage_ols_error`` where known), when the diagnostics carry it: a poorly covering interval
    is labelled a range."""
    if diagnostics is None or "coverage_ols" not in diagnostics or "coverage_ols" in trends:
        return trends
    columns = ["trend_id", "coverage_ols"] + (["coverage_ols_error"] if "coverage_ols_error" in diagnostics else [])
    coverage = diagnostics[columns].drop_duplicates("trend_id")
    return trends.merge(coverage, on="trend_id", how="left")


def plan_figures(trends: DataFrame[Trends], points: DataFrame[Points], analysis: DataFrame[AnalysisTable],
                 snapshot: str, specs: list[TrendSpec], replicates: pd.DataFrame | None = None,
                 attribution: list[str] | None = None, diagnostics: pd.DataFrame | None = None,
                 runs: pd.DataFrame | None = None) -> list[tuple[dict, dict]]:
    """Every figure of one snapshot: (job fields, data slices). Pure: frames in, frames out.

    ``attribution``: every source behind the snapshot (a merged snapshot's prices and parameters come from sources
    that are not the models' own ``source``); default: the analysis table's sources. ``runs``: the cleaned benchmark
    runs (``tasks.data.runs``), whose scores colour the cost-per-run figures; ``specs``: the planned trends (a
    method's figure may draw every trend it planned, fitted or not)."""
    attribution = attribution or attributions(analysis["source"].unique())
    snapshot_rows = trends[trends["snapshot"] == snapshot]
    snapshot_rows = with_coverage(snapshot_rows, diagnostics)
    # skipped trends (the data lacks what they need) have nothing to draw
    everything = snapshot_rows[snapshot_rows["variant"].isna() & (snapshot_rows["status"] != "skipped")]
    trends = everything[everything["method"].isin([m.name for m in METHODS])]  # fitted, not derived
    answering = trends[trends["method"].isin([m.name for m in METHODS if m.answer_rows])
                       & (trends["ci_method"] == "ols") & (trends["quantity"] == "price")]
    # the snapshot's main price source: that of the methods the answer is drawn from (a figure may follow it)
    source = main_price_source(answering["price_source"].dropna())
    jobs: list[tuple[dict, dict]] = []
    common = dict(snapshot=snapshot, attribution=attribution)
    # what a method's figures may need besides the trends, points and analysis: the cleaned benchmark runs, the
    # snapshot's main price source, the planned trends, the bootstrap replicates
    extra = {"runs": runs, "price_source": source, "specs": specs, "replicates": replicates}
    for method in METHODS:  # the figures the methods supply themselves (Method.figures, drawn by Method.draw)
        if method.figures is not None:
            mine = snapshot_rows[snapshot_rows["method"].isin(method.names())]
            if not mine.empty:
                jobs += [(dict(fields, method=method.name), frames)
                         for fields, frames in method.figures(mine, points, analysis, common, extra)]
    if not trends.empty:  # every row of the snapshot: the figure picks its rows and says how many it leaves out
        jobs.append((dict(common, name="summary"), {"trends": snapshot_rows}))
    return jobs


CAPABILITY_FIGURE = "figures/capability/capability.png"  # the capability scale's figure in the run folder


def capability_job(capability: pd.DataFrame, open_weights: pd.DataFrame | None = None,
                   scale: dict | None = None) -> tuple[dict, dict]:
    """The capability figure's job: every model's capability against its release date (``capability``:
    capability.csv's rows; ``open_weights``: model_id, open_weights from the run's analysis tables, the newest value
    per model; ``scale``: the preset's [capability] section, whose anchors the footer names)."""
    table = capability.copy()
    if open_weights is not None and not open_weights.empty:
        flags = open_weights.dropna(subset=["open_weights"]).drop_duplicates("model_id", keep="last")
        table = table.merge(flags[["model_id", "open_weights"]], on="model_id", how="left")
    else:
        table["open_weights"] = pd.NA
    note = "Bars: bootstrap intervals of each model's capability."
    if scale:
        note = (f"Scale anchored: {scale['low_model']} = {scale['low_value']:g}, {scale['high_model']} = "
                f"{scale['high_value']:g}. Bars: {scale.get('ci_level', 0.9):.0%} bootstrap intervals "
                f"({scale.get('bootstrap', '?')} refits).")
    fields = dict(snapshot="capability", name="capability", attribution=attributions(["aa_api"]),
                  title=f"Capability of {len(table)} models by release date (IRT scale over AA's benchmarks)",
                  note=note)
    return fields, {"capability": table}


def cross_snapshot_figures(trends: DataFrame[Trends], sources: set[str], attribution: dict[str, list[str]],
                           diagnostics: pd.DataFrame | None = None,
                           capability: tuple[dict, dict] | None = None) -> list[tuple[dict, dict]]:
    """The figures that span every snapshot: the vintage comparison and the methods comparison (``diagnostics``:
    the run's, whose ``coverage_ols`` tells the methods figure which intervals are ranges), and the capability
    scale's figure when the run fitted one (``capability``: its ``capability_job``)."""
    from tasks.render.comparison import methods_selection

    lines = attributions(sources)
    lines += [line for snap_lines in attribution.values() for line in snap_lines if line not in lines]
    jobs = []
    if len(attribution) > 1:  # the vintage comparison spans every snapshot
        main = trends[trends["variant"].isna() & (trends["ci_method"] == "ols") & (trends["quantity"] == "price")]
        drawn = pd.Series(False, index=main.index)
        for method in METHODS:  # the rows each method sets side by side (Method.vintage_figure)
            if method.vintage_figure is not None:
                drawn |= main["method"].isin(method.names()) & method.vintage_figure(main)
        rows = main[drawn]
        if not rows.empty:  # no method draws a row on these snapshots: nothing to compare across vintages
            jobs.append((dict(snapshot="vintage", name="vintage", attribution=lines), {"trends": rows}))
    methods = with_coverage(methods_selection(trends), diagnostics)
    if methods["method"].nunique() > 1:  # the methods comparison spans every preset and snapshot
        jobs.append((dict(snapshot="methods", name="methods", attribution=lines), {"trends": methods}))
    if capability is not None and not capability[1]["capability"].empty:
        jobs.append(capability)
    return jobs


def draw(fields: dict, frames: dict):
    """The matplotlib figure of one planned figure (``fields``: its name, titles, attribution; ``frames``: its
    data)."""
    from tasks.render.figures.methods import methods_figure
    from tasks.render.figures.summary import summary_figure
    from tasks.render.figures.vintage import vintage_figure

    if fields.get("method"):  # a method's own figure
        return registry()[fields["method"]].draw(fields, frames)
    name, attribution = fields["name"], fields["attribution"]
    if name == "capability":
        from tasks.reporting.capability_figure import capability_plot

        return capability_plot(frames["capability"], fields["title"], attribution, fields["note"])
    trends = frames["trends"]
    if name == "summary":
        return summary_figure(trends, attribution, snapshot=fields["snapshot"])
    if name == "vintage":
        return vintage_figure(trends, attribution)
    if name == "methods":
        return methods_figure(trends, attribution)
    raise ValueError(f"unknown figure {name!r}")


def interactive(fields: dict, frames: dict, analysis: pd.DataFrame) -> str | None:
    """The interactive page (HTML, ``tasks.reporting.interactive.page``) of one planned figure, when its method has
    one (a method's ``interactive``); None otherwise. ``analysis``: the snapshot's analysis table (the hover's price
    source, date and score)."""
    from tasks.reporting.interactive import page

    method = registry().get(fields.get("method")) if fields.get("method") else None
    if method is None or method.interactive is None:
        return None
    fig = method.interactive(fields, frames, analysis)
    if fig is None:
        return None
    title = fields.get("title") or (fig.layout.meta or {}).get("title") or fields["name"]
    scope = fields.get("subtitle") or f"snapshot {fields['snapshot']}"
    caption = (f"{scope} · hover a point for the model, its release date, its price and source, its score; drag to "
               "zoom, double-click to reset; log or linear axis at the bottom right.")
    return page(fig, title, caption)
