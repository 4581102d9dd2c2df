"""Stage 4: every batch's tables -> the run's tables, as Parquet hand-offs (CSV only in the published run folder).

- ``trends``, ``points``: the output contract, validated, in a deterministic order (rows by ``trend_id``,
  ``estimator``, ``ci_method``; points by ``trend_id``, release date, model id);
- ``diagnostics``: per trend, the usable resamples, permutations and leave-one-out fits, the simulated coverage of
  its intervals, the creator clusters and the reasoning models left out (what the report reads, never a note);
- ``replicates``: every bootstrap and permutation slope (trend_id, kind, replicate, slope_per_day);
- ``index``: every trend with the code hash of the batch that fitted it (the per-trend lineage).
"""

from __future__ import annotations

import pandas as pd
from prefect import get_run_logger

from tasks.data.usable import Unusable
from tasks.methods import METHODS, diagnostic_columns
from tasks.study.tables import finalise_trends
from tasks.trends import REPLICATE_COLUMNS, finalise_points, nothing_estimated
from tasks.files.catalog import BatchTables, RunTables
from tasks.files.io import read_parquet
from tasks.platform.caching import cached_task
from tasks.platform.lineage import write_cached_parquet

OUTPUT_TABLES = ("trends", "points", "diagnostics", "replicates", "index")


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """The frames one below the other, with exactly ``columns`` (a column a frame lacks: empty)."""
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True).reindex(columns=columns) if frames else pd.DataFrame(columns=columns)


def collect(batches: list[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """The run's tables from its batches' tables (pure)."""
    trends = finalise_trends([b["rows"] for b in batches])
    points = finalise_points([b["points"] for b in batches])
    columns = diagnostic_columns()
    diagnostics = _concat([b["diagnostics"] for b in batches], columns)
    diagnostics = diagnostics.dropna(how="all", subset=columns[1:]).sort_values("trend_id", kind="mergesort")
    replicates = _concat([b["replicates"] for b in batches], REPLICATE_COLUMNS)
    replicates = replicates.sort_values(["trend_id", "kind", "replicate"], kind="mergesort").reset_index(drop=True)
    index = pd.concat([b["index"] for b in batches], ignore_index=True).sort_values("trend_id", kind="mergesort")
    return {"trends": trends, "points": points, "diagnostics": diagnostics.reset_index(drop=True),
            "replicates": replicates, "index": index.reset_index(drop=True)}


# diagnostics.csv has every method's columns (tasks.methods.diagnostic_columns): their modules key this task
@cached_task(name="collect-trends", task_run_name="collect-trends", code=tuple(m.module for m in METHODS))
def collect_task(results: list[BatchTables]) -> RunTables:
    tables = collect([{name: batch.read(name) for name in batch.names()} for batch in results])
    trends = tables["trends"]
    counts = trends.drop_duplicates("trend_id")["status"].value_counts().to_dict()
    get_run_logger().info("trends: %d rows, %d trends (%s)", len(trends), trends["trend_id"].nunique(),
                          ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return RunTables(**{name: write_cached_parquet(frame, "outputs", name, {"table": name})
                        for name, frame in tables.items()})


def check_estimated(outputs: RunTables) -> str | None:
    """A run that estimates nothing never ends as a plain success. When every trend was skipped (nothing in the data
    could be fitted: the preset asks for measures or prices the input does not have) the run stops before it
    publishes anything: ``Unusable`` (a ValueError: the command prints it and exits 1). When some were attempted but
    every one had too few points (a small input: its report says how many each had), the run is published, and the
    message returned here becomes its final state's message and a warning (``flows/estimate.py``). None: some trend
    has an estimate."""
    found = nothing_estimated(read_parquet(outputs.trends))  # its status and note columns only
    if found is None:
        return None
    message, attempted = found
    if not attempted:
        raise Unusable(f"{message}. Nothing was published")
    get_run_logger().warning("%s; see the report", message)
    return message
