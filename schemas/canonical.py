"""Canonical, source-independent tables.

Every ingest adapter produces these; every bundled snapshot stores them as CSV. The schemas check structure
(types, keys, units in names). Semantic validity (a positive price, a fraction within 0..1, a usable release date)
is judged later, by the cleaning stage, which quarantines the smallest bad unit with its reason instead of
failing the whole run.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from tasks.core import vocabulary

SLUG = r"^[a-z0-9][a-z0-9.\-_]*$"

# the vocabulary (tasks/core/vocabulary.py) names the benchmarks with their units, the price types and the named
# aggregates; these names are re-exported for the readers of the schemas
BENCHMARK_UNITS = vocabulary.BENCHMARK_UNITS
AGGREGATE_PROVIDERS = vocabulary.AGGREGATE_PROVIDERS


class Models(pa.DataFrameModel):
    """One row per model of one source."""

    model_id: Series[str] = pa.Field(unique=True, str_matches=SLUG)
    name: Series[str] = pa.Field(str_length={"min_value": 1})
    creator: Series[str] = pa.Field(nullable=True)
    release_date: Series[pa.DateTime] = pa.Field(nullable=True)
    open_weights: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    license: Series[str] = pa.Field(nullable=True)
    reasoning: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    total_params_b: Series[float] = pa.Field(nullable=True)
    active_params_b: Series[float] = pa.Field(nullable=True)
    source: Series[str] = pa.Field(str_length={"min_value": 1})

    class Config:
        strict = True
        coerce = True
        ordered = True


class Benchmarks(pa.DataFrameModel):
    """One row per (model, benchmark): fractions 0..1 for percentage benchmarks, Elo and index points as is."""

    model_id: Series[str] = pa.Field(str_matches=SLUG)
    benchmark: Series[str] = pa.Field(str_matches=r"^[a-z0-9_]+$")
    score: Series[float]
    source: Series[str] = pa.Field(str_length={"min_value": 1})

    class Config:
        strict = True
        coerce = True
        ordered = True
        unique = ["model_id", "benchmark", "source"]


class Prices(pa.DataFrameModel):
    """One row per (model, provider or named aggregate, observation date), USD per million tokens."""

    model_id: Series[str] = pa.Field(str_matches=SLUG)
    provider: Series[str] = pa.Field(str_length={"min_value": 1})
    input_usd_per_mtok: Series[float] = pa.Field(nullable=True)
    output_usd_per_mtok: Series[float] = pa.Field(nullable=True)
    blended_usd_per_mtok: Series[float] = pa.Field(nullable=True)
    observed_on: Series[pa.DateTime]
    source: Series[str] = pa.Field(str_length={"min_value": 1})

    class Config:
        strict = True
        coerce = True
        ordered = True
        unique = ["model_id", "provider", "observed_on", "source"]

    @pa.dataframe_check(error="a price row must carry at least one of input, output, blended")
    def has_a_price(cls, df: pd.DataFrame) -> Series[bool]:
        return df[[vocabulary.price_column(t) for t in vocabulary.RECORDED_PRICE_TYPES]].notna().any(axis=1)


class IngestIssues(pa.DataFrameModel):
    """What an adapter could not take as it was: rejected values and records (quarantined), and warnings."""

    source: Series[str]
    file: Series[str]
    record: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1)
    model_name: Series[str] = pa.Field(nullable=True)
    column: Series[str] = pa.Field(nullable=True)
    value: Series[str] = pa.Field(nullable=True)
    rule: Series[str]
    action: Series[str] = pa.Field(isin=["rejected_value", "rejected_record", "warning"])
    # the table a rejected value would have fed (counted there in the quarantine summary); none for a record
    table: Series[str] = pa.Field(nullable=True, isin=["models", "benchmarks", "prices", "runs"])

    class Config:
        strict = True
        coerce = True
        ordered = True


class Runs(pa.DataFrameModel):
    """Optional: one benchmark run per (model, benchmark, source). Either the tokens an evaluation run spent (totals
    over its epochs) with the flags that say how to read them, to be priced at the model's list prices; or the cost
    of one run as the source reports it (``cost_usd``, priced by the source: ``price_source`` says how). ``score``:
    what the run scored (a fraction for percentage benchmarks, points for indices).

    Structural rules only (as for every canonical table; the adapter quarantines a run that breaks them, with the
    reason): reasoning tokens need the ``reasoning_in_output`` flag; cache reads need a cache-read price and the
    ``cache_in_input`` flag, cache writes a cache-write price and the ``cache_in_output`` flag; a run has both token
    counts or a reported cost, not neither."""

    model_id: Series[str] = pa.Field(str_matches=SLUG)
    benchmark: Series[str] = pa.Field(str_matches=r"^[a-z0-9_]+$")
    record: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1)  # data row of the source file (its order)
    input_tokens: Series[float] = pa.Field(nullable=True, ge=0)
    output_tokens: Series[float] = pa.Field(nullable=True, ge=0)
    reasoning_tokens: Series[float] = pa.Field(nullable=True, ge=0)
    reasoning_in_output: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    cache_read_tokens: Series[float] = pa.Field(nullable=True, ge=0)
    cache_write_tokens: Series[float] = pa.Field(nullable=True, ge=0)
    cache_in_input: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    cache_in_output: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    cache_read_usd_per_mtok: Series[float] = pa.Field(nullable=True, ge=0)
    cache_write_usd_per_mtok: Series[float] = pa.Field(nullable=True, ge=0)
    epochs: Series[float] = pa.Field(nullable=True, gt=0)  # the token counts cover this many epochs
    cost_usd: Series[float] = pa.Field(nullable=True)  # one run as the source reports it (ARC: per task)
    price_source: Series[str] = pa.Field(nullable=True)  # how the source priced a reported cost
    score: Series[float] = pa.Field(nullable=True)
    source: Series[str] = pa.Field(str_length={"min_value": 1})

    class Config:
        strict = True
        coerce = True
        ordered = True
        unique = ["model_id", "benchmark", "source"]

    @pa.dataframe_check(error="a run has both token counts or a reported cost (cost_usd)")
    def tokens_or_cost(cls, df: pd.DataFrame) -> Series[bool]:
        tokens = df["input_tokens"].notna() & df["output_tokens"].notna()
        return tokens | df["cost_usd"].notna()

    @pa.dataframe_check(error="reasoning tokens need the reasoning_in_output flag")
    def reasoning_flagged(cls, df: pd.DataFrame) -> Series[bool]:
        return ~(df["reasoning_tokens"].fillna(0) > 0) | df["reasoning_in_output"].notna()

    @pa.dataframe_check(error="cache reads need a cache-read price and the cache_in_input flag")
    def cache_reads_priced(cls, df: pd.DataFrame) -> Series[bool]:
        return ~(df["cache_read_tokens"].fillna(0) > 0) | (
            df["cache_read_usd_per_mtok"].notna() & df["cache_in_input"].notna())

    @pa.dataframe_check(error="cache writes need a cache-write price and the cache_in_output flag")
    def cache_writes_priced(cls, df: pd.DataFrame) -> Series[bool]:
        return ~(df["cache_write_tokens"].fillna(0) > 0) | (
            df["cache_write_usd_per_mtok"].notna() & df["cache_in_output"].notna())


PRICE_FIELDS = ("input", "output", "cache_read", "cache_write")  # the prices a dated observation may carry


class PriceObservations(pa.DataFrameModel):
    """Dated price observations (step 17's panel): one row per (source, source model, provider, day), USD per million
    tokens. ``source_model`` is the source's own id (an OpenRouter id, an AA slug); ``gives`` names the prices the
    source gave for this row (``input,output,cache_read``), so a missing cache price is "not given", never zero;
    ``origin`` is the file or commit the row was read from; ``version`` the content id of that file (sha256, or the
    git blob id of a committed version)."""

    source: Series[str] = pa.Field(str_matches=r"^[a-z0-9_]+$")
    source_model: Series[str] = pa.Field(str_length={"min_value": 1})
    name: Series[str] = pa.Field(nullable=True)
    provider: Series[str] = pa.Field(nullable=True)
    observed_on: Series[pa.DateTime]
    input_usd_per_mtok: Series[float] = pa.Field(nullable=True, ge=0)
    output_usd_per_mtok: Series[float] = pa.Field(nullable=True, ge=0)
    cache_read_usd_per_mtok: Series[float] = pa.Field(nullable=True, ge=0)
    cache_write_usd_per_mtok: Series[float] = pa.Field(nullable=True, ge=0)
    gives: Series[str] = pa.Field(str_matches=r"^(input|output|cache_read|cache_write)(,(input|output|cache_read|cache_write))*$")
    open_weights: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    hugging_face_id: Series[str] = pa.Field(nullable=True)
    origin: Series[str] = pa.Field(str_length={"min_value": 1})
    version: Series[str] = pa.Field(str_matches=r"^[0-9a-f]{12,64}$")

    class Config:
        strict = True
        coerce = True
        ordered = True
        unique = ["source", "source_model", "provider", "observed_on"]

    @pa.dataframe_check(error="an observation carries an input or an output price")
    def has_a_price(cls, df: pd.DataFrame) -> Series[bool]:
        return df[["input_usd_per_mtok", "output_usd_per_mtok"]].notna().any(axis=1)


class PriceQuarantine(pa.DataFrameModel):
    """Listed entries that are not prices a buyer can scale on (free rate-limited variants, routers with dynamic
    prices, missing or malformed prices), with the reason: kept out of every index."""

    source: Series[str]
    source_model: Series[str] = pa.Field(nullable=True)
    observed_on: Series[pa.DateTime]
    reason: Series[str] = pa.Field(isin=["free_variant", "router_dynamic_price", "no_price", "malformed_price",
                                         "duplicate_id"])
    value: Series[str] = pa.Field(nullable=True)
    origin: Series[str]

    class Config:
        strict = True
        coerce = True
        ordered = True


RUN_COLUMNS = list(Runs.to_schema().columns)
RUN_FLAGS = ("reasoning_in_output", "cache_in_input", "cache_in_output")

CANONICAL_TABLES = {
    "models": Models,
    "benchmarks": Benchmarks,
    "prices": Prices,
    "ingest_issues": IngestIssues,
    "runs": Runs,
}
OPTIONAL_TABLES = ("runs",)  # a source without them gets an empty table


def empty(model: type[pa.DataFrameModel]) -> pd.DataFrame:
    """An empty frame with ``model``'s columns and dtypes."""
    return model.validate(pd.DataFrame({name: [] for name in model.to_schema().columns}))
