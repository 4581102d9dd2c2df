"""Scale-out: the content cache on shared storage (an fsspec URL; here a local file:// URL).

"Machine A" runs the estimate flow (a process of its own) with INFERENCE_TRENDS_SHARED_CACHE set; its local cache
folder is then deleted and "machine B" runs it with the same settings and an empty local cache, both reporting to
one Prefect server (the test harness), as workers of one deployment do. B must be served every task from the cache
(Prefect's results live on the shared store, not in the database) and rebuild byte-identical outputs from the
shared intermediates.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURES
from tasks.files.settings import PROJECT_ROOT


def run_on(machine: str, tmp: Path, shared_url: str, preset: Path) -> dict:
    local = tmp / "local-cache"  # the same path on every machine (task results name files by absolute path)
    from prefect.settings import PREFECT_API_URL

    env = dict(os.environ, INFERENCE_TRENDS_CACHE_DIR=str(local), INFERENCE_TRENDS_SHARED_CACHE=shared_url,
               PREFECT_RESULTS_LOCAL_STORAGE_PATH=str(local / "prefect-results"),
               PREFECT_API_URL=PREFECT_API_URL.value())  # the Prefect server both machines report to
    out = tmp / f"out-{machine}"
    done = subprocess.run([sys.executable, "-m", "flows", "run", "--input", str(FIXTURES / "futuretech_small.csv"),
                           "--preset", str(preset), "--bootstrap", "0", "--no-figures", "--no-history",
                           "--out", str(out)], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads((out / "manifest.json").read_text())


def test_a_second_machine_is_served_from_the_shared_store(prefect_harness, tmp_path, tiny_preset):
    shared = tmp_path / "shared-store"
    first = run_on("a", tmp_path, shared.as_uri(), tiny_preset)
    assert {t["state"] for t in first["tasks"]} == {"Completed"}
    stored = {p.relative_to(shared).as_posix() for p in shared.rglob("*") if p.is_file()}
    analysis = next(o["produced_by"]["source"] for o in first["outputs"] if o["path"].startswith("analysis/"))
    assert analysis.removeprefix("cache/") in stored  # intermediates on the store
    assert any(name.startswith("prefect-results/") for name in stored)  # and the task results (cache keys)

    shutil.rmtree(tmp_path / "local-cache")  # machine B: nothing local, only the shared store
    second = run_on("b", tmp_path, shared.as_uri(), tiny_preset)
    assert {t["state"] for t in second["tasks"]} == {"Cached"}, [(t["task"], t["state"]) for t in second["tasks"]]
    for name in ("trends.csv", "points.csv", "report.md"):
        assert (tmp_path / "out-b" / name).read_bytes() == (tmp_path / "out-a" / name).read_bytes(), name
    assert (tmp_path / "local-cache" / analysis.removeprefix("cache/")).is_file()  # fetched on demand
