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


def known_benchmark(value: str) -> str:
    if value not in BENCHMARK_UNITS:
        raise ValueError(f"unknown benchmark {value!r}; known: {', '.join(BENCHMARK_UNITS)}")
    return value


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
        return known_benchmark(value)

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
    # ols, hc3: classical and heteroskedasticity-robust; cluster: cluster-robust by creator (CR1, t with G-1 df);
    # wild_cluster: wild cluster restricted bootstrap-t (tasks/robust.py). Every one is an estimator-ols row.
    ci_methods: list[Literal["ols", "hc3", "cluster", "wild_cluster"]] = ["ols", "hc3"]
    log_base: LogBase = "e"
    cluster_by: Literal["creator"] = "creator"  # the source's creator, else data/creators.csv, else the model itself
    wild_bootstrap: int = Field(999, ge=99)  # wild cluster bootstrap replicates (all weight vectors if fewer)
    wild_cluster_below: int = Field(30, ge=0)  # cluster asked, fewer clusters than this: wild_cluster added
    quantiles: list[Literal[0.5, 0.2]] = []  # quantile regressions: estimator quantile_0.5 / quantile_0.2
    # their seeded pairs-bootstrap resamples (0: no interval); 499: (B + 1) * 0.05 = 25, an exact order statistic
    quantile_bootstrap: int = Field(499, ge=0)
    no_reasoning: bool = False  # also fit every trend without reasoning models (variant no_reasoning)
    seed: int = 20250713

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


class ThresholdPreset(_Strict):
    """Epoch AI's method (March 2025, ``tasks/threshold.py``): per benchmark, every score that was once the best so
    far is a threshold; from it on, the observations priced strictly below every earlier one at or above the
    threshold, regressed (log) on their dates."""

    benchmarks: list[str]
    subset: Subset = "all"
    # thresholds below this score (a fraction: 0.30 = 30%) are skipped on these (multiple-choice) benchmarks
    multiple_choice: list[str] = ["mmlu", "gpqa_diamond"]
    min_threshold: float = Field(0.30, ge=0, le=1)
    exclude_reasoning: bool = True  # leave out models flagged as reasoning models (thresholds and points)
    price_type: PriceType = "blended"
    # in order of preference: the first price source the snapshot has is used
    price_sources: list[PriceSource] = ["source_price"]
    log_base: LogBase = "10"

    @model_validator(mode="after")
    def _known_benchmarks(self):
        for benchmark in [*self.benchmarks, *self.multiple_choice]:
            known_benchmark(benchmark)
        if not self.price_sources:
            raise ValueError("give at least one price source")
        return self


class PublishedValue(_Strict):
    """A number the preset's authors published, set beside ours on their data in the report.

    It selects our trend(s) by method, subset, quantity, price type and source, band (or hedonic score range) and
    controls; ``aggregate`` compares a statement across the subset's bands ("7-28x", "geometric mean 11.8x").
    A ``threshold`` trend (Epoch AI) is selected by its benchmark (``quality_measure``) and ``threshold_model``.
    """

    label: str
    snapshot: str
    method: Literal["frontier", "hedonic", "threshold"] = "frontier"
    subset: Subset
    quality_measure: str | None = None  # threshold: the benchmark
    threshold_model: str | None = None  # threshold: the model whose score is the threshold (its name)
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
        if self.method == "threshold" and (self.quality_measure is None or self.threshold_model is None):
            raise ValueError(f"published value {self.label!r}: a threshold trend needs quality_measure and "
                             "threshold_model")
        return self

    def matches(self, method, subset, quantity, price_type, price_source, band_low, band_high, controls,
                quality_measure=None, threshold_model=None) -> bool:
        """Does a trend (its identifying fields) fall under this published value?"""
        if (method, subset, quantity) != (self.method, self.subset, self.quantity):
            return False
        if self.method == "threshold" and (quality_measure, threshold_model) != (self.quality_measure,
                                                                                 self.threshold_model):
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


class MonthlyCheapestPreset(_Strict):
    """The cheapest model at or above a quality threshold, month by month (a16z "LLMflation", Nov 2024)."""

    quality_measure: str = "mmlu"
    thresholds: list[float] = [42, 83]  # in band units: percent for fraction benchmarks
    subsets: list[Subset] = ["all"]
    # the first of these the snapshot has; the mean of input and output where the snapshot has them (a16z), else
    # the source's blended price
    price_sources: list[PriceSource] = ["source_price", "lowest_reported", "lowest_provider", "aa_headline"]
    log_base: LogBase = "10"

    @field_validator("quality_measure")
    @classmethod
    def _known_benchmark(cls, value: str) -> str:
        return known_benchmark(value)


class BreaksPreset(_Strict):
    """One structural break in a trend's log-linear fit, tested where each segment can have enough points."""

    min_segment: int = Field(5, ge=3)  # points on each side of a candidate break
    simulations: int = Field(999, ge=99)  # residual bootstrap of the sup-F statistic under "no break"
    alpha: float = Field(0.10, gt=0, lt=1)  # a break is reported as supported when p < alpha
    seed: int = 20250714


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
    threshold: ThresholdPreset | None = None
    monthly_cheapest: MonthlyCheapestPreset | None = None
    uncertainty: UncertaintyPreset = UncertaintyPreset()
    breaks: BreaksPreset = BreaksPreset()
    # Hardware price-performance improvement per year: the factor a price trend is divided by to give
    # ``hardware_adjusted_factor`` (what is left for algorithms and market). None: no adjustment.
    hardware_factor_per_year: float | None = Field(None, gt=0)
    hardware_source: str = ""
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
