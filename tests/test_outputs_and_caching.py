"""The output contract (ids, formatting, ordering, schema) and the cache-key ingredients."""

from __future__ import annotations

import pandas as pd
import pytest

from schemas.analysis import TREND_COLUMNS
from tasks.platform.caching import _normalised_source, module_closure, stable_form
from tasks.study.plan import plan_trends
from tasks.study.presets import load_preset
from tasks.study.tables import finalise_trends
from tasks.trends import Checks, Estimate, Sample, TrendSpec, trends_csv
from schemas.validation import DataValidationError
from tests.test_frontier import spec


def test_trend_ids_are_stable_unique_and_readable():
    preset = load_preset("futuretech-2025")
    specs = plan_trends(preset, "futuretech-2025-07", {"lowest_reported"})
    ids = [s.trend_id for s in specs]
    # frontier: 3 bands x 3 price types x 2 subsets; decomposition: 4 quantities x 3 bands (open models);
    # each of those again with half-open bands; the common-sample decomposition: 3 quantities x 3 bands;
    # hedonic: 3 price types x 2 control sets, again without reasoning models (variant no_reasoning); the price
    # frontier again as the typical model of each band and without reasoning models (variants typical, no_reasoning)
    main_frontier = 3 * 3 * 2 + 4 * 3
    # step 15: the answer's regression (blended, MMLU-Pro control) on all models and on 8 other score ranges
    sensitivity = 1 + 8
    assert len(ids) == len(set(ids)) == 2 * main_frontier + 3 * 3 + 2 * 3 * 2 + 2 * (3 * 3 * 2) + sensitivity
    again = [s.trend_id for s in plan_trends(preset, "futuretech-2025-07", {"lowest_reported"})]
    assert ids == again
    assert any(i.startswith("frontier-open-mmlu_pro_30_50-price-blended-lowest_reported-") for i in ids)
    # the id says what the trend is: another snapshot is another trend; a fitting option is not
    one = spec()
    assert spec(snapshot="other").trend_id != one.trend_id
    assert spec(min_points=9, ci_level=0.95).trend_id == one.trend_id
    assert spec(variant="half_open_bands").trend_id != one.trend_id


def test_plan_uses_only_available_price_sources():
    preset = load_preset("futuretech-2025")
    # without any price, only the parameter-count trends remain
    assert {s.quantity for s in plan_trends(preset, "x", set())} == {"active_params", "total_params"}
    both = plan_trends(preset, "x", {"lowest_reported", "lowest_provider"})
    # parameter counts do not depend on a price source; everything else is planned once per source
    main_frontier = 2 * 18 + 6 + 2 * 6
    # step 15: per price source the hedonic sensitivity (1 composition + 8 score ranges), and each of the 2 x 6 main
    # hedonic trends on the models both sources price (common_price_sample)
    assert len(both) == (2 * main_frontier + 2 * 9 + 2 * 2 * 6 + 2 * (2 * 18)  # + typical and no_reasoning
                         + 2 * (1 + 8) + 2 * 6)


def row(trend: TrendSpec, status: str = "ok", note: str | None = None, **values):
    """A trends.csv row with the given numbers (an Estimate of 5 points of 9 candidates)."""
    sample = Sample(5, 9, pd.Timestamp("2024-01-01"), pd.Timestamp("2025-01-01"))
    checks = Checks(**{k: values.pop(k) for k in list(values) if k.startswith("tie_order")})
    return Estimate("ols", "ols", status, sample, note, factor=values.pop("factor_per_year", None), checks=checks,
                    ci_level=trend.ci_level, **values).row(trend)


def rows_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


def test_trends_csv_format_and_order():
    a, b = spec(band_low=50, band_high=70), spec()
    rows = [row(a, factor_per_year=28.4812345678901, ci_low=0.1234567890123, ci_high=1885.0, tie_order_exact=True),
            row(b, status="insufficient", note="3 record(s), fewer than the minimum of 4")]
    frame = finalise_trends([rows_frame(rows)])
    assert list(frame.trend_id) == sorted([a.trend_id, b.trend_id])
    text = trends_csv(frame)
    header, *lines = text.splitlines()
    assert header.split(",") == TREND_COLUMNS
    values = {r.split(",")[0]: dict(zip(TREND_COLUMNS, r.split(","))) for r in lines}
    ok = values[a.trend_id]
    assert ok["factor_per_year"] == "28.48123457"      # 10 significant digits
    assert ok["ci_low"] == "0.123456789" and ok["ci_high"] == "1885"
    assert ok["first_date"] == "2024-01-01" and ok["tie_order_exact"] == "true"
    assert ok["band_low"] == "50" and ok["threshold_model"] == "" and ok["variant"] == ""
    insufficient = values[b.trend_id]
    assert insufficient["factor_per_year"] == "" and insufficient["status"] == "insufficient"
    assert text.endswith("\n") and "\r" not in text


