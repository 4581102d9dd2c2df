"""End-to-end: the estimate flow on the bundled snapshot and the real file, the run folder, and caching.

These share one Prefect test API (session fixture) and one cache folder, and build on each other in order: the first
run fills the cache, later ones check what is served from it.
"""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tasks.core.vocabulary import ESTIMATED
from tasks.core.hashing import sha256_file
from tasks.files.settings import PROJECT_ROOT
from tasks.platform.artifacts import ARTIFACT_KEYS
from tests.conftest import BUNDLED_SNAPSHOT, FIXTURES, run_estimate

pytestmark = pytest.mark.e2e

PUBLISHED_OPEN = {(30, 50): 7.12, (50, 70): 28.48, (70, 90): 8.2}  # the study's open-model bands (text: 7-28x)


def run(tmp: Path, name: str, **config) -> dict:
    """The estimate flow on the study's snapshot unless an input is given (both_snapshots=True: every bundled one)."""
    if not config.pop("both_snapshots", False):
        config.setdefault("input", str(BUNDLED_SNAPSHOT))
    config.setdefault("preset", "futuretech-2025")  # the study's preset; `both` runs every method
    return run_estimate(out=str(tmp / name), **config)


def states(summary: dict) -> dict[str, set[str]]:
    """Stage (fit tasks split by method) -> the set of final states of its task runs."""
    out: dict[str, set[str]] = {}
    for record in summary["tasks"]:
        stage = record["stage"]
        if stage == "fit":  # fit[snapshot · preset · method]: one state set per method
            stage = record["task"].rstrip("]").rsplit(" · ", 1)[-1]
        out.setdefault(stage, set()).add(record["state"])
    return out


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="module")
def first(prefect_harness, work):
    return run(work, "first")


def test_run_folder_contents(first):
    folder = Path(first["run_dir"])
    for name in ("trends.csv", "points.csv", "report.md", "report.html", "manifest.json", "quarantine.parquet",
                 "quarantine.csv", "quarantine_summary.csv", "corrections_log.csv", "warnings.csv",
                 "diagnostics.csv", "replicates.parquet",
                 "ATTRIBUTION.txt", "analysis/futuretech-2025-07.parquet"):
        assert (folder / name).is_file() and (folder / name).stat().st_size > 0, name
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["schema_version"] == "1.0"
    assert manifest["config"]["preset"] == "futuretech-2025" and manifest["preset"]["min_points"] == 4
    inputs = {i["path"]: i["sha256"] for i in manifest["inputs"]}
    for csv_name in ("models.csv", "benchmarks.csv", "prices.csv"):
        path = BUNDLED_SNAPSHOT / csv_name
        assert inputs[path.relative_to(PROJECT_ROOT).as_posix()] == sha256_file(path)
    assert inputs["data/corrections.csv"] == sha256_file(PROJECT_ROOT / "data/corrections.csv")
    outputs = {o["path"]: o["sha256"] for o in manifest["outputs"]}
    assert outputs["trends.csv"] == sha256_file(folder / "trends.csv")
    assert outputs["report.md"] == sha256_file(folder / "report.md")
    assert {"pandas", "prefect", "statsmodels", "python"} <= set(manifest["packages"])
    assert "git_commit" in manifest["code"] and manifest["code"]["source_sha256"]["tasks"]
    assert "Data: Artificial Analysis" in (folder / "ATTRIBUTION.txt").read_text()
    report = (folder / "report.md").read_text()
    assert "Data: Artificial Analysis" in report and "| models | model | 204 | 201 | 3 |" in report
    summary = pd.read_csv(folder / "quarantine_summary.csv")
    assert (summary.rows_in == summary.rows_used + summary.rows_quarantined).all()
    assert len(pd.read_parquet(folder / "quarantine.parquet")) == summary.rows_quarantined.sum()


