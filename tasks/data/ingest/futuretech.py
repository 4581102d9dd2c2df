"""Adapter for the MIT FutureTech July 2025 dataset (``art_analysis_inf_data.csv``): an AA scrape plus hand-added
columns (release date, parameters, lowest prices found across providers).

Traps handled here, each tested:
- headers with embedded newlines ("Input Price\\nUSD/1M Tokens"): headers are matched after collapsing whitespace;
- scores as "45%" strings, and in MATH-500 / AIME 2024 a mix of "0.771" and "98.30%": both become fractions;
- prices as "$0.15" (with stray trailing spaces) and thousands separators;
- m/d/yy dates, three rows without one (kept, null: the cleaning stage quarantines the model);
- free-text licence with stray spaces ("Open "): stripped; "open" means open weights;
- duplicate model names ("o3" twice): every member of a duplicate group gets a distinct id (name slug plus the
  release date, or the record number), a warning is recorded, nothing is dropped.

Mapping to the canonical tables:
- "Lowest Input Price AA", "Lowest Output Price Found AA", "Lowest Blended Price AA" -> provider
  ``lowest_reported`` (blended exactly as reported: it is not always (3 x input + output) / 4 of the other two,
  which can come from different providers and are rounded);
- "Input/Output/Blended USD/1M Tokens" (AA's list prices) -> provider ``aa_headline``;
- "Parameters" -> ``total_params_b``; "Known Active Parameters" -> ``active_params_b`` (null when not known;
  the analysis table falls back to the total);
- reasoning flag: true when AA measured a reasoning time above 0 s or the name marks a reasoning model
  ("Reasoning", "Thinking", OpenAI's o-series, DeepSeek R1 and its distills, QwQ, Magistral); false when AA
  measured 0 s and the name marks none of these (AA records 0 s for OpenAI's hidden reasoning, hence the names
  first); unknown otherwise.

The file carries no per-row price date. The study's appendix says AA prices were collected in May 2025 (July for
newer models); ``observed_on`` is set to the post's publication date, 2025-07-13, the latest date the prices can
describe.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from tasks.data.canonical import CanonicalTables
from tasks.data.ingest import common
from tasks.data.ingest.common import regular_files
from tasks.data.issues import IssueCollector
from tasks.data.ingest.csvfile import CsvTable, read_csv_table, read_header
from tasks.data.parsing import ParseError, parse_fraction, parse_mdy_date, parse_number, parse_usd, slugify

FORMAT = "futuretech"
ORIGIN = "github hansgundlach/Algorithmic_Progress_Inference @ 589218a : art_analysis_inf_data.csv"
PRICE_OBSERVED_ON = dt.date(2025, 7, 13)

# normalised header -> canonical benchmark id and its parser
BENCHMARK_COLUMNS: dict[str, tuple[str, Callable[[str], float | None]]] = {
    "Artificial Analysis Intelligence Index": ("aa_intelligence_index", parse_number),
    "MMLU-Pro (Reasoning & Knowledge)": ("mmlu_pro", parse_fraction),
    "GPQA Diamond (Scientific Reasoning)": ("gpqa_diamond", parse_fraction),
    "Humanity's Last Exam (Reasoning & Knowledge)": ("hle", parse_fraction),
    "LiveCodeBench (Coding)": ("livecodebench", parse_fraction),
    "SciCode (Coding)": ("scicode", parse_fraction),
    "HumanEval (Coding)": ("humaneval", parse_fraction),
    "MATH-500 (Quantitative Reasoning)": ("math_500", parse_fraction),
    "AIME 2024 (Competition Math)": ("aime_2024", parse_fraction),
    "Multilingual Index (Artificial Analysis)": ("aa_multilingual_index", parse_fraction),
    "Chatbot Arena": ("arena_elo", parse_number),
}
PRICE_COLUMNS: dict[str, dict[str, str]] = {
    "lowest_reported": {
        "input_usd_per_mtok": "Lowest Input Price AA",
        "output_usd_per_mtok": "Lowest Output Price Found AA",
        "blended_usd_per_mtok": "Lowest Blended Price AA",
    },
    "aa_headline": {
        "input_usd_per_mtok": "Input Price USD/1M Tokens",
        "output_usd_per_mtok": "Output Price USD/1M Tokens",
        "blended_usd_per_mtok": "Blended USD/1M Tokens",
    },
}
MODEL_COLUMNS = {
    "name": "Model",
    "creator": "Creator",
    "license": "License",
    "release_date": "Release Date",
    "total_params_b": "Parameters",
    "active_params_b": "Known Active Parameters",
    "reasoning_time": "Reasoning Time (s)",
}
SIGNATURE = ("Lowest Blended Price AA", "MMLU-Pro (Reasoning & Knowledge)", "Known Active Parameters")
REASONING_NAME = re.compile(r"\b(reasoning|thinking|qwq|magistral|r1)\b|^o\d+\b", re.IGNORECASE)


def normalise_header(header: str) -> str:
    return " ".join(str(header).split())


def sniff(path: Path) -> bool:
    """True when ``path`` is a CSV whose header has this format's signature columns."""
    path = Path(path)
    if not path.is_file():
        return False
    names = set(read_header(path, normalise_header))
    return all(column in names for column in SIGNATURE)


