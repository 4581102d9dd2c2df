"""The FutureTech adapter on a small hand-made file (every trap, known answers) and on the real file."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from tasks.data.ingest import detect_format
from tasks.data.ingest.futuretech import ingest, normalise_header
from tests.conftest import FIXTURES

SMALL = FIXTURES / "futuretech_small.csv"


@pytest.fixture(scope="module")
def small():
    return ingest(SMALL).validated("fixture")


def model(tables, model_id):
    return tables.models.set_index("model_id").loc[model_id]


def score(tables, model_id, benchmark):
    hit = tables.benchmarks[(tables.benchmarks.model_id == model_id) & (tables.benchmarks.benchmark == benchmark)]
    return None if hit.empty else float(hit.score.iloc[0])


def price(tables, model_id, provider):
    hit = tables.prices[(tables.prices.model_id == model_id) & (tables.prices.provider == provider)]
    return None if hit.empty else hit.iloc[0]


def test_small_file_models(small):
    models = small.models
    # 9 records: one has no name (rejected record), the two "Delta" rows both kept with distinct ids
    assert len(models) == 8
    assert sorted(models.model_id) == sorted(
        ["alpha-7b", "beta-reasoning", "gamma", "delta-r4", "delta-2024-03-01", "epsilon", "zeta", "eta"])
    assert model(small, "beta-reasoning")["license"] == "Open"          # "Open " stripped
    assert bool(model(small, "beta-reasoning")["open_weights"]) is True
    assert bool(model(small, "gamma")["open_weights"]) is False
    assert pd.isna(model(small, "eta")["open_weights"])                  # "Freeware": unknown, with a warning
    assert model(small, "alpha-7b")["release_date"] == pd.Timestamp("2024-01-01")
    assert pd.isna(model(small, "delta-r4")["release_date"])             # blank date kept as null
    assert pd.isna(model(small, "eta")["release_date"])                  # 13/1/24 rejected, kept as null
    assert model(small, "beta-reasoning")["total_params_b"] == 456
    assert model(small, "beta-reasoning")["active_params_b"] == 45.9
    assert model(small, "zeta")["total_params_b"] == 2589.0              # "2,589.00"
    # reasoning: the name says so / AA measured >0 s / measured 0 s / nothing known
    assert bool(model(small, "beta-reasoning")["reasoning"]) is True
    assert bool(model(small, "gamma")["reasoning"]) is True
    assert bool(model(small, "alpha-7b")["reasoning"]) is False
    assert pd.isna(model(small, "zeta")["reasoning"])
    assert set(models.source) == {"futuretech/futuretech_small.csv"}


def test_small_file_scores(small):
    assert score(small, "alpha-7b", "mmlu_pro") == 0.45
    assert score(small, "beta-reasoning", "mmlu_pro") == 0.5
    assert score(small, "alpha-7b", "math_500") == 0.771      # fraction form
    assert score(small, "beta-reasoning", "math_500") == 0.983  # percent form in the same column
    assert score(small, "gamma", "scicode") == 0.205
    assert score(small, "eta", "math_500") is None             # bare "83" rejected


def test_small_file_prices(small):
    alpha = price(small, "alpha-7b", "lowest_reported")
    assert (alpha.input_usd_per_mtok, alpha.output_usd_per_mtok, alpha.blended_usd_per_mtok) == (1, 2, 1.25)
    beta = price(small, "beta-reasoning", "lowest_reported")
    # blended exactly as reported (0.7), not (3 * 0.5 + 1.5) / 4 = 0.75
    assert beta.blended_usd_per_mtok == 0.7
    assert price(small, "beta-reasoning", "aa_headline") is None  # no headline price given: no row
    epsilon = price(small, "epsilon", "aa_headline")
    assert (epsilon.input_usd_per_mtok, epsilon.output_usd_per_mtok) == (1234.5, 2000.0)
    assert price(small, "epsilon", "lowest_reported").blended_usd_per_mtok == 0.0  # zero kept; cleaning rejects it
    zeta = price(small, "zeta", "lowest_reported")
    assert pd.isna(zeta.input_usd_per_mtok) and zeta.output_usd_per_mtok == 0.4  # "n/a" rejected, rest kept
    assert set(small.prices.observed_on) == {pd.Timestamp("2025-07-13")}


def test_small_file_issues_name_record_column_and_rule(small):
    issues = small.ingest_issues
    by = {(int(r.record), r.column): r for r in issues.itertuples()}
    assert by[(8, "Model")].action == "rejected_record"
    assert by[(7, "Lowest Input Price AA")].action == "rejected_value"
    assert "n/a" in by[(7, "Lowest Input Price AA")].rule
    assert by[(9, "Release Date")].action == "rejected_value" and "13/1/24" in by[(9, "Release Date")].rule
    assert by[(9, "MATH-500 (Quantitative Reasoning)")].action == "rejected_value"
    assert by[(9, "License")].action == "warning"
    duplicate = by[(4, "Model")]
    assert duplicate.action == "warning" and "delta-r4" in duplicate.rule and "delta-2024-03-01" in duplicate.rule
    assert set(issues.file) == {"futuretech_small.csv"}


def test_missing_column_is_a_clear_error(tmp_path):
    rows = list(csv.reader(SMALL.open()))
    drop = [normalise_header(h) for h in rows[0]].index("Lowest Blended Price AA")
    broken = tmp_path / "broken.csv"
    with broken.open("w", newline="") as handle:
        csv.writer(handle).writerows([r[:drop] + r[drop + 1:] for r in rows])
    with pytest.raises(ValueError, match=r"broken\.csv.*Lowest Blended Price AA"):
        ingest(broken)
    # the content no longer has this format's signature, so detection refuses it too
    with pytest.raises(ValueError, match="no adapter recognises"):
        detect_format(broken)


def test_detect_format(tmp_path, futuretech_csv):
    assert detect_format(SMALL) == "futuretech"
    assert detect_format(futuretech_csv) == "futuretech"
    assert detect_format(futuretech_csv.parent) == "futuretech"   # a folder holding one such file
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    with pytest.raises(ValueError, match="no adapter recognises"):
        detect_format(other)


# --- the real file -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real(futuretech_csv):
    return ingest(futuretech_csv).validated("real file")


@pytest.fixture(scope="module")
def raw_rows(futuretech_csv):
    """The file read with the csv module only: an independent view to check the adapter against."""
    with futuretech_csv.open(newline="") as handle:
        rows = list(csv.reader(handle))
    header = [" ".join(h.split()) for h in rows[0]]
    return [dict(zip(header, r)) for r in rows[1:]]


def test_real_file_keeps_every_model(real, raw_rows):
    assert len(raw_rows) == 204
    assert len(real.models) == 204 and real.models.model_id.is_unique
    o3 = real.models[real.models.name == "o3"]
    assert sorted(o3.model_id) == ["o3-2025-04-01", "o3-2025-04-16"]
    warnings = real.ingest_issues[real.ingest_issues.action == "warning"]
    assert len(warnings) == 1 and "o3-2025-04-16" in warnings.rule.iloc[0]
    assert (real.ingest_issues.action != "warning").sum() == 0   # nothing in the real file is unparseable
    assert sorted(real.models[real.models.release_date.isna()].name) == [
        "Grok 3 Reasoning Beta", "Grok 3 mini", "Jamba Instruct"]
    # licences: 112 "Open" + 1 "Open " are open, 91 proprietary
    assert int(real.models.open_weights.sum()) == 113
    assert int((~real.models.open_weights.astype(bool)).sum()) == 91


def test_real_file_values_match_the_raw_text(real, raw_rows):
    """Spot-check every raw form against the text itself (the traps named in the issue)."""
    by_name = {r["Model"]: r for r in raw_rows}
    gemma = by_name["Gemma 3n E4B Instruct"]
    assert gemma["MATH-500 (Quantitative Reasoning)"] == "0.771"
    assert score(real, "gemma-3n-e4b-instruct", "math_500") == 0.771
    percent_math = [r for r in raw_rows if r["MATH-500 (Quantitative Reasoning)"].endswith("%")][0]
    expected = float(percent_math["MATH-500 (Quantitative Reasoning)"].rstrip("%")) / 100
    mid = real.models[real.models.name == percent_math["Model"]].model_id.iloc[0]
    assert score(real, mid, "math_500") == pytest.approx(expected, abs=1e-15)
    minimax = model(real, "minimax-m1-40k")
    assert (minimax.total_params_b, minimax.active_params_b) == (456.0, 45.9)
    assert minimax.release_date == pd.Timestamp(dt.date(2025, 6, 17))
    # blended as reported where it differs from (3 x input + output) / 4
    differs = 0
    for r in raw_rows:
        if not r["Model"] or not r["Lowest Blended Price AA"] or not r["Lowest Input Price AA"]:
            continue
        inp, out, blended = (float(r[c]) for c in
                             ("Lowest Input Price AA", "Lowest Output Price Found AA", "Lowest Blended Price AA"))
        if abs((3 * inp + out) / 4 - blended) > 1e-9:
            differs += 1
            mid = real.models[real.models.name == r["Model"]].model_id.iloc[0]
            row = real.prices[(real.prices.model_id == mid) & (real.prices.provider == "lowest_reported")]
            assert float(row.blended_usd_per_mtok.iloc[0]) == blended
    assert differs > 10
    # the headline price of o3 is "$17.50 " with a stray space
    headline = price(real, "o3-2025-04-16", "aa_headline")
    assert (headline.input_usd_per_mtok, headline.output_usd_per_mtok, headline.blended_usd_per_mtok) == (10, 40, 17.5)


def test_real_file_counts_match_an_independent_count(real, raw_rows):
    named = [r for r in raw_rows if r["Model"].strip()]
    expected_scores = sum(
        1 for r in named for column in (
            "Artificial Analysis Intelligence Index", "MMLU-Pro (Reasoning & Knowledge)",
            "GPQA Diamond (Scientific Reasoning)", "Humanity's Last Exam (Reasoning & Knowledge)",
            "LiveCodeBench (Coding)", "SciCode (Coding)", "HumanEval (Coding)", "MATH-500 (Quantitative Reasoning)",
            "AIME 2024 (Competition Math)", "Multilingual Index (Artificial Analysis)", "Chatbot Arena")
        if r[column].strip())
    assert len(real.benchmarks) == expected_scores
    lowest = sum(1 for r in named if any(r[c].strip() for c in (
        "Lowest Input Price AA", "Lowest Output Price Found AA", "Lowest Blended Price AA")))
    headline = sum(1 for r in named if any(r[c].strip() for c in (
        "Input Price USD/1M Tokens", "Output Price USD/1M Tokens", "Blended USD/1M Tokens")))
    assert (real.prices.provider == "lowest_reported").sum() == lowest
    assert (real.prices.provider == "aa_headline").sum() == headline


def test_bundled_snapshot_is_the_real_file(real, futuretech_csv):
    """The committed snapshot holds exactly what the adapter makes of the real file (no hand edits)."""
    import hashlib
    import json

    from tasks.data.canonical import read_snapshot
    from tests.conftest import BUNDLED_SNAPSHOT

    bundled = read_snapshot(BUNDLED_SNAPSHOT)
    for name in ("models", "benchmarks", "prices", "ingest_issues"):
        ours = getattr(real, name)
        theirs = getattr(bundled, name)
        keys = list(ours.columns[:3])
        pd.testing.assert_frame_equal(
            ours.sort_values(keys, kind="mergesort").reset_index(drop=True),
            theirs.sort_values(keys, kind="mergesort").reset_index(drop=True),
            check_dtype=False,
        )
    # its description names the real file by content and counts what the tables hold (not merely that it exists)
    meta = json.loads(Path(BUNDLED_SNAPSHOT / "snapshot.json").read_text())
    assert (meta["name"], meta["format"]) == ("futuretech-2025-07", "futuretech")
    [source] = meta["sources"]
    assert source["file"] == futuretech_csv.name
    assert source["sha256"] == hashlib.sha256(futuretech_csv.read_bytes()).hexdigest()
    assert meta["row_counts"] == {name: len(getattr(real, name))
                                  for name in ("models", "benchmarks", "prices", "ingest_issues")}
