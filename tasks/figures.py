"""Figures for a paper: PNG (200 dpi) and SVG, sized for a two-column page width, log value axes, units, the data
source on every figure.

1. ``frontier_all``: price vs release date per band, all models faint, records highlighted and joined, the fit
   labelled "N x / year [low-high]".
2. ``frontier_open``: the same for open-weights models.
3. ``active_params``: fewest active parameters per band over time (records and fit).
4. ``price_per_active_param``: price per active parameter per band over time.
5. ``hedonic``: price adjusted for MMLU-Pro vs release date, one panel per price type, with the fit.
6. ``summary``: every trend's factor with its interval on a log axis, grouped, the tie-order range beside it.

Files are deterministic (no creation dates, fixed SVG ids), so unchanged inputs give identical bytes.
"""

from __future__ import annotations

import io
import textwrap
import threading
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter  # noqa: E402
from pydantic import BaseModel, ConfigDict  # noqa: E402

from tasks.caching import cached_task, sha256_bytes  # noqa: E402
from tasks.hedonic import hedonic_coefficients  # noqa: E402
from tasks.io import atomic_write_bytes, read_csv_output, read_parquet, write_cached_parquet  # noqa: E402
from tasks.methods import METHOD_LABELS, methods_selection  # noqa: E402
from tasks.quantities import UNITS  # noqa: E402
from tasks.settings import cache_dir  # noqa: E402
from tasks.sources import attributions  # noqa: E402
from tasks.stats import release_day  # noqa: E402
from tasks.trends import TrendSpec, read_trends_csv  # noqa: E402
from tasks.uncertainty import factors  # noqa: E402

WIDTH = 7.0  # inches: a two-column page; one panel is about a column wide
BAND_COLOURS = ["#1b6ca8", "#d1495b", "#2a9d3f", "#8e5ea2", "#e08e0b"]
RC = {
    "font.size": 7, "axes.titlesize": 7.5, "axes.labelsize": 7, "xtick.labelsize": 6.5, "ytick.labelsize": 6.5,
    "legend.fontsize": 6.5, "figure.titlesize": 8.5, "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "grid.alpha": 0.25, "grid.linewidth": 0.5, "svg.hashsalt": "inference-trends",
    "svg.fonttype": "none", "font.family": "DejaVu Sans",
}
PRICE_LABELS = {"blended": "blended 3:1", "input": "input", "output": "output", "mean_in_out": "mean of input and output"}


# --- helpers -------------------------------------------------------------------------------------------------
def fmt_factor(value: float) -> str:
    if value is None or not np.isfinite(value):
        return "-"
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}" if value < 20 else f"{value:.0f}"
    return f"{value:.2g}" if value < 1 else f"{value:.1f}"


def factor_label(row) -> str:
    text = f"{fmt_factor(row.factor_per_year)}x / year [{fmt_factor(row.ci_low)}-{fmt_factor(row.ci_high)}]"
    return text


def _log_axis(ax, axis: str = "y") -> None:
    getattr(ax, f"set_{axis}scale")("log")
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}" if 1e-3 <= v <= 1e5 else f"{v:.0e}"))
    target.set_minor_formatter(NullFormatter())


def _date_axis(ax) -> None:
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 7)))
    ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(4, 10)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))


def footer_lines(attribution: list[str]) -> str:
    """The attribution on two lines (used when one line would run into the note or off the figure)."""
    half = (len(attribution) + 1) // 2
    return " · ".join(attribution[:half]) + "\n" + " · ".join(attribution[half:])


def _footer(fig: Figure, attribution: list[str], note: str) -> None:
    """Attribution bottom left, the method note bottom right. When the two would overlap or the attribution would
    leave the figure (measured with the renderer, not guessed from its length), the footer's font shrinks a little,
    and if that is not enough the attribution wraps onto a second line."""
    left = fig.text(0.005, 0.005, " · ".join(attribution), fontsize=5.5, color="0.35", ha="left", va="bottom",
                    linespacing=1.3)
    right = fig.text(0.995, 0.005, note, fontsize=5.5, color="0.35", ha="right", va="bottom") if note else None
    renderer = fig.canvas.get_renderer()
    limit = right.get_window_extent(renderer).x0 - 4 if right else fig.bbox.width * 0.995
    for size in (5.2, 4.9):  # a slightly smaller font first: a second line would run into bottom legends
        if left.get_window_extent(renderer).x1 <= limit:
            return
        left.set_fontsize(size)
        if right:
            right.set_fontsize(size)
            limit = right.get_window_extent(renderer).x0 - 4
    if left.get_window_extent(renderer).x1 > limit and len(attribution) > 1:
        left.set_fontsize(5.5)
        left.set_text(footer_lines(attribution))


def _fit_line(points: pd.DataFrame, slope: float, base: str):
    """The fitted line over the fit's date span (intercept from the fit's own points; slope from the row)."""
    fit = points[points["in_fit"].astype(bool)]
    x = release_day(fit["release_date"])
    logs = np.log10(fit["value"].to_numpy()) if base == "10" else np.log(fit["value"].to_numpy())
    intercept = logs.mean() - slope * x.mean()
    span = np.array([x.min(), x.max()])
    values = 10 ** (intercept + slope * span) if base == "10" else np.exp(intercept + slope * span)
    return pd.to_datetime(span, unit="D"), values


