"""Figures 1-4: record lows per quality band (price, parameters, price per parameter), the fit labelled."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from tasks.render.figures import (BAND_COLOURS, RC, WIDTH, _band_title, _date_axis, _fit_line, _footer, _header,
                                  _log_axis, factor_label, fmt_factor)


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
