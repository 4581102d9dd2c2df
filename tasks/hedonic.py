"""Hedonic regression (the FutureTech study's "Method 2"), with the intervals and estimators that test it.

ln(price) = a * release day + b * score (+ more benchmark scores as controls) + c, over every model of the subset
whose quality score lies in the preset's range (closed), all release dates. The time coefficient is the
quality-adjusted trend. Models missing any control are left out of that fit (``n`` says how many remain), so
compare fits with different controls by adjusted R^2.

One trend gives one row per (estimator, interval method):

- ``ols`` estimator, ``ci_method`` ``ols`` (classical) and ``hc3`` (heteroskedasticity-robust), t with n - k df;
- ``cluster``: cluster-robust by creator (statsmodels ``cov_type="cluster"``: CR1 correction, t with G - 1 df).
  Labs price their families alike and families are near-duplicates, so models of one creator are not independent
  draws. Creators come from the source, else from ``data/creators.csv`` (``tasks/creators.py``); a model neither
  attributes is its own cluster, and the row's note names it. The note starts with "G creator clusters";
- ``wild_cluster``: the wild cluster restricted bootstrap-t with the interval by test inversion
  (``tasks/robust.py``: Rademacher weights, Webb's six-point weights below 12 clusters; seeded; B = 999 by default).
  With few clusters (G < 30 by default: ``wild_cluster_below``) the cluster-robust t interval is too narrow and
  this is the interval to read: when ``cluster`` is asked for and G is below that, the wild row is added even if
  the preset did not list it;
- ``quantile_0.5`` / ``quantile_0.2`` estimators: median and 20th-percentile regressions (statsmodels QuantReg),
  ``ci_method = bootstrap``: a seeded pairs bootstrap, 499 resamples by default (QuantReg's own kernel interval has
  no name in the frozen ``ci_method`` vocabulary; see ``tasks/robust.py``). About 0.6 s per quantile and trend.

Variant ``no_reasoning`` (``spec.exclude_reasoning``): the same fits without the models flagged as reasoning
models (``reasoning`` true), as Epoch AI does: their per-token prices are not comparable (they spend many more
tokens per task). Models whose flag is unknown are kept; every row's note says how many were excluded and how many
unknown ones were kept.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from schemas.analysis import POINT_COLUMNS
from tasks.bands import in_band
from tasks.caching import cached_task
from tasks.creators import assign_creators, creators_file, read_creator_map
from tasks.io import read_parquet
from tasks.quantities import model_values
from tasks.robust import quantile_fit, wild_cluster_fit
from tasks.stats import FitError, SlopeFit, log_values, ols_fits, release_day
from tasks.trends import trend_run_name, TrendResult, TrendSpec, points_frame, rows_frame, trend_row, write_result

CLASSICAL = ("ols", "hc3")


def quantile_estimator(q: float) -> str:
    """``quantile_0.5``, ``quantile_0.2``: the ``estimator`` value of a quantile regression."""
    return f"quantile_{q:g}"


def is_reasoning(frame: pd.DataFrame) -> pd.Series:
    """True where the model is flagged as a reasoning model; False where it is not or unknown."""
    if "reasoning" not in frame:
        return pd.Series(False, index=frame.index)
    return frame["reasoning"].astype("boolean").fillna(False).astype(bool)


def reasoning_unknown(frame: pd.DataFrame) -> pd.Series:
    if "reasoning" not in frame:
        return pd.Series(True, index=frame.index)
    return frame["reasoning"].astype("boolean").isna()


def hedonic_candidates(analysis: pd.DataFrame, spec: TrendSpec) -> pd.DataFrame:
    """Every model of the subset with a value and the quality score in range (reasoning models included)."""
    frame = model_values(analysis, spec.quantity, spec.subset, spec.price_type, spec.price_source)
    return frame[in_band(frame[f"score_{spec.quality_measure}"], spec.quality_measure, spec.band_low,
                         spec.band_high, "closed")]


def hedonic_sample(analysis: pd.DataFrame, spec: TrendSpec) -> tuple[pd.DataFrame, int]:
    """The fit's sample, and the number of candidates before dropping models that miss a control."""
    frame = hedonic_candidates(analysis, spec)
    if spec.exclude_reasoning:
        frame = frame[~is_reasoning(frame)]
    candidates = len(frame)
    controls = [f"score_{c}" for c in spec.controls]
    frame = frame.dropna(subset=controls)
    return frame.sort_values(["release_date", "model_id"], kind="mergesort").reset_index(drop=True), candidates


