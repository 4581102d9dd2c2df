"""Cost of one benchmark run on a Pareto frontier (the MIT FutureTech authors' 2026 follow-up), and what only this
project adds: the selection checks and the split into tokens and prices.

The authors' method (github hansgundlach/Algorithmic_Progress_Inference @ a6381e2: ``generate_new_csv.py`` for the
costs, ``generate_regression_tables.py`` for the regressions), on the cleaned benchmark runs (``CONTEXT``: the
``runs`` and ``run_prices`` tables of ``tasks.data.runs``):

1. ``run_cost``: the cost in USD of one run of a benchmark, one epoch, at a list-price pair: input tokens (less cache
   reads when they are inside the input count) x input price, plus output tokens (plus reasoning tokens when they
   are not inside the output count; less cache writes when they are inside it) x output price, plus cache reads x
   cache-read price, plus cache writes x cache-write price; all / 1e6; divided by the epochs where given.
2. ``price_cut_observations``: walk each model's monthly list prices in date order; a month whose cost is below the
   model's lowest earlier recorded cost by more than ``WALK_EPSILON`` (the authors' margin) and whose price pair is
   new for the model is an observation, dated at that month. A benchmark whose source reports the cost of a run
   (ARC-AGI-1's cost per task; AA's cost of its Intelligence Index) has one observation per run, dated at the
   model's release (``reported_cost`` in the preset section names them and their price definition).
3. ``pareto_flags`` (``tasks.core.pareto``): a point is kept when no point dated on or before it has a score at least
   as high and a cost at least as low, one of the two strictly. The headline (variant empty) fits the kept points;
   variant ``unrestricted`` fits every point.
4. OLS of ln(cost) on the day and logit(score), the score clipped to [0.005, 0.995] (``controls = logit_score``);
   90% t interval; open-licence models (licence text contains "open") and all models. Factor per year =
   exp(-slope * 365.25), the project's convention (the authors' script uses 365: a difference of 0.07% of the log
   factor); ``hardware_adjusted_factor`` = factor / the preset's hardware factor (the authors' 1/0.7), for prices
   observed when current (monthly list prices; ARC Prize's own costs), not for a cost priced on one later date.
5. Beside it, the raw trend (variants ``raw``: the Pareto points; ``raw_unrestricted``: every point): OLS of ln(cost)
   on the day alone, no score control: what one run of the frontier actually cost over time. The score rises with
   the date, so the two differ by the score's own trend x its coefficient; the answer prints both.

The authors drop scores of 0 (and missing scores) before the logit clip, so the clip only ever moves scores of 1;
the licence filter comes before the frontier (the open frontier is built among open models). Observations keep the
order (date, record, model id); neither the walk nor the frontier depends on it.

Beyond the authors, on each headline trend (``tasks.core.pareto``): a cluster bootstrap by model that redoes the
Pareto selection in every resample (``ci_method = bootstrap``), a permutation null with the dates shuffled
(``null_median_factor``, ``null_p_value`` = (b + 1) / (N + 1) over the N usable shuffles) and the
leave-one-model-out range (``loo_min_factor`` / ``loo_max_factor``; the unrestricted fits get it too). And the split
of each headline trend into tokens and prices (variant ``pareto_sample``): on the headline's own points,
cost = tokens per run x price per token, with tokens per run = the billed tokens of one epoch (as the cost counts
them) and price per token = cost / tokens (USD per million tokens, the run's own mix of input, output and cache
prices), so ln cost = ln tokens + ln price per token - ln 1e6 and, with one design, the slopes add up exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import hashlib
import math
from typing import Literal

import numpy as np
import pandas as pd
from pandera.typing import DataFrame
from pydantic import Field, field_validator, model_validator

from schemas.analysis import POINT_COLUMNS
from schemas.analysis import AnalysisTable
from tasks.core.pareto import (bootstrap_slopes, clipped_logit, leave_one_out_slopes, pareto_flags,
                               permutation_slopes)
from tasks.core.stats import SlopeFit, ols_fits, release_day
from tasks.core.uncertainty import factors, null_p_value, summarise
from tasks.methods import benchmark_cost_figures, benchmark_cost_report
from tasks.trends.method import AFTER, Method
from tasks.trends import (AS_PUBLISHED, OBSERVED_AT_RELEASE, Checks, Diagnostics, Estimate, Resamples, Sample,
                          Section, Subset, TrendFit, TrendSpec, attempt_fit, known_benchmark, points_frame)

NAME = "benchmark_cost"


class BenchmarkCostSpec(TrendSpec):
    """The cost of one benchmark run: how cache tokens are charged, and the clip of the score before its logit."""

    cache_rule: Literal["authors", "components"] = "authors"
    logit_clip: tuple[float, float] = (0.005, 0.995)


@dataclass(frozen=True)
class BenchmarkCostDiagnostics(Diagnostics):
    """A Pareto fit's checks, and a Pareto-sample trend's share of the cost slope on the same models."""

    common_sample_share: float | None = None
CONTEXT = ("runs", "run_prices")  # tasks.data.runs: the cleaned runs and the list prices that cost them
QUANTITIES = ("cost_per_run", "tokens_per_run", "price_per_token")
UNRESTRICTED = "unrestricted"  # every point, no Pareto restriction
PARETO_SAMPLE = "pareto_sample"  # tokens vs prices on the headline's own points
RAW = "raw"  # the headline's Pareto points, log cost on the date alone (no score control)
RAW_UNRESTRICTED = "raw_unrestricted"  # every point, log cost on the date alone
RAW_VARIANTS = (RAW, RAW_UNRESTRICTED)
EVERY_POINT = (UNRESTRICTED, RAW_UNRESTRICTED)  # the variants without the Pareto restriction
LIST_PRICE = "list_price"
CONTROLS = ("logit_score",)
LOGIT_CLIP = (0.005, 0.995)
WALK_EPSILON = 1e-10  # the authors' margin: a new observation is below the earlier minimum by more than this
CACHE_RULES = ("authors", "components")
# points on the 0..100 scale of an index: the logit control reads them as a share of 100
INDEX_SCALE = {"aa_intelligence_index": 100.0}
OBSERVATION_COLUMNS = ["model_id", "name", "record", "date", "cost_usd", "tokens", "score", "open_weights",
                       "input_usd_per_mtok", "output_usd_per_mtok"]


class BenchmarkCostSection(Section):
    """Cost of one benchmark run (tokens spent x prices) on a Pareto frontier (the MIT FutureTech 2026 method)."""

    benchmarks: list[str] = ["gpqa_diamond", "aime", "swe_bench_verified", "arc_agi_1"]
    # benchmarks whose source reports the cost of one run (no tokens to price), with the price definition behind it:
    # ARC Prize's own cost per task (measured when the model was current), AA's cost of running its index at its
    # headline prices of the scrape's date
    reported_cost: dict[str, Literal["source_price", "aa_headline"]] = {"arc_agi_1": "source_price",
                                                                       "aa_intelligence_index": "aa_headline"}
    subsets: list[Subset] = ["all", "open"]
    unrestricted: bool = True  # also every point, without the Pareto restriction (variant unrestricted)
    # also the raw trend of the cost of a run, no score control (variants raw and raw_unrestricted): what a run
    # of the frontier actually cost over time, beside the score-adjusted headline
    raw: bool = True
    decomposition: bool = True  # tokens per run and price per token on the headline's points (variant pareto_sample)
    logit_clip: tuple[float, float] = LOGIT_CLIP
    # "authors": the cache counts only when reads, writes and both cache prices are given (generate_new_csv.py);
    # "components": each cache component on its own (the formula as the issue states it)
    cache_rule: Literal["authors", "components"] = "authors"
    bootstrap_resamples: Resamples = Field(2000, ge=0)  # cluster bootstrap by model, the selection redone (0: none)
    permutations: Resamples = Field(1000, ge=0)  # permutation null, dates shuffled (0: none)
    seed: int = 20260401

    @field_validator("benchmarks")
    @classmethod
    def _known(cls, values):
        return [known_benchmark(v) for v in values]

    @model_validator(mode="after")
    def _clip(self):
        low, high = self.logit_clip
        if not 0 < low < high < 1:
            raise ValueError(f"logit_clip {self.logit_clip} must satisfy 0 < low < high < 1")
        return self


SECTIONS = {"benchmark_cost": BenchmarkCostSection}


# --- the plan ----------------------------------------------------------------------------------------------------
def plan(preset, snapshot: str, analysis: DataFrame[AnalysisTable], common: dict, price_sources: set[str]
         ) -> list[TrendSpec]:
    """Per benchmark and subset: the Pareto-restricted fit (the headline), the unrestricted fit, and the headline's
    split into tokens per run and price per token (benchmarks priced from list prices only)."""
    b = preset.benchmark_cost
    options = dict(method=NAME, controls=CONTROLS, log_base="e", ci_methods=("ols",), cache_rule=b.cache_rule,
                   logit_clip=tuple(b.logit_clip), seed=b.seed)
    specs = []
    for benchmark in b.benchmarks:
        source = b.reported_cost.get(benchmark, LIST_PRICE)
        skip = None
        if source == LIST_PRICE and LIST_PRICE not in price_sources:
            skip = (f"no list-price history in snapshot {snapshot}: the runs of {benchmark} cannot be priced; "
                    "skipped rather than estimated on other data")
        for subset in b.subsets:
            main = BenchmarkCostSpec(**common, **options, subset=subset, quality_measure=benchmark,
                                     quantity="cost_per_run", price_source=source,
                                     bootstrap_resamples=b.bootstrap_resamples, permutations=b.permutations,
                                     skip_note=skip)
            specs.append(main)
            if b.unrestricted:
                specs.append(main.model_copy(update={"variant": UNRESTRICTED, "bootstrap_resamples": 0,
                                                     "permutations": 0}))
            if b.raw:
                specs += [main.model_copy(update={"variant": variant, "controls": (), "bootstrap_resamples": 0,
                                                  "permutations": 0})
                          for variant in (RAW, RAW_UNRESTRICTED) if variant == RAW or b.unrestricted]
            if b.decomposition and source == LIST_PRICE:
                specs += [main.model_copy(update={"variant": PARETO_SAMPLE, "quantity": quantity,
                                                  "bootstrap_resamples": 0, "permutations": 0})
                          for quantity in QUANTITIES]
    return specs


# --- cost of a run and the walk ----------------------------------------------------------------------------------
def _float(frame: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(frame[column], errors="raise").astype(float).to_numpy()


def _flag(frame: pd.DataFrame, column: str) -> np.ndarray:
    """True where the flag is True (False or missing: False)."""
    return frame[column].astype("boolean").fillna(False).to_numpy(dtype=bool)


def billed_tokens(frame: pd.DataFrame, cache_rule: str = "authors") -> dict[str, np.ndarray]:
    """The token counts one run is billed for, all epochs together: ``input`` and ``output`` (at the input and output
    prices), ``reads`` and ``writes`` (at the cache prices), with the flags applied (see ``run_cost``)."""
    if cache_rule not in CACHE_RULES:
        raise ValueError(f"cache_rule must be one of {CACHE_RULES}, not {cache_rule!r}")
    reasoning = np.nan_to_num(_float(frame, "reasoning_tokens"))
    reasoning_flag = frame["reasoning_in_output"].astype("boolean")
    unflagged = (reasoning > 0) & reasoning_flag.isna().to_numpy()
    if unflagged.any():
        raise ValueError("reasoning tokens without the reasoning_in_output flag: "
                         + ", ".join(frame.loc[unflagged, "model_id"].astype(str)))
    reads, writes = _float(frame, "cache_read_tokens"), _float(frame, "cache_write_tokens")
    read_price, write_price = _float(frame, "cache_read_usd_per_mtok"), _float(frame, "cache_write_usd_per_mtok")
    for tokens, price, what in ((reads, read_price, "cache reads"), (writes, write_price, "cache writes")):
        unpriced = (np.nan_to_num(tokens) > 0) & np.isnan(price)
        if unpriced.any():
            raise ValueError(f"{what} without their price: " + ", ".join(frame.loc[unpriced, "model_id"].astype(str)))
    if cache_rule == "authors":
        complete = ~(np.isnan(reads) | np.isnan(writes) | np.isnan(read_price) | np.isnan(write_price))
        reads, writes = np.where(complete, reads, 0.0), np.where(complete, writes, 0.0)
    reads, writes = np.nan_to_num(reads), np.nan_to_num(writes)
    input_tokens = _float(frame, "input_tokens")
    input_tokens = np.where(_flag(frame, "cache_in_input") & (reads > 0), input_tokens - reads, input_tokens)
    output_tokens = _float(frame, "output_tokens")
    add_reasoning = (reasoning > 0) & ~reasoning_flag.fillna(True).to_numpy(dtype=bool)
    output_tokens = output_tokens + np.where(add_reasoning, reasoning, 0.0)
    output_tokens = np.where(_flag(frame, "cache_in_output") & (writes > 0), output_tokens - writes, output_tokens)
    return {"input": input_tokens, "output": output_tokens, "reads": reads, "writes": writes}


def _per_epoch(frame: pd.DataFrame, values: np.ndarray) -> np.ndarray:
    epochs = _float(frame, "epochs")
    return np.where(np.isnan(epochs), values, values * (1.0 / np.where(np.isnan(epochs), 1.0, epochs)))


def run_cost(frame: pd.DataFrame, cache_rule: str = "authors") -> np.ndarray:
    """USD cost of one run (one epoch) for each row of ``frame``: a run joined with its price pair
    (``input_usd_per_mtok``, ``output_usd_per_mtok``).

    cost = ( input' x input price + output' x output price + cache reads x cache-read price
             + cache writes x cache-write price ) / 1e6  [/ epochs where ``epochs`` is given]
    input' = input tokens, less the cache reads when ``cache_in_input``; output' = output tokens, plus the reasoning
    tokens when ``reasoning_in_output`` is False, less the cache writes when ``cache_in_output``.

    ``cache_rule``: "authors" (``generate_new_csv.py``): the cache counts only when reads, writes and both cache
    prices are all given; otherwise reads and writes are taken as 0 (nothing subtracted, nothing charged).
    "components": each of reads and writes counts on its own when given (a missing one is 0): the formula as the
    issue states it. Rows breaking the canonical rules (reasoning tokens without their flag, cache tokens without
    their price) raise ValueError: the adapter quarantines those runs.
    """
    tokens = billed_tokens(frame, cache_rule)
    read_price = np.nan_to_num(_float(frame, "cache_read_usd_per_mtok"))
    write_price = np.nan_to_num(_float(frame, "cache_write_usd_per_mtok"))
    # the authors' order of operations, so that the floats are the same
    cost = ((tokens["input"] * _float(frame, "input_usd_per_mtok")) / 1_000_000
            + (tokens["output"] * _float(frame, "output_usd_per_mtok")) / 1_000_000
            + (tokens["reads"] * read_price) / 1_000_000
            + (tokens["writes"] * write_price) / 1_000_000)
    return _per_epoch(frame, cost)


def run_tokens(frame: pd.DataFrame, cache_rule: str = "authors") -> np.ndarray:
    """Tokens one run (one epoch) is billed for: input' + output' + cache reads + cache writes (see ``run_cost``)."""
    tokens = billed_tokens(frame, cache_rule)
    return _per_epoch(frame, tokens["input"] + tokens["output"] + tokens["reads"] + tokens["writes"])


def record_lows(groups: np.ndarray, costs: np.ndarray, pairs: np.ndarray, epsilon: float = WALK_EPSILON) -> np.ndarray:
    """Flags of the new observations for rows sorted by group, then date: a row is new when its cost is below the
    lowest cost recorded so far in its group minus ``epsilon`` and its price pair (``pairs``: n x 2) was not recorded
    before. The first row of a group is compared with +inf."""
    keep = np.zeros(len(costs), dtype=bool)
    lowest, seen, previous = math.inf, set(), object()
    for i, (group, cost) in enumerate(zip(groups, costs, strict=True)):
        if group != previous:
            lowest, seen, previous = math.inf, set(), group
        pair = (float(pairs[i, 0]), float(pairs[i, 1]))
        if cost < lowest - epsilon and pair not in seen:
            keep[i] = True
            lowest = float(cost)
            seen.add(pair)
    return keep


def price_cut_observations(runs: pd.DataFrame, prices: pd.DataFrame, cache_rule: str = "authors",
                           epsilon: float = WALK_EPSILON) -> pd.DataFrame:
    """Runs priced from list prices x their monthly prices -> each model's price cuts (``OBSERVATION_COLUMNS`` plus
    ``benchmark``), in the order of the authors' derived tables: benchmark (as first met), the run's record, month.

    Months with a missing or non-positive price never get here (the adapter and the cleaning stage set them aside).
    """
    runs = runs[runs["input_tokens"].notna() & runs["output_tokens"].notna()]
    priced = prices[prices["input_usd_per_mtok"].gt(0) & prices["output_usd_per_mtok"].gt(0)]
    merged = runs.merge(priced[["model_id", "observed_on", "input_usd_per_mtok", "output_usd_per_mtok"]],
                        on="model_id", how="inner")
    order = {b: i for i, b in enumerate(dict.fromkeys(runs["benchmark"]))}
    merged = merged.assign(_b=merged["benchmark"].map(order)).sort_values(
        ["_b", "record", "model_id", "observed_on"], kind="mergesort").reset_index(drop=True)
    merged["cost_usd"] = run_cost(merged, cache_rule) if len(merged) else np.array([], dtype=float)
    merged["tokens"] = run_tokens(merged, cache_rule) if len(merged) else np.array([], dtype=float)
    groups = (merged["benchmark"] + "\x1f" + merged["model_id"]).to_numpy()
    pairs = merged[["input_usd_per_mtok", "output_usd_per_mtok"]].to_numpy(dtype=float)
    keep = record_lows(groups, merged["cost_usd"].to_numpy(dtype=float), pairs, epsilon)
    out = merged.loc[keep].rename(columns={"observed_on": "date"})
    return out[["benchmark", *OBSERVATION_COLUMNS]].reset_index(drop=True)


def observations(runs: pd.DataFrame, prices: pd.DataFrame, benchmark: str, cache_rule: str = "authors"
                 ) -> pd.DataFrame:
    """Every observation of one benchmark (``OBSERVATION_COLUMNS``): its price cuts (runs with tokens), or one per
    run whose cost the source reports, dated at the model's release."""
    mine = runs[runs["benchmark"] == benchmark]
    reported = mine[mine["cost_usd"].notna()]
    walked = price_cut_observations(mine[mine["cost_usd"].isna()], prices, cache_rule)[OBSERVATION_COLUMNS]
    direct = reported.assign(date=reported["release_date"], tokens=np.nan, input_usd_per_mtok=np.nan,
                             output_usd_per_mtok=np.nan)[OBSERVATION_COLUMNS]
    frames = [f for f in (walked, direct) if len(f)]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=OBSERVATION_COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    for column in ("cost_usd", "tokens", "score", "input_usd_per_mtok", "output_usd_per_mtok"):
        frame[column] = frame[column].astype(float)
    return frame


