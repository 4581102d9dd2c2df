"""``inference-trends``: the command line (also ``python -m flows``)."""

from __future__ import annotations

import json

import contextlib
import logging
import sys
from pathlib import Path
from typing import Optional

import typer

from flows.options import ESTIMATE, FETCH, HISTORY, INGEST, OF_TRIGGERED_RUNS, PRICE, SNAPSHOT

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Measure how fast LLM inference gets cheaper at constant quality (Prefect flows; no server needed).",
)


@app.command()
def run(
    input: Optional[list[Path]] = typer.Option(
        None, "--input", "-i", help=f"{ESTIMATE['input']} Each further --input: {ESTIMATE['extra_inputs']}"),
    preset: str = typer.Option("all", "--preset", "-p", help=ESTIMATE["preset"]),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help=ESTIMATE["out"]),
    as_published: bool = typer.Option(False, "--as-published", help=ESTIMATE["as_published"]),
    input_format: Optional[str] = typer.Option(None, "--format", help=ESTIMATE["input_format"]),
    snapshot_name: Optional[str] = typer.Option(None, "--snapshot-name", help=ESTIMATE["snapshot_name"]),
    corrections: Optional[Path] = typer.Option(None, "--corrections", help=ESTIMATE["corrections"]),
    refresh_cache: bool = typer.Option(False, "--refresh-cache", help=ESTIMATE["refresh_cache"]),
    task_runner: str = typer.Option("threads", "--task-runner", help=ESTIMATE["task_runner"]),
    dask_address: Optional[str] = typer.Option(None, "--dask-address", help=ESTIMATE["dask_address"] + " Implies --task-runner dask."),
    bootstrap_resamples: Optional[int] = typer.Option(None, "--bootstrap", help=ESTIMATE["bootstrap_resamples"]),
    figures: bool = typer.Option(True, "--figures/--no-figures", help=ESTIMATE["figures"]),
    history: bool = typer.Option(True, "--history/--no-history", help=ESTIMATE["history"]),
    strict: bool = typer.Option(False, "--strict", help=ESTIMATE["strict"]),
) -> None:
    """Run the estimate flow and print where the results are."""
    from flows.config import EstimateConfig
    from flows.estimate import estimate
    from tasks.stages.prepare import prepare_run

    build = lambda: EstimateConfig(  # noqa: E731 (built inside the guard: an invalid option is a plain error)
        preset=preset, input=str(input[0]) if input else None, extra_inputs=[str(p) for p in (input or [])[1:]],
        input_format=input_format, snapshot_name=snapshot_name,
        out=str(out) if out else None, as_published=as_published,
        corrections=str(corrections) if corrections else None, refresh_cache=refresh_cache,
        task_runner="dask" if dask_address else task_runner, dask_address=dask_address,
        bootstrap_resamples=bootstrap_resamples, figures=figures, history=history, strict=strict,
    )
    summary = _guarded(estimate, build, check=prepare_run)
    cached = sum(1 for t in summary["tasks"] if t["state"] == "Cached")
    typer.echo("")
    typer.echo(f"Run {summary['run_id']}: {len(summary['tasks'])} task runs, {cached} served from cache.")
    typer.echo(f"Results:  {summary['run_dir']}")
    typer.echo(f"  trends: {summary['trends']}")
    typer.echo(f"  report: {summary['report']}")
    if summary.get("nothing_estimated"):
        typer.echo(f"warning: {summary['nothing_estimated']}; see the report", err=True)
    headline = Path(summary["run_dir"]) / "headline.json"
    if headline.is_file():
        from tasks.render.answer import headline_lines

        typer.echo("")
        for line in headline_lines(json.loads(headline.read_text())):
            typer.echo(line)


@app.command()
def snapshot(
    inputs: list[Path] = typer.Option(..., "--input", "-i", help=SNAPSHOT["inputs"] + " Repeat the option for each."),
    name: str = typer.Option(..., "--name", "-n", help=SNAPSHOT["name"]),
    input_format: Optional[str] = typer.Option(None, "--format", help=SNAPSHOT["input_format"]),
    crosswalk: Optional[Path] = typer.Option(None, "--crosswalk", help=SNAPSHOT["crosswalk"]),
    out_dir: Optional[Path] = typer.Option(None, "--out-dir", help=SNAPSHOT["out_dir"]),
) -> None:
    """Build a bundled snapshot (canonical CSVs with their source) from raw files."""
    from flows.config import SnapshotConfig
    from flows.snapshot import build_snapshot

    build = lambda: SnapshotConfig(  # noqa: E731
        inputs=[str(p) for p in inputs], name=name, input_format=input_format,
        crosswalk=str(crosswalk) if crosswalk else None, out_dir=str(out_dir) if out_dir else None)
    folder = _guarded(build_snapshot, build)
    typer.echo(f"Snapshot written to {folder}")


