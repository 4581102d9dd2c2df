"""Step 17 points 1-3: dated price observations, the panel store, as-of queries.

Expected values are written by hand: from the OpenRouter repository's own ledger (data/history/prices.json, read
by a person, not by the code under test) for the real bundle, and from the hand-made histories below.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tasks.data import panel
from tasks.files.settings import shared_data_dir
from tasks.platform import panel_store
from tasks.platform.panel_store import (GitHistory, cheapest_as_of, ingest_panel, price_as_of, query, read_matches,
                                        read_versions)

BUNDLE = shared_data_dir() / "openrouter-history" / "openrouterlist.bundle"
GENAI = shared_data_dir() / "provider-price-lists" / "genai_prices_data_2026-08-21.json"
D = dt.date.fromisoformat


def model(id_, prompt, completion, hf=None, cache_read=None, name=None) -> dict:
    pricing = {"prompt": prompt, "completion": completion}
    if cache_read is not None:
        pricing["input_cache_read"] = cache_read
    return {"id": id_, "name": name or id_, "hugging_face_id": hf, "pricing": pricing}


# --- the adapter -------------------------------------------------------------------------------------------------
def test_openrouter_prices_and_quarantine():
    payload = {"data": [
        model("qwen/qwen-2.5-72b-instruct", "0.00000035", "0.0000004", hf="Qwen/Qwen2.5-72B-Instruct",
              cache_read="0.000000035"),
        model("qwen/qwen-2.5-72b-instruct:free", "0", "0"),
        model("some/model-zero", "0", "0"),
        model("openrouter/auto", "-1", "-1"),
        {"id": "broken/one", "name": "x", "pricing": {"prompt": "abc", "completion": "0.1"}},
        {"id": "nopricing/one", "name": "x"},
        model("qwen/qwen-2.5-72b-instruct", "0.000001", "0.000001"),
    ]}
    rows, quarantine = panel.parse_openrouter(payload, D("2025-01-02"), "o", "ab" * 20)
    frame = panel.validate_observations(rows, "test")
    assert len(frame) == 1
    row = frame.iloc[0]
    assert row["input_usd_per_mtok"] == 0.35 and row["output_usd_per_mtok"] == 0.4  # exact decimal conversion
    assert row["cache_read_usd_per_mtok"] == 0.035 and pd.isna(row["cache_write_usd_per_mtok"])
    assert row["gives"] == "input,output,cache_read" and row["open_weights"] == True  # noqa: E712
    reasons = {(q["source_model"], q["reason"]) for q in quarantine}
    assert reasons == {("qwen/qwen-2.5-72b-instruct:free", "free_variant"), ("some/model-zero", "free_variant"),
                       ("openrouter/auto", "router_dynamic_price"), ("broken/one", "malformed_price"),
                       ("nopricing/one", "no_price"), ("qwen/qwen-2.5-72b-instruct", "duplicate_id")}
    panel.validate_quarantine(quarantine)


def test_schema_refuses_a_row_without_price():
    row = {"source": "openrouter", "source_model": "a/b", "name": None, "provider": None, "observed_on": D("2025-01-01"),
           "input_usd_per_mtok": None, "output_usd_per_mtok": None, "cache_read_usd_per_mtok": 0.1,
           "cache_write_usd_per_mtok": None, "gives": "cache_read", "open_weights": None, "hugging_face_id": None,
           "origin": "o", "version": "ab" * 20}
    with pytest.raises(ValueError, match="schema"):
        panel.validate_observations([row], "test")


def test_genai_prices_dated_entries_on_the_real_file():
    if not GENAI.exists():
        pytest.skip("genai-prices file absent")
    rows, _ = panel.parse_genai_prices(json.loads(GENAI.read_text()), D("2026-08-21"), GENAI.name, "cd" * 20)
    frame = panel.validate_observations(rows, "genai")
    opus = frame[(frame["source_model"] == "claude-opus-4-6") & (frame["provider"] == "anthropic")]
    # read off the file by hand: a tiered base entry (5 / 25, cache read 0.5, write 6.25) and one from 2026-03-13
    dated = opus[opus["observed_on"] == pd.Timestamp("2026-03-13")].iloc[0]
    assert (dated["input_usd_per_mtok"], dated["output_usd_per_mtok"], dated["cache_read_usd_per_mtok"],
            dated["cache_write_usd_per_mtok"]) == (5, 25, 0.5, 6.25)
    assert dated["gives"] == "input,output,cache_read,cache_write"
    assert set(opus["observed_on"]) == {pd.Timestamp("2026-03-13"), pd.Timestamp("2026-08-21")}


# --- a hand-made git history -------------------------------------------------------------------------------------
def git(repo: Path, *args, date: str | None = None):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@t")
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def commit(repo: Path, when: str, models: list[dict], ledger: dict | None = None) -> None:
    (repo / "data").mkdir(exist_ok=True)
    (repo / "data" / "output.json").write_text(json.dumps({"data": models}))
    if ledger is not None:
        (repo / "data" / "history").mkdir(exist_ok=True)
        (repo / "data" / "history" / "prices.json").write_text(json.dumps(ledger))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", when, date=when)


QWEN, LLAMA = "qwen/qwen-2.5-72b-instruct", "meta-llama/llama-3.3-70b-instruct"


@pytest.fixture()
def history(tmp_path) -> Path:
    """Four days: a price cut on day 2 (two commits that day: the later one counts), Llama withdrawn on day 3,
    a free variant and the router throughout."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    extras = [model(QWEN + ":free", "0", "0"), model("openrouter/auto", "-1", "-1")]
    commit(repo, "2025-03-01T10:00:00+00:00", [model(QWEN, "0.0000004", "0.0000004", hf="Qwen/Qwen2.5-72B-Instruct"),
                                                model(LLAMA, "0.0000002", "0.0000003"), *extras])
    commit(repo, "2025-03-02T01:00:00+00:00", [model(QWEN, "0.0000009", "0.0000009"),
                                                model(LLAMA, "0.0000002", "0.0000003"), *extras])
    commit(repo, "2025-03-02T23:00:00+00:00", [model(QWEN, "0.0000003", "0.0000004"),
                                                model(LLAMA, "0.0000002", "0.0000003"), *extras])
    ledger = {"as_of": "2025-03-03", "model_count": 3, "models": {
        QWEN: {"points": [["2025-03-01", 0.4, 0.4], ["2025-03-02", 0.3, 0.4]]},
        LLAMA: {"points": [["2025-03-01", 0.2, 0.3], ["2025-03-02", 0.25, 0.3]]},  # one wrong point, by design
        QWEN + ":free": {"points": [["2025-03-01", 0.0, 0.0]]}}}
    commit(repo, "2025-03-03T12:00:00+00:00", [model(QWEN, "0.0000003", "0.0000004"), *extras], ledger=ledger)
    return repo


