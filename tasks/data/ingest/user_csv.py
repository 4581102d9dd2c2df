"""Adapter ``user_csv``: your own CSV, described by a small mapping file (TOML) that names which column is what.

Give the mapping file as the input (``--input my-prices.mapping.toml``), or a CSV whose mapping sits beside it
as ``<name>.mapping.toml``. Example::

    file = "my-prices.csv"          # the data: a file in the same folder as this one (its name only)
    source = "my-survey"            # names the source on every row
    observed_on = 2026-07-15        # the date the prices were observed
    date_format = "iso"             # iso (2025-08-05, or 2025-08) | mdy (8/5/25)
    score_unit = "percent"          # fraction (0..1) | percent (0..100)

    [columns]                       # canonical field -> your column; only model is required
    model = "Model"
    creator = "Lab"
    release_date = "Released"
    open_weights = "Open weights"   # true/false, yes/no, 1/0
    total_params_b = "Params (B)"
    active_params_b = "Active (B)"
    provider = "Provider"           # optional; without it prices are "source_price"
    input_usd_per_mtok = "Input $/M"
    output_usd_per_mtok = "Output $/M"
    blended_usd_per_mtok = "Blended $/M"

    [scores]                        # benchmark id (schemas.canonical.BENCHMARK_UNITS) -> your column
    mmlu_pro = "MMLU-Pro"

The mapping names only a file beside it: a plain file name, no folder, no absolute path, and not a link that leads
out of the mapping's folder. A mapping dropped into the inbox (or given with ``--input``) thus reads nothing but the
data it came with. An error about the data file never quotes a line of a file that is not recognisably that data:
when none of the mapping's columns is in its first line, that line is not shown.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from schemas.canonical import BENCHMARK_UNITS
from tasks.data.canonical import CanonicalTables
from tasks.data.ingest.common import Collector, SourceError, iso_day, observation_date, regular_files, text_number
from tasks.data.ingest.csvfile import CsvTable, collapse, read_csv_table
from tasks.data.ingest.reading import read_input
from tasks.data.parsing import ParseError, parse_bool, parse_fraction, parse_mdy_date, parse_usd, slugify

FORMAT = "user_csv"
ORIGIN = "a user's CSV with a column mapping"
MODEL_FIELDS = ("creator", "release_date", "open_weights", "license", "reasoning", "total_params_b",
                "active_params_b")
PRICE_FIELDS = ("input_usd_per_mtok", "output_usd_per_mtok", "blended_usd_per_mtok")


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file: str
    source: str
    observed_on: dt.date | None = None
    date_format: str = "iso"
    score_unit: str = "fraction"
    columns: dict[str, str]
    scores: dict[str, str] = {}

    @field_validator("columns")
    @classmethod
    def _columns(cls, value):
        known = {"model", "provider", *MODEL_FIELDS, *PRICE_FIELDS}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown field(s) {unknown}; known: {sorted(known)}")
        if "model" not in value:
            raise ValueError("columns.model is required")
        return {field: collapse(column) for field, column in value.items()}  # headers are read collapsed too

    @field_validator("scores")
    @classmethod
    def _scores(cls, value):
        unknown = sorted(set(value) - set(BENCHMARK_UNITS))
        if unknown:
            raise ValueError(f"unknown benchmark(s) {unknown}; known: {sorted(BENCHMARK_UNITS)}")
        return {benchmark: collapse(column) for benchmark, column in value.items()}

    @field_validator("date_format")
    @classmethod
    def _date_format(cls, value):
        if value not in ("iso", "mdy"):
            raise ValueError("date_format must be 'iso' or 'mdy'")
        return value

    @field_validator("score_unit")
    @classmethod
    def _score_unit(cls, value):
        if value not in ("fraction", "percent"):
            raise ValueError("score_unit must be 'fraction' or 'percent'")
        return value


def load_mapping(path: Path) -> Mapping:
    try:
        data = tomllib.loads(read_input(path).decode("utf-8"))  # the reading gate (tasks.data.ingest.reading)
    except tomllib.TOMLDecodeError as err:
        raise SourceError(f"{path}: not valid TOML: {err}") from None
    except UnicodeDecodeError as err:
        raise SourceError(f"{path}: not UTF-8 text ({err.reason})") from None
    try:
        return Mapping.model_validate(data)
    except ValidationError as err:
        raise SourceError(f"{path}: invalid column mapping:\n{err}") from None


def parse(table: CsvTable, mapping: Mapping, file_name: str) -> CanonicalTables:
    source = slugify(mapping.source) or "user"
    price_columns = {mapping.columns[f] for f in PRICE_FIELDS if f in mapping.columns}
    score_columns = set(mapping.scores.values())
    collector = Collector(source=f"{source}/{file_name}", file=file_name, table_of=lambda column: (
        "prices" if column in price_columns else "benchmarks" if column in score_columns else
        "models" if column else None))
    named = list(dict.fromkeys([*mapping.columns.values(), *mapping.scores.values()]))
    missing = sorted(c for c in named if not table.positions(c))
    if missing and len(missing) == len(named):  # not recognisably the data described: its first line is not shown
        raise SourceError(f"{file_name}: none of the column(s) named in the mapping ({', '.join(missing)}) is in "
                          "the file's first line; is it the file the mapping describes? (the line is not shown)")
    if missing:
        raise SourceError(f"{file_name}: column(s) named in the mapping are not in the file: {', '.join(missing)}; "
                          f"the file has: {', '.join(table.header)}")
    table.require(named, "the file the mapping describes")
    reader = table.records(named)
    for record, column in table.nul_cells:
        collector.issue(record, None, column, None, "NUL byte(s) removed from the cell", "warning")
    cols = mapping.columns
    if mapping.observed_on is None and any(f in cols for f in PRICE_FIELDS):
        raise SourceError(f"{file_name}: the mapping names price columns but no observed_on date")
    if mapping.observed_on is not None:
        observation_date(mapping.observed_on, f"{file_name}: the mapping's observed_on")

    def cell(row, field):
        return row.get(cols[field], "") if field in cols else ""

    def parsed(record, name, field, parser):
        try:
            return parser(cell(row, field))
        except ParseError as err:
            collector.issue(record, name, cols[field], cell(row, field), err.rule)
            return None

    date_parser = parse_mdy_date if mapping.date_format == "mdy" else (
        lambda text: iso_day(text, record, name, cols.get("release_date"), collector) if text.strip() else None)
    for record, row in enumerate(reader, 1):
        name = cell(row, "model").strip()
        if not name:
            collector.issue(record, None, cols["model"], None, "missing model name", "rejected_record")
            continue
        model_id = slugify(name)
        fields = {"name": name, "creator": cell(row, "creator").strip() or None,
                  "license": cell(row, "license").strip() or None}
        fields["release_date"] = parsed(record, name, "release_date", date_parser) if "release_date" in cols else None
        for flag in ("open_weights", "reasoning"):
            fields[flag] = parsed(record, name, flag, parse_bool) if flag in cols else None
        for count in ("total_params_b", "active_params_b"):
            fields[count] = text_number(cell(row, count), record, name, cols.get(count), collector) \
                if count in cols else None
        first = collector.model(model_id, record, **fields)
        if first:
            for benchmark, column in mapping.scores.items():
                text = row.get(column, "").strip()
                if not text:
                    continue
                try:
                    if BENCHMARK_UNITS[benchmark] == "points":
                        value = text_number(text, record, name, column, collector)
                    elif mapping.score_unit == "percent" and not text.endswith("%"):
                        value = parse_fraction(text + "%")
                    else:
                        value = parse_fraction(text)
                except ParseError as err:
                    collector.issue(record, name, column, text, err.rule)
                    continue
                collector.score(model_id, benchmark, value)
        prices = {f: parsed(record, name, f, parse_usd) for f in PRICE_FIELDS if f in cols}
        provider = cell(row, "provider").strip() or "source_price"
        collector.price(model_id, provider, mapping.observed_on,
                        input_usd=prices.get("input_usd_per_mtok"), output_usd=prices.get("output_usd_per_mtok"),
                        blended_usd=prices.get("blended_usd_per_mtok"))
    return collector.tables()


def mapping_for(path: Path) -> Path | None:
    path = Path(path)
    if path.is_file() and path.name.endswith(".mapping.toml"):
        return path
    if path.is_file() and path.suffix.lower() == ".csv":
        sibling = path.with_name(path.stem + ".mapping.toml")
        return sibling if sibling.exists() else None
    if path.is_dir():
        mappings = regular_files(path, "*.mapping.toml")
        return mappings[0] if len(mappings) == 1 else None
    return None


def data_file(mapping_path: Path, mapping: Mapping) -> Path:
    """The data file the mapping names, checked: a file in the mapping's own folder, named by its name alone, and
    not a link that leads out of that folder; otherwise a ``SourceError`` that says so (without reading it)."""
    name = mapping.file
    rule = ("a mapping may name only a file in its own folder, by its name alone (no folder, no absolute path, no "
            "link leading out of the folder)")
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise SourceError(f"{mapping_path}: field 'file': {name!r} is not a file name beside the mapping; {rule}")
    folder = Path(mapping_path).parent
    data = folder / name
    if not data.exists():
        raise SourceError(f"{mapping_path}: field 'file': {name!r}: no such file beside the mapping")
    if data.is_symlink() and data.resolve().parent != folder.resolve():
        raise SourceError(f"{mapping_path}: field 'file': {name!r} is a link to a file outside the mapping's "
                          f"folder; {rule}")
    if not data.is_file():
        raise SourceError(f"{mapping_path}: field 'file': {name!r} is not a file")
    return data


def members(path: Path) -> list[Path]:
    """The mapping file and the data file it names (the mapping alone when that name breaks the rule)."""
    mapping_path = mapping_for(path)
    if mapping_path is None:
        return []
    try:
        return [mapping_path, data_file(mapping_path, load_mapping(mapping_path))]
    except SourceError:
        return [mapping_path]


def sniff_any(path: Path) -> bool:
    return mapping_for(path) is not None


def ingest(path: Path) -> CanonicalTables:
    mapping_path = mapping_for(path)
    if mapping_path is None:
        raise SourceError(f"{path}: no column mapping (<name>.mapping.toml) found")
    mapping = load_mapping(mapping_path)
    data = data_file(mapping_path, mapping)
    return parse(read_csv_table(data), mapping, data.name)