@app.command()
def history(
    input: Optional[Path] = typer.Option(None, "--input", "-i", help=HISTORY["input"]),
    store: Optional[Path] = typer.Option(None, "--store", help=HISTORY["store"]),
    panel: bool = typer.Option(False, "--panel", help=HISTORY["panel"]),
) -> None:
    """Add new daily price files to the price-history store; report data drift and same-model price drift.
    Dated sources other than the AA site scrapes (the OpenRouter history bundle, ...) go to the price panel."""
    from flows.config import HistoryConfig
    from flows.history import price_history, summary_lines
    from tasks.platform.panel_store import detect_panel_source, is_panel_store

    def panel_source() -> str | None:
        try:
            return detect_panel_source(input)
        except (ValueError, OSError):  # not a panel source: the history store's own checks say why
            return None

    if input is not None and (panel or (store is not None and is_panel_store(store)) or
                              panel_source() not in (None, "aa_site")):
        _panel_history(input, store)
        return

    build = lambda: HistoryConfig(  # noqa: E731
        input=str(input) if input else None, store=str(store) if store else None)
    result = _guarded(price_history, build)
    typer.echo("")
    for line in summary_lines(result):
        typer.echo(line)
    typer.echo(f"Store: {result['store']}")


def _panel_store(store: Optional[Path]) -> Path:
    from tasks.files.settings import history_dir

    return store if store is not None else history_dir() / "panel"


def _panel_history(input: Path, store: Optional[Path]) -> None:
    from tasks.platform.panel_store import ingest_panel

    target = _panel_store(store)
    report = _guarded(lambda _: ingest_panel(input, target), lambda: None, api=False)
    typer.echo(report.summary())
    typer.echo("Timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in report.seconds.items()))
    if report.ledger_differences is not None:
        kinds = report.ledger_differences["kind"].value_counts().to_dict()
        typer.echo(f"Change points against the repository's ledger: {len(report.ledger_differences)} difference(s)"
                   + (": " + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items())) if kinds else ""))
    typer.echo(f"Store: {target}")


def _as_of(value: Optional[str]):
    import datetime as dt

    try:
        return dt.date.fromisoformat(value) if value else dt.date.today()
    except ValueError:
        raise ValueError(f"--as-of {value!r}: not a date (YYYY-MM-DD)") from None


def _money(value) -> str:
    return "-" if value is None else f"{value:.4g}"


@app.command()
def price(
    model: str = typer.Argument(..., help=PRICE["model"]),
    as_of: Optional[str] = typer.Option(None, "--as-of", help=PRICE["as_of"]),
    source: Optional[str] = typer.Option(None, "--source", help=PRICE["source"]),
    store: Optional[Path] = typer.Option(None, "--store", help=PRICE["store"]),
    as_json: bool = typer.Option(False, "--json", help=PRICE["json"]),
) -> None:
    """A model's input, output, blended 3:1 and cache-read prices (USD per 1M tokens) on a day, from every source
    of the price panel that had it."""
    from tasks.platform.panel_store import price_as_of

    target = _panel_store(store)
    answer = _guarded(lambda _: price_as_of(target, model, _as_of(as_of), source), lambda: None, api=False)
    if as_json:
        typer.echo(json.dumps(answer, sort_keys=False))
        return
    typer.echo(f"{answer['model']} as of {answer['as_of']} (USD per 1M tokens)")
    if not answer["prices"]:
        typer.echo("  no source priced it on that day")
    for p in answer["prices"]:
        typer.echo(f"  {p['source']:12s} {p['source_model'][:40]:40s} input {_money(p['input']):>8s}  output "
                   f"{_money(p['output']):>8s}  blended {_money(p['blended']):>8s}  cache read "
                   f"{_money(p['cache_read']):>8s}  since {p['since']}  ({p['origin']})")


