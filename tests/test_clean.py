"""Cleaning: the quarantine of the smallest bad unit, its counts, corrections, and the lowest-provider price."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from schemas.canonical import IngestIssues, empty
from tasks.data.canonical import CanonicalTables, read_snapshot
from tasks.data.clean import clean, read_corrections
from tasks.files.settings import corrections_file
from tests.conftest import BUNDLED_SNAPSHOT

NO_CORRECTIONS = pd.DataFrame(columns=["model_id", "field", "old", "new", "reason", "source"])


def tables(models, benchmarks, prices, issues=None) -> CanonicalTables:
    model_cols = ["model_id", "name", "creator", "release_date", "open_weights", "license", "reasoning",
                  "total_params_b", "active_params_b", "source"]
    models = pd.DataFrame([dict(zip(model_cols, m + ("s",))) for m in models])
    benchmarks = pd.DataFrame(benchmarks, columns=["model_id", "benchmark", "score"]).assign(source="s")
    prices = pd.DataFrame(prices, columns=["model_id", "provider", "input_usd_per_mtok", "output_usd_per_mtok",
                                           "blended_usd_per_mtok"]).assign(observed_on="2025-07-01", source="s")
    return CanonicalTables(models, benchmarks, prices, issues if issues is not None else empty(IngestIssues)
                           ).validated("test")


@pytest.fixture
def toy():
    return tables(
        models=[
            ("a", "A", None, "2024-01-01", True, "Open", None, 7.0, None),
            ("b", "B", None, "2024-02-01", True, "Open", False, 100.0, 10.0),
            ("nodate", "No date", None, None, True, "Open", None, 3.0, None),
            ("c", "C", None, "2024-03-01", False, "Proprietary", None, -1.0, None),
        ],
        benchmarks=[
            ("a", "mmlu_pro", 0.45), ("a", "scicode", 1.2),            # 1.2: a fraction above 1
            ("b", "mmlu_pro", 0.55), ("nodate", "mmlu_pro", 0.4),
            ("ghost", "mmlu_pro", 0.5),                                # unknown model
            ("c", "mmlu_pro", 0.6), ("c", "made_up_bench", 0.6),
        ],
        prices=[
            ("a", "lowest_reported", 1.0, 3.0, 1.5),
            ("b", "lowest_reported", 0.0, 2.0, None),                  # zero input
            ("nodate", "lowest_reported", 1.0, 1.0, 1.0),
            ("c", "aa_headline", 2.0, 6.0, None),                      # blended to be computed: (6 + 6) / 4 = 3
            ("a", "openrouter", 0.1, 0.1, 0.1),                        # a gateway, not a hosting provider
        ],
    )


def test_quarantine_units_and_reasons(toy):
    result = clean(toy, NO_CORRECTIONS)
    q = result.quarantine
    rules = {(r.table, r.model_id, r.field): r.rule for r in q.itertuples()}
    assert rules[("models", "nodate", "release_date")] == "missing or unparseable release date"
    assert rules[("benchmarks", "nodate", "mmlu_pro")].startswith("model quarantined")
    assert rules[("prices", "nodate", "lowest_reported:input")].startswith("model quarantined")
    assert rules[("benchmarks", "a", "scicode")] == "fraction benchmark outside 0..1"
    assert rules[("benchmarks", "ghost", "mmlu_pro")].startswith("unknown model_id")
    assert "registry" in rules[("benchmarks", "c", "made_up_bench")]
    assert rules[("prices", "b", "lowest_reported:input")] == "non-positive price: cannot take its logarithm"
    assert rules[("prices", "a", "openrouter:input")].startswith("provider is a gateway, not a hosting provider")
    assert rules[("models", "c", "total_params_b")] == "parameter count must be positive"
    assert len(q) == 13  # 1 model + 4 scores (1 via its model) + 3 prices of nodate + 1 zero + 3 gateway + 1 value

    summary = result.summary.set_index("table")
    assert summary.loc["models"].tolist() == ["model", 4, 3, 1]
    assert summary.loc["benchmarks"].tolist() == ["score", 7, 3, 4]
    # price observations: a 3 + b 2 (blended blank) + nodate 3 + c 2 + openrouter 3 = 13
    assert summary.loc["prices"].tolist() == ["price", 13, 6, 7]


def test_analysis_table(toy):
    analysis = clean(toy, NO_CORRECTIONS).analysis.set_index(["model_id", "price_source"])
    assert "nodate" not in analysis.index.get_level_values(0)
    b = analysis.loc[("b", "lowest_reported")]
    assert pd.isna(b.input_usd_per_mtok) and b.output_usd_per_mtok == 2.0
    assert pd.isna(b.blended_usd_per_mtok)          # cannot be computed without a valid input price
    assert b.active_params_b == 10.0 and bool(b.active_params_known)
    a = analysis.loc[("a", "lowest_reported")]
    assert a.active_params_b == 7.0 and not bool(a.active_params_known)  # falls back to the total
    assert a.score_mmlu_pro == 0.45 and pd.isna(a.score_scicode)
    c = analysis.loc[("c", "aa_headline")]
    assert c.blended_usd_per_mtok == 3.0 and bool(c.blended_computed)
    assert pd.isna(c.total_params_b)                 # the negative count was nulled (and quarantined)
    assert ("a", "lowest_provider") not in analysis.index  # the gateway's price never becomes a provider price


def test_lowest_provider_price_is_the_minimum_per_type():
    toy = tables(
        models=[("m", "M", None, "2024-01-01", True, "Open", None, 7.0, None)],
        benchmarks=[("m", "mmlu_pro", 0.5)],
        prices=[("m", "together", 0.9, 0.9, None), ("m", "deepinfra", 0.5, 1.5, None),
                ("m", "groq", 0.6, 0.8, 0.65)],
    )
    row = clean(toy, NO_CORRECTIONS).analysis.set_index("price_source").loc["lowest_provider"]
    assert (row.input_usd_per_mtok, row.output_usd_per_mtok) == (0.5, 0.8)
    # blended: the lowest provider blended (together 0.9, deepinfra (1.5+1.5)/4=0.75, groq 0.65 as reported)
    assert row.blended_usd_per_mtok == 0.65 and not bool(row.blended_computed)


def test_conflicting_and_duplicate_scores():
    toy = tables(
        models=[("m", "M", None, "2024-01-01", True, "Open", None, 7.0, None)],
        benchmarks=[("m", "mmlu_pro", 0.5)],
        prices=[("m", "lowest_reported", 1.0, 1.0, 1.0)],
    )
    extra = pd.DataFrame([("m", "mmlu_pro", 0.6, "other"), ("m", "gpqa_diamond", 0.3, "x"),
                          ("m", "gpqa_diamond", 0.3, "y")], columns=["model_id", "benchmark", "score", "source"])
    toy.benchmarks = pd.concat([toy.benchmarks, extra], ignore_index=True)
    result = clean(toy, NO_CORRECTIONS)
    rules = sorted(result.quarantine.rule)
    assert rules == ["conflicting scores for one model and benchmark"] * 2 + ["duplicate score"]
    row = result.analysis.iloc[0]
    assert pd.isna(row.score_mmlu_pro) and row.score_gpqa_diamond == 0.3


def test_corrections_applied_only_where_old_matches(toy, tmp_path):
    path = tmp_path / "corrections.csv"
    path.write_text(
        "model_id,field,old,new,reason,source\n"
        "a,release_date,2024-01-01,2025-01-01,r,s\n"        # applies
        "b,release_date,<2023-06-01,2025-01-01,r,s\n"      # a condition the file's value does not meet
        "zzz,release_date,2024-01-01,2025-01-01,r,s\n"      # model absent
        "nodate,release_date,,2024-06-01,r,s\n"             # fills a missing date: the model is no longer lost
        "c,open_weights,false,false,r,s\n"                   # already correct
    )
    corrections = read_corrections(path)
    result = clean(toy, corrections)
    assert list(result.corrections.status) == ["applied", "already_correct", "model_absent", "applied",
                                               "already_correct"]
    analysis = result.analysis.drop_duplicates("model_id").set_index("model_id")
    assert analysis.loc["a", "release_date"] == pd.Timestamp("2025-01-01")
    assert analysis.loc["b", "release_date"] == pd.Timestamp("2024-02-01")
    assert analysis.loc["nodate", "release_date"] == pd.Timestamp("2024-06-01")
    off = clean(toy, corrections, apply_fixes=False)
    assert set(off.corrections.status) == {"disabled"}
    assert off.analysis.drop_duplicates("model_id").set_index("model_id").loc["a", "release_date"] == pd.Timestamp(
        "2024-01-01")


@pytest.mark.parametrize("line, message", [
    ("a,params,1,2,r,s", "not correctable"),
    ("a,release_date,2024-01-01,2025-13-01,r,s", "column new"),
    ("a,release_date,2024-01-01,2025-01-01,,s", "column reason"),
])
def test_bad_corrections_file_names_row_and_column(tmp_path, line, message):
    path = tmp_path / "corrections.csv"
    path.write_text("model_id,field,old,new,reason,source\n" + line + "\n")
    with pytest.raises(ValueError, match=rf"corrections\.csv, row 1.*{message}"):
        read_corrections(path)


def test_project_corrections_file_is_valid_and_fixes_phi4(futuretech_csv):
    corrections = read_corrections(corrections_file())
    assert set(corrections.model_id) >= {"phi-4-mini", "phi-4-multimodal"}
    result = clean(read_snapshot(BUNDLED_SNAPSHOT), corrections)
    status = result.corrections.set_index("model_id").status
    assert status["phi-4-mini"] == "applied" and status["phi-4-multimodal"] == "applied"
    dates = result.analysis.drop_duplicates("model_id").set_index("model_id").release_date
    assert dates["phi-4-mini"] == pd.Timestamp("2025-02-01")


def test_real_snapshot_counts_match_an_independent_count(futuretech_csv):
    """rows in = used + quarantined, with the expected numbers counted from the raw text by the csv module."""
    result = clean(read_snapshot(BUNDLED_SNAPSHOT), read_corrections(corrections_file()))
    with futuretech_csv.open(newline="") as handle:
        rows = list(csv.reader(handle))
    header = [" ".join(h.split()) for h in rows[0]]
    records = [dict(zip(header, r)) for r in rows[1:]]
    price_columns = ["Lowest Input Price AA", "Lowest Output Price Found AA", "Lowest Blended Price AA",
                     "Input Price USD/1M Tokens", "Output Price USD/1M Tokens", "Blended USD/1M Tokens"]
    observations = quarantined = 0
    for r in records:
        for column in price_columns:
            text = r[column].strip().lstrip("$").strip()
            if not text:
                continue
            observations += 1
            if not r["Release Date"].strip() or float(text) <= 0:
                quarantined += 1
    summary = result.summary.set_index("table")
    assert summary.loc["prices", "rows_in"] == observations
    assert summary.loc["prices", "rows_quarantined"] == quarantined
    assert summary.loc["models"].tolist() == ["model", 204, 201, 3]
    assert (summary["rows_in"] == summary["rows_used"] + summary["rows_quarantined"]).all()
    assert len(result.quarantine) == int(summary["rows_quarantined"].sum())
