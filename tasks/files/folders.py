"""Replacing a folder without ever destroying what the tool did not write.

A run folder (``--out``) or a snapshot folder (``snapshot --out-dir``) is assembled in a staging folder beside its
target, then swapped in. Before anything runs, the target is checked (``check_output_folder``), and again just
before the swap (``swap_in``): it is replaced only when it is absent, empty, or holds nothing but what this tool
wrote there. Its ``manifest.json`` (``snapshot.json``) lists every file the tool wrote with its sha256
(``outputs``; a snapshot's ``files``), and the folder may hold nothing else: no other file, no file whose bytes
changed since, no other folder, no link. Anything else is named in the refusal (the first few and the count), so
that a user's notes, an edited report or a folder that only carries a copied ``manifest.json`` are never lost. A
run folder whose ``manifest.json`` lists no files (none written by this tool; a hand-made one) is refused too. A
snapshot folder written before ``snapshot.json`` listed its files (the bundled ``data/snapshots/*``) is replaced
only when it holds nothing but the files a snapshot consists of, by name (``SNAPSHOT_FILES``). The target is never
an input, the checkout, the home folder or another protected place, and an existing regular file or link is
never touched.

Staging folders carry a marker naming the process that made them (pid and start time). A run killed mid-way
leaves its staging folder behind; the next run in the same parent removes every staging folder whose process is
gone (``clean_stale``), and never one it cannot attribute to a dead process of this tool. The swap itself holds
SIGINT and SIGTERM back for its two renames, so a stop request cannot land between them. When the previous
folder changed while the run was working, the new results are kept beside it (``NAME.new-XXXXXXXX``) and named.
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

from tasks.core.hashing import sha256_file
from tasks.files.io import json_text

RUN_SCHEMA = "inference-trends/run-manifest"
SNAPSHOT_SCHEMA = "inference-trends/snapshot"
NAME_PATTERN = r"^[a-z0-9][a-z0-9._\-]{0,99}$"
STAGING_MARKER = ".inference-trends-staging"
_STAGED = re.compile(r"^\..+\.(staging|old)-[0-9a-f]{8}$")
META_FILE = {"run": "manifest.json", "snapshot": "snapshot.json"}
FILE_LIST = {"run": "outputs", "snapshot": "files"}  # the key of the meta file's list of {path, sha256}
# what build-snapshot writes (tasks/stages/snapshot.py: the canonical tables' CSVs, and the entity resolution's three
# files): a snapshot folder without a file list may hold these names and nothing else
SNAPSHOT_FILES = frozenset({"models.csv", "benchmarks.csv", "prices.csv", "ingest_issues.csv", "runs.csv",
                            "resolution.csv", "conflicts.csv", "field_sources.csv"})
SHOWN = 5  # names listed in a refusal (then the count of the others)


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


def _meta(path: Path, kind: str) -> dict | None:
    """The folder's manifest.json / snapshot.json, if this tool wrote it (its schema id, or for a folder written
    before the schema id existed, steps 1-7, the keys only this tool writes); else None."""
    try:
        meta = json.loads((Path(path) / META_FILE[kind]).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict):
        return None
    if meta.get("schema") == (RUN_SCHEMA if kind == "run" else SNAPSHOT_SCHEMA):
        return meta
    legacy = {"schema_version", "run_id", "flow_run_id", "tasks", "code"} if kind == "run" else \
        {"name", "format", "sources", "row_counts", "attribution"}
    return meta if legacy <= set(meta) else None


def file_list(folder: Path) -> list[dict]:
    """``[{"path", "sha256"}]`` of every regular file under ``folder`` (relative paths, sorted; the staging
    marker left out): what a manifest lists so that the folder can be recognised as this tool's later."""
    folder = Path(folder)
    return [{"path": p.relative_to(folder).as_posix(), "sha256": sha256_file(p)}
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink() and p.name != STAGING_MARKER]


def _contents(folder: Path) -> tuple[dict[str, Path], list[str], list[str]]:
    """Regular files (relative path -> path), folders, and anything else (links, sockets ...) under ``folder``,
    links not followed."""
    files: dict[str, Path] = {}
    folders: list[str] = []
    other: list[str] = []
    stack = [Path(folder)]
    while stack:
        current = stack.pop()
        with os.scandir(current) as entries:
            for entry in entries:
                relative = Path(entry.path).relative_to(folder).as_posix()
                if entry.is_symlink():
                    other.append(f"{relative} (a link)")
                elif entry.is_dir(follow_symlinks=False):
                    folders.append(relative)
                    stack.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    files[relative] = Path(entry.path)
                else:
                    other.append(f"{relative} (not a regular file)")
    return files, folders, other


def _some(names: list[str], noun: str, nouns: str) -> str:
    """``"2 files (a, b)"``: the count, then the first ``SHOWN`` names."""
    shown = ", ".join(names[:SHOWN]) + (f", ... ({len(names) - SHOWN} more)" if len(names) > SHOWN else "")
    return f"{len(names)} {noun if len(names) == 1 else nouns} ({shown})"


