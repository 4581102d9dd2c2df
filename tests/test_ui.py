"""What a user sees of an estimate run in the Prefect UI, checked through the API the UI reads (session test
harness): the lineage page, cache hits, names and tags, the trends table's columns, and task inputs the UI renders.

Three runs of the tiny preset on the study's snapshot: computed (``refresh_cache``), then served from cache, then
the fit stage on Dask.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
from pathlib import Path

import pytest

from tasks.files.settings import PROJECT_ROOT
from tasks.platform.artifacts import ARTIFACT_KEYS
from tests.conftest import BUNDLED_SNAPSHOT, run_estimate

pytestmark = pytest.mark.e2e

SNAPSHOT = BUNDLED_SNAPSHOT.name
RENDERED_INPUT_KINDS = {"task_run", "parameter", "constant"}  # not "flow_run": the UI's task runs page fails on it


def run(out: Path, preset: Path, **config) -> dict:
    logger = logging.getLogger("prefect.flow_runs")
    level = logger.level
    logger.setLevel(logging.INFO)  # the run's INFO lines reach the API (the session's level is WARNING)
    try:  # run_estimate drains the log worker: the run's lines reach the API before the tests read them
        return run_estimate(input=str(BUNDLED_SNAPSHOT), preset=str(preset), out=str(out), figures=False, **config)
    finally:
        logger.setLevel(level)


@pytest.fixture(scope="module")
def computed(prefect_harness, tmp_path_factory, tiny_preset) -> dict:
    return run(tmp_path_factory.mktemp("ui") / "computed", tiny_preset, refresh_cache=True)


@pytest.fixture(scope="module")
def cached(computed, tmp_path_factory, tiny_preset) -> dict:
    return run(tmp_path_factory.mktemp("ui") / "cached", tiny_preset)


@pytest.fixture(scope="module")
def on_dask(cached, tmp_path_factory, tiny_preset) -> dict:
    return run(tmp_path_factory.mktemp("ui") / "dask", tiny_preset, task_runner="dask", refresh_cache=True)


def client():
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


def flow_run_ids(summary: dict) -> list:
    """The run's flow run and its subflows (the Dask one)."""
    ids = {summary["flow_run_id"]} | {r["flow_run_id"] for r in summary["tasks"]}
    return sorted(ids)


def task_runs(summary: dict) -> list:
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with client() as c:
        return c.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=flow_run_ids(summary))),
                                limit=200)


def artifacts(summary: dict) -> dict:
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with client() as c:
        return {a.key: a for a in c.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[summary["flow_run_id"]])))}


def test_flow_run_is_named_after_its_preset_and_snapshot(computed):
    with client() as c:
        flow_run = c.read_flow_run(computed["flow_run_id"])
    assert flow_run.name == f"futuretech-2025-tiny on {SNAPSHOT}"


def test_task_runs_are_named_and_tagged_by_their_snapshot(cached):
    runs = task_runs(cached)
    records = {r["task_run_id"]: r for r in cached["tasks"]}
    names = {run.name.removesuffix(" · cached") for run in runs}
    for expected in (f"ingest-snapshot[{SNAPSHOT}]", f"clean-and-assemble[{SNAPSHOT}]",
                     f"fit[{SNAPSHOT} · futuretech-2025 · frontier]", "collect-trends", "publish-run-folder"):
        assert expected in names, (expected, sorted(names))
    for task_run in runs:
        # few tags (each costs concurrency-limit look-ups): one stage, and the snapshot where there is one
        stages = [t for t in task_run.tags if t.startswith("stage:")]
        assert len(stages) == 1 and set(task_run.tags) - set(stages) <= {f"snapshot:{SNAPSHOT}"}, task_run.tags
        record = records.get(str(task_run.id))
        if record and record.get("snapshot"):
            assert SNAPSHOT in task_run.name, task_run.name
        if SNAPSHOT in task_run.name:  # a task run of one snapshot (materialize-analysis-<snapshot> included)
            assert f"snapshot:{SNAPSHOT}" in task_run.tags, (task_run.name, task_run.tags)


