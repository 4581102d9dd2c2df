"""Price history: incremental ingestion, data-drift warnings, same-model drift, and skipping on a missing column.

Expected values are hand-computed (same-model factors) or read off the raw files independently of the code under
test (row counts and the null MMLU-Pro field of the real daily scrapes).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tasks.data.history import (LEDGER, PARTS, detect_drift, profile_records, same_model_drift, summarise_same_model)
from tasks.platform.history_store import ingest_history, load_history, read_ledger, read_profiles
from tasks.files.settings import PROJECT_ROOT, shared_data_dir

DAILY = shared_data_dir() / "aa-site-scrape-daily"
BUNDLED_STORE = PROJECT_ROOT / "data" / "history" / "aa-site-daily"


def scrape(slug: str, price: float | None, open_: bool = True, mmlu: float | None = 0.6, **extra) -> dict:
    return {"slug": slug, "name": slug.upper(), "creator": "X", "open": open_, "params": 7, "active": 7,
            "reasoning": False, "license": "apache", "release": "2025-01-01", "mmlu_pro": mmlu, "price": price,
            "price_in": price, "price_out": price, **extra}


def write_day(folder: Path, day: str, records: list[dict]) -> Path:
    path = folder / f"aa_models_{day}.json"
    path.write_text(json.dumps(records))
    return path


def snapshot_tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- incremental ingestion ------------------------------------------------------------------------------------------
def test_ingestion_is_incremental(tmp_path, monkeypatch):
    raw, store = tmp_path / "raw", tmp_path / "store"
    raw.mkdir()
    write_day(raw, "2026-07-01", [scrape("a", 1.0), scrape("b", 2.0)])
    write_day(raw, "2026-07-02", [scrape("a", 1.0), scrape("b", 1.5), scrape("c", 3.0)])
    first = ingest_history(raw, store)
    assert first.added == ["aa_models_2026-07-01.json", "aa_models_2026-07-02.json"] and first.rows_added == 5
    assert len(load_history(store)["prices"]) == 5
    from tasks.core.hashing import sha256_file
    from tasks.files.io import read_lineage

    day_one = raw / "aa_models_2026-07-01.json"
    lineage = read_lineage(store / PARTS / f"2026-07-01-{sha256_file(day_one)[:12]}" / "prices.parquet")
    assert lineage["producer"]["task"] == "ingest-history" and len(lineage["code_sha256"]) == 64
    assert lineage["upstream"] == [{"file": day_one.name, "sha256": sha256_file(day_one)}]

    # a second run parses nothing (only hashes), and the store is byte-identical
    before = snapshot_tree(store)
    import tasks.platform.history_store as history

    def no_reading(path):  # pragma: no cover - must not run
        raise AssertionError(f"{path} was read again")

    monkeypatch.setattr(history, "load_json", no_reading)
    second = ingest_history(raw, store)
    assert second.parsed == [] and second.rows_added == 0 and len(second.skipped_unchanged) == 2
    assert snapshot_tree(store) == before
    monkeypatch.undo()

    # a new file adds exactly its rows; the parts already there are untouched
    write_day(raw, "2026-07-03", [scrape("a", 0.5)])
    third = ingest_history(raw, store)
    assert third.added == ["aa_models_2026-07-03.json"] and third.rows_added == 1
    after = snapshot_tree(store)
    assert {k: v for k, v in after.items() if k.startswith(PARTS)} == {
        **{k: v for k, v in before.items() if k.startswith(PARTS)},
        **{k: v for k, v in after.items() if k.startswith(f"{PARTS}/2026-07-03")}}
    prices = load_history(store)["prices"]
    assert len(prices) == 6
    assert prices[prices["observed_on"] == "2026-07-03"]["model_id"].tolist() == ["a"]

    # the same bytes under another name are recognised by content and not parsed
    shutil.copy(raw / "aa_models_2026-07-03.json", raw / "aa_models_2026-07-03-copy.json")
    fourth = ingest_history(raw, store)
    assert fourth.skipped_same_content == ["aa_models_2026-07-03-copy.json"] and fourth.parsed == []

    # the same bytes under a new date (nothing changed that day) are a new observation date, not a duplicate
    shutil.copy(raw / "aa_models_2026-07-02.json", raw / "aa_models_2026-07-05.json")
    same = ingest_history(raw, store)
    assert same.added == ["aa_models_2026-07-05.json"] and same.rows_added == 3
    (raw / "aa_models_2026-07-05.json").unlink()
    shutil.rmtree(store / PARTS / read_ledger(store).set_index("observed_on").loc["2026-07-05", "part"])
    ledger_rows = read_ledger(store)
    (store / LEDGER).write_text(ledger_rows[ledger_rows["observed_on"] != "2026-07-05"].to_csv(index=False))

    # a same-size edit is not missed: the content hash decides, not the name and size
    path = raw / "aa_models_2026-07-01.json"
    edited = path.read_text().replace('"price": 2.0', '"price": 3.0')
    assert len(edited) == len(path.read_text()) and edited != path.read_text()
    path.write_text(edited)
    assert ingest_history(raw, store).replaced == ["aa_models_2026-07-01.json"]

    # a corrected re-scrape of a date replaces that date's part, and says so
    (raw / "aa_models_2026-07-03-copy.json").unlink()
    write_day(raw, "2026-07-03", [scrape("a", 0.4), scrape("b", 1.4)])
    fifth = ingest_history(raw, store)
    assert fifth.replaced == ["aa_models_2026-07-03.json"]
    ledger = read_ledger(store)
    assert ledger["observed_on"].tolist() == ["2026-07-01", "2026-07-02", "2026-07-03"]
    assert len(list((store / PARTS).iterdir())) == 3
    prices = load_history(store)["prices"]
    assert sorted(prices[prices["observed_on"] == "2026-07-03"]["blended_usd_per_mtok"]) == [0.4, 1.4]


def test_a_broken_file_stops_ingestion_without_touching_the_ledger(tmp_path, monkeypatch):
    import tasks.platform.history_store as history
    from tasks.core.hashing import sha256_file

    raw, store = tmp_path / "raw", tmp_path / "store"
    raw.mkdir()
    write_day(raw, "2026-07-01", [scrape("a", 1.0)])
    ingest_history(raw, store)
    ledger = (store / LEDGER).read_bytes()
    # a good new file is parsed and its part written before the broken one stops the run: the ledger must still
    # not name it (with the broken file alone, nothing would have been written whatever the ledger rule)
    write_day(raw, "2026-07-02", [scrape("a", 0.9)])
    (raw / "aa_models_2026-07-03.json").write_text('[{"slug": "a", "name": "A", "pri')  # truncated
    with pytest.raises(Exception, match="aa_models_2026-07-03.json"):
        ingest_history(raw, store)
    assert (store / PARTS / f"2026-07-02-{sha256_file(raw / 'aa_models_2026-07-02.json')[:12]}").is_dir()
    assert (store / LEDGER).read_bytes() == ledger  # the ledger names only complete parts
    assert not [p for p in (store / PARTS).iterdir() if p.name.startswith(".")]

    # a failure while a part is being written (its second table) leaves no staging folder behind
    (raw / "aa_models_2026-07-03.json").unlink()
    written: list[Path] = []
    real_write = history.write_parquet

    def failing_write(frame, path, *args, **kwargs):
        written.append(Path(path))
        if len(written) == 2:
            raise OSError("disk full")
        return real_write(frame, path, *args, **kwargs)

    monkeypatch.setattr(history, "write_parquet", failing_write)
    with pytest.raises(OSError, match="disk full"):
        ingest_history(raw, store)
    assert len(written) == 2 and written[0].parent.name.startswith(".2026-07-02")  # it failed inside a staging part
    assert (store / LEDGER).read_bytes() == ledger
    assert not [p for p in (store / PARTS).iterdir() if p.name.startswith(".")]
    monkeypatch.undo()
    assert ingest_history(raw, store).added == ["aa_models_2026-07-02.json"]  # once the cause is gone, it goes in


# --- data drift -----------------------------------------------------------------------------------------------------
def profiles_of(days: dict[str, list[dict]]) -> pd.DataFrame:
    import datetime as dt

    return pd.concat([profile_records(records, dt.date.fromisoformat(day), f"{day}.json")
                      for day, records in days.items()], ignore_index=True)


def test_an_empty_file_is_a_drift_warning():
    drift = detect_drift(profiles_of({"2026-01-01": [scrape("a", 1.0), scrape("b", 1.0)], "2026-01-02": [],
                                      "2026-01-03": [scrape("a", 1.0)]}))
    rows = drift[drift["kind"] == "row_count"][["observed_on", "before", "after"]].values.tolist()
    assert rows == [["2026-01-02", 2, 0], ["2026-01-03", 0, 1]]


def test_drift_rules_on_hand_made_profiles():
    day1 = [scrape(f"m{i}", 1.0, mmlu=0.5 + i / 100) for i in range(10)]
    day2 = [scrape(f"m{i}", 1.0, mmlu=50 + i) for i in range(10)]  # percent now
    day3 = [scrape(f"m{i}", 1.0, mmlu=None, agentic=3.0) for i in range(12)]  # +20%, MMLU-Pro gone, a new field
    day4 = [{k: v for k, v in r.items() if k != "price_out"} for r in day3[:11]]  # -8%: no warning; a field removed
    drift = detect_drift(profiles_of({"2026-01-01": day1, "2026-01-02": day2, "2026-01-03": day3,
                                      "2026-01-04": day4}))
    found = {(r.observed_on, r.kind, r.column if isinstance(r.column, str) else None) for r in drift.itertuples()}
    assert found == {("2026-01-02", "unit_change", "mmlu_pro"), ("2026-01-03", "row_count", None),
                     ("2026-01-03", "column_all_null", "mmlu_pro"), ("2026-01-03", "column_added", "agentic"),
                     ("2026-01-04", "column_removed", "price_out")}
    row = drift[drift["kind"] == "row_count"].iloc[0]
    assert (row["before"], row["after"]) == (10, 12)


@pytest.fixture(scope="module")
def daily_files() -> Path:
    if not DAILY.exists():
        pytest.skip(f"shared data not available ({DAILY})")
    return DAILY


def test_drift_warnings_on_the_real_scrapes_at_the_dates_they_happen(daily_files, tmp_path):
    days = ["2026-06-06", "2026-06-22", "2026-07-02", "2026-07-12", "2026-08-02", "2026-08-03"]
    raw = tmp_path / "raw"
    raw.mkdir()
    for day in days:
        shutil.copy(daily_files / f"aa_models_{day}.json", raw)
    store = tmp_path / "store"
    ingest_history(raw, store)
    drift = detect_drift(read_profiles(store))
    # expectations read off the raw files directly
    rows = {day: json.loads((daily_files / f"aa_models_{day}.json").read_text()) for day in days}
    counts = {day: len(r) for day, r in rows.items()}
    assert (counts["2026-06-06"], counts["2026-07-02"], counts["2026-07-12"]) == (326, 537, 305)
    assert all(r.get("mmlu_pro") is None for r in rows["2026-07-12"])
    assert any(r.get("mmlu_pro") is not None for r in rows["2026-07-02"])
    row_changes = drift[drift["kind"] == "row_count"].set_index("observed_on")
    expected = {after for before, after in zip(days, days[1:])
                if abs(counts[after] - counts[before]) >= 0.10 * counts[before]}
    assert expected == {"2026-06-22", "2026-07-12", "2026-08-02", "2026-08-03"}  # 326->531->537->305->270->234
    assert set(row_changes.index) == expected
    for day in row_changes.index:
        assert int(row_changes.loc[day, "after"]) == counts[day]
    null = drift[drift["kind"] == "column_all_null"]
    assert null[["observed_on", "column"]].values.tolist() == [["2026-07-12", "mmlu_pro"]]
    added = set(drift[(drift["kind"] == "column_added") & (drift["observed_on"] == "2026-06-22")]["column"])
    assert {"price", "price_in", "price_out"} <= added
    assert not (drift["kind"] == "unit_change").any()  # the real files keep their units


def test_bundled_store_holds_every_daily_scrape(daily_files):
    ledger = read_ledger(BUNDLED_STORE)
    files = sorted(p.name for p in daily_files.glob("aa_models_*.json"))
    assert ledger["file"].tolist() == files and len(files) == 52
    from tasks.core.hashing import sha256_file

    assert ledger["sha256"].tolist() == [sha256_file(daily_files / f) for f in files]
    drift = detect_drift(read_profiles(BUNDLED_STORE))
    assert [["2026-07-12", "mmlu_pro"], ["2026-08-05", "coding"]] == \
        drift[drift["kind"] == "column_all_null"][["observed_on", "column"]].values.tolist()
    committed = pd.read_csv(BUNDLED_STORE / "data_drift.csv", dtype=str, keep_default_na=False)
    # the committed table is the one the store gives now, row for row (a count alone would pass any content)
    assert len(committed) == len(drift) > 0
    text_columns = ["observed_on", "previous_on", "kind", "column", "severity", "message"]
    assert committed[text_columns].values.tolist() == drift[text_columns].fillna("").values.tolist()
    for column in ("before", "after"):
        assert pd.to_numeric(committed[column]).tolist() == pytest.approx(drift[column].tolist(), nan_ok=True), column


# --- same-model drift -----------------------------------------------------------------------------------------------
def test_same_model_drift_by_hand():
    days = pd.to_datetime(["2026-01-01", "2026-02-01", "2026-03-15"])  # a 73-day window
    span = (days[-1] - days[0]).days
    assert span == 73
    prices = pd.DataFrame({
        "model_id": ["halves"] * 2 + ["flat"] * 3 + ["late"] * 2 + ["early"] * 2,
        "observed_on": [days[0], days[2], *days, days[1], days[2], days[0], days[1]],
        "blended_usd_per_mtok": [2.0, 1.0, 3.0, 3.0, 3.0, 1.0, 0.5, 1.0, 1.0],
        "input_usd_per_mtok": np.nan, "output_usd_per_mtok": np.nan, "provider": "p1"})
    # a second, dearer provider of "halves" on both days: each day's price is the lowest across providers
    prices = pd.concat([prices, pd.DataFrame({
        "model_id": ["halves", "halves"], "observed_on": [days[0], days[2]], "blended_usd_per_mtok": [4.0, 9.0],
        "input_usd_per_mtok": np.nan, "output_usd_per_mtok": np.nan, "provider": "p2"})], ignore_index=True)
    models = pd.DataFrame({"model_id": ["halves", "flat", "late", "early"], "name": ["H", "F", "L", "E"],
                           "open_weights": [True, False, True, True], "observed_on": days[0]})
    per_model = same_model_drift(prices, models).set_index("model_id")
    assert sorted(per_model.index) == ["flat", "halves"]  # only models priced over the whole window
    # two points: ln price falls by ln 2 over 73 days -> 2 ** (365.25 / 73) times per year
    assert per_model.loc["halves", "factor_per_year"] == pytest.approx(2 ** (365.25 / 73), rel=1e-12)
    assert per_model.loc["halves", "endpoint_factor_per_year"] == pytest.approx(2 ** (365.25 / 73), rel=1e-12)
    assert per_model.loc["flat", "factor_per_year"] == 1.0 and not per_model.loc["flat", "changed"]
    summary = summarise_same_model(per_model.reset_index(), min_models=2).set_index(["subset", "price_type"])
    all_blended = summary.loc[("all", "blended")]
    assert all_blended["status"] == "ok" and all_blended["n_models"] == 2
    assert all_blended["median_factor"] == pytest.approx((1 + 2 ** (365.25 / 73)) / 2)
    assert all_blended["n_cheaper"] == 1 and all_blended["n_dearer"] == 0
    assert summary.loc[("open", "blended"), "status"] == "insufficient"  # one open model
    assert summary.loc[("all", "input"), "status"] == "skipped"  # no input prices at all


def test_same_model_drift_with_a_noisy_path_matches_an_independent_fit():
    rng = np.random.default_rng(3)
    days = pd.date_range("2026-01-01", periods=40, freq="D")
    price = 5 * np.exp(-0.004 * np.arange(40) + rng.normal(0, 0.02, 40))
    prices = pd.DataFrame({"model_id": "m", "observed_on": days, "blended_usd_per_mtok": price,
                           "input_usd_per_mtok": np.nan, "output_usd_per_mtok": np.nan, "provider": "p"})
    models = pd.DataFrame({"model_id": ["m"], "name": ["M"], "open_weights": [True], "observed_on": days[0]})
    got = same_model_drift(prices, models)["factor_per_year"].iloc[0]
    import statsmodels.api as sm

    slope = sm.OLS(np.log(price), sm.add_constant(np.arange(40.0))).fit().params[1]
    assert got == pytest.approx(np.exp(-slope * 365.25), rel=1e-9)


# --- a missing column skips, never silently changes, an estimate ----------------------------------------------------
def test_a_benchmark_gone_missing_skips_the_trends_that_need_it():
    from tasks.methods.frontier import fit as fit_frontier
    from tasks.methods.hedonic import fit as fit_hedonic
    from tasks.study.plan import available_measures, plan_trends
    from tasks.study.presets import load_preset

    analysis = pd.DataFrame({"model_id": ["a"], "score_gpqa_diamond": [0.5], "score_mmlu_pro": [np.nan]})
    assert available_measures(analysis) == {"gpqa_diamond"}
    specs = plan_trends(load_preset("futuretech-2025"), "later", {"aa_headline"}, measures={"gpqa_diamond"})
    assert specs and all(s.skip_note and "mmlu_pro" in s.skip_note for s in specs)
    with_scores = plan_trends(load_preset("futuretech-2025"), "later", {"aa_headline"},
                              measures={"mmlu_pro", "scicode"})
    assert [s.trend_id for s in with_scores] == [s.trend_id for s in specs]  # same trends, same ids
    assert not any(s.skip_note for s in with_scores)
    frontier = next(s for s in specs if s.method == "frontier")
    hedonic = next(s for s in specs if s.method == "hedonic")
    for result in (fit_frontier(analysis, frontier), fit_hedonic(analysis, hedonic)):
        assert set(result.rows["status"]) == {"skipped"}
        assert result.rows["factor_per_year"].isna().all()
        assert result.rows["note"].str.contains("no mmlu_pro scores").all()
