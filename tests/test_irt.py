"""The capability scale (tasks/core/irt.py): recovery on simulated data, the anchoring, row order, a 2x2 case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, logit

from tasks.core.irt import NORMALISATION, Anchors, fit_capability, normalise


def simulate(seed: int, n_models: int = 50, n_benchmarks: int = 10, n_items: int = 200, missing: float = 0.3):
    """Scores as proportions correct out of n_items questions (binomial noise) from known c, d, a; models m000 and
    m001 are the anchors at -1 and 1 and are scored everywhere."""
    rng = np.random.default_rng(seed)
    c = rng.normal(0, 1.5, n_models)
    d = rng.normal(0, 1.2, n_benchmarks)
    a = np.exp(rng.normal(0, 0.3, n_benchmarks))
    c[0], c[1] = -1.0, 1.0
    rows = []
    for m in range(n_models):
        for b in range(n_benchmarks):
            if m > 1 and rng.random() < missing:
                continue
            rows.append((f"m{m:03d}", f"b{b}", rng.binomial(n_items, expit(a[b] * (c[m] - d[b]))) / n_items))
    truth = pd.Series(c, index=[f"m{m:03d}" for m in range(n_models)])
    return pd.DataFrame(rows, columns=["model_id", "benchmark", "score"]), truth, d, a


ANCHORS = Anchors("m000", "m001", -1.0, 1.0)


def test_recovery_intervals_cover_the_truth_at_about_the_nominal_rate():
    covered, errors = [], []
    # six data sets: the errors of one data set are correlated (the anchors' own noise moves every model), so the
    # coverage of a single data set swings (77-98% here); over six it is 90.6% with 50 models and 120 draws
    for seed in range(6):
        scores, truth, d, a = simulate(seed, n_models=40)
        fit = fit_capability(scores, ANCHORS, normalised=True, n_bootstrap=80, seed=seed)
        caps = fit.capabilities.set_index("model_id").drop(["m000", "m001"])
        t = truth.reindex(caps.index)
        covered.extend(((caps["ci_low"] <= t) & (t <= caps["ci_high"])).tolist())
        errors.extend((caps["capability"] - t).tolist())
        bench = fit.benchmarks.set_index("benchmark")
        np.testing.assert_allclose(bench["difficulty"], d, atol=0.35)
        np.testing.assert_allclose(np.log(bench["discrimination"]), np.log(a), atol=0.35)
    rate = np.mean(covered)
    # nominal 90% over 228 simulated models; a too-narrow (e.g. no leverage correction) or too-wide interval fails
    assert 0.80 <= rate <= 0.97, rate
    assert abs(np.mean(errors)) < 0.1  # no systematic bias


def test_anchors_get_exactly_their_values_and_rescaling_is_affine():
    scores, _, _, _ = simulate(7, n_models=20)
    one = fit_capability(scores, Anchors("m000", "m001", 130.0, 150.0), normalised=True, n_bootstrap=20, seed=1)
    caps = one.capabilities.set_index("model_id")
    assert caps.loc["m000", "capability"] == 130.0 and caps.loc["m001", "capability"] == 150.0
    assert (one.replicates[:, list(caps.index).index("m000")] == 130.0).all()
    assert caps.loc["m000", "ci_low"] == caps.loc["m000", "ci_high"] == 130.0
    other = fit_capability(scores, Anchors("m000", "m001", 0.0, 1.0), normalised=True, n_bootstrap=20, seed=1)
    np.testing.assert_allclose(other.capabilities["capability"] * 20 + 130, one.capabilities["capability"],
                               atol=1e-9)
    np.testing.assert_allclose(other.cells["predicted"], one.cells["predicted"], atol=1e-9)
    np.testing.assert_allclose(other.benchmarks["discrimination"] / 20, one.benchmarks["discrimination"],
                               rtol=1e-7)


def test_result_does_not_depend_on_row_order():
    scores, _, _, _ = simulate(3, n_models=25)
    shuffled = scores.sample(frac=1.0, random_state=5).reset_index(drop=True)
    one = fit_capability(scores, ANCHORS, normalised=True, n_bootstrap=30, seed=2)
    two = fit_capability(shuffled, ANCHORS, normalised=True, n_bootstrap=30, seed=2)
    pd.testing.assert_frame_equal(one.capabilities, two.capabilities, check_exact=False, rtol=1e-10, atol=1e-10)
    pd.testing.assert_frame_equal(one.benchmarks, two.benchmarks, check_exact=False, rtol=1e-10, atol=1e-10)


def test_two_models_two_benchmarks_by_hand():
    # anchors A = 0 and B = 1 are held fixed, so each benchmark has two scores for two parameters: an exact fit,
    # sigmoid(a (0 - d)) = s_A and sigmoid(a (1 - d)) = s_B  =>  a = logit(s_B) - logit(s_A), d = -logit(s_A) / a
    scores = pd.DataFrame({"model_id": ["a", "b", "a", "b"], "benchmark": ["x", "x", "y", "y"],
                           "score": [0.2, 0.6, 0.5, 0.9]})
    fit = fit_capability(scores, Anchors("a", "b", 0.0, 1.0), normalised=True, min_scores=2, min_models=2,
                         n_bootstrap=0)
    bench = fit.benchmarks.set_index("benchmark")
    for b, (sa, sb) in {"x": (0.2, 0.6), "y": (0.5, 0.9)}.items():
        a = logit(sb) - logit(sa)
        assert bench.loc[b, "discrimination"] == pytest.approx(a, rel=1e-4)
        assert bench.loc[b, "difficulty"] == pytest.approx(-logit(sa) / a, abs=1e-4)
    np.testing.assert_allclose(fit.cells["predicted"], fit.cells["score"], atol=1e-5)
    # y: half-way (0.5) at capability 0, so d_y = 0; x is harder
    assert bench.loc["y", "difficulty"] == pytest.approx(0.0, abs=1e-4) and bench.loc["x", "difficulty"] > 0


def test_models_with_too_few_scores_get_no_capability_and_a_reason():
    scores, _, _, _ = simulate(4, n_models=15)
    extra = pd.DataFrame({"model_id": ["thin", "thin"], "benchmark": ["b0", "b1"], "score": [0.5, 0.6]})
    fit = fit_capability(pd.concat([scores, extra]), ANCHORS, normalised=True, n_bootstrap=0, min_scores=3)
    assert "thin" not in set(fit.capabilities["model_id"])
    row = fit.excluded[fit.excluded["id"] == "thin"].iloc[0]
    assert row["kind"] == "model" and "2 benchmark score(s), fewer than 3" in row["reason"]


def test_normalisation_uses_the_guess_floor_and_rejects_composite_indices():
    assert normalise("mmlu_pro", 0.55) == pytest.approx(0.5)
    assert normalise("gpqa_diamond", 0.20) == 0.0 and normalise("gpqa_diamond", 1.0) == 1.0
    assert "aa_intelligence_index" not in NORMALISATION and "arena_elo" not in NORMALISATION
    scores, _, _, _ = simulate(5, n_models=12)
    scores = scores.assign(benchmark=scores["benchmark"].map(lambda b: list(NORMALISATION)[int(b[1:])]))
    index = scores.drop_duplicates("model_id").assign(benchmark="aa_intelligence_index", score=50.0)
    fit = fit_capability(pd.concat([scores, index]), ANCHORS, n_bootstrap=0)
    assert "aa_intelligence_index" not in set(fit.benchmarks["benchmark"])
    assert "not an item" in fit.excluded.set_index("id").loc["aa_intelligence_index", "reason"]
