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

from prefect.types.names import MAX_ASSET_KEY_LENGTH, RESTRICTED_ASSET_CHARACTERS

from tasks.core.hashing import sha256_bytes, sha256_file


def asset_key(path: Path | str) -> str:
    """``file://`` + the absolute path, with the characters Prefect does not allow in asset keys (space, %, #, ?,
    quotes, brackets, braces...) replaced by ``_`` (no percent-encoding: '%' is not allowed either); a key over
    Prefect's 512 characters keeps its end and gains a hash of the full path."""
    text = Path(path).resolve().as_posix()
    key = "file://" + "".join("_" if char in RESTRICTED_ASSET_CHARACTERS else char for char in text)
    if len(key) > MAX_ASSET_KEY_LENGTH:
        key = "file://" + sha256_bytes(text.encode())[:16] + "/" + key[-(MAX_ASSET_KEY_LENGTH - 40):]
    return key


def file_asset(path: Path | str) -> Asset:
    path = Path(path).resolve()
    return Asset(key=asset_key(path), properties=AssetProperties(name=path.name))


def _record(files: list[str]) -> list[str]:
    for name in files:
        path = Path(name)
        add_asset_metadata(asset_key(path), {"sha256": sha256_file(path), "bytes": path.stat().st_size,
                                             "path": str(path.resolve())})
    return files


def materialize_files(label: str, files: list[Path], upstream: list[Path]) -> list[str]:
    """Emit materialisation events for ``files`` (which exist now), built from ``upstream``."""
    files = [Path(f).resolve() for f in files if Path(f).is_file()]
    if not files:
        return []
    deps = [file_asset(p) for p in dict.fromkeys(Path(u).resolve() for u in upstream)]
    safe = label.replace("{", "(").replace("}", ")")  # a task run name is a format string to Prefect
    task = MaterializingTask(fn=_record, assets=[file_asset(p) for p in files], asset_deps=deps or None,
                             name=f"materialize-{safe}", task_run_name=f"materialize-{safe}",
                             cache_policy=NO_CACHE)
    return task([str(p) for p in files])
