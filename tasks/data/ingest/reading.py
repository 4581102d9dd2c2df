"""Reading an input file: one gate for every adapter, the input limits, and one strict JSON loader.

**The gate** (``open_input``, ``read_input``, ``check_input``): every raw file an adapter reads goes through it.

- Only regular files are read (after following links). A FIFO, a device (a link to ``/dev/zero``), a socket, a
  folder, a dangling link or a link loop is an error naming the file and what it is. The file's type is looked up
  before opening (a FIFO is never opened: opening one for reading blocks until a writer comes), and checked again on
  the opened descriptor (``fstat``), so that a file swapped for something else between the two is refused as well.
  The file is opened with ``O_NONBLOCK``, so that even that swap cannot make the open block.
- At most ``max_input_bytes()`` bytes: ``INFERENCE_TRENDS_MAX_INPUT_BYTES``, default 256 MiB (the largest input
  of ``../shared/data`` has 1 MB; a 200,000-row CSV of the FutureTech layout about 45 MB, and a JSON file at the
  limit parses in about 7 s into about 1.7 GB). A larger file is an error naming the limit and how to raise it,
  before anything is read; a file that grows while it is read stops at the limit too. The decoded content of an
  archive counts against the same limit (``tasks.data.ingest.common.read_archive``).
- At most ``max_input_rows()`` records: ``INFERENCE_TRENDS_MAX_INPUT_ROWS``, default 200,000, for the data rows of
  a CSV (``tasks.data.ingest.csvfile``) and the records of a JSON file or an archive alike (``check_records``).

Folders: ``special_entries`` names the entries of an input folder that are not regular files, each with the
reason; the run lists them under "not read" (``tasks.data.ingest.unused_files``), ``--strict`` refuses them.

**The JSON loader** (``load_json``), strict where Python's ``json`` is lenient:

- ``NaN``, ``Infinity`` and ``-Infinity`` (not JSON, but Python reads them), and numbers beyond the range of a
  float (``1e400``, a 400-digit integer) are errors naming the file, the record and the field (JSONPath);
- a key given twice in one object is an error naming the key and the record (Python keeps the last value silently;
  other parsers keep the first: which one the source meant cannot be told);
- nesting deeper than ``MAX_JSON_DEPTH`` (100) levels is an error found by a cheap scan before parsing (Python's
  parser recurses, and would fail with a bare ``RecursionError``); real sources nest 4 levels at most;
- text that is not UTF-8, or not JSON, is an error with the line and column.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import numpy as np

from tasks.data.ingest.common import SourceError

MAX_BYTES_ENV = "INFERENCE_TRENDS_MAX_INPUT_BYTES"
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
MAX_ROWS_ENV = "INFERENCE_TRENDS_MAX_INPUT_ROWS"
DEFAULT_MAX_ROWS = 200_000
MAX_JSON_DEPTH = 100


def env_limit(env: str, default: int) -> int:
    value = os.environ.get(env, "")
    if not value.strip():
        return default
    try:
        limit = int(value)
    except ValueError:
        raise SourceError(f"{env}={value!r} is not a whole number") from None
    if limit < 1:
        raise SourceError(f"{env}={value!r} must be at least 1")
    return limit


def max_input_bytes() -> int:
    """The most bytes one input file may have (``INFERENCE_TRENDS_MAX_INPUT_BYTES``, default 256 MiB)."""
    return env_limit(MAX_BYTES_ENV, DEFAULT_MAX_BYTES)


def max_input_rows() -> int:
    """The most data rows or records one input file may have (``INFERENCE_TRENDS_MAX_INPUT_ROWS``, default
    200,000)."""
    return env_limit(MAX_ROWS_ENV, DEFAULT_MAX_ROWS)


def too_many_records(path, count: int, what: str = "records") -> SourceError:
    limit = max_input_rows()
    return SourceError(f"{path}: more than {limit:,} {what}, the limit for one input file ({count:,} found); split "
                       f"the file, or raise the limit with {MAX_ROWS_ENV}")


def check_records(path, count: int, what: str = "records") -> None:
    """An error naming the limit when one input holds more records than ``max_input_rows()``."""
    if count > max_input_rows():
        raise too_many_records(path, count, what)


# --- the gate ---------------------------------------------------------------------------------------------------
def kind_of(mode: int) -> str:
    """What a file of this mode is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def not_regular(path) -> str | None:
    """Why ``path`` is not a regular file once links are followed (None when it is one)."""
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "a link loop (following its links never reaches a file)"
        if err.errno == errno.ENOENT and os.path.islink(path):
            return f"a dangling link (its target {os.readlink(path)!r} does not exist)"
        if err.errno == errno.ENOENT:
            return "does not exist"
        return f"cannot be examined ({err.strerror or err})"
    if stat.S_ISREG(mode):
        return None
    if os.path.islink(path):
        return f"a link to {kind_of(mode)} ({os.path.realpath(path)})"
    return kind_of(mode)


