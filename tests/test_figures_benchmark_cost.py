"""What the cost-per-run figures draw (tasks/methods/benchmark_cost_figures.py): hand-made trends, points and run
scores in, the matplotlib figure out, inspected for its scales, labels, series, colours and texts."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection

from tasks.core.vocabulary import fmt_factor_with_interval
from tasks.reporting.figures import figure_bytes
from tasks.methods.benchmark_cost_figures import (FIT_LABEL, FRONTIER_LABEL, NO_SCORE_LABEL, UNRESTRICTED_LABEL,
                                                 benchmark_cost_figure)
from tasks.render.figures.plan import draw, plan_figures
from tests.test_figures import all_texts, as_dates, line_with_label, points_frame, trend, trends_frame

DAYS_PER_YEAR = 365.25
ATTRIBUTION = ["Data: Epoch AI (CC-BY)"]
FRONTIER_DATES = ["2024-04-01", "2024-09-01", "2025-02-01", "2025-08-01"]
FRONTIER_COSTS = [4.0, 1.5, 0.9, 0.2]
OTHERS = [("2024-06-01", 9.0), ("2025-01-01", 5.0), ("2025-06-01", 3.0)]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def ln_slope(factor: float) -> float:
    """The natural-log slope per day of ``factor`` times cheaper per year."""
    return -math.log(factor) / DAYS_PER_YEAR


def cost_row(trend_id: str, subset: str, variant=None, factor=9.0, low=3.9, high=20.9, n=4, candidates=7,
             status="ok", quality="gpqa_diamond", source="list_price", note=None) -> dict:
    return trend(trend_id=trend_id, method="benchmark_cost", subset=subset, quality_measure=quality, band_low=None,
                 band_high=None, quantity="cost_per_run", price_type=None, price_source=source,
                 controls="logit_score", variant=variant, log_base="e", status=status, note=note,
                 factor_per_year=factor if status != "insufficient" else None,
                 ci_low=low if status != "insufficient" else None, ci_high=high if status != "insufficient" else None,
                 slope_per_day=ln_slope(factor) if status != "insufficient" else None, n=n, n_candidates=candidates,
                 r_squared=0.8)


def tables(open_status="ok"):
    """GPQA Diamond, all and open: a Pareto row and an unrestricted row each; 4 frontier points and 3 others per
    trend; scores of the runs (fractions) by model."""
    rows = [cost_row("gpqa-all", "all"), cost_row("gpqa-all-u", "all", "unrestricted", 4.4, 2.6, 7.6, n=7),
            cost_row("gpqa-open", "open", status=open_status, n=3 if open_status == "insufficient" else 4,
                     note="insufficient: 3 point(s), fewer than the minimum of 4"
                     if open_status == "insufficient" else None),
            cost_row("gpqa-open-u", "open", "unrestricted", 1.4, 0.8, 2.5, n=7)]
    pts = []
    for trend_id in ("gpqa-all", "gpqa-all-u", "gpqa-open", "gpqa-open-u"):
        unrestricted = trend_id.endswith("-u")
        pts += [(trend_id, d, v, True, True) for d, v in zip(FRONTIER_DATES, FRONTIER_COSTS)]
        pts += [(trend_id, d, v, False, unrestricted) for d, v in OTHERS]
    points = points_frame(pts)
    # one model per point position (m0..m6 repeat per trend): the run's score follows its model
    points["model_id"] = [f"model-{i % 7}" for i in range(len(points))]
    scores = pd.DataFrame({"model_id": [f"model-{i}" for i in range(7)],
                           "score": [0.30, 0.45, 0.60, 0.80, 0.50, np.nan, 0.70]})
    return trends_frame(rows), points, scores


def draw_gpqa(trends, points, scores):
    return benchmark_cost_figure(trends, points, scores, benchmark="gpqa_diamond", snapshot="snap-a",
                                 attribution=ATTRIBUTION)


def panels(fig):
    return [ax for ax in fig.axes if ax.get_title()]


def test_two_panels_log_cost_axis_and_labels():
    fig = draw_gpqa(*tables())
    axes = panels(fig)
    assert [ax.get_title() for ax in axes] == ["all models (open and proprietary)", "open-weights models"]
    for ax in axes:
        assert ax.get_yscale() == "log" and ax.get_xscale() == "linear"
    assert axes[0].get_ylabel() == "USD per run, list prices (log)"
    bar = next(ax for ax in fig.axes if ax not in axes)
    assert bar.get_ylabel() == "GPQA Diamond score (%)"
    texts = all_texts(fig)
    assert "Data: Epoch AI (CC-BY)" in texts  # the attribution is in the figure
    assert any("Cost of one run of GPQA Diamond" in t for t in texts)


def test_pareto_points_are_a_step_line_and_the_fits_carry_their_factor():
    trends, points, scores = tables()
    fig = draw_gpqa(trends, points, scores)
    ax = panels(fig)[0]
    steps = [line for line in ax.get_lines() if line.get_drawstyle() == "steps-post"]
    assert len(steps) == 1
    assert as_dates(steps[0].get_xdata()) == [pd.Timestamp(d) for d in FRONTIER_DATES]
    assert np.allclose(steps[0].get_ydata(), FRONTIER_COSTS)
    # the fitted line is labelled with its factor through the project's one formatter
    factor_text = fmt_factor_with_interval(9.0, 3.9, 20.9, unit="x cheaper per year")
    assert factor_text == "9.00x cheaper per year [3.90-20.9]"
    fit = line_with_label(ax, f"{FIT_LABEL}: {factor_text}")
    assert fit is not None and fit.get_linestyle() == "--"
    start, end = as_dates(fit.get_xdata())
    assert (start, end) == (pd.Timestamp(FRONTIER_DATES[0]), pd.Timestamp(FRONTIER_DATES[-1]))
    fitted = np.asarray(fit.get_ydata(), dtype=float)
    years = (end - start) / pd.Timedelta(days=1) / DAYS_PER_YEAR
    assert fitted[0] / fitted[1] == pytest.approx(9.0 ** years, rel=1e-9)
    # drawn through the fitted points' centroid in (day, ln cost): the fit at their mean logit score
    day = [(pd.Timestamp(d) - start) / pd.Timedelta(days=1) for d in FRONTIER_DATES]
    at_mean_day = math.log(fitted[0]) + ln_slope(9.0) * np.mean(day)
    assert at_mean_day == pytest.approx(np.mean(np.log(FRONTIER_COSTS)), rel=1e-9)
    every_text = fmt_factor_with_interval(4.4, 2.6, 7.6, unit="x cheaper per year")
    every = line_with_label(ax, f"{UNRESTRICTED_LABEL}: {every_text}")
    assert every is not None and every.get_linestyle() == ":"
    texts = all_texts(fig)
    assert f"Pareto fit (dashed): {factor_text}" in texts
    assert "n = 4 Pareto points of 7 · R² = 0.80" in texts
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["other runs", FRONTIER_LABEL, FIT_LABEL, UNRESTRICTED_LABEL, NO_SCORE_LABEL]


def test_score_is_the_colour_in_percent_and_a_missing_score_is_grey():
    fig = draw_gpqa(*tables())
    ax = panels(fig)[0]
    series = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(series) == 2  # the other runs and the Pareto points: two scatter series per panel
    others, frontier = series
    assert list(frontier.get_array()) == pytest.approx([30.0, 45.0, 60.0, 80.0])
    values = np.ma.filled(others.get_array().astype(float), np.nan)
    assert values[:2] == pytest.approx([50.0, np.nan], nan_ok=True) and values[2] == pytest.approx(70.0)
    assert frontier.norm.vmin == pytest.approx(30.0) and frontier.norm.vmax == pytest.approx(80.0)
    assert frontier.get_cmap().get_bad()[:3] == pytest.approx((0.6, 0.6, 0.6))


def test_an_insufficient_panel_says_why_and_draws_no_fit():
    fig = draw_gpqa(*tables(open_status="insufficient"))
    ax = panels(fig)[1]
    assert not [line for line in ax.get_lines() if line.get_label().startswith(FIT_LABEL)]
    assert line_with_label(ax, f"{UNRESTRICTED_LABEL}: "
                               f"{fmt_factor_with_interval(1.4, 0.8, 2.5, unit='x cheaper per year')}") is not None
    texts = all_texts(fig)
    assert "Pareto: insufficient" in texts and "3 point(s), fewer than the minimum of 4" in texts


def test_the_plan_draws_one_figure_per_benchmark_with_its_run_scores():
    trends, points, _ = tables()
    arc = [cost_row("arc-all", "all", quality="arc_agi_1", source="source_price"),
           cost_row("swe-all", "all", quality="swe_bench_verified", status="skipped",
                    note="no swe_bench_verified runs")]
    trends = pd.concat([trends, trends_frame(arc)], ignore_index=True)
    arc_points = points_frame([("arc-all", d, v, True, True) for d, v in zip(FRONTIER_DATES, FRONTIER_COSTS)])
    points = pd.concat([points, arc_points], ignore_index=True)
    runs = pd.DataFrame({"model_id": ["model-0", "m0", "model-1"], "benchmark": ["gpqa_diamond", "arc_agi_1",
                                                                                 "aime"],
                         "score": [0.3, 0.2, 0.9]})
    jobs = {f["name"]: (f, frames) for f, frames in
            plan_figures(trends, points, pd.DataFrame({"source": ["test"]}), "snap-a", [], None, ATTRIBUTION,
                         None, runs)}
    # GPQA Diamond in the vocabulary's order before ARC-AGI-1; a skipped benchmark has nothing to draw
    assert [n for n in jobs if n.startswith("benchmark_cost_")] == ["benchmark_cost_gpqa_diamond",
                                                                    "benchmark_cost_arc_agi_1"]
    fields, frames = jobs["benchmark_cost_gpqa_diamond"]
    assert set(frames["trends"]["trend_id"]) == {"gpqa-all", "gpqa-all-u", "gpqa-open", "gpqa-open-u"}
    assert list(frames["scores"]["model_id"]) == ["model-0"]
    assert fields["attribution"] == ATTRIBUTION
    fields, frames = jobs["benchmark_cost_arc_agi_1"]
    fig = draw(fields, frames)
    assert len(panels(fig)) == 1 and panels(fig)[0].get_ylabel() == "USD per task (log)"
    assert "summary" in jobs


def test_the_figure_is_deterministic():
    first = figure_bytes(draw_gpqa(*tables()))
    second = figure_bytes(draw_gpqa(*tables()))
    assert first == second


def test_the_summary_draws_the_pareto_bootstrap_interval():
    from tasks.render.figures.summary import summary_figure

    rows = [cost_row("gpqa-all", "all"),
            {**cost_row("gpqa-all", "all", low=4.7, high=37.3), "ci_method": "bootstrap"}]
    fig = summary_figure(trends_frame(rows), ATTRIBUTION, snapshot="snap-a")
    ax = fig.axes[0]
    green = [line for line in ax.get_lines() if line.get_color() == "#2a9d3f"]
    assert len(green) == 1 and list(green[0].get_xdata()) == pytest.approx([4.7, 37.3])
    blue = [line for line in ax.get_lines() if line.get_color() == "#1b6ca8"]
    assert len(blue) == 1 and list(blue[0].get_xdata()) == pytest.approx([3.9, 20.9])


def test_an_uninformative_fit_is_grey():
    trends, points, scores = tables()
    trends.loc[trends["trend_id"] == "gpqa-open-u", "status"] = "short_span"
    fig = draw_gpqa(trends, points, scores)
    ax = panels(fig)[1]
    every = next(line for line in ax.get_lines() if line.get_label().startswith(UNRESTRICTED_LABEL))
    assert "short span" in every.get_label() and every.get_color() == "0.6"
    pareto = next(line for line in ax.get_lines() if line.get_label().startswith(FIT_LABEL))
    assert pareto.get_color() == "#d1495b"
