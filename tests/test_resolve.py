"""Entity resolution: matching rules, the crosswalk, effort variants, field precedence and conflicts."""

from __future__ import annotations

import pandas as pd
import pytest

from schemas.canonical import IngestIssues, empty
from tasks.data.canonical import CanonicalTables, read_snapshot
from tasks.data.ingest.common import MODEL_COLUMNS, PRICE_COLUMNS
from tasks.data.resolve import CROSSWALK_COLUMNS, family_slug, match_key, match_summary, resolve


def source(fmt: str, models: list[dict], scores=(), prices=()) -> CanonicalTables:
    rows = [{**{c: None for c in MODEL_COLUMNS}, **m, "source": f"{fmt}/file"} for m in models]
    return CanonicalTables(
        models=pd.DataFrame(rows, columns=MODEL_COLUMNS),
        benchmarks=pd.DataFrame([dict(model_id=m, benchmark=b, score=s, source=f"{fmt}/file")
                                 for m, b, s in scores], columns=["model_id", "benchmark", "score", "source"]),
        prices=pd.DataFrame([dict(model_id=m, provider=p, input_usd_per_mtok=i, output_usd_per_mtok=o,
                                  blended_usd_per_mtok=None, observed_on=pd.Timestamp("2026-07-01"),
                                  source=f"{fmt}/file") for m, p, i, o in prices], columns=PRICE_COLUMNS),
        ingest_issues=empty(IngestIssues),
    ).validated(fmt)


def crosswalk(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=CROSSWALK_COLUMNS)


@pytest.mark.parametrize("a, b", [
    ("llama-3-3-instruct-70b", "meta-llama/Llama-3.3-70B-Instruct-Turbo"),
    ("llama-3-3-instruct-70b", "llama-3.3-70b-versatile"),
    ("qwen2-5-72b-instruct", "Qwen/Qwen2.5-72B-Instruct"),
    ("qwen3-30b-a3b-instruct", "qwen3-30b-a3b-fp8"),
    ("gemma-3-27b", "gemma-3-27b-it"),
])
def test_names_of_one_model_share_a_key(a, b):
    assert match_key(a) == match_key(b)


@pytest.mark.parametrize("a, b", [("gpt-5-4", "gpt-4-5"), ("qwen3-32b", "qwen3-3-2b"), ("llama-3-8b", "llama-3-1-8b")])
def test_different_models_do_not(a, b):
    assert match_key(a) != match_key(b)


def test_family_slug():
    assert family_slug("gpt-oss-120b-low") == "gpt-oss-120b"
    assert family_slug("glm-5-non-reasoning") == "glm-5"
    assert family_slug("qwen3-235b-a22b-thinking-2507") == "qwen3-235b-a22b-thinking-2507"


@pytest.fixture
def merged():
    spine = source("aa_site", [
        dict(model_id="llama-3-3-instruct-70b", name="Llama 3.3 Instruct 70B", release_date="2024-12-06",
             open_weights=True, total_params_b=70.0),
        dict(model_id="gpt-oss-120b", name="gpt-oss-120B (high)", release_date="2025-08-05", open_weights=True),
        dict(model_id="gpt-oss-120b-low", name="gpt-oss-120B (low)", release_date="2025-08-05", open_weights=True),
        dict(model_id="qwen3-vl-32b-instruct", name="Qwen3 VL 32B Instruct", open_weights=True),
        dict(model_id="qwen3-vl-32b-reasoning", name="Qwen3 VL 32B (Reasoning)", open_weights=True),
    ], scores=[("gpt-oss-120b", "mmlu_pro", 0.808), ("gpt-oss-120b-low", "mmlu_pro", 0.775)])
    catalogue = source("models_dev", [
        dict(model_id="llama-3.3-70b-versatile", name="Llama 3.3 70B Versatile", release_date="2024-10-01",
             open_weights=True),
        dict(model_id="llama-3.3-70b-instruct-turbo", name="Meta-Llama/Llama-3.3-70B-Instruct-Turbo"),
        dict(model_id="gpt-oss-120b", name="GPT OSS 120B", open_weights=True),
        dict(model_id="qwen3-vl-32b-thinking", name="Qwen3 VL 32B Thinking"),
        dict(model_id="qwen3-vl-32b", name="Qwen3 VL 32B"),
        dict(model_id="mystery-7b", name="Mystery 7B"),
    ], prices=[("llama-3.3-70b-versatile", "groq", 0.59, 0.79), ("llama-3.3-70b-instruct-turbo", "togetherai",
               0.88, 0.88), ("gpt-oss-120b", "deepinfra", 0.05, 0.45), ("qwen3-vl-32b-thinking", "acme", 0.2, 1.0)])
    params = source("epoch_models", [dict(model_id="gpt-oss-120b", name="gpt-oss-120b", total_params_b=117.0,
                                          active_params_b=5.1, release_date="2025-08-05"),
                                     dict(model_id="llama-3.3-70b", name="Llama 3.3 70B", total_params_b=71.0,
                                          release_date="2024-12-01")])
    walk = crosswalk(("models_dev", "qwen3-vl-32b-thinking", "qwen3-vl-32b-reasoning",
                      "AA's reasoning variant is the Thinking checkpoint"))
    return resolve([spine, catalogue, params], walk)


