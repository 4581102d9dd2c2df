"""Figure 9: every method's estimates on every snapshot, with the published figures marked."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from pandera.typing import DataFrame
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.transforms import blended_transform_factory

from schemas.analysis import Trends
from tasks.core.vocabulary import ESTIMATED, STATUS_WORDS, status_word
from tasks.core.vocabulary import is_uninformative as status_is_uninformative
from tasks.methods import by_row_name
from tasks.core.vocabulary import COVERAGE_FLOOR, fmt_coverage, is_range
from tasks.render.comparison import compared_methods, methods_selection
from tasks.reporting.figures import (MUTED, RC, WIDTH, X_MAX, X_MIN, band_label, factor_axis, figure_footer,
                                     figure_header, fmt_factor, is_uninformative)

TRAINING_PROGRESS = 3.0  # training-side algorithmic progress, about 3x per year (Ho et al. 2024)
TRAINING_SOURCE = "training-side algorithmic progress, about 3x per year: Ho et al. 2024"
BLUE = "#1b6ca8"
LABEL_FONT = 5.6


def _coverage(row) -> str | None:
    """The simulated coverage of the row's 90% OLS interval (``76% ± 2``) when it does not reach the floor (the
    interval is a range, not an interval: ``is_range``); None otherwise (covering, unknown, or not an OLS
    interval)."""
    coverage = getattr(row, "coverage_ols", None)
    if getattr(row, "ci_method", "ols") != "ols" or coverage is None or pd.isna(coverage):
        return None
    error = getattr(row, "coverage_ols_error", None)
    return fmt_coverage(coverage, error) if is_range(coverage, error) else None


def _label(row) -> str:
    """``open, MMLU-Pro 40-70 %``: the subset and the band (its method's words, ``Method.figure_scope``); a range
    (the interval's simulated coverage below the floor) says so with its coverage."""
    own = by_row_name()[row.method].figure_scope
    text = f"{row.subset}, {own(row) if own is not None else band_label(row)}"
    coverage = _coverage(row)
    marks = ([status_word(row.status)] if is_uninformative(row) else []) + (
        [f"range, covers {coverage}"] if coverage is not None else [])
    return f"{text} ({'; '.join(marks)})" if marks else text


def _labels(drawn: pd.DataFrame) -> list[str]:
    """The labels of one group's rows; a label two rows share (two presets fit the same trend on one snapshot) gets
    each row's preset."""
    labels = [_label(row) for row in drawn.itertuples()]
    counts = pd.Series(labels, dtype=object).value_counts()
    return [text if counts[text] == 1 else f"{text} · {row.preset}" for text, row in zip(labels, drawn.itertuples())]


def _beyond(ax, high: bool, text: str, y: float, colour: str, size: float = 4.8) -> None:
    """Values beyond the factor axis: an arrowhead at the axis edge and the values written just inside it, above
    the line (inside: a value of any length fits)."""
    edge = X_MAX if high else X_MIN
    ax.plot([edge], [y], marker=">" if high else "<", color=colour, ms=3, linestyle="none", clip_on=False, zorder=6)
    ax.annotate(text, (edge, y), xytext=(-3 if high else 3, 1.5), textcoords="offset points",
                ha="right" if high else "left", va="bottom", fontsize=size, color=colour, annotation_clip=False)


def _beyond_text(factor: float, end: float, high: bool) -> str | None:
    """What the arrow at one edge says: the interval's end beyond it, and the estimate when it is beyond it too;
    None when nothing is beyond that edge."""
    def out(value) -> bool:
        return pd.notna(value) and ((value > X_MAX) if high else (value < X_MIN))

    if out(factor) and out(end):
        return f"estimate {fmt_factor(factor)}x, interval {'to' if high else 'from'} {fmt_factor(end)}x"
    if out(factor):
        return f"estimate {fmt_factor(factor)}x"
    return f"{fmt_factor(end)}x" if out(end) else None


def methods_figure(trends: DataFrame[Trends], attribution: list[str]) -> Figure:
    """Every estimate with its interval, grouped by method then snapshot, with the published reference figures.
    Uninformative estimates are drawn grey and hollow; trends without an estimate (insufficient, skipped) are
    counted in their group's heading, not drawn; a group without any estimate is left out (the footer names it).
    Values beyond the axis: an arrowhead at its edge with the value written."""
    methods = {m.name: m for m in compared_methods()}
    rows = methods_selection(trends)
    rows = rows.assign(_m=rows["method"].map(list(methods).index))
    rows = rows.sort_values(["_m", "snapshot", "subset", "quality_measure", "band_low", "threshold_model"],
                            ascending=[True, True, False, True, True, True], na_position="last")
    estimate = rows["status"].isin(ESTIMATED) & rows["factor_per_year"].notna()
    groups, empty = [], []
    for key in dict.fromkeys(zip(rows["method"], rows["snapshot"])):
        part = rows[(rows["method"] == key[0]) & (rows["snapshot"] == key[1])]
        (groups if estimate[part.index].any() else empty).append((key, part))
    shown = sum(int(estimate[part.index].sum()) for _, part in groups)
    with plt.rc_context(RC):
        height = 1.55 + 0.125 * shown + 0.2 * len(groups)
        fig = plt.figure(figsize=(WIDTH, height))
        # the label column as wide as the widest label (measured), so no label is cut
        renderer, font = fig.canvas.get_renderer(), FontProperties(size=LABEL_FONT)
        widest = max([renderer.get_text_width_height_descent(text, font, ismath=False)[0]
                      for _, part in groups for text in _labels(part[estimate[part.index]])] + [0])
        left_edge = min(max(0.3, (widest + 10) / (WIDTH * fig.dpi)), 0.5)
        ax = fig.add_axes((left_edge, 0.82 / height, 0.965 - left_edge, 1 - 1.45 / height))
        left = blended_transform_factory(fig.transFigure, ax.transData)
        y, ticks, labels, spans = 0.0, [], [], []
        for (method, snapshot), part in groups:
            drawn = part[estimate[part.index]]
            uninformative = int(drawn["status"].map(status_is_uninformative).sum())
            missing = part[~estimate[part.index]]
            counts = [f"{len(drawn) - uninformative} estimates"] + ([f"{uninformative} short span or wide interval"]
                                                                    if uninformative else [])
            if len(missing):
                without = ", ".join(sorted(set(missing["status"])))
                counts.append(f"{len(missing)} without an estimate: {without}")
            title = ax.text(0.01, y, f"{methods[method].label} · {snapshot}", transform=left, fontsize=6.0,
                            fontweight="bold", ha="left", va="center")
            if uninformative or len(missing):
                ax.annotate(f"({'; '.join(counts)})", (1, 0.5), xycoords=title, xytext=(4, 0),
                            textcoords="offset points", fontsize=5.4, ha="left", va="center", color="0.25")
            top = y
            y += 1.15
            for row, text in zip(drawn.itertuples(), _labels(drawn)):
                muted = is_uninformative(row)
                colour = MUTED if muted else BLUE
                ticks.append(y)
                labels.append(text)
                factor = row.factor_per_year
                if pd.notna(row.ci_low) and pd.notna(row.ci_high):  # a range (coverage below the floor): dashed
                    ax.plot([min(max(row.ci_low, X_MIN), X_MAX), max(min(row.ci_high, X_MAX), X_MIN)], [y, y],
                            color=colour, lw=0.6 if muted else 0.8,
                            ls=(0, (2.5, 1.5)) if _coverage(row) is not None else "-")
                for high, end in ((False, row.ci_low), (True, row.ci_high)):  # each edge: what lies beyond it
                    text = _beyond_text(factor, end, high)
                    if text:
                        _beyond(ax, high, text, y, colour)
                if X_MIN <= factor <= X_MAX:
                    ax.plot([factor], [y], "o", color=colour, mfc="white" if muted else colour, ms=2.6,
                            mew=0.7 if muted else 1)
                y += 1
            spans.append((method, top, y - 0.5))
            y += 0.6
        for method, top, bottom in spans:
            for low, high, text in methods[method].reference_ranges:
                if low == high:
                    ax.plot([low, low], [top + 0.35, bottom], color="#d1495b", lw=0.9, ls=":")
                else:
                    ax.fill_betweenx([top + 0.35, bottom], low, high, color="#d1495b", alpha=0.09, lw=0)
                if text:
                    ax.text(low * 1.05, top + 0.6, text, fontsize=5.2, color="#b03040", va="center", ha="left")
        ax.axvline(TRAINING_PROGRESS, color="#2a9d3f", lw=0.7, ls="--")
        ax.text(TRAINING_PROGRESS * 0.95, -0.9, "training-side ~3x (Ho et al. 2024)", fontsize=5.4,
                color="#2a7d3f", va="center", ha="right")
        ax.axvline(1, color="0.5", lw=0.5)
        ax.set_yticks(ticks)
        ax.set_yticklabels(labels, fontsize=LABEL_FONT)
        for tick_label, text in zip(ax.get_yticklabels(), labels):
            if any(f"({word}" in text for word in STATUS_WORDS.values()):
                tick_label.set_color("0.45")
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(y - 0.3, -1.4)
        factor_axis(ax)
        ax.grid(axis="y", visible=False)
        ax.spines["left"].set_visible(False)
        ax.set_xlabel("times cheaper per year (log scale)")
        figure_header(fig, "Every method on every snapshot",
                      "Headline price (blended 3:1, or the mean of input and output where a method prices by it), "
                      "each preset's main price source. Blue: estimate and 90% OLS interval; dashed, 'range, covers "
                      f"x% ± e': a range, not an interval (simulated coverage less its Monte-Carlo error e below "
                      f"{COVERAGE_FLOOR:.0%}); grey, hollow: short span or wide interval; arrow: beyond the axis, "
                      f"value written; red: the authors' published figures; green dashed: {TRAINING_SOURCE}")
        note = ""
        if empty:
            note = "No estimate: " + "; ".join(
                f"{key[0]} on {key[1]} ({', '.join(sorted(set(part['status'])))})" for key, part in empty)
        figure_footer(fig, attribution, "")
        if note:
            fig.text(0.005, 0.25 / height, note, fontsize=5.5, color="0.35", ha="left", va="bottom")
    return fig


# --- figure 7: the permutation null ------------------------------------------------------------------------------
