"""Lineage: which task made a file, from which files, with which code and configuration.

Two records, one deterministic and one per run:

- **in every Parquet file's metadata** (key ``inference_trends.lineage``, written by ``tasks.files.io``): the producing
  task, the sha256 of its code closure (``tasks.platform.caching.code_hash``), the sha256 of its configuration (its
  parameters other than files), and each upstream file with its sha256. No run ids, no timestamps: the bytes of an
  intermediate depend only on its inputs, so content-hash caching keeps working.
- **in each run's ``manifest.json``**: every task run (stage, task, state, task run id, flow run id) with the files
  it read and wrote, and every output of the run folder with the task run and flow run that produced it.

``inference-trends lineage TARGET`` (``flows/lineage.py``) walks both back to the raw source files.

A file is named by where it lives, stably across clones and runs: ``cache/<stage>/<name>`` inside the cache
folder, a project-relative path inside the checkout (``data/snapshots/...``), else its base name (raw files
elsewhere count by name and content, as in the cache keys).
"""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tasks.platform.caching import stable_form, task_code_hash
from tasks.core.hashing import sha256_bytes, sha256_file
from tasks.files import catalog
from tasks.files.io import write_parquet
from tasks.files.settings import PROJECT_ROOT, cache_dir
from tasks.files.storage import share

CACHE_PREFIX = "cache/"


def location(path: Path) -> str:
    """The stable name of a file (see the module docstring)."""
    path = Path(path).resolve()
    for root, prefix in ((cache_dir().resolve(), CACHE_PREFIX), (PROJECT_ROOT.resolve(), "")):
        try:
            return prefix + path.relative_to(root).as_posix()
        except ValueError:
            continue
    return path.name


def resolve_location(name: str) -> Path | None:
    """The file a ``location`` names on this machine, if it is there (base names of outside files are not)."""
    candidate = cache_dir() / name[len(CACHE_PREFIX):] if name.startswith(CACHE_PREFIX) else PROJECT_ROOT / name
    return candidate if candidate.is_file() else None


def paths_in(value: Any) -> list[Path]:
    """Every file a value refers to (in dicts, lists, dataclasses and pydantic models; folders: their files)."""
    from pydantic import BaseModel

    found: list[Path] = []

    def walk(item: Any) -> None:
        if isinstance(item, Path):
            if item.is_dir():
                found.extend(p for p in sorted(item.rglob("*")) if p.is_file()
                             and not any(part.startswith(".") for part in p.relative_to(item).parts))
            elif item.is_file():
                found.append(item)
        elif isinstance(item, BaseModel):
            walk({name: getattr(item, name) for name in type(item).model_fields})
        elif is_dataclass(item) and not isinstance(item, type):
            walk({f.name: getattr(item, f.name) for f in fields(item)})
        elif isinstance(item, dict):
            for key in sorted(item, key=str):
                walk(item[key])
        elif isinstance(item, (list, tuple, set, frozenset)):
            for element in item:
                walk(element)

    walk(value)
    unique, seen = [], set()
    for path in found:
        if path.resolve() not in seen:
            seen.add(path.resolve())
            unique.append(path)
    return unique


def file_refs(value: Any) -> list[dict[str, str]]:
    return [{"file": location(p), "sha256": sha256_file(p)} for p in paths_in(value)]


