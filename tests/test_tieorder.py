"""Tie-order sensitivity: the exact range on a hand-made case, checked against brute force over every order."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from tasks.methods.frontier import fit as fit_frontier
from tasks.core.tieorder import tie_order_range
from tests.test_frontier import analysis, spec

ROWS = [  # model, date, value
    ("a", "2024-01-01", 8.0),
    ("b", "2024-04-01", 6.0),   # optional: a record only if it comes before c
    ("c", "2024-04-01", 2.0),   # the day's cheapest: always a record
    ("d", "2024-04-01", 9.0),   # above the running minimum (8): never a record
    ("e", "2024-09-01", 1.5),   # the day's cheapest
    ("f", "2024-09-01", 1.8),   # optional: 1.5 < 1.8 <= 2
]


def frame(rows=ROWS) -> pd.DataFrame:
    return pd.DataFrame({"model_id": [r[0] for r in rows], "release_date": pd.to_datetime([r[1] for r in rows]),
                         "value": [r[2] for r in rows]})


def naive_records(order: list[tuple]) -> frozenset:
    """The record rule applied literally to one full order."""
    best, records = math.inf, set()
    for model, _, value in order:
        if value <= best:
            records.add(model)
            best = value
    return frozenset(records)


def every_order_record_sets(rows) -> set[frozenset]:
    days = sorted({r[1] for r in rows})
    groups = [[r for r in rows if r[1] == day] for day in days]
    sets = set()
    for combo in itertools.product(*(itertools.permutations(g) for g in groups)):
        sets.add(naive_records([r for group in combo for r in group]))
    return sets


def factor(rows, members) -> float:
    chosen = [r for r in rows if r[0] in members]
    x = np.array([(pd.Timestamp(r[1]) - pd.Timestamp("1970-01-01")).days for r in chosen], dtype=float)
    slope = np.polyfit(x, np.log10([r[2] for r in chosen]), 1)[0]
    return 10 ** (-slope * 365.25)


def test_record_sets_are_every_combination_of_optional_models():
    sets = every_order_record_sets(ROWS)
    assert sets == {frozenset("ace"), frozenset("abce"), frozenset("acef"), frozenset("abcef")}


def test_exact_range_matches_brute_force():
    factors = [factor(ROWS, s) for s in every_order_record_sets(ROWS)]
    result = tie_order_range(frame(), min_points=3, log_base="10")
    assert result.exact and result.record_sets == 4 and result.fitted == 4
    assert result.min_factor == pytest.approx(min(factors), rel=1e-9)
    assert result.max_factor == pytest.approx(max(factors), rel=1e-9)
    assert result.max_factor / result.min_factor > 1.05  # the order matters here


def test_min_points_excludes_small_record_sets():
    result = tie_order_range(frame(), min_points=5, log_base="10")
    assert result.fitted == 1
    assert result.min_factor == result.max_factor == pytest.approx(factor(ROWS, "abcef"), rel=1e-9)


def test_sampled_orders_when_combinations_exceed_the_limit():
    factors = [factor(ROWS, s) for s in every_order_record_sets(ROWS)]
    result = tie_order_range(frame(), min_points=3, log_base="10", max_exact=2, samples=10_000, seed=1)
    assert not result.exact and result.record_sets == 10_000
    # with 10,000 random orders every one of the 4 record sets appears
    assert result.min_factor == pytest.approx(min(factors), rel=1e-9)
    assert result.max_factor == pytest.approx(max(factors), rel=1e-9)
    again = tie_order_range(frame(), min_points=3, log_base="10", max_exact=2, samples=10_000, seed=1)
    assert again == result


def test_frontier_rows_carry_the_range_around_the_estimate():
    rows = [(m, d, v, 0.4, True) for m, d, v in ROWS]
    result = fit_frontier(analysis(rows), spec(min_points=3))
    row = result.rows.iloc[0]
    assert bool(row.tie_order_exact) is True
    assert row.tie_order_min_factor <= row.factor_per_year * (1 + 1e-9)
    assert row.factor_per_year <= row.tie_order_max_factor * (1 + 1e-9)
    # our documented order (cheapest first) is the record set without the optional models
    assert row.factor_per_year == pytest.approx(factor(ROWS, "ace"), rel=1e-9)


def test_random_cases_against_brute_force():
    rng = np.random.default_rng(11)
    for _ in range(30):
        days = ["2024-01-01", "2024-02-01", "2024-03-01", "2024-06-01"]
        rows = [(f"m{i}", days[rng.integers(0, 4)], float(rng.choice([1, 2, 3, 4, 5, 6]))) for i in range(7)]
        sets = every_order_record_sets(rows)
        factors = [factor(rows, s) for s in sets
                   if len(s) >= 3 and len({r[1] for r in rows if r[0] in s}) > 1]
        ordered = frame(rows).sort_values(["release_date", "value", "model_id"], kind="mergesort")
        result = tie_order_range(ordered.reset_index(drop=True), min_points=3, log_base="10")
        if not factors:
            assert result.fitted == 0
            continue
        assert result.min_factor == pytest.approx(min(factors), rel=1e-9)
        assert result.max_factor == pytest.approx(max(factors), rel=1e-9)
