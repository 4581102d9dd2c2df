"""Structural breaks: the Chow statistic by hand, the search's correction, and the supported / not supported calls."""

from __future__ import annotations

import numpy as np
import pytest

from tasks.core.breaks import candidate_splits, sup_f, sup_f_break


def test_chow_statistic_by_hand():
    # two exact lines meeting at a kink: y = x on 0..4, y = 4 + 3 (x - 4) on 5..9 (plus a small known wiggle)
    x = np.arange(10.0)
    y = np.where(x < 5, x, 4 + 3 * (x - 4)) + np.array([0.1, -0.1] * 5)
    splits = candidate_splits(x, 5)
    assert splits == [5]
    f, where = sup_f(x, y, splits)
    # independent computation with numpy least squares
    def rss(xs, ys):
        design = np.column_stack([np.ones_like(xs), xs])
        return float(np.sum((ys - design @ np.linalg.lstsq(design, ys, rcond=None)[0]) ** 2))
    expected = ((rss(x, y) - rss(x[:5], y[:5]) - rss(x[5:], y[5:])) / 2) / ((rss(x[:5], y[:5]) + rss(x[5:], y[5:]))
                                                                            / (10 - 4))
    assert where == 5 and f == pytest.approx(expected, rel=1e-9)


def test_candidates_never_split_a_same_day_run():
    x = np.array([0, 1, 2, 3, 4, 4, 6, 7, 8, 9, 10, 11], dtype=float)
    assert candidate_splits(x, 5) == [6, 7]  # 5 would separate the two points of day 4


def test_a_real_kink_is_supported_and_a_straight_line_is_not():
    rng = np.random.default_rng(1)
    x = np.arange(0, 600, 20, dtype=float)  # 30 points
    kinked = np.where(x < 300, -0.001 * x, -0.3 - 0.006 * (x - 300)) + rng.normal(0, 0.03, len(x))
    straight = -0.003 * x + rng.normal(0, 0.03, len(x))
    found = sup_f_break(x, kinked, simulations=199, seed=2)
    assert found.p_value < 0.01 and abs(x[found.break_index] - 300) <= 40
    assert sup_f_break(x, straight, simulations=199, seed=2).p_value > 0.05
    # the search is corrected for: under no break, p-values are roughly uniform (few below 0.1)
    small = sum(sup_f_break(x, -0.003 * x + np.random.default_rng(s).normal(0, 0.03, len(x)), simulations=99,
                            seed=s).p_value < 0.1 for s in range(60))
    assert small <= 12  # expected 6 of 60; a naive F test at the best split would reject far more often


def test_too_few_points_are_not_tested():
    assert sup_f_break(np.arange(9.0), np.arange(9.0)).status == "too_few"


def test_a_straight_record_low_series_is_not_called_broken():
    """Under "no break" in the market, record lows of a straight trend: the selection-aware p-value is roughly
    uniform (few below 0.1), where resampling the records' own residuals would reject most of the time."""
    from tasks.core.breaks import running_records, selected_break

    small = tested = 0
    for s in range(24):
        rng = np.random.default_rng(100 + s)
        x = np.sort(rng.uniform(0, 900, 120)).round()
        y = -0.004 * x + rng.normal(0, 0.3, len(x))  # about 20 record lows
        records = running_records(x, y)
        result = selected_break(x, y, records, simulations=99, seed=s)
        if result.status == "tested":
            tested += 1
            small += result.p_value < 0.1
    assert tested >= 10
    assert small <= max(3, tested // 4)  # nominal 10%


def test_running_records_by_hand():
    from tasks.core.breaks import running_records

    x = np.array([0, 1, 1, 2, 3, 4], dtype=float)
    y = np.array([5.0, 6.0, 4.0, 4.0, 7.0, 1.0])
    # day 1: 4.0 first (cheapest first) is a record, 6.0 is not; day 2: 4.0 equals the minimum: a record
    assert running_records(x, y).tolist() == [0, 2, 3, 5]
