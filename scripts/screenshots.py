"""Screenshots of the Prefect UI of a running `make serve`, taken with headless Chromium, saved to docs/ui/.

    make serve
    .venv/bin/python scripts/screenshots.py            # triggers an estimate run, waits, shoots
    .venv/bin/python scripts/screenshots.py --flow-run ID   # shoots an existing estimate run

What it saves (the README links them): the estimate deployment's run form, the run graph of an estimate run, the
graph of its fit-trends subflow (one task per trend), the run's Artifacts tab, the report artifact (figures
embedded), the lineage artifact, and an ingest run. Chromium (Debian's ``chromium``) renders the single-page app
with a virtual time budget, so that the page has loaded its data before the shot.
"""

from __future__ import annotations

import argparse
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


def shoot(url: str, target: Path, height: int, wait_ms: int = 25000) -> Path:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("chromium is not installed (Debian: apt install chromium)")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--no-first-run", "--disable-background-networking", "--disable-component-update",
                        f"--user-data-dir={profile}", f"--window-size=1440,{height}",
                        f"--virtual-time-budget={wait_ms}", f"--screenshot={target}", url],
                       capture_output=True, timeout=180, check=False)
    if not target.exists():
        sys.exit(f"chromium saved no screenshot of {url}")
    print(f"saved {target.relative_to(ROOT)}  <- {url}")
    return target


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
    args = parser.parse_args()
    api = api_url()
    ui = api.removesuffix("/api")
    OUT.mkdir(parents=True, exist_ok=True)
    with httpx.Client(base_url=api, timeout=30) as client:
        deployment = client.get("/deployments/name/estimate/estimate").json()
        if args.flow_run:
            run = client.get(f"/flow_runs/{args.flow_run}").json()
        else:
            parameters = {"config": {"preset": args.preset,
                                     "input": str(ROOT / "data" / "snapshots" / "futuretech-2025-07")}}
            created = client.post(f"/deployments/{deployment['id']}/create_flow_run",
                                  json={"parameters": parameters, "tags": ["screenshots"]}).json()
            print(f"triggered estimate run {created['name']} ({created['id']}); waiting")
            run = wait(client, created["id"])
        if run["state_type"] != "COMPLETED":
            sys.exit(f"estimate run {run['id']} ended {run['state_type']}")
        nodes = [node for _, node in client.get(f"/flow_runs/{run['id']}/graph-v2").json()["nodes"]]
        fit = next(node for node in nodes if node["kind"] == "flow-run")
        artifacts = client.post("/artifacts/filter",
                                json={"artifacts": {"flow_run_id": {"any_": [run["id"]]}}}).json()
        by_key = {a["key"]: a for a in artifacts}
        ingest = client.post("/flow_runs/filter", json={"flows": {"name": {"any_": ["ingest"]}},
                                                         "flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}},
                                                         "sort": "START_TIME_DESC", "limit": 1}).json()

    shoot(f"{ui}/deployments/deployment/{deployment['id']}/run", OUT / "deployment-form.png", 1500, 30000)
    shoot(f"{ui}/runs/flow-run/{run['id']}", OUT / "run-graph.png", 1000)
    shoot(f"{ui}/runs/flow-run/{fit['id']}", OUT / "fit-trends-graph.png", 1000)
    shoot(f"{ui}/runs/flow-run/{run['id']}?tab=Artifacts", OUT / "run-artifacts.png", 1400)
    if "estimate-report" in by_key:
        shoot(f"{ui}/artifacts/artifact/{by_key['estimate-report']['id']}", OUT / "report-artifact.png", 3200)
    if "estimate-lineage" in by_key:
        shoot(f"{ui}/artifacts/artifact/{by_key['estimate-lineage']['id']}", OUT / "lineage-artifact.png", 1400)
    if ingest:
        shoot(f"{ui}/runs/flow-run/{ingest[0]['id']}", OUT / "ingest-run.png", 1000)


if __name__ == "__main__":
    main()
