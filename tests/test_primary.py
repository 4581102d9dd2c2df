"""Step 15, point 2: one primary estimate, chosen by the preset's rule, opens the first screen; headline.json marks
it and says where every entry comes from."""

from __future__ import annotations

import pandas as pd
import pytest

from tasks.methods import by_row_name
from tasks.render.answer import headline, headline_lines, primary_sentence
from tasks.reporting.format import ReportInputs
from tests.test_figures import trend, trends_frame

RULE = {"primary": "hedonic", "price_sources": ["lowest_provider", "lowest_reported"],
        "rule": "the method least exposed to selection"}


class Clean:  # what the report reads of a cleaned snapshot: its analysis table's observation dates
    def __init__(self, observed_on: str):
        self.analysis = pd.DataFrame({"observed_on": [pd.Timestamp(observed_on)]})


def inputs(rule: dict | None = RULE, window_end: str = "2026-01-04") -> ReportInputs:
    window = dict(quality_window_start=pd.Timestamp("2024-04-23"), quality_window_end=pd.Timestamp(window_end))
    rows = [trend(trend_id=f"h-{source}", method="hedonic", controls="mmlu_pro", band_low=40.0, band_high=70.0,
                  price_source=source, factor_per_year=factor, ci_low=low, ci_high=high, n=30, **window)
            for source, factor, low, high in (("lowest_provider", 2.64, 1.38, 5.05), ("aa_headline", 4.28, 2.31, 7.94))]
    rows.append(trend(trend_id="g", method="frontier_geomean", band_low=None, band_high=None, ci_method="bootstrap",
                      factor_per_year=42.5, ci_low=11.0, ci_high=125.0, n=12, **window))
    frame = trends_frame(rows)
    for column in ("quality_window_start", "quality_window_end"):
        frame[column] = pd.to_datetime(frame[column])
    presets = [{"name": "epoch-2025", "answer": None}, {"name": "futuretech-2025", "answer": rule}]
    return ReportInputs(trends=frame, diagnostics=pd.DataFrame(), cleans={"snap-a": Clean("2026-07-02")},
                        meta={"presets": presets, "code": {"git_commit": "abc123"}}, methods=by_row_name())


def test_the_preset_rule_marks_one_primary_entry_with_where_it_comes_from():
    numbers = headline(inputs())
    primary = [e for e in numbers["entries"] if e["primary"]]
    # before step 15: no entry had "primary", "preset", "quality_window" or the commit
    assert [e["trend_id"] for e in primary] == ["h-lowest_provider"]
    entry = primary[0]
    assert {k: entry[k] for k in ("preset", "snapshot", "subset", "price_type", "ci_method")} == {
        "preset": "preset-a", "snapshot": "snap-a", "subset": "open", "price_type": "blended", "ci_method": "ols"}
    assert entry["quality_window"] == {"measure": "mmlu_pro", "start": "2024-04-23", "end": "2026-01-04"}
    assert numbers["code_commit"] == "abc123" and numbers["primary_rule"]["preset"] == "futuretech-2025"
    assert all(e["primary"] is False for e in numbers["entries"] if e["trend_id"] != "h-lowest_provider")


def test_the_primary_sentence_has_the_estimate_its_interval_window_caveat_and_rule():
    numbers = headline(inputs())
    text = primary_sentence(numbers)
    assert text.startswith("**Primary estimate**: typical model (hedonic regression")
    assert "**2.64x cheaper per year** (90% interval 1.38-5.05)" in text
    assert "on models released 2024-04-23 to 2026-01-04 (the releases scored on MMLU-Pro)" in text
    assert "prices observed up to 2026-07-02" in text
    # 2026-01-04 to 2026-07-02: 179 days = 5.9 months, more than the 3 months the first screen lets pass silently
    assert "Caveat: the quality scores end 5.9 mo before the prices" in text
    assert "Why this one: the method least exposed to selection (the rule of preset `futuretech-2025`)" in text
    assert headline_lines(numbers)[0] == primary_sentence(numbers, markdown=False)
    recent = primary_sentence(headline(inputs(window_end="2026-05-01")))  # 2 months: the general caveat instead
    assert "quality scores end" not in recent and "not a price index" in recent


