"""The lowest price per model and date (tasks/data/lowest.py): hand-written tables with known answers, then a seeded
random history checked against an independent pandas computation (plain, dictionary-encoded, shuffled and
three-key inputs, the last one large enough to take the compaction path)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import tasks.data.lowest as lowest_module
from tasks.data.lowest import IGNORE_REASONS, lowest_price_per_model_date

D1, D2, D3 = dt.date(2025, 7, 1), dt.date(2025, 7, 2), dt.date(2025, 7, 3)


def history(rows) -> pa.Table:
    """rows: (model_id, observed_on, provider, price_usd)."""
    model, day, provider, price = zip(*rows) if rows else ((), (), (), ())
    return pa.table({"model_id": pa.array(model, pa.string()), "observed_on": pa.array(day, pa.date32()),
                     "provider": pa.array(provider, pa.string()), "price_usd": pa.array(price, pa.float64())})


def as_rows(result) -> list[tuple]:
    return [tuple(row.values()) for row in result.table.to_pylist()]


def check_accounting(result) -> None:
    """Every row is used or ignored, and every ignored row with a key belongs to exactly one group."""
    table, unpriced = result.table, result.unpriced
    used = sum(table["n_observations"].to_pylist())
    assert result.rows_in == used + result.n_ignored
    assert set(result.ignored) == set(IGNORE_REASONS)
    in_groups = sum(table["n_ignored"].to_pylist()) + sum(unpriced["n_ignored"].to_pylist())
    assert in_groups == result.n_ignored - result.ignored["missing_key"]


def test_lowest_price_its_provider_and_count_per_model_and_date():
    result = lowest_price_per_model_date(history([
        ("m1", D1, "p1", 2.0), ("m1", D1, "p2", 1.5), ("m1", D1, "p3", 3.0),
        ("m1", D2, "p1", 1.0),
        ("m2", D1, "p2", 0.4), ("m2", D1, "p2", 0.3),  # one provider observed twice on a day
    ]))
    assert as_rows(result) == [
        ("m1", D1, 1.5, "p2", 3, 0),
        ("m1", D2, 1.0, "p1", 1, 0),
        ("m2", D1, 0.3, "p2", 2, 0),
    ]
    assert result.table.column_names == ["model_id", "observed_on", "lowest_price_usd", "provider",
                                         "n_observations", "n_ignored"]
    assert result.n_ignored == 0 and result.unpriced.num_rows == 0
    check_accounting(result)


def test_ties_on_price_go_to_the_provider_that_sorts_first():
    result = lowest_price_per_model_date(history([
        ("m1", D1, "together", 0.5), ("m1", D1, "deepinfra", 0.5), ("m1", D1, "fireworks", 0.5),
        ("m1", D1, "azure", 0.6),  # sorts first but is dearer
        ("m2", D1, "beta", 1.0), ("m2", D1, "Zeta", 1.0),  # byte order, as Python's sorted: "Z" < "b"
        ("m3", D1, None, 2.0), ("m3", D1, "omega", 2.0),  # a null provider sorts last
        ("m4", D1, None, 2.0),  # ... and wins when it is alone
    ]))
    assert [(r[0], r[2], r[3]) for r in as_rows(result)] == [
        ("m1", 0.5, "deepinfra"), ("m2", 1.0, "Zeta"), ("m3", 2.0, "omega"), ("m4", 2.0, None)]


def test_unusable_prices_are_ignored_and_counted_by_reason():
    result = lowest_price_per_model_date(history([
        ("m1", D1, "p1", None), ("m1", D1, "p2", 0.0), ("m1", D1, "p3", math.nan), ("m1", D1, "p4", 0.8),
        ("m1", D1, "p5", -1.0), ("m1", D1, "p6", math.inf), ("m1", D1, "p7", -math.inf),
        ("m1", D2, "p1", 0.0), ("m1", D2, "p2", None),  # every price of the day unusable: an unpriced group
        (None, D1, "p1", 0.1), ("m2", None, "p1", 0.1),  # missing keys
    ]))
    assert as_rows(result) == [("m1", D1, 0.8, "p4", 1, 6)]
    assert result.ignored == {"missing_key": 2, "null_price": 2, "not_finite": 3, "non_positive": 3}
    assert result.n_ignored == 10 and result.rows_in == 11
    assert result.unpriced.to_pylist() == [{"model_id": "m1", "observed_on": D2, "n_ignored": 2}]
    check_accounting(result)


def test_several_dates_per_model_come_out_sorted_whatever_the_input_order():
    rows = [("m2", D2, "p1", 5.0), ("m1", D3, "p1", 3.0), ("m2", D1, "p2", 6.0), ("m1", D1, "p1", 1.0),
            ("m1", D2, "p1", 2.0), ("m1", D2, "p2", 1.9)]
    result = lowest_price_per_model_date(history(rows))
    expected = [("m1", D1, 1.0, "p1", 1, 0), ("m1", D2, 1.9, "p2", 2, 0), ("m1", D3, 3.0, "p1", 1, 0),
                ("m2", D1, 6.0, "p2", 1, 0), ("m2", D2, 5.0, "p1", 1, 0)]
    assert as_rows(result) == expected
    assert as_rows(lowest_price_per_model_date(history(rows[::-1]))) == expected


def test_a_single_row_and_an_empty_table():
    single = lowest_price_per_model_date(history([("m1", D1, "p1", 0.25)]))
    assert as_rows(single) == [("m1", D1, 0.25, "p1", 1, 0)]
    empty = lowest_price_per_model_date(history([]))
    assert empty.table.num_rows == 0 and empty.unpriced.num_rows == 0 and empty.rows_in == 0
    assert empty.table.schema.field("observed_on").type == pa.date32()
    assert empty.table.schema.field("lowest_price_usd").type == pa.float64()
    check_accounting(empty)
    only_bad = lowest_price_per_model_date(history([("m1", D1, "p1", 0.0)]))
    assert only_bad.table.num_rows == 0 and only_bad.unpriced.num_rows == 1
    check_accounting(only_bad)


def test_pandas_input_other_column_names_and_dictionary_columns():
    frame = pd.DataFrame({
        "model": ["b", "a", "a", "a"],
        "day": pd.to_datetime(["2025-07-01", "2025-07-02", "2025-07-02", "2025-07-01"]),
        "host": ["h1", "h2", "h1", "h1"],
        "blended_usd_per_mtok": [1.0, 0.5, 0.5, np.nan],  # NaN in pandas is a missing value: null
    })
    result = lowest_price_per_model_date(frame, price_column="blended_usd_per_mtok", keys=("model", "day"),
                                         provider_column="host")
    rows = result.table.to_pandas()
    assert list(rows.columns) == ["model", "day", "lowest_blended_usd_per_mtok", "host", "n_observations",
                                  "n_ignored"]
    assert rows[["model", "host"]].values.tolist() == [["a", "h1"], ["b", "h1"]]
    assert rows["day"].tolist() == [pd.Timestamp("2025-07-02"), pd.Timestamp("2025-07-01")]
    assert result.ignored["null_price"] == 1
    assert result.unpriced.to_pandas()["model"].tolist() == ["a"]
    encoded = pa.Table.from_pandas(frame.astype({"model": "category", "host": "category"}), preserve_index=False)
    again = lowest_price_per_model_date(encoded, price_column="blended_usd_per_mtok", keys=["model", "day"],
                                        provider_column="host")
    assert again.table.equals(result.table)


def test_a_null_inside_a_dictionary_is_a_missing_value():
    table = history([("m1", D1, "p1", 1.0), ("m1", D1, "p2", 1.0), ("m2", D1, "p1", 2.0)])
    dictionary = pa.array(["m1", None, "p1", "p2"])
    table = table.set_column(0, "model_id", pa.DictionaryArray.from_arrays(pa.array([0, 0, 1]), dictionary))
    table = table.set_column(2, "provider", pa.DictionaryArray.from_arrays(pa.array([1, 2, 3]), dictionary))
    result = lowest_price_per_model_date(table)
    assert as_rows(result) == [("m1", D1, 1.0, "p1", 2, 0)]
    assert result.ignored["missing_key"] == 1


def test_bad_arguments_are_clear_errors():
    with pytest.raises(KeyError, match="price_usd"):
        lowest_price_per_model_date(history([]).drop_columns(["price_usd"]))
    with pytest.raises(TypeError, match="numeric"):
        lowest_price_per_model_date(history([]).set_column(3, "price_usd", pa.array([], pa.string())))
    with pytest.raises(ValueError, match="distinct"):
        lowest_price_per_model_date(history([]), keys=("model_id", "provider"))


def random_history(seed: int, n: int = 10_000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "model_id": rng.choice([f"model-{i:03d}" for i in range(60)], n),
        "observed_on": [dt.date(2025, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 40, n)],
        "provider": rng.choice(["alpha", "Beta", "gamma", "delta", "epsilon", "zeta"], n),
        # rounded to a few cents so that ties between providers are frequent
        "price_usd": np.round(np.exp(rng.normal(-1, 0.5, n)), 2),
    })
    bad = rng.random(n)
    frame.loc[bad < 0.01, "price_usd"] = 0.0
    frame.loc[(bad >= 0.01) & (bad < 0.02), "price_usd"] = -0.5
    frame.loc[(bad >= 0.02) & (bad < 0.03), "price_usd"] = np.inf
    frame.loc[(bad >= 0.03) & (bad < 0.04), "price_usd"] = np.nan
    return frame


def expected_with_pandas(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The same reduction the slow, obvious way: filter, group, the minimum, then the first provider at it."""
    price = frame["price_usd"]
    usable = frame[np.isfinite(price) & (price > 0)]
    grouped = usable.groupby(keys, sort=True)["price_usd"]
    out = grouped.agg(["min", "count"]).rename(columns={"min": "lowest_price_usd", "count": "n_observations"})
    at_min = usable[usable["price_usd"] == grouped.transform("min")]
    out["provider"] = at_min.groupby(keys)["provider"].agg(lambda providers: sorted(providers)[0])
    return out.reset_index()


