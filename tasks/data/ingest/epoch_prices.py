"""Adapter ``epoch_prices``: the data behind Epoch AI's "LLM inference prices have fallen rapidly but unequally
across tasks" (March 2025): ``aa_data_with_math5.csv`` (Artificial Analysis prices and scores, plus MATH level 5)
and ``epoch_ai_price_data_not_in_aa_with_benchmarks.csv`` (Epoch's own price records). Both files share one header:
``Model Name,Release Date,USD per 1M Tokens,MMLU,GPQA Diamond,HumanEval,MATH-500,LMSys Chatbot Arena ELO,MATH 5,
...`` (the speed columns are not used). The input is one such file or a folder of them (every CSV in it must have
the header); the rows of all files are read as one table.

How the rows become canonical tables:
- A row is one *price observation*: ``USD per 1M Tokens`` is the blended price exactly as Epoch gives it (provider
  ``source_price``), observed on the row's ``Release Date``. A price change is a later row of the same model with
  its own date (GPT-3 has four rows, Llama 2-7B two), so every row is its own observation, never merged.
- A *model* is every row with one (alias-normalised) name: ``model_id`` is the slug of that name, its
  ``release_date`` the earliest row date. Different names that would give one slug get distinct ids (a warning).
- Name alias (documented, as Epoch's own analysis does): ``GPT-3 175B (davinci)`` is the model Epoch's results
  call ``GPT-3``; its rows are read under that name (a warning records it).
- Scores: MMLU, GPQA Diamond, HumanEval, MATH-500 and MATH 5 are percentages in the file and become fractions
  (``mmlu``, ``gpqa_diamond``, ``humaneval``, ``math_500``, ``math_level_5``); the Chatbot Arena Elo is kept as is
  (``arena_elo``). A score belongs to the model, not to a price observation: a model takes the score of its earliest
  row that has one. A later row with a *different* score is reported (a warning naming file, row, column and both
  values) and not used; in these files that is GPT-3, whose 2024-01-04 row gives MMLU 63.1 against 43.9 on its
  first row. The choice cannot move Epoch's trends: the 2024-01-04 row ($20) is never a new low, and both scores
  sit in the same threshold ranges (at least 43.9, below 64.8).
- Reasoning models (Epoch excludes them from its trends: they spend many more tokens per task): ``reasoning`` is
  true for the names in ``REASONING_MODELS`` (Epoch's list for these files) and false for every other model here.
- Open weights, licence, creator and parameter counts are not in the files: left empty.

Bad input: a missing column or an unreadable file is an error naming the file and the column(s); a bad value is
rejected with its file, row and column (a price that is not a number, a percentage outside 0..100, a score that is
not a number), and a row whose date is unusable is rejected whole (its date is both the observation date and
possibly the model's release date), and so is a row dated after today (``tasks.data.ingest.common.observation_date``:
prices cannot be observed in the future); the cleaning stage quarantines all of them with their reason.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pandas as pd

from tasks.data.canonical import CanonicalTables
from tasks.data.ingest.common import (BENCHMARK_COLUMNS, MODEL_COLUMNS, PRICE_COLUMNS, SourceError, future_observation,
                                      regular_files)
from tasks.data.issues import IssueCollector
from tasks.data.ingest.csvfile import read_csv_table, read_header
from tasks.data.parsing import ParseError, finite, is_blank, parse_decimal, parse_iso_date, parse_usd, slugify

FORMAT = "epoch_prices"
ORIGIN = "Epoch AI, github epoch-research/llm-benchmark-efficiency @ 2fdd9a8 : data/"
PROVIDER = "source_price"
NAME, DATE, PRICE = "Model Name", "Release Date", "USD per 1M Tokens"
# column -> (benchmark id, unit in the file)
SCORE_COLUMNS: dict[str, tuple[str, str]] = {
    "MMLU": ("mmlu", "percent"),
    "GPQA Diamond": ("gpqa_diamond", "percent"),
    "HumanEval": ("humaneval", "percent"),
    "MATH-500": ("math_500", "percent"),
    "LMSys Chatbot Arena ELO": ("arena_elo", "points"),
    "MATH 5": ("math_level_5", "percent"),
}
REQUIRED = (NAME, DATE, PRICE, *SCORE_COLUMNS)
SIGNATURE = (NAME, DATE, PRICE)  # the header starts with these three
# names Epoch's analysis reads under another name (llm_price_trends.ipynb renames the first to the second)
NAME_ALIASES = {"GPT-3 175B (davinci)": "GPT-3"}
# Epoch's reasoning models in these files, excluded from its trends
REASONING_MODELS = frozenset({"o1", "o1-mini", "o1-preview", "o3-mini", "DeepSeek-R1"})


def sniff(path: Path) -> bool:
    """A CSV file whose header starts ``Model Name,Release Date,USD per 1M Tokens``."""
    path = Path(path)
    if not path.is_file() or path.suffix.lower() != ".csv":
        return False
    return tuple(read_header(path, str.strip)[:3]) == SIGNATURE


def files(path: Path) -> list[Path]:
    """The file itself, or every CSV of a folder (sorted by name)."""
    path = Path(path)
    return regular_files(path, "*.csv") if path.is_dir() else [path]


members = files


def sniff_any(path: Path) -> bool:
    """A matching file, or a folder whose CSVs all match (at least one)."""
    found = files(path)
    return bool(found) and all(sniff(p) for p in found)


def table_of(column: str | None) -> str:
    """The canonical table a raw column feeds (a rejected value of it is counted there)."""
    return "prices" if column == PRICE else "benchmarks" if column in SCORE_COLUMNS else "models"


def _score(text: str, unit: str) -> float | None:
    """A percentage (0..100) -> a fraction, exactly ('43.9' -> 0.439); Elo points as they are; blank -> None."""
    if is_blank(text):
        return None
    value = parse_decimal(text)
    if unit == "percent":
        if not Decimal(0) <= value <= Decimal(100):
            raise ParseError(f"percentage outside 0..100: {text!r}")
        return float(value / Decimal(100))
    return finite(value, text)


def read_rows(path: Path) -> list[dict]:
    """One file's rows as dicts of stripped strings, with the file name and row number (1 = first data row)."""
    table = read_csv_table(path, str.strip)
    table.require(REQUIRED, "an Epoch AI price file")
    return [{**{k: v.strip() for k, v in row.items()}, "_file": path.name, "_record": record,
             "_nul": [c for r, c in table.nul_cells if r == record]}
            for record, row in enumerate(table.records(REQUIRED), 1)]


