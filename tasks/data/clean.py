"""Clean and assemble: canonical tables -> the analysis table (one row per model and price observation) plus the
quarantine (every rejected unit with its reason) and the corrections log.

The smallest bad unit is quarantined, never silently dropped:
- a whole model when its identity or release date is unusable (its scores and prices follow it, with that reason);
- one score (outside 0..1 for a fraction benchmark, unknown benchmark, conflicting duplicates);
- one price observation (one model x provider x date x price type) that is missing a model, cannot be logged
  (zero or negative), or lies outside the plausible range ``PLAUSIBLE_PRICE`` (1e-4 to 1e4 USD per million tokens,
  see there);
- one attribute value (a non-positive parameter count), the model staying in.
For each table, rows in = rows used + rows quarantined (``QuarantineSummary`` checks it).

Documented manual fixes (``data/corrections.csv``: model_id, field, old, new, reason, source) are applied first,
unless the run is ``--as-published``. A fix applies only where the current value equals its ``old``; otherwise it is
logged as not applicable (the model is absent, already correct, or holds another value), never forced.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from schemas.analysis import (AnalysisTable, CorrectionsLog, Quarantine, QuarantineSummary, RunPrices, RunTable,
                              SCORE_COLUMNS)
from tasks.core.vocabulary import AGGREGATE_PROVIDERS, BENCHMARK_UNITS, RECORDED_PRICE_TYPES, price_column
from tasks.data.canonical import CanonicalTables
from tasks.files.tables import format_csv_value
from tasks.data.parsing import ParseError, parse_bool, parse_iso_date, parse_number
from tasks.data.providers import is_hosting_provider, provider_category
from tasks.data.runs import clean_runs
from schemas.validation import validate

CORRECTABLE_FIELDS = {
    "name": str,
    "creator": str,
    "license": str,
    "release_date": parse_iso_date,
    "open_weights": parse_bool,
    "reasoning": parse_bool,
    "total_params_b": parse_number,
    "active_params_b": parse_number,
}
CORRECTION_COLUMNS = ["model_id", "field", "old", "new", "reason", "source"]
QUARANTINE_COLUMNS = list(Quarantine.to_schema().columns)
# The earliest release date accepted for a language model: the Transformer paper is from June 2017, and no model any
# source here describes is older. A date before it is a typo (1/1/1900, a two-digit year read as 19yy) or a
# placeholder; a model dated so would become the first record low of every band it falls in.
RELEASE_DATE_FLOOR = pd.Timestamp("2017-01-01")
MODEL_COLUMNS = ["model_id", "name", "creator", "release_date", "open_weights", "reasoning", "license",
                 "total_params_b", "active_params_b", "source"]
# The plausible range of a price, in USD per million tokens (input, output or blended). Every price of every source in
# ../shared/data lies in 0.0023 .. 4,800 (the cheapest: evroc's Whisper at $0.0023 in models.dev; the cheapest text
# models $0.01-0.05; the dearest list price $600, o1-pro's output; the single highest, 4,800, is Replicate's output
# price for deepseek-vl2 in LLM-Stats). The range leaves a margin of 20x below the cheapest and 2x above the highest
# (16x above the dearest list price): $0.0001 per million tokens is 10^-10 dollars a token, $10,000 one cent a token.
# A price outside it is a unit error (per token or per thousand tokens read as per million, cents as dollars) or a
# placeholder, and one such price moves a trend's endpoints by orders of magnitude (a hostile 1e-10 made a 9x
# headline 1,037x): it is quarantined with the reason, like a zero or negative price.
PLAUSIBLE_PRICE = (1e-4, 1e4)


def price_problem(value: float) -> str | None:
    """Why a price (USD per million tokens) cannot be used, or None: not finite, not positive, or implausible."""
    low, high = PLAUSIBLE_PRICE
    if not math.isfinite(value):
        return "price is not a finite number"
    if value <= 0:
        return "non-positive price: cannot take its logarithm"
    if not low <= value <= high:
        return (f"implausible price: {value:g} USD per 1M tokens is outside {low:g}..{high:g}, the plausible range "
                "(tasks/data/clean.py PLAUSIBLE_PRICE; a unit error or a placeholder?)")
    return None


@dataclass
class CleanResult:
    analysis: pd.DataFrame
    quarantine: pd.DataFrame
    summary: pd.DataFrame
    corrections: pd.DataFrame
    warnings: pd.DataFrame  # what the adapters took but flagged (e.g. duplicate names given distinct ids)
    # benchmark runs and the list prices that cost them (tasks.data.runs; empty for sources without runs)
    runs: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(RunTable.to_schema().columns)))
    run_prices: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=list(RunPrices.to_schema().columns)))

    TABLES = ("analysis", "quarantine", "summary", "corrections", "warnings", "runs", "run_prices")


# --- corrections ---------------------------------------------------------------------------------------------
class StaleCorrection(ValueError):
    """A documented correction no longer matches the data: the run stops rather than silently leave a known error."""


# an ``old`` value can say what is wrong instead of quoting it: "<2025-02-01" is any date before 2025-02-01 (the
# same error can reach a source as 2024-02-01 in one file and 2024-02-26 in another)
_CONDITION = re.compile(r"^(<=|>=|<|>)\s*(.+)$")


def read_corrections(path: Path) -> pd.DataFrame:
    """The corrections file, checked: known fields, parseable values (``old`` may be a condition such as
    ``<2025-02-01``), a reason and a source on every row."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in CORRECTION_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(CORRECTION_COLUMNS)}")
    for position, row in frame.iterrows():
        where = f"{path}, row {position + 1}"
        if row["field"] not in CORRECTABLE_FIELDS:
            raise ValueError(f"{where}, column field: {row['field']!r} is not correctable "
                             f"(one of {', '.join(CORRECTABLE_FIELDS)})")
        for column in ("model_id", "reason", "source"):
            if not row[column].strip():
                raise ValueError(f"{where}, column {column}: must not be empty")
        for column in ("old", "new"):
            text = row[column]
            condition = _CONDITION.match(text.strip()) if column == "old" else None
            if condition and row["field"] not in ("release_date", "total_params_b", "active_params_b"):
                raise ValueError(f"{where}, column old: a condition ({text!r}) applies to dates and numbers only")
            try:
                _parse_field(row["field"], condition.group(2) if condition else text)
            except ParseError as err:
                raise ValueError(f"{where}, column {column}: {err.rule}") from None
    frame = frame[CORRECTION_COLUMNS].copy()
    frame["row"] = range(1, len(frame) + 1)
    frame.attrs["path"] = str(path)
    return frame


