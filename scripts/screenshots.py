"""Screenshots of the Prefect UI of a running `make serve`, taken with headless Chromium, saved to docs/ui/.

    make serve
    .venv/bin/python scripts/screenshots.py            # triggers an estimate run, waits, shoots
    .venv/bin/python scripts/screenshots.py --flow-run ID   # shoots an existing estimate run

What it saves (docs/service.md shows them): the estimate deployment's run form; of an estimate run: its page (run graph,
task runs named after their snapshot, cached ones marked `` · cached``), its Artifacts tab, the lineage artifact
(the page that leads from the run to its raw files, one click from the Artifacts tab) and the report artifact; the
page of one of its fit task runs (tags, task inputs); and an ingest run with its outcomes and the page of its
rejections' whole reasons. Headless Chromium
(Debian's ``chromium``, ``--headless=new``, a 1400 px wide window) is driven over the DevTools protocol: navigate,
let the app load its data, click a tab by its text, take a screenshot. The API asks for basic authentication: the
string comes from ``PREFECT_API_AUTH_STRING`` or ``.serve/api-auth``; the browser is logged in the way the UI's login
page does it (the string in its local storage), never through the command line.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "ui"


def api_url() -> str:
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"].rstrip("/")
    env = ROOT / ".serve" / "env"
    if env.exists():
        for line in env.read_text().splitlines():
            if line.startswith("export PREFECT_API_URL="):
                return line.split("=", 1)[1].strip()
    return "http://127.0.0.1:4200/api"


def auth_string() -> str:
    """The API's basic authentication string of `make serve` (empty: the server asks for none)."""
    if os.environ.get("PREFECT_API_AUTH_STRING"):
        return os.environ["PREFECT_API_AUTH_STRING"]
    path = Path(os.environ.get("INFERENCE_TRENDS_SERVE_DIR", ROOT / ".serve")) / "api-auth"
    return path.read_text().strip() if path.exists() else ""


