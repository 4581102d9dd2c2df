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
  ``accepted/`` and ``rejected/`` subfolders and ``ledger.csv`` record what became of each file).
- ``INFERENCE_TRENDS_SHARED_DATA``: the raw public datasets (default ``../shared/data`` beside the checkout).
- ``PREFECT_HOME``: defaults to ``.prefect/`` inside the project, so two clones never share Prefect state.
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
