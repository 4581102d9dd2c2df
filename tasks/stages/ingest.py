"""Stage 1: raw sources -> validated canonical tables (one cached task per input), merged when several."""

from __future__ import annotations

import functools
from pathlib import Path

from prefect import get_run_logger

from tasks.data.canonical import CanonicalTables, read_snapshot_meta
from tasks.data.ingest import adapter
from tasks.data.ingest.base import read_source
from tasks.data.resolve import contributing_sources, read_crosswalk, resolve
from tasks.data.sources import attributions
from tasks.platform.caching import cached_task
from tasks.files.io import read_parquet, read_tables
from tasks.platform.lineage import write_cached_parquet, write_tables
from tasks.files.settings import crosswalk_file
from tasks.stages.clean import check_usable, clean_task
from tasks.stages.prepare import RunInput, Snapshot


@functools.cache
def ingest_task(fmt: str):
    """The cached task of one adapter, attributed to the adapter's module (its cache key covers that adapter's code
    and what it imports, not every adapter's)."""
    module = adapter(fmt)

    def ingest_source(path: Path) -> dict[str, Path]:
        """Parse one raw source into validated canonical tables; return the Parquet path of each table."""
        path = Path(path)
        tables = read_source(fmt, module.ingest, path).validated(str(path))
        paths = write_tables(tables, "canonical", {"format": fmt})
        counts = tables.row_counts()
        get_run_logger().info(
            "ingest %s (%s): %d models, %d scores, %d price rows, %d ingest issues",
            path.name, fmt, counts["models"], counts["benchmarks"], counts["prices"], counts["ingest_issues"],
        )
        return paths

    ingest_source.__module__ = module.__name__
    ingest_source.__qualname__ = ingest_source.__name__ = f"ingest_{fmt}"
    return cached_task(name=f"ingest-{fmt}", task_run_name=f"ingest-{fmt}")(ingest_source)


def _resolve_run_name(parameters: dict) -> str:
    return f"resolve-{len(parameters['canonical'])}-sources"


@cached_task(name="resolve", task_run_name=_resolve_run_name)
def resolve_task(canonical: list[dict[str, Path]], crosswalk_path: Path | None) -> dict[str, Path]:
    """Merge several sources' canonical tables (the first is the spine); cache the result and its reports."""
    sources = [read_tables(CanonicalTables, paths) for paths in canonical]
    result = resolve(sources, read_crosswalk(crosswalk_path))
    lineage = {"sources": len(canonical)}
    paths = write_tables(result.tables.validated("merged sources"), "canonical", lineage)
    paths["matches"] = write_cached_parquet(result.matches, "resolve", "matches", lineage)
    paths["conflicts"] = write_cached_parquet(result.conflicts, "resolve", "conflicts", lineage)
    paths["field_sources"] = write_cached_parquet(result.field_sources, "resolve", "field_sources", lineage)
    return paths


def load_snapshot(tracker, item: RunInput, corrections: Path, apply_fixes: bool, published_here: bool
                  ) -> Snapshot:
    """Ingest (and merge) one snapshot's sources and clean them: a ``Snapshot``. ``published_here``: some preset
    publishes values for it, so the data as published is cleaned too (for the published-vs-reproduced table)."""
    labels = (f"snapshot:{item.name}",)
    several = len(item.parts) > 1  # task runs named after the snapshot (and the file, when it merges several)
    parts = [tracker.run("ingest", ingest_task(fmt), path, labels=labels,
                         name=f"ingest-{fmt}[{item.name}{f' · {Path(path).name}' if several else ''}]")
             for path, fmt in item.parts]
    canonical, resolution = parts[0], None
    if len(parts) > 1:
        crosswalk = crosswalk_file()
        canonical = tracker.run("resolve", resolve_task, parts, crosswalk if crosswalk.exists() else None,
                                labels=labels, name=f"resolve[{item.name} · {len(parts)} sources]")
        resolution = {"matches": canonical["matches"], "conflicts": canonical["conflicts"]}
    elif item.format == "snapshot" and (item.path / "resolution.csv").exists():
        resolution = {"matches": item.path / "resolution.csv", "conflicts": item.path / "conflicts.csv"}
    clean = tracker.run("clean", clean_task, canonical, corrections, apply_fixes, labels=labels,
                        name=f"clean-and-assemble[{item.name}{'' if apply_fixes else ' · as published'}]")
    # an input whose records are (nearly) all quarantined on a key field leaves nothing to estimate: the run stops
    # with the reason the inbox gives when it rejects such a file
    check_usable(clean, str(item.path) if not several else
                 f"snapshot {item.name} ({', '.join(str(path) for path, _ in item.parts)})")
    as_published, as_published_clean = None, None
    if apply_fixes and published_here:
        as_published_clean = tracker.run("clean", clean_task, canonical, corrections, False, labels=labels,
                                         name=f"clean-and-assemble[{item.name} · as published]")
        as_published = as_published_clean.analysis
    # every source whose data reached the snapshot: the rows' sources, and sources that filled fields in a merge
    lines = attributions(clean.read("analysis")["source"].unique())
    extra = read_snapshot_meta(item.path).get("attribution", []) if item.format == "snapshot" else []
    if resolution and item.format != "snapshot":
        extra = attributions(contributing_sources(read_parquet(resolution["matches"])))
    lines += [line for line in extra if line not in lines]
    return Snapshot(item, canonical, clean, as_published, resolution, lines, as_published_clean)
