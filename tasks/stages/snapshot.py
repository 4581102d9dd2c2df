"""Stage of the ``build-snapshot`` flow: raw source files -> canonical tables (``tasks/stages/ingest.py``, merged by
entity resolution when there are several) -> a bundled snapshot folder of canonical CSVs.

``data/snapshots/<name>/`` holds models.csv, benchmarks.csv, prices.csv (``source`` on every row), ingest_issues.csv
(what the adapter could not take as it was) and snapshot.json (the source files with their sha256, row counts,
attribution, and the folder's own files with their sha256). Rebuilding from the same files gives identical bytes;
the folder is replaced only when the build succeeds, and only while it holds nothing but what a build wrote there
(``tasks/files/folders.py``).
"""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.core.hashing import sha256_file
from tasks.data.canonical import SNAPSHOT_META, CanonicalTables
from tasks.data.ingest import adapter
from tasks.data.resolve import contributing_sources, match_summary
from tasks.data.sources import attributions
from tasks.files.folders import SNAPSHOT_SCHEMA, file_list, staging_folder, swap_in
from tasks.files.io import read_parquet, read_tables, write_json
from tasks.files.tables import csv_text
from tasks.stages.ingest import ingest_task, resolve_task


@task(name="write-snapshot", cache_policy=NO_CACHE)
def write_snapshot_task(canonical: dict[str, Path], folder: Path, meta: dict) -> Path:
    tables = read_tables(CanonicalTables, canonical).validated(f"snapshot {folder.name}")
    with staging_folder(folder) as staging:
        for name, text in tables.snapshot_files().items():
            (staging / name).write_text(text, encoding="utf-8")
        sources = set(tables.models["source"]) | set(tables.prices["source"]) | set(tables.benchmarks["source"])
        if "matches" in canonical:  # several sources: how they were joined, where they disagreed, who filled what
            matches = read_parquet(canonical["matches"])
            for name, key in (("resolution.csv", "matches"), ("conflicts.csv", "conflicts"),
                              ("field_sources.csv", "field_sources")):
                (staging / name).write_text(csv_text(read_parquet(canonical[key])), encoding="utf-8")
            meta["resolution"] = match_summary(matches).to_dict(orient="records")
            sources |= set(contributing_sources(matches))
        # "files": every file with its sha256, so that a rebuild replaces this folder only while it holds nothing
        # else (tasks/files/folders.py)
        write_json(staging / SNAPSHOT_META, {"schema": SNAPSHOT_SCHEMA, **meta,
                                             "row_counts": tables.snapshot_row_counts(),
                                             "attribution": attributions(sources), "files": file_list(staging)})
        swap_in(staging, folder, "snapshot")
    return folder


def source_records(path: Path, fmt: str) -> list[dict]:
    module = adapter(fmt)
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return [{"file": p.name, "format": fmt, "sha256": sha256_file(p), "origin": getattr(module, "ORIGIN", "")}
            for p in files]


def ingest_sources(name: str, paths: list[Path], formats: list[str], crosswalk: Path | None) -> dict[str, Path]:
    """Each raw source ingested (one task run each); several merged by entity resolution (``crosswalk``: the manual
    matching decisions, if the file exists). The canonical tables' cached Parquet files."""
    canonical = [ingest_task(fmt).with_options(
        task_run_name=f"ingest-{fmt}[{name} · {p.name}]".replace("{", "(").replace("}", ")"))(p)
        for p, fmt in zip(paths, formats)]
    if len(canonical) == 1:
        return canonical[0]
    return resolve_task(canonical, crosswalk if crosswalk is not None and crosswalk.exists() else None)