REQUIRED = [*MODEL_COLUMNS.values(), *BENCHMARK_COLUMNS,
            *(column for columns in PRICE_COLUMNS.values() for column in columns.values())]


def read_table(path: Path) -> CsvTable:
    """The raw file, read strictly (``tasks.data.ingest.csvfile``); every required column present exactly once."""
    table = read_csv_table(path, normalise_header)
    table.require(REQUIRED, "a FutureTech-format file")
    return table


def read_raw(path: Path) -> pd.DataFrame:
    """The raw file as strings, headers normalised; every required column present exactly once."""
    return read_table(path).frame(REQUIRED)


def table_of(column: str | None) -> str | None:
    """The canonical table a raw column feeds (where a rejected value of it is counted)."""
    if column in BENCHMARK_COLUMNS:
        return "benchmarks"
    if any(column in columns.values() for columns in PRICE_COLUMNS.values()):
        return "prices"
    return "models" if column else None


def parse(raw: pd.DataFrame, file_name: str, observed_on: dt.date = PRICE_OBSERVED_ON,
          nul_cells: list[tuple[int, str]] = ()) -> CanonicalTables:
    """Raw FutureTech rows (strings, normalised headers) -> canonical tables. Pure: no I/O.

    A row identical to an earlier one in every column is rejected (``rejected_record``, naming the first): it
    carries no information, and hundreds of copies must not multiply the work of every later stage."""
    source = f"{FORMAT}/{file_name}"
    issues = IssueCollector(source, file_name, table_of)
    issue = issues.add

    for record, column in nul_cells:
        issue(record, raw.at[record - 1, "Model"].strip() or None, column, None,
              "NUL byte(s) removed from the cell", "warning")
    first_of: dict[tuple, int] = {}

    def parsed(record: int, name: str, column: str, parser: Callable[[str], object]):
        value = raw.at[record - 1, column]
        try:
            return parser(value)
        except ParseError as err:
            issue(record, name, column, value, err.rule, "rejected_value")
            return None

    records: list[dict] = []
    for position in range(len(raw)):
        record = position + 1
        name = raw.at[position, "Model"].strip()
        key = tuple(raw.iloc[position])
        if key in first_of:
            issue(record, name or None, None, None, f"exact duplicate of record {first_of[key]} (every column "
                  "the same): rejected", "rejected_record")
            continue
        first_of[key] = record
        if not name:
            issue(record, None, "Model", raw.at[position, "Model"], "missing model name", "rejected_record")
            continue
        release = parsed(record, name, "Release Date", parse_mdy_date)
        license_text = raw.at[position, "License"].strip()
        if license_text.lower() == "open":
            open_weights = True
        elif license_text.lower() in {"proprietary", "closed"}:
            open_weights = False
        else:
            open_weights = None
            if license_text:
                issue(record, name, "License", license_text, "unrecognised licence text", "warning")
        reasoning_time = parsed(record, name, "Reasoning Time (s)", parse_number)
        if REASONING_NAME.search(name) or (reasoning_time is not None and reasoning_time > 0):
            reasoning = True
        elif reasoning_time == 0:
            reasoning = False
        else:
            reasoning = None
        records.append(
            dict(
                record=record,
                name=name,
                slug=slugify(name),
                creator=raw.at[position, "Creator"].strip() or None,
                release_date=release,
                open_weights=open_weights,
                license=license_text or None,
                reasoning=reasoning,
                total_params_b=parsed(record, name, "Parameters", parse_number),
                active_params_b=parsed(record, name, "Known Active Parameters", parse_number),
            )
        )

    _assign_ids(records, lambda members, ids: issue(
        members[0]["record"], members[0]["name"], "Model", members[0]["name"],
        "duplicate model name: records " + ", ".join(str(m["record"]) for m in members)
        + " get distinct ids " + ", ".join(ids), "warning"))

    models = pd.DataFrame(
        [
            dict(model_id=r["model_id"], name=r["name"], creator=r["creator"], release_date=r["release_date"],
                 open_weights=r["open_weights"], license=r["license"], reasoning=r["reasoning"],
                 total_params_b=r["total_params_b"], active_params_b=r["active_params_b"], source=source)
            for r in records
        ],
        columns=["model_id", "name", "creator", "release_date", "open_weights", "license", "reasoning",
                 "total_params_b", "active_params_b", "source"],
    )

    benchmarks, prices = [], []
    for r in records:
        for column, (benchmark, parser) in BENCHMARK_COLUMNS.items():
            score = parsed(r["record"], r["name"], column, parser)
            if score is not None:
                benchmarks.append(dict(model_id=r["model_id"], benchmark=benchmark, score=score, source=source))
        for provider, columns in PRICE_COLUMNS.items():
            values = {field: parsed(r["record"], r["name"], column, parse_usd) for field, column in columns.items()}
            blended_text = raw.at[r["record"] - 1, columns["blended_usd_per_mtok"]]
            if values["blended_usd_per_mtok"] is None and blended_text.strip() and all(
                    values[f] is not None for f in ("input_usd_per_mtok", "output_usd_per_mtok")):
                issue(r["record"], r["name"], columns["blended_usd_per_mtok"], blended_text,
                      f"reported {provider} blended price rejected; the computed blend (3 x input + output) / 4 is "
                      "used in its place", "warning")
            if any(value is not None for value in values.values()):
                prices.append(dict(model_id=r["model_id"], provider=provider, **values,
                                   observed_on=observed_on, source=source))

    return CanonicalTables(
        models=models,
        benchmarks=pd.DataFrame(benchmarks, columns=common.BENCHMARK_COLUMNS),
        prices=pd.DataFrame(prices, columns=common.PRICE_COLUMNS),
        ingest_issues=issues.frame(),
    )


