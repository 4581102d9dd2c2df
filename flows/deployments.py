"""The entry points of the deployments in prefect.yaml: one flow per deployment with flat, typed parameters and
defaults, which the Prefect UI renders as a run form people can fill (no nested optional object, no null switches,
the preset a choice among the bundled ones). Each builds the flow's config (``flows/config.py``) and runs the same
flow body in this flow run (``flow.fn``: no subflow), so the command line, the Python API and the deployments compute
the same thing.

Text fields left empty mean "the default"; relative paths are relative to the project folder.

Every path parameter is confined (``flows.config.deployment_path``): resolved, symlinks followed, it must lie inside
the project's data folders, or inside the folders ``INFERENCE_TRENDS_ALLOWED_ROOTS`` named when the service started
(``tasks.files.settings.allowed_roots``); otherwise the run fails at once, naming the parameter, the path and the
allowed folders, before anything is read or written. These parameters arrive through the Prefect API: the check is
here, in the flow, not in the UI's form. The command line (``inference-trends``) is the user's own shell and is not
confined.
"""

from __future__ import annotations

from typing import Any, Literal

from prefect import flow

from flows.config import (DEFAULT_BOOTSTRAP, FetchConfig, FormatChoice, HistoryConfig, IngestConfig, PresetChoice,
                          SnapshotConfig, deployment_path, deployment_presets, estimate_config, estimate_run_name,
                          form_run_name, history_run_name, preset_ref, project_path, snapshot_run_name)
from flows.estimate import estimate as estimate_flow
from flows.fetch import fetch_aa as fetch_flow
from flows.history import price_history as history_flow
from flows.ingest import ingest as ingest_flow
from flows.snapshot import build_snapshot as snapshot_flow


@flow(name="estimate", flow_run_name=form_run_name(estimate_run_name, estimate_config), log_prints=True)
def estimate(
    preset: PresetChoice = "all",
    input: str = "",
    bootstrap_resamples: int = DEFAULT_BOOTSTRAP,
    figures: bool = True,
    history: bool = True,
    as_published: bool = False,
    custom_preset: str = "",
    input_format: FormatChoice = "auto",
    extra_inputs: list[str] = [],  # noqa: B006  (never mutated; the form shows an empty list)
    snapshot_name: str = "",
    out: str = "",
    strict: bool = False,
    corrections: str = "",
    refresh_cache: bool = False,
    task_runner: Literal["threads", "dask"] = "threads",
    dask_address: str = "",
) -> dict:
    """Estimate how fast LLM inference gets cheaper at constant quality; write trends.csv, points.csv, report.md and
    manifest.json to a run folder.

    Args:
        preset: A bundled preset (presets/*.toml), or all of them side by side.
        input: A raw source file or folder, relative to the project folder (format detected from its content),
            inside the project's data folders (or INFERENCE_TRENDS_ALLOWED_ROOTS of the service). Empty: every
            bundled snapshot in data/snapshots.
        bootstrap_resamples: Bootstrap resamples per frontier trend (2,000 is the bundled presets' own value; 0
            turns the bootstrap off for a quick run).
        figures: Draw the figures (about 10 s); off for quick what-if runs.
        history: Report the price-history stores of data/history (same-model price drift, data-drift warnings).
        as_published: Turn off the project's documented data corrections (data/corrections.csv).
        custom_preset: Instead of `preset`: your own preset TOML file (relative to the project folder), or a
            comma-separated list of preset names and files. Empty: use `preset`.
        input_format: Force the input's format instead of detecting it from the content (auto).
        extra_inputs: More raw sources merged into the input's snapshot by entity resolution.
        snapshot_name: Name of the input's snapshot in the outputs (empty: the input's name).
        out: Run folder, relative to the project folder, inside its data folders (empty: data/runs/RUN_ID); an
            existing folder is replaced only when the run succeeds, and only if it holds nothing but a run's files.
        strict: Stop with an error when a file of an input folder would not be read (default: listed as rejected).
        corrections: Corrections file (empty: data/corrections.csv).
        refresh_cache: Recompute every task instead of serving cached results.
        task_runner: Where the one-task-per-trend fan-out runs: threads in this process, or Dask (prefect-dask).
        dask_address: Address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786 (with task_runner dask).
    """
    input, out = deployment_path(input, "input"), deployment_path(out, "out", write=True)
    corrections, custom_preset = deployment_path(corrections, "corrections"), deployment_presets(custom_preset)
    extra_inputs = [deployment_path(p, "extra_inputs") for p in extra_inputs if (p or "").strip()]
    return estimate_flow.fn(estimate_config(
        preset=preset, custom_preset=custom_preset, input=input, extra_inputs=extra_inputs,
        input_format=input_format, snapshot_name=snapshot_name, out=out, bootstrap_resamples=bootstrap_resamples,
        figures=figures, history=history, as_published=as_published, strict=strict, corrections=corrections,
        refresh_cache=refresh_cache, task_runner=task_runner, dask_address=dask_address))


