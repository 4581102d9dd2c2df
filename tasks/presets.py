"""Presets: a published method's choices, as data (``presets/*.toml``), and the trend plan they imply.

A preset names the method(s), bands, subsets, price definitions, minimum points and interval level. ``--preset``
takes a bundled preset's name or the path of a user's own TOML file with the same fields; unknown fields are
errors (a typo must not silently fall back to a default).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.canonical import BENCHMARK_UNITS
from tasks.settings import presets_dir

Subset = Literal["open", "all"]
PriceType = Literal["blended", "input", "output", "mean_in_out"]
PriceSource = Literal["lowest_reported", "lowest_provider", "aa_headline", "source_price"]
LogBase = Literal["10", "e"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FrontierPreset(_Strict):
    """Record-low frontier per quality band (the FutureTech "Method 1")."""

    quality_measure: str = "mmlu_pro"
    bands: list[tuple[float, float | None]]
    band_edges: Literal["closed", "half_open"] = "closed"
    min_release_date: dt.date | None = None
    subsets: list[Subset] = ["open", "all"]
    price_types: list[PriceType] = ["blended"]
    price_sources: list[PriceSource] = ["lowest_reported", "lowest_provider"]
    # fitted too, for comparison (vintage table), without the half-open variant and the coverage simulation
    comparison_price_sources: list[PriceSource] = []
    log_base: LogBase = "10"

    @field_validator("quality_measure")
    @classmethod
    def _known_benchmark(cls, value: str) -> str:
        if value not in BENCHMARK_UNITS:
            raise ValueError(f"unknown benchmark {value!r}; known: {', '.join(BENCHMARK_UNITS)}")
        return value

    @field_validator("bands")
    @classmethod
    def _ordered_bands(cls, bands):
        for low, high in bands:
            if high is not None and high <= low:
                raise ValueError(f"band [{low}, {high}] is empty")
        return bands


class HedonicPreset(_Strict):
    """ln(price) ~ release day + quality controls over every model in a score range (the FutureTech "Method 2")."""

    quality_measure: str = "mmlu_pro"
    score_range: tuple[float, float]
    subsets: list[Subset] = ["open"]
    control_sets: list[list[str]] = [["mmlu_pro"]]
    price_types: list[PriceType] = ["input", "output", "blended"]
    price_sources: list[PriceSource] = ["lowest_reported", "lowest_provider"]
    comparison_price_sources: list[PriceSource] = []
    ci_methods: list[Literal["ols", "hc3"]] = ["ols", "hc3"]
    log_base: LogBase = "e"

    @model_validator(mode="after")
    def _known_controls(self):
        for controls in self.control_sets:
            for control in controls:
                if control not in BENCHMARK_UNITS:
                    raise ValueError(f"unknown control benchmark {control!r}")
        return self


class DecompositionPreset(_Strict):
    """The frontier method (the preset's bands, start date, edges, rule and minimum points) applied to parameter
    counts and to price per parameter: what is causing the price trend."""

    quantities: list[Literal["active_params", "total_params", "price_per_active_param", "price_per_total_param"]] = [
        "active_params", "total_params", "price_per_active_param", "price_per_total_param"]
    subsets: list[Subset] = ["open"]
    price_type: PriceType = "blended"
    price_sources: list[PriceSource] = ["lowest_reported", "lowest_provider"]


class PublishedValue(_Strict):
    """A number the preset's authors published, set beside ours on their data in the report.

    It selects our trend(s) by method, subset, quantity, price type and source, band (or hedonic score range) and
    controls; ``aggregate`` compares a statement across the subset's bands ("7-28x", "geometric mean 11.8x").
    """

    label: str
    snapshot: str
    method: Literal["frontier", "hedonic"] = "frontier"
    subset: Subset
    quantity: str = "price"
    price_type: PriceType | None = None
    price_source: PriceSource | None = None
    band: tuple[float, float | None] | None = None
    controls: list[str] = []
    aggregate: Literal["range", "geomean"] | None = None
    value: float | None = None
    value_range: tuple[float, float] | None = None
    rounded_to: float | None = None  # the source rounds: "4x" means anything that rounds to 4
    ci: tuple[float, float] | None = None
    n: int | None = None
    r_squared: float | None = None
    adj_r_squared: float | None = None
    kind: Literal["published", "reconstructed"] = "published"
    source: str
    note: str = ""

    @model_validator(mode="after")
    def _one_value(self):
        if (self.value is None) == (self.value_range is None):
            raise ValueError(f"published value {self.label!r}: give exactly one of value, value_range")
        if self.aggregate is not None and self.band is not None:
            raise ValueError(f"published value {self.label!r}: an aggregate spans bands; do not give a band")
        return self

    def matches(self, method, subset, quantity, price_type, price_source, band_low, band_high, controls) -> bool:
        """Does a trend (its identifying fields) fall under this published value?"""
        if (method, subset, quantity) != (self.method, self.subset, self.quantity):
            return False
        if self.price_type is not None and price_type != self.price_type:
            return False
        if self.price_source is not None and price_source != self.price_source:
            return False
        if self.band is not None and (band_low, band_high) != tuple(self.band):
            return False
        if self.method == "hedonic" and "+".join(self.controls) != (controls or ""):
            return False
        return True


class UncertaintyPreset(_Strict):
    """How hard to test each frontier trend (tasks/uncertainty.py, tasks/coverage.py)."""

    bootstrap_resamples: int = Field(2000, ge=0)  # 0: no bootstrap rows
    permutations: int = Field(1000, ge=0)  # 0: no permutation null
    seed: int = 20250713
    coverage_simulations: int = Field(400, ge=0)  # 0: no coverage simulation
    coverage_resamples: int = Field(200, ge=10)
    edge_variant: bool = True  # also fit half-open [lo, hi) bands (variant half_open_bands)
    common_sample: bool = True  # decomposition on the price frontier's own models (variant price_frontier_sample)


class Preset(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._\-]*$")
    title: str
    reference: str = ""
    min_points: int = Field(4, ge=2)
    ci_level: float = Field(0.9, gt=0, lt=1)
    frontier: FrontierPreset | None = None
    hedonic: HedonicPreset | None = None
    decomposition: DecompositionPreset | None = None
    uncertainty: UncertaintyPreset = UncertaintyPreset()
    published: list[PublishedValue] = []

    @model_validator(mode="after")
    def _decomposition_needs_frontier(self):
        if self.decomposition is not None and self.frontier is None:
            raise ValueError("a [decomposition] section needs the [frontier] section (bands, start date, edges)")
        return self


def bundled_presets() -> dict[str, Path]:
    return {path.stem: path for path in sorted(presets_dir().glob("*.toml"))}


def load_preset(name_or_path: str) -> Preset:
    """A bundled preset by name, or a TOML file by path."""
    candidate = Path(name_or_path)
    presets = bundled_presets()
    if candidate.suffix == ".toml" or candidate.exists():
        path = candidate
    elif name_or_path in presets:
        path = presets[name_or_path]
    else:
        raise ValueError(f"unknown preset {name_or_path!r}; bundled presets: {', '.join(presets)} "
                         "(or pass the path of a .toml file)")
    if not path.exists():
        raise FileNotFoundError(f"preset file {path} does not exist")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{path}: not valid TOML: {err}") from None
    try:
        return Preset.model_validate(data)
    except Exception as err:
        raise ValueError(f"{path}: invalid preset:\n{err}") from None
