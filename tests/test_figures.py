"""What each figure draws (not how big its file is): hand-made trends and points in, the matplotlib figure out,
inspected for its scales, labels, series and texts."""

from __future__ import annotations

import itertools
import math

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.lines import Line2D

from schemas.analysis import POINT_COLUMNS, TREND_COLUMNS
from tasks.reporting.figures import fmt_factor  # a figure prints every digit (the report's text caps)
from tasks.reporting.figures import X_MAX, X_MIN, figure_bytes
from tasks.methods.frontier_figures import frontier_figure
from tasks.render.figures.methods import methods_figure
from tasks.methods.frontier_null_figure import null_figure
from tasks.render.figures.plan import draw, plan_figures
from tasks.render.figures.summary import MAX_ROWS, summary_figure

DAYS_PER_YEAR = 365.25
ATTRIBUTION = ["Data: test source"]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# --- hand-made tables --------------------------------------------------------------------------------------------
def trend(**values) -> dict:
    """One trends.csv row: every contract column, the given ones set."""
    row = {column: None for column in TREND_COLUMNS}
    row.update(snapshot="snap-a", preset="preset-a", method="frontier", subset="open", quality_measure="mmlu_pro",
               band_low=30.0, band_high=50.0, quantity="price", price_type="blended", price_source="lowest_provider",
               estimator="ols", ci_method="ols", ci_level=0.9, log_base="10", status="ok")
    row.update(values)
    return row


def trends_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=TREND_COLUMNS)
    for column in ("band_low", "band_high", "factor_per_year", "ci_low", "ci_high", "slope_per_day", "n",
                   "n_candidates", "r_squared", "tie_order_min_factor", "tie_order_max_factor",
                   "null_median_factor", "null_p_value", "months_since_last"):
        frame[column] = frame[column].astype(float)
    return frame


def points_frame(rows: list[tuple]) -> pd.DataFrame:
    """(trend_id, release date, value, is_record, in_fit) tuples."""
    frame = pd.DataFrame([{"trend_id": t, "model_id": f"m{i}", "name": f"Model {i}", "release_date": pd.Timestamp(d),
                           "value": v, "is_record": r, "in_fit": f} for i, (t, d, v, r, f) in enumerate(rows)],
                         columns=POINT_COLUMNS)
    frame["is_record"] = frame["is_record"].astype("boolean")
    frame["in_fit"] = frame["in_fit"].astype("boolean")
    return frame


def days(dates) -> np.ndarray:
    return np.array([(pd.Timestamp(d) - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1) for d in dates])


def slope_for(factor: float) -> float:
    """The log10 slope per day of ``factor`` times cheaper per year."""
    return -math.log10(factor) / DAYS_PER_YEAR


def as_dates(values) -> list[pd.Timestamp]:
    return [pd.Timestamp(mdates.num2date(v)).tz_localize(None) if isinstance(v, float) else pd.Timestamp(v)
            for v in values]


def line_with_label(ax, text: str) -> Line2D | None:
    return next((line for line in ax.get_lines() if line.get_label() == text), None)


def all_texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text") and callable(a.get_text))]


# --- frontier figures --------------------------------------------------------------------------------------------
RECORD_DATES = ["2024-01-10", "2024-05-01", "2024-11-20", "2025-06-15"]
FACTOR = 10.0


def frontier_tables(typical: bool = False, status: str = "ok"):
    """One band: four record lows exactly on a line falling 10x per year, two other models; optionally the band's
    typical trend (falling 2x per year) over every model."""
    slope = slope_for(FACTOR)
    x = days(RECORD_DATES)
    values = 10 ** (0.5 + slope * (x - x[0]))
    rows = [trend(trend_id="band-30", factor_per_year=FACTOR, ci_low=4.0, ci_high=25.0, slope_per_day=slope,
                  n=4, n_candidates=6, r_squared=1.0, tie_order_min_factor=9.5, tie_order_max_factor=10.5,
                  status=status, note="short span: its points span 289 days, under 12 months"
                  if status == "short_span" else None)]
    pts = [("band-30", d, v, True, True) for d, v in zip(RECORD_DATES, values)]
    pts += [("band-30", "2024-03-01", 9.0, False, False), ("band-30", "2025-01-01", 5.0, False, False)]
    if typical:
        rows.append(trend(trend_id="band-30-typical", variant="typical", factor_per_year=2.0, ci_low=1.5,
                          ci_high=2.8, slope_per_day=slope_for(2.0), n=6))
        pts += [("band-30-typical", d, v, r, True) for _, d, v, r, _ in pts]
    return trends_frame(rows), points_frame(pts), values


