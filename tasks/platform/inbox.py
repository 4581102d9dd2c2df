"""The inbox of the ``ingest`` flow: new data files in, each one accepted (once per content), or rejected with why.

Layout of the inbox folder (``data/inbox`` by default, ``INFERENCE_TRENDS_INBOX`` or the flow's ``inbox``; the names
are in ``tasks.platform.inbox_layout``):

- ``<inbox>/<file or folder>``: new data, in any format an ingest adapter recognises by its content. Names starting
  with ``.`` or ending in ``.part``, ``.tmp``, ``.crdownload`` or ``.partial`` are left alone until they are renamed,
  and so is anything modified in the last few seconds (``settle_seconds``: a copy still being written) or that a
  process still has open for writing (Linux: ``/proc``; the reason names the process).
- ``<inbox>/accepted/<sha256 prefix>/<name>``: a copy of each new item, made before it is validated, where it stays
  if it passes: under its content hash, with its own name (adapters read observation dates from names). The copy
  is hashed, and must hold what the item held when it was listed; only then is the original removed. The ledger's
  hash is thus the hash of the bytes validated and kept, whatever a writer does to the original meanwhile.
- ``<inbox>/rejected/<name>`` with ``<name>.error.txt`` beside it: what failed validation, and the error (file,
  table, row, column and rule).
- ``<inbox>/.inbox-state/ledger.csv``: one row per item processed: content hash, name, format, outcome, where it
  went, the estimate run it triggered. The ledger decides what is new: content (sha256) already accepted is a
  duplicate, whatever its name; its copy is removed from the inbox (the accepted copy holds the same bytes) and
  nothing runs. An accepted item whose estimate run could not be triggered is ``trigger-failed`` until a later run
  triggers it. The inbox's own files live in that hidden folder, where nothing dropped into the inbox can replace
  them: a dropped ``ledger.csv`` is data like any other. The ``ledger.csv`` of the earlier layout (at the top, beside
  a ``.lock``) moves there once, if it is one (its columns are the ledger's).
- A file dropped under the name of one of the inbox's folders (``accepted``, ``rejected``) moves to
  ``.inbox-state/held/`` first, so that the folder can be made; it is then taken from there like any other item.

Names derived from an item's name (``<name>.error.txt``, ``<stem>.N<suffix>``, ``accepted/<hash>/<name>``) fit the
file system's limit of 255 bytes (``inbox_layout.fit_name``: shortened deterministically, suffix kept, with a short
hash of the whole name). Every item taken gets a ledger row, even when moving it to ``rejected/`` fails.

Processing holds an exclusive lock on ``.inbox-state/lock``; a run that finds it taken stops at once (the run holding
it takes every file), so overlapping scheduled runs never queue up or take the same file.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import fcntl
import os
import re
import shutil
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tasks.core.hashing import sha256_tree
from tasks.files.io import atomic_write_text
from tasks.files.tables import csv_text, read_csv_output
from tasks.platform.inbox_layout import (ACCEPTED, HELD_DIR, LEDGER_FILE, LOCK_FILE,  # noqa: F401
                                         OLD_LEDGER_FILE, OLD_LOCK_FILE, PARTIAL_SUFFIXES, REJECTED, REPORT_SUFFIX,
                                         STATE_DIR, candidates, files_of, fit_name, name_bytes, newest_change,
                                         open_for_writing, ready_signature, skipped, writers)

LEDGER_COLUMNS = ["sha256", "name", "origin", "format", "outcome", "stored_as", "processed_at", "estimate_flow_run",
                  "detail"]


@dataclass(frozen=True)
class Incoming:
    """One candidate: a file or folder waiting in the inbox (or a fetched raw response), with its content hash."""

    path: Path
    sha256: str
    origin: str  # "inbox" | "aa-api"


def ensure_layout(inbox: Path) -> Path:
    """The inbox and its state folder (safe when several runs make them at once); ``settle_layout``, under the lock,
    does the rest."""
    inbox = Path(inbox)
    (inbox / STATE_DIR).mkdir(parents=True, exist_ok=True)
    return inbox


def _is_old_ledger(inbox: Path) -> bool:
    """A ``ledger.csv`` at the top that is the ledger of the earlier layout: its header is the ledger's columns, and
    the earlier layout's ``.lock`` is beside it (every run of that layout made one)."""
    path = inbox / OLD_LEDGER_FILE
    if not (path.is_file() and not path.is_symlink() and (inbox / OLD_LOCK_FILE).is_file()):
        return False
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    return header == LEDGER_COLUMNS