def _band_title(row) -> str:
    high = "" if pd.isna(row.band_high) else f"{row.band_high:g}"
    closing = ")" if (row.variant or "") == "half_open_bands" else "]"
    return f"MMLU-Pro [{row.band_low:g}, {high}{closing} %" if high else f"MMLU-Pro >= {row.band_low:g} %"


# --- figures 1-4: frontier panels --------------------------------------------------------------------------------
def _header(fig: Figure, title: str, subtitle: str) -> None:
    """Title and a subtitle wrapped to the page width, in inches from the top (so any figure height works)."""
    height = fig.get_figheight()
    fig.text(0.005, 1 - 0.05 / height, title, fontsize=8.5, fontweight="bold", ha="left", va="top")
    if subtitle:
        fig.text(0.005, 1 - 0.22 / height, textwrap.fill(subtitle, 150), fontsize=6.5, color="0.3", ha="left",
                 va="top", linespacing=1.3)


def _factor_axis(ax) -> None:
    """The "times cheaper per year" axis of the comparison figures: log scale, X_MIN to X_MAX, decades labelled."""
    ax.set_xscale("log")
    ax.set_xlim(X_MIN, X_MAX)
    ax.xaxis.set_major_locator(FixedLocator([0.1, 1, 10, 100, 1000, 10000]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def _info_box(ax, lines: list[str]) -> None:
    ax.text(0.03, 0.03, "\n".join(lines), transform=ax.transAxes, ha="left", va="bottom", fontsize=5.9,
            bbox=dict(boxstyle="round,pad=0.25", fc="white", ec="0.8", lw=0.4, alpha=0.92), zorder=6)


def frontier_figure(trends: pd.DataFrame, points: pd.DataFrame, *, title: str, subtitle: str, ylabel: str,
                    attribution: list[str]) -> Figure:
    """One panel per band: candidates faint, records joined, fit labelled; ``trends`` holds one row per band."""
    rows = trends.sort_values("band_low").reset_index(drop=True)
    with plt.rc_context(RC):
        fig, axes = plt.subplots(1, max(len(rows), 1), figsize=(WIDTH, 3.3), sharey=True, sharex=True,
                                 squeeze=False)
        axes = axes[0]
        for i, row in rows.iterrows():
            ax, colour = axes[i], BAND_COLOURS[i % len(BAND_COLOURS)]
            pts = points[points["trend_id"] == row.trend_id].sort_values(["release_date", "value"])
            records = pts[pts["is_record"].fillna(False).astype(bool)]
            others = pts[~pts["is_record"].fillna(False).astype(bool)]
            ax.scatter(others["release_date"], others["value"], s=7, color="0.72", linewidths=0, zorder=2,
                       label="other models in the band")
            ax.plot(records["release_date"], records["value"], color=colour, lw=0.7, alpha=0.6, zorder=3)
            ax.scatter(records["release_date"], records["value"], s=16, color=colour, edgecolor="white",
                       linewidths=0.4, zorder=4, label="record lows (joined)")
            if row.status == "ok":
                dates, values = _fit_line(pts, row.slope_per_day, row.log_base)
                ax.plot(dates, values, color="black", lw=1.1, ls="--", zorder=5, label="OLS fit on the record lows")
                lines = [factor_label(row), f"n = {int(row.n)} records of {int(row.n_candidates)} · "
                                            f"R² = {row.r_squared:.2f}"]
                if pd.notna(row.tie_order_min_factor):
                    lines.append(f"any same-day order: {fmt_factor(row.tie_order_min_factor)}-"
                                 f"{fmt_factor(row.tie_order_max_factor)}x / year")
            else:  # the note, wrapped to the panel's width
                lines = [row.status] + (str(row.note).split(", ") if row.note else []) + ["", ""]
                lines = lines[:3]
            ax.set_title(_band_title(row), fontweight="bold", pad=31)
            ax.text(0.5, 1.015, "\n".join(lines), transform=ax.transAxes, ha="center", va="bottom", fontsize=6,
                    linespacing=1.25)
            _date_axis(ax)
            if pts.empty:
                ax.text(0.5, 0.5, "no models in this band", transform=ax.transAxes, ha="center", color="0.4")
        _log_axis(axes[0])
        axes[0].set_ylabel(ylabel)
        handles, labels = axes[0].get_legend_handles_labels()
        unique = dict(zip(labels, handles))
        fig.legend(unique.values(), unique.keys(), loc="lower center", ncol=3, frameon=False,
                   bbox_to_anchor=(0.5, 0.03), handletextpad=0.3, columnspacing=1.5)
        _header(fig, title, subtitle)
        _footer(fig, attribution, "Record: at most every earlier model's lowest value; same day: cheapest first")
        # fixed margins (tight_layout would measure every tick: most of the drawing time)
        fig.subplots_adjust(left=0.085, right=0.99, bottom=0.2, top=0.72, wspace=0.12)
    return fig


# --- figure 5: hedonic -------------------------------------------------------------------------------------------
def hedonic_figure(analysis: pd.DataFrame, trends: pd.DataFrame, specs: list[TrendSpec],
                   attribution: list[str]) -> Figure:
    """One panel per price type: price adjusted to the sample's mean MMLU-Pro, and the fitted trend."""
    with plt.rc_context(RC):
        fig, axes = plt.subplots(1, max(len(specs), 1), figsize=(WIDTH, 2.9), sharey=True, sharex=True,
                                 squeeze=False)
        axes = axes[0]
        for ax, spec, colour in zip(axes, specs, BAND_COLOURS):
            row = trends[(trends["trend_id"] == spec.trend_id) & (trends["ci_method"] == "ols")].iloc[0]
            ax.set_title(f"{PRICE_LABELS.get(spec.price_type, spec.price_type)} price", fontweight="bold", pad=22)
            _date_axis(ax)
            if row.status != "ok":
                ax.text(0.5, 0.5, f"{row.status}: {row.note}", transform=ax.transAxes, ha="center", wrap=True)
                continue
            sample, coef = hedonic_coefficients(analysis, spec)
            score = sample[f"score_{spec.quality_measure}"]
            shift = coef[f"score_{spec.quality_measure}"] * (score - score.mean())
            adjusted = np.exp(np.log(sample["value"]) - shift) if spec.log_base == "e" else 10 ** (
                np.log10(sample["value"]) - shift)
            ax.scatter(sample["release_date"], adjusted, s=10, color=colour, alpha=0.75, linewidths=0,
                       label="open models (quality-adjusted)")
            x = release_day(sample["release_date"])
            span = np.array([x.min(), x.max()])
            level = coef["const"] + coef[f"score_{spec.quality_measure}"] * score.mean()
            for control in spec.controls[1:]:
                level += coef[f"score_{control}"] * sample[f"score_{control}"].mean()
            fitted = level + coef["day"] * span
            ax.plot(pd.to_datetime(span, unit="D"), np.exp(fitted) if spec.log_base == "e" else 10 ** fitted,
                    color="black", ls="--", lw=1.1, label="fit")
            ax.text(0.5, 1.015, f"{factor_label(row)}\nn = {int(row.n)} · adj. R² = {row.adj_r_squared:.2f}",
                    transform=ax.transAxes, ha="center", va="bottom", fontsize=6, linespacing=1.25)
        _log_axis(axes[0])
        axes[0].set_ylabel("USD per 1M tokens at mean MMLU-Pro (log)")
        spec = specs[0] if specs else None
        scope = (f"open models with MMLU-Pro in [{spec.band_low:g}, {spec.band_high:g}] %, all release dates · "
                 f"price: {spec.price_source} · snapshot {spec.snapshot}" if spec else "")
        _header(fig, "Quality-adjusted price trend (hedonic regression)", scope)
        _footer(fig, attribution, "ln price = a·day + b·MMLU-Pro + c; points shifted to the mean MMLU-Pro")
        fig.subplots_adjust(left=0.075, right=0.99, bottom=0.17, top=0.74, wspace=0.12)
    return fig


# --- figure 6: summary ---------------------------------------------------------------------------------------------
SUMMARY_GROUPS = [
    ("Geometric mean across bands (bootstrap interval)", lambda t: t.method == "frontier_geomean"),
    ("Frontier, open models, price", lambda t: (t.method == "frontier") & (t.quantity == "price") & (t.subset == "open")),
    ("Frontier, all models, price", lambda t: (t.method == "frontier") & (t.quantity == "price") & (t.subset == "all")),
    ("Decomposition (frontier, open models)", lambda t: (t.method == "frontier") & (t.quantity != "price")),
    ("Hedonic regression (open models)", lambda t: t.method == "hedonic"),
    ("Threshold (Epoch AI method): benchmark · threshold model", lambda t: t.method == "threshold"),
]
X_MIN, X_MAX = 0.1, 1e4


def _summary_label(row) -> str:
    if row.method == "frontier_geomean":
        what = row.price_type if row.quantity == "price" else row.quantity.replace("_", " ")
        return f"{row.subset} · {what}"
    if row.method == "hedonic":
        return f"{row.price_type} · {row.controls.replace('+', ' + ')}"
    if row.method == "threshold":
        return f"{row.quality_measure.replace('_diamond', '')} · {row.threshold_model}"
    what = row.price_type if row.quantity == "price" else row.quantity.replace("_", " ")
    return f"{what} · {row.band_low:g}-{row.band_high:g} %"


def summary_figure(trends: pd.DataFrame, attribution: list[str]) -> Figure:
    main = trends[((trends["ci_method"] == "ols") | (trends["method"] == "frontier_geomean"))
                  & trends["variant"].isna()]
    boot = trends[(trends["ci_method"] == "bootstrap") & (trends["method"] == "frontier")].set_index("trend_id")
    lines = []  # (kind, text, row)
    for title, select in SUMMARY_GROUPS:
        part = main[select(main)]
        if part.empty:
            continue
        lines.append(("group", title, None))
        order = {"blended": 0, "input": 1, "output": 2}
        part = part.assign(_p=part["price_type"].map(order).fillna(3),
                           _q=part["quantity"].map({"active_params": 0, "total_params": 1,
                                                    "price_per_active_param": 2, "price_per_total_param": 3}))
        for _, row in part.sort_values(["_q", "_p", "quality_measure", "band_low", "controls"],
                                       na_position="first").iterrows():
            lines.append(("trend", _summary_label(row), row))
    with plt.rc_context(RC):
        height = 1.2 + 0.15 * len(lines)
        fig = plt.figure(figsize=(WIDTH, height))
        ax = fig.add_axes((0.27, 0.55 / height, 0.58, 1 - 1.15 / height))
        for y, (kind, text, row) in enumerate(lines):
            if kind == "group":
                ax.text(X_MIN * 1.05, y, text, fontweight="bold", va="center", ha="left", fontsize=6.8)
                continue
            ax.text(X_MIN * 0.9, y, text, va="center", ha="right", fontsize=6.2)
            if row.status != "ok":
                text = ("no estimate: a band is insufficient" if row.method == "frontier_geomean"
                        else f"{row.status} ({int(row.n) if pd.notna(row.n) else 0} points)")
                ax.text(1, y, text, va="center", ha="center", fontsize=5.8, color="0.45")
                continue
            colour = "#2a9d3f" if row.method == "frontier_geomean" else "#1b6ca8"
            intervals = [(row.ci_low, row.ci_high, y, colour)]
            if row.trend_id in boot.index and pd.notna(boot.loc[row.trend_id, "ci_low"]):
                intervals.append((boot.loc[row.trend_id, "ci_low"], boot.loc[row.trend_id, "ci_high"], y + 0.28,
                                  "#2a9d3f"))
            for low_end, high_end, level, colour in intervals:
                if pd.isna(low_end):
                    continue
                ax.plot([max(low_end, X_MIN), min(high_end, X_MAX)], [level, level], color=colour, lw=1.1,
                        solid_capstyle="butt")
                for end in (low_end, high_end):
                    if end < X_MIN or end > X_MAX:
                        ax.plot([X_MIN if end < X_MIN else X_MAX], [level], marker="<" if end < X_MIN else ">",
                                color=colour, ms=3)
            if pd.notna(row.tie_order_min_factor):
                ax.plot([row.tie_order_min_factor, row.tie_order_max_factor], [y - 0.28, y - 0.28],
                        color="#e08e0b", lw=2.2, alpha=0.8, solid_capstyle="butt")
            ax.plot([row.factor_per_year], [y], "o", color="black", ms=3, zorder=5)
            ax.text(X_MAX * 1.15, y, f"{fmt_factor(row.factor_per_year)}x (n={int(row.n)})", va="center",
                    ha="left", fontsize=5.8)
        _factor_axis(ax)
        ax.axvline(1, color="0.5", lw=0.6)
        ax.set_ylim(len(lines) - 0.4, -0.8)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.set_xlabel("times cheaper per year (log scale)")
        ax.grid(axis="y", visible=False)
        _header(fig, "Every trend with its interval and its sensitivity to same-day order",
                "black dot: estimate · blue: 90% OLS interval · green: 90% bootstrap interval (selection redone) · "
                "orange: range over every order of same-day releases · arrow: beyond the axis")
        _footer(fig, attribution, "")
    return fig


# --- figure 8: vintages -----------------------------------------------------------------------------------------
VINTAGE_STYLE = [("#1b6ca8", "o"), ("#8fbbe0", "o"), ("#d1495b", "s"), ("#eba0aa", "s"), ("#2a9d3f", "D"),
                 ("#9ad4a6", "D")]


def vintage_figure(trends: pd.DataFrame, attribution: list[str]) -> Figure:
    """Each trend (rows) on each snapshot and price definition (markers), with its OLS interval."""
    main = trends.assign(definition=trends["price_source"].map(
        lambda s: "AA headline price" if s == "aa_headline" else "lowest provider price"))
    keys = main[["method", "subset", "price_type", "band_low", "band_high"]].drop_duplicates()
    keys = keys.assign(_m=keys["method"].map({"frontier": 0, "hedonic": 1}),
                       _p=keys["price_type"].map({"blended": 0, "input": 1, "output": 2}))
    keys = keys.sort_values(["_m", "_p", "subset", "band_low"], ascending=[True, True, False, True])
    series = list(dict.fromkeys(zip(main["snapshot"], main["definition"])))
    with plt.rc_context(RC):
        legend_rows = (len(series) + 1) // 2
        bottom = 0.62 + 0.14 * legend_rows + 0.2  # tick labels and axis label, the legend, the footer (inches)
        height = 0.6 + bottom + 0.32 * len(keys)
        fig = plt.figure(figsize=(WIDTH, height))
        ax = fig.add_axes((0.27, bottom / height, 0.6, 1 - (bottom + 0.6) / height))
        for y, key in enumerate(keys.itertuples()):
            label = (f"frontier · {key.subset} · {key.band_low:g}-{key.band_high:g} %" if key.method == "frontier"
                     else f"hedonic · {key.price_type}")
            if key.method == "frontier" and key.price_type != "blended":
                label = f"frontier · {key.subset} · {key.price_type} · {key.band_low:g}-{key.band_high:g} %"
            ax.text(X_MIN * 0.9, y, label, va="center", ha="right", fontsize=6.2)
            for j, (snapshot, definition) in enumerate(series):
                hit = main[(main["method"] == key.method) & (main["subset"] == key.subset)
                           & (main["price_type"] == key.price_type) & (main["snapshot"] == snapshot)
                           & (main["definition"] == definition)
                           & ((main["band_low"] == key.band_low) | main["band_low"].isna() & pd.isna(key.band_low))]
                offset = (j - (len(series) - 1) / 2) * 0.13
                colour, marker = VINTAGE_STYLE[j % len(VINTAGE_STYLE)]
                if hit.empty or hit.iloc[0]["status"] != "ok":
                    continue
                row = hit.iloc[0]
                ax.plot([max(row["ci_low"], X_MIN), min(row["ci_high"], X_MAX)], [y + offset] * 2, color=colour,
                        lw=0.9)
                ax.plot([min(max(row["factor_per_year"], X_MIN), X_MAX)], [y + offset], marker=marker, ms=3.5,
                        color=colour, linestyle="none")
        for j, (snapshot, definition) in enumerate(series):
            colour, marker = VINTAGE_STYLE[j % len(VINTAGE_STYLE)]
            ax.plot([], [], marker=marker, color=colour, label=f"{snapshot}, {definition}", linestyle="-", lw=0.9,
                    ms=3.5)
        _factor_axis(ax)
        ax.axvline(1, color="0.5", lw=0.6)
        ax.set_ylim(len(keys) - 0.5, -0.5)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("times cheaper per year (log scale); lines: 90% OLS interval")
        handles, labels = ax.get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.57, 0.2 / height), ncol=2,
                   frameon=False, fontsize=6)
        _header(fig, "The same trends on each data vintage and price definition",
                "Lowest price across hosting providers vs Artificial Analysis' headline price; open-weights and all "
                "models; the hedonic rows control for MMLU-Pro")
        _footer(fig, attribution, "")
    return fig


