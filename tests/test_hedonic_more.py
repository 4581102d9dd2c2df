"""The hedonic regression done thoroughly: creator clusters, the wild cluster bootstrap, quantile regressions and the
fits without reasoning models, each checked against a hand computation or an independent implementation (numpy
formulas, statsmodels called directly, a linear program written here), never against the code under test."""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as scipy_stats
from scipy.optimize import linprog

from tasks.data.canonical import read_snapshot
from tasks.data.clean import clean, read_corrections
from tasks.data.creators import assign_creators, creator_from_name, creators_file, read_creator_map
from tasks.methods.hedonic import fit as fit_hedonic, hedonic_sample
from tasks.study.plan import plan_trends
from tasks.study.presets import load_preset
from tasks.core.robust import WEBB_WEIGHTS, WildClusterBootstrap, quantile_fit, quantile_irls, wild_cluster_fit, wild_weights
from tasks.files.settings import PROJECT_ROOT, corrections_file
from tasks.study.tables import finalise_trends
from tasks.trends import NO_REASONING
from tests.test_hedonic import hedonic_spec, toy_frame

SNAPSHOTS = PROJECT_ROOT / "data" / "snapshots"


# --- creators ----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mapping() -> pd.DataFrame:
    return read_creator_map(creators_file())


@pytest.mark.parametrize("name, creator", [
    ("Llama 3 70B", "Meta"),
    ("Llama 3.1 Nemotron 70B", "NVIDIA"),  # a fine-tune released by another lab: before the Llama rule
    ("Hermes 3 - Llama-3.1 70B", "Nous Research"),
    ("DeepHermes 3 - Mistral 24B", "Nous Research"),
    ("DeepSeek R1 Distill Llama 8B", "DeepSeek"),
    ("DeepSeek R1 Distill Qwen 14B", "DeepSeek"),
    ("QwQ 32B-Preview", "Alibaba"),
    ("Qwen2.5 Coder 7B", "Alibaba"),
    ("o3-mini (high)", "OpenAI"),
    ("GPT-4o mini", "OpenAI"),
    ("OpenChat 3.5", "OpenChat"),  # starts with "o" but is not an o-series model
    ("Mixtral 8x22B", "Mistral"),
    ("gemma 2 9b", "Google"),  # case-insensitive
    ("R1 1776", "Perplexity"),
    ("Phi-4 Mini", "Microsoft"),
    ("Command-R+ (Apr '24)", "Cohere"),
    ("May be Maverick Lost Name", None),  # nothing says who made it: no guess
])
def test_creator_from_name(mapping, name, creator):
    assert creator_from_name(name, mapping) == creator


def test_assign_creators_keeps_the_source_and_falls_back_to_own_cluster(mapping):
    models = pd.DataFrame({"model_id": ["a", "b", "c", "d", "e"],
                           "name": ["Llama 3 8B", "Llama 3 70B", "Mystery 7B", "Mistral NeMo", "Devstral"],
                           "creator": ["Acme Labs", None, None, "", "  mistral "]})
    out = assign_creators(models, mapping)
    assert list(out["creator"]) == ["Acme Labs", "Meta", None, "Mistral", "mistral"]
    assert list(out["origin"]) == ["source", "mapping", "none", "mapping", "source"]
    # clusters compare creators case-insensitively; an unattributed model is its own cluster
    assert list(out["cluster"]) == ["acme labs", "meta", "model:c", "mistral", "mistral"]
    assert list(assign_creators(models, None)["origin"]) == ["source", "none", "none", "none", "source"]


def test_creator_map_rejects_bad_rows(tmp_path):
    bad = tmp_path / "creators.csv"
    bad.write_text("pattern,creator,reason,source\n^Llama,Meta,r,s\n(unclosed,X,r,s\n")
    with pytest.raises(ValueError, match="line 3.*not a valid regular expression"):
        read_creator_map(bad)
    bad.write_text("pattern,creator\n^Llama,Meta\n")
    with pytest.raises(ValueError, match="missing column"):
        read_creator_map(bad)


