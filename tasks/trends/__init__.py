"""What every method shares, below the methods: the trend specification (``spec``), the typed result of a fit and
the rule that judges it (``result``), the preset-section building blocks (``sections``), the output tables
(``tables``) and the method plugin type (``method``). The geometric mean across a preset's bands (``geomean``), an
aggregation of frontier fits rather than a method of its own, lives here too.

Every public name of ``spec``, ``result``, ``sections`` and ``tables`` is importable from this package.
"""

from tasks.trends.result import (DIAGNOSTIC_COLUMNS, ESTIMATED, MAX_INTERVAL_RATIO, MIN_SPAN_DAYS, OBSERVED_AT_RELEASE,
                                 REPLICATE_COLUMNS, Checks, Diagnostics, Estimate, Sample, TrendFit, attempt_fit,
                                 hardware_adjusted,
                                 judge, nothing_estimated, points_frame, skipped, uninformative_reason)
from tasks.trends.sections import (DEFAULT_MAX_RESAMPLES, MAX_RESAMPLES_ENV, LogBase, PriceSource, PriceType,
                                   Resamples, Section, Subset, check_band, known_benchmark, max_resamples,
                                   within_resample_limit)
from tasks.trends.spec import AS_PUBLISHED, COMMON_SAMPLE, HALF_OPEN, NO_REASONING, TYPICAL, TrendSpec
from tasks.trends.tables import FLOAT_DIGITS, finalise_points, points_csv, trends_csv

__all__ = [
    "AS_PUBLISHED", "COMMON_SAMPLE", "DEFAULT_MAX_RESAMPLES", "DIAGNOSTIC_COLUMNS", "ESTIMATED", "FLOAT_DIGITS",
    "HALF_OPEN", "MAX_INTERVAL_RATIO", "MAX_RESAMPLES_ENV", "MIN_SPAN_DAYS", "NO_REASONING", "OBSERVED_AT_RELEASE",
    "REPLICATE_COLUMNS", "TYPICAL", "Checks", "Diagnostics", "Estimate", "LogBase", "PriceSource", "PriceType",
    "Resamples", "Sample", "Section", "Subset", "TrendFit", "TrendSpec", "check_band", "finalise_points",
    "attempt_fit", "hardware_adjusted", "judge", "known_benchmark", "max_resamples", "nothing_estimated",
    "points_csv", "points_frame", "skipped", "trends_csv", "uninformative_reason",
    "within_resample_limit",
]
