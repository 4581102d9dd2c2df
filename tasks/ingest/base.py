"""What every ingest adapter shares: the Prefect task that runs it, validates its tables and caches them.

An adapter module defines ``FORMAT``, ``sniff(path) -> bool`` and ``ingest(path) -> CanonicalTables`` and calls
``make_ingest_task`` once. The task is attributed to the adapter's module, so its cache key covers that adapter's
code (and what it imports), not every adapter's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from prefect import get_run_logger

from tasks.caching import cached_task
from tasks.canonical import CanonicalTables
from tasks.ingest.common import SourceError
from tasks.validation import DataValidationError


def read_source(fmt: str, ingest: Callable[[Path], CanonicalTables], path: Path) -> CanonicalTables:
    """Run an adapter; whatever goes wrong is an error naming the file and the format (never a bare parser
    message such as "No columns to parse from file")."""
    try:
        return ingest(path)
    except (SourceError, DataValidationError, FileNotFoundError):
        raise
    except PermissionError as err:
        raise SourceError(f"{path}: cannot be read ({err.strerror})") from None
    except OSError as err:
        raise SourceError(f"{path}: cannot be read as {fmt} ({err.strerror or err})") from None
    except (ValueError, KeyError, IndexError, TypeError, UnicodeError) as err:
        raise SourceError(f"{path}: not readable as format {fmt!r} ({type(err).__name__}: {err}); check the file, "
                          "or let the format be detected (leave --format out)") from None


def make_ingest_task(fmt: str, ingest: Callable[[Path], CanonicalTables], module: str):
    def ingest_source(path: Path) -> dict[str, Path]:
        """Parse one raw source into validated canonical tables; return the Parquet path of each table."""
        path = Path(path)
        tables = read_source(fmt, ingest, path).validated(str(path))
        lineage = {"format": fmt}
        paths = tables.write_cached("canonical", lineage)
        counts = tables.row_counts()
        get_run_logger().info(
            "ingest %s (%s): %d models, %d scores, %d price rows, %d ingest issues",
            path.name, fmt, counts["models"], counts["benchmarks"], counts["prices"], counts["ingest_issues"],
        )
        return paths

    ingest_source.__module__ = module
    ingest_source.__qualname__ = ingest_source.__name__ = f"ingest_{fmt}"
    return cached_task(name=f"ingest-{fmt}", task_run_name=f"ingest-{fmt}")(ingest_source)