@functools.cache
def bundled_analysis(name: str) -> pd.DataFrame:
    return clean(read_snapshot(SNAPSHOTS / name), read_corrections(corrections_file())).analysis


@pytest.mark.parametrize("snapshot", ["futuretech-2025-07", "aa-2026-07"])
def test_every_model_of_the_bundled_hedonic_samples_has_a_creator(mapping, snapshot):
    analysis = bundled_analysis(snapshot)
    specs = [s for s in plan_trends(load_preset("futuretech-2025"), snapshot,
                                    set(analysis["price_source"].dropna())) if s.method == "hedonic"]
    assert specs
    origins = pd.concat([assign_creators(hedonic_sample(analysis, s)[0], mapping) for s in specs])
    assert (origins["origin"] != "none").all(), sorted(set(origins[origins["origin"] == "none"]["model_id"]))
    if snapshot == "futuretech-2025-07":  # the FutureTech file leaves most creators empty: the mapping fills them
        assert (origins["origin"] == "mapping").sum() > (origins["origin"] == "source").sum()
    else:  # Artificial Analysis names every creator
        assert (origins["origin"] == "source").all()


# --- cluster-robust interval ----------------------------------------------------------------------------------------
def clustered_frame(n=48, groups=9, seed=11) -> pd.DataFrame:
    """A toy analysis table whose errors share a component within each creator."""
    frame = toy_frame(n=n, seed=seed)
    rng = np.random.default_rng(seed + 1)
    creators = [f"Lab {i}" for i in rng.integers(0, groups, n)]
    effects = {c: rng.normal(0, 0.8) for c in sorted(set(creators))}
    frame["blended_usd_per_mtok"] *= np.exp([effects[c] for c in creators])
    frame["creator"] = creators
    frame["open_weights"] = True
    frame["score_mmlu_pro"] = rng.uniform(0.41, 0.69, n).round(4)
    return frame


def design_of(frame: pd.DataFrame, controls=("mmlu_pro",)):
    days = (frame.release_date - pd.Timestamp("1970-01-01")).dt.days.to_numpy(dtype=float)
    X = np.column_stack([np.ones(len(frame)), days] + [frame[f"score_{c}"].to_numpy() for c in controls])
    return X, np.log(frame.blended_usd_per_mtok.to_numpy())


def test_cluster_interval_matches_the_cr1_formula_and_statsmodels():
    frame = clustered_frame()
    result = fit_hedonic(frame, hedonic_spec(ci_methods=("ols", "cluster"), wild_cluster_below=0))
    row = result.rows.set_index("ci_method").loc["cluster"]
    X, y = design_of(frame)
    n, k = X.shape
    # by hand: (X'X)^-1 [sum_g X_g' e_g e_g' X_g] (X'X)^-1 * G/(G-1) * (n-1)/(n-k), t with G-1 df
    beta = np.linalg.solve(X.T @ X, X.T @ y)
    e = y - X @ beta
    labels = frame["creator"].to_numpy()
    meat = sum(np.outer(X[labels == g].T @ e[labels == g], X[labels == g].T @ e[labels == g]) for g in set(labels))
    bread = np.linalg.inv(X.T @ X)
    G = len(set(labels))
    se = math.sqrt((bread @ meat @ bread)[1, 1] * G / (G - 1) * (n - 1) / (n - k))
    t = scipy_stats.t.ppf(0.95, G - 1)
    assert row.slope_se == pytest.approx(se, rel=1e-8)
    assert row.ci_low == pytest.approx(math.exp(-(beta[1] + t * se) * 365.25), rel=1e-8)
    assert row.ci_high == pytest.approx(math.exp(-(beta[1] - t * se) * 365.25), rel=1e-8)
    # and statsmodels called directly, with its defaults
    codes = pd.factorize(labels)[0]
    direct = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)
    low, high = direct.conf_int(alpha=0.1)[1]
    assert row.ci_high == pytest.approx(math.exp(-low * 365.25), rel=1e-8)
    assert row.note.startswith(f"{G} creator clusters")
    assert ("ols", "wild_cluster") not in set(zip(result.rows.estimator, result.rows.ci_method))