def test_without_a_rule_there_is_no_primary_and_a_rule_never_picks_a_range():
    assert primary_sentence(headline(inputs(rule=None))) is None
    assert not any(e["primary"] for e in headline(inputs(rule=None))["entries"])
    undercovering = inputs()
    undercovering.diagnostics = pd.DataFrame({"trend_id": ["h-lowest_provider"], "coverage_ols": [0.30]})
    text = primary_sentence(headline(undercovering))  # its interval covers 30% in simulation: a range, never bold
    assert "2.64x cheaper per year (range 1.38-5.05)" in text and "**2.64x" not in text


# --- step 15, point 3: record lows the selection alone explains ---------------------------------------------------
def test_a_record_low_the_selection_explains_says_what_the_selection_alone_gives():
    from tasks.methods.frontier_report import selection_alone
    from tasks.reporting.format import answer_cell

    bands = [trend(trend_id=f"b{i}", band_low=low, band_high=low + 20.0, factor_per_year=factor, ci_low=factor / 3,
                   ci_high=factor * 3, n=6, null_median_factor=null)
             for i, (low, factor, null) in enumerate(((30.0, 20.0, 4.0), (50.0, 40.0, 9.0)))]
    geo = trend(trend_id="g", method="frontier_geomean", band_low=None, band_high=None, ci_method="bootstrap",
                factor_per_year=28.3, ci_low=5.0, ci_high=90.0, n=12)
    report = ReportInputs(trends=trends_frame([*bands, geo]), diagnostics=pd.DataFrame(), cleans={}, meta={},
                          methods=by_row_name())
    rows = report.trends.set_index("trend_id", drop=False)
    # the geometric mean of the bands' null medians: sqrt(4 x 9) = 6, inside 5-90: the selection explains it
    assert selection_alone(report, rows.loc["g"]) == {"selection_alone": pytest.approx(6.0), "selection_explains": True}
    # a band whose null median (4) lies below its interval (6.67-60) and whose coverage is unknown: not explained
    assert selection_alone(report, rows.loc["b0"])["selection_explains"] is False
    entry = {"status": "ok", "factor_per_year": 28.3, "ci_low": 5.0, "ci_high": 90.0, "interval": "5.00-90.0",
             "interval_is_range": False, "selection_alone": 6.0, "selection_explains": True}
    cell = answer_cell(entry)
    # before step 15: "**28.3x** [5.00-90.0]; ..." in bold, as if the selection had nothing to do with it
    assert cell.startswith("28.3x per year, of which the selection alone gives 6.00x [5.00-90.0]")
    assert "**" not in cell
    assert answer_cell({**entry, "selection_explains": False}).startswith("**28.3x** [5.00-90.0]")


# --- step 15, point 8: a definition equal to another is not a third one ---------------------------------------
def test_a_price_definition_equal_to_another_is_said_once():
    base = inputs()
    twin = base.trends[base.trends["price_source"] == "lowest_provider"].assign(
        price_source="first_observed", trend_id=lambda t: t["trend_id"] + "-fo")
    base.trends = pd.concat([base.trends, twin], ignore_index=True)
    numbers = headline(base)
    # before: first_observed listed as a third definition with the very numbers of lowest_provider
    assert numbers["same_as"] == {"first_observed": "lowest_provider"}
    assert not any(e["price_source"] == "first_observed" for e in numbers["entries"])


