"""Reading a raw CSV file strictly: every problem is an error that names the file, the row and the rule.

What a spreadsheet export can do to a CSV, and what happens here:
- another encoding: UTF-8 (with or without a BOM) is read; a UTF-16/32 byte-order mark or bytes that are not UTF-8
  are an error that says so ("save it as UTF-8"), never a garbled header;
- NUL bytes: stripped from the cells, each cell reported (``nul_cells``), so that none reaches an output;
- a ragged row (more or fewer fields than the header): an error naming the row and its line;
- a header without rows: an error ("no rows");
- two columns that are the same once whitespace is collapsed (``Blended USD/1M Tokens`` beside
  ``Blended\\nUSD/1M Tokens``): an error naming both, when the adapter uses that column (unused duplicates, such as
  two free-text ``Notes`` columns, are harmless);
- more rows than ``max_input_rows()``: an error naming the limit (and how to raise it), raised while reading, so
  that a huge file never fills the memory;
- the file is read through the reading gate (``tasks.data.ingest.reading``): a regular file within the byte limit,
  never a FIFO or a device.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tasks.data.ingest.common import SourceError
from tasks.data.ingest.reading import MAX_ROWS_ENV, max_input_rows, read_head, read_input  # noqa: F401

_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"), (codecs.BOM_UTF16_LE, "UTF-16"),
         (codecs.BOM_UTF16_BE, "UTF-16"))


def collapse(header: str) -> str:
    return " ".join(str(header).split())


def decode(path: Path, data: bytes | None = None) -> str:
    """The text of a UTF-8 file (a BOM is allowed); any other encoding is an error that names it."""
    path = Path(path)
    data = read_input(path) if data is None else data
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise SourceError(f"{path}: the file is {name}-encoded; save it as UTF-8 (e.g. 'CSV UTF-8' in a "
                              "spreadsheet's Save As) and try again")
    if len(data) >= 4 and data[1:4:2] == b"\0\0" and data[0] and data[2]:
        raise SourceError(f"{path}: the file looks UTF-16-encoded (no byte-order mark); save it as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise SourceError(f"{path}, line {line}: not UTF-8 text (byte {data[err.start]:#04x} at offset "
                          f"{err.start}); save the file as UTF-8") from None


@dataclass
class CsvTable:
    """A raw CSV as strings: the header (whitespace collapsed), the raw header texts, and the data rows."""

    path: Path
    header: list[str]
    raw_header: list[str]
    rows: list[list[str]]
    lines: list[int]  # the file line on which each data row starts (quoted newlines make rows span lines)
    nul_cells: list[tuple[int, str]] = field(default_factory=list)  # (data row, column) where NUL bytes were removed

    def positions(self, column: str) -> list[int]:
        return [i for i, name in enumerate(self.header) if name == column]

    def require(self, columns, what: str = "this format") -> None:
        """Every column present exactly once; otherwise an error naming the missing or duplicated ones."""
        missing = [c for c in columns if not self.positions(c)]
        if missing:
            raise SourceError(f"{self.path}: not {what}; missing column(s): {', '.join(missing)}")
        for column in columns:
            found = self.positions(column)
            if len(found) > 1:
                described = " and ".join(f"column {i + 1} ({self.raw_header[i]!r})" for i in found)
                raise SourceError(f"{self.path}: {described} are the same column {column!r} once whitespace is "
                                  "collapsed; keep one of them (which one is meant cannot be guessed)")

    def frame(self, columns) -> pd.DataFrame:
        """The named columns (checked by ``require``) as a DataFrame of strings, one row per data row."""
        columns = list(dict.fromkeys(columns))
        self.require(columns)
        index = [self.positions(c)[0] for c in columns]
        return pd.DataFrame([[row[i] for i in index] for row in self.rows], columns=columns, dtype=object)

    def records(self, columns) -> list[dict[str, str]]:
        """The named columns of each data row as a dict (absent columns are not checked here)."""
        index = {c: self.positions(c)[0] for c in columns if self.positions(c)}
        return [{c: row[i] for c, i in index.items()} for row in self.rows]


def read_header(path: Path, normalise=collapse) -> list[str]:
    """Only the header row (for sniffing); empty when the file cannot be read as a UTF-8 CSV, or is not a regular
    file (the reading gate, ``tasks.data.ingest.reading``: sniffing never blocks on a FIFO nor reads a device)."""
    head = read_head(path)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:  # not a character cut at the end of the head
            return []
        text = head[:err.start].decode("utf-8-sig")
    try:
        return [normalise(h) for h in next(csv.reader(io.StringIO(text, newline="")), [])]
    except csv.Error:
        return []


def read_csv_table(path: Path, normalise=collapse, max_rows: int | None = None) -> CsvTable:
    """Read ``path`` strictly (see the module docstring); ``normalise`` maps raw header texts to column names."""
    path = Path(path)
    limit = max_input_rows() if max_rows is None else max_rows
    text = decode(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        raw_header = next(reader, None)
        if raw_header is None or not any(h.strip() for h in raw_header):
            raise SourceError(f"{path}: empty file (no header row)")
        width = len(raw_header)
        rows, lines, nul_cells = [], [], []
        start = reader.line_num + 1
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):  # a blank line
                start = reader.line_num + 1
                continue
            number = len(rows) + 1
            if len(row) != width:
                raise SourceError(f"{path}, row {number} (line {start}): {len(row)} fields where the header has "
                                  f"{width}; fix the row (a stray or missing comma, or an unclosed quote)")
            if len(rows) >= limit:
                raise SourceError(f"{path}: more than {limit:,} data rows, the limit for one input file; split "
                                  f"the file, or raise the limit with {MAX_ROWS_ENV}")
            for i, cell in enumerate(row):
                if "\0" in cell:
                    row[i] = cell.replace("\0", "")
                    nul_cells.append((number, normalise(raw_header[i])))
            rows.append(row)
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as err:
        raise SourceError(f"{path}, line {reader.line_num}: not a readable CSV ({err})") from None
    if not rows:
        raise SourceError(f"{path}: the file has a header but no rows: nothing to ingest")
    return CsvTable(path, [normalise(h) for h in raw_header], raw_header, rows, lines, nul_cells)