def draw_frontier(trends, points):
    return frontier_figure(trends, points, title="Lowest price", subtitle="test", ylabel="USD per 1M tokens (log)",
                           attribution=ATTRIBUTION)


def test_frontier_records_are_a_step_line_and_the_fit_has_the_rows_slope():
    trends, points, values = frontier_tables()
    fig = draw_frontier(trends, points)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "USD per 1M tokens (log)"
    assert ax.get_title() == "MMLU-Pro [30, 50] %"
    steps = [line for line in ax.get_lines() if line.get_drawstyle() == "steps-post"]
    assert len(steps) == 1
    assert as_dates(steps[0].get_xdata()) == [pd.Timestamp(d) for d in RECORD_DATES]
    assert np.allclose(steps[0].get_ydata(), values)
    fit = line_with_label(ax, "OLS fit on the record lows")
    assert fit is not None and fit.get_color() == "black"
    start, end = as_dates(fit.get_xdata())
    assert (start, end) == (pd.Timestamp(RECORD_DATES[0]), pd.Timestamp(RECORD_DATES[-1]))
    # the records lie on the line: the fit's ends are the first and the last record, and the drop between them is
    # the factor per year over the span, computed here from the factor alone
    fitted = np.asarray(fit.get_ydata(), dtype=float)
    assert fitted == pytest.approx([values[0], values[-1]], rel=1e-9)
    years = (end - start) / pd.Timedelta(days=1) / DAYS_PER_YEAR
    assert fitted[0] / fitted[1] == pytest.approx(FACTOR ** years, rel=1e-9)
    texts = all_texts(fig)
    assert f"{fmt_factor(FACTOR)}x / year [{fmt_factor(4.0)}-{fmt_factor(25.0)}]" in texts
    assert f"any same-day order: {fmt_factor(9.5)}-{fmt_factor(10.5)}x / year" in texts
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "record lows (each holds until the next)" in legend
    assert "all models in the band (typical, at constant score)" not in legend  # no typical row: no typical line, nothing broken


def test_frontier_draws_the_typical_trend_as_a_thin_dotted_line():
    trends, points, _ = frontier_tables(typical=True)
    fig = draw_frontier(trends, points)  # an open-models band: its typical trend is over open models
    ax = fig.axes[0]
    assert len(fig.axes) == 1  # the typical row is no panel of its own
    typical = line_with_label(ax, "all open models in the band (typical, at constant score)")
    assert typical is not None and typical.get_linestyle() == ":" and typical.get_linewidth() < 1
    start, end = as_dates(typical.get_xdata())
    fitted = np.asarray(typical.get_ydata(), dtype=float)
    years = (end - start) / pd.Timedelta(days=1) / DAYS_PER_YEAR
    assert fitted[0] / fitted[1] == pytest.approx(2.0 ** years, rel=1e-9)
    assert "all open models in the band (typical, at constant score)" in [t.get_text() for t in fig.legends[0].get_texts()]
    # wrapped at 46 characters like every line above a panel: read as one
    assert (f"all open models (typical, constant score): {fmt_factor(2.0)}x / year [{fmt_factor(1.5)}-{fmt_factor(2.8)}]"
            in " ".join(all_texts(fig)))


def test_frontier_uninformative_estimate_is_grey_never_highlighted():
    trends, points, _ = frontier_tables(status="short_span")
    fig = draw_frontier(trends, points)
    ax = fig.axes[0]
    assert line_with_label(ax, "OLS fit on the record lows") is None
    muted = line_with_label(ax, "OLS fit, uninformative")
    assert muted is not None and muted.get_color() != "black"
    texts = all_texts(fig)
    assert f"short span: {fmt_factor(FACTOR)}x / year [{fmt_factor(4.0)}-{fmt_factor(25.0)}]" in texts
    assert "its points span 289 days, under 12 months" in texts


