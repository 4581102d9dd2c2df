"""The service end to end: `make serve`'s script starts a real Prefect server (free loopback port), the work pool,
every deployment of prefect.yaml and a worker; runs are triggered through the REST API the UI uses.

- the estimate deployment, run with non-default parameters: its task graph, artifacts, asset events, output files,
  the lineage in its Parquet metadata and manifest, and `inference-trends lineage` on its outputs;
- the ingest deployment: a new file in the inbox triggers exactly one estimate run, the same content again none,
  and an invalid file lands in rejected/ with its error report; the run's final state message says so;
- the run forms: flat, typed parameters with defaults (no null switches), the preset a choice, every deployment
  described;
- the inbox watcher: no ingest run while the inbox is empty, exactly one when a file arrives (rejected: a Failed run
  and one event per file);
- a second worker started by hand (`prefect worker start --pool ...`, plain environment but for the API's password)
  serves a rerun from the cache: the locations are the deployments' job variables; `make worker` restarts the
  service's worker;
- the API is closed to other web pages (CORS) and to callers without the password (401; the password is in
  .serve/api-auth, 0600, never in the output, the logs, .serve/env or the deployments), `make serve` says how to log
  into the UI, and a deployment run that names a folder outside the allowed ones fails and touches nothing there.

`scripts/stop.sh` must then stop exactly what was started. About 4 minutes in all on a busy 2-core machine (the
confinement check adds about 20 s).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest

from tests.conftest import BUNDLED_SNAPSHOT, FIXTURES
from tasks.platform.artifacts import ARTIFACT_KEYS
from tasks.platform.assets import asset_key
from tasks.files.settings import ALLOWED_ROOTS_ENV, PROJECT_ROOT, allowed_roots, runs_dir

TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
LIGHT = {"bootstrap_resamples": 0, "figures": False, "history": False}


def git_version() -> str:
    """What scripts/serve.sh deploys as the version: the short commit, ``-dirty`` with uncommitted changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(PROJECT_ROOT), *args], capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
    return commit + ("-dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def service(tmp_path_factory, session_dir):
    if shutil.which("setsid") is None:
        pytest.skip("setsid (util-linux) is needed by scripts/serve.sh")
    root = tmp_path_factory.mktemp("service")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(
        BIN=str(Path(sys.executable).parent), INFERENCE_TRENDS_PORT=str(port),
        INFERENCE_TRENDS_SERVE_DIR=str(root / "serve"), PREFECT_HOME=str(root / "prefect-home"),
        INFERENCE_TRENDS_INBOX=str(root / "inbox"), INFERENCE_TRENDS_REPORTS_PORT=str(free_port()),
        PREFECT_WORKER_QUERY_SECONDS="2", PREFECT_LOGGING_LEVEL="INFO",
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",  # no scheduled run may start during the test
        INFERENCE_TRENDS_WATCH_SECONDS="2", INFERENCE_TRENDS_WATCH_SETTLE="1",  # the inbox watcher, quickly
        # what deployment runs may use: the tests' temporary folders (presets, run folders, inboxes) and data/
        INFERENCE_TRENDS_ALLOWED_ROOTS=os.pathsep.join(map(str, (tmp_path_factory.getbasetemp(), session_dir,
                                                                 PROJECT_ROOT / "data"))),
    )  # cache and runs folders: the test session's (conftest), so that this process can trace the lineage
    started = subprocess.run(["bash", str(PROJECT_ROOT / "scripts" / "serve.sh")], env=env, capture_output=True,
                             text=True, timeout=240)
    serve_dir = root / "serve"
    try:
        assert started.returncode == 0, started.stdout + started.stderr + _logs(serve_dir)
        assert f"Prefect UI:   http://127.0.0.1:{port}" in started.stdout
        api = f"http://127.0.0.1:{port}/api"
        auth = (serve_dir / "api-auth").read_text().strip()
        headers = {"Authorization": "Basic " + base64.b64encode(auth.encode()).decode()}
        with httpx.Client(base_url=api, timeout=30, headers=headers, transport=RetryOn5xx()) as client:
            yield {"client": client, "root": root, "inbox": root / "inbox", "serve_dir": serve_dir,
                   "stdout": started.stdout + started.stderr, "env": env, "api": api, "auth": auth}
    finally:
        pids = {p.stem: int(p.read_text()) for p in serve_dir.glob("*.pid")}
        stopped = subprocess.run(["bash", str(PROJECT_ROOT / "scripts" / "stop.sh")], env=env, capture_output=True,
                                 text=True, timeout=60)
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        assert set(pids) == {"server", "worker", "reports", "watcher"}, pids
        for name, pid in pids.items():
            assert not _alive(pid), f"{name} (pid {pid}) still running after stop.sh"
        assert not list(serve_dir.glob("*.pid"))


class RetryOn5xx(httpx.HTTPTransport):
    """The tests' API client retries a 5xx answer, as Prefect's own client and the UI's user do: the server's SQLite
    under the suite's load on 2 cores may answer 500 (database busy) once. Without this, one such answer failed
    test_a_deployment_run_cannot_reach_outside_the_allowed_folders in CI (KeyError 'id' on an error body)."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for attempt in range(5):
            response = super().handle_request(request)
            if response.status_code < 500 or attempt == 4:
                return response
            response.read()
            response.close()
            time.sleep(2 * (attempt + 1))
        raise AssertionError("unreachable")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()


def _logs(serve_dir: Path) -> str:
    return "".join(f"\n--- {p.name}\n" + p.read_text()[-3000:] for p in sorted(Path(serve_dir).glob("*.log")))


def create_run(client: httpx.Client, name: str, parameters: dict) -> str:
    """Create a run of deployment ``name`` as the UI's Run button does; its id, or an error that quotes the answer."""
    found = client.get(f"/deployments/name/{name}")
    assert found.status_code == 200, f"deployment {name}: {found.status_code} {found.text[:2000]}"
    created = client.post(f"/deployments/{found.json()['id']}/create_flow_run", json={"parameters": parameters})
    assert created.status_code == 201, f"create_flow_run of {name}: {created.status_code} {created.text[:2000]}"
    return created.json()["id"]


def run_deployment(client: httpx.Client, name: str, parameters: dict, timeout: float = 300) -> dict:
    return wait_for(client, create_run(client, name, parameters), timeout)


def wait_for(client: httpx.Client, flow_run_id: str, timeout: float = 300) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        run = client.get(f"/flow_runs/{flow_run_id}").json()
        if run["state_type"] in TERMINAL:
            return run
        time.sleep(1)
    raise AssertionError(f"flow run {flow_run_id} did not finish in {timeout} s: {run['state_type']}")


def estimate_runs(client: httpx.Client) -> list[dict]:
    deployment = client.get("/deployments/name/estimate/estimate").json()
    runs = client.post("/flow_runs/filter", json={"deployments": {"id": {"any_": [deployment["id"]]}}}).json()
    return [run for run in runs if not run["auto_scheduled"]]  # not the daily schedule's future runs


def test_estimate_deployment_with_parameters_end_to_end(service, tmp_path, tiny_preset):
    client = service["client"]
    deployment = client.get("/deployments/name/estimate/estimate").json()
    assert deployment["schedules"] and deployment["schedules"][0]["schedule"]["cron"] == "0 6 * * *"
    assert deployment["version"] == git_version()  # the code a deployment runs, on its page in the UI

    out = tmp_path / "run"
    config = {**LIGHT, "custom_preset": str(tiny_preset), "input": str(BUNDLED_SNAPSHOT), "bootstrap_resamples": 60,
              "out": str(out)}
    run = run_deployment(client, "estimate/estimate", config)
    assert run["state_type"] == "COMPLETED", (run["state"], _logs(service["serve_dir"]))

    # the task graph: the stages, one fit task per (snapshot, preset, method), the publication steps; no subflow
    graph = [node for _, node in client.get(f"/flow_runs/{run['id']}/graph-v2").json()["nodes"]]
    names = {node["label"].removesuffix(" · cached") for node in graph}  # cached task runs say so in their name
    for expected in ("ingest-snapshot[futuretech-2025-07]", "clean-and-assemble[futuretech-2025-07]",
                     "fit[futuretech-2025-07 · futuretech-2025 · frontier]",
                     "collect-trends", "publish-run-folder", "materialize-analysis-futuretech-2025-07",
                     "materialize-trends", "materialize-report", "publish-artifacts"):
        assert expected in names, (expected, sorted(names))
    assert not [n for n in graph if n["kind"] == "flow-run"]
    fit_node = next(n for n in graph if n["label"].startswith("fit["))
    collect = next(n for n in graph if n["label"].removesuffix(" · cached") == "collect-trends")
    assert fit_node["id"] in {edge["id"] for edge in collect["parents"]}  # the edge the UI draws: fit -> collect
    trends = pd.read_csv(out / "trends.csv")
    frontier_ids = {t for t in trends["trend_id"] if t.startswith("frontier-")}

    # the outputs, with the non-default parameters in force
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["flow_run_id"] == run["id"]
    assert manifest["config"]["bootstrap_resamples"] == 60  # the preset file is outside the project: shown by name
    assert manifest["config"]["preset"] == f"<outside the project>/{tiny_preset.name}"
    assert not (out / "figures").exists()  # figures = false
    by_path = {o["path"]: o for o in manifest["outputs"]}
    task_runs = {r["task_run_id"]: r for r in manifest["tasks"]}
    assert by_path["trends.csv"]["produced_by"]["task"] == "publish-run"  # written from the collected Parquet
    assert by_path["replicates.parquet"]["produced_by"]["task"] == "collect-trends"
    assert by_path["analysis/futuretech-2025-07.parquet"]["produced_by"]["task"] == "clean"
    computed = [o for o in manifest["outputs"] if o["produced_by"]["task"] != "publish-run"]
    assert len(computed) >= 5 and all(o["produced_by"]["task_run_id"] in task_runs for o in computed)
    # headline.json: the report's numbers with the run id added, so written by the publish task (step 15)
    assert by_path["headline.json"]["produced_by"]["task"] == "publish-run"
    fit = next(r for r in manifest["tasks"] if r["stage"] == "fit")
    assert fit["flow_run_id"] == run["id"] and fit["task_run_id"] == fit_node["id"]
    assert set(manifest["trends"]) == set(trends["trend_id"])  # every trend -> its batch task run and code hash
    assert {p["task_run_id"] for p in manifest["trends"].values()} <= set(task_runs)

    # the run page: a handful of artifacts, listed in reader order by the query the UI makes (newest id first)
    listed = client.post("/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [run["id"]]},
                                                                  "type": {"not_any_": ["result"]}},
                                                    "sort": "ID_DESC", "offset": 0}).json()
    assert [a["key"] for a in listed] == [f"estimate-{key}" for key in ARTIFACT_KEYS], [a["key"] for a in listed]
    keys = {a["key"]: a for a in listed}
    assert "Record-low frontier by quality band" in keys["estimate-report"]["data"]
    # the lineage page links each task run to its page in this server's current UI (/v2), and to the graph
    ui = f"http://127.0.0.1:{service['env']['INFERENCE_TRENDS_PORT']}"
    assert f"[{fit['task']}]({ui}/v2/runs/task-run/{fit['task_run_id']})" in keys["estimate-lineage"]["data"]
    # the lineage graph: in the run folder, each task-run link resolves through the API to a task run of a run
    graph = (out / "lineage.html").read_text()
    links = set(re.findall(r'class="task-run" href="([^"]+)"', graph))
    assert links and all(link.startswith(f"{ui}/v2/runs/task-run/") for link in links), sorted(links)[:3]
    for link in links:
        task_run = client.get(f"/task_runs/{link.rsplit('/', 1)[1]}")
        assert task_run.status_code == 200, (link, task_run.status_code)
    assert fit["task_run_id"] in {link.rsplit("/", 1)[1] for link in links}
    assert "lineage.html" in by_path  # listed in the manifest, like every file of the run folder
    # each task run's read/write page is on its own page only
    per_task = client.post("/artifacts/filter", json={"artifacts": {
        "task_run_id": {"any_": [fit["task_run_id"]]}}}).json()
    assert len(per_task) == 1 and per_task[0]["flow_run_id"] is None
    assert run["name"] == "futuretech-2025-tiny on futuretech-2025-07"

    # asset events: snapshot tables -> analysis table -> trends.csv -> report
    events = client.post("/events/filter", json={"filter": {
        "event": {"prefix": ["prefect.asset.materialization"]},
        "resource": {"id_prefix": [asset_key(out)]}}, "limit": 50}).json()["events"]
    materialized = {e["resource"]["prefect.resource.id"]: e for e in events}
    trends_event = materialized[asset_key(out / "trends.csv")]
    assert trends_event["payload"]["sha256"] == by_path["trends.csv"]["sha256"]
    upstream = {r["prefect.resource.id"] for r in trends_event["related"] if r["prefect.resource.role"] == "asset"}
    assert asset_key(out / "analysis" / "futuretech-2025-07.parquet") in upstream
    analysis_event = materialized[asset_key(out / "analysis" / "futuretech-2025-07.parquet")]
    assert asset_key(BUNDLED_SNAPSHOT / "prices.csv") in {
        r["prefect.resource.id"] for r in analysis_event["related"]}

    # lineage from the trend back to the raw file of the bundled snapshot
    from flows.lineage import explain

    trend_id = sorted(frontier_ids)[0]
    lines = "\n".join(explain(trend_id, run=out))
    raw = json.loads((BUNDLED_SNAPSHOT / "snapshot.json").read_text())["sources"][0]
    record = task_runs[manifest["trends"][trend_id]["task_run_id"]]
    assert f"task run {record['task_run_id']}" in lines  # the fit task run that computed (or was served) the trend
    assert "task clean" in lines and "task ingest-snapshot" in lines
    assert f"raw {raw['file']}  sha256 {raw['sha256'][:16]}" in lines, lines


