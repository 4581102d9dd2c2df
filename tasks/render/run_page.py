"""The Markdown pages of a run's page in the Prefect UI (its flow run's Artifacts tab), results first:

- ``answer_page``: the first screen (the primary sentence of ``tasks.render.answer`` and the answer's table, taken
  from report.md so that it is the report's own) with links to the HTML report, the figures, the lineage graph and
  the run's tables, over the run-folder file server;
- ``report_page``: report.md for the UI: a contents list whose links work (every heading gets an anchor), and the
  figures in one section near the top (each where it was discussed replaced by a link to it);
- ``data_quality_page``: rows in = used + quarantined per table, and the data-quality warnings, on one page.

Anchors: Markdown headings get no ids in the UI, so each heading is preceded by ``<a id="x"></a>``: the UI (Prefect
3.9's, checked in headless Chromium) renders that raw HTML and keeps the id as written (no ``user-content-``
prefix), so ``[...](#x)`` jumps to it (``UI_ANCHOR_PREFIX`` would say otherwise).
Everything taken from data is escaped (``tasks.reporting.markup``) or comes from report.md, which is.
"""

from __future__ import annotations

import re
from typing import Callable

from tasks.render.answer import primary_sentence
from tasks.reporting.document import slug

UI_ANCHOR_PREFIX = ""
_HEADING = re.compile(r"^(#{2,3}) (.+)$")
_IMAGE = re.compile(r"^!\[([^\]]*)\]\(([^)]+)\)\s*$")


def _escape_cell(text: object) -> str:
    """A Markdown table cell from data: no markup, no pipes, no line breaks, no raw HTML."""
    value = "" if text is None else str(text)
    value = value.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")
    for char in "`*_[]<>#!":
        value = value.replace(char, "\\" + char)
    return value


def anchor_link(anchor: str) -> str:
    """The href of a heading's anchor on the UI's artifact page."""
    return f"#{UI_ANCHOR_PREFIX}{anchor}"


def report_page(markdown: str, figure_link: Callable[[str], str] | None = None,
                lineage_link: Callable[[str], str] | None = None) -> str:
    """report.md with a contents list (level 2 and 3 headings, each with an anchor that the links reach) and every
    figure moved into a "Figures" section right after the answer; where a figure was, a link to it. Internal links of
    the report (``](#definitions)``) are pointed at the UI's anchors. ``figure_link``: the URL of a run-folder file
    (for the "open the SVG" link beside each figure), if any."""
    lines = markdown.splitlines()
    used: dict[str, int] = {}

    def unique(text: str) -> str:
        base = slug(text)
        used[base] = used.get(base, 0) + 1
        return base if used[base] == 1 else f"{base}-{used[base]}"

    headings: list[tuple[int, str, str]] = []  # (level, text, anchor)
    figures: list[tuple[str, str, tuple[str, str]]] = []  # (caption, path, (anchor, heading) of its section)
    body: list[str] = []
    section = ("", "")
    for line in lines:
        heading = _HEADING.match(line)
        if heading:
            anchor = unique(heading.group(2))
            level = len(heading.group(1))
            headings.append((level, heading.group(2), anchor))
            section = (anchor, heading.group(2).replace("[", "(").replace("]", ")"))
            body += [f'<a id="{anchor}"></a>', "", line]
            continue
        image = _IMAGE.match(line)
        if image:
            number = len(figures) + 1
            figures.append((image.group(1), image.group(2), section))
            caption = re.sub(r"^Figure:\s*", "", image.group(1))
            body.append(f"*Figure {number}: {caption}: [shown under Figures](#{UI_ANCHOR_PREFIX}figure-{number})*")
            continue
        body.append(line)
    text = "\n".join(body)
    for _, _, anchor in headings:  # the report's own links to its headings
        text = text.replace(f"](#{anchor})", f"]({anchor_link(anchor)})")

    # the contents and the figures go right after the first level-2 section (the answer), or after the title
    contents = ["**Contents**", ""]
    for level, heading_text, anchor in headings:
        contents.append(("  " if level == 3 else "") + f"- [{heading_text.replace('[', '(').replace(']', ')')}]"
                        f"({anchor_link(anchor)})")
        if level == 2 and anchor == (headings[0][2] if headings else ""):
            contents.append(f"- [Figures]({anchor_link('figures')}) ({len(figures)})")
    figure_lines = ['<a id="figures"></a>', "", "## Figures", ""]
    for number, (caption, path, where) in enumerate(figures, 1):
        title = re.sub(r"^Figure:\s*", "", caption)
        svg = path[:-4] + ".svg" if path.endswith(".png") else path
        extra = (f" · [SVG]({figure_link(svg)})" if figure_link else "") \
            + (f" · [its lineage, back to the raw files]({lineage_link(path)})" if lineage_link else "")
        figure_lines += [f'<a id="figure-{number}"></a>', "",
                         f"**Figure {number}**: {title} (discussed in [{where[1] or 'the report'}]"
                         f"({anchor_link(where[0]) if where[0] else '#'})){extra}", "", f"![{caption}]({path})", ""]
    out = text.splitlines()
    second = [i for i, line in enumerate(out) if line.startswith("## ")]
    # before the anchor line of the second level-2 heading (the first after the answer)
    insert_at = (second[1] - 2) if len(second) > 1 else len(out)
    title_end = next((i for i, line in enumerate(out) if line.startswith("# ")), -1) + 1
    out = out[:title_end] + ["", *contents, ""] + out[title_end:insert_at] + (figure_lines if figures else []) \
        + out[insert_at:]
    return "\n".join(out) + "\n"


