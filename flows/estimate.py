"""The main flow, ``estimate``: ingest -> clean -> plan -> one task per trend -> trends/points -> report -> run folder.

Run it with ``inference-trends run`` (see ``--help``), ``python -m flows.estimate``, or the ``estimate`` deployment
of ``prefect.yaml``. It needs no Prefect server: without ``PREFECT_API_URL`` Prefect starts a temporary local API.
"""

from __future__ import annotations

import tasks  # noqa: F401  (applies the project's Prefect environment defaults before Prefect is imported)

import datetime as dt
import os
import re
import shutil
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.runtime import flow_run

from flows.common import StageTracker, code_version, package_versions
from flows.config import EstimateConfig
from tasks.storage import ensure_result_storage
from tasks.artifacts import artifacts_task
from tasks.assets import materialize_files
from tasks.caching import sha256_file, sha256_tree
from tasks.canonical import read_snapshot_meta
from tasks.clean import clean_task, read_clean
from tasks.figures import draw_figure_task, figure_jobs_task
from tasks.frontier import frontier_task
from tasks.breaks import breaks_task
from tasks.creators import creators_file
from tasks.hedonic import hedonic_task
from tasks.monthly import monthly_task
from tasks.history import LEDGER, PROFILES, history_stores, history_task
from tasks.ingest import adapter, detect_format, members, unused_files
from tasks.ingest.common import SourceError
from tasks.lineage import file_refs, location
from tasks.folders import (NAME_PATTERN, RUN_SCHEMA, STAGING_MARKER, check_name, check_output_folder, staging_folder,
                           swap_in)
from tasks.parsing import slugify
from tasks.io import csv_text, read_parquet, write_json, write_parquet
from tasks.outputs import collect_task
from tasks.geomean import geomean_task
from tasks.plan import plan_geomeans, plan_task
from tasks.presets import bundled_presets, load_preset
from tasks.threshold import threshold_task
from tasks.trends import TrendSpec
from tasks.report import report_task
from tasks.resolve import contributing_sources, resolve_task
from tasks.settings import PROJECT_ROOT, corrections_file, crosswalk_file, history_dir, runs_dir, snapshots_dir
from tasks.sources import attributions

MANIFEST_SCHEMA_VERSION = "1.0"
FIT_TASKS = {"frontier": frontier_task, "hedonic": hedonic_task, "monthly_cheapest": monthly_task,
             "threshold": threshold_task}


@dataclass(frozen=True)
class RunInput:
    """One snapshot of the run: a bundled snapshot folder, or raw sources merged by entity resolution."""

    name: str  # the snapshot name used in the outputs
    parts: tuple[tuple[Path, str], ...]  # (path, format); the first one's models are the snapshot's models

    @property
    def path(self) -> Path:
        return self.parts[0][0]

    @property
    def format(self) -> str:
        return self.parts[0][1] if len(self.parts) == 1 else "merged"


def display_path(path: Path) -> str:
    """Paths inside the project are shown relative to it (stable across clones); others as given."""
    path = Path(path).resolve()
    try:
        return path.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def resolve_inputs(config: EstimateConfig) -> list[RunInput]:
    if config.input:
        paths = [Path(p).expanduser().resolve() for p in [config.input, *config.extra_inputs]]
        if config.input_format and len(paths) > 1:
            raise ValueError("--format applies to a single input; formats of several inputs are detected")
        formats = [config.input_format or detect_format(p) for p in paths]
        for fmt in formats:
            adapter(fmt)  # an unknown forced format fails here, before any work
        first = paths[0]
        if config.snapshot_name:
            name = check_name(config.snapshot_name, "--snapshot-name")
        else:  # the input's own name, made safe for a file name (it names analysis/<name>.parquet, figures/<name>/)
            derived = first.name if formats[0] == "snapshot" else first.stem
            name = derived if re.fullmatch(NAME_PATTERN, derived) else (slugify(derived)[:100] or "input")
        return [RunInput(name, tuple(zip(paths, formats)))]
    folders = sorted(p for p in snapshots_dir().iterdir() if p.is_dir() and (p / "models.csv").exists())
    if not folders:
        raise FileNotFoundError(f"no bundled snapshot in {snapshots_dir()}; pass --input or run `make snapshots`")
    return [RunInput(check_name(p.name, "bundled snapshot"), ((p, "snapshot"),)) for p in folders]