def test_cached_task_runs_say_so_in_their_name_and_the_last_log_line(computed, cached):
    for summary, expect_cached in ((computed, False), (cached, True)):
        states = {r["task_run_id"]: r["state"] for r in summary["tasks"]}
        assert set(states.values()) == ({"Cached"} if expect_cached else {"Completed"}), [(r["task"], r["state"]) for r in summary["tasks"] if r["state"] != ("Cached" if expect_cached else "Completed")]
        for task_run in task_runs(summary):
            marked = task_run.name.endswith(" · cached")
            assert marked == (task_run.state_name == "Cached"), (task_run.name, task_run.state_name)
            if str(task_run.id) in states:
                assert marked == expect_cached, task_run.name
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.client.schemas.sorting import LogSort

    with client() as c:
        logs = c.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[cached["flow_run_id"]])),
                           sort=LogSort.TIMESTAMP_ASC, limit=200)
    ours = [log.message for log in logs if not log.message.startswith("Finished in state")]
    n = len(cached["tasks"])
    assert ours[-1] == f"{n} of {n} tasks served from cache (0 computed)", ours[-3:]


def test_lineage_page_traces_the_run_to_its_raw_files(cached):
    page = artifacts(cached)["estimate-lineage"]
    assert page.type == "markdown"
    text = page.data
    manifest = json.loads((Path(cached["run_dir"]) / "manifest.json").read_text())
    headline = json.loads((Path(cached["run_dir"]) / "headline.json").read_text())
    # the raw files the snapshot was built from: name, sha256, origin
    sources = json.loads((BUNDLED_SNAPSHOT / "snapshot.json").read_text())["sources"]
    assert sources
    for source in sources:
        row = next(line for line in text.splitlines() if f"| {source['file']} |" in line)
        assert source["sha256"][:12] in row and SNAPSHOT in row
    # the code that ran, and the cache at a glance
    assert manifest["code"]["git_commit"][:12] in text
    assert f"{len(manifest['tasks'])} of {len(manifest['tasks'])} tasks served from cache" in text
    # every task run as a link to its page (or its id, when this API has no UI), with cached / computed
    for record in manifest["tasks"]:
        assert (f"/runs/task-run/{record['task_run_id']})" in text or f"`{record['task_run_id']}`" in text), record
    rows = [line for line in text.splitlines() if line.startswith("| ") and "task-run" in line]
    assert rows and all("| cached |" in line for line in rows if "publish-run" not in line)
    # the headline trends: the task run that fitted each, and the files it read
    fitted = [manifest["trends"][t] for e in headline["entries"] for t in str(e["trend_id"]).split(",")
              if t in manifest["trends"]]
    assert fitted and all(p["task_run_id"] in text for p in fitted)
    assert "## Headline trends" in text and "analysis.parquet `" in text  # the input, with its short hash
    # narrow: the visible text of every table row short (link targets aside; paragraphs wrap), no absolute paths
    for line in (line for line in text.splitlines() if line.startswith("|")):
        visible = re.sub(r"\]\([^)]*\)", "]", line)
        assert len(visible) <= 200, visible
    visible = re.sub(r"\]\([^)]*\)", "]", text)  # link targets (the lineage graph's file:// URL) aside
    assert str(PROJECT_ROOT) not in visible and "/tmp/" not in visible


def test_the_answer_leads_the_run_page(cached):
    """The flow run's artifacts: a handful (answer, report, lineage, data quality), the answer first with the primary
    sentence and links to the report, the lineage graph and the figures; no task run's read/write page among them."""
    found = artifacts(cached)
    assert sorted(found) == sorted(f"estimate-{key}" for key in ARTIFACT_KEYS)
    answer = found["estimate-answer"].data
    assert answer.startswith("# The answer of run") and "| at constant quality |" in answer
    for name in ("report.html", "lineage.html", "trends.csv"):
        assert (Path(cached["run_dir"]) / name).resolve().as_uri() in answer
    quality = found["estimate-data-quality"].data
    assert "## Rows in = used + quarantined" in quality and "## Warnings (" in quality


