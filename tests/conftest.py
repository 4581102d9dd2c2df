"""Test isolation: every path the pipeline writes to points into one temporary folder per session.

Set before anything imports Prefect (it reads its settings at import time): Prefect's home and result storage, the
project's cache and run folders. A session-scoped Prefect test harness (a throwaway API on SQLite) serves the
end-to-end tests; unit tests call the pure functions directly and need no Prefect at all.
"""

from __future__ import annotations

import os
import shutil
import sys
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

# Prefect configures logging when ``prefect.main`` is first imported, binding its console handler to ``sys.stderr`` of
# that moment. Imported first inside a ``CliRunner.invoke`` (an in-process CLI test), that is the runner's stream,
# closed when the invoke returns: every later flow run in the same test worker then failed writing its first log line
# (RecursionError through Prefect's print-as-log), but only when xdist happened to give that worker a CLI test
# before the flow tests. Imported here, the handler writes to pytest's own capture for the whole session.
import prefect.main  # noqa: E402,F401

from tasks.files.settings import PROJECT_ROOT, shared_data_dir  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
FUTURETECH_CSV = shared_data_dir() / "futuretech-2025-07" / "art_analysis_inf_data.csv"
BUNDLED_SNAPSHOT = PROJECT_ROOT / "data" / "snapshots" / "futuretech-2025-07"


# The long files first, longest first, so that pytest-xdist (``--dist loadfile --no-loadscope-reorder``: a worker
# takes the next file when it has two tests or fewer left) spreads them over the two workers and the short files fill
# in behind. Without an order, xdist sorts files by their number of tests, which once put the two longest end-to-end
# files on one worker (pytest took 8.5 instead of 7.5 minutes). A file missing here only runs later.
LONG_FIRST = ("test_e2e_caching.py", "test_service.py", "test_e2e.py", "test_safety.py")


def pytest_collection_modifyitems(session, config, items):
    rank = {name: i for i, name in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the order within a file is kept


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


def drain_prefect(timeout: float = 10) -> None:
    """Send what Prefect's log and event workers still hold to the API, and stop them (the next flow run starts new
    ones). A process that runs several flows, as a test worker does, needs this between runs: with the previous run's
    workers still running, every task run of the next one waited about 1-2 s on its concurrency-slot look-up (a fully
    cached run of the light preset took 15-21 s instead of 6-8 s; test_e2e_caching.py 235 s instead of 141 s). The
    command line and the service's flow-run processes run one flow per process and are not affected."""
    if "prefect" in sys.modules:
        from flows.runtime import drain_prefect_workers

        drain_prefect_workers(timeout)


def run_estimate(**config) -> dict:
    """The estimate flow in this process, against the session's Prefect API, then ``drain_prefect()``."""
    from flows.config import EstimateConfig
    from flows.estimate import estimate

    try:
        return estimate(EstimateConfig(**config))
    finally:
        drain_prefect()


@pytest.fixture(autouse=True)
def _drain_prefect_after_each_test():
    yield
    drain_prefect()  # a flow run by the test itself (the CLI in-process, a deployment's flow) leaves them running


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
    """The study's preset, light: every task and stage of the DAG (frontier, hedonic, decomposition, both price
    sources and both comparison sources), with light resampling (frontier bootstrap and null, hedonic wild cluster
    and quantile bootstraps) and fewer trends per method (frontier on blended prices; hedonic on output and blended
    prices, MMLU-Pro control only, median regression only, no no-reasoning variant; two decomposition quantities).
    Tests of the DAG and the run folder need every task, not thousands of resamples or every trend: a run took 30 s
    instead of 57 s with the study's trend list (CLI, 2 cores). The study's full preset is `first` in test_e2e.py."""
    path = session_dir / "futuretech-2025-light.toml"
    text = (PROJECT_ROOT / "presets" / "futuretech-2025.toml").read_text()
    for full, light in (("wild_bootstrap = 999", "wild_bootstrap = 99"),
                        ("quantile_bootstrap = 499", "quantile_bootstrap = 0"),
                        ('price_types = ["blended", "input", "output"]', 'price_types = ["blended"]'),  # frontier
                        ('price_types = ["input", "output", "blended"]', 'price_types = ["output", "blended"]'),
                        ('control_sets = [["mmlu_pro"], ["mmlu_pro", "scicode"]]', 'control_sets = [["mmlu_pro"]]'),
                        ("quantiles = [0.5, 0.2]", "quantiles = [0.5]"),
                        ("no_reasoning = true ", "no_reasoning = false"),
                        ('quantities = ["active_params", "total_params", "price_per_active_param", '
                         '"price_per_total_param"]', 'quantities = ["active_params", "price_per_active_param"]')):
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
