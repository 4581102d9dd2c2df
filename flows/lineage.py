"""``inference-trends lineage TARGET``: the chain from a result back to the raw source files.

TARGET is a file of a run folder (a figure, ``trends.csv``, a Parquet output...), any intermediate Parquet file of
the cache, or a ``trend_id`` of a run's ``trends.csv`` (the newest run unless ``--run`` is given). Each step shows
the file with its sha256, the task that made it (with its code and configuration hashes when the file is Parquet),
the task run and flow run that computed it, and the later runs served it from cache. Sources:

- the lineage metadata of Parquet files (``tasks.platform.lineage``): deterministic, travels with the file;
- the ``manifest.json`` of every run folder under the runs folder: which task run read and wrote which file;
- ``snapshot.json`` of bundled snapshots: the raw files each snapshot was built from, with their sha256.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


from tasks.files.io import read_lineage
from tasks.files.tables import read_csv_output
from tasks.platform.lineage import index_file, location, resolve_location
from tasks.files.settings import runs_dir

MAX_CHILDREN = 8


@dataclass
class Run:
    folder: Path
    manifest: dict

    @property
    def run_id(self) -> str:
        return self.manifest.get("run_id", self.folder.name)


@dataclass
class LineageIndex:
    """Every run's task records, indexed by the files they wrote."""

    runs: list[Run]
    writers: dict[str, list[tuple[Run, dict]]] = field(default_factory=dict)
    raw: dict[str, dict] = field(default_factory=dict)  # sha256 -> a manifest input record (path, role)

    @classmethod
    def load(cls, root: Path, extra: list[Path] = ()) -> "LineageIndex":
        folders = {p.parent.resolve() for p in Path(root).glob("*/manifest.json")} if Path(root).is_dir() else set()
        folders |= {Path(p).resolve() for p in extra}
        runs = []
        for folder in folders:
            try:
                runs.append(Run(folder, json.loads((folder / "manifest.json").read_text())))
            except (OSError, json.JSONDecodeError):
                continue
        runs.sort(key=lambda r: (r.manifest.get("created_at", ""), r.run_id))
        index = cls(runs)
        for run in runs:
            for record in run.manifest.get("tasks", []):
                for ref in record.get("outputs", []):
                    index.writers.setdefault(ref["file"], []).append((run, record))
            for item in run.manifest.get("inputs", []):
                index.raw.setdefault(item["sha256"], item)
        return index

    def run_of(self, folder: Path) -> Run | None:
        folder = Path(folder).resolve()
        return next((r for r in self.runs if r.folder == folder), None)


def _short(value: str | None, n: int = 12) -> str:
    return (value or "-")[:n]


def _run_line(run: Run, record: dict) -> str:
    how = "served from cache" if record.get("state") == "Cached" else "computed"
    return (f"{how} by task run {_short(record.get('task_run_id'), 36)} of flow run "
            f"{_short(record.get('flow_run_id'), 36)} (run {run.run_id})")


