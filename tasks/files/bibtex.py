"""BibTeX text: entries whose fields no value can break.

A field value is escaped character by character: ``{`` and ``}`` become ``\\textbraceleft{}`` and
``\\textbraceright{}`` (BibTeX counts braces even behind a backslash, so ``\\{`` alone would still unbalance the
field), ``\\`` becomes ``\\textbackslash{}``, and LaTeX's special characters ``% & _ # $`` are escaped (``%`` would
start a comment, ``&`` a table column, ``_`` a subscript); ``~`` and ``^`` are spelled out. Whitespace runs,
newlines included, become one space. A ``url`` is written as given but must hold none of these characters. A month
is BibTeX's macro (``jul``), written bare. An entry's key is made of letters, digits and ``_:-.``.
"""

from __future__ import annotations

import re

SPECIAL = {"{": r"\textbraceleft{}", "}": r"\textbraceright{}", "\\": r"\textbackslash{}", "%": r"\%", "&": r"\&",
           "_": r"\_", "#": r"\#", "$": r"\$", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
KEY = re.compile(r"^[A-Za-z0-9_:.\-]+$")
URL = re.compile(r"^https?://[^\s{}\\%#&\"]+$")


def bib_escape(value: object) -> str:
    """A field value as BibTeX/LaTeX text: every special character escaped, whitespace runs one space."""
    return "".join(SPECIAL.get(ch, ch) for ch in " ".join(str(value).split()))


def bib_key(text: str) -> str:
    """A citation key from any text: characters other than letters, digits and ``_:-.`` become ``_``."""
    key = re.sub(r"[^A-Za-z0-9_:.\-]", "_", text)
    return key or "_"


def bib_entry(kind: str, key: str, fields: dict[str, object]) -> str:
    """One entry, ``@kind{key, field = {value}, ...}``, fields in the order given; empty values left out.

    ``author``/``editor``: a list of names (joined with ``and``); a name given as ``("Artificial Analysis",)``
    (a one-element tuple) is a corporate name, kept whole in an extra pair of braces. ``month``: 1-12 or a month's
    macro name. ``url``: checked, not escaped. ``title``: in an extra pair of braces, so that a style keeps its
    capitals."""
    if not re.fullmatch(r"[a-z]+", kind):
        raise ValueError(f"not a BibTeX entry type: {kind!r}")
    if not KEY.match(key):
        raise ValueError(f"not a BibTeX key: {key!r}")
    lines = []
    for name, value in fields.items():
        if value is None or value == "" or value == [] or value == ():
            continue
        if not re.fullmatch(r"[a-z]+", name):
            raise ValueError(f"not a BibTeX field name: {name!r}")
        if name == "month":
            month = MONTHS[value - 1] if isinstance(value, int) and 1 <= value <= 12 else str(value).lower()
            if month not in MONTHS:
                raise ValueError(f"not a month: {value!r}")
            lines.append(f"  month = {month}")
            continue
        if name == "url":
            if not URL.match(str(value)):
                raise ValueError(f"a url holds no space, brace, backslash, %, #, & or quote: {value!r}")
            text = str(value)
        elif name in ("author", "editor") and not isinstance(value, str):
            text = " and ".join("{" + bib_escape(person[0]) + "}" if isinstance(person, tuple)
                                else bib_escape(person) for person in value)
        elif name == "title":  # an extra pair of braces: styles keep its capitals (LLM, GPQA, models.dev)
            text = "{" + bib_escape(value) + "}"
        else:
            text = bib_escape(value)
        lines.append(f"  {name} = {{{text}}}")
    return f"@{kind}{{{key},\n" + ",\n".join(lines) + "\n}\n"
