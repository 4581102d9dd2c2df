"""Test isolation: every path the pipeline writes to points into one temporary folder per session.

Set before anything imports Prefect (it reads its settings at import time): Prefect's home and result storage, the
project's cache and run folders. A session-scoped Prefect test harness (a throwaway API on SQLite) serves the
end-to-end tests; unit tests call the pure functions directly and need no Prefect at all.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="inference-trends-tests-"))
os.environ["PREFECT_HOME"] = str(_SESSION_DIR / "prefect-home")
os.environ["PREFECT_RESULTS_LOCAL_STORAGE_PATH"] = str(_SESSION_DIR / "cache" / "prefect-results")
os.environ["INFERENCE_TRENDS_CACHE_DIR"] = str(_SESSION_DIR / "cache")
os.environ["INFERENCE_TRENDS_RUNS_DIR"] = str(_SESSION_DIR / "runs")
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.pop("PREFECT_API_URL", None)

import pytest  # noqa: E402

from tasks.platform.settings import PROJECT_ROOT, shared_data_dir  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
FUTURETECH_CSV = shared_data_dir() / "futuretech-2025-07" / "art_analysis_inf_data.csv"
BUNDLED_SNAPSHOT = PROJECT_ROOT / "data" / "snapshots" / "futuretech-2025-07"


# The long files first, in this order, so that pytest-xdist (``--dist loadfile --no-loadscope-reorder``, two workers
# on two cores; each worker starts with two files) pairs them as 244 + 100 s and 188 + 181 s (their times in a
# fresh-clone run) and the short files fill in behind. Without an order, xdist sorts files by their number of tests,
# which put two long files on one worker (pytest took 8.5 instead of 7.5 minutes). A file missing here only runs later.
LONG_FIRST = ("test_e2e_caching.py", "test_service.py", "test_safety.py", "test_e2e.py")


def pytest_collection_modifyitems(session, config, items):
    rank = {name: i for i, name in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the order within a file is kept


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def session_dir() -> Path:
    return _SESSION_DIR


@pytest.fixture(scope="session")
def futuretech_csv() -> Path:
    """The study's real file; tests that need it skip cleanly when ../shared/data is absent."""
    if not FUTURETECH_CSV.exists():
        pytest.skip(f"shared data not available ({FUTURETECH_CSV})")
    return FUTURETECH_CSV


LIGHT_UNCERTAINTY = """
[uncertainty]
bootstrap_resamples = 100
permutations = 50
coverage_simulations = 0
edge_variant = false
"""


@pytest.fixture(scope="session")
def light_preset(session_dir) -> Path:
    """The study's preset with light resampling (frontier bootstrap and null, hedonic wild cluster and quantile
    bootstraps): tests of the whole DAG need every task, not thousands of resamples."""
    path = session_dir / "futuretech-2025-light.toml"
    text = (PROJECT_ROOT / "presets" / "futuretech-2025.toml").read_text()
    for full, light in (("wild_bootstrap = 999", "wild_bootstrap = 99"), ("quantile_bootstrap = 499",
                                                                          "quantile_bootstrap = 0")):
        assert full in text, full
        text = text.replace(full, light)
    path.write_text(text + LIGHT_UNCERTAINTY)
    return path


@pytest.fixture(scope="session")
def tiny_preset(session_dir, light_preset) -> Path:
    """The light preset cut to the frontier on blended prices (a few trends): for tests of the machinery around the
    flow (Dask, the service, the shared cache), not of the estimates."""
    path = session_dir / "futuretech-2025-tiny.toml"
    text = light_preset.read_text().replace('price_types = ["blended", "input", "output"]', 'price_types = ["blended"]')
    path.write_text(text.split("[hedonic]")[0] + LIGHT_UNCERTAINTY)
    return path


@pytest.fixture(scope="session")
def prefect_harness():
    """One throwaway Prefect API per test worker (about 10 s to start on a quiet machine; with one xdist worker per
    core and other work beside them it took over 60 s, so the limit is generous: a slow start is not a failure)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=300):
        yield