def test_inbox_new_file_triggers_exactly_one_estimate(service, tiny_preset):
    client = service["client"]
    inbox = service["root"] / "manual-inbox"  # not the watched inbox: these runs are started here, by hand
    inbox.mkdir(exist_ok=True)
    before = len(estimate_runs(client))
    data = FIXTURES / "futuretech_small.csv"
    shutil.copyfile(data, inbox / "small-prices.csv")
    bad = inbox / "broken.csv"
    bad.write_text("Model,Creator\nonly,two columns\n")
    ingest = {"inbox": str(inbox), "settle_seconds": 0, **LIGHT, "custom_preset": str(tiny_preset)}

    first = run_deployment(client, "ingest/ingest", ingest)
    assert first["state_type"] == "COMPLETED", _logs(service["serve_dir"])
    assert first["state"]["message"].startswith("1 accepted, 1 rejected (rejected: broken.csv: no adapter"), first
    assert "--format" not in first["state"]["message"]
    runs = [r for r in estimate_runs(client) if "ingest" in r["tags"]]
    assert len(estimate_runs(client)) == before + 1 and len(runs) == 1
    triggered = wait_for(client, runs[0]["id"])
    assert triggered["state_type"] == "COMPLETED", _logs(service["serve_dir"])
    accepted = Path(triggered["parameters"]["input"])
    assert accepted.read_bytes() == data.read_bytes() and accepted.parent.parent == inbox / "accepted"
    manifest = next(m for m in (json.loads(p.read_text()) for p in runs_dir().glob("*/manifest.json"))
                    if m["flow_run_id"] == triggered["id"])
    ingest_record = next(r for r in manifest["tasks"] if r["stage"] == "ingest")
    assert ingest_record["state"] == "Cached"  # validated by the ingest run: the estimate run reuses it
    assert (inbox / "rejected" / "broken.csv").exists() and not bad.exists()
    report = (inbox / "rejected" / "broken.csv.error.txt").read_text()
    assert str(inbox / "rejected" / "broken.csv") in report and "no adapter recognises" in report
    assert "--format" not in report and "has no format option" in report

    # the same content again, under another name: nothing runs
    shutil.copyfile(data, inbox / "small-prices-again.csv")
    second = run_deployment(client, "ingest/ingest", ingest)
    assert second["state_type"] == "COMPLETED" and second["state"]["message"] == "0 accepted, 1 duplicate, 0 rejected"
    time.sleep(3)  # a triggered run would be created within the ingest run, before it completed
    assert len(estimate_runs(client)) == before + 1
    assert not (inbox / "small-prices-again.csv").exists()
    ledger = pd.read_csv(inbox / ".inbox-state" / "ledger.csv", dtype=str, keep_default_na=False)
    assert dict(zip(ledger["name"], ledger["outcome"])) == {
        "small-prices.csv": "accepted", "broken.csv": "rejected", "small-prices-again.csv": "duplicate"}
    assert ledger.set_index("name").loc["small-prices.csv", "estimate_flow_run"] == runs[0]["id"]