# --- the points of one trend -------------------------------------------------------------------------------------
def select_points(obs: pd.DataFrame, spec: BenchmarkCostSpec) -> pd.DataFrame:
    """The observations of ``spec``'s subset with their flags, in (date, record, model id) order.

    usable: a date, a cost above 0 and a score above 0 (the authors drop a score of 0 before the logit clip, which
    therefore only ever moves scores of 1); on_frontier: ``pareto_flags`` among the usable points of the subset (the
    licence filter comes first, as in the authors' script); in_fit: usable and, but for variant unrestricted, on the
    frontier. ``value``: the spec's quantity."""
    points = obs
    if spec.subset == "open":
        points = points[points["open_weights"].astype("boolean").fillna(False).astype(bool)]
    points = points.sort_values(["date", "record", "model_id"], kind="mergesort").reset_index(drop=True)
    cost, score = points["cost_usd"].astype(float), points["score"].astype(float)
    reasons = np.select(
        [points["date"].isna().to_numpy(), ~(cost > 0).to_numpy(), score.isna().to_numpy(), ~(score > 0).to_numpy()],
        ["no date", "cost not above 0", "no score", "score of 0, dropped as by the authors"], default="")
    points["usable"] = reasons == ""
    points["excluded_reason"] = pd.Series(reasons, index=points.index, dtype=object).replace("", None)
    points["day"] = release_day(points["date"]) if len(points) else np.array([], dtype=float)
    scale = INDEX_SCALE.get(spec.quality_measure, 1.0)
    points["logit_score"] = clipped_logit(score.to_numpy() / scale, tuple(spec.logit_clip))
    on_frontier = np.zeros(len(points), dtype=bool)
    usable = points["usable"].to_numpy()
    if usable.any():
        on_frontier[usable] = pareto_flags(points.loc[usable, "day"], score[usable], cost[usable])
    points["on_frontier"] = on_frontier
    points["in_fit"] = usable & (True if spec.variant in EVERY_POINT else on_frontier)
    points["price_per_token"] = cost / points["tokens"] * 1_000_000  # USD per million tokens
    points["value"] = points[{"cost_per_run": "cost_usd", "tokens_per_run": "tokens",
                              "price_per_token": "price_per_token"}[spec.quantity]]
    return points


