"""Figure 9: every method's estimates on every snapshot, with the published figures marked."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from tasks.render.comparison import METHOD_LABELS, methods_selection
from tasks.render.figures import RC, WIDTH, X_MAX, X_MIN, _factor_axis, _footer, _header


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
