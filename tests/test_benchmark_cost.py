"""Cost of one benchmark run on a Pareto frontier (method ``benchmark_cost``, adapter ``futuretech_runs``, the
cleaned runs of ``tasks.data.runs`` and the selection checks of ``tasks.core.pareto``).

Every expected value is independent of the code under test: hand arithmetic, hand-listed frontier points, brute-force
loops, an independent statsmodels formula fit, and the MIT FutureTech authors' own outputs (their derived
per-benchmark tables and their published regression table, github hansgundlach/Algorithmic_Progress_Inference @
a6381e2). Tests on the real files skip cleanly when the shared data folder is absent.
"""

from __future__ import annotations

import json

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from schemas.analysis import RunTable, Trends
from schemas.canonical import Runs
from tasks.core.vocabulary import ESTIMATED
from tasks.core.pareto import (bootstrap_slopes, clipped_logit, leave_one_out_slopes, pareto_flags,
                               permutation_slopes)
from tasks.core.stats import ols_fits, release_day
from tasks.core.uncertainty import draw_counts
from tasks.data.clean import clean, read_corrections
from tasks.data.ingest import detect_format
from tasks.data.ingest.futuretech_runs import ingest, normalise_header
from tasks.methods import benchmark_cost as bc
from tasks.methods.benchmark_cost import BenchmarkCostSpec
from tasks.trends import TrendSpec, judge
from tasks.study.plan import plan_method
from tasks.study.presets import load_preset
from tasks.files.settings import PROJECT_ROOT, shared_data_dir

FOLDER = shared_data_dir() / "futuretech-2026-04"
DERIVED = shared_data_dir() / "futuretech-2026-04-derived"
HARDWARE = 1 / 0.7


def _need(path):
    if not path.exists():
        pytest.skip(f"shared data not available ({path})")
    return path


# ------------------------------------------------------------------------------------------------ cost formula

def _run(**values) -> dict:
    row = dict(model_id="m", benchmark="gpqa_diamond", record=1, input_tokens=0.0, output_tokens=0.0,
               reasoning_tokens=np.nan, reasoning_in_output=pd.NA, cache_read_tokens=np.nan,
               cache_write_tokens=np.nan, cache_in_input=pd.NA, cache_in_output=pd.NA,
               cache_read_usd_per_mtok=np.nan, cache_write_usd_per_mtok=np.nan, epochs=np.nan,
               input_usd_per_mtok=1.0, output_usd_per_mtok=1.0)
    row.update(values)
    return row


