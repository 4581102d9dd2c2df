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


import hashlib
import os
import re
import shutil
import sys
import textwrap
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event
from prefect.states import Completed, Failed

from flows.config import EstimateConfig, IngestConfig, estimate_parameters
from tasks.platform.caching import ensure_result_storage
from tasks.platform.aa_client import ENV_VAR, fetch_aa_models_task
from tasks.stages.clean import check_usable, clean_task
from tasks.stages.ingest import ingest_task
from tasks.files.io import read_tables
from tasks.data.canonical import CanonicalTables
from tasks.core.hashing import sha256_tree
from tasks.platform.inbox import (Changed, CopyDiffers, Incoming, accepted_before, append_ledger, ensure_layout,
                                  first_line, locked, now, pending_triggers, reject, rejection_text, settle_layout,
                                  take, update_ledger, waiting)
from tasks.data.ingest import detect_format
from tasks.platform.inbox_seen import check_entries
from tasks.files.settings import corrections_file, inbox_dir


def snapshot_name_for(path: Path) -> str:
    """The snapshot name of an accepted item's estimate run: its name made safe (``NAME_PATTERN``: at most 100
    characters; a longer one is cut, with 8 hex digits of its sha256 appended, so that names stay distinct)."""
    stem = path.name if path.is_dir() else path.stem
    name = re.sub(r"[^a-z0-9._\-]+", "-", stem.lower()).strip("-._") or "inbox"
    if len(name) > 100:
        name = name[:91].rstrip("-._") + "-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    return name


@task(name="trigger-estimate", task_run_name="trigger-estimate-{snapshot}", cache_policy=NO_CACHE)
def trigger_estimate_task(config: IngestConfig, estimate_config: EstimateConfig, snapshot: str, sha256: str
                          ) -> str | None:
    """Start the estimate run for one accepted item; returns its flow run id."""
    if config.trigger == "deployment":
        from prefect.deployments import run_deployment

        run = run_deployment(config.estimate_deployment,
                             parameters=estimate_parameters(estimate_config),
                             timeout=0, tags=["ingest", f"content:{sha256[:12]}"], as_subflow=False)
        get_run_logger().info("triggered %s: flow run %s (%s)", config.estimate_deployment, run.name, run.id)
        return str(run.id)
    if config.trigger == "inline":
        from flows.estimate import estimate

        summary = estimate.with_options(flow_run_name=f"estimate-{snapshot}")(estimate_config)
        return summary.get("flow_run_id")
    return None


class Rejected(ValueError):
    """An item rejected inside its task (already moved to rejected/): the message is the reason as the user reads it."""

    def __init__(self, reason: str, target: Path, report: Path):
        super().__init__(reason)
        self.target, self.report = target, report


@task(name="detect-format", task_run_name="detect-format-{label}", cache_policy=NO_CACHE)
def detect_format_task(inbox: Path, item: Incoming, stored_path: Path, label: str) -> str:
    """Which adapter reads this item (from its content). A task, so that an unrecognised or corrupt file (a truncated
    JSON download) is a failed task run in the UI; it moves the file to rejected/ before failing, so that the
    failure message names where the file is."""
    try:
        return detect_format(stored_path)
    except Exception as error:  # noqa: BLE001  (any failure rejects this file, and only this file)
        try:
            moved = reject(inbox, item, stored_path, None, error)
        except OSError:
            raise error from None  # not moved: the caller records it where it is, with this reason
        raise Rejected(*_rejected(moved)) from None


def _rejected(moved: tuple[Path, Path, str]) -> tuple[str, Path, Path]:
    target, report, reason = moved
    return reason, target, report


REJECTED_EVENT = "inference-trends.ingest.rejected"


def emit_rejection(item: Incoming, fmt: str | None, target: Path, report: Path, reason: str) -> None:
    """One Prefect event per rejected file (an Automation can notify on it: see the README's service section)."""
    emit_event(event=REJECTED_EVENT,
               resource={"prefect.resource.id": f"inference-trends.file.{target}",
                         "prefect.resource.name": item.path.name},
               payload={"file": str(target), "name": item.path.name, "report": str(report), "format": fmt or "",
                        "sha256": item.sha256, "reason": reason})


