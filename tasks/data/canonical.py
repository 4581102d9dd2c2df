"""The canonical tables as one object, and the bundled-snapshot format (one CSV per table, ``source`` per row)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path

import pandas as pd

from schemas.canonical import CANONICAL_TABLES, OPTIONAL_TABLES, Runs, empty
from tasks.files.tables import csv_text, read_csv_output
from tasks.data.parsing import ParseError, parse_bool
from schemas.validation import validate

SNAPSHOT_META = "snapshot.json"


@dataclass
class CanonicalTables:
    models: pd.DataFrame
    benchmarks: pd.DataFrame
    prices: pd.DataFrame
    ingest_issues: pd.DataFrame
    # optional: benchmark runs (tokens spent, or a reported cost per run); most sources have none
    runs: pd.DataFrame = field(default_factory=lambda: empty(Runs))

    def validated(self, where: str) -> "CanonicalTables":
        """Each table checked against its schema (errors name ``where``, the table, row and column)."""
        return CanonicalTables(
            **{
                name: validate(CANONICAL_TABLES[name], getattr(self, name), f"{where}: table {name}")
                for name in self.table_names()
            }
        )

    @staticmethod
    def table_names() -> list[str]:
        return [f.name for f in fields(CanonicalTables)]

    def row_counts(self) -> dict[str, int]:
        """Rows per table; an optional table only when it has rows (the snapshots of sources without benchmark
        runs keep the counts, and so the bytes, they had before the runs table existed)."""
        return {name: int(len(getattr(self, name))) for name in self.table_names()
                if name not in OPTIONAL_TABLES or len(getattr(self, name))}

    def snapshot_row_counts(self) -> dict[str, int]:
        """Row counts as snapshot.json records them: an empty optional table is left out, as its file is, so that a
        snapshot without runs keeps the snapshot.json it always had."""
        return {name: count for name, count in self.row_counts().items() if count or name not in OPTIONAL_TABLES}

    # --- bundled snapshot CSVs ---------------------------------------------------------------------------
    def snapshot_files(self) -> dict[str, str]:
        """CSV text per table, rows in a stable order so that rebuilding a snapshot gives identical files."""
        order = {
            "models": ["model_id"],
            "benchmarks": ["model_id", "benchmark", "source"],
            "prices": ["model_id", "provider", "observed_on", "source"],
            "ingest_issues": ["file", "record", "column", "rule"],
            "runs": ["model_id", "benchmark", "source"],
        }
        files = {}
        for name in self.table_names():
            if name in OPTIONAL_TABLES and getattr(self, name).empty:
                continue  # snapshots without runs keep exactly the files they always had
            table = getattr(self, name).sort_values(order[name], kind="mergesort", na_position="first")
            files[f"{name}.csv"] = csv_text(table.reset_index(drop=True))
        return files


def read_snapshot(folder: Path) -> CanonicalTables:
    """Read a snapshot folder written by ``tasks.stages.snapshot`` and validate every table."""
    folder = Path(folder)
    tables = {}
    for name in CanonicalTables.table_names():
        path = folder / f"{name}.csv"
        if not path.exists():
            if name == "ingest_issues" or name in OPTIONAL_TABLES:
                tables[name] = empty(CANONICAL_TABLES[name])
                continue
            raise FileNotFoundError(f"snapshot {folder} has no {name}.csv")
        frame = read_csv_output(path)
        if name == "ingest_issues" and "table" not in frame:  # snapshots built before the column existed
            frame["table"] = None
        tables[name] = _booleans_from_text(frame, CANONICAL_TABLES[name], path)
    return CanonicalTables(**tables).validated(str(folder))


def _booleans_from_text(frame: pd.DataFrame, model, path: Path) -> pd.DataFrame:
    """CSV ``true``/``false`` -> booleans for the schema's boolean columns (pandas cannot coerce the text)."""
    for column, spec in model.to_schema().columns.items():
        if column not in frame or str(spec.dtype) != "boolean":
            continue
        values = []
        for row, text in enumerate(frame[column], start=1):
            try:
                values.append(pd.NA if text is None else parse_bool(text))
            except ParseError as err:
                raise ValueError(f"{path}, row {row}, column {column}: {err.rule}") from None
        frame[column] = pd.array(values, dtype="boolean")
    return frame


def read_snapshot_meta(folder: Path) -> dict:
    path = Path(folder) / SNAPSHOT_META
    return json.loads(path.read_text()) if path.exists() else {}


def is_snapshot_folder(path: Path) -> bool:
    path = Path(path)
    return path.is_dir() and (path / "models.csv").exists() and (path / "prices.csv").exists()
