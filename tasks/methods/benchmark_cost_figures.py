"""Cost of one benchmark run (method ``benchmark_cost``): per benchmark, the cost per run vs its date, one panel per
subset (all models, open models), the score as colour, the Pareto points joined by a step line, the Pareto fit
labelled with its factor ("N x cheaper per year"), the unrestricted fit (every point) beside it, and the raw fits
(ln cost on the date alone, no score control: what a run actually cost) on the Pareto points and on every point.

The date is the month of a price cut for runs priced from a list-price history (each model's new lowest cost) and the
model's release for a cost the source reports (ARC Prize's cost per task, AA's cost of running its index). Every fit
is drawn only over its fitted points' dates and at the data's score: a score-controlled fit as its fitted value at
each fitted point's own date and score (the Pareto fit joined in date order, the unrestricted one as small marks),
never at one mean score across the whole span, where a steep slope at a constant score runs far outside the observed
costs (issue "Step 15", point 6: a line from $13,000 when every run cost at most $420); a raw fit is a straight line
through its points' centroid over their dates.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from schemas.canonical import BENCHMARK_UNITS
from tasks.core.stats import release_day
from tasks.core.vocabulary import STATUS_WORDS, status_word
from tasks.core.vocabulary import BENCHMARKS, SUBSETS, label, order
from tasks.reporting.figures import (MUTED, RC, WIDTH, fit_line, figure_footer, figure_header, fmt_factor_with_interval,
                                     log_axis, panel_header, set_date_limits, set_log_limits, tidy_date_ticks,
                                     tidy_log_ticks, has_estimate, is_uninformative, status_reason)

UNRESTRICTED = "unrestricted"
RAW, RAW_UNRESTRICTED = "raw", "raw_unrestricted"
UNIT = "x cheaper per year"
FRONTIER_LABEL = "Pareto frontier (none earlier scores as high for less)"
FIT_LABEL = "fit on the Pareto points, at each point's score"
UNRESTRICTED_LABEL = "fit on every point (unrestricted), at each point's score"
RAW_LABEL = "raw fit on the Pareto points (date only)"
RAW_ALL_LABEL = "raw fit on every point (date only)"
RAW_COLOUR = "#e07a1f"
OTHERS_LABEL = "other runs"
NO_SCORE_LABEL = "no score, or a score of 0 (left out of the fits)"
SUBSET_ORDER = ("all", "open")  # panels left to right
LINE_CHARS = 62  # the lines above a panel wrap at this width (two panels side by side)
CMAP = "viridis"
FIT_COLOUR = "#d1495b"
# what one run is, per price definition of the cost: the y-axis label
YLABELS = {"list_price": "USD per run, list prices (log)", "source_price": "USD per task (log)",
           "aa_headline": "USD per run of the index (log)"}
DATES = {"list_price": "each point: a model's new lowest cost, dated at the month of the price cut",
         "source_price": "each point: one model's run, dated at the model's release",
         "aa_headline": "each point: one model's run, dated at the model's release, priced at the scrape's day"}


def _main_rows(trends: pd.DataFrame) -> pd.DataFrame:
    return trends[trends["variant"].isna() & (trends["ci_method"] == "ols")]


def score_scale(benchmark: str) -> tuple[float, str]:
    """(multiplier, colour-bar label) of a benchmark's scores: fractions shown in percent, points as they are."""
    name = label(BENCHMARKS, benchmark)
    if BENCHMARK_UNITS.get(benchmark) == "points":
        return 1.0, f"{name} (points)"
    return 100.0, f"{name} score (%)"


def fit_label(row, prefix: str = "") -> str:
    """``21.9x cheaper per year [11.0-43.7]`` (the vocabulary's formatter)."""
    text = fmt_factor_with_interval(row.factor_per_year, row.ci_low, row.ci_high, unit=UNIT)
    return f"{prefix}{status_word(row.status)}: {text}" if is_uninformative(row) else f"{prefix}{text}"


def raw_label(row) -> str:
    """``0.42x cheaper per year [...]: 2.38x dearer each year`` where the raw cost rises (a factor below 1)."""
    text = fit_label(row)
    if has_estimate(row) and pd.notna(row.factor_per_year) and 0 < row.factor_per_year < 1:
        text += f": {1 / row.factor_per_year:.3g}x dearer each year"
    return text