def independent_frontier(raw_csv: Path, open_only: bool, low: float, high: float, study_order: bool) -> tuple:
    """The study's frontier computed straight from the raw file with pandas and numpy (none of our code).

    study_order=False: our documented order (release date, then price, then model name) and 365.25-day years.
    study_order=True: the study's code as published: an unstable sort on release date over the file's row order,
    and 365-day years.
    """
    raw = pd.read_csv(raw_csv)
    raw.columns = [" ".join(c.split()) for c in raw.columns]
    frame = pd.DataFrame({
        "name": raw["Model"],
        "date": pd.to_datetime(raw["Release Date"], format="%m/%d/%y"),
        "score": raw["MMLU-Pro (Reasoning & Knowledge)"].str.rstrip("%").astype(float),
        "price": pd.to_numeric(raw["Lowest Blended Price AA"], errors="coerce"),
        "open": raw["License"].str.strip().str.lower() == "open",
    })
    frame = frame[frame.date >= "2023-12-01"]
    if open_only:
        frame = frame[frame.open]
    frame = frame[frame.score.between(low, high)].dropna(subset=["date", "price"])
    frame = frame[frame.price > 0]
    if study_order:
        frame = frame.sort_values("date")
    else:
        frame = frame.sort_values(["date", "price", "name"], kind="mergesort")
    records = frame[frame.price.cummin() == frame.price]
    days = (records.date - pd.Timestamp("1970-01-01")).dt.days.to_numpy(dtype=float)
    slope = np.polyfit(days, np.log10(records.price.to_numpy()), 1)[0]
    return 10 ** (-slope * (365 if study_order else 365.25)), len(records)


FIGURES = ("frontier_all", "frontier_open", "active_params", "price_per_active_param", "hedonic", "summary", "null")


def test_every_figure_is_drawn(first):
    import xml.etree.ElementTree as ElementTree

    folder = Path(first["run_dir"]) / "figures" / "futuretech-2025-07"
    for name in FIGURES:
        png, svg = folder / f"{name}.png", folder / f"{name}.svg"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000, name
        root = ElementTree.parse(svg).getroot()
        assert root.tag.endswith("svg") and "Data: Artificial Analysis" in svg.read_text(), name


INTERACTIVE = ("frontier_all", "frontier_open", "active_params", "price_per_active_param", "hedonic")


def test_interactive_figures_sit_beside_the_pngs_and_open_offline(first):
    """Issue 28 point 4: the frontier and hedonic figures get a Plotly page each; plotly.js is written once into the
    run folder from the plotly package (no CDN); each page hovers the models of its figure; report.html links them;
    a page renders in headless Chromium with the network cut off (skipped without Chromium)."""
    import shutil
    import subprocess

    from tasks.reporting.interactive import plotly_js

    folder = Path(first["run_dir"])
    scripts = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.js"))
    assert scripts == ["figures/plotly.min.js"]
    assert (folder / "figures/plotly.min.js").read_bytes() == plotly_js()
    points = pd.read_csv(folder / "points.csv")
    page_for = {}
    for name in INTERACTIVE:
        page = (folder / "figures/futuretech-2025-07" / f"{name}.html").read_text()
        page_for[name] = page
        assert re.findall(r"<script[^>]*\bsrc=\"([^\"]*)\"", page) == ["../plotly.min.js"], name
        assert "http://" not in page and "https://" not in page, name
        assert "lowest_" in page and "MMLU-Pro" in page and "released: %{customdata[2]}" in page, name
    # the models of the open frontier's record lows are in its page's hover data
    source = re.search(r"price: (\w+) · snapshot", page_for["frontier_open"]).group(1)  # the figure's source
    trends = pd.read_csv(folder / "trends.csv")
    drawn = trends[(trends["method"] == "frontier") & (trends["subset"] == "open") & trends["variant"].isna()
                   & (trends["quantity"] == "price") & (trends["price_type"] == "blended")
                   & (trends["price_source"] == source) & (trends["status"] != "skipped")]["trend_id"]
    records = points[points["trend_id"].isin(drawn) & points["is_record"].fillna(False).astype(bool)]
    assert not records.empty
    for model in records["name"].drop_duplicates().head(10):
        assert json.dumps(html.escape(model))[1:-1].replace("&", "\\u0026") in page_for["frontier_open"], model
    report = (folder / "report.html").read_text()
    for name in INTERACTIVE:
        assert f'href="figures/futuretech-2025-07/{name}.html"' in report, name
    assert f"[interactive](figures/futuretech-2025-07/frontier_all.html)" in (folder / "report.md").read_text()
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no headless Chromium here")
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                          f"--user-data-dir={folder.parent / 'chromium-profile'}",
                          "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
                          "--virtual-time-budget=5000", "--dump-dom",
                          (folder / "figures/futuretech-2025-07/frontier_open.html").as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    assert 'class="main-svg"' in dom and "js-plotly-plot" in dom  # Plotly drew it, offline
    assert dom.count('<path class="point') >= len(records)  # every marker drawn


