"""From a preset and a cleaned snapshot to the list of trends to fit (one Prefect task each)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tasks.caching import cached_task
from tasks.io import read_parquet
from tasks.presets import Preset
from tasks.trends import AS_PUBLISHED, COMMON_SAMPLE, HALF_OPEN, NO_REASONING, TrendSpec


def _frontier_specs(preset: Preset, common: dict, price_sources: set[str]) -> list[TrendSpec]:
    f, u = preset.frontier, preset.uncertainty
    options = dict(method="frontier", quality_measure=f.quality_measure, band_edges=f.band_edges,
                   min_release_date=f.min_release_date, ci_methods=("ols",), log_base=f.log_base,
                   variant="" if f.band_edges == "closed" else HALF_OPEN,
                   bootstrap_resamples=u.bootstrap_resamples, permutations=u.permutations, seed=u.seed,
                   coverage_simulations=u.coverage_simulations, coverage_resamples=u.coverage_resamples)
    specs, comparison = [], []
    for source in [s for s in f.price_sources if s in price_sources]:
        for price_type in f.price_types:
            for subset in f.subsets:
                for low, high in f.bands:
                    specs.append(TrendSpec(**common, **options, subset=subset, band_low=low, band_high=high,
                                           quantity="price", price_type=price_type, price_source=source))
    for source in [s for s in f.comparison_price_sources if s in price_sources and s not in f.price_sources]:
        comparison += [TrendSpec(**common, **{**options, "coverage_simulations": 0}, subset=subset, band_low=low,
                                 band_high=high, quantity="price", price_type=price_type, price_source=source)
                       for price_type in f.price_types for subset in f.subsets for low, high in f.bands]
    d = preset.decomposition
    if d is not None:
        for quantity in d.quantities:
            per_price = quantity.startswith("price_per_")
            sources = [s for s in d.price_sources if s in price_sources] if per_price else [None]
            for source in sources:
                for subset in d.subsets:
                    for low, high in f.bands:
                        specs.append(TrendSpec(**common, **options, subset=subset, band_low=low, band_high=high,
                                               quantity=quantity, price_type=d.price_type if per_price else None,
                                               price_source=source))
        if u.common_sample and f.band_edges == "closed":
            # ln price = ln active params + ln price per active param, on each band's price-frontier models
            for source in [s for s in d.price_sources if s in price_sources]:
                for subset in d.subsets:
                    for low, high in f.bands:
                        for quantity in ("price", "active_params", "price_per_active_param"):
                            specs.append(TrendSpec(
                                **common, **{**options, "variant": COMMON_SAMPLE, "bootstrap_resamples": 0,
                                             "permutations": 0, "coverage_simulations": 0},
                                subset=subset, band_low=low, band_high=high, quantity=quantity,
                                price_type=d.price_type, price_source=source))
    if u.edge_variant and f.band_edges == "closed":
        specs += [s.model_copy(update={"band_edges": "half_open", "variant": HALF_OPEN, "coverage_simulations": 0})
                  for s in specs if not s.variant]
    return specs + comparison


def _hedonic_specs(preset: Preset, common: dict, price_sources: set[str]) -> list[TrendSpec]:
    h = preset.hedonic
    low, high = h.score_range
    sources = [s for s in [*h.price_sources, *h.comparison_price_sources] if s in price_sources]
    options = dict(ci_methods=tuple(h.ci_methods), log_base=h.log_base, cluster_by=h.cluster_by,
                   wild_bootstrap=h.wild_bootstrap, wild_cluster_below=h.wild_cluster_below,
                   quantiles=tuple(h.quantiles), quantile_bootstrap=h.quantile_bootstrap, seed=h.seed)
    specs = [TrendSpec(**common, **options, method="hedonic", subset=subset, quality_measure=h.quality_measure,
                       band_low=low, band_high=high, quantity="price", price_type=price_type, price_source=source,
                       controls=tuple(controls))
             for source in dict.fromkeys(sources)
             for price_type in h.price_types for subset in h.subsets for controls in h.control_sets]
    if h.no_reasoning:  # the same fits without reasoning models (Epoch AI excludes them)
        specs += [s.model_copy(update={"variant": NO_REASONING, "exclude_reasoning": True}) for s in specs]
    return specs


def _monthly_specs(preset: Preset, common: dict, price_sources: set[str], analysis: pd.DataFrame | None
                   ) -> list[TrendSpec]:
    """a16z's monthly cheapest model above each threshold, on the first price source the preset lists that the
    snapshot has (a16z used one price per model)."""
    from tasks.monthly import price_type_for

    m = preset.monthly_cheapest
    specs = []
    for source in [s for s in m.price_sources if s in price_sources][:1]:
        price_type = price_type_for(analysis, source) if analysis is not None else "mean_in_out"
        for subset in m.subsets:
            for threshold in m.thresholds:
                specs.append(TrendSpec(**common, method="monthly_cheapest", subset=subset,
                                       quality_measure=m.quality_measure, band_low=threshold, band_high=None,
                                       quantity="price", price_type=price_type, price_source=source,
                                       log_base=m.log_base))
    if not specs:  # no price source this preset uses: say so instead of leaving the preset silent
        specs = [TrendSpec(**common, method="monthly_cheapest", subset=subset, quality_measure=m.quality_measure,
                           band_low=threshold, band_high=None, quantity="price", price_type="mean_in_out",
                           skip_note=f"no price from {', '.join(m.price_sources)} in this snapshot")
                 for subset in m.subsets for threshold in m.thresholds]
    return specs


def _threshold_specs(preset: Preset, common: dict, analysis: pd.DataFrame) -> list[TrendSpec]:
    """Epoch AI's thresholds are in the data: one trend per score that was once the best so far, per benchmark, on
    the first price source of the preset's list that the snapshot has. A benchmark that yields no threshold (no
    usable scores, or all below the multiple-choice minimum), or a snapshot with none of the price sources, gives one
    ``skipped`` trend with the reason."""
    from tasks.threshold import find_thresholds, observations, percent_scale

    t = preset.threshold
    present = available_price_sources(analysis)
    source = next((s for s in t.price_sources if s in present), None)
    options = dict(common, method="threshold", subset=t.subset, quantity="price", price_type=t.price_type,
                   price_source=source or t.price_sources[0], band_edges="half_open", ci_methods=("ols",),
                   log_base=t.log_base, exclude_reasoning=t.exclude_reasoning)
    specs = []
    for benchmark in t.benchmarks:
        if source is None:
            specs.append(TrendSpec(**options, quality_measure=benchmark, skip_note=(
                f"no {' or '.join(t.price_sources)} prices in snapshot {common['snapshot']}")))
            continue
        minimum = t.min_threshold if benchmark in t.multiple_choice else None
        obs = observations(analysis, benchmark, source, t.price_type, t.subset, t.exclude_reasoning)
        found = find_thresholds(obs, benchmark, minimum)
        if found.empty:
            why = (f"no {benchmark} score of a priced ({source}) model" if obs.empty else
                   f"every {benchmark} threshold lies below the multiple-choice minimum of {minimum:.0%}")
            specs.append(TrendSpec(**options, quality_measure=benchmark,
                                   skip_note=f"{why} in snapshot {common['snapshot']}: no threshold to follow"))
            continue
        high = 100.0 if percent_scale(benchmark) else None
        specs += [TrendSpec(**options, quality_measure=benchmark, band_low=float(row.band_low), band_high=high,
                            threshold_model=row.name) for row in found.itertuples()]
    return specs


def needed_measures(spec: TrendSpec) -> list[str]:
    return [m for m in (spec.quality_measure, *spec.controls) if m]


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


def plan_trends(preset: Preset, snapshot: str, price_sources: set[str], as_published: bool = False,
                measures: set[str] | None = None, analysis: pd.DataFrame | None = None) -> list[TrendSpec]:
    """Every trend the preset asks for, on the price sources this snapshot has (in the preset's order).

    ``as_published``: the snapshot's data corrections changed something, so every trend that has a published
    counterpart is fitted a second time on the data as published (``variant`` = ``as_published``), to tell
    correction effects from method effects in the published-vs-reproduced comparison.
    """
    common = dict(snapshot=snapshot, preset=preset.name, min_points=preset.min_points, ci_level=preset.ci_level,
                  hardware_factor=preset.hardware_factor_per_year)
    specs: list[TrendSpec] = []
    if preset.frontier is not None:
        specs += _frontier_specs(preset, common, price_sources)
    if preset.hedonic is not None:
        specs += _hedonic_specs(preset, common, price_sources)
    if preset.monthly_cheapest is not None:
        specs += _monthly_specs(preset, common, price_sources, analysis)
    if preset.threshold is not None:
        if analysis is None:
            raise ValueError(f"preset {preset.name}: threshold trends are planned from the data; pass the analysis "
                             "table")
        specs += _threshold_specs(preset, common, analysis)
    if as_published:
        published = [p for p in preset.published if p.snapshot == snapshot]
        specs += [spec.model_copy(update={"variant": AS_PUBLISHED, "coverage_simulations": 0}) for spec in specs
                  if not spec.variant and any(
                      p.matches(spec.method, spec.subset, spec.quantity, spec.price_type, spec.price_source,
                                spec.band_low, spec.band_high, "+".join(spec.controls), spec.quality_measure,
                                spec.threshold_model) for p in published)]
    specs = mark_missing(specs, snapshot, measures)
    ids = [spec.trend_id for spec in specs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"preset {preset.name} plans the same trend twice: {', '.join(duplicates)}")
    return specs


def plan_geomeans(specs: list[TrendSpec]) -> list[TrendSpec]:
    """One ``frontier_geomean`` trend per group of frontier trends that differ only by band (two bands or more),
    when the bootstrap is on (its interval is the point of the row)."""
    groups: dict[tuple, list[TrendSpec]] = {}
    for spec in specs:
        if spec.method == "frontier" and spec.variant != COMMON_SAMPLE and spec.bootstrap_resamples:
            key = (spec.snapshot, spec.subset, spec.quantity, spec.price_type, spec.price_source, spec.variant)
            groups.setdefault(key, []).append(spec)
    out = []
    for members in groups.values():
        if len(members) < 2:
            continue
        first = members[0]
        out.append(first.model_copy(update={
            "method": "frontier_geomean", "band_low": None, "band_high": None, "coverage_simulations": 0,
            "members": tuple(m.trend_id for m in sorted(members, key=lambda m: m.band_low))}))
    return out


def available_price_sources(analysis: pd.DataFrame) -> set[str]:
    return set(analysis["price_source"].dropna().unique())


def available_measures(analysis: pd.DataFrame) -> set[str]:
    """The benchmarks with at least one score in the analysis table."""
    return {c.removeprefix("score_") for c in analysis.columns if c.startswith("score_") and analysis[c].notna().any()}


@cached_task(name="plan", task_run_name="plan-trends")
def plan_task(preset: Preset, snapshot: str, analysis_path: Path, as_published_path: Path | None = None
              ) -> list[TrendSpec]:
    """The trends to fit; ``as_published_path``: the analysis table without corrections (None: not wanted)."""
    analysis = read_parquet(analysis_path)
    differs = as_published_path is not None and not analysis.equals(read_parquet(as_published_path))
    return plan_trends(preset, snapshot, available_price_sources(analysis), as_published=differs,
                       measures=available_measures(analysis), analysis=analysis)
