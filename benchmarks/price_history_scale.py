"""Benchmark: price histories at scale. The lowest price per model and date over a synthetic history of 10 million
observations, then the record-low frontier on it, ours (``tasks/data/lowest.py`` + ``tasks/methods/frontier.py``) side by side with
the same reduction in DuckDB SQL; wall time and peak memory of both.

    .venv/bin/python benchmarks/price_history_scale.py [--rows 10000000] [--repeats 3] [--out PATH]
    .venv/bin/python benchmarks/price_history_scale.py --rows 100000 --repeats 1 --out /tmp/smoke.json   # smoke run

DuckDB is the ``bench`` extra (``pip install -e '.[bench]'``; ``requirements.lock`` pins it). Targets on the
project's 2-core machine, for 10M rows: ours at most 30 s and 3 GB, and its read + reduction no slower than 1.5x
DuckDB's.

The synthetic history (seeded; generated and written to a Parquet file in a temporary folder by a child process
first, timed separately and not counted; the folder is deleted at the end): 2,000 models released over two years of
daily observations (730 days), each with a MMLU-Pro-like score (fraction, 3 decimals, rising with release date), an
open-weights flag and a number of hosting providers (open models 2-25 of 25, closed ones 1-3); 10M observations
sampled over (model, provider) pairs and the days from the model's release on (a provider may be seen twice a day),
ordered by day as a daily scraper appends them. Prices (USD per 1M tokens) are
log-normal: a launch price that rises with the score and falls 10x per year of release date at constant score, a
provider markup (30% of the providers match the model's reference price exactly, so that the lowest price is often
a tie), a downward drift of 2x per year after release in monthly steps, 3 significant digits. About 0.1% of prices
are unusable (null, zero, negative, NaN, inf), as in real scrapes.

Each measurement runs in its own fresh Python process, so that its peak memory is its own: peak RSS is the child's
``VmHWM`` (``/proc/self/status``) at the end of the measured work, cross-checked with the child's ``ru_maxrss``
from ``os.wait4``; both include the interpreter and the imported libraries (``rss_after_imports_mb`` says how much).
Timers start after the imports. The measurements alternate (ours, DuckDB, DuckDB unordered, ours, ...)
``--repeats`` times; the JSON has every run, the median wall times and the largest peak, and for every run
``other_load``: how many cores other processes kept busy meanwhile (a shared machine makes timings noisy; on this
one, DuckDB's time for the same query varied by up to 1.5x between runs).

- **ours**: ``pyarrow.parquet.read_table`` of the four needed columns, model and provider read as dictionaries
  (``read``); ``lowest_price_per_model_date`` (``reduce``); then the frontier (``frontier``): each model's *launch
  price*, its lowest price on its first observed date, joined to its release date and score, and per MMLU-Pro band
  [30, 50], [50, 70], [70, 90] the project's own ordering and record rule (``frontier_order``, ``mark_records``,
  ``in_band``) and OLS fit (``ols_fits`` of log10 price on release day; ``factor_per_year``). The launch price,
  rather than the latest one, because the frontier regresses price on *release* date: a model's price at release
  is the price at that x; its latest price carries every later price cut (two years of them for the oldest models),
  which makes old models look cheaper than they were and flattens the trend. (The pipeline's snapshot frontier,
  ``tasks.data.quantities.model_values``, takes the latest observation: with one observation per model, as in today's
  snapshots, the two coincide.)
- **DuckDB**: one SQL query over ``read_parquet`` (scan and reduction fused, DuckDB's idiomatic form): ``min``
  price, ``count(*)`` and ``arg_min(provider, price)`` per model and date over the usable prices, ordered by model
  and date (ours is sorted too), materialised to an Arrow table. The target ratio is ours' read + reduce over this
  query's time (``ratio_ours_over_duckdb``). **DuckDB unordered**: the same query without ``ORDER BY`` (rows in
  any order), DuckDB at its fastest, reported beside it (``ratio_ours_over_duckdb_unordered``).
- **check** (not timed): both reductions must have the same rows, keys, lowest prices and counts; ours' provider
  must equal DuckDB's with the same tie-break (the lowest provider at the lowest price, computed by a second,
  untimed query), and may differ from DuckDB's ``arg_min`` (which picks any provider at the minimum) only on ties;
  ours' count of ignored rows must equal DuckDB's count of unusable prices.

Written to ``benchmarks/results/price_history_scale.json`` (machine facts, library versions, the load average at
the start, the data, every run, medians, peaks, the ratio, the check, the frontier's fits and whether each target
is met); a summary table is printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "price_history_scale.json"
BANDS = ((30, 50), (50, 70), (70, 90))
ENGINES = ("ours", "duckdb", "duckdb_unordered")
TARGETS = {"ours_total_seconds": 30.0, "ours_peak_rss_mb": 3072.0, "ours_over_duckdb": 1.5}
FIRST_DAY = dt.date(2024, 7, 1)
LAUNCH_FACTOR_PER_YEAR = 10.0  # launch prices at constant score fall this much per year of release date
DRIFT_FACTOR_PER_YEAR = 2.0  # a model's prices fall this much per year after its release
DUCKDB_SQL = """
SELECT model_id, observed_on, min(price_usd) AS lowest_price_usd, {provider} AS provider,
       count(*) AS n_observations