def _fit(frame: pd.DataFrame, column: str, spec: BenchmarkCostSpec) -> SlopeFit:
    """OLS of ln(column) on the day, and logit(score) unless the spec has no controls (the raw variants)."""
    controls = frame["logit_score"].to_numpy(dtype=float) if spec.controls else None
    return ols_fits(np.log(frame[column].to_numpy(dtype=float)), frame["day"].to_numpy(dtype=float),
                    controls=controls, ci_level=spec.ci_level)["ols"]


def trend_seed(spec: BenchmarkCostSpec, salt: str) -> int:
    """A seed per trend and purpose, derived from the preset's seed: reproducible, distinct across trends."""
    digest = hashlib.sha256(f"{spec.seed}:{spec.trend_id}:{salt}".encode()).hexdigest()
    return int(digest[:8], 16)


def selection_checks(candidates: pd.DataFrame, spec: BenchmarkCostSpec, observed: float, select: bool
                     ) -> tuple[dict, object, dict, pd.DataFrame | None]:
    """Leave-one-model-out range, permutation null and cluster bootstrap (the selection redone in each when
    ``select``) for one trend on its usable candidate points."""
    days = candidates["day"].to_numpy(dtype=float)
    scores = candidates["score"].to_numpy(dtype=float)
    costs = candidates["cost_usd"].to_numpy(dtype=float)
    y = np.log(costs)
    controls = candidates["logit_score"].to_numpy(dtype=float)
    groups = pd.factorize(candidates["model_id"], sort=True)[0]
    checks, diagnostics, replicates = {}, {}, []
    loo = summarise(factors(leave_one_out_slopes(days, scores, costs, y, controls, groups, spec.min_points,
                                                 select), "e"), 1.0)
    checks.update(loo_min_factor=loo.low, loo_max_factor=loo.high)
    diagnostics["loo_valid"] = loo.valid
    if spec.permutations and select:
        null = permutation_slopes(days, scores, costs, y, controls, spec.permutations, trend_seed(spec, "null"),
                                  spec.min_points, select)
        null_factors = factors(null, "e")
        finite = null_factors[np.isfinite(null_factors)]
        if len(finite):
            checks.update(null_median_factor=float(np.median(finite)),
                          null_p_value=null_p_value(null_factors, observed))  # over the usable shuffles
        diagnostics.update(null_valid=len(finite), null_total=len(null))
        replicates.append(pd.DataFrame({"kind": "null", "replicate": np.arange(len(null)), "slope_per_day": null}))
    boot = None
    if spec.bootstrap_resamples and select:
        slopes = bootstrap_slopes(days, scores, costs, y, controls, groups, spec.bootstrap_resamples,
                                  trend_seed(spec, "bootstrap"), spec.min_points, select)
        boot = summarise(factors(slopes, "e"), spec.ci_level)
        diagnostics.update(bootstrap_valid=boot.valid, bootstrap_total=boot.total)
        replicates.append(pd.DataFrame({"kind": "bootstrap", "replicate": np.arange(len(slopes)),
                                        "slope_per_day": slopes}))
    frame = pd.concat(replicates, ignore_index=True) if replicates else None
    return checks, boot, diagnostics, frame


