"""Content-keyed caching for Prefect tasks: a cached number is never stale.

A task's cache key is the sha256 of
- the task's name;
- the *code* it runs: the source of the task's module and of every project module it imports, transitively
  (``tasks``, ``schemas``; parsed with ``ast`` so comments and blank lines do not count), plus the versions of the
  numerical libraries. Prefect's ``TASK_SOURCE`` hashes only the task function's own lines, so a change inside a
  helper it calls would go unnoticed; here, editing ``tasks/core/stats.py`` invalidates exactly the tasks whose modules
  import it, and nothing else;
- its *inputs by content*: a ``Path`` argument counts by the sha256 of the file and its base name (dated files
  carry their observation date in the name), or of every file of a folder, a
  pydantic model by its JSON, anything else by its JSON form.

Results are persisted to Prefect's result storage (``data/cache/prefect-results`` by default, see
``tasks.files.settings``); tasks return paths of content-addressed Parquet files written under ``data/cache``.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import enum
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from prefect import task
from prefect.cache_policies import CachePolicy
from prefect.filesystems import LocalFileSystem, RemoteFileSystem

from tasks.core.hashing import sha256_bytes, sha256_file, sha256_tree
from tasks.files.settings import cache_dir
from tasks.files.storage import (RESULTS_FOLDER, block_name, filesystem, ensure_local, result_storage_slug,
                                    shared_url)

PROJECT_PACKAGES = ("tasks", "schemas")
# Registries: their own code counts, the modules they list do not. ``tasks.methods`` imports every method; a fit batch
# names its own method's module (``cached_task(code=...)``) and the report and figure tasks name every method's, so
# editing one method recomputes that method's fits only.
CLOSURE_LEAVES = frozenset({"tasks.methods"})
# Library versions that can change numbers; part of every code hash.
NUMERIC_LIBRARIES = ("numpy", "pandas", "pyarrow", "scipy", "statsmodels", "pandera", "matplotlib")


def _module_file(module: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):  # "pkg.module.Name": an attribute, not a module
        return None
    if spec is None or spec.origin in (None, "built-in", "frozen"):
        return None
    return Path(spec.origin)


_STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")  # where statements nest (never in expressions)


def _import_statements(tree: ast.AST) -> tuple[tuple[int, str | None, tuple[str, ...]], ...]:
    """Every import statement of a parsed module, anywhere in it (in functions, classes, ``if``/``try`` blocks...):
    (level, module or None for ``import x``, names). Imports are statements, so only statements are visited."""
    found = []
    todo = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import):
            found.append((0, None, tuple(alias.name for alias in node.names)))
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or "", tuple(alias.name for alias in node.names)))
        for field in _STATEMENT_LISTS:
            todo.extend(getattr(node, field, ()))
    return tuple(found)


def _project_modules_of(module: str, statements) -> set[str]:
    """Project modules that ``module`` imports (absolute and relative imports; ``statements``: its
    ``_import_statements``)."""
    found: set[str] = set()
    package = module if _is_package(module) else module.rpartition(".")[0]
    for level, base, aliases in statements:
        if base is None:  # import a, b.c
            names = list(aliases)
        else:
            if level:
                parts = package.split(".")
                parts = parts[: len(parts) - (level - 1)]
                base = ".".join(parts + ([base] if base else []))
            names = [base] + [f"{base}.{alias}" for alias in aliases]
        for name in names:
            if name.split(".")[0] in PROJECT_PACKAGES and _module_file(name) is not None:
                found.add(name)
    return found


def _is_package(module: str) -> bool:
    path = _module_file(module)
    return path is not None and path.name == "__init__.py"


def _normalised_source(path: Path) -> str:
    return ast.dump(ast.parse(path.read_text(encoding="utf-8")), include_attributes=False)


@dataclass(frozen=True)
class _SourceFacts:
    normalised_sha256: str  # sha256 of ``_normalised_source``
    imports: tuple  # ``_import_statements``


_SOURCE_FACTS: dict[str, _SourceFacts] = {}  # sha256 of a source file's bytes -> what its code hash needs


def _source_facts(path: Path) -> _SourceFacts:
    """A module file's normalised-source hash and import statements, from one parse per file content per process
    (a module shared by many closures is read, hashed by its bytes, and parsed once, not once per closure); keyed by
    the bytes, so an edited file is parsed again."""
    data = path.read_bytes()
    key = sha256_bytes(data)
    facts = _SOURCE_FACTS.get(key)
    if facts is None:
        # decoded as ``_normalised_source`` reads it (``read_text``: universal newlines), so the hash is the same
        tree = ast.parse(data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n"))
        facts = _SourceFacts(sha256_bytes(ast.dump(tree, include_attributes=False).encode()), _import_statements(tree))
        _SOURCE_FACTS[key] = facts
    return facts


@functools.cache
def module_closure(module: str) -> tuple[str, ...]:
    """``module`` and every project module it imports, transitively (with their parent packages), sorted."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _module_file(name)
        if path is None:
            continue
        parts = name.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))
        if name not in CLOSURE_LEAVES:
            todo.extend(_project_modules_of(name, _source_facts(path).imports))
    return tuple(sorted(seen))


