"""The model x benchmark score matrix the capability scale (``tasks.core.irt``) is fitted on, and its checks.

Source: the saved AA API v2 responses (``../shared/data/aa-api-v2/llms_models_DATE.json``, read through the
project's reading gate and ``tasks.data.ingest.aa.api_records``, as the ``aa_api`` adapter reads them). The adapter
emits eight of the per-model evaluations as canonical Benchmarks (``tasks.data.ingest.aa.API_SCORES``: MMLU-Pro,
GPQA, HLE, LiveCodeBench, SciCode, MATH-500, AIME, AIME 25, plus the two composite indices); the scale also needs
IFBench, AA-LCR, tau2-Bench and Terminal-Bench Hard, which the adapter does not emit (they are not in the project's
benchmark registry, so the analysis table has no column for them), so this module reads the same files for the
twelve items in ``ITEMS``. The composite indices (intelligence, coding, math) are not items: they are averages of
the items. Older benchmarks (FutureTech's and Epoch's MMLU, MATH, HumanEval) are not joined: their models do not
resolve to AA slugs without the snapshot's resolution step (left for later, see the module's caller).

Vintages: every file is a vintage; a (model, benchmark) score is taken from the newest vintage that has it (AA
re-runs a benchmark rarely; the newest is its current number), the model's name and release date from its newest
record. ``fit_vintages`` refits on each vintage alone; ``stability`` refits dropping each benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tasks.core.irt import Anchors, IRTFit, fit_capability
from tasks.data.ingest.aa import api_files, api_records, load_json
from tasks.data.parsing import slugify

# AA API ``evaluations`` key -> benchmark id of the scale (fractions 0..1)
ITEMS = {
    "gpqa": "gpqa_diamond", "hle": "hle", "scicode": "scicode", "mmlu_pro": "mmlu_pro",
    "livecodebench": "livecodebench", "ifbench": "ifbench", "lcr": "lcr", "tau2": "tau2",
    "terminalbench_hard": "terminalbench_hard", "aime_25": "aime_2025", "math_500": "math_500", "aime": "aime_2024",
}
# the reference models of the scale: Epoch AI's ECI anchors (Claude 3.5 Sonnet = 130, GPT-5 = 150; epoch.ai ECI FAQ),
# Epoch's Claude 3.5 Sonnet = 130 is the June 2024 version (claude-3-5-sonnet-20240620 in its ECI file), its GPT-5 = 150
# GPT-5 (high): as AA names them, claude-35-sonnet-june-24 and gpt-5 (GPT-5 (high))
DEFAULT_ANCHORS = Anchors("claude-35-sonnet-june-24", "gpt-5", 130.0, 150.0)


@dataclass
class ScoreMatrix:
    scores: pd.DataFrame  # model_id, benchmark, score, vintage
    models: pd.DataFrame  # model_id, name, release_date, vintage


def read_vintage(path: Path) -> ScoreMatrix:
    """One saved AA API response: the twelve items' scores (fractions; a value above 1 is read as a percent)."""
    path = Path(path)
    records, _, _ = api_records(load_json(path), path)
    vintage = path.stem.removeprefix("llms_models_")
    scores, models = [], []
    for r in records:
        if not isinstance(r, dict) or not r.get("slug"):
            continue
        model_id = slugify(str(r["slug"]))
        models.append((model_id, str(r.get("name") or model_id), r.get("release_date"), vintage))
        evaluations = r.get("evaluations") if isinstance(r.get("evaluations"), dict) else {}
        for key, benchmark in ITEMS.items():
            value = evaluations.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value):
                value = float(value) / 100 if value > 1 else float(value)
                if 0 <= value <= 1:
                    scores.append((model_id, benchmark, value, vintage))
    return ScoreMatrix(
        pd.DataFrame(scores, columns=["model_id", "benchmark", "score", "vintage"]),
        pd.DataFrame(models, columns=["model_id", "name", "release_date", "vintage"]).drop_duplicates("model_id"))


def vintage_files(folder: Path, until: str | None = None) -> list[Path]:
    files = api_files(Path(folder))
    return [f for f in files if until is None or f.stem.removeprefix("llms_models_") <= until]


def assemble(folder: Path, until: str | None = None) -> ScoreMatrix:
    """All vintages up to ``until`` (YYYY-MM-DD, inclusive): the newest vintage's score per (model, benchmark)."""
    parts = [read_vintage(f) for f in vintage_files(folder, until)]
    if not parts:
        raise FileNotFoundError(f"no llms_models_DATE.json in {folder}")
    scores = pd.concat([p.scores for p in parts]).sort_values("vintage").drop_duplicates(
        ["model_id", "benchmark"], keep="last")
    models = pd.concat([p.models for p in parts]).sort_values("vintage").drop_duplicates("model_id", keep="last")
    models["release_date"] = pd.to_datetime(models["release_date"], errors="coerce")
    return ScoreMatrix(scores.sort_values(["model_id", "benchmark"]).reset_index(drop=True),
                       models.sort_values("model_id").reset_index(drop=True))


def capability_table(fit: IRTFit, models: pd.DataFrame) -> pd.DataFrame:
    """``capability.csv``: model_id, name, release_date, capability, ci_low, ci_high, n_benchmarks, benchmarks, and
    se (the bootstrap's standard deviation: the measurement error a fit controlling for the capability allows for)."""
    table = fit.capabilities.merge(models[["model_id", "name", "release_date"]], on="model_id", how="left")
    return table[["model_id", "name", "release_date", "capability", "ci_low", "ci_high", "n_benchmarks",
                  "benchmarks", "se"]].sort_values("capability", ascending=False).reset_index(drop=True)


