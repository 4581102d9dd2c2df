"""Stage 3: one cached task per (snapshot, preset, method): plan that method's trends, fit every one of them
(pure ``fit`` functions, vectorised resampling inside), derive the geometric means, write the batch's tables.

The grain is chosen by measurement (``benchmarks/overhead.py``): a task run costs about 100-140 ms here, a trend
about 65 ms to fit, so a task per trend cost more than the work it cached. A batch's cache key covers its inputs by
content (the analysis tables, the preset's sections for this method, the creator mapping) and the code of this
module and of the method's module: editing one method recomputes its batches only.

A SIGTERM stops the batches within a second: they run on worker threads, which no signal reaches, so their loops
check the run's stop request between trends and between blocks of resamples (``tasks/core/stopping.py``).

Per-trend lineage survives the batching: the batch writes an index (trend_id -> method, code hash) that the manifest,
``inference-trends lineage`` and the UI's lineage artifact join to the task run that produced it.
"""

from __future__ import annotations

import dataclasses

import contextlib
import functools
import os
from pathlib import Path

import pandas as pd
from prefect import flow, get_run_logger
from prefect.context import TaskRunContext

from schemas.analysis import POINT_COLUMNS, TREND_COLUMNS
from tasks.core.stopping import check as check_stop
from tasks.data.creators import read_creator_map
from tasks.methods import registry
from tasks.trends import AS_PUBLISHED, REPLICATE_COLUMNS, Diagnostics, TrendFit, judge
from tasks.study.plan import plan_method
from tasks.platform.caching import cached_task, task_code_hash
from tasks.data.quality import quality_window
from tasks.files.catalog import BatchTables
from tasks.files.io import read_parquet
from tasks.platform.lineage import write_cached_parquet

def preset_for(preset, method: str):
    """The preset as one method sees it: its own sections and published values, the others' left out, so that a
    change to another method's section does not recompute this method's trends."""
    mine = set(registry()[method].sections)
    update = {}
    for name, field in type(preset).model_fields.items():
        if name in mine or name in type(preset).__base__.model_fields:
            continue
        model = getattr(type(getattr(preset, name, None)), "OPTIONAL_DEFAULT", False)
        update[name] = type(getattr(preset, name))() if model else None
    names = registry()[method].names()
    update["published"] = [p for p in preset.published if p.method in names]
    return preset.model_copy(update=update)


def batch_tables(fits: list[TrendFit], code_sha256: str, diagnostics: type | None = None) -> dict[str, pd.DataFrame]:
    """A batch's fits as its tables (rows and points in the output contract; diagnostics, with the columns of every
    fit and those of ``diagnostics``, the batch's method's type: not another method's, so that a batch's cache key,
    its method's code, covers its columns; replicates; index)."""
    columns = list(dict.fromkeys(["trend_id", *(f.name for f in dataclasses.fields(diagnostics or Diagnostics)),
                                  *(f.name for fit in fits for f in dataclasses.fields(fit.diagnostics))]))
    replicates = [f.replicates for f in fits if f.replicates is not None and not f.replicates.empty]
    points = [f.points for f in fits if not f.points.empty]
    return {
        "rows": pd.concat([f.rows for f in fits], ignore_index=True) if fits else pd.DataFrame(columns=TREND_COLUMNS),
        "points": pd.concat(points, ignore_index=True) if points else pd.DataFrame(columns=POINT_COLUMNS),
        "diagnostics": pd.DataFrame([f.diagnostics_row() for f in fits], columns=columns),
        "replicates": (pd.concat(replicates, ignore_index=True) if replicates else
                       pd.DataFrame(columns=REPLICATE_COLUMNS)).astype({"replicate": "int64",
                                                                        "slope_per_day": "float64"}),
        "index": pd.DataFrame({"trend_id": [f.spec.trend_id for f in fits], "method": [f.spec.method for f in fits],
                               "status": [f.main.status for f in fits], "code_sha256": code_sha256,
                               "spec": [f.spec.model_dump_json() for f in fits]}),
    }


def read_context(paths: dict) -> dict:
    """The context files of a batch: the creator mapping (CSV), or cleaned tables (Parquet); an absent one is None."""
    context = {}
    for name, path in paths.items():
        if path is None or not Path(path).exists():
            context[name] = None
        elif name == "creators":
            context[name] = read_creator_map(path)
        else:
            context[name] = read_parquet(Path(path))
    return context


def context_paths(method: str, snapshot, creators_path: Path | None, published_here: bool) -> dict[str, Path]:
    """The context files ``method`` reads (its ``Method.context``): only those key its cache. Cleaned tables (``runs``,
    ``run_prices``) come from the snapshot's cleaning, and from its cleaning as published when a preset publishes
    values for it."""
    paths = {}
    for name in registry()[method].context:
        if name == "creators":
            paths[name] = creators_path
        elif name in snapshot.clean.names():  # a cleaned table (CleanTables)
            paths[name] = getattr(snapshot.clean, name)
            if published_here and snapshot.as_published_clean is not None:
                paths[f"{name}_as_published"] = getattr(snapshot.as_published_clean, name)
    return {name: path for name, path in paths.items() if path is not None}


def _run_name(parameters: dict) -> str:
    preset = parameters["preset"]
    return f"fit[{parameters['snapshot']} · {preset.name} · {parameters['method']}]"


