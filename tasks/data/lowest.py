"""The lowest price per model and date across providers, for price histories of tens of millions of observations.

A price history has one row per observation (model x provider x date, possibly repeated); the analysis wants, per
(model, date), the lowest price, which provider offered it and how many observations it was taken over.

Rules:
- a price that is null, not finite (NaN, +-inf) or not positive cannot be logged: it is *ignored*, never silently:
  the result counts the ignored rows by reason (``LowestPrices.ignored``), per group (``n_ignored``), and lists the
  groups that had rows but no usable price at all (``LowestPrices.unpriced``); a row whose key is null is ignored
  as ``missing_key``. ``rows_in = sum(n_observations) + n_ignored`` always holds;
- ties on the lowest price are broken deterministically: the provider that sorts first wins (strings compare by
  code point, i.e. UTF-8 byte order, as Python's ``sorted`` does; a null provider sorts last);
- the result is sorted by the keys (ascending, in the same order), so it does not depend on the input's row order.

How it is fast (10 million rows in well under a second on the project's 2-core machine, after reading): no sort,
no hash join over the rows, one pass, and no row-sized temporary.
- Every key column gets integer codes that sort as its values do: a dictionary column (``read_dictionary`` in
  Parquet, pandas categoricals) by ranking its small dictionary; an integer or temporal column (dates) with a small
  range by its offset from its minimum; anything else by ranking its distinct values once (``unique`` +
  ``index_in``). The codes are combined in mixed radix into one group number per row, so group numbers sort exactly
  as the keys do and index flat per-group arrays (when the product of the cardinalities is larger than the number
  of rows or 4M, the numbers are compacted to their ranks with ``numpy.unique`` first).
- One pass over record batches of ``BATCH_ROWS`` rows, whose temporaries stay small and in the CPU cache (in this
  workplace's virtual machines, first touches of fresh memory were what made whole-column numpy slow). Per group:
  observations (``add.at``), the lowest price so far (``minimum.at``) and the winner so far, the lowest provider
  rank among the rows at that price (``minimum.at``; reset to "none" whenever the group's lowest price drops).
- The result is assembled from the per-group arrays in group-number order, i.e. sorted by the keys; dictionary keys
  come out decoded to their values.
The issue measured a pandas group-by at about 4x DuckDB's time on this reduction; a first try here, a pyarrow
group-by then a hash join back to the rows to find the provider (the usual arg-min), took 2-3x.
``benchmarks/price_history_scale.py`` measures this one against DuckDB's SQL on the same Parquet file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

IGNORE_REASONS = ("missing_key", "null_price", "not_finite", "non_positive")
DEFAULT_KEYS = ("model_id", "observed_on")
BATCH_ROWS = 1 << 17  # rows per record batch: 128K rows x 8 bytes = 1 MiB per temporary


@dataclass(frozen=True)
class LowestPrices:
    """The reduction's result, with the account of every row it did not use.

    ``table``: one row per (keys) with at least one usable price, sorted by the keys: the key columns,
    ``lowest_<price_column>``, the provider that offered it, ``n_observations`` (usable prices in the group) and
    ``n_ignored`` (rows of the group whose price was ignored).
    ``unpriced``: the groups whose every price was ignored (key columns and ``n_ignored``), sorted the same way.
    ``ignored``: ignored rows by reason (every reason of ``IGNORE_REASONS`` present, zero or not).
    """

    table: pa.Table
    unpriced: pa.Table
    rows_in: int
    ignored: dict[str, int] = field(default_factory=dict)

    @property
    def n_ignored(self) -> int:
        return sum(self.ignored.values())

    def to_pandas(self) -> pd.DataFrame:
        return self.table.to_pandas()


def lowest_price_per_model_date(table: pa.Table | pd.DataFrame, price_column: str = "price_usd",
                                keys: Sequence[str] = DEFAULT_KEYS,
                                provider_column: str = "provider") -> LowestPrices:
    """Per (model, date) (or any ``keys``): the lowest usable price, who offered it, over how many observations.

    ``table``: a pyarrow Table or a pandas DataFrame (converted; note that pandas stores a missing float as NaN,
    which arrives as null) with the key columns, ``price_column`` (numeric) and ``provider_column``.
    Pure: reads nothing, writes nothing, does not modify its input. See the module docstring for the rules.
    """
    keys = [keys] if isinstance(keys, str) else list(keys)
    if not keys:
        raise ValueError("at least one key column is needed")
    columns = [*keys, price_column, provider_column]
    if len(set(columns)) != len(columns):
        raise ValueError(f"key, price and provider columns must be distinct: {columns}")
    if isinstance(table, pd.DataFrame):
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise KeyError(f"missing column(s) {missing}; the frame has {list(table.columns)}")
        table = pa.Table.from_pandas(table[columns], preserve_index=False)
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise KeyError(f"missing column(s) {missing}; the table has {table.column_names}")
    price = table[price_column]
    if not (pa.types.is_integer(price.type) or pa.types.is_floating(price.type) or pa.types.is_decimal(price.type)
            or pa.types.is_null(price.type)):
        raise TypeError(f"{price_column} must be numeric, not {price.type}")
    table = table.select(columns)
    n = table.num_rows
    coders = [_Coder(table[k], i) for i, k in enumerate(keys)]
    grouping = _Grouping(coders, table)
    groups = grouping.groups
    price_position, provider_position = len(keys), len(keys) + 1

    # One pass over record batches, keeping per group the number of observations, the lowest price so far and the
    # winner so far: the lowest provider rank among the rows at that price (reset whenever the price drops).
    # Unusable rows (and rows with a null key) go to an extra group, the last slot, dropped at the end.
    provider = _Coder(table[provider_column], provider_position)
    last = len(provider.values)  # the rank of a null provider: after every other
    counts = np.zeros(groups + 1, dtype=np.int64)
    lowest = np.full(groups + 1, np.inf)
    winner = np.full(groups + 1, last, dtype=np.int64)
    ignored = dict.fromkeys(IGNORE_REASONS, 0)
    ignored_groups = []
    for start, batch in _batches(table):
        group = grouping.of(batch, start)
        prices = batch.column(price_position)
        values = _floats(prices)
        usable = (values > 0) & (values < np.inf)  # NaN fails both comparisons
        bad = np.flatnonzero(~usable | (group < 0) if grouping.has_nulls else ~usable)
        if len(bad):
            keyed = group[bad] >= 0
            null = prices.is_null().to_numpy(zero_copy_only=False)[bad] if prices.null_count else False
            finite = np.isfinite(values[bad])
            ignored["missing_key"] += int((~keyed).sum())
            ignored["null_price"] += int((keyed & null).sum())
            ignored["not_finite"] += int((keyed & ~null & ~finite).sum())
            ignored["non_positive"] += int((keyed & finite).sum())
            ignored_groups.append(group[bad[keyed]])
            group[bad] = -1
        np.add.at(counts, group, 1)
        before = lowest[group]
        with np.errstate(invalid="ignore"):  # a NaN only ever reaches the extra group
            np.minimum.at(lowest, group, values)
        after = lowest[group]
        dropped = np.flatnonzero((after < before) & (before < np.inf))  # a new group has no winner yet
        if len(dropped):
            winner[group[dropped]] = last  # the lowest price dropped: earlier winners are out
        rows = np.flatnonzero(values == after)
        ranks = provider.codes(batch.column(provider_position), start, rows)
        np.minimum.at(winner, group[rows], np.where(ranks < 0, last, ranks) if provider.has_nulls else ranks)
    providers = pa.concat_arrays([provider.values, pa.nulls(1, type=provider.values.type)])

    per_group_ignored = np.zeros(groups, dtype=np.int64)
    if ignored_groups:
        np.add.at(per_group_ignored, np.concatenate(ignored_groups), 1)
    counts = counts[:groups]
    present = np.flatnonzero(counts)
    result = dict(zip(keys, grouping.key_values(present)))
    result[f"lowest_{price_column}"] = pa.array(lowest[present], type=pa.float64())
    result[provider_column] = providers.take(pa.array(winner[present], type=pa.int64()))
    result["n_observations"] = pa.array(counts[present], type=pa.int64())
    result["n_ignored"] = pa.array(per_group_ignored[present], type=pa.int64())
    unpriced_groups = np.flatnonzero((per_group_ignored > 0) & (counts == 0))
    unpriced = dict(zip(keys, grouping.key_values(unpriced_groups)))
    unpriced["n_ignored"] = pa.array(per_group_ignored[unpriced_groups], type=pa.int64())
    return LowestPrices(table=pa.table(result), unpriced=pa.table(unpriced), rows_in=n, ignored=ignored)


def _batches(table: pa.Table):
    """(first row, record batch) over the table, ``BATCH_ROWS`` rows at most: row-wise temporaries stay in cache."""
    start = 0
    for batch in table.to_batches(max_chunksize=BATCH_ROWS):
        yield start, batch
        start += batch.num_rows


def _floats(prices: pa.Array) -> np.ndarray:
    """float64 values, NaN for null (zero-copy when already float64 without nulls)."""
    if prices.type != pa.float64():
        prices = prices.cast(pa.float64())
    return prices.to_numpy(zero_copy_only=False)


def _integer_storage(type_: pa.DataType) -> pa.DataType | None:
    """The integer type a column's values can be cast to without loss (dates, times, timestamps, ints), or None."""
    if pa.types.is_integer(type_) and type_ != pa.uint64():
        return pa.int64()
    if pa.types.is_date32(type_) or pa.types.is_time32(type_):
        return pa.int32()
    if pa.types.is_date64(type_) or pa.types.is_time64(type_) or pa.types.is_timestamp(type_) \
            or pa.types.is_duration(type_):
        return pa.int64()
    return None