class Explainer:
    def __init__(self, index: LineageIndex, max_children: int = MAX_CHILDREN) -> None:
        self.index = index
        self.max_children = max_children
        self.seen: set[str] = set()
        self.lines: list[str] = []

    def emit(self, depth: int, text: str) -> None:
        self.lines.append("  " * depth + text)

    def file(self, name: str, sha256: str | None, depth: int) -> None:
        path = resolve_location(name)
        shown = f"{name}  sha256 {_short(sha256, 16)}" if sha256 else name
        if name in self.seen:
            self.emit(depth, f"<- {shown}  (traced above)")
            return
        self.seen.add(name)
        metadata = read_lineage(path) if path is not None and path.suffix == ".parquet" else {}
        writers = self.index.writers.get(name, [])
        if not metadata and not writers:
            self._source(name, sha256, path, depth)
            return
        self.emit(depth, f"<- {shown}")
        producer = metadata.get("producer", {})
        first = writers[0][1] if writers else {}
        task = producer.get("task") or first.get("task_name") or first.get("task")
        label = first.get("task") if first.get("task") and first.get("task") != task else None
        details = [f"task {task}" + (f" [{label}]" if label else "")]
        if metadata.get("code_sha256"):
            details.append(f"code {_short(metadata['code_sha256'])}")
        if metadata.get("config_sha256"):
            details.append(f"config {_short(metadata['config_sha256'])}")
        self.emit(depth + 1, "made by " + ", ".join(details))
        computed = [(run, rec) for run, rec in writers if rec.get("state") != "Cached"]
        cached = [(run, rec) for run, rec in writers if rec.get("state") == "Cached"]
        for run, record in computed[:2]:
            self.emit(depth + 1, _run_line(run, record))
        if cached:
            runs = ", ".join(run.run_id for run, _ in cached[-3:])
            self.emit(depth + 1, f"served from cache in {len(cached)} run(s) (latest: {runs})")
        if path is None and not writers:
            self.emit(depth + 1, "(file not on this machine)")
        upstream = metadata.get("upstream")
        if upstream is None:
            upstream = first.get("inputs", [])
        self.children(upstream, depth + 1)

    def children(self, refs: list[dict], depth: int) -> None:
        for ref in refs[: self.max_children]:
            self.file(ref["file"], ref.get("sha256"), depth)
        if len(refs) > self.max_children:
            self.emit(depth, f"... and {len(refs) - self.max_children} more input files (--all lists every one)")

    def _source(self, name: str, sha256: str | None, path: Path | None, depth: int) -> None:
        known = self.index.raw.get(sha256 or "", {})
        where = known.get("path", name)
        role = f" ({known['role']})" if known.get("role") else ""
        self.emit(depth, f"<- source {where}  sha256 {_short(sha256, 16)}{role}")
        snapshot_meta = path.parent / "snapshot.json" if path is not None else None
        if snapshot_meta is not None and snapshot_meta.exists() and path.name != "snapshot.json":
            key = f"snapshot:{snapshot_meta.parent.name}"
            if key in self.seen:
                self.emit(depth + 1, f"snapshot {snapshot_meta.parent.name}: raw files listed above")
                return
            self.seen.add(key)
            meta = json.loads(snapshot_meta.read_text())
            self.emit(depth + 1, f"bundled snapshot {meta.get('name')} (format {meta.get('format')}), built from:")
            for source in meta.get("sources", []):
                origin = f", origin {source['origin']}" if source.get("origin") else ""
                self.emit(depth + 2, f"<- raw {source['file']}  sha256 {_short(source.get('sha256'), 16)}  "
                                     f"(format {source.get('format')}{origin})")


def _run_folder_of(path: Path) -> Path | None:
    for parent in [path.parent, *path.parents]:
        if (parent / "manifest.json").is_file():
            return parent
    return None


def explain(target: str, run: Path | None = None, show_all: bool = False) -> list[str]:
    """The lineage of ``target`` as printable lines (see the module docstring)."""
    root = runs_dir()
    path = Path(target).expanduser()
    run_folder = Path(run).expanduser().resolve() if run else None
    extra = [run_folder] if run_folder else []
    if path.exists() and _run_folder_of(path.resolve()) is not None:
        extra.append(_run_folder_of(path.resolve()))
    index = LineageIndex.load(root, extra)
    explainer = Explainer(index, max_children=10**9 if show_all else MAX_CHILDREN)
    if path.is_file():
        path = path.resolve()
        folder = _run_folder_of(path)
        if folder is None:  # a cache file, or any Parquet file with lineage metadata
            explainer.emit(0, f"{path}")
            explainer.file(location(path), _sha(path), 1)
            return explainer.lines
        this = index.run_of(folder)
        name = path.relative_to(folder).as_posix()
        output = next((o for o in this.manifest.get("outputs", []) if o["path"] == name), None)
        if output is None:
            raise ValueError(f"{name} is not an output listed in {folder / 'manifest.json'}")
        _output(explainer, this, output)
        return explainer.lines
    # a trend_id of the newest (or the given) run
    folder = run_folder or _latest(root)
    this = index.run_of(folder) if folder else None
    if this is None:
        raise FileNotFoundError(f"{target!r} is neither a file nor a trend_id of a run (no run folder in {root}; "
                                "give one with --run)")
    trends = read_csv_output(folder / "trends.csv", dtype=str, keep_default_na=False)
    rows = trends[trends["trend_id"] == target]
    producer = this.manifest.get("trends", {}).get(target)
    records = [r for r in this.manifest.get("tasks", [])
               if producer and r.get("task_run_id") == producer.get("task_run_id")]
    if rows.empty or not records:
        raise ValueError(f"no trend {target!r} in {folder / 'trends.csv'}")
    explainer.emit(0, f"trend {target} in {folder / 'trends.csv'} (run {this.run_id}, flow run "
                      f"{this.manifest.get('flow_run_id')})")
    for row in rows.itertuples(index=False):
        explainer.emit(1, f"{row.estimator} / {row.ci_method}: {row.factor_per_year} x per year "
                          f"[{row.ci_low}, {row.ci_high}], n = {row.n}, status {row.status}")
    trends_output = next(o for o in this.manifest["outputs"] if o["path"] == "trends.csv")
    explainer.emit(1, f"trends.csv  sha256 {_short(trends_output['sha256'], 16)} <- "
                      f"task {trends_output['produced_by'].get('task')}, task run "
                      f"{trends_output['produced_by'].get('task_run_id')}")
    record = records[0]
    explainer.emit(1, f"<- task {record.get('task')} (fits {target} with its batch), {_run_line(this, record)}, "
                      f"code sha256 {_short(producer.get('code_sha256'), 16)}")
    for ref in record.get("outputs", []):
        explainer.emit(2, f"wrote {ref['file']}  sha256 {_short(ref['sha256'], 16)}")
    explainer.children(record.get("inputs", []), 2)
    return explainer.lines


