"""Where the project keeps its files, and the environment defaults it applies before Prefect is imported.

Every location can be overridden by an environment variable, so that tests, CI and users with shared storage can
point the pipeline elsewhere without touching code:

- ``INFERENCE_TRENDS_HOME``: the project root (default: the checkout this file belongs to).
- ``INFERENCE_TRENDS_CACHE_DIR``: content-addressed intermediates and Prefect's persisted task results
  (default ``data/cache``). Both live together so that deleting the folder clears the cache consistently:
  a cached task result can never point at an intermediate file that is gone.
- ``INFERENCE_TRENDS_RUNS_DIR``: default parent of run folders (``data/runs``).
- ``INFERENCE_TRENDS_RAW_DIR``: raw responses fetched from live APIs, kept as received (``data/raw``, git-ignored;
  ``tasks.platform.aa_client`` writes to its ``aa-api/`` subfolder).
- ``INFERENCE_TRENDS_HISTORY_DIR``: price-history stores (``data/history``; the bundled one is committed).
- ``INFERENCE_TRENDS_INBOX``: where new data files are dropped for the ``ingest`` flow (``data/inbox``; its
  ``accepted/`` and ``rejected/`` subfolders and ``.inbox-state/ledger.csv`` record what became of each file).
- ``INFERENCE_TRENDS_SHARED_DATA``: the raw public datasets (default ``../shared/data`` beside the checkout).
- ``PREFECT_HOME``: defaults to ``.prefect/`` inside the project, so two clones never share Prefect state.
- ``INFERENCE_TRENDS_ALLOWED_ROOTS``: the folders a *deployment* run (``make serve``: parameters that arrive through
  the Prefect API) may read and write, separated by ``:`` (``os.pathsep``). Unset: the project's data folders
  (``allowed_roots``). The command line is the user's own shell and is not confined.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("INFERENCE_TRENDS_HOME") or Path(__file__).resolve().parents[2])


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def data_dir() -> Path:
    return PROJECT_ROOT / "data"


def cache_dir() -> Path:
    return _env_path("INFERENCE_TRENDS_CACHE_DIR", data_dir() / "cache")


def runs_dir() -> Path:
    return _env_path("INFERENCE_TRENDS_RUNS_DIR", data_dir() / "runs")


def raw_dir() -> Path:
    return _env_path("INFERENCE_TRENDS_RAW_DIR", data_dir() / "raw")


def snapshots_dir() -> Path:
    return data_dir() / "snapshots"


def history_dir() -> Path:
    """Price-history stores (``data/history/<name>/``: a ledger, per-file parts, drift evidence)."""
    return _env_path("INFERENCE_TRENDS_HISTORY_DIR", data_dir() / "history")


def inbox_dir() -> Path:
    """The inbox of the ``ingest`` flow (``data/inbox``, git-ignored)."""
    return _env_path("INFERENCE_TRENDS_INBOX", data_dir() / "inbox")


def presets_dir() -> Path:
    return PROJECT_ROOT / "presets"


def corrections_file() -> Path:
    return data_dir() / "corrections.csv"


def crosswalk_file() -> Path:
    return data_dir() / "crosswalk.csv"


def shared_data_dir() -> Path:
    return _env_path("INFERENCE_TRENDS_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data")


# --- where a deployment run may read and write ---------------------------------------------------------------------
ALLOWED_ROOTS_ENV = "INFERENCE_TRENDS_ALLOWED_ROOTS"


class PathNotAllowed(ValueError):
    """A deployment parameter names a path outside the folders a deployment run may use."""


def allowed_roots(write: bool) -> list[Path]:
    """The folders a deployment run may read (``write=False``) or write (``write=True``), symlinks resolved.

    ``INFERENCE_TRENDS_ALLOWED_ROOTS`` (``os.pathsep``-separated; relative entries are relative to the project), when
    set when the service starts, is the whole list, for reading and writing. Unset, the project's data folders:
    ``data/`` and the configured locations (cache, runs, raw responses, price history, inbox), and, for reading only,
    the bundled presets (``presets/``) and the shared raw datasets (``../shared/data``, the default input of the
    price-history flow), which a deployment run never writes into."""
    explicit = [part.strip() for part in os.environ.get(ALLOWED_ROOTS_ENV, "").split(os.pathsep) if part.strip()]
    if explicit:
        roots = [Path(part).expanduser() for part in explicit]
        roots = [root if root.is_absolute() else PROJECT_ROOT / root for root in roots]
    else:
        roots = [data_dir(), cache_dir(), runs_dir(), raw_dir(), history_dir(), inbox_dir()]
        if not write:
            roots += [presets_dir(), shared_data_dir()]
    resolved = [root.resolve() for root in roots]
    unique: list[Path] = []
    for root in resolved:  # a folder inside another one of the list adds nothing (data/raw inside data/)
        if root not in unique and not any(other in root.parents for other in resolved):
            unique.append(root)
    return unique


def confined_path(value: str | Path, parameter: str, write: bool) -> Path:
    """``value`` resolved (symlinks followed; relative to the project), if it lies inside ``allowed_roots(write)``;
    otherwise ``PathNotAllowed`` naming the parameter, the path and the allowed folders. Used on every path
    parameter of the deployments (``flows/deployments.py``): the API is the boundary, not the UI's form."""
    path = Path(value).expanduser()
    path = path if path.is_absolute() else PROJECT_ROOT / path
    resolved = path.resolve()
    roots = allowed_roots(write)
    if any(resolved == root or root in resolved.parents for root in roots):
        return resolved
    shown = str(path) + (f" (resolved: {resolved})" if resolved != path else "")
    source = (f"{ALLOWED_ROOTS_ENV} of the service" if os.environ.get(ALLOWED_ROOTS_ENV, "").strip() else
              f"the project's data folders; start the service with {ALLOWED_ROOTS_ENV}=DIR{os.pathsep}DIR... to "
              "allow others")
    raise PathNotAllowed(f"{parameter}: {shown} is outside the folders a deployment run may "
                         f"{'write to' if write else 'read'}: {', '.join(map(str, roots))} ({source}; the command "
                         "line is not restricted)")


def apply_environment_defaults() -> None:
    """Set Prefect's home, result storage and telemetry defaults unless the user has set them.

    Must run before ``import prefect``: Prefect reads its settings once, at import time.
    """
    os.environ.setdefault("PREFECT_HOME", str(PROJECT_ROOT / ".prefect"))
    os.environ.setdefault("PREFECT_RESULTS_LOCAL_STORAGE_PATH", str(cache_dir() / "prefect-results"))
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # the temporary local API migrates its database at first start: on a busy 2-core machine that can take more than
    # Prefect's default 20 s
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    if not os.environ.get("PREFECT_API_URL"):
        # Prefect's temporary local API is stopped (SIGTERM) as soon as the run ends; its event recorder then
        # logs the cancelled write of the last batch as a traceback. Not actionable for a run that finished.
        os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