def rejected_inputs(inputs: list[RunInput]) -> list[dict]:
    """Files in the input folders that no adapter read: listed with the reason, never as inputs."""
    return [{**entry, "path": display_path(Path(entry["path"]))}
            for item in inputs for path, fmt in item.parts for entry in unused_files(fmt, path)]


def preset_names(ref: str) -> list[str]:
    """``all`` (every bundled preset), one name or path, or a comma-separated list of them."""
    if ref.strip() == "all":
        return list(bundled_presets())
    return [part.strip() for part in ref.split(",") if part.strip()]


def combined_preset_meta(presets: list) -> dict:
    """What the report needs of the run's presets: names, titles, references, published values (all of them)."""
    if len(presets) == 1:
        return presets[0].model_dump(mode="json")
    return {"name": ", ".join(p.name for p in presets),
            "title": "every method side by side (" + ", ".join(p.name for p in presets) + ")",
            "reference": "; ".join(f"{p.name}: {p.reference}" for p in presets if p.reference),
            "published": [v for p in presets for v in p.model_dump(mode="json")["published"]],
            "hardware_factor_per_year": presets[0].hardware_factor_per_year,
            "hardware_source": presets[0].hardware_source}


def input_records(inputs: list[RunInput], corrections: Path, preset_ref: str) -> list[dict]:
    records = []
    for item in inputs:
        for path, fmt in item.parts:
            for file in members(fmt, path):
                records.append({"path": display_path(file), "role": f"{fmt} input ({item.name})",
                                "sha256": sha256_file(file)})
    records.append({"path": display_path(corrections), "role": "data corrections", "sha256": sha256_file(corrections)})
    if creators_file().exists():  # the hedonic regression's creator clusters (tasks/creators.py)
        records.append({"path": display_path(creators_file()), "role": "creator mapping",
                        "sha256": sha256_file(creators_file())})
    crosswalk = crosswalk_file()
    if any(len(i.parts) > 1 for i in inputs) and crosswalk.exists():
        records.append({"path": display_path(crosswalk), "role": "entity-resolution crosswalk",
                        "sha256": sha256_file(crosswalk)})
    for ref in preset_names(preset_ref):
        preset_path = Path(ref) if Path(ref).exists() else bundled_presets().get(ref)
        if preset_path is not None:
            records.append({"path": display_path(preset_path), "role": "preset", "sha256": sha256_file(preset_path)})
    return records


def snapshot_sources(item: RunInput) -> list[dict]:
    """The raw files a snapshot was built from (its snapshot.json), or the raw inputs themselves."""
    if item.format == "snapshot":
        return read_snapshot_meta(item.path).get("sources", [])
    return [{"file": p.name, "format": fmt, "origin": display_path(p), "sha256": sha256_file(p)}
            for path, fmt in item.parts for p in members(fmt, path)]


def run_attribution(cleans: dict, inputs: list[RunInput], resolution: dict[str, dict[str, Path]]) -> list[str]:
    """Every source whose data reached the run: the rows' sources, and sources that filled fields in a merge."""
    lines = attributions(pd.concat([c.analysis["source"] for c in cleans.values()]).unique())
    for item in inputs:
        extra = read_snapshot_meta(item.path).get("attribution", []) if item.format == "snapshot" else []
        if item.name in resolution and item.format != "snapshot":
            matches = pd.read_parquet(resolution[item.name]["matches"])
            extra = attributions(contributing_sources(matches))
        lines += [line for line in extra if line not in lines]
    return lines