# --- figure 9: methods side by side ----------------------------------------------------------------------------
# published reference figures: (method, low, high, label); a point when low == high
REFERENCES = [("frontier", 7, 28, "FutureTech 2025: 7-28x"), ("hedonic", 3, 4, "FutureTech 2025: 3-4x"),
              ("threshold", 9, 900, "Epoch AI 2025: 9-900x, median 46x"), ("threshold", 46, 46, ""),
              ("monthly_cheapest", 10, 10, "a16z 2024: 10x")]
TRAINING_PROGRESS = 3.0  # training-side algorithmic progress, about 3x per year (Ho et al. 2024)


def methods_figure(trends: pd.DataFrame, attribution: list[str]) -> Figure:
    """Every estimate with its interval, grouped by method then snapshot, with the published reference figures.
    Trends without an estimate (insufficient, skipped) are counted in their group's heading, not drawn."""
    from matplotlib.transforms import blended_transform_factory

    rows = methods_selection(trends)
    rows = rows.assign(_m=rows["method"].map(list(METHOD_LABELS).index))
    rows = rows.sort_values(["_m", "snapshot", "subset", "quality_measure", "band_low", "threshold_model"],
                            ascending=[True, True, False, True, True, True], na_position="last")
    groups = list(dict.fromkeys(zip(rows["method"], rows["snapshot"])))
    shown = rows[rows["status"] == "ok"]
    with plt.rc_context(RC):
        height = 1.35 + 0.125 * len(shown) + 0.2 * len(groups)
        fig = plt.figure(figsize=(WIDTH, height))
        ax = fig.add_axes((0.3, 0.62 / height, 0.66, 1 - 1.25 / height))
        left = blended_transform_factory(fig.transFigure, ax.transData)
        y, ticks, labels, spans = 0.0, [], [], []
        for method, snapshot in groups:
            part = rows[(rows["method"] == method) & (rows["snapshot"] == snapshot)]
            ok = part[part["status"] == "ok"]
            missing = len(part) - len(ok)
            heading = f"{METHOD_LABELS[method]} · {snapshot}"
            if missing:
                without = ", ".join(sorted(set(part["status"]) - {"ok"}))
                heading += f"  ({len(ok)} estimates; {missing} without: {without})"
            ax.text(0.01, y, heading, transform=left, fontsize=6.0, fontweight="bold", ha="left", va="center")
            top = y
            y += 1.15
            for row in ok.itertuples():
                if row.method == "threshold":
                    label = f"{row.quality_measure} ≥ {row.threshold_model}"
                elif row.method == "hedonic":
                    label = f"{row.subset}, MMLU-Pro {row.band_low:g}-{row.band_high:g} %"
                elif row.method == "monthly_cheapest":
                    label = f"{row.subset}, {row.quality_measure} ≥ {row.band_low:g}"
                else:
                    label = f"{row.subset}, {row.quality_measure} {row.band_low:g}-{row.band_high:g} %"
                ticks.append(y)
                labels.append(label)
                low, high = max(row.ci_low, X_MIN), min(row.ci_high, X_MAX)
                ax.plot([low, high], [y, y], color="#1b6ca8", lw=0.8)
                ax.plot([min(max(row.factor_per_year, X_MIN), X_MAX)], [y], "o", color="#1b6ca8", ms=2.6)
                y += 1
            if len(ok):
                spans.append((method, top, y - 0.5))
            y += 0.6
        for method, top, bottom in spans:
            for ref_method, low, high, text in REFERENCES:
                if ref_method != method:
                    continue
                if low == high:
                    ax.plot([low, low], [top + 0.35, bottom], color="#d1495b", lw=0.9, ls=":")
                else:
                    ax.fill_betweenx([top + 0.35, bottom], low, high, color="#d1495b", alpha=0.09, lw=0)
                if text:
                    ax.text(low * 1.05, top + 0.6, text, fontsize=5.2, color="#b03040", va="center", ha="left")
        ax.axvline(TRAINING_PROGRESS, color="#2a9d3f", lw=0.7, ls="--")
        ax.text(TRAINING_PROGRESS * 0.95, -0.9, "training-side algorithmic progress ~3x", fontsize=5.4,
                color="#2a7d3f", va="center", ha="right")
        ax.axvline(1, color="0.5", lw=0.5)
        ax.set_yticks(ticks)
        ax.set_yticklabels(labels, fontsize=5.6)
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(y - 0.3, -1.4)
        _factor_axis(ax)
        ax.grid(axis="y", visible=False)
        ax.spines["left"].set_visible(False)
        ax.set_xlabel("times cheaper per year (log scale); lines: 90% OLS interval; shaded / dotted: published")
        _header(fig, "Every method on every snapshot", "Headline price (blended 3:1, or the mean of input and output "
                "for a16z's method), each preset's main price source; red: the authors' published figures; green: "
                "training-side algorithmic progress for scale")
        _footer(fig, attribution, "")
    return fig


