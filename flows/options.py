"""Every option of the flows, described once. The config models (``flows/config.py``: ``Field(description=...)``),
the deployments' run forms (``flows/deployments.py``: the docstring Prefect turns into the UI form's help) and the
command line's help (``flows/cli.py``) all render these texts, so the three cannot drift apart
(``tests/test_options.py``).

Plain strings and no imports: the command line reads them before anything heavy (or Prefect) is imported.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable, Mapping

ESTIMATE: dict[str, str] = {
    "preset": "A bundled preset's name (presets/*.toml), the path of your own preset TOML file, a comma-separated "
              "list of them, or 'all' (every bundled preset, side by side).",
    "input": "A raw source file or folder (format detected from its content). Default: every bundled snapshot in "
             "data/snapshots.",
    "extra_inputs": "More raw sources merged into the input's snapshot by entity resolution (the input's models are "
                    "the snapshot's models).",
    "input_format": "Force the input's format (an adapter of tasks/data/ingest, e.g. futuretech or snapshot) instead "
                    "of detecting it from the content.",
    "snapshot_name": "Name of the input's snapshot in the outputs (default: the input's name): lower-case letters, "
                     "digits, '.', '_', '-'.",
    "out": "Run folder (default data/runs/RUN_ID); an existing folder is replaced only when the new run succeeds, "
           "and only if it holds nothing but a run's files.",
    "bootstrap_resamples": "Bootstrap resamples per frontier trend, instead of the preset's (the bundled presets "
                           "use 2,000; 0 turns the bootstrap off for a quick run; at most 100,000, or "
                           "INFERENCE_TRENDS_MAX_RESAMPLES).",
    "figures": "Draw the figures (about 10 s); off for quick what-if runs.",
    "history": "Report the price-history stores of data/history (same-model price drift and data-drift warnings) "
               "beside the trends.",
    "as_published": "Turn off the project's documented data corrections (data/corrections.csv); nothing else "
                    "changes.",
    "strict": "Stop with an error when a file in an input folder would not be read (default: it is listed as a "
              "rejected input in the report and manifest, with the reason).",
    "corrections": "Corrections file (default data/corrections.csv).",
    "refresh_cache": "Recompute every task instead of serving cached results.",
    "task_runner": "Where the fit stage's fan-out (one task per snapshot x preset x method) runs: 'threads' in this "
                   "process (default), or 'dask' through prefect-dask (a local cluster, or an existing one with "
                   "dask_address).",
    "dask_address": "Address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786, for the dask task runner.",
}

SNAPSHOT: dict[str, str] = {
    "inputs": "Raw source files or folders; several are merged by entity resolution, the first one's models being "
              "the snapshot's models.",
    "name": "Snapshot name, e.g. futuretech-2025-07 (lower-case letters, digits, '.', '_', '-').",
    "input_format": "Force the format of a single input instead of detecting it from the content.",
    "crosswalk": "Crosswalk of manual matching decisions (default data/crosswalk.csv).",
    "out_dir": "Parent folder of the snapshot (default data/snapshots).",
}

FETCH: dict[str, str] = {
    "base_url": "AA API v2 base URL; the flow requests {base_url}/data/llms/models. The key is sent only over https "
                "to artificialanalysis.ai or its subdomains; another URL needs INFERENCE_TRENDS_AA_ALLOW_OTHER_BASE_URL"
                "=1 in the environment of the process that fetches (never a parameter).",
    "out_dir": "Folder for the raw responses and their .meta sidecars (default data/raw/aa-api).",
    "timeout": "Seconds one attempt may take, from the request to the last byte of the body (not per read: a "
               "server that sends a byte now and then cannot stretch it).",
    "connect_timeout": "Connect timeout in seconds (per attempt).",
    "deadline": "Seconds the whole fetch may take, every attempt and the waits between retries included; no wait "
                "starts that would end after it, and an attempt still running then is cut.",
    "retries": "Retries after the first attempt, on HTTP 429, 5xx, timeouts and connection errors (exponential "
               "backoff with jitter; Retry-After honoured).",
    "backoff_base": "First backoff delay in seconds (doubled at each retry).",
    "secret_block": "Prefect Secret block holding the key, used when the AA_API_KEY environment variable is not set.",
}

HISTORY: dict[str, str] = {
    "input": "Folder of dated AA site scrapes (aa_models_YYYY-MM-DD.json), or any dated price source for the "
             "price panel: the OpenRouter history (a git bundle or clone), AA API responses, the FutureTech 2026 "
             "file (monthly list prices), a genai-prices file. Default: ../shared/data/aa-site-scrape-daily.",
    "store": "History store folder (default data/history/aa-site-daily; for the price panel data/history/panel); "
             "files and versions already in it are not read again.",
    "panel": "Ingest into the price panel store even an AA site scrape folder (the other dated sources always go "
             "there).",
}

PRICE: dict[str, str] = {
    "model": "The project's model id (aa-2026-07's slug, e.g. qwen2-5-72b-instruct) or a source's own id "
             "(e.g. the OpenRouter id qwen/qwen-2.5-72b-instruct).",
    "as_of": "The day (YYYY-MM-DD) the prices are read for; default: today.",
    "source": "Only this source (openrouter, aa_site, aa_api, list_price, genai_prices).",
    "store": "Price panel store folder (default data/history/panel).",
    "json": "Print one JSON object instead of a table.",
    "quality": "MEASURE>=VALUE on the spine snapshot's scores, e.g. gpqa_diamond>=60 or aa_intelligence_index>=40 "
               "(percentages as 0-100 or fractions).",
    "open": "Open-weights models only.",
}

INGEST: dict[str, str] = {
    "inbox": "Inbox folder where new data files are dropped (default data/inbox, or INFERENCE_TRENDS_INBOX). "
             "Accepted files move to its accepted/ folder, rejected ones to rejected/ with an .error.txt report "
             "beside them.",
    "pull_aa_api": "Also pull the live AA API models list when AA_API_KEY is set (skipped, with a log line, when it "
                   "is not).",
    "settle_seconds": "Leave alone what was modified less than this many seconds ago (a copy still being written); "
                      "it is taken by the next run. Not applied to `entries`.",
    "entries": "Set by the inbox watcher (leave empty): the inbox entries this run was created for, as the watcher "
               "saw them ('NAME (SIZE bytes, mtime SECONDS)'); exactly those are taken, if unchanged, whatever "
               "settle_seconds says, and the final state names any that could not be. Empty: whatever waits in the "
               "inbox.",
    "trigger": "How to run estimate on each new file: through the estimate deployment (its own flow run, picked up "
               "by a worker), inline as a subflow of this run, or not at all.",
    "estimate_deployment": "The deployment to trigger (flow name/deployment name).",
    "estimate": "Parameters of the estimate run triggered for each new file; its input is set to the accepted file "
                "(other fields as given here).",
}
# what an ingest run's estimate options are about (the form and the command line put it before the estimate text)
OF_TRIGGERED_RUNS = "For the estimate runs triggered for new files: "

# options only the deployments' flat forms have
FORM: dict[str, str] = {
    "preset": "A bundled preset (presets/*.toml), or all of them side by side.",
    "custom_preset": "Instead of `preset`: your own preset TOML file, or a comma-separated list of preset names and "
                     "files. Empty: use `preset`.",
}
# what every path of a deployment form obeys besides its description (flows.config.deployment_path)
FORM_PATHS = ("A path relative to the project folder, which must lie inside the project's data folders (or "
              "INFERENCE_TRENDS_ALLOWED_ROOTS of the service). Empty: the default.")


def described_by(descriptions: Mapping[str, str], notes: Mapping[str, str] | None = None) -> Callable:
    """A decorator that writes the ``Args:`` section of a flow function's docstring (the deployment form's help: Prefect
    reads it with the signature) from ``descriptions``, each followed by its ``notes`` entry if any. Every parameter
    must have a description: a form field without help is a mistake, found at import."""
    def decorate(fn: Callable) -> Callable:
        lines = []
        for name in inspect.signature(fn).parameters:
            if name not in descriptions:
                raise KeyError(f"{fn.__name__}: parameter {name!r} has no description")
            text = " ".join(part for part in (descriptions[name], (notes or {}).get(name)) if part)
            lines += textwrap.wrap(f"{name}: {text}", 112, initial_indent="    ", subsequent_indent="        ",
                                   break_on_hyphens=False, break_long_words=False)
        fn.__doc__ = inspect.cleandoc(fn.__doc__ or "") + "\n\nArgs:\n" + "\n".join(lines) + "\n"
        return fn

    return decorate
