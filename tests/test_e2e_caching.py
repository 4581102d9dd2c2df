"""End-to-end caching: what a rerun recomputes when a parameter, an input file or a helper module changes, a raw file
against its bundled snapshot, and the fit stage on Dask. (Split from ``test_e2e.py`` so that pytest-xdist runs the
two long end-to-end files on different cores; each file has its own cache folder per worker.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tasks.files.settings import PROJECT_ROOT
from tests.conftest import BUNDLED_SNAPSHOT
from tests.test_e2e import run, states

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("e2e-caching")


@pytest.fixture(scope="module")
def light(light_preset) -> Path:
    """The study's preset with light resampling (conftest): the caching tests need the whole DAG, not thousands of
    resamples."""
    return light_preset


@pytest.fixture(scope="module")
def light_first(prefect_harness, work, light):
    return run(work, "light-first", preset=str(light), figures=False)


def test_changed_parameter_recomputes_only_what_depends_on_it(light_first, work, light):
    preset = work / "narrower-hedonic.toml"
    preset.write_text(light.read_text().replace("score_range = [40, 70]", "score_range = [45, 70]"))
    summary = run(work, "param", preset=str(preset), figures=False)
    got = states(summary)
    assert got["ingest"] == got["clean"] == got["frontier"] == {"Cached"}
    assert got["hedonic"] == {"Completed"}
    changed = pd.read_csv(Path(summary["run_dir"]) / "trends.csv")
    main = changed[(changed.method == "hedonic") & (changed.variant.fillna("") != "score_range")]
    assert (main.band_low == 45).all()  # the score_range variants keep the ranges the preset lists
    # --as-published: the uncorrected table was already cleaned (for the report's comparison): served from cache
    published = run(work, "published", as_published=True, preset=str(light), figures=False)
    assert states(published)["ingest"] == states(published)["clean"] == {"Cached"}
    output = {}
    for name, summary in (("corrected", light_first), ("published", published)):
        trends = pd.read_csv(Path(summary["run_dir"]) / "trends.csv")
        hit = trends[(trends.method == "hedonic") & (trends.price_type == "output") & (trends.controls == "mmlu_pro")
                     & trends.variant.isna() & (trends.ci_method == "ols") & (trends.price_source == "lowest_reported")]
        output[name] = hit.factor_per_year.iloc[0]
    assert output["published"] != output["corrected"]


def test_changed_input_file_recomputes_its_dependents(light_first, work, light):
    snapshot = work / "edited-snapshot"
    shutil.copytree(BUNDLED_SNAPSHOT, snapshot)
    prices = pd.read_csv(snapshot / "prices.csv", dtype=str, keep_default_na=False)
    hit = (prices.model_id == "llama-3-70b") & (prices.provider == "lowest_reported")
    prices.loc[hit, "blended_usd_per_mtok"] = "0.2"
    prices.to_csv(snapshot / "prices.csv", index=False)
    summary = run(work, "edited", input=str(snapshot), snapshot_name="futuretech-2025-07", preset=str(light),
                  figures=False)
    got = states(summary)
    assert got["ingest"] == got["clean"] == {"Completed"}
    assert "Completed" in got["frontier"]
    before = pd.read_csv(Path(light_first["run_dir"]) / "trends.csv").set_index(["trend_id", "ci_method"])
    after = pd.read_csv(Path(summary["run_dir"]) / "trends.csv").set_index(["trend_id", "ci_method"])
    key = [i for i in before.index if i[0].startswith("frontier-open-mmlu_pro_50_70-price-blended-lowest_reported-")
           and i[1] == "ols"][0]
    assert after.loc[key, "factor_per_year"] != before.loc[key, "factor_per_year"]
    # an unchanged input file (same content, other place) is a cache hit again
    shutil.copy(BUNDLED_SNAPSHOT / "prices.csv", snapshot / "prices.csv")
    restored = states(run(work, "restored", input=str(snapshot), snapshot_name="futuretech-2025-07",
                          preset=str(light), figures=False))
    assert restored["ingest"] == {"Cached"} and restored["frontier"] == {"Cached"}


def test_raw_file_gives_the_same_numbers_as_the_bundled_snapshot(light_first, work, light, futuretech_csv):
    summary = run(work, "raw", input=str(futuretech_csv), snapshot_name="futuretech-2025-07", preset=str(light),
                  figures=False)
    ours = (Path(summary["run_dir"]) / "trends.csv").read_bytes()
    assert ours == (Path(light_first["run_dir"]) / "trends.csv").read_bytes()


def _project_copy(work: Path, name: str) -> Path:
    copy = work / name
    for folder in ("flows", "tasks", "schemas", "presets"):
        shutil.copytree(PROJECT_ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(PROJECT_ROOT / "data" / "snapshots", copy / "data" / "snapshots")
    for name in ("corrections.csv", "creators.csv"):
        shutil.copy(PROJECT_ROOT / "data" / name, copy / "data" / name)
    return copy


def _run_copy(copy: Path, out: Path, preset: Path) -> dict:
    """Run the CLI from the copied source tree, against this session's Prefect API and cache."""
    from prefect.settings import PREFECT_API_URL

    env = dict(os.environ, PYTHONPATH=str(copy), INFERENCE_TRENDS_HOME=str(copy),
               PREFECT_API_URL=PREFECT_API_URL.value())
    done = subprocess.run([sys.executable, "-m", "flows", "run", "--out", str(out), "--preset", str(preset),
                           "--input", str(copy / "data" / "snapshots" / BUNDLED_SNAPSHOT.name), "--no-figures"],
                          cwd=copy, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["code"]["source_sha256"]  # the copy's code was the one that ran
    return {"tasks": manifest["tasks"]}


@pytest.mark.parametrize("module, recomputed", [
    ("tasks/methods/hedonic.py", {"hedonic"}),
    ("tasks/core/stats.py", {"frontier", "hedonic"}),
])
def test_changed_helper_recomputes_exactly_its_dependents(light_first, work, light, module, recomputed):
    copy = _project_copy(work, "copy-" + module.replace("/", "-"))
    path = copy / module
    path.write_text(path.read_text() + "\n\nCODE_CHANGED_FOR_A_TEST = True\n")
    got = states(_run_copy(copy, work / ("out-" + path.stem), light))
    for stage in ("ingest", "clean", "frontier", "hedonic"):
        expected = {"Completed"} if stage in recomputed else {"Cached"}
        assert got[stage] == expected, (stage, got)


def test_dask_fan_out_gives_the_same_trends(prefect_harness, work, tiny_preset):
    """The fan-out on a local Dask cluster (prefect-dask, worker processes) gives byte-identical results."""
    tiny = tiny_preset  # Dask costs about a second per task here: a few trends make the point
    before = os.environ.get("PREFECT_API_URL")
    threads = run(work, "tiny-threads", preset=str(tiny), figures=False)
    summary = run(work, "dask", preset=str(tiny), figures=False, task_runner="dask", refresh_cache=True)
    fits = [r for r in summary["tasks"] if r["stage"] == "fit"]
    assert fits and {r["state"] for r in fits} == {"Completed"}
    # they ran in the fit-on-dask subflow (the one carrying the DaskTaskRunner), not on the flow's threads
    assert {r["flow_run_id"] for r in fits} != {summary["flow_run_id"]} and len({r["flow_run_id"] for r in fits}) == 1
    assert (Path(summary["run_dir"]) / "trends.csv").read_bytes() == (
        Path(threads["run_dir"]) / "trends.csv").read_bytes()
    # the workers' API address is not left behind: a later command of this process starts its own API (CI failed
    # when the SIGTERM test's run inherited the harness address and never started one)
    assert os.environ.get("PREFECT_API_URL") == before
