"""The ``build-snapshot`` flow: raw source files -> a bundled snapshot folder of canonical CSVs.

``data/snapshots/<name>/`` holds models.csv, benchmarks.csv, prices.csv (``source`` on every row), ingest_issues.csv
(what the adapter could not take as it was) and snapshot.json (the source files with their sha256, row counts and
attribution). Rebuilding from the same files gives identical bytes; the folder is replaced only when the build
succeeds.
"""

from __future__ import annotations

import tasks  # noqa: F401  (applies the project's Prefect environment defaults before Prefect is imported)

import shutil
import sys
import uuid
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.config import SnapshotConfig
from tasks.caching import sha256_file
from tasks.canonical import SNAPSHOT_META, CanonicalTables
from tasks.ingest import adapter, detect_format
from tasks.io import replace_dir, write_json
from tasks.settings import snapshots_dir
from tasks.sources import attributions


@task(name="write-snapshot", cache_policy=NO_CACHE)
def write_snapshot_task(canonical: dict[str, Path], folder: Path, meta: dict) -> Path:
    tables = CanonicalTables.read_cached(canonical).validated(f"snapshot {folder.name}")
    staging = folder.parent / f".{folder.name}.staging-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    try:
        for name, text in tables.snapshot_files().items():
            (staging / name).write_text(text, encoding="utf-8")
        sources = set(tables.models["source"]) | set(tables.prices["source"]) | set(tables.benchmarks["source"])
        write_json(staging / SNAPSHOT_META, {**meta, "row_counts": tables.row_counts(),
                                             "attribution": attributions(sources)})
        replace_dir(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


@flow(name="build-snapshot", log_prints=True)
def build_snapshot(config: SnapshotConfig) -> str:
    """Ingest raw source files and write them as a bundled snapshot (canonical CSVs)."""
    path = Path(config.input).expanduser().resolve()
    fmt = config.input_format or detect_format(path)
    module = adapter(fmt)
    canonical = module.ingest_task(path)
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    meta = {
        "name": config.name,
        "format": fmt,
        "sources": [{"file": p.name, "sha256": sha256_file(p), "origin": getattr(module, "ORIGIN", "")}
                    for p in files],
    }
    folder = (Path(config.out_dir).expanduser().resolve() if config.out_dir else snapshots_dir()) / config.name
    write_snapshot_task(canonical, folder, meta)
    get_run_logger().info("snapshot written to %s", folder)
    return str(folder)


if __name__ == "__main__":
    from flows.cli import main

    main(["snapshot", *sys.argv[1:]])
