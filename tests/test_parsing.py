"""Every odd raw value the sources contain, parsed by hand-known answers."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tasks.core.bands import in_band
from tasks.data.parsing import (ParseError, parse_bool, parse_fraction, parse_iso_date, parse_mdy_date, parse_number,
                           parse_usd, slugify)


@pytest.mark.parametrize("text, expected", [
    ("45%", 0.45), ("48.80%", 0.488), ("98.30%", 0.983), ("0.771", 0.771), ("0.5", 0.5), ("100%", 1.0),
    ("0%", 0.0), (" 83% ", 0.83), ("1", 1.0), ("", None), ("   ", None),
])
def test_fraction(text, expected):
    assert parse_fraction(text) == expected


def test_percent_and_fraction_forms_are_the_same_float():
    # band membership depends on this: "50.00%" must be exactly 0.5, and 70% exactly 0.7
    assert parse_fraction("50.00%") == 0.5 == parse_fraction("0.5")
    assert parse_fraction("70%") == 0.7 == parse_fraction("0.70")


@pytest.mark.parametrize("text", ["83", "1.5", "abc", "45%%", "%", "4 5%"])
def test_fraction_rejects(text):
    with pytest.raises(ParseError):
        parse_fraction(text)


@pytest.mark.parametrize("text, expected", [
    ("$0.15", 0.15), ("$0.96 ", 0.96), ("$17.50 ", 17.5), ("$1,234.50", 1234.5), ("0.82", 0.82), ("$0.00 ", 0.0),
    ("17.5", 17.5), ("-$1.00", -1.0), ("", None),
])
def test_usd(text, expected):
    assert parse_usd(text) == expected


@pytest.mark.parametrize("text", ["$", "$abc", "1,23.4", "USD 3", "$-"])
def test_usd_rejects(text):
    with pytest.raises(ParseError):
        parse_usd(text)


@pytest.mark.parametrize("text, expected", [("2,589.00", 2589.0), ("8.4", 8.4), ("456", 456.0), ("", None)])
def test_number(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("6/26/25", dt.date(2025, 6, 26)), ("12/1/24", dt.date(2024, 12, 1)), ("2/1/24", dt.date(2024, 2, 1)),
    ("4/16/2025", dt.date(2025, 4, 16)), ("", None),
])
def test_mdy_date(text, expected):
    assert parse_mdy_date(text) == expected


@pytest.mark.parametrize("text", ["2/30/25", "13/1/24", "2024-01-01", "June 2024"])
def test_mdy_date_rejects(text):
    with pytest.raises(ParseError):
        parse_mdy_date(text)


def test_iso_date_and_bool():
    assert parse_iso_date("2025-02-01") == dt.date(2025, 2, 1)
    assert parse_iso_date("2025-02-01T00:00:00") == dt.date(2025, 2, 1)
    with pytest.raises(ParseError):
        parse_iso_date("2025-02-30")
    assert parse_bool("true") is True and parse_bool("FALSE") is False and parse_bool("") is None
    with pytest.raises(ParseError):
        parse_bool("maybe")


@pytest.mark.parametrize("name, slug", [
    ("Gemini 2.0 Flash Thinking exp. (Jan '25)", "gemini-2.0-flash-thinking-exp-jan-25"),
    ("Command-R+", "command-r-plus"),
    ("Command-R", "command-r"),
    ("Llama 3.1 405B", "llama-3.1-405b"),
    ("o3-mini (high)", "o3-mini-high"),
    ("DeepHermes 3 - Llama-3.1 8B", "deephermes-3-llama-3.1-8b"),
])
def test_slugify(name, slug):
    assert slugify(name) == slug


@pytest.mark.parametrize("score, band, edges, inside", [
    (0.5, (30, 50), "closed", True),       # an exact edge counts in both closed bands, as in the study's code
    (0.5, (50, 70), "closed", True),
    (0.5, (30, 50), "half_open", False),   # ... and in only the upper one with [lo, hi)
    (0.5, (50, 70), "half_open", True),
    (70 * 0.01, (50, 70), "closed", True),  # 0.7000000000000001 still lands on the edge it means
    (70 * 0.01, (70, 90), "half_open", True),
    (0.29999999999999993, (30, 50), "closed", True),
    (0.4999, (50, 70), "closed", False),
    (0.9001, (70, 90), "closed", False),
])
def test_band_edges_exact(score, band, edges, inside):
    assert bool(in_band(pd.Series([score]), "mmlu_pro", *band, edges).iloc[0]) is inside


def test_band_units_for_points_and_missing():
    elo = pd.Series([1200.0, 1199.99, None])
    assert list(in_band(elo, "arena_elo", 1200, None)) == [True, False, False]
