"""The trend specification: what one trend is and how to fit it.

A ``TrendSpec`` says what one trend is (the identifying columns of ``trends.csv``, snapshot .. variant) and how to
fit it (minimum points, interval level, ...). Its ``trend_id`` is readable and deterministic: the method, subset,
band, quantity, price type and source, controls and variant, then 8 hex digits of a hash of every identifying
column, so the same trend keeps the same id across runs and two trends never share one.
"""

from __future__ import annotations

import hashlib
import json
from pydantic import BaseModel, ConfigDict

from schemas.analysis import TREND_ID_COLUMNS
from tasks.data.parsing import slugify

# variants: sensitivity versions of a preset's main trends (empty variant)
HALF_OPEN = "half_open_bands"  # [lo, hi) instead of the study's closed bands
COMMON_SAMPLE = "price_frontier_sample"  # decomposition on the models of the band's price frontier
AS_PUBLISHED = "as_published"  # on the data without the project's documented corrections
NO_REASONING = "no_reasoning"  # fits without the models flagged as reasoning models (as Epoch AI)
TYPICAL = "typical"  # a frontier band's OLS over every model of the band: the typical model beside the cheapest


class TrendSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # identifying columns (snapshot .. variant)
    snapshot: str
    preset: str
    method: str
    subset: str
    quality_measure: str | None = None
    band_low: float | None = None
    band_high: float | None = None
    threshold_model: str | None = None
    quantity: str = "price"
    price_type: str | None = None
    price_source: str | None = None
    controls: tuple[str, ...] = ()
    variant: str = ""
    # how to fit, as every method may (not part of the id; recorded in the manifest's config). A method's own options
    # are fields of its subclass (``Method.spec``: ``FrontierSpec``, ``HedonicSpec``, ``BenchmarkCostSpec``, ...)
    band_edges: str = "closed"
    min_points: int = 4
    ci_level: float = 0.9
    ci_methods: tuple[str, ...] = ("ols",)
    log_base: str = "10"
    # resampling checks (tasks/core/uncertainty.py): the bootstrap and the permutation null, and their seed
    bootstrap_resamples: int = 0
    permutations: int = 0
    seed: int = 0
    # set by the plan when the snapshot lacks what the trend needs (a benchmark column gone missing): the trend is
    # reported as ``skipped`` with this note instead of being estimated on whatever is left
    skip_note: str | None = None
    # leave out models flagged as reasoning models: threshold trends (Epoch AI; thresholds and points alike), and
    # the variant no_reasoning
    exclude_reasoning: bool = False
    # hardware price-performance gain per year (preset); price trends report factor / this as hardware_adjusted_factor
    hardware_factor: float | None = None

    def updated(self, **changes) -> TrendSpec:
        """A copy with ``changes`` applied where this kind of trend has the field (a generic variant, such as the
        published method, sets a method's own option only on the methods that have it)."""
        return self.model_copy(update={k: v for k, v in changes.items() if k in type(self).model_fields})

    def identity(self) -> dict:
        values = self.model_dump(mode="json")
        values["controls"] = "+".join(self.controls) or None
        values["variant"] = self.variant or None
        return {column: values[column] for column in TREND_ID_COLUMNS}

    @property
    def trend_id(self) -> str:
        digest = hashlib.sha256(json.dumps(self.identity(), sort_keys=True).encode()).hexdigest()[:8]
        parts = [self.method, self.subset]
        if self.quality_measure:
            band = "_".join(_number(v) for v in (self.band_low, self.band_high) if v is not None)
            parts.append(f"{self.quality_measure}_{band}" if band else self.quality_measure)
        if self.threshold_model:
            parts.append(slugify(self.threshold_model))  # a model's name: 'GPT-4 Turbo' -> gpt-4-turbo
        parts.append(self.quantity)
        parts.extend(p for p in (self.price_type, self.price_source) if p)
        if self.controls:
            parts.append("ctrl_" + "+".join(self.controls))
        if self.variant:
            parts.append(self.variant)
        parts.append(digest)
        return "-".join(parts)


def _number(value: float) -> str:
    return format(value, "g").replace(".", "p")

