"""Ingest adapters: one module per source format, each turning raw files into the canonical tables.

``detect_format`` looks at a file's or folder's content (never only its name); ``--format`` forces one.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from types import ModuleType

from tasks.data.ingest.common import SourceError
from tasks.data.ingest.reading import (MAX_JSON_DEPTH, check_input, json_depth_exceeds, read_head, read_input,
                                       special_entries)

# format name -> module; the order is the detection order (the most specific signature first)
ADAPTERS: dict[str, str] = {
    "snapshot": "tasks.data.ingest.snapshot",
    "epoch_prices": "tasks.data.ingest.epoch_prices",
    "user_csv": "tasks.data.ingest.user_csv",
    "futuretech_runs": "tasks.data.ingest.futuretech_runs",  # before futuretech: its files share the AA columns
    "futuretech": "tasks.data.ingest.futuretech",
    "aa_api": "tasks.data.ingest.aa_api",
    "aa_site": "tasks.data.ingest.aa_site",
    "models_dev": "tasks.data.ingest.models_dev",
    "llm_stats": "tasks.data.ingest.llm_stats",
    "epoch_models": "tasks.data.ingest.epoch_models",
}


def adapter(fmt: str) -> ModuleType:
    if fmt not in ADAPTERS:
        raise ValueError(f"unknown input format {fmt!r}; known formats: {', '.join(ADAPTERS)}")
    return importlib.import_module(ADAPTERS[fmt])


def all_files(path: Path) -> list[Path]:
    """Every regular file under an input (the input itself when it is a file), sorted; unreadable or looping
    entries are an error naming them. Entries that are not regular files: ``special_entries``."""
    path = Path(path)
    if not path.is_dir():
        return [path]
    found = []
    try:
        for entry in sorted(path.rglob("*")):
            if entry.is_file():
                found.append(entry)
    except OSError as err:
        raise SourceError(f"{path}: cannot list the folder ({err.strerror or err}: {err.filename})") from None
    return found


def members(fmt: str, path: Path) -> list[Path]:
    """The files of an input that its adapter reads."""
    module = adapter(fmt)
    return [Path(p) for p in module.members(path)] if hasattr(module, "members") else all_files(path)


def unused_files(fmt: str, path: Path) -> list[dict]:
    """Files of an input folder that its adapter does not read, each with the reason (listed as rejected inputs,
    never as inputs): regular files no adapter reads, and entries that are not regular files at all (a FIFO, a
    link to a device, a dangling link, a link loop: ``tasks.data.ingest.reading.special_entries``)."""
    read = {p.resolve() for p in members(fmt, path)}
    unused = [{"path": str(p), "format": fmt,
               "reason": f"not read: the {fmt} adapter reads {', '.join(sorted(q.name for q in read)) or 'nothing'} "
                         "in this folder, and no other adapter is applied to a folder's other files"}
              for p in all_files(path) if p.resolve() not in read]
    if Path(path).is_dir():
        unused += [{"path": str(p), "format": fmt, "reason": f"not read: {problem}; only regular files are read"}
                   for p, problem in special_entries(path)]
    return sorted(unused, key=lambda entry: entry["path"])


def json_problem(path: Path) -> str | None:
    """Why a file that looks like JSON (a .json name, or content starting with { or [) does not parse, or None: a
    truncated download is then rejected for what it is, not as an unknown format."""
    if not path.is_file():
        return None
    try:
        head = read_head(path, 64).lstrip()
        if not (path.suffix.lower() == ".json" or head[:1] in (b"{", b"[")):
            return None
        data = read_input(path)
        if json_depth_exceeds(data):
            return f"JSON nested deeper than {MAX_JSON_DEPTH} levels, the limit (tasks/data/ingest/reading.py)"
        json.loads(data)
    except (OSError, SourceError):
        return None
    except (ValueError, UnicodeDecodeError, RecursionError) as err:
        return f"not valid JSON, truncated or corrupt? ({type(err).__name__}: {err}; the file has {path.stat().st_size} bytes)"
    return None


def detect_format(path: Path) -> str:
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise FileNotFoundError(f"input {path} does not exist")
    check_input(path)  # a file input must be a regular file within the byte limit (never a FIFO or a device)
    try:
        for fmt in ADAPTERS:
            if adapter(fmt).sniff_any(path):
                return fmt
    except OSError as err:
        raise SourceError(f"{path}: cannot be read ({err.strerror or err})") from None
    if path.is_dir():
        found: dict[str, list[str]] = {}
        for file in all_files(path):
            fmt = next((f for f in ADAPTERS if f != "snapshot" and adapter(f).sniff_any(file)), None)
            found.setdefault(fmt or "unrecognised", []).append(file.name)
        described = "; ".join(f"{len(names)} {fmt} file(s) ({', '.join(names[:5])}{', ...' if len(names) > 5 else ''})"
                              for fmt, names in found.items()) or "no files"
        raise SourceError(f"{path}: no adapter reads this folder as one input. It holds {described}. A folder input "
                          "is one source (e.g. one FutureTech CSV, or one day's scrapes); give files of several "
                          "sources with one --input each")
    problem = json_problem(path)
    if problem:
        raise SourceError(f"{path}: {problem}; no adapter can read it")
    raise SourceError(
        f"{path}: no adapter recognises this input by its content; force one with --format "
        f"({', '.join(ADAPTERS)})"
    )