def _escape(name: str) -> str:
    """A task run name Prefect will not try to format (file names may hold braces)."""
    return name.replace("{", "{{").replace("}", "}}")


def _usable(config: IngestConfig, inbox: Path, canonical: dict[str, Path], stored_path: Path, label: str) -> None:
    """The check of the estimate run (``tasks.stages.clean.check_usable``): clean the new file's tables as its
    estimate run will (the same cached task, corrections and switch: that run is then served this clean from the
    cache), and raise ``Unusable`` when it leaves nothing to estimate."""
    corrections = Path(config.estimate.corrections).resolve() if config.estimate.corrections else corrections_file()
    state = clean_task.with_options(task_run_name=_escape(f"check-{label}"))(
        canonical, corrections, not config.estimate.as_published, return_state=True)
    check_usable(state.result(), str(stored_path))


def _reject(inbox: Path, item: Incoming, stored: Path, fmt: str | None, error: BaseException,
            row: dict[str, Any]) -> dict[str, Any]:
    """Reject an item (already moved to rejected/, or move it there now), log it, emit the event; the outcome row.
    If it cannot be moved, it stays where it is and the row says so: no item is ever left without a ledger row."""
    logger = get_run_logger()
    if isinstance(error, Rejected):
        reason, target, report = str(error), error.target, error.report
    else:
        try:
            target, report, reason = reject(inbox, item, stored, fmt, error)
        except OSError as failure:
            reason = (f"{rejection_text(error, stored, stored)}\n(it could not be moved to rejected/: "
                      f"{failure.strerror or failure}; it is still at {stored})")
            logger.error("%s rejected, but not moved: %s", item.path.name, reason)
            return {**row, "format": fmt or "", "outcome": "rejected", "stored_as": str(stored), "detail": reason}
    logger.warning("%s rejected (%s); moved to %s, report %s:\n%s", item.path.name, fmt or "format unknown",
                   target, report.name, reason)
    emit_rejection(item, fmt, target, report, reason)
    return {**row, "format": fmt or "", "outcome": "rejected", "stored_as": str(target), "detail": reason}


def _process(config: IngestConfig, inbox: Path, item: Incoming) -> dict[str, Any]:
    """Decide one item: duplicate, rejected or accepted (the estimate run is triggered by the caller)."""
    logger = get_run_logger()
    row = {"sha256": item.sha256, "name": item.path.name, "origin": item.origin, "processed_at": now()}
    stored = accepted_before(inbox, item.sha256)
    if stored is not None and Path(stored).exists():
        if item.origin == "inbox":  # the accepted copy holds the same bytes: nothing is lost
            shutil.rmtree(item.path) if item.path.is_dir() and not item.path.is_symlink() else item.path.unlink()
        logger.info("%s: same content as %s (sha256 %s), already ingested: nothing to do", item.path.name, stored,
                    item.sha256[:12])
        return {**row, "outcome": "duplicate", "stored_as": stored, "detail": "content already accepted"}
    if item.origin == "inbox" and item.path.is_symlink():  # what it points to is not the inbox's to read
        return _reject(inbox, item, item.path, None, ValueError(
            f"{item.path}: a symbolic link; the inbox takes files and folders, not links to them (copy the file "
            "itself into the inbox)"), row)
    # a copy into accepted/<hash>/<name> first, hashed, then validated there: the ledger's hash is the hash of the
    # bytes validated and kept; the lineage of the cached tables names the place where the file stays, and the
    # estimate run's ingest (same name and bytes) is served from this one's cache
    try:
        stored_path, row["sha256"] = take(inbox, item)
    except Changed as change:
        logger.info("%s", change)
        return {**row, "outcome": "changed", "stored_as": str(item.path), "detail": str(change)}
    except CopyDiffers as error:
        return _reject(inbox, item, error.stored, None, error, {**row, "sha256": sha256_tree(error.stored)})
    except OSError as error:
        logger.error("%s could not be taken (%s); left for the next run", item.path.name, error)
        return {**row, "outcome": "failed", "stored_as": str(item.path),
                "detail": f"could not be copied to accepted/ ({error.strerror or error}); left for the next run"}
    fmt = None
    try:
        detected = detect_format_task(inbox, item, stored_path, _escape(item.path.name), return_state=True)
        fmt = detected.result()  # raises Rejected: why no adapter reads it
        state = ingest_task(fmt).with_options(task_run_name=_escape(f"validate-{fmt}-{item.path.name}"))(
            stored_path, return_state=True)
        canonical = state.result()  # raises the validation error
        counts = read_tables(CanonicalTables, canonical).row_counts()
        if counts["models"] == 0:
            raise ValueError(f"{stored_path}: the {fmt} adapter found no model in it")
        _usable(config, inbox, canonical, stored_path, item.path.name)
    except Exception as error:  # noqa: BLE001  (any failure rejects this file, and only this file)
        return _reject(inbox, item, stored_path, fmt, error, row)
    logger.info("%s accepted (%s: %d models, %d price rows) -> %s", item.path.name, fmt, counts["models"],
                counts["prices"], stored_path)
    return {**row, "format": fmt, "outcome": "accepted", "stored_as": str(stored_path),
            "detail": f"{counts['models']} models, {counts['prices']} prices"}


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


