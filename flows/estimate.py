"""The main flow, ``estimate``: the DAG of ``tasks/stages`` and nothing else.

    ingest -> clean -> fit (snapshot x preset x method) -> collect -> breaks -> figures -> report -> publish

A run stops with an error when an input leaves nothing to estimate (its records all, or mostly, quarantined on a key
field: ``tasks.data.usable``) or when every trend is skipped; when every trend was attempted but had too few points,
the run is published and its final state's message says that nothing was estimated.

Run it with ``inference-trends run`` (see ``--help``), ``python -m flows.estimate``, or the ``estimate`` deployment
of ``prefect.yaml``. It needs no Prefect server: ``inference-trends`` starts a temporary local API for the command.
"""

from __future__ import annotations

import sys

from prefect import flow, get_run_logger
from prefect.states import Completed, Failed

from flows.config import EstimateConfig, estimate_run_name, flow_run_name
from schemas.validation import DataValidationError
from tasks.data.creators import creators_file
from tasks.platform.aa_client import AAClientError
from tasks.platform.caching import ensure_result_storage
from tasks.files.settings import history_dir
from tasks.platform.tracking import StageTracker
from tasks.stages.breaks import breaks_task
from tasks.stages.clean import add_capability, add_first_observed
from tasks.stages.figures import draw_figures
from tasks.stages.fit import fit_all
from tasks.stages.history import load_histories
from tasks.stages.ingest import load_snapshot
from tasks.stages.outputs import check_estimated, collect_task
from tasks.stages.prepare import prepare_run
from tasks.stages.publish import RunResults, publish, report_meta
from tasks.stages.report import report_task


@flow(name="estimate", flow_run_name=flow_run_name(estimate_run_name), log_prints=True)
def estimate(config: EstimateConfig = EstimateConfig()) -> dict:
    """Estimate how fast inference gets cheaper at constant quality, per the chosen preset(s) (default: every
    bundled one), on bundled or given data; write trends.csv, points.csv, report.md and manifest.json to the run
    folder.

    A data or configuration error (an input no adapter reads, one that leaves nothing to estimate, a table that
    fails its schema, a bad preset) ends the run Failed with that error's own message as the state message: the
    run's header in the UI says what went wrong, in one line, instead of a traceback of the flow (the caller of the
    flow still gets the error raised: the command line prints it as ``error: ...``). A defect still raises."""
    try:
        return _estimate(config)
    except DATA_ERRORS as err:
        return stopped(err)


STOPPED = "the run stopped: "  # the log line of a data error (the console leaves it to the error line: flows/runtime.py)
# what a user can fix (their data, their options): said plainly, as the command line does (flows/cli.py)
DATA_ERRORS = (DataValidationError, ValueError, FileNotFoundError, AAClientError)


def stopped(err: BaseException):
    """The Failed state of a run stopped by a data error: its message the error's own words, logged once (no
    traceback); the error itself the state's data (whoever calls the flow gets it raised)."""
    message = readable_error(err)
    get_run_logger().error("%s%s", STOPPED, message)
    return Failed(message=message, data=err)


def readable_error(err: BaseException) -> str:
    """One readable line (or a few, for a schema report) of a data error; its type only when it says nothing."""
    text = str(err).strip()
    return text if text else type(err).__name__


def _estimate(config: EstimateConfig) -> dict:
    ensure_result_storage()  # the shared cache's results block, when INFERENCE_TRENDS_SHARED_CACHE is set
    run = prepare_run(config)
    for entry in run.not_read:
        get_run_logger().warning("input file %s %s", entry["path"], entry["reason"])
    tracker = StageTracker(refresh_cache=config.refresh_cache)
    published = {p.snapshot for preset in run.presets for p in preset.published}
    snapshots = [load_snapshot(tracker, item, run.corrections, not config.as_published, item.name in published)
                 for item in run.inputs]
    add_first_observed(tracker, snapshots)
    capability = add_capability(tracker, snapshots, run.presets)  # score_capability, when a preset asks for it
    batches = fit_all(tracker, run.presets, snapshots, creators_file(), config)
    outputs = tracker.run("collect", collect_task, batches)
    nothing = check_estimated(outputs)  # every trend skipped: stops here; every one insufficient: said at the end
    breaks = tracker.run("breaks", breaks_task, outputs, {p.name: p.breaks.model_dump() for p in run.presets})
    histories = load_histories(tracker, history_dir()) if config.history else {}
    scale = next((p.capability.model_dump(mode="json") for p in run.presets
                  if getattr(p, "capability", None) is not None), None)  # the capability scale's preset section
    figures = draw_figures(tracker, snapshots, outputs, capability, scale) if config.figures else {}
    meta = report_meta(config, run, snapshots, histories)
    report = tracker.run("report", report_task, outputs, {s.name: s.clean for s in snapshots}, figures, meta,
                         {s.name: s.resolution for s in snapshots if s.resolution}, histories, breaks, capability)
    summary = publish(tracker, config, run, RunResults(snapshots=snapshots, batches=batches, outputs=outputs,
                                                       breaks=breaks, histories=histories, figures=figures,
                                                       report=report, meta=meta, capability=capability))
    if nothing:  # published, but not a plain green success: the final state says that nothing was estimated
        return Completed(message=f"{nothing}; see the report", data={**summary, "nothing_estimated": nothing})
    return summary


if __name__ == "__main__":
    from flows.cli import main

    main(["run", *sys.argv[1:]])