class _Coder:
    """Integer codes of one column, batch by batch, that sort as its values do (-1: null); ``values[code]``.

    ``dense``: an integer-like column (dates) with a small range: the offset from its minimum. ``dictionary``: each
    batch's (small) dictionary is mapped to the ranks of all distinct values. ``global``: anything else, coded once
    for the whole column (``unique`` + ``index_in``) and sliced.
    """

    def __init__(self, column: pa.ChunkedArray, position: int):
        self.position, self.has_nulls = position, column.null_count > 0
        n = len(column)
        value_type = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
        self._mappings: dict = {}
        storage = _integer_storage(column.type)
        if n == 0 or column.null_count == n:
            self.kind, self.values, self.codes_of_all = "global", pa.array([], type=value_type), np.full(n, -1)
            return
        if storage is not None:
            bounds = pc.min_max(column.cast(storage))
            low, high = bounds["min"].as_py(), bounds["max"].as_py()
            if high - low < max(n, 1 << 16):
                self.kind, self.low, self.storage = "dense", low, storage
                self.values = pa.array(np.arange(low, high + 1), type=storage).cast(column.type)
                return
        if pa.types.is_dictionary(column.type):
            self.kind = "dictionary"
            self.has_nulls = self.has_nulls or any(chunk.dictionary.null_count for chunk in column.chunks)
            self.values = _sorted_distinct(pa.concat_arrays([chunk.dictionary for chunk in column.chunks]))
            return
        self.kind, self.values = "global", _sorted_distinct(column)
        self.codes_of_all = pc.index_in(column, value_set=self.values).fill_null(-1).to_numpy().astype(np.int64)

    def codes(self, array: pa.Array, start: int, rows: np.ndarray | None = None) -> np.ndarray:
        """int64 codes of a batch (``array``, whose first row is row ``start`` of the column), or of its ``rows``."""
        if self.kind == "global":
            codes = self.codes_of_all[start:start + len(array)]
            return codes.copy() if rows is None else codes[rows]
        if self.kind == "dense":
            ints = array.cast(self.storage)
            ints = (ints.fill_null(self.low - 1) if array.null_count else ints).to_numpy()
            return np.subtract(ints if rows is None else ints[rows], self.low, dtype=np.int64)
        dictionary = array.dictionary
        key = (dictionary.offset, len(dictionary),
               *(buffer.address if buffer is not None else 0 for buffer in dictionary.buffers()))
        mapping = self._mappings.get(key)
        if mapping is None:
            mapping = pc.index_in(dictionary, value_set=self.values).fill_null(-1).to_numpy().astype(np.int64)
            mapping = self._mappings[key] = np.append(mapping, -1)  # the last slot: a null entry
        indices = array.indices.fill_null(len(dictionary)) if array.null_count else array.indices
        indices = indices.to_numpy()
        return mapping[indices if rows is None else indices[rows]]


