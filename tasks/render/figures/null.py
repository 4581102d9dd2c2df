"""Figure 7: each band's observed factor against its permutation null distribution."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from tasks.core.uncertainty import factors
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

from tasks.render.figures import RC, WIDTH, _band_title, _footer, _header, fmt_factor


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