def test_frontier_tick_labels_stay_in_their_panel_and_the_figure():
    slope = slope_for(5.0)
    rows, pts = [], []
    for k, low in enumerate((30.0, 50.0, 70.0)):
        trend_id = f"band-{low:g}"
        rows.append(trend(trend_id=trend_id, band_low=low, band_high=low + 20, factor_per_year=5.0, ci_low=2.0,
                          ci_high=9.0, slope_per_day=slope, n=3, n_candidates=3, r_squared=0.9))
        for d, v in (("2023-11-20", 2.0 * (k + 1)), ("2024-09-01", 0.5 * (k + 1)), ("2026-01-05", 0.04 * (k + 1))):
            pts.append((trend_id, d, v, True, True))
    fig = draw_frontier(trends_frame(rows), points_frame(pts))
    # one panel per band: with fewer panels the neighbour check below would compare nothing
    assert [ax.get_title() for ax in fig.axes] == ["MMLU-Pro [30, 50] %", "MMLU-Pro [50, 70] %", "MMLU-Pro [70, 90] %"]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    width = fig.bbox.width
    boxes = []
    for ax in fig.axes:
        labels = [t for t in ax.get_xticklabels() if t.get_visible() and t.get_text()]
        assert len(labels) >= 2
        extents = [t.get_window_extent(renderer) for t in labels]
        assert all(0 <= e.x0 and e.x1 <= width for e in extents)
        boxes.append((min(e.x0 for e in extents), max(e.x1 for e in extents)))
    for (_, right), (left, _) in itertools.pairwise(boxes):
        assert right < left  # a panel's date labels never run into the next panel's
    ylabels = [t for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert len(ylabels) >= 2  # the log axis is labelled (decades, or 2 and 5 between them)
    panel = fig.axes[0].get_window_extent(renderer)
    for t in ylabels:
        e = t.get_window_extent(renderer)
        assert e.x0 >= 0 and panel.y0 - 1 <= (e.y0 + e.y1) / 2 <= panel.y1 + 1


def test_a_figure_is_deterministic():
    trends, points, _ = frontier_tables(typical=True)
    first = figure_bytes(draw_frontier(trends, points))
    second = figure_bytes(draw_frontier(trends, points))
    # both formats the figures stage writes, and each a real image (two empty outputs would also be equal)
    assert set(first) == set(second) == {"png", "svg"}
    assert first["png"].startswith(b"\x89PNG\r\n\x1a\n") and b"<svg" in first["svg"][:2000]
    assert first["png"] == second["png"]
    assert first["svg"] == second["svg"]


# --- summary -----------------------------------------------------------------------------------------------------
LONG_MODEL = "Claude Opus 4.7 (Non-reasoning, high)"


def summary_tables() -> pd.DataFrame:
    rows = [
        # the same band on two price sources: two rows, told apart by their source
        trend(trend_id="f-open-30-lp", factor_per_year=8.0, ci_low=3.0, ci_high=20.0, n=5),
        trend(trend_id="f-open-30-aa", price_source="aa_headline", factor_per_year=6.0, ci_low=2.0, ci_high=15.0,
              n=5),
        trend(trend_id="f-open-30-lp", ci_method="bootstrap", factor_per_year=8.0, ci_low=2.5, ci_high=30.0, n=5),
        trend(trend_id="f-all-50-fo", subset="all", band_low=50.0, band_high=70.0, price_source="first_observed",
              factor_per_year=12.0, ci_low=5.0, ci_high=30.0, n=6),
        trend(trend_id="f-open-70-un", band_low=70.0, band_high=90.0, status="short_span", factor_per_year=80.0,
              ci_low=0.05, ci_high=40000.0, n=4),
        trend(trend_id="t-long", method="threshold", subset="all", quality_measure="gpqa_diamond", band_low=None,
              band_high=None, threshold_model=LONG_MODEL, price_source="aa_headline", factor_per_year=30.0,
              ci_low=10.0, ci_high=90.0, n=7),
        trend(trend_id="t-short", method="threshold", subset="all", quality_measure="gpqa_diamond", band_low=None,
              band_high=None, threshold_model="GPT-4", price_source="aa_headline", status="insufficient", n=2),
        trend(trend_id="f-open-30-lp-half", variant="half_open_bands", factor_per_year=7.0, ci_low=3.0, ci_high=18.0),
        # another snapshot's row: never in this snapshot's figure
        trend(trend_id="other-snapshot", snapshot="snap-b", subset="all", band_low=30.0, band_high=50.0,
              price_source="lowest_reported", factor_per_year=3.0, ci_low=1.0, ci_high=9.0, n=4),
    ]
    return trends_frame(rows)


def summary_labels(fig) -> list[str]:
    ax = fig.axes[0]
    return [t.get_text() for t in ax.get_yticklabels()]


def test_summary_one_row_per_trend_labelled_in_full():
    trends = summary_tables()
    fig = summary_figure(trends, ATTRIBUTION, snapshot="snap-a")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_xlim() == pytest.approx((X_MIN, X_MAX))
    assert ax.get_xlabel() == "times cheaper per year (log scale)"
    labels = summary_labels(fig)
    flat = [text.replace(" ·\n", " · ").replace("\n", " ") for text in labels]
    # one row per trend of snap-a without a variant (the bootstrap row is the same trend)
    assert len(labels) == 6 and len(set(flat)) == 6
    assert not any("lowest_reported" in text for text in flat)  # snap-b's row did not leak in
    assert "frontier · open · MMLU-Pro 30-50 % · blended 3:1 price · lowest_provider" in flat
    assert "frontier · open · MMLU-Pro 30-50 % · blended 3:1 price · aa_headline" in flat
    assert "frontier · all · MMLU-Pro 50-70 % · blended 3:1 price · first_observed" in flat
    assert f"threshold · all · GPQA Diamond ≥ {LONG_MODEL} · blended 3:1 price · aa_headline" in flat
    assert any(text.endswith("· short span") for text in flat)
    for text in flat:  # every row names its price source
        assert any(source in text for source in ("lowest_provider", "aa_headline", "first_observed"))
    renderer = fig.canvas.get_renderer()
    for tick in ax.get_yticklabels():  # nothing cut off at the figure's left edge
        assert tick.get_window_extent(renderer).x0 >= 0
    # the estimate's value written on the right, with the one formatter; the uninformative one hollow
    texts = all_texts(fig)
    assert f"{fmt_factor(8.0)}x (n=5)" in texts and f"{fmt_factor(80.0)}x (n=4)" in texts
    hollow = [line for line in ax.get_lines() if line.get_marker() == "o" and line.get_markerfacecolor() == "white"]
    assert len(hollow) == 1 and hollow[0].get_xdata()[0] == 80.0
    assert "snap-a" in " ".join(texts) and "7 trends in trends.csv" in " ".join(texts)


def test_summary_needs_one_snapshot():
    with pytest.raises(ValueError, match="per snapshot"):
        summary_figure(summary_tables(), ATTRIBUTION)


def test_summary_with_too_many_trends_shows_the_main_ones_and_says_so():
    rows = []
    for k in range(20):
        for source in ("lowest_provider", "aa_headline"):
            rows.append(trend(trend_id=f"t-{k}-{source}", method="threshold", subset="all",
                              quality_measure="gpqa_diamond", band_low=None, band_high=None,
                              threshold_model=f"Model number {k}", price_source=source, factor_per_year=5.0 + k,
                              ci_low=2.0, ci_high=50.0, n=6))
    for k in range(10):
        rows.append(trend(trend_id=f"t-few-{k}", method="threshold", subset="all", quality_measure="gpqa_diamond",
                          band_low=None, band_high=None, threshold_model=f"Sparse {k}", status="insufficient", n=2))
    fig = summary_figure(trends_frame(rows), ATTRIBUTION, snapshot="snap-a")
    labels = summary_labels(fig)
    assert len(labels) == 20 <= MAX_ROWS
    assert all("lowest_provider" in text.replace("\n", " ") for text in labels)
    subtitle = " ".join(all_texts(fig)).replace("\n", " ")  # wrapped to the figure's width
    assert "20 of its 50 trends in trends.csv" in subtitle
    assert fig.get_figheight() < 8


# --- methods -----------------------------------------------------------------------------------------------------
def methods_tables() -> pd.DataFrame:
    return trends_frame([
        trend(trend_id="m-frontier", factor_per_year=20.0, ci_low=5.0, ci_high=25000.0, n=6),
        trend(trend_id="m-frontier-un", band_low=50.0, band_high=70.0, status="wide_interval", factor_per_year=40.0,
              ci_low=0.02, ci_high=900.0, n=4),
        trend(trend_id="m-threshold", method="threshold", subset="all", quality_measure="gpqa_diamond",
              band_low=None, band_high=None, threshold_model="GPT-4", price_source="aa_headline",
              factor_per_year=60000.0, ci_low=30.0, ci_high=2e9, n=5),
        trend(trend_id="m-monthly", method="monthly_cheapest", subset="all", quality_measure="mmlu", band_low=42.0,
              band_high=None, price_type="mean_in_out", price_source="source_price", status="skipped"),
    ])


def test_methods_labels_tell_two_presets_apart():
    # before: two presets fitting the same band on one snapshot gave two rows with one label ("open, MMLU-Pro
    # 30-50 %" twice in the bundled run's figure); a reader could not tell which was which
    rows = methods_tables()
    twin = rows[rows["trend_id"] == "m-frontier"].assign(trend_id="m-frontier-2", preset="other-preset",
                                                         factor_per_year=10.0)
    fig = methods_figure(pd.concat([rows, twin], ignore_index=True), ATTRIBUTION)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    first = rows.loc[rows["trend_id"] == "m-frontier", "preset"].iloc[0]
    assert f"open, MMLU-Pro 30-50 % · {first}" in labels and "open, MMLU-Pro 30-50 % · other-preset" in labels
    assert "open, MMLU-Pro 50-70 % (wide interval)" in labels  # a label no other row shares: no preset
    assert len(labels) == len(set(labels))


def test_methods_values_beyond_the_axis_are_arrows_with_their_number():
    fig = methods_figure(methods_tables(), ATTRIBUTION)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_xlim() == pytest.approx((X_MIN, X_MAX))
    ticks = dict(zip([t.get_text() for t in ax.get_yticklabels()], ax.get_yticks()))
    assert set(ticks) == {"open, MMLU-Pro 30-50 %", "open, MMLU-Pro 50-70 % (wide interval)",
                           "all, GPQA Diamond ≥ GPT-4"}  # every label names its subset
    arrows = [(line.get_marker(), line.get_xdata()[0], line.get_ydata()[0]) for line in ax.get_lines()
              if line.get_marker() in (">", "<")]
    assert (">", X_MAX, ticks["open, MMLU-Pro 30-50 %"]) in arrows
    assert ("<", X_MIN, ticks["open, MMLU-Pro 50-70 % (wide interval)"]) in arrows
    assert (">", X_MAX, ticks["all, GPQA Diamond ≥ GPT-4"]) in arrows
    notes = [t.get_text() for t in ax.texts]
    assert f"{fmt_factor(25000.0)}x" in notes and f"{fmt_factor(0.02)}x" in notes
    assert f"estimate {fmt_factor(60000.0)}x, interval to {fmt_factor(2e9)}x" in notes
    texts = " ".join(all_texts(fig)).replace("\n", " ")  # the subtitle is wrapped to the figure's width
    # an empty section (the monthly method, skipped) has no heading; the footer names it
    assert "Monthly cheapest" not in texts and "No estimate: monthly_cheapest on snap-a (skipped)" in texts
    assert "training-side algorithmic progress, about 3x per year: Ho et al. 2024" in texts
    assert any(line.get_xdata()[0] == 3.0 and line.get_linestyle() == "--" for line in ax.get_lines())
    # the uninformative estimate: hollow
    hollow = [line for line in ax.get_lines() if line.get_marker() == "o" and line.get_markerfacecolor() == "white"]
    assert [line.get_xdata()[0] for line in hollow] == [40.0]


# --- the permutation null ----------------------------------------------------------------------------------------
def test_null_figure_has_a_share_scale_and_counts_usable_shuffles():
    slope = slope_for(30.0)
    trends = trends_frame([
        trend(trend_id="n-30", factor_per_year=30.0, ci_low=10.0, ci_high=90.0, slope_per_day=slope,
              null_median_factor=3.0, null_p_value=0.02, n=5),
        trend(trend_id="n-50", band_low=50.0, band_high=70.0, status="insufficient", n=2, log_base=None),
    ])
    null_slopes = [slope_for(f) for f in (2.0, 2.5, 3.0, 3.0, 4.0, 6.0, 9.0)] + [np.nan] * 3
    replicates = pd.DataFrame({"trend_id": "n-30", "kind": "null", "replicate": range(10),
                               "slope_per_day": null_slopes})
    fig = null_figure(trends, replicates, ATTRIBUTION, "null", "subtitle")
    first, second = fig.axes[0], fig.axes[1]
    assert first.get_ylabel() == "share of usable shuffles"
    assert first.get_xscale() == "log"
    assert [t.get_text() for t in first.texts] == ["usable shuffles: 7 of 10"]
    assert [t.get_text() for t in second.texts] == ["usable shuffles: 0 of 0"]
    assert sum(patch.get_height() for patch in first.patches) == pytest.approx(1.0)  # shares of usable shuffles
    fig.canvas.draw()
    assert [t.get_text() for t in first.get_yticklabels() if t.get_text()][:2] == ["0%", "10%"]
    assert first.get_title().splitlines()[1:] == [f"observed {fmt_factor(30.0)}x",
                                                  f"null median {fmt_factor(3.0)}x · p = 0.02"]
    observed = [line for line in first.get_lines() if line.get_xdata()[0] == 30.0]
    assert observed and observed[0].get_color() == "#d1495b"


# --- the plan ----------------------------------------------------------------------------------------------------
def test_plan_draws_one_summary_per_snapshot_and_passes_typical_rows():
    trends, points, _ = frontier_tables(typical=True)
    trends = pd.concat([trends, trends_frame([trend(trend_id="b-only", snapshot="snap-b", factor_per_year=3.0,
                                                    ci_low=1.0, ci_high=9.0, slope_per_day=slope_for(3.0),
                                                    n=4)])], ignore_index=True)
    analysis = pd.DataFrame({"source": ["test"]})
    jobs = {fields["name"]: (fields, frames) for fields, frames in
            plan_figures(trends, points, analysis, "snap-a", [], None, ATTRIBUTION)}
    assert set(jobs) == {"frontier_open", "summary"}
    fields, frames = jobs["summary"]
    assert set(frames["trends"]["snapshot"]) == {"snap-a"}
    assert set(frames["trends"]["trend_id"]) == {"band-30", "band-30-typical"}
    expected = "frontier · open · MMLU-Pro 30-50 % · blended 3:1 price · lowest_provider"
    assert summary_labels(draw(fields, frames)) == [expected]
    fields, frames = jobs["frontier_open"]
    assert set(frames["trends"]["trend_id"]) == {"band-30", "band-30-typical"}
    fig = draw(fields, frames)
    assert line_with_label(fig.axes[0], "all open models in the band (typical, at constant score)") is not None


def test_plan_takes_a_price_source_the_vocabulary_does_not_know_yet():
    trends, points, _ = frontier_tables()
    trends["price_source"] = "brand_new_source"
    jobs = plan_figures(trends, points, pd.DataFrame({"source": ["test"]}), "snap-a", [], None, ATTRIBUTION)
    names = [fields["name"] for fields, _ in jobs]
    assert "frontier_open" in names


def test_a_poorly_covering_interval_is_labelled_a_range_in_the_panel():
    from tasks.core.vocabulary import fmt_factor_with_interval
    from tasks.reporting.figures import factor_label

    # before: "34.8x / year [6.54-185]" above the panel, though that interval covered 58% in simulation
    assert fmt_factor_with_interval(34.8, 6.54, 185.0, coverage=0.58) == "34.8x / year, range 6.54-185 (covers 58%)"
    assert fmt_factor_with_interval(34.8, 6.54, 185.0, coverage=0.88) == "34.8x / year [6.54-185]"
    assert fmt_factor_with_interval(34.8, 6.54, 185.0) == "34.8x / year [6.54-185]"
    row = pd.Series({"factor_per_year": 51.9, "ci_low": 5.31, "ci_high": 508.0, "status": "ok",
                     "coverage_ols": 0.224})
    assert factor_label(row) == "51.9x / year, range 5.31-508 (covers 22%)"


def test_a_long_panel_label_is_wrapped_within_its_panel():
    """An uninformative range with its coverage ran into the next panel's header on aa-2026-07 (86.6x, 2.30-3,261,
    covers 49%): the label is wrapped, every header line at most 46 characters, nothing of it lost."""
    from tasks.methods.frontier_figures import _panel_lines

    row = pd.DataFrame([trend(factor_per_year=86.6, ci_low=2.30, ci_high=3261.0, n=4, n_candidates=10,
                              r_squared=0.87, status="short_span", coverage_ols=0.49,
                              note="short span: its points span 289 days, under 12 months")]).iloc[0]
    lines = [text for text, _ in _panel_lines(row, None)]
    assert max(len(text) for text in lines) <= 46
    assert " ".join(lines).startswith("short span: 86.6x / year, range 2.30-3,261 (covers 49%)")


# --- step 15, point 9: ticks where the data is, captions that do not overlap, labels that say what they are ------
def three_band_tables(subset: str = "open", record_values=((0.06, 0.04, 0.02), (0.5, 0.3, 0.2), (8.0, 2.0, 0.9))):
    """Three bands like futuretech-2025-07's open frontier: each uninformative with a poorly covering range and a
    note, each with an uninformative typical trend whose interval is long."""
    rows, pts = [], []
    for k, (low, values) in enumerate(zip((30.0, 50.0, 70.0), record_values)):
        trend_id = f"band-{low:g}"
        slope = slope_for(8.77)
        rows.append(trend(trend_id=trend_id, subset=subset, band_low=low, band_high=low + 20, factor_per_year=11.9,
                          ci_low=0.08, ci_high=1885.0, coverage_ols=0.47, slope_per_day=slope, n=3, n_candidates=27,
                          r_squared=0.5, status="short_span",
                          note="short span: its points span 275 days, under 12 months"))
        rows.append(trend(trend_id=f"{trend_id}-typical", subset=subset, variant="typical", band_low=low,
                          band_high=low + 20, factor_per_year=1.63, ci_low=0.35, ci_high=7.5, coverage_ols=0.9,
                          slope_per_day=slope_for(1.63), n=6, status="short_span"))
        for d, v in zip(("2024-05-01", "2024-09-01", "2025-01-05"), values):
            pts.append((trend_id, d, v, True, True))
            pts.append((f"{trend_id}-typical", d, v * 3, False, True))
    return trends_frame(rows), points_frame(pts)


def test_log_price_axis_labels_at_least_two_ticks_inside_every_panels_data():
    # before: decades only (0.1, 1, 10) over 0.013-10: the panel of record lows at 0.02-0.06 had no labelled tick
    # inside its data (0.1 above it), the one at 0.2-0.5 none either
    trends, points = three_band_tables()
    fig = draw_frontier(trends, points)
    fig.canvas.draw()
    low, high = fig.axes[0].get_ylim()
    ticks = [float(t) for t, label in zip(fig.axes[0].get_yticks(), fig.axes[0].get_yticklabels())
             if label.get_text() and low <= t <= high]
    for ax in fig.axes:
        values = np.concatenate([np.asarray(line.get_ydata(), dtype=float) for line in ax.get_lines()]
                                + [np.asarray(c.get_offsets(), dtype=float)[:, 1] for c in ax.collections
                                   if len(c.get_offsets())])
        inside = [t for t in ticks if values.min() <= t <= values.max()]
        assert len(inside) >= 2, (ax.get_title(), values.min(), values.max(), ticks)
    # the rule alone: 0.02-0.06 inside 0.013-50 gains 0.02 then 0.05 (farthest from the decades first); a range
    # spanning decades gains nothing
    from tasks.reporting.figures import log_ticks

    assert log_ticks(0.013, 50, 0.0, [(0.02, 0.06)]) == pytest.approx([0.02, 0.05, 0.1, 1, 10])
    assert log_ticks(0.013, 50, 0.0, [(0.02, 20)]) == pytest.approx([0.1, 1, 10])
    assert log_ticks(0.013, 50, 0.0, [(0.3, 0.35)]) == pytest.approx([0.1, 0.3, 1, 10])  # then every digit: 0.3


def test_frontier_panel_captions_do_not_overlap_or_leave_the_figure():
    # before: the typical line "all models (typical): uninformative: 1.63x / year [0.35-7.50]" (61 characters) ran
    # into the neighbouring panel's caption and off the figure's right edge (futuretech-2025-07, frontier_open)
    trends, points = three_band_tables()
    fig = draw_frontier(trends, points)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [t for ax in fig.axes for t in [ax.title, *ax.texts] if t.get_text().strip()]
    assert len(texts) >= 3 * 5  # a title and at least four lines over each panel
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
    for text, box in boxes:
        assert 0 <= box.x0 and box.x1 <= fig.bbox.width and 0 <= box.y0 and box.y1 <= fig.bbox.height, text
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b), (a, b)


