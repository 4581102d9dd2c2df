"""Presets: a published method's choices, as data (``presets/*.toml``).

A preset names its title and reference, the studies it cites (``cite``: keys of ``tasks.data.references.WORKS``),
the minimum points and interval level, one section per method it runs (``[frontier]``, ``[hedonic]``, ...: each
method module declares its own sections, see ``tasks.methods``), the
structural-break test, the hardware adjustment and its authors' published numbers. ``--preset`` takes a bundled
preset's name or the path of a user's own TOML file with the same fields; unknown fields are errors (a typo must
not silently fall back to a default).

A preset is checked when it is loaded, before any work: every number finite (TOML's ``nan`` and ``inf`` are
errors), quality bands and thresholds in their units (percent for fraction benchmarks: 0 <= low < high <= 100,
``tasks.trends.check_band``), the hardware factor positive, and every count of resamples, permutations and
simulations at most ``tasks.trends.max_resamples()`` (100,000; ``INFERENCE_TRENDS_MAX_RESAMPLES`` raises it).
An error names the preset file, the field, the rule and the value given, one line per problem.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, create_model, field_validator, model_validator

from tasks.data.references import check_works
from tasks.methods import METHODS, all_method_names, sections
from tasks.trends import PriceSource, PriceType, Resamples, Section, Subset, check_band
from tasks.files.settings import presets_dir


class PublishedValue(Section):
    """A number the preset's authors published, set beside ours on their data in the report.

    It selects our trend(s) by method, subset, quantity, price type and source, band (or hedonic score range) and
    controls; ``aggregate`` compares a statement across the subset's bands ("7-28x", "geometric mean 11.8x").
    A ``threshold`` trend (Epoch AI) is selected by its benchmark (``quality_measure``) and ``threshold_model``.
    """

    label: str
    snapshot: str
    method: str = "frontier"
    subset: Subset
    quality_measure: str | None = None  # threshold: the benchmark
    threshold_model: str | None = None  # threshold: the model whose score is the threshold (its name)
    quantity: str = "price"
    price_type: PriceType | None = None
    price_source: PriceSource | None = None
    band: tuple[float, float | None] | None = None
    controls: list[str] = []
    variant: str = ""
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
        if self.method not in all_method_names():
            raise ValueError(f"published value {self.label!r}: unknown method {self.method!r}")
        if (self.value is None) == (self.value_range is None):
            raise ValueError(f"published value {self.label!r}: give exactly one of value, value_range")
        if self.band is not None:
            check_band(*self.band, None)
        if self.aggregate is not None and self.band is not None:
            raise ValueError(f"published value {self.label!r}: an aggregate spans bands; do not give a band")
        if self.method == "threshold" and (self.quality_measure is None or self.threshold_model is None):
            raise ValueError(f"published value {self.label!r}: a threshold trend needs quality_measure and "
                             "threshold_model")
        return self

    def matches(self, method, subset, quantity, price_type, price_source, band_low, band_high, controls,
                quality_measure=None, threshold_model=None, variant=None) -> bool:
        """Does a trend (its identifying fields) fall under this published value?"""
        if (method, subset, quantity) != (self.method, self.subset, self.quantity):
            return False
        if self.method not in ("frontier", "hedonic") and self.quality_measure is not None \
                and quality_measure != self.quality_measure:
            return False
        if self.method == "threshold" and threshold_model != self.threshold_model:
            return False
        if self.variant and (variant or "") != self.variant:
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


class BreaksSection(Section):
    """One structural break in a trend's log-linear fit, tested where each segment can have enough points."""

    min_segment: int = Field(5, ge=3)  # points on each side of a candidate break
    simulations: Resamples = Field(999, ge=99)  # residual bootstrap of the sup-F statistic under "no break"
    alpha: float = Field(0.10, gt=0, lt=1)  # a break is reported as supported when p < alpha
    seed: int = 20250714


class AnswerSection(Section):
    """Which estimate the report's first screen opens with (the primary estimate), by a rule the preset states: a
    row of the answer (``primary``: an ``AnswerRow.kind`` or ``AnswerNote`` entry kind a method supplies, ``hedonic``,
    ``frontier``, ``benchmark_cost_unrestricted``), on the first of ``price_sources`` the answer's snapshot has (and
    whose entry matches ``select``); ``rule``: why this one, in one line (printed beside it). A
    run of several presets takes the rule of the first preset that has one."""

    primary: str = Field(pattern=r"^[a-z0-9_]+$")
    price_sources: list[PriceSource] = ["lowest_provider", "lowest_reported"]
    rule: str = Field(min_length=1)
    # where the row answers on several entries of one price definition (the cost of a benchmark run: one per
    # benchmark, subset and fit), the entry fields that pick one: {quality_measure = "gpqa_diamond", subset = "all"}
    select: dict[str, str] = {}