def answer_table(report_md: str) -> list[str]:
    """The first Markdown table of report.md's answer section (its lines), and the line below it if it explains it."""
    lines = report_md.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == "## The answer"), None)
    if start is None:
        return []
    table: list[str] = []
    for line in lines[start + 1:]:
        if line.startswith("## "):
            break
        if line.startswith("|"):
            table.append(line)
        elif table:
            break
    return table


def answer_page(report_md: str, headline: dict | None, links: dict[str, str], run_name: str,
                figures: list[tuple[str, str, str | None]] | None = None, primary_lineage: str | None = None) -> str:
    """The answer artifact: the primary sentence (``tasks.render.answer.primary_sentence``, from headline.json) with a
    link to its lineage (``primary_lineage``: the graph with the fit that made it selected), the answer's table
    (report.md's own), then links (``links``: label -> URL, in order) and the figures (title, URL, lineage URL)."""
    lines = [f"# The answer of run `{_escape_cell(run_name)}`", ""]
    sentence = primary_sentence(headline) if headline else None
    if sentence:
        lines += [sentence + (f" ([how this number was made, back to the raw files]({primary_lineage}))"
                              if primary_lineage else ""), ""]
    table = answer_table(report_md)
    if table:
        lines += [*table, ""]
    if not sentence and not table:
        lines += ["*(no answer: see the report)*", ""]
    if links:
        lines += ["**Open**: " + " · ".join(f"[{_escape_cell(label)}]({url})" for label, url in links.items()), ""]
    if figures:
        lines += ["**Figures** (each with its lineage):", ""]
        lines += [f"- [{_escape_cell(title)}]({url})" + (f" ([lineage]({lineage}))" if lineage else "")
                  for title, url, lineage in figures]
        lines.append("")
    return "\n".join(lines)


def data_quality_page(summary: list[dict], warnings: list[dict], run_name: str) -> str:
    """Rows in = used + quarantined per table, then every data-quality warning (kind, where, what, severity)."""
    def table(rows: list[dict]) -> list[str]:
        if not rows:
            return ["(none)"]
        columns = list(rows[0])
        out = ["| " + " | ".join(_escape_cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
        out += ["| " + " | ".join(_escape_cell(row.get(c, "")) for c in columns) + " |" for row in rows]
        return out

    return "\n".join([f"# Data quality of run `{_escape_cell(run_name)}`", "",
                      "## Rows in = used + quarantined", "", *table(summary), "",
                      f"## Warnings ({len(warnings)})", "", *table(warnings), ""])