def new_run_id() -> str:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    run = flow_run.get_id()
    return f"{stamp}-{(run or uuid.uuid4().hex)[:8]}"


def output_producers(files: dict[str, Path], records: list[dict]) -> dict[str, dict]:
    """Run-folder name -> the task run that wrote its source file (the first one, if several wrote the same bytes)."""
    by_location: dict[str, dict] = {}
    for record in records:
        for ref in record.get("outputs", []):
            by_location.setdefault(ref["file"], record)
    producers = {}
    for name, source in files.items():
        record = by_location.get(location(source))
        if record is not None:
            producers[name] = {key: record[key] for key in ("stage", "task", "task_run_id", "flow_run_id", "state")}
            producers[name]["source"] = location(source)
    return producers


@task(name="publish-run", task_run_name="publish-run-folder", cache_policy=NO_CACHE)
def publish_task(out: Path, files: dict[str, Path], tables: dict[str, pd.DataFrame], manifest: dict,
                 producers: dict[str, dict], table_upstream: dict[str, list[Path]]) -> Path:
    """Assemble the run folder in a staging folder beside it, then swap it in: all or nothing.

    ``manifest.json`` maps every output to the task run and flow run that produced it: the task that wrote its
    cached source (``producers``), or this task for the tables it writes itself (``table_upstream``: the files each
    was built from, also in a Parquet table's lineage metadata)."""
    from prefect.runtime import task_run

    out = Path(out)
    me = {"stage": "publish", "task": "publish-run", "task_run_id": str(task_run.get_id()),
          "flow_run_id": str(flow_run.get_id()), "state": "Completed"}
    with staging_folder(out) as staging:
        for name, source in files.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        for name, frame in tables.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if name.endswith(".parquet"):
                write_parquet(frame, target, {"producer": {"task": "publish-run", "module": __name__},
                                              "table": name, "upstream": file_refs(table_upstream.get(name, []))})
            else:
                target.write_text(csv_text(frame))
        (staging / "ATTRIBUTION.txt").write_text("\n".join(manifest["attribution"]) + "\n")
        manifest["outputs"] = [
            {"path": name, "sha256": sha256_file(p), "produced_by": producers.get(name, {
                **me, "upstream": [ref["file"] for ref in file_refs(table_upstream.get(name, []))]})}
            for p in sorted(staging.rglob("*")) if p.is_file() and p.name != STAGING_MARKER
            for name in [p.relative_to(staging).as_posix()]
        ]
        write_json(staging / "manifest.json", manifest)
        swap_in(staging, out, "run")
    return out


def _combined(cleans: dict[str, object], attribute: str) -> pd.DataFrame:
    frames = [getattr(clean, attribute).assign(snapshot=name) for name, clean in cleans.items()]
    frame = pd.concat(frames, ignore_index=True)
    return frame[["snapshot", *[c for c in frame.columns if c != "snapshot"]]]


def fan_out_runner(config: EstimateConfig):
    """Threads by default (numpy releases the GIL in the vectorised resampling, so both cores work); Dask through
    prefect-dask on request: a local cluster of one process per core, or an existing cluster's address."""
    if config.task_runner == "dask":
        from prefect.client.orchestration import get_client
        from prefect_dask import DaskTaskRunner

        # Dask workers are other processes: without an API address each would start a temporary API of its own.
        # Point them at this run's API (the temporary one included); they inherit the environment at start.
        with get_client(sync_client=True) as client:
            os.environ["PREFECT_API_URL"] = str(client.api_url).rstrip("/")
        if config.dask_address:
            return DaskTaskRunner(address=config.dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": os.cpu_count() or 2, "threads_per_worker": 1,
                                              "dashboard_address": None, "processes": True})
    return ThreadPoolTaskRunner(max_workers=max(2, (os.cpu_count() or 2) * 2))