def test_report_is_complete_and_self_contained(first):
    folder = Path(first["run_dir"])
    text = (folder / "report.md").read_text()
    for heading in ("## The answer", "## Every estimate at a glance", "### Record-low frontier by quality band",
                    "### Hedonic regression", "### What is causing the trend", "### Published vs reproduced",
                    "### Data quality", "## Definitions", "## Appendix: inputs, hashes and configuration"):
        assert heading in text, heading
    assert text.index("## The answer") < text.index("## Every estimate at a glance") < text.index("## Details")
    assert "Data corrections on `futuretech-2025-07`" in text and "CITATION.bib" in text
    for name in FIGURES:
        assert f"(figures/futuretech-2025-07/{name}.png)" in text
    assert "(figures/methods/methods.png)" in text  # frontier and hedonic side by side
    page = (folder / "report.html").read_text()
    assert page.count("data:image/png;base64,") == len(FIGURES) + 1
    assert "http://" not in page and "https://" not in page  # nothing to fetch: opens offline
    assert 'src="figures/' not in page


def test_published_values_are_reproduced_on_the_data_as_published(first):
    """The study's printed hedonic numbers, on its data as published, within the 365 vs 365.25-day difference."""
    trends = pd.read_csv(Path(first["run_dir"]) / "trends.csv")
    hedonic = trends[(trends.method == "hedonic") & (trends.variant == "as_published") & (trends.ci_method == "ols")]
    output = hedonic[(hedonic.price_type == "output") & (hedonic.controls == "mmlu_pro")].iloc[0]
    assert output.factor_per_year == pytest.approx(2.704 ** (365.25 / 365), rel=2e-3)
    assert (output.ci_low, output.ci_high) == (pytest.approx(0.898 ** (365.25 / 365), rel=3e-3),
                                               pytest.approx(8.142 ** (365.25 / 365), rel=3e-3))
    assert output.n == 38
    scicode = hedonic[(hedonic.price_type == "blended") & (hedonic.controls == "mmlu_pro+scicode")].iloc[0]
    assert scicode.factor_per_year == pytest.approx(3.161 ** (365.25 / 365), rel=2e-3)
    assert scicode.n == 37 and round(scicode.adj_r_squared, 3) == pytest.approx(0.204, abs=1e-3)
    # every frontier estimate lies inside its own range over orders of same-day releases
    # (the typical variant fits every model of the band, no record-low selection: it has no same-day range)
    # (estimated rows: ok, or short_span / wide_interval by the span/width rule: the label changes, not the numbers)
    ok = trends[(trends.method == "frontier") & trends.status.isin(ESTIMATED)
                & ~trends.variant.isin(["price_frontier_sample", "typical"])]
    assert len(ok) > 100 and ok.tie_order_min_factor.notna().all()
    assert ((ok.tie_order_min_factor <= ok.factor_per_year * (1 + 1e-9))
            & (ok.factor_per_year <= ok.tie_order_max_factor * (1 + 1e-9))).all()
    assert ok.tie_order_exact.all()
    # the published 50-70 % open value (the study's row order) is the steepest of the orders: in the study's
    # 365-day years the top of our range is its 28.48
    band = ok[(ok.subset == "open") & (ok.band_low == 50) & (ok.price_type == "blended") & (ok.quantity == "price")
              & ok.variant.isna() & (ok.price_source == "lowest_reported") & (ok.ci_method == "ols")].iloc[0]
    assert round(band.tie_order_max_factor ** (365 / 365.25), 2) == 28.48


