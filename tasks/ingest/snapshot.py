"""A bundled (or user-built) snapshot folder: the canonical tables as CSV, read back and validated."""

from __future__ import annotations

from tasks.canonical import is_snapshot_folder, read_snapshot
from tasks.ingest.base import make_ingest_task

FORMAT = "snapshot"
sniff_any = is_snapshot_folder
ingest_task = make_ingest_task(FORMAT, read_snapshot, __name__)