def moves(base: IRTFit, other: IRTFit) -> pd.DataFrame:
    """Per model in both fits: the move of its capability, and the move relative to its interval's width in the
    base fit (1 = it moved by its whole interval) and to the half-width (1 = out of a symmetric interval)."""
    one = base.capabilities.set_index("model_id")
    two = other.capabilities.set_index("model_id")
    common = one.index.intersection(two.index)
    width = (one.loc[common, "ci_high"] - one.loc[common, "ci_low"])
    move = two.loc[common, "capability"] - one.loc[common, "capability"]
    out = pd.DataFrame({"move": move, "width": width})
    with np.errstate(divide="ignore", invalid="ignore"):
        out["move_over_width"] = (move.abs() / width).where(width > 0)
        out["move_over_halfwidth"] = (2 * move.abs() / width).where(width > 0)
    return out.reset_index(names="model_id")


def stability(scores: pd.DataFrame, base: IRTFit, anchors: Anchors, **fit_options) -> pd.DataFrame:
    """Refit dropping each benchmark in turn (no bootstrap): per dropped benchmark, the models compared, the median
    and the largest move relative to the base interval's width, and the model that moved most."""
    return pd.DataFrame([{"dropped": benchmark,
                          **refit_moves(scores[scores["benchmark"] != benchmark], base, anchors, fit_options)}
                         for benchmark in sorted(base.benchmarks["benchmark"])])


def refit_moves(scores: pd.DataFrame, base: IRTFit, anchors: Anchors, fit_options: dict) -> dict:
    """Refit on ``scores`` (no bootstrap) and compare with ``base``: the models compared, the median and the largest
    move relative to the base interval's width, the share moved beyond the half-width, the model that moved most;
    or why the refit failed (an anchor lost too many scores)."""
    try:
        refit = fit_capability(scores, anchors, **{**fit_options, "n_bootstrap": 0})
    except ValueError as error:
        return {"models": 0, "note": str(error)}
    m = moves(base, refit).dropna(subset=["move_over_width"])
    worst = m.loc[m["move_over_width"].idxmax()]
    return {"models": len(m), "median_move_over_width": m["move_over_width"].median(),
            "share_moved_beyond_halfwidth": float((m["move_over_halfwidth"] > 1).mean()),
            "max_move_over_width": worst["move_over_width"], "max_move": worst["move"],
            "max_model": worst["model_id"], "note": ""}


def with_capability(analysis: pd.DataFrame, capabilities: pd.DataFrame) -> pd.DataFrame:
    """The analysis table with ``score_capability`` filled from a capability table (model_id, capability): the
    scale joins like any score, so every method can take ``quality_measure = "capability"``. Models the scale does
    not cover keep NaN; a score_capability the table already has is replaced (the scale is refitted, not merged).
    The interval stays in ``capability.csv`` (the analysis table's columns are one score per measure)."""
    table = capabilities.drop_duplicates("model_id").set_index("model_id")
    out = analysis.copy()
    out["score_capability"] = out["model_id"].map(table["capability"]).astype(float)
    if "se" in table:  # its measurement error's variance, for fits that control for it (tasks/core/eiv.py)
        out[CAPABILITY_VAR] = out["model_id"].map(table["se"] ** 2).astype(float)
    return out


CAPABILITY_VAR = "capability_var"  # the analysis table's column: each model's capability's error variance


def fit_vintages(folder: Path, base: IRTFit, anchors: Anchors, **fit_options) -> pd.DataFrame:
    """Refit on each vintage alone (no bootstrap) and on the data before and after MMLU-Pro's retirement: per
    refit, the models compared with the base fit and the largest move relative to the base interval's width."""
    fits = {f"vintage {f.stem.removeprefix('llms_models_')} alone": read_vintage(f).scores
            for f in vintage_files(folder)}
    every = assemble(folder).scores
    fits["without MMLU-Pro (as after its retirement)"] = every[every["benchmark"] != "mmlu_pro"]
    scored = every[every["benchmark"] == "mmlu_pro"]["model_id"].unique()
    fits["only models with an MMLU-Pro score (as before its retirement)"] = every[every["model_id"].isin(scored)]
    return pd.DataFrame([{"refit": label, **refit_moves(scores, base, anchors, fit_options)}
                         for label, scores in fits.items()])


def eci_rank_correlation(capabilities: pd.DataFrame, published: pd.DataFrame,
                         anchors: Anchors = DEFAULT_ANCHORS) -> dict:
    """Spearman's rank correlation between this scale and published ECI values (``data/eci_published.csv``) over
    the models both have, the anchors left out (both scales fix them). Reported, not asserted."""
    from scipy.stats import spearmanr

    both = capabilities.merge(published, on="model_id")
    both = both[~both["model_id"].isin([anchors.low_model, anchors.high_model])]
    rho, p = spearmanr(both["capability"], both["eci"])
    return {"n": len(both), "spearman": float(rho), "p_value": float(p),
            "mean_abs_difference": float((both["capability"] - both["eci"]).abs().mean()),
            "pairs": both[["model_id", "capability", "eci"]].sort_values("eci").reset_index(drop=True)}