def parse(rows: list[dict]) -> CanonicalTables:
    """Rows of one or more Epoch price files -> canonical tables. Pure: no I/O."""
    issues = IssueCollector(FORMAT, "", table_of)

    def issue(file: str, *args, **kwargs) -> None:  # one collector for several files: each row names its own
        issues.add(*args, file=file, source=f"{FORMAT}/{file}", **kwargs)
    observations = []
    for row in rows:
        file, record, raw_name = row["_file"], row["_record"], row[NAME]
        for column in row["_nul"]:
            issue(file, record, raw_name or None, column, None, "NUL byte(s) removed from the cell", "warning")
        if not raw_name:
            issue(file, record, None, NAME, None, "missing model name", "rejected_record")
            continue
        name = NAME_ALIASES.get(raw_name, raw_name)
        try:
            date = parse_iso_date(row[DATE])
        except ParseError as err:
            issue(file, record, name, DATE, row[DATE], f"{err.rule}: the row's price cannot be dated",
                       "rejected_record")
            continue
        if date is None:
            issue(file, record, name, DATE, None, "missing date: the row's price cannot be dated",
                       "rejected_record")
            continue
        future = future_observation(date)  # the row's date is its price's observation date
        if future:
            issue(file, record, name, DATE, row[DATE], future, "rejected_record")
            continue
        try:
            price = parse_usd(row[PRICE])
        except ParseError as err:
            issue(file, record, name, PRICE, row[PRICE], err.rule)
            price = None
        scores = {}
        for column, (benchmark, unit) in SCORE_COLUMNS.items():
            try:
                scores[benchmark] = _score(row[column], unit)
            except ParseError as err:
                issue(file, record, name, column, row[column], err.rule)
                scores[benchmark] = None
        observations.append(dict(file=file, record=record, raw_name=raw_name, name=name, date=date, price=price,
                                 scores=scores))
    # a model = every row with one name, in date order (then file and row: a deterministic order)
    observations.sort(key=lambda o: (o["name"], o["date"], o["file"], o["record"]))
    by_name: dict[str, list[dict]] = {}
    for obs in observations:
        by_name.setdefault(obs["name"], []).append(obs)
    models, benchmarks, prices = [], [], []
    taken: dict[str, str] = {}  # model id -> name
    for name, group in sorted(by_name.items(), key=lambda item: slugify(item[0]) + "\0" + item[0]):
        first = group[0]
        model_id = slugify(name)
        if model_id in taken:
            suffix = 2
            while f"{model_id}-{suffix}" in taken:
                suffix += 1
            issue(first["file"], first["record"], name, NAME, name,
                       f"name {name!r} and {taken[model_id]!r} give one id {model_id!r}: this one becomes "
                       f"{model_id}-{suffix}", "warning")
            model_id = f"{model_id}-{suffix}"
        taken[model_id] = name
        aliased = [o for o in group if o["raw_name"] != name]
        if aliased:
            issue(aliased[0]["file"], aliased[0]["record"], name, NAME, aliased[0]["raw_name"],
                       f"name {aliased[0]['raw_name']!r} read as {name!r} ({len(aliased)} rows; documented alias: "
                       "Epoch AI's analysis renames it so)", "warning")
        source = f"{FORMAT}/{first['file']}"
        models.append({**{c: None for c in MODEL_COLUMNS}, "model_id": model_id, "name": name,
                       "release_date": first["date"], "reasoning": name in REASONING_MODELS, "source": source})
        for benchmark, column in ((b, c) for c, (b, _) in SCORE_COLUMNS.items()):
            given = [o for o in group if o["scores"][benchmark] is not None]
            if not given:
                continue
            kept = given[0]
            benchmarks.append(dict(model_id=model_id, benchmark=benchmark, score=kept["scores"][benchmark],
                                   source=f"{FORMAT}/{kept['file']}"))
            for other in given[1:]:
                if other["scores"][benchmark] != kept["scores"][benchmark]:
                    issue(other["file"], other["record"], name, column, row_text(other, benchmark),
                               f"{column} differs from {row_text(kept, benchmark)} on the model's first scored row "
                               f"({kept['date'].isoformat()}, {kept['file']} row {kept['record']}): the model keeps "
                               "its first score (a score belongs to the model, not to a price observation)",
                               "warning")
        seen: dict[dt.date, dict] = {}
        for obs in group:
            if obs["price"] is None:
                continue
            if obs["date"] in seen:
                earlier = seen[obs["date"]]
                issue(obs["file"], obs["record"], name, PRICE, obs["price"],
                           f"a second price for {name} on {obs['date'].isoformat()} (first: {earlier['price']:g}, "
                           f"{earlier['file']} row {earlier['record']}): the lower one is kept", "warning")
                earlier["price"] = min(earlier["price"], obs["price"])
                continue
            seen[obs["date"]] = {**obs, "model_id": model_id}
            prices.append(seen[obs["date"]])
    price_rows = [dict(model_id=o["model_id"], provider=PROVIDER,
                       input_usd_per_mtok=None, output_usd_per_mtok=None, blended_usd_per_mtok=o["price"],
                       observed_on=o["date"], source=f"{FORMAT}/{o['file']}") for o in prices]
    return CanonicalTables(
        models=pd.DataFrame(models, columns=MODEL_COLUMNS),
        benchmarks=pd.DataFrame(benchmarks, columns=BENCHMARK_COLUMNS),
        prices=pd.DataFrame(price_rows, columns=PRICE_COLUMNS),
        ingest_issues=issues.frame(),
    )


def row_text(obs: dict, benchmark: str) -> str:
    """A score as the file writes it (percent for fraction benchmarks)."""
    unit = next(u for b, u in SCORE_COLUMNS.values() if b == benchmark)
    value = obs["scores"][benchmark]
    return f"{value * 100:g}" if unit == "percent" else f"{value:g}"


def ingest(path: Path) -> CanonicalTables:
    """Read one Epoch price file, or every one in a folder, and parse them together."""
    path = Path(path)
    found = files(path)
    if not found:
        raise SourceError(f"{path}: no CSV file to read")
    return parse([row for p in found for row in read_rows(p)])


