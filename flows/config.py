"""The one typed config of each flow (what the command line and Python build), and the flat run forms of the
deployments (``flows/deployments.py``) that map onto them."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tasks.data.ingest import ADAPTERS
from tasks.methods.base import Resamples
from tasks.methods.presets import bundled_presets
from tasks.files.folders import NAME_PATTERN
from tasks.platform.inbox_seen import parse_entry
from tasks.files.settings import PROJECT_ROOT, confined_path


class EstimateConfig(BaseModel):
    """What to estimate, on which data, and where to write the run."""

    model_config = ConfigDict(extra="forbid")

    preset: str = Field(
        "all",
        description="A bundled preset's name (presets/*.toml), the path of your own preset TOML file, a "
        "comma-separated list of them, or 'all' (every bundled preset, side by side).",
    )
    input: str | None = Field(
        None,
        description="A raw source file or folder (format detected from its content). Empty: every bundled "
        "snapshot in data/snapshots.",
    )
    input_format: str | None = Field(None, description="Force the input format instead of detecting it.")
    extra_inputs: list[str] = Field(default_factory=list, description="More raw sources merged into the input's "
                                    "snapshot by entity resolution (the input's models are the snapshot's models).")
    snapshot_name: str | None = Field(
        None, pattern=NAME_PATTERN, description="Name of the snapshot in the outputs when an input is given "
        "(default: the input's name): lower-case letters, digits, '.', '_', '-'."
    )
    out: str | None = Field(
        None, description="Run folder (default data/runs/RUN_ID); an existing folder is replaced only when the "
        "new run succeeds."
    )
    as_published: bool = Field(
        False, description="Turn off the project's documented data corrections (data/corrections.csv)."
    )
    strict: bool = Field(False, description="Stop with an error when a file in an input folder would not be read "
                         "(default: it is listed as a rejected input in the report and manifest, with the reason).")
    corrections: str | None = Field(None, description="Corrections file (default data/corrections.csv).")
    refresh_cache: bool = Field(False, description="Recompute every task instead of serving cached results.")
    task_runner: Literal["threads", "dask"] = Field(
        "threads", description="Where the one-task-per-trend fan-out runs: threads in this process (default), or "
        "Dask through prefect-dask (a local cluster, or an existing one with dask_address).")
    dask_address: str | None = Field(None, description="Address of an existing Dask scheduler, e.g. "
                                     "tcp://10.0.0.5:8786 (with task_runner = dask).")
    bootstrap_resamples: Resamples | None = Field(None, ge=0, description="Override the preset's bootstrap "
                                                  "resamples (default 2,000; 0 turns the bootstrap off; at most "
                                                  "100,000, or INFERENCE_TRENDS_MAX_RESAMPLES).")
    figures: bool = Field(True, description="Draw the figures (about 10 s); off for quick what-if reruns.")
    history: bool = Field(True, description="Report the price-history stores of data/history (same-model price "
                          "drift and data-drift warnings) beside the trends.")


class SnapshotConfig(BaseModel):
    """Build a bundled snapshot (canonical CSVs) from raw source files."""

    model_config = ConfigDict(extra="forbid")

    inputs: list[str] = Field(min_length=1, description="Raw source files or folders; several are merged by entity "
                              "resolution, the first one's models being the snapshot's models.")
    name: str = Field(pattern=NAME_PATTERN, description="Snapshot name, e.g. futuretech-2025-07.")
    input_format: str | None = Field(None, description="Force the format (one input only) instead of detecting it.")
    crosswalk: str | None = Field(None, description="Crosswalk of manual matching decisions (default "
                                  "data/crosswalk.csv).")
    out_dir: str | None = Field(None, description="Parent folder (default data/snapshots).")


class FetchConfig(BaseModel):
    """Fetch the live AA API models list, keep the raw response, and ingest it (the key is never a parameter)."""

    model_config = ConfigDict(extra="forbid")

    base_url: str = Field("https://artificialanalysis.ai/api/v2", description="AA API v2 base URL; the flow "
                          "requests {base_url}/data/llms/models.")
    out_dir: str | None = Field(None, description="Folder for the raw responses and their .meta sidecars "
                                "(default data/raw/aa-api).")
    timeout: float = Field(60.0, gt=0, description="Seconds one attempt may take, from the request to the last "
                           "byte of the body (not per read: a server that sends a byte now and then cannot "
                           "stretch it).")
    connect_timeout: float = Field(10.0, gt=0, description="Connect timeout in seconds (per attempt).")
    deadline: float = Field(300.0, gt=0, description="Seconds the whole fetch may take, every attempt and the waits "
                            "between retries included; no wait starts that would end after it, and an attempt "
                            "still running then is cut.")
    retries: int = Field(4, ge=0, le=20, description="Retries after the first attempt, on HTTP 429, 5xx, timeouts "
                         "and connection errors (exponential backoff with jitter; Retry-After honoured).")
    backoff_base: float = Field(1.0, ge=0, description="First backoff delay in seconds (doubled at each retry).")
    secret_block: str = Field("aa-api-key", description="Prefect Secret block holding the key, used when the "
                              "AA_API_KEY environment variable is not set.")


class HistoryConfig(BaseModel):
    """Add new dated price files to a price-history store and report data drift and same-model drift."""

    model_config = ConfigDict(extra="forbid")

    input: str | None = Field(None, description="Folder of dated AA site scrapes (aa_models_YYYY-MM-DD.json). "
                              "Default: ../shared/data/aa-site-scrape-daily.")
    store: str | None = Field(None, description="History store folder (default data/history/aa-site-daily). Files "
                              "already in it are not read again.")


class IngestConfig(BaseModel):
    """Take new data from the inbox (and the AA API when a key is set); run estimate on what is new."""

    model_config = ConfigDict(extra="forbid")

    inbox: str | None = Field(None, description="Inbox folder where new data files are dropped (default "
                              "data/inbox, or INFERENCE_TRENDS_INBOX). Accepted files move to its accepted/ "
                              "folder, rejected ones to rejected/ with an .error.txt report beside them.")
    pull_aa_api: bool = Field(True, description="Also pull the live AA API models list when AA_API_KEY is set on "
                              "the worker (skipped, with a log line, when it is not).")
    settle_seconds: float = Field(10.0, ge=0, description="Leave alone what was modified less than this many "
                                  "seconds ago (a copy still being written); it is taken by the next run. Not "
                                  "applied to `entries`.")
    entries: list[str] = Field(default_factory=list, description="The inbox entries this run was created for, as the "
                               "inbox watcher saw them ('NAME (SIZE bytes, mtime SECONDS)'): exactly those are "
                               "taken, if unchanged, whatever settle_seconds says; the final state names any that "
                               "could not be. Empty: whatever waits in the inbox.")
    trigger: Literal["deployment", "inline", "none"] = Field(
        "deployment", description="How to run estimate on each new file: through the estimate deployment "
        "(its own flow run, picked up by a worker), inline as a subflow of this run, or not at all.")
    estimate_deployment: str = Field("estimate/estimate", description="The deployment to trigger "
                                     "(flow name/deployment name).")
    estimate: EstimateConfig = Field(
        default_factory=EstimateConfig, description="Parameters of the estimate run triggered for each new file; "
        "its input is set to the accepted file (other fields as given here).")

    @field_validator("entries")
    @classmethod
    def _entries_are_plain_inbox_entries(cls, entries: list[str]) -> list[str]:
        for text in entries:
            parse_entry(text)  # ValueError: malformed, or a name outside the inbox's top level
        return entries


# --- flow run names: what a run works on, instead of Prefect's random two words ------------------------------------
def _config(model: type[BaseModel], value) -> BaseModel | None:
    """The flow's config parameter as the model (a deployment's run hands the flow a dict); None if it is not one."""
    if isinstance(value, model):
        return value
    try:
        return model.model_validate(value or {})
    except ValueError:
        return None


def _short(names: list[str], most: int = 3) -> str:
    return " + ".join(names[:most]) + (f" + {len(names) - most} more" if len(names) > most else "")


def estimate_run_name(value) -> str:
    """``<preset(s)> on <snapshot(s) or input file>``, e.g. ``futuretech-2025 on futuretech-2025-07`` or
    ``all presets on aa_models_2026-07-02.json``."""
    from pathlib import Path

    config = _config(EstimateConfig, value)
    if config is None:
        return "estimate"
    refs = [part.strip() for part in config.preset.split(",") if part.strip()]
    presets = "all presets" if config.preset.strip() == "all" else _short(
        [Path(r).stem if r.endswith(".toml") else r for r in refs])
    if config.snapshot_name:
        data = config.snapshot_name
    elif config.input:
        data = _short([Path(p).name for p in [config.input, *config.extra_inputs]], 2)
    else:
        from tasks.files.settings import snapshots_dir

        try:
            data = _short(sorted(p.name for p in snapshots_dir().iterdir() if (p / "models.csv").exists()))
        except OSError:
            data = "the bundled snapshots"
    return f"{presets} on {data}" + (" (as published)" if config.as_published else "")


def snapshot_run_name(value) -> str:
    """``<snapshot name> from <raw file(s)>``."""
    from pathlib import Path

    config = _config(SnapshotConfig, value)
    if config is None:
        return "build-snapshot"
    return f"{config.name} from {_short([Path(p).name for p in config.inputs], 2)}"


def history_run_name(value) -> str:
    from pathlib import Path

    config = _config(HistoryConfig, value)
    if config is None:
        return "price-history"
    return f"{Path(config.store).name if config.store else 'aa-site-daily'}" + (
        f" from {Path(config.input).name}" if config.input else "")


def flow_run_name(naming):
    """A ``flow_run_name`` callable for ``@flow``: ``naming`` applied to the run's ``config`` parameter."""
    def name() -> str:
        from prefect.runtime import flow_run

        return naming((flow_run.parameters or {}).get("config"))

    name.__name__ = f"{naming.__name__}_callable"
    return name


