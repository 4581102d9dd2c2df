"""The ``build-snapshot`` flow: raw source files -> a bundled snapshot folder of canonical CSVs
(``tasks/stages/snapshot.py``: what the folder holds, and how it is replaced).

    check the target folder -> ingest each source (merge several by entity resolution) -> write the snapshot
"""

from __future__ import annotations

import sys
from pathlib import Path

from prefect import flow, get_run_logger

from flows.config import SnapshotConfig, flow_run_name, snapshot_run_name
from tasks.data.ingest import detect_format
from tasks.files.folders import check_output_folder
from tasks.files.settings import crosswalk_file, snapshots_dir
from tasks.platform.assets import materialize_files
from tasks.platform.caching import ensure_result_storage
from tasks.stages.snapshot import ingest_sources, source_records, write_snapshot_task


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
    crosswalk = Path(config.crosswalk).resolve() if config.crosswalk else crosswalk_file()
    canonical = ingest_sources(config.name, paths, formats, crosswalk)
    meta = {"name": config.name, "format": formats[0] if len(formats) == 1 else "merged",
            "sources": [r for p, fmt in zip(paths, formats) for r in source_records(p, fmt)]}
    write_snapshot_task(canonical, folder, meta)
    materialize_files(f"snapshot-{config.name}", [folder / f"{name}.csv" for name in ("models", "benchmarks", "prices")],
                      [f for p in paths for f in ([p] if p.is_file() else sorted(x for x in p.rglob("*") if x.is_file()))])
    get_run_logger().info("snapshot written to %s", folder)
    return str(folder)


if __name__ == "__main__":
    from flows.cli import main

    main(["snapshot", *sys.argv[1:]])
