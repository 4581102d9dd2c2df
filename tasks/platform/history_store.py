"""The price-history store (``data/history/<name>/``): incremental, content-addressed ingestion of dated scrapes.

What the store holds and how it grows is described in ``tasks/data/history.py``; this module reads and writes it.
"""

from __future__ import annotations

import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tasks.core.hashing import sha256_file
from tasks.data.canonical import CanonicalTables
from tasks.data.history import (LEDGER, LEDGER_COLUMNS, PARTS, PROFILE_COLUMNS, PROFILES, TABLES,
                                profile_records)
from tasks.data.ingest.aa import load_json, parse_site, site_files
from tasks.data.ingest.common import date_in_name, observation_date
from tasks.data.ingest.reading import check_input
from tasks.files.tables import csv_text, read_csv_output
from tasks.platform.caching import code_hash
from tasks.files.io import atomic_write_text, read_parquet, write_parquet


@dataclass
class IngestReport:
    """What one ingestion did: files skipped by name and size, skipped by hash, parsed (new or replacing)."""

    skipped_unchanged: list[str] = field(default_factory=list)
    skipped_same_content: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    rows_added: int = 0

    @property
    def parsed(self) -> list[str]:
        return self.added + self.replaced

    def summary(self) -> str:
        return (f"{len(self.added)} new file(s) ({self.rows_added} price rows), {len(self.replaced)} replaced, "
                f"{len(self.skipped_unchanged) + len(self.skipped_same_content)} already ingested "
                f"({len(self.skipped_same_content)} of them recognised by content)")



def _read_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame(columns=columns)
    return read_csv_output(path, dtype=str, keep_default_na=False).reindex(columns=columns)


PART_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}-[0-9a-f]{12}$")


def check_store(store: Path) -> Path:
    """A history store this tool may write: absent, empty, or holding its ledger (``files.csv``); a folder of
    other files is refused (the store removes replaced parts inside it)."""
    store = Path(store)
    if store.exists() and (not store.is_dir() or (any(store.iterdir()) and not (store / LEDGER).is_file())):
        raise ValueError(f"--store {store}: not a price-history store of this tool (no {LEDGER}); give a new or "
                         "empty folder, or an existing store")
    return store


def read_ledger(store: Path) -> pd.DataFrame:
    """The store's ledger; every part it names must be a part name (a ledger cannot point outside the store)."""
    ledger = _read_csv(Path(store) / LEDGER, LEDGER_COLUMNS)
    bad = [part for part in ledger["part"].dropna() if not PART_NAME.match(str(part))]
    if bad:
        raise ValueError(f"{Path(store) / LEDGER}, column part: {bad[0]!r} is not a part name "
                         "(YYYY-MM-DD-<12 hex>); the ledger was edited or damaged")
    return ledger


def read_profiles(store: Path) -> pd.DataFrame:
    frame = _read_csv(Path(store) / PROFILES, PROFILE_COLUMNS).replace({"": None})
    for column in ("records", "present", "non_null", "numeric", "null_rate", "median", "maximum"):
        frame[column] = pd.to_numeric(frame[column])
    return frame


