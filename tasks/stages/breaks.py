"""Stage 5: one structural break per single-regressor trend (``tasks.study.breaks``)."""

from __future__ import annotations

from pathlib import Path

from tasks.study.breaks import breaks_table
from tasks.platform.caching import cached_task
from tasks.files.catalog import RunTables
from tasks.platform.lineage import write_cached_parquet


@cached_task(name="structural-breaks", task_run_name="structural-breaks")
def breaks_task(outputs: RunTables, settings: dict[str, dict]) -> Path:
    """``settings``: per preset name, its ``[breaks]`` section (min_segment, simulations, alpha, seed)."""
    table = breaks_table(outputs.read("trends"), outputs.read("points"), settings)
    return write_cached_parquet(table, "outputs", "breaks", {"task": "structural-breaks"})
