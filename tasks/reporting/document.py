"""A report as blocks (headings, paragraphs, tables, figures, code, lists): what the report's assembly and every
method's section write into; ``tasks.render.document`` renders it (Markdown and self-contained HTML).

Text that the project's code writes is Markdown built with every data value escaped (``tasks.reporting.markup``:
``Md`` marks it trusted); table cells that are plain values are escaped when rendered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tasks.reporting.markup import Md


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
    interactive: str = ""  # figure: its interactive page (figures/<snapshot>/<name>.html), when the run has one


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
            page = f"{key[:-4]}.html"
            self.blocks.append(Block("figure", Md(caption), key=key, interactive=page if page in figures else ""))

    def code(self, text: str) -> None:
        self.blocks.append(Block("code", text))

    def toc(self, level: int = 2) -> list[Block]:
        return [b for b in self.blocks if b.kind == "heading" and b.level <= level]


def slug(text: str) -> str:
    text = re.sub(r"[`*_\\\[\]()]", "", str(text)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "section"