def test_trends_schema_rejects_a_factor_outside_its_interval():
    bad = row(spec(), factor_per_year=50.0, ci_low=1.0, ci_high=10.0)
    with pytest.raises(DataValidationError, match="estimate_matches_status|interval"):
        finalise_trends([rows_frame([bad])])
    no_number = row(spec(), status="insufficient", factor_per_year=3.0)
    with pytest.raises(DataValidationError):
        finalise_trends([rows_frame([no_number])])


def test_trends_table_takes_only_known_estimators_and_interval_methods():
    """The vocabulary's estimators and interval methods, and those a registered method declares: any other is an
    error naming the column (a typo must not reach trends.csv)."""
    good = row(spec(), factor_per_year=3.0, ci_low=2.0, ci_high=4.0)
    assert len(finalise_trends([rows_frame([good])])) == 1
    for column, value in (("estimator", "theil_senn"), ("ci_method", "jackknife")):
        with pytest.raises(ValueError, match=f"column {column}: {value} not registered"):
            finalise_trends([rows_frame([{**good, column: value}])])


def test_code_closure_follows_imports_exactly():
    frontier = module_closure("tasks.methods.frontier")
    assert {"tasks.methods.frontier", "tasks.core.stats", "tasks.core.bands", "tasks.trends", "tasks.data.quantities"} <= set(frontier)
    assert "tasks.methods.hedonic" not in frontier and "tasks.data.clean" not in frontier
    hedonic = module_closure("tasks.methods.hedonic")
    assert "tasks.core.stats" in hedonic and "tasks.methods.frontier" not in hedonic
    clean = module_closure("tasks.data.clean")
    assert "tasks.core.stats" not in clean and "tasks.data.providers" in clean and "schemas.canonical" in clean
    futuretech = module_closure("tasks.data.ingest.futuretech")
    assert "tasks.data.ingest.csvfile" in futuretech and "tasks.data.ingest.snapshot" not in futuretech
    fit = module_closure("tasks.stages.fit")  # the fit stage: a method's batch adds that method's closure only
    assert "tasks.study.plan" in fit and not {"tasks.methods.frontier", "tasks.methods.hedonic"} & set(fit)


def test_source_hash_ignores_comments_but_not_code(tmp_path):
    one, two, three = (tmp_path / n for n in ("a.py", "b.py", "c.py"))
    one.write_text("x = 1\n")
    two.write_text("# a comment\nx = 1  # another\n\n")
    three.write_text("x = 2\n")
    assert _normalised_source(one) == _normalised_source(two) != _normalised_source(three)


def test_files_count_by_content_and_base_name_not_by_folder(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    a, b = tmp_path / "x" / "a.csv", tmp_path / "y" / "a.csv"
    a.write_text("1,2\n")
    b.write_text("1,2\n")
    assert stable_form(a) == stable_form(b)  # same bytes, same name, another folder (a fresh clone): same key
    b.write_text("1,3\n")
    assert stable_form(a) != stable_form(b)
    # a dated scrape's observation date is in its name: same bytes on another day must not share a key
    day1, day2 = tmp_path / "aa_models_2026-07-01.json", tmp_path / "aa_models_2026-07-02.json"
    day1.write_text("[]")
    day2.write_text("[]")
    assert stable_form(day1) != stable_form(day2)
    with pytest.raises(TypeError):
        stable_form(object())


def test_a_batch_writes_its_own_methods_diagnostics_and_the_run_has_every_methods():
    # a batch's cache key is its method's code: it must not carry columns another method declares (before: every
    # method's columns, so a new field of HedonicDiagnostics left warm frontier batches stale, and collect raised
    # KeyError on them); the collect task, keyed by every method's code, gives the run every column
    import dataclasses

    from tasks.methods import diagnostic_columns
    from tasks.methods.frontier import FrontierDiagnostics
    from tasks.methods.hedonic import HedonicDiagnostics
    from tasks.stages.fit import batch_tables
    from tasks.stages.outputs import collect
    from tasks.trends import TrendFit

    frontier = spec()
    hedonic = spec(method="hedonic", controls=("mmlu_pro",))
    sample = Sample(5, 5)
    fits = {name: TrendFit(s, [Estimate("ols", "ols", "insufficient", sample)], pd.DataFrame(), diagnostics)
            for name, s, diagnostics in (("frontier", frontier, FrontierDiagnostics(common_sample_share=0.5)),
                                         ("hedonic", hedonic, HedonicDiagnostics(clusters=7)))}
    batches = {"frontier": batch_tables([fits["frontier"]], "x", FrontierDiagnostics),
               "hedonic": batch_tables([fits["hedonic"]], "x", HedonicDiagnostics)}
    assert "clusters" not in batches["frontier"]["diagnostics"]
    assert list(batches["hedonic"]["diagnostics"].columns) == [
        "trend_id", *(f.name for f in dataclasses.fields(HedonicDiagnostics))]
    run = collect(list(batches.values()))["diagnostics"]
    assert list(run.columns) == diagnostic_columns()
    by_id = run.set_index("trend_id")
    assert by_id.loc[frontier.trend_id, "common_sample_share"] == 0.5 and pd.isna(by_id.loc[frontier.trend_id, "clusters"])
    assert by_id.loc[hedonic.trend_id, "clusters"] == 7
