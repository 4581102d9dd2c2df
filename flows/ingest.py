"""The ``ingest`` flow: new data in, ``estimate`` out, for what is new and nothing else.

Each run (the inbox watcher of ``make serve`` starts one when files wait, ``flows/watch.py``; ``inference-trends
ingest`` runs it once):

1. takes every file or folder waiting in the inbox (``tasks.platform.inbox``: settled, and not open for writing by a
   process), or, in a run the watcher created, exactly the entries it saw (``entries``, ``tasks.platform.inbox_seen``:
   taken if unchanged and not open for writing, whatever ``settle_seconds`` says; any it cannot take is named in the
   final state), and, when ``AA_API_KEY`` is set on the worker, pulls the live AA API models list
   (``tasks.platform.aa_client``, the raw response kept in ``data/raw/aa-api``);
2. skips content it has accepted before (same sha256, whatever the name): nothing runs for it;
3. copies each new item to ``accepted/<hash>/<name>`` and hashes the copy (the ledger's hash is that of the bytes
   validated and kept); detects the format from the content and runs that adapter's ingest task, which validates
   every canonical table, then the clean task and the check that the file leaves something to estimate
   (``tasks.data.usable``: a file whose records are all, or mostly, quarantined on a key field is rejected). These are
   the same cached tasks the estimate flow runs: the estimate run that follows is served them from cache. A failure
   moves the file to ``rejected/`` with an ``.error.txt`` report, emits ``inference-trends.ingest.rejected``, and
   affects nothing else;
4. accepts the rest, and triggers one estimate run per accepted item, through the estimate deployment (or inline),
   with the configured parameters and the new file as input;
5. records every outcome in the inbox's ledger (``.inbox-state/ledger.csv``) and in a table artifact.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, Failed

from flows.config import EstimateConfig, IngestConfig, estimate_parameters, estimate_run_name
from tasks.files.settings import corrections_file, inbox_dir
from tasks.platform.aa_client import ENV_VAR, fetch_aa_models_task
from tasks.platform.caching import ensure_result_storage
from tasks.platform.inbox import (Incoming, append_ledger, ensure_layout, first_line, locked, pending_triggers,
                                  settle_layout, update_ledger, waiting)
from tasks.platform.inbox_seen import check_entries
from tasks.stages.inbox import (IngestRejected, UsableCheck, outcome_message, process, publish_outcomes,
                                snapshot_name_for)


def estimate_submission(estimate_config: EstimateConfig, sha256: str) -> dict[str, Any]:
    """How an accepted item's estimate run is submitted (``run_deployment``'s arguments): named from the start as the
    run will name itself (``<preset> on <input>``, not Prefect's random two words until it starts), tagged with
    the content it estimates, not a subflow of the ingest run."""
    return {"parameters": estimate_parameters(estimate_config), "flow_run_name": estimate_run_name(estimate_config),
            "timeout": 0, "tags": ["ingest", f"content:{sha256[:12]}"], "as_subflow": False}


@task(name="trigger-estimate", task_run_name="trigger-estimate-{snapshot}", cache_policy=NO_CACHE)
def trigger_estimate_task(config: IngestConfig, estimate_config: EstimateConfig, snapshot: str, sha256: str
                          ) -> str | None:
    """Start the estimate run for one accepted item; returns its flow run id."""
    if config.trigger == "deployment":
        from prefect.deployments import run_deployment

        run = run_deployment(config.estimate_deployment, **estimate_submission(estimate_config, sha256))
        get_run_logger().info("triggered %s: flow run %s (%s)", config.estimate_deployment, run.name, run.id)
        return str(run.id)
    if config.trigger == "inline":
        from flows.estimate import estimate

        summary = estimate.with_options(flow_run_name=estimate_run_name(estimate_config))(estimate_config)
        return summary.get("flow_run_id")
    return None


def _trigger(config: IngestConfig, inbox: Path, outcome: dict[str, Any]) -> str | None:
    """Trigger the estimate run of an accepted item and record it; a failure is recorded for the next run."""
    stored = Path(outcome["stored_as"])
    snapshot = snapshot_name_for(stored)
    estimate_config = config.estimate.model_copy(update={
        "input": str(stored), "extra_inputs": [], "input_format": outcome.get("format") or None,
        "snapshot_name": snapshot})
    try:
        run_id = trigger_estimate_task(config, estimate_config, snapshot, outcome["sha256"])
    except Exception as error:  # noqa: BLE001  (recorded; the next ingest run triggers it again)
        update_ledger(inbox, outcome["sha256"], outcome="trigger-failed", detail=f"trigger failed: "
                      f"{first_line(error)}")
        get_run_logger().error("%s: accepted, but its estimate run could not be triggered (%s); the next ingest "
                               "run tries again", stored.name, first_line(error))
        return None
    update_ledger(inbox, outcome["sha256"], outcome="accepted", estimate_flow_run=run_id or "")
    return run_id


@flow(name="ingest", log_prints=True)
def ingest(config: IngestConfig = IngestConfig()) -> dict[str, Any]:
    """Take new data files from the inbox (and the AA API when AA_API_KEY is set), validate them, and run estimate
    on each new one; unchanged content triggers nothing, invalid files go to rejected/ with an error report.

    The run ends Completed with a message such as "1 accepted, 0 duplicate, 1 rejected (...)", or Failed when every
    new item was rejected; each rejection is also a Prefect event ``inference-trends.ingest.rejected``."""
    ensure_result_storage()  # the shared cache's results block, when INFERENCE_TRENDS_SHARED_CACHE is set
    logger = get_run_logger()
    inbox = ensure_layout(Path(config.inbox).expanduser().resolve() if config.inbox else inbox_dir())
    pull_error, fetched = None, None
    if config.pull_aa_api and os.environ.get(ENV_VAR):  # before taking the lock: a slow API holds up no one
        state = fetch_aa_models_task(return_state=True, secret_block=None)
        if state.is_completed():
            fetched = state.result()
        else:
            pull_error = state.result(raise_on_failure=False)
            logger.error("AA API pull failed: %s", pull_error)
    elif config.pull_aa_api:
        logger.info("AA API pull skipped: %s is not set on this worker", ENV_VAR)
    estimate = config.estimate  # each accepted file is checked as its estimate run will clean it
    check = UsableCheck(Path(estimate.corrections).resolve() if estimate.corrections else corrections_file(),
                        not estimate.as_published)
    outcomes, triggered, untriggered = [], [], 0
    with locked(inbox) as held:
        if not held:
            logger.info("another ingest run is processing %s; this one stops here", inbox)
            return Completed(message="another ingest run is processing the inbox", data={
                "inbox": str(inbox), "outcomes": [], "accepted": 0, "duplicate": 0, "rejected": 0, "failed": 0,
                "estimate_runs": [], "busy": True})
        for change in settle_layout(inbox):  # the earlier layout's ledger; a file under a reserved name
            logger.warning("%s", change)
        for pending in pending_triggers(inbox).to_dict("records"):  # triggers that failed in an earlier run
            if config.trigger != "none" and Path(pending["stored_as"]).exists():
                run_id = _trigger(config, inbox, pending)
                triggered += [run_id] if run_id else []
        not_taken: list[tuple[str, str]] = []  # (kind, "name: why") of the entries this run was created for
        if config.entries:  # created by the inbox watcher: exactly what it saw, if unchanged (no settle time again)
            paths, not_taken = check_entries(inbox, config.entries)
            items, left = waiting(inbox, only=paths)
        else:
            items, left = waiting(inbox, config.settle_seconds)
        for reason in left:
            logger.info("left in the inbox: %s", reason)
        if fetched is not None:
            items.append(Incoming(Path(fetched["path"]), fetched["sha256"], "aa-api"))
        for item in items:
            outcome = process(check, inbox, item)
            if outcome["outcome"] == "changed":  # still in the inbox: the next run takes it
                left.append(outcome["detail"])
                continue
            append_ledger(inbox, outcome)
            if outcome["outcome"] == "accepted" and config.trigger != "none":
                run_id = _trigger(config, inbox, outcome)
                outcome["estimate_flow_run"] = run_id or ""
                triggered += [run_id] if run_id else []
                untriggered += run_id is None
            outcomes.append(outcome)
    publish_outcomes(inbox, outcomes)
    counts = {kind: sum(o["outcome"] == kind for o in outcomes) for kind in ("accepted", "duplicate", "rejected",
                                                                            "failed")}
    if config.entries:  # a run created for files: each one it did not take is named (never a bare "nothing new")
        not_taken += [("left", reason) for reason in left]
        left = []
    message = outcome_message(counts, outcomes, left)
    if not_taken:
        details = "; ".join(text for _, text in not_taken)
        message = (f"{message}; not taken: {details}" if outcomes else
                   f"none of the {len(config.entries)} entries this run was created for was taken: {details}")
    logger.info("inbox %s: %s", inbox, message)
    if pull_error is not None:
        raise RuntimeError(f"the inbox was processed ({message}), but the AA API pull failed: {pull_error}")
    if untriggered:
        raise RuntimeError(f"{untriggered} accepted file(s) could not trigger their estimate run (see the log); the "
                           "next ingest run tries again")
    unreadable = any(kind == "unreadable" for kind, _ in not_taken)
    if (counts["rejected"] or counts["failed"] or unreadable) and not counts["accepted"] and not counts["duplicate"]:
        # nothing of what arrived was usable: a red run in the UI (and an error on the command line)
        return Failed(message=message, data=IngestRejected(f"{message}; reports in {inbox / 'rejected'}"))
    return Completed(message=message, data={"inbox": str(inbox), "outcomes": outcomes, **counts,
                                            "estimate_runs": triggered})


if __name__ == "__main__":
    from flows.cli import main

    main(["ingest", *sys.argv[1:]])
