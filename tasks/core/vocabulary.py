"""One vocabulary for every output: the names of price sources, price types, quantities and benchmarks in their
display order with their labels, and one formatter for "x per year" factors and their intervals. The report, the
figures, the artifacts and the command line all print through these, so a number reads the same everywhere.
"""

from __future__ import annotations

import math

# price definitions, in the order a report shows them: the first one a snapshot has is its headline price
PRICE_SOURCES: dict[str, str] = {
    "lowest_provider": "lowest price across real hosting providers (computed from per-provider prices)",
    "lowest_reported": "lowest price across providers, as the source reports it",
    "first_observed": "lowest price across providers when the project's data first observed the model",
    "aa_headline": "Artificial Analysis' headline (list) price",
    "source_price": "the source's own price (provider unspecified)",
    "list_price": "the model's list price, as a monthly price history records it (dated at each month)",
}
PRICE_TYPES: dict[str, str] = {"blended": "blended 3:1", "input": "input", "output": "output",
                               "mean_in_out": "mean of input and output"}
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
BENCHMARKS: dict[str, str] = {"mmlu_pro": "MMLU-Pro", "mmlu": "MMLU", "gpqa_diamond": "GPQA Diamond",
                              "math_500": "MATH-500", "math_level_5": "MATH level 5", "humaneval": "HumanEval",
                              "arena_elo": "Chatbot Arena Elo", "scicode": "SciCode", "hle": "Humanity's Last Exam",
                              "livecodebench": "LiveCodeBench", "aime_2024": "AIME 2024", "aime_2025": "AIME 2025",
                              "aime": "AIME (Epoch AI, one-shot)", "swe_bench_verified": "SWE-bench Verified",
                              "arc_agi_1": "ARC-AGI-1", "aa_intelligence_index": "AA Intelligence Index"}
SUBSETS: dict[str, str] = {"open": "open-weights models", "all": "all models (open and proprietary)"}
STATUSES = ("ok", "insufficient", "skipped")


def order(values, vocabulary) -> list:
    """``values`` in the vocabulary's display order (unknown ones last, in their own order)."""
    known = list(vocabulary)
    return sorted(dict.fromkeys(values), key=lambda v: known.index(v) if v in known else len(known))


def headline_price_source(available) -> str | None:
    """The first price source of the display order that ``available`` holds."""
    return next((s for s in PRICE_SOURCES if s in set(available)), None)


def label(vocabulary: dict[str, str], key) -> str:
    return vocabulary.get(key, str(key))


def fmt_factor(value) -> str:
    """A factor per year: 8.77, 28.5, 119, 1,885 (three significant digits up to 100, whole numbers above); "-" for
    none."""
    try:
        value = float(value)
    except (TypeError, ValueError):  # None, pandas' NA
        return "-"
    if not math.isfinite(value):
        return "-" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 0.01:
        return f"{value:.2f}"
    return f"{value:.2g}"


def fmt_interval(low, high) -> str:
    """``low-high`` with ``fmt_factor``; "-" without an interval."""
    if fmt_factor(low) == "-" or fmt_factor(high) == "-":
        return "-"
    return f"{fmt_factor(low)}-{fmt_factor(high)}"


# a 90% interval that covers the truth less often than this in simulation is printed as a descriptive *range*
COVERAGE_FLOOR = 0.75


def fmt_factor_with_interval(factor, low, high, unit: str = "x / year", coverage=None) -> str:
    """``8.77x / year [0.95-81.3]``: the factor, its unit, its interval; ``8.77x / year, range 0.95-81.3 (covers
    58%)`` where the interval's simulated ``coverage`` is below ``COVERAGE_FLOOR``."""
    interval = fmt_interval(low, high)
    if interval == "-":
        return f"{fmt_factor(factor)}{unit}"
    try:
        coverage = float(coverage)
    except (TypeError, ValueError):
        coverage = math.nan
    if math.isfinite(coverage) and coverage < COVERAGE_FLOOR:
        return f"{fmt_factor(factor)}{unit}, range {interval} (covers {coverage:.0%})"
    return f"{fmt_factor(factor)}{unit} [{interval}]"
