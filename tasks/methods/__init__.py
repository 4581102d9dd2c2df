"""The estimation methods: one module per method, listed here by name.

A method module declares ``METHOD = Method(...)`` (``tasks.trends.method``): its preset sections (its options, each
a pydantic model), ``plan``, ``fit``, its diagnostics type, its label and what it measures, and optionally the trends
it derives, its report section(s) and its figures (a long report section may live in a sibling module that the
method imports, ``frontier_report.py``: still that one method's files). ``tasks.study.presets`` builds the ``Preset``
model from every method's sections, so a new method's section is valid in a preset TOML without touching any other
file.

Adding a method: one module here, one line in ``METHODS`` below, its section in a preset TOML, and a test.

The code cache (``tasks.platform.caching``) counts this module as a leaf: a method's fits are keyed by its own
module's code, not by every method listed here.
"""

from __future__ import annotations

from tasks.methods import benchmark_cost, frontier, hedonic, monthly, theil_sen, threshold
from tasks.trends.method import Method
from tasks.trends.sections import Section
from tasks.trends.spec import TrendSpec

# in the order the report presents them
METHODS: tuple[Method, ...] = (
    frontier.METHOD,
    hedonic.METHOD,
    threshold.METHOD,
    monthly.METHOD,
    benchmark_cost.METHOD,
    theil_sen.METHOD,
)


def registry() -> dict[str, Method]:
    """Method name -> its ``Method``, in the order of ``METHODS``."""
    return {m.name: m for m in METHODS}


def method(name: str) -> Method:
    """The method whose trends have ``method = name`` (a derived name gives the method that derives it)."""
    for found in METHODS:
        if name in found.names():
            return found
    raise ValueError(f"unknown method {name!r}; known: {', '.join(m.name for m in METHODS)}")


def by_row_name() -> dict[str, Method]:
    """Every value of the ``method`` column -> the method whose trends have it (a derived name: the method that
    derives it)."""
    return {name: found for found in METHODS for name in found.names()}


def spec_from_json(text: str) -> TrendSpec:
    """A planned trend read back (the index's ``spec`` column), as the type its method declares."""
    import json

    name = json.loads(text)["method"]
    return method(name).spec_type(name).model_validate_json(text)


def diagnostic_columns() -> list[str]:
    """The columns of ``diagnostics.csv``: ``trend_id``, what every fit may report (``Diagnostics``), then each
    method's own fields (its ``Method.diagnostics``), in the registry's order, each name once."""
    import dataclasses

    from tasks.trends import DIAGNOSTIC_COLUMNS

    return list(dict.fromkeys([*DIAGNOSTIC_COLUMNS, *(f.name for found in METHODS
                                                      for f in dataclasses.fields(found.diagnostics))]))


def sections() -> dict[str, type[Section]]:
    """Every preset section of every method: TOML table name -> pydantic model."""
    out: dict[str, type[Section]] = {}
    for found in METHODS:
        for name, model in found.sections.items():
            if name in out and out[name] is not model:
                raise ValueError(f"preset section [{name}] is declared by two methods")
            out[name] = model
    return out


def all_method_names() -> list[str]:
    """Every value the ``method`` column can take (methods and the trends they derive)."""
    return [name for found in METHODS for name in found.names()]


def quantities() -> list[str]:
    """Every quantity a trend can follow: the shared vocabulary's, and those a method declares."""
    from tasks.core.vocabulary import QUANTITIES

    names = list(QUANTITIES)
    for found in METHODS:
        names += [q for q in found.quantities if q not in names]
    return names


def estimators() -> list[str]:
    """Every value the ``estimator`` column can take: the vocabulary's, and those a method declares."""
    from tasks.core.vocabulary import ESTIMATORS

    return list(dict.fromkeys([*ESTIMATORS, *(e for found in METHODS for e in found.estimators)]))


def ci_methods() -> list[str]:
    """Every value the ``ci_method`` column can take: the vocabulary's, and those a method declares."""
    from tasks.core.vocabulary import CI_METHODS

    return list(dict.fromkeys([*CI_METHODS, *(c for found in METHODS for c in found.ci_methods)]))