def _panel_lines(row, unrestricted, raws=()) -> list[tuple[str, str]]:
    """The lines above a panel: (text, colour)."""
    if has_estimate(row):
        colour = MUTED if is_uninformative(row) else FIT_COLOUR
        lines = [(part, colour) for part in textwrap.wrap(f"Pareto fit (dashed): {fit_label(row)}", LINE_CHARS)]
        counts = f"n = {int(row.n)} Pareto points"
        if pd.notna(getattr(row, "n_candidates", None)):
            counts += f" of {int(row.n_candidates)}"
        if pd.notna(getattr(row, "r_squared", None)):
            counts += f" · R² = {row.r_squared:.2f}"
        lines.append((counts, colour))
    else:
        lines = [(f"Pareto: {row.status}", "0.35")] + [(t, "0.35") for t in textwrap.wrap(status_reason(row), LINE_CHARS)[:2]]
    if unrestricted is not None:  # its n is the Pareto line's candidates
        text = (f"every point (marks): {fit_label(unrestricted)}" if has_estimate(unrestricted) else
                f"every point: {unrestricted.status}")
        lines += [(part, "0.3") for part in textwrap.wrap(text, LINE_CHARS)]
    for raw, what in raws:
        if raw is None:
            continue
        text = f"raw, {what}: {raw_label(raw)}" if has_estimate(raw) else f"raw, {what}: {raw.status}"
        lines += [(part, RAW_COLOUR if what == "Pareto (solid)" else "0.3") for part in textwrap.wrap(text, LINE_CHARS)]
    return lines


def score_logits(benchmark: str, scores: pd.Series) -> np.ndarray:
    """logit of the scores as the method's control reads them (an index's points as a share of 100, clipped)."""
    from tasks.core.pareto import clipped_logit
    from tasks.methods.benchmark_cost import INDEX_SCALE, LOGIT_CLIP  # here: that module imports this one
    return clipped_logit(scores.to_numpy(dtype=float) / INDEX_SCALE.get(benchmark, 1.0), LOGIT_CLIP)


def fitted_at_scores(points: pd.DataFrame, slope: float, logits: np.ndarray) -> tuple[pd.Series, np.ndarray]:
    """A score-controlled fit's fitted values at its fitted points' own dates and scores, in date order.

    The row holds the slope on the day (b) only; the score's coefficient follows from the OLS normal equation of the
    score given b: c = sum(z~ (y~ - b x~)) / sum(z~^2) (~: centred), and the intercept from the means, so
    y^_i = mean(y) + b (x_i - mean(x)) + c (z_i - mean(z)): the OLS fitted values when b is the OLS slope. Points
    without a score are left out (they are not in the fit either)."""
    fit = points["in_fit"].astype("boolean").fillna(False).to_numpy(dtype=bool) & np.isfinite(logits)
    frame = points[fit].assign(_z=logits[fit]).sort_values("release_date", kind="mergesort")
    x = release_day(frame["release_date"]).astype(float)
    y, z = np.log(frame["value"].to_numpy(dtype=float)), frame["_z"].to_numpy(dtype=float)
    xc, yc, zc = x - x.mean(), y - y.mean(), z - z.mean()
    c = float((zc * (yc - slope * xc)).sum() / (zc ** 2).sum()) if (zc ** 2).sum() > 0 else 0.0
    return frame["release_date"], np.exp(y.mean() + slope * xc + c * zc)


def _with_scores(points: pd.DataFrame, scores: pd.DataFrame | None) -> pd.DataFrame:
    """``points`` with the score of each model's run (missing where the run has none, or a score of 0)."""
    if scores is None or scores.empty:
        return points.assign(score=np.nan)
    by_model = scores.drop_duplicates("model_id").set_index("model_id")["score"].astype(float)
    score = points["model_id"].map(by_model).astype(float)
    return points.assign(score=score.where(score > 0))  # a score of 0 is left out of the fits, as a missing one


