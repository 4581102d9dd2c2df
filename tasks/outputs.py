"""Collect every trend's tables into the run's outputs.

- ``trends.csv`` and ``points.csv``: deterministic (rows sorted by ``trend_id``, ``estimator``, ``ci_method``;
  points by ``trend_id``, release date, model id; floats with 10 significant digits), so the same inputs and config
  give byte-identical files;
- ``diagnostics.csv``: per frontier trend, how many resamples, permutations and leave-one-out fits were usable,
  and the simulated coverage of its intervals;
- ``replicates.parquet``: every bootstrap and permutation slope (trend_id, kind, replicate, slope_per_day).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from prefect import get_run_logger

from tasks.caching import cached_task, sha256_bytes
from tasks.io import atomic_write_text, csv_text, read_parquet, write_cached_parquet
from tasks.settings import cache_dir
from tasks.trends import (DIAGNOSTIC_COLUMNS, FLOAT_DIGITS, REPLICATE_COLUMNS, finalise_points, finalise_trends,
                          points_csv, trends_csv)


def _write_cached_text(text: str, stage: str, name: str, suffix: str) -> Path:
    data = text.encode()
    return atomic_write_text(cache_dir() / stage / f"{name}-{sha256_bytes(data)[:16]}{suffix}", text)


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


@cached_task(name="collect-trends", task_run_name="collect-trends")
def collect_task(results: list[dict[str, Path]]) -> dict[str, Path]:
    trends = finalise_trends([read_parquet(r["rows"]) for r in results])
    points = finalise_points([read_parquet(r["points"]) for r in results])
    diagnostics = _concat([read_parquet(r["diagnostics"]) for r in results], DIAGNOSTIC_COLUMNS)
    diagnostics = diagnostics.dropna(how="all", subset=DIAGNOSTIC_COLUMNS[1:]).sort_values("trend_id")
    replicates = _concat([read_parquet(r["replicates"]) for r in results], REPLICATE_COLUMNS)
    replicates = replicates.sort_values(["trend_id", "kind", "replicate"], kind="mergesort").reset_index(drop=True)
    counts = trends.drop_duplicates("trend_id")["status"].value_counts().to_dict()
    get_run_logger().info("trends: %d rows, %d trends (%s)", len(trends), trends["trend_id"].nunique(),
                          ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return {
        "trends.csv": _write_cached_text(trends_csv(trends), "outputs", "trends", ".csv"),
        "points.csv": _write_cached_text(points_csv(points), "outputs", "points", ".csv"),
        "diagnostics.csv": _write_cached_text(csv_text(diagnostics, float_digits=FLOAT_DIGITS), "outputs",
                                              "diagnostics", ".csv"),
        "replicates.parquet": write_cached_parquet(replicates, "outputs", "replicates"),
    }