# --- figure 7: the permutation null ------------------------------------------------------------------------------
def null_figure(trends: pd.DataFrame, replicates: pd.DataFrame, attribution: list[str], title: str,
                subtitle: str) -> Figure:
    """Per band (columns) and subset (rows): the factors a trendless market gives, and the observed one."""
    rows = trends.sort_values(["subset", "band_low"], ascending=[False, True])
    subsets = list(dict.fromkeys(rows["subset"]))
    bands = sorted(rows["band_low"].unique())
    with plt.rc_context(RC):
        fig, axes = plt.subplots(len(subsets), len(bands), figsize=(WIDTH, 1.2 + 1.75 * len(subsets)),
                                 squeeze=False, sharex=True)
        bins = np.logspace(np.log10(0.5), 5, 53)  # record lows never rise: null factors are at least 1
        for i, subset in enumerate(subsets):
            for j, band in enumerate(bands):
                ax = axes[i][j]
                match = rows[(rows["subset"] == subset) & (rows["band_low"] == band)]
                if match.empty:
                    ax.set_visible(False)
                    continue
                row = match.iloc[0]
                null = replicates[(replicates["trend_id"] == row.trend_id) & (replicates["kind"] == "null")]
                values = np.array([])
                if row.status == "ok":  # insufficient trends have no null (and no log base)
                    values = factors(null["slope_per_day"].to_numpy(), row.log_base)
                    values = np.clip(values[np.isfinite(values)], bins[0], bins[-1])
                ax.hist(values, bins=bins, color="0.7", edgecolor="white", linewidth=0.3)
                ax.set_xscale("log")
                ax.xaxis.set_major_locator(FixedLocator([1, 10, 100, 1000, 10000, 100000]))
                ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}" if v < 1e5 else ">=1e5"))
                ax.xaxis.set_minor_formatter(NullFormatter())
                ax.set_yticks([])
                ax.spines["left"].set_visible(False)
                ax.grid(False)
                title_text = f"{'open' if subset == 'open' else 'all'} · {_band_title(row)}"
                if row.status == "ok" and len(values):
                    ax.axvline(row.factor_per_year, color="#d1495b", lw=1.4)
                    ax.axvline(row.null_median_factor, color="black", lw=0.8, ls=":")
                    title_text += (f"\nobserved {fmt_factor(row.factor_per_year)}x · null median "
                                   f"{fmt_factor(row.null_median_factor)}x · p = {row.null_p_value:.2f}")
                else:
                    title_text += f"\n{row.status}"
                ax.set_title(title_text, fontsize=6.3)
            axes[i][0].set_ylabel("permutations", fontsize=6.5)
        for ax in axes[-1]:
            ax.set_xlabel("x / year (log)")
        _header(fig, title, subtitle)
        _footer(fig, attribution, "")
        fig.subplots_adjust(left=0.05, right=0.99, bottom=0.14 if len(subsets) > 1 else 0.22,
                            top=0.8 if len(subsets) > 1 else 0.66, wspace=0.08, hspace=0.75)
    return fig


