"""What the interactive figures cost: time to build each page beside its PNG/SVG, and the bytes they add.

Reads a run folder's ``manifest.json`` for the inputs of each ``figures[<snapshot>]`` task (cached Parquet files),
plans that snapshot's figures (``tasks.render.figures.plan``), and times, per figure job, the static figure (draw +
PNG + SVG) and the interactive page (Plotly figure + HTML), best of ``--repeat``; then sums the sizes of the run
folder's figures by kind. No Prefect in the process.

Run: ``.venv/bin/python benchmarks/interactive_figures.py data/runs/latest``; results in
``benchmarks/results/interactive_figures.json``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import matplotlib.pyplot as plt

from tasks.files.io import read_parquet
from tasks.files.settings import PROJECT_ROOT, data_dir
from tasks.methods import spec_from_json
from tasks.render.figures.plan import draw, interactive, plan_figures
from tasks.reporting.figures import figure_bytes
from tasks.reporting.interactive import plotly_js


def _inputs(record: dict) -> dict[str, Path]:
    found = {}
    for item in record["inputs"]:
        path = data_dir() / item["file"] if not Path(item["file"]).is_absolute() else Path(item["file"])
        found[Path(item["file"]).name.rsplit("-", 1)[0]] = path
    return found


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(run_dir: str, repeat: int = 2) -> dict:
    run = Path(run_dir).resolve()
    manifest = json.loads((run / "manifest.json").read_text())
    attribution = manifest["attribution"]
    rows, totals = [], {"static_s": 0.0, "interactive_s": 0.0}
    for record in manifest["tasks"]:
        name = record.get("name") or ""
        if not name.startswith("figures[") or name == "figures[across snapshots]":
            continue
        snapshot = name[len("figures["):-1]
        paths = _inputs(record)
        trends, points, analysis = (read_parquet(paths[k]) for k in ("trends", "points", "analysis"))
        specs = [spec_from_json(text) for text in read_parquet(paths["index"])["spec"]]
        jobs = plan_figures(trends, points, analysis, snapshot, specs, read_parquet(paths["replicates"]),
                            attribution, read_parquet(paths["diagnostics"]),
                            read_parquet(paths["runs"]) if "runs" in paths else None)
        for fields, frames in jobs:
            if interactive(fields, frames, analysis) is None:
                continue

            def static():
                figure_bytes(draw(fields, frames))
                plt.close("all")

            row = {"snapshot": snapshot, "figure": fields["name"], "static_s": _best(static, repeat),
                   "interactive_s": _best(lambda: interactive(fields, frames, analysis), repeat)}
            rows.append(row)
            totals["static_s"] += row["static_s"]
            totals["interactive_s"] += row["interactive_s"]
    totals["plotly_js_read_s"] = _best(plotly_js, repeat)
    sizes = {}
    for pattern in ("figures/*/*.png", "figures/*/*.svg", "figures/*/*.html", "figures/*.js"):
        files = list(run.glob(pattern))
        sizes[pattern] = {"files": len(files), "bytes": sum(f.stat().st_size for f in files)}
    sizes["run_folder_bytes"] = sum(f.stat().st_size for f in run.rglob("*") if f.is_file())
    result = {"run": run.name, "jobs": rows, "totals": totals, "sizes": sizes,
              "note": "best of %d; seconds on this machine (2 shared cores); the figures stage runs one task per "
                      "snapshot" % repeat}
    out = PROJECT_ROOT / "benchmarks" / "results" / "interactive_figures.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    assert "prefect" not in sys.modules, "the benchmark must not import Prefect"
    return result


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1] if len(sys.argv) > 1 else "data/runs/latest"), indent=1))
