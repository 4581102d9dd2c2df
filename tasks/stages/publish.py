"""Stage 8: the run folder (all or nothing), its manifest, the asset events and the UI artifacts.

``manifest.json`` holds every input with its sha256, the full configuration, the package and code versions, every
task run (state, files read and written), every trend with the task run and code hash that fitted it, and every
output with its sha256 and the task run that produced it. ``outputs`` lists every file of the run folder but the
manifest itself: a rerun replaces the folder only while it holds exactly these files (``tasks/files/folders.py``).
The manifest, like every JSON file, is strict JSON (``tasks.files.io.json_text``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from prefect import get_run_logger, tags, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from tasks.core.hashing import sha256_file, sha256_tree
from tasks.data.ingest import members
from tasks.data.sources import attributions, cited_works
from tasks.files.tables import csv_text
from tasks.trends import FLOAT_DIGITS, points_csv, trends_csv
from tasks.platform.artifacts import artifacts_task, run_file_link, task_run_url, ui_url
from tasks.platform.assets import materialize_files
from tasks.platform.history_store import LEDGER, PROFILES
from tasks.files.catalog import BatchTables, RunTables
from tasks.files.folders import RUN_SCHEMA, STAGING_MARKER, staging_folder, swap_in
from tasks.files.io import json_text, read_parquet, write_json, write_parquet
from tasks.render.citation import SIDECAR, TOOL, citation_bib, citation_hashes
from tasks.platform.lineage import computed_in, file_refs, location
from tasks.render.lineage_graph import lineage_html
from tasks.files.settings import history_dir, runs_dir
from tasks.platform.tracking import cache_counts, code_version, mark_cached_runs_meanwhile, package_versions
from tasks.stages.clean import read_clean
from tasks.stages.prepare import (RunInput, Snapshot, combined_preset_meta, display_command, display_config,
                                  display_path, input_records, snapshot_sources)

MANIFEST_SCHEMA_VERSION = "1.0"
LINEAGE_PAGE = "lineage.html"  # the run's lineage graph (tasks/render/lineage_graph.py)


def new_run_id() -> str:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    run = flow_run.get_id()
    return f"{stamp}-{(run or uuid.uuid4().hex)[:8]}"


def report_meta(config, run, snapshots: list[Snapshot], histories: dict) -> dict:
    """What the report and the manifest say about the run's presets, inputs and sources."""
    records = input_records(run.inputs, run.corrections, config.preset)
    for name in histories:
        for file in (LEDGER, PROFILES):
            records.append({"path": display_path(history_dir() / name / file), "role": f"price history ({name})",
                            "sha256": sha256_file(history_dir() / name / file)})
    attribution: list[str] = []
    for snapshot in snapshots:
        attribution += [line for line in snapshot.attribution if line not in attribution]
    if histories:
        attribution += [line for line in attributions(["aa_site"]) if line not in attribution]
    return {"preset": combined_preset_meta(run.presets), "presets": [p.model_dump(mode="json") for p in run.presets],
            "as_published": config.as_published, "attribution": attribution, "inputs": records,
            "rejected_inputs": run.not_read, "code": {k: v for k, v in code_version().items() if k != "source_sha256"},
            "snapshots": [{"name": s.name, "sources": snapshot_sources(s.item)} for s in snapshots]}


