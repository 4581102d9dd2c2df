"""The price-history stage: new dated files into the store (incremental, never cached), then its drift tables."""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from tasks.data.history import LEDGER, PROFILES, detect_drift, same_model_drift, summarise_same_model
from tasks.platform.caching import cached_task
from tasks.platform.history_store import (history_stores, ingest_history, load_history, read_ledger,
                                         read_profiles)
from tasks.platform.lineage import config_hash, write_cached_parquet


@cached_task(name="price-history", task_run_name="price-history-drift")
def history_task(store: str, ledger: Path, profiles: Path) -> dict[str, Path]:
    """Drift warnings and same-model drift from a history store. Cached on the content of its ledger (which names
    every part by the sha256 of its raw file) and profiles, not on the folder: the derived CSVs written beside them
    must not change the key."""
    tables = load_history(Path(store))
    drift = detect_drift(read_profiles(Path(store)))
    per_model = same_model_drift(tables["prices"], tables["models"])
    summary = summarise_same_model(per_model)
    ledger = read_ledger(Path(store))
    # the store by name: its absolute path (a parameter) would make the bytes depend on where the checkout lives
    lineage = {"store": Path(store).name, "config_sha256": config_hash({"store": Path(store).name})}
    return {
        "files": write_cached_parquet(ledger, "history", "files", lineage),
        "drift": write_cached_parquet(drift, "history", "drift", lineage),
        "same_model": write_cached_parquet(per_model, "history", "same_model", lineage),
        "same_model_summary": write_cached_parquet(summary, "history", "same_model_summary", lineage),
        "prices": write_cached_parquet(tables["prices"], "history", "prices", lineage),
    }


@task(name="ingest-history", task_run_name="ingest-new-price-files", cache_policy=NO_CACHE)
def ingest_history_task(folder: Path, store: Path) -> dict:
    """Incremental by design (the store is the memory), so never served from Prefect's cache."""
    report = ingest_history(folder, store)
    get_run_logger().info("price history %s: %s", Path(store).name, report.summary())
    return {"added": report.added, "replaced": report.replaced, "skipped_unchanged": report.skipped_unchanged,
            "skipped_same_content": report.skipped_same_content, "rows_added": report.rows_added,
            "summary": report.summary()}


def run_history(store: Path) -> dict[str, Path]:
    """``history_task`` on a store (inside a flow)."""
    store = Path(store)
    return history_task(str(store), store / LEDGER, store / PROFILES)


def load_histories(tracker, root: Path) -> dict[str, dict[str, Path]]:
    """The drift tables of every price-history store under ``root`` (a folder with a ledger)."""
    return {store.name: tracker.run("history", history_task, str(store), store / LEDGER, store / PROFILES,
                                    name=f"price-history-drift[{store.name}]")
            for store in history_stores(root)}