def _output(explainer: Explainer, run: Run, output: dict) -> None:
    producer = output.get("produced_by", {})
    explainer.emit(0, f"{run.folder / output['path']}  sha256 {_short(output['sha256'], 16)}  (run {run.run_id})")
    if producer.get("source"):
        explainer.emit(1, f"copied from {producer['source']}, written by task {producer.get('task')}: task run "
                          f"{producer.get('task_run_id')} of flow run {producer.get('flow_run_id')} "
                          f"({producer.get('state')})")
        explainer.file(producer["source"], output["sha256"], 1)
    else:
        explainer.emit(1, f"written by task {producer.get('task')}: task run {producer.get('task_run_id')} of flow "
                          f"run {producer.get('flow_run_id')}")
        refs = [{"file": name, "sha256": None} for name in producer.get("upstream", [])]
        explainer.children(refs, 1)


def _latest(root: Path) -> Path | None:
    latest = Path(root) / "latest"
    if latest.exists():
        return latest.resolve()
    runs = LineageIndex.load(root).runs
    return runs[-1].folder if runs else None


def _sha(path: Path) -> str:
    from tasks.core.hashing import sha256_file

    return sha256_file(path)


def graph_page(target: str, run: Path | None = None) -> str:
    """``inference-trends lineage TARGET --html``: the URL of the run's lineage graph (``lineage.html`` of the run
    folder; for an older run folder without one, drawn now from its manifest into the cache folder) with TARGET
    selected (``#node=...``): a run-folder file, a cache file, or a trend_id (its fit's index table)."""
    from urllib.parse import quote

    from tasks.files.settings import cache_dir
    from tasks.platform.artifacts import task_run_url, ui_url
    from tasks.render.lineage_graph import lineage_html

    root = runs_dir()
    path = Path(target).expanduser()
    folder = _run_folder_of(path.resolve()) if path.is_file() else None
    node = None
    if folder is not None:
        node = path.resolve().relative_to(folder).as_posix()
    else:
        folder = Path(run).expanduser().resolve() if run else _latest(root)
        if folder is None or not (folder / "manifest.json").is_file():
            raise FileNotFoundError(f"no run folder for {target!r} (none in {root}; give one with --run)")
        manifest = json.loads((folder / "manifest.json").read_text())
        if path.is_file():
            node = location(path.resolve())
        else:
            producer = manifest.get("trends", {}).get(target)
            if producer is None:
                raise ValueError(f"{target!r} is neither a file nor a trend_id of {folder / 'trends.csv'}")
            record = next((r for r in manifest.get("tasks", []) if r.get("task_run_id") == producer["task_run_id"]),
                          {})
            node = index_file(record)
    page = folder / "lineage.html"
    if not page.is_file():  # a run folder from before the graph: drawn now, outside the run folder
        manifest = json.loads((folder / "manifest.json").read_text())
        page = cache_dir() / "lineage" / f"{manifest.get('run_id', folder.name)}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        ui = ui_url()
        page.write_text(lineage_html(manifest, lambda run_id: task_run_url(ui, run_id)))
    return page.resolve().as_uri() + (f"#node={quote(node, safe='/')}" if node else "")
