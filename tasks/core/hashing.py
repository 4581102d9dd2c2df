"""Content hashes of bytes, files and folders (what cache keys, lineage and integrity checks are made of)."""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """sha256 of a file's bytes; remembered per (path, size, modification time, inode), so that the many lookups of
    one run (cache keys, lineage, integrity checks) read each file once. A rewritten file gets a new entry."""
    stat = os.stat(path)
    return _sha256_file(os.fspath(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)


@functools.lru_cache(maxsize=65536)
def _sha256_file(path: str, size: int, mtime_ns: int, inode: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_tree(path: Path, pattern: str = "*") -> str:
    """Hash of a file, or of a folder's files matching ``pattern`` (relative names and contents, sorted).

    Hidden files and ``__pycache__`` folders are ignored.
    """
    path = Path(path)
    if path.is_file():
        return sha256_file(path)
    if not path.is_dir():
        raise FileNotFoundError(f"cannot hash {path}: no such file or folder")
    digest = hashlib.sha256()
    items = (p for p in path.rglob(pattern) if p.is_file())
    for item in sorted(p for p in items if not _ignored(p.relative_to(path))):
        digest.update(item.relative_to(path).as_posix().encode())
        digest.update(b"\0")
        digest.update(sha256_file(item).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _ignored(relative: Path) -> bool:
    return any(part.startswith(".") or part == "__pycache__" for part in relative.parts)
