"""What the Prefect layer costs: the default job (every bundled preset on every bundled snapshot) three ways.

1. ``bare``: a plain script calling the pure functions only (``tasks.data``, ``tasks.methods``, ``tasks.render``;
   no Prefect in the process: checked in ``sys.modules`` at the end), each stage timed;
2. ``flow_cold``: ``python -m flows run --out <tmp> --refresh-cache`` in a fresh cache folder and a fresh
   ``PREFECT_HOME`` (the user's cache and Prefect database are not touched);
3. ``flow_warm``: the same command again without ``--refresh-cache`` (every task served from cache).

Each way runs in its own subprocess, on a copy of the checkout's code and bundled data taken at the start (so that
an edit made meanwhile in a shared checkout does not turn the warm rerun into a recomputation; ``--live``: the
checkout itself). The flow runs are the command line itself (``flows.cli.main``, what ``python -m flows`` calls)
with timers wrapped around, not inside, the project's code: the temporary API's ``start``/``stop``,
``StageTracker.run``/``map`` (per stage: the task runs with their Prefect bookkeeping, cache keys and cache
lookups), and the flow body's first and last calls (``prepare_run``, ``publish``). Task runs and cache hits come
from the run's ``manifest.json``. The bare script takes the few pure helpers that live in Prefect-importing modules
(``preset_for``, ``batch_tables``, ``collect``, ``report_meta``, the history store's readers) from their source
(``borrow``), so it runs the flow's code without Prefect. All three ways must produce the same ``trends.csv`` bytes.

Targets (issue "Step 9"): warm rerun <= 0.3 x cold; cold flow <= 1.5 x (bare script + the temporary API's start-up).

Run: ``.venv/bin/python benchmarks/overhead.py [--label TEXT] [--keep] [--live]`` (about 7 minutes on 2 cores);
results in ``benchmarks/results/overhead.json`` (the previous results' totals kept under ``previous``), a short
table on the console.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "benchmarks" / "results" / "overhead.json"
STAGES = ("prepare", "ingest", "resolve", "clean", "fit", "collect", "breaks", "history", "figures", "report",
          "publish")
WARM_TARGET = 0.3  # warm / cold
COLD_TARGET = 1.5  # cold / (bare + API start-up)


# --- 1. the bare script (its own process) ---------------------------------------------------------------------------
PROJECT_PACKAGES = ("tasks", "schemas", "flows")


@functools.cache
def _source(module: str) -> tuple[str, ast.Module] | None:
    """A project module's file name and parsed source (None: not a project module, or not a module)."""
    if module.split(".")[0] not in PROJECT_PACKAGES:
        return None
    parts = module.split(".")
    for candidate in (ROOT.joinpath(*parts).with_suffix(".py"), ROOT.joinpath(*parts, "__init__.py")):
        if candidate.is_file():
            return str(candidate), ast.parse(candidate.read_text(encoding="utf-8"))
    return None


def _absolute(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module if _source(module) and _source(module)[0].endswith("__init__.py") else module.rpartition(".")[0]
    parts = package.split(".")
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


_PREFECT: dict[str, bool] = {}


def imports_prefect(module: str) -> bool:
    """Whether importing ``module`` (a project module) imports Prefect: its module-level imports, transitively,
    parent packages included (read from the source; nothing is imported)."""
    if module in _PREFECT:
        return _PREFECT[module]
    _PREFECT[module] = False  # an import cycle counts as not (yet) known
    found = _source(module)
    if found is None:
        return False
    targets = [".".join(module.split(".")[:i]) for i in range(1, len(module.split(".")))]
    todo = list(found[1].body)
    while todo:  # module level, including if/try blocks; not function bodies (imported when called)
        node = todo.pop()
        if isinstance(node, ast.Import):
            targets += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, node)
            targets += [base] + [f"{base}.{alias.name}" for alias in node.names]
        elif isinstance(node, (ast.If, ast.Try)):
            todo += node.body + node.orelse + getattr(node, "finalbody", []) + [
                stmt for handler in getattr(node, "handlers", []) for stmt in handler.body]
    result = any(t.split(".")[0] == "prefect" or (_source(t) is not None and imports_prefect(t)) for t in targets)
    _PREFECT[module] = result
    return result