def _parse_field(field: str, text: str):
    text = text.strip()
    if text == "":
        return None
    parser = CORRECTABLE_FIELDS[field]
    return parser(text)


def _display(value) -> str:
    if isinstance(value, pd.Timestamp):
        value = value.date()
    return format_csv_value(value)


def _comparable(field: str, value):
    return pd.Timestamp(value) if field == "release_date" else float(value)


def is_wrong(field: str, old_text: str, current) -> bool | None:
    """Does the current value match what the correction says is wrong? None when ``old`` is a plain value (then
    the caller compares the displayed values)."""
    condition = _CONDITION.match((old_text or "").strip())
    if condition is None:
        return None
    if current is None:
        return False
    bound, value = _comparable(field, _parse_field(field, condition.group(2))), _comparable(field, current)
    return {"<": value < bound, "<=": value <= bound, ">": value > bound, ">=": value >= bound}[condition.group(1)]


def apply_corrections(models: pd.DataFrame, corrections: pd.DataFrame, enabled: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply each correction whose ``old`` matches the current value (equal to it, or satisfying its condition);
    log every correction's fate. A correction whose model holds neither the wrong value nor the right one is a
    ``StaleCorrection``: the run stops and says so, never leaving a documented error in place silently."""
    models = models.copy()
    log = []
    index = {model_id: i for i, model_id in zip(models.index, models["model_id"])}
    for row in corrections.itertuples(index=False):
        entry = dict(model_id=row.model_id, field=row.field, old=row.old or None, new=row.new or None,
                     reason=row.reason, source=row.source, found=None)
        if not enabled:
            entry["status"] = "disabled"
        elif row.model_id not in index:
            entry["status"] = "model_absent"
        else:
            i = index[row.model_id]
            current = models.at[i, row.field]
            current = None if (current is None or current is pd.NA or current is pd.NaT
                               or (isinstance(current, float) and math.isnan(current))) else current
            found = _display(current) if current is not None else ""
            entry["found"] = found
            new = _parse_field(row.field, row.new)
            new_text = _display(new) if new is not None else ""
            wrong = is_wrong(row.field, row.old, current)
            if wrong is None:
                old = _parse_field(row.field, row.old)
                wrong = found == (_display(old) if old is not None else "")
            if found == new_text:
                entry["status"] = "already_correct"
            elif wrong:
                models.at[i, row.field] = pd.Timestamp(new) if row.field == "release_date" and new else new
                entry["status"] = "applied"
            elif _CONDITION.match((row.old or "").strip()):
                entry["status"] = "already_correct"  # outside the range the correction calls wrong
            else:
                where = f"{corrections.attrs.get('path', 'corrections')}, row {getattr(row, 'row', '?')}"
                raise StaleCorrection(
                    f"{where}: the correction of {row.model_id} {row.field} no longer matches the data: it expects "
                    f"{row.old!r} (to become {row.new!r}) and found {found!r}. Update the correction (its old value, "
                    "or a condition such as '<2025-02-01' that says what is wrong), or remove it; the run stops "
                    "rather than leave a documented error in place")
        log.append(entry)
    frame = pd.DataFrame(log, columns=["model_id", "field", "old", "new", "status", "found", "reason", "source"])
    return models, validate(CorrectionsLog, frame, "corrections log")


# --- quarantine helpers ---------------------------------------------------------------------------------------
def _q(rows: list, **fields) -> None:
    rows.append({column: fields.get(column) for column in QUARANTINE_COLUMNS})


def _ingest_quarantine(issues: pd.DataFrame) -> list[dict]:
    rows: list[dict] = []
    for issue in issues.itertuples(index=False):
        if issue.action == "warning":
            continue
        record = issue.action == "rejected_record"
        table = getattr(issue, "table", None)
        _q(rows, stage="ingest", table="raw" if record or not isinstance(table, str) else table,
           unit="record" if record else "value",
           name=issue.model_name, field=issue.column, value=issue.value, rule=issue.rule, source=issue.source,
           file=issue.file, record=issue.record)
    return rows


def observation_date(prices: pd.DataFrame) -> pd.Timestamp | None:
    """The snapshot's observation date: its latest price observation (None when it has no prices)."""
    dates = pd.to_datetime(prices["observed_on"]).dropna()
    return dates.max() if len(dates) else None


# --- the stage ---------------------------------------------------------------------------------------------------
def clean(tables: CanonicalTables, corrections: pd.DataFrame, apply_fixes: bool = True) -> CleanResult:
    """Canonical tables -> analysis table, quarantine, summary, corrections log. Pure: no I/O."""
    quarantine = _ingest_quarantine(tables.ingest_issues)
    models, corrections_log = apply_corrections(tables.models[MODEL_COLUMNS], corrections, apply_fixes)

    # models: identity and release date must be usable; bad parameter counts are nulled (value quarantined)
    bad_models: dict[str, str] = {}
    ceiling = observation_date(tables.prices)
    for row in models.itertuples(index=False):
        if pd.isna(row.release_date):
            bad_models[row.model_id] = "missing or unparseable release date"
        elif pd.Timestamp(row.release_date) < RELEASE_DATE_FLOOR:
            bad_models[row.model_id] = (f"release date {_display(row.release_date)} is before "
                                        f"{RELEASE_DATE_FLOOR.date()}, the earliest accepted for a language model "
                                        "(tasks/data/clean.py RELEASE_DATE_FLOOR)")
        elif ceiling is not None and pd.Timestamp(row.release_date) > ceiling:
            bad_models[row.model_id] = (f"release date {_display(row.release_date)} is after the snapshot's latest "
                                        f"price observation ({ceiling.date()}): a model cannot be priced before "
                                        "its release")
    for row in models.itertuples(index=False):
        if row.model_id in bad_models:
            _q(quarantine, stage="clean", table="models", unit="model", model_id=row.model_id, name=row.name,
               field="release_date", value=_display(row.release_date) if pd.notna(row.release_date) else None,
               rule=bad_models[row.model_id], source=row.source)
    for column in ("total_params_b", "active_params_b"):
        bad = models[column].notna() & ~(models[column] > 0) & ~models["model_id"].isin(bad_models)
        for i in models.index[bad]:
            _q(quarantine, stage="clean", table="models", unit="value", model_id=models.at[i, "model_id"],
               name=models.at[i, "name"], field=column, value=_display(models.at[i, column]),
               rule="parameter count must be positive", source=models.at[i, "source"])
        models.loc[bad, column] = np.nan
    good = models[~models["model_id"].isin(bad_models)].copy()
    names = dict(zip(models["model_id"], models["name"]))

    def model_problem(model_id: str) -> str | None:
        if model_id in bad_models:
            return f"model quarantined: {bad_models[model_id]}"
        if model_id not in names:
            return "unknown model_id (not in the models table)"
        return None

    # scores
    scores = tables.benchmarks.copy()
    keep = pd.Series(True, index=scores.index)
    for i, row in scores.iterrows():
        problem = model_problem(row.model_id)
        if problem is None and row.benchmark not in BENCHMARK_UNITS:
            problem = "benchmark not in the project's registry (schemas.canonical.BENCHMARK_UNITS)"
        if problem is None and not math.isfinite(row.score):
            problem = "score is not a finite number"
        if problem is None and BENCHMARK_UNITS[row.benchmark] == "fraction" and not 0 <= row.score <= 1:
            problem = "fraction benchmark outside 0..1"
        if problem:
            keep[i] = False
            _q(quarantine, stage="clean", table="benchmarks", unit="score", model_id=row.model_id,
               name=names.get(row.model_id), field=row.benchmark, value=_display(row.score), rule=problem,
               source=row.source)
    valid_scores = scores[keep]
    grouped = valid_scores.groupby(["model_id", "benchmark"], sort=True)["score"]
    conflicting = grouped.transform("nunique") > 1
    duplicate = valid_scores.duplicated(["model_id", "benchmark"], keep="first") & ~conflicting
    for i in valid_scores.index[conflicting | duplicate]:
        row = valid_scores.loc[i]
        _q(quarantine, stage="clean", table="benchmarks", unit="score", model_id=row.model_id,
           name=names.get(row.model_id), field=row.benchmark, value=_display(row.score),
           rule="conflicting scores for one model and benchmark" if conflicting[i] else "duplicate score",
           source=row.source)
    valid_scores = valid_scores[~(conflicting | duplicate)]
    wide_scores = valid_scores.pivot(index="model_id", columns="benchmark", values="score")
    wide_scores.columns = [f"score_{c}" for c in wide_scores.columns]

    # prices: one observation = model x provider x date x price type
    long = tables.prices.melt(
        id_vars=["model_id", "provider", "observed_on", "source"],
        value_vars=[price_column(t) for t in RECORDED_PRICE_TYPES], var_name="price_type", value_name="usd_per_mtok",
    ).dropna(subset=["usd_per_mtok"])
    long["price_type"] = long["price_type"].str.removesuffix("_usd_per_mtok")
    keep = pd.Series(True, index=long.index)
    for i, row in long.iterrows():
        problem = model_problem(row.model_id) or price_problem(row.usd_per_mtok)
        if problem is None and row.provider not in AGGREGATE_PROVIDERS and not is_hosting_provider(row.provider):
            problem = f"provider is a {provider_category(row.provider)}, not a hosting provider (tasks.data.providers)"
        if problem:
            keep[i] = False
            _q(quarantine, stage="clean", table="prices", unit="price", model_id=row.model_id,
               name=names.get(row.model_id), field=f"{row.provider}:{row.price_type}",
               value=_display(row.usd_per_mtok), rule=problem, source=row.source)
    prices = _price_observations(long[keep])

    analysis = good.merge(prices, on="model_id", how="left", validate="one_to_many")
    analysis = analysis.merge(wide_scores, left_on="model_id", right_index=True, how="left")
    analysis["active_params_known"] = analysis["active_params_b"].notna().astype("boolean")
    analysis.loc[analysis["total_params_b"].isna() & analysis["active_params_b"].isna(), "active_params_known"] = pd.NA
    analysis["active_params_b"] = analysis["active_params_b"].fillna(analysis["total_params_b"])
    for column in SCORE_COLUMNS:
        if column not in analysis:
            analysis[column] = np.nan
    columns = ["model_id", "name", "creator", "release_date", "open_weights", "reasoning", "license",
               "total_params_b", "active_params_b", "active_params_known", "price_source", "observed_on",
               "input_usd_per_mtok", "output_usd_per_mtok", "blended_usd_per_mtok", "blended_computed", "source",
               *SCORE_COLUMNS]
    analysis = analysis[columns].sort_values(["model_id", "price_source", "observed_on"], kind="mergesort",
                                             na_position="first").reset_index(drop=True)
    analysis = validate(AnalysisTable, analysis, "analysis table")

    # the list prices that cost benchmark runs: an implausible one is left out there too (quarantined above)
    source_prices = tables.prices.copy()
    for column in (price_column(t) for t in RECORDED_PRICE_TYPES):
        values = pd.to_numeric(source_prices[column], errors="coerce")
        source_prices[column] = values.where(values.isna() | (values <= 0) | values.between(*PLAUSIBLE_PRICE))
    runs, run_prices, run_quarantine, run_warnings = clean_runs(tables.runs, models, bad_models, source_prices)
    for row in run_quarantine:
        _q(quarantine, **row)
    quarantine_frame = pd.DataFrame(quarantine, columns=QUARANTINE_COLUMNS)
    quarantine_frame = validate(Quarantine, quarantine_frame, "quarantine")
    summary = _summary(tables, quarantine_frame, long_prices=len(long), scores=len(scores))
    warnings = tables.ingest_issues[tables.ingest_issues["action"] == "warning"]
    frames = [warnings, dearer_than_headline(analysis)]
    if run_warnings:
        frames.append(pd.DataFrame(run_warnings, columns=warnings.columns))
    warnings = pd.concat(frames, ignore_index=True)
    return CleanResult(analysis, quarantine_frame, summary, corrections_log, warnings.reset_index(drop=True), runs,
                       run_prices)


def dearer_than_headline(analysis: pd.DataFrame) -> pd.DataFrame:
    """A warning per model whose lowest price across providers is above the source's headline (list) price on the
    same date: cheap hosts dropped it, and a snapshot taken now prices it dearer than when it was current."""
    blended = "blended_usd_per_mtok"
    lowest = analysis[analysis["price_source"].isin(["lowest_provider", "lowest_reported"])]
    headline = analysis[analysis["price_source"] == "aa_headline"][["model_id", "observed_on", blended]]
    both = lowest.merge(headline, on=["model_id", "observed_on"], suffixes=("", "_headline"))
    dear = both[both[blended] > both[f"{blended}_headline"] * (1 + 1e-9)]
    rows = [dict(source=r.source, file=str(r.source).split("/", 1)[-1], record=None, model_name=r["name"],
                 column="price", value=f"{r[blended]:g}",
                 rule=f"lowest price across providers (${r[blended]:g} per 1M tokens, {r.price_source}) is above the "
                      f"headline price (${r[f'{blended}_headline']:g}): cheap hosts may have dropped the model, so "
                      "this snapshot prices it dearer than when it was current", action="warning", table="prices")
            for _, r in dear.iterrows()]
    return pd.DataFrame(rows, columns=["source", "file", "record", "model_name", "column", "value", "rule", "action",
                                       "table"])


def _price_observations(long: pd.DataFrame) -> pd.DataFrame:
    """Valid long prices -> one row per (model, price source, date) with input, output and blended.

    A named aggregate (``lowest_reported``, ``aa_headline``, ``source_price``) is its own price source. Prices of
    real hosting providers become ``lowest_provider``: per type, the minimum over providers (for blended, of each
    provider's own blended price). Where no blended price is reported it is (3 x input + output) / 4.
    """
    columns = ["model_id", "price_source", "observed_on", "input_usd_per_mtok", "output_usd_per_mtok",
               "blended_usd_per_mtok", "blended_computed"]
    if long.empty:
        return pd.DataFrame(columns=columns)
    wide = long.pivot_table(index=["model_id", "provider", "observed_on"], columns="price_type",
                            values="usd_per_mtok", aggfunc="min").reindex(columns=list(RECORDED_PRICE_TYPES))
    wide.columns = [price_column(t) for t in wide.columns]
    wide = wide.reset_index()
    computed = (3 * wide["input_usd_per_mtok"] + wide["output_usd_per_mtok"]) / 4
    wide["blended_computed"] = wide["blended_usd_per_mtok"].isna() & computed.notna()
    wide["blended_usd_per_mtok"] = wide["blended_usd_per_mtok"].fillna(computed)
    aggregate = wide["provider"].isin(list(AGGREGATE_PROVIDERS))
    named = wide[aggregate].rename(columns={"provider": "price_source"})
    hosted = wide[~aggregate]
    if not hosted.empty:
        keys = ["model_id", "observed_on"]
        lowest = hosted.groupby(keys, as_index=False).agg(
            input_usd_per_mtok=("input_usd_per_mtok", "min"),
            output_usd_per_mtok=("output_usd_per_mtok", "min"),
            blended_usd_per_mtok=("blended_usd_per_mtok", "min"),
        )
        cheapest = hosted.sort_values("blended_usd_per_mtok", kind="mergesort").drop_duplicates(keys)
        lowest = lowest.merge(cheapest[keys + ["blended_computed"]], on=keys, how="left")
        lowest["price_source"] = "lowest_provider"
        named = pd.concat([named, lowest], ignore_index=True)
    named["blended_computed"] = named["blended_computed"].astype("boolean")
    return named[columns]


VALUE_FIELDS = ["creator", "release_date", "open_weights", "license", "reasoning", "total_params_b",
                "active_params_b"]


def _summary(tables: CanonicalTables, quarantine: pd.DataFrame, long_prices: int, scores: int) -> pd.DataFrame:
    """Rows in = rows used + rows quarantined, per table, counted from the raw input: a value the adapter rejected
    never reached the canonical tables, so it is added to the rows in of the table it would have fed. Every
    quarantine row is counted in exactly one summary row (the totals agree; ``summary_accounts_for``)."""
    clean_q = quarantine[quarantine["stage"] == "clean"]
    ingest_q = quarantine[quarantine["stage"] == "ingest"]
    rejected_records = int((ingest_q["unit"] == "record").sum())
    ingest_values = ingest_q[ingest_q["unit"] == "value"]
    at_ingest = {name: int((ingest_values["table"] == name).sum()) for name in ("benchmarks", "prices", "runs")}
    at_ingest["models"] = len(ingest_values) - sum(at_ingest.values())  # model fields (and any unattributed)
    models = len(tables.models)
    dropped_models = int((clean_q["unit"] == "model").sum())
    values_in = int(tables.models[VALUE_FIELDS].notna().sum().sum()) + at_ingest["models"]
    values_q = int((clean_q["unit"] == "value").sum()) + at_ingest["models"]
    scores_in, scores_q = scores + at_ingest["benchmarks"], int((clean_q["table"] == "benchmarks").sum()) + \
        at_ingest["benchmarks"]
    prices_in, prices_q = long_prices + at_ingest["prices"], int((clean_q["table"] == "prices").sum()) + \
        at_ingest["prices"]
    rows = [
        ("raw records", "record", models + rejected_records, models, rejected_records),
        ("models", "model", models, models - dropped_models, dropped_models),
        ("model values", "value", values_in, values_in - values_q, values_q),
        ("benchmarks", "score", scores_in, scores_in - scores_q, scores_q),
        ("prices", "price", prices_in, prices_in - prices_q, prices_q),
    ]
    if len(tables.runs) or at_ingest["runs"]:  # benchmark runs (an optional table: only sources that have them)
        runs_in = len(tables.runs) + at_ingest["runs"]
        runs_q = int((clean_q["table"] == "runs").sum()) + at_ingest["runs"]
        rows.append(("runs", "run", runs_in, runs_in - runs_q, runs_q))
    frame = pd.DataFrame(rows, columns=["table", "unit", "rows_in", "rows_used", "rows_quarantined"])
    if int(frame["rows_quarantined"].sum()) != len(quarantine):
        raise AssertionError(f"quarantine summary counts {int(frame['rows_quarantined'].sum())} rows, the "
                             f"quarantine holds {len(quarantine)}")
    return validate(QuarantineSummary, frame, "quarantine summary")
