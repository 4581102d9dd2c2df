"""From a preset and a cleaned snapshot to the list of trends to fit (one Prefect task each)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tasks.caching import cached_task
from tasks.io import read_parquet
from tasks.presets import Preset
from tasks.trends import TrendSpec


def plan_trends(preset: Preset, snapshot: str, price_sources: set[str]) -> list[TrendSpec]:
    """Every trend the preset asks for, on the price sources this snapshot has (in the preset's order)."""
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
    ids = [spec.trend_id for spec in specs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"preset {preset.name} plans the same trend twice: {', '.join(duplicates)}")
    return specs


def available_price_sources(analysis: pd.DataFrame) -> set[str]:
    return set(analysis["price_source"].dropna().unique())


@cached_task(name="plan", task_run_name="plan-trends")
def plan_task(preset: Preset, snapshot: str, analysis_path: Path) -> list[TrendSpec]:
    return plan_trends(preset, snapshot, available_price_sources(read_parquet(analysis_path)))
