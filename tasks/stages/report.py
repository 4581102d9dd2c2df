"""Stage 7: the report, ``report.md``, a self-contained ``report.html`` and the first screen's numbers
(``headline.json``), all from ``tasks.render.report``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tasks.core.hashing import sha256_bytes
from tasks.methods import METHODS, by_row_name
from tasks.platform.caching import cached_task
from tasks.files.catalog import CleanTables, RunTables
from tasks.files.io import atomic_write_text, json_text, read_parquet
from tasks.files.settings import cache_dir
from tasks.files.tables import csv_text
from tasks.render.report import PRICE_CHANGE_COLUMNS, price_changes, render_report
from tasks.reporting.format import ReportInputs
from tasks.stages.clean import read_clean


# the report holds every method's section: their modules key its cache (tasks.methods is a closure leaf)
@cached_task(name="report", task_run_name="write-report", code=tuple(m.module for m in METHODS))
def report_task(outputs: RunTables, cleaned: dict[str, CleanTables], figures: dict[str, Path],
                meta: dict, resolution: dict[str, dict[str, Path]] | None = None,
                histories: dict[str, dict[str, Path]] | None = None, breaks_path: Path | None = None,
                capability: dict[str, Path] | None = None) -> dict[str, Path]:
    inputs = ReportInputs(
        trends=outputs.read("trends"), diagnostics=outputs.read("diagnostics"),
        cleans={snapshot: read_clean(tables) for snapshot, tables in cleaned.items()}, meta=meta,
        methods=by_row_name(), figures=figures, resolution=resolution or {},
        histories={name: {key: read_parquet(path) for key, path in paths.items()}
                   for name, paths in (histories or {}).items()},
        breaks=read_parquet(breaks_path) if breaks_path else None,
        capability=read_parquet(capability["table"]) if capability else None,
        capability_excluded=read_parquet(capability["excluded"]) if capability else None)
    text, page, numbers = render_report(inputs)
    headline = json_text(numbers, "headline.json")
    changes = price_changes(inputs)
    changes_csv = csv_text(changes if changes is not None else pd.DataFrame(
        columns=PRICE_CHANGE_COLUMNS))
    folder = cache_dir() / "report"
    return {
        "price_changes.csv": atomic_write_text(
            folder / f"price_changes-{sha256_bytes(changes_csv.encode())[:16]}.csv", changes_csv),
        "report.md": atomic_write_text(folder / f"report-{sha256_bytes(text.encode())[:16]}.md", text),
        "report.html": atomic_write_text(folder / f"report-{sha256_bytes(page.encode())[:16]}.html", page),
        "headline.json": atomic_write_text(folder / f"headline-{sha256_bytes(headline.encode())[:16]}.json",
                                           headline),
    }
