"""A report as blocks (headings, paragraphs, tables, figures, code, lists), rendered by Jinja2 templates into
Markdown (``templates/report.md.j2``) and self-contained HTML (``templates/report.html.j2``).

Text that the project's code writes is Markdown built with every data value escaped (``tasks.render.markup``:
``Md`` marks it trusted); table cells that are plain values are escaped by the templates (Markdown: ``md_cell``;
HTML: Jinja2's autoescape). Nothing from data is ever live markup in either output.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from markupsafe import Markup

from tasks.render.markup import Md, markdown_to_html, md_cell

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class Block:
    kind: str  # heading | text | table | figure | code | list
    text: str = ""
    level: int = 2
    anchor: str = ""
    header: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    align: str = ""
    items: list = field(default_factory=list)
    key: str = ""  # figure: figures/<snapshot>/<name>.png


@dataclass
class Document:
    title: str
    blocks: list[Block] = field(default_factory=list)

    def heading(self, text: str, level: int = 2, anchor: str | None = None) -> None:
        self.blocks.append(Block("heading", Md(text), level, anchor or slug(text)))

    def text(self, *parts: str) -> None:
        """A paragraph of trusted Markdown (data values inside it escaped by the caller)."""
        self.blocks.append(Block("text", Md(" ".join(p for p in parts if p))))

    def table(self, header: list[str], rows: list[list], align: str | None = None) -> None:
        if rows:
            self.blocks.append(Block("table", header=header, rows=rows, align=align or "l" * len(header)))

    def bullets(self, items: list[str]) -> None:
        if items:
            self.blocks.append(Block("list", items=[Md(i) for i in items]))

    def figure(self, figures: dict, key: str, caption: str) -> None:
        if key in figures:
            self.blocks.append(Block("figure", Md(caption), key=key))

    def code(self, text: str) -> None:
        self.blocks.append(Block("code", text))

    def toc(self, level: int = 2) -> list[Block]:
        return [b for b in self.blocks if b.kind == "heading" and b.level <= level]


def slug(text: str) -> str:
    text = re.sub(r"[`*_\\\[\]()]", "", str(text)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "section"


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