def planned_rows(spec: TrendSpec) -> list[tuple[str, str]]:
    """(estimator, ci_method) of every row the spec asks for (before a wild row added for few clusters)."""
    rows = [("ols", method) for method in spec.ci_methods]
    rows += [(quantile_estimator(q), "bootstrap") for q in spec.quantiles]
    return rows


def reasoning_note(analysis: pd.DataFrame, spec: TrendSpec) -> str | None:
    if not spec.exclude_reasoning:
        return None
    candidates = hedonic_candidates(analysis, spec)
    excluded, unknown = int(is_reasoning(candidates).sum()), int(reasoning_unknown(candidates).sum())
    return (f"without {excluded} reasoning model(s); {unknown} model(s) with unknown reasoning status kept")


def cluster_note(clusters: pd.DataFrame) -> str:
    """"G creator clusters; ..." (the report reads G from the start of this note)."""
    groups = clusters["cluster"].nunique()
    inferred = int((clusters["origin"] == "mapping").sum())
    note = (f"{groups} creator clusters; creator inferred from data/creators.csv for {inferred} of "
            f"{len(clusters)} models")
    orphans = clusters[clusters["origin"] == "none"]
    if len(orphans):
        note += "; no creator, own cluster: " + ", ".join(sorted(orphans["model_id"]))
    return note


def _join(*parts: str | None) -> str | None:
    text = "; ".join(p for p in parts if p)
    return text or None


def fit_hedonic(analysis: pd.DataFrame, spec: TrendSpec, creators: pd.DataFrame | None = None) -> TrendResult:
    """Fit one hedonic trend; ``creators``: the creator mapping (``data/creators.csv``), None for none."""
    base_note = reasoning_note(analysis, spec) if not spec.skip_note else None
    planned = planned_rows(spec)
    if spec.skip_note:
        rows = [trend_row(spec, estimator=e, ci_method=m, fit=None, n=0, n_candidates=0, first_date=None,
                          last_date=None, status="skipped", note=spec.skip_note) for e, m in planned]
        return TrendResult(rows=rows_frame(rows), points=pd.DataFrame(columns=POINT_COLUMNS))
    sample, candidates = hedonic_sample(analysis, spec)
    n = len(sample)
    first = sample["release_date"].min() if n else None
    last = sample["release_date"].max() if n else None
    common = dict(n=n, n_candidates=candidates, first_date=first, last_date=last)
    status, note = "ok", None
    if n < spec.min_points:
        status, note = "insufficient", f"{n} model(s), fewer than the minimum of {spec.min_points}"
    results: dict[tuple[str, str], tuple[SlopeFit | None, str | None]] = {}
    if status == "ok":
        results = _fit_all(sample, spec, creators)
    rows = []
    for key in planned + [k for k in results if k not in planned]:
        estimator, method = key
        fit, row_note = results.get(key, (None, note))
        row_status = "ok" if fit is not None else "insufficient"
        rows.append(trend_row(spec, estimator=estimator, ci_method=method, fit=fit, status=row_status,
                              note=_join(base_note, row_note), **common))
    in_fit = status == "ok"
    points = sample[["model_id", "name", "release_date", "value"]].assign(is_record=pd.NA, in_fit=in_fit)
    return TrendResult(rows=rows_frame(rows), points=points_frame(points, spec.trend_id))