def _assign_ids(records: list[dict], warn: Callable[[list[dict], list[str]], None]) -> None:
    """``model_id`` = name slug; members of a duplicate group get the slug plus release date (or record number)."""
    groups: dict[str, list[dict]] = {}
    for r in records:
        groups.setdefault(r["slug"], []).append(r)
    taken = {slug for slug, members in groups.items() if len(members) == 1}
    for slug, members in groups.items():
        if len(members) == 1:
            members[0]["model_id"] = slug
            continue
        ids = []
        for r in members:
            candidate = f"{slug}-{r['release_date'].isoformat()}" if r["release_date"] else f"{slug}-r{r['record']}"
            if candidate in taken or candidate in ids:
                candidate = f"{slug}-r{r['record']}"
            r["model_id"] = candidate
            ids.append(candidate)
        taken.update(ids)
        warn(members, ids)


def ingest(path: Path) -> CanonicalTables:
    """Read and parse a FutureTech-format CSV (I/O wrapper around ``parse``)."""
    path = resolve(Path(path))  # a folder holding exactly one FutureTech CSV
    table = read_table(path)
    return parse(table.frame(REQUIRED), path.name, nul_cells=table.nul_cells)



def resolve(path: Path) -> Path:
    """A FutureTech CSV, or a folder holding exactly one."""
    path = Path(path)
    if path.is_dir():
        matches = [p for p in regular_files(path, "*.csv") if sniff(p)]
        if len(matches) != 1:
            raise ValueError(f"{path}: expected exactly one FutureTech-format CSV, found {len(matches)}")
        return matches[0]
    return path


def members(path: Path) -> list[Path]:
    """The file this adapter reads (a folder: its one FutureTech-format CSV)."""
    return [resolve(path)]


def sniff_any(path: Path) -> bool:
    path = Path(path)
    if path.is_dir():
        return sum(1 for p in regular_files(path, "*.csv") if sniff(p)) == 1
    return sniff(path)