def benchmark_cost_figure(trends: pd.DataFrame, points: pd.DataFrame, scores: pd.DataFrame | None, *,
                          benchmark: str, snapshot: str, attribution: list[str]) -> Figure:
    """One panel per subset of one benchmark's ``cost_per_run`` trends (``trends``: the Pareto rows, variant empty,
    and their ``unrestricted`` rows); ``points``: the points of those trends; ``scores``: ``model_id``, ``score`` of
    the benchmark's runs (the colour)."""
    main = _main_rows(trends)
    ols = trends[trends["ci_method"] == "ols"]
    subsets = sorted(dict.fromkeys(main["subset"]), key=lambda s: SUBSET_ORDER.index(s) if s in SUBSET_ORDER else 9)

    def variant_row(subset, variant):
        match = ols[(ols["variant"] == variant) & (ols["subset"] == subset)]
        return next(match.itertuples()) if len(match) else None

    panels = []
    for subset in subsets:
        row = next(main[main["subset"] == subset].itertuples())
        unrestricted = variant_row(subset, UNRESTRICTED)
        raws = ((variant_row(subset, RAW), "Pareto (solid)"), (variant_row(subset, RAW_UNRESTRICTED),
                                                                "every point (thin solid)"))
        panels.append((row, unrestricted, raws, _panel_lines(row, unrestricted, raws)))
    multiplier, colour_label = score_scale(benchmark)
    shown = _with_scores(points, scores)
    values = shown["score"].to_numpy(dtype=float) * multiplier
    finite = values[np.isfinite(values)]
    norm = Normalize(float(finite.min()), float(finite.max())) if len(finite) and finite.min() < finite.max() else (
        Normalize(0, 100 if multiplier == 100 else max(float(finite.max()) if len(finite) else 1.0, 1.0)))
    n_lines = max([len(lines) for *_, lines in panels] + [3])
    text_height = 0.125 * n_lines
    price_source = main["price_source"].dropna().iloc[0] if main["price_source"].notna().any() else ""
    with plt.rc_context(RC):
        height = 3.67 + max(text_height - 0.375, 0)  # 0.17 in more for the third line of the subtitle
        fig, axes = plt.subplots(1, max(len(panels), 1), figsize=(WIDTH, height), sharey=True, sharex=True,
                                 squeeze=False)
        axes = axes[0]
        all_dates, all_values, mappable = [], [], None
        for ax, (row, unrestricted, raws, lines) in zip(axes, panels):
            pts = shown[shown["trend_id"] == row.trend_id].sort_values(["release_date", "value"], kind="mergesort")
            on_frontier = pts["is_record"].astype("boolean").fillna(False).astype(bool)
            frontier, others = pts[on_frontier], pts[~on_frontier]
            all_dates += list(pts["release_date"])
            all_values += list(pts["value"])
            colours = {"cmap": plt.get_cmap(CMAP).with_extremes(bad=MUTED), "norm": norm, "plotnonfinite": True}
            scattered = ax.scatter(others["release_date"], others["value"], c=others["score"] * multiplier, s=9,
                                   alpha=0.55, linewidths=0, zorder=2, label=OTHERS_LABEL, **colours)
            mappable = mappable or scattered
            if not frontier.empty:
                ax.plot(frontier["release_date"].to_numpy(), frontier["value"].to_numpy(dtype=float),
                        drawstyle="steps-post", color="0.25", lw=0.7, zorder=3, label=FRONTIER_LABEL)
                mappable = ax.scatter(frontier["release_date"], frontier["value"], c=frontier["score"] * multiplier,
                                      s=20, edgecolors="black", linewidths=0.5, zorder=4, **colours)  # opaque: the bar
            if (has_estimate(row) and pd.notna(row.slope_per_day)
                    and pts["in_fit"].astype("boolean").fillna(False).any()):
                dates, fitted = fitted_at_scores(pts, row.slope_per_day, score_logits(benchmark, pts["score"]))
                all_values += list(fitted)
                muted = is_uninformative(row)
                ax.plot(dates.to_numpy(), fitted, color=MUTED if muted else FIT_COLOUR, lw=0.9 if muted else 1.4,
                        ls="--", zorder=5, label=f"{FIT_LABEL}: {fit_label(row)}")
            if unrestricted is not None and has_estimate(unrestricted) and pd.notna(unrestricted.slope_per_day):
                every = shown[shown["trend_id"] == unrestricted.trend_id]
                if every["in_fit"].astype("boolean").fillna(False).any():
                    dates, fitted = fitted_at_scores(every, unrestricted.slope_per_day,
                                                     score_logits(benchmark, every["score"]))
                    all_values += list(fitted)
                    ax.plot(dates.to_numpy(), fitted, color=MUTED if is_uninformative(unrestricted) else "0.3",
                            ls="none", marker="_", ms=4, mew=0.8, zorder=4,
                            label=f"{UNRESTRICTED_LABEL}: {fit_label(unrestricted)}")
            for (raw, _), (colour, width, text) in zip(raws, ((RAW_COLOUR, 1.3, RAW_LABEL), ("0.35", 0.8, RAW_ALL_LABEL))):
                if raw is None or not has_estimate(raw) or pd.isna(raw.slope_per_day):
                    continue
                mine = shown[shown["trend_id"] == raw.trend_id]
                if mine["in_fit"].astype("boolean").fillna(False).any():
                    dates, fitted = fit_line(mine, raw.slope_per_day, raw.log_base)  # no control: the centroid line
                    all_values += list(fitted)
                    ax.plot(dates, fitted, color=MUTED if is_uninformative(raw) else colour, lw=width, ls="-",
                            zorder=5, label=f"{text}: {raw_label(raw)}")
            panel_header(ax, label(SUBSETS, row.subset), lines, text_height)
            if pts.empty:
                ax.text(0.5, 0.5, "no runs", transform=ax.transAxes, ha="center", color="0.4")
        log_axis(axes[0])
        set_log_limits(axes[0], all_values)
        set_date_limits(axes[0], all_dates)
        axes[0].set_ylabel(YLABELS.get(price_source, "USD per run (log)"))
        # one legend for the figure: what each kind of mark is (each line's factor is above its panel, in its colour,
        # and in the line's own label)
        kinds = {OTHERS_LABEL: None, FRONTIER_LABEL: None, FIT_LABEL: None, UNRESTRICTED_LABEL: None, RAW_LABEL: None,
                 RAW_ALL_LABEL: None}
        for ax in axes:
            for handle, text in zip(*ax.get_legend_handles_labels()):
                kind = next((k for k in kinds if text == k or text.startswith(f"{k}: ")), None)
                muted = any(word in text for word in STATUS_WORDS.values())
                if kind and kinds[kind] is None and not (kind == FIT_LABEL and muted):
                    kinds[kind] = handle
        if shown["score"].isna().any():
            kinds[NO_SCORE_LABEL] = Line2D([], [], ls="", marker="o", ms=3, mfc=MUTED, mec="none")
        if kinds[FRONTIER_LABEL] is not None:  # the step line with the frontier's marker
            kinds[FRONTIER_LABEL] = Line2D([], [], color="0.25", lw=0.7, marker="o", ms=4.5, mfc=plt.get_cmap(CMAP)(0.6),
                                           mec="black", mew=0.5)
        shown_kinds = {k: h for k, h in kinds.items() if h is not None}
        legend_rows = (len(shown_kinds) + 1) // 2
        if shown_kinds:
            fig.legend(list(shown_kinds.values()), list(shown_kinds.keys()), loc="lower center", ncol=2,
                       frameon=False, bbox_to_anchor=(0.45, 0.15 / height), handletextpad=0.3, columnspacing=1.5)
        what = label(BENCHMARKS, benchmark)
        figure_header(fig, f"Cost of one run of {what} over time, score as colour",
                f"{DATES.get(price_source, 'each point: one run')} · price: {price_source} · snapshot {snapshot} · "
                "fits: ln cost = a·day + b·logit(score) + c, drawn at each fitted point's date and score; raw fits: "
                "ln cost = a·day + c (no score control); every fit only over its points' dates")
        figure_footer(fig, attribution, "")
        bottom = (0.15 + 0.15 * legend_rows + 0.38) / height
        top = 1 - (0.72 + 0.16 + text_height) / height  # the title and three lines of subtitle
        fig.subplots_adjust(left=0.085, right=0.88, bottom=bottom, top=top, wspace=0.1)
        if mappable is not None:
            box = axes[-1].get_position()
            bar = fig.add_axes([0.9, box.y0, 0.015, box.height])
            fig.colorbar(mappable, cax=bar).set_label(colour_label)
            bar.tick_params(labelsize=6)
        tidy_log_ticks(fig, axes[0])
        tidy_date_ticks(fig, axes[0])
    return fig