def test_every_frontier_trend_carries_its_uncertainty(first):
    folder = Path(first["run_dir"])
    trends = pd.read_csv(folder / "trends.csv")
    frontier = trends[(trends.method == "frontier") & (trends.variant != "price_frontier_sample")]
    by_method = frontier.groupby("trend_id").ci_method.apply(set)
    typical = set(frontier[frontier.variant == "typical"].trend_id)
    assert typical and (by_method[sorted(typical)] == {"ols"}).all()  # every model of a band: no selection to redo
    assert (by_method.drop(sorted(typical)) == {"ols", "bootstrap"}).all()
    frontier = frontier[frontier.variant != "typical"]
    ok = frontier[frontier.status.isin(ESTIMATED) & (frontier.ci_method == "ols")]
    assert len(ok) > 50
    for column in ("null_median_factor", "null_p_value", "loo_min_factor", "loo_max_factor", "tie_order_min_factor"):
        assert ok[column].notna().all(), column
    assert ((ok.loo_min_factor <= ok.factor_per_year * (1 + 1e-9))
            & (ok.factor_per_year <= ok.loo_max_factor * (1 + 1e-9))).all()
    boot = frontier[frontier.status.isin(ESTIMATED) & (frontier.ci_method == "bootstrap")]
    assert (boot.ci_low < boot.ci_high).all()
    # half-open bands: a sensitivity row for every main frontier trend (not for the headline-price comparison)
    main_ids = frontier[frontier.variant.isna() & (frontier.price_source != "aa_headline")].drop_duplicates("trend_id")
    assert len(frontier[frontier.variant == "half_open_bands"].drop_duplicates("trend_id")) == len(main_ids)
    # one geometric mean per subset and price type (and per decomposition quantity), bootstrap interval
    geo = trends[(trends.method == "frontier_geomean") & trends.variant.isna()]
    assert set(geo.ci_method) == {"bootstrap"}
    open_blended = geo[(geo.subset == "open") & (geo.quantity == "price") & (geo.price_type == "blended")
                       & (geo.price_source == "lowest_reported")].iloc[0]
    bands = ok[(ok.subset == "open") & (ok.quantity == "price") & (ok.price_type == "blended") & ok.variant.isna()
               & (ok.price_source == "lowest_reported")]
    # the mean of the informative bands; when no band is informative, of every band, and itself a short span when
    # any band is (else a wide interval)
    informative = bands[bands.status == "ok"]
    weak = "short_span" if (bands.status == "short_span").any() else "wide_interval"
    assert len(bands) == 3 and open_blended.status == ("ok" if len(informative) else weak)
    used = informative if len(informative) else bands
    assert open_blended.factor_per_year == pytest.approx(np.exp(np.log(used.factor_per_year).mean()), rel=1e-9)
    assert open_blended.ci_low < open_blended.factor_per_year < open_blended.ci_high
    diagnostics = pd.read_csv(folder / "diagnostics.csv")
    covered = diagnostics.dropna(subset=["coverage_ols"])
    simulated = ok[ok.variant.isna()]  # every price definition (step 10), the headline prices included
    assert len(covered) == len(simulated) and covered.coverage_ols.between(0, 1).all()
    replicates = pd.read_parquet(folder / "replicates.parquet")
    assert (replicates[replicates.kind == "bootstrap"].groupby("trend_id").size() == 2000).all()
    assert (replicates[replicates.kind == "null"].groupby("trend_id").size() == 1000).all()


def test_decomposition_identity_on_the_real_data(first):
    trends = pd.read_csv(Path(first["run_dir"]) / "trends.csv")
    # an identity of the arithmetic: it holds on short spans too (short_span rows), so every estimated row counts
    common = trends[(trends.variant == "price_frontier_sample") & trends.status.isin(ESTIMATED)]
    checked = 0
    for band, group in common.groupby("band_low"):
        slope = group.set_index("quantity").slope_per_day
        if {"price", "active_params", "price_per_active_param"} <= set(slope.index):
            # trends.csv keeps 10 significant digits: the identity holds to that precision
            assert slope["price"] == pytest.approx(slope["active_params"] + slope["price_per_active_param"],
                                                   rel=1e-8, abs=1e-12)
            checked += 1
    assert checked >= 2