def _frame(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for flag in ("reasoning_in_output", "cache_in_input", "cache_in_output"):
        frame[flag] = frame[flag].astype("boolean")
    return frame


def _cost(cache_rule="authors", **values) -> float:
    return float(bc.run_cost(_frame([_run(**values)]), cache_rule)[0])


GPQA_LIKE = dict(input_tokens=1000.0, output_tokens=2000.0, input_usd_per_mtok=1.0, output_usd_per_mtok=4.0)
SWE_LIKE = dict(benchmark="swe_bench_verified", input_tokens=10_000.0, output_tokens=3_000.0, cache_read_tokens=6_000.0,
                cache_write_tokens=1_000.0, cache_read_usd_per_mtok=0.2, cache_write_usd_per_mtok=2.5,
                input_usd_per_mtok=2.0, output_usd_per_mtok=10.0)


@pytest.mark.parametrize("values, expected", [
    # reasoning inside the output count: not added; 2 epochs: halved. (1000*1 + 2000*4) / 1e6 / 2
    (dict(GPQA_LIKE, reasoning_tokens=500.0, reasoning_in_output=True, epochs=2.0), 9_000 / 1e6 / 2),
    # reasoning not inside the output count: added. (1000*1 + 2500*4) / 1e6 / 2
    (dict(GPQA_LIKE, reasoning_tokens=500.0, reasoning_in_output=False, epochs=2.0), 11_000 / 1e6 / 2),
    # no reasoning tokens, no flag: nothing added; 16 epochs
    (dict(GPQA_LIKE, reasoning_tokens=0.0, epochs=16.0), 9_000 / 1e6 / 16),
    # no epoch column (SWE-bench): not divided; no cache, no reasoning
    (dict(GPQA_LIKE, benchmark="swe_bench_verified"), 9_000 / 1e6),
    # cache inside input and output: (10000-6000)*2 + (3000-1000)*10 + 6000*0.2 + 1000*2.5 = 8000+20000+1200+2500
    (dict(SWE_LIKE, cache_in_input=True, cache_in_output=True), 31_700 / 1e6),
    # cache outside both: 10000*2 + 3000*10 + 1200 + 2500
    (dict(SWE_LIKE, cache_in_input=False, cache_in_output=False), 53_700 / 1e6),
    # reads inside input, writes outside output: 8000 + 30000 + 1200 + 2500
    (dict(SWE_LIKE, cache_in_input=True, cache_in_output=False), 41_700 / 1e6),
    # reads outside input, writes inside output: 20000 + 20000 + 1200 + 2500
    (dict(SWE_LIKE, cache_in_input=False, cache_in_output=True), 43_700 / 1e6),
    # cache and reasoning and epochs together: (8000 + (3000+500-1000)*10 + 1200 + 2500) / 4
    (dict(SWE_LIKE, cache_in_input=True, cache_in_output=True, reasoning_tokens=500.0, reasoning_in_output=False,
          epochs=4.0), (8_000 + 25_000 + 1_200 + 2_500) / 1e6 / 4),
])
def test_run_cost_hand_computed(values, expected):
    assert _cost(**values) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("values, expected", [
    # billed tokens per epoch: input' + output' + reads + writes
    (dict(GPQA_LIKE, reasoning_tokens=500.0, reasoning_in_output=False, epochs=2.0), (1000 + 2500) / 2),
    (dict(SWE_LIKE, cache_in_input=True, cache_in_output=True), 4000 + 2000 + 6000 + 1000),
    (dict(SWE_LIKE, cache_in_input=False, cache_in_output=False), 10000 + 3000 + 6000 + 1000),
])
def test_run_tokens_hand_computed(values, expected):
    assert float(bc.run_tokens(_frame([_run(**values)]))[0]) == pytest.approx(expected, rel=1e-12)


def test_incomplete_cache_authors_rule_and_components_rule():
    # cache reads with their price and flag, but no cache writes nor cache-write price
    partial = dict(SWE_LIKE, cache_write_tokens=np.nan, cache_write_usd_per_mtok=np.nan, cache_in_input=True)
    # authors: no cache at all -> every input token at the input price: 10000*2 + 3000*10
    assert _cost("authors", **partial) == pytest.approx(50_000 / 1e6, rel=1e-12)
    # components: reads on their own: (10000-6000)*2 + 3000*10 + 6000*0.2
    assert _cost("components", **partial) == pytest.approx(39_200 / 1e6, rel=1e-12)
    complete = dict(SWE_LIKE, cache_in_input=True, cache_in_output=True)
    assert _cost("authors", **complete) == _cost("components", **complete) == pytest.approx(31_700 / 1e6, rel=1e-12)


def test_run_cost_real_rows_by_hand():
    # gemini-3.1-pro-preview on SWE-bench, Feb 2026, $2 / $12: cache writes missing -> no cache (authors):
    # 1.14e9 * 2 / 1e6 + 3.58e6 * 12 / 1e6 = 2280 + 42.96 (the authors' derived table: 2322.96)
    gemini = dict(benchmark="swe_bench_verified", input_tokens=1.14e9, output_tokens=3.58e6, cache_read_tokens=1.02e9,
                  cache_in_input=True, cache_read_usd_per_mtok=0.4, input_usd_per_mtok=2.0, output_usd_per_mtok=12.0)
    assert _cost(**gemini) == pytest.approx(2322.96, rel=1e-12)
    # claude-sonnet-4-6_32K on SWE-bench, $3 / $15, cache outside input/output, $0.3 / $3.75:
    # 37688*3 + 3.87e6*15 + 3.32e8*0.3 + 1.11e7*3.75 = 113064 + 58.05e6 + 99.6e6 + 41.625e6 (per 1e6)
    sonnet = dict(benchmark="swe_bench_verified", input_tokens=37688.0, output_tokens=3.87e6, cache_read_tokens=3.32e8,
                  cache_write_tokens=1.11e7, cache_in_input=False, cache_in_output=False, cache_read_usd_per_mtok=0.3,
                  cache_write_usd_per_mtok=3.75, input_usd_per_mtok=3.0, output_usd_per_mtok=15.0)
    assert _cost(**sonnet) == pytest.approx(199.388064, rel=1e-12)


def test_run_cost_refuses_what_the_adapter_quarantines():
    with pytest.raises(ValueError, match="reasoning_in_output"):
        _cost(**dict(GPQA_LIKE, reasoning_tokens=5.0, epochs=1.0))
    with pytest.raises(ValueError, match="cache reads without their price"):
        _cost(**dict(SWE_LIKE, cache_read_usd_per_mtok=np.nan, cache_in_input=True, cache_in_output=True))
    with pytest.raises(ValueError, match="cache_rule"):
        _cost("other", **GPQA_LIKE)


# ------------------------------------------------------------------------------------------------ the walk

def _toy_runs(*models: str) -> pd.DataFrame:
    rows = [dict(_run(model_id=m, record=i + 1, input_tokens=1e6, output_tokens=1e6, epochs=1.0), score=0.5,
                 cost_usd=np.nan, name=m.upper(), open_weights=True) for i, m in enumerate(models)]
    return _frame(rows).drop(columns=["input_usd_per_mtok", "output_usd_per_mtok"])


def _toy_prices(rows) -> pd.DataFrame:
    return pd.DataFrame([dict(model_id=m, observed_on=pd.Timestamp(d), input_usd_per_mtok=i, output_usd_per_mtok=o,
                              source="t") for m, d, i, o in rows])


def test_walk_records_strict_new_lows_with_new_pairs():
    # 1M input + 1M output tokens, 1 epoch: cost = input price + output price
    prices = _toy_prices([
        ("a", "2025-01-01", 4.0, 6.0),             # 10: first -> new
        ("a", "2025-02-01", 5.0, 7.0),             # 12: up
        ("a", "2025-03-01", 3.0, 5.0),             # 8: new
        ("a", "2025-04-01", 2.0, 6.0),             # 8, another pair, not strictly below -> no
        ("a", "2025-05-01", 3.0, 5.0 - 5e-11),     # 8 - 5e-11: below by less than the 1e-10 margin -> no
        ("a", "2025-06-01", 1.0, 4.0),             # 5: new
        ("b", "2025-03-01", 1.0, 1.0),             # other model: its own walk, 2: new
        ("b", "2025-01-01", 2.0, 2.0),             # (listed out of order) Jan: 4: new, then Mar 2: new
    ])
    got = bc.price_cut_observations(_toy_runs("a", "b"), prices)
    assert list(zip(got["model_id"], got["date"].dt.strftime("%Y-%m"), got["cost_usd"])) == [
        ("a", "2025-01", 10.0), ("a", "2025-03", 8.0), ("a", "2025-06", 5.0),
        ("b", "2025-01", 4.0), ("b", "2025-03", 2.0)]
    assert list(got["tokens"]) == [2e6] * 5


def test_walk_is_independent_of_row_order():
    prices = _toy_prices([("a", f"2025-{m:02d}-01", 10.0 - m, 1.0) for m in range(1, 8)]
                         + [("b", f"2025-{m:02d}-01", 3.0 + (m % 3), 1.0) for m in range(1, 8)])
    runs = _toy_runs("a", "b")
    first = bc.price_cut_observations(runs, prices)
    shuffled = bc.price_cut_observations(runs.sample(frac=1, random_state=3), prices.sample(frac=1, random_state=5))
    pd.testing.assert_frame_equal(first, shuffled)


# ------------------------------------------------------------------------------------------------ Pareto, logit

def test_pareto_toy_set_with_ties():
    points = pd.DataFrame([
        ("A", "2024-01-01", 0.50, 10.0),
        ("B", "2024-01-01", 0.50, 10.0),   # equal to A: neither dominates the other -> both kept
        ("C", "2024-01-01", 0.40, 10.0),   # same date, same cost as A, lower score -> dominated
        ("D", "2024-01-01", 0.60, 20.0),   # better score, dearer -> kept
        ("E", "2024-02-01", 0.50, 5.0),    # A's score, cheaper -> kept
        ("F", "2024-02-01", 0.50, 10.0),   # equals A, but E (same date) is cheaper at equal score -> dominated
        ("G", "2024-01-15", 0.55, 15.0),   # among A..D and G: D is better but dearer -> kept
        ("H", "2024-03-01", 0.60, 20.0),   # equals D (earlier): equal points do not dominate -> kept
        ("I", "2024-03-01", 0.30, 6.0),    # E (earlier) is better and cheaper -> dominated
        ("J", "2023-12-01", 0.20, 100.0),  # alone at its date -> kept
    ], columns=["name", "date", "score", "cost"])
    points["day"] = release_day(points["date"])
    kept = {"A", "B", "D", "E", "G", "H", "J"}  # A stays although E later dominates it: judged at its own date
    flags = pareto_flags(points["day"], points["score"], points["cost"])
    assert set(points.loc[flags, "name"]) == kept
    shuffled = points.sample(frac=1, random_state=11)
    flags = pareto_flags(shuffled["day"], shuffled["score"], shuffled["cost"])
    assert set(shuffled.loc[flags, "name"]) == kept


def test_logit_clip():
    got = clipped_logit([0.0, 1.0, 0.5, 0.3, 0.005, 0.995, -0.2, 1.3])
    low, high = math.log(0.005 / 0.995), math.log(0.995 / 0.005)
    expected = [low, high, 0.0, math.log(3 / 7), low, high, low, high]
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-15)


