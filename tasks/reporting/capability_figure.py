"""Figure: the capability of every model against its release date, open and closed models apart, with the running
frontier (the highest capability released so far) of each, and each model's bootstrap interval."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def running_frontier(table: pd.DataFrame) -> pd.DataFrame:
    """The models that raised the highest capability released so far (ties on a day: the best of the day)."""
    ordered = table.dropna(subset=["release_date", "capability"]).sort_values(["release_date", "capability"])
    best = ordered["capability"].cummax()
    return ordered[ordered["capability"] >= best]


def capability_figure(table: pd.DataFrame, path: Path, title: str) -> Path:
    """``table``: capability.csv's columns plus ``open_weights`` (True, False or missing)."""
    fig, ax = plt.subplots(figsize=(9, 5.5))
    groups = [("open weights", table["open_weights"] == True, "#1f77b4"),  # noqa: E712
              ("closed", table["open_weights"] == False, "#d62728"),  # noqa: E712
              ("openness unknown", table["open_weights"].isna(), "#999999")]
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
    fig.text(0.01, 0.01, "Scale: Claude 3.5 Sonnet (Jun 2024) = 130, GPT-5 (high) = 150 (Epoch AI's ECI anchors). "
             "Bars: 90% bootstrap intervals. Data: Artificial Analysis API, 12 benchmarks.", fontsize=7)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path
