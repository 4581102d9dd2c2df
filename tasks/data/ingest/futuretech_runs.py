"""Adapter for the MIT FutureTech 2026 follow-up data: the cost of one benchmark run (pure: no Prefect).

Input: the folder ``futuretech-2026-04`` (github hansgundlach/Algorithmic_Progress_Inference @ a6381e2, ``data/``),
or its main file alone:

- ``inference_data_new_large.csv`` carries, per model, the tokens Epoch AI's evaluation runs used on GPQA Diamond,
  AIME and SWE-bench Verified, and a monthly list-price history (``M/1/YYYY input price`` / ``M/1/YYYY output
  price``);
- ``merged.csv`` (optional) carries ARC Prize's ARC-AGI-1 results (score, cost per task).

Canonical tables (``schemas.canonical``):

- ``models``: one per named row of the main file (``model_id`` = the name's slug), plus any model that only
  ``merged.csv`` names. ``open_weights``: the authors' test, the licence text contains "open" (any case); a licence
  without it is not open; a blank licence is unknown (the authors count it as not open, and so does every subset
  "open" here);
- ``benchmarks``: the runs' scores (``gpqa_diamond`` = ``epoch_gpqa``, ``aime`` = ``oneshot_AIME``,
  ``swe_bench_verified`` = ``epoch_swe``) and ARC-AGI-1 (``arc_agi_1``), as fractions;
- ``prices``: the monthly list prices, ``provider = list_price``, ``observed_on`` = the month;
- ``runs``: one row per (model, benchmark): the token counts, flags, cache prices and epochs exactly as the
  authors' ``generate_new_csv.py`` maps them (``RUN_COLUMNS_BY_BENCHMARK``), and the score; ARC-AGI-1 rows carry
  the published cost per task instead (``cost_usd``, ``price_source = source_price``).

Quarantine (``ingest_issues``; the authors' script prints most of these and skips the affected months or model;
here each is a row with its reason; the benchmark of a run starts its rule):
- a row without a model name but with data, a repeated model name (``rejected_record``: the authors key a model's
  price history by its name, so a second row would share the first one's history);
- a price pair with only one of its two prices, a zero or negative price, a price that is not a number
  (``rejected_value``, table ``prices``; the authors skip zero prices as missing data and print half-present pairs);
- a run whose input tokens are given without output tokens or the reverse, whose token counts, epochs or flags are
  not numbers / booleans (``rejected_value``, table ``runs``; the authors skip half-present token pairs silently);
- a GPQA or AIME run without its number of epochs (the authors print an error and skip the model);
- reasoning tokens (> 0) without the ``reasoning_in_output`` flag (the authors' script raises and writes no table at
  all for that benchmark);
- cache reads (> 0) without a cache-read price or without the ``cache_in_input`` flag, cache writes (> 0) without
  a cache-write price or without the ``cache_in_output`` flag (the authors print and skip);
- an ARC-AGI-1 result without a release date or with a cost per task that is missing or not above zero (published
  rounded to "$0.00": it cannot be logged; the authors drop the same rows);
- warnings: cache information present but incomplete (the authors charge cache only when reads, writes and both
  cache prices are all given; otherwise every input token at the input price), values in columns the authors'
  configuration does not map, a run without a score (costed, but no regression can use it), an unreadable release
  date, an ARC result the authors matched to the model by name similarity, a name repeated in ``merged.csv``.

Numbers are read as the authors' script reads them: ``$`` and thousands commas removed, then a float (``1.14E+09``,
``1,065,633,273`` and ``8.00E+00`` are all numbers); pandas' default missing-value strings (``NA``, ``N/A``, ...)
are blank. Scores ``76.80%`` become fractions (0.768). The file is read strictly (``tasks.data.ingest.csvfile``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd

from schemas.canonical import RUN_COLUMNS, RUN_FLAGS
from tasks.data.canonical import CanonicalTables
from tasks.data.ingest.common import BENCHMARK_COLUMNS, MODEL_COLUMNS, PRICE_COLUMNS, observation_date, regular_files
from tasks.data.ingest.csvfile import read_csv_table, read_header
from tasks.data.issues import IssueCollector
from tasks.data.parsing import ParseError, parse_fraction, parse_mdy_date, parse_number_text, slugify

FORMAT = "futuretech_runs"
ORIGIN = "github hansgundlach/Algorithmic_Progress_Inference @ a6381e2 : data/"
LIST_PRICE = "list_price"  # provider of the monthly list prices (schemas.canonical.AGGREGATE_PROVIDERS)
ARC_PRICE_SOURCE = "source_price"  # ARC Prize's own cost per task
WALK_BENCHMARKS = ("gpqa_diamond", "aime", "swe_bench_verified")  # priced from the list-price history
EPOCH_BENCHMARKS = ("gpqa_diamond", "aime")  # the benchmarks whose token counts cover several epochs
# pandas' default missing-value strings: the authors read the file with a plain pd.read_csv
NA_STRINGS = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                        "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})
MONTH_COLUMN = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}) (input|output) price$")
SIGNATURE = ("Model", "input_tokens_epoch_gpqa", "output_tokens_epoch_gpqa", "epoch_gpqa")
ARC_SIGNATURE = ("Model", "arc_ARC-AGI-1", "arc_Cost/Task")


@dataclass(frozen=True)
class RunColumns:
    """Raw columns of one benchmark's run (normalised headers); None: the authors' configuration has no such column."""

    input_tokens: str
    output_tokens: str
    score: str
    reasoning_tokens: str | None = None
    reasoning_in_output: str | None = None
    cache_read_tokens: str | None = None
    cache_write_tokens: str | None = None
    cache_in_input: str | None = None
    cache_in_output: str | None = None
    cache_read_usd_per_mtok: str | None = None
    cache_write_usd_per_mtok: str | None = None
    epochs: str | None = None
    # present in the file, not used by the authors for this benchmark: (column, flag column or None); a warning
    # when the column has a value, unless its flag says the value is already counted (TRUE)
    unused: tuple[tuple[str, str | None], ...] = ()


# generate_new_csv.py @ a6381e2, main(): GPQA-Diamond, SWE-Bench, AIME. The AIME configuration names cache columns
# that do not exist ("cache read tokens aiml", ...): the script then disables the cache for AIME.
RUN_COLUMNS_BY_BENCHMARK: dict[str, RunColumns] = {
    "gpqa_diamond": RunColumns(
        input_tokens="input_tokens_epoch_gpqa", output_tokens="output_tokens_epoch_gpqa", score="epoch_gpqa",
        reasoning_tokens="gpqa_reasoning_tokens", reasoning_in_output="gpqa_reasoning_in_output",
        epochs="gpqa_epochs", unused=(("cache_read_gpqa", None), ("cache_output_gpqa", None))),
    "aime": RunColumns(
        input_tokens="input tokens AIME", output_tokens="output tokens AIME", score="oneshot_AIME",
        reasoning_tokens="AIME_reasoning", reasoning_in_output="reasoning_in_output", epochs="AIME_epochs",
        unused=(("cache reads AIME", None),)),
    "swe_bench_verified": RunColumns(
        input_tokens="input tokens swe", output_tokens="output tokens swe", score="epoch_swe",
        cache_read_tokens="cache reads swe", cache_write_tokens="cache write swe", cache_in_input="cache_in_input",
        cache_in_output="cache_in_output", cache_read_usd_per_mtok="cache_read_cost",
        cache_write_usd_per_mtok="cache_write_cost", unused=(("reasoning swe", "reasoning_in_output_swe"),)),
}
NUMBER_FIELDS = ("input_tokens", "output_tokens", "reasoning_tokens", "cache_read_tokens", "cache_write_tokens",
                 "cache_read_usd_per_mtok", "cache_write_usd_per_mtok", "epochs")
FLAG_FIELDS = RUN_FLAGS
ARC_COLUMNS = {"model": "Model", "license": "License", "release_date": "Release Date", "score": "arc_ARC-AGI-1",
               "cost": "arc_Cost/Task"}
MODEL_FIELDS = ("Model", "Creator", "License", "Release Date")


# ------------------------------------------------------------------------------------------------ value parsers

def normalise_header(header: str) -> str:
    """Collapse every run of whitespace (the file's headers contain CR LF) into one space."""
    return " ".join(str(header).split())


def is_missing(text: object) -> bool:
    return text is None or (isinstance(text, float) and math.isnan(text)) or str(text).strip() in NA_STRINGS


def parse_count(text: object) -> float | None:
    """A number as the authors read it: '$' and ',' removed, then a number ('1.14E+09', '9,053.00'); blank -> None.
    Strict where ``float()`` is not (``tasks.data.parsing.parse_number_text``): '1_000' and 'inf' are not numbers."""
    if is_missing(text):
        return None
    cleaned = str(text).strip().replace("$", "").replace(",", "").strip()
    try:  # strict: float() would also take '1_000', 'inf' and 'infinity'
        return parse_number_text(cleaned)
    except ParseError as exc:
        rule = "not a finite number" if "beyond the range" in exc.rule else "not a number"
        raise ParseError(f"{rule}: {text!r}") from exc


def _is_zero(text: object) -> bool:
    try:
        return parse_count(text) == 0
    except ParseError:
        return False


def parse_flag(text: object) -> bool | None:
    """'TRUE' / 'False' / 'true' -> bool (the spellings pandas reads as booleans); blank -> None."""
    if is_missing(text):
        return None
    cleaned = str(text).strip().lower()
    if cleaned == "true":
        return True
    if cleaned == "false":
        return False
    raise ParseError(f"not TRUE or FALSE: {text!r}")


def is_open_license(text: str | None) -> bool:
    """The authors' test: the licence text contains 'open', any case ('Open', 'Open ')."""
    return bool(text) and "open" in text.lower()


def open_weights(text: str | None) -> bool | None:
    """Open weights by the authors' test; unknown for a blank licence."""
    return is_open_license(text) if text else None


def month_columns(columns) -> list[tuple[pd.Timestamp, str, str]]:
    """(month, input column, output column) for every month with both columns, in date order."""
    pairs: dict[pd.Timestamp, dict[str, str]] = {}
    for column in columns:
        match = MONTH_COLUMN.match(column)
        if match:
            month, day, year, side = match.groups()
            pairs.setdefault(pd.Timestamp(int(year), int(month), int(day)), {})[side] = column
    return [(date, sides["input"], sides["output"]) for date, sides in sorted(pairs.items())
            if {"input", "output"} <= set(sides)]


# ------------------------------------------------------------------------------------------------ issues

def no_table(column: str | None) -> None:
    """This file's issues name their table themselves (``table=``): a column alone does not tell it."""
    return None


# ------------------------------------------------------------------------------------------------ reading

def sniff(path: Path) -> bool:
    """A CSV with the main file's run columns and a monthly price history (and no ARC columns)."""
    path = Path(path)
    if not path.is_file() or path.suffix.lower() != ".csv":
        return False
    names = set(read_header(path, normalise_header))
    return all(c in names for c in SIGNATURE) and bool(month_columns(names)) and "arc_ARC-AGI-1" not in names


def sniff_arc(path: Path) -> bool:
    """``merged.csv``: the same authors' table with ARC Prize columns."""
    path = Path(path)
    if not path.is_file() or path.suffix.lower() != ".csv":
        return False
    names = set(read_header(path, normalise_header))
    return all(c in names for c in ARC_SIGNATURE)


def resolve(path: Path) -> tuple[Path, Path | None]:
    """(main file, ARC file or None) of an input: a folder with exactly one main file, or the main file itself."""
    path = Path(path)
    if path.is_dir():
        main = [p for p in regular_files(path, "*.csv") if sniff(p)]
        if len(main) != 1:
            raise ValueError(f"{path}: expected exactly one FutureTech 2026 runs file, found {len(main)}")
        arc = [p for p in regular_files(path, "*.csv") if p != main[0] and sniff_arc(p)]
        if len(arc) > 1:
            raise ValueError(f"{path}: expected at most one ARC file (merged.csv), found {len(arc)}")
        return main[0], (arc[0] if arc else None)
    return path, None


def sniff_any(path: Path) -> bool:
    path = Path(path)
    if path.is_dir():
        return sum(1 for p in regular_files(path, "*.csv") if sniff(p)) == 1
    return sniff(path)


def members(path: Path) -> list[Path]:
    main, arc = resolve(path)
    return [main] + ([arc] if arc else [])


def read_raw(path: Path, wanted=None) -> pd.DataFrame:
    """The raw file as strings (strict reader), headers normalised; ``wanted``: a predicate on column names (the
    columns this adapter may use; each of them present once)."""
    table = read_csv_table(Path(path), normalise_header)
    names = list(dict.fromkeys(c for c in table.header if c and (wanted is None or wanted(c))))
    return table.frame(names)


def _used_column(name: str) -> bool:
    if name in MODEL_FIELDS or MONTH_COLUMN.match(name):
        return True
    for spec in RUN_COLUMNS_BY_BENCHMARK.values():
        if name in {getattr(spec, f.name) for f in fields(spec) if f.name != "unused"}:
            return True
        if any(name in pair for pair in spec.unused):
            return True
    return False


def _arc_column(name: str) -> bool:
    return name in {"Creator", *ARC_COLUMNS.values(), "arc_match_score", "arc_matched_ai_system"}


def _require(raw: pd.DataFrame, columns, what: str) -> None:
    missing = sorted(set(columns) - set(raw.columns))
    if missing:
        raise ValueError(f"not a {what}: missing column(s): {', '.join(missing)}")


# ------------------------------------------------------------------------------------------------ the main file

def _model_rows(raw: pd.DataFrame, used: list[str], issues: IssueCollector) -> dict[int, str]:
    """Data row position -> model name, for rows that can be used (blank and repeated names are quarantined)."""
    names: dict[int, str] = {}
    first: dict[str, int] = {}
    for position in range(len(raw)):
        record = position + 1
        name = str(raw.at[position, "Model"]).strip()
        if not name:
            filled = [c for c in used if not is_missing(raw.at[position, c])]
            if filled:
                issues.add(rule="row without a model name", record=record, column=filled[0],
                           value=raw.at[position, filled[0]], action="rejected_record")
            continue
        if name in first:
            issues.add(rule=f"repeated model name (first at record {first[name]}): the authors key a "
                       "price history by the name", record=record, name=name, column="Model",
                       value=raw.at[position, "Model"], action="rejected_record")
            continue
        first[name] = record
        names[position] = name
    return names


def _prices(raw: pd.DataFrame, names: dict[int, str], ids: dict[int, str], months, source: str,
            issues: IssueCollector) -> list[dict]:
    rows = []
    for position, name in names.items():
        record = position + 1
        for date, input_column, output_column in months:
            values = {}
            for side, column in (("input", input_column), ("output", output_column)):
                try:
                    values[side] = parse_count(raw.at[position, column])
                except ParseError as err:
                    issues.add(rule=err.rule, record=record, name=name, column=column,
                               value=raw.at[position, column], table="prices", action="rejected_value")
                    values[side] = math.nan
            low, high = values["input"], values["output"]
            if low is None and high is None:
                continue
            if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
                continue  # already quarantined as not a number
            if (low is None) != (high is None):
                given, absent = ("input", "output") if high is None else ("output", "input")
                column = input_column if given == "input" else output_column
                issues.add(rule=f"{given} price without {absent} price", record=record, name=name,
                           column=column, value=raw.at[position, column], table="prices", action="rejected_value")
                continue
            if low < 0 or high < 0:
                issues.add(rule="negative price", record=record, name=name,
                           column=input_column if low < 0 else output_column, value=f"{low} / {high}",
                           table="prices", action="rejected_value")
                continue
            if low == 0 or high == 0:
                issues.add(rule="zero price (the authors skip it as missing data)", record=record,
                           name=name, column=input_column if low == 0 else output_column,
                           value=f"{raw.at[position, input_column]} / {raw.at[position, output_column]}",
                           table="prices", action="rejected_value")
                continue
            rows.append(dict(model_id=ids[position], provider=LIST_PRICE, input_usd_per_mtok=low,
                             output_usd_per_mtok=high, blended_usd_per_mtok=None, observed_on=date.date(),
                             source=source))
    return rows


def _run(raw: pd.DataFrame, position: int, name: str, benchmark: str, spec: RunColumns,
         issues: IssueCollector) -> dict | None:
    """One benchmark run of one row, or None (nothing to run, or quarantined)."""
    record = position + 1

    def cell(column: str):
        return raw.at[position, column]

    if is_missing(cell(spec.input_tokens)) and is_missing(cell(spec.output_tokens)):
        return None

    def exclude(reason: str, column: str | None, value=None) -> None:
        issues.add(rule=f"{benchmark} run: {reason}", record=record, name=name, column=column,
                   value=cell(column) if column and value is None else value, table="runs", action="rejected_value")

    def warn(reason: str, column: str | None, value=None, table: str = "runs") -> None:
        issues.add(rule=f"{benchmark} run: {reason}", record=record, name=name, column=column, value=value,
                   table=table, action="warning")

    run: dict = {}
    for field in NUMBER_FIELDS:
        column = getattr(spec, field)
        try:
            run[field] = parse_count(cell(column)) if column else None
        except ParseError as err:
            exclude(err.rule, column)
            return None
    for field in FLAG_FIELDS:
        column = getattr(spec, field)
        try:
            run[field] = parse_flag(cell(column)) if column else None
        except ParseError as err:
            exclude(err.rule, column)
            return None
    if (run["input_tokens"] is None) != (run["output_tokens"] is None):
        given = "input" if run["output_tokens"] is None else "output"
        absent = "output" if given == "input" else "input"
        exclude(f"{given} tokens without {absent} tokens (the authors skip the run)",
                spec.input_tokens if given == "input" else spec.output_tokens)
        return None
    negative = [f for f in NUMBER_FIELDS if run[f] is not None and run[f] < 0]
    if negative:
        exclude("negative value", getattr(spec, negative[0]))
        return None
    if benchmark in EPOCH_BENCHMARKS and not (run["epochs"] or 0) > 0:
        exclude("no number of epochs (the authors print an error and skip the model)", spec.epochs)
        return None
    if (run["reasoning_tokens"] or 0) > 0 and run["reasoning_in_output"] is None:
        exclude("reasoning tokens without the reasoning_in_output flag (the authors' script raises and writes no "
                "table for the benchmark)", spec.reasoning_tokens)
        return None
    for side, flag in (("read", "cache_in_input"), ("write", "cache_in_output")):
        if (run[f"cache_{side}_tokens"] or 0) > 0:
            if run[f"cache_{side}_usd_per_mtok"] is None:
                exclude(f"cache {side} tokens without a cache-{side} price (the authors print an error and skip "
                        "the model)", getattr(spec, f"cache_{side}_tokens"))
                return None
            if run[flag] is None:
                exclude(f"cache {side} tokens without the {flag} flag (the authors print an error and skip the "
                        "model)", getattr(spec, f"cache_{side}_tokens"))
                return None

    cache = [run[f] for f in ("cache_read_tokens", "cache_write_tokens", "cache_read_usd_per_mtok",
                              "cache_write_usd_per_mtok")]
    if any((v or 0) > 0 for v in cache[:2]) and any(v is None for v in cache):
        warn("cache information incomplete: the authors charge cache tokens only when reads, writes and both cache "
             "prices are given, so this run's cache tokens are not charged separately (all input tokens at the "
             "input price)", spec.cache_read_tokens, cell(spec.cache_read_tokens))
    for column, flag in spec.unused:
        if column not in raw.columns or is_missing(cell(column)) or _is_zero(cell(column)):
            continue
        if flag and flag in raw.columns and str(cell(flag)).strip().lower() == "true":
            continue  # already inside a counted column: leaving it out changes nothing
        warn("column not used by the authors' configuration for this benchmark"
             + (f" ({flag} = {str(cell(flag)).strip() or 'blank'})" if flag else ""), column, cell(column))
    try:
        run["score"] = parse_fraction(cell(spec.score)) if not is_missing(cell(spec.score)) else None
    except ParseError as err:
        warn(f"score unreadable ({err.rule}): run kept without a score", spec.score, cell(spec.score),
             table="benchmarks")
        run["score"] = None
    else:
        if run["score"] is None:
            warn("no score: the run is costed but no regression can use it", spec.score)
    return run


def parse(raw: pd.DataFrame, file_name: str) -> tuple[CanonicalTables, dict[str, str]]:
    """Raw rows of the main file (strings, normalised headers) -> canonical tables, and the name -> model id map.
    Pure: no I/O.

    Order: models, scores and runs by record (runs by benchmark, then record); prices by record, then month; issues
    in the order found: names (by record), then prices (by record, month), then runs (by record, benchmark).
    """
    source = f"{FORMAT}/{file_name}"
    months = month_columns(raw.columns)
    if not months:
        raise ValueError("not a FutureTech 2026 file: no 'M/1/YYYY input price' / 'output price' column pairs")
    for month, input_column, _ in months:  # each month column's date is an observation date
        observation_date(month.date(), f"{file_name}, column {input_column!r}")
    required = {"Model", "License", "Release Date"} | {
        getattr(spec, f.name) for spec in RUN_COLUMNS_BY_BENCHMARK.values() for f in fields(spec)
        if f.name != "unused" and getattr(spec, f.name)}
    used = sorted(required - {"Model"}) + [column for _, a, b in months for column in (a, b)]
    _require(raw, {*required, *used}, "FutureTech 2026 file")
    issues = IssueCollector(source, file_name, table_of=no_table)
    names = _model_rows(raw, used, issues)
    ids = _model_ids(names)

    models, scores, runs = [], [], []
    for position, name in names.items():
        record = position + 1
        license_text = str(raw.at[position, "License"]).strip() or None
        try:
            release = parse_mdy_date(raw.at[position, "Release Date"])
        except ParseError as err:
            issues.add(rule=f"release date unreadable ({err.rule})", record=record, name=name,
                       column="Release Date", value=raw.at[position, "Release Date"], table="models", action="warning")
            release = None
        creator = str(raw.at[position, "Creator"]).strip() or None if "Creator" in raw.columns else None
        models.append({**dict.fromkeys(MODEL_COLUMNS), "model_id": ids[position], "name": name, "creator": creator,
                       "release_date": release, "open_weights": open_weights(license_text), "license": license_text,
                       "source": source})
    prices = _prices(raw, names, ids, months, source, issues)
    for position, name in names.items():
        for benchmark, spec in RUN_COLUMNS_BY_BENCHMARK.items():
            run = _run(raw, position, name, benchmark, spec, issues)
            if run is None:
                continue
            runs.append({**dict.fromkeys(RUN_COLUMNS), **run, "model_id": ids[position], "benchmark": benchmark,
                         "record": position + 1, "source": source})
            if run["score"] is not None:
                scores.append(dict(model_id=ids[position], benchmark=benchmark, score=run["score"], source=source))
    order = {benchmark: i for i, benchmark in enumerate(WALK_BENCHMARKS)}
    runs = sorted(runs, key=lambda r: (order[r["benchmark"]], r["record"]))
    tables = CanonicalTables(
        models=pd.DataFrame(models, columns=MODEL_COLUMNS),
        benchmarks=pd.DataFrame(scores, columns=BENCHMARK_COLUMNS),
        prices=pd.DataFrame(prices, columns=PRICE_COLUMNS),
        ingest_issues=issues.frame(),
        runs=runs_frame(runs))
    return tables, {name: ids[position] for position, name in names.items()}


def _model_ids(names: dict[int, str]) -> dict[int, str]:
    """Row position -> model id: the name's slug; two names with one slug get ``-r<record>`` on the later one."""
    ids, taken = {}, set()
    for position, name in names.items():
        slug = slugify(name) or f"model-r{position + 1}"
        candidate = slug if slug not in taken else f"{slug}-r{position + 1}"
        ids[position] = candidate
        taken.add(candidate)
    return ids


def runs_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=RUN_COLUMNS)
    for flag in FLAG_FIELDS:
        frame[flag] = frame[flag].astype("boolean")
    for column in (*NUMBER_FIELDS, "cost_usd", "score"):
        frame[column] = frame[column].astype(float)
    frame["record"] = frame["record"].astype("Int64")
    return frame