def test_few_clusters_add_the_wild_cluster_row():
    frame = clustered_frame(groups=6)
    rows = fit_hedonic(frame, hedonic_spec(ci_methods=("ols", "cluster"), wild_bootstrap=199)).rows
    assert list(zip(rows.estimator, rows.ci_method)) == [("ols", "ols"), ("ols", "cluster"), ("ols", "wild_cluster")]
    assert (rows.status == "ok").all()


def test_a_model_without_creator_is_its_own_cluster():
    frame = clustered_frame(groups=5)
    frame.loc[frame.index[:2], "creator"] = None  # names M00, M01: no mapping row matches them
    rows = fit_hedonic(frame, hedonic_spec(ci_methods=("cluster",), wild_cluster_below=0)).rows
    assert rows.note.iloc[0].startswith(f"{frame['creator'].nunique() + 2} creator clusters")
    assert "no creator, own cluster: m00, m01" in rows.note.iloc[0]


# --- wild cluster bootstrap ---------------------------------------------------------------------------------------
def brute_force_wild_t(y, X, groups, b0, weights):
    """The WCR bootstrap t statistics, one refit at a time: restricted fit by lstsq, refits by statsmodels."""
    Z = np.delete(X, 1, axis=1)
    gamma = np.linalg.lstsq(Z, y - b0 * X[:, 1], rcond=None)[0]
    restricted = Z @ gamma + b0 * X[:, 1]
    u = y - restricted
    observed = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": groups})
    t = (observed.params[1] - b0) / observed.bse[1]
    boot = []
    for v in weights:
        fit = sm.OLS(restricted + v[groups] * u, X).fit(cov_type="cluster", cov_kwds={"groups": groups})
        boot.append((fit.params[1] - b0) / fit.bse[1])
    return t, np.array(boot)


def small_design(seed=5, n=30, groups=7):
    rng = np.random.default_rng(seed)
    g = np.sort(rng.integers(0, groups, n))
    g = pd.factorize(g)[0]
    years = rng.uniform(-1, 1, n) + 0.3 * rng.normal(size=groups)[g]
    X = np.column_stack([np.ones(n), years, rng.uniform(0.4, 0.7, n)])
    y = X @ [1.0, -1.2, 4.0] + rng.normal(0, 0.5, groups)[g] + rng.normal(0, 0.4, n)
    return y, X, g