def _fit_all(sample: pd.DataFrame, spec: TrendSpec, creators: pd.DataFrame | None
             ) -> dict[tuple[str, str], tuple[SlopeFit | None, str | None]]:
    """Every planned fit on an adequate sample: (estimator, ci_method) -> (fit or None, note)."""
    y = log_values(sample["value"], spec.log_base)
    x = release_day(sample["release_date"])
    controls = sample[[f"score_{c}" for c in spec.controls]].to_numpy()
    out: dict[tuple[str, str], tuple[SlopeFit | None, str | None]] = {}
    classical = [m for m in spec.ci_methods if m in CLASSICAL]
    try:
        fits = ols_fits(y, x, controls=controls, ci_level=spec.ci_level, ci_methods=tuple(classical))
        out.update({("ols", m): (fits[m], None) for m in classical})
    except FitError as err:
        out.update({("ols", m): (None, str(err)) for m in classical})
    clustered = [m for m in spec.ci_methods if m in ("cluster", "wild_cluster")]
    if clustered:
        frame = sample.assign(creator=sample["creator"] if "creator" in sample else None)
        clusters = assign_creators(frame, creators)
        groups = clusters["cluster"].to_numpy()
        count = clusters["cluster"].nunique()
        about = cluster_note(clusters)
        if "cluster" in clustered and "wild_cluster" not in clustered and count < spec.wild_cluster_below:
            clustered.append("wild_cluster")
        if "cluster" in clustered:
            try:
                fit = ols_fits(y, x, controls=controls, ci_level=spec.ci_level, ci_methods=("cluster",),
                               groups=groups)["cluster"]
                out[("ols", "cluster")] = (fit, f"{about}; CR1, t with {count - 1} df")
            except FitError as err:
                out[("ols", "cluster")] = (None, f"{err}; {about}")
        if "wild_cluster" in clustered:
            try:
                wild = wild_cluster_fit(y, x, controls, groups, spec.ci_level, spec.wild_bootstrap, spec.seed)
                how = (f"every one of the {wild.resamples} {wild.weights} weight vectors" if wild.enumerated
                       else f"B = {wild.resamples} {wild.weights} draws, seed {spec.seed}")
                unbounded = (" (unbounded: no slope on that side is rejected)"
                             if not all(map(math.isfinite, (wild.fit.ci_low, wild.fit.ci_high))) else "")
                out[("ols", "wild_cluster")] = (
                    wild.fit, f"{about}; wild cluster bootstrap-t, null imposed, {how}; interval by test inversion"
                              + unbounded)
            except FitError as err:
                out[("ols", "wild_cluster")] = (None, f"{err}; {about}")
    for q in spec.quantiles:
        key = (quantile_estimator(q), "bootstrap")
        try:
            result = quantile_fit(y, x, controls, q, spec.ci_level, spec.quantile_bootstrap, spec.seed)
            how = (f"pairs bootstrap, {result.usable} of {result.resamples} resamples usable, seed {spec.seed}, "
                   "percentile interval" if result.resamples else "no interval (quantile_bootstrap = 0)")
            exact = f"; {result.exact_refits} refit(s) solved exactly (IRLS did not converge)" if result.exact_refits \
                else ""
            out[key] = (result.fit, f"QuantReg, q = {q:g}; {how}{exact}; pseudo R^2 {result.pseudo_r_squared:.3f}")
        except FitError as err:
            out[key] = (None, str(err))
    return out



@cached_task(name="hedonic", task_run_name=trend_run_name)
def hedonic_task(spec: TrendSpec, analysis_path: Path, creators_path: Path = creators_file()) -> dict[str, Path]:
    """``creators_path`` (default ``data/creators.csv``) is part of the cache key by content, like every path."""
    creators = read_creator_map(creators_path) if creators_path is not None and Path(creators_path).exists() else None
    result = fit_hedonic(read_parquet(analysis_path), spec, creators)
    return write_result(result, spec, "hedonic")


def hedonic_coefficients(analysis: pd.DataFrame, spec: TrendSpec) -> tuple[pd.DataFrame, dict[str, float]]:
    """The fit's sample and every coefficient (const, day, one per control), for figures that adjust for quality."""
    import statsmodels.api as sm

    sample, _ = hedonic_sample(analysis, spec)
    controls = [f"score_{c}" for c in spec.controls]
    design = sm.add_constant(np.column_stack([release_day(sample["release_date"]), sample[controls].to_numpy()]),
                             has_constant="add")
    params = sm.OLS(log_values(sample["value"], spec.log_base), design).fit().params
    return sample, dict(zip(["const", "day", *controls], map(float, params)))