def borrow(module: str, names: tuple[str, ...]) -> list:
    """Pure helpers defined in a module that imports Prefect (``tasks.stages.*``, ``tasks.platform.*``), taken from
    its source without importing it: the named top-level definitions and the module's own definitions they use,
    with the imports they use; a name imported from another Prefect-importing module is borrowed from there in turn
    (so the process never imports Prefect)."""
    filename, tree = _source(module)
    definitions: dict[str, ast.stmt] = {}
    imported: dict[str, tuple[ast.stmt, ast.alias]] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            definitions[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        definitions[name.id] = node
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                imported[alias.asname or alias.name.split(".")[0]] = (node, alias)
    kept: list[ast.stmt] = []
    needed_imports: dict[str, tuple[ast.stmt, ast.alias]] = {}
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in definitions:
            node = definitions[name]
            if node not in kept:
                kept.append(node)
            todo += [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]
        elif name in imported:
            needed_imports[name] = imported[name]
    namespace: dict = {"__name__": f"{module}.<pure>", "__file__": filename}
    statements: list[ast.stmt] = [ast.ImportFrom("__future__", [ast.alias("annotations")], 0)]
    for bound, (node, alias) in needed_imports.items():
        if isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            if source.split(".")[0] == "prefect":
                raise RuntimeError(f"{module}: {bound} comes from Prefect; it cannot be borrowed")
            if _source(source) is not None and imports_prefect(source) and _source(f"{source}.{alias.name}") is None:
                namespace[bound] = borrow(source, (alias.name,))[0]
                continue
            statements.append(ast.ImportFrom(source, [alias], 0))
        else:
            if imports_prefect(alias.name):
                raise RuntimeError(f"{module}: import {alias.name} imports Prefect")
            statements.append(ast.Import([alias]))
    statements += sorted(kept, key=lambda node: node.lineno)  # in source order: definitions may use earlier ones
    body = ast.Module(body=statements, type_ignores=[])
    exec(compile(ast.fix_missing_locations(body), filename, "exec"), namespace)  # noqa: S102
    return [namespace[name] for name in names]


def bare(result_path: Path, out: Path) -> None:
    """The default job with the pure functions, each stage timed (``result_path``: its JSON)."""
    started = time.perf_counter()
    times = {stage: 0.0 for stage in STAGES}
    counts: dict[str, int] = {}

    class timed:
        def __init__(self, stage: str):
            self.stage = stage

        def __enter__(self):
            self.t = time.perf_counter()

        def __exit__(self, *exc):
            times[self.stage] += time.perf_counter() - self.t

    import pandas as pd

    import tasks.render.report as report_module
    from flows.config import EstimateConfig
    from tasks.data.canonical import read_snapshot_meta
    from tasks.data.clean import clean, read_corrections
    from tasks.data.creators import creators_file, read_creator_map
    from tasks.data.history import detect_drift, same_model_drift, summarise_same_model
    from tasks.data.ingest import adapter
    from tasks.data.ingest.base import read_source
    from tasks.data.sources import attributions
    from tasks.files.tables import csv_text
    from tasks.methods import registry
    from tasks.trends import (
                              AS_PUBLISHED,
                              FLOAT_DIGITS,
                              TrendSpec,
                              judge,
                              points_csv,
                              trends_csv,
                              )
    from tasks.study.breaks import breaks_table
    from tasks.study.plan import plan_method
    from tasks.files.settings import history_dir
    from tasks.reporting.figures import figure_bytes
    from tasks.render.figures.plan import cross_snapshot_figures, draw, plan_figures
    from tasks.stages.prepare import Snapshot, prepare_run

    # the fit stage's and the publish stage's pure helpers, from their modules' source (those modules import Prefect)
    preset_for, batch_tables = borrow("tasks.stages.fit", ("preset_for", "batch_tables"))
    (report_meta,) = borrow("tasks.stages.publish", ("report_meta",))
    (collect,) = borrow("tasks.stages.outputs", ("collect",))
    # the history store's readers (tasks.platform.history_store imports tasks.platform.caching, and so Prefect)
    history_stores, load_history, read_ledger, read_profiles = borrow(
        "tasks.platform.history_store", ("history_stores", "load_history", "read_ledger", "read_profiles"))
    imported = time.perf_counter() - started

    config = EstimateConfig()  # the default job: every bundled preset on every bundled snapshot
    with timed("prepare"):
        run = prepare_run(config)
    published = {p.snapshot for preset in run.presets for p in preset.published}
    snapshots, cleans, analysis, as_published = [], {}, {}, {}
    for item in run.inputs:
        with timed("ingest"):
            tables = [read_source(fmt, adapter(fmt).ingest, path).validated(str(path)) for path, fmt in item.parts]
        if len(tables) > 1:
            raise NotImplementedError("the default job has no merged snapshot")
        with timed("clean"):
            corrections = read_corrections(run.corrections)
            result = clean(tables[0], corrections, not config.as_published)
            cleans[item.name], analysis[item.name] = result, result.analysis
            if not config.as_published and item.name in published:
                as_published[item.name] = clean(tables[0], corrections, False)
        with timed("ingest"):  # the attribution lines (the flow's load_snapshot does this after cleaning)
            lines = attributions(result.analysis["source"].unique())
            lines += [line for line in read_snapshot_meta(item.path).get("attribution", []) if line not in lines]
        resolution = None
        if item.format == "snapshot" and (item.path / "resolution.csv").exists():
            resolution = {"matches": item.path / "resolution.csv", "conflicts": item.path / "conflicts.csv"}
        snapshots.append(Snapshot(item, {}, {}, None, resolution, lines))

    if "add_first_observed(" in (ROOT / "flows" / "estimate.py").read_text(encoding="utf-8"):
        from tasks.data.first_observed import with_first_observed

        with timed("clean"):  # as tasks.stages.clean.add_first_observed: earlier snapshots' first prices
            dates = {name: frame["observed_on"].max() for name, frame in analysis.items()}
            plain = dict(analysis)
            for name, frame in plain.items():
                earlier = [table for other, table in plain.items() if pd.notna(dates[other]) and pd.notna(dates[name])
                           and dates[other] < dates[name]]
                if earlier:
                    analysis[name] = with_first_observed(frame, earlier)
                    counts["first_observed"] = counts.get("first_observed", 0) + 1

    with timed("fit"):
        creators = read_creator_map(creators_file()) if creators_file().exists() else None
        batches = []
        for snapshot in snapshots:
            for preset in run.presets:
                published_here = any(p.snapshot == snapshot.name for p in preset.published)
                for method in preset.methods():
                    module = registry()[method]
                    data = analysis[snapshot.name]
                    published_clean = as_published.get(snapshot.name) if published_here else None
                    reference = published_clean.analysis if published_clean is not None else None
                    specs = plan_method(preset_for(preset, method), method, snapshot.name, data, reference)
                    # the context files the method reads (Method.context), as tasks.stages.fit.context_paths gives them:
                    # the creator mapping, the snapshot's cleaned tables (runs, run_prices), as published for those specs
                    context, context_published = {}, {}
                    for name in module.context:
                        if name == "creators":
                            context[name] = context_published[name] = creators
                        else:
                            context[name] = getattr(cleans[snapshot.name], name)
                            context_published[name] = getattr(published_clean or cleans[snapshot.name], name)
                    as_of = data["observed_on"].max() if "observed_on" in data else None
                    fits = [judge(module.fit(reference, spec, context_published) if spec.variant == AS_PUBLISHED
                                  else module.fit(data, spec, context), as_of) for spec in specs]
                    if module.derive is not None:
                        fits += [judge(fit, as_of) for fit in module.derive(fits)]
                    batches.append(batch_tables(fits, ""))
                    counts["fit_batches"] = counts.get("fit_batches", 0) + 1
                    counts["trends"] = counts.get("trends", 0) + len(fits)
    with timed("collect"):
        outputs = collect(batches)
    with timed("breaks"):
        breaks = breaks_table(outputs["trends"], outputs["points"], {p.name: p.breaks.model_dump() for p in run.presets})
    histories = {}
    with timed("history"):
        for store in history_stores(history_dir()):
            tables = load_history(store)
            per_model = same_model_drift(tables["prices"], tables["models"])
            histories[store.name] = {"files": read_ledger(store), "drift": detect_drift(read_profiles(store)),
                                     "same_model": per_model, "same_model_summary": summarise_same_model(per_model),
                                     "prices": tables["prices"]}
    figures: dict[str, Path] = {}
    with timed("figures"):
        trends, points, index = outputs["trends"], outputs["points"], outputs["index"]
        jobs = []
        for snapshot in snapshots:
            try:  # after step 14: every planned trend, each read as its method's type
                from tasks.methods import spec_from_json
                specs = [spec_from_json(text) for text in index["spec"]]
            except ImportError:  # the earlier signature: the hedonic trends
                specs = [TrendSpec.model_validate_json(text)
                         for text in index.loc[index["method"] == "hedonic", "spec"]]
            jobs += plan_figures(trends, points, analysis[snapshot.name], snapshot.name, specs,
                                 outputs["replicates"], snapshot.attribution)
        sources = set().union(*(set(pd.unique(frame["source"])) for frame in analysis.values()))
        jobs += cross_snapshot_figures(trends, sources, {s.name: s.attribution for s in snapshots})
        for fields, frames in jobs:
            for fmt, data in figure_bytes(draw(fields, frames)).items():
                target = out / "figures" / fields["snapshot"] / f"{fields['name']}.{fmt}"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                figures[f"figures/{fields['snapshot']}/{fields['name']}.{fmt}"] = target
        counts["figures"] = len(jobs)
    with timed("report"):
        meta = report_meta(config, run, snapshots, histories)
        resolution = {s.name: s.resolution for s in snapshots if s.resolution}
        texts = {}
        if hasattr(report_module, "ReportInputs"):  # render_report(ReportInputs) -> (markdown, html, headline)
            fields = report_module.ReportInputs.__dataclass_fields__
            hooks = {}
            if "methods" in fields:  # each method's hooks (after step 14)
                from tasks.methods import by_row_name
                hooks = {"methods": by_row_name()}
            text, page, numbers = report_module.render_report(report_module.ReportInputs(
                trends=trends, diagnostics=outputs["diagnostics"], cleans=cleans, meta=meta, figures=figures,
                resolution=resolution, histories=histories, breaks=breaks, **hooks))
            texts["headline.json"] = json.dumps(numbers, indent=2, sort_keys=True, default=str) + "\n"
        else:  # the earlier signature
            text = report_module.render_report(trends, cleans, meta, figures, outputs["diagnostics"], resolution,
                                               histories, breaks)
            page = report_module.render_html(text, figures)
    with timed("publish"):  # the run folder's text files (the flow also writes a manifest, assets, artifacts)
        for name, content in {"trends.csv": trends_csv(trends), "points.csv": points_csv(points),
                              "diagnostics.csv": csv_text(outputs["diagnostics"], float_digits=FLOAT_DIGITS),
                              "breaks.csv": csv_text(breaks), "report.md": text, "report.html": page,
                              **texts}.items():
            (out / name).write_text(content, encoding="utf-8")
    counts["trend_rows"] = len(trends)
    prefect_modules = sorted(name for name in sys.modules if name == "prefect" or name.startswith("prefect."))
    result_path.write_text(json.dumps({
        "import_s": imported, "stages_s": times, "in_process_s": time.perf_counter() - started, "counts": counts,
        "prefect_imported": bool(prefect_modules), "prefect_modules": prefect_modules[:5],
        "trends_sha256": __import__("hashlib").sha256(trends_csv(trends).encode()).hexdigest(),
    }))


# --- 2 and 3. the flow through the command line, with timers around its parts (its own process) ------------------
def flow(result_path: Path, argv: list[str]) -> None:
    """``flows.cli.main(argv)`` with timers around the API start and stop, the stages, and the flow body."""
    t0 = time.time()
    marks: dict[str, float] = {}
    stages: dict[str, dict] = {}

    from tasks.files.settings import apply_environment_defaults

    apply_environment_defaults()  # what flows.cli.main does first, before anything imports Prefect
    from flows import estimate, runtime
    from flows.cli import main
    from tasks.platform import tracking

    marks["imported"] = time.time() - t0

    def around(owner, name: str, label: str):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            marks.setdefault(f"{label}_start", time.time() - t0)
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                marks[f"{label}_end"] = time.time() - t0
                marks[f"{label}_s"] = marks.get(f"{label}_s", 0.0) + time.perf_counter() - start

        setattr(owner, name, wrapper)

    def per_stage(name: str):
        original = getattr(tracking.StageTracker, name)

        def wrapper(self, stage, *args, **kwargs):
            start = time.perf_counter()
            try:
                return original(self, stage, *args, **kwargs)
            finally:
                entry = stages.setdefault(stage, {"s": 0.0, "calls": 0})
                entry["s"] += time.perf_counter() - start
                entry["calls"] += 1

        setattr(tracking.StageTracker, name, wrapper)

    around(runtime.TemporaryApi, "start", "api_start")
    around(runtime.TemporaryApi, "stop", "api_stop")
    around(runtime, "drain_prefect_workers", "drain")
    around(estimate, "prepare_run", "prepare")  # the flow body's first call
    around(estimate, "publish", "publish")  # and its last
    per_stage("run")
    per_stage("map")
    code = 0
    try:
        main(argv)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    finally:
        marks["main_end"] = time.time() - t0
        result_path.write_text(json.dumps({"t0": t0, "marks": marks, "stages": stages, "exit_code": code}))
    sys.exit(code)


# --- the parent: run the three ways, write the results ------------------------------------------------------------
FROZEN = ("flows", "tasks", "schemas", "presets", "benchmarks/overhead.py", "data/snapshots", "data/history",
          "data/corrections.csv", "data/creators.csv", "data/crosswalk.csv", "pyproject.toml")


def freeze(target: Path) -> Path:
    """A copy of the checkout's code and bundled data (no cache, no runs, no git): the three ways run the same code
    even while the checkout is being edited (a warm rerun after an edit would rightly recompute)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in FROZEN:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        elif source.exists():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    import compileall  # byte-compiled once, as in a checkout that has run before: no way pays for it

    for package in ("flows", "tasks", "schemas"):
        compileall.compile_dir(target / package, quiet=1)
    return target


def code_identity(home: Path) -> dict:
    """Which code ran: the checkout's commit (read only) and a hash of the Python source that ran."""
    import hashlib

    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], check=False, capture_output=True, text=True,
                              timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        head = None
    digest = hashlib.sha256()
    for path in sorted(p for package in ("flows", "tasks", "schemas") for p in (home / package).rglob("*.py")):
        digest.update(path.relative_to(home).as_posix().encode() + b"\0" + path.read_bytes())
    return {"git_head": head, "source_sha256": digest.hexdigest(),
            "ran_on": "the checkout itself" if home == ROOT else "a copy of the checkout taken at the start "
            "(code and bundled data; other engineers edit the checkout meanwhile)"}