def tool_metadata() -> dict:
    """The installed package's version, summary and URL (``[project.urls]`` of pyproject.toml: the homepage or
    repository if given, else the first; None when it declares none)."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        info = metadata(TOOL)
    except PackageNotFoundError:
        return {"version": None, "summary": None, "url": None}
    urls = [entry.split(",", 1)[-1].strip() for entry in info.get_all("Project-URL") or []]
    labelled = [entry.split(",", 1)[-1].strip() for entry in info.get_all("Project-URL") or []
                if entry.split(",", 1)[0].strip().lower() in ("homepage", "repository", "source")]
    return {"version": info.get("Version"), "summary": info.get("Summary"),
            "url": (labelled or urls or [info.get("Home-page")])[0] or None}


def data_works(meta: dict, snapshots: list[Snapshot], histories: dict) -> list[str]:
    """The datasets a run used: of the files each snapshot was built from (``report_meta``'s ``snapshots``), those
    whose attribution the snapshot carries, and Artificial Analysis' when the price history is on."""
    sources = {item["name"]: item["sources"] for item in meta["snapshots"]}
    used = [cited_works([source["format"] for source in sources.get(s.name, [])], s.attribution or [])
            for s in snapshots]
    if histories:
        used.append(cited_works(["aa_site"], attributions(["aa_site"])))
    works: list[str] = []
    for keys in used:
        works += [key for key in keys if key not in works]
    return works


def citation(run_id: str, meta: dict, snapshots: list[Snapshot], histories: dict) -> str:
    """``CITATION.bib`` of this run (``tasks.render.citation``): the tool, then the studies and datasets used."""
    return citation_bib(run_id, dt.datetime.now(dt.timezone.utc), tool_metadata(), meta.get("code") or {},
                        meta["presets"], [s.name for s in snapshots], data_works(meta, snapshots, histories))


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
            producers[name] = {key: record[key] for key in ("stage", "task", "task_run_id", "flow_run_id", "state",
                                                            "name") if key in record}
            producers[name]["source"] = location(source)
    return producers


def trend_producers(index: pd.DataFrame, batches: list[BatchTables], records: list[dict]) -> dict[str, dict]:
    """trend_id -> the batch task run that fitted it, with its code hash (the per-trend lineage)."""
    by_location = {ref["file"]: record for record in records if record["stage"] == "fit"
                   for ref in record.get("outputs", [])}
    out = {}
    for batch in batches:
        record = by_location.get(location(batch.index))
        if record is None:
            continue
        for row in batch.read("index").itertuples(index=False):
            out[row.trend_id] = {"task": record["task"], "task_run_id": record["task_run_id"],
                                 "flow_run_id": record["flow_run_id"], "state": record["state"],
                                 "code_sha256": row.code_sha256}
    return {trend_id: out[trend_id] for trend_id in index["trend_id"] if trend_id in out}


@task(name="publish-run", task_run_name="publish-run-folder", cache_policy=NO_CACHE)
def publish_task(out: Path, files: dict[str, Path], tables: dict[str, pd.DataFrame], texts: dict[str, str],
                 manifest: dict, producers: dict[str, dict], upstream: dict[str, list[Path]],
                 hashes: dict | None = None) -> Path:
    """Assemble the run folder in a staging folder beside it, then swap it in: all or nothing.

    ``files``: copied from the cache; ``tables``, ``texts``: written here (``upstream``: the files each was built
    from, also in a Parquet table's lineage metadata). ``hashes``: the head of ``CITATION.hashes.json``
    (``tasks.render.citation.citation_hashes`` without its outputs), written last with the sha256 of every other
    output but the manifest. ``manifest.json`` maps every output to the task run and flow run that produced it."""
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
                                              "table": name, "upstream": file_refs(upstream.get(name, []))})
            else:
                target.write_text(csv_text(frame))
        for name, text in texts.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        written = {p.relative_to(staging).as_posix(): sha256_file(p) for p in sorted(staging.rglob("*"))
                   if p.is_file() and p.name != STAGING_MARKER}  # every file so far, by run-folder name

        def outputs() -> list[dict]:
            return [{"path": name, "sha256": written[name], "produced_by": producers.get(name, {
                     **me, "upstream": [ref["file"] for ref in file_refs(upstream.get(name, []))]})}
                    for name in sorted(written, key=Path)]  # the order of the folder's paths

        # the lineage graph, drawn from the manifest with every output so far (all but itself and the citation
        # hashes, which then cover it)
        manifest["outputs"] = outputs()
        ui = ui_url()
        (staging / LINEAGE_PAGE).write_text(lineage_html(
            manifest, lambda run_id: task_run_url(ui, run_id), lambda name: run_file_link(out, name)))
        written[LINEAGE_PAGE] = sha256_file(staging / LINEAGE_PAGE)
        if hashes is not None:
            write_json(staging / SIDECAR, citation_hashes(**hashes, outputs=[
                {"path": name, "sha256": digest} for name, digest in written.items()]), what=str(out / SIDECAR))
            written[SIDECAR] = sha256_file(staging / SIDECAR)
        manifest["outputs"] = outputs()
        write_json(staging / "manifest.json", manifest, what=str(out / "manifest.json"))
        swap_in(staging, out, "run")
    return out