def prepare_run(config: EstimateConfig) -> tuple[list, list[RunInput], Path, list[dict]]:
    """Everything a run checks before any work: the presets, the inputs and their formats, the files of input
    folders that would not be read (an error with ``strict``), and the output folder (never one the tool did not
    write). Cheap and Prefect-free: the command line calls it before it starts a Prefect API, the flow again."""
    presets = [load_preset(name) for name in preset_names(config.preset)]
    if config.bootstrap_resamples is not None:
        presets = [p.model_copy(update={"uncertainty": p.uncertainty.model_copy(
            update={"bootstrap_resamples": config.bootstrap_resamples})}) for p in presets]
    inputs = resolve_inputs(config)
    corrections = Path(config.corrections).resolve() if config.corrections else corrections_file()
    not_read = rejected_inputs(inputs)
    if not_read and config.strict:
        raise SourceError(f"--strict: {len(not_read)} file(s) in the input folder(s) would not be read, e.g. "
                          f"{not_read[0]['path']} ({not_read[0]['reason']})")
    if config.out:
        check_output_folder(config.out, "run", [path for item in inputs for path, _ in item.parts] + [corrections])
    return presets, inputs, corrections, not_read


@flow(name="fit-trends", log_prints=True)
def fit_trends(submissions: list[tuple[TrendSpec, Path]], refresh_cache: bool = False
               ) -> tuple[list[dict[str, Path]], list[dict], list[dict]]:
    """The fan-out: one task per trend (named after it), then one per geometric mean across bands."""
    tracker = StageTracker(refresh_cache=refresh_cache)
    results = tracker.map("fit", [(spec.trend_id, FIT_TASKS[spec.method], (spec, path)) for spec, path in submissions])
    by_id = {spec.trend_id: result for (spec, _), result in zip(submissions, results)}
    geomeans = plan_geomeans([spec for spec, _ in submissions])
    results += tracker.map("geomean", [(g.trend_id, geomean_task, (g, [by_id[m] for m in g.members]))
                                       for g in geomeans])
    return results, tracker.records, tracker.repairs


