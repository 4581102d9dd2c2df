"""Stage 2: canonical tables -> the analysis table, the quarantine and the corrections log (``tasks.data.clean``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
from prefect import get_run_logger

from tasks.data.canonical import CanonicalTables
from tasks.data.clean import CleanResult, clean, read_corrections
from tasks.data.first_observed import with_first_observed
from tasks.data.usable import Unusable, unusable_reason
from tasks.data.issues import warning_lines
from tasks.files.catalog import CleanTables
from tasks.files.io import read_parquet, read_tables
from tasks.platform.caching import cached_task
from tasks.platform.lineage import write_cached_parquet


@cached_task(name="clean", task_run_name="clean-and-assemble")
def clean_task(canonical: dict[str, Path], corrections_path: Path, apply_fixes: bool) -> CleanTables:
    """Read the canonical Parquet tables, clean, validate, and write the analysis table and the quarantine."""
    tables = read_tables(CanonicalTables, {k: v for k, v in canonical.items() if k in CanonicalTables.table_names()})
    result = clean(tables, read_corrections(corrections_path), apply_fixes)
    lineage = {"apply_corrections": apply_fixes}
    tables = CleanTables(**{name: write_cached_parquet(getattr(result, name), "clean", name,
                                                       {**lineage, "table": name}) for name in CleanResult.TABLES})
    logger = get_run_logger()
    for row in result.summary.itertuples(index=False):
        logger.info("clean %s: %d in = %d used + %d quarantined", row.table, row.rows_in, row.rows_used,
                    row.rows_quarantined)
    for line in warning_lines(result.warnings):  # a repeated warning: one line with its count
        logger.warning("%s", line)
    applied = int((result.corrections["status"] == "applied").sum())
    logger.info("corrections: %d applied of %d (%s)", applied, len(result.corrections),
                "enabled" if apply_fixes else "disabled by --as-published")
    return tables


def check_usable(tables: CleanTables, label: str) -> None:
    """Raise ``Unusable`` (a ValueError: the command prints it and exits 1) when the cleaned input named ``label``
    leaves nothing to estimate (``tasks.data.usable``). Outside the cached task: its limit is read from the
    environment at each run. The inbox applies the same check to each new file (``tasks/stages/inbox.py``)."""
    reason = unusable_reason(label, tables.read("quarantine"), tables.read("summary"))
    if reason:
        raise Unusable(reason)


def read_clean(tables: CleanTables) -> CleanResult:
    """The cleaning's tables, read back and checked against their schemas."""
    return CleanResult(**{name: tables.read(name) for name in tables.names()})


@cached_task(name="first-observed", task_run_name="first-observed-prices")
def first_observed_task(analysis_path: Path, earlier: list[Path]) -> Path:
    """The analysis table with each model's price at first observation added (``tasks.data.first_observed``)."""
    table = with_first_observed(read_parquet(analysis_path), [read_parquet(p) for p in earlier])
    added = table[table["price_source"] == "first_observed"]
    get_run_logger().info("first observed prices: %d models, %d from an earlier snapshot", len(added),
                          int((added["observed_on"] < table["observed_on"].max()).sum()))
    return write_cached_parquet(table, "clean", "analysis", {"table": "analysis", "first_observed": True})


def add_first_observed(tracker, snapshots: list) -> None:
    """Each snapshot that has earlier ones gets the ``first_observed`` price definition (in place)."""
    dates = {s.name: read_parquet(s.analysis)["observed_on"].max() for s in snapshots}
    for snapshot in snapshots:
        earlier = [s.analysis for s in snapshots if pd.notna(dates[s.name]) and pd.notna(dates[snapshot.name])
                   and dates[s.name] < dates[snapshot.name]]
        if earlier:
            snapshot.clean = dataclasses.replace(snapshot.clean, analysis=tracker.run(
                "clean", first_observed_task, snapshot.analysis, earlier, labels=(f"snapshot:{snapshot.name}",),
                name=f"first-observed-prices[{snapshot.name}]"))


@cached_task(name="capability", task_run_name="capability-scale", code=("tasks.data.capability", "tasks.core.irt"))
def capability_task(source: Path, options: dict) -> dict[str, Path]:
    """Fit the capability scale on the AA API vintages in ``source`` (``tasks.data.capability``): ``table`` (the
    run folder's capability.csv) and ``excluded`` (the models and benchmarks the fit left out, with why)."""
    from tasks.core.irt import Anchors, fit_capability
    from tasks.data.capability import assemble, capability_table

    matrix = assemble(source, until=options.get("until"))
    anchors = Anchors(options["low_model"], options["high_model"], options["low_value"], options["high_value"])
    fit = fit_capability(matrix.scores, anchors, min_scores=options["min_scores"], n_bootstrap=options["bootstrap"],
                         ci_level=options["ci_level"], seed=options["seed"])
    table = capability_table(fit, matrix.models)
    get_run_logger().info("capability scale: %d models on %d benchmarks, %d models left out", len(table),
                          len(fit.benchmarks), int((fit.excluded["kind"] == "model").sum()))
    excluded = fit.excluded.astype({"kind": str, "id": str, "reason": str})
    return {"table": write_cached_parquet(table, "capability", "capability", {"table": "capability"}),
            "excluded": write_cached_parquet(excluded, "capability", "capability_excluded",
                                             {"table": "capability_excluded"})}


@cached_task(name="join-capability", task_run_name="join-capability", code=("tasks.data.capability",))
def join_capability_task(analysis_path: Path, capability_path: Path) -> Path:
    """The analysis table with ``score_capability`` from the fitted scale (``tasks.data.capability``)."""
    from tasks.data.capability import with_capability

    table = with_capability(read_parquet(analysis_path), read_parquet(capability_path))
    return write_cached_parquet(table, "clean", "analysis", {"table": "analysis", "capability": True})


def add_capability(tracker, snapshots: list, presets: list) -> dict[str, Path] | None:
    """When a preset has a ``[capability]`` section: fit the scale once and join it into every snapshot's analysis
    table (in place); the capability task's files (``table``: the run folder's capability.csv, ``excluded``: the
    models left out), else None."""
    from tasks.files.settings import PROJECT_ROOT

    section = next((p.capability for p in presets if getattr(p, "capability", None) is not None), None)
    if section is None:
        return None
    options = section.model_dump()
    source = Path(options.pop("source"))
    source = source if source.is_absolute() else (PROJECT_ROOT / source).resolve()
    capability = tracker.run("clean", capability_task, source, options, name="capability-scale")
    for snapshot in snapshots:
        snapshot.clean = dataclasses.replace(snapshot.clean, analysis=tracker.run(
            "clean", join_capability_task, snapshot.analysis, capability["table"], labels=(f"snapshot:{snapshot.name}",),
            name=f"join-capability[{snapshot.name}]"))
    return capability
