"""The ``price-history`` flow: add new daily price files to a history store, then report data drift and the
same-model price drift.

Incremental: files already in the store (same name and size, or same sha256) are not read again; a new file adds
only its rows (see ``tasks/data/history.py``). Schedule it on the folder where new scrapes land; ``inference-trends run``
then reports the store beside the new-model trends.
"""

from __future__ import annotations


import sys
from pathlib import Path

import pandas as pd
from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.config import HistoryConfig, flow_run_name, history_run_name
from tasks.platform.caching import ensure_result_storage
from tasks.platform.artifacts import table_rows
from tasks.platform.history_store import export_history
from tasks.stages.history import ingest_history_task, run_history
from tasks.files.io import read_parquet
from tasks.files.settings import history_dir, shared_data_dir


@flow(name="price-history", flow_run_name=flow_run_name(history_run_name), log_prints=True)
def price_history(config: HistoryConfig = HistoryConfig()) -> dict:
    """Ingest new dated price files into the history store; write its data-drift warnings and same-model drift."""
    ensure_result_storage()  # the shared cache's results block, when INFERENCE_TRENDS_SHARED_CACHE is set
    logger = get_run_logger()
    source = Path(config.input).expanduser().resolve() if config.input else \
        shared_data_dir() / "aa-site-scrape-daily"
    store = Path(config.store).expanduser().resolve() if config.store else history_dir() / "aa-site-daily"
    ingested = ingest_history_task(source, store)
    paths = run_history(store)
    files = export_history(paths, store)
    drift = read_parquet(paths["drift"])
    summary = read_parquet(paths["same_model_summary"])
    create_markdown_artifact(
        key="price-history", description=f"price history {store.name}",
        markdown="\n".join([f"# Price history `{store.name}`", "", f"Ingestion: {ingested['summary']}.", "",
                            f"{len(drift)} data-drift warning(s); same-model drift by subset and price type below."]))
    create_table_artifact(key="price-history-drift", description="data drift between consecutive dates",
                          table=table_rows(drift))
    create_table_artifact(key="price-history-same-model", description="same-model price drift (x cheaper / year)",
                          table=table_rows(summary))
    for row in drift.itertuples():
        logger.warning("data drift %s (vs %s): %s", row.observed_on, row.previous_on, row.message)
    logger.info("store %s; derived tables: %s", store, ", ".join(sorted(files)))
    return {"store": str(store), "ingested": ingested, "drift_warnings": len(drift),
            "same_model": summary.replace({float("nan"): None}).to_dict(orient="records"),
            "files": {k: str(v) for k, v in files.items()}}


def summary_lines(result: dict) -> list[str]:
    frame = pd.DataFrame(result["same_model"])
    lines = [f"Ingestion: {result['ingested']['summary']}.", f"Data-drift warnings: {result['drift_warnings']}."]
    for row in frame[frame["status"] == "ok"].itertuples():
        lines.append(f"  same-model drift, {row.subset:4s} {row.price_type:7s}: median {row.median_factor:.3g}x / "
                     f"year (25-75%: {row.p25_factor:.3g}-{row.p75_factor:.3g}), {row.n_models} models, "
                     f"{row.n_changed} changed price, {row.window_start} to {row.window_end}")
    return lines


if __name__ == "__main__":
    from flows.cli import main

    main(["history", *sys.argv[1:]])
