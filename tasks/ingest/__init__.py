"""Ingest adapters: one module per source format, each turning raw files into the canonical tables.

``detect_format`` looks at a file's or folder's content (never only its name); ``--format`` forces one.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

# format name -> module; the order is the detection order (the most specific signature first)
ADAPTERS: dict[str, str] = {
    "snapshot": "tasks.ingest.snapshot",
    "epoch_prices": "tasks.ingest.epoch_prices",
    "user_csv": "tasks.ingest.user_csv",
    "futuretech": "tasks.ingest.futuretech",
    "aa_api": "tasks.ingest.aa_api",
    "aa_site": "tasks.ingest.aa_site",
    "models_dev": "tasks.ingest.models_dev",
    "llm_stats": "tasks.ingest.llm_stats",
    "epoch_models": "tasks.ingest.epoch_models",
}


def adapter(fmt: str) -> ModuleType:
    if fmt not in ADAPTERS:
        raise ValueError(f"unknown input format {fmt!r}; known formats: {', '.join(ADAPTERS)}")
    return importlib.import_module(ADAPTERS[fmt])


def detect_format(path: Path) -> str:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"input {path} does not exist")
    for fmt in ADAPTERS:
        if adapter(fmt).sniff_any(path):
            return fmt
    raise ValueError(
        f"{path}: no adapter recognises this input by its content; force one with --format "
        f"({', '.join(ADAPTERS)})"
    )
