"""The content cache on shared storage, so that workers on several machines share intermediates and results.

Set ``INFERENCE_TRENDS_SHARED_CACHE`` to any fsspec URL every worker reaches: ``s3://bucket/inference-trends``
(with ``s3fs`` installed), ``gs://...`` (``gcsfs``), ``az://...`` (``adlfs``), or ``file:///mnt/shared/cache`` on a
shared mount. Then:

- every file written to the local cache folder (content-addressed: its name holds its hash) is also put on the
  shared store, under the same relative path (``share``, called by ``tasks.files.io``'s cache writers);
- a cache file a task needs but this machine lacks (another worker computed it) is fetched from the store to its
  local path before it is hashed or read (``ensure_local``, called by ``tasks.platform.caching`` and ``tasks.files.io``);
- Prefect's persisted task results, which hold the cache keys, live on the store too (a saved Prefect storage block,
  ``LocalFileSystem`` for ``file://`` URLs and ``RemoteFileSystem`` otherwise, named after the URL's hash), so a task
  computed on one machine is served from cache on every other.

Task results name cache files by absolute path, so every worker uses the same local cache path
(``INFERENCE_TRENDS_CACHE_DIR``, e.g. ``/var/cache/inference-trends``: the same image or mount on each machine).
The local folder is a working copy: deleting it loses nothing that is on the store.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from tasks.files.settings import cache_dir

SHARED_ENV = "INFERENCE_TRENDS_SHARED_CACHE"
RESULTS_FOLDER = "prefect-results"


def shared_url() -> str | None:
    url = os.environ.get(SHARED_ENV, "").strip()
    return url.rstrip("/") or None


@functools.cache
def filesystem(url: str):
    import fsspec

    return fsspec.core.url_to_fs(url)  # (filesystem, root path on it)


def _relative(path: Path) -> str | None:
    try:
        return Path(path).resolve().relative_to(cache_dir().resolve()).as_posix()
    except ValueError:
        return None


def share(path: Path) -> Path:
    """Put a local cache file on the shared store (once: its name is content-addressed)."""
    url = shared_url()
    relative = _relative(path) if url else None
    if relative is None or relative.startswith(RESULTS_FOLDER + "/"):
        return path
    fs, root = filesystem(url)
    remote = f"{root}/{relative}"
    if not fs.exists(remote):
        fs.makedirs(remote.rsplit("/", 1)[0], exist_ok=True)
        partial = f"{remote}.{uuid.uuid4().hex}.partial"
        fs.put_file(str(path), partial)
        fs.mv(partial, remote)  # readers never see a half-written file
    return path


def ensure_local(path: Path) -> bool:
    """True if ``path`` exists here, fetching it from the shared store first when it is a cache file we lack."""
    path = Path(path)
    if path.exists():
        return True
    url = shared_url()
    relative = _relative(path) if url else None
    if relative is None:
        return False
    fs, root = filesystem(url)
    remote = f"{root}/{relative}"
    if not fs.exists(remote):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.parent / f".{path.name}.{uuid.uuid4().hex}.partial"
    try:
        fs.get_file(remote, str(partial))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return True


def localize(value) -> None:
    """``ensure_local`` for every cache file a task result names (in dicts, lists, tuples, pydantic models)."""
    from pydantic import BaseModel

    if isinstance(value, Path):
        ensure_local(value)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            localize(getattr(value, name))
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):  # a typed hand-off
        for found in dataclasses.fields(value):
            localize(getattr(value, found.name))
    elif isinstance(value, dict):
        for item in value.values():
            localize(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            localize(item)


def block_name(url: str) -> str:
    return "inference-trends-results-" + hashlib.sha256(url.encode()).hexdigest()[:10]


def result_storage_slug() -> str | None:
    """The Prefect storage block (``type-slug/name``) of the shared results, or None for the local default."""
    url = shared_url()
    if url is None:
        return None
    kind = "local-file-system" if urlsplit(url).scheme == "file" else "remote-file-system"
    return f"{kind}/{block_name(url)}"