class CapabilitySection(Section):
    """The capability scale the run fits and joins into every snapshot's analysis table as ``score_capability``
    (``tasks.core.irt``, ``tasks.data.capability``), so that any method can take ``quality_measure = "capability"``;
    the run folder gets ``capability.csv``. ``source``: a folder of saved AA API responses (relative paths are
    relative to the project); the two anchors are AA model ids held at the two values (Epoch AI's ECI convention by
    default). A run of several presets fits the scale of the first preset that has this section."""

    source: str = "../shared/data/aa-api-v2"
    until: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")  # the newest vintage used (inclusive)
    low_model: str = "claude-35-sonnet-june-24"
    high_model: str = "gpt-5"
    low_value: float = 130.0
    high_value: float = 150.0
    min_scores: int = Field(3, ge=2)
    bootstrap: Resamples = Field(200, ge=0)
    ci_level: float = Field(0.9, gt=0, lt=1)
    seed: int = 20261208


class PresetBase(Section):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._\-]*$")
    title: str
    reference: str = ""
    # the studies whose method the preset follows, cited in the run's CITATION.bib: keys of
    # tasks.data.references.WORKS (its data is cited by the snapshots' sources)
    cite: list[str] = []
    min_points: int = Field(4, ge=2)
    ci_level: float = Field(0.9, gt=0, lt=1)
    breaks: BreaksSection = BreaksSection()
    # Hardware price-performance improvement per year: the factor a price trend is divided by to give
    # ``hardware_adjusted_factor`` (what is left for algorithms and market). None: no adjustment.
    hardware_factor_per_year: float | None = Field(None, gt=0)
    hardware_source: str = ""
    published: list[PublishedValue] = []
    answer: AnswerSection | None = None  # the primary estimate's rule (None: the first screen has no primary)
    # the study's own data: the bundled snapshot a run of this preset alone uses when it is given no input (None:
    # every bundled snapshot). A run of several presets, or with --input, is not affected.
    snapshot: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")
    capability: CapabilitySection | None = None  # fit and join the capability scale (score_capability)
    # part of `--preset all` (make run); false: only when named (a preset whose estimates are not yet fit to open the
    # default run's first screen: it would take the primary, see presets/capability.toml)
    in_all: bool = True

    @field_validator("cite")
    @classmethod
    def _known_works(cls, value: list[str]) -> list[str]:
        return check_works(value)

    @model_validator(mode="after")
    def _required_sections(self):
        for name, model in sections().items():
            needed = getattr(model, "REQUIRES", None)
            if getattr(self, name, None) is not None and needed and getattr(self, needed, None) is None \
                    and not getattr(model, "OPTIONAL_DEFAULT", False):
                raise ValueError(f"a [{name}] section needs the [{needed}] section")
        return self

    def methods(self) -> list[str]:
        """The methods this preset runs: those whose main section it has, in registry order."""
        return [m.name for m in METHODS if getattr(self, m.main_section or m.name, None) is not None]


def _section_field(model):
    """A method's section: optional (None: the method does not run), or with defaults when the method says so."""
    if getattr(model, "OPTIONAL_DEFAULT", False):
        return (model, model())
    return (model | None, None)


Preset = create_model("Preset", __base__=PresetBase,
                      **{name: _section_field(model) for name, model in sections().items()})


def bundled_presets(folder: Path | None = None) -> dict[str, Path]:
    return {path.stem: path for path in sorted((folder or presets_dir()).glob("*.toml"))}


def load_preset(name_or_path: str) -> PresetBase:
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
    except ValidationError as err:
        raise ValueError("\n".join(f"{path}: invalid preset: {problem}" for problem in problems(err))) from None
    except Exception as err:
        raise ValueError(f"{path}: invalid preset:\n{err}") from None


def field_path(loc: tuple) -> str:
    """``("frontier", "bands", 0, 1)`` -> ``frontier.bands[0][1]``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def problems(err: ValidationError) -> list[str]:
    """One line per problem of a preset: the field, the rule it breaks, and the value given."""
    lines = []
    for problem in err.errors():
        given = repr(problem.get("input"))
        given = given if len(given) <= 80 else given[:77] + "..."
        message = problem["msg"].removeprefix("Value error, ")
        where = field_path(problem["loc"])
        lines.append(f"{where + ': ' if where else ''}{message} (given: {given})")
    return lines
