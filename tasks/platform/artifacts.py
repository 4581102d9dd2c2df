"""Prefect artifacts of a run: a handful on the flow run's Artifacts tab, results first (and, by key, across runs in
the Artifacts page); what each task run read and wrote stays on that task run's own page (``tasks.platform.tracking``).

In reader order (the order the UI lists them in):

1. ``estimate-answer``: the first screen (the primary sentence and the answer's table) with links to the HTML
   report, the lineage graph, the figures and trends.csv (over the run-folder file server of ``make serve``,
   ``INFERENCE_TRENDS_REPORTS_URL``; else ``file://`` URLs);
2. ``estimate-report``: report.md with a contents list whose anchors work and the figures near the top, embedded as
   SVG data URIs (checked in headless Chromium against the Prefect UI: ``data:`` images render; ``file://`` and
   relative paths do not);
3. ``estimate-lineage``: a link to the run's lineage graph (``lineage.html``), then the code, the raw input files and
   the task runs behind the headline trends (each task run a link to its page in the UI);
4. ``estimate-data-quality``: rows in = used + quarantined per table, and the data-quality warnings.

Order: both Prefect UIs list a flow run's artifacts by id, newest id first (``sort: ID_DESC``), and the server gives
each artifact a random (uuid4) id: creation order does not decide. ``create_in_order`` therefore creates the pages
from the last to the first and keeps each only when its id falls in its slot (the i-th of k slots of the id space,
counted from the top); an artifact outside its slot is deleted and created again (4 tries on average each).
"""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path
from urllib.parse import quote

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.files.tables import read_csv_output
from tasks.platform.lineage import index_file, lineage_markdown

def ui_url() -> str | None:
    """The base of the current Prefect UI's pages for links (None when this API has no UI, e.g. a command's temporary
    API): ``PREFECT_UI_URL`` followed by the path the server serves its default UI under (``/v2`` for Prefect 3.9's
    new UI: ``/runs/task-run/<id>`` without it opens the old one). Asked of the server (``/ui-settings``); when it
    does not answer, the installed Prefect's default."""
    from prefect.settings import PREFECT_UI_URL

    base = PREFECT_UI_URL.value()
    if not base:
        return None
    return base.rstrip("/") + ui_route_prefix(base)


def ui_route_prefix(base: str) -> str:
    """The path of the server's default UI (``/v2`` or ``""``): from ``{base}/ui-settings`` (no password needed),
    else from this Prefect's settings (``server.ui.v2_enabled``)."""
    import httpx
    import prefect

    try:
        settings = httpx.get(base.rstrip("/") + "/ui-settings", timeout=3).json()
        default = settings.get("default_ui")
        path = settings.get(f"{default}_base_url") if default else None
        if isinstance(path, str) and re.fullmatch(r"/[\w/-]*", path):
            return path.rstrip("/")
    except Exception:  # noqa: BLE001 - no UI (or an older server): the installed default
        pass
    v2 = getattr(prefect, "__ui_v2_static_path__", None)
    from prefect.settings import get_current_settings

    return "/v2" if v2 and Path(v2).exists() and get_current_settings().server.ui.v2_enabled else ""


def task_run_url(base: str | None, task_run_id: str) -> str | None:
    """A task run's page in the UI (``base``: ``ui_url()``)."""
    return f"{base.rstrip('/')}/runs/task-run/{task_run_id}" if base and task_run_id else None


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


ARTIFACT_KEYS = ("answer", "report", "lineage", "data-quality")  # reader order, first on the page first


def _id_slot(artifact_id: str) -> float:
    """Where an artifact's id falls in the id space, 0 (lowest) to 1: the UI lists the highest first."""
    return int(str(artifact_id).replace("-", "")[:12], 16) / float(16 ** 12)


def create_in_order(pages: list[dict], tries: int = 60) -> list[str]:
    """Create ``pages`` (ArtifactCreate fields, first page first) so that the UI lists them in this order: see the
    module docstring. Returns their ids, first page first. After ``tries`` for one page it is kept where it fell
    (a warning; the order is a convenience, not a condition of the run)."""
    from prefect import get_run_logger
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import ArtifactCreate

    ids: list[str] = []
    slots = len(pages)
    with get_client(sync_client=True) as client:
        for position in reversed(range(slots)):  # the last page first (the oldest, if a UI sorted by creation)
            low, high = (slots - 1 - position) / slots, (slots - position) / slots
            for attempt in range(tries):
                artifact = client.create_artifact(ArtifactCreate(**pages[position]))
                if low <= _id_slot(str(artifact.id)) < high:
                    break
                if attempt == tries - 1:
                    get_run_logger().warning("artifact %s kept out of its place in the list", pages[position]["key"])
                    break
                client.delete_artifact(artifact.id)
            ids.append(str(artifact.id))
    return list(reversed(ids))