@flow(name="estimate", log_prints=True)
def estimate(config: EstimateConfig = EstimateConfig()) -> dict:
    """Estimate how fast inference gets cheaper at constant quality, per the chosen preset(s) (default: every
    bundled one), on bundled or given data; write trends.csv, points.csv, report.md and manifest.json to the run
    folder."""
    ensure_result_storage()  # the shared cache's results block, when INFERENCE_TRENDS_SHARED_CACHE is set
    logger = get_run_logger()
    presets, inputs, corrections, not_read = prepare_run(config)
    for entry in not_read:
        logger.warning("input file %s %s", entry["path"], entry["reason"])
    tracker = StageTracker(refresh_cache=config.refresh_cache)
    logger.info("preset(s) %s on %s%s", ", ".join(p.name for p in presets), ", ".join(i.name for i in inputs),
                " (as published: corrections off)" if config.as_published else "")

    clean_paths: dict[str, dict[str, Path]] = {}
    resolution_paths: dict[str, dict[str, Path]] = {}  # snapshot -> how its sources were joined
    submissions, all_specs = [], []  # (spec, analysis table) per trend
    canonical_paths: dict[str, dict[str, Path]] = {}  # snapshot -> its canonical tables (merged, if several)
    for item in inputs:
        parts = [tracker.run("ingest", adapter(fmt).ingest_task, path) for path, fmt in item.parts]
        canonical = parts[0]
        if len(parts) > 1:
            crosswalk = crosswalk_file()
            canonical = tracker.run("resolve", resolve_task, parts, crosswalk if crosswalk.exists() else None)
            resolution_paths[item.name] = {"matches": canonical["matches"], "conflicts": canonical["conflicts"]}
        elif item.format == "snapshot" and (item.path / "resolution.csv").exists():
            resolution_paths[item.name] = {"matches": item.path / "resolution.csv",
                                           "conflicts": item.path / "conflicts.csv"}
        canonical_paths[item.name] = canonical
        clean_paths[item.name] = tracker.run("clean", clean_task, canonical, corrections,
                                             not config.as_published)
        analysis = {"": clean_paths[item.name]["analysis"]}
        if not config.as_published and any(p.snapshot == item.name for preset in presets for p in preset.published):
            # the data as published, for the published-vs-reproduced comparison of the report
            analysis["as_published"] = tracker.run("clean", clean_task, canonical, corrections, False)["analysis"]
        specs = []
        for preset in presets:
            published_here = any(p.snapshot == item.name for p in preset.published)
            specs += tracker.run("plan", plan_task, preset, item.name, analysis[""],
                                 analysis.get("as_published") if published_here else None)
        all_specs += specs
        # a trend is fitted on the table its variant names (as_published), else on the cleaned one
        submissions += [(spec, analysis.get(spec.variant, analysis[""])) for spec in specs]
    runner = fan_out_runner(config)
    results, records, repairs = fit_trends.with_options(task_runner=runner, name="fit-trends")(
        submissions, config.refresh_cache)
    tracker.records += records
    tracker.repairs += repairs
    outputs = tracker.run("collect", collect_task, results)
    breaks_path = tracker.run("breaks", breaks_task, outputs["trends.csv"], outputs["points.csv"],
                              {p.name: p.breaks.model_dump() for p in presets})
    analysis_paths = {name: paths["analysis"] for name, paths in clean_paths.items()}
    histories = {}
    if config.history:
        for store in history_stores(history_dir()):
            histories[store.name] = tracker.run("history", history_task, str(store), store / LEDGER,
                                                store / PROFILES)
    cleans = {name: read_clean(paths) for name, paths in clean_paths.items()}
    snapshot_attribution = {item.name: run_attribution({item.name: cleans[item.name]}, [item], resolution_paths)
                            for item in inputs}
    figures = {}
    if config.figures:
        jobs = tracker.run("figures", figure_jobs_task, outputs["trends.csv"], outputs["points.csv"],
                           outputs["replicates.parquet"], analysis_paths, all_specs, snapshot_attribution)
        for drawn in tracker.map("figures", [(f"figure-{job.name}", draw_figure_task, (job,)) for job in jobs]):
            figures.update(drawn)

    records = input_records(inputs, corrections, config.preset)
    for name in histories:
        for file in (LEDGER, PROFILES):
            records.append({"path": display_path(history_dir() / name / file), "role": f"price history ({name})",
                            "sha256": sha256_file(history_dir() / name / file)})
    meta = {"preset": combined_preset_meta(presets), "presets": [p.model_dump(mode="json") for p in presets],
            "as_published": config.as_published,
            "attribution": run_attribution(cleans, inputs, resolution_paths), "inputs": records,
            "rejected_inputs": not_read,
            "snapshots": [{"name": i.name, "sources": snapshot_sources(i)} for i in inputs]}
    if histories:
        meta["attribution"] += [line for line in attributions(["aa_site"]) if line not in meta["attribution"]]
    report = tracker.run("report", report_task, outputs["trends.csv"], outputs["diagnostics.csv"], clean_paths,
                         figures, meta, resolution_paths, histories, breaks_path)

    run_id = new_run_id()
    out = Path(config.out).expanduser().resolve() if config.out else runs_dir() / run_id
    files = {**outputs, **report, **figures}
    for name, paths in clean_paths.items():
        files[f"analysis/{name}.parquet"] = paths["analysis"]
    tables = {
        "quarantine.parquet": _combined(cleans, "quarantine"),
        "quarantine.csv": _combined(cleans, "quarantine"),
        "quarantine_summary.csv": _combined(cleans, "summary"),
        "corrections_log.csv": _combined(cleans, "corrections"),
        "warnings.csv": _combined(cleans, "warnings"),
        "breaks.csv": read_parquet(breaks_path),
    }
    table_upstream = {
        "quarantine.parquet": [p["quarantine"] for p in clean_paths.values()],
        "quarantine.csv": [p["quarantine"] for p in clean_paths.values()],
        "quarantine_summary.csv": [p["summary"] for p in clean_paths.values()],
        "corrections_log.csv": [p["corrections"] for p in clean_paths.values()],
        "warnings.csv": [p["warnings"] for p in clean_paths.values()],
        "breaks.csv": [breaks_path],
    }
    for name, paths in histories.items():
        files[f"history/{name}/prices.parquet"] = paths["prices"]
        for key, file in (("drift", "data_drift.csv"), ("same_model", "same_model_drift.csv"),
                          ("same_model_summary", "same_model_summary.csv"), ("files", "files.csv")):
            tables[f"history/{name}/{file}"] = read_parquet(paths[key])
            table_upstream[f"history/{name}/{file}"] = [paths[key]]
    manifest = {
        "schema": RUN_SCHEMA,
        "schema_version": MANIFEST_SCHEMA_VERSION,
        "run_id": run_id,
        "flow_run_id": str(flow_run.get_id()),
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "config": config.model_dump(mode="json"),
        "preset": meta["preset"],
        "presets": meta["presets"],
        "snapshots": [{"name": i.name, "format": i.format,
                       "parts": [{"path": display_path(p), "format": f, "sha256": sha256_tree(p)} for p, f in i.parts]}
                      for i in inputs],
        "inputs": records,
        "rejected_inputs": not_read,
        "packages": package_versions(),
        "code": code_version(),
        "tasks": tracker.records,
        "cache_repairs": tracker.repairs,
        "attribution": meta["attribution"],
    }
    publish_task(out, files, tables, manifest, output_producers(files, tracker.records), table_upstream)
    try:  # the run folder is published: asset events are a record of it, not a condition for it
        materialize_run(out, inputs, canonical_paths)
    except Exception as error:  # noqa: BLE001
        logger.warning("asset events not recorded (%s: %s); the run's outputs are complete", type(error).__name__,
                       error)
    artifacts_task(out)
    if not config.out:
        _point_latest(out)
    summary = {"run_dir": str(out), "run_id": run_id, "flow_run_id": str(flow_run.get_id()), "trends": str(out / "trends.csv"),
               "report": str(out / "report.md"), "report_html": str(out / "report.html"), "tasks": tracker.records,
               "cache_repairs": tracker.repairs}
    logger.info("results in %s", out)
    return summary