def ingest_runs(client: httpx.Client) -> list[dict]:
    deployment = client.get("/deployments/name/ingest/ingest").json()
    runs = client.post("/flow_runs/filter", json={"deployments": {"id": {"any_": [deployment["id"]]}}}).json()
    return [run for run in runs if not run["auto_scheduled"]]


def test_run_forms_are_flat_typed_and_described(service):
    from tasks.study.presets import bundled_presets

    client = service["client"]
    deployments = {d["name"]: d for d in client.post("/deployments/filter", json={}).json()}
    assert set(deployments) == {"estimate", "ingest", "build-snapshot", "price-history", "fetch-aa"}
    for name, deployment in deployments.items():
        assert len(deployment["description"] or "") > 80, (name, deployment["description"])
        form = deployment["parameter_openapi_schema"]  # what the UI renders as the run form
        assert not form.get("definitions"), (name, form)  # no nested object
        for field, spec in form["properties"].items():
            assert spec.get("description"), (name, field)
            assert "anyOf" not in spec, (name, field, spec)  # no "str | None" switch
            assert "default" in spec or field in form.get("required", []), (name, field)
    estimate = deployments["estimate"]["parameter_openapi_schema"]["properties"]
    assert estimate["preset"]["enum"] == [*bundled_presets(), "all"] and estimate["preset"]["default"] == "all"
    assert estimate["bootstrap_resamples"]["type"] == "integer" and estimate["figures"]["type"] == "boolean"
    assert estimate["input"]["default"] == "" and "relative to the project" in estimate["input"]["description"].lower()
    assert deployments["build-snapshot"]["parameter_openapi_schema"]["required"] == ["inputs", "name"]
    ingest = deployments["ingest"]
    assert not [s for s in ingest["schedules"] if "interval" in s["schedule"]]  # no 2-minute poll


