"""Running the stages of a flow: each task run with progress, bookkeeping (for the manifest and the lineage),
cache repair and tags; and the run's provenance (package and code versions)."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import platform
import contextvars
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefect import get_run_logger, tags
from prefect.futures import PrefectFuture, wait
from prefect.states import State

from tasks.core.hashing import sha256_file, sha256_tree
from tasks.core.stopping import stoppable
from tasks.platform.lineage import file_refs
from tasks.files.storage import ensure_local, localize
from tasks.files.settings import PROJECT_ROOT

REPORTED_PACKAGES = ("prefect", "pandera", "pandas", "numpy", "pyarrow", "scipy", "statsmodels", "matplotlib",
                     "pydantic", "typer")


@dataclass
class StageTracker:
    """Runs tasks, logs one progress line per task run, and records (name, task run id, state) for the manifest."""

    refresh_cache: bool = False
    records: list[dict] = field(default_factory=list)
    repairs: list[dict] = field(default_factory=list)  # damaged cache entries dropped and recomputed

    def _options(self, task, name: str | None = None):
        options = {"refresh_cache": True} if self.refresh_cache else {}
        if name:  # the task run named after what it works on (a format string to Prefect: no braces)
            options["task_run_name"] = name.replace("{", "(").replace("}", ")")
        return task.with_options(**options) if options else task

    def _record(self, stage: str, label: str, state: State, task_name: str, arguments: Any,
                labels: tuple[str, ...] = ()) -> Any:
        """One manifest record: the task run, its flow run, and the files it read and wrote (lineage)."""
        details = state.state_details
        snapshot = next((tag.split(":", 1)[1] for tag in labels if tag.startswith("snapshot:")), None)
        record = {"stage": stage, "task": label, "task_name": task_name,
                  "task_run_id": str(details.task_run_id) if details.task_run_id else None,
                  "flow_run_id": str(details.flow_run_id) if details.flow_run_id else None,
                  "state": state.name, "snapshot": snapshot, "inputs": file_refs(arguments)}
        self.records.append(record)
        result = state.result()  # raises the task's exception if it failed
        localize(result)  # computed or cached on another worker: its files fetched from the shared store
        read = {ref["file"] for ref in record["inputs"]}  # passed through (e.g. a figure job's data): not written here
        record["outputs"] = [ref for ref in file_refs(result) if ref["file"] not in read]
        return result

    def _repaired(self, stage: str, label: str, task, state: State, call, labels=(), name=None) -> State:
        """A cached result whose files are gone or damaged (a truncated Parquet file: its name carries the
        sha256 of its bytes) is dropped and recomputed, with a warning, instead of failing every rerun."""
        if state.name != "Cached":
            return state
        try:
            problems = damaged_files(state.result())
        except Exception as err:  # noqa: BLE001 - the persisted result record itself is unreadable
            problems = [f"the cached result ({type(err).__name__}: {err})"]
        if not problems:
            return state
        get_run_logger().warning("stage %s %s: cache entry damaged (%s); recomputing", stage, label,
                                 "; ".join(problems[:3]))
        self.repairs.append({"stage": stage, "task": label, "problems": problems})
        with tags(f"stage:{stage}", *labels):
            return call(self._options(task, name).with_options(refresh_cache=True))

    def run(self, stage: str, task, *args, labels: tuple[str, ...] = (), name: str | None = None, **kwargs) -> Any:
        """Run one task now; ``labels``: more tags for its task run (``snapshot:<name>``: keep tags few, each costs
        the task run concurrency-limit look-ups); ``name``: its task run name (default: the task's own)."""
        logger = get_run_logger()
        with tags(f"stage:{stage}", *labels):  # shown on the task run in the UI, and filterable
            state = self._options(task, name)(*args, return_state=True, **kwargs)
        state = self._repaired(stage, task.name, task, state,
                               lambda fresh: fresh(*args, return_state=True, **kwargs), labels, name)
        result = self._record(stage, task.name, state, task.name, [args, kwargs], labels)
        if name:
            self.records[-1]["name"] = name  # its task run's name (the UI's, before a " · cached")
        written = [ref["file"] for ref in self.records[-1]["outputs"]]
        logger.info("stage %-8s %-28s %s%s", stage, name or task.name, _served(state),
                    f" -> {', '.join(written[:6])}" + (f" (+{len(written) - 6} more)" if len(written) > 6 else "")
                    if written else "")
        return result

    def map(self, stage: str, submissions: list[tuple[str, Any, tuple, tuple[str, ...]]]) -> list[Any]:
        """Submit (label, task, args, tags) concurrently, wait for all, and return the results in order."""
        logger = get_run_logger()
        futures: list[PrefectFuture] = []
        # the worker threads inherit the scope's stop event: a signal that interrupts the wait below (ours or
        # Prefect's) sets it, and their loops stop within a second, instead of the task runner waiting for them
        # to finish every fit before the process may exit (tasks/core/stopping.py)
        with stoppable():
            for _, task, args, labels in submissions:
                with tags(f"stage:{stage}", *labels):
                    futures.append(self._options(task).submit(*args))
            wait(futures)
        results, served = [], {}
        for (label, task, args, labels), future in zip(submissions, futures):
            state = self._repaired(stage, label, task, future.state,
                                   lambda fresh, args=args: fresh(*args, return_state=True), labels)
            results.append(self._record(stage, label, state, task.name, args, labels))
            self.records[-1]["name"] = label
            served[_served(state)] = served.get(_served(state), 0) + 1
        logger.info("stage %-8s %d task runs: %s", stage, len(futures),
                    ", ".join(f"{v} {k}" for k, v in sorted(served.items())))
        return results


_CONTENT_NAME = re.compile(r"-([0-9a-f]{16})\.[A-Za-z0-9]+$")


def damaged_files(result: Any) -> list[str]:
    """Files a cached result refers to that are missing, or whose bytes no longer match the sha256 their
    content-addressed name carries (``name-<16 hex>.ext``: see ``tasks.files.io``)."""
    problems = []
    for path in referenced_paths(result):
        if not path.exists() and not ensure_local(path):
            problems.append(f"{path.name} is missing")
            continue
        match = _CONTENT_NAME.search(path.name)
        if match and path.is_file() and not sha256_file(path).startswith(match.group(1)):
            problems.append(f"{path.name} does not match its content hash (truncated or changed)")
            path.unlink(missing_ok=True)
    return problems


def referenced_paths(value: Any) -> list[Path]:
    """Every Path inside a task result (dicts, lists, tuples, typed hand-offs), existing or not."""
    if isinstance(value, Path):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [p for found in dataclasses.fields(value) for p in referenced_paths(getattr(value, found.name))]
    if isinstance(value, dict):
        return [p for item in value.values() for p in referenced_paths(item)]
    if isinstance(value, (list, tuple)):
        return [p for item in value for p in referenced_paths(item)]
    return []


CACHED_SUFFIX = " · cached"


def cache_counts(records: list[dict]) -> tuple[int, int]:
    """(task runs served from cache, task runs) of a run's records."""
    return sum(r.get("state") == "Cached" for r in records), len(records)


def mark_cached_runs(records: list[dict], timeout: float = 20.0) -> int:
    """Suffix `` · cached`` to the name of every task run served from cache, so that the UI (which draws cached and
    computed task runs in the same green) tells them apart. Tags cannot change once a task run has started; its
    name can (``PATCH /task_runs/{id}``). Task runs reach the server as events, so each is renamed once the server
    has recorded its final state: a later event (the state carries a newer timestamp) would otherwise restore the
    old name. Returns how many were renamed; a failure is a warning, never a failed run."""
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterId

    pending = {UUID(r["task_run_id"]) for r in records if r.get("state") == "Cached" and r.get("task_run_id")}
    renamed = 0
    try:
        with get_client(sync_client=True) as client:
            deadline = time.monotonic() + timeout
            while pending:
                for chunk in [sorted(pending)[i:i + 200] for i in range(0, len(pending), 200)]:
                    for run in client.read_task_runs(
                            task_run_filter=TaskRunFilter(id=TaskRunFilterId(any_=chunk)), limit=len(chunk)):
                        if run.state is None or not run.state.is_final():
                            continue
                        if not run.name.endswith(CACHED_SUFFIX):
                            client.set_task_run_name(run.id, run.name + CACHED_SUFFIX).raise_for_status()
                            renamed += 1
                        pending.discard(run.id)
                if not pending or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
    except Exception as error:  # noqa: BLE001 - a name is a convenience for the UI, not a condition of the run
        get_run_logger().warning("cached task runs not marked in the UI (%s: %s)", type(error).__name__, error)
        return renamed
    if pending:
        get_run_logger().warning("%d cached task run(s) not marked in the UI: the server had not recorded them "
                                 "within %.0f s", len(pending), timeout)
    return renamed


def io_page(record: dict) -> str:
    """The Markdown of a task run's own Artifacts tab: what it read and what it wrote (file, sha256), and whether it
    was computed or served from cache. Paths are the cache's content-addressed names (project-relative)."""
    def rows(refs: list[dict]) -> list[str]:
        if not refs:
            return ["(nothing)"]
        lines = ["| file | sha256 |", "|---|---|"]
        for ref in refs:
            name = str(ref.get("file", "")).replace("|", "/").replace("`", "")
            lines.append(f"| `{name}` | `{str(ref.get('sha256', ''))}` |")
        return lines

    served = "served from cache (the files below were written when it was computed)" \
        if record.get("state") == "Cached" else "computed in this run"
    return "\n".join([f"**{served}**", "", "### Read", "", *rows(record.get("inputs") or []), "", "### Wrote", "",
                      *rows(record.get("outputs") or [])])


def attach_io_pages(records: list[dict]) -> int:
    """Each task run's reads and writes as a Markdown artifact of that task run alone: its page in the UI (Artifacts
    tab) shows them, for computed and cached task runs alike; the flow run's Artifacts tab does not. Returns how many were attached; a failure is a warning."""
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import ArtifactCreate

    attached = 0
    try:
        with get_client(sync_client=True) as client:
            for record in records:
                if not record.get("task_run_id") or not (record.get("inputs") or record.get("outputs")):
                    continue
                # the task run only: with its flow run's id too, it would also be listed on the flow run's
                # Artifacts tab (which lists by flow run), burying the run's own pages under one card per task run
                client.create_artifact(ArtifactCreate(
                    type="markdown", data=io_page(record), description="what this task run read and wrote",
                    task_run_id=UUID(record["task_run_id"])))
                attached += 1
    except Exception as error:  # noqa: BLE001 - a page for the UI, not a condition of the run
        get_run_logger().warning("task runs' read/write pages not attached (%s: %s)", type(error).__name__, error)
    return attached


def _mark_and_attach(records: list[dict]) -> None:
    mark_cached_runs(records)
    attach_io_pages(records)


def mark_cached_runs_meanwhile(records: list[dict]) -> threading.Thread:
    """``mark_cached_runs`` (then ``attach_io_pages``) in a thread (with this run's context: its API and logger) while
    the run publishes: the wait for the server and the renames (about a second for 30 task runs) then cost the run
    nothing. Join it."""
    thread = threading.Thread(target=contextvars.copy_context().run, args=(_mark_and_attach, list(records)),
                              name="mark-cached-task-runs", daemon=True)
    thread.start()
    return thread


def _served(state: State) -> str:
    return "served from cache" if state.name == "Cached" else f"computed ({state.name.lower()})"


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in REPORTED_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def code_version() -> dict[str, Any]:
    """Git commit (and whether the tree has uncommitted changes) plus a hash of the project's source."""
    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", "-C", str(PROJECT_ROOT), *args], capture_output=True, text=True,
                                 timeout=10, check=True)
            return out.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no", "--", "flows", "tasks", "schemas", "presets",
                 "data/corrections.csv")
    source = {package: sha256_tree(PROJECT_ROOT / package, "*.py") for package in ("flows", "tasks", "schemas")}
    return {"git_commit": commit, "git_dirty": bool(status) if status is not None else None,
            "source_sha256": source}