FROM read_parquet('{path}')
WHERE isfinite(price_usd) AND price_usd > 0
GROUP BY model_id, observed_on
{order}
"""
ORDER = "ORDER BY model_id, observed_on"
ARG_MIN = "arg_min(provider, price_usd)"
LOWEST_PROVIDER = "min(struct_pack(p := price_usd, v := provider)).v"  # lowest price, then lowest provider


# --------------------------------------------------------------------------------------------- synthetic data
def generate(rows: int, models: int, providers: int, days: int, seed: int):
    """The synthetic history (pyarrow Table) and its models (pyarrow Table); see the module docstring."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    release = rng.integers(0, days - 30, models)
    score = np.round(np.clip(0.30 + 0.35 * release / days + rng.normal(0, 0.12, models), 0.05, 0.92), 3)
    open_weights = rng.random(models) < 0.45
    hosts = np.where(open_weights, rng.integers(2, providers + 1, models), rng.integers(1, 4, models))
    launch = 10 ** (0.5 + 2.0 * (score - 0.5) - release / 365.25 * np.log10(LAUNCH_FACTOR_PER_YEAR)
                    + rng.normal(0, 0.35, models))
    pair_model = np.repeat(np.arange(models), hosts)
    pair_provider = np.concatenate([rng.choice(providers, k, replace=False) for k in hosts])
    pairs = len(pair_model)
    markup = np.where(rng.random(pairs) < 0.3, 1.0, np.exp(np.abs(rng.normal(0, 0.3, pairs))))

    pair = rng.integers(0, pairs, rows)
    model = pair_model[pair]
    day = release[model] + (rng.random(rows) * (days - release[model])).astype(np.int64)
    months = (day - release[model]) // 30  # prices change in monthly steps
    price = launch[model] * markup[pair] * DRIFT_FACTOR_PER_YEAR ** (-months / 12)
    scale = 10.0 ** (2 - np.floor(np.log10(price)))
    price = np.round(price * scale) / scale  # 3 significant digits
    kind = rng.random(rows)
    null = kind < 0.0005
    price[(kind >= 0.0005) & (kind < 0.0007)] = 0.0
    price[(kind >= 0.0007) & (kind < 0.0008)] = -price[(kind >= 0.0007) & (kind < 0.0008)]
    price[(kind >= 0.0008) & (kind < 0.0009)] = np.nan
    price[(kind >= 0.0009) & (kind < 0.0010)] = np.inf
    order = np.argsort(day, kind="stable")  # by day, random within a day
    model_ids = pa.array([f"model-{i:05d}" for i in range(models)])
    provider_ids = pa.array([f"provider-{i:02d}" for i in range(providers)])
    epoch_day = (FIRST_DAY - dt.date(1970, 1, 1)).days
    history = pa.table({
        "model_id": model_ids.take(pa.array(model[order])),
        "provider": provider_ids.take(pa.array(pair_provider[pair][order])),
        "observed_on": pa.array((day[order] + epoch_day).astype(np.int32)).cast(pa.date32()),
        "price_usd": pa.array(price[order], mask=null[order]),
    })
    catalogue = pa.table({
        "model_id": model_ids,
        "release_date": pa.array((release + epoch_day).astype(np.int32)).cast(pa.date32()),
        "score_mmlu_pro": pa.array(score),
        "open_weights": pa.array(open_weights),
    })
    return history, catalogue