def bundle_of(repo: Path, target: Path) -> Path:
    subprocess.run(["git", "bundle", "create", str(target), "--all"], cwd=repo, check=True, capture_output=True)
    return target


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_openrouter_history_ingest_is_incremental_and_checked_against_the_ledger(history, tmp_path, monkeypatch):
    store = tmp_path / "store"
    bundle = bundle_of(history, tmp_path / "h.bundle")
    report = ingest_panel(bundle, store)
    assert report.versions_seen == 3 and report.added == ["2025-03-01", "2025-03-02", "2025-03-03"]
    obs = query(store, "SELECT * FROM obs ORDER BY observed_on, source_model")
    assert len(obs) == 5  # qwen x3, llama x2 (withdrawn on day 3); free variant and router quarantined
    day2 = obs[(obs["source_model"] == QWEN) & (obs["observed_on"] == pd.Timestamp("2025-03-02"))].iloc[0]
    assert (day2["input_usd_per_mtok"], day2["output_usd_per_mtok"]) == (0.3, 0.4)  # the day's last commit
    quarantine = query(store, "SELECT source_model, reason FROM quarantine")
    assert set(map(tuple, quarantine.drop_duplicates().to_numpy())) == {
        (QWEN + ":free", "free_variant"), ("openrouter/auto", "router_dynamic_price")}
    diffs = report.ledger_differences
    assert set(map(tuple, diffs[["source_model", "kind", "date"]].fillna("").to_numpy())) == {
        (LLAMA, "ledger_only_point", "2025-03-02"), (QWEN + ":free", "ledger_only_model", "")}
    assert diffs.loc[diffs["kind"] == "ledger_only_model", "note"].iloc[0].startswith("quarantined")
    listed = pd.read_csv(store / panel_store.LEDGER_CHECK)
    assert set(zip(listed["source_model"], listed["kind"])) == set(zip(diffs["source_model"], diffs["kind"]))

    # a rerun reads no version again (the parser would fail) and writes nothing
    before = tree(store)
    monkeypatch.setattr(panel, "parse_openrouter", lambda *a: (_ for _ in ()).throw(AssertionError("parsed")))
    again = ingest_panel(bundle, store)
    assert again.skipped == 3 and again.added == [] and tree(store) == before
    monkeypatch.undo()

    # one new day: only that version is parsed
    commit(history, "2025-03-04T12:00:00+00:00", [model(QWEN, "0.0000002", "0.0000004")])
    seen = []
    real = panel.parse_openrouter
    monkeypatch.setattr(panel, "parse_openrouter", lambda p, day, *a: seen.append(day) or real(p, day, *a))
    third = ingest_panel(history, store)  # a clone works as well as the bundle
    assert seen == [D("2025-03-04")] and third.added == ["2025-03-04"] and third.skipped == 3
    assert len(read_versions(store)) == 4