def test_report_header_names_the_code_version(cached):
    commit = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    header = (Path(cached["run_dir"]) / "report.md").read_text().split("\n## ", 1)[0]
    assert commit and f"code `{commit[:12]}`" in header


@pytest.mark.parametrize("which", ["computed", "cached", "on_dask"])
def test_task_inputs_are_of_kinds_the_ui_renders(which, request):
    summary = request.getfixturevalue(which)
    runs = task_runs(summary)
    assert len(runs) >= len(summary["tasks"])
    if which == "on_dask":  # the fit batches ran in the Dask subflow
        assert len({r["flow_run_id"] for r in summary["tasks"] if r["stage"] == "fit"} - {summary["flow_run_id"]}) == 1
    kinds = {(run.name, name, item.input_type) for run in runs for name, items in run.task_inputs.items()
             for item in items}
    assert {kind for *_, kind in kinds} <= RENDERED_INPUT_KINDS, sorted(
        k for k in kinds if k[2] not in RENDERED_INPUT_KINDS)


def test_lineage_page_without_a_ui_shows_task_run_ids_and_short_origins():
    """A command-line run's API has no UI: task runs by id, as text. Origins are short links (narrow tables)."""
    from tasks.platform.lineage import lineage_markdown

    record = {"stage": "ingest", "task": "ingest-snapshot", "name": f"ingest-snapshot[{SNAPSHOT}]",
              "task_run_id": "0000-1111", "state": "Cached", "snapshot": SNAPSHOT, "inputs": [],
              "outputs": [{"file": "cache/canonical/models-0123456789abcdef.parquet", "sha256": "0123456789abcdef" * 4}]}
    manifest = {"run_id": "r1", "code": {"git_commit": "abcdef123456789"}, "tasks": [record],
                "snapshots": [{"name": SNAPSHOT, "sources": [{
                    "file": "art.csv", "sha256": "f" * 64,
                    "origin": "github owner/Some_Repo @ 589218a : art.csv"}]}], "inputs": [], "outputs": []}
    text = lineage_markdown(manifest, None, None)
    assert f"| ingest | ingest-snapshot `0000-1111` | {SNAPSHOT} | cached | models.parquet `01234567` |" in text
    assert "[Some_Repo @ 589218a](https://github.com/owner/Some_Repo/blob/589218a/art.csv)" in text
    assert "/runs/task-run/" not in text and "1 of 1 tasks served from cache" in text


@pytest.mark.parametrize("which", ["computed", "cached"])
def test_each_task_run_page_shows_what_it_read_and_wrote(which, request):
    """A task run's own Artifacts tab lists the files it read and wrote (full sha256), computed or cached."""
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterTaskRunId

    summary = request.getfixturevalue(which)
    fit = next(r for r in summary["tasks"] if r["stage"] == "fit")
    with client() as c:
        pages = c.read_artifacts(artifact_filter=ArtifactFilter(
            task_run_id=ArtifactFilterTaskRunId(any_=[fit["task_run_id"]])))
    assert len(pages) == 1 and pages[0].type == "markdown"
    assert pages[0].flow_run_id is None  # on the task run's page only, not among the flow run's artifacts
    page = pages[0].data
    assert ("served from cache" if which == "cached" else "computed in this run") in page
    read, wrote = page.split("### Wrote")
    for ref in fit["inputs"]:
        assert f"`{ref['file']}` | `{ref['sha256']}`" in read
    assert fit["outputs"] and all(f"`{ref['file']}` | `{ref['sha256']}`" in wrote for ref in fit["outputs"])
