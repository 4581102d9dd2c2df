"""Parsers for the MIT FutureTech 2026 follow-up data (pure: no Prefect, no task wrapper).

``inference_data_new_large.csv`` (github hansgundlach/Algorithmic_Progress_Inference @ a6381e2, ``data/``) carries,
per model, the tokens Epoch AI's evaluation runs used on GPQA Diamond, AIME and SWE-bench Verified, and a monthly
list-price history (``M/1/YYYY input price`` / ``M/1/YYYY output price``). ``parse_runs`` turns it into two canonical
tables (``schemas.benchmark_cost``): ``BenchmarkRuns`` (one row per model x benchmark) and ``PriceObservations``
(model, month, input, output, source), plus the quarantine. ``merged.csv`` (same commit) carries ARC Prize's
ARC-AGI-1 results; ``parse_arc`` turns it into ``CostObservations`` rows (no price history: one point per row).

Column mapping: exactly the configuration of the authors' ``generate_new_csv.py`` (same commit), see
``RUN_COLUMNS``. Columns present in the file but not used by that configuration (GPQA and AIME cache reads, SWE-bench
reasoning tokens) are not mapped; where a model has a value in them, a ``warning`` row says so.

Quarantine (``schemas.benchmark_cost.Quarantine``; action in parentheses). The authors' script prints most of these
and skips the affected months or model; here each is a row with its reason:
- a row without a model name but with data (``record_excluded``); a repeated model name (``record_excluded``: the
  authors key a model's price history by its name, so a second row would share the first one's history);
- a price pair with only one of its two prices, a zero or negative price, a price that is not a number
  (``price_excluded``; the authors skip zero prices as missing data and print half-present pairs);
- a run whose input tokens are given without output tokens or the reverse, whose token counts, epochs or flags are
  not numbers / booleans (``run_excluded``; the authors skip half-present token pairs silently);
- a GPQA or AIME run without its number of epochs (``run_excluded``; the authors print an error and skip the model);
- reasoning tokens (> 0) without the ``reasoning_in_output`` flag (``run_excluded``; the authors' script raises and
  writes no table at all for that benchmark);
- cache reads (> 0) without a cache-read price or without the ``cache_in_input`` flag, cache writes (> 0) without a
  cache-write price or without the ``cache_in_output`` flag (``run_excluded``; the authors print and skip);
- warnings: cache information present but incomplete (the authors charge cache only when reads, writes and both
  cache prices are all given; otherwise every input token at the input price), values in unmapped columns, a run
  without a score (costed, but no regression can use it), an unreadable release date or licence.

Numbers are read as the authors' script reads them: ``$`` and thousands commas removed, then a float (``1.14E+09``,
``1,065,633,273`` and ``8.00E+00`` are all numbers); pandas' default missing-value strings (``NA``, ``N/A``, ...)
are blank. Scores ``76.80%`` become fractions (0.768). A licence is open when its text contains "open" (any case),
the authors' test.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd

from schemas.benchmark_cost import (
    COST_COLUMNS,
    EPOCH_BENCHMARKS,
    PRICE_COLUMNS,
    QUARANTINE_COLUMNS,
    RUN_COLUMNS,
    WALK_BENCHMARKS,
)
from tasks.data.parsing import ParseError, parse_fraction, parse_mdy_date

SOURCE_PREFIX = "futuretech-2026"
ORIGIN = "github hansgundlach/Algorithmic_Progress_Inference @ a6381e2 : data/"
# pandas' default missing-value strings: the authors read the file with a plain pd.read_csv
NA_STRINGS = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                        "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})
MONTH_COLUMN = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}) (input|output) price$")


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
FLAG_FIELDS = ("reasoning_in_output", "cache_in_input", "cache_in_output")
ARC_COLUMNS = {"model": "Model", "license": "License", "release_date": "Release Date", "score": "arc_ARC-AGI-1",
               "cost": "arc_Cost/Task"}


# ------------------------------------------------------------------------------------------------ value parsers

def normalise_header(header: str) -> str:
    """Collapse every run of whitespace (the file's headers contain CR LF) into one space."""
    return " ".join(str(header).split())


def is_missing(text: object) -> bool:
    return text is None or (isinstance(text, float) and math.isnan(text)) or str(text).strip() in NA_STRINGS


def parse_count(text: object) -> float | None:
    """A number as the authors read it: '$' and ',' removed, then a float ('1.14E+09', '9,053.00'); blank -> None."""
    if is_missing(text):
        return None
    cleaned = str(text).strip().replace("$", "").replace(",", "").strip()
    try:
        value = float(cleaned)
    except ValueError as exc:
        raise ParseError(f"not a number: {text!r}") from exc
    if not math.isfinite(value):
        raise ParseError(f"not a finite number: {text!r}")
    return value


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


# ------------------------------------------------------------------------------------------------ quarantine

class _Findings:
    def __init__(self, source: str):
        self.source = source
        self.rows: list[dict] = []

    def add(self, action: str, reason: str, record: int | None = None, model: str | None = None,
            benchmark: str | None = None, date=None, column: str | None = None, value: object = None) -> None:
        self.rows.append(dict(record=record, model=model, benchmark=benchmark, date=date, column=column,
                              value=None if value is None else str(value), reason=reason, action=action,
                              source=self.source))

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.rows, columns=QUARANTINE_COLUMNS)
        frame["record"] = frame["record"].astype("Int64")
        frame["date"] = pd.to_datetime(frame["date"])
        return frame


