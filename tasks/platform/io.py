"""File I/O with three guarantees: deterministic bytes, atomic writes, content-addressed intermediates.

- Parquet intermediates are written to ``data/cache/<stage>/<name>-<sha256 prefix>.parquet``: the name is a
  function of the bytes, the bytes are a function of the inputs (no timestamps or run ids inside), so identical
  inputs give identical files and downstream content keys still hit.
- Every write goes to a temporary file in the target folder and is renamed into place, so a crash never leaves a
  half-written output.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tasks.core.hashing import sha256_file
from tasks.data.tables import csv_text
from tasks.platform.settings import cache_dir
from tasks.platform.storage import ensure_local, share

LINEAGE_KEY = b"inference_trends.lineage"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return share(path)  # a cache file goes to the shared store too, when there is one (tasks.platform.storage)


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, payload: Any) -> Path:
    return atomic_write_text(path, json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")


def _table(df: pd.DataFrame, lineage: dict[str, Any] | None) -> pa.Table:
    table = pa.Table.from_pandas(df, preserve_index=False)
    if lineage:
        metadata = dict(table.schema.metadata or {})
        metadata[LINEAGE_KEY] = json.dumps(lineage, sort_keys=True, default=str).encode()
        table = table.replace_schema_metadata(metadata)
    return table


def write_parquet(df: pd.DataFrame, path: Path, lineage: dict[str, Any] | None = None) -> Path:
    """Write ``df`` atomically to ``path`` (deterministic bytes for identical frames)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        pq.write_table(_table(df, lineage), tmp, compression="zstd", write_statistics=False)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_cached_parquet(df: pd.DataFrame, stage: str, name: str, lineage: dict[str, Any] | None = None) -> Path:
    """Write ``df`` to the content-addressed cache folder of ``stage`` and return the final path.

    Its metadata carries the lineage of the running task (``tasks.platform.lineage.task_lineage``) plus ``lineage``."""
    from tasks.platform.lineage import task_lineage

    lineage = task_lineage(lineage)
    folder = cache_dir() / stage
    folder.mkdir(parents=True, exist_ok=True)
    tmp = write_parquet(df, folder / f".{name}.{uuid.uuid4().hex}.parquet.tmp", lineage)
    final = folder / f"{name}-{sha256_file(tmp)[:16]}.parquet"
    os.replace(tmp, final)
    return share(final)


def read_parquet(path: Path) -> pd.DataFrame:
    path = Path(path)
    if not ensure_local(path):
        raise FileNotFoundError(
            f"intermediate {path} is missing (was data/cache cleaned while Prefect results were kept?); "
            "rerun with --refresh-cache"
        )
    return pq.read_table(path).to_pandas()


def read_lineage(path: Path) -> dict[str, Any]:
    metadata = pq.read_schema(path).metadata or {}
    raw = metadata.get(LINEAGE_KEY)
    return json.loads(raw) if raw else {}


def write_csv(df: pd.DataFrame, path: Path, float_digits: int | None = None) -> Path:
    return atomic_write_text(path, csv_text(df, float_digits))


def write_tables(tables, stage: str, lineage: dict) -> dict[str, Path]:
    """Every table of a ``CanonicalTables`` (or any dataclass of frames) as a cached Parquet file."""
    import dataclasses

    return {f.name: write_cached_parquet(getattr(tables, f.name), stage, f.name, {**lineage, "table": f.name})
            for f in dataclasses.fields(tables)}


def read_tables(cls, paths: dict[str, Path]):
    """The dataclass ``cls`` of frames back from ``write_tables``' paths."""
    import dataclasses

    return cls(**{f.name: read_parquet(Path(paths[f.name])) for f in dataclasses.fields(cls)
                  if f.name in paths or (f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)})
