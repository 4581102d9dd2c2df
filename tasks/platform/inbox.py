"""The inbox of the ``ingest`` flow: new data files in, each one accepted (once per content), or rejected with why.

Layout of the inbox folder (``data/inbox`` by default, ``INFERENCE_TRENDS_INBOX`` or the flow's ``inbox``):

- ``<inbox>/<file or folder>``: new data, in any format an ingest adapter recognises by its content. Names starting
  with ``.`` or ending in ``.part``, ``.tmp``, ``.crdownload`` or ``.partial`` are left alone until they are renamed,
  and so is anything modified in the last few seconds (``settle_seconds``: a copy still being written); an entry is
  hashed again before it is moved, and left for the next run if it changed.
- ``<inbox>/accepted/<sha256 prefix>/<name>``: where each new item moves before it is validated, and stays if it
  passes: under its content hash, with its own name (adapters read observation dates from names).
- ``<inbox>/rejected/<name>`` with ``<name>.error.txt`` beside it: what failed validation, and the error (file,
  table, row, column and rule).
- ``<inbox>/ledger.csv``: one row per file processed: content hash, name, format, outcome, where it went, the
  estimate run it triggered. The ledger decides what is new: content (sha256) already accepted is a duplicate,
  whatever its name; its copy is removed from the inbox (the accepted copy holds the same bytes) and nothing runs.
  An accepted item whose estimate run could not be triggered is ``trigger-failed`` until a later run triggers it.

Processing holds an exclusive lock on ``<inbox>/.lock``; a run that finds it taken stops at once (the run holding it
takes every file), so overlapping scheduled runs never queue up or take the same file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import re
import shutil
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tasks.core.hashing import sha256_tree
from tasks.platform.io import atomic_write_text
from tasks.data.tables import csv_text, read_csv_output
from tasks.platform.inbox_layout import (ACCEPTED, LEDGER_FILE, LOCK_FILE, PARTIAL_SUFFIXES, REJECTED,  # noqa: F401
                                         newest_change, ready_signature)

LEDGER_COLUMNS = ["sha256", "name", "origin", "format", "outcome", "stored_as", "processed_at", "estimate_flow_run",
                  "detail"]


@dataclass(frozen=True)
class Incoming:
    """One candidate: a file or folder waiting in the inbox (or a fetched raw response), with its content hash."""

    path: Path
    sha256: str
    origin: str  # "inbox" | "aa-api"


def ensure_layout(inbox: Path) -> Path:
    inbox = Path(inbox)
    for folder in (inbox, inbox / ACCEPTED, inbox / REJECTED):
        folder.mkdir(parents=True, exist_ok=True)
    return inbox


@contextlib.contextmanager
def locked(inbox: Path) -> Iterator[bool]:
    """Hold the inbox's lock; yields False at once (without waiting) when another run holds it."""
    with open(Path(inbox) / LOCK_FILE, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def waiting(inbox: Path, settle_seconds: float = 0.0) -> tuple[list[Incoming], list[str]]:
    """Files and folders at the top of the inbox, oldest first (then by name), and why others were left alone.

    Hidden and partial names are skipped, and so is anything modified within the last ``settle_seconds`` (a copy
    still being written). An entry that cannot be read is reported and left where it is; it blocks nothing else."""
    inbox = Path(inbox)
    found, left = [], []
    now_ = dt.datetime.now().timestamp()
    for path in sorted(inbox.iterdir()):
        if path.name in (ACCEPTED, REJECTED, LEDGER_FILE) or path.name.startswith("."):
            continue
        if path.name.endswith(PARTIAL_SUFFIXES):
            left.append(f"{path.name}: a partial name (renamed when complete?)")
            continue
        try:
            changed = newest_change(path)
            if now_ - changed < settle_seconds:
                left.append(f"{path.name}: modified {now_ - changed:.0f} s ago, still being written? (next run)")
                continue
            if not (path.is_file() or path.is_dir()):
                raise OSError("neither a regular file nor a folder")
            found.append((changed, path.name, Incoming(path, sha256_tree(path), "inbox")))
        except OSError as error:
            left.append(f"{path.name}: cannot be read ({error}); left in the inbox")
    return [item for _, _, item in sorted(found, key=lambda t: (t[0], t[1]))], left


def read_ledger(inbox: Path) -> pd.DataFrame:
    path = Path(inbox) / LEDGER_FILE
    if not path.exists():
        return pd.DataFrame(columns=LEDGER_COLUMNS)
    return read_csv_output(path, dtype=str, keep_default_na=False)[LEDGER_COLUMNS]


def append_ledger(inbox: Path, row: dict) -> None:
    ledger = read_ledger(inbox)
    ledger = pd.concat([ledger, pd.DataFrame([{c: str(row.get(c, "") or "") for c in LEDGER_COLUMNS}])],
                       ignore_index=True)
    atomic_write_text(Path(inbox) / LEDGER_FILE, csv_text(ledger))


def update_ledger(inbox: Path, sha256: str, **values: str) -> None:
    """Set fields of the accepted row of this content (e.g. the estimate run it triggered)."""
    ledger = read_ledger(inbox)
    rows = (ledger["sha256"] == sha256) & ledger["outcome"].isin(ACCEPTED_OUTCOMES)
    for key, value in values.items():
        ledger.loc[rows, key] = str(value)
    atomic_write_text(Path(inbox) / LEDGER_FILE, csv_text(ledger))


# accepted content: triggered, or waiting for its estimate run to be triggered again (the trigger failed)
ACCEPTED_OUTCOMES = ("accepted", "trigger-failed")


def accepted_before(inbox: Path, sha256: str) -> str | None:
    """Where content with this hash was stored when it was accepted, or None if it never was."""
    ledger = read_ledger(inbox)
    rows = ledger[(ledger["sha256"] == sha256) & ledger["outcome"].isin(ACCEPTED_OUTCOMES)]
    return rows["stored_as"].iloc[-1] if len(rows) else None


def pending_triggers(inbox: Path) -> pd.DataFrame:
    """Accepted content whose estimate run could not be triggered (retried by the next ingest run)."""
    ledger = read_ledger(inbox)
    return ledger[ledger["outcome"] == "trigger-failed"]


def _free_name(folder: Path, name: str) -> Path:
    target = folder / name
    stem, suffix, n = Path(name).stem, Path(name).suffix, 1
    while target.exists() or (folder / f"{target.name}.error.txt").exists():
        n += 1
        target = folder / f"{stem}.{n}{suffix}"
    return target


def accept(inbox: Path, item: Incoming) -> Path:
    """Move (inbox) or copy (fetched elsewhere) the item to ``accepted/<sha256[:16]>/<name>``."""
    folder = Path(inbox) / ACCEPTED / item.sha256[:16]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / item.path.name
    if target.exists():
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    if item.origin == "inbox":
        shutil.move(str(item.path), target)
    elif item.path.is_dir():
        shutil.copytree(item.path, target)
    else:
        shutil.copy2(item.path, target)
    return target


def reject(inbox: Path, item: Incoming, stored: Path, fmt: str | None, error: BaseException
           ) -> tuple[Path, Path, str]:
    """Move the item from where ``accept`` put it to ``rejected/``, with the error report beside it; returns where it
    went, the report, and the full reason as the user should read it (``rejection_text``)."""
    target = _free_name(Path(inbox) / REJECTED, item.path.name)
    shutil.move(str(stored), target)
    with contextlib.suppress(OSError):
        stored.parent.rmdir()  # its accepted/<hash>/ folder, now empty
    text = rejection_text(error, stored, target)
    report = target.parent / f"{target.name}.error.txt"
    atomic_write_text(report, error_report(item, fmt, error, text, target))
    return target, report, text


# what the adapters advise on the command line, and what is true of the ingest flow, which has no format option: it
# always detects the format from the content
_FORCE_FORMAT = re.compile(r"force one with --format \(([^)]*)\)")
INGEST_FORMAT_ADVICE = ("the ingest flow detects the format from the content and has no format option: make the file "
                        "one of the supported formats ({}), or run the estimate deployment on it with its "
                        "input_format parameter")


def rejection_text(error: BaseException, stored: Path, target: Path) -> str:
    """The whole error message (every line: file, table, row, column, rule), naming the file where it is now
    (``rejected/...``, not the ``accepted/<hash>/`` place it was validated in) and the ingest flow's real options."""
    text = str(error).strip() or type(error).__name__
    text = text.replace(str(stored), str(target))
    text = _FORCE_FORMAT.sub(lambda m: INGEST_FORMAT_ADVICE.format(m.group(1)), text)
    return text.replace("or let the format be detected (leave --format out)",
                        "(the ingest flow detected this format from the content)")


def error_report(item: Incoming, fmt: str | None, error: BaseException, text: str | None = None,
                 target: Path | None = None) -> str:
    lines = [
        f"file:      {target or item.path.name}",
        f"sha256:    {item.sha256}",
        f"format:    {fmt or 'not recognised'}",
        f"rejected:  {now()}",
        f"error:     {type(error).__name__}",
        "",
        text or str(error).strip() or type(error).__name__,
        "",
        "Nothing else was affected: no estimate run was triggered for this file. Fix the file and drop it into the",
        "inbox again (a new content hash is a new file).",
    ]
    failure_cases = getattr(error, "failure_cases", None)
    if isinstance(failure_cases, pd.DataFrame) and not failure_cases.empty:
        lines += ["", "Every schema failure (column, check, failure case, row index):", csv_text(failure_cases)]
    elif not isinstance(error, (ValueError, FileNotFoundError)):
        lines += ["", "Traceback:", "".join(traceback.format_exception(error)).rstrip()]
    return "\n".join(lines) + "\n"


def first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0][:300] if lines else type(error).__name__


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