def settle_layout(inbox: Path) -> list[str]:
    """Under the lock: move the earlier layout's ledger into the state folder (once); move a file (or link) that
    holds the name of one of the inbox's folders to ``.inbox-state/held/`` (it is then taken like any other item);
    make the folders. Returns what was done, for the log."""
    inbox = Path(inbox)
    done = []
    if not (inbox / LEDGER_FILE).exists() and _is_old_ledger(inbox):
        os.replace(inbox / OLD_LEDGER_FILE, inbox / LEDGER_FILE)
        with contextlib.suppress(OSError):
            if (inbox / OLD_LOCK_FILE).stat().st_size == 0:
                (inbox / OLD_LOCK_FILE).unlink()
        done.append(f"the ledger of the earlier layout moved from {inbox / OLD_LEDGER_FILE} to {inbox / LEDGER_FILE}")
    for name in (ACCEPTED, REJECTED):
        folder = inbox / name
        if os.path.lexists(folder) and not folder.is_dir():
            (inbox / HELD_DIR).mkdir(parents=True, exist_ok=True)
            target = _free_name(inbox / HELD_DIR, name)
            os.replace(folder, target)
            done.append(f"{name}: a file under the name of the inbox's {name}/ folder; moved to {target}, to be "
                        "taken like any other item")
        folder.mkdir(exist_ok=True)
    return done