# --- writing -------------------------------------------------------------------------------------------------
def figure_bytes(fig: Figure) -> dict[str, bytes]:
    out = {}
    for fmt, options in (("png", {"dpi": 200, "metadata": {"Software": None}}),
                         ("svg", {"metadata": {"Date": None, "Creator": None}})):
        buffer = io.BytesIO()
        with plt.rc_context(RC):
            fig.savefig(buffer, format=fmt, facecolor="white", **options)
        out[fmt] = buffer.getvalue()
    plt.close(fig)
    return out


class FigureJob(BaseModel):
    """One figure to draw, with exactly the data it needs (sliced into its own files, so a figure is redrawn
    only when its own data change: a new hedonic control does not redraw the frontier figures)."""

    model_config = ConfigDict(frozen=True)

    snapshot: str
    name: str  # frontier_all, frontier_open, active_params, price_per_active_param, hedonic, summary, null
    title: str = ""
    subtitle: str = ""
    ylabel: str = ""
    attribution: list[str]
    trends: Path
    points: Path | None = None
    replicates: Path | None = None
    analysis: Path | None = None
    hedonic_specs: list[TrendSpec] = []


def plan_figures(trends: pd.DataFrame, points: pd.DataFrame, analysis: pd.DataFrame, snapshot: str,
                 hedonic_specs: list[TrendSpec], replicates: pd.DataFrame | None = None,
                 attribution: list[str] | None = None) -> list[tuple[dict, dict]]:
    """Every figure of one snapshot: (job fields, data slices). Pure: frames in, frames out.

    ``attribution``: every source behind the snapshot (a merged snapshot's prices and parameters come from sources
    that are not the models' own ``source``); default: the analysis table's sources."""
    attribution = attribution or attributions(analysis["source"].unique())
    # skipped trends (the data lacks what they need) have nothing to draw
    everything = trends[(trends["snapshot"] == snapshot) & trends["variant"].isna() & (trends["status"] != "skipped")]
    trends = everything[everything["method"] != "frontier_geomean"]
    frontier = trends[(trends["method"] == "frontier") & (trends["ci_method"] == "ols")]
    source = next((s for s in ("lowest_provider", "lowest_reported", "aa_headline", "source_price")
                   if ((frontier["quantity"] == "price") & (frontier["price_source"] == s)).any()), None)
    jobs: list[tuple[dict, dict]] = []
    common = dict(snapshot=snapshot, attribution=attribution)

    def with_points(rows: pd.DataFrame) -> dict:
        return {"trends": rows, "points": points[points["trend_id"].isin(rows["trend_id"])]}

    price = frontier[(frontier["quantity"] == "price") & (frontier["price_type"] == "blended")
                     & (frontier["price_source"] == source)]
    names = {"all": ("frontier_all", "all models (open and proprietary)"),
             "open": ("frontier_open", "open-weights models")}
    for subset, (name, who) in names.items():
        rows = price[price["subset"] == subset]
        if not rows.empty:
            jobs.append((dict(common, name=name, ylabel="USD per 1M tokens, blended 3:1 (log)",
                              title=f"Lowest price at constant quality: {who}",
                              subtitle=f"Record-low blended price per MMLU-Pro band · price: {source} · snapshot "
                                       f"{snapshot}"), with_points(rows)))
    per_quantity = {
        "active_params": ("Fewest active parameters at each quality level (open-weights models)",
                          f"{UNITS['active_params']} (log)"),
        "price_per_active_param": ("Lowest blended price per active parameter (open-weights models)",
                                   "USD per 1M tokens per\nbillion active parameters (log)"),
    }
    for quantity, (title, ylabel) in per_quantity.items():
        rows = frontier[(frontier["quantity"] == quantity) & (frontier["subset"] == "open")]
        if quantity.startswith("price_per_"):
            rows = rows[rows["price_source"] == source]
        if not rows.empty:
            jobs.append((dict(common, name=quantity, ylabel=ylabel, title=title,
                              subtitle=f"Record lows per MMLU-Pro band (same method as the price frontier) · "
                                       f"snapshot {snapshot}"), with_points(rows)))
    specs = sorted((s for s in hedonic_specs if s.snapshot == snapshot and s.price_source == source
                    and len(s.controls) == 1 and s.subset == "open" and not s.variant and not s.skip_note),
                   key=lambda s: ["input", "output", "blended"].index(s.price_type))
    if specs:
        rows = trends[trends["trend_id"].isin([s.trend_id for s in specs])]
        jobs.append((dict(common, name="hedonic", hedonic_specs=specs), {"trends": rows, "analysis": analysis}))
    if not trends.empty:
        jobs.append((dict(common, name="summary"), {"trends": everything}))
    if replicates is not None and not price.empty and (replicates["kind"] == "null").any():
        null = replicates[(replicates["kind"] == "null") & replicates["trend_id"].isin(price["trend_id"])]
        jobs.append((dict(common, name="null", title="Could selection alone produce the trend? The permutation null",
                          subtitle=f"Grey: factors from record lows after shuffling release dates among the band's "
                                   f"models (no trend); red: observed; dotted: null median · blended price, {source}"
                                   f" · {snapshot}"),
                     {"trends": price, "replicates": null}))
    return jobs


