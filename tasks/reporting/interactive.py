"""What every interactive figure shares (Plotly): the hover data of a model, the page around a figure, the JavaScript.

An interactive figure is an HTML page beside its PNG/SVG (``figures/<snapshot>/<name>.html``): hover a point for the
model, its release date, its price and where the price comes from, its score; zoom by dragging; switch the value axis
between log and linear. The PNG/SVG for papers are unchanged.

Offline and written once: the pages load ``plotly.min.js`` by a relative path (``figures/plotly.min.js``, the copy
shipped inside the ``plotly`` package, written once per run folder by the figures stage); nothing is fetched from a
CDN. Safe: every text that comes from data (model names, creators, sources, snapshot names) is HTML-escaped before it
enters the figure (hover text, titles), and the figure's JSON is put in the page with ``<``, ``>`` and ``&`` as
JSON escapes: a model named ``<script>`` is shown as text, never run. Deterministic: fixed element ids, no dates.
"""

from __future__ import annotations

import html
import json

import numpy as np
import pandas as pd

PLOTLY_JS = "plotly.min.js"  # its run-folder name, under figures/ (one copy for every page)
PLOTLY_JS_PATH = f"figures/{PLOTLY_JS}"
HOVER_COLUMNS = ["name", "creator", "release", "value", "price", "price_source", "observed_on", "score", "role"]
# customdata columns, in the order of HOVER_COLUMNS; the value line is the figure's own quantity (its unit)
HOVER_LINES = ["<b>%{customdata[0]}</b>", "creator: %{customdata[1]}", "released: %{customdata[2]}",
               "%{customdata[3]}", "price: %{customdata[4]} (source: %{customdata[5]}, observed %{customdata[6]})",
               "score: %{customdata[7]}", "%{customdata[8]}"]