def replace_refusal(folder: Path, kind: str) -> str | None:
    """Why the existing folder ``folder`` must not be replaced by a ``kind`` folder ("run" or "snapshot"), or None
    when it may (see the module docstring). Reads the folder (hashes its files); changes nothing."""
    folder = Path(folder)
    files, folders, other = _contents(folder)
    if not files and not folders and not other:
        return None
    meta_name = META_FILE[kind]
    meta = _meta(folder, kind) if meta_name in files else None
    if meta is None:
        return (f"the folder exists and is not a {kind} folder written by inference-trends (no {meta_name} with "
                f"schema {RUN_SCHEMA if kind == 'run' else SNAPSHOT_SCHEMA!r}); refusing to replace it. Give a new "
                "or empty folder, or move it away yourself")
    entries = meta.get(FILE_LIST[kind])
    if isinstance(entries, list) and all(isinstance(e, dict) and isinstance(e.get("path"), str)
                                         and isinstance(e.get("sha256"), str) for e in entries):
        listed: dict[str, str | None] = {e["path"]: e["sha256"] for e in entries}
    elif kind == "snapshot" and entries is None:  # written before snapshot.json listed its files: by name only
        listed = dict.fromkeys(SNAPSHOT_FILES)
    elif not folders and not other and set(files) <= {meta_name, STAGING_MARKER}:
        return None  # nothing but its manifest: nothing to lose
    else:
        return (f"its {meta_name} lists no files, so what it holds besides this tool's outputs cannot be told; "
                "refusing to replace it. Move what you want to keep out of it and delete the folder yourself, or "
                "give a new folder")
    ours = {meta_name, STAGING_MARKER}
    unlisted = sorted(name for name in files if name not in listed and name not in ours)
    changed = sorted(name for name, path in files.items()
                     if listed.get(name) is not None and sha256_file(path) != listed[name])
    parents = {parent.as_posix() for name in listed for parent in Path(name).parents}
    unlisted += [f"{name}/" for name in sorted(folders)
                 if name not in parents and not any(u.startswith(f"{name}/") for u in unlisted)]
    unlisted += sorted(other)
    if not unlisted and not changed:
        return None
    problems = []
    if changed:
        problems.append(f"{_some(changed, 'file', 'files')} changed since inference-trends wrote "
                        f"{'it' if len(changed) == 1 else 'them'}")
    if unlisted:
        nouns = ("file", "files") if all(name in files for name in unlisted) else ("entry", "entries")
        problems.append(f"{_some(sorted(unlisted), *nouns)} not listed in its {meta_name}")
    return (f"the folder holds what inference-trends did not write there: {'; '.join(problems)}; refusing to "
            "replace it. Move them out of the folder and rerun, or give a new folder")


def protected_paths(inputs=()) -> list[tuple[Path, str]]:
    """What an output folder must never be or contain, each with how to name it in an error."""
    from tasks.files.settings import PROJECT_ROOT

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
            reason = replace_refusal(target, kind)
        except OSError as err:
            raise UnsafeTarget(f"{option} {given}: cannot read the folder ({err.strerror}: {err.filename})") \
                from None
        if reason:
            raise UnsafeTarget(f"{option} {given}: {reason}")
    return target


# --- staging and the swap -----------------------------------------------------------------------------------------
def start_time(pid: int) -> str | None:
    """A process's start time (Linux: /proc/PID/stat field 22), to tell a pid from a later reuse of it."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
        return text.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def alive(owner: dict) -> bool:
    pid = owner.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    started = start_time(pid)
    return started is None or owner.get("started") in (None, started)


def _owner() -> dict:
    return {"pid": os.getpid(), "started": start_time(os.getpid())}


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
        if isinstance(owner, dict) and not alive(owner):
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
    (staging / STAGING_MARKER).write_text(json_text(_owner(), "staging marker"))
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

    The previous folder is checked again (it could have changed since the run started: ``replace_refusal``); if it
    may no longer be replaced, the new results are kept beside it (``NAME.new-XXXXXXXX``) and the error names
    them. Otherwise it is set aside under a marked name first, so that a crash between the two renames leaves it
    recoverable (``clean_stale``)."""
    staging, final = Path(staging), Path(final)
    (staging / STAGING_MARKER).unlink(missing_ok=True)
    reason = None
    if final.is_symlink() or (final.exists() and not final.is_dir()):
        reason = "it is no longer a folder"
    elif final.is_dir():
        try:
            reason = replace_refusal(final, kind)
        except OSError as err:
            reason = f"it cannot be read ({err.strerror}: {err.filename})"
    if reason:
        kept = final.parent / f"{final.name}.new-{uuid.uuid4().hex[:8]}"
        os.replace(staging, kept)
        raise UnsafeTarget(f"{final} changed while the run was working: {reason.split('; refusing')[0]}; it was "
                           f"not replaced, and the new results are in {kept}")
    with _signals_held():
        old = None
        if final.exists():
            old = final.parent / f".{final.name}.old-{uuid.uuid4().hex[:8]}"
            os.replace(final, old)
            (old / STAGING_MARKER).write_text(json_text(_owner(), "staging marker"))
        try:
            os.replace(staging, final)
        except BaseException:
            if old is not None:
                os.replace(old, final)
                (final / STAGING_MARKER).unlink(missing_ok=True)
            raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
