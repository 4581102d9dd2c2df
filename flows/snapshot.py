"""The ``build-snapshot`` flow: raw source files -> a bundled snapshot folder of canonical CSVs.

``data/snapshots/<name>/`` holds models.csv, benchmarks.csv, prices.csv (``source`` on every row), ingest_issues.csv
(what the adapter could not take as it was) and snapshot.json (the source files with their sha256, row counts,
attribution, and the folder's own files with their sha256). Rebuilding from the same files gives identical bytes;
the folder is replaced only when the build succeeds, and only while it holds nothing but what a build wrote there
(``tasks/files/folders.py``).
"""

from __future__ import annotations


import sys
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.config import SnapshotConfig, flow_run_name, snapshot_run_name
from tasks.platform.caching import ensure_result_storage
from tasks.platform.assets import materialize_files
from tasks.core.hashing import sha256_file
from tasks.files.io import read_tables
from tasks.stages.ingest import ingest_task
from tasks.data.canonical import SNAPSHOT_META, CanonicalTables
from tasks.data.ingest import adapter, detect_format
from tasks.files.folders import SNAPSHOT_SCHEMA, check_output_folder, file_list, staging_folder, swap_in
from tasks.files.io import read_parquet, write_json
from tasks.files.tables import csv_text
from tasks.data.resolve import contributing_sources, match_summary
from tasks.stages.ingest import resolve_task
from tasks.files.settings import crosswalk_file, snapshots_dir
from tasks.data.sources import attributions


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


@flow(name="build-snapshot", flow_run_name=flow_run_name(snapshot_run_name), log_prints=True)
def build_snapshot(config: SnapshotConfig) -> str:
    """Ingest raw source files (several: merged by entity resolution) and write them as a snapshot of canonical
    CSVs."""
    ensure_result_storage()  # the shared cache's results block, when INFERENCE_TRENDS_SHARED_CACHE is set
    paths = [Path(p).expanduser().resolve() for p in config.inputs]
    folder = (Path(config.out_dir).expanduser().resolve() if config.out_dir else snapshots_dir()) / config.name
    check_output_folder(folder, "snapshot", paths, "--out-dir/--name")  # before any work; touches nothing
    if config.input_format and len(paths) > 1:
        raise ValueError("--format applies to a single input; formats of several inputs are detected")
    formats = [config.input_format or detect_format(p) for p in paths]
    canonical = [ingest_task(fmt).with_options(task_run_name=f"ingest-{fmt}[{config.name} · {p.name}]".replace("{", "(").replace("}", ")"))(p)
                 for p, fmt in zip(paths, formats)]
    if len(canonical) > 1:
        crosswalk = Path(config.crosswalk).resolve() if config.crosswalk else crosswalk_file()
        merged = resolve_task(canonical, crosswalk if crosswalk.exists() else None)
    else:
        merged = canonical[0]
    meta = {"name": config.name, "format": formats[0] if len(formats) == 1 else "merged",
            "sources": [r for p, fmt in zip(paths, formats) for r in source_records(p, fmt)]}
    write_snapshot_task(merged, folder, meta)
    materialize_files(f"snapshot-{config.name}", [folder / f"{name}.csv" for name in ("models", "benchmarks", "prices")],
                      [f for p in paths for f in ([p] if p.is_file() else sorted(x for x in p.rglob("*") if x.is_file()))])
    get_run_logger().info("snapshot written to %s", folder)
    return str(folder)


if __name__ == "__main__":
    from flows.cli import main

    main(["snapshot", *sys.argv[1:]])
