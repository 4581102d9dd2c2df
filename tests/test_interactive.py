"""The interactive figures (issue 28 point 4): a Plotly page beside a figure's PNG/SVG, whose hover shows each model
(name, release date, price and its source, score), which loads plotly.js only from the run folder (never a CDN),
shows data as text (never markup), and is deterministic. Hand-made tables here; tests/test_e2e.py checks a real
run's folder and opens a page in headless Chromium with the network cut."""

from __future__ import annotations

import html
import json
import re

import pandas as pd
import pytest

from tasks.render.figures.plan import interactive
from tasks.reporting.interactive import HOVER_COLUMNS, PLOTLY_JS, plotly_js
from tests.test_figures import frontier_tables

HOSTILE = '<img src=x onerror="alert(1)">&amp;'


def analysis_for(points: pd.DataFrame) -> pd.DataFrame:
    """An analysis table for the points' models: two price sources each (the hover must take the trend's), a
    creator, a score on MMLU-Pro; model m1 is named with markup."""
    rows = []
    for i, model in enumerate(dict.fromkeys(points["model_id"])):
        for source, price in (("lowest_provider", 0.5 + i), ("aa_headline", 99.0)):
            rows.append({"model_id": model, "creator": "Maker & Co" if i else "<b>Maker</b>",
                         "price_source": source, "observed_on": pd.Timestamp("2025-07-01"),
                         "blended_usd_per_mtok": price, "input_usd_per_mtok": price / 2,
                         "score_mmlu_pro": 0.30 + 0.01 * i})
    return pd.DataFrame(rows)


def page_data(page: str) -> dict:
    """The figure's JSON as the page's script hands it to Plotly.newPlot."""
    found = re.search(r"var fig = (\{.*?\});\n", page, re.S)
    return json.loads(found.group(1))


@pytest.fixture
def frontier_page():
    trends, points, _ = frontier_tables()
    points.loc[points["model_id"] == "m1", "name"] = HOSTILE
    fields = dict(method="frontier", name="frontier_open", snapshot="snap-<a>", attribution=["Data: test"],
                  title="Lowest price <at> constant quality", subtitle="price: lowest_provider · snapshot snap-a",
                  ylabel="USD per 1M tokens (log)")
    frames = {"trends": trends, "points": points}
    return interactive(fields, frames, analysis_for(points)), (fields, frames, points)


def test_the_page_loads_plotly_only_from_the_run_folder(frontier_page):
    page, _ = frontier_page
    assert re.findall(r"<script[^>]*\bsrc=\"([^\"]*)\"", page) == [f"../{PLOTLY_JS}"]
    assert "http://" not in page and "https://" not in page and "cdn" not in page.lower()
    assert len(plotly_js()) > 1_000_000  # the copy inside the plotly package: what the figures stage writes


def test_every_point_hovers_with_its_model_date_price_source_and_score(frontier_page):
    page, (_, _, points) = frontier_page
    traces = page_data(page)["data"]
    hovered = [row for trace in traces for row in trace.get("customdata") or []]
    assert len(hovered) == len(points)  # every model of the band, records and others
    by_name = {html.unescape(row[0]): dict(zip(HOVER_COLUMNS, row)) for row in hovered}
    first = by_name["Model 0"]
    assert first["release"] == f"{points.loc[0, 'release_date']:%Y-%m-%d}"
    # the trend's price source (lowest_provider), not the other source's 99.0
    assert first["price"] == "$0.5 per 1M tokens" and first["price_source"] == "lowest_provider"
    assert first["observed_on"] == "2025-07-01" and first["score"] == "MMLU-Pro 30.0 %"
    assert first["role"] == "record low · in the fit"
    assert by_name["Model 5"]["role"] == "other model"
    assert all("customdata[" in trace["hovertemplate"] for trace in traces if trace.get("customdata"))
    layout = page_data(page)["layout"]
    assert layout["yaxis"]["type"] == "log"
    assert {b["label"] for b in layout["updatemenus"][0]["buttons"]} == {"log axis", "linear axis"}


def test_data_is_text_never_markup(frontier_page):
    page, _ = frontier_page
    assert "<img" not in page and "<b>Maker" not in page and "<at>" not in page and "snap-<a>" not in page
    hovered = [row for trace in page_data(page)["data"] for row in trace.get("customdata") or []]
    names = {row[0] for row in hovered}
    assert html.escape(HOSTILE, quote=True) in names  # escaped once: Plotly shows it as the text it is
    assert "&lt;b&gt;Maker&lt;/b&gt;" in {row[1] for row in hovered}
    assert "</script>" not in page.split("var fig = ", 1)[1].split(";\n", 1)[0]


def test_the_page_is_deterministic(frontier_page):
    page, (fields, frames, points) = frontier_page
    assert interactive(fields, frames, analysis_for(points)) == page
    assert 'id="figure"' in page and not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}", page)  # no random ids


def test_a_figure_without_an_interactive_version_gets_none():
    trends, points, _ = frontier_tables()
    assert interactive(dict(method="frontier", name="null", snapshot="s", attribution=[]),
                       {"trends": trends, "replicates": None}, analysis_for(points)) is None
    assert interactive(dict(name="summary", snapshot="s", attribution=[]), {"trends": trends},
                       analysis_for(points)) is None


def test_a_trend_without_a_price_source_hovers_a_priced_row():
    """The active-parameters frontier has no price source: the hover shows a price the model has, with its source."""
    from tasks.reporting.interactive import hover_data

    points = pd.DataFrame({"model_id": ["m0"], "name": ["Model 0"], "release_date": [pd.Timestamp("2025-01-01")],
                           "value": [7.0], "is_record": pd.array([True], dtype="boolean"), "in_fit": [True]})
    analysis = pd.DataFrame({"model_id": ["m0", "m0"], "creator": ["c", "c"], "price_source": [None, "aa_headline"],
                             "observed_on": [pd.NaT, pd.Timestamp("2026-07-01")],
                             "blended_usd_per_mtok": [float("nan"), 0.25], "score_mmlu_pro": [0.5, 0.5]})
    row = dict(zip(HOVER_COLUMNS, hover_data(points, analysis, price_source=None, price_type="blended",
                                             quality_measure="mmlu_pro", value_label=lambda v: f"{v:g} B")[0]))
    assert row["price"] == "$0.25 per 1M tokens" and row["price_source"] == "aa_headline"
    assert row["value"] == "7 B" and row["score"] == "MMLU-Pro 50.0 %"


def test_the_typical_trend_is_drawn_beside_the_record_lows():
    """As in the PNG: a band's typical trend (every model of the band) is a dotted line of its own, named."""
    trends, points, _ = frontier_tables(typical=True)
    page = interactive(dict(method="frontier", name="frontier_open", snapshot="s", attribution=[], title="t",
                            subtitle="s", ylabel="USD"), {"trends": trends, "points": points}, analysis_for(points))
    names = [trace.get("name") for trace in page_data(page)["data"]]
    from tasks.methods.frontier_figures import FIT_LABEL, TYPICAL_LABELS

    assert TYPICAL_LABELS["open"] in names and FIT_LABEL in names