# ------------------------------------------------------------------------------------------------ ARC-AGI-1

def parse_arc(raw: pd.DataFrame, file_name: str, tables: CanonicalTables, ids: dict[str, str]) -> CanonicalTables:
    """Raw ``merged.csv`` rows -> the ARC-AGI-1 runs (reported cost per task) and scores added to ``tables``.
    Pure: no I/O.

    A row is an ARC-AGI-1 result when its score cell is not blank. It is quarantined when it has no model name, no
    readable release date, an unreadable score, or a cost per task that is missing, unreadable or not above zero
    (several are published rounded to "$0.00"; the authors drop them: they cannot be logged). Scores of 0 % are kept
    (the fit leaves them out, as the authors do). Its model is the main file's model of the same name; a name the
    main file lacks, or a name repeated in ``merged.csv`` (the authors count every row), is a model of its own
    (``<slug>-arc-r<record>`` for a repeat), with a warning.
    """
    _require(raw, ARC_COLUMNS.values(), "merged FutureTech/ARC file")
    source = f"{FORMAT}/{file_name}"
    issues = IssueCollector(source, file_name, table_of=no_table)
    models, runs, scores = [], [], []
    taken = set(tables.models["model_id"])
    seen: dict[str, int] = {}
    for position in range(len(raw)):
        record = position + 1

        def cell(key: str):
            return raw.at[position, ARC_COLUMNS[key]]

        if is_missing(cell("score")):
            continue
        name = str(cell("model")).strip()

        def exclude(reason: str, key: str) -> None:
            issues.add(rule=f"arc_agi_1 run: {reason}", record=record, name=name or None,
                       column=ARC_COLUMNS[key], value=cell(key), table="runs", action="rejected_value")

        if not name:
            exclude("ARC-AGI-1 result without a model name", "model")
            continue
        parsed = {}
        failed = False
        for key, parser in (("score", parse_fraction), ("release_date", parse_mdy_date), ("cost", parse_count)):
            try:
                parsed[key] = parser(cell(key))
            except ParseError as err:
                exclude(err.rule, key)
                failed = True
                break
        if failed:
            continue
        if parsed["release_date"] is None:
            exclude("no release date (the observation is dated at the model's release)", "release_date")
            continue
        if parsed["cost"] is None:
            exclude("no cost per task", "cost")
            continue
        if parsed["cost"] <= 0:
            exclude("cost per task not above zero (published rounded to $0.00): cannot be logged", "cost")
            continue
        license_text = str(cell("license")).strip() or None
        model_id = ids.get(name)
        if name in seen or model_id is None:
            base = slugify(name) or "model"
            model_id = base if name not in seen and base not in taken else f"{base}-arc-r{record}"
            why = (f"model name repeated in {file_name} (first at record {seen[name]}): this row's ARC-AGI-1 result "
                   f"is kept as model {model_id}, as the authors count every row") if name in seen else \
                f"model not in the main file: taken from {file_name} as model {model_id}"
            issues.add(rule=why, record=record, name=name, column="Model", value=name, table="models", action="warning")
            creator = str(raw.at[position, "Creator"]).strip() or None if "Creator" in raw.columns else None
            models.append({**dict.fromkeys(MODEL_COLUMNS), "model_id": model_id, "name": name, "creator": creator,
                           "release_date": parsed["release_date"], "open_weights": open_weights(license_text),
                           "license": license_text, "source": source})
            taken.add(model_id)
        seen.setdefault(name, record)
        if "arc_match_score" in raw.columns:
            try:
                match = parse_count(raw.at[position, "arc_match_score"])
            except ParseError:
                match = None
            if match is not None and match < 1:
                system = raw.at[position, "arc_matched_ai_system"] if "arc_matched_ai_system" in raw.columns else ""
                issues.add(rule=f"arc_agi_1 run: ARC-AGI result matched to this model by name similarity "
                           f"({match:.3f}) from ARC system {str(system).strip()!r}", record=record, name=name,
                           column="arc_matched_ai_system", value=system, table="runs", action="warning")
        runs.append({**dict.fromkeys(RUN_COLUMNS), "model_id": model_id, "benchmark": "arc_agi_1", "record": record,
                     "cost_usd": parsed["cost"], "price_source": ARC_PRICE_SOURCE, "score": parsed["score"],
                     "source": source})
        if parsed["score"] is not None:
            scores.append(dict(model_id=model_id, benchmark="arc_agi_1", score=parsed["score"], source=source))
    return CanonicalTables(
        models=pd.concat([tables.models, pd.DataFrame(models, columns=MODEL_COLUMNS)], ignore_index=True),
        benchmarks=pd.concat([tables.benchmarks, pd.DataFrame(scores, columns=tables.benchmarks.columns)],
                             ignore_index=True),
        prices=tables.prices,
        ingest_issues=pd.concat([tables.ingest_issues, issues.frame()],
                                ignore_index=True),
        runs=pd.concat([tables.runs, runs_frame(runs)], ignore_index=True))


def ingest(path: Path) -> CanonicalTables:
    """Read the folder (or the main file) -> canonical tables (I/O wrapper around ``parse`` and ``parse_arc``)."""
    main, arc = resolve(Path(path))
    tables, ids = parse(read_raw(main, _used_column), main.name)
    if arc is not None:
        tables = parse_arc(read_raw(arc, _arc_column), arc.name, tables, ids)
    return tables