@contextlib.contextmanager
def locked(inbox: Path) -> Iterator[bool]:
    """Hold the inbox's lock; yields False at once (without waiting) when another run holds it."""
    with open(Path(inbox) / LOCK_FILE, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def waiting(inbox: Path, settle_seconds: float = 0.0, only: list[Path] | None = None
            ) -> tuple[list[Incoming], list[str]]:
    """Files and folders at the top of the inbox (and held ones), oldest first (then by name), and why others were
    left alone.

    Hidden and partial names are skipped, and so is anything modified within the last ``settle_seconds`` (a copy
    still being written) or open for writing by a process (``inbox_layout.writers``): the same rules as the
    watcher's ``ready_signature``. An entry that cannot be read is reported and left where it is; it blocks nothing
    else.

    ``only``: exactly these entries (those the inbox watcher saw settle, ``tasks.platform.inbox_seen``), without the
    settle time: the watcher judged that already; every other rule applies."""
    inbox = Path(inbox)
    found = []
    if only is not None:
        entries = list(only)
        open_files = writers([file for path in entries for file in files_of(path)])
        left, settle_seconds = [], 0.0
    else:
        left = [f"{path.name}: a partial name (renamed when complete?)" for path in sorted(inbox.iterdir())
                if skipped(path) == "partial"]
        entries, open_files = candidates(inbox)
        held = inbox / HELD_DIR
        if held.is_dir():
            more, held_open = candidates(held)
            entries, open_files = entries + more, {**open_files, **held_open}
    now_ = dt.datetime.now().timestamp()
    for path in entries:
        try:
            changed = newest_change(path)
            if now_ - changed < settle_seconds:
                left.append(f"{path.name}: modified {now_ - changed:.0f} s ago, still being written? (next run)")
                continue
            writer = open_for_writing(path, open_files)
            if writer is not None:
                left.append(f"{path.name}: still open for writing by process {writer}; left for the next run")
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
    ledger = read_csv_output(path, dtype=str, keep_default_na=False)
    missing = [c for c in LEDGER_COLUMNS if c not in ledger.columns]
    if missing:
        raise ValueError(f"{path}: not the inbox's ledger (missing column(s) {', '.join(missing)}); the inbox is "
                         "not processed until it is restored or removed")
    return ledger[LEDGER_COLUMNS]


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
    """``folder/<name>``, or ``<stem>.2<suffix>``, ``.3`` ... when taken; each a name that fits with
    ``.error.txt`` appended (``fit_name``)."""
    target = folder / fit_name(name, name_bytes(REPORT_SUFFIX))
    stem, suffix, n = Path(name).stem, Path(name).suffix, 1
    while os.path.lexists(target) or os.path.lexists(folder / f"{target.name}{REPORT_SUFFIX}"):
        n += 1
        target = folder / fit_name(f"{stem}.{n}{suffix}", name_bytes(REPORT_SUFFIX))
    return target


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()


class Changed(Exception):
    """The item changed between being listed and being taken: left where it is, for the next run."""


class CopyDiffers(ValueError):
    """The item is as it was listed, but its copy in accepted/ does not hold the same content: links in it that lead
    out of it no longer lead to the same files from there. It is rejected (``stored``: the copy)."""

    def __init__(self, message: str, stored: Path):
        super().__init__(message)
        self.stored = stored


def take(inbox: Path, item: Incoming) -> tuple[Path, str]:
    """Copy the item to ``accepted/<sha256[:16]>/<name>`` and hash the copy: that hash names what is validated and
    kept (the ledger's hash), whatever a writer does to the original later. The original must still hold what it
    held when it was listed (its sha256), or the copy is removed and ``Changed`` raised: the item is left for the
    next run. Then the original is removed (an item of the inbox; a fetched one stays where it was fetched to). Links
    inside a folder are copied as links, as a move kept them; a copy that then differs raises ``CopyDiffers``."""
    folder = Path(inbox) / ACCEPTED / item.sha256[:16]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / fit_name(item.path.name)
    _remove(target)
    try:
        if item.path.is_dir() and not item.path.is_symlink():
            shutil.copytree(item.path, target, symlinks=True)
        else:
            shutil.copy2(item.path, target, follow_symlinks=False)
        stored = sha256_tree(target)
        if item.origin == "inbox" and sha256_tree(item.path) != item.sha256:  # written to since it was listed
            raise Changed(f"{item.path.name} changed while it was being taken (sha256 {item.sha256[:12]} when "
                          f"listed, {stored[:12]} copied); left for the next run")
    except BaseException:
        _remove(target)
        with contextlib.suppress(OSError):
            folder.rmdir()
        raise
    if item.origin == "inbox":
        _remove(item.path)
    if stored != item.sha256:
        raise CopyDiffers(f"{target}: its copy does not hold what it held (sha256 {stored[:12]}, not "
                          f"{item.sha256[:12]}): links in it lead out of it? The inbox takes files and folders, not "
                          "links to them: copy the files themselves into it", target)
    return target, stored


def reject(inbox: Path, item: Incoming, stored: Path, fmt: str | None, error: BaseException
           ) -> tuple[Path, Path, str]:
    """Move the item from where ``take`` put it to ``rejected/``, with the error report beside it; returns where it
    went, the report, and the full reason as the user should read it (``rejection_text``)."""
    target = _free_name(Path(inbox) / REJECTED, item.path.name)
    shutil.move(str(stored), target)
    if stored.parent.parent == Path(inbox) / ACCEPTED:
        with contextlib.suppress(OSError):
            stored.parent.rmdir()  # its accepted/<hash>/ folder, now empty
    text = rejection_text(error, stored, target)
    report = target.parent / f"{target.name}{REPORT_SUFFIX}"
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