class Browser:
    """Headless Chromium driven over the DevTools protocol (websockets, already a Prefect dependency): navigate,
    wait for the single-page app to render, click a tab by its text, take a screenshot."""

    def __init__(self) -> None:
        binary = shutil.which("chromium") or shutil.which("chromium-browser")
        if binary is None:
            sys.exit("chromium is not installed (Debian: apt install chromium)")
        self.profile = tempfile.mkdtemp(prefix="screenshots-")
        self.process = subprocess.Popen(
            [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--window-size=1400,1300",
             "--disable-background-networking", "--disable-component-update", "--remote-debugging-port=0",
             f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.time() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if time.time() > deadline:
                sys.exit("chromium did not open its DevTools port")
            time.sleep(0.2)
        port = port_file.read_text().split()[0]
        target = httpx.put(f"http://127.0.0.1:{port}/json/new?about:blank").json()
        from websockets.sync.client import connect

        self.socket = connect(target["webSocketDebuggerUrl"], max_size=None)
        self.next_id = 0

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def log_in(self, ui: str, auth: str) -> None:
        """What the UI's login page does: the string, base64-encoded, in the page's local storage."""
        self.call("Page.enable")
        self.call("Page.navigate", url=ui)
        time.sleep(3)
        token = base64.b64encode(auth.encode()).decode()
        self.call("Runtime.evaluate", expression=f"localStorage.setItem('prefect-password', {json.dumps(token)})")

    def shoot(self, url: str, target: Path, height: int, click: str | None = None, settle: float = 6.0,
              width: int = 1400) -> Path:
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        self.call("Page.enable")
        self.call("Page.navigate", url=url)
        time.sleep(settle)  # the app fetches its data from the API after the page loads
        if click:
            script = ("(() => { const e = [...document.querySelectorAll('button, a, [role=tab], li')]"
                      f".find(e => e.textContent.trim() === {json.dumps(click)}); if (e) e.click(); return !!e; }})()")
            found = self.call("Runtime.evaluate", expression=script, returnByValue=True)["result"].get("value")
            if not found:
                sys.exit(f"no {click!r} on {url}")
            time.sleep(settle)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        target.write_bytes(base64.b64decode(data))
        print(f"saved {target}  <- {url}" + (f" [{click}]" if click else ""))
        return target

    def close(self) -> None:
        self.socket.close()
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)


def lineage_graph_url(by_key: dict) -> str | None:
    """The run's lineage.html (the answer page links it over the run-folder file server), a figure selected."""
    import re

    answer = by_key.get("estimate-answer", {}).get("data", "")
    graph = re.search(r"\]\((http[^)]*/lineage\.html)\)", answer)
    figure = re.search(r"\]\(http[^)]*/(figures/[^)]*\.png)\)", answer)
    if not graph:
        return None
    return graph.group(1) + (f"#node={figure.group(1)}" if figure else "")


def wait(client: httpx.Client, flow_run_id: str, timeout: float = 900) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        run = client.get(f"/flow_runs/{flow_run_id}").json()
        if run["state_type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return run
        time.sleep(2)
    sys.exit(f"flow run {flow_run_id} did not finish in {timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flow-run", help="An estimate flow run to show (default: trigger one and wait).")
    parser.add_argument("--preset", default="futuretech-2025", help="Preset of the triggered run.")
    parser.add_argument("--out", type=Path, default=OUT, help="Where to save them (default: docs/ui).")
    args = parser.parse_args()
    api = api_url()
    ui = api.removesuffix("/api") + "/v2"  # the UI the server serves by default (Prefect 3.9)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    auth = auth_string()
    headers = {"Authorization": "Basic " + base64.b64encode(auth.encode()).decode()} if auth else {}
    with httpx.Client(base_url=api, timeout=30, headers=headers) as client:
        deployment = client.get("/deployments/name/estimate/estimate").json()
        if args.flow_run:
            run = client.get(f"/flow_runs/{args.flow_run}").json()
        else:
            parameters = {"preset": args.preset, "input": "data/snapshots/futuretech-2025-07"}  # the flat run form
            created = client.post(f"/deployments/{deployment['id']}/create_flow_run",
                                  json={"parameters": parameters, "tags": ["screenshots"]}).json()
            print(f"triggered estimate run {created['name']} ({created['id']}); waiting")
            run = wait(client, created["id"])
        if run["state_type"] != "COMPLETED":
            sys.exit(f"estimate run {run['id']} ended {run['state_type']}")
        artifacts = client.post("/artifacts/filter",
                                json={"artifacts": {"flow_run_id": {"any_": [run["id"]]}}}).json()
        by_key = {a["key"]: a for a in artifacts}
        # one fit task run of this run (the fit batches are task runs of the flow run itself, no subflow)
        fit_runs = client.post("/task_runs/filter", json={"flow_runs": {"id": {"any_": [run["id"]]}},
                                                          "task_runs": {"name": {"like_": "fit["}},
                                                          "sort": "EXPECTED_START_TIME_ASC", "limit": 1}).json()
        fit_task = fit_runs[0]["id"] if fit_runs else None
        # an ingest run that took something in (drop a file into the inbox first to have one)
        ingest = client.post("/artifacts/filter", json={"artifacts": {"key": {"any_": ["ingest-outcomes"]}},
                                                        "sort": "CREATED_DESC", "limit": 1}).json()
        # ... and the page with its rejections' whole reasons (drop a broken file too to have one)
        rejections = client.post("/artifacts/filter", json={"artifacts": {"key": {"any_": ["ingest-rejections"]}},
                                                            "sort": "CREATED_DESC", "limit": 1}).json()

    browser = Browser()
    try:
        if auth:
            browser.log_in(ui, auth)
        browser.shoot(f"{ui}/deployments/deployment/{deployment['id']}/run", out / "deployment-form.png", 1500)
        browser.shoot(f"{ui}/deployments/deployment/{deployment['id']}", out / "deployment-schedule.png", 900)
        browser.shoot(f"{ui}/runs/flow-run/{run['id']}", out / "run-graph.png", 1300)
        browser.shoot(f"{ui}/runs/flow-run/{run['id']}?tab=TaskRuns", out / "run-task-runs.png", 1300)
        browser.shoot(f"{ui}/runs/flow-run/{run['id']}?tab=Artifacts", out / "run-artifacts.png", 1300)
        if "estimate-answer" in by_key:
            browser.shoot(f"{ui}/artifacts/artifact/{by_key['estimate-answer']['id']}", out / "answer-artifact.png",
                          1400)
        graph = lineage_graph_url(by_key)
        if graph:  # the run's lineage graph, a figure selected (its upstream path highlighted)
            browser.shoot(graph, out / "lineage-graph.png", 1300, settle=8.0)
        if "estimate-lineage" in by_key:
            browser.shoot(f"{ui}/artifacts/artifact/{by_key['estimate-lineage']['id']}",
                          out / "lineage-artifact.png", 2600)  # a narrow page, tall
        if fit_task:
            browser.shoot(f"{ui}/runs/task-run/{fit_task}", out / "fit-task-run.png", 1300)
            # its Artifacts tab: what this task run read and wrote
            browser.shoot(f"{ui}/runs/task-run/{fit_task}?tab=Artifacts", out / "fit-task-run-io.png", 1300)
        if "estimate-report" in by_key:
            browser.shoot(f"{ui}/artifacts/artifact/{by_key['estimate-report']['id']}", out / "report-artifact.png",
                          3200, settle=15.0)  # a long page: its Markdown renders after the app has loaded
        if ingest:
            browser.shoot(f"{ui}/runs/flow-run/{ingest[0]['flow_run_id']}", out / "ingest-run.png", 1100)
            browser.shoot(f"{ui}/artifacts/artifact/{ingest[0]['id']}", out / "ingest-outcomes.png", 700)
        if rejections:
            browser.shoot(f"{ui}/artifacts/artifact/{rejections[0]['id']}", out / "ingest-rejections.png", 900)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
