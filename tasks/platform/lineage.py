"""Lineage: which task made a file, from which files, with which code and configuration.

Two records, one deterministic and one per run:

- **in every Parquet file's metadata** (key ``inference_trends.lineage``, written by ``tasks.platform.io``): the producing
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
import re
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

from tasks.platform.caching import stable_form, task_code_hash
from tasks.core.hashing import sha256_bytes, sha256_file
from tasks.platform.settings import PROJECT_ROOT, cache_dir

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


def lineage_rows(manifest: dict) -> list[dict]:
    """The run's lineage as a table for the UI artifact: one row per output of the run folder (the task run that
    produced it, what it was copied from), then one per task run (what it read and wrote)."""
    def names(refs: list[dict], label: str = "") -> str:
        """Short names: no folder, no content-hash suffix, no trend_id prefix (the row's task says it)."""
        shown = []
        for ref in refs[:4]:
            name = re.sub(r"-[0-9a-f]{16}(\.\w+)$", r"\1", ref["file"].rsplit("/", 1)[-1])
            shown.append(name[len(label) + 1:] if label and name.startswith(label + ".") else name)
        return ", ".join(shown) + (f" (+{len(refs) - 4} more)" if len(refs) > 4 else "")

    rows = []  # the run folder's outputs first: what a reader of the report looks for
    for output in manifest.get("outputs", []):
        producer = output.get("produced_by", {})
        rows.append({"task": producer.get("task", ""), "writes": f"{output['path']} (sha256 {output['sha256'][:12]})",
                     "reads": producer.get("source", "") or names([{"file": u} for u in producer.get("upstream", [])]),
                     "state": producer.get("state", ""), "stage": "output",
                     "task_run_id": producer.get("task_run_id") or "", "flow_run_id": producer.get("flow_run_id") or ""})
    for record in manifest.get("tasks", []):
        rows.append({"task": record.get("task", ""), "writes": names(record.get("outputs", []), record.get("task", "")),
                     "reads": names(record.get("inputs", [])), "state": record.get("state", ""),
                     "stage": record.get("stage", ""), "task_run_id": record.get("task_run_id") or "",
                     "flow_run_id": record.get("flow_run_id") or ""})
    return rows

