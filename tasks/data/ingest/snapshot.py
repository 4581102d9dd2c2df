"""A bundled (or user-built) snapshot folder: the canonical tables as CSV, read back and validated."""

from __future__ import annotations

from pathlib import Path

from tasks.data.canonical import is_snapshot_folder, read_snapshot

FORMAT = "snapshot"
sniff_any = is_snapshot_folder
SNAPSHOT_FILES = ("models.csv", "benchmarks.csv", "prices.csv", "ingest_issues.csv", "snapshot.json", "resolution.csv",
                  "conflicts.csv", "field_sources.csv", "runs.csv")


def members(path: Path) -> list[Path]:
    """The files of a snapshot folder this project writes and reads."""
    return [Path(path) / name for name in SNAPSHOT_FILES if (Path(path) / name).exists()]


ingest = read_snapshot
