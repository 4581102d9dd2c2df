"""File I/O with three guarantees: deterministic bytes, atomic writes, content-addressed intermediates.

- Parquet intermediates are written to ``data/cache/<stage>/<name>-<sha256 prefix>.parquet``: the name is a
  function of the bytes, the bytes are a function of the inputs (no timestamps or run ids inside), so identical
  inputs give identical files and downstream content keys still hit.
- Every write goes to a temporary file in the target folder and is renamed into place, so a crash never leaves a
  half-written output.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tasks.files.storage import ensure_local, share

LINEAGE_KEY = b"inference_trends.lineage"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # the temporary name adds 14 bytes to the name: a name near the limit of 255 bytes gets a short one
    prefix = f".{path.name}." if len(os.fsencode(path.name)) <= 200 else ".long-name."
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return share(path)  # a cache file goes to the shared store too, when there is one (tasks.files.storage)


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def _non_finite(value: Any, where: str = "") -> tuple[str, float] | None:
    """The first NaN or infinite number inside ``value`` (dicts, lists, tuples), with its key path."""
    if isinstance(value, float):
        return None if math.isfinite(value) else (where or "the value", value)
    if isinstance(value, dict):
        items = ((f"{where}.{key}" if where else str(key), item) for key, item in value.items())
    elif isinstance(value, (list, tuple)):
        items = ((f"{where}[{i}]", item) for i, item in enumerate(value))
    else:
        return None
    for path, item in items:
        found = _non_finite(item, path)
        if found:
            return found
    return None


def json_text(payload: Any, what: str, indent: int | None = 2) -> str:
    """Strict JSON (keys sorted; other objects as text): NaN and Infinity are not JSON, so a non-finite number is
    an error naming the output and the key, never written (every JSON file the project writes goes through this)."""
    try:
        text = json.dumps(payload, indent=indent, sort_keys=True, default=str, allow_nan=False)
    except ValueError:
        found = _non_finite(payload)
        if found is None:
            raise
        raise ValueError(f"{what}: {found[0]} is {found[1]}, not a finite number (JSON has no NaN or Infinity); "
                         "not written") from None
    return text + "\n" if indent is not None else text


def write_json(path: Path, payload: Any, what: str | None = None) -> Path:
    """``payload`` as strict JSON (``json_text``), written atomically; ``what``: how an error names the file
    (default its path)."""
    return atomic_write_text(path, json_text(payload, what or str(path)))


def _table(df: pd.DataFrame, lineage: dict[str, Any] | None) -> pa.Table:
    table = pa.Table.from_pandas(df, preserve_index=False)
    if lineage:
        metadata = dict(table.schema.metadata or {})
        metadata[LINEAGE_KEY] = json_text(lineage, "lineage metadata", indent=None).encode()
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


def read_tables(cls, paths: dict[str, Path]):
    """The dataclass ``cls`` of frames back from ``write_tables``' paths."""
    import dataclasses

    return cls(**{f.name: read_parquet(Path(paths[f.name])) for f in dataclasses.fields(cls)
                  if f.name in paths or (f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)})
