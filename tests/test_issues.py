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
