"""The benchmark_cost method on Artificial Analysis' own cost of a run (preset aa-index-cost): the AA site scrape's
``cost`` (USD to run AA's Intelligence Index at AA's headline prices of the scrape's day) beside ``ii`` (the index).

The adapter reads the cost (values checked by hand against real scrape rows) and quarantines a cost it cannot log;
the bundled aa-2026-07 snapshot carries the runs; the method's slope on the real scrape and on the snapshot equals an
independent statsmodels fit on a Pareto frontier selected here from the raw JSON (neither the adapter nor
tasks.core.pareto). Tests on the real files skip cleanly when the shared data folder is absent.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from schemas.canonical import Runs
from tasks.data.canonical import read_snapshot, read_snapshot_meta
from tasks.data.clean import clean, read_corrections
from tasks.data.ingest.aa import ingest_site
from tasks.methods import benchmark_cost as bc
from tasks.trends import judge
from tasks.study.plan import plan_method
from tasks.study.presets import load_preset
from tasks.files.settings import PROJECT_ROOT, shared_data_dir

SCRAPES = shared_data_dir() / "aa-site-scrape-daily"
LATEST = SCRAPES / "aa_models_2026-08-22.json"  # the newest scrape: 142 of its 285 models carry a cost
SNAPSHOT_SCRAPE = SCRAPES / "aa_models_2026-07-02.json"  # the scrape behind the bundled aa-2026-07 snapshot
NO_COST = SCRAPES / "aa_models_2026-06-06.json"  # before AA published the cost
SNAPSHOT = PROJECT_ROOT / "data" / "snapshots" / "aa-2026-07"
CORRECTIONS = PROJECT_ROOT / "data" / "corrections.csv"
INDEX = "aa_intelligence_index"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared data not available ({path})")
    return path


# ------------------------------------------------------------------------------------------------ the adapter

def test_site_adapter_reads_the_cost_of_running_the_index():
    tables = ingest_site(_need(LATEST)).validated("latest scrape")
    runs = Runs.validate(tables.runs).set_index("model_id")
    assert len(runs) == 142 and set(runs["benchmark"]) == {INDEX}
    assert set(runs["price_source"]) == {"aa_headline"} and set(runs["source"]) == {"aa_site/aa_models_2026-08-22.json"}
    # by hand from the file: record 23 is gpt-oss-120b, "ii": 24.126439151808, "cost": 95.05; record 16
    # claude-opus-5, "ii": 63.0532452071291, "cost": 3836.05; record 209 llama-4-scout, "ii": 10.2562963744468,
    # "cost": 11.6
    for model_id, record, cost, score in (("gpt-oss-120b", 23, 95.05, 24.126439151808),
                                          ("claude-opus-5", 16, 3836.05, 63.0532452071291),
                                          ("llama-4-scout", 209, 11.6, 10.2562963744468)):
        run = runs.loc[model_id]
        assert (run.record, run.cost_usd, run.score) == (record, cost, score), model_id
        assert run[["input_tokens", "output_tokens", "reasoning_tokens", "epochs"]].isna().all()  # no tokens to price
    # the index score is the run's score, as the benchmarks table has it (points 0..100, not a fraction)
    scores = tables.benchmarks.set_index(["model_id", "benchmark"])["score"]
    assert scores[("gpt-oss-120b", INDEX)] == runs.loc["gpt-oss-120b", "score"]


def test_a_scrape_without_the_cost_has_no_runs_and_no_runs_file():
    tables = ingest_site(_need(NO_COST)).validated("early scrape")
    assert tables.runs.empty and "runs.csv" not in tables.snapshot_files()
    assert "runs" not in tables.snapshot_row_counts()


SITE_RECORD = {"slug": "m-one", "name": "M One", "creator": "Lab", "params": 7, "active": 7, "open": True,
               "openness": "Open Weights", "license": "MIT", "reasoning": False, "release": "2025-01-10",
               "mmlu_pro": 0.55, "gpqa": 0.3, "ii": 20.5, "price": 0.25, "price_in": 0.2, "price_out": 0.4}


def test_a_cost_not_above_zero_is_quarantined_with_its_reason(tmp_path):
    records = [dict(SITE_RECORD, slug=f"m-{i}", name=f"M {i}", cost=cost)
               for i, cost in enumerate([12.5, 0, -3.2, "n/a", None])]
    path = tmp_path / "aa_models_2026-08-22.json"
    path.write_text(json.dumps(records))
    tables = ingest_site(path).validated("scrape")
    assert list(tables.runs["model_id"]) == ["m-0"] and list(tables.runs["cost_usd"]) == [12.5]
    issues = tables.ingest_issues[tables.ingest_issues["column"] == "cost"].set_index("model_name")
    assert set(issues.index) == {"M 1", "M 2", "M 3"}  # a missing cost (None) is no issue: most models have none
    assert set(issues["table"]) == {"runs"} and set(issues["action"]) == {"rejected_value"}
    assert "not above zero: cannot be logged" in issues.loc["M 1", "rule"]
    assert issues.loc["M 2", "value"] == "-3.2" and "not above zero" in issues.loc["M 2", "rule"]
    assert issues.loc["M 3", "rule"] == "not a number"
    # only the run's value is refused: the models keep their index score and their price
    assert set(tables.benchmarks.loc[tables.benchmarks["benchmark"] == INDEX, "model_id"]) == {f"m-{i}" for i in
                                                                                             range(5)}
    result = clean(tables, read_corrections(CORRECTIONS))
    quarantined = result.quarantine[(result.quarantine["table"] == "runs")].set_index("name")
    assert set(quarantined.index) == {"M 1", "M 2", "M 3"} and set(quarantined["stage"]) == {"ingest"}
    assert set(quarantined["field"]) == {"cost"} and set(quarantined["unit"]) == {"value"}
    assert "cannot be logged" in quarantined.loc["M 1", "rule"]
    assert list(result.runs["model_id"]) == ["m-0"]


# ------------------------------------------------------------------------------------------------ the snapshot

def test_bundled_snapshot_carries_the_runs_of_its_scrape():
    snapshot = read_snapshot(SNAPSHOT)
    assert len(snapshot.runs) == 76 and read_snapshot_meta(SNAPSHOT)["row_counts"]["runs"] == 76
    scrape = ingest_site(_need(SNAPSHOT_SCRAPE)).validated("scrape")
    columns = ["model_id", "record", "cost_usd", "score", "price_source", "source"]
    mine = snapshot.runs[columns].sort_values("model_id").reset_index(drop=True)
    assert mine.equals(scrape.runs[columns].sort_values("model_id").reset_index(drop=True))
    # the AA scrape is the merged snapshot's spine: its run ids are model ids of the snapshot
    assert set(snapshot.runs["model_id"]) <= set(snapshot.models["model_id"])


@pytest.mark.parametrize("name", ["futuretech-2025-07", "epoch-2025-03"])
def test_snapshots_without_runs_keep_their_files(name):
    folder = PROJECT_ROOT / "data" / "snapshots" / name
    assert not (folder / "runs.csv").exists() and "runs" not in read_snapshot_meta(folder)["row_counts"]
    assert read_snapshot(folder).runs.empty


# ------------------------------------------------------------------------------------------------ the method

def _raw_points(path: Path, subset: str) -> pd.DataFrame:
    """Every model of the scrape with a cost, an index score and a release date, read from the JSON as it is."""
    rows = [dict(slug=r["slug"], date=pd.Timestamp(r["release"]), ii=float(r["ii"]), cost=float(r["cost"]),
                 open=r.get("open") is True)
            for r in json.loads(path.read_text()) if r.get("cost") is not None and r.get("ii") is not None
            and r.get("release")]
    frame = pd.DataFrame(rows)
    return frame[frame["open"]] if subset == "open" else frame


def _frontier_by_hand(frame: pd.DataFrame) -> pd.DataFrame:
    """The Pareto rule as stated, one point at a time: kept unless a point dated on or before it has an index at
    least as high and a cost at least as low, one of the two strictly."""
    keep = []
    for _, p in frame.iterrows():
        dominating = frame[(frame["date"] <= p["date"]) & (frame["ii"] >= p["ii"]) & (frame["cost"] <= p["cost"])
                           & ((frame["ii"] > p["ii"]) | (frame["cost"] < p["cost"]))]
        keep.append(dominating.empty)
    return frame[keep]


def _formula_fit(frame: pd.DataFrame):
    share = np.clip(frame["ii"] / 100, 0.005, 0.995)
    data = pd.DataFrame(dict(cost=frame["cost"].to_numpy(), lg=np.log(share / (1 - share)).to_numpy(),
                             day=(frame["date"] - pd.Timestamp("1970-01-01")).dt.days.to_numpy(dtype=float)))
    return smf.ols("np.log(cost) ~ day + lg", data=data).fit()


def _fits(tables, snapshot: str) -> dict:
    result = clean(tables, read_corrections(CORRECTIONS))
    preset = load_preset("aa-index-cost")
    light = preset.model_copy(update={"benchmark_cost": preset.benchmark_cost.model_copy(
        update={"bootstrap_resamples": 0, "permutations": 0})})
    specs = plan_method(light, "benchmark_cost", snapshot, result.analysis)
    context = {"runs": result.runs, "run_prices": result.run_prices}
    return {(s.subset, s.variant): judge(bc.fit(result.analysis, s, context)) for s in specs}


@pytest.fixture(scope="module")
def latest():
    return _fits(ingest_site(_need(LATEST)).validated("latest"), "aa-site-scrape-daily")


@pytest.fixture(scope="module")
def bundled():
    _need(SNAPSHOT_SCRAPE)
    return _fits(read_snapshot(SNAPSHOT), "aa-2026-07")


def _check(fit, reference, n_candidates):
    got = fit.main
    low, high = reference.conf_int(alpha=0.10).loc["day"]
    assert got.status == "ok" and got.sample.n == int(reference.nobs) and got.sample.n_candidates == n_candidates
    assert got.slope == pytest.approx(reference.params["day"], rel=1e-8)
    assert got.slope_se == pytest.approx(reference.bse["day"], rel=1e-8)
    assert (got.ci_low, got.ci_high) == pytest.approx((math.exp(-high * 365.25), math.exp(-low * 365.25)), rel=1e-8)
    assert got.r_squared == pytest.approx(reference.rsquared, rel=1e-9)
    # AA prices every model at its headline price of the scrape's day: no hardware adjustment, and the note says so
    assert got.hardware_adjusted_factor is None
    assert "no hardware adjustment" in got.note and "headline price of the scrape's day" in got.note


def test_the_plan_is_pareto_and_unrestricted_on_open_and_all(latest):
    assert set(latest) == {(subset, variant) for subset in ("all", "open")
                           for variant in ("", bc.UNRESTRICTED, bc.RAW, bc.RAW_UNRESTRICTED)}
    assert {f.spec.price_source for f in latest.values()} == {"aa_headline"}
    assert {f.spec.quality_measure for f in latest.values()} == {INDEX}


def test_first_frontier_points_of_the_latest_scrape_by_hand():
    raw = _raw_points(_need(LATEST), "all").sort_values(["date", "slug"])
    frontier = _frontier_by_hand(raw)
    # read off the scrape: DeepSeek V3 (2024-12-26, ii 14.2, $20.02) is the first; R1 (2025-01-20) scores higher;
    # Mistral Small 3.1 (2025-03-17, 14.9, $29.83) beats V3's score at a cost below R1's; V3-0324 (15.2, $35.16)
    # beats every earlier score but R1's at a cost below R1's; Llama 4 Scout (2025-04-05, $11.60) is the cheapest yet
    assert list(frontier["slug"].head(5)) == ["deepseek-v3", "deepseek-r1-0120", "mistral-small-3-1",
                                              "deepseek-v3-0324", "llama-4-scout"]
    assert (len(raw), len(frontier)) == (142, 70)


@pytest.mark.parametrize("subset, candidates", [("all", 142), ("open", 68)])
def test_latest_scrape_matches_statsmodels_on_a_frontier_selected_by_hand(latest, subset, candidates):
    raw = _raw_points(_need(LATEST), subset)
    assert len(raw) == candidates
    frontier = _frontier_by_hand(raw)
    fit = latest[(subset, "")]
    _check(fit, _formula_fit(frontier), candidates)
    chosen = fit.points.loc[fit.points["in_fit"].astype(bool), "model_id"]
    assert sorted(chosen) == sorted(frontier["slug"])
    _check(latest[(subset, bc.UNRESTRICTED)], _formula_fit(raw), candidates)


@pytest.mark.parametrize("subset, candidates", [("all", 75), ("open", 39)])
def test_bundled_snapshot_matches_statsmodels_on_a_frontier_selected_by_hand(bundled, subset, candidates):
    # the scrape's 76 costs less Grok Build 0.1 0616, whose release date is missing (its run is quarantined)
    raw = _raw_points(SNAPSHOT_SCRAPE, subset)
    assert len(raw) == candidates
    _check(bundled[(subset, "")], _formula_fit(_frontier_by_hand(raw)), candidates)
    _check(bundled[(subset, bc.UNRESTRICTED)], _formula_fit(raw), candidates)


@pytest.mark.parametrize("subset", ["all", "open"])
def test_bundled_snapshot_raw_fits_are_log_cost_on_the_date_alone(bundled, subset):
    # issue "Step 15", point 6 (before: no raw variant): what a run actually cost, no score control, on the Pareto
    # points selected by hand and on every run, against statsmodels' formula
    raw = _raw_points(SNAPSHOT_SCRAPE, subset)
    for variant, frame in ((bc.RAW, _frontier_by_hand(raw)), (bc.RAW_UNRESTRICTED, raw)):
        data = pd.DataFrame(dict(cost=frame["cost"].to_numpy(),
                                 day=(frame["date"] - pd.Timestamp("1970-01-01")).dt.days.to_numpy(dtype=float)))
        reference = smf.ols("np.log(cost) ~ day", data=data).fit()
        got = bundled[(subset, variant)].main
        assert got.status in ("ok", "short_span", "wide_interval") and got.sample.n == int(reference.nobs)
        assert got.slope == pytest.approx(reference.params["day"], rel=1e-8)
        assert got.slope_se == pytest.approx(reference.bse["day"], rel=1e-8)


# ------------------------------------------------------------------------------------------------ the answer

def test_a_run_of_the_cost_method_alone_answers_with_its_cost_lines():
    from tasks.render.document import render_markdown
    from tasks.render.answer import answer_section, headline, headline_lines
    from tasks.reporting.document import Document
    from tasks.reporting.format import ReportInputs
    from tasks.methods import by_row_name

    base = dict(snapshot="aa-site-scrape-daily", method="benchmark_cost", quality_measure=INDEX,
                quantity="cost_per_run", price_type=None, price_source="aa_headline", controls="logit_score",
                band_low=None, band_high=None, threshold_model=None, estimator="ols", ci_method="ols",
                variant=None, ci_level=0.9, status="ok", months_since_last=None, note=None)
    trends = pd.DataFrame([dict(base, trend_id="all", subset="all", factor_per_year=21.88, ci_low=10.96,
                                ci_high=43.68, n=70),
                           dict(base, trend_id="open", subset="open", factor_per_year=3.564, ci_low=1.231,
                                ci_high=10.32, n=35)])
    inputs = ReportInputs(trends=trends, diagnostics=pd.DataFrame(), cleans={}, meta={}, methods=by_row_name())
    numbers = headline(inputs)
    # no frontier or hedonic estimate: no snapshot to answer on, but the cost lines are there (before: nothing)
    assert numbers["snapshot"] is None
    assert [(e["subset"], e["factor_per_year"]) for e in numbers["entries"]] == [("all", 21.88), ("open", 3.564)]
    lines = headline_lines(numbers)
    assert lines[0] == "No frontier or hedonic estimate to answer from: see the report."
    assert any("AA Intelligence Index, all models" in line and "21.9x" in line for line in lines)
    doc = Document("t")
    answer_section(doc, inputs, numbers, [])
    text = render_markdown(doc)
    assert "**Cost of one benchmark run** on `aa-site-scrape-daily`" in text and "3.56x" in text


def test_the_answer_prints_the_raw_cost_beside_the_score_controlled_one():
    # issue "Step 15", point 6 (before: the answer printed only the score-controlled factor, and headline.json had no
    # raw numbers): the raw factors of the same subset beside it, and "dearer each year" where the raw one is below 1
    from tasks.render.document import render_markdown
    from tasks.render.answer import answer_section, headline, headline_lines
    from tasks.reporting.document import Document
    from tasks.reporting.format import ReportInputs
    from tasks.methods import by_row_name

    base = dict(snapshot="aa-2026-07", method="benchmark_cost", quality_measure=INDEX, quantity="cost_per_run",
                price_type=None, price_source="aa_headline", controls="logit_score", band_low=None, band_high=None,
                threshold_model=None, estimator="ols", ci_method="ols", variant=None, ci_level=0.9, status="ok",
                months_since_last=None, note=None)
    rows = [dict(base, trend_id="a", subset="all", factor_per_year=50.8, ci_low=14.4, ci_high=180.0, n=20),
            dict(base, trend_id="a-u", subset="all", variant="unrestricted", factor_per_year=3.0, ci_low=2.0,
                 ci_high=4.0, n=75),
            dict(base, trend_id="a-r", subset="all", variant="raw", controls=None, factor_per_year=0.5,
                 ci_low=0.25, ci_high=1.0, n=20),
            dict(base, trend_id="a-ru", subset="all", variant="raw_unrestricted", controls=None,
                 factor_per_year=1.11, ci_low=0.8, ci_high=1.5, n=75),
            dict(base, trend_id="o", subset="open", factor_per_year=1.95, ci_low=1.2, ci_high=3.0, n=10),
            dict(base, trend_id="o-r", subset="open", variant="raw", controls=None, factor_per_year=0.42,
                 ci_low=0.3, ci_high=0.6, n=10),
            dict(base, trend_id="o-ru", subset="open", variant="raw_unrestricted", controls=None,
                 status="short_span", factor_per_year=2.6, ci_low=0.17, ci_high=38.9, n=11)]
    inputs = ReportInputs(trends=pd.DataFrame(rows), diagnostics=pd.DataFrame(), cleans={}, meta={},
                          methods=by_row_name())
    numbers = headline(inputs)
    every, every_run, opens = numbers["entries"]  # the Pareto fits, and the fit on every run as an entry of its own
    assert [e["kind"] for e in numbers["entries"]] == ["benchmark_cost", "benchmark_cost_unrestricted",
                                                       "benchmark_cost"]
    assert every_run["factor_per_year"] == 3.0 and every_run["what"] == "AA Intelligence Index, all models, every run"
    assert (every["raw_trend_id"], every["raw_factor_per_year"], every["raw_ci_low"], every["raw_n"]) == (
        "a-r", 0.5, 0.25, 20)
    assert (every["raw_all_factor_per_year"], every["raw_all_n"], every["adjusted_all_factor_per_year"]) == (
        1.11, 75, 3.0)
    assert opens["raw_factor_per_year"] == 0.42 and opens["raw_all_factor_per_year"] == 2.6
    assert "2.60x per year (short span) [0.17-38.9] on all runs (n = 11)" in opens["beside"]
    # 1 / 0.5 = 2x dearer; 1 / 0.42 = 2.38x dearer
    assert "0.50x per year [0.25-1.00] on the Pareto points (n = 20), 2.00x dearer each year" in every["beside"]
    assert "1.11x per year [0.80-1.50] on all runs (n = 75), 1.11x cheaper per year" in every["beside"]
    assert "2.38x dearer each year" in opens["beside"] and "getting dearer" in opens["beside"]
    # the conclusion only where a raw interval lies wholly below 1 (all models: 0.25-1.00 reaches 1)
    assert "getting dearer" not in every["beside"]
    lines = headline_lines(numbers)
    line = next(line for line in lines if "AA Intelligence Index, all models" in line)
    assert "50.8x" in line and "raw cost of a run (no score control): 0.50x per year" in line
    doc = Document("t")
    answer_section(doc, inputs, numbers, [])
    text = render_markdown(doc)
    assert "all models, controlling for the score: **50.8x** [14.4-180]" in text
    assert "; raw cost of a run (no score control): 0.50x per year" in text
    assert "2.38x dearer each year" in text
    # the authors' own conclusion, quoted once (step 15 point 6)
    assert text.count("the price of running frontier models is rising between 3x to 18x per year") == 1
    assert "every run" not in text.split("Cost of one benchmark run", 1)[1].split("\n")[0]  # the note: Pareto


def test_the_details_table_sets_the_raw_fits_beside_the_score_controlled_ones():
    # issue "Step 15", point 6 (before: the method's details had its figures only, no raw column anywhere)
    from tasks.methods.benchmark_cost_report import benchmark_cost_details
    from tasks.render.document import render_markdown
    from tasks.reporting.document import Document
    from tasks.reporting.format import ReportInputs
    from tasks.methods import by_row_name

    base = dict(snapshot="aa-2026-07", method="benchmark_cost", quality_measure=INDEX, quantity="cost_per_run",
                price_type=None, price_source="aa_headline", controls="logit_score", band_low=None, band_high=None,
                threshold_model=None, estimator="ols", ci_method="ols", variant=None, ci_level=0.9, status="ok",
                months_since_last=None, note=None, subset="all")
    rows = [dict(base, trend_id="a", factor_per_year=50.8, ci_low=14.4, ci_high=180.0, n=34),
            dict(base, trend_id="a-u", variant="unrestricted", factor_per_year=1.11, ci_low=0.56, ci_high=2.2, n=75),
            dict(base, trend_id="a-r", variant="raw", factor_per_year=0.166, ci_low=0.07, ci_high=0.39, n=34),
            dict(base, trend_id="a-ru", variant="raw_unrestricted", factor_per_year=0.5, ci_low=0.2, ci_high=1.3,
                 n=75)]
    inputs = ReportInputs(trends=pd.DataFrame(rows), diagnostics=pd.DataFrame(), cleans={}, meta={},
                          methods=by_row_name())
    doc = Document("t")
    benchmark_cost_details(doc, inputs, "aa-2026-07")
    text = render_markdown(doc)
    assert "| score controlled: Pareto | score controlled: all runs | raw: Pareto | raw: all runs |" in text
    # the raw Pareto interval lies below 1: dearer each year; the raw all-runs one reaches 1.3: not marked
    assert ("| AA Intelligence Index | all | 50.8x \\[14.4-180\\] | 1.11x \\[0.56-2.20\\] | 0.17x \\[0.07-0.39\\] "
            "(dearer each year) | 0.50x \\[0.20-1.30\\] | 34 / 75 |") in text