# ------------------------------------------------------------------------------------------------ runs and prices

def read_raw(path: Path) -> pd.DataFrame:
    """The raw file as strings (nothing converted), headers normalised."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    raw.columns = [normalise_header(column) for column in raw.columns]
    return raw


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


def _require(raw: pd.DataFrame, columns, what: str) -> None:
    """Every column present, and once only (two headers can become one name once whitespace is collapsed)."""
    missing = sorted(set(columns) - set(raw.columns))
    if missing:
        raise ValueError(f"not a {what}: missing column(s): {', '.join(missing)}")
    repeated = sorted({c for c in raw.columns[raw.columns.duplicated()] if c in set(columns)})
    if repeated:
        raise ValueError(f"{what}: column(s) given twice once whitespace is collapsed: {', '.join(repeated)}")


def _model_names(raw: pd.DataFrame, used: list[str], findings: _Findings) -> dict[int, str]:
    """Data row position -> model name, for rows that can be used (blank and repeated names are quarantined)."""
    names: dict[int, str] = {}
    first: dict[str, int] = {}
    for position in range(len(raw)):
        record = position + 1
        name = str(raw.at[position, "Model"]).strip()
        if not name:
            filled = [c for c in used if not is_missing(raw.at[position, c])]
            if filled:
                findings.add("record_excluded", "row without a model name", record=record, column=filled[0],
                             value=raw.at[position, filled[0]])
            continue
        if name in first:
            findings.add("record_excluded", f"repeated model name (first at record {first[name]})", record=record,
                         model=name, column="Model", value=raw.at[position, "Model"])
            continue
        first[name] = record
        names[position] = name
    return names


def _prices(raw: pd.DataFrame, names: dict[int, str], months, source: str, findings: _Findings) -> pd.DataFrame:
    rows = []
    for position, name in names.items():
        record = position + 1
        for date, input_column, output_column in months:
            values = {}
            for side, column in (("input", input_column), ("output", output_column)):
                try:
                    values[side] = parse_count(raw.at[position, column])
                except ParseError as err:
                    findings.add("price_excluded", err.rule, record=record, model=name, date=date, column=column,
                                 value=raw.at[position, column])
                    values[side] = math.nan
            low, high = values["input"], values["output"]
            if low is None and high is None:
                continue
            if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
                continue  # already quarantined as not a number
            if (low is None) != (high is None):
                given, absent = ("input", "output") if high is None else ("output", "input")
                column = input_column if given == "input" else output_column
                findings.add("price_excluded", f"{given} price without {absent} price", record=record, model=name,
                             date=date, column=column, value=raw.at[position, column])
                continue
            if low < 0 or high < 0:
                findings.add("price_excluded", "negative price", record=record, model=name, date=date,
                             column=input_column if low < 0 else output_column, value=f"{low} / {high}")
                continue
            if low == 0 or high == 0:
                findings.add("price_excluded", "zero price (the authors skip it as missing data)", record=record,
                             model=name, date=date, column=input_column if low == 0 else output_column,
                             value=f"{raw.at[position, input_column]} / {raw.at[position, output_column]}")
                continue
            rows.append(dict(model=name, date=date, input_usd_per_mtok=low, output_usd_per_mtok=high, source=source))
    frame = pd.DataFrame(rows, columns=PRICE_COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def _run(raw: pd.DataFrame, position: int, name: str, benchmark: str, spec: RunColumns, source: str,
         findings: _Findings) -> dict | None:
    """One benchmark run of one row, or None (nothing to run, or quarantined)."""
    record = position + 1

    def cell(column: str):
        return raw.at[position, column]

    if is_missing(cell(spec.input_tokens)) and is_missing(cell(spec.output_tokens)):
        return None

    def exclude(reason: str, column: str | None, value=None) -> None:
        findings.add("run_excluded", reason, record=record, model=name, benchmark=benchmark, column=column,
                     value=cell(column) if column and value is None else value)

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
        findings.add("warning", "cache information incomplete: the authors charge cache tokens only when reads, writes "
                     "and both cache prices are given, so this run's cache tokens are not charged separately (all "
                     "input tokens at the input price)", record=record, model=name, benchmark=benchmark,
                     column=spec.cache_read_tokens, value=cell(spec.cache_read_tokens))
    for column, flag in spec.unused:
        if column not in raw.columns or is_missing(cell(column)) or _is_zero(cell(column)):
            continue
        if flag and flag in raw.columns and str(cell(flag)).strip().lower() == "true":
            continue  # already inside a counted column: leaving it out changes nothing
        findings.add("warning", "column not used by the authors' configuration for this benchmark"
                     + (f" ({flag} = {str(cell(flag)).strip() or 'blank'})" if flag else ""),
                     record=record, model=name, benchmark=benchmark, column=column, value=cell(column))
    try:
        run["score"] = parse_fraction(cell(spec.score)) if not is_missing(cell(spec.score)) else None
    except ParseError as err:
        findings.add("warning", f"score unreadable ({err.rule}): run kept without a score", record=record,
                     model=name, benchmark=benchmark, column=spec.score, value=cell(spec.score))
        run["score"] = None
    else:
        if run["score"] is None:
            findings.add("warning", "no score: the run is costed but no regression can use it", record=record,
                         model=name, benchmark=benchmark, column=spec.score)
    return run


def runs_from_raw(raw: pd.DataFrame, source: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Raw rows (strings, normalised headers) -> (runs, prices, quarantine). Pure: no I/O.

    Order: runs by benchmark (``WALK_BENCHMARKS`` order), then record; prices by record, then month; quarantine in
    the order found: names (by record), then prices (by record, month), then runs (by record, benchmark).
    """
    months = month_columns(raw.columns)
    if not months:
        raise ValueError("not a FutureTech 2026 file: no 'M/1/YYYY input price' / 'output price' column pairs")
    required = {"Model", "License", "Release Date"} | {
        getattr(spec, f.name) for spec in RUN_COLUMNS_BY_BENCHMARK.values() for f in fields(spec)
        if f.name != "unused" and getattr(spec, f.name)}
    used = sorted(required - {"Model"}) + [column for _, a, b in months for column in (a, b)]
    _require(raw, {*required, *used}, "FutureTech 2026 file")
    findings = _Findings(source)
    names = _model_names(raw, used, findings)
    prices = _prices(raw, names, months, source, findings)

    runs = []
    for position, name in names.items():
        record = position + 1
        license_text = str(raw.at[position, "License"]).strip() or None
        try:
            release = parse_mdy_date(raw.at[position, "Release Date"])
        except ParseError as err:
            findings.add("warning", f"release date unreadable ({err.rule})", record=record, model=name,
                         column="Release Date", value=raw.at[position, "Release Date"])
            release = None
        for benchmark, spec in RUN_COLUMNS_BY_BENCHMARK.items():
            run = _run(raw, position, name, benchmark, spec, source, findings)
            if run is not None:
                runs.append(dict(run, model=name, benchmark=benchmark, record=record, license=license_text,
                                 open_license=is_open_license(license_text), release_date=release, source=source))
    frame = pd.DataFrame(runs, columns=RUN_COLUMNS)
    order = {benchmark: i for i, benchmark in enumerate(WALK_BENCHMARKS)}
    frame = frame.sort_values(["benchmark", "record"], key=lambda s: s.map(order) if s.name == "benchmark" else s,
                              kind="stable").reset_index(drop=True)
    for field in FLAG_FIELDS:
        frame[field] = frame[field].astype("boolean")
    for field in (*NUMBER_FIELDS, "score"):
        frame[field] = frame[field].astype(float)
    frame["record"] = frame["record"].astype(int)
    frame["open_license"] = frame["open_license"].astype(bool)
    frame["release_date"] = pd.to_datetime(frame["release_date"])
    return frame, prices, findings.frame()


