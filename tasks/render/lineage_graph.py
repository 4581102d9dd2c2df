"""A run's lineage as a graph to click: one self-contained HTML page (``lineage.html`` in the run folder), drawn from
its ``manifest.json``.

Nodes are files: raw source files -> bundled snapshot files -> canonical tables -> analysis tables -> fits ->
collected outputs -> trends.csv, figures, the report (a run-folder file copied from the cache is one node with the
cache file: the same bytes). Edges: a task run read the left file and wrote the right one. Each node carries its
full sha256, the task run that wrote it (a link into the Prefect UI), whether that task run computed it or was served
it from cache and, if cached, the run that computed it (``computed_in`` of the manifest's task records). Clicking a
node highlights every file upstream of it; ``lineage.html#node=<file>`` opens with that file selected.

Drawn with Bokeh (its JavaScript inlined from the installed package: the page opens offline, nothing is fetched).
Every name comes from data: the page's HTML is a Jinja2 template with autoescape, the node data travel as JSON in
the Bokeh document (text, never markup), and the side panel builds its DOM with ``textContent``; only http(s) and
relative links are written as links.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

RUN_PREFIX = "run:"  # a file of the run folder written by publish (not a cache file)

# the column of a file, by its name (the left-to-right order of the pipeline); others by their depth in the graph
_STAGE_RANK = [("raw", 0), ("data/", 1), ("cache/canonical/", 2), ("cache/clean/", 3), ("cache/trends/", 4),
               ("cache/outputs/", 5), ("cache/history/", 3), ("cache/figures/", 6), ("cache/report/", 6)]
_HASH_SUFFIX = re.compile(r"-[0-9a-f]{16}(\.\w+)$")


@dataclass
class Node:
    id: str
    label: str
    sha256: str = ""
    kind: str = ""
    run_path: str = ""  # its name in the run folder, if it is published there
    writer: dict = field(default_factory=dict)  # the task record (stage, task, task_run_id, state, computed_in)
    parents: list[str] = field(default_factory=list)
    origin: str = ""


def _short(name: str) -> str:
    return _HASH_SUFFIX.sub(r"\1", name.rsplit("/", 1)[-1])


def _kind(node_id: str) -> str:
    if node_id.startswith(RUN_PREFIX):
        return "run folder"
    if node_id.startswith("raw:"):
        return "raw source file"
    if node_id.startswith("cache/"):
        return {"canonical": "canonical table", "clean": "analysis table", "trends": "fit", "outputs": "collected",
                "figures": "figure", "report": "report", "history": "price history"}.get(node_id.split("/")[1],
                                                                                      "intermediate")
    return "input file"


def build_graph(manifest: dict) -> dict[str, Node]:
    """The file graph of one run (see the module docstring)."""
    nodes: dict[str, Node] = {}

    def node(node_id: str, sha256: str = "") -> Node:
        if node_id not in nodes:
            nodes[node_id] = Node(node_id, _short(node_id.removeprefix(RUN_PREFIX).removeprefix("raw:")),
                                  kind=_kind(node_id))
        if sha256 and not nodes[node_id].sha256:
            nodes[node_id].sha256 = sha256
        return nodes[node_id]

    def add_parent(child: Node, parent: str) -> None:
        if parent != child.id and parent not in child.parents:
            child.parents.append(parent)

    # raw files: what each bundled snapshot was built from (snapshot.json), upstream of the snapshot's files
    raw_of: dict[str, list[str]] = {}
    for snapshot in manifest.get("snapshots", []):
        for source in snapshot.get("sources", []):
            raw = node(f"raw:{snapshot.get('name')}/{source.get('file')}", source.get("sha256", ""))
            raw.label = str(source.get("file", ""))
            raw.origin = str(source.get("origin", ""))
            raw_of.setdefault(str(snapshot.get("name")), []).append(raw.id)
    for record in manifest.get("tasks", []):
        reads = [ref["file"] for ref in record.get("inputs", [])]
        for ref in record.get("inputs", []):
            node(ref["file"], ref.get("sha256", ""))
        for ref in record.get("outputs", []):
            out = node(ref["file"], ref.get("sha256", ""))
            if not out.writer and record.get("snapshot") and not out.label.startswith(str(record["snapshot"])):
                out.label = f"{record['snapshot']}: {out.label}"
            if not out.writer:
                out.writer = {k: record.get(k) for k in ("stage", "task", "name", "task_run_id", "flow_run_id",
                                                         "state", "computed_in") if record.get(k) is not None}
            for parent in reads:
                add_parent(out, parent)
    for node_id, item in nodes.items():  # a bundled snapshot's file: named with its snapshot
        if node_id.startswith("data/snapshots/"):
            item.label = "/".join(node_id.split("/")[2:4])
    for name, raws in raw_of.items():  # a snapshot's files come from its raw files
        for node_id in list(nodes):
            if node_id.startswith(f"data/snapshots/{name}/"):
                for raw in raws:
                    add_parent(nodes[node_id], raw)
    # the run folder: a copy of a cache file is that node; a file written at publish is its own node
    for output in manifest.get("outputs", []):
        producer = output.get("produced_by") or {}
        source = producer.get("source")
        if source and source in nodes:
            nodes[source].run_path = output["path"]
            nodes[source].label = output["path"]
            continue
        out = node(RUN_PREFIX + output["path"], output.get("sha256", ""))
        out.label = output["path"]
        out.run_path = output["path"]
        out.writer = {k: producer.get(k) for k in ("stage", "task", "name", "task_run_id", "flow_run_id", "state")
                      if producer.get(k) is not None}
        for parent in producer.get("upstream", []):
            if parent in nodes:
                add_parent(out, parent)
    if (trends := nodes.get(RUN_PREFIX + "trends.csv")) is not None:  # the report is drawn from the trends
        for item in nodes.values():
            if item.id != trends.id and (item.kind == "report" or item.run_path in ("report.md", "report.html")):
                add_parent(item, trends.id)
    return nodes


def upstream(nodes: dict[str, Node], node_id: str) -> set[str]:
    """Every file upstream of ``node_id`` (not itself)."""
    seen: set[str] = set()
    stack = list(nodes[node_id].parents) if node_id in nodes else []
    while stack:
        current = stack.pop()
        if current in seen or current not in nodes:
            continue
        seen.add(current)
        stack.extend(nodes[current].parents)
    return seen


def layout(nodes: dict[str, Node]) -> dict[str, tuple[int, int]]:
    """(column, row) of each node: columns by depth (longest path from a source file), rows by the mean row of the
    parents (fewer crossings), then by name."""
    depth: dict[str, int] = {}

    def level(node_id: str, trail: frozenset = frozenset()) -> int:
        if node_id in depth:
            return depth[node_id]
        parents = [p for p in nodes[node_id].parents if p in nodes and p not in trail]
        depth[node_id] = 1 + max((level(p, trail | {node_id}) for p in parents), default=-1)
        return depth[node_id]

    for node_id in nodes:
        level(node_id)
    last = max(depth.values(), default=0)
    for node_id, item in nodes.items():  # the run folder's files at the right, with the final outputs
        if item.kind == "run folder":
            depth[node_id] = last
    columns: dict[int, list[str]] = {}
    for node_id, column in depth.items():
        columns.setdefault(column, []).append(node_id)
    rows: dict[str, float] = {}
    place: dict[str, tuple[int, int]] = {}
    for column in sorted(columns):
        members = columns[column]

        def key(node_id: str) -> tuple:
            parents = [rows[p] for p in nodes[node_id].parents if p in rows]
            return (sum(parents) / len(parents) if parents else 0.0, nodes[node_id].label)

        for row, node_id in enumerate(sorted(members, key=key)):
            rows[node_id] = row
            place[node_id] = (column, row)
    return place


def _safe_url(url: str | None) -> str:
    return url if url and re.match(r"^(https?://|[\w./-]+$)", url) and not url.lower().startswith("javascript:") \
        else ""


def graph_data(manifest: dict, task_run_url, run_file_url=None) -> dict:
    """The columns of the Bokeh data sources and the per-node details of the side panel: ``task_run_url(id)`` is the
    UI's page of a task run (or None), ``run_file_url(path)`` a run-folder file's URL (or None)."""
    nodes = build_graph(manifest)
    place = layout(nodes)
    order = sorted(nodes, key=lambda n: place[n])
    index = {node_id: i for i, node_id in enumerate(order)}
    tallest = max((row for _, row in place.values()), default=0) + 1
    colors = {"raw source file": "#8c564b", "input file": "#7f7f7f", "canonical table": "#1f77b4",
              "analysis table": "#17becf", "fit": "#2ca02c", "collected": "#bcbd22", "figure": "#9467bd",
              "report": "#d62728", "run folder": "#ff7f0e", "price history": "#e377c2", "intermediate": "#c7c7c7"}
    details = []
    xs, ys, labels, kinds, fills, states = [], [], [], [], [], []
    for node_id in order:
        item = nodes[node_id]
        column, row = place[node_id]
        xs.append(column)
        ys.append(tallest - row)
        labels.append(item.label if len(item.label) <= 34 else item.label[:16] + "…" + item.label[-16:])
        kinds.append(item.kind)
        fills.append(colors.get(item.kind, "#c7c7c7"))
        writer = item.writer
        state = {"Cached": "served from cache", "Completed": "computed in this run"}.get(writer.get("state", ""),
                                                                                       writer.get("state", ""))
        states.append(state or "input")
        computed_in = writer.get("computed_in") or {}
        details.append({
            "id": node_id, "label": item.label, "kind": item.kind, "sha256": item.sha256, "origin": item.origin,
            "run_path": item.run_path,
            "file_url": _safe_url(run_file_url(item.run_path)) if run_file_url and item.run_path else "",
            "writer": writer.get("name") or writer.get("task") or "",
            "task_run_id": writer.get("task_run_id") or "",
            "task_run_url": _safe_url(task_run_url(writer["task_run_id"])) if writer.get("task_run_id") else "",
            "state": state or ("input of the run" if not writer else ""),
            "computed_in_run": computed_in.get("run_id", ""),
            "computed_in_url": _safe_url(task_run_url(computed_in["task_run_id"]))
            if computed_in.get("task_run_id") else "",
            "computed_in_note": computed_in.get("note", ""),
            "parents": [index[p] for p in item.parents if p in index], "column": place[node_id][0],
            "upstream": len(upstream(nodes, node_id)),
        })
    edges = {"x0": [], "y0": [], "x1": [], "y1": [], "cx0": [], "cx1": [], "child": [], "parent": []}
    for node_id in order:
        for parent in nodes[node_id].parents:
            if parent not in index:
                continue
            p, c = index[parent], index[node_id]
            edges["x0"].append(xs[p]); edges["y0"].append(ys[p]); edges["x1"].append(xs[c]); edges["y1"].append(ys[c])
            middle = (xs[p] + xs[c]) / 2
            edges["cx0"].append(middle); edges["cx1"].append(middle)
            edges["child"].append(c); edges["parent"].append(p)
    return {"nodes": {"x": xs, "y": ys, "label": labels, "kind": kinds, "fill": fills, "state": states,
                      "alpha": [1.0] * len(order), "line": ["#333333"] * len(order), "width": [1] * len(order)},
            "edges": {**edges, "alpha": [0.25] * len(edges["x0"]), "color": ["#999999"] * len(edges["x0"])},
            "details": details, "columns": max(xs, default=0) + 1, "rows": tallest}


_SELECT_JS = """
const sel = nodes.selected.indices;
const d = nodes.data, e = edges.data;
const n = d.x.length;
let keep = null;
if (sel.length > 0) {
  const start = sel[0];
  keep = new Set([start]);
  const stack = [start];
  while (stack.length) {
    const cur = stack.pop();
    for (const p of details[cur].parents) { if (!keep.has(p)) { keep.add(p); stack.push(p); } }
  }
  window.lineageShow(start, keep.size - 1, keep);
} else {
  window.lineageShow(null, 0);
}
for (let i = 0; i < n; i++) {
  d.alpha[i] = keep === null || keep.has(i) ? 1.0 : 0.12;
  d.line[i] = keep !== null && sel[0] === i ? "#000000" : "#333333";
  d.width[i] = keep !== null && sel[0] === i ? 3 : 1;
}
for (let j = 0; j < e.child.length; j++) {
  const on = keep !== null && keep.has(e.child[j]) && keep.has(e.parent[j]);
  e.alpha[j] = keep === null ? 0.25 : (on ? 0.9 : 0.04);
  e.color[j] = on ? "#d62728" : "#999999";
}
nodes.change.emit(); edges.change.emit();
"""


def lineage_figure(data: dict):
    """The Bokeh figure: curved edges, nodes coloured by kind, labels, tap to select (upstream highlighted)."""
    from bokeh.models import ColumnDataSource, CustomJS, HoverTool, LabelSet, TapTool
    from bokeh.plotting import figure

    nodes = ColumnDataSource(data["nodes"], name="lineage-nodes")
    edges = ColumnDataSource(data["edges"], name="lineage-edges")
    width = max(1000, 190 * data["columns"])
    height = max(500, 17 * data["rows"] + 60)
    plot = figure(width=width, height=height, x_range=(-0.3, data["columns"] - 0.1),
                  y_range=(0, data["rows"] + 1), tools="pan,wheel_zoom,reset,save", toolbar_location="above",
                  name="lineage-graph", output_backend="canvas")
    plot.axis.visible = False
    plot.grid.visible = False
    plot.outline_line_color = None
    plot.bezier("x0", "y0", "x1", "y1", "cx0", "y0", "cx1", "y1", source=edges, line_color="color",
                line_alpha="alpha", line_width=1.2)
    renderer = plot.scatter("x", "y", source=nodes, size=11, fill_color="fill", fill_alpha="alpha",
                            line_color="line", line_width="width", line_alpha="alpha",
                            nonselection_fill_alpha="alpha", nonselection_line_alpha="alpha",
                            selection_fill_alpha="alpha", selection_line_alpha="alpha")
    plot.add_layout(LabelSet(x="x", y="y", text="label", source=nodes, x_offset=8, y_offset=-6,
                             text_font_size="10px", text_alpha="alpha"))
    plot.add_tools(TapTool(renderers=[renderer]))
    plot.add_tools(HoverTool(renderers=[renderer], tooltips=[("file", "@label"), ("kind", "@kind"),
                                                            ("", "@state")]))
    nodes.selected.js_on_change("indices", CustomJS(args={"nodes": nodes, "edges": edges},
                                                    code="const details = window.lineageDetails;\n" + _SELECT_JS))
    return plot


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Lineage of run {{ run_id }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;color:#222}
header{padding:10px 16px;border-bottom:1px solid #ddd}
header h1{font-size:18px;margin:0 0 4px}
header p{margin:0;font-size:13px;color:#555}
main{display:flex;height:calc(100vh - 70px)}
#graph{flex:1;overflow:auto}
#panel{width:380px;border-left:1px solid #ddd;padding:12px 14px;overflow:auto;font-size:13px}
#panel h2{font-size:15px;margin:0 0 8px;word-break:break-all}
#panel dt{font-weight:600;margin-top:8px}
#panel dd{margin:2px 0 0 0;word-break:break-all}
code{font-size:12px}
.legend span{display:inline-block;margin-right:10px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:4px;vertical-align:middle}
table{border-collapse:collapse;font-size:12px;margin:16px}
td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
td code{word-break:break-all}
</style>
{{ bokeh_js }}
</head><body>
<header><h1>Lineage of run <code>{{ run_id }}</code></h1>
<p>Files from the raw sources (left) to the run folder (right); an edge: a task run read the left file and wrote the
right one. Click a file to highlight everything upstream of it; its sha256 and the task run that wrote it are on the
right. {{ counts }}</p>
<p class="legend">{% for kind, color in legend %}<span><i style="background:{{ color }}"></i>{{ kind }}</span>{% endfor %}</p>
</header>
<main><div id="graph">{{ bokeh_div }}</div>
<aside id="panel"><h2 id="panel-title">Click a file</h2><dl id="panel-body"></dl>
<p id="panel-hint">Every file with its full sha256 and the task run that wrote it is also listed
<a href="#files">below the graph</a>.</p></aside></main>
<h2 id="files" style="margin:16px">Every file</h2>
<table><thead><tr><th>file</th><th>kind</th><th>sha256</th><th>written by</th><th>how</th></tr></thead><tbody>
{% for d in details %}<tr id="file-{{ loop.index0 }}"><td><a href="#node={{ d.id }}">{{ d.label }}</a></td><td>{{ d.kind }}</td>
<td><code>{{ d.sha256 }}</code></td>
<td>{% if d.task_run_url %}<a class="task-run" href="{{ d.task_run_url }}">{{ d.writer }}</a>{% else %}{{ d.writer }}{% endif %}</td>
<td>{{ d.state }}{% if d.computed_in_run %} (computed in run <code>{{ d.computed_in_run }}</code>{% if d.computed_in_url %}: <a class="task-run" href="{{ d.computed_in_url }}">task run</a>{% endif %}){% endif %}{% if d.computed_in_note %} ({{ d.computed_in_note }}){% endif %}</td></tr>
{% endfor %}</tbody></table>
<script type="application/json" id="lineage-details">{{ details_json }}</script>
<script>
window.lineageDetails = JSON.parse(document.getElementById("lineage-details").textContent);
window.lineageSelect = function (i) {
  const doc = window.Bokeh && window.Bokeh.documents[0];
  const src = doc && doc.get_model_by_name("lineage-nodes");
  if (src) { src.selected.indices = [i]; }
};
window.lineageShow = function (index, upstreamCount, keep) {
  const title = document.getElementById("panel-title"), body = document.getElementById("panel-body");
  body.replaceChildren();
  if (index === null) { title.textContent = "Click a file"; return; }
  const d = window.lineageDetails[index];
  title.textContent = d.label;
  const row = function (term, text, href, mono) {
    if (!text) return;
    const dt = document.createElement("dt"); dt.textContent = term; body.appendChild(dt);
    const dd = document.createElement("dd");
    const inner = document.createElement(href ? "a" : (mono ? "code" : "span"));
    inner.textContent = text;
    if (href) { inner.href = href; inner.target = "_blank"; inner.rel = "noopener"; }
    dd.appendChild(inner); body.appendChild(dd);
  };
  row("kind", d.kind);
  row("in the run folder", d.run_path, d.file_url);
  row("file", d.id.replace(/^(run:|raw:)/, ""), null, true);
  row("sha256", d.sha256, null, true);
  row("origin", d.origin);
  row("written by task run", d.writer ? d.writer + (d.task_run_url ? "" : (d.task_run_id ? " (" + d.task_run_id + ")" : "")) : "", d.task_run_url);
  row("how", d.state);
  row("computed in run", d.computed_in_run);
  if (d.computed_in_url) row("computed by task run", "open in the UI", d.computed_in_url);
  row("note", d.computed_in_note);
  row("upstream", upstreamCount + " file(s) highlighted");
  const raws = keep ? [...keep].filter(function (i) { return i !== index && window.lineageDetails[i].kind === "raw source file"; }) : [];
  if (raws.length) {  // where this file comes from: the raw source files upstream, each a click away
    const dt = document.createElement("dt"); dt.textContent = "raw source files upstream (" + raws.length + ")";
    body.appendChild(dt);
    raws.forEach(function (i) {
      const dd = document.createElement("dd"), a = document.createElement("a");
      a.href = "#"; a.textContent = window.lineageDetails[i].label;
      a.addEventListener("click", function (event) { event.preventDefault(); window.lineageSelect(i); });
      const code = document.createElement("code"); code.textContent = " " + window.lineageDetails[i].sha256.slice(0, 16) + "…";
      dd.appendChild(a); dd.appendChild(code); body.appendChild(dd);
    });
  }
  if (history.replaceState) history.replaceState(null, "", "#node=" + encodeURIComponent(d.id));
};
function selectFromHash() {
  const m = /^#node=(.+)$/.exec(window.location.hash);
  if (!m) return;
  const id = decodeURIComponent(m[1]);
  const i = window.lineageDetails.findIndex(function (d) { return d.id === id || d.run_path === id; });
  if (i < 0 || !window.Bokeh) return;
  if (!window.Bokeh.documents[0]) { setTimeout(selectFromHash, 100); return; }
  window.lineageSelect(i);
  const graph = document.getElementById("graph"), columns = {{ columns }};
  graph.scrollLeft = Math.max(0, (window.lineageDetails[i].column + 0.5) / columns * graph.scrollWidth - graph.clientWidth / 2);
}
window.addEventListener("hashchange", selectFromHash);
window.addEventListener("load", function () { setTimeout(selectFromHash, 200); });
</script>
</body></html>
"""