@flow(name="ingest", log_prints=True)
def ingest(
    inbox: str = "",
    pull_aa_api: bool = False,
    settle_seconds: float = 10.0,
    entries: list[str] = [],  # noqa: B006  (never mutated)
    trigger: Literal["deployment", "inline", "none"] = "deployment",
    preset: PresetChoice = "all",
    custom_preset: str = "",
    bootstrap_resamples: int = DEFAULT_BOOTSTRAP,
    figures: bool = True,
    history: bool = True,
    estimate_deployment: str = "estimate/estimate",
) -> Any:
    """Take new data files from the inbox, validate each (rejected ones go to rejected/ with a report), and run
    estimate on each new one; content already accepted triggers nothing.

    Args:
        inbox: Inbox folder, relative to the project folder (empty: data/inbox, or INFERENCE_TRENDS_INBOX on the
            worker).
        pull_aa_api: Also pull the live AA API models list (needs AA_API_KEY on the worker; skipped otherwise).
        settle_seconds: Leave alone what was modified less than this many seconds ago (a copy still being
            written); the next run takes it. Not applied to `entries`.
        entries: Set by the inbox watcher (leave empty): the entries it saw waiting, one per line as
            'NAME (SIZE bytes, mtime SECONDS)'. The run takes exactly those, if still unchanged (whatever
            settle_seconds says), and names in its final state any it could not take. Empty: whatever waits in the
            inbox.
        trigger: How to run estimate on each new file: through the estimate deployment (its own flow run), inline
            in this run, or not at all.
        preset: Preset of the estimate runs triggered for new files.
        custom_preset: Instead of `preset`: your own preset TOML file (relative to the project folder).
        bootstrap_resamples: Bootstrap resamples per frontier trend of the triggered estimate runs (0: off).
        figures: Draw the figures in the triggered estimate runs.
        history: Report the price-history stores in the triggered estimate runs.
        estimate_deployment: The deployment to trigger (flow name/deployment name).
    """
    inbox, custom_preset = deployment_path(inbox, "inbox", write=True), deployment_presets(custom_preset)
    return ingest_flow.fn(IngestConfig(
        inbox=inbox or None, pull_aa_api=pull_aa_api, settle_seconds=settle_seconds, entries=entries,
        trigger=trigger, estimate_deployment=estimate_deployment,
        estimate=estimate_config(preset=preset, custom_preset=custom_preset, bootstrap_resamples=bootstrap_resamples,
                                 figures=figures, history=history)))


@flow(name="build-snapshot", flow_run_name=form_run_name(
    snapshot_run_name, lambda inputs=(), name="", **_: SnapshotConfig(inputs=list(inputs), name=name)), log_prints=True)
def build_snapshot(inputs: list[str], name: str, input_format: FormatChoice = "auto", crosswalk: str = "",
                   out_dir: str = "") -> str:
    """Build a bundled snapshot (canonical CSVs with their source) from raw source files.

    Args:
        inputs: Raw source files or folders, relative to the project folder; several are merged by entity
            resolution, the first one's models being the snapshot's models.
        name: Snapshot name, e.g. futuretech-2025-07 (lower-case letters, digits, '.', '_', '-').
        input_format: Force the format of a single input instead of detecting it from the content (auto).
        crosswalk: Crosswalk of manual matching decisions (empty: data/crosswalk.csv).
        out_dir: Parent folder of the snapshot (empty: data/snapshots).
    """
    return snapshot_flow.fn(SnapshotConfig(
        inputs=[deployment_path(p, "inputs") for p in inputs if (p or "").strip()], name=name,
        input_format=None if input_format == "auto" else input_format,
        crosswalk=deployment_path(crosswalk, "crosswalk") or None,
        out_dir=deployment_path(out_dir, "out_dir", write=True) or None))


@flow(name="price-history", flow_run_name=form_run_name(
    history_run_name, lambda input="", store="": HistoryConfig(input=project_path(input), store=project_path(store))),
    log_prints=True)
def price_history(input: str = "", store: str = "") -> dict:
    """Add new daily AA site scrapes to the price-history store; write its data-drift warnings and the same-model
    price drift.

    Args:
        input: Folder of dated AA site scrapes (aa_models_YYYY-MM-DD.json), relative to the project folder (empty:
            ../shared/data/aa-site-scrape-daily).
        store: History store folder (empty: data/history/aa-site-daily); files already in it are not read again.
    """
    return history_flow.fn(HistoryConfig(input=deployment_path(input, "input") or None,
                                         store=deployment_path(store, "store", write=True) or None))


@flow(name="fetch-aa")
def fetch_aa(base_url: str = "https://artificialanalysis.ai/api/v2", out_dir: str = "", timeout: float = 60.0,
             connect_timeout: float = 10.0, deadline: float = 300.0, retries: int = 4, backoff_base: float = 1.0,
             secret_block: str = "aa-api-key") -> dict:
    """Fetch the live Artificial Analysis models list, keep the raw response, and ingest it.

    Args:
        base_url: AA API v2 base URL; the flow requests {base_url}/data/llms/models. The key is sent only over
            https to artificialanalysis.ai or its subdomains; another URL needs
            INFERENCE_TRENDS_AA_ALLOW_OTHER_BASE_URL=1 in the worker's environment (never a parameter).
        out_dir: Folder for the raw responses and their .meta sidecars (empty: data/raw/aa-api).
        timeout: Seconds one attempt may take, from the request to the last byte of the body.
        connect_timeout: Connect timeout in seconds (per attempt).
        deadline: Seconds the whole fetch may take, retries and the waits between them included.
        retries: Retries after the first attempt, on HTTP 429, 5xx, timeouts and connection errors.
        backoff_base: First backoff delay in seconds (doubled at each retry).
        secret_block: Prefect Secret block holding the key, used when AA_API_KEY is not set on the worker.
    """
    return fetch_flow.fn(FetchConfig(base_url=base_url, out_dir=deployment_path(out_dir, "out_dir", write=True) or None,
                                     timeout=timeout, connect_timeout=connect_timeout, deadline=deadline,
                                     retries=retries, backoff_base=backoff_base, secret_block=secret_block))


__all__ = ["build_snapshot", "estimate", "fetch_aa", "ingest", "preset_ref", "price_history"]