# ---- the flat run forms of the deployments (flows/deployments.py) ------------------------------------------------
# The UI renders a deployment's parameters as its run form: flat, typed fields with defaults read better than one
# nested optional object. Empty text means "the default" (no null switches); paths are relative to the project.

PRESET_CHOICES: tuple[str, ...] = (*bundled_presets(), "all")
PresetChoice = Literal[PRESET_CHOICES]  # type: ignore[valid-type]  (an enum of the bundled presets + all)
FORMAT_CHOICES: tuple[str, ...] = ("auto", *ADAPTERS)
FormatChoice = Literal[FORMAT_CHOICES]  # type: ignore[valid-type]
DEFAULT_BOOTSTRAP = 2000  # the bundled presets' own bootstrap resamples


def project_path(value: str) -> str | None:
    """A form's path: empty -> None (the default), relative -> relative to the project folder."""
    value = (value or "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else PROJECT_ROOT / path)


def deployment_path(value: str, parameter: str, write: bool = False) -> str:
    """A deployment form's path, confined: empty stays empty (the default); otherwise the path resolved (relative to
    the project folder, symlinks followed), which must lie inside the folders a deployment run may read or write
    (``tasks.files.settings.allowed_roots``), else ``PathNotAllowed`` naming the parameter, the path and those
    folders. The deployments' parameters arrive through the API; the command line is not confined."""
    value = (value or "").strip()
    return str(confined_path(value, parameter, write)) if value else ""


def deployment_presets(custom_preset: str, parameter: str = "custom_preset") -> str:
    """``custom_preset`` of a deployment form with each preset file confined (bundled preset names stay names)."""
    refs = [r.strip() for r in (custom_preset or "").split(",") if r.strip()]
    return ",".join(r if r in PRESET_CHOICES else deployment_path(r, parameter) for r in refs)


def preset_ref(preset: str, custom_preset: str = "") -> str:
    """The preset reference of the config: the custom one when given (paths relative to the project)."""
    refs = [r.strip() for r in (custom_preset or "").split(",") if r.strip()]
    if not refs:
        return preset
    return ",".join(r if r in PRESET_CHOICES or Path(r).is_absolute() else project_path(r) for r in refs)


def estimate_config(*, preset: str = "all", custom_preset: str = "", input: str = "",
                    extra_inputs: list[str] | None = None, input_format: str = "auto", snapshot_name: str = "",
                    out: str = "", bootstrap_resamples: int = DEFAULT_BOOTSTRAP, figures: bool = True,
                    history: bool = True, as_published: bool = False, strict: bool = False, corrections: str = "",
                    refresh_cache: bool = False, task_runner: str = "threads", dask_address: str = ""
                    ) -> EstimateConfig:
    """The EstimateConfig of the estimate deployment's flat form."""
    return EstimateConfig(
        preset=preset_ref(preset, custom_preset), input=project_path(input),
        extra_inputs=[project_path(p) for p in extra_inputs or [] if project_path(p)],
        input_format=None if input_format in ("", "auto") else input_format, snapshot_name=snapshot_name or None,
        out=project_path(out), bootstrap_resamples=bootstrap_resamples, figures=figures, history=history,
        as_published=as_published, strict=strict, corrections=project_path(corrections),
        refresh_cache=refresh_cache, task_runner=task_runner, dask_address=dask_address or None)


def estimate_parameters(config: EstimateConfig) -> dict:
    """The estimate deployment's flat parameters for a config (what the ingest flow sends to the deployment)."""
    values = config.model_dump(mode="json")
    preset = values.pop("preset")
    flat = {key: ("" if value is None else value) for key, value in values.items()}
    flat["input_format"] = config.input_format or "auto"
    if config.bootstrap_resamples is None:
        flat["bootstrap_resamples"] = DEFAULT_BOOTSTRAP
    flat.update(preset=preset, custom_preset="") if preset in PRESET_CHOICES else \
        flat.update(preset="all", custom_preset=preset)
    return flat


def form_run_name(naming, build):
    """A ``flow_run_name`` callable for a deployment's flat-form flow (``flows/deployments.py``): ``build`` turns the
    run's flat parameters into the flow's config, ``naming`` names it (the same names as the command line's runs)."""
    def name() -> str:
        from prefect.runtime import flow_run

        try:
            config = build(**(flow_run.parameters or {}))
        except (TypeError, ValueError):
            return naming(None)
        return naming(config)

    name.__name__ = f"{naming.__name__}_form_callable"
    return name