def draw(job: FigureJob) -> Figure:
    """The matplotlib figure of a job (reads the job's slices)."""
    trends = pd.read_parquet(job.trends)
    points = pd.read_parquet(job.points) if job.points else None
    if job.name in ("frontier_all", "frontier_open", "active_params", "price_per_active_param"):
        return frontier_figure(trends, points, title=job.title, subtitle=job.subtitle, ylabel=job.ylabel,
                               attribution=job.attribution)
    if job.name == "hedonic":
        return hedonic_figure(read_parquet(job.analysis), trends, job.hedonic_specs, job.attribution)
    if job.name == "summary":
        return summary_figure(trends, job.attribution)
    if job.name == "null":
        return null_figure(trends, pd.read_parquet(job.replicates), job.attribution, job.title, job.subtitle)
    if job.name == "vintage":
        return vintage_figure(trends, job.attribution)
    if job.name == "methods":
        return methods_figure(trends, job.attribution)
    raise ValueError(f"unknown figure {job.name!r}")


def _read_points(points_path: Path) -> pd.DataFrame:
    points = read_csv_output(points_path, parse_dates=["release_date"], dtype={"model_id": str, "name": str})
    for column in ("is_record", "in_fit"):
        points[column] = points[column].map({True: True, False: False, "true": True, "false": False})
    return points


