"""Benchmark: resamples per second for the frontier uncertainty work, serial vs parallel (threads, processes) on the
pure functions, then the flow's fit stage on its default thread pool and on a local Dask cluster (one fit task per
snapshot x preset x method, step 9), and the wall time of the whole default run on the bundled snapshots.

    .venv/bin/python benchmarks/uncertainty.py [--out benchmarks/results/uncertainty.json] [--skip-dask]

"Resamples" = bootstrap resamples + permutations of every frontier trend (each one a record-low reselection and a
refit); the simulated coverage, the tie-order enumeration and leave-one-out come on top and are included in the
times. Every mode starts from an empty cache (its own temporary folders), so nothing is served from a cache.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _fit_from_file(item):
    """Process-pool worker: fit one frontier trend from the analysis table on disk."""
    sys.path.insert(0, str(ROOT))
    import pandas as pd

    from tasks.methods.frontier import fit as fit_frontier

    path, spec = item
    fit_frontier(pd.read_parquet(path), spec)


def isolate(folder: Path) -> None:
    """Fresh cache, results and Prefect home for this process (before anything imports Prefect)."""
    os.environ["INFERENCE_TRENDS_CACHE_DIR"] = str(folder / "cache")
    os.environ["INFERENCE_TRENDS_RUNS_DIR"] = str(folder / "runs")
    os.environ["PREFECT_HOME"] = str(folder / "prefect")
    os.environ["PREFECT_RESULTS_LOCAL_STORAGE_PATH"] = str(folder / "cache" / "prefect-results")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "uncertainty.json")
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    import logging

    logging.getLogger("distributed").setLevel(logging.CRITICAL)  # the cluster's shutdown chatter
    scratch = Path(tempfile.mkdtemp(prefix="it-bench-"))
    isolate(scratch)
    sys.path.insert(0, str(ROOT))

    from tasks.files.settings import apply_environment_defaults

    apply_environment_defaults()  # before anything imports Prefect
    from tasks.data.canonical import read_snapshot
    from tasks.data.clean import clean, read_corrections
    from tasks.methods.frontier import fit as fit_frontier
    from tasks.files.io import write_parquet
    from tasks.study.plan import available_price_sources, plan_trends
    from tasks.study.presets import load_preset
    from tasks.files.settings import corrections_file, snapshots_dir

    preset = load_preset("futuretech-2025")
    analysis = clean(read_snapshot(snapshots_dir() / "futuretech-2025-07"),
                     read_corrections(corrections_file())).analysis
    specs = [s for s in plan_trends(preset, "futuretech-2025-07", available_price_sources(analysis))
             if s.method == "frontier"]
    resamples = sum(s.bootstrap_resamples + s.permutations for s in specs if s.bootstrap_resamples or s.permutations)
    analysis_path = write_parquet(analysis, scratch / "analysis.parquet")
    results: dict = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "trends": len(specs), "resamples": resamples, "modes": {},
    }

    def record(mode: str, seconds: float, note: str) -> None:
        results["modes"][mode] = {"seconds": round(seconds, 2), "resamples_per_second": round(resamples / seconds),
                                  "note": note}
        print(f"{mode:>10}: {seconds:7.2f} s  {resamples / seconds:10,.0f} resamples/s  ({note})", flush=True)

    start = time.perf_counter()
    for spec in specs:
        fit_frontier(analysis, spec)
    record("serial", time.perf_counter() - start, "pure functions, one thread, no Prefect")
    workers = os.cpu_count() or 2
    with ThreadPoolExecutor(workers) as pool:
        start = time.perf_counter()
        list(pool.map(lambda spec: fit_frontier(analysis, spec), specs))
        record("threads-pure", time.perf_counter() - start, f"pure functions on {workers} threads, no Prefect")
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_fit_from_file, [(str(analysis_path), spec) for spec in specs]))
    record("procs-pure", time.perf_counter() - start, f"pure functions on {workers} processes, no Prefect (includes "
                                                      "starting them)")

    def flow_run(name: str, *extra: str) -> float:
        """The study's preset on its snapshot through the command line, from an empty cache (its own Prefect home:
        the temporary API's start is included, the same in both modes)."""
        env = dict(os.environ, INFERENCE_TRENDS_CACHE_DIR=str(scratch / f"{name}-cache"),
                   PREFECT_HOME=str(scratch / f"{name}-prefect"),
                   PREFECT_RESULTS_LOCAL_STORAGE_PATH=str(scratch / f"{name}-cache" / "prefect-results"))
        begin = time.perf_counter()
        subprocess.run([sys.executable, "-m", "flows", "run", "--preset", "futuretech-2025", "--input",
                        str(snapshots_dir() / "futuretech-2025-07"), "--no-figures", "--no-history", "--out",
                        str(scratch / f"{name}-run"), *extra], check=True, env=env, capture_output=True, cwd=ROOT)
        return time.perf_counter() - begin

    record("flow-threads", flow_run("threads"), "the whole study-preset run through the flow, fit tasks (one per "
                                                "snapshot x preset x method) on threads; every method of the preset, "
                                                "ingest, clean, report and the temporary API included")
    if not args.skip_dask:
        record("flow-dask", flow_run("dask", "--task-runner", "dask"),
               "the same run with the fit stage in a subflow on a local Dask cluster (prefect-dask), one process per "
               "core, starting the cluster included")

    env = dict(os.environ, INFERENCE_TRENDS_CACHE_DIR=str(scratch / "cli-cache"),
               PREFECT_HOME=str(scratch / "cli-prefect"),
               PREFECT_RESULTS_LOCAL_STORAGE_PATH=str(scratch / "cli-cache" / "prefect-results"))
    begin = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "inference-trends"), "run", "--out", str(scratch / "run")],
                   check=True, env=env, capture_output=True, cwd=ROOT)
    full = time.perf_counter() - begin
    results["full_run_seconds"] = round(full, 1)
    print(f"full run (inference-trends run, empty cache, including Prefect's temporary API): {full:.1f} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