_CODE_HASH_LOCK = threading.Lock()  # ast.parse is not safe under concurrent first use (CPython SystemError)


def code_hash(module: str) -> str:
    """sha256 of the normalised source of ``module``'s closure and of the numerical libraries' versions."""
    with _CODE_HASH_LOCK:
        return _code_hash(module)


@functools.cache
def _code_hash(module: str) -> str:
    digest = hashlib.sha256()
    for name in module_closure(module):
        path = _module_file(name)
        if path is None:
            continue
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(_source_facts(path).normalised_sha256.encode())
        digest.update(b"\n")
    digest.update(_library_versions().encode())
    return digest.hexdigest()


@functools.cache
def _library_versions() -> str:
    """The numerical libraries' versions (read once per process: each read parses a package's metadata)."""
    lines = []
    for library in NUMERIC_LIBRARIES:
        try:
            version = importlib.metadata.version(library)
        except importlib.metadata.PackageNotFoundError:
            version = "absent"
        lines.append(f"{library}=={version}\n")
    return "".join(lines)


def stable_form(value: Any) -> Any:
    """A JSON-serialisable form of ``value`` in which files count by content and base name (not by folder), and
    folders by the names and contents of their files."""
    from pydantic import BaseModel

    if isinstance(value, Path):
        ensure_local(value)  # a cache file another worker wrote: fetched from the shared store (tasks.files.storage)
        if value.is_file():  # a file's name can carry meaning: the observation date of a dated scrape
            return {"name": value.name, "sha256": sha256_file(value)}
        if not value.exists():  # an optional file that is absent (the task decides what that means): a stable key
            return {"name": value.name, "absent": True}
        return {"sha256": sha256_tree(value)}
    if isinstance(value, BaseModel):
        return stable_form(value.model_dump(mode="json"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # a typed hand-off: its files by content
        return {"type": type(value).__name__,
                **{f.name: stable_form(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, dict):
        return {str(key): stable_form(value[key]) for key in sorted(value, key=str)}
    if isinstance(value, (list, tuple)):
        return [stable_form(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted((stable_form(item) for item in value), key=json.dumps)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(
        f"cannot build a content cache key from a {type(value).__name__}; pass a Path, a pydantic model, a "
        "dataclass or plain values"
    )


def code_modules(fn) -> tuple[str, ...]:
    """The modules whose code a task runs: its own module, and any it declares (``cached_task(code=...)``)."""
    return tuple(dict.fromkeys((fn.__module__, *getattr(fn, "__code_modules__", ()))))


def task_code_hash(fn) -> str:
    """One hash over the code closures of a task's modules (``code_modules``)."""
    modules = code_modules(fn)
    if len(modules) == 1:
        return code_hash(modules[0])
    return sha256_bytes("\n".join(f"{m}:{code_hash(m)}" for m in modules).encode())


def content_key(task_name: str, fn, inputs: dict[str, Any]) -> str:
    payload = {"task": task_name, "code": task_code_hash(fn), "inputs": stable_form(inputs)}
    return sha256_bytes(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode())


@dataclass
class ContentPolicy(CachePolicy):
    """Cache key = task name + code closure hash + inputs by content (see the module docstring)."""

    def compute_key(self, task_ctx, inputs, flow_parameters, **kwargs) -> str:  # noqa: D102
        return content_key(task_ctx.task.name, task_ctx.task.fn, inputs)


def cached_task(code: tuple[str, ...] = (), **options: Any):
    """``@task`` with the project's content cache: results persisted, keyed by code and input content.

    ``code``: more modules whose code the task runs besides its own (and what they import): the fit stage names the
    method's module, so that editing one method recomputes its trends only."""
    options.setdefault("cache_policy", ContentPolicy())
    options.setdefault("persist_result", True)
    # results (and so cache keys) beside the intermediates they name (data/cache/prefect-results), whatever the
    # process's Prefect settings: a worker started by hand serves the same cache; or on the shared store
    options.setdefault("result_storage", result_storage_slug() or cache_dir() / RESULTS_FOLDER)

    def decorate(fn):
        if code:
            fn.__code_modules__ = tuple(code)
        return task(**options)(fn)

    return decorate


def ensure_result_storage() -> str | None:
    """Save the shared results' storage block (called at the start of every flow; cheap, idempotent)."""
    url = shared_url()
    if url is None:
        return None
    if urlsplit(url).scheme == "file":
        _, root = filesystem(url)
        block = LocalFileSystem(basepath=f"{root}/{RESULTS_FOLDER}")
    else:
        block = RemoteFileSystem(basepath=f"{url}/{RESULTS_FOLDER}")
    block.save(block_name(url), overwrite=True)
    return result_storage_slug()
