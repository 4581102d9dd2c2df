"""Tables as CSV text: deterministic bytes, no spreadsheet formulas, no hidden bidirectional controls, and read back
exactly.

Pure (no file writing here: ``tasks.files.io`` writes; this formats and parses).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# Spreadsheet formula injection (OWASP "CSV injection"): a text cell that starts with one of these is run as a
# formula by Excel, LibreOffice and Google Sheets. Such cells get a leading apostrophe, which spreadsheets show as
# text; a plain number ("-0.5") is not a formula and is left alone. A text that already starts with an apostrophe
# gets one more, so that ``restore_cell`` (used wherever the project reads its own CSV outputs back) is exact. Parquet
# outputs keep the values exactly as they are.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
# Unicode bidirectional controls (the "Trojan Source" characters): an embedding, override or isolate (U+202A-U+202E,
# U+2066-U+2069) or a mark (U+200E, U+200F, U+061C) reorders how the rest of a cell, or of a line, is displayed:
# "\u202egpj.exe" shows as "exe.jpg". In a CSV text cell each is written as a visible token, ``<U+202E>``; a text
# that itself contains such a token has its "<" written as ``<U+003C>``, so that ``restore_cell`` gives back the exact
# text. Parquet outputs keep the characters as they are; the report shows the same tokens
# (``show_controls``, used by ``tasks.reporting.markup``).
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
_TOKEN_CODES = "|".join(f"{ord(c):04X}" for c in BIDI_CONTROLS + "<")
_TOKEN = re.compile(f"<U\\+({_TOKEN_CODES})>")


def show_controls(text: str) -> str:
    """``text`` with every bidirectional control as a visible token (``<U+202E>``), for reading only (the report)."""
    return _BIDI.sub(lambda m: f"<U+{ord(m.group(0)):04X}>", text)


def visible_controls(text: str) -> str:
    """``text`` with every bidirectional control as a visible token (``<U+202E>``), reversibly (``hidden_controls``)."""
    if "<U+" not in text and not _BIDI.search(text):
        return text
    text = _TOKEN.sub(lambda m: "<U+003C>" + m.group(0)[1:], text)  # a literal token: its "<" escaped
    return show_controls(text)


def hidden_controls(text: str) -> str:
    """The exact text behind ``visible_controls``."""
    return _TOKEN.sub(lambda m: chr(int(m.group(1), 16)), text) if "<U+" in text else text


def neutralise_cell(text: str) -> str:
    """A text cell that no spreadsheet runs as a formula (see ``FORMULA_START``) and whose bidirectional controls
    are visible tokens (see ``BIDI_CONTROLS``); NUL bytes removed."""
    text = visible_controls(text.replace("\0", ""))
    if text and ((text[0] in FORMULA_START and not _PLAIN_NUMBER.match(text)) or text[0] == "'"):
        return "'" + text
    return text


def restore_cell(text):
    """The exact text of a cell written by ``neutralise_cell``."""
    if not isinstance(text, str):
        return text
    return hidden_controls(text[1:] if text.startswith("'") else text)


def restore_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text column of a frame read from a project CSV, restored (``restore_cell``)."""
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            frame[column] = frame[column].map(restore_cell)
    return frame


def read_csv_output(path: Path, **options) -> pd.DataFrame:
    """A CSV the project wrote (``csv_text``), cells restored exactly; by default all strings, empty -> None."""
    if not options:
        return restore_frame(pd.read_csv(path, dtype=str, keep_default_na=False)).replace({"": None})
    return restore_frame(pd.read_csv(path, **options))


def format_csv_value(value: Any, float_digits: int | None = None) -> str:
    """One CSV cell: empty for missing, ISO dates, ``true``/``false``, floats exact (repr) or with N digits, text
    neutralised against formula injection (``neutralise_cell``)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, pd.Timestamp):
        if value.hour or value.minute or value.second or value.microsecond or value.nanosecond:
            return value.isoformat()
        return value.date().isoformat()
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return ""
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if float_digits is None:
            return repr(float(value))
        return format(float(value), f".{float_digits}g")
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return neutralise_cell(str(value))


def csv_text(df: pd.DataFrame, float_digits: int | None = None) -> str:
    """Deterministic CSV text for ``df`` (columns in order, '\\n' line ends, RFC 4180 quoting)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(df.columns))
    for row in df.itertuples(index=False, name=None):
        writer.writerow([format_csv_value(value, float_digits) for value in row])
    return buffer.getvalue()