def _json_for_script(value) -> str:
    """JSON that cannot end its <script> element or open markup: <, >, & escaped as unicode escapes."""
    return json.dumps(value, ensure_ascii=True).replace("<", "\\u003c").replace(">", "\\u003e") \
        .replace("&", "\\u0026")


def lineage_html(manifest: dict, task_run_url, run_file_url=None) -> str:
    """The page (see the module docstring)."""
    import jinja2
    from bokeh.embed import components

    data = graph_data(manifest, task_run_url, run_file_url)
    script, div = components(lineage_figure(data))
    env = jinja2.Environment(autoescape=True)
    records = manifest.get("tasks", [])
    cached = sum(r.get("state") == "Cached" for r in records)
    kinds = []
    for d, fill in zip(data["details"], data["nodes"]["fill"]):
        if (d["kind"], fill) not in kinds:
            kinds.append((d["kind"], fill))
    return env.from_string(_PAGE).render(
        run_id=manifest.get("run_id", ""), columns=int(data["columns"]), counts=f"{len(data['details'])} files; {cached} of {len(records)} task "
        "runs served from cache.", legend=kinds, details=data["details"],
        details_json=jinja2.utils.markupsafe.Markup(_json_for_script(data["details"])),
        bokeh_js=jinja2.utils.markupsafe.Markup(_bokeh_js()),
        bokeh_div=jinja2.utils.markupsafe.Markup(div + script))


def _bokeh_js() -> str:
    """Bokeh's own JavaScript (the core bundle only: the page uses no widgets), inlined from the installed package."""
    from bokeh.resources import Resources

    return Resources(mode="inline", components=["bokeh"]).render_js()

