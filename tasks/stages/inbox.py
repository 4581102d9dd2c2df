"""The inbox stage of the ``ingest`` flow (``flows/ingest.py``): what becomes of one waiting item (duplicate,
rejected with its report, or accepted after the same ingest and clean tasks the estimate run uses), and what the run
says about all of them (its table and rejections artifacts, its final state's message).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event

from tasks.core.hashing import sha256_tree
from tasks.data.canonical import CanonicalTables
from tasks.data.ingest import detect_format
from tasks.files.io import read_tables
from tasks.platform.inbox import (Changed, CopyDiffers, Incoming, accepted_before, now, reject, rejection_text,
                                  take)
from tasks.stages.clean import check_usable, clean_task
from tasks.stages.ingest import ingest_task


@dataclass(frozen=True)
class UsableCheck:
    """How an accepted file is checked for something to estimate: as its estimate run will clean it (the
    corrections file, and whether they apply)."""

    corrections: Path
    apply_fixes: bool


def snapshot_name_for(path: Path) -> str:
    """The snapshot name of an accepted item's estimate run: its name made safe (``NAME_PATTERN``: at most 100
    characters; a longer one is cut, with 8 hex digits of its sha256 appended, so that names stay distinct)."""
    stem = path.name if path.is_dir() else path.stem
    name = re.sub(r"[^a-z0-9._\-]+", "-", stem.lower()).strip("-._") or "inbox"
    if len(name) > 100:
        name = name[:91].rstrip("-._") + "-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    return name


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


def _usable(check: UsableCheck, canonical: dict[str, Path], stored_path: Path, label: str) -> None:
    """The check of the estimate run (``tasks.stages.clean.check_usable``): clean the new file's tables as its
    estimate run will (the same cached task, corrections and switch: that run is then served this clean from the
    cache), and raise ``Unusable`` when it leaves nothing to estimate."""
    state = clean_task.with_options(task_run_name=_escape(f"check-{label}"))(
        canonical, check.corrections, check.apply_fixes, return_state=True)
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


def process(check: UsableCheck, inbox: Path, item: Incoming) -> dict[str, Any]:
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
        _usable(check, canonical, stored_path, item.path.name)
    except Exception as error:  # noqa: BLE001  (any failure rejects this file, and only this file)
        return _reject(inbox, item, stored_path, fmt, error, row)
    logger.info("%s accepted (%s: %d models, %d price rows) -> %s", item.path.name, fmt, counts["models"],
                counts["prices"], stored_path)
    return {**row, "format": fmt, "outcome": "accepted", "stored_as": str(stored_path),
            "detail": f"{counts['models']} models, {counts['prices']} prices"}


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



REASON_WIDTH = 72  # characters per line of a rejection reason on the ingest-rejections page


def rejections_markdown(inbox: Path, rejected: list[dict[str, Any]]) -> str:
    """Each rejected item with where it is now and its whole reason (names escaped; the reason in a fenced block, so
    text from a file is shown as text, never as markup)."""
    from tasks.reporting.markup import md_code, md_escape

    parts = [f"# Rejected from {md_code(inbox)}", ""]
    for item in rejected:
        # wrapped at REASON_WIDTH characters, long words (a path, a JSON fragment) broken too: the UI shows a code
        # block unwrapped, cut at the edge of its column (about 80 characters beside the right-hand panel at 1400 px)
        reason = "\n".join(textwrap.fill(line, REASON_WIDTH, break_on_hyphens=False, break_long_words=True) or line
                            for line in str(item.get("detail", "")).replace("\0", "").splitlines())
        fence = "~" * max(3, max((len(run) + 1 for run in re.findall(r"~{3,}", reason)), default=3))
        parts += [f"## {md_escape(item.get('name', ''))}", "",
                  f"Moved to {md_code(item.get('stored_as', ''))} (sha256 {md_code(str(item.get('sha256', ''))[:12])});"
                  " the report beside it ends in `.error.txt`.", "", f"{fence}text", reason, fence, ""]
    return "\n".join(parts)


OUTCOME_COLUMNS = ["name", "outcome", "format", "detail", "estimate_flow_run", "stored_as", "sha256", "origin",
                   "processed_at"]  # what a reader looks for first


def publish_outcomes(inbox: Path, outcomes: list[dict[str, Any]]) -> None:
    """The run's artifacts: a table of what became of each new item and, when some were rejected, each reason in
    full (a table cell cuts a long reason off: here each one is whole, wrapped, one click away)."""
    if not outcomes:
        return
    create_table_artifact(key="ingest-outcomes", table=[{c: str(o.get(c, "") or "") for c in OUTCOME_COLUMNS}
                                                        for o in outcomes],
                          description=f"What became of each new item in {inbox}")
    rejected = [o for o in outcomes if o["outcome"] == "rejected"]
    if rejected:
        create_markdown_artifact(key="ingest-rejections", markdown=rejections_markdown(inbox, rejected),
                                 description=f"Why each rejected item of {inbox} was rejected, in full")
