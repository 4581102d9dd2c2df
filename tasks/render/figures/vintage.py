"""Figure 8: the same trends on each snapshot and price definition."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from pandera.typing import DataFrame
from matplotlib.figure import Figure

from schemas.analysis import Trends
from tasks.methods import by_row_name
from tasks.reporting.figures import (MUTED, RC, WIDTH, X_MAX, X_MIN, band_label, factor_axis, figure_footer,
                                     figure_header, has_estimate, is_uninformative)


def _definition(source) -> str:
    """The price definition a vintage row stands for (a source the comparison does not know: its own name)."""
    if source == "lowest_provider":  # computed here from each provider's price
        return "lowest provider price, computed"
    if source == "lowest_reported":  # the source's own figure: not computed from per-provider prices
        return "lowest price as the source reports it"
    if source == "aa_headline":
        return "AA headline price"
    return str(source).replace("_", " ") + " price" if pd.notna(source) else "price"


def vintage_label(key) -> str:
    """A row's name: its method's (``Method.vintage_label``), else method · subset · price type · band."""
    own = by_row_name()[key.method].vintage_label
    if own is not None:
        return own(key)
    return " · ".join([key.method.replace("_", " "), str(key.subset), str(key.price_type), band_label(key)])


VINTAGE_STYLE = [("#1b6ca8", "o"), ("#8fbbe0", "o"), ("#d1495b", "s"), ("#eba0aa", "s"), ("#2a9d3f", "D"),
                 ("#9ad4a6", "D")]


def vintage_figure(trends: DataFrame[Trends], attribution: list[str]) -> Figure:
    """Each trend (rows) on each snapshot and price definition (markers), with its OLS interval."""
    main = trends.assign(definition=trends["price_source"].map(_definition))
    keys = main[["method", "subset", "price_type", "quality_measure", "band_low", "band_high"]].drop_duplicates()
    keys = keys.assign(_m=keys["method"].map({name: i for i, name in enumerate(by_row_name())}),
                       _p=keys["price_type"].map({"blended": 0, "input": 1, "output": 2}))
    keys = keys.sort_values(["_m", "_p", "subset", "band_low"], ascending=[True, True, False, True])
    series = list(dict.fromkeys(zip(main["snapshot"], main["definition"])))
    with plt.rc_context(RC):
        legend_rows = (len(series) + 1) // 2
        bottom = 0.62 + 0.14 * legend_rows + 0.2  # tick labels and axis label, the legend, the footer (inches)
        height = 0.6 + bottom + 0.32 * len(keys)
        fig = plt.figure(figsize=(WIDTH, height))
        ax = fig.add_axes((0.27, bottom / height, 0.6, 1 - (bottom + 0.6) / height))
        uninformative_seen = False
        for y, key in enumerate(keys.itertuples()):
            label = vintage_label(key)
            ax.text(X_MIN * 0.9, y, label, va="center", ha="right", fontsize=6.2)
            for j, (snapshot, definition) in enumerate(series):
                hit = main[(main["method"] == key.method) & (main["subset"] == key.subset)
                           & (main["price_type"] == key.price_type) & (main["snapshot"] == snapshot)
                           & (main["definition"] == definition)
                           & ((main["band_low"] == key.band_low) | main["band_low"].isna() & pd.isna(key.band_low))
                           & ((main["band_high"] == key.band_high) | main["band_high"].isna() & pd.isna(key.band_high))
                           & ((main["quality_measure"] == key.quality_measure)
                              | main["quality_measure"].isna() & pd.isna(key.quality_measure))]
                offset = (j - (len(series) - 1) / 2) * 0.13
                colour, marker = VINTAGE_STYLE[j % len(VINTAGE_STYLE)]
                if hit.empty or not has_estimate(hit.iloc[0]):
                    continue
                row = hit.iloc[0]
                muted = is_uninformative(row)  # no information: a grey interval and a hollow marker
                if pd.notna(row["ci_low"]) and pd.notna(row["ci_high"]):
                    ax.plot([min(max(row["ci_low"], X_MIN), X_MAX), max(min(row["ci_high"], X_MAX), X_MIN)],
                            [y + offset] * 2, color=MUTED if muted else colour, lw=0.6 if muted else 0.9)
                ax.plot([min(max(row["factor_per_year"], X_MIN), X_MAX)], [y + offset], marker=marker, ms=3.5,
                        color=colour, mfc="white" if muted else colour, linestyle="none")
                uninformative_seen = uninformative_seen or muted
        for j, (snapshot, definition) in enumerate(series):
            colour, marker = VINTAGE_STYLE[j % len(VINTAGE_STYLE)]
            ax.plot([], [], marker=marker, color=colour, label=f"{snapshot}, {definition}", linestyle="-", lw=0.9,
                    ms=3.5)
        factor_axis(ax)
        ax.axvline(1, color="0.5", lw=0.6)
        ax.set_ylim(len(keys) - 0.5, -0.5)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("times cheaper per year (log scale); lines: 90% OLS interval"
                      + ("; hollow, grey line: short span or wide interval (little information)"
                         if uninformative_seen else ""))
        handles, labels = ax.get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.57, 0.2 / height), ncol=2,
                   frameon=False, fontsize=6)
        figure_header(fig, "The same trends on each data vintage and price definition",
                "Lowest price across hosting providers (computed from per-provider prices, or as the source reports "
                "it) vs Artificial Analysis' headline price; open-weights and all models")
        figure_footer(fig, attribution, "")
    return fig


# --- figure 9: methods side by side ----------------------------------------------------------------------------
# published reference figures: (method, low, high, label); a point when low == high
