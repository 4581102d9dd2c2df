"""Adapter ``epoch_models``: Epoch AI's "Large-Scale AI Models" export (CSV): parameter counts, publication
dates and accessibility for models the other sources lack.

- language models only (``Domain`` contains "Language");
- ``Parameters`` (units) -> ``total_params_b``; active parameters appear only in the free-text ``Parameters notes``
  ("671B total, 37B active", "Activated Parameters per Token: 45.9B", "activates 14 billion parameters"): read by
  a small set of patterns, and a note giving a range or several different values is quarantined, not guessed;
- ``Model accessibility``: "Open weights (...)" -> open weights; "API access", "Hosted access", "Unreleased" ->
  not open.
"""

from __future__ import annotations

import re
from pathlib import Path

from tasks.data.canonical import CanonicalTables
from tasks.data.ingest.common import Collector, iso_day, regular_files, text_number
from tasks.data.ingest.csvfile import CsvTable, read_csv_table, read_header
from tasks.data.parsing import slugify

FORMAT = "epoch_models"
ORIGIN = "Epoch AI, Large-Scale AI Models (github rauletorresc/llmfit @ a652be3)"
REQUIRED = ("Model", "Publication date", "Parameters", "Model accessibility", "Domain")
_NUMBER = r"(\d+(?:\.\d+)?)[ \t]*(T|B|M|trillion|billion|million)?"
_PATTERNS = [  # within one line: "300B\nactive parameters: 47B" must not read 300 as active
    re.compile(_NUMBER + r"[ \t]*(?:parameters[ \t]+)?(?:are[ \t]+)?(?:activated|active)\b", re.I),
    re.compile(r"activ\w*\s+parameters[^:\n]*:\s*" + _NUMBER, re.I),
    re.compile(r"activates\s+(\d+(?:\.\d+)?)\s*(T|B|M|trillion|billion|million)\b", re.I),
]
_SCALE = {"t": 1000.0, "trillion": 1000.0, "b": 1.0, "billion": 1.0, "m": 0.001, "million": 0.001, None: None}


def active_params(note: str) -> tuple[float | None, str | None]:
    """Active parameters (billions) from a free-text note: (value, None), (None, reason) or (None, None)."""
    if not note or not re.search(r"activ", note, re.I):
        return None, None
    if re.search(r"\d\s*[B]?\s*[~∼-]\s*\d+(?:\.\d+)?\s*B", note):
        return None, "a range of active parameters, not one value"
    values = set()
    for pattern in _PATTERNS:
        for match in pattern.finditer(note):
            unit = (match.group(2) or "").lower() or None
            scale = _SCALE.get(unit)
            if scale is None:
                continue  # a bare number ("108 total, 12 B active" has its unit; "1.4B are activated" too)
            values.add(round(float(match.group(1)) * scale, 6))
    if len(values) == 1:
        return values.pop(), None
    if len(values) > 1:
        return None, f"several different active-parameter values: {sorted(values)}"
    return None, "mentions active parameters but no value could be read"


USED = (*REQUIRED, "Parameters notes", "Organization")


def parse(table: CsvTable, file_name: str) -> CanonicalTables:
    collector = Collector(source=f"epoch_models/{file_name}", file=file_name)
    table.require(REQUIRED, "an Epoch AI models export")
    table.require([c for c in USED if table.positions(c)], "an Epoch AI models export")
    for record, column in table.nul_cells:
        collector.issue(record, None, column, None, "NUL byte(s) removed from the cell", "warning")
    for record, row in enumerate(table.records(USED), 1):
        if "Language" not in (row.get("Domain") or ""):
            continue
        name = (row.get("Model") or "").strip()
        if not name:
            collector.issue(record, None, "Model", None, "missing model name", "rejected_record")
            continue
        access = (row.get("Model accessibility") or "").strip()
        open_weights = True if access.lower().startswith("open weights") else (
            False if access in {"API access", "Hosted access (no API)", "Unreleased"} else None)
        params = text_number(row.get("Parameters"), record, name, "Parameters", collector)
        active, problem = active_params(row.get("Parameters notes") or "")
        if problem:
            collector.issue(record, name, "Parameters notes", (row.get("Parameters notes") or "")[:120], problem)
        collector.model(slugify(name), record, name=name, creator=(row.get("Organization") or "").strip() or None,
                        release_date=iso_day(row.get("Publication date"), record, name, "Publication date",
                                             collector),
                        open_weights=open_weights, license=access or None,
                        total_params_b=None if params is None else params / 1e9, active_params_b=active)
    return collector.tables()


def sniff_any(path: Path) -> bool:
    path = Path(path)
    if path.is_dir():
        files = [p for p in regular_files(path, "*.csv") if sniff_any(p)]
        return len(files) == 1
    if not path.is_file() or path.suffix.lower() != ".csv":
        return False
    header = read_header(path, str)
    return all(c in header for c in REQUIRED)


def members(path: Path) -> list[Path]:
    """The export this adapter reads: the file itself, or a folder's one matching CSV."""
    path = Path(path)
    return [p for p in regular_files(path, "*.csv") if sniff_any(p)][:1] if path.is_dir() else [path]


def ingest(path: Path) -> CanonicalTables:
    path = Path(path)
    if path.is_dir():
        path = next(p for p in regular_files(path, "*.csv") if sniff_any(p))
    return parse(read_csv_table(path, str), path.name)


