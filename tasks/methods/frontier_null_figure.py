"""The frontier's permutation-null figure: each band's observed factor against its permutation null distribution."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullFormatter

from tasks.core.vocabulary import status_word
from tasks.core.uncertainty import factors
from tasks.reporting.figures import (MUTED, RC, WIDTH, band_title, figure_footer, figure_header, fmt_factor, has_estimate,
                                     is_uninformative)

BINS = np.logspace(np.log10(0.5), 5, 53)  # record lows never rise: null factors are at least 1
YLABEL = "share of usable shuffles"


def null_counts(trend_id: str, replicates: pd.DataFrame) -> tuple[np.ndarray, int]:
    """A trend's null slopes that are usable (finite: a shuffle with too few records gives none) and how many
    shuffles there were."""
    null = replicates[(replicates["trend_id"] == trend_id) & (replicates["kind"] == "null")]
    slopes = null["slope_per_day"].to_numpy(dtype=float)
    return slopes[np.isfinite(slopes)], len(slopes)


def null_figure(trends: pd.DataFrame, replicates: pd.DataFrame, attribution: list[str], title: str,
                subtitle: str) -> Figure:
    """Per band (columns) and subset (rows): the factors a trendless market gives (as shares of the usable
    shuffles, on one y scale for every panel), and the observed one; each panel says how many shuffles were
    usable. An uninformative observed factor is drawn grey and dashed, never as a highlighted estimate."""
    rows = trends.sort_values(["subset", "band_low"], ascending=[False, True])
    subsets = list(dict.fromkeys(rows["subset"]))
    bands = sorted(rows["band_low"].unique())
    with plt.rc_context(RC):
        height = 1.3 + 2.0 * len(subsets)
        fig, axes = plt.subplots(len(subsets), len(bands), figsize=(WIDTH, height),
                                 squeeze=False, sharex=True, sharey=True)
        top_share = 0.0
        for i, subset in enumerate(subsets):
            for j, band in enumerate(bands):
                ax = axes[i][j]
                match = rows[(rows["subset"] == subset) & (rows["band_low"] == band)]
                if match.empty:
                    ax.set_visible(False)
                    continue
                row = match.iloc[0]
                usable, total = null_counts(row.trend_id, replicates)
                values = np.array([])
                if len(usable) and pd.notna(row.log_base):  # insufficient trends have no null (and no log base)
                    values = factors(usable, row.log_base)
                    values = np.clip(values[np.isfinite(values)], BINS[0], BINS[-1])
                shares, _, _ = ax.hist(values, bins=BINS, color="0.7", edgecolor="white", linewidth=0.3,
                                       weights=np.full(len(values), 1 / len(values)) if len(values) else None)
                top_share = max(top_share, float(np.max(shares)) if len(values) else 0.0)
                ax.set_xscale("log")
                ax.xaxis.set_major_locator(FixedLocator([1, 10, 100, 1000, 10000, 100000]))
                ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}" if v < 1e5 else ">=1e5"))
                ax.xaxis.set_minor_formatter(NullFormatter())
                ax.grid(axis="x", visible=False)
                title_text = f"{'open' if subset == 'open' else 'all'} · {band_title(row)}"
                if has_estimate(row):
                    muted = is_uninformative(row)
                    observed = min(max(row.factor_per_year, BINS[0]), BINS[-1])
                    ax.axvline(observed, color=MUTED if muted else "#d1495b", lw=1.0 if muted else 1.4,
                               ls="--" if muted else "-")
                    if pd.notna(row.null_median_factor):
                        ax.axvline(row.null_median_factor, color="black", lw=0.8, ls=":")
                    p_value = f" · p = {row.null_p_value:.2f}" if pd.notna(row.null_p_value) else ""
                    why = f"{status_word(row.status)}: " if muted else ""
                    title_text += (f"\n{why}observed {fmt_factor(row.factor_per_year)}x"
                                   f"\nnull median {fmt_factor(row.null_median_factor)}x{p_value}")
                else:
                    title_text += f"\n{row.status}\n"
                ax.set_title(title_text, fontsize=6.3, color=MUTED if is_uninformative(row) else "black")
                ax.text(0.98, 0.95, f"usable shuffles: {len(usable):,} of {total:,}", transform=ax.transAxes,
                        ha="right", va="top", fontsize=5.6, color="0.3", zorder=6,
                        bbox=dict(boxstyle="square,pad=0.15", fc="white", ec="none", alpha=0.7))
            axes[i][0].set_ylabel(YLABEL, fontsize=6.5)
        axes[0][0].yaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
        axes[0][0].yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:g}%"))
        axes[0][0].set_ylim(0, max(top_share, 0.01) * 1.3)  # headroom for the counts in each panel's corner
        for ax in axes[-1]:
            ax.set_xlabel("x / year (log)")
        figure_header(fig, title, subtitle)
        figure_footer(fig, attribution, "usable: a shuffle with enough records for a slope")
        # in inches: the header and the first row's three-line titles above; the axis labels and footer below
        fig.subplots_adjust(left=0.075, right=0.965, bottom=0.62 / height, top=1 - 1.05 / height, wspace=0.1,
                            hspace=0.62 / 1.4)
    return fig


# --- writing -------------------------------------------------------------------------------------------------
