"""The one builder of ingest-issue rows (``schemas.canonical.IngestIssues``): what an adapter could not take as it
was (a rejected value or record, or a warning), each row normalised the same way whichever adapter found it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable, Literal

import pandas as pd
from pandera.typing import DataFrame

from schemas.canonical import IngestIssues

ISSUE_COLUMNS = list(IngestIssues.to_schema().columns)
Action = Literal["rejected_value", "rejected_record", "warning"]
MAX_VALUE = 200  # characters of a rejected value kept in the row


def models_table(column: str | None) -> str | None:
    """The default: a rejected field fed the models table; a row without a column, no table."""
    return "models" if column else None


@dataclass(frozen=True)
class IngestIssue:
    """One row of ``IngestIssues``."""

    source: str
    file: str
    record: int | None
    model_name: str | None
    column: str | None
    value: str | None
    rule: str
    action: Action
    table: str | None  # the table a rejected value would have fed (counted there); none for a whole record


@dataclass
class IssueCollector:
    """The issues of one source file (``source``, ``file``); ``table_of`` names the canonical table a raw column
    feeds, so a rejected value is counted there (rows in = used + quarantined, per table)."""

    source: str
    file: str
    table_of: Callable[[str | None], str | None] = models_table
    rows: list[IngestIssue] = field(default_factory=list)

    def add(self, record: int | None = None, name: str | None = None, column: str | None = None, value=None,
            rule: str = "", action: Action = "rejected_value", *, table: str | None = None, file: str | None = None,
            source: str | None = None) -> None:
        """One issue: NUL bytes leave the name and the value, the value is cut to ``MAX_VALUE`` characters; the table
        is ``table`` if given, else the column's (none for a rejected record); ``file``/``source`` override the
        collector's for a collector that reads several files."""
        name = name.replace("\0", "") if isinstance(name, str) else name
        value = None if value is None else str(value).replace("\0", "")[:MAX_VALUE]
        if action == "rejected_record":
            table = None
        elif table is None:
            table = self.table_of(column)
        self.rows.append(IngestIssue(source=source or self.source, file=file or self.file, record=record,
                                     model_name=name, column=column, value=value, rule=rule, action=action,
                                     table=table))

    def __len__(self) -> int:
        return len(self.rows)

    def frame(self) -> DataFrame[IngestIssues]:
        """The rows as a frame with the schema's columns (not yet validated: the canonical tables are, together)."""
        return pd.DataFrame([asdict(row) for row in self.rows], columns=ISSUE_COLUMNS)


def _present(value) -> bool:
    return value is not None and not (not isinstance(value, str) and pd.isna(value)) and str(value).strip() != ""


def issue_place(row) -> str:
    """Where an issue row is, in words: ``record 12 (GPT-4o)``, ``record 12``, ``GPT-4o (no record number)``, the
    member or column it names, or ``no record number`` (never ``record <NA> (nan)``)."""
    record, name, column = row.get("record"), row.get("model_name"), row.get("column")
    if _present(record):
        return f"record {int(record)}" + (f" ({name})" if _present(name) else "")
    if _present(name):
        return f"{name} (no record number)"
    if _present(column):
        return str(column)
    return "no record number"


def warning_lines(warnings: pd.DataFrame, examples: int = 3) -> list[str]:
    """One log line per (file, rule), in the order first seen: a rule met once says where; a repeated one says how
    many times and its first ``examples`` places (31 identical lines were one warning repeated)."""
    if warnings.empty:
        return []
    rows = warnings.assign(_file=warnings["file"].fillna("").astype(str),
                           _rule=warnings["rule"].fillna("").astype(str))
    lines = []
    for (file, rule), group in rows.groupby(["_file", "_rule"], sort=False):
        places = [issue_place(row) for row in group.to_dict("records")]
        if len(places) == 1:
            lines.append(f"{file + ', ' if file else ''}{places[0]}: {rule}")
            continue
        distinct = list(dict.fromkeys(places))
        shown = "; ".join(distinct[:examples]) + ("; ..." if len(distinct) > examples else "")
        lines.append(f"{file + ': ' if file else ''}{rule} ({len(places)} times: {shown})")
    return lines