def parse_runs(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read ``inference_data_new_large.csv`` -> (BenchmarkRuns, PriceObservations, Quarantine) frames."""
    path = Path(path)
    return runs_from_raw(read_raw(path), f"{SOURCE_PREFIX}/{path.name}")


# ------------------------------------------------------------------------------------------------ ARC-AGI-1

def _arc_row(raw: pd.DataFrame, position: int, source: str, findings: _Findings) -> dict | None:
    """One ARC-AGI-1 observation, or None (no ARC result in the row, or quarantined)."""
    record = position + 1

    def cell(key: str):
        return raw.at[position, ARC_COLUMNS[key]]

    if is_missing(cell("score")):
        return None
    name = str(cell("model")).strip()

    def exclude(reason: str, key: str) -> None:
        findings.add("record_excluded", reason, record=record, model=name or None, benchmark="arc_agi_1",
                     column=ARC_COLUMNS[key], value=cell(key))

    if not name:
        exclude("ARC-AGI-1 result without a model name", "model")
        return None
    parsed = {}
    for key, parser in (("score", parse_fraction), ("release_date", parse_mdy_date), ("cost", parse_count)):
        try:
            parsed[key] = parser(cell(key))
        except ParseError as err:
            exclude(err.rule, key)
            return None
    score, release, cost = parsed["score"], parsed["release_date"], parsed["cost"]
    if release is None:
        exclude("no release date", "release_date")
        return None
    if cost is None:
        exclude("no cost per task", "cost")
        return None
    if cost <= 0:
        exclude("cost per task not above zero (published rounded to $0.00): cannot be logged", "cost")
        return None
    if "arc_match_score" in raw.columns:
        try:
            match = parse_count(raw.at[position, "arc_match_score"])
        except ParseError:
            match = None
        if match is not None and match < 1:
            system = raw.at[position, "arc_matched_ai_system"] if "arc_matched_ai_system" in raw.columns else ""
            findings.add("warning", f"ARC-AGI result matched to this model by name similarity ({match:.3f}) "
                         f"from ARC system {str(system).strip()!r}", record=record, model=name,
                         benchmark="arc_agi_1", column="arc_matched_ai_system", value=system)
    license_text = str(cell("license")).strip() or None
    return {"benchmark": "arc_agi_1", "model": name, "record": record, "date": pd.Timestamp(release),
            "cost_usd": cost, "score": score, "license": license_text, "open_license": is_open_license(license_text),
            "input_usd_per_mtok": None, "output_usd_per_mtok": None, "source": source}


def arc_from_raw(raw: pd.DataFrame, source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw ``merged.csv`` rows -> (CostObservations for ``arc_agi_1``, Quarantine). Pure: no I/O.

    A row is an ARC-AGI-1 result when its score cell is not blank. Such a row is quarantined (``record_excluded``)
    when it has no model name, no readable release date, an unreadable score, or a cost per task that is missing,
    unreadable or not above zero (several are published rounded to "$0.00"; the authors drop them, they cannot be
    logged). Scores of 0% are kept here (the fit excludes them, as the authors do). A warning notes each result the
    authors matched to the model by name similarity (``arc_match_score`` below 1), naming the ARC system.
    Order: the file's.
    """
    _require(raw, ARC_COLUMNS.values(), "merged FutureTech/ARC file")
    findings = _Findings(source)
    rows = [row for position in range(len(raw))
            if (row := _arc_row(raw, position, source, findings)) is not None]
    frame = pd.DataFrame(rows, columns=COST_COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    for column in ("cost_usd", "score", "input_usd_per_mtok", "output_usd_per_mtok"):
        frame[column] = frame[column].astype(float)
    frame["record"] = frame["record"].astype(int)
    frame["open_license"] = frame["open_license"].astype(bool)
    return frame, findings.frame()


def parse_arc(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read ``merged.csv`` -> (CostObservations of ARC-AGI-1, Quarantine) frames."""
    path = Path(path)
    return arc_from_raw(read_raw(path), f"{SOURCE_PREFIX}/{path.name}")
