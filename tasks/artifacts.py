"""Prefect artifacts of a run: the report (markdown), the trends table and the quarantine summary.

They show in the Prefect UI on the flow run's Artifacts tab (and, by key, across runs). Figures are files in the run
folder; the markdown artifact names them (images with relative paths cannot render inside the UI).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

TREND_SUMMARY_COLUMNS = ["trend_id", "method", "subset", "band_low", "band_high", "quantity", "price_type",
                         "controls", "variant", "ci_method", "factor_per_year", "ci_low", "ci_high",
                         "tie_order_min_factor", "tie_order_max_factor", "n", "r_squared", "status", "note"]


def table_rows(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts of plain str / float / int values (what the artifact API accepts); missing -> ''."""
    rows = []
    for record in frame.to_dict(orient="records"):
        clean = {}
        for key, value in record.items():
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                clean[key] = ""
            elif isinstance(value, (bool, str)):
                clean[key] = str(value).lower() if isinstance(value, bool) else value
            elif isinstance(value, (int, float)):
                clean[key] = round(float(value), 6) if isinstance(value, float) else int(value)
            else:
                clean[key] = str(value)
        rows.append(clean)
    return rows


def report_for_ui(markdown_text: str, run_dir: Path) -> str:
    """The report with each image replaced by where its file is (relative image paths cannot render in the UI)."""
    return re.sub(r"!\[([^\]]*)\]\(([^)]+)\)", lambda m: f"*[{m.group(1)}: `{run_dir / m.group(2)}`]*",
                  markdown_text)


@task(name="publish-artifacts", task_run_name="publish-artifacts", cache_policy=NO_CACHE)
def artifacts_task(run_dir: Path, key_prefix: str = "estimate") -> list[str]:
    run_dir = Path(run_dir)
    trends = pd.read_csv(run_dir / "trends.csv", dtype={"controls": str, "variant": str, "note": str})
    summary = pd.read_csv(run_dir / "quarantine_summary.csv")
    ids = [
        create_markdown_artifact(key=f"{key_prefix}-report", description=f"report.md of {run_dir.name}",
                                 markdown=report_for_ui((run_dir / "report.md").read_text(), run_dir)),
        create_table_artifact(key=f"{key_prefix}-trends", description=f"trends.csv of {run_dir.name} (main columns)",
                              table=table_rows(trends[TREND_SUMMARY_COLUMNS])),
        create_table_artifact(key=f"{key_prefix}-quarantine",
                              description=f"rows in = used + quarantined, per table ({run_dir.name})",
                              table=table_rows(summary)),
    ]
    return [str(i) for i in ids]