# --- the method's figure jobs and how to draw them (Method.figures, Method.draw) ----------------------------------
def figures(rows: pd.DataFrame, points: pd.DataFrame, analysis: pd.DataFrame, common: dict,
            extra: dict | None = None) -> list[tuple[dict, dict]]:
    """One figure per benchmark with a cost-per-run trend (``Method.figures``): its Pareto and unrestricted rows of
    every subset, their points, and the scores of the benchmark's runs (``extra["runs"]``: the cleaned runs)."""
    runs = (extra or {}).get("runs")
    cost = rows[(rows["method"] == "benchmark_cost") & (rows["quantity"] == "cost_per_run") & (rows["ci_method"] == "ols")
                & (rows["variant"].isna() | rows["variant"].isin([UNRESTRICTED, RAW, RAW_UNRESTRICTED]))]
    pareto = cost[cost["variant"].isna() & (cost["status"] != "skipped")]
    jobs = []
    for benchmark in order(pareto["quality_measure"].dropna(), BENCHMARKS):
        mine = cost[(cost["quality_measure"] == benchmark) & cost["subset"].isin(
            pareto.loc[pareto["quality_measure"] == benchmark, "subset"])]
        scores = (runs.loc[runs["benchmark"] == benchmark, ["model_id", "score"]] if runs is not None
                  else pd.DataFrame(columns=["model_id", "score"]))
        jobs.append((dict(common, name=f"benchmark_cost_{benchmark}", benchmark=benchmark),
                     {"trends": mine, "points": points[points["trend_id"].isin(mine["trend_id"])], "scores": scores}))
    return jobs


def draw(fields: dict, frames: dict) -> Figure:
    """One planned cost-per-run figure."""
    return benchmark_cost_figure(frames["trends"], frames["points"], frames.get("scores"),
                                 benchmark=fields["benchmark"], snapshot=fields["snapshot"],
                                 attribution=fields["attribution"])
