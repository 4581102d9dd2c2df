"""From a preset and a cleaned snapshot to the list of trends to fit (one Prefect task each)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tasks.caching import cached_task
from tasks.io import read_parquet
from tasks.presets import Preset
from tasks.trends import TrendSpec


def plan_trends(preset: Preset, snapshot: str, price_sources: set[str], as_published: bool = False
                ) -> list[TrendSpec]:
    """Every trend the preset asks for, on the price sources this snapshot has (in the preset's order).

    ``as_published``: the snapshot's data corrections changed something, so every trend that has a published
    counterpart is fitted a second time on the data as published (``variant`` = ``as_published``), to tell
    correction effects from method effects in the published-vs-reproduced comparison.
    """
    specs: list[TrendSpec] = []
    common = dict(snapshot=snapshot, preset=preset.name, min_points=preset.min_points, ci_level=preset.ci_level)
    if preset.frontier is not None:
        f = preset.frontier
        sources = [s for s in f.price_sources if s in price_sources]
        for source in sources:
            for price_type in f.price_types:
                for subset in f.subsets:
                    for low, high in f.bands:
                        specs.append(TrendSpec(
                            **common, method="frontier", subset=subset, quality_measure=f.quality_measure,
                            band_low=low, band_high=high, quantity="price", price_type=price_type,
                            price_source=source, band_edges=f.band_edges, min_release_date=f.min_release_date,
                            ci_methods=("ols",), log_base=f.log_base,
                            variant="" if f.band_edges == "closed" else "half_open_bands",
                        ))
    if preset.decomposition is not None:
        f, d = preset.frontier, preset.decomposition
        frontier_options = dict(band_edges=f.band_edges, min_release_date=f.min_release_date, ci_methods=("ols",),
                                log_base=f.log_base, variant="" if f.band_edges == "closed" else "half_open_bands")
        for quantity in d.quantities:
            per_price = quantity.startswith("price_per_")
            sources = [s for s in d.price_sources if s in price_sources] if per_price else [None]
            for source in sources:
                for subset in d.subsets:
                    for low, high in f.bands:
                        specs.append(TrendSpec(
                            **common, method="frontier", subset=subset, quality_measure=f.quality_measure,
                            band_low=low, band_high=high, quantity=quantity,
                            price_type=d.price_type if per_price else None, price_source=source,
                            **frontier_options,
                        ))
    if preset.hedonic is not None:
        h = preset.hedonic
        sources = [s for s in h.price_sources if s in price_sources]
        low, high = h.score_range
        for source in sources:
            for price_type in h.price_types:
                for subset in h.subsets:
                    for controls in h.control_sets:
                        specs.append(TrendSpec(
                            **common, method="hedonic", subset=subset, quality_measure=h.quality_measure,
                            band_low=low, band_high=high, quantity="price", price_type=price_type,
                            price_source=source, controls=tuple(controls), ci_methods=tuple(h.ci_methods),
                            log_base=h.log_base,
                        ))
    if as_published:
        published = [p for p in preset.published if p.snapshot == snapshot]
        specs += [spec.model_copy(update={"variant": "as_published"}) for spec in specs if not spec.variant and any(
            p.matches(spec.method, spec.subset, spec.quantity, spec.price_type, spec.price_source, spec.band_low,
                      spec.band_high, "+".join(spec.controls)) for p in published)]
    ids = [spec.trend_id for spec in specs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"preset {preset.name} plans the same trend twice: {', '.join(duplicates)}")
    return specs


def available_price_sources(analysis: pd.DataFrame) -> set[str]:
    return set(analysis["price_source"].dropna().unique())


@cached_task(name="plan", task_run_name="plan-trends")
def plan_task(preset: Preset, snapshot: str, analysis_path: Path, as_published_path: Path | None = None
              ) -> list[TrendSpec]:
    """The trends to fit; ``as_published_path``: the analysis table without corrections (None: not wanted)."""
    analysis = read_parquet(analysis_path)
    differs = as_published_path is not None and not analysis.equals(read_parquet(as_published_path))
    return plan_trends(preset, snapshot, available_price_sources(analysis), as_published=differs)
