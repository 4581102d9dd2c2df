"""The method plugin: everything a method declares, in one object (``METHOD = Method(...)`` in its module).

``tasks.methods`` lists the methods by name (an import list a reader and an IDE can follow); the fit stage calls
``METHOD.fit``, the presets are built from every method's ``sections``, and the report and the figure plan ask each
method for its own section (``section``) and its figures (``figures``, drawn by ``draw``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Generic, Mapping, TypeVar

import pandas as pd
from pandera.typing import DataFrame

from schemas.analysis import AnalysisTable

from tasks.trends.result import Diagnostics, TrendFit
from tasks.trends.sections import Section
from tasks.trends.spec import TrendSpec

SectionT = TypeVar("SectionT", bound=Section)
DiagnosticsT = TypeVar("DiagnosticsT")

# plan(preset, snapshot, analysis, common, price_sources) -> the trends the preset asks of this snapshot
PlanFn = Callable[[Any, str, DataFrame[AnalysisTable], dict, set[str]], list[TrendSpec]]
# fit(analysis, spec, context) -> one trend, pure (the analysis table in, a typed result out)
FitFn = Callable[[DataFrame[AnalysisTable], TrendSpec, dict | None], TrendFit]
# section(doc, inputs, snapshot): the method's part of the report's details for one snapshot
SectionFn = Callable[[Any, Any, str], None]
# figures(rows, points, analysis, common, extra) -> [(job fields, data frames)]: the method's figures of one
# snapshot (``extra``: other frames a figure may need, {"runs": the cleaned benchmark runs or None})
FiguresFn = Callable[[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict, dict], list[tuple[dict, dict]]]
# compare(rows) -> which of the method's rows the methods comparison shows (a boolean mask)
CompareFn = Callable[[pd.DataFrame], pd.Series]


# the places of a method's report sections in a snapshot's details (``Method.section_place``, ``more_sections``)
FIRST = 0  # the first tables (frontier, hedonic, threshold, monthly)
AFTER = 1  # after every first table (the frontier's decomposition, benchmark cost's figures, a new method's section)


def every_row(rows: pd.DataFrame) -> pd.Series:
    """The methods comparison shows every main price row of the method."""
    return pd.Series(True, index=rows.index)


def main_estimates(rows: pd.DataFrame) -> pd.Series:
    """The table of every estimate shows a method's price estimates that ran: no sensitivity variant but the
    typical-model rows (``Method.overview``'s default)."""
    return ((rows["variant"].isna() | (rows["variant"] == "typical")) & (rows["status"] != "skipped")
            & (rows["quantity"] == "price"))


@dataclass(frozen=True)
class AnswerRow:
    """A row of the answer's table (one cell per price definition) that a method supplies.

    ``rows(here)``: from the main rows of the answer's snapshot, the row(s) of this answer (the first per price
    source counts); ``kind`` and ``what``: its entries in ``headline.json``; ``label``: the row's name in the report,
    ``title``: in the terminal; ``place``: the answer orders its rows by place (then by the registry's order);
    ``differs``: in one line, why it differs from a primary estimate of another row (selection, composition);
    ``extra(inputs, row)``: more fields of its ``headline.json`` entry (the record lows: what the selection alone
    gives, ``selection_alone``, and whether it explains the estimate, ``selection_explains``).
    """

    kind: str
    what: str
    label: str
    title: str
    rows: Callable[[pd.DataFrame], pd.DataFrame]
    place: int
    differs: str = ""
    extra: Callable[[Any, Any], dict] | None = None
    # the row's name for one of its headline.json entries, when it depends on the entry (the hedonic row names its
    # quality measure and range: MMLU-Pro 40-70, capability 120-155); None: ``label``
    label_of: Callable[[dict], str] | None = None


@dataclass(frozen=True)
class AnswerNote:
    """A line of the answer below its table that a method supplies (the cost of a benchmark run, the thresholds'
    median).

    ``entries(inputs, main)``: its entries in ``headline.json`` (``main``: every snapshot's main rows), each with
    ``kind``; ``lines(entries)``: the answer's bullet(s) from them, or ``missing`` when there are none (None: no
    line); ``title``: its heading in the terminal (None: not shown there; an entry's ``what`` names it);
    ``alone``: it answers even when no snapshot has an estimate for the table; ``place``: the order of the notes.
    """

    kind: str
    entries: Callable[[Any, pd.DataFrame], list[dict]]
    lines: Callable[[list[dict]], list[str]]
    place: int
    missing: str | None = None
    title: str | None = None
    alone: bool = False


@dataclass(frozen=True)
class RowGroup:
    """A group of rows in the summary figure (every trend of a snapshot) that a method supplies: its heading, which
    of the method's rows it holds (a mask), its place among every method's groups, and the colour of its intervals.
    A method without groups gets one, under its label, after every declared group."""

    title: str
    select: Callable[[pd.DataFrame], pd.Series]
    place: int
    colour: str = "#1b6ca8"


@dataclass(frozen=True)
class Method(Generic[SectionT, DiagnosticsT]):
    """One estimation method, as the rest of the pipeline sees it.

    - ``name``: the ``method`` column of its trends; ``derived``: the method names of the trends it derives from its
      own (the frontier's geometric means), by ``derive(fits)``;
    - ``sections``: its preset sections, TOML table -> pydantic model (its options: ``options`` is the main one,
      ``[name]`` unless ``main_section`` says otherwise); the preset runs the method when it has that section;
    - ``plan`` and ``fit`` (pure); ``context``: the shared files its fits read (``"creators"``, ``"runs"``, ...),
      part of its cache key; ``quantities``, ``estimators`` and ``ci_methods``: the quantities, estimators and
      interval methods it adds to the vocabulary's;
    - ``diagnostics``: the type of what its fits report about themselves besides their estimates; ``spec``: the
      type of its trends (``TrendSpec`` and its own fitting options; ``derived_spec``: of the trends it derives);
    - ``label`` and ``what``: its name for a reader and the one paragraph of what it measures; ``reference``: the
      published figure it is set beside, in words, and ``reference_ranges`` as numbers ((low, high, label), x / year)
      for the methods figure;
    - ``compare``: which of its main price rows the methods comparison shows (None: it is not compared);
    - ``section``, ``figures`` and ``draw``: its part of the report's details on one snapshot, its figure jobs and
      how to draw them (None: it has none); ``interactive(fields, frames, analysis)``: the Plotly version of one
      of its figure jobs (hover, zoom, log axes), None for a job that has none (``tasks.reporting.interactive``);
    - ``section_place`` and ``more_sections``: where its section goes, and further parts of its details with their
      places, ``((place, section), ...)``. The report writes each snapshot's details place by place (``FIRST``,
      then ``AFTER``), each place in the registry's order: the first tables of the four original methods come
      first, then the frontier's decomposition, benchmark cost's figures and a new method's section (``AFTER``,
      the default);
    - ``answer_rows`` and ``answer_notes``: what it contributes to the answer (the report's first screen and
      ``headline.json``); a method with answer rows is one the answer is drawn from;
    - ``overview``: which of its main rows the table of every estimate shows (a mask); ``vintage``: which of its
      main price rows the vintage comparison sets side by side across snapshots (None: none);
    - ``definitions``: bullets it adds to the report's definitions;
    - how its rows read anywhere (the report's tables and the cross-method figures ask it; None: the generic form
      from the row's benchmark and band): ``scope(row)``, what a trend follows in the report's tables;
      ``figure_scope(row)``, the same in a figure's label; ``details(row)``, more that tells its rows apart in a
      figure label (the hedonic regression's controls); ``coverage(inputs, row)``, the simulated coverage behind a
      row's interval as (lowest, highest, the words before it: "covers", or "its bands' intervals cover" for a
      geometric mean). ``scope`` and ``coverage`` get a row as a pandas Series (``row["band_low"]``);
      ``figure_scope``, ``details`` and ``vintage_label`` an ``itertuples`` row (``row.band_low``: a Series works
      too); ``summary_groups``, its groups in the summary
      figure; ``redoes_selection``: its bootstrap redoes the selection (the summary figure draws that interval
      beside the OLS one); ``vintage_figure`` and ``vintage_label``: which of its main price rows the vintage
      figure draws and how each row is named there (None: it is not drawn).
    """

    name: str
    sections: Mapping[str, type[Section]]
    plan: PlanFn
    fit: FitFn
    label: str
    what: str
    reference: str = ""
    reference_ranges: tuple[tuple[float, float, str], ...] = ()
    compare: CompareFn | None = None
    derived: tuple[str, ...] = ()
    derive: Callable[[list[TrendFit]], list[TrendFit]] | None = None
    context: tuple[str, ...] = ()
    quantities: tuple[str, ...] = ()
    estimators: tuple[str, ...] = ()
    ci_methods: tuple[str, ...] = ()
    diagnostics: type = Diagnostics
    spec: type[TrendSpec] = TrendSpec
    derived_spec: type[TrendSpec] | None = None
    main_section: str | None = None
    section: SectionFn | None = None
    figures: FiguresFn | None = None
    draw: Callable[[dict, dict], Any] | None = None
    interactive: Callable[[dict, dict, pd.DataFrame], Any] | None = None
    section_place: int = 1
    more_sections: tuple[tuple[int, SectionFn], ...] = ()
    answer_rows: tuple[AnswerRow, ...] = ()
    answer_notes: tuple[AnswerNote, ...] = ()
    overview: Callable[[pd.DataFrame], pd.Series] = main_estimates
    vintage: Callable[[pd.DataFrame], pd.Series] | None = None
    definitions: tuple[str, ...] = ()
    scope: Callable[[Any], str] | None = None
    figure_scope: Callable[[Any], str] | None = None
    details: Callable[[Any], list[str]] | None = None
    coverage: Callable[[Any, Any], tuple[float | None, float | None, str]] | None = None
    summary_groups: tuple[RowGroup, ...] = ()
    redoes_selection: bool = False
    vintage_figure: Callable[[pd.DataFrame], pd.Series] | None = None
    vintage_label: Callable[[Any], str] | None = None

    @property
    def options(self) -> type[Section]:
        """The model of its main preset section."""
        return self.sections[self.main_section or self.name]

    @property
    def module(self) -> str:
        """The module that defines it (its code keys the cache of its fits)."""
        return self.fit.__module__

    def report_sections(self) -> list[tuple[int, SectionFn]]:
        """Its parts of a snapshot's details with their places: ``section`` at ``section_place``, then
        ``more_sections``."""
        return ([(self.section_place, self.section)] if self.section is not None else []) + list(self.more_sections)

    def spec_type(self, name: str) -> type[TrendSpec]:
        """The type of its trends whose ``method`` is ``name`` (its own, or a derived one)."""
        return self.spec if name == self.name else (self.derived_spec or TrendSpec)

    def names(self) -> tuple[str, ...]:
        """Every value its trends' ``method`` column takes."""
        return (self.name, *self.derived)