def compare(result, frame: pd.DataFrame, keys: list[str]) -> None:
    got = result.table.to_pandas()
    expected = expected_with_pandas(frame, keys)
    assert len(got) == len(expected)
    for column in [*keys, "provider", "n_observations"]:
        assert got[column].tolist() == expected[column].tolist(), column
    assert np.array_equal(got["lowest_price_usd"].to_numpy(), expected["lowest_price_usd"].to_numpy())
    check_accounting(result)


@pytest.mark.parametrize("variant", ["plain", "dictionary", "shuffled", "small batches"])
def test_random_history_matches_an_independent_pandas_computation(variant, monkeypatch):
    frame = random_history(seed=7)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if variant == "dictionary":
        table = pa.Table.from_pandas(frame.astype({"model_id": "category", "provider": "category"}),
                                     preserve_index=False)
    if variant == "shuffled":
        frame = frame.sample(frac=1.0, random_state=3).reset_index(drop=True)
        table = pa.Table.from_pandas(frame, preserve_index=False)
    if variant == "small batches":  # many record batches and many chunks with their own dictionaries
        monkeypatch.setattr(lowest_module, "BATCH_ROWS", 777)
        parts = [pa.Table.from_pandas(frame.iloc[i:i + 1500].astype({"model_id": "category", "provider": "category"}),
                                      preserve_index=False) for i in range(0, len(frame), 1500)]
        table = pa.concat_tables(parts, promote_options="permissive")
        assert table["model_id"].num_chunks == 7
    result = lowest_price_per_model_date(table)
    compare(result, frame, ["model_id", "observed_on"])
    assert result.ignored["non_positive"] > 0 and result.ignored["not_finite"] > 0
    assert result.ignored["null_price"] > 0  # pandas NaN -> null


def test_three_keys_with_many_distinct_values_take_the_compaction_path():
    frame = random_history(seed=11)
    rng = np.random.default_rng(5)
    # nanosecond timestamps spread over a year: far too wide a range for offsets, so values are ranked instead
    frame["observed_at"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365 * 86400, len(frame)),
                                                                         "s")
    frame["region"] = rng.choice([f"region-{i}" for i in range(10)], len(frame))
    keys = ["model_id", "observed_at", "region"]
    table = pa.Table.from_pandas(frame, preserve_index=False)
    grouping = lowest_module._Grouping([lowest_module._Coder(table[k], i) for i, k in enumerate(keys)],
                                       table.select(keys))
    assert grouping.compact is not None  # 60 x ~10,000 x 10 group numbers would not be dense
    compare(lowest_price_per_model_date(table, keys=keys), frame, keys)