@app.command()
def cheapest(
    quality: str = typer.Option(..., "--quality", help=PRICE["quality"]),
    open_only: bool = typer.Option(False, "--open", help=PRICE["open"]),
    as_of: Optional[str] = typer.Option(None, "--as-of", help=PRICE["as_of"]),
    store: Optional[Path] = typer.Option(None, "--store", help=PRICE["store"]),
    as_json: bool = typer.Option(False, "--json", help=PRICE["json"]),
) -> None:
    """The cheapest model (blended 3:1, by the panel's source precedence) at or above a quality on a day."""
    from tasks.platform.panel_store import QUALITY_MEASURE, cheapest_as_of

    def answer_of(_):
        match = QUALITY_MEASURE.match(quality)
        if not match:
            raise ValueError(f"--quality {quality!r}: expected MEASURE>=VALUE, e.g. gpqa_diamond>=60")
        return cheapest_as_of(_panel_store(store), match.group(1), float(match.group(2)), _as_of(as_of), open_only)

    answer = _guarded(answer_of, lambda: None, api=False)
    if as_json:
        typer.echo(json.dumps(answer))
        return
    q, p = answer["quality"], answer["price"]
    scope = "open-weights models" if open_only else "models"
    if p is None:
        typer.echo(f"No priced {scope} with {q['measure']} >= {q['at_least']:g} on {answer['as_of']}.")
        return
    typer.echo(f"Cheapest of {answer['candidates']} priced {scope} with {q['measure']} >= {q['at_least']:g} on "
               f"{answer['as_of']}: {answer['model']} (score {q['score']:.3g})")
    typer.echo(f"  {p['source']}: blended {_money(p['blended'])}, input {_money(p['input'])}, output "
               f"{_money(p['output'])} USD per 1M tokens, since {p['since']} ({p['origin']})")


@app.command("fetch-aa")
def fetch_aa(
    base_url: str = typer.Option("https://artificialanalysis.ai/api/v2", "--base-url", help=FETCH["base_url"]),
    out_dir: Optional[Path] = typer.Option(None, "--out-dir", help=FETCH["out_dir"]),
    timeout: float = typer.Option(60.0, "--timeout", help=FETCH["timeout"]),
    deadline: float = typer.Option(300.0, "--deadline", help=FETCH["deadline"]),
    retries: int = typer.Option(4, "--retries", help=FETCH["retries"]),
    secret_block: str = typer.Option("aa-api-key", "--secret-block", help=FETCH["secret_block"]),
    allow_other_base_url: bool = typer.Option(
        False, "--allow-other-base-url", help="Send the key to a --base-url other than https://artificialanalysis.ai "
        "(a mirror, a local test server; http:// only on a loopback address)."),
) -> None:
    """Fetch the live Artificial Analysis models list (key: AA_API_KEY or a Prefect Secret block), keep the raw
    response with its retrieval time, and ingest it. Then: inference-trends run --input data/raw/aa-api."""
    import os

    from flows.config import FetchConfig
    from flows.fetch import fetch_aa as fetch_flow
    from tasks.platform.aa_client import OTHER_BASE_URL_ENV

    if allow_other_base_url:  # the opt-in lives in this process's environment, where no flow parameter reaches
        os.environ[OTHER_BASE_URL_ENV] = "1"
    build = lambda: FetchConfig(  # noqa: E731
        base_url=base_url, out_dir=str(out_dir) if out_dir else None, timeout=timeout, deadline=deadline,
        retries=retries, secret_block=secret_block)
    result = _guarded(fetch_flow, build)
    counts = result["row_counts"]
    typer.echo(f"Saved {result['path']} ({result['attempts']} attempt(s)): {counts['models']} models, "
               f"{counts['prices']} price rows.")


@app.command()
def ingest(
    inbox: Optional[Path] = typer.Option(None, "--inbox", help=INGEST["inbox"]),
    trigger: str = typer.Option("inline", "--trigger", help=INGEST["trigger"] + " Here: 'inline' (default), "
                                "'deployment' (needs a server and a worker) or 'none'."),
    preset: str = typer.Option("all", "--preset", "-p", help=OF_TRIGGERED_RUNS + ESTIMATE["preset"]),
    pull_aa_api: bool = typer.Option(True, "--pull-aa-api/--no-pull-aa-api", help=INGEST["pull_aa_api"]),
    settle_seconds: float = typer.Option(10.0, "--settle", help=INGEST["settle_seconds"]),
) -> None:
    """Take new data files from the inbox (and the AA API when AA_API_KEY is set); validate each, reject what fails
    (rejected/ + .error.txt), run estimate on what is new. Unchanged content triggers nothing."""
    from flows.config import EstimateConfig, IngestConfig
    from flows.ingest import ingest as ingest_flow

    build = lambda: IngestConfig(  # noqa: E731
        inbox=str(inbox) if inbox else None, trigger=trigger, pull_aa_api=pull_aa_api, settle_seconds=settle_seconds,
        estimate=EstimateConfig(preset=preset))
    result = _guarded(ingest_flow, build)
    typer.echo("")
    for outcome in result["outcomes"]:
        typer.echo(f"{outcome['outcome']:<9} {outcome['name']} -> {outcome['stored_as']}"
                   + (f" (estimate run {outcome['estimate_flow_run']})" if outcome.get("estimate_flow_run") else ""))
    typer.echo(f"Inbox {result['inbox']}: {result['accepted']} accepted, {result['duplicate']} duplicate, "
               f"{result['rejected']} rejected.")