def test_as_of_answers_and_cheapest_on_the_hand_made_history(history, tmp_path):
    store = tmp_path / "store"
    ingest_panel(history, store)
    matches = read_matches(store).dropna(subset=["model_id"])
    assert set(matches["model_id"]) == {"qwen2-5-72b-instruct", "llama-3-3-instruct-70b"}
    answer = price_as_of(store, "qwen2-5-72b-instruct", D("2025-03-03"))
    assert answer["model"] == "qwen2-5-72b-instruct" and answer["as_of"] == "2025-03-03"
    (p,) = answer["prices"]
    assert (p["source"], p["input"], p["output"], p["blended"], p["since"]) == ("openrouter", 0.3, 0.4, 0.325,
                                                                                "2025-03-02")
    assert p["origin"].startswith("openrouterlist@") and p["cache_read"] is None
    # by the source's own id; and before the cut
    early = price_as_of(store, QWEN, D("2025-03-01"))
    assert early["prices"][0]["input"] == 0.4 and early["prices"][0]["since"] == "2025-03-01"
    # withdrawn on day 3: no price any more, though it had one the day before
    assert price_as_of(store, LLAMA, D("2025-03-02"))["prices"][0]["blended"] == pytest.approx(0.225)
    assert price_as_of(store, LLAMA, D("2025-03-03"))["prices"] == []
    # cheapest at GPQA >= 45% (both qualify in aa-2026-07: 0.49 and 0.50): Llama on day 2, Qwen once Llama is gone
    day2 = cheapest_as_of(store, "gpqa_diamond", 45, D("2025-03-02"))
    assert day2["model"] == "llama-3-3-instruct-70b" and day2["price"]["blended"] == pytest.approx(0.225)
    assert day2["candidates"] == 2 and day2["quality"]["measure"] == "gpqa_diamond"
    assert cheapest_as_of(store, "gpqa_diamond", 45, D("2025-03-03"))["model"] == "qwen2-5-72b-instruct"
    assert cheapest_as_of(store, "gpqa_diamond", 45, D("2025-03-02"), open_only=True)["price"] is not None
    assert cheapest_as_of(store, "gpqa_diamond", 95, D("2025-03-02"))["model"] is None