def _refused(path, problem: str) -> SourceError:
    return SourceError(f"{path}: {problem}; only regular files are read")


def _too_big(path, size: int | None, limit: int) -> SourceError:
    has = f"{size:,} bytes" if size is not None else "more bytes"
    return SourceError(f"{path}: {has}, more than {limit:,}, the limit for one input file; raise the limit with "
                       f"{MAX_BYTES_ENV} (bytes)")


@contextmanager
def open_input(path) -> Iterator[BinaryIO]:
    """The open file (binary), once it is known to be a regular file within the byte limit (see the module's
    docstring). Reading from it past the limit is the caller's business (``read_input`` stops there)."""
    path = Path(path)
    problem = not_regular(path)  # before opening: a FIFO is never opened
    if problem:
        raise _refused(path, problem)
    limit = max_input_bytes()
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        raise SourceError(f"{path}: cannot be read ({err.strerror or err})") from None
    try:
        info = os.fstat(fd)  # the opened file itself: swapped after the check above, it is refused here
        if not stat.S_ISREG(info.st_mode):
            raise _refused(path, kind_of(info.st_mode))
        if info.st_size > limit:
            raise _too_big(path, info.st_size, limit)
        os.set_blocking(fd, True)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        yield handle


def read_input(path) -> bytes:
    """Every byte of a regular input file, at most ``max_input_bytes()`` of them (see the module's docstring)."""
    limit = max_input_bytes()
    with open_input(path) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:  # it grew while it was read
        raise _too_big(path, None, limit)
    return data


def read_head(path, size: int = 64 * 1024) -> bytes:
    """The first bytes of an input file (for sniffing), through the gate: b"" for anything that is not a readable
    regular file, so that sniffing never blocks on a FIFO nor reads a device."""
    try:
        with open_input(path) as handle:
            return handle.read(size)
    except (SourceError, OSError):
        return b""


def check_input(path) -> None:
    """An input given as a file must pass the gate (a folder is listed with ``special_entries`` instead)."""
    path = Path(path)
    if path.is_dir():
        return
    with open_input(path):
        pass


def special_entries(folder) -> list[tuple[Path, str]]:
    """The entries under an input folder that are not regular files (FIFOs, devices, sockets, dangling links, link
    loops), each with the reason; folders and links to folders are walked as ``all_files`` walks them."""
    found = []
    for root, dirs, names in os.walk(folder):
        for name in sorted(names + [d for d in dirs if os.path.islink(os.path.join(root, d))]):
            entry = Path(root) / name
            if os.path.isdir(entry):
                continue
            problem = not_regular(entry)
            if problem:
                found.append((entry, problem))
    return sorted(found)


# --- the JSON loader ----------------------------------------------------------------------------------------
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_CHUNK = 1 << 22


