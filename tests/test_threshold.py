"""Epoch AI's threshold method: the thresholds, the strictly-cheaper walk, the same-day rule and the fit on toy cases
with hand-computed answers; the plan; and the 21 trends Epoch published, reproduced on its own data.

Epoch's published numbers are read from the preset's [[published]] entries (copied from Epoch's results file); the
points of its MMLU-from-GPT-3 trend are copied from its ``lowest_price_models_data.csv``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from schemas.analysis import SCORE_COLUMNS
from tasks.data.canonical import read_snapshot
from tasks.data.clean import clean, read_corrections
from tasks.study.plan import available_measures, available_price_sources, plan_trends
from tasks.study.presets import Preset, load_preset
from tasks.methods.threshold import ThresholdSection as ThresholdPreset
from tasks.files.settings import PROJECT_ROOT, corrections_file
from tasks.methods.threshold import find_thresholds, fit as fit_threshold, observations, walk
from tasks.trends import TrendSpec

SNAPSHOTS = PROJECT_ROOT / "data" / "snapshots"


def analysis(rows, benchmark: str = "mmlu", source: str = "source_price") -> pd.DataFrame:
    """rows: (model_id, release_date, price, score, reasoning[, observed_on]); one row per price observation."""
    records = []
    for row in rows:
        model_id, released, price, score, reasoning = row[:5]
        observed = row[5] if len(row) > 5 else released
        records.append(dict(model_id=model_id, name=model_id.upper(), release_date=pd.Timestamp(released),
                            observed_on=pd.Timestamp(observed), blended_usd_per_mtok=price,
                            reasoning=reasoning, open_weights=None, price_source=source,
                            **{f"score_{benchmark}": score}))
    frame = pd.DataFrame(records)
    for column in SCORE_COLUMNS:
        if column not in frame:
            frame[column] = np.nan
    frame["reasoning"] = frame["reasoning"].astype("boolean")
    return frame


def spec(**overrides) -> TrendSpec:
    values = dict(snapshot="toy", preset="test", method="threshold", subset="all", quality_measure="mmlu",
                  band_low=40, band_high=100, threshold_model="A", quantity="price", price_type="blended",
                  price_source="source_price", band_edges="half_open", min_points=2, ci_level=0.9, log_base="10",
                  exclude_reasoning=True)
    values.update(overrides)
    return TrendSpec(**values)


def kept(result) -> list[tuple[str, str]]:
    points = result.points[result.points.is_record.astype(bool)]
    return [(r.model_id, r.release_date.date().isoformat()) for r in points.sort_values("release_date").itertuples()]


# --- thresholds ------------------------------------------------------------------------------------------------
def thresholds(frame, benchmark="mmlu", minimum=None, exclude_reasoning=True):
    obs = observations(frame, benchmark, "source_price", exclude_reasoning=exclude_reasoning)
    found = find_thresholds(obs, benchmark, minimum)
    return list(zip(found.model_id, found.band_low))


def test_thresholds_are_the_running_best():
    frame = analysis([
        ("a", "2024-01-01", 5.0, 0.40, False),
        ("b", "2024-02-01", 4.0, 0.35, False),   # below the best so far
        ("c", "2024-03-01", 9.0, 0.50, False),   # new best
        ("d", "2024-03-01", 1.0, 0.45, False),   # same day, lower: not the day's top
        ("e", "2024-04-01", 2.0, 0.50, False),   # equal to the best so far: not a new top scorer
        ("f", "2024-05-01", 8.0, 0.60, False),
        ("h", "2024-06-01", 3.0, 0.70, False),   # two models share the day's top score: one threshold,
        ("g", "2024-06-01", 6.0, 0.70, False),   # named by the first model id
        ("i", "2024-07-01", 7.0, 0.75, False),   # two new bests on one day: only the day's top counts
        ("j", "2024-07-01", 7.0, 0.80, False),
    ])
    assert thresholds(frame) == [("a", 40.0), ("c", 50.0), ("f", 60.0), ("g", 70.0), ("j", 80.0)]


def test_multiple_choice_thresholds_below_30_percent_are_skipped_but_count_as_best():
    frame = analysis([
        ("a", "2024-01-01", 5.0, 0.25, False),
        ("b", "2024-02-01", 4.0, 0.29, False),
        ("c", "2024-03-01", 3.0, 0.27, False),   # below the best so far (29%), skipped or not
        ("d", "2024-04-01", 2.0, 0.30, False),   # exactly 30%: kept ("below 30%" is skipped)
    ])
    assert thresholds(frame, minimum=0.30) == [("d", 30.0)]
    assert thresholds(frame) == [("a", 25.0), ("b", 29.0), ("d", 30.0)]  # no minimum (not multiple choice)


def test_elo_thresholds_are_points():
    frame = analysis([("a", "2024-01-01", 5.0, 1106.0, False), ("b", "2024-02-01", 4.0, 1186.5, False)],
                     benchmark="arena_elo")
    assert thresholds(frame, benchmark="arena_elo") == [("a", 1106.0), ("b", 1186.5)]


def test_reasoning_models_are_neither_thresholds_nor_points():
    frame = analysis([
        ("a", "2024-01-01", 10.0, 0.50, False),
        ("r", "2024-02-01", 0.5, 0.90, True),    # a reasoning model: a new best and the cheapest, if it counted
        ("b", "2024-03-01", 5.0, 0.60, False),
        ("c", "2024-04-01", 1.0, 0.55, None),    # unknown flag: stays in
    ])
    assert thresholds(frame) == [("a", 50.0), ("b", 60.0)]
    assert thresholds(frame, exclude_reasoning=False) == [("a", 50.0), ("r", 90.0)]
    result = fit_threshold(frame, spec(band_low=50, threshold_model="A"))
    assert kept(result) == [("a", "2024-01-01"), ("b", "2024-03-01"), ("c", "2024-04-01")]
    with_reasoning = fit_threshold(frame, spec(band_low=50, threshold_model="A", exclude_reasoning=False))
    assert kept(with_reasoning) == [("a", "2024-01-01"), ("r", "2024-02-01")]


# --- the walk ----------------------------------------------------------------------------------------------------
def test_only_strictly_cheaper_observations_are_kept():
    result = fit_threshold(analysis([
        ("a", "2024-01-01", 10.0, 0.50, False),
        ("b", "2024-02-01", 10.0, 0.60, False),  # equal to the cheapest so far: not kept
        ("c", "2024-03-01", 8.0, 0.45, False),
        ("d", "2024-04-01", 9.0, 0.70, False),   # dearer: not kept
        ("e", "2024-05-01", 8.0, 0.55, False),   # equal: not kept
        ("f", "2024-06-01", 5.0, 0.41, False),
        ("g", "2024-07-01", 1.0, 0.39, False),   # below the threshold: not a candidate
        ("h", "2024-08-01", 0.5, 1.00, False),   # 100%: outside [40, 100)
    ]), spec())
    assert kept(result) == [("a", "2024-01-01"), ("c", "2024-03-01"), ("f", "2024-06-01")]
    row = result.rows.iloc[0]
    assert (row.n, row.n_candidates, row.status) == (3, 6, "ok")
    assert set(result.points.model_id) == {"a", "b", "c", "d", "e", "f"}


def test_same_day_keeps_the_cheaper():
    rows = [
        ("a", "2024-01-01", 10.0, 0.50, False),
        ("b", "2024-02-01", 6.0, 0.50, False),   # kept by the walk (6 < 10), then dropped: c is cheaper that day
        ("c", "2024-02-01", 4.0, 0.50, False),
        ("d", "2024-03-01", 3.0, 0.50, False),
        ("e", "2024-03-01", 3.0, 0.50, False),   # same day, same price: one point (the first model id)
        ("f", "2024-04-01", 3.5, 0.50, False),
    ]
    expected = [("a", "2024-01-01"), ("c", "2024-02-01"), ("d", "2024-03-01")]
    assert kept(fit_threshold(analysis(rows), spec())) == expected
    swapped = [("c" if r[0] == "b" else "b" if r[0] == "c" else r[0], *r[1:]) for r in rows]  # cheaper one first
    assert kept(fit_threshold(analysis(swapped), spec())) == [("a", "2024-01-01"), ("b", "2024-02-01"),
                                                              ("d", "2024-03-01")]


def test_walk_mask_directly():
    candidates = pd.DataFrame({"model_id": ["x", "y", "z", "w"], "release_date": pd.to_datetime(
        ["2024-01-02", "2024-01-01", "2024-01-02", "2024-01-03"]), "value": [3.0, 5.0, 2.0, 2.0]})
    # order: y (5, kept), x (3, kept), z (2, kept; same day as x, cheaper: x dropped), w (2, equal: not kept)
    assert list(walk(candidates)) == [False, True, True, False]


def test_price_changes_are_observations_with_their_own_date():
    frame = analysis([
        ("m", "2024-01-01", 10.0, 0.50, False, "2024-01-01"),
        ("m", "2024-01-01", 5.0, 0.50, False, "2024-06-01"),   # a price cut: dated by its own date
        ("n", "2024-03-01", 8.0, 0.50, False, "2024-03-01"),
        ("o", "2024-02-01", 12.0, 0.50, False, "2025-07-13"),  # its only price, observed later: at release
    ])
    result = fit_threshold(frame, spec())
    assert kept(result) == [("m", "2024-01-01"), ("n", "2024-03-01"), ("m", "2024-06-01")]
    dates = result.points.sort_values("release_date").release_date.dt.date.astype(str).tolist()
    assert dates == ["2024-01-01", "2024-02-01", "2024-03-01", "2024-06-01"]
    # the model counts once for the thresholds, at its release
    assert thresholds(frame) == [("m", 50.0)]


def test_input_row_order_does_not_matter():
    rows = [(f"m{i}", f"2024-0{1 + i // 3}-01", float(p), 0.5, False)
            for i, p in enumerate([5, 3, 4, 2, 2.5, 1, 0.9, 0.9, 1.5])]
    first = fit_threshold(analysis(rows), spec())
    for seed in range(5):
        order = np.random.default_rng(seed).permutation(len(rows))
        again = fit_threshold(analysis([rows[i] for i in order]), spec())
        pd.testing.assert_frame_equal(first.rows, again.rows)
        pd.testing.assert_frame_equal(first.points.sort_values(["release_date", "model_id"]).reset_index(drop=True),
                                      again.points.sort_values(["release_date", "model_id"]).reset_index(drop=True))


# --- the fit -----------------------------------------------------------------------------------------------------
def test_fit_by_hand():
    # log10 prices 2, 1, 0.5, -1 at days 0, 100, 200, 300: x mean 150, Sxx = 50000; y mean 0.625,
    # Sxy = -150*1.375 - 50*0.375 + 50*(-0.125) + 150*(-1.625) = -475, slope = -0.0095 per day
    result = fit_threshold(analysis([
        ("a", "2024-01-01", 100.0, 0.5, False),
        ("b", "2024-04-10", 10.0, 0.5, False),
        ("c", "2024-07-19", 10 ** 0.5, 0.5, False),
        ("d", "2024-10-27", 0.1, 0.5, False),
    ]), spec(min_points=4))
    row = result.rows.iloc[0]
    assert row.status == "ok" and row.n == 4
    assert row.slope_per_day == pytest.approx(-0.0095, rel=1e-9)
    assert row.factor_per_year == pytest.approx(10 ** (0.0095 * 365.25), rel=1e-9)
    # SST = 1.375^2 + 0.375^2 + 0.125^2 + 1.625^2 = 4.6875; SSR = 0.0095^2 * 50000 = 4.5125
    assert row.r_squared == pytest.approx(4.5125 / 4.6875, rel=1e-9)
    se = math.sqrt((4.6875 - 4.5125) / 2 / 50000)
    t = stats.t.ppf(0.95, 2)
    assert row.ci_low == pytest.approx(10 ** ((0.0095 - t * se) * 365.25), rel=1e-9)
    assert row.ci_high == pytest.approx(10 ** ((0.0095 + t * se) * 365.25), rel=1e-9)
    assert (row.first_date, row.last_date) == (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-10-27"))
    assert (row.method, row.quality_measure, row.band_low, row.band_high, row.threshold_model) == (
        "threshold", "mmlu", 40.0, 100.0, "A")
    assert result.points.in_fit.astype(bool).all()


def test_fewer_points_than_the_minimum_is_insufficient():
    result = fit_threshold(analysis([
        ("a", "2024-01-01", 10.0, 0.5, False),
        ("b", "2024-02-01", 5.0, 0.5, False),
        ("c", "2024-03-01", 1.0, 0.5, False),
        ("d", "2024-04-01", 2.0, 0.5, False),   # not cheaper: 3 points kept
    ]), spec(min_points=4))
    row = result.rows.iloc[0]
    assert (row.status, row.n, row.n_candidates) == ("insufficient", 3, 4)
    assert pd.isna(row.factor_per_year) and "fewer than the minimum of 4" in row.note
    assert not result.points.in_fit.astype(bool).any() and result.points.is_record.astype(bool).sum() == 3


def test_elo_range_has_no_upper_limit():
    frame = analysis([("a", "2024-01-01", 10.0, 1106.0, False), ("b", "2024-02-01", 5.0, 1400.0, False),
                      ("c", "2024-03-01", 1.0, 1105.99, False)], benchmark="arena_elo")
    result = fit_threshold(frame, spec(quality_measure="arena_elo", band_low=1106, band_high=None))
    assert kept(result) == [("a", "2024-01-01"), ("b", "2024-02-01")]


def test_skip_note_gives_a_skipped_row():
    result = fit_threshold(analysis([("a", "2024-01-01", 10.0, 0.5, False)]),
                           spec(threshold_model=None, band_low=None, band_high=None, skip_note="no mmlu scores"))
    row = result.rows.iloc[0]
    assert (row.status, row.note, len(result.rows)) == ("skipped", "no mmlu scores", 1)


# --- the plan ----------------------------------------------------------------------------------------------------
def preset(**threshold) -> Preset:
    section = dict(benchmarks=["mmlu", "humaneval"], price_sources=["source_price", "aa_headline"])
    section.update(threshold)
    return Preset(name="toy", title="toy", threshold=ThresholdPreset(**section))


def test_plan_finds_the_thresholds_in_the_data():
    frame = analysis([
        ("a", "2024-01-01", 10.0, 0.25, False),  # below 30% on MMLU: skipped
        ("b", "2024-02-01", 5.0, 0.439, False),
        ("c", "2024-03-01", 4.0, 0.5, False),
    ])
    specs = plan_trends(preset(), "toy", available_price_sources(frame), measures=available_measures(frame),
                        analysis=frame)
    mmlu = [(s.threshold_model, s.band_low, s.band_high) for s in specs if s.quality_measure == "mmlu"]
    assert mmlu == [("B", 43.9, 100.0), ("C", 50.0, 100.0)]
    assert all(s.price_source == "source_price" and s.band_edges == "half_open" and s.exclude_reasoning
               for s in specs)
    assert specs[0].trend_id.startswith("threshold-all-mmlu_43p9_100-b-price-blended-source_price-")
    humaneval = [s for s in specs if s.quality_measure == "humaneval"]  # no HumanEval score at all
    assert len(humaneval) == 1 and "no humaneval scores in snapshot toy" in humaneval[0].skip_note
    # the first listed price source the snapshot has is used; none of them: skipped with the reason
    other = analysis([("a", "2024-01-01", 10.0, 0.5, False)], source="aa_headline")
    assert {s.price_source for s in plan_trends(preset(), "toy", {"aa_headline"}, analysis=other)} == {"aa_headline"}
    none = plan_trends(preset(), "toy", {"lowest_reported"},
                       analysis=analysis([("a", "2024-01-01", 10.0, 0.5, False)], source="lowest_reported"))
    notes = [s.skip_note for s in none]  # no usable price source; and no HumanEval score at all
    assert notes[0] == "no source_price or aa_headline prices in snapshot toy"
    assert notes[1].startswith("no humaneval scores in snapshot toy")
    low = analysis([("a", "2024-01-01", 10.0, 0.2, False)])
    [only, _] = plan_trends(preset(), "toy", {"source_price"}, analysis=low)
    assert "below the multiple-choice minimum of 30%" in only.skip_note


def test_plan_needs_the_analysis_table():
    with pytest.raises(ValueError, match="planned from the data"):
        plan_trends(preset(), "toy", {"source_price"})


def test_mmlu_pro_snapshots_skip_mmlu():
    folder = SNAPSHOTS / "futuretech-2025-07"
    frame = clean(read_snapshot(folder), read_corrections(corrections_file())).analysis
    specs = plan_trends(load_preset("epoch-2025"), folder.name, available_price_sources(frame),
                        measures=available_measures(frame), analysis=frame)
    notes = {s.quality_measure: s.skip_note for s in specs if s.skip_note}
    assert set(notes) == {"mmlu", "math_level_5"}
    assert notes["mmlu"].startswith("no mmlu scores in snapshot futuretech-2025-07")
    estimated = {s.quality_measure for s in specs if not s.skip_note}
    assert estimated == {"gpqa_diamond", "math_500", "humaneval", "arena_elo"}
    assert {s.price_source for s in specs if not s.skip_note} == {"aa_headline"}


# --- Epoch's own data: the 21 published trends -------------------------------------------------------------------
@pytest.fixture(scope="module")
def epoch():
    frame = clean(read_snapshot(SNAPSHOTS / "epoch-2025-03"), read_corrections(corrections_file())).analysis
    chosen = load_preset("epoch-2025")
    specs = plan_trends(chosen, "epoch-2025-03", available_price_sources(frame), measures=available_measures(frame),
                        analysis=frame)
    results = {(s.quality_measure, s.threshold_model): fit_threshold(frame, s) for s in specs}
    return chosen, results


def test_epoch_published_trends_are_reproduced(epoch):
    chosen, results = epoch
    ok = {key for key, result in results.items() if result.rows.iloc[0].status == "ok"}
    published = {(p.quality_measure, p.threshold_model): p for p in chosen.published}
    assert len(published) == 21 and ok == set(published)
    for key, entry in published.items():
        row = results[key].rows.iloc[0]
        assert row.n == entry.n, key
        # Epoch converts with 365-day years, we with 365.25: the same slope gives F ** (365.25 / 365)
        years = 365.25 / 365
        assert row.factor_per_year == pytest.approx(entry.value ** years, rel=1e-6), key
        assert (row.ci_low, row.ci_high) == pytest.approx((entry.ci[0] ** years, entry.ci[1] ** years), rel=1e-6)
        assert round(row.r_squared, 2) == entry.r_squared, key


def test_epoch_thresholds_that_leave_too_few_points(epoch):
    _, results = epoch
    # Epoch's notebook prints "Less than 4 cheapest models found - skipping" for exactly these, with these counts
    expected = {("mmlu", "Claude-3.5-Sonnet-2024-06"): 3, ("mmlu", "GPT-4o-2024-08"): 1,
                ("gpqa_diamond", "Gemini-1.5-Pro-2024-09"): 2, ("gpqa_diamond", "Gemini 2.0 Flash"): 1,
                ("math_500", "GPT-4o-2024-08"): 3, ("math_500", "Gemini-1.5-Pro-2024-09"): 3,
                ("math_500", "DeepSeek-V3"): 2, ("math_500", "Gemini 2.0 Flash"): 1,
                ("math_level_5", "Gemini-1.5-Pro-2024-09"): 2, ("math_level_5", "Gemini 2.0 Flash"): 1,
                ("humaneval", "GPT-4 Turbo"): 3, ("humaneval", "GPT-4o-2024-05"): 2,
                ("humaneval", "Claude-3.5-Sonnet-2024-10"): 1, ("arena_elo", "GPT-4o-2024-08"): 2,
                ("arena_elo", "GPT-4o-2024-11"): 1}
    insufficient = {key: int(r.rows.iloc[0].n) for key, r in results.items()
                    if r.rows.iloc[0].status == "insufficient"}
    assert insufficient == expected


def test_epoch_mmlu_from_gpt3_points(epoch):
    _, results = epoch
    points = results[("mmlu", "GPT-3")].points
    chosen = points[points.is_record.astype(bool)].sort_values("release_date")
    # Epoch's lowest_price_models_data.csv, bench MMLU, threshold GPT-3 (USD per 1M tokens)
    assert [(r.name, r.release_date.date().isoformat(), r.value) for r in chosen.itertuples()] == [
        ("GPT-3", "2021-11-20", 60.0), ("GPT-3", "2022-09-01", 20.0), ("GPT-3.5 Turbo", "2023-03-06", 2.0),
        ("Llama-2-Chat-13B", "2023-07-18", 0.56), ("Llama 2-7B", "2023-12-01", 0.2),
        ("Llama 2-7B", "2024-04-14", 0.13), ("Llama-3.1-Instruct-8B", "2024-07-23", 0.1),
        ("Llama-3.2-Instruct-3B", "2024-09-24", 0.08), ("Gemini-1.5-Flash-8B", "2024-10-03", 0.07)]


def test_threshold_is_a_registered_method():
    from tasks.methods import method, registry
    from tasks.methods import threshold

    assert registry()["threshold"] is threshold.METHOD and method("threshold") is threshold.METHOD