def test_price_and_cheapest_commands_print_the_json_the_issue_gives(history, tmp_path):
    from flows.cli import app

    store = tmp_path / "store"
    runner = CliRunner()
    result = runner.invoke(app, ["history", "--input", str(history), "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert "3 dated version(s), 3 new" in result.output
    result = runner.invoke(app, ["price", QWEN, "--as-of", "2025-03-02", "--store", str(store), "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert set(answer) == {"model", "as_of", "prices"}
    assert {"source", "input", "output", "blended", "cache_read", "since", "origin"} <= set(answer["prices"][0])
    result = runner.invoke(app, ["cheapest", "--quality", "gpqa_diamond>=45", "--as-of", "2025-03-02",
                                 "--store", str(store), "--json"])
    assert result.exit_code == 0, result.output
    assert {"model", "quality", "price"} <= set(json.loads(result.output))
    bad = runner.invoke(app, ["cheapest", "--quality", "gpqa_diamond=45", "--store", str(store)])
    assert bad.exit_code == 1 and "MEASURE>=VALUE" in bad.output


# --- reconciliation ----------------------------------------------------------------------------------------------
def test_conflicts_and_precedence():
    daily = pd.DataFrame({"model_id": ["m", "m", "m", "n", "n"],
                          "observed_on": pd.to_datetime(["2026-07-01"] * 5),
                          "source": ["openrouter", "aa_site", "genai_prices", "openrouter", "aa_site"],
                          "blended_usd_per_mtok": [1.02, 1.0, 1.005, 2.0, 2.01]})
    found = panel.conflicts(daily)
    # m: aa_site 1.0 vs openrouter 1.02 (2%) and genai 1.005 vs openrouter (1.5%); aa_site vs genai 0.5%: none; n: 0.5%
    assert set(zip(found["source"], found["other_source"])) == {("aa_site", "openrouter"),
                                                                ("openrouter", "genai_prices")}
    assert found.loc[found["source"] == "aa_site", "relative_difference"].iloc[0] == pytest.approx(0.02)
    picked = panel.pick_by_precedence(daily)
    assert dict(zip(picked["model_id"], picked["source"])) == {"m": "aa_site", "n": "aa_site"}


def test_change_points_ignore_a_gap_at_the_same_price():
    obs = pd.DataFrame({"source": "openrouter", "source_model": "a", "provider": None,
                        "observed_on": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-05", "2025-01-06"]),
                        "input_usd_per_mtok": [1.0, 1.0, 1.0, 0.5], "output_usd_per_mtok": [2.0, 2.0, 2.0, 2.0]})
    points = panel.change_points(obs)
    assert list(points["observed_on"].dt.date.astype(str)) == ["2025-01-01", "2025-01-06"]
    assert points["previous_input"].iloc[1] == 1.0


# --- the real bundle ---------------------------------------------------------------------------------------------
HAND_DAYS = {D(d) for d in ("2025-08-04", "2025-08-05", "2025-08-06", "2025-08-10", "2025-09-17", "2025-09-18",
                            "2025-09-20", "2026-03-03", "2026-03-10")}


@pytest.fixture(scope="module")
def real_store(tmp_path_factory):
    if not BUNDLE.exists():
        pytest.skip("OpenRouter history bundle absent")
    store = tmp_path_factory.mktemp("panel") / "store"
    report = panel_store.ingest_panel(BUNDLE, store, days=HAND_DAYS)
    return store, report


def test_real_bundle_versions(real_store):
    store, report = real_store
    with GitHistory(BUNDLE) as repo:
        versions = repo.daily_versions()
        ledger = repo.ledger()
    assert len(versions) == 656 and versions[0][0] == D("2024-09-21") and versions[-1][0] == D("2026-08-22")
    assert ledger["model_count"] == 978
    assert report.versions_seen == len(HAND_DAYS) and len(read_versions(store)) == len(HAND_DAYS)


def test_real_bundle_as_of_by_hand(real_store):
    """Three models and dates, values read by hand off the repository's ledger (data/history/prices.json)."""
    store, _ = real_store
    cases = [  # model, as of, ledger input / output (rounded to 6 decimals there), the change point
        ("qwen/qwen-2.5-72b-instruct", "2025-08-10", 0.06664, 0.266688, "2025-08-05"),
        ("deepseek/deepseek-chat-v3-0324", "2025-08-10", 0.179927, 0.720058, "2025-08-06"),
        ("openai/gpt-oss-120b", "2025-09-20", 0.05, 0.25, "2025-09-18"),
    ]
    for source_model, as_of, input_, output, since in cases:
        prices = [p for p in price_as_of(store, source_model, D(as_of), source="openrouter")["prices"]
                  if p["source_model"] == source_model]
        assert len(prices) == 1, source_model
        assert prices[0]["input"] == pytest.approx(input_, abs=1e-6)
        assert prices[0]["output"] == pytest.approx(output, abs=1e-6)
        assert prices[0]["since"] == since
    # Mistral 7B v0.3: last listed 2026-03-03 (the ledger's last_seen): no price a week later
    assert price_as_of(store, "mistralai/mistral-7b-instruct-v0.3", D("2026-03-03"), "openrouter")["prices"]
    assert not [p for p in price_as_of(store, "mistralai/mistral-7b-instruct-v0.3", D("2026-03-10"),
                                       "openrouter")["prices"] if p["source_model"].startswith("mistralai/")]
    matches = read_matches(store)
    assert matches.loc[matches["source_id"] == "qwen/qwen-2.5-72b-instruct", "model_id"].tolist() == [
        "qwen2-5-72b-instruct"]
    assert not query(store, "SELECT * FROM obs WHERE source_model LIKE '%:free' OR source_model = 'openrouter/auto'"
                     ).shape[0]


# --- other sources in the same store, and conflicts --------------------------------------------------------------
def scrape(slug: str, price_in: float | None, price_out: float | None) -> dict:
    record = {"slug": slug, "name": slug.upper(), "creator": "X", "open": True, "params": 70, "active": 70,
              "reasoning": False, "license": "apache", "release": "2024-09-19", "mmlu_pro": 0.7}
    if price_in is not None:
        record.update(price=(3 * price_in + price_out) / 4, price_in=price_in, price_out=price_out)
    return record


def test_aa_scrapes_join_the_openrouter_history_with_conflicts(history, tmp_path):
    store, raw = tmp_path / "store", tmp_path / "aa"
    raw.mkdir()
    ingest_panel(history, store)
    # 2025-03-02: AA's headline 0.30 / 0.40 agrees with OpenRouter; 2025-03-03: 0.36 / 0.40 (blended 0.37 vs 0.325)
    (raw / "aa_models_2025-03-02.json").write_text(json.dumps([scrape("qwen2-5-72b-instruct", 0.3, 0.4)]))
    (raw / "aa_models_2025-03-03.json").write_text(json.dumps([scrape("qwen2-5-72b-instruct", 0.36, 0.4)]))
    (raw / "aa_models_2025-03-04.json").write_text(json.dumps([scrape("qwen2-5-72b-instruct", None, None)]))
    report = ingest_panel(raw, store)
    assert report.source == "aa_site" and report.added == ["2025-03-02", "2025-03-03", "2025-03-04"]
    again = ingest_panel(raw, store)  # the price-less scrape is held too: nothing is read again
    assert again.skipped == 3 and again.added == []
    conflicts = pd.read_parquet(store / panel_store.CONFLICTS)
    assert len(conflicts) == 1
    row = conflicts.iloc[0]
    assert (row["model_id"], str(row["observed_on"].date()), row["source"], row["other_source"]) == (
        "qwen2-5-72b-instruct", "2025-03-03", "aa_site", "openrouter")
    assert row["relative_difference"] == pytest.approx(0.37 / 0.325 - 1)
    # as of 2025-03-04 AA's last priced scrape (2025-03-03) still counts: a scrape without prices withdraws nothing
    answer = price_as_of(store, "qwen2-5-72b-instruct", D("2025-03-04"))
    assert [p["source"] for p in answer["prices"]] == ["aa_site", "openrouter"]
    assert answer["prices"][0]["blended"] == pytest.approx(0.37) and answer["prices"][0]["since"] == "2025-03-03"


def test_zero_prices_of_other_sources_are_quarantined():
    prices = pd.DataFrame({"model_id": ["a", "b", "c"], "provider": "aa_headline",
                           "input_usd_per_mtok": [0.0, 1.0, None], "output_usd_per_mtok": [0.0, 2.0, 0.0],
                           "blended_usd_per_mtok": [0.0, 1.25, 0.0], "observed_on": pd.Timestamp("2026-07-01"),
                           "source": "aa_site/x.json"})
    models = pd.DataFrame({"model_id": ["a", "b", "c"], "name": ["A", "B", "C"], "open_weights": [True, False, None]})
    obs, quarantine = panel.from_canonical_prices(prices, models, "aa_site", "x.json", "ef" * 20)
    assert list(obs["source_model"]) == ["b"] and obs["gives"].iloc[0] == "input,output"
    assert list(zip(quarantine["source_model"], quarantine["reason"])) == [("a", "free_variant"), ("c", "free_variant")]


def test_change_points_in_duckdb_match_the_reference(history, tmp_path):
    store = tmp_path / "store"
    ingest_panel(history, store)
    obs = query(store, "SELECT * FROM obs WHERE source = 'openrouter'")
    reference = panel.change_points(obs)
    fast = panel_store.change_points_sql(store, "openrouter")
    key = ["source_model", "observed_on", "input_usd_per_mtok", "output_usd_per_mtok", "previous_input"]
    assert len(fast) == 3  # qwen: first day and its cut on day 2; llama: first day
    pd.testing.assert_frame_equal(fast[key].sort_values(key).reset_index(drop=True),
                                  reference[key].sort_values(key).reset_index(drop=True), check_dtype=False)


def test_the_same_bytes_on_two_days_are_parsed_once_and_observed_twice(history, tmp_path, monkeypatch):
    # day 5 commits day 3's exact list again (a cut on day 4, undone on day 5): one parse, two observation days
    payload = json.loads((history / "data" / "output.json").read_text())["data"]
    commit(history, "2025-03-04T12:00:00+00:00", [model(QWEN, "0.0000001", "0.0000004")])
    commit(history, "2025-03-05T12:00:00+00:00", payload)
    seen = []
    real = panel.parse_openrouter
    monkeypatch.setattr(panel, "parse_openrouter", lambda p, day, *a: seen.append(day) or real(p, day, *a))
    monkeypatch.setattr(panel_store, "READ_CHUNK", 2)  # several chunks
    store = tmp_path / "store"
    ingest_panel(history, store)
    assert seen == [D("2025-03-01"), D("2025-03-02"), D("2025-03-03"), D("2025-03-04")]
    obs = query(store, "SELECT observed_on, input_usd_per_mtok AS i, origin FROM obs WHERE source_model = ? "
                       "ORDER BY observed_on", [QWEN])
    assert list(obs["observed_on"].dt.date.astype(str)) == ["2025-03-01", "2025-03-02", "2025-03-03", "2025-03-04",
                                                            "2025-03-05"]
    assert list(obs["i"]) == [0.4, 0.3, 0.3, 0.1, 0.3]
    assert obs["origin"].iloc[2] != obs["origin"].iloc[4]  # each day names its own commit


# --- the committed panel store -----------------------------------------------------------------------------------
def test_the_committed_panel_store_answers_by_hand():
    from tasks.files.settings import PROJECT_ROOT

    store = PROJECT_ROOT / "data" / "history" / "panel"
    versions = read_versions(store)
    assert (versions["source"] == "openrouter").sum() == 656
    counts = versions.assign(n=versions["observations"].astype(int)).groupby("source")["n"].sum()
    stored = query(store, "SELECT source, count(*) AS n FROM obs GROUP BY source").set_index("source")["n"]
    assert counts.to_dict() == stored.to_dict()  # the ledger counts what the parts hold
    # from the repository's ledger by hand: Qwen2.5 72B cut to 0.06664 / 0.266688 on 2025-08-05
    (p,) = price_as_of(store, "qwen/qwen-2.5-72b-instruct", D("2025-08-10"), source="openrouter")["prices"]
    assert (p["input"], p["output"], p["since"]) == (pytest.approx(0.06664, abs=1e-6),
                                                     pytest.approx(0.266688, abs=1e-6), "2025-08-05")
    # the authors' list: Qwen2.5 72B at 0.13 / 0.40 from 2024-11 (inference_data_new_large.csv, by hand)
    (p,) = price_as_of(store, "qwen2-5-72b-instruct", D("2025-08-10"), source="list_price")["prices"]
    assert (p["input"], p["output"], p["since"]) == (0.13, 0.4, "2024-11-01")
    assert query(store, "SELECT count(*) AS n FROM obs WHERE source_model LIKE '%:free'")["n"].iloc[0] == 0


def test_a_tampered_ledger_is_refused(history, tmp_path):
    store = tmp_path / "store"
    ingest_panel(history, store)
    ledger = store / panel_store.VERSIONS
    text = ledger.read_text()
    ledger.write_text(text.replace("openrouter,2025-03-03,", "openrouter,2025-03-03' OR 1=1 --,", 1))
    with pytest.raises(ValueError, match="observed_on"):
        price_as_of(store, QWEN, D("2025-03-03"))
