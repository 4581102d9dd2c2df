"""Figure 6: every trend of one snapshot with its intervals on one log axis, the same-day-order range beside it."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import pandas as pd
from pandera.typing import DataFrame
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.transforms import blended_transform_factory

from schemas.analysis import Trends
from tasks.core.vocabulary import ESTIMATED, status_word
from tasks.core.vocabulary import PRICE_SOURCES, PRICE_TYPES, QUANTITIES, label, order
from tasks.methods import METHODS, by_row_name
from tasks.reporting.figures import (MUTED, RC, WIDTH, X_MAX, X_MIN, band_label, factor_axis, figure_footer,
                                     figure_header, fmt_factor, has_estimate, headline_price_source,
                                     is_uninformative)
from tasks.trends.method import RowGroup



def summary_groups() -> list[RowGroup]:
    """The summary's groups in order: every method's declared groups by place, then, for a method that declares
    none, one group of all its rows under its label (in the registry's order)."""
    declared = sorted((g for m in METHODS for g in m.summary_groups), key=lambda g: g.place)
    own = [RowGroup(m.label, lambda t, names=m.names(): t.method.isin(names), 1000 + i)
           for i, m in enumerate(METHODS) if not m.summary_groups]
    return declared + own


OTHER_GROUP = "Other methods"
MAX_ROWS = 32  # more trends than this: the main ones only (the subtitle says how many trends.csv holds)
HEADLINE_PRICE_TYPES = ("blended", "mean_in_out")
LABEL_FONT = 5.8
LABEL_WIDTH = 0.5  # of the figure's width: the label column (labels wrap to it, never cut)
LINE = 0.092  # inches per line of a label
GROUP = 0.22  # inches per group heading


# --- which rows ------------------------------------------------------------------------------------------------
def _one_per_trend(trends: DataFrame[Trends]) -> pd.DataFrame:
    """One row per trend: no sensitivity variant, the OLS estimator with its OLS interval, else with its first
    interval (a geometric mean has only its bootstrap interval); a method without an OLS estimator (Theil-Sen): its
    first estimator."""
    rows = trends[trends["variant"].isna() & (trends["status"] != "skipped")]
    rows = rows.assign(_e=(rows["estimator"] != "ols").astype(int), _ols=(rows["ci_method"] != "ols").astype(int))
    rows = rows[rows["_e"] == rows.groupby("trend_id")["_e"].transform("min")]
    return (rows.sort_values(["trend_id", "_ols"], kind="mergesort").drop_duplicates("trend_id")
            .drop(columns=["_e", "_ols"]))


def _main_source(rows: pd.DataFrame) -> pd.Series:
    """Per method, its headline price source; rows without a price source (parameter counts) kept."""
    keep = rows["price_source"].isna()
    for _, part in rows.groupby("method", sort=False):
        sources = list(part["price_source"].dropna().unique())
        source = headline_price_source(sources) or next(iter(order(sources, PRICE_SOURCES)), None)
        keep |= rows.index.isin(part.index) & (rows["price_source"] == source)
    return keep


def _main_price_type(rows: pd.DataFrame) -> pd.Series:
    """Per method, its headline price type (blended, or the mean of input and output); rows without one kept."""
    keep = rows["price_type"].isna()
    for _, part in rows.groupby("method", sort=False):
        types = list(part["price_type"].dropna().unique())
        main = next((t for t in HEADLINE_PRICE_TYPES if t in types), next(iter(order(types, PRICE_TYPES)), None))
        keep |= rows.index.isin(part.index) & (rows["price_type"] == main)
    return keep


def summary_rows(trends: DataFrame[Trends], snapshot: str | None = None, max_rows: int = MAX_ROWS
                 ) -> tuple[pd.DataFrame, pd.DataFrame, list[str], int]:
    """The rows the summary draws (one per trend), the rows left out, what was left out (phrases for the subtitle),
    and how many trends the snapshot has in trends.csv. Pure.

    Every trend of the snapshot when there are at most ``max_rows``; otherwise, in turn while there are too many:
    only trends with an estimate, each method's headline price source, its headline price type."""
    if snapshot is not None:
        trends = trends[trends["snapshot"] == snapshot]
    elif trends["snapshot"].nunique() > 1:
        raise ValueError("the summary figure is per snapshot: pass the snapshot (the trends hold "
                         f"{sorted(trends['snapshot'].unique())})")
    total = trends["trend_id"].nunique()
    rows = _one_per_trend(trends)
    left_out = []
    steps = [("only trends with an estimate", lambda r: r["status"].isin(ESTIMATED)),
             ("each method's headline price source", _main_source),
             ("its headline price type", _main_price_type)]
    dropped = rows.iloc[0:0]
    for phrase, keep in steps:
        if len(rows) <= max_rows:
            break
        mask = keep(rows)
        dropped = pd.concat([dropped, rows[~mask]])
        rows, left_out = rows[mask], left_out + [phrase]
    return rows, dropped, left_out, total


# --- labels ----------------------------------------------------------------------------------------------------
def _band(row) -> str:
    """What the trend follows, in a label: its method's words (``Method.figure_scope``), else the band."""
    own = by_row_name()[row.method].figure_scope
    return own(row) if own is not None else band_label(row)


def _quantity(row) -> str:
    price_type = label(PRICE_TYPES, row.price_type) if pd.notna(row.price_type) else None
    if row.quantity == "price":
        return f"{price_type} price" if price_type else "price"
    what = label(QUANTITIES, row.quantity)
    return f"{what} ({price_type})" if price_type and row.quantity.startswith("price_") else what


def summary_label(row) -> str:
    """Everything that tells the row apart: method, subset, what it follows, its method's details, quantity,
    price type, price source; "short span" or "wide interval" for an estimate with little information."""
    parts = [row.method.replace("_", " "), str(row.subset), _band(row)]
    details = by_row_name()[row.method].details
    parts += details(row) if details is not None else []
    parts.append(_quantity(row))
    if pd.notna(row.price_source):
        parts.append(str(row.price_source))
    if is_uninformative(row):
        parts.append(status_word(row.status))
    return " · ".join(parts)


def _unique(labels: list[str], rows: pd.DataFrame) -> list[str]:
    """Labels made unique: a clash gets the preset, then the trend id."""
    for extra in ("preset", "trend_id"):
        counts = pd.Series(labels).value_counts()
        if (counts == 1).all():
            break
        labels = [text if counts[text] == 1 else f"{text} · {extra.replace('_', ' ')} {getattr(row, extra)}"
                  for text, row in zip(labels, rows.itertuples())]
    return labels


def _wrap(text: str, width: float, measure) -> str:
    """``text`` on lines no wider than ``width`` pixels, broken between its " · " parts, within a part between
    words: never inside a word."""
    lines, current = [], ""
    for part in text.split(" · "):
        candidate = f"{current} · {part}" if current else part
        if measure(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current + " ·")
        current = ""
        for word in part.split(" "):
            candidate = f"{current} {word}" if current else word
            if measure(candidate) <= width or not current:
                current = candidate
            else:
                lines.append(current)
                current = word
    return "\n".join(lines + [current])


def _group_of(rows: pd.DataFrame) -> pd.Series:
    """Each row's group heading (the first of ``summary_groups()`` that selects it; else ``OTHER_GROUP``)."""
    group = pd.Series(OTHER_GROUP, index=rows.index, dtype=object)
    for found in reversed(summary_groups()):
        group[found.select(rows).to_numpy(dtype=bool)] = found.title
    return group


def _colour(row) -> str:
    """The colour of a row's interval: its group's."""
    for found in summary_groups():
        if bool(found.select(pd.DataFrame([row._asdict()])).iloc[0]):
            return found.colour
    return "#1b6ca8"


def _ordered(rows: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    groups = []
    order_type = {"blended": 0, "mean_in_out": 0, "input": 1, "output": 2}
    order_quantity = {"active_params": 0, "total_params": 1, "price_per_active_param": 2, "price_per_total_param": 3}
    sources = {s: i for i, s in enumerate(PRICE_SOURCES)}
    group = _group_of(rows)
    for title in [found.title for found in summary_groups()] + [OTHER_GROUP]:
        part = rows[group == title]
        if part.empty:
            continue
        part = part.assign(_q=part["quantity"].map(order_quantity).fillna(-1),
                           _p=part["price_type"].map(order_type).fillna(3),
                           _s=part["price_source"].map(sources).fillna(len(sources)))
        part = part.sort_values(["_q", "_p", "subset", "quality_measure", "band_low", "threshold_model", "controls",
                                 "_s", "trend_id"], ascending=[True, True, False, True, True, True, True, True, True],
                                na_position="first", kind="mergesort")
        groups.append((title, part))
    return groups


# --- the figure ------------------------------------------------------------------------------------------------
def summary_figure(trends: DataFrame[Trends], attribution: list[str], snapshot: str | None = None) -> Figure:
    """One snapshot's trends (``snapshot``; without it the trends must hold one snapshot), one row each, labelled
    in full; above ``MAX_ROWS`` trends the main ones only, and the subtitle says how many trends.csv holds."""
    rows, dropped, left_out, total = summary_rows(trends, snapshot)
    snapshot = snapshot or (rows["snapshot"].iloc[0] if len(rows) else "")
    snapshot_rows = trends[trends["snapshot"] == snapshot] if snapshot else trends
    # the bootstrap that redoes the selection (record lows, Pareto points: ``Method.redoes_selection``)
    redo = [m.name for m in METHODS if m.redoes_selection]
    boot = snapshot_rows[(snapshot_rows["ci_method"] == "bootstrap") & snapshot_rows["method"].isin(redo)
                         & snapshot_rows["variant"].isna() & (snapshot_rows["estimator"] == "ols")]
    boot = boot.drop_duplicates("trend_id").set_index("trend_id")
    groups = _ordered(rows)
    with plt.rc_context(RC):
        fig = plt.figure(figsize=(WIDTH, 4))
        renderer = fig.canvas.get_renderer()
        font = FontProperties(size=LABEL_FONT)

        def measure(text: str) -> float:
            return renderer.get_text_width_height_descent(text, font, ismath=False)[0]

        available = (LABEL_WIDTH - 0.01) * WIDTH * fig.dpi - 8  # pixels: the column minus the tick pad
        layout, y = [], 0.0  # (kind, y, text, row); y in inches from the top of the axes
        hidden = _group_of(dropped).value_counts() if len(dropped) else pd.Series(dtype=int)
        for title, part in groups:
            if hidden.get(title, 0):
                title += f"  (+{hidden[title]} more in trends.csv, not shown)"
            layout.append(("group", y + GROUP / 2, title, None))
            y += GROUP
            labels = _unique([summary_label(r) for r in part.itertuples()], part)
            for text, row in zip(labels, part.itertuples()):
                wrapped = _wrap(text, available, measure)
                height = max(0.15, 0.045 + LINE * (wrapped.count("\n") + 1))
                layout.append(("trend", y + height / 2, wrapped, row))
                y += height
        level = rows["ci_level"].dropna()
        level = f"{level.iloc[0]:.0%} " if len(level) and level.nunique() == 1 else ""
        shown = len(rows)
        scope = (f"Snapshot {snapshot}: {shown} of its {total} trends in trends.csv, one row each (no sensitivity "
                 f"variant, OLS estimator and interval)")
        if left_out:
            scope += f"; too many to show, so {', then '.join(left_out)}: the other {total - shown} are in trends.csv"
        subtitle = (f"{scope}. Black dot: estimate · blue: {level}OLS interval · green: {level}bootstrap interval "
                    "(selection redone) · orange: range over every order of same-day releases · grey, hollow: "
                    "short span or wide interval (little information) · arrow: beyond the "
                    "axis, its value on the right")
        head = 0.32 + 0.115 * len(textwrap.wrap(subtitle, 150)) + 0.08
        bottom = 0.62
        height = head + max(y, 0.3) + bottom
        fig.set_size_inches(WIDTH, height)
        ax = fig.add_axes((LABEL_WIDTH, bottom / height, 0.86 - LABEL_WIDTH, max(y, 0.3) / height))
        left = blended_transform_factory(fig.transFigure, ax.transData)
        ticks, tick_labels = [], []
        for kind, level_y, text, row in layout:
            if kind == "group":
                ax.text(0.005, level_y, text, transform=left, fontweight="bold", va="center", ha="left",
                        fontsize=6.8)
                continue
            ticks.append(level_y)
            tick_labels.append(text)
            _draw_row(ax, row, level_y, boot)
        factor_axis(ax)
        ax.axvline(1, color="0.5", lw=0.6)
        ax.set_ylim(max(y, 0.3), 0)
        ax.set_yticks(ticks)
        ax.set_yticklabels(tick_labels, fontsize=LABEL_FONT, linespacing=1.1)
        ax.tick_params(axis="y", length=0, pad=4)
        for tick_label, (_, _, _, row) in zip(ax.get_yticklabels(), [entry for entry in layout
                                                                      if entry[0] == "trend"]):
            if not has_estimate(row) or is_uninformative(row):
                tick_label.set_color("0.4")
        ax.spines["left"].set_visible(False)
        ax.set_xlabel("times cheaper per year (log scale)")
        ax.grid(axis="y", visible=False)
        figure_header(fig, f"Every trend of {snapshot} with its interval and its sensitivity to same-day order",
                subtitle)
        figure_footer(fig, attribution, "")
    return fig


def _draw_row(ax, row, y: float, boot: pd.DataFrame) -> None:
    """One trend: its estimate, intervals and same-day range, or why it has none; its value on the right."""
    if not has_estimate(row):
        n = int(row.n) if pd.notna(row.n) else 0
        ax.text(1, y, f"{row.status} ({n} points)", va="center", ha="center", fontsize=5.8, color="0.45")
        return
    muted = is_uninformative(row)
    base = MUTED if muted else _colour(row)
    offset = 0.045  # inches: the bootstrap interval below the estimate, the same-day range above
    intervals = [(row.ci_low, row.ci_high, y, base)]
    if row.trend_id in boot.index and pd.notna(boot.loc[row.trend_id, "ci_low"]):
        intervals.append((boot.loc[row.trend_id, "ci_low"], boot.loc[row.trend_id, "ci_high"], y + offset,
                          MUTED if muted else "#2a9d3f"))
    for low_end, high_end, level, colour in intervals:
        if pd.isna(low_end) or pd.isna(high_end):
            continue
        ax.plot([min(max(low_end, X_MIN), X_MAX), max(min(high_end, X_MAX), X_MIN)], [level, level], color=colour,
                lw=0.8 if muted else 1.1, solid_capstyle="butt")
        for end in (low_end, high_end):
            if end < X_MIN or end > X_MAX:
                ax.plot([X_MIN if end < X_MIN else X_MAX], [level], marker="<" if end < X_MIN else ">",
                        color=colour, ms=3, clip_on=False)
    if pd.notna(row.tie_order_min_factor) and pd.notna(row.tie_order_max_factor):
        ax.plot([max(row.tie_order_min_factor, X_MIN), min(row.tie_order_max_factor, X_MAX)], [y - offset] * 2,
                color=MUTED if muted else "#e08e0b", lw=2.2, alpha=0.8, solid_capstyle="butt")
    factor = row.factor_per_year
    inside = X_MIN <= factor <= X_MAX
    marker = "o" if inside else (">" if factor > X_MAX else "<")
    ax.plot([min(max(factor, X_MIN), X_MAX)], [y], marker=marker, linestyle="none", ms=3.2, zorder=5,
            color=MUTED if muted else "black", mfc="white" if muted else "black", clip_on=False)
    n = f" (n={int(row.n)})" if pd.notna(row.n) else ""
    ax.text(X_MAX * 1.25, y, f"{fmt_factor(factor)}x{n}", va="center", ha="left", fontsize=5.8,
            color="0.45" if muted else "black")


# --- figure 8: vintages -----------------------------------------------------------------------------------------
