"""The entry points of the deployments in prefect.yaml: one flow per deployment with flat, typed parameters and
defaults, which the Prefect UI renders as a run form people can fill (no nested optional object, no null switches,
the preset a choice among the bundled ones). Each builds the flow's config (``flows/config.py``) and runs the same
flow body in this flow run (``flow.fn``: no subflow), so the command line, the Python API and the deployments compute
the same thing.

Text fields left empty mean "the default"; relative paths are relative to the project folder. Each parameter's help
is written once, in ``flows/options.py`` (``described_by`` renders it into the docstring the form is built from).

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
from flows.options import (ESTIMATE, FETCH, FORM, FORM_PATHS, HISTORY, INGEST, OF_TRIGGERED_RUNS, SNAPSHOT,
                           described_by)
from flows.fetch import fetch_aa as fetch_flow
from flows.history import price_history as history_flow
from flows.ingest import ingest as ingest_flow
from flows.snapshot import build_snapshot as snapshot_flow


@flow(name="estimate", flow_run_name=form_run_name(estimate_run_name, estimate_config), log_prints=True)
@described_by({**ESTIMATE, **FORM}, dict.fromkeys(["input", "extra_inputs", "out", "corrections", "custom_preset"],
                                               FORM_PATHS))
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
@described_by({**INGEST, **{name: OF_TRIGGERED_RUNS + text for name, text in {
    **ESTIMATE, **FORM}.items() if name in ("preset", "custom_preset", "bootstrap_resamples", "figures", "history")}},
    dict.fromkeys(["inbox", "custom_preset"], FORM_PATHS))
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
    """
    inbox, custom_preset = deployment_path(inbox, "inbox", write=True), deployment_presets(custom_preset)
    return ingest_flow.fn(IngestConfig(
        inbox=inbox or None, pull_aa_api=pull_aa_api, settle_seconds=settle_seconds, entries=entries,
        trigger=trigger, estimate_deployment=estimate_deployment,
        estimate=estimate_config(preset=preset, custom_preset=custom_preset, bootstrap_resamples=bootstrap_resamples,
                                 figures=figures, history=history)))


@flow(name="build-snapshot", flow_run_name=form_run_name(
    snapshot_run_name, lambda inputs=(), name="", **_: SnapshotConfig(inputs=list(inputs), name=name)), log_prints=True)
@described_by(SNAPSHOT, dict.fromkeys(["inputs", "crosswalk", "out_dir"], FORM_PATHS))
def build_snapshot(inputs: list[str], name: str, input_format: FormatChoice = "auto", crosswalk: str = "",
                   out_dir: str = "") -> str:
    """Build a bundled snapshot (canonical CSVs with their source) from raw source files.
    """
    return snapshot_flow.fn(SnapshotConfig(
        inputs=[deployment_path(p, "inputs") for p in inputs if (p or "").strip()], name=name,
        input_format=None if input_format == "auto" else input_format,
        crosswalk=deployment_path(crosswalk, "crosswalk") or None,
        out_dir=deployment_path(out_dir, "out_dir", write=True) or None))


@flow(name="price-history", flow_run_name=form_run_name(
    history_run_name, lambda input="", store="": HistoryConfig(input=project_path(input), store=project_path(store))),
    log_prints=True)
@described_by(HISTORY, dict.fromkeys(["input", "store"], FORM_PATHS))
def price_history(input: str = "", store: str = "") -> dict:
    """Add new daily AA site scrapes to the price-history store; write its data-drift warnings and the same-model
    price drift.
    """
    return history_flow.fn(HistoryConfig(input=deployment_path(input, "input") or None,
                                         store=deployment_path(store, "store", write=True) or None))


@flow(name="fetch-aa")
@described_by(FETCH, {"out_dir": FORM_PATHS})
def fetch_aa(base_url: str = "https://artificialanalysis.ai/api/v2", out_dir: str = "", timeout: float = 60.0,
             connect_timeout: float = 10.0, deadline: float = 300.0, retries: int = 4, backoff_base: float = 1.0,
             secret_block: str = "aa-api-key") -> dict:
    """Fetch the live Artificial Analysis models list, keep the raw response, and ingest it.
    """
    return fetch_flow.fn(FetchConfig(base_url=base_url, out_dir=deployment_path(out_dir, "out_dir", write=True) or None,
                                     timeout=timeout, connect_timeout=connect_timeout, deadline=deadline,
                                     retries=retries, backoff_base=backoff_base, secret_block=secret_block))


__all__ = ["build_snapshot", "estimate", "fetch_aa", "ingest", "preset_ref", "price_history"]