@pytest.fixture(scope="module")
def both(prefect_harness, work, light):
    """`make run`: every bundled snapshot and every method (light resampling for the FutureTech preset: this checks
    the multi-snapshot, multi-method report, not numbers)."""
    return run(work, "both", preset=f"{light},epoch-2025,a16z-2024", both_snapshots=True)


def test_every_bundled_snapshot_and_the_vintage_comparison(both):
    folder = Path(both["run_dir"])
    trends = pd.read_csv(folder / "trends.csv")
    snapshots = {p.name for p in (PROJECT_ROOT / "data" / "snapshots").iterdir() if (p / "models.csv").exists()}
    assert set(trends.snapshot) == snapshots >= {"futuretech-2025-07", "aa-2026-07"}
    frontier = trends[(trends.method == "frontier") & (trends.quantity == "price") & trends.variant.isna()
                      & trends.status.ne("skipped")]
    sources = frontier.groupby("snapshot").price_source.apply(set).to_dict()
    assert sources == {"futuretech-2025-07": {"lowest_reported", "first_observed", "aa_headline"},
                       "aa-2026-07": {"lowest_provider", "first_observed", "aa_headline"}}
    report = (folder / "report.md").read_text()
    assert "### Vintage comparison" in report
    assert "| aa-2026-07: lowest_provider | aa-2026-07: first_observed | aa-2026-07: aa_headline |" in report
    assert "### Sources and entity resolution: `aa-2026-07`" in report and "Doubtful joins" in report
    # the answer on the latest data, each price definition side by side, with its numbers in headline.json
    headline = json.loads((folder / "headline.json").read_text())
    assert headline["snapshot"] == "aa-2026-07"
    # step 15: the run and the code it comes from, and one primary entry by the preset's rule, with its window
    manifest = json.loads((folder / "manifest.json").read_text())
    assert headline["run_id"] == manifest["run_id"] and headline["code_commit"] == manifest["code"]["git_commit"]
    primary = [e for e in headline["entries"] if e.get("primary")]
    assert [(e["kind"], e["price_source"], e["preset"]) for e in primary] == [("hedonic", "lowest_provider",
                                                                              "futuretech-2025")]
    assert primary[0]["quality_window"]["end"] == "2026-01-04"
    hedonic = {e["price_source"]: e for e in headline["entries"] if e["kind"] == "hedonic"}
    assert set(hedonic) == {"lowest_provider", "first_observed", "aa_headline"}
    row = trends[(trends.trend_id == hedonic["aa_headline"]["trend_id"]) & (trends.ci_method == "ols")
                 & (trends.estimator == "ols")].iloc[0]
    assert hedonic["aa_headline"]["factor_per_year"] == pytest.approx(row.factor_per_year)
    assert (folder / "price_changes.csv").exists() and "@misc{" in (folder / "CITATION.bib").read_text()
    assert (folder / "figures" / "vintage" / "vintage.png").stat().st_size > 20_000
    attribution = (folder / "ATTRIBUTION.txt").read_text()
    for line in ("Data: Artificial Analysis", "Data: Epoch AI (CC-BY)", "LLM-Stats (CC-BY-4.0)", "models.dev"):
        assert line in attribution, line
    # every method side by side; a method without its benchmark is skipped with a note, never silently absent
    assert "### Methods side by side" in report and "### Structural breaks" in report
    assert (folder / "figures" / "methods" / "methods.png").stat().st_size > 20_000
    monthly = trends[trends.method == "monthly_cheapest"]
    assert set(monthly.snapshot) == snapshots
    assert monthly[monthly.snapshot == "aa-2026-07"].note.str.contains("no mmlu scores").all()
    breaks = pd.read_csv(folder / "breaks.csv")
    assert set(breaks.status) <= {"tested", "too_few", "same_series"} and "tested" in set(breaks.status)
    priced = trends[(trends.status == "ok") & trends.quantity.str.startswith("price") & (trends.ci_method == "ols")
                    & trends.method.isin(["frontier", "hedonic", "monthly_cheapest"])]
    ratio = priced.factor_per_year / priced.hardware_adjusted_factor
    assert len(priced) and (ratio - 1.4).abs().max() < 1e-9