def _env(tmp: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PREFECT_") and k not in ("INFERENCE_TRENDS_SHARED_CACHE", "INFERENCE_TRENDS_RUNS_DIR",
                                                          "INFERENCE_TRENDS_HISTORY_DIR")}
    env.update(PYTHONPATH=str(home), INFERENCE_TRENDS_HOME=str(home), INFERENCE_TRENDS_CACHE_DIR=str(tmp / "cache"),
               PREFECT_HOME=str(tmp / "prefect-home"), PYTHONUNBUFFERED="1")
    return env


def _spawn(args: list[str], env: dict, log: Path) -> dict:
    """Run a child to its end; its wall time, exit code, and each output line with the time it arrived."""
    start_wall, start = time.time(), time.perf_counter()
    home = Path(env["INFERENCE_TRENDS_HOME"])
    process = subprocess.Popen([sys.executable, str(home / "benchmarks" / "overhead.py"), *args], env=env, cwd=home,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    lines = []
    with open(log, "w", encoding="utf-8") as handle:
        for line in process.stdout:
            at = time.perf_counter() - start
            lines.append((at, line.rstrip("\n")))
            handle.write(f"{at:8.3f} {line}")
    process.wait()
    return {"wall_s": time.perf_counter() - start, "start_wall": start_wall, "exit_code": process.returncode,
            "lines": lines}


def _machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    memory = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), None) if Path("/proc/meminfo").exists() else None
    import importlib.metadata as md

    return {"platform": platform.platform(), "cpu": model, "cores": os.cpu_count(), "memory_mb": memory,
            "python": platform.python_version(), "prefect": md.version("prefect"),
            "note": "a shared development machine: other work may run beside the benchmark (load average per way)"}


