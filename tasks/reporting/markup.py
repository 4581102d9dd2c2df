"""Text from data in Markdown and HTML, never as live markup.

A model may be named ``<img src=x onerror=alert(1)>`` or ``[click](javascript:...)``: every value that comes from
data is escaped before it enters a report, and the HTML rendering is safe even if one were missed:

- ``md_escape``: a value as literal Markdown text (HTML-significant characters as entities, Markdown syntax
  backslash-escaped, line breaks as spaces);
- ``md_code``: a value as a code span whose fence is longer than any backtick run inside it;
- ``Md``: a string our own code built as Markdown (trusted); ``md_table`` escapes every other cell;
- ``markdown_to_html``: Markdown -> HTML with raw HTML turned off (it is shown as text) and every link or image
  whose address is not relative, ``http(s)``, ``mailto`` or an embedded PNG/SVG ``data:`` image dropped.

Unicode bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C: they reorder how text is
displayed, "\u202egpj.exe" shows as "exe.jpg") are shown as visible tokens, ``<U+202E>``, by ``md_escape`` and
``md_code`` (the same tokens as in the CSV outputs, ``tasks.files.tables.BIDI_CONTROLS``), and ``markdown_to_html``
makes any that reached it visible too.
"""

from __future__ import annotations

import re

import markdown
from markdown.treeprocessors import Treeprocessor

from tasks.files.tables import show_controls

# what can start inline Markdown (or end a table cell); an underscore only at a word's edge (``_it_``), so that
# identifiers such as lowest_reported stay readable in the Markdown source
_MD_INLINE = re.compile(r"([\\`*\[\]|]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
# what would start a block at the start of a line: a heading, a list item ("- ", "+ ", "1. "); a quote's ">" is
# already an entity
_MD_LINE_START = re.compile(r"^(\s*)(#|[+-](?=\s)|\d+(?=[.)](?:\s|$)))")
_SAFE_URL = re.compile(r"^(?:https?://|mailto:|data:image/(?:png|svg\+xml);base64,|[A-Za-z0-9_./#?=%-]+$)", re.I)


class Md(str):
    """Markdown built by the project's own code: inserted as is (the values inside it were escaped)."""


def md_escape(value) -> str:
    """``value`` as literal Markdown text: it renders as exactly these characters, nothing live."""
    if isinstance(value, Md):
        return value
    text = show_controls(" ".join(str(value).replace("\0", "").splitlines()))
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_LINE_START.sub(lambda m: m.group(1) + (m.group(2) + "\\" if m.group(2)[0].isdigit() else
                                                      "\\" + m.group(2)), text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def md_code(value) -> Md:
    """``value`` as a Markdown code span (rendered literally, whatever it holds)."""
    text = show_controls(" ".join(str(value).replace("\0", "").splitlines()))
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return Md(f"{fence}{pad}{text}{pad}{fence}")


def md_cell(value) -> str:
    """A table cell: trusted Markdown as is, anything else escaped (pipes included)."""
    return value if isinstance(value, Md) else md_escape(value)


class _SafeLinks(Treeprocessor):
    def run(self, root):
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is not None and not _SAFE_URL.match(value.strip()):
                    del element.attrib[attribute]


def markdown_to_html(text: str) -> str:
    """HTML of a Markdown text, with raw HTML shown as text and unsafe link and image addresses removed."""
    converter = markdown.Markdown(extensions=["tables", "fenced_code"], output_format="html")
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    converter.treeprocessors.register(_SafeLinks(converter), "safe_links", 0)
    return converter.convert(show_controls(text))