def test_artifacts_are_published(first):
    """The keyed artifacts of *this* run (the worker's API also holds other tests' runs, which publish the same keys:
    filtering by key alone once picked another run's report, in a fresh clone): a handful, results first; the task
    runs' read/write pages are not among them (they are on each task run's page)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[first["flow_run_id"]])))
    assert sorted(a.key for a in found) == sorted(f"estimate-{key}" for key in ARTIFACT_KEYS)
    by_key = {a.key: a for a in found}
    assert "Published vs reproduced" in by_key["estimate-report"].data
    assert all(a.type == "markdown" for a in found)
    answer = by_key["estimate-answer"].data
    assert "cheaper per year" in answer and "| at constant quality |" in answer
    assert (Path(first["run_dir"]) / "report.html").resolve().as_uri() in answer
    assert (Path(first["run_dir"]) / "lineage.html").resolve().as_uri() in answer


def test_report_artifact_embeds_its_figures(first):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = {a.key: a for a in client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[json.loads(
                (Path(first["run_dir"]) / "manifest.json").read_text())["flow_run_id"]])))}
    report = found["estimate-report"].data
    images = re.findall(r"!\[[^\]]*\]\(([^)]*)\)", report)
    assert len(images) >= len(FIGURES) and all(i.startswith("data:image/svg+xml;base64,") for i in images)
    lineage = found["estimate-lineage"].data  # a markdown page (tests/test_ui.py checks it in detail)
    assert found["estimate-lineage"].type == "markdown" and "| trends.csv |" in lineage
    headings = re.findall(r"^## (.+)$", report, flags=re.M)  # contents first, the figures right after the answer
    assert "**Contents**" in report.split("\n## ")[0] and headings.index("Figures") <= 1, headings


def test_parquet_lineage_is_complete_and_deterministic(first):
    """Every Parquet output names its producing task, code and config hashes and upstream files with their sha256
    (which match the files), and holds no run id or timestamp."""
    from tasks.files.io import read_lineage
    from tasks.platform.lineage import resolve_location

    folder = Path(first["run_dir"])
    manifest = json.loads((folder / "manifest.json").read_text())
    run_ids = {manifest["run_id"], manifest["flow_run_id"], *(r["task_run_id"] for r in manifest["tasks"])}
    for path in sorted(folder.rglob("*.parquet")):
        lineage = read_lineage(path)
        assert lineage["producer"]["task"] and lineage["upstream"], path
        text = json.dumps(lineage)
        assert not any(run_id in text for run_id in run_ids), path
        if lineage["producer"]["task"] != "publish-run":
            assert len(lineage["code_sha256"]) == 64 and len(lineage["config_sha256"]) == 64, path
        for ref in lineage["upstream"]:
            local = resolve_location(ref["file"])
            assert local is not None and sha256_file(local) == ref["sha256"], (path, ref)
    analysis = read_lineage(folder / "analysis" / "futuretech-2025-07.parquet")
    assert analysis["producer"] == {"task": "clean", "module": "tasks.stages.clean"}
    assert "data/corrections.csv" in {ref["file"] for ref in analysis["upstream"]}
    by_path = {o["path"]: o["produced_by"] for o in manifest["outputs"]}
    records = {r["task_run_id"]: r for r in manifest["tasks"]}
    assert by_path["trends.csv"]["task"] == "publish-run" and by_path["trends.csv"]["upstream"][0].startswith(
        "cache/outputs/trends-")  # written from the collected Parquet table
    assert records[by_path["replicates.parquet"]["task_run_id"]]["task"] == "collect-trends"
    assert by_path["figures/futuretech-2025-07/frontier_open.png"]["task"] == "figures[futuretech-2025-07]"


def test_lineage_command_traces_a_trend_to_the_raw_file(first):
    from flows.lineage import explain

    folder = Path(first["run_dir"])
    trend = pd.read_csv(folder / "trends.csv")["trend_id"].iloc[0]
    raw = json.loads((BUNDLED_SNAPSHOT / "snapshot.json").read_text())["sources"][0]
    for target in (trend, str(folder / "figures" / "futuretech-2025-07" / "frontier_open.png")):
        text = "\n".join(explain(target, run=folder))
        assert f"raw {raw['file']}  sha256 {raw['sha256'][:16]}" in text, text
        assert "task clean" in text and "task ingest-snapshot" in text
    with pytest.raises(ValueError, match="no trend"):
        explain("no-such-trend", run=folder)


def test_headline_matches_an_independent_computation(first, futuretech_csv):
    trends = pd.read_csv(Path(first["run_dir"]) / "trends.csv")
    blended = trends[(trends.method == "frontier") & (trends.price_type == "blended") & (trends.quantity == "price")
                     & trends.variant.isna() & (trends.ci_method == "ols") & (trends.price_source == "lowest_reported")]
    for subset in ("open", "all"):
        for low, high in PUBLISHED_OPEN:
            row = blended[(blended.subset == subset) & (blended.band_low == low)].iloc[0]
            factor, n = independent_frontier(futuretech_csv, subset == "open", low, high, study_order=False)
            assert row.n == n
            assert row.factor_per_year == pytest.approx(factor, rel=1e-8)


def test_published_numbers_come_from_the_study_row_order(futuretech_csv):
    """The published 7.12 / 28.48 / 8.2 are what the study's own code gives on this file: its unstable sort
    leaves same-day releases in the file's row order. Our explicit cheapest-first order is the only difference."""
    for (low, high), published in PUBLISHED_OPEN.items():
        factor, _ = independent_frontier(futuretech_csv, True, low, high, study_order=True)
        assert round(factor, 2) == pytest.approx(published, abs=0.01)


