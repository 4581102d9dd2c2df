"""Prefect asset materialisation events for the files a run publishes (``file://`` keys).

Each call runs one ``MaterializingTask`` named after what it records (``materialize-analysis`` ...) whose assets are
the published files and whose ``asset_deps`` are the files they were built from, with each file's sha256 and size
as asset metadata. The chain a run records: raw source files -> snapshot tables -> analysis table -> trends.csv ->
report. On a self-hosted server the events are in the Event Feed (``prefect.asset.*``); Prefect Cloud draws them as
an asset graph.
"""

from __future__ import annotations

from pathlib import Path

from prefect.assets import Asset, AssetProperties, add_asset_metadata
from prefect.cache_policies import NO_CACHE
from prefect.tasks import MaterializingTask

from tasks.caching import sha256_file


def file_asset(path: Path | str) -> Asset:
    path = Path(path).resolve()
    return Asset(key=path.as_uri(), properties=AssetProperties(name=path.name))


def _record(files: list[str]) -> list[str]:
    for name in files:
        path = Path(name)
        add_asset_metadata(file_asset(path).key, {"sha256": sha256_file(path), "bytes": path.stat().st_size})
    return files


def materialize_files(label: str, files: list[Path], upstream: list[Path]) -> list[str]:
    """Emit materialisation events for ``files`` (which exist now), built from ``upstream``."""
    files = [Path(f).resolve() for f in files if Path(f).is_file()]
    if not files:
        return []
    deps = [file_asset(p) for p in dict.fromkeys(Path(u).resolve() for u in upstream)]
    task = MaterializingTask(fn=_record, assets=[file_asset(p) for p in files], asset_deps=deps or None,
                             name=f"materialize-{label}", task_run_name=f"materialize-{label}",
                             cache_policy=NO_CACHE)
    return task([str(p) for p in files])