def json_depth_exceeds(data: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Does JSON text nest deeper than ``limit``? A cheap scan (strings removed, brackets counted with numpy), done
    before parsing."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    stripped = _JSON_STRING.sub(b"", data)
    depth = 0
    for start in range(0, len(stripped), _CHUNK):
        chunk = np.frombuffer(stripped, dtype=np.uint8, count=min(_CHUNK, len(stripped) - start), offset=start)
        step = ((chunk == 0x5B) | (chunk == 0x7B)).astype(np.int32) - ((chunk == 0x5D) | (chunk == 0x7D))
        levels = np.cumsum(step) + depth
        if len(levels):
            if levels.max() > limit:
                return True
            depth = int(levels[-1])
    return False


class _Problem:
    """A value the loader refuses, kept in place until the whole text is parsed, then reported with its path."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message


class _Duplicates(dict):
    """An object that had a key twice (its first value kept here; the loader refuses it)."""

    keys_twice: list


def _locate(value, trail=()) -> tuple[tuple, str] | None:
    """The path to the first refused value or object (document order), and why."""
    stack = [(value, trail)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, _Problem):
            return where, item.message
        if isinstance(item, _Duplicates):
            return where, (f"key {item.keys_twice[0]!r} is given twice in one object: which value is meant cannot "
                           "be told (parsers disagree); keep one")
        if isinstance(item, dict):
            stack.extend((v, (*where, k)) for k, v in reversed(list(item.items())))
        elif isinstance(item, list):
            stack.extend((v, (*where, i)) for i, v in reversed(list(enumerate(item))))
    return None


def json_path(trail: tuple) -> str:
    """('data', 3, 'pricing') -> '$.data[3].pricing'."""
    text = "$"
    for part in trail:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if re.fullmatch(r"[A-Za-z_][\w-]*", part)
                                                           else f"[{json.dumps(part)}]")
    return text


def where_in(trail: tuple) -> str:
    """'record 4 ($.data[3].pricing)': the first list index on the path is the record (1 = the first)."""
    index = next((part for part in trail if isinstance(part, int)), None)
    return (f"record {index + 1} ({json_path(trail)})" if index is not None else json_path(trail))


def loads_strict(data: bytes, name) -> object:
    """Parse JSON bytes strictly (see the module's docstring); errors start with ``name`` (a file, or an archive
    and its member)."""
    if json_depth_exceeds(data):
        raise SourceError(f"{name}: JSON nested deeper than {MAX_JSON_DEPTH} levels, the limit "
                          "(tasks/data/ingest/reading.py MAX_JSON_DEPTH); not a data file this tool reads")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SourceError(f"{name}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    refused = []

    def constant(word: str):
        refused.append(word)
        return _Problem(f"{word} is not a number JSON allows (NaN and Infinity are refused)")

    def floating(token: str):
        value = float(token)
        if not math.isfinite(value):
            refused.append(token)
            return _Problem(f"number {token} is beyond the range of a float")
        return value

    def integer(token: str):
        digits = len(token.lstrip("-"))
        if digits > 310 or abs(value := int(token)) > sys.float_info.max:
            refused.append(token)
            return _Problem(f"integer of {digits} digits ({token[:12]}...) is beyond the range of a float")
        return value

    def pairs(items: list) -> dict:
        result = dict(items)
        if len(result) < len(items):
            seen, twice = set(), []
            for key, _ in items:
                if key in seen and key not in twice:
                    twice.append(key)
                seen.add(key)
            refused.append(twice)
            result = _Duplicates(result)
            result.keys_twice = twice
        return result

    try:
        value = json.loads(text, parse_constant=constant, parse_float=floating, parse_int=integer,
                           object_pairs_hook=pairs)
    except json.JSONDecodeError as err:
        raise SourceError(f"{name}: not valid JSON (truncated or damaged?) at line {err.lineno}, column "
                          f"{err.colno}: {err.msg}") from None
    except RecursionError:  # the depth scan makes this unreachable; kept so that it never escapes unnamed
        raise SourceError(f"{name}: JSON nested too deeply to parse") from None
    if refused:
        trail, message = _locate(value)
        raise SourceError(f"{name}, {where_in(trail)}: {message}")
    return value


def sniff_json(path) -> object:
    """A JSON file's content for sniffing (lenient: a file with a NaN is still recognised, and then refused by
    ``load_json`` with the reason); None when it cannot be read or parsed."""
    try:
        data = read_input(path)
    except (SourceError, OSError):
        return None
    if json_depth_exceeds(data):
        return None
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def load_json(path) -> object:
    """A JSON input file, through the gate and the strict loader."""
    return loads_strict(read_input(path), path)
