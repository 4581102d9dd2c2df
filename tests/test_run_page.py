"""The run page's builders (no Prefect): the report artifact's contents and anchors, the answer page, the lineage
graph (its nodes, upstream paths, links and escaping), which run computed a cached task run's files, and the schedules'
slugs and time zones in prefect.yaml."""

from __future__ import annotations

import json
import re

import yaml

from tasks.files.settings import PROJECT_ROOT
from tasks.platform.lineage import computed_in
from tasks.render.lineage_graph import RUN_PREFIX, build_graph, graph_data, lineage_html, upstream
from tasks.render.run_page import UI_ANCHOR_PREFIX, answer_page, data_quality_page, report_page

REPORT = """# A title

Some preface.

## The answer

**Primary estimate**: 2x.

| at constant quality | price |
| --- | --- |
| typical | **2x** |

Bold: explained.

## Details

### Frontier: `snap`

See [the flags](#definitions).

![Figure: record lows](figures/snap/frontier.png)

text after

## Definitions

- words
"""


def test_report_page_has_contents_with_working_anchors_and_figures_first():
    page = report_page(REPORT, lambda name: f"http://h/{name}", lambda name: f"http://h/lineage.html#node={name}")
    assert "[SVG](http://h/figures/snap/frontier.svg)" in page
    assert "(http://h/lineage.html#node=figures/snap/frontier.png)" in page
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', page))
    links = re.findall(r"\]\(#([^)]+)\)", page)
    assert links and all(link.startswith(UI_ANCHOR_PREFIX) for link in links)
    assert {link.removeprefix(UI_ANCHOR_PREFIX) for link in links} <= anchors  # every link has its target
    assert "definitions" in anchors and f"(#{UI_ANCHOR_PREFIX}definitions)" in page  # the report's own link works
    headings = re.findall(r"^## (.+)$", page, flags=re.M)
    assert headings[:3] == ["The answer", "Figures", "Details"]
    assert page.index("**Contents**") < page.index("## The answer")
    # the figure moved to the top, a link where it was; the image appears once
    assert page.count("![Figure: record lows](figures/snap/frontier.png)") == 1
    assert page.index("![Figure: record lows]") < page.index("## Details")
    assert f"[shown under Figures](#{UI_ANCHOR_PREFIX}figure-1)" in page.split("## Details")[1]


def test_answer_page_is_the_first_screen_with_links():
    headline = None  # no headline.json: the table alone
    graph = "http://127.0.0.1:4201/r/lineage.html#node=figures/snap/frontier.png"
    page = answer_page(REPORT, headline, {"report": "http://127.0.0.1:4201/r/report.html"}, "run<1>",
                       [("snap/frontier", "http://127.0.0.1:4201/r/figures/snap/frontier.png", graph)])
    assert "| typical | **2x** |" in page and "Details" not in page
    assert "[report](http://127.0.0.1:4201/r/report.html)" in page and "[snap/frontier](" in page
    assert f"([lineage]({graph}))" in page  # from a figure to its raw files: one link
    assert "run\\<1\\>" in page and "<1>" not in page  # data escaped
    quality = data_quality_page([{"table": "a|b", "rows": 3}], [{"kind": "<script>", "what": "x"}], "r")
    assert "a\\|b" in quality and "<script>" not in quality


def manifest() -> dict:
    """A small run: a raw file -> snapshot CSV -> canonical -> analysis -> fit -> collected -> trends.csv, a figure."""
    def ref(name, digest):
        return {"file": name, "sha256": digest * 64}

    raw = {"file": "art<b>.csv", "sha256": "a" * 64, "origin": "github o/r @ 1234567 : art.csv"}
    tasks = [
        {"stage": "ingest", "task": "ingest-snapshot", "task_run_id": "t-ingest", "state": "Cached",
         "computed_in": {"run_id": "older-run", "task_run_id": "t-old"}, "snapshot": "snap",
         "inputs": [ref("data/snapshots/snap/prices.csv", "b")], "outputs": [ref("cache/canonical/prices-1.parquet", "c")]},
        {"stage": "clean", "task": "clean", "task_run_id": "t-clean", "state": "Completed", "snapshot": "snap",
         "inputs": [ref("cache/canonical/prices-1.parquet", "c")], "outputs": [ref("cache/clean/analysis-1.parquet", "d")]},
        {"stage": "fit", "task": "fit", "task_run_id": "t-fit", "state": "Completed", "snapshot": "snap",
         "inputs": [ref("cache/clean/analysis-1.parquet", "d")], "outputs": [ref("cache/trends/f/index-1.parquet", "e")]},
        {"stage": "collect", "task": "collect-trends", "task_run_id": "t-collect", "state": "Completed",
         "inputs": [ref("cache/trends/f/index-1.parquet", "e")], "outputs": [ref("cache/outputs/trends-1.parquet", "f")]},
        {"stage": "figures", "task": "figures", "task_run_id": "t-fig", "state": "Completed",
         "inputs": [ref("cache/outputs/trends-1.parquet", "f")], "outputs": [ref("cache/figures/fig-1.png", "9")]},
    ]
    outputs = [
        {"path": "trends.csv", "sha256": "1" * 64, "produced_by": {"task": "publish-run", "task_run_id": "t-pub",
                                                                    "upstream": ["cache/outputs/trends-1.parquet"]}},
        {"path": "figures/snap/fig.png", "sha256": "9" * 64, "produced_by": {
            "task": "figures", "task_run_id": "t-fig", "source": "cache/figures/fig-1.png"}},
    ]
    return {"run_id": "r1", "tasks": tasks, "outputs": outputs,
            "snapshots": [{"name": "snap", "sources": [raw]}]}


