"""The command line, the deployment entrypoints, and what a failed run leaves behind (nothing)."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from flows.cli import app
from tasks.files.settings import PROJECT_ROOT

runner = CliRunner()


def test_help_documents_every_option():
    top = runner.invoke(app, ["--help"])
    assert top.exit_code == 0 and "run" in top.output and "snapshot" in top.output
    run_help = runner.invoke(app, ["run", "--help"], terminal_width=200)
    assert run_help.exit_code == 0
    for option in ("--input", "--preset", "--out", "--as-published", "--format", "--snapshot-name",
                   "--corrections", "--refresh-cache"):
        assert option in run_help.output, option
    assert "'all'" in run_help.output  # the default: every bundled preset


def test_deployment_entrypoints_are_the_flat_forms_of_the_flows():
    from prefect.flows import load_flow_from_entrypoint

    import flows.deployments as forms

    config = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text())
    entrypoints = {d["name"]: d["entrypoint"] for d in config["deployments"]}
    for name, function in (("estimate", "estimate"), ("ingest", "ingest"), ("build-snapshot", "build_snapshot"),
                           ("price-history", "price_history"), ("fetch-aa", "fetch_aa")):
        assert entrypoints[name] == f"flows/deployments.py:{function}"
        loaded = load_flow_from_entrypoint(str(PROJECT_ROOT / entrypoints[name]))
        assert loaded.name == name and loaded.fn.__code__.co_code == getattr(forms, function).fn.__code__.co_code


@pytest.mark.e2e
def test_unrecognised_input_is_a_clear_error(prefect_harness, tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_text("not a dataset\n")
    result = runner.invoke(app, ["run", "--input", str(junk), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "junk.txt" in result.output and "no adapter recognises" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.e2e
def test_failed_run_leaves_the_previous_run_folder_untouched(prefect_harness, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "trends.csv").write_text("previous results\n")
    bad_preset = tmp_path / "bad.toml"
    bad_preset.write_text('name = "bad"\ntitle = "x"\nmin_points = 1\n')  # min_points must be >= 2
    result = runner.invoke(app, ["run", "--preset", str(bad_preset), "--out", str(out)])
    assert result.exit_code == 1 and "bad.toml" in result.output and "min_points" in result.output
    assert (out / "trends.csv").read_text() == "previous results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml", "run"]  # no staging folder left behind


def test_preset_typo_is_an_error(tmp_path):
    from tasks.study.presets import load_preset

    text = (PROJECT_ROOT / "presets" / "futuretech-2025.toml").read_text().replace("min_points", "min_pints")
    path = tmp_path / "typo.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match="min_pints"):
        load_preset(str(path))
    with pytest.raises(ValueError, match="unknown preset"):
        load_preset("no-such-preset")
    assert load_preset("futuretech-2025").frontier.bands == [(30, 50), (50, 70), (70, 90)]


def test_the_console_leaves_routine_lines_to_the_log_file():
    """Issue 28: a newcomer's `make run` printed 189 lines before its answer. Each task run's "Finished in state
    Completed()" goes to the log file only; results, stage lines, a fit's start and warnings stay."""
    import logging

    from flows.runtime import _QuietFailures

    quiet = _QuietFailures()

    def shown(message, *args, level=logging.INFO):
        return quiet.filter(logging.LogRecord("prefect.task_runs", level, __file__, 1, message, args, None))

    assert not shown("Finished in state Completed()")
    assert not shown("Finished in state Cached(type=COMPLETED)")
    assert shown("%s on %s (%s): fitting %d trends", "frontier", "aa-2026-07", "futuretech-2025", 177)  # running
    assert shown("%s on %s (%s): %d trends (%s)", "frontier", "aa-2026-07", "futuretech-2025", 177, "ok 86")
    assert shown("stage figures  4 task runs: 4 computed (completed)")
    assert shown("a.tar.gz: link target is not in the archive (31 times: ...)", level=logging.WARNING)
    assert not shown("Finished in state Failed('boom')")  # the engine's failure lines: the error line says it


@pytest.mark.e2e
def test_a_failed_run_says_why_in_its_state_not_in_a_traceback(prefect_harness, tmp_path):
    """Issue 28: a failed run's header showed no message (the engine's tracebacks followed the first line). A data
    error ends the run Failed with the error's own words as its state message, logged once without a traceback; the
    caller still gets the error (the command line's ``error:`` line)."""
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    from flows.config import EstimateConfig
    from flows.estimate import estimate
    from tests.conftest import drain_prefect

    junk = tmp_path / "junk.txt"
    junk.write_text("not a dataset\n")
    state = estimate(EstimateConfig(input=str(junk), out=str(tmp_path / "out")), return_state=True)
    assert state.is_failed()
    assert state.message.startswith(str(junk)) and "no adapter recognises" in state.message
    assert "encountered an exception" not in state.message and "Traceback" not in state.message
    with pytest.raises(ValueError, match="no adapter recognises"):
        state.result()

    async def logs():
        async with get_client() as client:
            found = await client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[state.state_details
                                                                                          .flow_run_id])))
            return [log.message for log in found]

    drain_prefect()  # the log worker's batch, sent to the API
    messages = asyncio.run(logs())
    assert any("the run stopped: " in m and "no adapter recognises" in m for m in messages)
    assert not any("Traceback" in m for m in messages)