@cached_task(name="figure-jobs", task_run_name="slice-figure-data")
def figure_jobs_task(trends_path: Path, points_path: Path, replicates_path: Path, analysis_paths: dict[str, Path],
                     specs: list[TrendSpec], attribution: dict[str, list[str]] | None = None) -> list[FigureJob]:
    """Slice the run's tables into one small set of files per figure; ``attribution``: per snapshot."""
    attribution = attribution or {}
    trends = read_trends_csv(trends_path)
    points = _read_points(points_path)
    replicates = read_parquet(replicates_path)
    hedonic = [s for s in specs if s.method == "hedonic"]
    jobs = []
    if len(analysis_paths) > 1:  # the vintage comparison spans every snapshot
        rows = trends[trends["variant"].isna() & (trends["ci_method"] == "ols") & (trends["quantity"] == "price")
                      & (((trends["method"] == "frontier") & (trends["price_type"] == "blended"))
                         | ((trends["method"] == "hedonic") & (trends["controls"] == "mmlu_pro")))]
        sources = set().union(*(set(read_parquet(p)["source"].unique()) for p in analysis_paths.values()))
        lines = attributions(sources)
        lines += [line for snap in analysis_paths for line in attribution.get(snap, []) if line not in lines]
        if not rows.empty:  # a preset without frontier or hedonic trends has nothing to compare across vintages
            jobs.append(FigureJob(snapshot="vintage", name="vintage", attribution=lines,
                                  trends=write_cached_parquet(rows.reset_index(drop=True), "figures/data",
                                                              "vintage-trends")))
    methods = methods_selection(trends)
    if methods["method"].nunique() > 1:  # the methods comparison spans every preset and snapshot
        sources = set().union(*(set(read_parquet(p)["source"].unique()) for p in analysis_paths.values()))
        lines = attributions(sources)
        lines += [line for snap in analysis_paths for line in attribution.get(snap, []) if line not in lines]
        jobs.append(FigureJob(snapshot="methods", name="methods", attribution=lines,
                              trends=write_cached_parquet(methods.reset_index(drop=True), "figures/data",
                                                          "methods-trends")))
    for snapshot, path in analysis_paths.items():
        for fields, frames in plan_figures(trends, points, read_parquet(path), snapshot, hedonic, replicates,
                                           attribution.get(snapshot)):
            files = {}
            for key, frame in frames.items():
                if key == "analysis":
                    files[key] = Path(path)
                else:
                    files[key] = write_cached_parquet(frame.reset_index(drop=True), "figures/data",
                                                      f"{fields['name']}-{key}")
            jobs.append(FigureJob(**fields, **files))
    return jobs


def _figure_run_name(parameters: dict) -> str:
    return f"figure-{parameters['job'].name}"


_PYPLOT = threading.Lock()  # pyplot and rcParams are process-global: one figure at a time, whatever the runner


@cached_task(name="figure", task_run_name=_figure_run_name)
def draw_figure_task(job: FigureJob) -> dict[str, Path]:
    """Draw one figure (PNG and SVG); return ``figures/<snapshot>/<name>.<png|svg>`` -> its cached file."""
    out = {}
    with _PYPLOT:
        rendered = figure_bytes(draw(job))
    for fmt, data in rendered.items():
        target = cache_dir() / "figures" / f"{job.name}-{sha256_bytes(data)[:16]}.{fmt}"
        atomic_write_bytes(target, data)
        out[f"figures/{job.snapshot}/{job.name}.{fmt}"] = target
    return out
