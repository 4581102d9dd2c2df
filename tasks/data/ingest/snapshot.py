"""A bundled (or user-built) snapshot folder: the canonical tables as CSV, read back and validated. Its latest price
observation may not be after today (``tasks.data.ingest.common.observation_date``), as for every other adapter."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from tasks.data.canonical import CanonicalTables, is_snapshot_folder, read_snapshot
from tasks.data.ingest.common import observation_date
from tasks.data.ingest.reading import check_input

FORMAT = "snapshot"
sniff_any = is_snapshot_folder
SNAPSHOT_FILES = ("models.csv", "benchmarks.csv", "prices.csv", "ingest_issues.csv", "snapshot.json", "resolution.csv",
                  "conflicts.csv", "field_sources.csv", "runs.csv")


def members(path: Path) -> list[Path]:
    """The files of a snapshot folder this project writes and reads."""
    return [Path(path) / name for name in SNAPSHOT_FILES if os.path.lexists(Path(path) / name)]


def ingest(path: Path) -> CanonicalTables:
    for name in SNAPSHOT_FILES:  # the reading gate: regular files within the byte limit, never a FIFO
        if os.path.lexists(Path(path) / name):
            check_input(Path(path) / name)
    tables = read_snapshot(path)
    dates = pd.to_datetime(tables.prices["observed_on"]).dropna()
    if len(dates):
        observation_date(dates.max().date(), f"{Path(path) / 'prices.csv'}, column observed_on")
    return tables