@pytest.mark.parametrize("offset", [0.0, 0.3, -0.7, 1.5])
def test_wild_pvalue_equals_a_refit_per_replicate(offset):
    y, X, g = small_design()
    weights = np.random.default_rng(2).choice(WEBB_WEIGHTS, size=(60, g.max() + 1))
    boot = WildClusterBootstrap(y, X, g, weights)
    b0 = boot.estimate + offset
    t, t_star = brute_force_wild_t(y, X, g, b0, weights)
    mine_t, mine_star = boot.t_stats(b0)
    scale = math.sqrt(boot.cr1)  # statsmodels' t carries the CR1 constant; it cancels in the comparison
    assert mine_t / scale == pytest.approx(t, rel=1e-8)
    np.testing.assert_allclose(mine_star / scale, t_star, rtol=1e-7)
    assert boot.pvalue(b0) == pytest.approx(np.mean(np.abs(t_star) >= abs(t) * (1 - 1e-10)))
    assert boot.se == pytest.approx(sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": g}).bse[1], rel=1e-9)


def test_wild_interval_is_the_set_of_slopes_not_rejected():
    y, X, g = small_design(seed=8)
    weights, _, _ = wild_weights(g.max() + 1, 399, np.random.default_rng(4))
    boot = WildClusterBootstrap(y, X, g, weights)
    low, high = boot.interval(0.9)
    assert low < boot.estimate < high
    eps = 1e-6 * boot.se
    assert boot.pvalue(low + eps) >= 0.1 and boot.pvalue(low - eps) < 0.1
    assert boot.pvalue(high - eps) >= 0.1 and boot.pvalue(high + eps) < 0.1


def test_wild_weights():
    rng = np.random.default_rng(0)
    few, kind, enumerated = wild_weights(3, 999, rng)  # 6^3 = 216 <= 999: every Webb weight vector once
    assert kind == "Webb" and enumerated and few.shape == (216, 3) and len({tuple(r) for r in few}) == 216
    assert set(np.round(few.ravel() ** 2, 12)) == {0.5, 1.0, 1.5}
    some, kind, enumerated = wild_weights(8, 999, rng)
    assert kind == "Webb" and not enumerated and some.shape == (999, 8)
    many, kind, enumerated = wild_weights(12, 999, rng)
    assert kind == "Rademacher" and not enumerated and set(many.ravel()) == {-1.0, 1.0}


def test_wild_cluster_is_seeded_and_reproducible():
    frame = clustered_frame(groups=8)
    y, X = design_of(frame)[1], design_of(frame)[0]
    one = wild_cluster_fit(y, X[:, 1], X[:, 2:], frame["creator"], 0.9, 199, seed=7)
    again = wild_cluster_fit(y, X[:, 1], X[:, 2:], frame["creator"], 0.9, 199, seed=7)
    other = wild_cluster_fit(y, X[:, 1], X[:, 2:], frame["creator"], 0.9, 199, seed=8)
    assert one.fit == again.fit and one.fit.ci_low != other.fit.ci_low
    assert one.fit.slope == pytest.approx(np.linalg.lstsq(X, y, rcond=None)[0][1], rel=1e-9)
    rows = fit_hedonic(frame, hedonic_spec(ci_methods=("wild_cluster",), wild_bootstrap=199, seed=7)).rows
    assert rows.slope_per_day.iloc[0] == pytest.approx(one.fit.slope, rel=1e-12)
    assert rows.ci_low.iloc[0] == pytest.approx(math.exp(-one.fit.ci_high * 365.25), rel=1e-9)


def test_wild_cluster_interval_covers_the_truth_at_about_the_nominal_rate():
    """A seeded simulation: 8 clusters, errors and release dates correlated within clusters, a known slope."""
    rng = np.random.default_rng(20250713)
    truth, covered, cluster_t_covered, reps = -0.002, 0, 0, 300
    for rep in range(reps):
        g = rng.integers(0, 8, 40)
        g = pd.factorize(g)[0]
        days = 19000 + rng.uniform(0, 700, 40) + rng.normal(0, 150, 8)[g]
        score = rng.uniform(0.4, 0.7, 40)
        y = 2 + truth * (days - 19000) + 3 * score + rng.normal(0, 0.6, 8)[g] + rng.normal(0, 0.5, 40)
        fit = wild_cluster_fit(y, days, score[:, None], g, 0.9, 199, seed=rep).fit
        covered += fit.ci_low <= truth <= fit.ci_high
        X = sm.add_constant(np.column_stack([days, score]))
        low, high = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": g}, use_t=True).conf_int(0.1)[1]
        cluster_t_covered += low <= truth <= high
    assert 0.84 <= covered / reps <= 0.96, covered / reps
    assert cluster_t_covered <= covered + 15  # the cluster t interval is no better (it tends to undercover)


# --- quantile regression ---------------------------------------------------------------------------------------------
def lp_quantile(y, X, q):
    """The quantile regression's dual linear program (Koenker 2005, sec. 6.2), solved here independently:
    max y'a over a in [q-1, q]^n with X'a = 0; the coefficients are the equality constraints' multipliers."""
    n, k = X.shape
    result = linprog(-y, A_eq=X.T, b_eq=np.zeros(k), bounds=[(q - 1, q)] * n, method="highs")
    return -result.eqlin.marginals


def test_quantile_slope_matches_an_independent_linear_program():
    frame = toy_frame(n=45, seed=9)
    frame["open_weights"] = True
    frame["score_mmlu_pro"] = np.random.default_rng(1).uniform(0.41, 0.69, 45)
    rows = fit_hedonic(frame, hedonic_spec(ci_methods=("ols",), quantiles=(0.5, 0.2), quantile_bootstrap=0)).rows
    X, y = design_of(frame)
    X[:, 1] = (X[:, 1] - X[:, 1].mean()) / 365.25  # scaled for the LP's tolerances; the slope per year is the same
    for q in (0.5, 0.2):
        row = rows[rows.estimator == f"quantile_{q:g}"].iloc[0]
        assert row.ci_method == "bootstrap" and row.status == "ok" and pd.isna(row.ci_low)
        expected = lp_quantile(y, X, q)[1] / 365.25
        assert row.slope_per_day == pytest.approx(expected, rel=1e-5)
        # statsmodels QuantReg called directly on the same design
        direct = sm.QuantReg(y, X).fit(q=q).params[1] / 365.25
        assert row.slope_per_day == pytest.approx(direct, rel=1e-9)


def test_median_regression_by_hand():
    # five points on ln price = 3 - 0.002 * day, one far above it: least absolute deviations keeps the line
    days = np.array([0.0, 100, 200, 300, 400, 250])
    y = 3 - 0.002 * days
    y[-1] += 5
    result = quantile_fit(y, days, None, 0.5, resamples=0)
    assert result.fit.slope == pytest.approx(-0.002, abs=1e-9)
    assert sm.OLS(y, sm.add_constant(days)).fit().params[1] > -0.002  # OLS is pulled by the outlier


def test_vectorised_irls_equals_quantreg_resample_by_resample():
    rng = np.random.default_rng(3)
    n = 40
    X = np.column_stack([np.ones(n), rng.uniform(-1, 1, n), rng.uniform(0.4, 0.7, n)])
    y = X @ [1, -1, 4] + rng.standard_t(3, n) * 0.5
    draws = rng.integers(0, n, (25, n))
    for q in (0.5, 0.2):
        betas, converged = quantile_irls(y[draws], X[draws], q)
        # the comparison below must have resamples to compare (a loop over zero converged ones checks nothing)
        assert converged.sum() >= 20, (q, int(converged.sum()))
        for i in np.flatnonzero(converged)[:10]:
            np.testing.assert_allclose(betas[i], sm.QuantReg(y[draws[i]], X[draws[i]]).fit(q=q).params, rtol=1e-7,
                                       atol=1e-9)


def test_quantile_bootstrap_is_seeded_and_percentile():
    frame = toy_frame(n=40, seed=4)
    frame["open_weights"] = True
    frame["score_mmlu_pro"] = np.random.default_rng(2).uniform(0.41, 0.69, 40)
    spec = hedonic_spec(ci_methods=(), quantiles=(0.5,), quantile_bootstrap=199, seed=3)
    one, two = fit_hedonic(frame, spec).rows, fit_hedonic(frame, spec).rows
    pd.testing.assert_frame_equal(one, two)
    row = one.iloc[0]
    assert row.ci_low < row.factor_per_year < row.ci_high and row.slope_se > 0
    assert pd.isna(row.r_squared) and "pseudo R^2" in row.note
    other = fit_hedonic(frame, spec.model_copy(update={"seed": 4})).rows.iloc[0]
    assert other.factor_per_year == row.factor_per_year and other.ci_low != row.ci_low


# --- without reasoning models --------------------------------------------------------------------------------------
def test_no_reasoning_excludes_exactly_the_reasoning_models():
    frame = toy_frame(n=40, seed=5)
    frame["open_weights"] = True
    frame["score_mmlu_pro"] = np.random.default_rng(3).uniform(0.41, 0.69, 40)
    flags = [True, False, None, False] * 10
    frame["reasoning"] = pd.array(flags, dtype="boolean")
    spec = hedonic_spec(ci_methods=("ols",))
    all_models = fit_hedonic(frame, spec)
    without = fit_hedonic(frame, spec.model_copy(update={"variant": NO_REASONING, "exclude_reasoning": True}))
    expected = sorted(m for m, f in zip(frame.model_id, flags) if f is not True)
    assert sorted(without.points.model_id) == expected and len(all_models.points) == 40
    row = without.rows.iloc[0]
    assert row.n == 30 and row.n_candidates == 30 and row.variant == NO_REASONING
    assert row.note == "without 10 reasoning model(s); 10 model(s) with unknown reasoning status kept"
    X, y = design_of(frame[[f is not True for f in flags]])
    slope = np.linalg.lstsq(X, y, rcond=None)[0][1]
    assert row.slope_per_day == pytest.approx(slope, rel=1e-9)


# --- the preset and the bundled snapshot ---------------------------------------------------------------------------
def test_preset_plans_every_hedonic_method():
    preset = load_preset("futuretech-2025")
    specs = [s for s in plan_trends(preset, "futuretech-2025-07", {"lowest_reported"}) if s.method == "hedonic"]
    main = [s for s in specs if not s.variant]
    without = [s for s in specs if s.variant == NO_REASONING]
    assert len(main) == len(without) == 6 and all(s.exclude_reasoning for s in without)
    assert not any(s.exclude_reasoning for s in main)
    assert all(s.ci_methods == ("ols", "hc3", "cluster", "wild_cluster") and s.quantiles == (0.5, 0.2)
               and s.cluster_by == "creator" and s.wild_bootstrap == 999 for s in main + without)
    # step 15's sensitivity variants (composition, score-range edges) and the common sample: OLS interval only
    sensitivity = [s for s in specs if s.variant not in ("", NO_REASONING)]
    assert sensitivity and all(s.ci_methods == ("ols",) and s.quantiles == () for s in sensitivity)


def test_bundled_snapshot_rows(mapping):
    analysis = bundled_analysis("futuretech-2025-07")
    specs = [s.model_copy(update={"quantile_bootstrap": 99, "wild_bootstrap": 199})
             for s in plan_trends(load_preset("futuretech-2025"), "futuretech-2025-07", {"lowest_reported"})
             if s.method == "hedonic" and s.controls == ("mmlu_pro",)]
    rows = finalise_trends([fit_hedonic(analysis, s, {"creators": mapping}).rows for s in specs])  # the contract's schema
    expected = {("ols", "ols"), ("ols", "hc3"), ("ols", "cluster"), ("ols", "wild_cluster"),
                ("quantile_0.5", "bootstrap"), ("quantile_0.2", "bootstrap")}
    for variant in (None, NO_REASONING):
        part = rows[rows.variant.isna()] if variant is None else rows[rows.variant == variant]
        assert set(part.price_type) == {"input", "output", "blended"}
        for _, group in part.groupby("trend_id"):
            assert set(zip(group.estimator, group.ci_method)) == expected
            assert (group.status == "ok").all()
            assert group.n.nunique() == 1
    main = rows[rows.variant.isna()].set_index(["price_type", "estimator", "ci_method"])
    fewer = rows[rows.variant == NO_REASONING].set_index(["price_type", "estimator", "ci_method"])
    assert (fewer.loc[("blended", "ols", "ols"), "n"] < main.loc[("blended", "ols", "ols"), "n"])
    assert "without 5 reasoning model(s)" in fewer.loc[("blended", "ols", "ols"), "note"]


def test_report_section_shows_every_interval_few_clusters_and_the_reasoning_effect():
    from tasks.render.document import render_markdown
    from tasks.methods.hedonic_report import hedonic_details
    from tasks.reporting.document import Document
    from tasks.reporting.format import ReportInputs
    from tasks.methods import by_row_name

    frame = clustered_frame(groups=7)
    frame["reasoning"] = pd.array([True, False, None, False] * 12, dtype="boolean")
    spec = hedonic_spec(ci_methods=("ols", "hc3", "cluster", "wild_cluster"), quantiles=(0.5, 0.2),
                        wild_bootstrap=199, quantile_bootstrap=99)
    without = spec.model_copy(update={"variant": NO_REASONING, "exclude_reasoning": True})
    fits = [fit_hedonic(frame, s) for s in (spec, without)]
    trends = finalise_trends([f.rows for f in fits])
    diagnostics = pd.DataFrame([f.diagnostics_row() for f in fits])
    doc = Document("t")
    hedonic_details(doc, ReportInputs(trends=trends, diagnostics=diagnostics, cleans={}, meta={}, methods=by_row_name()), "toy")
    text = render_markdown(doc)
    main = trends[trends.variant.isna()].set_index(["estimator", "ci_method"])
    ols = main.loc[("ols", "ols")]
    row = next(line for line in text.splitlines() if line.startswith("| lowest_reported · blended | mmlu_pro | all |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[3] == "48" and cells[4] == f"{ols['factor_per_year']:.2f}x"
    assert cells[9] == "7" and "7 clusters" in cells[-1]  # fewer than 10 creators: flagged, never "the" interval
    assert cells[10] == f"{ols['loo_min_factor']:.2f}-{ols['loo_max_factor']:.2f}"  # leave one creator out
    assert "no cluster-robust interval is reliable" in text and "the one to read" not in text
    assert any(line.startswith("| lowest_reported · blended | mmlu_pro | without reasoning (12 out) | 36 |")
               for line in text.splitlines())


def test_two_regressions_that_differ_by_their_controls_alone_are_told_apart_in_the_table_of_every_estimate():
    """Step 15, point 8c: on futuretech-2025-07 two rows read "lowest_reported · blended | open | MMLU-Pro [40, 70]"
    (3.46x and 4.02x): the same snapshot and price, one controlling for MMLU-Pro, the other for MMLU-Pro + SciCode."""
    from tasks.render.answer import answer_rows
    from tasks.render.document import render_markdown
    from tasks.render.report import overview_section
    from tasks.reporting.document import Document
    from tasks.reporting.format import ReportInputs
    from tasks.methods import by_row_name

    def row(trend_id, controls, factor):
        return {"trend_id": trend_id, "snapshot": "futuretech-2025-07", "preset": "p", "method": "hedonic",
                "subset": "open", "quality_measure": "mmlu_pro", "band_low": 40.0, "band_high": 70.0,
                "threshold_model": None, "quantity": "price", "price_type": "blended",
                "price_source": "lowest_reported", "controls": controls, "variant": None, "estimator": "ols",
                "ci_method": "ols", "factor_per_year": factor, "ci_low": factor / 2, "ci_high": factor * 2,
                "ci_level": 0.9, "n": 37, "status": "ok", "months_since_last": None, "note": None,
                "null_p_value": None, "loo_min_factor": None, "loo_max_factor": None,
                "tie_order_min_factor": None, "tie_order_max_factor": None}

    trends = pd.DataFrame([row("a", "mmlu_pro", 3.46), row("b", "mmlu_pro+scicode", 4.02)])
    doc = Document("t")
    overview_section(doc, ReportInputs(trends=trends, diagnostics=pd.DataFrame({"trend_id": []}), cleans={},
                                       meta={}, methods=by_row_name()), [])
    lines = [line for line in render_markdown(doc).splitlines() if line.startswith("| hedonic |")]
    scopes = [[cell.strip() for cell in line.strip("|").split("|")][4] for line in lines]
    # before: "MMLU-Pro \[40, 70\]" twice
    assert scopes == ["MMLU-Pro \\[40, 70\\]; controls: MMLU-Pro",
                      "MMLU-Pro \\[40, 70\\]; controls: MMLU-Pro + SciCode"]
    # the answer's regression says its controls too (before: "Typical model (hedonic regression, open models,
    # MMLU-Pro 40-70)")
    hedonic = next(answer for answer in answer_rows() if answer.kind == "hedonic")
    assert hedonic.label.endswith("; controls: MMLU-Pro)") and "controls: MMLU-Pro" in hedonic.title
    assert list(hedonic.rows(trends)["trend_id"]) == ["a"]