def test_lineage_graph_links_every_file_to_its_writer_and_its_upstream_path():
    nodes = build_graph(manifest())
    figure = nodes["cache/figures/fig-1.png"]
    assert figure.run_path == "figures/snap/fig.png" and figure.writer["task_run_id"] == "t-fig"
    assert upstream(nodes, "cache/figures/fig-1.png") == {
        "cache/outputs/trends-1.parquet", "cache/trends/f/index-1.parquet", "cache/clean/analysis-1.parquet",
        "cache/canonical/prices-1.parquet", "data/snapshots/snap/prices.csv", "raw:snap/art<b>.csv"}
    assert upstream(nodes, RUN_PREFIX + "trends.csv") >= {"raw:snap/art<b>.csv"}
    data = graph_data(manifest(), lambda run_id: f"http://127.0.0.1:4200/v2/runs/task-run/{run_id}")
    details = {d["id"]: d for d in data["details"]}
    canonical = details["cache/canonical/prices-1.parquet"]
    assert canonical["sha256"] == "c" * 64  # the full sha256
    assert canonical["state"] == "served from cache" and canonical["computed_in_run"] == "older-run"
    assert canonical["computed_in_url"].endswith("/v2/runs/task-run/t-old")
    assert details["cache/clean/analysis-1.parquet"]["task_run_url"].endswith("/v2/runs/task-run/t-clean")
    # columns run left to right along the pipeline
    assert details["raw:snap/art<b>.csv"]["column"] < canonical["column"] < details[RUN_PREFIX + "trends.csv"]["column"]


def test_lineage_page_is_offline_and_escapes_names():
    page = lineage_html(manifest(), lambda run_id: f"http://127.0.0.1:4200/v2/runs/task-run/{run_id}")
    assert "art<b>.csv" not in page  # a name from data never becomes markup
    assert "art&lt;b&gt;.csv" in page
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=\"?https?:", page)  # nothing fetched: Bokeh inlined
    assert "Bokeh" in page and 'class="task-run" href="http://127.0.0.1:4200/v2/runs/task-run/t-clean"' in page
    details = json.loads(re.search(r'<script type="application/json" id="lineage-details">(.*?)</script>', page,
                                   flags=re.S).group(1))
    assert any(d["label"] == "art<b>.csv" for d in details)  # the JSON carries the text, escaped for the script
    hostile = manifest()
    hostile["tasks"][1]["task_run_id"] = "x\"><script>alert(1)</script>"
    page = lineage_html(hostile, lambda run_id: f"javascript:alert('{run_id}')")
    assert "<script>alert(1)</script>" not in page and "javascript:" not in page


def test_a_cached_task_run_names_the_run_that_computed_its_files(tmp_path):
    older = tmp_path / "20260101T000000Z-aaaa"
    older.mkdir()
    computed = {"stage": "fit", "state": "Completed", "task_run_id": "t-old", "flow_run_id": "f-old",
                "outputs": [{"file": "cache/x-1.parquet", "sha256": "0" * 64}]}
    (older / "manifest.json").write_text(json.dumps({"run_id": "old", "tasks": [computed]}))
    records = [{"stage": "fit", "state": "Cached", "task_run_id": "t-new",
                "outputs": [{"file": "cache/x-1.parquet", "sha256": "0" * 64}]},
               {"stage": "fit", "state": "Cached", "task_run_id": "t-other",
                "outputs": [{"file": "cache/y-1.parquet", "sha256": "1" * 64}]}]
    assert computed_in(records, tmp_path) == 1
    assert records[0]["computed_in"] == {"run_id": "old", "task_run_id": "t-old", "flow_run_id": "f-old"}
    assert "not under this runs folder" in records[1]["computed_in"]["note"]


def test_every_schedule_names_utc_and_has_a_slug_and_no_active_flag():
    """A slug and no `active`: a redeploy updates the schedule in place and keeps a pause (tests/test_service.py
    checks it on a real server)."""
    config = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text())
    schedules = [s for d in config["deployments"] for s in d.get("schedules") or []]
    assert schedules
    for schedule in schedules:
        assert schedule.get("timezone") == "UTC" and schedule.get("slug"), schedule
        assert "active" not in schedule, schedule


def test_lineage_html_option_points_at_the_run_graph_with_the_target_selected(tmp_path, monkeypatch):
    """`inference-trends lineage TARGET --html`: a run-folder file -> that run's lineage.html#node=<file>; a trend_id
    -> its fit's index table selected; an older run folder without the page gets one drawn into the cache folder."""
    from flows.lineage import graph_page

    monkeypatch.setenv("INFERENCE_TRENDS_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("INFERENCE_TRENDS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PREFECT_UI_URL", raising=False)
    folder = tmp_path / "runs" / "r1"
    (folder / "figures" / "snap").mkdir(parents=True)
    (folder / "figures" / "snap" / "fig.png").write_bytes(b"png")
    data = manifest()
    data["trends"] = {"frontier-abc": {"task_run_id": "t-fit"}}
    (folder / "manifest.json").write_text(json.dumps(data))
    # an older run folder: no lineage.html, drawn now outside the run folder
    url = graph_page(str(folder / "figures" / "snap" / "fig.png"))
    assert url.startswith((tmp_path / "cache" / "lineage" / "r1.html").as_uri()) and url.endswith(
        "#node=figures/snap/fig.png")
    assert not (folder / "lineage.html").exists()  # the run folder is never written to
    (folder / "lineage.html").write_text("<html></html>")
    assert graph_page(str(folder / "figures" / "snap" / "fig.png")) == \
        (folder / "lineage.html").as_uri() + "#node=figures/snap/fig.png"
    assert graph_page("frontier-abc", run=folder) == (folder / "lineage.html").as_uri() + \
        "#node=cache/trends/f/index-1.parquet"
