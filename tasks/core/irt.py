"""A latent capability scale fitted across benchmarks (item response theory, one item per benchmark).

Model (Epoch AI's Capabilities Index has the same form): for model ``m`` and benchmark ``b``, the benchmark's score
normalised for its random-guess floor and its ceiling,

    s_mb = (raw_mb - guess_b) / (ceiling_b - guess_b), clipped to [0, 1],

is predicted by ``p_mb = sigmoid(a_b * (c_m - d_b))``: ``c_m`` the model's capability, ``d_b`` the benchmark's
difficulty (the capability that scores half of the way from the floor to the ceiling), ``a_b > 0`` its
discrimination (how steeply the score rises with capability). The parameters minimise the penalised least squares

    sum_(m,b observed) (s_mb - p_mb)^2 + ridge * (sum_m c_m^2 + sum_b d_b^2 + sum_b log(a_b)^2)

(Gauss-Newton with a trust region and the analytic Jacobian; ``a_b = exp(alpha_b)``; the ridge is tiny, 1e-6 by default, a guard against a
benchmark every model saturates, not a prior). The fit is unchanged by ``c -> k c + t``, ``d -> k d + t``,
``a -> a / k``: the **anchoring** removes that freedom. Two reference models (named by the caller) are held at
capability 0 and 1 during the fit (not free parameters), and the affine map of that family that sends 0 and 1 to the
caller's two values gives the reported scale. The anchoring is exact (the anchors get exactly their values, in every
bootstrap replicate too) and leaves every prediction unchanged.

**Intervals: a residual (parametric) bootstrap** (not a resampling of benchmarks or of models). The capability of
a model is a property of that model given the benchmarks the scale is built on; what is uncertain about it is the
noise of each score (a benchmark is a finite sample of questions, its score a proportion with variance
``p (1 - p) / n_eff``) and the estimated difficulties and discriminations it is measured against. The dispersion
``phi_b = 1 / n_eff`` of each benchmark is estimated from its residuals (each divided by ``1 - h``, ``h`` the cell's
leverage in the linearised fit, so that a model measured on three benchmarks does not lend the too-small residuals
of a fit with one parameter per three cells); it absorbs the model's misfit as well as the sampling noise. Each
replicate keeps every (model, benchmark) cell, draws its score as ``fitted + sqrt(phi_b p (1 - p)) * N(0, 1)``
(clipped to [0, 1]), refits everything (warm start) and re-anchors. A wild bootstrap (each cell's own residual with a
random sign) was tried first: right on average, but its per-model widths are noisy (one squared residual per cell
estimates each variance) and the simulated coverage was 60-90% by data set. Resampling benchmarks would
instead measure how much the scale depends on which benchmarks it uses: that is the separate stability check
(``tasks.data.capability``: refits dropping each benchmark), not the precision of a capability. The anchor models
have zero-width intervals by construction (the scale is defined by them).

Models with fewer than ``min_scores`` usable scores get no capability (returned with the reason), as do benchmarks
with fewer than ``min_models`` models (left out of the fit, with the reason); the fit repeats the filter until both
hold (dropping a benchmark can leave a model with too few scores).

Pure numpy/scipy: the inputs and outputs are pandas tables, the fit works on arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import least_squares
from scipy.special import expit, logit

# Normalisation of each benchmark: (random-guess floor, ceiling), both as fractions of the raw score's scale.
# The floor is the score of uniform guessing where the benchmark is multiple choice (4 options: GPQA Diamond, MMLU;
# 10 options: MMLU-Pro); free-response, code and agentic benchmarks have floor 0 (HLE is mostly exact-match answers,
# its multiple-choice minority gives a guess rate of a few percent at most, left at 0). Ceilings are 1 (100%): no
# benchmark here publishes a label-error ceiling the sources agree on, so none is assumed.
NORMALISATION: dict[str, tuple[float, float]] = {
    "mmlu_pro": (0.10, 1.0),
    "mmlu": (0.25, 1.0),
    "gpqa_diamond": (0.25, 1.0),
    "hle": (0.0, 1.0),
    "livecodebench": (0.0, 1.0),
    "scicode": (0.0, 1.0),
    "math_500": (0.0, 1.0),
    "math_level_5": (0.0, 1.0),
    "aime_2024": (0.0, 1.0),
    "aime_2025": (0.0, 1.0),
    "aime": (0.0, 1.0),
    "humaneval": (0.0, 1.0),
    "ifbench": (0.0, 1.0),
    "lcr": (0.0, 1.0),
    "tau2": (0.0, 1.0),
    "terminalbench_hard": (0.0, 1.0),
    "swe_bench_verified": (0.0, 1.0),
    "arc_agi_1": (0.0, 1.0),
}


def normalise(benchmark: str, raw):
    """``(raw - guess) / (ceiling - guess)`` clipped to [0, 1]; KeyError for a benchmark without a documented
    floor and ceiling (composite indices and Elo ratings are not items of this scale)."""
    guess, ceiling = NORMALISATION[benchmark]
    return np.clip((np.asarray(raw, dtype=float) - guess) / (ceiling - guess), 0.0, 1.0)


@dataclass(frozen=True)
class Anchors:
    """Two reference models and the capabilities they are given (``low_value < high_value`` is not required, but
    the two values must differ)."""

    low_model: str
    high_model: str
    low_value: float = 0.0
    high_value: float = 1.0


@dataclass
class IRTFit:
    capabilities: pd.DataFrame  # model_id, capability, ci_low, ci_high, se, n_benchmarks, benchmarks
    benchmarks: pd.DataFrame  # benchmark, difficulty, discrimination, n_models, observed_mean, predicted_mean, rmse
    excluded: pd.DataFrame  # kind (model/benchmark), id, reason
    cells: pd.DataFrame  # model_id, benchmark, score (normalised), predicted
    anchors: Anchors
    replicates: np.ndarray = field(repr=False)  # (n_bootstrap, n_models) anchored capabilities
    objective: float = float("nan")


def _start(s, mi, bi, n_m, n_b):
    lg = logit(np.clip(s, 0.02, 0.98))
    c = np.bincount(mi, lg, minlength=n_m) / np.maximum(np.bincount(mi, minlength=n_m), 1)
    c = (c - c.mean()) / (c.std() or 1.0)
    d = np.bincount(bi, c[mi] - lg, minlength=n_b) / np.maximum(np.bincount(bi, minlength=n_b), 1)
    return np.concatenate([c, d, np.zeros(n_b)])


def _solve(s, mi, bi, n_m, n_b, ridge, start, fixed):
    """Minimise with the two anchor models' capabilities held at 0 and 1 (not parameters): this removes the two
    flat directions of the fit (shift and scale). Gauss-Newton with a trust region (``least_squares``, the
    analytic sparse Jacobian; the ridge enters as ``sqrt(ridge) * theta`` pseudo-residuals): a first-order method
    (L-BFGS) needed 1,000+ iterations on the AA data, where models that top or floor every benchmark leave long
    flat valleys; this converges in tens."""
    free = np.ones(len(start), dtype=bool)
    free[list(fixed)] = False
    full = start.copy()
    for i, value in fixed.items():
        full[i] = value
    n_obs, n_par = len(s), len(start)
    rows = np.arange(n_obs)
    root = np.sqrt(ridge)
    pen_rows = n_obs + np.arange(n_par)

    def unpack(x):
        theta = full.copy()
        theta[free] = x
        return theta

    def residuals(x):
        theta = unpack(x)
        c, d, alpha = theta[:n_m], theta[n_m:n_m + n_b], theta[n_m + n_b:]
        p = expit(np.exp(alpha)[bi] * (c[mi] - d[bi]))
        return np.concatenate([p - s, root * theta])

    def jacobian(x):
        theta = unpack(x)
        c, d, alpha = theta[:n_m], theta[n_m:n_m + n_b], theta[n_m + n_b:]
        a = np.exp(alpha)
        z = a[bi] * (c[mi] - d[bi])
        p = expit(z)
        w = p * (1 - p)
        r = np.concatenate([rows, rows, rows, pen_rows])
        col = np.concatenate([mi, n_m + bi, n_m + n_b + bi, np.arange(n_par)])
        val = np.concatenate([w * a[bi], -w * a[bi], w * z, np.full(n_par, root)])
        jac = sparse.csr_matrix((val, (r, col)), shape=(n_obs + n_par, n_par))
        return jac[:, free]

    res = least_squares(residuals, start[free], jac=jacobian, method="trf", tr_solver="lsmr",
                        x_scale="jac", xtol=1e-12, ftol=1e-12, gtol=1e-12, max_nfev=500)
    theta = unpack(res.x)
    return theta, float(2 * res.cost)


def _anchor_map(c, i_low, i_high, anchors):
    """(k, t) with k * c[i_low] + t = low_value and k * c[i_high] + t = high_value."""
    gap = c[i_high] - c[i_low]
    if gap == 0:
        raise ValueError("the two anchor models have the same fitted capability; choose other anchors")
    k = (anchors.high_value - anchors.low_value) / gap
    return k, anchors.low_value - k * c[i_low]


def _leverage(theta, mi, bi, n_m, n_b, ridge, fixed):
    """Diagonal of J (J'J + ridge I)^-1 J' of the linearised fit (J: d prediction / d parameters)."""
    c, d, alpha = theta[:n_m], theta[n_m:n_m + n_b], theta[n_m + n_b:]
    a = np.exp(alpha)
    z = a[bi] * (c[mi] - d[bi])
    p = expit(z)
    w = p * (1 - p)
    n_obs, n_par = len(mi), n_m + 2 * n_b
    jac = np.zeros((n_obs, n_par))
    rows = np.arange(n_obs)
    jac[rows, mi] = w * a[bi]
    jac[rows, n_m + bi] = -w * a[bi]
    jac[rows, n_m + n_b + bi] = w * z
    jac = np.delete(jac, sorted(fixed), axis=1)  # the anchors' capabilities are not parameters
    info = jac.T @ jac + max(ridge, 1e-9) * np.eye(jac.shape[1])
    sol = np.linalg.solve(info, jac.T)
    return np.clip(np.einsum("ij,ji->i", jac, sol), 0.0, 0.99)


def _filter(table: pd.DataFrame, min_scores: int, min_models: int):
    excluded = []
    while True:
        per_bench = table.groupby("benchmark")["model_id"].nunique()
        thin_b = per_bench[per_bench < min_models]
        for b, n in thin_b.items():
            excluded.append(("benchmark", b, f"{n} model(s) scored, fewer than {min_models}"))
        table = table[~table["benchmark"].isin(thin_b.index)]
        per_model = table.groupby("model_id")["benchmark"].nunique()
        thin_m = per_model[per_model < min_scores]
        for m, n in thin_m.items():
            excluded.append(("model", m, f"{n} benchmark score(s), fewer than {min_scores}"))
        table = table[~table["model_id"].isin(thin_m.index)]
        if thin_b.empty and thin_m.empty:
            return table, excluded


def fit_capability(scores: pd.DataFrame, anchors: Anchors, *, min_scores: int = 3, min_models: int = 5,
                   ridge: float = 1e-6, n_bootstrap: int = 200, ci_level: float = 0.90, seed: int = 0,
                   normalised: bool = False) -> IRTFit:
    """Fit the scale on ``scores`` (columns model_id, benchmark, score: raw fractions, normalised here with
    ``NORMALISATION`` unless ``normalised``). One score per (model, benchmark): duplicates are an error.

    Rows with a missing score are ignored; the result does not depend on the order of the rows (models and
    benchmarks are sorted before the fit, so the bootstrap's draws fall on the same cells whatever the order)."""
    table = scores[["model_id", "benchmark", "score"]].dropna(subset=["score"]).copy()
    if table.duplicated(["model_id", "benchmark"]).any():
        dup = table[table.duplicated(["model_id", "benchmark"], keep=False)].head(3).to_dict("records")
        raise ValueError(f"more than one score per (model, benchmark), e.g. {dup}")
    excluded = []
    if not normalised:
        unknown = sorted(set(table["benchmark"]) - set(NORMALISATION))
        for b in unknown:
            excluded.append(("benchmark", b, "no documented guess floor and ceiling (not an item of the scale)"))
        table = table[table["benchmark"].isin(NORMALISATION)]
        table["score"] = [float(normalise(b, v)) for b, v in zip(table["benchmark"], table["score"])]
    table, more = _filter(table, min_scores, min_models)
    excluded += more
    for anchor in (anchors.low_model, anchors.high_model):
        if anchor not in set(table["model_id"]):
            raise ValueError(f"anchor model {anchor!r} has no capability (too few scores or absent)")
    table = table.sort_values(["model_id", "benchmark"]).reset_index(drop=True)
    models = np.array(sorted(table["model_id"].unique()))
    benches = np.array(sorted(table["benchmark"].unique()))
    mi = np.searchsorted(models, table["model_id"].to_numpy())
    bi = np.searchsorted(benches, table["benchmark"].to_numpy())
    s = table["score"].to_numpy(dtype=float)
    n_m, n_b = len(models), len(benches)
    i_low, i_high = (int(np.searchsorted(models, anchors.low_model)),
                     int(np.searchsorted(models, anchors.high_model)))
    if i_low == i_high:
        raise ValueError("the two anchors must be different models")
    fixed = {i_low: 0.0, i_high: 1.0}
    start = _start(s, mi, bi, n_m, n_b)
    start[:n_m] = (start[:n_m] - start[i_low]) / ((start[i_high] - start[i_low]) or 1.0)
    theta, fun = _solve(s, mi, bi, n_m, n_b, ridge, start, fixed)

    def anchored(th):
        c, d, a = th[:n_m], th[n_m:n_m + n_b], np.exp(th[n_m + n_b:])
        k, t = _anchor_map(c, i_low, i_high, anchors)
        return k * c + t, k * d + t, a / k

    c, d, a = anchored(theta)
    pred = expit(a[bi] * (c[mi] - d[bi]))
    resid = s - pred
    lev = _leverage(theta, mi, bi, n_m, n_b, ridge, fixed)
    # dispersion per benchmark: a score is a proportion over the benchmark's questions, variance p (1 - p) / n_eff;
    # phi_b = 1 / n_eff from the leverage-corrected residuals (it absorbs the model's misfit as well as the noise)
    binom = np.maximum(pred * (1 - pred), 1e-4)
    phi = np.bincount(bi, resid ** 2 / ((1.0 - lev) * binom), minlength=n_b) / np.bincount(bi, minlength=n_b)
    sd = np.sqrt(phi[bi] * binom)
    rng = np.random.default_rng(seed)
    reps = np.empty((n_bootstrap, n_m))
    for r in range(n_bootstrap):
        s_star = np.clip(pred + sd * rng.standard_normal(len(s)), 0.0, 1.0)
        th_star, _ = _solve(s_star, mi, bi, n_m, n_b, ridge, theta, fixed)
        reps[r] = anchored(th_star)[0]
    tail = (1 - ci_level) / 2
    if n_bootstrap:
        lo, hi = np.quantile(reps, [tail, 1 - tail], axis=0)
    else:
        lo = hi = np.full(n_m, np.nan)
    lists = table.groupby("model_id")["benchmark"].apply(lambda x: ";".join(sorted(x)))
    # the bootstrap's standard deviation per model: the measurement error a fit that controls for the capability
    # must allow for (tasks/core/eiv.py)
    se = reps.std(axis=0, ddof=1) if n_bootstrap >= 2 else np.full(n_m, np.nan)
    caps = pd.DataFrame({"model_id": models, "capability": c, "ci_low": lo, "ci_high": hi, "se": se,
                         "n_benchmarks": np.bincount(mi, minlength=n_m),
                         "benchmarks": lists.reindex(models).to_numpy()})
    bench = pd.DataFrame({
        "benchmark": benches, "difficulty": d, "discrimination": a,
        "n_models": np.bincount(bi, minlength=n_b),
        "observed_mean": np.bincount(bi, s, minlength=n_b) / np.bincount(bi, minlength=n_b),
        "predicted_mean": np.bincount(bi, pred, minlength=n_b) / np.bincount(bi, minlength=n_b),
        "rmse": np.sqrt(np.bincount(bi, resid ** 2, minlength=n_b) / np.bincount(bi, minlength=n_b)),
    })
    cells = table.assign(predicted=pred)
    return IRTFit(capabilities=caps, benchmarks=bench,
                  excluded=pd.DataFrame(excluded, columns=["kind", "id", "reason"]),
                  cells=cells, anchors=anchors, replicates=reps, objective=fun)