def test_open_frontier_says_its_typical_trend_is_over_open_models():
    # before: "all models (typical)" in the panel and "all models in the band (typical)" in the legend of the
    # open-models figure, whose typical trend is over the band's open models only (since step 15 point 5 both say
    # that the typical trend is at constant score: the score is its control)
    trends, points = three_band_tables(subset="open")
    fig = draw_frontier(trends, points)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "all open models in the band (typical, at constant score)" in legend
    assert "all models in the band (typical, at constant score)" not in legend
    joined = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "all open models (typical, constant score):" in joined and "all models (typical" not in joined
    trends, points = three_band_tables(subset="all")
    fig = draw_frontier(trends, points)
    assert "all models in the band (typical, at constant score)" in [t.get_text() for t in fig.legends[0].get_texts()]
    assert "all models (typical, constant score):" in " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def test_methods_figure_draws_a_poorly_covering_interval_as_a_marked_dashed_range():
    # before: the methods figure never saw the diagnostics; every row's line was solid and the subtitle called a
    # 17%-coverage range a "90% OLS interval"
    from tasks.core.vocabulary import COVERAGE_FLOOR
    from tasks.render.figures.plan import cross_snapshot_figures

    rows = methods_tables()
    diagnostics = pd.DataFrame({"trend_id": ["m-frontier", "m-threshold", "m-frontier-un"],
                                "coverage_ols": [COVERAGE_FLOOR - 0.58, COVERAGE_FLOOR + 0.1, np.nan]})
    jobs = {fields["name"]: (fields, frames) for fields, frames in
            cross_snapshot_figures(rows, {"test"}, {"snap-a": ATTRIBUTION}, diagnostics)}
    fields, frames = jobs["methods"]
    fig = draw(fields, frames)
    ax = fig.axes[0]
    ticks = dict(zip([t.get_text() for t in ax.get_yticklabels()], ax.get_yticks()))
    covers = f"{COVERAGE_FLOOR - 0.58:.0%}"
    assert set(ticks) == {f"open, MMLU-Pro 30-50 % (range, covers {covers})",
                          "open, MMLU-Pro 50-70 % (wide interval)", "all, GPQA Diamond ≥ GPT-4"}

    def interval_style(label):  # the horizontal line of a row: the interval (two points at the row's height)
        y = ticks[label]
        lines = [line for line in ax.get_lines() if len(line.get_xdata()) == 2 and list(line.get_ydata()) == [y, y]]
        assert len(lines) == 1
        return lines[0].get_linestyle()

    assert interval_style(f"open, MMLU-Pro 30-50 % (range, covers {covers})") == "--"  # dashed: a range
    assert interval_style("all, GPQA Diamond ≥ GPT-4") == "-"  # covering: an interval
    assert interval_style("open, MMLU-Pro 50-70 % (wide interval)") == "-"  # coverage unknown: as drawn before
    subtitle = " ".join(all_texts(fig)).replace("\n", " ")  # wrapped to the figure's width
    assert f"a range, not an interval (simulated coverage less its Monte-Carlo error e below {COVERAGE_FLOOR:.0%})" \
        in subtitle


def test_vintage_names_the_reported_lowest_price_apart_from_the_computed_one():
    # before: both lowest_reported (the source's own lowest price across providers) and lowest_provider (computed
    # from per-provider prices) were "lowest provider price" in the vintage legend
    from tasks.core.vocabulary import PRICE_SOURCES
    from tasks.render.figures.vintage import vintage_figure

    rows = trends_frame([
        trend(trend_id="v-a", snapshot="snap-a", price_source="lowest_reported", factor_per_year=8.0, ci_low=2.0,
              ci_high=30.0, slope_per_day=slope_for(8.0), n=5),
        trend(trend_id="v-b", snapshot="snap-b", price_source="lowest_provider", factor_per_year=12.0, ci_low=3.0,
              ci_high=40.0, slope_per_day=slope_for(12.0), n=6),
    ])
    fig = vintage_figure(rows, ATTRIBUTION)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["snap-a, lowest price as the source reports it", "snap-b, lowest provider price, computed"]
    # the words agree with the vocabulary's definitions of the two sources
    assert "as the source reports it" in PRICE_SOURCES["lowest_reported"]
    assert "computed" in PRICE_SOURCES["lowest_provider"]
