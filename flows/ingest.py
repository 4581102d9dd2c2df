"""The ``ingest`` flow: new data in, ``estimate`` out, for what is new and nothing else.

Each run (the ``ingest`` deployment polls on a short interval; ``inference-trends ingest`` runs it once):

1. takes every file or folder waiting in the inbox (``tasks.inbox``), and, when ``AA_API_KEY`` is set on the worker,
   pulls the live AA API models list (``tasks.aa_client``, the raw response kept in ``data/raw/aa-api``);
2. skips content it has accepted before (same sha256, whatever the name): nothing runs for it;
3. detects the format from the content and runs that adapter's ingest task, which validates every canonical table
   (the same cached task the estimate flow runs: the estimate run that follows is served its ingest from cache);
   a failure moves the file to ``rejected/`` with an ``.error.txt`` report and affects nothing else;
4. accepts the rest (``accepted/<hash>/<name>``), and triggers one estimate run per accepted item, through the
   estimate deployment (or inline), with the configured parameters and the new file as input;
5. records every outcome in the inbox's ``ledger.csv`` and in a table artifact.
"""

from __future__ import annotations

import tasks  # noqa: F401  (applies the project's Prefect environment defaults before Prefect is imported)

import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.config import EstimateConfig, IngestConfig
from tasks.storage import ensure_result_storage
from tasks.aa_client import ENV_VAR, fetch_aa_models_task
from tasks.canonical import CanonicalTables
from tasks.inbox import Incoming, accept, accepted_before, append_ledger, ensure_layout, locked, now, reject, waiting
from tasks.ingest import adapter, detect_format
from tasks.settings import inbox_dir


def snapshot_name_for(path: Path) -> str:
    stem = path.name if path.is_dir() else path.stem
    return re.sub(r"[^a-z0-9._\-]+", "-", stem.lower()).strip("-._") or "inbox"


@task(name="trigger-estimate", task_run_name="trigger-estimate-{snapshot}", cache_policy=NO_CACHE)
def trigger_estimate_task(config: IngestConfig, estimate_config: EstimateConfig, snapshot: str, sha256: str
                          ) -> str | None:
    """Start the estimate run for one accepted item; returns its flow run id."""
    if config.trigger == "deployment":
        from prefect.deployments import run_deployment

        run = run_deployment(config.estimate_deployment,
                             parameters={"config": estimate_config.model_dump(mode="json")},
                             timeout=0, tags=["ingest", f"content:{sha256[:12]}"], as_subflow=False)
        get_run_logger().info("triggered %s: flow run %s (%s)", config.estimate_deployment, run.name, run.id)
        return str(run.id)
    if config.trigger == "inline":
        from flows.estimate import estimate

        summary = estimate.with_options(flow_run_name=f"estimate-{snapshot}")(estimate_config)
        return summary.get("flow_run_id")
    return None


def _process(config: IngestConfig, inbox: Path, item: Incoming) -> dict[str, Any]:
    logger = get_run_logger()
    row = {"sha256": item.sha256, "name": item.path.name, "origin": item.origin, "processed_at": now()}
    stored = accepted_before(inbox, item.sha256)
    if stored is not None:
        if item.origin == "inbox":  # the accepted copy holds the same bytes: nothing is lost
            shutil.rmtree(item.path) if item.path.is_dir() else item.path.unlink()
        logger.info("%s: same content as %s (sha256 %s), already ingested: nothing to do", item.path.name, stored,
                    item.sha256[:12])
        return {**row, "outcome": "duplicate", "stored_as": stored, "detail": "content already accepted"}
    fmt = None
    try:
        fmt = detect_format(item.path)
        ingest_task = adapter(fmt).ingest_task
        state = ingest_task.with_options(task_run_name=f"validate-{fmt}-{item.path.name}")(
            item.path, return_state=True)
        canonical = state.result()  # raises the validation error of a failed ingest
        counts = CanonicalTables.read_cached(canonical).row_counts()
        if counts["models"] == 0:
            raise ValueError(f"{item.path.name}: the {fmt} adapter found no model in it")
    except Exception as error:  # noqa: BLE001  (any failure rejects this file, and only this file)
        target, report = reject(inbox, item, fmt, error)
        logger.warning("%s rejected (%s): %s; moved to %s, report %s", item.path.name, fmt or "format unknown",
                       str(error).splitlines()[0], target, report.name)
        return {**row, "format": fmt or "", "outcome": "rejected", "stored_as": str(target),
                "detail": str(error).splitlines()[0][:300]}
    stored_path = accept(inbox, item)
    snapshot = snapshot_name_for(stored_path)
    estimate_config = config.estimate.model_copy(update={"input": str(stored_path), "extra_inputs": [],
                                                         "input_format": fmt, "snapshot_name": snapshot})
    logger.info("%s accepted (%s: %d models, %d price rows) -> %s", item.path.name, fmt, counts["models"],
                counts["prices"], stored_path)
    run_id = trigger_estimate_task(config, estimate_config, snapshot, item.sha256)
    return {**row, "format": fmt, "outcome": "accepted", "stored_as": str(stored_path),
            "estimate_flow_run": run_id or "", "detail": f"{counts['models']} models, {counts['prices']} prices"}


@flow(name="ingest", log_prints=True)
def ingest(config: IngestConfig = IngestConfig()) -> dict[str, Any]:
    """Take new data files from the inbox (and the AA API when AA_API_KEY is set), validate them, and run estimate
    on each new one; unchanged content triggers nothing, invalid files go to rejected/ with an error report."""
    ensure_result_storage()  # the shared cache's results block, when INFERENCE_TRENDS_SHARED_CACHE is set
    logger = get_run_logger()
    inbox = ensure_layout(Path(config.inbox).expanduser().resolve() if config.inbox else inbox_dir())
    pull_error = None
    outcomes = []
    with locked(inbox):
        items = waiting(inbox)
        if config.pull_aa_api and os.environ.get(ENV_VAR):
            state = fetch_aa_models_task(return_state=True, secret_block=None)
            if state.is_completed():
                fetched = state.result()
                items.append(Incoming(Path(fetched["path"]), fetched["sha256"], "aa-api"))
            else:
                pull_error = state.result(raise_on_failure=False)
                logger.error("AA API pull failed: %s", pull_error)
        elif config.pull_aa_api:
            logger.info("AA API pull skipped: %s is not set on this worker", ENV_VAR)
        for item in items:
            outcome = _process(config, inbox, item)
            append_ledger(inbox, outcome)
            outcomes.append(outcome)
    if outcomes:
        create_table_artifact(key="ingest-outcomes", table=[{k: str(v) for k, v in o.items()} for o in outcomes],
                              description=f"What became of each new item in {inbox}")
    counts = {kind: sum(o["outcome"] == kind for o in outcomes) for kind in ("accepted", "duplicate", "rejected")}
    logger.info("inbox %s: %d accepted, %d duplicate, %d rejected", inbox, counts["accepted"], counts["duplicate"],
                counts["rejected"])
    if pull_error is not None:
        raise RuntimeError(f"the inbox was processed, but the AA API pull failed: {pull_error}")
    return {"inbox": str(inbox), "outcomes": outcomes, **counts,
            "estimate_runs": [o["estimate_flow_run"] for o in outcomes if o.get("estimate_flow_run")]}


if __name__ == "__main__":
    from flows.cli import main

    main(["ingest", *sys.argv[1:]])
