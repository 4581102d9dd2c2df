"""How big an input can be: time and peak memory of ingest -> clean -> fits on hostile-but-legal shapes.

Cases (each in its own process, so that its peak resident memory is its own):
- ``copies-100k``: the FutureTech file with each of its 204 rows repeated 490 times (99,960 rows). Exact
  duplicates are rejected at ingest (``rejected_record``, naming the first copy), so the analysis is the study's.
- ``distinct-100k``: 99,960 rows, every copy renamed (a distinct model each): the fits really have ~30,000
  candidates per band; the resampling works in bounded blocks (``tasks.core.uncertainty.BLOCK_ELEMENTS``). Only the
  ingest, the cleaning and one full frontier trend (bootstrap, null, leave-one-out, coverage, same-day orders) are
  timed: a whole preset on such a file takes long, but never more memory.
- ``rows-1m``: 1,000,000 rows, beyond the input limit (``INFERENCE_TRENDS_MAX_INPUT_ROWS``, default 200,000):
  the reader stops with an error naming the limit while reading, so memory stays small.

Run: ``.venv/bin/python benchmarks/input_scale.py`` (about 2 minutes on 2 cores); results in
``benchmarks/results/input_scale.json``.
"""

from __future__ import annotations

import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CASES = {"copies-100k": (490, False), "distinct-100k": (490, True), "rows-1m": (4902, True)}


def write_input(path: Path, copies: int, distinct: bool) -> int:
    from tasks.files.settings import shared_data_dir

    source = shared_data_dir() / "futuretech-2025-07" / "art_analysis_inf_data.csv"
    with open(source, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    model = header.index("Model")
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for copy in range(copies):
            for row in body:
                if distinct and copy:
                    row = list(row)
                    row[model] = f"{row[model]} copy {copy}"
                writer.writerow(row)
                count += 1
    return count


def run_case(name: str) -> dict:
    copies, distinct = CASES[name]
    from tasks.data.clean import clean, read_corrections
    from tasks.methods.frontier import fit_frontier
    from tasks.data.ingest import futuretech
    from tasks.data.ingest.common import SourceError
    from tasks.study.plan import available_measures, available_price_sources, plan_trends
    from tasks.study.presets import load_preset
    from tasks.files.settings import corrections_file

    result: dict = {"case": name}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.csv"
        result["rows"] = write_input(path, copies, distinct)
        result["file_mb"] = round(path.stat().st_size / 1e6, 1)
        start = time.perf_counter()
        try:
            tables = futuretech.ingest(path).validated(str(path))
        except SourceError as err:
            result.update(outcome="refused", error=str(err).replace(str(path), "input.csv"),
                          ingest_s=round(time.perf_counter() - start, 2))
            return result
        result["ingest_s"] = round(time.perf_counter() - start, 2)
        start = time.perf_counter()
        cleaned = clean(tables, read_corrections(corrections_file()))
        result["clean_s"] = round(time.perf_counter() - start, 2)
        result["models_in_analysis"] = int(cleaned.analysis["model_id"].nunique())
        result["quarantined"] = int(len(cleaned.quarantine))
        preset = load_preset("futuretech-2025")
        specs = plan_trends(preset, "scale", available_price_sources(cleaned.analysis),
                            measures=available_measures(cleaned.analysis), analysis=cleaned.analysis)
        frontier = [s for s in specs if s.method == "frontier" and not s.variant and s.subset == "all"]
        start = time.perf_counter()
        fitted = fit_frontier(cleaned.analysis, frontier[1])
        row = fitted.rows.iloc[0]
        result.update(one_trend=frontier[1].trend_id, one_trend_s=round(time.perf_counter() - start, 2),
                      one_trend_candidates=int(row["n_candidates"]), one_trend_factor=row["factor_per_year"],
                      outcome="ok")
    return result


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--case":
        result = run_case(sys.argv[2])
        result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        print(json.dumps(result))
        return
    results = []
    for name in CASES:
        start = time.perf_counter()
        out = subprocess.run([sys.executable, __file__, "--case", name], capture_output=True, text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        result["wall_s"] = round(time.perf_counter() - start, 1)
        print(json.dumps(result))
        results.append(result)
    target = ROOT / "benchmarks" / "results" / "input_scale.json"
    target.write_text(json.dumps({"machine": "2 cores, 24 GiB", "cases": results}, indent=2) + "\n")
    print(f"written {target}")


if __name__ == "__main__":
    main()
