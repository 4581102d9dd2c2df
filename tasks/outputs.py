"""Collect every trend's rows and points into the run's ``trends.csv`` and ``points.csv``.

Both files are deterministic: rows sorted by ``trend_id``, ``estimator``, ``ci_method`` (points by ``trend_id``,
release date, model id), floats with 10 significant digits, so the same inputs and config give byte-identical files.
"""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger

from tasks.caching import cached_task, sha256_bytes
from tasks.io import atomic_write_text, read_parquet
from tasks.settings import cache_dir
from tasks.trends import finalise_points, finalise_trends, points_csv, trends_csv


def _write_cached_text(text: str, stage: str, name: str, suffix: str) -> Path:
    data = text.encode()
    return atomic_write_text(cache_dir() / stage / f"{name}-{sha256_bytes(data)[:16]}{suffix}", text)


@cached_task(name="collect-trends", task_run_name="collect-trends")
def collect_task(results: list[dict[str, Path]]) -> dict[str, Path]:
    trends = finalise_trends([read_parquet(r["rows"]) for r in results])
    points = finalise_points([read_parquet(r["points"]) for r in results])
    counts = trends.drop_duplicates("trend_id")["status"].value_counts().to_dict()
    get_run_logger().info("trends: %d rows, %d trends (%s)", len(trends), trends["trend_id"].nunique(),
                          ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return {
        "trends": _write_cached_text(trends_csv(trends), "outputs", "trends", ".csv"),
        "points": _write_cached_text(points_csv(points), "outputs", "points", ".csv"),
    }
