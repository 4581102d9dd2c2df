"""Step 10: numbers that do not mislead. One test (or more) per defect of the referee's read, each with the number
it produced before and what it gives now."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tasks.data.clean import StaleCorrection, apply_corrections, dearer_than_headline, read_corrections
from tasks.data.first_observed import first_observed
from tasks.data.quantities import at_precision
from tasks.trends import (Estimate, OBSERVED_AT_RELEASE, Sample, TrendFit, TrendSpec, hardware_adjusted,
                          judge, uninformative_reason)
from tasks.methods.frontier import frontier_candidates
from tasks.methods.frontier import fit as fit_frontier
from tests.test_frontier import analysis, records, spec

ROOT = Path(__file__).resolve().parents[1]


# --- 1. a documented correction that no longer matches stops the run; a condition says what is wrong -------------
def _models(date: str) -> pd.DataFrame:
    return pd.DataFrame({"model_id": ["phi-4-mini", "other"], "release_date": pd.to_datetime([date, "2024-05-01"]),
                         "total_params_b": [3.8, 7.0], "active_params_b": [3.8, 7.0]})


def test_a_condition_correction_applies_to_every_form_of_the_error(tmp_path):
    corrections = read_corrections(ROOT / "data" / "corrections.csv")
    # before: old = 2024-02-01 met AA's 2024-02-26 and logged value_differs, leaving the wrong date in the fit
    for wrong in ("2024-02-01", "2024-02-26"):
        fixed, log = apply_corrections(_models(wrong), corrections, enabled=True)
        assert fixed.loc[fixed.model_id == "phi-4-mini", "release_date"].iloc[0] == pd.Timestamp("2025-02-01")
        assert log.loc[log.model_id == "phi-4-mini", "status"].iloc[0] == "applied"
    fixed, log = apply_corrections(_models("2025-02-01"), corrections, enabled=True)
    assert log.loc[log.model_id == "phi-4-mini", "status"].iloc[0] == "already_correct"


def test_a_plain_correction_that_no_longer_matches_stops_the_run(tmp_path):
    path = tmp_path / "corrections.csv"
    path.write_text("model_id,field,old,new,reason,source\n"
                    "phi-4-mini,release_date,2024-02-01,2025-02-01,wrong year,Microsoft blog\n")
    with pytest.raises(StaleCorrection, match=r"corrections.csv, row 1: the correction of phi-4-mini release_date "
                                              r"no longer matches the data: it expects '2024-02-01'.*found '2024-02-26'"):
        apply_corrections(_models("2024-02-26"), read_corrections(path), enabled=True)


def test_a_condition_is_for_dates_and_numbers_only(tmp_path):
    path = tmp_path / "corrections.csv"
    path.write_text("model_id,field,old,new,reason,source\nx,name,<b,c,why,src\n")
    # the rule itself must be what refuses the row (any other ValueError, e.g. 'name' not correctable, would pass)
    with pytest.raises(ValueError, match=r"row 1, column old: a condition \('<b'\) applies to dates and numbers only"):
        read_corrections(path)
    path.write_text("model_id,field,old,new,reason,source\nx,release_date,<2024-01-01,2025-01-01,why,src\n")
    assert read_corrections(path)["old"].tolist() == ["<2024-01-01"]  # ... which a date accepts


# --- 2. floating-point noise no longer decides record lows -------------------------------------------------------
def test_prices_equal_at_twelve_digits_tie():
    assert at_precision([0.15000000000000002])[0] == at_precision([0.15])[0]
    assert at_precision([1234.5678901234567, -0.00012345678901234, 0.0, np.nan])[:3].tolist() == \
        [1234.56789012, -0.000123456789012, 0.0]
    # before: 0.15000000000000002 was not "equal" to the running minimum 0.15, so Llama 4 Scout was no record
    # (39.0x instead of 37.7x in the open [70, 90] band of aa-2026-07)
    frame = analysis([("a", "2024-01-01", 0.3, 0.4, True), ("b", "2024-06-01", 0.15, 0.4, True),
                      ("c", "2024-09-01", 0.1 + 0.05000000000000002, 0.4, True), ("d", "2025-03-01", 0.1, 0.4, True)])
    assert frame.loc[2, "blended_usd_per_mtok"] != 0.15
    assert records(fit_frontier(frame, spec())) == ["a", "b", "c", "d"]


# --- 4. estimates that carry no information are marked so -------------------------------------------------------
def _estimate(first: str, last: str, low: float, high: float, status: str = "ok") -> Estimate:
    return Estimate("ols", "ols", status, Sample(4, 10, pd.Timestamp(first), pd.Timestamp(last)), factor=10.0,
                    ci_low=low, ci_high=high, ci_level=0.9, slope=-0.001, log_base="10")


def test_the_uninformative_rule():
    # GPQA >= Claude Opus 4.6 before: 62,992,014x from 4 points over 50 days, status ok
    # step 15 point 4: before, one status "uninformative" for both reasons; now each reason its own status
    status, note = uninformative_reason(_estimate("2026-01-01", "2026-02-20", 2.0, 5.0))
    assert status == "short_span" and note == "short span: its points span 50 days, under 12 months"
    assert uninformative_reason(_estimate("2024-01-01", "2025-01-01", 2.0, 5.0)) is None  # 366 days, narrow
    status, note = uninformative_reason(_estimate("2023-01-01", "2025-01-01", 1.0, 1001.0))
    assert status == "wide_interval" and note.startswith("wide interval: ") and "1,001-fold" in note
    # both: the short span is named (checked first)
    assert uninformative_reason(_estimate("2026-01-01", "2026-02-20", 1.0, 1001.0))[0] == "short_span"
    assert uninformative_reason(_estimate("2023-01-01", "2025-01-01", 1.0, 999.0)) is None
    assert uninformative_reason(_estimate("2023-01-01", "2023-02-01", 1.0, 2.0, "insufficient")) is None


def test_judge_marks_every_row_of_a_trend_and_counts_months_since_the_last_point():
    s = TrendSpec(snapshot="s", preset="p", method="frontier", subset="open", quality_measure="mmlu_pro",
                  band_low=30, band_high=50, quantity="price", price_type="blended", price_source="lowest_provider")
    fit = TrendFit(s, [_estimate("2024-01-01", "2024-09-25", 2.0, 5.0),
                       _estimate("2024-01-01", "2024-09-25", 1.0, 9.0).replace(ci_method="bootstrap")],
                   pd.DataFrame())
    judged = judge(fit, as_of=pd.Timestamp("2026-07-02"))
    assert [e.status for e in judged.estimates] == ["short_span", "short_span"]
    # the open [30, 50] band of aa-2026-07: last record 2024-09-25, 21 months before the snapshot's latest price
    assert {e.months_since_last for e in judged.estimates} == {21.2}
    assert all(e.note.startswith("short span: its points span 268 days") for e in judged.estimates)


# --- 6, 7. the typical model beside the cheapest; one set of weights, one point ----------------------------------
def test_typical_variant_is_the_ols_over_every_model_of_the_band():
    """Every model of the band, with its score as a control (step 15: the band's mean score drifts)."""
    rows = [("a", "2024-01-01", 4.0, 0.4, True), ("b", "2024-03-01", 6.0, 0.45, True),
            ("c", "2024-06-01", 2.0, 0.35, True), ("d", "2024-09-01", 3.0, 0.4, True),
            ("e", "2025-01-01", 1.0, 0.42, True), ("f", "2025-02-01", 9.0, 0.6, True)]  # f: outside the band
    result = fit_frontier(analysis(rows), spec(variant="typical", subset="open"))
    frame = analysis(rows)[:5]
    x = (frame["release_date"] - pd.Timestamp("1970-01-01")).dt.days.to_numpy(float)
    design = np.column_stack([np.ones(5), x, frame["score_mmlu_pro"]])
    slope = np.linalg.lstsq(design, np.log10(frame["blended_usd_per_mtok"]), rcond=None)[0][1]
    row = result.rows.iloc[0]
    assert row.n == 5 and row.factor_per_year == pytest.approx(10 ** (-slope * 365.25))


def test_reasoning_effort_variants_of_one_model_are_one_point():
    frame = analysis([("m-1", "2024-01-01", 4.0, 0.75, True),
                      ("gpt-oss-20b-high", "2024-08-05", 0.10, 0.75, True),
                      ("gpt-oss-20b-low", "2024-08-05", 0.10, 0.72, True),
                      ("m-3", "2025-06-01", 0.05, 0.80, True)])
    one = spec(band_low=70, band_high=90)
    # before: both variants were records (two points for one set of weights)
    assert records(fit_frontier(frame, one.model_copy(update={"one_per_weights": False}))) == \
        ["m-1", "gpt-oss-20b-high", "gpt-oss-20b-low", "m-3"]
    kept = frontier_candidates(frame, one)["model_id"].tolist()
    assert kept == ["m-1", "gpt-oss-20b-high", "m-3"]  # the cheaper variant (tie: the first by id)
    assert records(fit_frontier(frame, one)) == ["m-1", "gpt-oss-20b-high", "m-3"]


# --- 10. today's prices make old models look dear ----------------------------------------------------------------
def _priced(source: str, price: float, model: str = "llama-3-1-405b", observed: str = "2026-07-02") -> dict:
    return {"model_id": model, "name": model.upper(), "price_source": source, "observed_on": pd.Timestamp(observed),
            "blended_usd_per_mtok": price, "source": "aa/x.json", "release_date": pd.Timestamp("2024-07-23")}


def test_a_lowest_price_above_the_headline_is_a_warning():
    # Llama 3.1 405B in aa-2026-07: lowest provider $8.00, AA's headline $3.69
    frame = pd.DataFrame([_priced("lowest_provider", 8.0), _priced("aa_headline", 3.69),
                          _priced("lowest_provider", 0.2, "cheap"), _priced("aa_headline", 0.3, "cheap")])
    warnings = dearer_than_headline(frame)
    assert list(warnings["model_name"]) == ["LLAMA-3-1-405B"] and "$8 per 1M tokens" in warnings["rule"].iloc[0]
    assert "headline price ($3.69)" in warnings["rule"].iloc[0]


def test_first_observed_takes_the_earliest_snapshots_price_by_id_or_unambiguous_name():
    columns = ["model_id", "name", "price_source", "observed_on", "input_usd_per_mtok", "output_usd_per_mtok",
               "blended_usd_per_mtok", "blended_computed", "source", "release_date"]

    def table(rows):
        frame = pd.DataFrame([{**r, "input_usd_per_mtok": r["blended_usd_per_mtok"],
                               "output_usd_per_mtok": r["blended_usd_per_mtok"], "blended_computed": False}
                              for r in rows])
        return frame[columns]

    now = table([_priced("lowest_provider", 8.0), _priced("lowest_provider", 0.5, "new-model"),
                 _priced("lowest_provider", 0.9, "renamed-id")])
    now.loc[2, "name"] = "Mixtral 8x7B"
    then = table([_priced("lowest_reported", 0.8, observed="2025-07-01"),
                  _priced("lowest_reported", 0.12, "mixtral-8x7b-instruct", observed="2025-07-01")])
    then.loc[1, "name"] = "Mixtral 8x7B"
    rows = first_observed(now, [then]).set_index("model_id")
    assert rows.at["llama-3-1-405b", "blended_usd_per_mtok"] == 0.8  # by id: the 2025 file's $0.80, not $8.00
    assert rows.at["renamed-id", "blended_usd_per_mtok"] == 0.12  # by unambiguous name
    assert rows.at["new-model", "blended_usd_per_mtok"] == 0.5  # first seen now: today's price
    assert set(rows["price_source"]) == {"first_observed"}
    # no earlier snapshot shares a name or an id (before: a KeyError on the empty match)
    alone = first_observed(now, [table([_priced("lowest_reported", 1.0, "unrelated", "2025-07-01")])])
    assert sorted(alone["model_id"]) == ["llama-3-1-405b", "new-model", "renamed-id"]


# --- 11. hardware adjustment only where it applies ----------------------------------------------------------------
def test_hardware_adjustment_only_for_prices_observed_at_release():
    base = dict(snapshot="s", preset="p", method="frontier", subset="open", quality_measure="mmlu_pro",
                band_low=30, band_high=50, quantity="price", price_type="blended", hardware_factor=1.4)
    assert hardware_adjusted(TrendSpec(**base, price_source="source_price"), 14.0) == pytest.approx(10.0)
    for source in ("lowest_provider", "lowest_reported", "aa_headline", "first_observed"):
        # before: 14.0 / 1.4 on a same-date snapshot, counting hardware twice
        assert hardware_adjusted(TrendSpec(**base, price_source=source), 14.0) is None
    assert "first_observed" not in OBSERVED_AT_RELEASE


# --- 5. p-values over the usable shuffles (step 15, point 7) -----------------------------------------------------
def test_the_null_p_value_is_never_zero():
    frame = analysis([(f"m{i}", f"2023-{i + 1:02d}-01", 10.0 / (i + 1) ** 2, 0.4, True) for i in range(10)])
    result = fit_frontier(frame, spec(permutations=199, seed=1))
    row, usable = result.rows.iloc[0], result.diagnostics.null_valid
    assert row.null_p_value >= 1 / (usable + 1)
    assert (row.null_p_value * (usable + 1)) == pytest.approx(round(row.null_p_value * (usable + 1)))


def test_the_null_p_value_by_hand_leaves_out_the_unusable_shuffles():
    from tasks.core.uncertainty import null_p_value
    # seven shuffles, three without a slope (too few records: NaN); observed 3x. Usable: 5, 1, 3, 2 -> N = 4, of
    # which b = 2 (5 and 3) are at least 3x: p = (2 + 1) / (4 + 1) = 0.6. Before: (2 + 1) / (7 + 1) = 0.375, the
    # unusable shuffles counted as less extreme than the observed trend.
    null = np.array([np.nan, 5.0, 1.0, np.nan, 3.0, 2.0, np.nan])
    assert null_p_value(null, 3.0) == pytest.approx(0.6, abs=1e-15)
    assert null_p_value(null, 3.0 * (1 + 1e-13)) == pytest.approx(0.6, abs=1e-15)  # the observed one, as computed
    assert null_p_value(null, 6.0) == pytest.approx(1 / 5, abs=1e-15)  # never 0
    assert null_p_value(np.array([np.nan, np.nan]), 3.0) is None


def test_the_frontier_null_p_value_is_over_the_usable_shuffles():
    # five models, three records needed: many shuffles put a cheap model early and leave fewer than three records
    frame = analysis([("a", "2023-01-01", 9.0, 0.4, True), ("b", "2023-03-01", 7.0, 0.4, True),
                      ("c", "2023-05-01", 8.0, 0.4, True), ("d", "2023-07-01", 2.0, 0.4, True),
                      ("e", "2023-09-01", 1.0, 0.4, True)])
    result = fit_frontier(frame, spec(permutations=400, seed=5, min_points=3))
    row, diagnostics = result.rows.iloc[0], result.diagnostics
    null = result.replicates.loc[result.replicates["kind"] == "null", "slope_per_day"].to_numpy()
    factors = 10.0 ** (-null * 365.25)
    usable = factors[np.isfinite(factors)]
    assert diagnostics.null_total == 400 and 0 < diagnostics.null_valid == len(usable) < 400
    b = int(np.sum(usable >= row.factor_per_year * (1 - 1e-12)))
    # before: (b + 1) / (400 + 1), every unusable shuffle counted as "not at least as fast"
    assert row.null_p_value == pytest.approx((b + 1) / (len(usable) + 1), rel=1e-12)
    assert row.null_p_value != pytest.approx((b + 1) / 401, rel=1e-6)


def test_the_definitions_say_the_p_value_is_over_the_usable_shuffles():
    from tasks.reporting.document import Document
    from tasks.render.report import definitions_section

    doc = Document("t")
    definitions_section(doc)
    text = " ".join(str(item) for block in doc.blocks for item in block.items)
    # before: "(p = (b + 1) / (N + 1) over every shuffle)"
    assert "(p = (b + 1) / (N + 1) over the N usable shuffles" in text and "over every shuffle" not in text


def test_the_definitions_state_the_caps():
    from tasks.reporting.document import Document
    from tasks.render.report import definitions_section

    doc = Document("t")
    definitions_section(doc)
    text = " ".join(str(item) for block in doc.blocks for item in block.items)
    assert "A factor above 1000x prints as > 1000x, one below 0.001x as < 0.001x" in text  # before: no cap
    # step 15, 8b: the months at the ends of the interval (before: not printed, not defined)
    assert "in parentheses after *10x in*, the same at the ends of the factor's interval" in text


# --- 3, 5, 12 in the report: each price definition side by side; ranges; months since the last point ------------
@pytest.fixture(scope="module")
def report_inputs():
    from tasks.reporting.format import ReportInputs
    from tasks.methods import by_row_name

    def row(trend_id, method, source, factor, low, high, status="ok", variant=None, band=(30, 50), months=None,
            note=None):
        return {"trend_id": trend_id, "snapshot": "s", "preset": "p", "method": method, "subset": "open",
                "quality_measure": "mmlu_pro", "band_low": band[0] if method == "frontier" else None,
                "band_high": band[1] if method == "frontier" else None, "threshold_model": None,
                "quantity": "price", "price_type": "blended", "price_source": source, "controls": "mmlu_pro"
                if method == "hedonic" else None, "variant": variant, "estimator": "ols",
                "ci_method": "bootstrap" if method == "frontier_geomean" else "ols", "factor_per_year": factor,
                "ci_low": low, "ci_high": high, "ci_level": 0.9, "n": 6, "status": status,
                "months_since_last": months, "note": note, "null_p_value": None, "loo_min_factor": None,
                "loo_max_factor": None, "tie_order_min_factor": None, "tie_order_max_factor": None}

    trends = pd.DataFrame([
        row("h1", "hedonic", "lowest_provider", 2.64, 1.38, 5.05),
        row("h2", "hedonic", "aa_headline", 4.28, 2.31, 7.94),
        row("f1", "frontier", "lowest_provider", 86.6, 2.3, 3261, "short_span", months=21.2),
        row("f2", "frontier", "lowest_provider", 34.8, 6.54, 185, band=(50, 70), months=14.0),
        row("f3", "frontier", "lowest_provider", 51.9, 5.31, 508, band=(70, 90)),
        row("g1", "frontier_geomean", "lowest_provider", 42.5, 11.0, 125,
            note="band(s) [30, 50] left out (short span); mean of the log slopes of bands [50, 70], [70, 90]"),
        row("g2", "frontier_geomean", "aa_headline", 6.69, 4.28, 16.7),
    ])
    diagnostics = pd.DataFrame({"trend_id": ["f2", "f3"], "coverage_ols": [0.58, 0.22],
                                "coverage_bootstrap": [0.50, 0.01]})
    return ReportInputs(trends=trends, diagnostics=diagnostics, cleans={}, meta={}, methods=by_row_name())


def test_every_price_definition_side_by_side_and_ranges_never_bold(report_inputs):
    from tasks.reporting.format import flags, interval_text

    by_id = report_inputs.trends.set_index("trend_id", drop=False)
    # before: "**47.7x** [..] (90% bootstrap interval)" in bold; now a range with the bands' simulated coverage
    assert interval_text(report_inputs, by_id.loc["g1"]) == \
        "range 11.0-125 (its bands' intervals cover 1-50% in simulation)"
    assert interval_text(report_inputs, by_id.loc["f2"]) == "range 6.54-185 (covers 58% in simulation)"
    assert interval_text(report_inputs, by_id.loc["h1"]) == "1.38-5.05"
    assert flags(report_inputs, by_id.loc["f1"]) == "short span, stalled 21 mo"
    assert flags(report_inputs, by_id.loc["f2"]) == "range, stalled 14 mo"


def test_the_answer_cells(report_inputs):
    from tasks.render.answer import headline_lines
    from tasks.reporting.format import answer_cell as _answer_cell

    entries = [
        {"kind": "hedonic", "price_source": "lowest_provider", "status": "ok", "factor_per_year": 2.64,
         "ci_low": 1.38, "ci_high": 5.05, "interval": "1.38-5.05", "interval_is_range": False,
         "months_to_10x": 28.4},
        {"kind": "frontier", "price_source": "lowest_provider", "status": "ok", "factor_per_year": 42.5,
         "ci_low": 11.0, "ci_high": 125.0, "interval": "range 11.0-125 (its bands' intervals cover 1-50% in "
         "simulation)", "interval_is_range": True, "left_out": "[30, 50]", "left_out_why": "short span",
         "months_to_10x": 7.4},
        {"kind": "frontier", "price_source": "aa_headline", "status": "wide_interval", "factor_per_year": 38.0,
         "ci_low": 9.99, "ci_high": 86.4, "interval": "9.99-86.4", "interval_is_range": False},
    ]
    assert str(_answer_cell(entries[0])).startswith("**2.64x** [1.38-5.05]; halves in 8.6 mo, 10x in 28 mo")
    cell = str(_answer_cell(entries[1]))
    assert not cell.startswith("**") and "range 11.0-125 (its bands' intervals cover 1-50% in simulation)" in cell
    assert cell.endswith("band \\[30, 50\\] left out (short span)")
    assert str(_answer_cell(entries[2])).startswith("38.0x (wide interval) [9.99-86.4]")
    lines = headline_lines({"snapshot": "aa-2026-07", "observed_on": "2026-07-02", "entries": entries})
    assert "    lowest_provider  2.64x 90% 1.38-5.05, 10x in 28 mo (17-86)" in lines  # step 15: with the interval's
    assert "    lowest_provider  42.5x range 11.0-125, 10x in 7.4 mo (5.7-12)" in lines
    assert "    aa_headline      38.0x (wide interval) 90% 9.99-86.4" in lines


# --- step 15, point 8a: factors beyond any sense are capped in text, exact in the CSV and JSON outputs -----------
def test_text_caps_factors_above_1000_and_below_0_001():
    from tasks.core.vocabulary import fmt_factor, fmt_factor_with_interval, fmt_interval

    # before: "62,992,014" and "0.0003-13,231,149,111,973,994,496" (a threshold row of aa-2026-07)
    assert fmt_factor(62_992_014.0) == "> 1000" and fmt_factor(0.0003) == "< 0.001"
    assert fmt_interval(0.0003, 13_231_149_111_973_994_496.0) == "< 0.001 to > 1000"
    assert fmt_interval(2.30, 3261.0) == "2.30 to > 1000" and fmt_interval(0.0004, 5.05) == "< 0.001 to 5.05"
    assert fmt_interval(55_254.0, 10_848_123_354.0) == "> 1000"  # the whole interval above the cap
    assert fmt_factor_with_interval(62_992_014.0, 0.0003, 1.3e19) == "> 1000x / year [< 0.001 to > 1000]"
    # inside the caps nothing changes, the caps themselves included
    assert [fmt_factor(v) for v in (1000.0, 999.0, 0.001, 0.0037, 86.6)] == ["1,000", "999", "0.001", "0.0037", "86.6"]
    assert fmt_interval(1.38, 5.05) == "1.38-5.05" and fmt_factor(float("inf")) == "> 1000"
    assert fmt_factor(None) == "-" and fmt_interval(None, 3.0) == "-"
    from tasks.reporting import figures  # figures are out of this: every digit (a log axis shows the scale)
    assert figures.fmt_factor(62_992_014.0) == "62,992,014" and figures.fmt_interval(2.30, 3261.0) == "2.30-3,261"
    from tasks.render.published import fmt_value
    assert fmt_value((2.30, 3261.0)) == "2.30 to > 1000" and fmt_value(62_992_014.0) == "> 1000"  # a published range


def test_the_report_row_and_the_answer_cap_while_headline_json_keeps_the_exact_numbers():
    from tasks.render.answer import headline, headline_lines
    from tasks.reporting.format import ReportInputs, answer_cell, factor_text, interval_text
    from tasks.methods import by_row_name

    factor, low, high = 62_992_014.25, 0.000_312_5, 13_231_149_111_973_994_496.0
    row = {"trend_id": "h9", "snapshot": "s", "preset": "p", "method": "hedonic", "subset": "open",
           "quality_measure": "mmlu_pro", "band_low": 40.0, "band_high": 70.0, "threshold_model": None,
           "quantity": "price", "price_type": "blended", "price_source": "lowest_provider", "controls": "mmlu_pro",
           "variant": None, "estimator": "ols", "ci_method": "ols", "factor_per_year": factor, "ci_low": low,
           "ci_high": high, "ci_level": 0.9, "n": 4, "status": "wide_interval", "months_since_last": None,
           "note": None, "null_p_value": None, "loo_min_factor": None, "loo_max_factor": None,
           "tie_order_min_factor": None, "tie_order_max_factor": None}
    inputs = ReportInputs(trends=pd.DataFrame([row]), diagnostics=pd.DataFrame({"trend_id": []}), cleans={},
                          meta={}, methods=by_row_name())
    series = inputs.trends.iloc[0]
    assert str(factor_text(series)) == "> 1000x (wide interval)"
    assert interval_text(inputs, series) == "< 0.001 to > 1000"
    numbers = headline(inputs)
    entry = next(e for e in numbers["entries"] if e["trend_id"] == "h9")
    # the JSON keeps every digit; only its text field (what the report prints) is capped
    assert (entry["factor_per_year"], entry["ci_low"], entry["ci_high"]) == (factor, low, high)
    assert entry["interval"] == "< 0.001 to > 1000"
    assert str(answer_cell(entry)).startswith("> 1000x (wide interval) [< 0.001 to > 1000]")
    assert any(line.strip().startswith("lowest_provider  > 1000x (wide interval) 90% < 0.001 to > 1000")
               for line in headline_lines(numbers))


# --- step 15, point 8b: the time to fall 10-fold gets the months at the ends of the factor's interval --------------
def _tenfold(factor: float) -> float:
    return 12 * math.log(10) / math.log(factor)


def test_ten_fold_in_months_with_its_interval():
    from tasks.reporting.format import answer_cell, months_interval, tenfold_text, time_text

    # 4.28x [2.31-7.94]: 19 months, 12 ln 10 / ln 7.94 = 13.3 (the faster end) to 12 ln 10 / ln 2.31 = 33.0
    assert f"{_tenfold(7.94):.1f} {_tenfold(2.31):.1f}" == "13.3 33.0"
    assert tenfold_text(4.28, 2.31, 7.94) == "19 mo (13-33)"  # before: "19 mo"
    assert months_interval(2.31, 7.94, 10) == "13-33"
    # an interval that includes 1x (no decline excluded): that end never gets 10x cheaper
    assert f"{_tenfold(1.95):.1f} {_tenfold(9.18):.1f}" == "41.4 12.5"
    assert tenfold_text(1.95, 0.41, 9.18) == "41 mo (12 to never)"
    assert months_interval(0.2, 0.9, 10) == "never" and tenfold_text(2.0, None, 3.0) == f"{_tenfold(2.0):.0f} mo"
    assert tenfold_text(0.8, 0.5, 1.2) is None  # a factor that does not fall has no time to fall
    row = pd.Series({"status": "ok", "factor_per_year": 4.28, "ci_low": 2.31, "ci_high": 7.94})
    assert time_text(row) == f"{12 * math.log(2) / math.log(4.28):.1f} / 19 mo (13-33)"  # before: "5.7 / 19 mo"
    entry = {"status": "ok", "factor_per_year": 1.95, "ci_low": 0.41, "ci_high": 9.18, "interval": "0.41-9.18",
             "interval_is_range": False}
    assert str(answer_cell(entry)) == "**1.95x** [0.41-9.18]; halves in 12 mo, 10x in 41 mo (12 to never)"
