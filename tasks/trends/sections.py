"""What every method's preset section is made of: the strict ``Section`` base, the shared ``Literal`` types, the
limits of a preset's numbers and the band check."""

from __future__ import annotations

import os
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationInfo, field_validator

from schemas.canonical import BENCHMARK_UNITS
from tasks.core.vocabulary import LogBase, PriceSource, PriceType, Subset  # noqa: F401  (the one vocabulary)


def known_benchmark(value: str) -> str:
    if value not in BENCHMARK_UNITS:
        raise ValueError(f"unknown benchmark {value!r}; known: {', '.join(BENCHMARK_UNITS)}")
    return value


class Section(BaseModel):
    """A preset section: strict (an unknown field is an error, never a silent default), immutable, and every number
    finite (TOML has ``nan`` and ``inf``: they are errors here, not values that fail mid-run or reach a JSON file)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# --- the limits of a preset's numbers ----------------------------------------------------------------------------
# Resampling counts (bootstrap resamples, permutations, simulations): each at most this many. The bundled presets use
# 200-2,000 (a run's fits take a minute); 100,000 takes about 50 times as long, and the replicates of every trend are
# kept (replicates.parquet), so a mistyped 99999999 would run for hours with memory growing.
MAX_RESAMPLES_ENV = "INFERENCE_TRENDS_MAX_RESAMPLES"
DEFAULT_MAX_RESAMPLES = 100_000


def max_resamples() -> int:
    """The most resamples (or permutations, or simulations) a count may ask for (``INFERENCE_TRENDS_MAX_RESAMPLES``,
    default 100,000)."""
    value = os.environ.get(MAX_RESAMPLES_ENV, "")
    try:
        return int(value) if value.strip() else DEFAULT_MAX_RESAMPLES
    except ValueError:
        raise ValueError(f"{MAX_RESAMPLES_ENV}={value!r} is not a whole number") from None


def within_resample_limit(value: int) -> int:
    limit = max_resamples()
    if value > limit:
        raise ValueError(f"more than the limit of {limit:,} (set {MAX_RESAMPLES_ENV} to raise it)")
    return value


# a count of resamples, permutations or simulations: bounded by ``max_resamples()``
Resamples = Annotated[int, AfterValidator(within_resample_limit)]


def _g(value) -> str:
    return format(value, "g")


def check_band(low: float, high: float | None, benchmark: str | None) -> None:
    """A quality band [low, high] in band units (``tasks.core.bands``: percent for a fraction benchmark, as reported
    for points such as Elo; high None: no upper end, a threshold): low below high, and for percentages
    0 <= low < high <= 100 (a threshold: 0 <= low <= 100). Raises ValueError saying which rule it breaks."""
    if high is not None and not low < high:
        raise ValueError(f"band [{_g(low)}, {_g(high)}] is empty: its low end must be below its high end")
    if benchmark is not None and BENCHMARK_UNITS.get(benchmark) == "fraction" and \
            not (0 <= low <= 100 and (high is None or high <= 100)):
        if high is None:
            raise ValueError(f"threshold {_g(low)} is not within 0-100: {benchmark} is scored in percent here, so "
                             "a threshold needs 0 <= threshold <= 100")
        raise ValueError(f"band [{_g(low)}, {_g(high)}] is not within 0-100: {benchmark} is scored in percent "
                         "here, so a band needs 0 <= low < high <= 100")


class BenchmarkSection(Section):
    """A section whose trends follow one benchmark: ``quality_measure``, a known one."""

    quality_measure: str = "mmlu_pro"

    @field_validator("quality_measure")
    @classmethod
    def _known_benchmark(cls, value: str) -> str:
        return known_benchmark(value)


class BandedSection(BenchmarkSection):
    """A section whose trends follow bands of its benchmark: ``bands``, each checked against the benchmark's units
    (percent for a fraction benchmark: ``check_band``)."""

    bands: list[tuple[float, float | None]]

    @field_validator("bands")
    @classmethod
    def _bands(cls, bands, info: ValidationInfo):
        return check_bands(bands, info)


def check_bands(bands, info: ValidationInfo):
    """A field validator's body for a list of (low, high) bands on the section's ``quality_measure``."""
    for low, high in bands:
        check_band(low, high, info.data.get("quality_measure"))
    return bands