# ------------------------------------------------------------------------------------------------ the regression

def _spec(variant="", subset="all", quantity="cost_per_run", **more) -> TrendSpec:
    options = dict(snapshot="s", preset="p", method="benchmark_cost", subset=subset, quality_measure="arc_agi_1",
                   quantity=quantity, price_source="source_price", controls=("logit_score",), variant=variant,
                   log_base="e", min_points=4, ci_level=0.9, hardware_factor=HARDWARE)
    options.update(more)
    return BenchmarkCostSpec(**options)


def _synthetic_runs(n=14, seed=7) -> pd.DataFrame:
    """Reported-cost runs (dated at release): the fit's own path without a walk."""
    rng = np.random.default_rng(seed)
    dates = pd.Timestamp("2024-04-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    score = np.round(rng.uniform(0.05, 0.95, n), 3)
    score[0], score[1] = 1.0, 0.998  # both clipped to 0.995
    cost = np.exp(3 - 0.004 * (dates - dates.min()).days + 0.45 * np.log(score / (1 - np.clip(score, 0, 0.999)))
                  + rng.normal(0, 0.8, n))
    rows = [{**dict.fromkeys(RunTable.to_schema().columns), "model_id": f"m{i}", "name": f"M {i}",
             "license": ["Open", "Proprietary"][i % 2], "open_weights": i % 2 == 0, "release_date": dates[i],
             "benchmark": "arc_agi_1", "record": i + 1, "cost_usd": cost[i], "price_source": "source_price",
             "score": score[i], "source": "synthetic"} for i in range(n)]
    return RunTable.validate(pd.DataFrame(rows))


def _context(runs: pd.DataFrame) -> dict:
    return {"runs": runs, "run_prices": pd.DataFrame(columns=["model_id", "observed_on", "input_usd_per_mtok",
                                                              "output_usd_per_mtok", "source"])}


def _formula_fit(frame: pd.DataFrame, cost="cost_usd"):
    clipped = np.clip(frame["score"], 0.005, 0.995)
    data = pd.DataFrame(dict(
        cost=frame[cost].to_numpy(dtype=float),
        day=((pd.to_datetime(frame["release_date"]) - pd.Timestamp("1970-01-01")).dt.days).to_numpy(dtype=float),
        lg=np.log(clipped / (1 - clipped)).to_numpy()))
    return smf.ols("np.log(cost) ~ day + lg", data=data).fit()


def _assert_matches_formula(estimate, reference, ci_level=0.9):
    low, high = reference.conf_int(alpha=1 - ci_level).loc["day"]
    assert estimate.status == "ok" and estimate.sample.n == int(reference.nobs)
    assert estimate.slope == pytest.approx(reference.params["day"], rel=1e-8)
    assert estimate.slope_se == pytest.approx(reference.bse["day"], rel=1e-8)
    # the factor's interval is the slope interval's endpoints transformed (the steepest decline is the largest)
    assert estimate.ci_low == pytest.approx(math.exp(-high * 365.25), rel=1e-8)
    assert estimate.ci_high == pytest.approx(math.exp(-low * 365.25), rel=1e-8)
    assert estimate.r_squared == pytest.approx(reference.rsquared, rel=1e-9)
    assert estimate.adj_r_squared == pytest.approx(reference.rsquared_adj, rel=1e-9)


@pytest.mark.parametrize("subset", ["all", "open"])
def test_unrestricted_fit_matches_statsmodels_formula(subset):
    runs = _synthetic_runs()
    result = bc.fit(None, _spec(bc.UNRESTRICTED, subset), _context(runs))
    expected = runs if subset == "all" else runs[runs["open_weights"].astype(bool)]
    _assert_matches_formula(result.main, _formula_fit(expected))
    assert int(result.points["in_fit"].sum()) == len(expected)


def _brute_force_frontier(frame: pd.DataFrame) -> pd.DataFrame:
    """The rule as stated, one point at a time (independent of tasks.core.pareto)."""
    keep = []
    for _, p in frame.iterrows():
        at_least = (frame["score"] >= p["score"]) & (frame["cost_usd"] <= p["cost_usd"])
        strictly = (frame["score"] > p["score"]) | (frame["cost_usd"] < p["cost_usd"])
        keep.append(frame[(frame["release_date"] <= p["release_date"]) & at_least & strictly].empty)
    return frame[keep]


def test_pareto_fit_matches_statsmodels_formula_on_independent_frontier():
    runs = _synthetic_runs(n=40, seed=3)
    frontier = _brute_force_frontier(runs)
    assert 4 <= len(frontier) < len(runs)
    result = bc.fit(None, _spec(bootstrap_resamples=0, permutations=0), _context(runs))
    _assert_matches_formula(result.main, _formula_fit(frontier))
    assert set(result.points.loc[result.points["in_fit"].astype(bool), "model_id"]) == set(frontier["model_id"])
    assert set(result.points.loc[result.points["is_record"].astype(bool), "model_id"]) == set(frontier["model_id"])


def test_factor_and_hardware_adjustment_by_hand():
    result = bc.fit(None, _spec(bc.UNRESTRICTED), _context(_synthetic_runs())).main
    assert result.factor == pytest.approx(math.exp(-result.slope * 365.25), rel=1e-12)
    assert result.hardware_adjusted_factor == pytest.approx(result.factor * 0.7, rel=1e-12)
    assert result.halving_months == pytest.approx(12 * math.log(2) / math.log(result.factor), rel=1e-12)
    # a cost priced on one later date (AA's headline prices of the scrape's day) is not adjusted for hardware
    today = bc.fit(None, _spec(bc.UNRESTRICTED, price_source="aa_headline"), _context(_synthetic_runs())).main
    assert today.factor == result.factor and today.hardware_adjusted_factor is None


def test_insufficient_and_left_out_points():
    runs = _synthetic_runs()
    few = bc.fit(None, _spec(bc.UNRESTRICTED), _context(runs.head(3))).main
    assert few.status == "insufficient" and few.sample.n == 3 and few.factor is None
    same_day = runs.assign(release_date=pd.Timestamp("2025-01-01"))
    flat = bc.fit(None, _spec(bc.UNRESTRICTED), _context(same_day)).main
    assert flat.status == "insufficient" and flat.factor is None and "one date" in flat.note
    # scores of 0 and missing scores are not usable (the authors drop them); a score of 1 is clipped, kept
    dropped = runs.assign(score=[0.0, np.nan] + list(runs["score"][2:]))
    result = bc.fit(None, _spec(bc.UNRESTRICTED), _context(dropped))
    assert result.main.sample.n == len(runs) - 2
    assert "2 left out (no score, score of 0, dropped as by the authors)" in result.main.note
    absent = bc.fit(None, _spec(quality_measure="swe_bench_verified"), _context(runs)).main
    assert absent.status == "skipped" and "no swe_bench_verified runs" in absent.note


# ------------------------------------------------------------------------------------------------ selection checks

def _check_data(n=24, seed=5):
    runs = _synthetic_runs(n=n, seed=seed)
    points = bc.select_points(bc.observations(runs, _context(runs)["run_prices"], "arc_agi_1"), _spec())
    points = points[points["usable"]].reset_index(drop=True)
    groups = pd.factorize(points["model_id"], sort=True)[0]
    return points, groups


def _slope_of(frame: pd.DataFrame, weights=None) -> float:
    """OLS slope of ln cost on day and logit (repeated rows for integer weights), or NaN."""
    if weights is not None:
        frame = frame.loc[frame.index.repeat(weights)]
    if frame.drop_duplicates(["day", "cost_usd", "score"]).shape[0] < 4:
        return math.nan
    try:
        return ols_fits(np.log(frame["cost_usd"]), frame["day"], controls=frame["logit_score"])["ols"].slope
    except ValueError:
        return math.nan


def _frontier_of(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[pareto_flags(frame["day"], frame["score"], frame["cost_usd"])]


def _args(points):
    return (points["day"].to_numpy(), points["score"].to_numpy(), points["cost_usd"].to_numpy(),
            np.log(points["cost_usd"].to_numpy()), points["logit_score"].to_numpy())


def test_leave_one_out_redoes_the_selection():
    points, groups = _check_data()
    got = leave_one_out_slopes(*_args(points), groups, 4)
    for g in range(groups.max() + 1):
        expected = _slope_of(_frontier_of(points[groups != g]))
        assert got[g] == pytest.approx(expected, rel=1e-8, abs=1e-15, nan_ok=True)
    unrestricted = leave_one_out_slopes(*_args(points), groups, 4, select=False)
    assert unrestricted[0] == pytest.approx(_slope_of(points[groups != 0]), rel=1e-8)


def test_bootstrap_redoes_the_selection_with_model_clusters():
    points, groups = _check_data()
    got = bootstrap_slopes(*_args(points), groups, 30, 17, 4)
    counts = draw_counts(np.random.default_rng(17), 30, groups.max() + 1)[:, groups]
    for r in range(30):
        drawn = points.loc[counts[r] > 0]
        frontier = _frontier_of(drawn)  # a model drawn k times counts k times (equal points stay together)
        expected = _slope_of(frontier, counts[r][frontier.index])
        assert got[r] == pytest.approx(expected, rel=1e-7, abs=1e-15, nan_ok=True)
    assert np.isfinite(got).sum() >= 25


def test_permutation_null_shuffles_dates_and_reselects():
    points, _ = _check_data()
    got = permutation_slopes(*_args(points), 20, 23, 4)
    rng = np.random.default_rng(23)
    order = np.argsort(rng.random((20, len(points))), axis=1)
    for r in range(20):
        shuffled = points.assign(day=points["day"].to_numpy()[order[r]])
        assert got[r] == pytest.approx(_slope_of(_frontier_of(shuffled)), rel=1e-7, abs=1e-15, nan_ok=True)


def test_null_p_value_is_over_the_usable_shuffles():
    runs = _synthetic_runs(n=20, seed=3)  # with 8 points needed, some shuffles leave too few on the frontier
    result = bc.fit(None, _spec(bootstrap_resamples=40, permutations=60, seed=3, min_points=8), _context(runs))
    null = result.replicates[result.replicates["kind"] == "null"]["slope_per_day"].to_numpy()
    factors = np.exp(-null * 365.25)
    observed = result.main.factor
    usable = factors[np.isfinite(factors)]
    at_least = int(np.sum(usable >= observed * (1 - 1e-12)))
    # step 15: (b + 1) / (N + 1) over the N usable shuffles (before: over all 60, usable or not)
    assert result.main.checks.null_p_value == pytest.approx((at_least + 1) / (len(usable) + 1), rel=1e-12)
    assert result.diagnostics.null_valid == len(usable) < 60 and result.diagnostics.null_total == 60
    assert f"over {len(usable)} of 60 usable shuffles" in result.main.note
    assert result.main.checks.null_median_factor == pytest.approx(np.median(factors[np.isfinite(factors)]))
    boot = result.estimate("ols", "bootstrap")
    slopes = result.replicates[result.replicates["kind"] == "bootstrap"]["slope_per_day"].to_numpy()
    expected = np.percentile(np.exp(-slopes[np.isfinite(slopes)] * 365.25), [5, 95])
    assert (boot.ci_low, boot.ci_high) == pytest.approx(tuple(expected), rel=1e-12)
    assert boot.factor == result.main.factor and "selection alone" in result.main.note


# ------------------------------------------------------------------------------------------------ the real files

@pytest.fixture(scope="module")
def real():
    tables = ingest(_need(FOLDER)).validated("futuretech-2026-04")
    return tables, clean(tables, read_corrections(PROJECT_ROOT / "data" / "corrections.csv"), True)


def test_adapter_is_detected_and_its_quarantine(real):
    assert detect_format(FOLDER) == "futuretech_runs"
    tables, result = real
    Runs.validate(tables.runs)
    runs = tables.runs
    assert runs.groupby("benchmark").size().to_dict() == {"aime": 107, "arc_agi_1": 86, "gpqa_diamond": 118,
                                                          "swe_bench_verified": 26}
    issues = tables.ingest_issues
    excluded = issues[(issues["action"] == "rejected_value") & (issues["table"] == "runs")]
    walked = excluded[~excluded["rule"].str.startswith("arc_agi_1")]
    assert sorted(zip(walked["model_name"], walked["rule"].str.split(" run:").str[0])) == [
        ("fireworks/kimi-k2p5", "aime"), ("fireworks/kimi-k2p5", "swe_bench_verified"),
        ("gemini-3-pro-preview", "swe_bench_verified"), ("glm-4.7", "gpqa_diamond"), ("glm-5", "swe_bench_verified")]
    assert excluded["rule"].str.contains("cache read tokens without a cache-read price").sum() == 3
    halves = issues[issues["rule"].str.contains("price without")]
    assert sorted(zip(halves["model_name"], halves["column"])) == [
        ("DeepSeek-Coder-V2", "7/1/2024 output price"), ("DeepSeek-Coder-V2", "8/1/2024 input price"),
        ("Mistral NeMo", "6/1/2025 input price"), ("Mistral NeMo", "7/1/2025 input price")]
    assert (issues["rule"] == "row without a model name").sum() == 4
    assert issues["rule"].str.startswith("zero price").sum() == 6
    arc = excluded[excluded["rule"].str.startswith("arc_agi_1")]["rule"].str.split(": ", n=1).str[1]
    assert arc.str.startswith("no release date").sum() == 5 and arc.str.startswith("cost per task not above").sum() == 4
    # the quarantine summary counts the runs: in = used + quarantined
    summary = result.summary.set_index("table")
    assert summary.loc["runs"].to_dict() == {"unit": "run", "rows_in": 351, "rows_used": 337, "rows_quarantined": 14}
    assert (result.quarantine["table"] == "runs").sum() == 14
    # models left out of the analysis table for their release date keep their priced runs, with a warning
    kept = result.warnings[result.warnings["rule"].str.contains("costed from its list-price months")]
    assert sorted(kept["model_name"]) == ["Claude 4.5 Sonnet (Reasoning) Option 2", "Grok 3 Reasoning Beta",
                                          "o3-mini (medium) (Option2) (AIME)", "o3-mini (medium) (Option2) (SWE)"]
    assert set(kept["model_name"]) <= set(result.runs["name"])


@pytest.mark.parametrize("benchmark, file", [("gpqa_diamond", "gpqa"), ("aime", "aime"),
                                             ("swe_bench_verified", "swe")])
def test_walk_equals_the_authors_derived_tables(real, benchmark, file):
    _, result = real
    derived = pd.read_csv(_need(DERIVED / f"{file}_price_reduction_models.csv"), dtype=str, keep_default_na=False)
    derived.columns = [normalise_header(c) for c in derived.columns]
    # the authors' "Model" is "<name> MM/DD/YYYY"; names can end with a space ("o3 ")
    expected = pd.DataFrame(dict(
        model=derived["Model"].str.rsplit(" ", n=1).str[0].str.strip(),
        month=pd.to_datetime(derived["Release Date"], format="%m/%d/%Y").dt.strftime("%Y-%m"),
        cost=derived["Benchmark Cost USD"].astype(float),
        input=derived["Input Price USD/1M Tokens"].astype(float),
        output=derived["Output Price USD/1M Tokens"].astype(float)))
    got = bc.observations(result.runs, result.run_prices, benchmark)
    assert len(got) == len(expected) == {"gpqa_diamond": 163, "aime": 134, "swe_bench_verified": 28}[benchmark]
    assert list(got["name"]) == list(expected["model"])
    assert list(got["date"].dt.strftime("%Y-%m")) == list(expected["month"])
    np.testing.assert_allclose(got["cost_usd"], expected["cost"], rtol=1e-9, atol=0)
    np.testing.assert_array_equal(got["input_usd_per_mtok"], expected["input"])
    np.testing.assert_array_equal(got["output_usd_per_mtok"], expected["output"])


def test_arc_observations(real):
    _, result = real
    arc = bc.observations(result.runs, result.run_prices, "arc_agi_1")
    assert len(arc) == 86 and arc["name"].nunique() == 85  # one name twice in merged.csv: the authors count both
    gpt5 = arc[arc["name"] == "GPT-5 (high)"].iloc[0]
    assert (gpt5.score, gpt5.cost_usd, gpt5.date) == (pytest.approx(0.657), 0.73, pd.Timestamp("2025-08-07"))


# the authors' published table (results_data/regression_comparison_table_raw.csv @ a6381e2): factor, 90% interval,
# n, R^2, and the hardware-adjusted factor (regression_comparison_table_hw_adjusted.tex) for Pareto all, Pareto open,
# unrestricted all, unrestricted open; their script uses 365-day years
PUBLISHED = {
    "gpqa_diamond": [(9.026, 3.907, 20.854, 57, 0.8152, 6.319), (3.968, 2.187, 7.202, 43, 0.8297, 2.778),
                     (4.415, 2.578, 7.561, 163, 0.6585, 3.090), (1.368, 0.757, 2.473, 84, 0.6000, 0.958)],
    "aime": [(12.240, 5.368, 27.908, 49, 0.7870, 8.568), (6.993, 2.594, 18.852, 31, 0.6629, 4.895),
             (5.692, 3.102, 10.443, 132, 0.6411, 3.984), (3.165, 1.574, 6.365, 60, 0.6380, 2.215)],
    "swe_bench_verified": [(5.926, 0.887, 39.611, 16, 0.5172, 4.148), (4.528, None, None, 3, 1.0, 3.170),
                           (1.290, 0.341, 4.878, 26, 0.2013, 0.903), (0.248, 0.000, 99266.244, 5, 0.3222, 0.174)],
    "arc_agi_1": [(12.201, 6.516, 22.847, 43, 0.6870, 8.541), (0.456, 0.123, 1.681, 10, 0.7631, 0.319),
                  (3.313, 1.963, 5.593, 86, 0.5378, 2.319), (0.686, 0.159, 2.952, 11, 0.7846, 0.480)],
}


@pytest.fixture(scope="module")
def fits(real):
    _, result = real
    preset = load_preset("futuretech-2026").model_copy(update={"benchmark_cost": load_preset(
        "futuretech-2026").benchmark_cost.model_copy(update={"bootstrap_resamples": 100, "permutations": 50})})
    specs = plan_method(preset, "benchmark_cost", "futuretech-2026-04", result.analysis)
    context = {"runs": result.runs, "run_prices": result.run_prices}
    return [judge(bc.fit(result.analysis, spec, context)) for spec in specs]


def test_sixteen_regressions_reproduce_the_published_table(fits):
    main = {(f.spec.quality_measure, f.spec.subset, f.spec.variant): f.main for f in fits
            if f.spec.quantity == "cost_per_run" and f.spec.variant in ("", bc.UNRESTRICTED)}
    assert len(main) == 16
    for benchmark, cells in PUBLISHED.items():
        for (variant, subset), (factor, low, high, n, r2, hardware) in zip(
                [("", "all"), ("", "open"), (bc.UNRESTRICTED, "all"), (bc.UNRESTRICTED, "open")], cells):
            got = main[(benchmark, subset, variant)]
            label = f"{benchmark}/{subset}/{variant or 'pareto'}"
            assert got.sample.n == n, label
            if low is None:  # 3 points, 3 coefficients: an exact fit; fewer than the minimum here
                assert got.status == "insufficient" and got.factor is None, label
                continue
            assert got.status in ESTIMATED, label
            to365 = 365 / 365.25  # the authors' years: exp(-slope * 365) = factor ** (365 / 365.25)
            assert round(got.factor ** to365, 3) == pytest.approx(factor, abs=1e-9), label
            assert (round(got.ci_low ** to365, 3), round(got.ci_high ** to365, 3)) == pytest.approx(
                (low, high), abs=1e-9), label
            assert round(got.r_squared, 4) == pytest.approx(r2, abs=1e-9), label
            assert round(got.factor ** to365 / HARDWARE, 3) == pytest.approx(hardware, abs=1e-9), label
            assert got.hardware_adjusted_factor == pytest.approx(got.factor / HARDWARE, rel=1e-12), label


def test_published_values_in_the_preset_match_the_table():
    published = load_preset("futuretech-2026").published
    assert len(published) == 16
    for entry in published:
        column = ["all", "open"].index(entry.subset) + 2 * (entry.variant == bc.UNRESTRICTED)
        factor, low, high, n, r2, _ = PUBLISHED[entry.quality_measure][column]
        assert (entry.value, entry.n, entry.r_squared) == (factor, n, r2)
        assert entry.ci == (None if low is None else (low, high))


def test_the_report_sets_each_published_value_beside_its_own_variant():
    from tasks.render.published import reproductions
    from tasks.reporting.format import ReportInputs
    from tasks.methods import by_row_name

    wanted = [p for p in load_preset("futuretech-2026").published
              if p.quality_measure == "gpqa_diamond" and p.subset == "all"]
    assert [p.variant for p in wanted] == ["", bc.UNRESTRICTED]
    base = dict(snapshot="futuretech-2026-04", method="benchmark_cost", subset="all", quality_measure="gpqa_diamond",
                quantity="cost_per_run", price_type=None, price_source="list_price", controls="logit_score",
                band_low=None, band_high=None, threshold_model=None, estimator="ols", ci_method="ols", status="ok",
                tie_order_min_factor=None, tie_order_max_factor=None)
    trends = pd.DataFrame([dict(base, trend_id="pareto", variant=None, factor_per_year=9.0400),
                           dict(base, trend_id="every", variant=bc.UNRESTRICTED, factor_per_year=4.4190)])
    inputs = ReportInputs(trends=trends, diagnostics=pd.DataFrame(), cleans={},
                          meta={"preset": {"published": [p.model_dump() for p in wanted]}},
                          methods=by_row_name())
    found = {item["entry"].variant: item for item in reproductions(inputs)}
    # before: the unrestricted value was looked up among the Pareto rows only, found nothing and read "differs"
    assert found[""]["ours"] == 9.0400 and found[""]["status"] == "reproduced"
    assert found[bc.UNRESTRICTED]["ours"] == 4.4190 and found[bc.UNRESTRICTED]["status"] == "reproduced"
    assert found[bc.UNRESTRICTED]["main_row"]["trend_id"] == "every"


def test_tokens_and_prices_add_up_to_the_cost_trend(fits):
    by_id = {(f.spec.quality_measure, f.spec.subset, f.spec.quantity, f.spec.variant): f for f in fits}
    checked = 0
    for (benchmark, subset, quantity, variant), fit in by_id.items():
        if variant != bc.PARETO_SAMPLE or quantity != "cost_per_run" or fit.main.status not in ESTIMATED:
            continue
        tokens = by_id[(benchmark, subset, "tokens_per_run", variant)].main
        price = by_id[(benchmark, subset, "price_per_token", variant)].main
        headline = by_id[(benchmark, subset, "cost_per_run", "")].main
        # the same points as the headline, and ln cost = ln tokens + ln price per token - ln 1e6: the slopes add up
        assert fit.main.slope == pytest.approx(headline.slope, rel=1e-12)
        assert tokens.sample.n == price.sample.n == headline.sample.n
        assert tokens.slope + price.slope == pytest.approx(fit.main.slope, rel=1e-9, abs=1e-15)
        assert tokens.factor * price.factor == pytest.approx(fit.main.factor, rel=1e-9)
        assert tokens.hardware_adjusted_factor is None and price.hardware_adjusted_factor is not None
        checked += 1
    assert checked == 5  # GPQA, AIME, SWE-bench (all) and GPQA, AIME (open); SWE-bench open has 3 points


def test_selection_checks_on_the_headline_trends(fits):
    for fit in fits:
        if fit.spec.variant or fit.main.status != "ok":
            continue
        checks = fit.main.checks
        assert 0 < checks.loo_min_factor <= checks.loo_max_factor and fit.diagnostics.loo_valid > 0
        assert 0 < checks.null_p_value <= 1 and checks.null_median_factor is not None
        boot = fit.estimate("ols", "bootstrap")
        assert boot is not None and boot.ci_low < boot.ci_high
        assert fit.diagnostics.null_total == 50 and fit.diagnostics.bootstrap_total == 100


def test_trend_rows_follow_the_contract(fits):
    from tasks.study.tables import finalise_trends
    from tasks.trends import finalise_points

    trends = finalise_trends([f.rows for f in fits])
    Trends.validate(trends)
    main = trends[(trends["variant"].isna()) & (trends["ci_method"] == "ols")]
    assert set(main["quality_measure"]) == {"gpqa_diamond", "aime", "swe_bench_verified", "arc_agi_1"}
    assert set(main["method"]) == {"benchmark_cost"} and set(main["quantity"]) == {"cost_per_run"}
    assert set(main["controls"]) == {"logit_score"} and set(main["subset"]) == {"open", "all"}
    assert set(trends["variant"].dropna()) == {bc.UNRESTRICTED, bc.PARETO_SAMPLE, bc.RAW, bc.RAW_UNRESTRICTED}
    points = finalise_points([f.points for f in fits])
    gpqa = main[(main["quality_measure"] == "gpqa_diamond") & (main["subset"] == "all")].iloc[0]
    mine = points[points["trend_id"] == gpqa["trend_id"]]
    assert int(mine["in_fit"].sum()) == gpqa["n"] == 57 and len(mine) == 163


# ------------------------------------------------------------------------------------------------ end to end

@pytest.mark.e2e
def test_the_preset_runs_end_to_end(prefect_harness, tmp_path):
    from typer.testing import CliRunner

    from flows.cli import app

    _need(FOLDER)
    light = tmp_path / "futuretech-2026-light.toml"
    text = (PROJECT_ROOT / "presets" / "futuretech-2026.toml").read_text()
    for full, cheap in (("bootstrap_resamples = 2000", "bootstrap_resamples = 50"),
                        ("permutations = 1000", "permutations = 20")):
        assert full in text
        text = text.replace(full, cheap)
    light.write_text(text)
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", "--input", str(FOLDER), "--preset", str(light), "--out", str(out),
                                      "--no-figures"])
    assert result.exit_code == 0, result.output
    trends = pd.read_csv(out / "trends.csv")
    rows = trends[(trends["method"] == "benchmark_cost") & (trends["quantity"] == "cost_per_run")
                  & (trends["ci_method"] == "ols") & (trends["variant"].isna() | (trends["variant"] == "unrestricted"))]
    assert len(rows) == 16
    gpqa = rows[(rows["quality_measure"] == "gpqa_diamond") & (rows["subset"] == "all") & rows["variant"].isna()]
    assert gpqa["n"].item() == 57 and gpqa["factor_per_year"].item() == pytest.approx(9.026 ** (365.25 / 365),
                                                                                       rel=2e-4)
    summary = pd.read_csv(out / "quarantine_summary.csv")
    assert summary[summary["table"] == "runs"][["rows_in", "rows_used", "rows_quarantined"]].values.tolist() == [
        [351, 337, 14]]
    points = pd.read_csv(out / "points.csv")
    assert set(rows["trend_id"]) <= set(points["trend_id"])
    # step 15 point 2: the follow-up's first screen opens with its primary estimate, by the preset's [answer] rule
    # (before: no primary; the screen began "No frontier or hedonic estimate to answer from")
    headline = json.loads((out / "headline.json").read_text())
    [primary] = [e for e in headline["entries"] if e["primary"]]
    assert (primary["kind"], primary["quality_measure"], primary["subset"], primary["n"]) == (
        "benchmark_cost_unrestricted", "gpqa_diamond", "all", 163)
    assert primary["factor_per_year"] == pytest.approx(4.415 ** (365.25 / 365), rel=2e-3)  # the authors' 4.415
    assert primary["quality_window"]["measure"] == "gpqa_diamond" and primary["observed_on"] == "2026-04-01"
    assert headline["primary_rule"]["preset"] == "futuretech-2026"
    first_screen = result.output[result.output.index("Primary estimate"):]
    assert first_screen.startswith("Primary estimate: cost of one GPQA Diamond run at constant score (every run, all "
                                   "models")
    assert "Caveat: the raw cost of one run (no score control, every run) gets 7.7" in first_screen
    assert "the price of running frontier models is rising between 3x to 18x per year" in first_screen


