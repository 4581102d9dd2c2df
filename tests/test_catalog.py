"""The catalog (tasks/files/catalog.py) names every intermediate with its schema and path rule, the stages' table
lists agree with it, and a table it does not name cannot be written."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tasks.files import catalog


def names(stage: str) -> set[str]:
    return {e.name for e in catalog.CATALOG if e.stage == stage}


def test_the_stages_write_what_the_catalog_names():
    from tasks.data.canonical import CanonicalTables
    from tasks.data.clean import CleanResult
    from tasks.stages.outputs import OUTPUT_TABLES

    assert set(CanonicalTables.table_names()) == names("canonical")
    assert set(CleanResult.TABLES) == names("clean")
    assert set(OUTPUT_TABLES) | {"breaks"} == names("outputs")
    assert len({(e.stage, e.name) for e in catalog.CATALOG}) == len(catalog.CATALOG)


def test_schemas_give_the_columns():
    from schemas.analysis import TREND_COLUMNS

    assert catalog.entry("outputs", "trends").columns() == TREND_COLUMNS
    assert catalog.entry("resolve", "matches").columns() is None


def test_path_rule(tmp_path, monkeypatch):
    monkeypatch.setenv("INFERENCE_TRENDS_CACHE_DIR", str(tmp_path))
    digest = "ab" * 32
    assert catalog.cache_path("clean", "analysis", digest) == tmp_path / "clean" / f"analysis-{'ab' * 8}.parquet"
    batch = catalog.entry("trends/frontier", "futuretech-2025-07-epoch-2025-points")
    assert batch.name == "points" and batch.per_batch
    assert batch.rule == "trends/{method}/<snapshot>-<preset>-points-<sha256[:16]>.parquet"
    assert re.fullmatch(r"clean/analysis-<sha256\[:16\]>\.parquet", catalog.entry("clean", "analysis").rule)


def test_an_unnamed_intermediate_is_refused(tmp_path, monkeypatch):
    from tasks.platform.lineage import write_cached_parquet

    monkeypatch.setenv("INFERENCE_TRENDS_CACHE_DIR", str(tmp_path))
    with pytest.raises(KeyError, match="not in the catalog"):
        write_cached_parquet(pd.DataFrame({"a": [1]}), "clean", "scratch")
    assert not (tmp_path / "clean").exists()  # refused before anything was written


# --- typed hand-offs ---------------------------------------------------------------------------------------------
def test_the_hand_offs_are_the_catalogs_tables():
    from tasks.stages.outputs import OUTPUT_TABLES

    assert set(catalog.CleanTables.names()) == names("clean")
    assert set(catalog.BatchTables.names()) == names(catalog.BATCH)
    assert set(catalog.RunTables.names()) == set(OUTPUT_TABLES) == names("outputs") - {"breaks"}


def test_a_hand_off_reads_its_tables_checked_against_their_schemas(tmp_path):
    from tests.test_figures import trend, trends_frame

    good = trends_frame([trend(trend_id="t1", factor_per_year=2.0, n=5)])
    good.to_parquet(tmp_path / "trends.parquet")
    tables = catalog.RunTables(**{name: tmp_path / f"{name}.parquet" for name in catalog.RunTables.names()})
    pd.testing.assert_frame_equal(tables.read("trends"), pd.read_parquet(tmp_path / "trends.parquet"))
    good.drop(columns=["status"]).to_parquet(tmp_path / "trends.parquet")  # a table that lost a column
    with pytest.raises(ValueError, match=r"outputs/trends \(.*trends\.parquet\) does not follow Trends: .*status"):
        tables.read("trends")
    with pytest.raises(AttributeError):
        tables.trend  # a misspelt table: found where it is written, not at run time  # noqa: B018


def test_a_hand_off_keys_the_cache_by_content_not_by_folder(tmp_path):
    from tasks.platform.caching import stable_form

    def tables(folder):
        folder.mkdir()
        for name in catalog.BatchTables.names():
            pd.DataFrame({"x": [name]}).to_parquet(folder / f"{name}.parquet")
        return catalog.BatchTables(**{name: folder / f"{name}.parquet" for name in catalog.BatchTables.names()})

    first, second = tables(tmp_path / "a"), tables(tmp_path / "b")
    assert stable_form(first) == stable_form(second)  # same files elsewhere: same key
    pd.DataFrame({"x": ["changed"]}).to_parquet(second.points)
    assert stable_form(first) != stable_form(second)  # a changed table: a new key