def materialize_run(out: Path, inputs: list[RunInput], canonical_paths: dict[str, dict[str, Path]]) -> None:
    """Asset events for the published chain: snapshot tables -> analysis table -> trends.csv -> report."""
    analysis = []
    for item in inputs:
        if item.format == "snapshot":  # bundled: its CSVs (materialised by build-snapshot) are the upstream
            tables = [item.path / f"{name}.csv" for name in ("models", "benchmarks", "prices")]
        else:  # raw sources: their canonical tables are this run's snapshot tables
            tables = [Path(canonical_paths[item.name][name]) for name in ("models", "benchmarks", "prices")]
            materialize_files(f"snapshot-{item.name}", tables,
                              [f for path, fmt in item.parts for f in members(fmt, path)])
        analysis += materialize_files(f"analysis-{item.name}", [out / "analysis" / f"{item.name}.parquet"], tables)
    materialize_files("trends", [out / "trends.csv", out / "points.csv"], analysis)
    materialize_files("report", [out / "report.md", out / "report.html"],
                      [out / "trends.csv", *sorted(out.glob("figures/*/*.png"))])


def _point_latest(out: Path) -> None:
    """``data/runs/latest`` -> the newest default run folder (a convenience; ignored where links are not allowed)."""
    link = out.parent / "latest"
    try:
        tmp = out.parent / f".latest-{uuid.uuid4().hex[:8]}"
        os.symlink(out.name, tmp)
        os.replace(tmp, link)
    except OSError:
        pass


if __name__ == "__main__":
    from flows.cli import main

    main(["run", *sys.argv[1:]])
