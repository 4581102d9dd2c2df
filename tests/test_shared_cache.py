"""Scale-out: the content cache on shared storage (an fsspec URL; here a local file:// URL).

"Machine A" runs the estimate flow with INFERENCE_TRENDS_SHARED_CACHE set; "machine B" then runs it with the same
settings but its own Prefect database and an empty local cache folder. B must be served every task from the cache
(Prefect's results on the shared store) and rebuild byte-identical outputs from the shared intermediates.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURES
from tasks.settings import PROJECT_ROOT


def run_on(machine: str, tmp: Path, shared_url: str, preset: Path) -> dict:
    local = tmp / "local-cache"  # the same path on every machine (task results name files by absolute path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(INFERENCE_TRENDS_CACHE_DIR=str(local), INFERENCE_TRENDS_SHARED_CACHE=shared_url,
               PREFECT_HOME=str(tmp / f"prefect-{machine}"),
               PREFECT_RESULTS_LOCAL_STORAGE_PATH=str(local / "prefect-results"),
               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120")
    out = tmp / f"out-{machine}"
    done = subprocess.run([sys.executable, "-m", "flows", "run", "--input", str(FIXTURES / "futuretech_small.csv"),
                           "--preset", str(preset), "--bootstrap", "0", "--no-figures", "--no-history",
                           "--out", str(out)], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads((out / "manifest.json").read_text())


def test_a_second_machine_is_served_from_the_shared_store(tmp_path, light_preset):
    shared = tmp_path / "shared-store"
    first = run_on("a", tmp_path, shared.as_uri(), light_preset)
    assert {t["state"] for t in first["tasks"]} == {"Completed"}
    stored = {p.relative_to(shared).as_posix() for p in shared.rglob("*") if p.is_file()}
    analysis = next(o["produced_by"]["source"] for o in first["outputs"] if o["path"].startswith("analysis/"))
    assert analysis.removeprefix("cache/") in stored  # intermediates on the store
    assert any(name.startswith("prefect-results/") for name in stored)  # and the task results (cache keys)

    shutil.rmtree(tmp_path / "local-cache")  # machine B: nothing local, only the shared store
    second = run_on("b", tmp_path, shared.as_uri(), light_preset)
    assert {t["state"] for t in second["tasks"]} == {"Cached"}, [(t["task"], t["state"]) for t in second["tasks"]]
    for name in ("trends.csv", "points.csv", "report.md"):
        assert (tmp_path / "out-b" / name).read_bytes() == (tmp_path / "out-a" / name).read_bytes(), name
    assert (tmp_path / "local-cache" / analysis.removeprefix("cache/")).is_file()  # fetched on demand
