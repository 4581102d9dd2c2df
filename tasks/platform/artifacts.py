"""Prefect artifacts of a run, on the flow run's Artifacts tab (and, by key, across runs in the Artifacts page):

- ``estimate-report``: report.md with its figures embedded as SVG data URIs (checked in headless Chromium against
  the Prefect UI: ``data:`` images render; ``file://`` paths and relative paths do not; a locally served URL renders
  only while that server runs, so it is used for the link to the HTML report, not for the figures);
- ``estimate-trends``: the trends table (main columns: snapshot, preset, method, factor and interval first);
  ``estimate-quarantine``: rows in = used + quarantined;
- ``estimate-warnings``: data-quality warnings (what the adapters flagged, and the price history's data drift);
- ``estimate-lineage``: one narrow markdown page: the code hash, the raw input files (name, sha256, origin), the task
  runs behind the headline trends, every output and every task run (cached or computed), each task run a link to its
  page in the UI (``PREFECT_UI_URL``; its id as text when the UI's address is unknown);
- ``estimate-report-html``: a link to report.html, over the run-folder file server of ``make serve``
  (``INFERENCE_TRENDS_REPORTS_URL``) when it is set, else a ``file://`` URL.
"""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

import pandas as pd
from prefect import task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from tasks.files.tables import read_csv_output
from tasks.platform.lineage import lineage_markdown

# what identifies a trend and its number first; the hash-suffixed trend_id last (it is in every other column)
TREND_SUMMARY_COLUMNS = ["snapshot", "preset", "method", "factor_per_year", "interval", "subset", "band_low",
                         "band_high", "quantity", "price_type", "controls", "variant", "estimator", "ci_method",
                         "tie_order_min_factor", "tie_order_max_factor", "n", "r_squared", "status", "note", "trend_id"]


def trend_summary(trends: pd.DataFrame) -> pd.DataFrame:
    """The trends artifact's table: ``TREND_SUMMARY_COLUMNS``, the interval as one short text (``4.87-38.4``)."""
    def interval(row) -> str:
        if pd.isna(row.ci_low) or pd.isna(row.ci_high):
            return ""
        return f"{row.ci_low:.3g}-{row.ci_high:.3g}"

    frame = trends.copy()
    frame["interval"] = [interval(row) for row in frame.itertuples(index=False)]
    return frame[TREND_SUMMARY_COLUMNS]


def ui_url() -> str | None:
    """The Prefect UI's address for links (None when this API has no UI, e.g. a command's temporary API)."""
    from prefect.settings import PREFECT_UI_URL

    return PREFECT_UI_URL.value() or None


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


def _data_uri(path: Path) -> str | None:
    svg = path.with_suffix(".svg")
    if svg.is_file():  # vector, and about a third of the PNG's size
        return "data:image/svg+xml;base64," + base64.b64encode(svg.read_bytes()).decode()
    if path.is_file():
        return f"data:image/{path.suffix.lstrip('.')};base64," + base64.b64encode(path.read_bytes()).decode()
    return None


def report_for_ui(markdown_text: str, run_dir: Path) -> str:
    """The report with each image embedded as a data URI (relative and file:// images do not render in the UI)."""
    def embed(match: re.Match) -> str:
        uri = _data_uri(run_dir / match.group(2))
        return f"![{match.group(1)}]({uri})" if uri else f"*[{match.group(1)}: `{run_dir / match.group(2)}`]*"

    def absolute(match: re.Match) -> str:  # other relative links (e.g. a figure's SVG): where the file is served
        return f"[{match.group(1)}]({run_file_link(run_dir, match.group(2))})"

    text = re.sub(r"!\[([^\]]*)\]\(([^)]+)\)", embed, markdown_text)
    return re.sub(r"(?<!!)\[([^\]]*)\]\((?![a-z]+:)([^)#]+)\)", absolute, text)


def run_file_link(run_dir: Path, name: str) -> str:
    """Where a file of the run folder can be opened: over the run-folder file server of `make serve` when the run
    folder is under the folder it serves, else a file:// URL."""
    path = (Path(run_dir) / name).resolve()
    base = os.environ.get("INFERENCE_TRENDS_REPORTS_URL")
    runs_root = os.environ.get("INFERENCE_TRENDS_REPORTS_ROOT")
    if base and runs_root:
        try:
            return base.rstrip("/") + "/" + path.relative_to(Path(runs_root).resolve()).as_posix()
        except ValueError:
            pass
    return path.as_uri()


def report_link(run_dir: Path) -> str:
    return run_file_link(run_dir, "report.html")


def warning_rows(run_dir: Path) -> list[dict]:
    rows = []
    if (run_dir / "warnings.csv").exists():
        for row in read_csv_output(run_dir / "warnings.csv", dtype=str, keep_default_na=False).to_dict("records"):
            rows.append({"kind": "ingest", "where": f"{row['snapshot']}: {row['file']} record {row['record']}",
                         "what": f"{row['column']} = {row['value']!r}: {row['rule']}", "severity": row["action"]})
    for drift in sorted(run_dir.glob("history/*/data_drift.csv")):
        for row in read_csv_output(drift, dtype=str, keep_default_na=False).to_dict("records"):
            if row["severity"] == "info":
                continue
            rows.append({"kind": f"price-history drift ({drift.parent.name})",
                         "where": f"{row['observed_on']} vs {row['previous_on']}", "what": row["message"],
                         "severity": row["severity"]})
    return rows


@task(name="publish-artifacts", task_run_name="publish-artifacts", cache_policy=NO_CACHE)
def artifacts_task(run_dir: Path, key_prefix: str = "estimate") -> list[str]:
    run_dir = Path(run_dir)
    trends = read_csv_output(run_dir / "trends.csv", dtype={"controls": str, "variant": str, "note": str})
    summary = read_csv_output(run_dir / "quarantine_summary.csv", dtype={"table": str, "unit": str})
    manifest = json.loads((run_dir / "manifest.json").read_text())
    warnings = warning_rows(run_dir)
    headline = json.loads((run_dir / "headline.json").read_text()) if (run_dir / "headline.json").exists() else None
    ids = [
        create_markdown_artifact(key=f"{key_prefix}-report", description=f"report.md of {run_dir.name}",
                                 markdown=report_for_ui((run_dir / "report.md").read_text(), run_dir)),
        create_table_artifact(key=f"{key_prefix}-trends", description=f"trends.csv of {run_dir.name} (main columns)",
                              table=table_rows(trend_summary(trends))),
        create_table_artifact(key=f"{key_prefix}-quarantine",
                              description=f"rows in = used + quarantined, per table ({run_dir.name})",
                              table=table_rows(summary)),
        create_table_artifact(key=f"{key_prefix}-warnings",
                              description=f"data-quality warnings of {run_dir.name}: {len(warnings)}",
                              table=warnings or [{"kind": "none", "where": "", "what": "no warnings", "severity": ""}]),
        create_markdown_artifact(key=f"{key_prefix}-lineage",
                                 description=f"lineage of {run_dir.name}: raw files, code, the task run behind each "
                                 "headline trend and output, cached or computed",
                                 markdown=lineage_markdown(manifest, headline, ui_url())),
        create_link_artifact(key=f"{key_prefix}-report-html", link=report_link(run_dir),
                             link_text=f"report.html of {run_dir.name}",
                             description="The self-contained HTML report (figures embedded)"),
    ]
    return [str(i) for i in ids]