def child_generate(args: argparse.Namespace) -> dict:
    """Generate and write the data (in a child, so that the parent stays small: a child's ``ru_maxrss`` counts the
    image it was forked from)."""
    import pyarrow.parquet as pq

    begin = time.perf_counter()
    history, catalogue = generate(args.rows, args.models, args.providers, args.days, args.seed)
    generated = time.perf_counter()
    pq.write_table(history, args.data / "prices.parquet")
    pq.write_table(catalogue, args.data / "models.parquet")
    written = time.perf_counter()
    return {"generate_seconds": round(generated - begin, 2), "write_seconds": round(written - generated, 2),
            "parquet_mb": round((args.data / "prices.parquet").stat().st_size / 2 ** 20, 1)}


# ------------------------------------------------------------------------------------- child measurements
def _memory_mb(field: str) -> float:
    """VmHWM (peak) or VmRSS (current) of this process, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def launch_prices(reduced, catalogue):
    """Each model's lowest price on its first observed date, with its release date and score (pandas)."""
    frame = reduced.select(["model_id", "observed_on", "lowest_price_usd"]).to_pandas()
    first = frame.drop_duplicates("model_id", keep="first")  # the reduction is sorted by model, then date
    models = catalogue.to_pandas()
    models["release_date"] = models["release_date"].astype("datetime64[s]")
    merged = first.merge(models, on="model_id", how="inner", validate="one_to_one")
    return merged.rename(columns={"lowest_price_usd": "value"})


def fit_bands(launch) -> list[dict]:
    """The project's record-low frontier and OLS fit per MMLU-Pro band, on launch prices."""
    from tasks.core.bands import in_band
    from tasks.methods.frontier import frontier_order, mark_records
    from tasks.core.stats import FitError, log_values, ols_fits, release_day

    fits = []
    for low, high in BANDS:
        candidates = frontier_order(launch[in_band(launch["score_mmlu_pro"], "mmlu_pro", low, high)]
                                    [["model_id", "release_date", "value"]])
        records = candidates[mark_records(candidates)]
        row = {"band": [low, high], "n_candidates": len(candidates), "n_records": len(records)}
        try:
            fit = ols_fits(log_values(records["value"], "10"), release_day(records["release_date"]),
                           ci_level=0.9)["ols"]
            ci_low, ci_high = fit.factor_interval("10")
            row.update(factor_per_year=round(fit.factor("10"), 3), ci_low=round(ci_low, 3),
                       ci_high=round(ci_high, 3), r_squared=round(fit.r_squared, 3))
        except FitError as err:
            row.update(status=f"insufficient: {err}")
        fits.append(row)
    return fits


def child_ours(data: Path, result_out: Path | None) -> dict:
    sys.path.insert(0, str(ROOT))
    import pyarrow.parquet as pq

    import tasks.methods.frontier  # noqa: F401  (imported before the timers start, like the rest)
    from tasks.data.lowest import lowest_price_per_model_date

    base = _memory_mb("VmRSS")
    start = time.perf_counter()
    table = pq.read_table(data / "prices.parquet", columns=["model_id", "observed_on", "provider", "price_usd"],
                          read_dictionary=["model_id", "provider"])
    catalogue = pq.read_table(data / "models.parquet")
    read = time.perf_counter()
    reduced = lowest_price_per_model_date(table)
    reduce = time.perf_counter()
    fits = fit_bands(launch_prices(reduced.table, catalogue))
    frontier = time.perf_counter()
    peak = _memory_mb("VmHWM")
    if result_out is not None:
        pq.write_table(reduced.table, result_out)
    return {"read_seconds": read - start, "reduce_seconds": reduce - read, "frontier_seconds": frontier - reduce,
            "read_reduce_seconds": reduce - start, "total_seconds": frontier - start,
            "peak_rss_mb": peak, "rss_after_imports_mb": base, "groups": reduced.table.num_rows,
            "ignored": reduced.ignored, "unpriced_groups": reduced.unpriced.num_rows, "frontier": fits}