def _combined(cleans: dict, attribute: str) -> pd.DataFrame:
    frames = [getattr(clean, attribute).assign(snapshot=name) for name, clean in cleans.items()]
    frame = pd.concat(frames, ignore_index=True)
    return frame[["snapshot", *[c for c in frame.columns if c != "snapshot"]]]


@dataclass(frozen=True)
class RunResults:
    """What the stages of one estimate run hand to ``publish``: each stage's result (cached files, by table name as
    the catalog names them: ``tasks/files/catalog.py``) and what the report and manifest say about the run."""

    snapshots: list[Snapshot]  # ingest + clean, per snapshot
    batches: list[BatchTables]  # fit: one per snapshot x preset x method
    outputs: RunTables  # collect: trends, points, diagnostics, replicates, index
    breaks: Path  # breaks
    histories: dict  # price-history stores
    figures: dict[str, Path]  # figures: run-folder name -> PNG
    report: dict[str, Path]  # report: run-folder name -> file
    meta: dict  # report_meta
    # the capability scale's files (``table``: capability.csv, ``excluded``: capability_excluded.csv), when a preset
    # fits it
    capability: dict[str, Path] | None = None


def publish(tracker, config, run, results: RunResults) -> dict:
    """Write the run folder and its manifest; record the asset events and the UI artifacts; return the summary."""
    snapshots, batches, outputs, breaks = results.snapshots, results.batches, results.outputs, results.breaks
    histories, figures, report, meta = results.histories, results.figures, results.report, results.meta
    logger = get_run_logger()
    marking = mark_cached_runs_meanwhile(tracker.records)  # " · cached" on cached task runs' names, meanwhile
    run_id = new_run_id()
    out = Path(config.out).expanduser().resolve() if config.out else runs_dir() / run_id
    cleans = {s.name: read_clean(s.clean) for s in snapshots}
    trends, points = outputs.read("trends"), outputs.read("points")
    files = {"replicates.parquet": outputs.replicates, **report, **figures}
    for snapshot in snapshots:
        files[f"analysis/{snapshot.name}.parquet"] = snapshot.analysis
    texts = {"trends.csv": trends_csv(trends), "points.csv": points_csv(points),
             "diagnostics.csv": csv_text(outputs.read("diagnostics"), float_digits=FLOAT_DIGITS),
             "ATTRIBUTION.txt": "\n".join(meta["attribution"]) + "\n",
             "CITATION.bib": citation(run_id, meta, snapshots, histories)}
    tables = {"quarantine.parquet": _combined(cleans, "quarantine"), "quarantine.csv": _combined(cleans, "quarantine"),
              "quarantine_summary.csv": _combined(cleans, "summary"),
              "corrections_log.csv": _combined(cleans, "corrections"), "warnings.csv": _combined(cleans, "warnings"),
              "breaks.csv": read_parquet(breaks)}
    if results.capability is not None:
        tables["capability.csv"] = read_parquet(results.capability["table"])
        tables["capability_excluded.csv"] = read_parquet(results.capability["excluded"])
    upstream = {"quarantine.parquet": [s.clean.quarantine for s in snapshots],
                "quarantine.csv": [s.clean.quarantine for s in snapshots],
                "quarantine_summary.csv": [s.clean.summary for s in snapshots],
                "corrections_log.csv": [s.clean.corrections for s in snapshots],
                "warnings.csv": [s.clean.warnings for s in snapshots], "breaks.csv": [breaks],
                "trends.csv": [outputs.trends], "points.csv": [outputs.points],
                "diagnostics.csv": [outputs.diagnostics]}
    if "headline.json" in files:  # the first screen's numbers, with the run they come from (a run's id is new
        # each run: the cached report cannot hold it)
        headline = files.pop("headline.json")
        texts["headline.json"] = json_text({"run_id": run_id, **json.loads(Path(headline).read_text())},
                                           "headline.json")
        upstream["headline.json"] = [headline]
    for name, paths in histories.items():
        files[f"history/{name}/prices.parquet"] = paths["prices"]
        for key, file in (("drift", "data_drift.csv"), ("same_model", "same_model_drift.csv"),
                          ("same_model_summary", "same_model_summary.csv"), ("files", "files.csv")):
            tables[f"history/{name}/{file}"] = read_parquet(paths[key])
            upstream[f"history/{name}/{file}"] = [paths[key]]
    manifest = {
        "schema": RUN_SCHEMA, "schema_version": MANIFEST_SCHEMA_VERSION, "run_id": run_id,
        "flow_run_id": str(flow_run.get_id()),
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": display_command(sys.argv), "config": display_config(config.model_dump(mode="json")),
        "preset": meta["preset"], "presets": meta["presets"],
        "snapshots": [{"name": i.name, "format": i.format,
                       "parts": [{"path": display_path(p), "format": f, "sha256": sha256_tree(p)} for p, f in i.parts],
                       "sources": snapshot_sources(i)}  # the raw files (with origin) it was built from
                      for i in run.inputs],
        "inputs": meta["inputs"], "rejected_inputs": run.not_read, "packages": package_versions(),
        "code": code_version(), "tasks": tracker.records, "cache_repairs": tracker.repairs,
        "trends": trend_producers(outputs.read("index"), batches, tracker.records),
        "attribution": meta["attribution"],
    }
    computed_in(tracker.records, runs_dir())  # cached task runs: the run that computed what they served
    with tags("stage:publish"):  # like every stage's task runs: filterable by stage in the UI
        hashes = {"run_id": run_id, "tool": tool_metadata(), "code": code_version(), "inputs": meta["inputs"],
                  "snapshots": manifest["snapshots"]}
        publish_task(out, files, tables, texts, manifest, output_producers(files, tracker.records), upstream, hashes)
        try:  # the run folder is published: asset events are a record of it, not a condition for it
            materialize_run(out, run.inputs, {s.name: s.canonical for s in snapshots})
        except Exception as error:  # noqa: BLE001
            logger.warning("asset events not recorded (%s: %s); the run's outputs are complete",
                           type(error).__name__, error)
        artifacts_task(out)
    if not config.out:
        point_latest(out)
    marking.join(timeout=30)
    logger.info("results in %s", out)
    cached, total = cache_counts(tracker.records)
    logger.info("%d of %d tasks served from cache (%d computed)", cached, total, total - cached)
    return {"run_dir": str(out), "run_id": run_id, "flow_run_id": str(flow_run.get_id()),
            "trends": str(out / "trends.csv"), "report": str(out / "report.md"), "report_html": str(out / "report.html"),
            "tasks": tracker.records, "cache_repairs": tracker.repairs}


