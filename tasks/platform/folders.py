"""Replacing a folder without ever destroying what the tool did not write.

A run folder (``--out``) or a snapshot folder (``snapshot --out-dir``) is assembled in a staging folder beside its
target, then swapped in. Before anything runs, the target is checked (``check_output_folder``): it is replaced
only when it is empty, absent, or a folder this tool wrote (``manifest.json`` / ``snapshot.json`` carrying the
project's schema id), and never when it is, or contains, an input, the checkout, the home folder or another
protected place. An existing regular file is never touched.

Staging folders carry a marker naming the process that made them (pid and start time). A run killed mid-way
leaves its staging folder behind; the next run in the same parent removes every staging folder whose process is
gone (``clean_stale``), and never one it cannot attribute to a dead process of this tool. The swap itself holds
SIGINT and SIGTERM back for its two renames, so a stop request cannot land between them.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import threading
import uuid
from pathlib import Path

RUN_SCHEMA = "inference-trends/run-manifest"
SNAPSHOT_SCHEMA = "inference-trends/snapshot"
NAME_PATTERN = r"^[a-z0-9][a-z0-9._\-]{0,99}$"
STAGING_MARKER = ".inference-trends-staging"
_STAGED = re.compile(r"^\..+\.(staging|old)-[0-9a-f]{8}$")


class UnsafeTarget(ValueError):
    """An output location the tool refuses to replace (the message says why and what to do)."""


def check_name(value: str, what: str) -> str:
    """A name that becomes part of a path: lower-case letters, digits, '.', '_' and '-', starting with a letter or
    digit (no '/', no '..' prefix): it can never leave the folder it is written into."""
    if not isinstance(value, str) or not re.fullmatch(NAME_PATTERN, value):
        raise ValueError(f"{what} {value!r} is not a valid name: use lower-case letters, digits, '.', '_' and '-', "
                         "starting with a letter or digit (at most 100 characters)")
    return value


def _is_within(inner: Path, outer: Path) -> bool:
    try:
        inner.relative_to(outer)
        return True
    except ValueError:
        return False


def tool_folder(path: Path, kind: str) -> bool:
    """Is ``path`` a folder this tool wrote: a run folder (``kind = "run"``) or a snapshot (``"snapshot"``)?"""
    path = Path(path)
    meta_file = path / ("manifest.json" if kind == "run" else "snapshot.json")
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(meta, dict):
        return False
    if meta.get("schema") == (RUN_SCHEMA if kind == "run" else SNAPSHOT_SCHEMA):
        return True
    # written before the schema id existed (steps 1-7): the keys only this tool writes
    legacy = {"schema_version", "run_id", "flow_run_id", "tasks", "code"} if kind == "run" else \
        {"name", "format", "sources", "row_counts", "attribution"}
    return legacy <= set(meta)


def protected_paths(inputs=()) -> list[tuple[Path, str]]:
    """What an output folder must never be or contain, each with how to name it in an error."""
    from tasks.platform.settings import PROJECT_ROOT

    found = [(PROJECT_ROOT.resolve(), "the project checkout"), (Path.home().resolve(), "the home folder"),
             (Path(Path.cwd().anchor).resolve(), "the file system root")]
    return found + [(Path(p).expanduser().resolve(), f"the input {p}") for p in inputs]


def check_output_folder(target: Path, kind: str, inputs=(), option: str = "--out") -> Path:
    """The resolved target, if the tool may write it; otherwise ``UnsafeTarget`` naming the reason. Touches
    nothing."""
    given = Path(target).expanduser()
    target = given.resolve()
    places = protected_paths(inputs)
    for place, what in [*((p, w) for p, w in places if p == target), *places]:  # "is" before "contains"
        if target == place or _is_within(place, target):
            relation = "is" if target == place else "contains"
            raise UnsafeTarget(f"{option} {given}: that folder {relation} {what}; refusing to replace it. Give a new "
                               f"folder, e.g. {option} {target / 'inference-trends-run'}")
    if given.is_symlink() or (target.exists() and not target.is_dir()):
        raise UnsafeTarget(f"{option} {given}: an existing file, not a folder; refusing to replace it. Give a "
                           "folder path")
    if target.is_dir():
        try:
            empty = not any(target.iterdir())
        except OSError as err:
            raise UnsafeTarget(f"{option} {given}: cannot list the folder ({err.strerror})") from None
        if not empty and not tool_folder(target, kind):
            marker = "manifest.json" if kind == "run" else "snapshot.json"
            raise UnsafeTarget(f"{option} {given}: the folder exists and is not a {kind} folder written by "
                               f"inference-trends (no {marker} with schema {RUN_SCHEMA if kind == 'run' else SNAPSHOT_SCHEMA!r}); "
                               "refusing to replace it. Give a new or empty folder, or move it away yourself")
    return target


# --- staging and the swap -----------------------------------------------------------------------------------------
def _start_time(pid: int) -> str | None:
    """A process's start time (Linux: /proc/PID/stat field 22), to tell a pid from a later reuse of it."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
        return text.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _alive(owner: dict) -> bool:
    pid = owner.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    started = _start_time(pid)
    return started is None or owner.get("started") in (None, started)


def _owner() -> dict:
    return {"pid": os.getpid(), "started": _start_time(os.getpid())}


def clean_stale(parent: Path) -> list[Path]:
    """Remove staging folders (and set-aside old folders) in ``parent`` left by processes that are gone; return
    what was removed. A folder without this tool's marker, or whose process still runs, is left alone."""
    parent = Path(parent)
    removed = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not _STAGED.match(entry.name) or entry.is_symlink() or not entry.is_dir():
            continue
        try:
            owner = json.loads((entry / STAGING_MARKER).read_text())
        except (OSError, ValueError):
            continue
        if isinstance(owner, dict) and not _alive(owner):
            final = parent / entry.name[1:].rsplit(".", 1)[0]
            if ".old-" in entry.name and not final.exists():
                os.replace(entry, final)  # killed between the two renames: the previous folder goes back
                (final / STAGING_MARKER).unlink(missing_ok=True)
                continue
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


@contextlib.contextmanager
def staging_folder(final: Path):
    """A new staging folder beside ``final`` (marked with this process), removed again if the block fails."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(final.parent)
    staging = final.parent / f".{final.name}.staging-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    (staging / STAGING_MARKER).write_text(json.dumps(_owner()))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


@contextlib.contextmanager
def _signals_held():
    """SIGINT and SIGTERM wait until the block is done (main thread only: other threads never get them)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def swap_in(staging: Path, final: Path, kind: str) -> None:
    """Move a fully written staging folder to ``final``, replacing a previous folder of this tool only now.

    The previous folder is checked again (it could have changed since the run started) and set aside under a
    marked name first, so that a crash between the two renames leaves it recoverable (``clean_stale``)."""
    staging, final = Path(staging), Path(final)
    (staging / STAGING_MARKER).unlink(missing_ok=True)
    with _signals_held():
        old = None
        if final.exists() or final.is_symlink():
            if final.is_symlink() or not final.is_dir() or (any(final.iterdir()) and not tool_folder(final, kind)):
                raise UnsafeTarget(f"{final} changed while the run was working and is no longer a {kind} folder "
                                   "of this tool; the new results are left in " + str(staging))
            old = final.parent / f".{final.name}.old-{uuid.uuid4().hex[:8]}"
            os.replace(final, old)
            (old / STAGING_MARKER).write_text(json.dumps(_owner()))
        try:
            os.replace(staging, final)
        except BaseException:
            if old is not None:
                os.replace(old, final)
                (final / STAGING_MARKER).unlink(missing_ok=True)
            raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