def child_duckdb(data: Path, result_out: Path | None, ordered: bool = True) -> dict:
    import duckdb
    import pyarrow.parquet as pq

    base = _memory_mb("VmRSS")
    start = time.perf_counter()
    connection = duckdb.connect()
    query = DUCKDB_SQL.format(provider=ARG_MIN, path=data / "prices.parquet", order=ORDER if ordered else "")
    reduced = connection.sql(query).to_arrow_table()
    end = time.perf_counter()
    peak = _memory_mb("VmHWM")
    threads = connection.execute("SELECT current_setting('threads')").fetchone()[0]
    if result_out is not None:
        pq.write_table(reduced, result_out)
    return {"read_reduce_seconds": end - start, "total_seconds": end - start, "peak_rss_mb": peak,
            "rss_after_imports_mb": base, "groups": reduced.num_rows, "threads": threads}


def _busy_seconds() -> float:
    """CPU time spent by the whole machine so far (every core, every process; /proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def run_child(engine: str, data: Path, result_out: Path | None) -> dict:
    """One measurement in a fresh process; its own peak memory, from /proc and from the kernel (wait4).

    ``other_load`` is how many cores other processes kept busy meanwhile, on average (machine CPU time minus the
    child's, over the child's lifetime): near 0 on a quiet machine, up to 2 when both cores were taken.
    """
    env = dict(os.environ, PREFECT_HOME=str(data / "prefect"), DO_NOT_TRACK="1",
               PREFECT_LOGGING_LEVEL="WARNING", INFERENCE_TRENDS_CACHE_DIR=str(data / "cache"))
    command = [sys.executable, str(Path(__file__).resolve()), "--child", engine, "--data", str(data)]
    if result_out is not None:
        command += ["--result-out", str(result_out)]
    begin, busy = time.perf_counter(), _busy_seconds()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, env=env, cwd=ROOT)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"the {engine} measurement failed (exit code {process.returncode})")
    result = {k: round(v, 3) if isinstance(v, float) else v
              for k, v in json.loads(output.decode().strip().splitlines()[-1]).items()}
    elapsed = time.perf_counter() - begin
    result["process_seconds"] = round(elapsed, 3)
    result["ru_maxrss_mb"] = round(usage.ru_maxrss / 1024, 1)  # KiB on Linux
    result["other_load"] = round((_busy_seconds() - busy - usage.ru_utime - usage.ru_stime) / elapsed, 2)
    return result


# ----------------------------------------------------------------------------------------------- the check
def check(data: Path, ours_path: Path, duckdb_path: Path, ignored: int) -> dict:
    """Both reductions agree (see the module docstring); the untimed queries run here, in the parent."""
    import duckdb
    import numpy as np
    import pyarrow.parquet as pq

    ours, theirs = pq.read_table(ours_path), pq.read_table(duckdb_path)
    connection = duckdb.connect()
    query = DUCKDB_SQL.format(provider=LOWEST_PROVIDER, path=data / "prices.parquet", order=ORDER)
    tie_broken = connection.sql(query).to_arrow_table()
    unusable = connection.execute(f"SELECT count(*) FROM read_parquet('{data / 'prices.parquet'}') "
                              "WHERE price_usd IS NULL OR NOT (isfinite(price_usd) AND price_usd > 0)").fetchone()[0]
    same_rows = ours.num_rows == theirs.num_rows == tie_broken.num_rows
    result = {"rows_ours": ours.num_rows, "rows_duckdb": theirs.num_rows, "same_row_count": same_rows}
    if same_rows:
        def column(table, name):
            return table[name].to_numpy(zero_copy_only=False)

        differ = column(ours, "provider") != column(theirs, "provider")
        result.update(
            same_keys=all(ours[k].equals(theirs[k]) for k in ("model_id", "observed_on")),
            same_lowest_prices=bool(np.array_equal(column(ours, "lowest_price_usd"),
                                                   column(theirs, "lowest_price_usd"))),
            same_counts=bool(np.array_equal(column(ours, "n_observations"), column(theirs, "n_observations"))),
            same_provider_as_duckdb_with_the_same_tie_break=bool(ours["provider"].equals(tie_broken["provider"])),
            provider_differs_from_arg_min=int(differ.sum()),
        )
    result.update(ignored_ours=ignored, unusable_duckdb=int(unusable), same_ignored=ignored == unusable)
    result["identical"] = all(v for k, v in result.items() if k.startswith("same"))
    return result


# ------------------------------------------------------------------------------------------------ the parent
def versions() -> dict:
    import importlib.metadata as metadata

    found = {}
    for name in ("pyarrow", "duckdb", "numpy", "pandas", "statsmodels"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def machine() -> dict:
    memory = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:")), None)
    return {"cpus": os.cpu_count(), "cpus_usable": len(os.sched_getaffinity(0)), "memory_mb": memory,
            "python": platform.python_version(), "platform": platform.platform(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()], **versions()}


def summarise(runs: list[dict], phases: tuple[str, ...]) -> dict:
    out = {f"median_{p}": round(statistics.median(r[p] for r in runs), 3) for p in phases}
    out["peak_rss_mb"] = round(max(r["peak_rss_mb"] for r in runs), 1)
    out["ru_maxrss_mb"] = round(max(r["ru_maxrss_mb"] for r in runs), 1)
    out["rss_after_imports_mb"] = round(max(r["rss_after_imports_mb"] for r in runs), 1)
    out["median_process_seconds"] = round(statistics.median(r["process_seconds"] for r in runs), 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000, help="observations in the synthetic history")
    parser.add_argument("--repeats", type=int, default=3, help="measurements of each engine (median, max peak)")
    parser.add_argument("--models", type=int, default=2000)
    parser.add_argument("--providers", type=int, default=25)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--seed", type=int, default=20260701)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--child", choices=["generate", *ENGINES], help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child == "generate":
            print(json.dumps(child_generate(args)))
        elif args.child == "ours":
            print(json.dumps(child_ours(args.data, args.result_out)))
        else:
            print(json.dumps(child_duckdb(args.data, args.result_out, ordered=args.child == "duckdb")))
        return

    results: dict = {"machine": machine(), "targets": {**TARGETS, "for_rows": 10_000_000},
                     "config": {"rows": args.rows, "models": args.models, "providers": args.providers,
                                "days": args.days, "seed": args.seed, "repeats": args.repeats,
                                "launch_factor_per_year": LAUNCH_FACTOR_PER_YEAR,
                                "drift_factor_per_year": DRIFT_FACTOR_PER_YEAR}}
    data = Path(tempfile.mkdtemp(prefix="it-scale-"))
    try:
        generation = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child", "generate", "--data", str(data),
             "--rows", str(args.rows), "--models", str(args.models), "--providers", str(args.providers),
             "--days", str(args.days), "--seed", str(args.seed)], check=True, capture_output=True, cwd=ROOT)
        results["data"] = json.loads(generation.stdout.decode().strip().splitlines()[-1])
        print(f"generated {args.rows:,} observations in {results['data']['generate_seconds']:.1f} s, written in "
              f"{results['data']['write_seconds']:.1f} s ({results['data']['parquet_mb']} MiB of Parquet)", flush=True)

        runs: dict[str, list[dict]] = {engine: [] for engine in ENGINES}
        for repeat in range(args.repeats):
            for engine in ENGINES:
                out = data / f"{engine}.parquet" if repeat == 0 and engine != "duckdb_unordered" else None
                run = run_child(engine, data, out)
                runs[engine].append(run)
                print(f"  run {repeat + 1} {engine:>16}: {run['read_reduce_seconds']:6.2f} s read + reduce, "
                      f"{run['total_seconds']:6.2f} s in all, peak {run['peak_rss_mb']:5.0f} MiB, "
                      f"other load {run['other_load']:.2f} cores", flush=True)
        ours = summarise(runs["ours"], ("read_seconds", "reduce_seconds", "frontier_seconds",
                                        "read_reduce_seconds", "total_seconds"))
        duck = summarise(runs["duckdb"], ("read_reduce_seconds",))
        unordered = summarise(runs["duckdb_unordered"], ("read_reduce_seconds",))
        first = runs["ours"][0]
        results["data"].update(groups=first["groups"], ignored=first["ignored"],
                               unpriced_groups=first["unpriced_groups"])
        results["check"] = check(data, data / "ours.parquet", data / "duckdb.parquet", sum(first["ignored"].values()))
        ratio = ours["median_read_reduce_seconds"] / duck["median_read_reduce_seconds"]
        results["ours"] = {**ours, "runs": runs["ours"]}
        results["duckdb"] = {**duck, "threads": runs["duckdb"][0]["threads"], "runs": runs["duckdb"]}
        results["duckdb_unordered"] = {**unordered, "note": "the same query without ORDER BY (its rows come out in "
                                                            "any order; ours are sorted)",
                                       "runs": runs["duckdb_unordered"]}
        results["ratio_ours_over_duckdb"] = round(ratio, 3)
        results["ratio_ours_over_duckdb_unordered"] = round(
            ours["median_read_reduce_seconds"] / unordered["median_read_reduce_seconds"], 3)
        results["ratio_ours_total_over_duckdb"] = round(ours["median_total_seconds"]
                                                        / duck["median_read_reduce_seconds"], 3)
        results["other_load_max"] = max(run["other_load"] for engine in ENGINES for run in runs[engine])
        results["targets_met"] = {
            "ours_total_seconds": ours["median_total_seconds"] <= TARGETS["ours_total_seconds"],
            "ours_peak_rss_mb": ours["peak_rss_mb"] <= TARGETS["ours_peak_rss_mb"],
            "ours_over_duckdb": ratio <= TARGETS["ours_over_duckdb"],
            "identical_results": results["check"]["identical"],
        }
        results["frontier"] = first["frontier"]
    finally:
        shutil.rmtree(data, ignore_errors=True)

    print()
    print(f"{'':28}{'ours':>10}{'duckdb':>10}{'unordered':>10}")
    for label, key, digits in (
            ("read (s)", "median_read_seconds", 2), ("reduce (s)", "median_reduce_seconds", 2),
            ("read + reduce (s)", "median_read_reduce_seconds", 2), ("frontier (s)", "median_frontier_seconds", 2),
            ("total (s)", "median_total_seconds", 2), ("peak RSS (MiB)", "peak_rss_mb", 0),
            ("RSS after imports (MiB)", "rss_after_imports_mb", 0),
            ("process incl. imports (s)", "median_process_seconds", 1)):
        cells = [ours.get(key)] + [d.get(key, d["median_read_reduce_seconds"] if "total" in key else None)
                                   for d in (duck, unordered)]
        print(f"{label:28}" + "".join(f"{c:>10.{digits}f}" if c is not None else f"{'-':>10}" for c in cells))
    print(f"\nratio ours / duckdb (read + reduce): {ratio:.2f} (target <= {TARGETS['ours_over_duckdb']}); "
          f"against DuckDB without ORDER BY: {results['ratio_ours_over_duckdb_unordered']:.2f}")
    print(f"other processes kept up to {results['other_load_max']:.2f} cores busy during a measurement")
    differs = results["check"].get("provider_differs_from_arg_min", "?")
    print(f"check: {'identical' if results['check']['identical'] else 'DIFFERENT'} ({differs} groups where "
          "DuckDB's arg_min picked another provider at the same lowest price)")
    for fit in results["frontier"]:
        print(f"  band {fit['band']}: {fit['n_records']} records of {fit['n_candidates']} models, "
              f"{fit.get('factor_per_year', '-')}x cheaper per year")
    print("targets met: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in results["targets_met"].items()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