# --- the raw trend (issue "Step 15", point 6): log cost on the date alone, beside the score-adjusted one ---------
def _hand_slope(days, costs) -> float:
    """The OLS slope of ln(cost) on the day by the textbook formula: sum (x - x̄)(y - ȳ) / sum (x - x̄)²."""
    x, y = np.asarray(days, dtype=float), np.log(np.asarray(costs, dtype=float))
    return float(((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum())


def test_raw_variants_fit_log_cost_on_the_date_alone_by_hand():
    # before: variants raw / raw_unrestricted did not exist; a spec without controls still fitted the logit control
    # and ran on the Pareto points only for "raw_unrestricted" (its slope differed from the hand-computed one)
    runs = _synthetic_runs(n=12, seed=11)
    days = ((pd.to_datetime(runs["release_date"]) - pd.Timestamp("1970-01-01")).dt.days).to_numpy(dtype=float)
    every = bc.fit(None, _spec(bc.RAW_UNRESTRICTED, controls=()), _context(runs)).main
    assert every.status == "ok" and every.sample.n == len(runs)
    assert every.slope == pytest.approx(_hand_slope(days, runs["cost_usd"]), rel=1e-9)
    assert every.factor == pytest.approx(math.exp(-_hand_slope(days, runs["cost_usd"]) * 365.25), rel=1e-9)
    frontier = _brute_force_frontier(runs)
    front_days = ((pd.to_datetime(frontier["release_date"]) - pd.Timestamp("1970-01-01")).dt.days).to_numpy(float)
    pareto = bc.fit(None, _spec(bc.RAW, controls=()), _context(runs))
    assert pareto.main.sample.n == len(frontier) >= 3
    assert pareto.main.slope == pytest.approx(_hand_slope(front_days, frontier["cost_usd"]), rel=1e-9)
    assert set(pareto.points.loc[pareto.points["in_fit"].astype(bool), "model_id"]) == set(frontier["model_id"])
    assert "no score control" in pareto.main.note


def test_the_plan_adds_raw_trends_and_keeps_the_existing_ids():
    # before: the plan had no raw trends
    preset = load_preset("futuretech-2026")
    specs = plan_method(preset, "benchmark_cost", "snap", None, price_sources={"list_price"})
    without = plan_method(preset.model_copy(update={"benchmark_cost": preset.benchmark_cost.model_copy(
        update={"raw": False})}), "benchmark_cost", "snap", None,
        price_sources={"list_price"})
    ids = [s.trend_id for s in specs]
    assert len(ids) == len(set(ids))
    assert [s.trend_id for s in without] == [s.trend_id for s in specs if s.variant not in bc.RAW_VARIANTS]
    raw = [s for s in specs if s.variant in bc.RAW_VARIANTS]
    n_pairs = len(preset.benchmark_cost.benchmarks) * len(preset.benchmark_cost.subsets)
    assert sorted(s.variant for s in raw) == sorted([bc.RAW, bc.RAW_UNRESTRICTED] * n_pairs)
    assert all(s.controls == () and s.quantity == "cost_per_run" and "ctrl_" not in s.trend_id for s in raw)
    assert [s.trend_id for s in raw] == [s.trend_id for s in plan_method(preset, "benchmark_cost", "snap", None, price_sources={"list_price"})
                                         if s.variant in bc.RAW_VARIANTS]