def materialize_run(out: Path, inputs: list[RunInput], canonical_paths: dict[str, dict[str, Path]]) -> None:
    """Asset events for the published chain: snapshot tables -> analysis table -> trends.csv -> report."""
    analysis = []
    for item in inputs:
        with tags(f"snapshot:{item.name}"):  # per-snapshot task runs carry their snapshot, as every stage's do
            if item.format == "snapshot":  # bundled: its CSVs (materialised by build-snapshot) are the upstream
                tables = [item.path / f"{name}.csv" for name in ("models", "benchmarks", "prices")]
            else:  # raw sources: their canonical tables are this run's snapshot tables
                tables = [Path(canonical_paths[item.name][name]) for name in ("models", "benchmarks", "prices")]
                materialize_files(f"snapshot-{item.name}", tables,
                                  [f for path, fmt in item.parts for f in members(fmt, path)])
            analysis += materialize_files(f"analysis-{item.name}", [out / "analysis" / f"{item.name}.parquet"],
                                          tables)
    materialize_files("trends", [out / "trends.csv", out / "points.csv"], analysis)
    materialize_files("report", [out / "report.md", out / "report.html"],
                      [out / "trends.csv", *sorted(out.glob("figures/*/*.png"))])


def point_latest(out: Path) -> None:
    """``data/runs/latest`` -> the newest default run folder (a convenience; ignored where links are not allowed)."""
    link = out.parent / "latest"
    try:
        tmp = out.parent / f".latest-{uuid.uuid4().hex[:8]}"
        os.symlink(out.name, tmp)
        os.replace(tmp, link)
    except OSError:
        pass
