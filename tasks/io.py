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
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tasks.caching import sha256_file
from tasks.settings import cache_dir
from tasks.storage import ensure_local, share

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
    return share(path)  # a cache file goes to the shared store too, when there is one (tasks.storage)


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

    Its metadata carries the lineage of the running task (``tasks.lineage.task_lineage``) plus ``lineage``."""
    from tasks.lineage import task_lineage

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


def replace_dir(staging: Path, final: Path) -> None:
    """Move a fully written ``staging`` folder to ``final``, replacing any previous one only now."""
    staging, final = Path(staging), Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if final.exists():
        old = final.parent / f".{final.name}.old-{uuid.uuid4().hex[:8]}"
        os.replace(final, old)
    try:
        os.replace(staging, final)
    except BaseException:
        if old is not None:
            os.replace(old, final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# Spreadsheet formula injection (OWASP "CSV injection"): a text cell that starts with one of these is run as a
# formula by Excel, LibreOffice and Google Sheets. Such cells get a leading apostrophe, which spreadsheets show as
# text; a plain number ("-0.5") is not a formula and is left alone. A text that already starts with an apostrophe
# gets one more, so that ``restore_cell`` (used wherever the project reads its own CSV outputs back) is exact. Parquet
# outputs keep the values exactly as they are.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def neutralise_cell(text: str) -> str:
    """A text cell that no spreadsheet runs as a formula (see ``FORMULA_START``); NUL bytes removed."""
    text = text.replace("\0", "")
    if text and ((text[0] in FORMULA_START and not _PLAIN_NUMBER.match(text)) or text[0] == "'"):
        return "'" + text
    return text


def restore_cell(text):
    """The exact text of a cell written by ``neutralise_cell``."""
    return text[1:] if isinstance(text, str) and text.startswith("'") else text


def restore_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text column of a frame read from a project CSV, restored (``restore_cell``)."""
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            frame[column] = frame[column].map(restore_cell)
    return frame


def read_csv_output(path: Path, **options) -> pd.DataFrame:
    """A CSV the project wrote (``csv_text``), cells restored exactly; by default all strings, empty -> None."""
    if not options:
        return restore_frame(pd.read_csv(path, dtype=str, keep_default_na=False)).replace({"": None})
    return restore_frame(pd.read_csv(path, **options))


def format_csv_value(value: Any, float_digits: int | None = None) -> str:
    """One CSV cell: empty for missing, ISO dates, ``true``/``false``, floats exact (repr) or with N digits, text
    neutralised against formula injection (``neutralise_cell``)."""
    import datetime as dt
    import math

    import numpy as np

    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, pd.Timestamp):
        if value.hour or value.minute or value.second or value.microsecond or value.nanosecond:
            return value.isoformat()
        return value.date().isoformat()
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return ""
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if float_digits is None:
            return repr(float(value))
        return format(float(value), f".{float_digits}g")
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return neutralise_cell(str(value))


def csv_text(df: pd.DataFrame, float_digits: int | None = None) -> str:
    """Deterministic CSV text for ``df`` (columns in order, '\\n' line ends, RFC 4180 quoting)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(df.columns))
    for row in df.itertuples(index=False, name=None):
        writer.writerow([format_csv_value(value, float_digits) for value in row])
    return buffer.getvalue()


def write_csv(df: pd.DataFrame, path: Path, float_digits: int | None = None) -> Path:
    return atomic_write_text(path, csv_text(df, float_digits))