def test_watcher_creates_an_ingest_run_only_for_new_files(service):
    client, inbox, serve_dir = service["client"], service["inbox"], service["serve_dir"]
    assert (serve_dir / "watcher.pid").exists()
    before = len(ingest_runs(client))
    time.sleep(10)  # five poll periods of the watcher with an empty inbox
    assert len(ingest_runs(client)) == before, _logs(serve_dir)

    (inbox / "truncated.json").write_text('{"status": 200, "data": [{"id": "a", "name": "A"}, {"id": ')
    deadline = time.time() + 60
    while len(ingest_runs(client)) == before and time.time() < deadline:
        time.sleep(1)
    runs = ingest_runs(client)
    assert len(runs) == before + 1, _logs(serve_dir)
    run = wait_for(client, runs[0]["id"] if len(runs) == 1 else max(runs, key=lambda r: r["created"])["id"], 120)
    assert "inbox-watcher" in run["tags"] and run["name"] == "ingest truncated.json"  # named after its file
    # given what the watcher saw: taken whatever the deployment's own settle_seconds (10) says (before, a run that
    # started within 10 s of the file's write found "nothing new in the inbox" and ended Completed)
    [entry] = run["parameters"]["entries"]
    assert entry.startswith("truncated.json (58 bytes, mtime ") and "settle_seconds" not in run["parameters"]
    # everything new was rejected: a red run whose message says what and why
    assert run["state_type"] == "FAILED", (run["state"], _logs(serve_dir))
    assert run["state"]["message"].startswith("0 accepted, 1 rejected (rejected: truncated.json: not valid JSON"), \
        run["state"]
    time.sleep(6)  # the rejected file left the inbox: no further run
    assert len(ingest_runs(client)) == before + 1

    rejected = inbox / "rejected" / "truncated.json"
    assert rejected.exists() and str(rejected) in (inbox / "rejected" / "truncated.json.error.txt").read_text()
    events = client.post("/events/filter", json={"filter": {"event": {"name": ["inference-trends.ingest.rejected"]},
                                                            "resource": {"id": [f"inference-trends.file.{rejected}"]}},
                                                 "limit": 10}).json()["events"]
    deadline = time.time() + 20
    while not events and time.time() < deadline:  # events are written in batches
        time.sleep(1)
        events = client.post("/events/filter", json={"filter": {
            "event": {"name": ["inference-trends.ingest.rejected"]},
            "resource": {"id": [f"inference-trends.file.{rejected}"]}}, "limit": 10}).json()["events"]
    assert len(events) == 1, events
    assert "not valid JSON" in events[0]["payload"]["reason"] and events[0]["payload"]["name"] == "truncated.json"
    # the failed detect-format task run names the file where it is now
    tasks = client.post("/task_runs/filter", json={"flow_runs": {"id": {"any_": [run["id"]]}}}).json()
    detect = next(t for t in tasks if t["name"] == "detect-format-truncated.json")
    assert detect["state_type"] == "FAILED" and str(rejected) in detect["state"]["message"]
    # the whole reason, wrapped, in the run's ingest-rejections page (a table cell cuts it off)
    pages = client.post("/artifacts/filter", json={"artifacts": {"key": {"any_": ["ingest-rejections"]},
                                                                 "flow_run_id": {"any_": [run["id"]]}}}).json()
    assert len(pages) == 1 and "## truncated.json" in pages[0]["data"] and str(rejected) in pages[0]["data"]
    assert "not valid JSON" in pages[0]["data"] and "Expecting" in pages[0]["data"]


