"""The capability scale in the run's report (step 16, point 4): a run whose preset fits the scale gets a "Capability
scale" section (the figure drawn into the run folder and linked, the top models, the anchors, the models left out,
the trends at constant capability beside the MMLU-Pro ones with their windows); a run without one gets none.

The end-to-end test fits the scale on synthetic AA API vintages whose models are the bundled FutureTech snapshot's
(so that the scale joins its analysis table): six benchmarks per model, each a logistic function of the model's
MMLU-Pro score, so the capability tracks MMLU-Pro and the frontier bands on it have points."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from schemas.analysis import Trends
from tasks.files.settings import PROJECT_ROOT
from tasks.methods import by_row_name
from tasks.render.capability import capability_section, compared_trends
from tasks.render.document import render_html, render_markdown
from tasks.render.figures.plan import CAPABILITY_FIGURE, capability_job, cross_snapshot_figures, draw
from tasks.reporting.document import Document
from tasks.reporting.format import ReportInputs
from tests.conftest import BUNDLED_SNAPSHOT, run_estimate

BENCHMARKS = {"gpqa": -0.5, "hle": 1.5, "scicode": 0.5, "livecodebench": 0.0, "ifbench": -1.0, "math_500": -1.5}


def synthetic_vintage(folder: Path) -> tuple[str, str]:
    """One saved AA API response for the snapshot's models with an MMLU-Pro score; the two anchor models' ids."""
    models = pd.read_csv(BUNDLED_SNAPSHOT / "models.csv")
    scores = pd.read_csv(BUNDLED_SNAPSHOT / "benchmarks.csv")
    mmlu = scores[scores["benchmark"] == "mmlu_pro"].drop_duplicates("model_id").set_index("model_id")["score"]
    models = models[models["model_id"].isin(mmlu.index)].drop_duplicates("model_id")
    rng = np.random.default_rng(7)
    z = (mmlu - mmlu.mean()) / mmlu.std()
    records = []
    for row in models.itertuples(index=False):
        evaluations = {key: float(np.clip(1 / (1 + np.exp(-1.5 * (z[row.model_id] - d))) + rng.normal(0, 0.02),
                                          0, 1)) for key, d in BENCHMARKS.items()}
        records.append({"id": row.model_id, "slug": row.model_id, "name": row.name,
                        "release_date": row.release_date if isinstance(row.release_date, str) else None, "evaluations": evaluations})
    records.append({"id": "too-few", "slug": "too-few", "name": "Too Few", "release_date": "2025-01-01",
                    "evaluations": {"gpqa": 0.5}})  # one score: left out, with why
    (folder / "llms_models_2025-07-01.json").write_text(json.dumps({"status": 200, "data": records}))
    ranked = z[z.index.isin(models["model_id"])].sort_values()
    return ranked.index[int(len(ranked) * 0.4)], ranked.index[int(len(ranked) * 0.9)]


def capability_preset(folder: Path, low: str, high: str) -> Path:
    text = (PROJECT_ROOT / "presets" / "capability.toml").read_text()
    for old, new in (('name = "capability"', 'name = "capability-tiny"'),
                     ('source = "../shared/data/aa-api-v2"', f'source = "{folder}"'),
                     ('low_model = "claude-35-sonnet-june-24"', f'low_model = "{low}"'),
                     ('high_model = "gpt-5"', f'high_model = "{high}"'),
                     ("bootstrap = 100", "bootstrap = 20"),
                     ('subsets = ["open", "all"]', 'subsets = ["all"]'),
                     ('price_sources = ["lowest_reported", "lowest_provider"]', 'price_sources = ["lowest_reported"]'),
                     ("min_release_date = 2023-12-01\n", "")):
        assert old in text, old
        text = text.replace(old, new, 1)
    text = text.split("[hedonic]")[0]  # the frontier bands only: enough for the comparison table
    path = folder / "capability-tiny.toml"
    path.write_text(text + "\n[uncertainty]\nbootstrap_resamples = 50\npermutations = 20\ncoverage_simulations = 0\n"
                           "edge_variant = false\n")
    return path


@pytest.mark.e2e
def test_a_run_with_the_capability_scale_reports_it_and_one_without_does_not(prefect_harness, tmp_path,
                                                                             tiny_preset):
    source = tmp_path / "aa-api"
    source.mkdir()
    low, high = synthetic_vintage(source)
    preset = capability_preset(source, low, high)
    summary = run_estimate(input=str(BUNDLED_SNAPSHOT), preset=f"{preset},{tiny_preset}", out=str(tmp_path / "cap"))
    folder = Path(summary["run_dir"])
    report, page = (folder / "report.md").read_text(), (folder / "report.html").read_text()
    assert "## Capability scale" in report  # before: no such section (only scripts/capability.py drew the figure)
    assert (folder / CAPABILITY_FIGURE).is_file() and (folder / CAPABILITY_FIGURE.replace(".png", ".svg")).is_file()
    assert f"]({CAPABILITY_FIGURE})" in report  # linked from the Markdown, embedded in the HTML
    section = page.split('id="capability-scale"')[1].split("<h2")[0]
    assert "<img" in section and "data:image/png;base64," in section
    table = pd.read_csv(folder / "capability.csv")
    assert table.iloc[0]["name"] in report and "`capability.csv`" in report
    assert f"`{low}` = 130" in report and f"`{high}` = 150" in report  # the anchors
    excluded = pd.read_csv(folder / "capability_excluded.csv")
    assert "too-few" in set(excluded["id"]) and "too-few" in section
    # the trends at constant capability beside the MMLU-Pro ones, each with its window of release dates
    trends = pd.read_csv(folder / "trends.csv")
    shown = compared_trends(trends.assign(first_date=pd.to_datetime(trends["first_date"]),
                                          last_date=pd.to_datetime(trends["last_date"])))
    assert {"capability", "mmlu_pro"} <= set(shown["quality_measure"])
    comparison = report.split("### Trends at constant capability and at constant MMLU-Pro")[1].split("\n## ")[0]
    assert "| capability (IRT) \\[" in comparison and "| MMLU-Pro \\[" in comparison  # side by side
    first = shown.iloc[0]
    assert f"{pd.Timestamp(first['first_date']):%Y-%m-%d} to {pd.Timestamp(first['last_date']):%Y-%m-%d}" in comparison

    plain = Path(run_estimate(input=str(BUNDLED_SNAPSHOT), preset=str(tiny_preset),
                              out=str(tmp_path / "plain"))["run_dir"])
    assert "Capability scale" not in (plain / "report.md").read_text()
    assert not (plain / "figures" / "capability").exists() and not (plain / "capability.csv").exists()


def test_the_capability_figure_is_planned_drawn_and_attributed():
    table = pd.DataFrame({"model_id": ["a", "b", "c"], "name": ["A", "B", "C"],
                          "release_date": pd.to_datetime(["2024-01-01", "2025-01-01", "2025-06-01"]),
                          "capability": [125.0, 140.0, 152.0], "ci_low": [122.0, 137.0, 149.0],
                          "ci_high": [128.0, 143.0, 155.0], "n_benchmarks": [5, 6, 7], "benchmarks": ["x"] * 3})
    flags = pd.DataFrame({"model_id": ["a", "b", "c"], "open_weights": pd.array([True, False, None], "boolean")})
    job = capability_job(table, flags, {"low_model": "a", "high_model": "b", "low_value": 130.0,
                                        "high_value": 150.0, "ci_level": 0.9, "bootstrap": 100})
    trends = pd.DataFrame(columns=list(Trends.to_schema().columns))
    jobs = cross_snapshot_figures(trends, set(), {"s": []}, None, job)
    assert [fields["name"] for fields, _ in jobs] == ["capability"]
    assert cross_snapshot_figures(trends, set(), {"s": []}, None, None) == []  # no scale, no figure
    fig = draw(*jobs[0])
    texts = [t.get_text() for t in fig.texts]
    assert any("Data: Artificial Analysis" in t for t in texts) and any("a = 130" in t and "90% bootstrap" in t for t in texts)
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert "open weights (1)" in labels and "closed (1)" in labels and "openness unknown (1)" in labels


def test_the_section_is_absent_without_a_table_and_escapes_names(tmp_path):
    empty = ReportInputs(trends=pd.DataFrame(), diagnostics=pd.DataFrame({"trend_id": []}), cleans={}, meta={},
                         methods=by_row_name())
    doc = Document("t")
    capability_section(doc, empty)
    assert doc.blocks == []
    figure = tmp_path / "capability.png"
    figure.write_bytes(b"\x89PNG\r\n\x1a\n")
    table = pd.DataFrame({"model_id": ["x"], "name": ["<script>alert(1)</script>"], "release_date": ["2026-01-02"],
                          "capability": [151.0], "ci_low": [149.0], "ci_high": [153.0], "n_benchmarks": [9],
                          "benchmarks": ["hle"]})
    trends = pd.DataFrame(columns=["trend_id", "estimator", "ci_method", "variant", "quantity", "quality_measure",
                                   "status", "method", "subset", "price_source", "snapshot", "band_low"])
    inputs = ReportInputs(trends=trends, diagnostics=pd.DataFrame({"trend_id": []}), cleans={}, meta={},
                          methods=by_row_name(), figures={CAPABILITY_FIGURE: figure}, capability=table,
                          capability_excluded=pd.DataFrame({"kind": ["model"], "id": ["y"],
                                                            "reason": ["2 scores (< 3)"]}))
    capability_section(doc, inputs)
    page = render_html(doc, inputs.figures)
    assert "<script>alert" not in page and "2 scores" in page
    # an estimate above 1000x starts its cell with ">": shown as text, not read as a Markdown quote
    row = {"trend_id": "t", "estimator": "ols", "ci_method": "ols", "variant": None, "quantity": "price",
           "quality_measure": "capability", "status": "short_span", "method": "hedonic", "subset": "all",
           "price_source": "aa_headline", "snapshot": "s", "band_low": 120.0, "band_high": 155.0,
           "controls": "capability", "factor_per_year": 5000.0, "ci_low": 300.0, "ci_high": 9000.0, "n": 5, "price_type": "blended",
           "first_date": pd.Timestamp("2024-01-01"), "last_date": pd.Timestamp("2026-06-30")}
    doc = Document("t")
    capability_section(doc, dataclasses.replace(inputs, trends=pd.DataFrame([row])))
    page = render_html(doc, inputs.figures)
    assert "&gt; 1000x (short span) [" in page and "<blockquote" not in page and "2024-01-01 to 2026-06-30" in page
    assert CAPABILITY_FIGURE in render_markdown(doc)