def _survival_note(factor: float, checks: dict, diagnostics: dict) -> str | None:
    """How much of the factor survives what the selection alone produces (the null median), with the p-value and
    the usable shuffles it is over."""
    null = checks.get("null_median_factor")
    if null is None or not factor or factor <= 0 or null <= 0:
        return None
    survives = math.log(factor) - math.log(null)
    text = (f"selection alone (dates shuffled) gives a median {null:.3g}x per year (p = {checks['null_p_value']:.3g} "
            f"over {diagnostics['null_valid']:,} of {diagnostics['null_total']:,} usable shuffles);"
            f" net of it {math.exp(survives):.3g}x per year")
    if factor > 1 and null >= 1:  # a share of a decline, where both are declines
        text += f" ({max(survives, 0.0) / math.log(factor):.0%} of the log factor survives)"
    return text


def _hardware_note(spec: BenchmarkCostSpec) -> str | None:
    """Why a cost trend has no hardware-adjusted factor although its preset names a hardware gain: its costs are
    priced on one date (``tasks.trends.hardware_adjusted``)."""
    if spec.hardware_factor is None or spec.price_source in OBSERVED_AT_RELEASE:
        return None
    if spec.price_source == "aa_headline":
        return ("no hardware adjustment (hardware_adjusted_factor empty): AA prices every model at its headline "
                "price of the scrape's day, on today's hardware")
    return (f"no hardware adjustment (hardware_adjusted_factor empty): {spec.price_source} prices every model on "
            "one date, on today's hardware")


