"""What the inbox watcher saw, handed to the ingest run it creates: the run takes exactly those entries.

The watcher (``flows/watch.py``) decides when an entry has settled (``INFERENCE_TRENDS_WATCH_SETTLE``); the ingest run
it creates must not judge that again with its own ``settle_seconds`` (two settings that must agree: a run started
within ``settle_seconds`` of the file's last change found "nothing new in the inbox"). So the watcher passes each
entry it saw as the ingest deployment's ``entries`` parameter, one line per entry (readable in the UI):

    truncated.json (57 bytes, mtime 1751450000.123456)

and the run takes an entry when its size and modification time (the same ``newest_change`` the watcher used) are
still those, whatever ``settle_seconds`` says; otherwise it names the entry and why in its final state.

Standard library only, like ``inbox_layout``: the watcher imports it.
"""

from __future__ import annotations

import re
from pathlib import Path

from tasks.platform.inbox_layout import ACCEPTED, HELD_DIR, PARTIAL_SUFFIXES, REJECTED, newest_change

_ENTRY = re.compile(r"(?P<name>.+) \((?P<size>\d+) bytes, mtime (?P<mtime>[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)\)")


def format_entry(name: str, mtime: float, size: int) -> str:
    """One entry as the ``entries`` parameter holds it (``repr`` of the time: it reads back exactly)."""
    return f"{name} ({size} bytes, mtime {mtime!r})"


def entry_state(path: Path) -> tuple[float, int]:
    """What the watcher compares: the newest modification time in the entry, and its own size (``lstat``)."""
    return newest_change(path), path.lstat().st_size


def parse_entry(text: str) -> tuple[str, float, int]:
    """``(name, mtime, size)`` of one line of the ``entries`` parameter; ``ValueError`` naming what is wrong.

    The name must be a plain entry name: no ``/``, not ``.`` or ``..``, not hidden, not partial (the parameter
    arrives through the API: it must not reach outside the inbox). ``accepted`` and ``rejected`` are names a file can
    have too (held in ``.inbox-state/held/`` until taken), so they are allowed here; ``check_entries`` takes only
    files under them, never the inbox's own folders."""
    match = _ENTRY.fullmatch(str(text).strip())
    if match is None:
        raise ValueError(f"entries: {text!r} is not of the form 'NAME (SIZE bytes, mtime SECONDS)'")
    name = match["name"]
    if "/" in name or "\0" in name or name in (".", "..") or name.startswith(".") or name.endswith(PARTIAL_SUFFIXES):
        raise ValueError(f"entries: {name!r} is not an entry the ingest flow takes from the inbox (a plain name at "
                         "its top level; not hidden or partial)")
    return name, float(match["mtime"]), int(match["size"])


def _where(inbox: Path, name: str) -> Path:
    """Where an entry the watcher saw is now: at the top of the inbox, or held (a file dropped as ``accepted`` or
    ``rejected`` waits in ``.inbox-state/held/``; the watcher lists those by their names too)."""
    top = Path(inbox) / name
    if name in (ACCEPTED, REJECTED) and top.is_dir() and not top.is_symlink():
        return Path(inbox) / HELD_DIR / name  # the inbox's own folder: never an entry
    if not top.exists() and not top.is_symlink() and (Path(inbox) / HELD_DIR / name).exists():
        return Path(inbox) / HELD_DIR / name
    return top


def check_entries(inbox: Path, entries: list[str]) -> tuple[list[Path], list[tuple[str, str]]]:
    """The entries of ``entries`` still as the watcher saw them (to take, whatever their age), and, for each of the
    others, ``(kind, "NAME: why")`` with kind ``gone``, ``changed`` or ``unreadable``. Raises ``ValueError`` for a
    malformed line (before anything is looked at)."""
    parsed = [parse_entry(text) for text in entries]
    take: list[Path] = []
    not_taken: list[tuple[str, str]] = []
    for name, mtime, size in parsed:
        path = _where(inbox, name)
        if not path.exists() and not path.is_symlink():
            not_taken.append(("gone", f"{name}: gone from the inbox (taken by another run, or removed)"))
            continue
        try:
            now_mtime, now_size = entry_state(path)
            if not (path.is_file() or path.is_dir()):
                raise OSError("neither a regular file nor a folder")
        except OSError as error:
            not_taken.append(("unreadable", f"{name}: cannot be read ({error}); left in the inbox"))
            continue
        if (now_mtime, now_size) != (mtime, size):
            not_taken.append(("changed", f"{name}: changed since the watcher saw it ({size} -> {now_size} bytes, "
                              f"mtime {mtime!r} -> {now_mtime!r}); the watcher creates a run for it once it has "
                              "settled"))
            continue
        take.append(path)
    return take, not_taken
