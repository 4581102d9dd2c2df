"""What every ingest adapter shares: running it so that whatever goes wrong names the file and the format.

An adapter module defines ``FORMAT``, ``sniff_any(path) -> bool``, ``members(path)`` (the files it reads) and
``ingest(path) -> CanonicalTables``. Its Prefect task is made in ``tasks.stages.ingest`` and attributed to the
adapter's module, so that its cache key covers that adapter's code (and what it imports), not every adapter's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


from tasks.data.canonical import CanonicalTables
from tasks.data.ingest.common import SourceError
from schemas.validation import DataValidationError


def read_source(fmt: str, ingest: Callable[[Path], CanonicalTables], path: Path) -> CanonicalTables:
    """Run an adapter; whatever goes wrong is an error naming the file and the format (never a bare parser
    message such as "No columns to parse from file", nor a bare OverflowError or RecursionError: the adapters'
    readers name the record themselves, this is the backstop)."""
    try:
        return ingest(path)
    except (SourceError, DataValidationError, FileNotFoundError):
        raise
    except PermissionError as err:
        raise SourceError(f"{path}: cannot be read ({err.strerror})") from None
    except OSError as err:
        raise SourceError(f"{path}: cannot be read as {fmt} ({err.strerror or err})") from None
    except (ValueError, KeyError, IndexError, TypeError, UnicodeError, OverflowError, RecursionError) as err:
        raise SourceError(f"{path}: not readable as format {fmt!r} ({type(err).__name__}: {err}); check the file, "
                          "or let the format be detected (leave --format out)") from None