GOLDEN = FIXTURES / "golden" / "futuretech-2025-07-trends.csv"
GOLDEN_COLUMNS = ["trend_id", "estimator", "ci_method", "factor_per_year", "ci_low", "ci_high", "slope_per_day", "n",
                  "n_candidates", "r_squared", "status"]


def golden_view(trends: pd.DataFrame) -> pd.DataFrame:
    """The columns that carry the numbers, at 10 significant digits (what a refactoring must not move)."""
    view = trends[GOLDEN_COLUMNS].copy()
    for column in ("factor_per_year", "ci_low", "ci_high", "slope_per_day", "r_squared"):
        view[column] = [float(f"{v:.10g}") if pd.notna(v) else np.nan for v in view[column]]
    return view.sort_values(["trend_id", "estimator", "ci_method"], kind="mergesort").reset_index(drop=True)


def test_the_study_preset_gives_the_golden_trends(first):
    """The study's preset on the study's snapshot: every trend, interval and status as kept in the golden file
    (written from this run when steps 9 and 10 were finished; a change to it is a change of results, to be
    explained). Regenerate with ``python tests/test_e2e.py RUN_FOLDER`` after a deliberate change."""
    got = golden_view(pd.read_csv(Path(first["run_dir"]) / "trends.csv"))
    want = pd.read_csv(GOLDEN)
    assert len(want) > 100 and set(want.status) >= {"ok", "insufficient"}  # a golden file worth comparing with
    pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-9, atol=0)


def test_rerun_is_served_from_cache_and_byte_identical(first, work):
    again = run(work, "again")
    assert all(record["state"] == "Cached" for record in again["tasks"]), states(again)
    for name in ("trends.csv", "points.csv", "report.md"):
        assert (Path(again["run_dir"]) / name).read_bytes() == (Path(first["run_dir"]) / name).read_bytes()


@pytest.fixture(scope="module")
def light(light_preset) -> Path:
    """The study's preset with light resampling (conftest): the caching tests need the whole DAG, not thousands of
    resamples."""
    return light_preset


if __name__ == "__main__":  # regenerate the golden file from a run folder of the study's preset on its snapshot
    golden_view(pd.read_csv(Path(sys.argv[1]) / "trends.csv")).to_csv(GOLDEN, index=False)
