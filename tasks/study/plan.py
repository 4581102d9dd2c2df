"""From a preset and a cleaned snapshot to the trends one method fits (``plan_method``).

Each method plans its own trends (``module.plan``); what every method shares is done here: the trends that have
a published counterpart are planned a second time on the data as published (``variant = as_published``) when the
snapshot's documented corrections changed anything, a trend whose benchmark is absent from the snapshot is
``skipped`` with a note (never estimated on whatever is left), and no trend is planned twice.
"""

from __future__ import annotations

import pandas as pd
from pandera.typing import DataFrame

from schemas.canonical import BENCHMARK_UNITS
from schemas.analysis import AnalysisTable
from tasks.methods import registry
from tasks.trends import AS_PUBLISHED, TrendSpec


def available_price_sources(analysis: DataFrame[AnalysisTable]) -> set[str]:
    return set(analysis["price_source"].dropna().unique())


def available_measures(analysis: DataFrame[AnalysisTable]) -> set[str]:
    """The benchmarks with at least one score in the analysis table."""
    return {c.removeprefix("score_") for c in analysis.columns if c.startswith("score_") and analysis[c].notna().any()}


def needed_measures(spec: TrendSpec) -> list[str]:
    """The benchmarks a trend needs scores of: its quality measure and its benchmark controls (a derived control
    such as ``logit_score``, a transform of the quality measure, needs nothing more)."""
    return [m for m in (spec.quality_measure, *spec.controls) if m and (m == spec.quality_measure
                                                                         or m in BENCHMARK_UNITS)]


def mark_missing(specs: list[TrendSpec], snapshot: str, measures: set[str] | None) -> list[TrendSpec]:
    """Trends whose quality measure or controls have no value at all in the snapshot are skipped with a note:
    an estimate must never silently change because a source stopped reporting a column."""
    if measures is None:
        return specs
    out = []
    for spec in specs:
        missing = [m for m in dict.fromkeys(needed_measures(spec)) if m not in measures]
        if missing:
            lookalike = [f"{m}_pro" for m in missing if f"{m}_pro" in measures]
            why = (f" ({' / '.join(lookalike)} is there, and is a different benchmark)" if lookalike else
                   " (its sources report none, or a source stopped reporting it: see the data-drift warnings)")
            spec = spec.model_copy(update={"skip_note": (
                f"no {' or '.join(missing)} scores in snapshot {snapshot}{why}; skipped rather than estimated on "
                "other data")})
        out.append(spec)
    return out


def with_as_published(specs: list[TrendSpec], preset, snapshot: str) -> list[TrendSpec]:
    """The trends that have a published counterpart, once more on the data as published and by the published
    method: every model with its own record, even where two share one set of weights (``one_per_weights`` off)."""
    published = [p for p in preset.published if p.snapshot == snapshot]
    # the published method's options where a method has them: no simulated coverage, every model its own record
    return specs + [spec.updated(variant=AS_PUBLISHED, coverage_simulations=0, one_per_weights=False) for spec in specs
                    if not spec.variant and any(
                        p.matches(spec.method, spec.subset, spec.quantity, spec.price_type, spec.price_source,
                                  spec.band_low, spec.band_high, "+".join(spec.controls), spec.quality_measure,
                                  spec.threshold_model) for p in published)]


def plan_method(preset, method: str, snapshot: str, analysis: DataFrame[AnalysisTable] | None = None,
                as_published: pd.DataFrame | None = None, price_sources: set[str] | None = None,
                measures: set[str] | None = None) -> list[TrendSpec]:
    """Every trend ``method`` fits for ``preset`` on this snapshot.

    ``as_published``: the analysis table without the project's corrections, when the preset has published values
    for this snapshot. ``price_sources`` and ``measures`` default to what the analysis table holds (without a table,
    planning needs ``price_sources``; methods whose plan reads the data, such as Epoch's thresholds, need it)."""
    if price_sources is None:
        price_sources = available_price_sources(analysis) if analysis is not None else set()
    if measures is None and analysis is not None:
        measures = available_measures(analysis)
    common = dict(snapshot=snapshot, preset=preset.name, min_points=preset.min_points, ci_level=preset.ci_level,
                  hardware_factor=preset.hardware_factor_per_year)
    specs = registry()[method].plan(preset, snapshot, analysis, common, set(price_sources))
    if as_published is not None and analysis is not None and not analysis.equals(as_published):
        specs = with_as_published(specs, preset, snapshot)
    specs = mark_missing(specs, snapshot, measures)
    ids = [spec.trend_id for spec in specs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"preset {preset.name} plans the same trend twice: {', '.join(duplicates)}")
    return specs


def plan_trends(preset, snapshot: str, price_sources: set[str] | None = None, as_published: pd.DataFrame | None = None,
                measures: set[str] | None = None, analysis: DataFrame[AnalysisTable] | None = None) -> list[TrendSpec]:
    """Every trend of every method of the preset (in the registry's order)."""
    return [spec for method in preset.methods()
            for spec in plan_method(preset, method, snapshot, analysis, as_published, price_sources, measures)]
