"""One vocabulary for every output and every schema: the names of price sources, price types, quantities,
benchmarks (quality measures and their units), subsets and statuses in their display order with their labels (each
set of names written once, as a ``typing.Literal`` that preset sections and schemas use), and one formatter for
"x per year" factors and their intervals. The report, the figures, the artifacts and the command line all print
through these, so a number reads the same everywhere.
"""

from __future__ import annotations

import math
from typing import Literal, get_args


def _labelled(kind, labels: dict[str, str]) -> dict[str, str]:
    """``labels`` keyed by exactly the names of the ``Literal`` ``kind``, in its order (checked at import, so the
    names are written once: in the ``Literal``)."""
    if tuple(labels) != get_args(kind):
        raise AssertionError(f"labels {list(labels)} do not match {get_args(kind)}")
    return labels


# price definitions, in the order a report shows them: the first one a snapshot has is its headline price
PriceSource = Literal["lowest_provider", "lowest_reported", "first_observed", "aa_headline", "source_price",
                      "list_price"]
PRICE_SOURCES: dict[str, str] = _labelled(PriceSource, {
    "lowest_provider": "lowest price across real hosting providers (computed from per-provider prices)",
    "lowest_reported": "lowest price across providers, as the source reports it",
    "first_observed": "lowest price across providers when the project's data first observed the model",
    "aa_headline": "Artificial Analysis' headline (list) price",
    "source_price": "the source's own price (provider unspecified)",
    "list_price": "the model's list price, as a monthly price history records it (dated at each month)",
})
# the price definitions a source may give as a named aggregate in a prices row's ``provider`` instead of one
# hosting provider's price (the others are computed by the pipeline)
AggregateProvider = Literal["lowest_reported", "aa_headline", "source_price", "list_price"]
AGGREGATE_PROVIDERS: tuple[str, ...] = get_args(AggregateProvider)

# price types, in display order; a source records the first three (the canonical prices table has a column for each,
# ``price_column``), the pipeline computes ``mean_in_out``
PriceType = Literal["blended", "input", "output", "mean_in_out"]
PRICE_TYPES: dict[str, str] = _labelled(PriceType, {"blended": "blended 3:1", "input": "input", "output": "output",
                                                    "mean_in_out": "mean of input and output"})
RecordedPriceType = Literal["input", "output", "blended"]  # in the canonical prices table's column order
RECORDED_PRICE_TYPES: tuple[str, ...] = get_args(RecordedPriceType)


def price_column(price_type: str) -> str:
    """The column of a recorded price type: ``blended`` -> ``blended_usd_per_mtok`` (USD per million tokens)."""
    return f"{price_type}_usd_per_mtok"


QUANTITIES: dict[str, str] = {
    "price": "lowest blended price",
    "active_params": "fewest active parameters",
    "total_params": "fewest total parameters",
    "price_per_active_param": "price per active parameter",
    "price_per_total_param": "price per total parameter",
    "cost_per_run": "cost of one benchmark run",
    "tokens_per_run": "tokens one run of a benchmark spends",
    "price_per_token": "price per token of a run (its cost / its tokens)",
}

# quality measures (benchmarks) the project knows, with their unit: "fraction" (0..1 inside the pipeline, percent in
# bands and reports) or "points" (kept as reported: Elo ratings, index points); the analysis table's score columns
# follow this order
BenchmarkUnit = Literal["fraction", "points"]
BENCHMARK_UNITS: dict[str, BenchmarkUnit] = {
    "mmlu_pro": "fraction",
    "gpqa_diamond": "fraction",
    "hle": "fraction",
    "livecodebench": "fraction",
    "scicode": "fraction",
    "humaneval": "fraction",
    "math_500": "fraction",
    "aime_2024": "fraction",
    "aime_2025": "fraction",
    "aime": "fraction",  # Epoch AI's one-shot AIME score (the FutureTech 2026 file's oneshot_AIME; years pooled)
    "swe_bench_verified": "fraction",
    "arc_agi_1": "fraction",
    "math_level_5": "fraction",
    "mmlu": "fraction",
    "aa_multilingual_index": "fraction",
    "aa_intelligence_index": "points",
    "arena_elo": "points",
    # the IRT capability scale (tasks/core/irt.py, tasks/data/capability.py): ECI-like points, Claude 3.5 Sonnet = 130,
    # GPT-5 = 150; not a benchmark score of a source, joined into the analysis table by with_capability
    "capability": "points",
}
# display labels of the quality measures (those without one print as their id)
BENCHMARKS: dict[str, str] = {"mmlu_pro": "MMLU-Pro", "mmlu": "MMLU", "gpqa_diamond": "GPQA Diamond",
                              "math_500": "MATH-500", "math_level_5": "MATH level 5", "humaneval": "HumanEval",
                              "arena_elo": "Chatbot Arena Elo", "scicode": "SciCode", "hle": "Humanity's Last Exam",
                              "livecodebench": "LiveCodeBench", "aime_2024": "AIME 2024", "aime_2025": "AIME 2025",
                              "aime": "AIME (Epoch AI, one-shot)", "swe_bench_verified": "SWE-bench Verified",
                              "arc_agi_1": "ARC-AGI-1", "aa_intelligence_index": "AA Intelligence Index",
                              "capability": "capability (IRT)"}

