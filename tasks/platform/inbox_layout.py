"""The inbox's layout (names the ingest flow owns, names it leaves alone), the cheap "anything to take?" check, and
the two checks both need: is an entry still open for writing, and does a derived name fit the file system.

No pandas, no Prefect: the inbox watcher of ``make serve`` (``flows/watch.py``) imports only this, so it stays a
small process (about 20 MB) that uses next to no CPU between ingest runs.

Names at the top of an inbox:

- ``accepted/``, ``rejected/``: the inbox's folders. Only a folder of that name is one of them: a file or a link to a
  file dropped under such a name is data like any other (``tasks.platform.inbox.ensure_layout`` moves it out of the
  way first);
- ``.inbox-state/``: the inbox's own state, its ``ledger.csv`` and its ``lock``. A hidden name, and hidden names are
  never taken, so nothing dropped into the inbox can replace them (a dropped ``ledger.csv`` is only data). Its
  ``held/`` folder holds the files that were dropped under a reserved name: candidates like those at the top;
- hidden names (``.``) and partial names (``.part``, ``.tmp``, ...) are left alone;
- anything else is a candidate, taken once it has not changed for ``settle_seconds`` and no process has it open for
  writing (``writers``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

ACCEPTED, REJECTED = "accepted", "rejected"
STATE_DIR = ".inbox-state"  # the inbox's own files: a hidden name, so never taken as data
LEDGER_FILE = f"{STATE_DIR}/ledger.csv"  # relative to the inbox
LOCK_FILE = f"{STATE_DIR}/lock"
HELD_DIR = f"{STATE_DIR}/held"  # a file dropped under a reserved name (accepted, rejected) waits here to be taken
OLD_LEDGER_FILE, OLD_LOCK_FILE = "ledger.csv", ".lock"  # the layout before: migrated once (inbox.ensure_layout)
PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial", ".error.txt")
REPORT_SUFFIX = ".error.txt"  # beside each rejected item: <name>.error.txt
# The longest file name Linux file systems take (NAME_MAX), in bytes of the name's UTF-8 encoding, not characters.
NAME_MAX = 255
_HASH_TAG = 9  # "~" and 8 hex digits of the name's sha256, added to a shortened name


def skipped(path: Path) -> str | None:
    """Why an entry at the top of the inbox is never a candidate ("own": one of the inbox's folders, "hidden",
    "partial"), or None: it is one."""
    name = path.name
    if name.startswith("."):
        return "hidden"
    if name in (ACCEPTED, REJECTED) and path.is_dir():
        return "own"
    if name.endswith(PARTIAL_SUFFIXES):
        return "partial"
    return None


def newest_change(path: Path) -> float:
    """The newest modification time of a file, or of a folder and everything in it."""
    times = [path.lstat().st_mtime]
    if path.is_dir():
        times += [p.lstat().st_mtime for p in path.rglob("*")]
    return max(times)


def files_of(path: Path) -> list[Path]:
    """The entry itself (a file), or every file in it (a folder)."""
    if path.is_dir() and not path.is_symlink():
        return [p for p in path.rglob("*") if p.is_file()]
    return [path]


def _open_for_writing(pid: str, fd: str) -> bool:
    """Whether descriptor ``fd`` of process ``pid`` was opened for writing (O_WRONLY or O_RDWR, from the ``flags``
    line of /proc/PID/fdinfo/FD); True when that cannot be read (the safe side: the entry waits)."""
    try:
        with open(f"/proc/{pid}/fdinfo/{fd}") as handle:
            for line in handle:
                if line.startswith("flags:"):
                    return (int(line.split()[1], 8) & os.O_ACCMODE) in (os.O_WRONLY, os.O_RDWR)
    except (OSError, ValueError, IndexError):
        pass
    return True


def writers(paths: Iterable[Path]) -> dict[Path, int]:
    """Each of ``paths`` that a process has open for writing -> the id of such a process.

    Linux only (elsewhere nothing is found): every descriptor in ``/proc/*/fd`` is compared with the files by device
    and inode (renamed or not, the same file), and its ``fdinfo`` flags say whether it is open for writing (a reader,
    such as a virus scanner or a viewer, holds nothing up). Processes whose ``/proc`` entries this user cannot read
    (other users' processes, unless run as root) are not seen: the ``settle_seconds`` wait still covers them."""
    wanted: dict[tuple[int, int], Path] = {}
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError:
            continue
        wanted[(stat.st_dev, stat.st_ino)] = Path(path)
    if not wanted:
        return {}
    try:
        pids = [pid for pid in os.listdir("/proc") if pid.isdigit()]
    except OSError:
        return {}
    found: dict[Path, int] = {}
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:  # gone, or not ours to look at
            continue
        for fd in fds:
            try:
                stat = os.stat(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            path = wanted.get((stat.st_dev, stat.st_ino))
            if path is not None and path not in found and _open_for_writing(pid, fd):
                found[path] = int(pid)
    return found


def open_for_writing(path: Path, open_files: dict[Path, int]) -> int | None:
    """The id of a process that has this entry (or a file in this folder) open for writing, from ``writers``."""
    for file in files_of(path):
        if file in open_files:
            return open_files[file]
    return None


def candidates(inbox: Path) -> tuple[list[Path], dict[Path, int]]:
    """The entries at the top of the inbox that are not skipped (sorted by name), and which of their files a process
    has open for writing. The one listing ``ready_signature`` and ``tasks.platform.inbox.waiting`` share."""
    entries = [path for path in sorted(Path(inbox).iterdir()) if skipped(path) is None]
    files: list[Path] = []
    for path in entries:
        try:
            files += files_of(path)
        except OSError:
            continue  # unreadable: reported by the ingest run
    return entries, writers(files)


def ready_signature(inbox: Path, settle_seconds: float = 0.0) -> tuple[tuple[str, float, int], ...]:
    """What an ingest run would take now, cheaply (names, times and sizes; nothing is read or hashed): the entries
    at the top of the inbox that are not hidden, partial, still being written (modified within ``settle_seconds``)
    or open for writing by a process. Empty: no ingest run is needed. Used by the inbox watcher (``flows/watch.py``)
    between runs; the ingest run's ``tasks.platform.inbox.waiting`` applies the same rules."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        return ()
    entries, open_files = candidates(inbox)
    if (inbox / HELD_DIR).is_dir():
        held, held_open = candidates(inbox / HELD_DIR)
        entries, open_files = entries + held, {**open_files, **held_open}
    found, now_ = [], dt.datetime.now().timestamp()
    for path in entries:
        try:
            changed = newest_change(path)
            size = path.lstat().st_size
        except OSError:
            continue  # gone or unreadable: the ingest run reports what it cannot read
        if now_ - changed >= settle_seconds and open_for_writing(path, open_files) is None:
            found.append((path.name, changed, size))
    return tuple(found)


def name_bytes(name: str) -> int:
    """The length of a file name as the file system counts it: bytes of its encoding, not characters."""
    return len(os.fsencode(name))


def _kept_suffix(name: str) -> str:
    """The suffix a shortened name keeps: the last one or two (``.csv``, ``.mapping.toml``), at most 24 bytes."""
    kept = ""
    for suffix in reversed(Path(name).suffixes[-2:]):
        if name_bytes(suffix + kept) > 24 or suffix.strip(".") == "":
            break
        kept = suffix + kept
    return kept


def fit_name(name: str, reserve: int = 0) -> str:
    """``name``, or a shortened form of it, such that it and ``reserve`` more bytes (``.error.txt`` appended to it)
    fit in ``NAME_MAX`` bytes. Shortening is deterministic: the name's beginning (cut at a character boundary), ``~``
    and 8 hex digits of the sha256 of the whole name, then its suffix, kept (``.csv``: adapters and people read it).
    Two long names that differ only at the end get different short forms; the same name always gets the same one."""
    limit = NAME_MAX - reserve
    if name_bytes(name) <= limit:
        return name
    suffix = _kept_suffix(name)
    tag = "~" + hashlib.sha256(os.fsencode(name)).hexdigest()[:_HASH_TAG - 1]
    room = limit - name_bytes(tag + suffix)
    kept, used = [], 0
    for char in name[: len(name) - len(suffix)]:
        size = name_bytes(char)
        if used + size > room:
            break
        kept.append(char)
        used += size
    return "".join(kept) + tag + suffix
