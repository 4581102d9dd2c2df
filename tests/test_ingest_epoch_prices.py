"""The Epoch AI price-trend adapter on Epoch's two real files, on the bundled snapshot built from them, and on small
broken variants: each breakage is a clear error naming file and column, or a rejected value / row with its file,
row and column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tasks.data.canonical import read_snapshot
from tasks.data.ingest import detect_format
from tasks.data.ingest.common import SourceError
from tasks.data.ingest.epoch_prices import ingest
from tasks.files.settings import PROJECT_ROOT, shared_data_dir

FOLDER = shared_data_dir() / "epoch-llm-price-trends-2025-03"
SNAPSHOT = PROJECT_ROOT / "data" / "snapshots" / "epoch-2025-03"
HEADER = ("Model Name,Release Date,USD per 1M Tokens,MMLU,GPQA Diamond,HumanEval,MATH-500,LMSys Chatbot Arena ELO,"
          "MATH 5,Tokens per Second,Prefill Latency (s),Prompt Length (tk)\n")


@pytest.fixture(scope="module")
def real():
    if not FOLDER.exists():
        pytest.skip(f"shared data not available ({FOLDER})")
    return ingest(FOLDER).validated("epoch")


def test_real_files(real):
    # 38 + 35 rows; 66 names (GPT-3 4 rows, o1-mini, Command R+, Llama 2-13B and Llama 2-7B 2 each)
    assert real.row_counts() == {"models": 66, "benchmarks": 307, "prices": 73, "ingest_issues": 2}  # no runs: left out
    models = real.models.set_index("model_id")
    assert models.loc["gpt-3", "name"] == "GPT-3" and models.loc["gpt-3", "release_date"] == pd.Timestamp("2021-11-20")
    assert sorted(models.index[models.reasoning.astype(bool)]) == ["deepseek-r1", "o1", "o1-mini", "o1-preview",
                                                                    "o3-mini"]
    assert set(real.prices.provider) == {"source_price"} and real.prices.input_usd_per_mtok.isna().all()
    gpt3 = real.prices[real.prices.model_id == "gpt-3"].sort_values("observed_on")
    assert list(gpt3.observed_on.dt.date.astype(str)) == ["2021-11-20", "2022-08-31", "2022-09-01", "2024-01-04"]
    assert list(gpt3.blended_usd_per_mtok) == [60.0, 60.0, 20.0, 20.0]
    scores = real.benchmarks.set_index(["model_id", "benchmark"]).score
    assert scores[("gpt-3", "mmlu")] == 0.439                      # 43.9 % -> exactly 0.439
    assert scores[("claude-3-haiku", "arena_elo")] == 1179.0        # Elo as is
    assert scores[("deepseek-r1", "math_level_5")] == 0.931
    assert scores[("command-r-plus", "mmlu")] == 0.757
    issues = real.ingest_issues.set_index(["record", "column"])
    alias = issues.loc[(13, "Model Name")]
    assert alias.action == "warning" and "'GPT-3 175B (davinci)' read as 'GPT-3'" in alias.rule
    conflict = issues.loc[(16, "MMLU")]
    assert conflict.action == "warning" and conflict.value == "63.1" and "differs from 43.9" in conflict.rule
    assert set(real.ingest_issues.file) == {"epoch_ai_price_data_not_in_aa_with_benchmarks.csv"}


def test_bundled_snapshot_is_what_the_adapter_builds(real):
    expected = real.snapshot_files()
    # every table file of the committed snapshot is compared: a table the adapter stopped writing would leave the
    # loop below fewer files to check, and the row counts below are read back from the committed files themselves
    assert sorted(expected) == sorted(p.name for p in SNAPSHOT.glob("*.csv")) == [
        "benchmarks.csv", "ingest_issues.csv", "models.csv", "prices.csv"]
    for name, text in expected.items():
        assert (SNAPSHOT / name).read_text(encoding="utf-8") == text, name
    assert read_snapshot(SNAPSHOT).row_counts() == real.row_counts()


def test_detection(tmp_path):
    if FOLDER.exists():
        assert detect_format(FOLDER) == "epoch_prices"
        assert detect_format(FOLDER / "aa_data_with_math5.csv") == "epoch_prices"
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "prices.csv").write_text(HEADER + "A,2024-01-01,1,50,,,,,,,,\n")
    (mixed / "other.csv").write_text("Model,Something\nA,1\n")
    with pytest.raises(ValueError, match=r"no adapter reads this folder as one input. It holds 1 unrecognised "
                                         r"file\(s\) \(other.csv\); 1 epoch_prices file\(s\) \(prices.csv\)"):
        detect_format(mixed)  # a folder is this format only when every CSV in it is


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "prices.csv"
    path.write_text(header + body)
    return path


def test_missing_column_is_a_clear_error(tmp_path):
    header = HEADER.replace(",GPQA Diamond", "")
    path = write(tmp_path, "A,2024-01-01,1,50,70,60,1200,20,,,\n", header)
    with pytest.raises(SourceError, match=r"prices\.csv: not an Epoch AI price file; missing column\(s\): "
                                          r"GPQA Diamond"):
        ingest(path)


def test_bad_values_name_file_row_and_column(tmp_path):
    path = write(tmp_path, "A,2024-01-01,1,50,,,,,,,,\n"
                           "B,2024-02-01,cheap,60,,,,,,,,\n"         # price as text
                           "C,2024-03-01,2,101,30,,,,,,,\n"          # 101 % MMLU
                           "D,2024-13-01,2,40,,,,,,,,\n"             # no such month: the row cannot be dated
                           ",2024-04-01,2,40,,,,,,,,\n"              # no name
                           "E,2024-05-01,$0.5,55.5,,,,1180.5,,,,\n")  # "$0.5" is a price
    tables = ingest(path).validated("broken")
    issues = {(r.record, r.column): r for r in tables.ingest_issues.itertuples()}
    assert issues[(2, "USD per 1M Tokens")].action == "rejected_value"
    assert "not a price in USD: 'cheap'" in issues[(2, "USD per 1M Tokens")].rule
    assert issues[(3, "MMLU")].action == "rejected_value" and "outside 0..100" in issues[(3, "MMLU")].rule
    assert issues[(4, "Release Date")].action == "rejected_record"
    assert issues[(5, "Model Name")].action == "rejected_record"
    assert set(tables.ingest_issues.file) == {"prices.csv"}
    assert sorted(tables.models.model_id) == ["a", "b", "c", "e"]        # B and C keep their other fields
    assert sorted(tables.prices.model_id) == ["a", "c", "e"]             # B's price was rejected
    scores = tables.benchmarks.set_index(["model_id", "benchmark"]).score
    assert ("c", "mmlu") not in scores.index and scores[("c", "gpqa_diamond")] == 0.3
    assert scores[("e", "mmlu")] == 0.555 and scores[("e", "arena_elo")] == 1180.5
    assert tables.prices.set_index("model_id").blended_usd_per_mtok["e"] == 0.5


def test_same_model_same_day_twice_keeps_the_lower_price_with_a_warning(tmp_path):
    path = write(tmp_path, "A,2024-01-01,2,50,,,,,,,,\nA,2024-01-01,1.5,50,,,,,,,,\n")
    tables = ingest(path).validated("twice")
    assert list(tables.prices.blended_usd_per_mtok) == [1.5]
    [warning] = tables.ingest_issues.itertuples()
    assert (warning.record, warning.action) == (2, "warning") and "the lower one is kept" in warning.rule
