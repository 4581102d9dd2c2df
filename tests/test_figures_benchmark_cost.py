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
from tasks.methods.benchmark_cost_figures import (FIT_LABEL, FRONTIER_LABEL, NO_SCORE_LABEL, RAW_ALL_LABEL,
                                                 RAW_LABEL, UNRESTRICTED_LABEL, benchmark_cost_figure)
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
    # drawn at each fitted point's own date and score (before: two ends of a line at the points' mean score): the
    # fitted points with a score, in date order, and y^ = mean(y) + b (x - mean x) + c (z - mean z), with c the least
    # squares coefficient of the score given the row's slope b (np.polyfit on y - b x)
    frontier = points[points["trend_id"] == "gpqa-all"].iloc[:4]
    score = frontier["model_id"].map(scores.set_index("model_id")["score"]).to_numpy(dtype=float)
    z = np.log(score / (1 - score))
    x = np.array([(pd.Timestamp(d) - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1) for d in FRONTIER_DATES])
    y = np.log(FRONTIER_COSTS)
    c = np.polyfit(z, y - ln_slope(9.0) * x, 1)[0]
    expected = np.exp(y.mean() + ln_slope(9.0) * (x - x.mean()) + c * (z - z.mean()))
    assert as_dates(fit.get_xdata()) == [pd.Timestamp(d) for d in FRONTIER_DATES]
    assert np.asarray(fit.get_ydata(), dtype=float) == pytest.approx(expected, rel=1e-9)
    every_text = fmt_factor_with_interval(4.4, 2.6, 7.6, unit="x cheaper per year")
    every = line_with_label(ax, f"{UNRESTRICTED_LABEL}: {every_text}")
    assert every is not None and every.get_linestyle() == "None" and every.get_marker() == "_"
    texts = all_texts(fig)
    assert f"Pareto fit (dashed): {factor_text}" in texts
    assert "n = 4 Pareto points of 7 · R² = 0.80" in texts
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["other runs", FRONTIER_LABEL, FIT_LABEL, UNRESTRICTED_LABEL, NO_SCORE_LABEL]


# --- issue "Step 15", point 6: fits over the data's range, at the data's score; the raw fits beside them -----------
def _rising_score_runs():
    """A frontier like AA's index: the cost of a run flat-to-rising over two years while the score climbs, so that at
    a constant score the cost falls steeply. Returns (trends, points, scores) with the slopes of real OLS fits."""
    dates = pd.to_datetime(["2024-01-15", "2024-05-01", "2024-09-10", "2025-01-20", "2025-06-01", "2025-11-15"])
    costs = np.array([0.06, 0.60, 0.03, 1.06, 0.07, 0.84])
    scores = np.array([0.08, 0.31, 0.20, 0.71, 0.65, 0.93])
    x = ((dates - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    z, y = np.log(scores / (1 - scores)), np.log(costs)
    adjusted = np.linalg.lstsq(np.column_stack([np.ones(6), x, z]), y, rcond=None)[0][1]
    raw = np.polyfit(x, y, 1)[0]
    assert math.exp(-adjusted * DAYS_PER_YEAR) > 20 and math.exp(-raw * DAYS_PER_YEAR) < 1  # the case at hand
    rows = []
    for trend_id, variant, slope in (("t", None, adjusted), ("t-u", "unrestricted", adjusted),
                                     ("t-r", "raw", raw), ("t-ru", "raw_unrestricted", raw)):
        factor = math.exp(-slope * DAYS_PER_YEAR)
        rows.append(cost_row(trend_id, "all", variant, factor, factor / 2, factor * 2, n=6, candidates=6))
        if variant and variant.startswith("raw"):
            rows[-1]["controls"] = None
    pts = points_frame([(t, d, v, True, True) for t in ("t", "t-u", "t-r", "t-ru") for d, v in zip(dates, costs)])
    pts["model_id"] = [f"model-{i % 6}" for i in range(len(pts))]
    runs = pd.DataFrame({"model_id": [f"model-{i}" for i in range(6)], "score": scores})
    return trends_frame(rows), pts, runs, dates, costs, raw


def test_every_fit_stays_within_the_observed_dates_and_costs():
    # before: the Pareto fit (153x cheaper per year at a constant score) was drawn at the points' mean score, from
    # $15.4 at its first date when the dearest run here cost $1.06, down to $0.0015 when the cheapest cost $0.03
    # (the AA figure's $13,000 when every run cost at most $420)
    trends, points, scores, dates, costs, _ = _rising_score_runs()
    ax = panels(draw_gpqa(trends, points, scores))[0]
    fits = [line for line in ax.get_lines() if line.get_drawstyle() != "steps-post"]
    assert len(fits) == 4  # the Pareto fit, the unrestricted marks, the two raw fits
    for line in fits:
        ys = np.asarray(line.get_ydata(), dtype=float)
        assert costs.min() / 10 <= ys.min() and ys.max() <= costs.max() * 10, line.get_label()
        xs = as_dates(line.get_xdata())
        assert dates.min() <= min(xs) and max(xs) <= dates.max(), line.get_label()


def test_the_raw_fits_are_drawn_and_say_the_cost_rises():
    # before: the figure drew no raw fit (it did not even take the raw rows into its plan)
    trends, points, scores, dates, costs, raw = _rising_score_runs()
    fig = draw_gpqa(trends, points, scores)
    ax = panels(fig)[0]
    pareto_raw = next(line for line in ax.get_lines() if line.get_label().startswith(f"{RAW_LABEL}: "))
    every_raw = next(line for line in ax.get_lines() if line.get_label().startswith(f"{RAW_ALL_LABEL}: "))
    for line in (pareto_raw, every_raw):
        assert line.get_linestyle() == "-"
        assert as_dates(line.get_xdata()) == [dates.min(), dates.max()]
        x = ((dates - dates.min()) / pd.Timedelta(days=1)).to_numpy(dtype=float)
        y = np.log(costs)
        start = math.exp(y.mean() - raw * x.mean())  # the OLS line through the centroid, by hand
        assert list(line.get_ydata()) == pytest.approx([start, start * math.exp(raw * x.max())], rel=1e-9)
    dearer = 1 / math.exp(-raw * DAYS_PER_YEAR)
    assert f"{dearer:.3g}x dearer each year" in pareto_raw.get_label()
    above = " ".join(all_texts(fig))  # the lines above the panel, wrapped
    assert "raw, Pareto (solid): " in above and f"{dearer:.3g}x dearer each year" in above
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert RAW_LABEL in legend and RAW_ALL_LABEL in legend
    jobs = plan_figures(trends, points, pd.DataFrame({"source": ["test"]}), "snap-a", [], None, ATTRIBUTION, None,
                        scores.assign(benchmark="gpqa_diamond"))
    frames = next(frames for fields, frames in jobs if fields["name"] == "benchmark_cost_gpqa_diamond")
    assert set(frames["trends"]["trend_id"]) == {"t", "t-u", "t-r", "t-ru"}


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