HOVER_TEMPLATE = "<br>".join(HOVER_LINES) + "<extra></extra>"
CONFIG = {"displaylogo": False, "responsive": True, "scrollZoom": False,
          "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
SCORE_NAMES = {"mmlu_pro": "MMLU-Pro", "gpqa_diamond": "GPQA Diamond", "aa_intelligence_index": "AA Intelligence Index"}


def plotly_js() -> bytes:
    """plotly.js as shipped inside the installed ``plotly`` package (no network)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().encode()


def text(value) -> str:
    """A data value as safe hover/title text: missing -> an em dash, everything else HTML-escaped."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    return html.escape(str(value), quote=True)


def _day(value) -> str:
    return "—" if pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


def _money(value) -> str:
    return "—" if pd.isna(value) else f"${value:,.4g} per 1M tokens"


def _score(value, measure: str) -> str:
    if pd.isna(value):
        return f"{SCORE_NAMES.get(measure, measure)}: not scored"
    shown = f"{100 * value:.1f} %" if 0 <= value <= 1 else f"{value:.4g}"
    return f"{text(SCORE_NAMES.get(measure, measure))} {shown}"


def hover_data(points: pd.DataFrame, analysis: pd.DataFrame, *, price_source: str | None, price_type: str,
               quality_measure: str, value_label) -> np.ndarray:
    """One row of hover text per point (``HOVER_COLUMNS``), from the analysis table's row of the same model and
    price source: the price of ``price_type`` and its source and date, the score on ``quality_measure``.
    ``value_label(value) -> str``: the plotted value with its unit. Every text escaped."""
    price = f"{price_type}_usd_per_mtok"
    score = f"score_{quality_measure}"
    keep = ["model_id", "creator", "price_source", "observed_on", price, score]
    rows = analysis
    if price_source is not None and "price_source" in rows:
        rows = rows[rows["price_source"] == price_source]
    elif price in rows:  # a trend of no price source (parameters): the model's first row that has a price
        rows = rows.assign(_priced=rows[price].notna()).sort_values("_priced", ascending=False, kind="stable")
    rows = rows[[c for c in keep if c in rows]].drop_duplicates("model_id")
    joined = points.drop(columns=[c for c in keep[1:] if c in points]).merge(rows, on="model_id", how="left")
    role = np.where(joined["is_record"].astype("boolean").fillna(False).astype(bool), "record low",
                    "other model") if "is_record" in joined else np.full(len(joined), "")
    in_fit = joined["in_fit"].astype("boolean").fillna(False).astype(bool) if "in_fit" in joined else None
    if in_fit is not None:
        role = np.where(in_fit, np.char.add(role.astype(str), " · in the fit"), role)
    table = pd.DataFrame({
        "name": [text(v) for v in joined["name"]],
        "creator": [text(v) for v in joined.get("creator", pd.Series(None, index=joined.index))],
        "release": [_day(v) for v in joined["release_date"]],
        "value": [value_label(v) for v in joined["value"]],
        "price": [_money(v) for v in joined.get(price, pd.Series(np.nan, index=joined.index))],
        "price_source": [text(v) for v in joined.get("price_source", pd.Series(None, index=joined.index))],
        "observed_on": [_day(v) for v in joined.get("observed_on", pd.Series(None, index=joined.index))],
        "score": [_score(v, quality_measure) for v in joined.get(score, pd.Series(np.nan, index=joined.index))],
        "role": [str(r) for r in role],
    })
    return table[HOVER_COLUMNS].to_numpy(dtype=object)


def axis_buttons(n_axes: int) -> list[dict]:
    """A log/linear switch for the value axis (every panel's), at the bottom right beside the legend (above the
    panels it covered their captions); on the log axis one tick per power of ten, on the linear one Plotly's."""
    keys = ["yaxis"] + [f"yaxis{i}" for i in range(2, n_axes + 1)]
    log = {**{f"{k}.type": "log" for k in keys}, **{f"{k}.dtick": 1 for k in keys}}
    linear = {**{f"{k}.type": "linear" for k in keys}, **{f"{k}.dtick": None for k in keys}}
    return [dict(type="buttons", direction="right", x=1.0, xanchor="right", y=-0.09, yanchor="top", pad=dict(t=0),
                 showactive=True, active=0, font=dict(size=11),
                 buttons=[dict(label="log axis", method="relayout", args=[log]),
                          dict(label="linear axis", method="relayout", args=[linear])])]


def page(fig, title: str, caption: str, js_path: str = f"../{PLOTLY_JS}") -> str:
    """A standalone HTML page: the (escaped) title and caption, the figure, ``plotly.min.js`` by its relative path
    (``js_path``: from ``figures/<snapshot>/`` by default). No CDN, no random ids."""
    import plotly.io

    data = plotly.io.to_json(fig, validate=False, pretty=False, engine="json")
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    config = json.dumps(CONFIG, sort_keys=True)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n"
        "<style>body{font-family:system-ui,sans-serif;margin:12px 16px;color:#222}"
        "h1{font-size:17px;margin:0 0 4px}p{font-size:13px;margin:0 0 8px;color:#444}"
        "#figure{width:100%;height:calc(100vh - 90px);min-height:480px}</style>\n"
        f"<script src=\"{html.escape(js_path)}\"></script>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n<p>{html.escape(caption)}</p>\n"
        "<div id=\"figure\"></div>\n"
        "<noscript>This interactive figure needs JavaScript; the PNG and SVG beside it show the same.</noscript>\n"
        "<script>\n(function () {\n"
        "  var el = document.getElementById('figure');\n"
        "  if (typeof Plotly === 'undefined') {\n"
        f"    el.textContent = 'plotly.min.js not found next to this folder ({html.escape(js_path)}): "
        "the PNG and SVG beside this page show the same figure.';\n    return;\n  }\n"
        f"  var fig = {data};\n"
        f"  Plotly.newPlot(el, fig.data, fig.layout, {config});\n"
        "})();\n</script>\n</body>\n</html>\n")

