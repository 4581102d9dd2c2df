"""One builder of ingest-issue rows (tasks/data/issues.py) behind every adapter: rows normalised alike, with the
schema's columns, and valid against it."""

from __future__ import annotations

import pandas as pd

from schemas.canonical import IngestIssues
from tasks.data.ingest.common import Collector
from tasks.data.issues import ISSUE_COLUMNS, IssueCollector


def test_rows_are_normalised_and_carry_the_schema_columns():
    issues = IssueCollector("src/file.csv", "file.csv", lambda column: "prices" if column == "price" else None)
    issues.add(3, "Model\0X", "price", "1" * 500 + "\0", "not a number")
    issues.add(4, None, "price", None, "missing model name", "rejected_record")
    issues.add(5, "m", "name", "v", "odd", "warning", table="models")
    issues.add(6, "m", "price", 7, "from another file", file="other.csv", source="src/other.csv")
    frame = issues.frame()
    assert list(frame.columns) == ISSUE_COLUMNS == list(IngestIssues.to_schema().columns)
    IngestIssues.validate(frame)
    assert frame.loc[0, "model_name"] == "ModelX" and frame.loc[0, "value"] == "1" * 200
    assert frame["table"].fillna("-").tolist()[:3] == ["prices", "-", "models"]  # a rejected record feeds none
    assert frame.loc[3, ["source", "file", "value"]].tolist() == ["src/other.csv", "other.csv", "7"]
    assert len(issues) == 4


def test_an_empty_collector_gives_an_empty_frame_with_the_columns():
    frame = IssueCollector("s", "f").frame()
    assert frame.empty and list(frame.columns) == ISSUE_COLUMNS


def test_the_adapters_collector_uses_it():
    collector = Collector("aa_site", "models.json")
    collector.issue(1, "A", "id", "a", "duplicate", "warning")
    tables = collector.tables()
    assert isinstance(collector.issues, IssueCollector)
    pd.testing.assert_frame_equal(tables.ingest_issues, collector.issues.frame())
    assert tables.ingest_issues.loc[0, "table"] == "models"


def test_repeated_warnings_are_one_line_with_a_count_and_no_record_reads_na():
    """Issue 28: 31 lines "record <NA> (nan): link target is not in the archive" (models.dev's dangling links) are
    one line with the count and where; a warning without a record number says so, never "<NA>" or "nan"."""
    from tasks.data.issues import issue_place, warning_lines

    issues = IssueCollector("models_dev/a.tar.gz", "a.tar.gz")
    for i in range(31):
        issues.add(None, None, f"providers/p{i}/models/m.toml", None, "link target is not in the archive", "warning")
    issues.add(12, "GPT-4o", None, None, "duplicate name, distinct ids", "warning")
    issues.add(None, "Llama 3", None, None, "odd release date", "warning")
    frame = IngestIssues.validate(issues.frame())  # as the cleaning reads it back: record a nullable integer
    lines = warning_lines(frame)
    assert len(lines) == 3
    assert lines[0].startswith("a.tar.gz: link target is not in the archive (31 times: providers/p0/models/m.toml;")
    assert lines[0].endswith("; ...)")
    assert lines[1] == "a.tar.gz, record 12 (GPT-4o): duplicate name, distinct ids"
    assert lines[2] == "a.tar.gz, Llama 3 (no record number): odd release date"
    assert not any("<NA>" in line or "nan" in line for line in lines)
    assert issue_place({"record": pd.NA, "model_name": float("nan"), "column": None}) == "no record number"
    assert warning_lines(frame.iloc[:0]) == []
