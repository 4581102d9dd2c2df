"""The inbox's layout (names the ingest flow owns, names it leaves alone) and the cheap "anything to take?" check.

No pandas, no Prefect: the inbox watcher of ``make serve`` (``flows/watch.py``) imports only this, so it stays a
small process (about 20 MB) that uses next to no CPU between ingest runs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

ACCEPTED, REJECTED, LEDGER_FILE, LOCK_FILE = "accepted", "rejected", "ledger.csv", ".lock"
PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial", ".error.txt")


def newest_change(path: Path) -> float:
    """The newest modification time of a file, or of a folder and everything in it."""
    times = [path.lstat().st_mtime]
    if path.is_dir():
        times += [p.lstat().st_mtime for p in path.rglob("*")]
    return max(times)


def ready_signature(inbox: Path, settle_seconds: float = 0.0) -> tuple[tuple[str, float, int], ...]:
    """What an ingest run would take now, cheaply (names, times and sizes; nothing is read or hashed): the entries
    at the top of the inbox that are not hidden, partial or still being written. Empty: no ingest run is needed.
    Used by the inbox watcher (``flows/watch.py``) between runs."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        return ()
    found, now_ = [], dt.datetime.now().timestamp()
    for path in sorted(inbox.iterdir()):
        if path.name in (ACCEPTED, REJECTED, LEDGER_FILE) or path.name.startswith(".") or \
                path.name.endswith(PARTIAL_SUFFIXES):
            continue
        try:
            changed = newest_change(path)
            size = path.lstat().st_size
        except OSError:
            continue  # gone or unreadable: the ingest run reports what it cannot read
        if now_ - changed >= settle_seconds:
            found.append((path.name, changed, size))
    return tuple(found)
