"""Stage 6: the figures, one cached task per snapshot (and one for the figures that span every snapshot)."""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd

from tasks.core.hashing import sha256_bytes

from tasks.methods import METHODS, spec_from_json
from tasks.platform.caching import cached_task
from tasks.files.catalog import RunTables
from tasks.files.io import atomic_write_bytes, read_parquet
from tasks.files.settings import cache_dir
from tasks.reporting.figures import figure_bytes
from tasks.render.figures.plan import capability_job, cross_snapshot_figures, draw, interactive, plan_figures
from tasks.reporting.interactive import PLOTLY_JS_PATH, plotly_js

_PYPLOT = threading.Lock()  # pyplot and rcParams are process-global: one figure at a time, whatever the runner


def _run_name(parameters: dict) -> str:
    return f"figures[{parameters['snapshot']}]"


def _cached(name: str, fmt: str, data: bytes) -> Path:
    target = cache_dir() / "figures" / f"{name}-{sha256_bytes(data)[:16]}.{fmt}"
    if not target.exists():
        atomic_write_bytes(target, data)
    return target


def _draw_all(jobs: list[tuple[dict, dict]], analysis: pd.DataFrame | None = None) -> dict[str, Path]:
    """Draw every job (PNG and SVG, and the interactive HTML page of those that have one: ``analysis`` given);
    ``figures/<snapshot>/<name>.<png|svg|html>`` -> its cached file, and ``figures/plotly.min.js`` (the pages'
    JavaScript, from the plotly package: one copy per run folder) when a page was written."""
    out = {}
    for fields, frames in jobs:
        with _PYPLOT:
            rendered = figure_bytes(draw(fields, frames))
        if analysis is not None:
            page = interactive(fields, frames, analysis)
            if page is not None:
                rendered["html"] = page.encode()
        for fmt, data in rendered.items():
            out[f"figures/{fields['snapshot']}/{fields['name']}.{fmt}"] = _cached(fields["name"], fmt, data)
    if any(key.endswith(".html") for key in out):
        out[PLOTLY_JS_PATH] = _cached("plotly.min", "js", plotly_js())
    return out


# every method's figures: their modules key the cache (tasks.methods is a closure leaf)
@cached_task(name="figures", task_run_name=_run_name, code=tuple(m.module for m in METHODS))
def figures_task(snapshot: str, outputs: RunTables, analysis_path: Path, attribution: list[str],
                 runs_path: Path | None = None) -> dict[str, Path]:
    """Every figure of one snapshot (``runs_path``: its cleaned benchmark runs, when the cleaning wrote them)."""
    trends, points = outputs.read("trends"), outputs.read("points")
    index = outputs.read("index")
    specs = [spec_from_json(text) for text in index["spec"]]
    analysis = read_parquet(analysis_path)
    jobs = plan_figures(trends, points, analysis, snapshot, specs,
                        outputs.read("replicates"), attribution, outputs.read("diagnostics"),
                        read_parquet(runs_path) if runs_path else None)
    return _draw_all(jobs, analysis)


@cached_task(name="figures-across-snapshots", task_run_name="figures[across snapshots]",
             code=(*(m.module for m in METHODS), "tasks.reporting.capability_figure"))
def cross_figures_task(outputs: RunTables, analysis_paths: dict[str, Path],
                       attribution: dict[str, list[str]], capability: Path | None = None,
                       scale: dict | None = None) -> dict[str, Path]:
    """The vintage comparison and the methods comparison, and the capability figure (``capability``: the scale's
    table, when a preset fitted one; ``scale``: that preset's [capability] section)."""
    analyses = [read_parquet(p) for p in analysis_paths.values()]
    sources = set().union(*(set(pd.unique(a["source"])) for a in analyses))
    job = None
    if capability is not None:
        flags = pd.concat([a[["model_id", "open_weights"]] for a in analyses if "open_weights" in a],
                          ignore_index=True) if analyses else None
        job = capability_job(read_parquet(capability), flags, scale)
    return _draw_all(cross_snapshot_figures(outputs.read("trends"), sources, attribution,
                                            outputs.read("diagnostics"), job))


def draw_figures(tracker, snapshots: list, outputs: RunTables, capability: dict[str, Path] | None = None,
                 scale: dict | None = None) -> dict[str, Path]:
    """Every figure of the run: one task per snapshot, one for those spanning every snapshot (with the capability
    figure when ``capability``, the capability stage's files, is given)."""
    submissions = [(f"figures[{s.name}]", figures_task, (s.name, outputs, s.analysis, s.attribution,
                                                        s.clean.runs), (f"snapshot:{s.name}",))
                   for s in snapshots]
    submissions.append(("figures[across snapshots]", cross_figures_task,
                        (outputs, {s.name: s.analysis for s in snapshots}, {s.name: s.attribution for s in snapshots},
                         capability["table"] if capability else None, scale),
                        ()))
    drawn: dict[str, Path] = {}
    for result in tracker.map("figures", submissions):
        drawn.update(result)
    return drawn
