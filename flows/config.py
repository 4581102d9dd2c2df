"""The one typed config of each flow (what the command line and Python build), and the flat run forms of the
deployments (``flows/deployments.py``) that map onto them. Each field's description is ``flows/options.py``'s."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from flows.options import ESTIMATE, FETCH, HISTORY, INGEST, SNAPSHOT
from tasks.data.ingest import ADAPTERS
from tasks.trends import Resamples
from tasks.study.presets import bundled_presets
from tasks.files.folders import NAME_PATTERN
from tasks.platform.inbox_seen import parse_entry
from tasks.files.settings import PROJECT_ROOT, confined_path


class EstimateConfig(BaseModel):
    """What to estimate, on which data, and where to write the run."""

    model_config = ConfigDict(extra="forbid")

    preset: str = Field("all", description=ESTIMATE["preset"])
    input: str | None = Field(None, description=ESTIMATE["input"])
    input_format: str | None = Field(None, description=ESTIMATE["input_format"])
    extra_inputs: list[str] = Field(default_factory=list, description=ESTIMATE["extra_inputs"])
    snapshot_name: str | None = Field(None, pattern=NAME_PATTERN, description=ESTIMATE["snapshot_name"])
    out: str | None = Field(None, description=ESTIMATE["out"])
    as_published: bool = Field(False, description=ESTIMATE["as_published"])
    strict: bool = Field(False, description=ESTIMATE["strict"])
    corrections: str | None = Field(None, description=ESTIMATE["corrections"])
    refresh_cache: bool = Field(False, description=ESTIMATE["refresh_cache"])
    task_runner: Literal["threads", "dask"] = Field("threads", description=ESTIMATE["task_runner"])
    dask_address: str | None = Field(None, description=ESTIMATE["dask_address"])
    bootstrap_resamples: Resamples | None = Field(None, ge=0, description=ESTIMATE["bootstrap_resamples"])
    figures: bool = Field(True, description=ESTIMATE["figures"])
    history: bool = Field(True, description=ESTIMATE["history"])


class SnapshotConfig(BaseModel):
    """Build a bundled snapshot (canonical CSVs) from raw source files."""

    model_config = ConfigDict(extra="forbid")

    inputs: list[str] = Field(min_length=1, description=SNAPSHOT["inputs"])
    name: str = Field(pattern=NAME_PATTERN, description=SNAPSHOT["name"])
    input_format: str | None = Field(None, description=SNAPSHOT["input_format"])
    crosswalk: str | None = Field(None, description=SNAPSHOT["crosswalk"])
    out_dir: str | None = Field(None, description=SNAPSHOT["out_dir"])


class FetchConfig(BaseModel):
    """Fetch the live AA API models list, keep the raw response, and ingest it (the key is never a parameter)."""

    model_config = ConfigDict(extra="forbid")

    base_url: str = Field("https://artificialanalysis.ai/api/v2", description=FETCH["base_url"])
    out_dir: str | None = Field(None, description=FETCH["out_dir"])
    timeout: float = Field(60.0, gt=0, description=FETCH["timeout"])
    connect_timeout: float = Field(10.0, gt=0, description=FETCH["connect_timeout"])
    deadline: float = Field(300.0, gt=0, description=FETCH["deadline"])
    retries: int = Field(4, ge=0, le=20, description=FETCH["retries"])
    backoff_base: float = Field(1.0, ge=0, description=FETCH["backoff_base"])
    secret_block: str = Field("aa-api-key", description=FETCH["secret_block"])


class HistoryConfig(BaseModel):
    """Add new dated price files to a price-history store and report data drift and same-model drift."""

    model_config = ConfigDict(extra="forbid")

    input: str | None = Field(None, description=HISTORY["input"])
    store: str | None = Field(None, description=HISTORY["store"])


class IngestConfig(BaseModel):
    """Take new data from the inbox (and the AA API when a key is set); run estimate on what is new."""

    model_config = ConfigDict(extra="forbid")

    inbox: str | None = Field(None, description=INGEST["inbox"])
    pull_aa_api: bool = Field(True, description=INGEST["pull_aa_api"])
    settle_seconds: float = Field(10.0, ge=0, description=INGEST["settle_seconds"])
    entries: list[str] = Field(default_factory=list, description=INGEST["entries"])
    trigger: Literal["deployment", "inline", "none"] = Field("deployment", description=INGEST["trigger"])
    estimate_deployment: str = Field("estimate/estimate", description=INGEST["estimate_deployment"])
    estimate: EstimateConfig = Field(default_factory=EstimateConfig, description=INGEST["estimate"])

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
        from tasks.stages.prepare import study_snapshot
        from tasks.study.presets import load_preset

        try:
            own = study_snapshot([load_preset(refs[0])]) if len(refs) == 1 and refs[0] != "all" else None
        except Exception:  # noqa: BLE001 - a name only: the run itself reports a bad preset
            own = None
        try:
            data = own or _short(sorted(p.name for p in snapshots_dir().iterdir() if (p / "models.csv").exists()))
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