class IngestRejected(ValueError):
    """Every new item of an ingest run was rejected (the run ends Failed with this message)."""


def outcome_message(counts: dict[str, int], outcomes: list[dict[str, Any]], left: list[str] = ()) -> str:
    """The final state message: what became of the new items, e.g. "1 accepted, 1 rejected" (and which), and what
    was left in the inbox, with the first reason (e.g. "still open for writing by process 1234")."""
    waits = f"{len(left)} item(s) left in the inbox ({left[0]}{'; ...' if len(left) > 1 else ''})" if left else ""
    if not outcomes:
        return "nothing new in the inbox" + (f"; {waits}" if waits else "")
    message = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n or kind in ("accepted", "rejected"))
    rejected = [o for o in outcomes if o["outcome"] == "rejected"]
    if rejected:
        message += " (rejected: " + "; ".join(f"{Path(o['stored_as']).name}: "
                                              f"{first_line_of(o['detail'].removeprefix(o['stored_as'] + ': '))}"
                                              for o in rejected[:5]) + ("; ..." if len(rejected) > 5 else "") + ")"
    return message + (f"; {waits}" if waits else "")


def first_line_of(text: str) -> str:
    """The first line, at most 200 characters ("..." where it was cut: the whole reason is in the ledger, the report
    and the ingest-rejections artifact)."""
    line = (text.strip().splitlines() or [""])[0]
    return line if len(line) <= 200 else line[:197] + "..."



def rejections_markdown(inbox: Path, rejected: list[dict[str, Any]]) -> str:
    """Each rejected item with where it is now and its whole reason (names escaped; the reason in a fenced block, so
    text from a file is shown as text, never as markup)."""
    from tasks.reporting.markup import md_code, md_escape

    parts = [f"# Rejected from {md_code(inbox)}", ""]
    for item in rejected:
        # wrapped at 100 characters: the UI shows a code block unwrapped, cut at the page's edge
        reason = "\n".join(textwrap.fill(line, 100, break_on_hyphens=False, break_long_words=False) or line
                            for line in str(item.get("detail", "")).replace("\0", "").splitlines())
        fence = "~" * max(3, max((len(run) + 1 for run in re.findall(r"~{3,}", reason)), default=3))
        parts += [f"## {md_escape(item.get('name', ''))}", "",
                  f"Moved to {md_code(item.get('stored_as', ''))} (sha256 {md_code(str(item.get('sha256', ''))[:12])});"
                  " the report beside it ends in `.error.txt`.", "", f"{fence}text", reason, fence, ""]
    return "\n".join(parts)

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
            outcome = _process(config, inbox, item)
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
    if outcomes:
        columns = ["name", "outcome", "format", "detail", "estimate_flow_run", "stored_as", "sha256", "origin",
                   "processed_at"]  # what a reader looks for first
        create_table_artifact(key="ingest-outcomes", table=[{c: str(o.get(c, "") or "") for c in columns}
                                                            for o in outcomes],
                              description=f"What became of each new item in {inbox}")
        rejected = [o for o in outcomes if o["outcome"] == "rejected"]
        if rejected:  # a table cell cuts a long reason off: here each one is whole, wrapped, one click away
            create_markdown_artifact(key="ingest-rejections", markdown=rejections_markdown(inbox, rejected),
                                     description=f"Why each rejected item of {inbox} was rejected, in full")
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