def run_pages(run_dir: Path, key_prefix: str, flow_run_id: str | None, ui: str | None) -> list[dict]:
    """The run's artifacts (ArtifactCreate fields), reader order (``ARTIFACT_KEYS``)."""
    from tasks.render.run_page import answer_page, data_quality_page, report_page

    summary = read_csv_output(run_dir / "quarantine_summary.csv", dtype={"table": str, "unit": str})
    manifest = json.loads((run_dir / "manifest.json").read_text())
    warnings = warning_rows(run_dir)
    headline = json.loads((run_dir / "headline.json").read_text()) if (run_dir / "headline.json").exists() else None
    report_md = (run_dir / "report.md").read_text()
    link = lambda name: run_file_link(run_dir, name)  # noqa: E731
    links = {"the full report (HTML, with contents)": link("report.html")}
    if (run_dir / "lineage.html").exists():
        links["the lineage graph"] = link("lineage.html")
    links.update({"trends.csv": link("trends.csv"), "points.csv": link("points.csv"),
                  "manifest.json": link("manifest.json"), "the run folder": link(".")})
    has_graph = (run_dir / "lineage.html").exists()

    def lineage_of(node: str | None) -> str | None:  # the graph with that file selected (its upstream highlighted)
        return f"{link('lineage.html')}#node={quote(node, safe='/')}" if has_graph and node else None

    figures = [(f"{p.parent.name}/{p.stem}", link(p.relative_to(run_dir).as_posix()),
                lineage_of(p.relative_to(run_dir).as_posix())) for p in sorted(run_dir.glob("figures/*/*.png"))]
    primary = next((e for e in (headline or {}).get("entries", []) if e.get("primary")), None)
    fitted_by = (manifest.get("trends") or {}).get(str((primary or {}).get("trend_id", "")).split(",")[0]) or {}
    record = next((r for r in manifest.get("tasks", []) if fitted_by and r.get("task_run_id")
                   == fitted_by.get("task_run_id")), {})
    primary_node = index_file(record)
    lineage_link = (f"**[Open the lineage graph]({link('lineage.html')})**: every file from the raw sources to this "
                    "run folder, with its full sha256 and the task run that wrote it; click a file to see its "
                    "upstream path.\n\n") if (run_dir / "lineage.html").exists() else ""
    common = {"flow_run_id": flow_run_id}
    return [
        {"key": f"{key_prefix}-answer", "type": "markdown", **common,
         "description": f"The answer of {run_dir.name}, with links to the report, the lineage graph and the figures",
         "data": answer_page(report_md, headline, links, run_dir.name, figures, lineage_of(primary_node))},
        {"key": f"{key_prefix}-report", "type": "markdown", **common,
         "description": f"report.md of {run_dir.name} (contents first; figures near the top)",
         "data": report_for_ui(report_page(report_md, link, lineage_of if has_graph else None), run_dir)},
        {"key": f"{key_prefix}-lineage", "type": "markdown", **common,
         "description": f"lineage of {run_dir.name}: the graph, the code, the raw files, the task runs behind the "
         "headline trends",
         "data": lineage_link + lineage_markdown(manifest, headline, ui)},
        {"key": f"{key_prefix}-data-quality", "type": "markdown", **common,
         "description": f"data quality of {run_dir.name}: rows in = used + quarantined; {len(warnings)} warning(s)",
         "data": data_quality_page(table_rows(summary), warnings, run_dir.name)},
    ]


@task(name="publish-artifacts", task_run_name="publish-artifacts", cache_policy=NO_CACHE)
def artifacts_task(run_dir: Path, key_prefix: str = "estimate") -> list[str]:
    """The run's artifacts on its flow run, in reader order (``run_pages``, ``create_in_order``)."""
    from prefect.runtime import flow_run

    run_dir = Path(run_dir)
    flow_run_id = flow_run.get_id()
    return create_in_order(run_pages(run_dir, key_prefix, str(flow_run_id) if flow_run_id else None, ui_url()))