def _stop_plain_worker(worker: subprocess.Popen) -> None:
    """Stop a worker as a user would (SIGTERM to its process group), once it is idle.

    The API reports a flow run COMPLETED a moment before the worker's flow-run process has exited; a SIGTERM in that
    moment is forwarded to the exiting process, and the worker then waited on it for over 30 s (seen once under
    load). So: wait for the worker's children to end first (up to 60 s), then stop it, and kill what is left if it
    has not stopped 60 s later (this test is about the cache, not about how fast Prefect's worker stops).
    """
    import psutil

    deadline = time.monotonic() + 60
    with contextlib.suppress(psutil.NoSuchProcess):
        while psutil.Process(worker.pid).children(recursive=True) and time.monotonic() < deadline:
            time.sleep(0.5)
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(60)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)


def test_plain_worker_serves_a_rerun_from_cache(service, tmp_path, tiny_preset):
    client, serve_dir, env = service["client"], service["serve_dir"], service["env"]
    parameters = {**LIGHT, "custom_preset": str(tiny_preset), "input": str(BUNDLED_SNAPSHOT)}
    first = run_deployment(client, "estimate/estimate", parameters)
    assert first["state_type"] == "COMPLETED", _logs(serve_dir)

    # the service's worker stops; a worker started as the UI's work-pool page says, in a plain environment
    stopped = subprocess.run(["bash", str(PROJECT_ROOT / "scripts" / "stop.sh"), "worker"], env=env,
                             capture_output=True, text=True, timeout=60)
    assert stopped.returncode == 0 and not (serve_dir / "worker.pid").exists(), stopped.stdout + stopped.stderr
    plain_env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(tmp_path)),
                 "PREFECT_API_URL": str(client.base_url).rstrip("/"), "PREFECT_HOME": str(tmp_path / "plain-home"),
                 "PREFECT_WORKER_QUERY_SECONDS": "2", "DO_NOT_TRACK": "1",
                 "PREFECT_API_AUTH_STRING": service["auth"]}  # the API's password: `source .serve/env` gives it
    prefect = str(Path(sys.executable).parent / "prefect")
    worker = subprocess.Popen([prefect, "worker", "start", "--pool", "inference-trends"], env=plain_env,
                              cwd=tmp_path, stdout=open(tmp_path / "plain-worker.log", "w"),
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        second = run_deployment(client, "estimate/estimate", parameters)  # default run folder: data/runs/RUN_ID
        log = (tmp_path / "plain-worker.log").read_text()
        assert second["state_type"] == "COMPLETED", log[-5000:]
    finally:
        _stop_plain_worker(worker)
        # `make worker` brings the service's worker back (pid file: `make stop` stops it)
        restarted = subprocess.run(["bash", str(PROJECT_ROOT / "scripts" / "worker.sh")], env=env,
                                   capture_output=True, text=True, timeout=60)
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    assert (serve_dir / "worker.pid").exists() and "make stop" in restarted.stdout
    assert f"flow run '{second['name']}'" in log or second["name"] in log  # the plain worker ran it

    manifest = next(m for m in (json.loads(p.read_text()) for p in runs_dir().glob("*/manifest.json"))
                    if m["flow_run_id"] == second["id"])
    recomputed = [(t["stage"], t["task"], t["state"]) for t in manifest["tasks"]
                  if t["stage"] in ("ingest", "clean", "fit", "collect") and t["state"] != "Cached"]
    assert not recomputed, recomputed
    assert not (tmp_path / "plain-home" / "storage").exists()  # no result went to the worker's own Prefect home
    artifacts = client.post("/artifacts/filter", json={"artifacts": {
        "flow_run_id": {"any_": [second["id"]]}, "key": {"any_": ["estimate-answer"]}}}).json()
    assert artifacts and re.search(r"\]\(http://127\.0\.0\.1:\d+/[^)]*/report\.html\)", artifacts[0]["data"]), \
        artifacts[0]["data"]  # the report link over the run-folder file server, not file://


def test_schedules_paused_in_the_ui_stay_paused_after_a_redeploy(service):
    """Pause a schedule (its toggle) and a deployment (its toggle) as the UI does, redeploy as `make serve` does
    (scripts/deploy.sh): both stay paused, the other schedules stay active, every schedule says UTC."""
    client, serve_dir = service["client"], service["serve_dir"]

    def deployment(name: str) -> dict:
        return client.get(f"/deployments/name/{name}").json()

    estimate = deployment("estimate/estimate")
    schedule = estimate["schedules"][0]
    assert client.patch(f"/deployments/{estimate['id']}/schedules/{schedule['id']}",
                        json={"active": False}).status_code == 204
    history = deployment("price-history/price-history")
    assert client.post(f"/deployments/{history['id']}/pause_deployment").status_code == 200
    try:
        redeployed = subprocess.run(["bash", "-c", f"source {serve_dir}/env && bash scripts/deploy.sh"],
                                    env=service["env"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                                    timeout=240)
        assert redeployed.returncode == 0, redeployed.stdout + redeployed.stderr + _logs(serve_dir)
        estimate, history = deployment("estimate/estimate"), deployment("price-history/price-history")
        assert [s["active"] for s in estimate["schedules"]] == [False], estimate["schedules"]
        assert estimate["schedules"][0]["slug"] == schedule["slug"] == "daily-0600-utc"
        assert history["paused"] is True and not deployment("ingest/ingest")["paused"]
        assert all(s["active"] for s in deployment("ingest/ingest")["schedules"])
        assert "kept as set in the UI: price-history/price-history: deployment paused" in redeployed.stdout
        for name in ("estimate/estimate", "ingest/ingest", "price-history/price-history"):
            assert all(s["schedule"]["timezone"] == "UTC" for s in deployment(name)["schedules"]), name
    finally:  # as they were, for the module's other tests
        client.patch(f"/deployments/{estimate['id']}/schedules/{estimate['schedules'][0]['id']}",
                     json={"active": True})
        client.post(f"/deployments/{history['id']}/resume_deployment")


def test_the_api_is_closed_to_other_pages_and_to_callers_without_the_password(service):
    api, auth, serve_dir = service["api"], service["auth"], service["serve_dir"]
    ui = f"http://127.0.0.1:{service['env']['INFERENCE_TRENDS_PORT']}"
    preflight = {"Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"}
    evil = httpx.options(f"{api}/flow_runs/filter", headers={"Origin": "http://evil.example", **preflight})
    assert "access-control-allow-origin" not in evil.headers, evil.headers  # before: "*"
    own = httpx.options(f"{api}/flow_runs/filter", headers={"Origin": ui, **preflight})
    assert own.headers["access-control-allow-origin"] == ui  # the UI itself still may
    anonymous = httpx.post(f"{api}/flow_runs/filter", json={}, headers={"Origin": "http://evil.example"})
    assert anonymous.status_code == 401 and "access-control-allow-origin" not in anonymous.headers  # before: 200
    wrong = httpx.post(f"{api}/deployments/filter", json={}, auth=("inference-trends", "guess"))
    assert wrong.status_code == 401
    assert httpx.get(f"{api}/health").status_code == 200  # what serve.sh waits on, without the password

    # the password: generated, this user's only, never shown or logged, not in .serve/env nor in the deployments
    assert auth.startswith("inference-trends:") and len(auth) > 40
    assert (serve_dir / "api-auth").stat().st_mode & 0o777 == 0o600 and serve_dir.stat().st_mode & 0o777 == 0o700
    secret = auth.split(":", 1)[1]
    assert "UI login:     the UI asks once for a password: paste the line of " + str(serve_dir / "api-auth") \
        in service["stdout"]
    assert secret not in service["stdout"] and secret not in (serve_dir / "env").read_text()
    for log in serve_dir.glob("*.log"):
        assert secret not in log.read_text(errors="replace"), log.name
    deployments = service["client"].post("/deployments/filter", json={}).json()
    assert deployments and secret not in json.dumps(deployments)
    env_file = (serve_dir / "env").read_text()
    assert f"export PREFECT_API_AUTH_STRING=\"$(cat '{serve_dir / 'api-auth'}')\"" in env_file
    sourced = subprocess.run(["bash", "-c", f"source '{serve_dir / 'env'}' && printf %s \"$PREFECT_API_AUTH_STRING\""],
                             capture_output=True, text=True)
    assert sourced.stdout == auth  # `source .serve/env` users (and `make worker`) authenticate


def test_a_deployment_run_cannot_reach_outside_the_allowed_folders(service, monkeypatch):
    client = service["client"]
    elsewhere = Path(tempfile.mkdtemp(prefix="inference-trends-elsewhere-"))  # not under any allowed root
    try:
        (elsewhere / "sub").mkdir()
        (elsewhere / "taxes.pdf").write_bytes(b"%PDF-1.4 private")
        (elsewhere / "authorized_keys").write_text("ssh-ed25519 AAAA me@home\n")
        (elsewhere / "sub" / "notes.txt").write_text("mine\n")
        before = {p.relative_to(elsewhere): p.read_bytes() for p in elsewhere.rglob("*") if p.is_file()}
        out = elsewhere / "run"
        runs = [(name, create_run(client, name, parameters))
                for name, parameters in (("estimate/estimate", {**LIGHT, "out": str(out)}),
                                         ("ingest/ingest", {"inbox": str(elsewhere), "settle_seconds": 0}))]
        monkeypatch.setenv(ALLOWED_ROOTS_ENV, service["env"][ALLOWED_ROOTS_ENV])  # the service's list, resolved here
        roots = ", ".join(map(str, allowed_roots(write=True)))
        for (name, run_id), (parameter, path) in zip(runs, (("out", out), ("inbox", elsewhere))):
            run = wait_for(client, run_id)
            assert run["state_type"] == "FAILED", (name, run["state"], _logs(service["serve_dir"]))
            assert run["state"]["message"] == (
                f"Flow run encountered an exception: PathNotAllowed: {parameter}: {path} is outside the folders a "
                f"deployment run may write to: {roots} ({ALLOWED_ROOTS_ENV} of the service; the command line is not "
                "restricted)"), run["state"]
        after = {p.relative_to(elsewhere): p.read_bytes() for p in elsewhere.rglob("*") if p.is_file()}
        assert after == before and not out.exists() and sorted(p.name for p in elsewhere.iterdir()) == [
            "authorized_keys", "sub", "taxes.pdf"]  # before: moved to rejected/, and a run folder written there
    finally:
        shutil.rmtree(elsewhere, ignore_errors=True)