def _round(value, digits: int = 2):
    if isinstance(value, dict):
        return {k: _round(v, digits) for k, v in value.items()}
    if isinstance(value, float):
        return round(value, digits)
    return value


def run_bare(tmp: Path, env: dict) -> dict:
    out = tmp / "bare-out"
    out.mkdir()
    load = os.getloadavg()[0]
    child = _spawn(["--bare", str(tmp / "bare.json"), str(out)], env, tmp / "bare.log")
    if child["exit_code"] != 0:
        raise SystemExit(f"bare run failed: see {tmp / 'bare.log'}")
    inner = json.loads((tmp / "bare.json").read_text())
    stages = inner["stages_s"]
    return {"total_s": child["wall_s"], "load_average_1m_before": load, "load_average_1m_after": os.getloadavg()[0],
            "python_start_and_imports_s": child["wall_s"] - inner["in_process_s"] + inner["import_s"],
            "stages_s": stages, "counts": inner["counts"], "prefect_imported": inner["prefect_imported"],
            "prefect_modules": inner["prefect_modules"], "trends_sha256": inner["trends_sha256"]}


def run_flow(tmp: Path, env: dict, name: str, refresh: bool) -> dict:
    out = tmp / f"run-{name}"
    argv = ["run", "--out", str(out)] + (["--refresh-cache"] if refresh else [])
    load = os.getloadavg()[0]
    child = _spawn(["--flow", str(tmp / f"{name}.json"), "--", *argv], env, tmp / f"{name}.log")
    if child["exit_code"] != 0:
        raise SystemExit(f"flow run {name} failed: see {tmp / f'{name}.log'}")
    inner = json.loads((tmp / f"{name}.json").read_text())
    marks = inner["marks"]
    offset = inner["t0"] - child["start_wall"]  # interpreter start-up before the child's first line
    stages = {stage: 0.0 for stage in STAGES}
    calls = {}
    for stage, entry in inner["stages"].items():
        stages[stage] = stages.get(stage, 0.0) + entry["s"]
        calls[stage] = entry["calls"]
    stages["prepare"], stages["publish"] = marks.get("prepare_s", 0.0), marks.get("publish_s", 0.0)
    body = marks["publish_end"] - marks["prepare_start"]
    first_flow_line = next((at for at, line in child["lines"] if "flow run" in line.lower()), None)
    manifest = json.loads((out / "manifest.json").read_text())
    states: dict[str, int] = {}
    by_stage: dict[str, list[int]] = {}
    for record in manifest["tasks"]:
        states[record["state"]] = states.get(record["state"], 0) + 1
        entry = by_stage.setdefault(record["stage"], [0, 0])
        entry[0] += 1
        entry[1] += record["state"] == "Cached"
    summary = next((line for _, line in child["lines"] if re.search(r"\d+ task runs, \d+ served from cache", line)),
                   "")
    trends = (out / "trends.csv").read_text(encoding="utf-8")
    return {
        "command": "python -m flows " + " ".join(a if a != str(out) else "<tmp>" for a in argv),
        "total_s": child["wall_s"], "load_average_1m_before": load, "load_average_1m_after": os.getloadavg()[0],
        "phases_s": {
            "python_start_and_imports": offset + marks["imported"],
            "cli_and_checks_before_api": marks["api_start_start"] - marks["imported"],
            "api_start": marks["api_start_s"],
            "flow_run_setup": marks["prepare_start"] - marks["api_start_end"],
            "flow_body": body,
            "flow_run_finish": marks["drain_start"] - marks["publish_end"],
            "drain_logs_and_events": marks.get("drain_s", 0.0),
            "api_stop": marks.get("api_stop_s", 0.0),
            "exit": child["wall_s"] - offset - marks.get("api_stop_end", marks["main_end"]),
        },
        "first_flow_log_line_s": first_flow_line,
        "stages_s": stages,
        "flow_body_outside_stages_s": body - sum(stages.values()),
        "stage_calls": calls,
        "task_runs": len(manifest["tasks"]),
        "served_from_cache": states.get("Cached", 0),
        "task_states": states,
        "task_runs_by_stage": {stage: {"runs": runs, "cached": cached} for stage, (runs, cached) in by_stage.items()},
        "cli_summary": summary.strip(),
        "trends_sha256": __import__("hashlib").sha256(trends.encode()).hexdigest(),
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--bare":
        return bare(Path(sys.argv[2]), Path(sys.argv[3]))
    if len(sys.argv) > 1 and sys.argv[1] == "--flow":
        return flow(Path(sys.argv[2]), sys.argv[4:])
    label = sys.argv[sys.argv.index("--label") + 1] if "--label" in sys.argv else ""
    keep = "--keep" in sys.argv
    tmp = Path(tempfile.mkdtemp(prefix="overhead-"))
    home = ROOT if "--live" in sys.argv else freeze(tmp / "checkout")
    env = _env(tmp, home)
    identity = code_identity(home)
    try:
        print(f"work folder {tmp} (fresh cache and PREFECT_HOME; code and data: "
              f"{'the checkout itself' if home == ROOT else 'a copy of the checkout'})", flush=True)
        ways = {}
        print("bare script ...", flush=True)
        ways["bare"] = run_bare(tmp, env)
        print(f"  {ways['bare']['total_s']:.1f} s", flush=True)
        print("flow cold (--refresh-cache) ...", flush=True)
        ways["flow_cold"] = run_flow(tmp, env, "cold", refresh=True)
        print(f"  {ways['flow_cold']['total_s']:.1f} s", flush=True)
        print("flow warm ...", flush=True)
        ways["flow_warm"] = run_flow(tmp, env, "warm", refresh=False)
        print(f"  {ways['flow_warm']['total_s']:.1f} s", flush=True)
    finally:
        if keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    bare_s, cold, warm = ways["bare"]["total_s"], ways["flow_cold"], ways["flow_warm"]
    startup = cold["phases_s"]["api_start"]
    ratios = {"warm_over_cold": warm["total_s"] / cold["total_s"],
              "cold_over_bare_plus_api_start": cold["total_s"] / (bare_s + startup)}
    targets = {
        "warm_rerun_at_most_0.3x_cold": {"target": WARM_TARGET, "measured": ratios["warm_over_cold"],
                                         "met": ratios["warm_over_cold"] <= WARM_TARGET},
        "cold_at_most_1.5x_bare_plus_api_start": {
            "target": COLD_TARGET, "measured": ratios["cold_over_bare_plus_api_start"],
            "met": ratios["cold_over_bare_plus_api_start"] <= COLD_TARGET, "api_start_s": startup},
        "same_trends_all_three_ways": len({w["trends_sha256"] for w in ways.values()}) == 1,
        "bare_without_prefect": not ways["bare"]["prefect_imported"],
    }
    previous = []
    if RESULT.exists():
        with_history = json.loads(RESULT.read_text())
        previous = with_history.get("previous", [])
        if "ratios" in with_history:
            previous = ([{"measured_at": with_history.get("measured_at"), "label": with_history.get("label", ""),
                          "totals_s": {k: v["total_s"] for k, v in with_history["ways"].items()},
                          "ratios": with_history["ratios"]}] + previous)[:4]
    result = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "label": label, "machine": _machine(),
              "code": identity,
              "ways": _round(ways), "ratios": _round(ratios, 3), "targets": _round(targets, 3),
              "previous": previous}
    for way in result["ways"].values():
        way["stages_s"] = {k: v for k, v in way["stages_s"].items() if v or k != "resolve"}
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    print_table(result)


