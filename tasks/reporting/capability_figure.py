"""Figure: the capability of every model against its release date, open and closed models apart, with the running
frontier (the highest capability released so far) of each, and each model's bootstrap interval."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def running_frontier(table: pd.DataFrame) -> pd.DataFrame:
    """The models that raised the highest capability released so far (ties on a day: the best of the day)."""
    ordered = table.dropna(subset=["release_date", "capability"]).sort_values(["release_date", "capability"])
    best = ordered["capability"].cummax()
    return ordered[ordered["capability"] >= best]


def capability_plot(table: pd.DataFrame, title: str, attribution: list[str], note: str):
    """The figure (a matplotlib Figure, not saved): ``table`` is capability.csv's columns plus ``open_weights``
    (True, False or missing); ``attribution``: the data's attribution lines (bottom left); ``note``: the scale and
    its intervals (bottom right)."""
    from tasks.reporting.figures import figure_footer

    table = table.assign(release_date=pd.to_datetime(table["release_date"], errors="coerce"))
    if "open_weights" not in table:
        table = table.assign(open_weights=pd.NA)
    fig, ax = plt.subplots(figsize=(9, 5.5))
    flag = table["open_weights"].astype(object)
    groups = [("open weights", flag.map(lambda v: v is True or v is np.True_), "#1f77b4"),
              ("closed", flag.map(lambda v: v is False or v is np.False_), "#d62728"),
              ("openness unknown", flag.isna(), "#999999")]
    for label, mask, colour in groups:
        part = table[mask.fillna(False).astype(bool)].dropna(subset=["release_date"])
        if part.empty:
            continue
        ax.errorbar(part["release_date"], part["capability"],
                    yerr=[part["capability"] - part["ci_low"], part["ci_high"] - part["capability"]],
                    fmt="o", ms=3, alpha=0.45, color=colour, elinewidth=0.6, label=f"{label} ({len(part)})")
        if label != "openness unknown":
            front = running_frontier(part)
            ax.step(front["release_date"], front["capability"], where="post", color=colour, lw=1.6,
                    label=f"frontier, {label}")
    top = table.dropna(subset=["release_date"]).nlargest(1, "capability")
    for row in top.itertuples():  # the one highest model, named (more names overlap at the top right)
        ax.annotate(str(row.name).split(" (")[0], (row.release_date, row.capability), fontsize=7, ha="right",
                    xytext=(-6, 8), textcoords="offset points")
    ax.set_xlabel("release date")
    ax.set_ylabel("capability (IRT points)")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    figure_footer(fig, attribution, note)
    return fig


def capability_figure(table: pd.DataFrame, path: Path, title: str) -> Path:
    """``table``: capability.csv's columns plus ``open_weights`` (True, False or missing); saved as ``path``."""
    fig = capability_plot(table, title, ["Data: Artificial Analysis API, 12 benchmarks"],
                          "Scale: Claude 3.5 Sonnet (Jun 2024) = 130, GPT-5 (high) = 150 (Epoch AI's ECI anchors). "
                          "Bars: 90% bootstrap intervals.")
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path