def test_the_first_screen_warns_only_when_the_quality_data_end_over_3_months_before_the_prices():
    from tasks.render.answer import answer_section
    from tasks.reporting.document import Document

    def texts(report: ReportInputs) -> str:
        doc = Document("t")
        answer_section(doc, report, headline(report), [])
        return " ".join(str(b.text) for b in doc.blocks if b.kind == "text")

    # 2026-01-04 to 2026-07-02: 5.9 months; 2026-05-01 to 2026-07-02: 2.0 months
    assert "**Warning: the quality data end 5.9 mo before the prices.** The last model scored on MMLU-Pro was " \
           "released on 2026-01-04" in texts(inputs())
    assert "Warning" not in texts(inputs(window_end="2026-05-01"))


def test_a_mean_of_short_span_bands_gets_its_bands_coverage_and_selection_check():
    """futuretech-2025-07, open, lowest_reported: every band short span, so the mean averages them all (its note says
    which) and is itself short span. Before: its members were the informative bands only - none - so the first
    screen printed "9.06x (short span) [4.44-72.4]" as an interval, though its bands' intervals cover 0-9% in
    simulation and the null medians (6.0, 4.9, 5.6x) lie inside it."""
    from tasks.methods.frontier_report import coverage, selection_alone
    from tasks.trends.geomean import AVERAGED

    bands = [trend(trend_id=f"b{i}", band_low=low, band_high=low + 20.0, factor_per_year=factor, ci_low=factor / 5,
                   ci_high=factor * 9, n=5, null_median_factor=null, status="short_span")
             for i, (low, factor, null) in enumerate(((30.0, 7.13, 6.04), (50.0, 11.9, 4.92), (70.0, 8.77, 5.63)))]
    geo = trend(trend_id="g", method="frontier_geomean", band_low=None, band_high=None, ci_method="bootstrap",
                factor_per_year=9.06, ci_low=4.44, ci_high=72.4, n=14, status="short_span",
                note=f"{AVERAGED} [30, 50], [50, 70], [70, 90]")
    diagnostics = pd.DataFrame({"trend_id": ["b0", "b1", "b2"], "coverage_bootstrap": [0.03, 0.094, 0.0],
                                "coverage_bootstrap_error": [0.029, 0.042, 0.003]})
    report = ReportInputs(trends=trends_frame([*bands, geo]), diagnostics=diagnostics, cleans={}, meta={},
                          methods=by_row_name())
    row = report.trends.set_index("trend_id", drop=False).loc["g"]
    simulated = coverage(report, row)
    assert (simulated.low, simulated.high, simulated.is_range) == (0.0, 0.094, True)
    found = selection_alone(report, row)
    assert found["selection_alone"] == pytest.approx((6.04 * 4.92 * 5.63) ** (1 / 3))
    assert found["selection_explains"] is True


def test_with_several_presets_the_answer_is_the_rule_presets():
    # step 16: capability beside futuretech-2025; the rule is capability's, and futuretech-2025's rows come first
    base = inputs()
    frame = base.trends.assign(preset="futuretech-2025")
    other = frame.assign(preset="capability", quality_measure="capability", band_low=120.0, band_high=155.0,
                         trend_id=frame["trend_id"] + "-cap", factor_per_year=frame["factor_per_year"] * 0.7)
    other.loc[other["method"] == "hedonic", "controls"] = "capability"
    presets = [{"name": "capability", "answer": RULE}, {"name": "futuretech-2025", "answer": RULE}]
    report = ReportInputs(trends=pd.concat([frame, other], ignore_index=True), diagnostics=pd.DataFrame(),
                          cleans=base.cleans, meta={**base.meta, "presets": presets}, methods=base.methods)
    numbers = headline(report)
    assert [e["trend_id"] for e in numbers["entries"] if e["primary"]] == ["h-lowest_provider-cap"]
    assert {e["preset"] for e in numbers["entries"] if e["kind"] in ("hedonic", "frontier")} == {"capability"}
    # the sentence names the capability regression, not MMLU-Pro's (its label was MMLU-Pro's whatever the measure)
    sentence = primary_sentence(numbers)
    assert "capability (IRT) 120-155; controls: capability (IRT)" in sentence and "MMLU-Pro" not in sentence