def print_table(result: dict) -> None:
    ways = result["ways"]
    names = ("bare", "flow_cold", "flow_warm")
    print(f"\n{'seconds':<28}" + "".join(f"{n:>11}" for n in names))
    rows = [("total (process wall)", [ways[n]["total_s"] for n in names])]
    rows.append(("  start-up and imports", [ways["bare"]["python_start_and_imports_s"]]
                 + [ways[n]["phases_s"]["python_start_and_imports"] for n in names[1:]]))
    for phase in ("api_start", "flow_run_setup", "flow_run_finish", "drain_logs_and_events", "api_stop"):
        rows.append((f"  {phase}", [None] + [ways[n]["phases_s"][phase] for n in names[1:]]))
    for stage in STAGES:
        values = [ways[n]["stages_s"].get(stage) for n in names]
        if any(values):
            rows.append((f"  stage {stage}", values))
    rows.append(("  flow body outside stages", [None] + [ways[n]["flow_body_outside_stages_s"] for n in names[1:]]))
    for label, values in rows:
        print(f"{label:<28}" + "".join(f"{v:>11.2f}" if v is not None else f"{'':>11}" for v in values))
    print(f"{'task runs (from cache)':<28}{'':>11}" + "".join(
        f"{str(ways[n]['task_runs']) + ' (' + str(ways[n]['served_from_cache']) + ')':>11}" for n in names[1:]))
    for name, target in result["targets"].items():
        if isinstance(target, dict):
            print(f"{name}: {target['measured']} (target {target['target']}) -> "
                  f"{'met' if target['met'] else 'MISSED'}")
        else:
            print(f"{name}: {target}")
    print(f"written {RESULT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
