"""The catalog: every intermediate table one stage hands to the next, named once, with the schema its frame follows
(where the project has one) and the rule of its Parquet path, as Kedro's data catalog does.

Every intermediate is a content-addressed Parquet file under the cache folder (``data/cache``, or
``INFERENCE_TRENDS_CACHE_DIR``)::

    <cache>/<stage>/<name>-<first 16 hex digits of the file's sha256>.parquet

A fit batch's tables add the snapshot and the preset before the name, under one folder per method:
``<cache>/trends/<method>/<snapshot>-<preset>-<name>-<digest>.parquet``. ``tasks.platform.lineage.write_cached_parquet``
writes every one of them and refuses a table the catalog does not name, so this list stays complete.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pandera.pandas as pa

from schemas.analysis import (AnalysisTable, CorrectionsLog, Points, Quarantine, QuarantineSummary, RunPrices,
                              RunTable, Trends)
from schemas.canonical import Benchmarks, IngestIssues, Models, Prices, Runs
from tasks.files.io import read_parquet
from tasks.files.settings import cache_dir

BATCH = "trends/{method}"  # the stage folder of a fit batch: one per method


@dataclass(frozen=True)
class Intermediate:
    """One intermediate table: its stage folder, its name, its schema (None where the project has none) and what it
    holds."""

    stage: str
    name: str
    schema: type[pa.DataFrameModel] | None
    what: str

    @property
    def per_batch(self) -> bool:
        return self.stage == BATCH

    @property
    def rule(self) -> str:
        """The path rule, relative to the cache folder."""
        prefix = "<snapshot>-<preset>-" if self.per_batch else ""
        return f"{self.stage}/{prefix}{self.name}-<sha256[:16]>.parquet"

    def columns(self) -> list[str] | None:
        return None if self.schema is None else list(self.schema.to_schema().columns)


CATALOG: tuple[Intermediate, ...] = (
    # ingest (tasks/stages/ingest.py): a snapshot's canonical tables, and how merged sources were joined
    Intermediate("canonical", "models", Models, "one row per model of the snapshot"),
    Intermediate("canonical", "benchmarks", Benchmarks, "one score per model and benchmark"),
    Intermediate("canonical", "prices", Prices, "prices per model, provider or named aggregate, and date"),
    Intermediate("canonical", "ingest_issues", IngestIssues, "what the adapters rejected or warned about"),
    Intermediate("canonical", "runs", Runs, "benchmark runs (tokens spent or a reported cost)"),
    Intermediate("resolve", "matches", None, "how each source model was joined to the snapshot's models"),
    Intermediate("resolve", "conflicts", None, "where merged sources disagree on a field"),
    Intermediate("resolve", "field_sources", None, "which source gave each field of each model"),
    # clean (tasks/stages/clean.py)
    Intermediate("clean", "analysis", AnalysisTable, "one row per model and price observation, cleaned"),
    Intermediate("clean", "quarantine", Quarantine, "every value or record left out, with the reason"),
    Intermediate("clean", "summary", QuarantineSummary, "rows in = used + quarantined, per table"),
    Intermediate("clean", "corrections", CorrectionsLog, "each documented correction and whether it applied"),
    Intermediate("clean", "warnings", IngestIssues, "what the adapters took but flagged"),
    Intermediate("clean", "runs", RunTable, "benchmark runs priced and checked"),
    Intermediate("clean", "run_prices", RunPrices, "the list prices that cost benchmark runs"),
    # capability (tasks/stages/clean.py, when a preset has [capability]): the scale, joined into each analysis table
    Intermediate("capability", "capability", None, "capability.csv: the capability scale per model"),
    Intermediate("capability", "capability_excluded", None, "capability_excluded.csv: the models and benchmarks "
                 "the scale left out, with why"),
    # fit (tasks/stages/fit.py): one batch per snapshot x preset x method
    Intermediate(BATCH, "rows", Trends, "the batch's trends.csv rows"),
    Intermediate(BATCH, "points", Points, "the batch's points.csv rows"),
    Intermediate(BATCH, "diagnostics", None, "per trend: resamples, coverage, clusters (what the report reads)"),
    Intermediate(BATCH, "replicates", None, "every bootstrap and permutation slope"),
    Intermediate(BATCH, "index", None, "every trend of the batch with the code hash that fitted it"),
    # collect and breaks (tasks/stages/outputs.py, tasks/stages/breaks.py): the run's tables
    Intermediate("outputs", "trends", Trends, "trends.csv: every trend, estimator and interval method"),
    Intermediate("outputs", "points", Points, "points.csv: the points behind every trend"),
    Intermediate("outputs", "diagnostics", None, "per trend: resamples, coverage, clusters"),
    Intermediate("outputs", "replicates", None, "every bootstrap and permutation slope of the run"),
    Intermediate("outputs", "index", None, "every trend with the code hash of the batch that fitted it"),
    Intermediate("outputs", "breaks", None, "breaks.csv: one structural break test per single-regressor trend"),
    # price history (tasks/stages/history.py)
    Intermediate("history", "files", None, "the store's ledger: every dated file with its sha256"),
    Intermediate("history", "drift", None, "data-drift warnings between consecutive dates"),
    Intermediate("history", "same_model", None, "each model's own price change over the window"),
    Intermediate("history", "same_model_summary", None, "median same-model change per subset and price type"),
    Intermediate("history", "prices", Prices, "every dated price of the store"),
)
_BY_KEY = {(entry.stage, entry.name): entry for entry in CATALOG}


def entry(stage: str, name: str) -> Intermediate:
    """The catalog entry of a table written to ``stage`` as ``name`` (a fit batch's ``<snapshot>-<preset>-<name>``
    under ``trends/<method>``); ``KeyError`` for a table the catalog does not name."""
    if stage.startswith("trends/"):
        found = _BY_KEY.get((BATCH, name.rsplit("-", 1)[-1]))
    else:
        found = _BY_KEY.get((stage, name))
    if found is None:
        raise KeyError(f"intermediate {stage}/{name} is not in the catalog (tasks/files/catalog.py)")
    return found


def cache_path(stage: str, name: str, digest: str) -> Path:
    """Where the intermediate ``stage``/``name`` with content ``digest`` (a sha256) lives: the path rule."""
    entry(stage, name)
    return cache_dir() / stage / f"{name}-{digest[:16]}.parquet"


# --- typed hand-offs: what a stage gives the next ---------------------------------------------------------------
@dataclass(frozen=True)
class Handoff:
    """What a stage hands the next: its named intermediates, each a cached Parquet file of the catalog (a field per
    table), read back checked against the catalog's schema (``read``). Its fields are the catalog's names for the
    stage, so a misspelt table is an ``AttributeError`` where a path dict gave a ``KeyError`` at run time; the cache
    keys of the tasks that take it count each file by content (``tasks.platform.caching.stable_form``)."""

    stage: ClassVar[str]

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    def files(self) -> dict[str, Path]:
        """Table name -> its file."""
        return {name: getattr(self, name) for name in self.names()}

    def read(self, name: str) -> pd.DataFrame:
        """The table ``name`` as stored, checked against its catalog schema where the project has one: a missing
        column, a value that breaks a rule or cannot be coerced to its type fails here, naming the table and the
        rule, not later as a wrong number. The frame returned is the stored one (not the coerced copy)."""
        path = getattr(self, name)
        frame = read_parquet(path)
        schema = entry(self.stage, name).schema
        if schema is not None:
            try:
                schema.validate(frame)
            except pa.errors.SchemaError as err:  # the first rule broken, in one line
                rule = " ".join(str(err).split())[:500]
                raise ValueError(f"{self.stage}/{name} ({path}) does not follow {schema.__name__}: {rule}") from err
        return frame


@dataclass(frozen=True)
class CleanTables(Handoff):
    """The clean stage's tables of one snapshot (``tasks.data.clean.CleanResult``, as files)."""

    stage: ClassVar[str] = "clean"
    analysis: Path
    quarantine: Path
    summary: Path
    corrections: Path
    warnings: Path
    runs: Path
    run_prices: Path


@dataclass(frozen=True)
class BatchTables(Handoff):
    """One fit batch's tables (a snapshot x preset x method)."""

    stage: ClassVar[str] = BATCH
    rows: Path
    points: Path
    diagnostics: Path
    replicates: Path
    index: Path


@dataclass(frozen=True)
class RunTables(Handoff):
    """The run's tables, collected from every batch."""

    stage: ClassVar[str] = "outputs"
    trends: Path
    points: Path
    diagnostics: Path
    replicates: Path
    index: Path