def _sorted_distinct(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    distinct = pc.unique(values).drop_null()
    return distinct.take(pc.sort_indices(distinct))


class _Grouping:
    """Group numbers: the keys' codes in mixed radix, so that group numbers sort exactly as the keys do.

    When the product of the keys' cardinalities exceeds the number of rows (or 4M), the numbers are compacted to
    their ranks once for the whole table (``numpy.unique``), keeping the order. Rows with a null key get -1.
    """

    def __init__(self, coders: list[_Coder], table: pa.Table):
        self.coders = coders
        self.has_nulls = any(coder.has_nulls for coder in coders)
        self.cardinalities = [len(coder.values) for coder in coders]
        self.groups = int(np.prod(self.cardinalities, dtype=object))
        self.strides = [int(np.prod(self.cardinalities[i + 1:], dtype=object)) for i in range(len(coders))]
        self.compact = None
        if self.groups > max(table.num_rows, 1 << 22):
            codes = [np.concatenate([coder.codes(batch.column(coder.position), start)
                                     for start, batch in _batches(table)] or [np.empty(0, np.int64)])
                     for coder in coders]
            self.codes_of_all = codes
            self.compact, self.groups = _compact(codes, self.cardinalities)

    def of(self, batch: pa.RecordBatch, start: int) -> np.ndarray:
        """The group number of every row of a batch (int64, -1 where a key is null)."""
        if self.compact is not None:
            return self.compact[start:start + batch.num_rows].copy()
        group, missing = None, None
        for coder, stride in zip(self.coders, self.strides):
            codes = coder.codes(batch.column(coder.position), start)
            if coder.has_nulls:
                missing = codes < 0 if missing is None else missing | (codes < 0)
            if stride != 1:
                codes *= stride  # codes are a fresh array: scaled in place
            if group is None:
                group = codes
            else:
                group += codes
        if missing is not None:
            group[missing] = -1
        return group

    def key_values(self, groups: np.ndarray) -> list[pa.Array]:
        """The key values of the given group numbers."""
        if self.compact is None:
            digits = [(groups // stride) % cardinality if cardinality else groups
                      for stride, cardinality in zip(self.strides, self.cardinalities)]
        else:
            representative = np.zeros(self.groups, dtype=np.int64)
            rows = np.flatnonzero(self.compact >= 0)
            representative[self.compact[rows]] = rows  # any row of a group holds its key values
            digits = [codes[representative[groups]] for codes in self.codes_of_all]
        return [coder.values.take(pa.array(d, type=pa.int64())) for coder, d in zip(self.coders, digits)]


def _compact(codes: list[np.ndarray], cardinalities: list[int]) -> tuple[np.ndarray, int]:
    """Dense group numbers (ranks, in key order) from the keys' codes of every row, combined two at a time."""
    missing = np.zeros(len(codes[0]), dtype=bool)
    for c in codes:
        missing |= c < 0
    group, groups = np.where(missing, 0, codes[0]), cardinalities[0]
    for c, cardinality in zip(codes[1:], cardinalities[1:]):
        if groups * cardinality >= 1 << 62:
            distinct, group = np.unique(group, return_inverse=True)
            groups = len(distinct)
        group = group * cardinality + np.where(missing, 0, c)
        groups *= cardinality
    distinct, inverse = np.unique(group[~missing], return_inverse=True)
    compact = np.full(len(group), -1, dtype=np.int64)
    compact[~missing] = inverse
    return compact, len(distinct)
