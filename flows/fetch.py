"""The ``fetch-aa`` flow: the live AA API models list -> a saved raw response -> canonical tables.

Two tasks: ``fetch-aa-models`` (``tasks.platform.aa_client``: key from ``AA_API_KEY`` or a Prefect Secret block, sent
only over https to artificialanalysis.ai unless the fetching process opted in to another base URL; each attempt and
the whole call bounded in time, the decoded body in size; retries with backoff inside the client, the raw body and a
``.meta`` sidecar written to ``data/raw/aa-api/`` before anything is parsed) and the existing ``aa_api`` ingest
adapter on the saved file. The key is resolved inside the fetch task, so it is never a flow or task parameter; the
config holds only its Secret block's name.

The ingest is cached like every task, on the saved file's bytes *and name* (``tasks.platform.caching``): the adapter reads the
observation date from the name, so an unchanged response fetched on a later day is ingested again with its own date.
"""

from __future__ import annotations


import sys
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger

from flows.config import FetchConfig
from tasks.platform.caching import ensure_result_storage
from tasks.platform.aa_client import fetch_aa_models_task
from tasks.stages.ingest import ingest_task
from tasks.files.io import read_tables
from tasks.data.canonical import CanonicalTables


@flow(name="fetch-aa")
def fetch_aa(config: FetchConfig) -> dict[str, Any]:
    """Fetch the Artificial Analysis models list, keep the raw response, and ingest it with the aa_api adapter."""
    ensure_result_storage()  # the shared cache's results block, when INFERENCE_TRENDS_SHARED_CACHE is set
    logger = get_run_logger()
    fetched = fetch_aa_models_task(
        base_url=config.base_url, out_dir=config.out_dir, connect_timeout=config.connect_timeout,
        timeout=config.timeout, deadline=config.deadline, retries=config.retries, backoff_base=config.backoff_base,
        secret_block=config.secret_block,
    )
    canonical = ingest_task("aa_api")(Path(fetched["path"]))
    counts = read_tables(CanonicalTables, canonical).row_counts()
    logger.info(
        "fetch-aa: %s -> %d models, %d scores, %d price rows, %d ingest issues (raw response %s, %d attempt(s))",
        fetched["url"], counts["models"], counts["benchmarks"], counts["prices"], counts["ingest_issues"],
        fetched["path"], fetched["attempts"],
    )
    return {**fetched, "row_counts": counts, "canonical": {name: str(p) for name, p in canonical.items()}}


if __name__ == "__main__":
    from flows.cli import main

    main(["fetch-aa", *sys.argv[1:]])
