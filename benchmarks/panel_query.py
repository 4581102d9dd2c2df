"""Benchmark: the query engine of the price panel store (``tasks/platform/panel_store.py``), chosen by measurement.

Two queries the panel answers, each by DuckDB SQL over the store's Parquet parts and by pandas (``pyarrow`` read of
the same parts, then pandas):

- ``as_of``: every (source, model, provider)'s price on one day (a snapshot source's rows on its last day on or
  before it, a dated-entry source's latest entry), then the lowest blended 3:1 price per source model: what the
  ``cheapest`` command scans;
- ``daily_min``: the lowest blended price on each observation day over all models of one source: the primitive of
  a daily index.

Each (engine, query) runs in its own fresh Python process (peak RSS = the child's ``VmHWM``, after imports counted
in); ``--repeats`` alternating runs, medians reported. Also: the full OpenRouter history ingest from a fresh store
and a rerun with nothing new (``--ingest``), on the real bundle.

    .venv/bin/python benchmarks/panel_query.py --store /tmp/panel [--repeats 3] [--ingest] [--out PATH]
    (build the store first: inference-trends history --input ../shared/data/openrouter-history/openrouterlist.bundle
     --store /tmp/panel, and the other sources likewise)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AS_OF = "2026-03-01"


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(engine: str, query: str, store: Path) -> dict:
    import pandas as pd

    from tasks.data import panel
    from tasks.platform import panel_store

    import datetime as dt

    as_of = dt.date.fromisoformat(AS_OF)
    files = sorted((store / "parts").glob("*.parquet"))
    start = time.perf_counter()
    if engine == "duckdb":
        if query == "as_of":
            frame = panel_store._as_of_rows(store, as_of)
            frame["b"] = panel.blended(frame["input_usd_per_mtok"], frame["output_usd_per_mtok"])
            out = frame.groupby(["source", "source_model"])["b"].min()
        else:
            out = panel_store.query(store, "SELECT observed_on, min((3 * input_usd_per_mtok + output_usd_per_mtok) "
                                           "/ 4) AS b FROM obs WHERE source = 'openrouter' GROUP BY observed_on "
                                           "ORDER BY observed_on").set_index("observed_on")["b"]
    else:
        import pyarrow.parquet as pq

        columns = ["source", "source_model", "provider", "observed_on", "input_usd_per_mtok", "output_usd_per_mtok"]
        frame = pd.concat([pq.read_table(f, columns=columns).to_pandas() for f in files], ignore_index=True)
        frame["b"] = panel.blended(frame["input_usd_per_mtok"], frame["output_usd_per_mtok"])
        if query == "as_of":
            frame = frame[frame["observed_on"] <= pd.Timestamp(as_of)]
            last = frame.groupby("source")["observed_on"].transform("max")
            snap = frame[frame["source"].isin(panel.SNAPSHOT_SOURCES) & (frame["observed_on"] == last)]
            rest = frame[~frame["source"].isin(panel.SNAPSHOT_SOURCES)].sort_values("observed_on")
            rest = rest.drop_duplicates(["source", "source_model", "provider"], keep="last")
            out = pd.concat([snap, rest]).groupby(["source", "source_model"])["b"].min()
        else:
            out = frame[frame["source"] == "openrouter"].groupby("observed_on")["b"].min().sort_index()
    seconds = time.perf_counter() - start
    return {"engine": engine, "query": query, "seconds": seconds, "peak_mb": vm_hwm_mb(), "rows": int(len(out)),
            "checksum": float(out.sum())}


def run_child(engine: str, query: str, store: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", engine, query, "--store", str(store)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def ingest_timings() -> dict:
    """The OpenRouter history into a fresh store (every day but the last), then the bundle again (one new day: only
    that version may be parsed), then once more (nothing new). Each step in its own process (imports counted)."""
    from tasks.files.settings import shared_data_dir

    bundle = shared_data_dir() / "openrouter-history" / "openrouterlist.bundle"
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        steps = {"fresh_all_but_last_day": "days=set(d for d, _, _ in versions[:-1])", "one_new_day": "days=None",
                 "rerun_nothing_new": "days=None"}
        for label, days in steps.items():
            start = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", (
                "import json, resource; from pathlib import Path; "
                "from tasks.platform.panel_store import GitHistory, ingest_panel; "
                f"b = Path({str(bundle)!r}); versions = GitHistory(b).__enter__().daily_versions(); {days}; "
                f"r = ingest_panel(b, Path({str(store)!r}), days=days); "
                "print(json.dumps({'summary': r.summary(), 'added': r.added[-3:], 'seconds': r.seconds, "
                "'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))")],
                capture_output=True, text=True, check=True, cwd=ROOT)
            results[label] = {"wall_seconds": time.perf_counter() - start,
                              **json.loads(out.stdout.strip().splitlines()[-1])}
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ingest", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "panel_query.json")
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child, args.store)))
        return
    runs = []
    for _ in range(args.repeats):
        for query in ("as_of", "daily_min"):
            for engine in ("duckdb", "pandas"):
                runs.append(run_child(engine, query, args.store))
    summary = {}
    for query in ("as_of", "daily_min"):
        for engine in ("duckdb", "pandas"):
            mine = [r for r in runs if r["engine"] == engine and r["query"] == query]
            summary[f"{query}/{engine}"] = {"median_seconds": statistics.median(r["seconds"] for r in mine),
                                            "peak_mb": max(r["peak_mb"] for r in mine), "rows": mine[0]["rows"],
                                            "checksum": mine[0]["checksum"]}
        d, p = summary[f"{query}/duckdb"], summary[f"{query}/pandas"]
        assert d["rows"] == p["rows"] and abs(d["checksum"] - p["checksum"]) <= 1e-6 * abs(p["checksum"]), (d, p)
    parts = sorted((args.store / "parts").glob("*.parquet"))
    import pyarrow.parquet as pq

    result = {"store_rows": sum(pq.ParquetFile(p).metadata.num_rows for p in parts), "as_of": AS_OF,
              "summary": summary, "runs": runs, "cpu_count": os.cpu_count(),
              "load_average": os.getloadavg()}
    if args.ingest:
        result["openrouter_ingest"] = ingest_timings()
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=2))


if __name__ == "__main__":
    main()