Subset = Literal["open", "all"]
SUBSETS: dict[str, str] = _labelled(Subset, {"open": "open-weights models", "all": "all models (open and proprietary)"})
LogBase = Literal["10", "e"]
LOG_BASES: tuple[str, ...] = get_args(LogBase)
Estimator = Literal["ols", "quantile_0.5", "quantile_0.2"]
ESTIMATORS: tuple[str, ...] = get_args(Estimator)
CiMethod = Literal["ols", "hc3", "cluster", "wild_cluster", "bootstrap"]
CI_METHODS: tuple[str, ...] = get_args(CiMethod)
# ok: an estimate; short_span / wide_interval: an estimate that carries little information (tasks.trends.judge:
# its points span under 12 months / its interval is wider than three orders of magnitude), printed as such (the
# reason named), never bold, and left out of geometric means (a median says how many it left out); insufficient:
# too few points; skipped: the snapshot lacks what the method needs
Status = Literal["ok", "short_span", "wide_interval", "insufficient", "skipped"]
STATUSES: tuple[str, ...] = get_args(Status)
UNINFORMATIVE: tuple[str, ...] = ("short_span", "wide_interval")  # estimated, but carrying little information
ESTIMATED: tuple[str, ...] = ("ok", *UNINFORMATIVE)  # statuses that carry a factor
STATUS_WORDS: dict[str, str] = {"short_span": "short span", "wide_interval": "wide interval"}


def is_uninformative(status) -> bool:
    """An estimate that carries little information (``short_span`` or ``wide_interval``): never bold."""
    return status in UNINFORMATIVE


def status_word(status) -> str:
    """The status as a reader says it: ``short span``, ``wide interval``; others as they are."""
    return STATUS_WORDS.get(status, status)


def order(values, vocabulary) -> list:
    """``values`` in the vocabulary's display order (unknown ones last, in their own order)."""
    known = list(vocabulary)
    return sorted(dict.fromkeys(values), key=lambda v: known.index(v) if v in known else len(known))


def headline_price_source(available) -> str | None:
    """The first price source of the display order that ``available`` holds."""
    return next((s for s in PRICE_SOURCES if s in set(available)), None)


def label(vocabulary: dict[str, str], key) -> str:
    return vocabulary.get(key, str(key))


# The report's and the terminal's text caps a factor: above FACTOR_HIGH it reads "> 1000", below FACTOR_LOW
# "< 0.001" (62,992,014x or an interval end of 13,231,149,111,973,994,496 says only "beyond any sense"). The CSV and
# JSON outputs keep the exact numbers (they never go through these formatters), and so do the figures
# (``capped=False``, ``tasks.reporting.figures``: a log axis shows the scale).
FACTOR_HIGH = 1000.0
FACTOR_LOW = 0.001


def fmt_factor(value, capped: bool = True) -> str:
    """A factor per year: 8.77, 28.5, 119, 1,000 (three significant digits up to 100, whole numbers above); "-" for
    none. ``capped``: "> 1000" above ``FACTOR_HIGH``, "< 0.001" below ``FACTOR_LOW``; else every digit (1,885)."""
    try:
        value = float(value)
    except (TypeError, ValueError):  # None, pandas' NA
        return "-"
    if math.isnan(value):
        return "-"
    if capped and value > FACTOR_HIGH:
        return f"> {FACTOR_HIGH:g}"
    if capped and value < FACTOR_LOW:
        return f"< {FACTOR_LOW:g}"
    if not math.isfinite(value):
        return "inf" if value > 0 else "-inf"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 0.01:
        return f"{value:.2f}"
    return f"{value:.2g}"


def fmt_interval(low, high, capped: bool = True) -> str:
    """``low-high`` with ``fmt_factor``; ``low to high`` where an end is capped ("2.30 to > 1000", "< 0.001 to
    > 1000"); the capped end alone where both are beyond the same cap ("> 1000"); "-" without an interval."""
    low, high = fmt_factor(low, capped), fmt_factor(high, capped)
    if low == "-" or high == "-":
        return "-"
    if low == high and low[0] in "<>":
        return low
    if low[0] in "<>" or high[0] in "<>":
        return f"{low} to {high}"
    return f"{low}-{high}"


# a 90% interval that covers the truth less often than this in simulation is printed as a descriptive *range*
COVERAGE_FLOOR = 0.75


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def is_range(coverage, error=None) -> bool:
    """Is an interval with this simulated ``coverage`` a descriptive *range*? Yes unless the simulation shows it
    covers at least ``COVERAGE_FLOOR``: the coverage less its Monte-Carlo ``error`` (two standard errors; none: 0)
    must reach the floor. An interval is never called one on the strength of simulation noise (step 15: 76% from 400
    simulations was an interval, 65% on the same four records a range). No simulated coverage: not a range."""
    coverage = _number(coverage)
    if not math.isfinite(coverage):
        return False
    error = _number(error)
    return coverage - (error if math.isfinite(error) else 0.0) < COVERAGE_FLOOR


def fmt_coverage(coverage, error=None) -> str:
    """``76% ± 2``: a simulated coverage and its Monte-Carlo error in percentage points (when known)."""
    error = _number(error)
    text = f"{_number(coverage):.0%}"
    return f"{text} ± {max(error * 100, 1):.0f}" if math.isfinite(error) else text


def fmt_factor_with_interval(factor, low, high, unit: str = "x / year", coverage=None, capped: bool = True,
                             coverage_error=None) -> str:
    """``8.77x / year [0.95-81.3]``: the factor, its unit, its interval; ``8.77x / year, range 0.95-81.3 (covers
    58%)`` where the interval's simulated ``coverage`` (with its Monte-Carlo ``coverage_error``) does not reach
    ``COVERAGE_FLOOR`` (``is_range``). ``capped``: as ``fmt_factor``."""
    interval = fmt_interval(low, high, capped)
    text = fmt_factor(factor, capped)
    if interval == "-":
        return f"{text}{unit}"
    if is_range(coverage, coverage_error):
        return f"{text}{unit}, range {interval} (covers {fmt_coverage(coverage, coverage_error)})"
    return f"{text}{unit} [{interval}]"
