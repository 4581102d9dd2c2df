"""Figure 6: every trend's factor with its intervals on one log axis, the same-day-order range beside it."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from tasks.render.figures import RC, WIDTH, X_MAX, X_MIN, _factor_axis, _footer, _header, fmt_factor


SUMMARY_GROUPS = [
    ("Geometric mean across bands (bootstrap interval)", lambda t: t.method == "frontier_geomean"),
    ("Frontier, open models, price", lambda t: (t.method == "frontier") & (t.quantity == "price") & (t.subset == "open")),
    ("Frontier, all models, price", lambda t: (t.method == "frontier") & (t.quantity == "price") & (t.subset == "all")),
    ("Decomposition (frontier, open models)", lambda t: (t.method == "frontier") & (t.quantity != "price")),
    ("Hedonic regression (open models)", lambda t: t.method == "hedonic"),
    ("Threshold (Epoch AI method): benchmark · threshold model", lambda t: t.method == "threshold"),
]


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
