"""A report (``tasks.reporting.document.Document``: headings, paragraphs, tables, figures, code, lists), rendered by
Jinja2 templates into Markdown (``templates/report.md.j2``) and self-contained HTML (``templates/report.html.j2``).

Text that the project's code writes is Markdown built with every data value escaped (``tasks.reporting.markup``:
``Md`` marks it trusted); table cells that are plain values are escaped by the templates (Markdown: ``md_cell``;
HTML: Jinja2's autoescape). Nothing from data is ever live markup in either output.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import jinja2
from markupsafe import Markup

from tasks.reporting.document import Document
from tasks.reporting.markup import Md, markdown_to_html, md_cell

TEMPLATES = Path(__file__).parent / "templates"


def _inline_html(text) -> Markup:
    """Trusted Markdown -> HTML (one paragraph unwrapped); plain values are escaped."""
    if not isinstance(text, Md):
        return Markup.escape(str(text))
    html = markdown_to_html(str(text)).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)


def _md_align(align: str) -> str:
    return "| " + " | ".join({"l": "---", "r": "---:", "c": ":---:"}[a] for a in align) + " |"


def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=autoescape,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["cell"] = md_cell
    env.filters["md_align"] = _md_align
    env.filters["html"] = _inline_html
    return env


def render_markdown(document: Document) -> str:
    text = _environment(False).get_template("report.md.j2").render(doc=document)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"


def render_html(document: Document, figures: dict[str, Path]) -> str:
    """Self-contained HTML: every PNG embedded as a data URI (the page opens offline and can be mailed)."""
    def image(key: str) -> str:
        return "data:image/png;base64," + base64.b64encode(Path(figures[key]).read_bytes()).decode()

    css = (TEMPLATES / "report.css").read_text()
    return _environment(True).get_template("report.html.j2").render(doc=document, css=Markup(css), image=image)