def _without_files(value: Any) -> Any:
    """The configuration part of a value: its JSON form with every file reference left out."""
    from pydantic import BaseModel

    if isinstance(value, Path):
        return "<file>"
    if isinstance(value, BaseModel):
        return _without_files({name: getattr(value, name) for name in type(value).model_fields})
    if is_dataclass(value) and not isinstance(value, type):
        return _without_files({f.name: getattr(value, f.name) for f in fields(value)})
    if isinstance(value, dict):
        return {str(k): _without_files(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_without_files(v) for v in value]
    return stable_form(value)


def config_hash(parameters: dict[str, Any]) -> str:
    return sha256_bytes(json.dumps(_without_files(parameters), sort_keys=True, default=str).encode())


def task_lineage(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The lineage of a file written now: the running task (if any), its code and config hashes, its input files."""
    from prefect.context import TaskRunContext

    context = TaskRunContext.get()
    record: dict[str, Any] = {}
    if context is not None:
        task = context.task
        parameters = context.parameters or {}
        record = {
            "producer": {"task": task.name, "module": task.fn.__module__},
            "code_sha256": task_code_hash(task.fn),
            "config_sha256": config_hash(parameters),
            "upstream": file_refs(parameters),
        }
    return {**record, **(extra or {})}


def computed_in(records: list[dict], runs_root: Path, most: int = 200) -> int:
    """For each task record served from cache, the run that computed what it served: the newest earlier run (of the
    ``most`` newest run folders under ``runs_root``) whose manifest has a computed task run that wrote the same
    files (same names, which carry their content hash). Adds ``computed_in`` (run_id, task_run_id, flow_run_id) to
    the record, or a note when no run folder here has it. Returns how many were found."""
    wanted = {}
    for record in records:
        if record.get("state") == "Cached" and record.get("outputs"):
            wanted[frozenset(ref["file"] for ref in record["outputs"])] = record
    if not wanted:
        return 0
    manifests = sorted(Path(runs_root).glob("*/manifest.json"), key=lambda p: p.parent.name, reverse=True)[:most]
    found = 0
    for path in manifests:
        if not wanted:
            break
        try:
            manifest = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        for record in manifest.get("tasks", []):
            if record.get("state") == "Cached" or not record.get("outputs"):
                continue
            key = frozenset(ref["file"] for ref in record["outputs"])
            if key in wanted:
                wanted.pop(key)["computed_in"] = {"run_id": manifest.get("run_id", path.parent.name),
                                                  "task_run_id": record.get("task_run_id"),
                                                  "flow_run_id": record.get("flow_run_id")}
                found += 1
    for record in wanted.values():
        record["computed_in"] = {"note": "computed in a run whose folder is not under this runs folder"}
    return found


_INDEX_TABLE = re.compile(r"(^|[-/])index-[^/]*\.parquet$")


def index_file(record: dict) -> str | None:
    """The trends index table a fit task run wrote (the node of its trends in the lineage graph), if any."""
    return next((ref["file"] for ref in record.get("outputs", []) if _INDEX_TABLE.search(ref["file"])), None)


# --- the lineage page of a run (the ``estimate-lineage`` markdown artifact) -----------------------------------------
def _cell(text: Any) -> str:
    """A markdown table cell: no pipes or line breaks."""
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def _short_name(file: str) -> str:
    """A file's base name without its content-hash suffix (the hash is shown beside it)."""
    return re.sub(r"-[0-9a-f]{16}(\.\w+)$", r"\1", file.rsplit("/", 1)[-1])


def task_run_link(record: dict, ui_url: str | None, text: str | None = None) -> str:
    """The task run as a link to its page in the UI, or its label and id as text when the UI's address is unknown."""
    label = _cell(text or record.get("name") or record.get("task") or record.get("task_name") or "task run")
    run_id = record.get("task_run_id")
    if not run_id:
        return label
    if ui_url:
        return f"[{label}]({ui_url.rstrip('/')}/runs/task-run/{run_id})"
    return f"{label} `{run_id}`"


def _served(record: dict) -> str:
    state = record.get("state", "")
    return {"Cached": "cached", "Completed": "computed"}.get(state, state.lower())


_GITHUB = re.compile(r"github ([\w.-]+)/([\w.-]+)(?: @ ([0-9a-f]{6,40}))?(?: : (\S+))?")


def _origin(origin: str) -> str:
    """A source's origin, short: a GitHub origin (``github owner/repo @ sha : path``) as a link to that commit's file
    named ``repo @ sha``, a URL as a link named by its host, a path by its last two parts, other text up to its
    first comma."""
    origin = origin or ""
    github = _GITHUB.search(origin)
    if github:
        owner, repo, sha, path = github.groups()
        url = f"https://github.com/{owner}/{repo}"
        if sha:
            url += f"/{'tree' if not path or path.endswith('/') else 'blob'}/{sha}/{path or ''}".rstrip("/")
        before = re.sub(r"[\s,(]+$", "", origin[:github.start()]).split(",")[0]
        return (f"{before}: " if before else "") + f"[{repo}{f' @ {sha}' if sha else ''}]({url})"
    match = re.match(r"https?://([^/]+)", origin)
    if match:
        return f"[{match.group(1)}]({origin})"
    if "/" in origin and " " not in origin:
        return "/".join(origin.split("/")[-2:])
    return origin.split(",")[0]


def _files(refs: list[dict], most: int = 3, snapshot: str | None = None) -> str:
    """Base names with short hashes; a batch's tables (``<snapshot>-<preset>-rows.parquet``) by their table name."""
    def name(ref: dict) -> str:
        short = _short_name(ref["file"])
        return short.rsplit("-", 1)[-1] if snapshot and short.startswith(f"{snapshot}-") else short

    shown = [f"{name(r)} `{r['sha256'][:8]}`" for r in refs[:most]]
    return ", ".join(shown) + (f" (+{len(refs) - most})" if len(refs) > most else "")


def lineage_markdown(manifest: dict, headline: dict | None = None, ui_url: str | None = None) -> str:
    """The lineage of one run on one narrow page: the code, the raw input files (name, sha256, origin), the task runs
    behind the headline trends, the run folder's outputs and every task run (cached or computed), each task run a
    link to its page in the UI (``ui_url``; without one, its id as text). Short hashes and names, no long paths:
    ``manifest.json`` and ``inference-trends lineage`` have the full detail."""
    records = manifest.get("tasks", [])
    by_id = {r.get("task_run_id"): r for r in records}
    code = manifest.get("code") or {}
    cached = sum(r.get("state") == "Cached" for r in records)
    lines = [f"# Lineage of run `{manifest.get('run_id', '')}`", ""]
    source = code.get("source_sha256") or {}
    lines.append(f"**Code** git `{(code.get('git_commit') or 'unknown')[:12]}`"
                 + (" (uncommitted changes)" if code.get("git_dirty") else "")
                 + "".join(f" · {name} `{digest[:12]}`" for name, digest in sorted(source.items()))
                 + f"  \n**Cache** {cached} of {len(records)} tasks served from cache"
                 + "  \nFull detail: `manifest.json` of the run folder; `inference-trends lineage TREND_ID`.")
    # raw files: what each snapshot was built from (bundled), or the raw inputs themselves
    lines += ["", "## Raw input files", "", "| snapshot | file | sha256 | origin |", "|---|---|---|---|"]
    for snapshot in manifest.get("snapshots", []):
        for src in snapshot.get("sources", []):
            lines.append(f"| {_cell(snapshot.get('name'))} | {_cell(src.get('file'))} | "
                         f"`{(src.get('sha256') or '')[:12]}` | {_cell(_origin(src.get('origin', '')))} |")
    lines += ["", "Files this run read:", "", "| file | sha256 | role |", "|---|---|---|"]
    for item in manifest.get("inputs", []):
        if item.get("sha256"):  # the last two parts of the path: the snapshot or store and the file
            lines.append(f"| {_cell('/'.join(item['path'].split('/')[-2:]))} | `{item['sha256'][:12]}` | "
                         f"{_cell(re.sub(r' [(].*[)]$', '', item.get('role', '')))} |")
    # the headline trends: which task run fitted them, from which files
    trends = manifest.get("trends", {})
    entries = [e for e in (headline or {}).get("entries", []) if e.get("trend_id")]
    if entries:
        lines += ["", "## Headline trends", ""]
    trends_output = next((o for o in manifest.get("outputs", []) if o["path"] == "trends.csv"), None)
    for entry in entries:
        factor = entry.get("factor_per_year")
        lines.append(f"- **{_cell(entry.get('what', entry.get('kind', '')))}**: "
                     + (f"{factor:.3g}x per year" if isinstance(factor, (int, float)) else "no estimate")
                     + (f" ({entry.get('interval')})" if entry.get("interval") not in (None, "-") else "")
                     + f", {entry.get('status', '')}")
        fitted_by: dict[str, list[str]] = {}
        for trend_id in str(entry["trend_id"]).split(","):
            producer = trends.get(trend_id.strip())
            if producer:
                fitted_by.setdefault(producer.get("task_run_id"), []).append(trend_id.strip())
        for run_id, ids in fitted_by.items():
            record = by_id.get(run_id, trends.get(ids[0], {}))
            lines.append(f"  - fitted by {task_run_link(record, ui_url)} ({_served(record)}, code "
                         f"`{trends.get(ids[0], {}).get('code_sha256', '')[:12]}`): "
                         + ", ".join(f"`{i}`" for i in ids[:3]) + (f" (+{len(ids) - 3})" if len(ids) > 3 else ""))
            if record.get("inputs"):
                lines.append(f"  - from {_files(record['inputs'])}; wrote "
                             f"{_files(record.get('outputs', []), 5, record.get('snapshot'))}")
        if trends_output:
            producer = trends_output.get("produced_by", {})
            lines.append(f"  - in trends.csv `{trends_output['sha256'][:8]}` by {task_run_link(producer, ui_url)}")
    # the run folder: each output and the task run that wrote it (a figure folder on one row)
    lines += ["", "## Outputs", "", "| output | sha256 | written by | |", "|---|---|---|---|"]
    groups: dict[str, list[dict]] = {}
    for output in manifest.get("outputs", []):
        parts = output["path"].split("/")
        key = "/".join(parts[:2]) + "/" if parts[0] == "figures" and len(parts) > 2 else output["path"]
        groups.setdefault(key, []).append(output)
    for key, outputs in groups.items():
        producer = outputs[0].get("produced_by", {})
        digest = f"`{outputs[0]['sha256'][:8]}`" if len(outputs) == 1 else f"{len(outputs)} files"
        lines.append(f"| {_cell(key)} | {digest} | {task_run_link(producer, ui_url)} | {_served(producer)} |")
    # every task run, by stage
    lines += ["", "## Task runs", "", "| stage | task run | snapshot | | wrote |", "|---|---|---|---|---|"]
    for record in records:
        snapshot = record.get("snapshot")
        name = record.get("name") or record.get("task") or ""
        if snapshot:  # the snapshot has its own column
            name = name.replace(f"[{snapshot} · ", "[").replace(f" · {snapshot}]", "]").replace(f"[{snapshot}]", "")
        lines.append(f"| {_cell(record.get('stage'))} | {task_run_link(record, ui_url, name)} | {_cell(snapshot or '')} "
                     f"| {_served(record)} | {_files(record.get('outputs', []), snapshot=snapshot)} |")
    return "\n".join(lines) + "\n"


def write_cached_parquet(df: pd.DataFrame, stage: str, name: str, lineage: dict[str, Any] | None = None) -> Path:
    """Write ``df`` to the content-addressed cache folder of ``stage`` and return the final path (the catalog's path
    rule: ``tasks.files.catalog``, which must name the table).

    Its metadata carries the lineage of the running task (``tasks.platform.lineage.task_lineage``) plus ``lineage``."""
    catalog.entry(stage, name)  # an intermediate the catalog does not name is a mistake, found before any work
    lineage = task_lineage(lineage)
    folder = cache_dir() / stage
    folder.mkdir(parents=True, exist_ok=True)
    tmp = write_parquet(df, folder / f".{name}.{uuid.uuid4().hex}.parquet.tmp", lineage)
    final = catalog.cache_path(stage, name, sha256_file(tmp))
    os.replace(tmp, final)
    return share(final)


def write_tables(tables, stage: str, lineage: dict) -> dict[str, Path]:
    """Every table of a ``CanonicalTables`` (or any dataclass of frames) as a cached Parquet file."""
    import dataclasses

    return {f.name: write_cached_parquet(getattr(tables, f.name), stage, f.name, {**lineage, "table": f.name})
            for f in dataclasses.fields(tables)}
