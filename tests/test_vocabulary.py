"""The vocabulary is written once (tasks/core/vocabulary.py): the schemas, the preset sections and the history
module take their names from it, and each label table is keyed by exactly its ``Literal``'s names."""

from __future__ import annotations

from typing import Literal, get_args

import pytest
from pydantic import TypeAdapter, ValidationError

from schemas import analysis, canonical
from tasks.core import vocabulary
from tasks.data import history


def isin(model, column) -> list:
    (check,) = [c for c in model.to_schema().columns[column].checks if c.name == "isin"]
    return list(check.statistics["allowed_values"])


def test_label_tables_are_keyed_by_their_literal():
    assert tuple(vocabulary.PRICE_SOURCES) == get_args(vocabulary.PriceSource)
    assert tuple(vocabulary.PRICE_TYPES) == get_args(vocabulary.PriceType)
    assert tuple(vocabulary.SUBSETS) == get_args(vocabulary.Subset)
    with pytest.raises(AssertionError, match="do not match"):
        vocabulary._labelled(Literal["a", "b"], {"b": "B", "a": "A"})  # the order is the display order


def test_the_trends_schema_takes_its_names_from_the_vocabulary():
    assert isin(analysis.Trends, "price_type") == ["blended", "input", "output", "mean_in_out"]
    assert isin(analysis.Trends, "price_source") == list(get_args(vocabulary.PriceSource))
    assert isin(analysis.Trends, "subset") == ["open", "all"]
    assert isin(analysis.Trends, "status") == ["ok", "short_span", "wide_interval", "insufficient", "skipped"]
    assert isin(analysis.Trends, "log_base") == ["10", "e"]
    assert analysis.SCORE_COLUMNS == [f"score_{b}" for b in vocabulary.BENCHMARK_UNITS]


def test_recorded_price_types_are_the_canonical_price_columns():
    columns = [c for c in canonical.Prices.to_schema().columns if c.endswith("_usd_per_mtok")]
    assert columns == [vocabulary.price_column(t) for t in vocabulary.RECORDED_PRICE_TYPES]
    assert set(vocabulary.RECORDED_PRICE_TYPES) < set(vocabulary.PRICE_TYPES)
    assert history.PRICE_COLUMNS == {"blended": "blended_usd_per_mtok", "input": "input_usd_per_mtok",
                                     "output": "output_usd_per_mtok"}
    assert set(vocabulary.AGGREGATE_PROVIDERS) < set(vocabulary.PRICE_SOURCES)


def test_preset_sections_accept_exactly_the_vocabulary():
    from tasks.trends import sections as base  # the preset sections' building blocks (tasks/trends/sections.py)

    adapter = TypeAdapter(base.PriceSource)
    for name in vocabulary.PRICE_SOURCES:
        assert adapter.validate_python(name) == name
    with pytest.raises(ValidationError):
        adapter.validate_python("aa_site")  # a source format, not a price definition
    assert base.PriceType is vocabulary.PriceType and base.Subset is vocabulary.Subset


def test_source_precedence_does_not_reuse_the_price_definitions_name():
    from tasks.data import resolve

    assert not hasattr(resolve, "PRICE_SOURCES")
    assert set(resolve.SOURCES_WITH_PRICES).isdisjoint(vocabulary.PRICE_SOURCES)
