"""The capability scale's score matrix from the AA API vintages, its table and the stability check."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tasks.core.irt import Anchors, fit_capability
from tasks.data.capability import (DEFAULT_ANCHORS, ITEMS, assemble, capability_table, moves, read_vintage,
                                   stability)

AA_API = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "aa-api-v2"


def _write(folder: Path, day: str, records: list) -> None:
    (folder / f"llms_models_{day}.json").write_text(json.dumps({"status": 200, "data": records}))


def _record(slug, release, **scores):
    return {"id": slug, "slug": slug, "name": slug.upper(), "release_date": release,
            "model_creator": {"name": "x", "slug": "x"}, "pricing": {},
            "evaluations": {"artificial_analysis_intelligence_index": 40.0, **scores}}


def test_newest_vintage_wins_and_indices_are_not_items(tmp_path):
    _write(tmp_path, "2026-01-01", [_record("m1", "2025-01-01", gpqa=0.5, hle=0.1, mmlu_pro=0.7)])
    _write(tmp_path, "2026-02-01", [_record("m1", "2025-01-02", gpqa=0.6, ifbench=55.0)])
    matrix = assemble(tmp_path)
    got = matrix.scores.set_index("benchmark")["score"].to_dict()
    # gpqa from the newer file, hle and mmlu_pro kept from the older, ifbench's percent read as a fraction
    assert got == {"gpqa_diamond": 0.6, "hle": 0.1, "mmlu_pro": 0.7, "ifbench": 0.55}
    assert matrix.models["release_date"].iloc[0] == pd.Timestamp("2025-01-02")
    assert "aa_intelligence_index" not in set(matrix.scores["benchmark"])
    assert len(assemble(tmp_path, until="2026-01-15").scores) == 3


def test_stability_reports_each_dropped_benchmark():
    rng = np.random.default_rng(0)
    c, d = rng.normal(0, 1, 30), np.linspace(-1, 1, 6)
    c[:2] = [-1, 1]
    rows = [(f"m{m:02d}", f"b{b}", float(np.clip(1 / (1 + np.exp(-(c[m] - d[b]))) + rng.normal(0, 0.03), 0, 1)))
            for m in range(30) for b in range(6)]
    scores = pd.DataFrame(rows, columns=["model_id", "benchmark", "score"])
    anchors = Anchors("m00", "m01", -1.0, 1.0)
    base = fit_capability(scores, anchors, normalised=True, n_bootstrap=40)
    table = stability(scores, base, anchors, normalised=True)
    # the two anchors have zero-width intervals (the scale is defined by them): compared are the 28 others
    assert list(table["dropped"]) == [f"b{b}" for b in range(6)] and (table["models"] == 28).all()
    assert (table["max_move_over_width"] >= table["median_move_over_width"]).all()
    same = moves(base, base)
    assert (same["move"] == 0).all()


@pytest.mark.skipif(not AA_API.is_dir(), reason="../shared/data/aa-api-v2 absent")
def test_real_vintages_give_twelve_items_and_the_anchors_fixed():
    matrix = assemble(AA_API)
    assert set(matrix.scores["benchmark"]) == set(ITEMS.values())
    assert matrix.scores["score"].between(0, 1).all()
    fit = fit_capability(matrix.scores, DEFAULT_ANCHORS, n_bootstrap=0)
    table = capability_table(fit, matrix.models).set_index("model_id")
    assert table.loc["claude-35-sonnet-june-24", "capability"] == 130.0 and table.loc["gpt-5", "capability"] == 150.0
    assert len(table) > 400
    # a 2026 frontier model sits above GPT-5, and an early small model far below Claude 3.5 Sonnet
    assert table["capability"].max() > 150
    assert list(table.columns) == ["name", "release_date", "capability", "ci_low", "ci_high", "n_benchmarks",
                                   "benchmarks", "se"]
    assert (fit.benchmarks["discrimination"] > 0).all()
    one = read_vintage(sorted(AA_API.glob("llms_models_*.json"))[0])
    assert one.scores["model_id"].nunique() > 300


def test_capability_joins_the_analysis_table_as_a_quality_measure():
    from schemas.analysis import SCORE_COLUMNS
    from tasks.data.capability import with_capability
    from tasks.trends.sections import known_benchmark

    assert "score_capability" in SCORE_COLUMNS and known_benchmark("capability") == "capability"
    analysis = pd.DataFrame({"model_id": ["a", "a", "b", "c"], "score_capability": [np.nan] * 4})
    caps = pd.DataFrame({"model_id": ["a", "b"], "capability": [131.5, 120.0]})
    out = with_capability(analysis, caps)
    assert out["score_capability"].tolist()[:3] == [131.5, 131.5, 120.0] and np.isnan(out["score_capability"].iloc[3])
    assert analysis["score_capability"].isna().all()  # the input is not changed


def test_the_capability_preset_fits_the_scale_and_bands_on_it():
    from tasks.study.presets import load_preset

    preset = load_preset("capability")
    assert preset.capability is not None and preset.capability.low_model == DEFAULT_ANCHORS.low_model
    assert preset.frontier.quality_measure == "capability" and preset.hedonic.control_sets == [["capability"]]
    # the MMLU-Pro presets do not fit it (no [capability] section: no score_capability, no capability.csv)
    assert load_preset("futuretech-2025").capability is None