@functools.cache
def fit_task(method: str):
    """The cached batch task of one method (its cache key covers this module's and the method module's code)."""
    plugin = registry()[method]

    @cached_task(name=f"fit-{method.replace('_', '-')}", task_run_name=_run_name, code=(plugin.module,))
    def fit_batch(method: str, preset, snapshot: str, analysis_path: Path, as_published_path: Path | None = None,
                  context_paths: dict | None = None) -> BatchTables:
        """Plan and fit every trend of ``method`` for ``preset`` on one snapshot. ``context_paths``: the shared
        files the method reads (``Method.context``), by name; ``<name>_as_published`` for the data as published."""
        analysis = read_parquet(analysis_path)
        as_published = read_parquet(as_published_path) if as_published_path is not None else None
        specs = plan_method(preset, method, snapshot, analysis, as_published)
        context = read_context(context_paths or {})
        published_context = {name: context.get(f"{name}_as_published", context.get(name)) for name in context}
        as_of = analysis["observed_on"].max() if "observed_on" in analysis else None  # the latest price observation
        windows = {}  # per quality measure: the releases it scores (tasks.data.quality)

        def window(spec):
            data = as_published if spec.variant == AS_PUBLISHED else analysis
            key = (spec.variant == AS_PUBLISHED, spec.quality_measure)
            if key not in windows:
                windows[key] = quality_window(data, spec.quality_measure)
            return windows[key]
        get_run_logger().info("%s on %s (%s): fitting %d trends", method, snapshot, preset.name, len(specs))
        fits = []
        for spec in specs:
            check_stop()  # a stop request ends the batch between trends too (tasks/core/stopping.py)
            fits.append(judge(plugin.fit(as_published, spec, published_context) if spec.variant == AS_PUBLISHED
                              else plugin.fit(analysis, spec, context), as_of, window(spec)))
        if plugin.derive is not None:
            fits += [judge(fit, as_of, window(fit.spec)) for fit in plugin.derive(fits)]
        code = task_code_hash(TaskRunContext.get().task.fn)
        tables = batch_tables(fits, code, plugin.diagnostics)
        statuses = tables["index"]["status"].value_counts().to_dict()
        get_run_logger().info("%s on %s (%s): %d trends (%s)", method, snapshot, preset.name, len(fits),
                              ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
        lineage = {"snapshot": snapshot, "preset": preset.name, "method": method}
        return BatchTables(**{name: write_cached_parquet(frame, f"trends/{method}", f"{snapshot}-{preset.name}-{name}",
                                                         {**lineage, "table": name}) for name, frame in tables.items()})

    return fit_batch


def fit_all(tracker, presets: list, snapshots: list, creators_path: Path | None, config=None) -> list[BatchTables]:
    """Every (snapshot, preset, method) batch, submitted together: on the flow's threads, or on Dask
    (``config.task_runner = "dask"``: a local cluster of one process per core, or ``config.dask_address``)."""
    submissions = []
    for snapshot in snapshots:
        for preset in presets:
            published_here = any(p.snapshot == snapshot.name for p in preset.published)
            for method in preset.methods():
                args = (method, preset_for(preset, method), snapshot.name, snapshot.analysis,
                        snapshot.as_published if published_here else None,
                        context_paths(method, snapshot, creators_path, published_here))
                labels = (f"snapshot:{snapshot.name}",)  # few tags (each costs concurrency-limit look-ups)
                submissions.append((f"fit[{snapshot.name} · {preset.name} · {method}]", fit_task(method), args,
                                    labels))
    if config is None or config.task_runner != "dask":
        return tracker.map("fit", submissions)
    with api_address_for_workers():
        results, records, repairs = fit_on_dask.with_options(task_runner=dask_runner(config))(
            submissions, tracker.refresh_cache)
    tracker.records += records
    tracker.repairs += repairs
    # new objects: the batches' paths go on to the collect task as data, not as the subflow's result (a task input
    # of kind flow_run is what Prefect's default UI cannot render on the task runs page)
    return [BatchTables(**{name: Path(str(path)) for name, path in batch.files().items()}) for batch in results]


@contextlib.contextmanager
def api_address_for_workers():
    """Dask workers are other processes: without an API address each would start a temporary API of its own.
    They inherit the environment when they start, so ``PREFECT_API_URL`` names this run's API (the temporary one
    included) while the Dask subflow runs, and is restored afterwards: a later command in the same process (a test
    session, a served deployment) must not inherit a server that has stopped."""
    from prefect.client.orchestration import get_client

    before = os.environ.get("PREFECT_API_URL")
    with get_client(sync_client=True) as client:
        os.environ["PREFECT_API_URL"] = str(client.api_url).rstrip("/")
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = before


def dask_runner(config):
    """prefect-dask's runner: an existing cluster's address, or a local cluster of one process per core."""
    from prefect_dask import DaskTaskRunner

    if config.dask_address:
        return DaskTaskRunner(address=config.dask_address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": os.cpu_count() or 2, "threads_per_worker": 1,
                                          "dashboard_address": None, "processes": True})


def _dask_run_name() -> str:
    """``fit on Dask: <n> batches of <snapshots>``."""
    from prefect.runtime import flow_run

    submissions = (flow_run.parameters or {}).get("submissions") or []
    snapshots = sorted({label.split(":", 1)[1] for *_, labels in submissions for label in labels
                        if label.startswith("snapshot:")})
    batches = f"{len(submissions)} batch{'es' if len(submissions) != 1 else ''}"
    return f"fit on Dask: {batches} of {', '.join(snapshots) or 'no snapshot'}"


@flow(name="fit-on-dask", flow_run_name=_dask_run_name, log_prints=True)
def fit_on_dask(submissions: list, refresh_cache: bool = False) -> tuple[list, list[dict], list[dict]]:
    """The fit stage's batches on a Dask cluster (the subflow carries the Dask task runner)."""
    from tasks.platform.tracking import StageTracker

    tracker = StageTracker(refresh_cache=refresh_cache)
    results = tracker.map("fit", submissions)
    return results, tracker.records, tracker.repairs