def _write_part(store: Path, name: str, tables: CanonicalTables, source: Path, digest: str) -> None:
    """A part folder, complete or not at all (staged beside it, then renamed). Each table carries its lineage (the
    code that parsed it and the raw file, by name and sha256; see tasks.platform.lineage)."""
    lineage = {"producer": {"task": "ingest-history", "module": __name__}, "code_sha256": code_hash(__name__),
               "upstream": [{"file": source.name, "sha256": digest}]}
    target = store / PARTS / name
    staging = store / PARTS / f".{name}.staging-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    try:
        for table in TABLES:
            write_parquet(getattr(tables, table), staging / f"{table}.parquet", {**lineage, "table": table})
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def ingest_history(folder: Path, store: Path) -> IngestReport:
    """Add the dated scrape files of ``folder`` that the store does not hold yet (see the module's docstring)."""
    folder, store = Path(folder), check_store(Path(store))
    files = site_files(folder) if folder.is_dir() else [folder]
    if not files:
        raise FileNotFoundError(f"{folder}: no aa_models_YYYY-MM-DD.json file to ingest")
    ledger = read_ledger(store)
    profiles = read_profiles(store)
    report = IngestReport()
    held = {(r.observed_on, r.sha256): r.file for r in ledger.itertuples()}
    for path in files:
        observed_on = date_in_name(path)
        if observed_on is None:
            raise ValueError(f"{path}: the file name carries no YYYY-MM-DD observation date")
        observation_date(observed_on, f"{path}: the date in the file name")  # not after today
        check_input(path)  # the reading gate before hashing: a regular file within the byte limit, never a FIFO
        # the content hash decides (a same-size edit is not missed); the date is the name's, so the same bytes
        # under another date (a day on which nothing changed) are a new observation date, not a duplicate
        digest = sha256_file(path)
        if (observed_on.isoformat(), digest) in held:
            if held[(observed_on.isoformat(), digest)] == path.name:
                report.skipped_unchanged.append(path.name)
            else:
                report.skipped_same_content.append(path.name)
            continue
        records = load_json(path)
        tables = parse_site(records, path).validated(str(path))
        part = f"{observed_on.isoformat()}-{digest[:12]}"
        _write_part(store, part, tables, path, digest)
        day = observed_on.isoformat()
        replaced = ledger["observed_on"] == day
        if replaced.any():
            for old in ledger.loc[replaced, "part"]:
                if old != part:
                    shutil.rmtree(store / PARTS / old, ignore_errors=True)
            report.replaced.append(path.name)
        else:
            report.added.append(path.name)
        ledger = pd.concat([ledger[~replaced], pd.DataFrame([{
            "file": path.name, "size": str(path.stat().st_size), "observed_on": day, "sha256": digest,
            "records": str(len(records) if isinstance(records, list) else 0),
            **{t: str(len(getattr(tables, t))) for t in (*TABLES, "ingest_issues")}, "part": part}])],
            ignore_index=True)
        profile = profile_records(records if isinstance(records, list) else [], observed_on, path.name)
        profiles = pd.concat([profiles[profiles["observed_on"] != day], profile], ignore_index=True)
        held = {k: v for k, v in held.items() if k[0] != day}
        held[(day, digest)] = path.name
        report.rows_added += len(tables.prices)
    if report.parsed:
        profiles = profiles.sort_values(["observed_on", "column"], kind="mergesort")
        atomic_write_text(store / PROFILES, csv_text(profiles.reset_index(drop=True), float_digits=10))
        ledger = ledger.sort_values("observed_on", kind="mergesort").reset_index(drop=True)
        atomic_write_text(store / LEDGER, csv_text(ledger[LEDGER_COLUMNS]))  # last: names only complete parts
    return report


def load_history(store: Path) -> dict[str, pd.DataFrame]:
    """Every table of the store, concatenated over the ledger's parts (observation date order)."""
    store = Path(store)
    ledger = read_ledger(store)
    if ledger.empty:
        raise FileNotFoundError(f"{store}: no price history ingested yet (no {LEDGER})")
    out = {}
    for table in TABLES:
        frames = [read_parquet(store / PARTS / part / f"{table}.parquet") for part in ledger["part"]]
        frames = [f.assign(observed_on=pd.Timestamp(day)) if table != "prices" else f
                  for f, day in zip(frames, ledger["observed_on"])]
        out[table] = pd.concat(frames, ignore_index=True)
    return out


def history_stores(root: Path) -> list[Path]:
    """The price-history stores under ``root`` (folders with a ledger)."""
    root = Path(root)
    return sorted(p for p in root.iterdir() if (p / LEDGER).exists()) if root.is_dir() else []


def export_history(paths: dict[str, Path], folder: Path) -> dict[str, Path]:
    """The history's derived tables as CSV files in ``folder`` (deterministic bytes)."""
    out = {}
    for key, name in (("drift", "data_drift.csv"), ("same_model", "same_model_drift.csv"),
                      ("same_model_summary", "same_model_summary.csv")):
        out[name] = atomic_write_text(Path(folder) / name, csv_text(read_parquet(paths[key]), float_digits=10))
    return out