@app.command()
def lineage(
    target: str = typer.Argument(..., help="A file of a run folder (figure, trends.csv, a Parquet output...), an "
                                 "intermediate Parquet file, or a trend_id of trends.csv."),
    run: Optional[Path] = typer.Option(None, "--run", help="Run folder for a trend_id (default: the newest run)."),
    show_all: bool = typer.Option(False, "--all", help="List every input file of each step (default: the first 8)."),
    html: bool = typer.Option(False, "--html", help="Print the address of the run's lineage graph (lineage.html) "
                              "with TARGET selected, instead of the chain as text."),
) -> None:
    """Print the chain from TARGET back to the raw source files: each file with its sha256, the task that made it
    (code and configuration hashes), and the task runs and flow runs that computed it or were served it. With
    --html: the address of the run's lineage graph, TARGET selected and its upstream path highlighted."""
    from flows.lineage import explain, graph_page

    if html:
        typer.echo(_guarded(lambda _: graph_page(target, run), lambda: None, api=False))
        return

    lines = _guarded(lambda _: explain(target, run, show_all), lambda: None, api=False)
    for line in lines:
        typer.echo(line)


def _guarded(call, build, api: bool = True, check=None):
    """Run ``call(build())`` (``check(config)`` first, before a Prefect API starts): on a data or configuration error print it plainly (no traceback: that is in the log file,
    or on the console with --debug) and exit 1; on SIGTERM / SIGINT stop cleanly (exit 143 / 130)."""
    import pydantic

    from flows.runtime import Stopped, command_logging, exit_now, prefect_api, stop_on_signals, stop_signal
    from tasks.platform.aa_client import AAClientError
    from schemas.validation import DataValidationError

    log = logging.getLogger("inference_trends.cli")
    with command_logging(_OPTIONS["debug"]) as log_file:
        try:
            try:
                with stop_on_signals():
                    config = build()
                    if check is not None:  # quick checks first: a bad option fails before a Prefect API starts
                        check(config)
                    with prefect_api() if api else contextlib.nullcontext():
                        return call(config)
            except BaseException as err:  # a stop, however Prefect wrapped it, is a stop (not an "error: ...")
                signum = stop_signal(err)
                if signum is not None and not isinstance(err, Stopped):
                    raise Stopped(signum) from err
                raise
        except Stopped as stop:
            log.warning("stopped by %s", stop)
            typer.echo(f"stopped by {stop}: nothing was published; earlier results are as they were", err=True)
            exit_now(128 + stop.signum)
        except pydantic.ValidationError as err:  # an option out of its range or pattern
            log.error("%s", err, exc_info=True)
            for problem in err.errors():
                message = problem["msg"].removeprefix("Value error, ")
                typer.echo(f"error: {option_name(problem['loc'])}: {message} (given: {problem.get('input')!r})",
                           err=True)
            raise typer.Exit(1) from None
        except (DataValidationError, ValueError, LookupError, FileNotFoundError, AAClientError) as err:
            log.error("%s", err, exc_info=True)
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(1) from None
        except OSError as err:
            log.error("%s", err, exc_info=True)
            where = f" ({err.filename})" if getattr(err, "filename", None) else ""
            typer.echo(f"error: {err.strerror or err}{where}", err=True)
            raise typer.Exit(1) from None
        except Exception as err:  # a defect: the message here, the traceback in the log file
            log.error("unexpected error", exc_info=True)
            typer.echo(f"error: unexpected {type(err).__name__}: {err}\n(the traceback is in {log_file}; rerun with "
                       "--debug to see it here)", err=True)
            if _OPTIONS["debug"]:
                raise
            raise typer.Exit(1) from None


_OPTIONS = {"debug": False}
# config fields whose command-line option has another name (an error names the option the user typed)
OPTION_NAMES = {"bootstrap_resamples": "--bootstrap", "input_format": "--format", "extra_inputs": "--input",
                "inputs": "--input", "settle_seconds": "--settle"}


def option_name(loc: tuple) -> str:
    """The command-line option of a config field's error location (``("estimate", "preset")`` -> ``--preset``)."""
    field = next((part for part in reversed(loc) if isinstance(part, str)), "")
    return OPTION_NAMES.get(field, "--" + field.replace("_", "-"))


@app.callback()
def _global(debug: bool = typer.Option(False, "--debug", help="Show tracebacks on the console (they are always in "
                                       "$PREFECT_HOME/logs/last-command.log).")) -> None:
    _OPTIONS["debug"] = debug


def main(argv: list[str] | None = None) -> None:
    from tasks.files.settings import apply_environment_defaults

    apply_environment_defaults()  # before anything imports Prefect: it reads its settings once, at import
    app(args=argv if argv is not None else sys.argv[1:], prog_name="inference-trends")


if __name__ == "__main__":
    main()
