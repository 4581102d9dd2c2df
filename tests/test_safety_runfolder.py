"""Step 13's hostile cases for run and snapshot folders, the clean stop, presets and JSON outputs.

As in ``tests/test_safety.py``: every case asserts the exact outcome (error text and exit code) and, where a command
runs, that no file outside its run folder changed (``tree``).

- A run (snapshot) folder is replaced only while it holds nothing but what its manifest.json (snapshot.json) lists,
  with the same sha256: a user's notes, an edited output or a copied manifest are refused by name, before any work
  and again at the swap.
- One SIGTERM stops a run during the fit stage (worker threads, long vectorised loops) within seconds.
- Presets are checked when loaded (finite numbers, bands in their units, bounded resample counts); every JSON the
  project writes is strict.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tasks.files.settings import PROJECT_ROOT
from tests.conftest import BUNDLED_SNAPSHOT, run_estimate
from tests.test_safety import cli, tree

REFUSAL_TAIL = "; refusing to replace it. Move them out of the folder and rerun, or give a new folder"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def run_folder(path: Path, files: dict[str, bytes]) -> Path:
    """A run folder as the tool writes it: the files, and a manifest listing each with its sha256."""
    from tasks.files.folders import RUN_SCHEMA

    for name, data in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(data)
    (path / "manifest.json").write_text(json.dumps({
        "schema": RUN_SCHEMA, "run_id": "r1",
        "outputs": [{"path": name, "sha256": sha(data)} for name, data in sorted(files.items())]}))
    return path


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


# --- 1. a rerun never deletes what the run did not write ---------------------------------------------------------
@pytest.mark.e2e
def test_a_rerun_refuses_a_run_folder_holding_user_files_and_names_them(prefect_harness, tmp_path, tiny_preset):
    out = tmp_path / "run"
    run_estimate(input=str(BUNDLED_SNAPSHOT), preset=str(tiny_preset), out=str(out), bootstrap_resamples=20,
                 figures=False)  # history on
    # the manifest lists every file of the run folder (sub-folders included) with its sha256
    manifest = json.loads((out / "manifest.json").read_text())
    written = tree(out)
    del written["manifest.json"]
    assert {o["path"]: o["sha256"] for o in manifest["outputs"]} == written
    assert {name.split("/")[0] for name in written} >= {"history", "analysis", "report.html", "replicates.parquet"}
    (out / "MY_NOTES.txt").write_text("my notes\n")
    (out / "my_analysis").mkdir()
    (out / "my_analysis" / "work.csv").write_text("a,b\n1,2\n")
    before = tree(tmp_path)
    result = cli("run", "--input", str(BUNDLED_SNAPSHOT), "--preset", str(tiny_preset), "--out", str(out),
                 "--no-figures")
    assert result.exit_code == 1
    assert last_line(result.output) == (
        f"error: --out {out}: the folder holds what inference-trends did not write there: 2 files (MY_NOTES.txt, "
        f"my_analysis/work.csv) not listed in its manifest.json{REFUSAL_TAIL}")
    assert tree(tmp_path) == before
    # an output edited since the run is the user's too
    (out / "MY_NOTES.txt").unlink()
    shutil.rmtree(out / "my_analysis")
    with open(out / "report.md", "a") as handle:
        handle.write("\nmy comment\n")
    before = tree(tmp_path)
    result = cli("run", "--input", str(BUNDLED_SNAPSHOT), "--preset", str(tiny_preset), "--out", str(out),
                 "--no-figures")
    assert result.exit_code == 1
    assert last_line(result.output) == (
        f"error: --out {out}: the folder holds what inference-trends did not write there: 1 file (report.md) "
        f"changed since inference-trends wrote it{REFUSAL_TAIL}")
    assert tree(tmp_path) == before


# --- 2. a copied manifest.json does not make a folder replaceable ----------------------------------------------
def test_a_copied_manifest_does_not_make_a_folder_replaceable(tmp_path, tiny_preset):
    thesis = tmp_path / "thesis"
    (thesis / "chapters").mkdir(parents=True)
    (thesis / "thesis.tex").write_text("\\documentclass{article}\n")
    (thesis / "chapters" / "ch1.tex").write_text("\\chapter{One}\n")
    donor = run_folder(tmp_path / "donor", {"trends.csv": b"trend_id\n", "report.md": b"# Report\n"})
    shutil.copy(donor / "manifest.json", thesis / "manifest.json")
    before = tree(tmp_path)
    result = cli("run", "--preset", str(tiny_preset), "--out", str(thesis))
    assert result.exit_code == 1
    assert last_line(result.output) == (
        f"error: --out {thesis}: the folder holds what inference-trends did not write there: 2 files "
        f"(chapters/ch1.tex, thesis.tex) not listed in its manifest.json{REFUSAL_TAIL}")
    assert tree(tmp_path) == before


def test_only_a_folder_matching_its_manifest_is_replaceable(tmp_path):
    from tasks.files.folders import STAGING_MARKER, UnsafeTarget, check_output_folder

    files = {"trends.csv": b"a\n", "figures/x/one.png": b"png", "history/h/files.csv": b"f\n"}
    folder = run_folder(tmp_path / "run", files)
    assert check_output_folder(folder, "run") == folder  # exactly what it lists (missing files would not matter)
    (folder / STAGING_MARKER).write_text("{}")  # the tool's own marker (a folder put back after a crash)
    assert check_output_folder(folder, "run") == folder
    only = tmp_path / "only"
    only.mkdir()
    (only / "manifest.json").write_text(json.dumps({"schema": "inference-trends/run-manifest"}))
    assert check_output_folder(only, "run") == only  # nothing but a manifest: nothing to lose

    def refusal(path: Path, kind: str = "run") -> str:
        with pytest.raises(UnsafeTarget) as caught:
            check_output_folder(path, kind)
        return str(caught.value)

    (folder / "figures" / "x" / "mine").mkdir()  # an empty folder of the user's
    (folder / "link").symlink_to(tmp_path)  # a link (never followed)
    (folder / "figures" / "x" / "one.png").write_bytes(b"edited")
    assert refusal(folder) == (
        f"--out {folder}: the folder holds what inference-trends did not write there: 1 file (figures/x/one.png) "
        "changed since inference-trends wrote it; 2 entries (figures/x/mine/, link (a link)) not listed in its "
        f"manifest.json{REFUSAL_TAIL}")
    many = run_folder(tmp_path / "many", {"trends.csv": b"a\n"})
    for i in range(7):
        (many / f"note{i}.txt").write_text("x")
    assert refusal(many) == (
        f"--out {many}: the folder holds what inference-trends did not write there: 7 files (note0.txt, note1.txt, "
        f"note2.txt, note3.txt, note4.txt, ... (2 more)) not listed in its manifest.json{REFUSAL_TAIL}")
    # a manifest without a file list (hand-made, or damaged) says nothing about the rest of the folder
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "manifest.json").write_text(json.dumps({"schema_version": "1.0", "run_id": "r", "flow_run_id": "f",
                                                      "tasks": [], "code": {}}))
    (legacy / "trends.csv").write_text("a\n")
    assert refusal(legacy) == (
        f"--out {legacy}: its manifest.json lists no files, so what it holds besides this tool's outputs cannot be "
        "told; refusing to replace it. Move what you want to keep out of it and delete the folder yourself, or give "
        "a new folder")


def test_the_swap_checks_again_and_keeps_the_new_results(tmp_path):
    from tasks.files.folders import UnsafeTarget, staging_folder, swap_in

    final = run_folder(tmp_path / "run", {"trends.csv": b"old\n"})
    with pytest.raises(UnsafeTarget) as caught:
        with staging_folder(final) as staging:
            (staging / "trends.csv").write_text("new\n")
            (final / "MY_NOTES.txt").write_text("written while the run worked\n")
            before = tree(final)
            swap_in(staging, final, "run")
    [kept] = [p for p in tmp_path.iterdir() if p.name.startswith("run.new-")]
    assert str(caught.value) == (
        f"{final} changed while the run was working: the folder holds what inference-trends did not write there: "
        f"1 file (MY_NOTES.txt) not listed in its manifest.json; it was not replaced, and the new results are in "
        f"{kept}")
    assert tree(final) == before and (kept / "trends.csv").read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", kept.name]  # no staging folder left


def test_snapshot_folders_follow_the_same_rule(tmp_path, futuretech_csv):
    from tasks.stages.snapshot import write_snapshot_task
    from tasks.data.canonical import CanonicalTables, read_snapshot
    from tasks.files.folders import SNAPSHOT_FILES, UnsafeTarget, check_output_folder
    from tasks.platform.lineage import write_tables

    # a snapshot of a version without a file list (the bundled ones, kept byte-identical): by name only
    legacy = tmp_path / "legacy" / "futuretech-2025-07"
    shutil.copytree(BUNDLED_SNAPSHOT, legacy)
    assert "files" not in json.loads((legacy / "snapshot.json").read_text())
    assert check_output_folder(legacy, "snapshot", option="--out-dir/--name") == legacy
    (legacy / "thesis.tex").write_text("x")
    with pytest.raises(UnsafeTarget) as caught:
        check_output_folder(legacy, "snapshot", option="--out-dir/--name")
    assert str(caught.value) == (
        f"--out-dir/--name {legacy}: the folder holds what inference-trends did not write there: 1 file "
        f"(thesis.tex) not listed in its snapshot.json{REFUSAL_TAIL}")
    assert {f"{name}.csv" for name in CanonicalTables.table_names()} | {
        "resolution.csv", "conflicts.csv", "field_sources.csv"} == SNAPSHOT_FILES
    # a snapshot written now lists its files with their sha256
    tables = read_snapshot(BUNDLED_SNAPSHOT)
    folder = tmp_path / "new" / "futuretech-2025-07"
    write_snapshot_task.fn(write_tables(tables, "canonical", {}), folder,
                           {"name": "futuretech-2025-07", "format": "futuretech", "sources": []})
    listed = {f["path"]: f["sha256"] for f in json.loads((folder / "snapshot.json").read_text())["files"]}
    written = tree(folder)
    del written["snapshot.json"]
    assert listed == written and sorted(listed) == ["benchmarks.csv", "ingest_issues.csv", "models.csv",
                                                    "prices.csv"]
    for name in listed:  # the tables' bytes are those of the bundled snapshot
        assert (folder / name).read_bytes() == (BUNDLED_SNAPSHOT / name).read_bytes(), name
    assert check_output_folder(folder, "snapshot") == folder
    (folder / "models.csv").write_text("model_id\nmine\n")
    with pytest.raises(UnsafeTarget, match=re.escape("1 file (models.csv) changed since inference-trends wrote it")):
        check_output_folder(folder, "snapshot")


# --- 3. one SIGTERM stops the run during the fit ----------------------------------------------------------------
@pytest.mark.e2e
def test_one_sigterm_during_the_fit_stops_the_run(prefect_harness, tmp_path, tiny_preset):
    """Before: the fit's worker threads ran to the end (minutes with many resamples) before the first SIGTERM took
    effect, because the task runner joins its threads on the way out; only a second SIGTERM stopped the run.

    The run reports to the session's Prefect API (a temporary API of its own costs 10-20 s to start; that it is
    stopped on SIGTERM is test_safety.py's test_sigterm_stops_the_run_and_sigkill_leaves_no_server)."""
    from prefect.settings import PREFECT_API_URL

    out = run_folder(tmp_path / "run", {"trends.csv": b"previous results\n"})
    before = tree(tmp_path)
    home = tmp_path / "home"
    env = {**os.environ, "PREFECT_HOME": str(home), "INFERENCE_TRENDS_CACHE_DIR": str(tmp_path / "cache"),
           "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(tmp_path / "cache" / "results"), "PREFECT_LOGGING_LEVEL": "INFO",
           "PREFECT_API_URL": PREFECT_API_URL.value()}
    # one snapshot (quick to ingest); 100,000 resamples (the limit): its fit batch takes tens of seconds
    process = subprocess.Popen([sys.executable, "-m", "flows", "run", "--input", str(BUNDLED_SNAPSHOT), "--preset",
                                str(tiny_preset), "--out", str(out), "--no-figures", "--no-history", "--bootstrap",
                                "100000"],
                               cwd=PROJECT_ROOT, text=True, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: list[str] = []
    in_fit = threading.Event()

    def read():
        for line in process.stdout:
            lines.append(line)
            if "Task run 'fit[" in line:  # a fit batch's task run logs: the fit stage is running
                in_fit.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + 300  # a loaded machine can take minutes to start the API and ingest
    while not in_fit.wait(0.2) and time.monotonic() < deadline:
        if process.poll() is not None:
            break
    if not in_fit.is_set():
        process.kill()
        pytest.fail(f"the run never reached the fit stage (exit {process.poll()}): {''.join(lines)[-2000:]}")
    process.send_signal(signal.SIGTERM)  # once
    try:
        process.wait(timeout=30)  # a safety net, not a timing assertion: it used to take minutes
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("one SIGTERM did not stop the run within 30 s")
    reader.join(timeout=10)
    output = "".join(lines)
    assert process.returncode == 128 + signal.SIGTERM
    assert "\nstopped by SIGTERM: nothing was published; earlier results are as they were\n" in output
    assert "Traceback" not in output
    # the fit batch did not run to its end after the signal
    assert not re.search(r"frontier on futuretech-2025-07 \(futuretech-2025\): \d+ trends \(", output)
    assert {k: v for k, v in tree(tmp_path, skip=tmp_path / "cache").items() if not k.startswith("home/")} == before
    assert not [p for p in tmp_path.iterdir() if ".staging-" in p.name or ".new-" in p.name]


def test_stop_requests_reach_the_loops_of_worker_threads():
    """The mechanism, at unit level: work started in a stoppable scope (another thread, as the task runner's
    workers) stops at its next check once the waiting thread leaves the scope with an exception."""
    import contextvars

    from tasks.core.stopping import StopRequested, check, stoppable
    from tasks.core.uncertainty import joint_count_blocks

    check()  # outside a scope: nothing to stop
    started, outcome = threading.Event(), []

    def work():
        try:
            for _ in joint_count_blocks(5000, 10 ** 9, seed=1):  # would run for hours
                started.set()
        except StopRequested as stop:
            outcome.append(stop)

    with pytest.raises(KeyboardInterrupt):
        with stoppable():
            worker = threading.Thread(target=contextvars.copy_context().run, args=(work,))
            worker.start()
            started.wait(30)
            raise KeyboardInterrupt  # what a signal raises in the waiting thread
    worker.join(30)
    assert not worker.is_alive() and [str(s) for s in outcome] == ["the run was asked to stop"]


# --- 4. resample counts are bounded -----------------------------------------------------------------------------
def test_bootstrap_option_is_bounded_and_its_errors_name_it(tmp_path, monkeypatch):
    from flows.config import EstimateConfig

    before = tree(tmp_path)
    for value, message in (("99999999", "more than the limit of 100,000 (set INFERENCE_TRENDS_MAX_RESAMPLES to "
                                        "raise it) (given: 99999999)"),
                           ("-5", "Input should be greater than or equal to 0 (given: -5)")):
        result = cli("run", "--bootstrap", value, "--out", str(tmp_path / "run"))
        assert result.exit_code == 1
        assert last_line(result.output) == f"error: --bootstrap: {message}"
    assert tree(tmp_path) == before
    monkeypatch.setenv("INFERENCE_TRENDS_MAX_RESAMPLES", "200000")
    assert EstimateConfig(bootstrap_resamples=150000).bootstrap_resamples == 150000


LIGHT_PRESET = (PROJECT_ROOT / "presets" / "futuretech-2025.toml").read_text()


def preset_with(tmp_path: Path, old: str, new: str, name: str = "bad.toml") -> Path:
    assert old in LIGHT_PRESET, old
    path = tmp_path / name
    path.write_text(LIGHT_PRESET.replace(old, new))
    return path


@pytest.mark.parametrize("old, new, field, given", [
    ("", "[uncertainty]\nbootstrap_resamples = 1000000000\n", "uncertainty.bootstrap_resamples", "1000000000"),
    ("", "[uncertainty]\npermutations = 1e9\n", "uncertainty.permutations", "1000000000.0"),
    ("", "[uncertainty]\ncoverage_simulations = 100001\n", "uncertainty.coverage_simulations", "100001"),
    ("", "[uncertainty]\ncoverage_resamples = 100001\n", "uncertainty.coverage_resamples", "100001"),
    ("wild_bootstrap = 999", "wild_bootstrap = 100001", "hedonic.wild_bootstrap", "100001"),
    ("quantile_bootstrap = 499", "quantile_bootstrap = 100001", "hedonic.quantile_bootstrap", "100001"),
    ("", "[breaks]\nsimulations = 100001\n", "breaks.simulations", "100001"),
])
def test_preset_resample_counts_are_bounded(tmp_path, old, new, field, given):
    from tasks.study.presets import load_preset

    path = tmp_path / "bad.toml"
    path.write_text(LIGHT_PRESET.replace(old, new) if old else LIGHT_PRESET + "\n" + new)
    with pytest.raises(ValueError) as caught:
        load_preset(str(path))
    assert str(caught.value) == (f"{path}: invalid preset: {field}: more than the limit of 100,000 (set "
                                 f"INFERENCE_TRENDS_MAX_RESAMPLES to raise it) (given: {given})")


def test_benchmark_cost_counts_and_the_coverage_product_are_bounded(tmp_path):
    from tasks.study.presets import load_preset

    text = (PROJECT_ROOT / "presets" / "aa-index-cost.toml").read_text()
    path = tmp_path / "cost.toml"
    path.write_text(text.replace("bootstrap_resamples = 2000", "bootstrap_resamples = 100001"))
    with pytest.raises(ValueError, match=re.escape(
            "benchmark_cost.bootstrap_resamples: more than the limit of 100,000")):
        load_preset(str(path))
    path.write_text(LIGHT_PRESET + "\n[uncertainty]\ncoverage_simulations = 10000\ncoverage_resamples = 10000\n")
    with pytest.raises(ValueError) as caught:
        load_preset(str(path))
    assert str(caught.value) == (
        f"{path}: invalid preset: uncertainty: coverage_simulations x coverage_resamples = 100,000,000 bootstrap fits "
        "per trend, more than the limit of 10,000,000 (100 x the resample limit; set INFERENCE_TRENDS_MAX_RESAMPLES "
        "to raise it) (given: {'coverage_simulations': 10000, 'coverage_resamples': 10000})")


# --- 5. presets: finite numbers, bands in their units -----------------------------------------------------------
BANDS = "bands = [[30, 50], [50, 70], [70, 90]]"
PERCENT = "mmlu_pro is scored in percent here, so a band needs 0 <= low < high <= 100"


@pytest.mark.parametrize("old, new, problem", [
    (BANDS, "bands = [[30, nan]]", "frontier.bands[0][1]: Input should be a finite number (given: nan)"),
    (BANDS, "bands = [[30, 50], [-10, 50]]",
     f"frontier.bands: band [-10, 50] is not within 0-100: {PERCENT} (given: [[30, 50], [-10, 50]])"),
    (BANDS, "bands = [[70, 120]]", f"frontier.bands: band [70, 120] is not within 0-100: {PERCENT} (given: "
     "[[70, 120]])"),
    (BANDS, "bands = [[50, 50]]", "frontier.bands: band [50, 50] is empty: its low end must be below its high end "
     "(given: [[50, 50]])"),
    ("score_range = [40, 70]", "score_range = [40, 170]", f"hedonic.score_range: band [40, 170] is not within "
     f"0-100: {PERCENT} (given: [40, 170])"),
    ("score_range = [40, 70]", "score_range = [-inf, 70]", "hedonic.score_range[0]: Input should be a finite "
     "number (given: -inf)"),
    ("hardware_factor_per_year = 1.4", "hardware_factor_per_year = inf",
     "hardware_factor_per_year: Input should be a finite number (given: inf)"),
    ("hardware_factor_per_year = 1.4", "hardware_factor_per_year = 0",
     "hardware_factor_per_year: Input should be greater than 0 (given: 0)"),
    ("value = 11.8", "value = nan", "published[1].value: Input should be a finite number (given: nan)"),
])
def test_presets_are_checked_when_loaded(tmp_path, old, new, problem):
    from tasks.study.presets import load_preset

    path = preset_with(tmp_path, old, new)
    with pytest.raises(ValueError) as caught:
        load_preset(str(path))
    assert str(caught.value) == f"{path}: invalid preset: {problem}"


def test_thresholds_follow_their_benchmark_units(tmp_path):
    from tasks.study.presets import load_preset

    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\ntitle = "t"\n[monthly_cheapest]\nthresholds = [60, 101]\n')
    with pytest.raises(ValueError) as caught:
        load_preset(str(path))
    assert str(caught.value) == (f"{path}: invalid preset: monthly_cheapest.thresholds: threshold 101 is not within "
                                 "0-100: mmlu is scored in percent here, so a threshold needs 0 <= threshold <= 100 "
                                 "(given: [60, 101])")
    path.write_text('name = "mine"\ntitle = "t"\n[monthly_cheapest]\nquality_measure = "arena_elo"\n'
                    "thresholds = [1100, 1250]\n")  # Elo points, not percent
    assert load_preset(str(path)).monthly_cheapest.thresholds == [1100, 1250]
    for name in ("futuretech-2025", "futuretech-2026", "epoch-2025", "a16z-2024", "aa-index-cost"):
        load_preset(name)  # the bundled presets pass


def test_a_bad_preset_stops_the_command_before_any_work(tmp_path):
    path = preset_with(tmp_path, BANDS, "bands = [[30, nan]]")
    out = run_folder(tmp_path / "run", {"trends.csv": b"previous\n"})
    before = tree(tmp_path)
    result = cli("run", "--preset", str(path), "--out", str(out))
    assert result.exit_code == 1
    assert last_line(result.output) == (f"error: {path}: invalid preset: frontier.bands[0][1]: Input should be a "
                                        "finite number (given: nan)")
    assert tree(tmp_path) == before


# --- 5b. strict JSON --------------------------------------------------------------------------------------------
def test_json_outputs_are_strict(tmp_path):
    from tasks.files.io import json_text, write_json
    from tasks.reporting.format import number as _number

    target = tmp_path / "manifest.json"
    with pytest.raises(ValueError) as caught:
        write_json(target, {"preset": {"hardware_factor_per_year": float("inf")}, "n": 1}, what="run/manifest.json")
    assert str(caught.value) == ("run/manifest.json: preset.hardware_factor_per_year is inf, not a finite number "
                                 "(JSON has no NaN or Infinity); not written")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match=re.escape("headline.json: entries[1].ci_high is nan, not a finite")):
        json_text({"entries": [{"ci_high": 2.0}, {"ci_high": float("nan")}]}, "headline.json")
    assert json_text({"b": [1.5, None], "a": Path("x")}, "t") == '{\n  "a": "x",\n  "b": [\n    1.5,\n    null\n  ]\n}\n'
    # headline.json's numbers: an unbounded interval end is null there
    assert [_number(v) for v in (float("inf"), float("-inf"), float("nan"), None, 2.5, 3)] == [None] * 4 + [2.5, 3]