def _join(*parts) -> str | None:
    text = "; ".join(p for p in parts if p)
    return text or None


def _skipped(spec: BenchmarkCostSpec, note: str, rows=(("ols", "ols"),)) -> TrendFit:
    return TrendFit(spec, [Estimate.of(spec, e, m, None, Sample(0, 0), "skipped", note) for e, m in rows],
                    pd.DataFrame(columns=POINT_COLUMNS))


def _points(points: pd.DataFrame, spec: BenchmarkCostSpec, fitted: bool) -> pd.DataFrame:
    shown = points[points["date"].notna() & points["value"].notna() & (points["value"] > 0)]
    frame = shown.assign(release_date=shown["date"], is_record=shown["on_frontier"],
                         in_fit=shown["in_fit"] & fitted)
    return points_frame(frame, spec.trend_id)


def fit(analysis: DataFrame[AnalysisTable], spec: BenchmarkCostSpec, context: dict | None = None) -> TrendFit:
    """One trend: the Pareto-restricted fit (with its selection checks), the unrestricted fit, or one term of the
    tokens-vs-prices split. ``context``: ``runs`` and ``run_prices`` (``tasks.data.runs``)."""
    select = spec.variant not in EVERY_POINT
    checked = select and spec.variant not in (PARETO_SAMPLE, AS_PUBLISHED) and spec.bootstrap_resamples > 0
    rows = (("ols", "ols"), ("ols", "bootstrap")) if checked else (("ols", "ols"),)
    if spec.skip_note:
        return _skipped(spec, spec.skip_note, rows)
    runs = (context or {}).get("runs")
    prices = (context or {}).get("run_prices")
    if runs is None or not (runs["benchmark"] == spec.quality_measure).any():
        return _skipped(spec, f"no {spec.quality_measure} runs in snapshot {spec.snapshot} (its sources report no "
                              "tokens or costs of runs); skipped rather than estimated on other data", rows)
    obs = observations(runs, prices, spec.quality_measure, spec.cache_rule)
    points = select_points(obs, spec)
    candidates = points[points["usable"]].reset_index(drop=True)
    used = points[points["in_fit"]].reset_index(drop=True)
    sample = Sample.of(used, len(candidates), date="date")
    left_out = int((~points["usable"]).sum())
    about = (f"{sample.n} of {len(candidates)} points on the Pareto frontier" if select else
             f"{sample.n} points, no Pareto restriction")
    if spec.variant in RAW_VARIANTS:
        about += "; raw: log cost on the date alone, no score control"
    if left_out:
        about += f"; {left_out} left out ({', '.join(sorted(set(points['excluded_reason'].dropna())))})"
    if spec.quantity != "cost_per_run" and used["value"].isna().any():
        slope_fit, status = None, "skipped"
        note = "no token counts for these points (their source reports the cost only)"
    else:
        slope_fit, status, note = attempt_fit(sample.n, spec.min_points, "point(s)",
                                              lambda: _fit(used, "value", spec))
    checks, boot, diagnostics, replicates = {}, None, {}, None
    if status == "ok" and spec.variant not in (PARETO_SAMPLE, AS_PUBLISHED, *RAW_VARIANTS):
        checks, boot, diagnostics, replicates = selection_checks(candidates, spec, slope_fit.factor("e"), select)
    if status == "ok" and spec.variant == PARETO_SAMPLE:
        cost_fit = _fit(used, "cost_usd", spec)
        share = slope_fit.slope / cost_fit.slope if cost_fit.slope else None
        diagnostics["common_sample_share"] = share
        if spec.quantity != "cost_per_run" and share is not None:
            note = f"share of the cost-per-run trend on the same points: {share:.0%}"
    survival = _survival_note(slope_fit.factor("e"), checks, diagnostics) if slope_fit is not None else None
    hardware = _hardware_note(spec) if status == "ok" else None
    ols = Estimate.of(spec, "ols", "ols", slope_fit, sample, status, _join(about, note, survival, hardware),
                      Checks(**checks))
    estimates = [ols]
    if checked:
        bootstrap = Estimate.of(spec, "ols", "bootstrap", slope_fit, sample, status, _join(about, note),
                                Checks(**checks))
        if status == "ok":
            bootstrap = bootstrap.replace(
                ci_low=boot.low if boot else None, ci_high=boot.high if boot else None, slope_se=None,
                note=_join(about, f"percentile interval of {boot.valid} of {boot.total} cluster-bootstrap resamples "
                                  "(models drawn with replacement, the Pareto selection redone in each)", hardware)
                if boot else None)
        estimates.append(bootstrap)
    if replicates is not None:
        replicates.insert(0, "trend_id", spec.trend_id)
    return TrendFit(spec, estimates, _points(points, spec, status == "ok"), BenchmarkCostDiagnostics(**diagnostics), replicates)


METHOD = Method(
    name=NAME,
    sections=SECTIONS,
    plan=plan,
    fit=fit,
    label="Cost of one benchmark run on a Pareto frontier (FutureTech 2026)",
    what="the cost of one run of a benchmark (tokens actually spent x list prices) of the models on the cost-score "
         "Pareto frontier, with the score controlled by its logit: the per-task price rather than the per-token one",
    context=CONTEXT,
    quantities=QUANTITIES,
    spec=BenchmarkCostSpec,
    diagnostics=BenchmarkCostDiagnostics,
    section=benchmark_cost_report.benchmark_cost_details,
    section_place=AFTER,
    answer_notes=benchmark_cost_report.ANSWER_NOTES,
    overview=benchmark_cost_report.overview,
    figures=benchmark_cost_figures.figures,
    draw=benchmark_cost_figures.draw,
    redoes_selection=True,  # its bootstrap redoes the Pareto selection
)