def test_matches(merged):
    m = merged.matches.set_index(["source", "source_id"])
    assert m.loc[("models_dev", "llama-3.3-70b-versatile")].model_id == "llama-3-3-instruct-70b"
    assert m.loc[("models_dev", "llama-3.3-70b-instruct-turbo")].model_id == "llama-3-3-instruct-70b"
    # the price of the weights reaches every effort variant
    gpt = merged.matches[merged.matches.source_id == "gpt-oss-120b"]
    assert set(gpt[gpt.source == "models_dev"].model_id) == {"gpt-oss-120b", "gpt-oss-120b-low"}
    assert m.loc[("models_dev", "qwen3-vl-32b-thinking")].method == "crosswalk"
    # without the crosswalk, 'Qwen3 VL 32B' could be either: ambiguous, listed, not joined
    ambiguous = m.loc[("models_dev", "qwen3-vl-32b")]
    assert ambiguous.method == "ambiguous" and pd.isna(ambiguous.model_id)
    assert "qwen3-vl-32b-instruct" in ambiguous.note
    assert m.loc[("models_dev", "mystery-7b")].method == "unmatched"
    summary = match_summary(merged.matches).set_index("source")
    assert summary.loc["models_dev", "models"] == 6 and summary.loc["models_dev", "matched"] == 4


def test_prices_scores_and_fields(merged):
    tables = merged.tables.validated("merged")
    prices = tables.prices.set_index(["model_id", "provider"])
    assert prices.loc[("llama-3-3-instruct-70b", "groq")].input_usd_per_mtok == 0.59
    assert prices.loc[("gpt-oss-120b-low", "deepinfra")].output_usd_per_mtok == 0.45
    assert prices.loc[("qwen3-vl-32b-reasoning", "acme")].input_usd_per_mtok == 0.2
    assert ("qwen3-vl-32b-instruct", "acme") not in prices.index
    scores = tables.benchmarks.set_index(["model_id", "benchmark"]).score  # per variant, never shared
    assert scores[("gpt-oss-120b", "mmlu_pro")] == 0.808 and scores[("gpt-oss-120b-low", "mmlu_pro")] == 0.775
    models = tables.models.set_index("model_id")
    # the spine had no parameter count for gpt-oss: Epoch fills it (for both variants), recorded as such
    assert models.loc["gpt-oss-120b", "total_params_b"] == 117 and models.loc["gpt-oss-120b-low",
                                                                              "active_params_b"] == 5.1
    filled = merged.field_sources.set_index(["model_id", "field"])
    assert filled.loc[("gpt-oss-120b", "active_params_b")].source == "epoch_models"
    # disagreements: the spine wins release dates and parameter counts, the loser is recorded
    assert models.loc["llama-3-3-instruct-70b", "release_date"] == pd.Timestamp("2024-12-06")
    conflicts = merged.conflicts.set_index(["model_id", "field", "other_source"])
    assert conflicts.loc[("llama-3-3-instruct-70b", "release_date", "models_dev")].winner_source == "aa_site"
    # five days apart is a month-only date, not a disagreement worth a row
    assert ("llama-3-3-instruct-70b", "release_date", "epoch_models") not in conflicts.index
    assert conflicts.loc[("llama-3-3-instruct-70b", "total_params_b", "epoch_models")].other_value == "71.0"


def test_the_bundled_2026_snapshot_is_reproducible_from_the_raw_files():
    """The committed aa-2026-07 snapshot is what resolving the four raw sources gives (no hand edits)."""
    from tasks.data.ingest.aa import ingest_site
    from tasks.data.ingest.epoch_models import ingest as epoch
    from tasks.data.ingest.llm_stats import ingest as llm_stats
    from tasks.data.ingest.models_dev import ingest as models_dev
    from tasks.data.resolve import read_crosswalk
    from tasks.files.settings import PROJECT_ROOT, crosswalk_file, shared_data_dir

    shared = shared_data_dir()
    if not (shared / "models-dev-2026-07").exists():
        pytest.skip("shared data not available")
    result = resolve([ingest_site(shared / "aa-site-scrape-daily" / "aa_models_2026-07-02.json"),
                      models_dev(shared / "models-dev-2026-07"), llm_stats(shared / "llm-stats-2025-10"),
                      epoch(shared / "epoch-large-scale-models-2026-02")], read_crosswalk(crosswalk_file()))
    ours = result.tables.validated("rebuilt")
    bundled = read_snapshot(PROJECT_ROOT / "data" / "snapshots" / "aa-2026-07")
    assert len(bundled.runs) == 76  # AA's cost of running its index: the spine's runs, carried through
    for name in ("models", "benchmarks", "prices", "runs"):
        a, b = getattr(ours, name), getattr(bundled, name)
        keys = list(a.columns[:3])
        pd.testing.assert_frame_equal(a.sort_values(keys, kind="mergesort").reset_index(drop=True),
                                      b.sort_values(keys, kind="mergesort").reset_index(drop=True),
                                      check_dtype=False)
    # what the closing note reports: open-weights models with MMLU-Pro, a price and an open flag
    scored = set(ours.benchmarks[ours.benchmarks.benchmark == "mmlu_pro"].model_id)
    priced = set(ours.prices.model_id)
    flagged = set(ours.models[ours.models.open_weights.notna()].model_id)
    assert len(scored & priced & flagged) >= 200
