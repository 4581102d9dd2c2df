"""Benchmark runs, cleaned: the canonical ``runs`` table with each run's model and the list prices that cost it.

Part of the cleaning stage (``tasks.data.clean``); what the ``benchmark_cost`` method reads (its ``CONTEXT``). Two
tables (``schemas.analysis.RunTable``, ``schemas.analysis.RunPrices``):

- ``runs``: one row per usable run, with the model's name, licence, open-weights flag and release date;
- ``run_prices``: the monthly list prices (``provider = list_price``) of the models whose runs are priced from
  them, both prices present and positive.

The smallest bad unit is quarantined (unit ``run``), with its reason:
- a run of a model the models table does not know, or of a benchmark outside the project's registry;
- a run whose score is not a finite number, or a fraction outside 0..1;
- a reported-cost run (``cost_usd``: ARC-AGI-1, AA's cost of its index) whose cost is not a positive number, or
  whose model's release date is unusable: such a run is dated at the model's release.

A run priced from a list-price history needs no release date (each price cut is dated at its month, as in the
authors' tables): a model quarantined from the analysis table only for its release date keeps its runs and its list
prices here, with a warning that says so.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from schemas.analysis import RunPrices, RunTable
from schemas.canonical import BENCHMARK_UNITS
from schemas.validation import validate

LIST_PRICE = "list_price"
RUN_MODEL_FIELDS = ["name", "license", "open_weights", "release_date"]
PRICE_FIELDS = ["model_id", "observed_on", "input_usd_per_mtok", "output_usd_per_mtok", "source"]


def is_reported(runs: pd.DataFrame) -> pd.Series:
    """Runs whose cost the source reports (no tokens to price)."""
    return runs["cost_usd"].notna()


def clean_runs(runs: pd.DataFrame, models: pd.DataFrame, bad_models: dict[str, str], prices: pd.DataFrame
               ) -> tuple[pd.DataFrame, pd.DataFrame, list[dict], list[dict]]:
    """(runs, run_prices, quarantine rows, warning rows). ``models``: after corrections; ``bad_models``: model id ->
    why the analysis table leaves it out (its release date); ``prices``: the canonical prices."""
    quarantine: list[dict] = []
    warnings: list[dict] = []
    known = models.set_index("model_id")
    keep = pd.Series(True, index=runs.index)
    warned: set[str] = set()
    for i, run in runs.iterrows():
        model = known.loc[run.model_id] if run.model_id in known.index else None
        name = None if model is None else model["name"]
        problem = None
        if model is None:
            problem = "unknown model_id (not in the models table)"
        elif run.benchmark not in BENCHMARK_UNITS:
            problem = "benchmark not in the project's registry (schemas.canonical.BENCHMARK_UNITS)"
        elif pd.notna(run.score) and not math.isfinite(run.score):
            problem = "score is not a finite number"
        elif pd.notna(run.score) and BENCHMARK_UNITS[run.benchmark] == "fraction" and not 0 <= run.score <= 1:
            problem = f"score {run.score:g} of a fraction benchmark outside 0..1"
        elif pd.notna(run.cost_usd) and not (math.isfinite(run.cost_usd) and run.cost_usd > 0):
            problem = "reported cost not a positive number: cannot take its logarithm"
        elif pd.notna(run.cost_usd) and run.model_id in bad_models:
            problem = (f"model quarantined: {bad_models[run.model_id]} (a reported cost per run is dated at the "
                       "model's release)")
        if problem:
            keep[i] = False
            quarantine.append(dict(stage="clean", table="runs", unit="run", model_id=run.model_id, name=name,
                                   field=run.benchmark, value=None if pd.isna(run.cost_usd) else f"{run.cost_usd:g}",
                                   rule=problem, source=run.source))
        elif run.model_id in bad_models and run.model_id not in warned:
            warned.add(run.model_id)
            warnings.append(dict(source=run.source, file=str(run.source).split("/", 1)[-1], record=run.record,
                                 model_name=name, column="release_date", value=None,
                                 rule=f"{bad_models[run.model_id]}: the model is left out of the analysis table, but "
                                      "its benchmark runs are costed from its list-price months (each price cut is "
                                      "dated at its month, not at the release)", action="warning", table="runs"))
    kept = runs[keep]
    fields = known[RUN_MODEL_FIELDS]
    table = kept.merge(fields, left_on="model_id", right_index=True, how="left")
    table["release_date"] = pd.to_datetime(table["release_date"])
    table = table[list(RunTable.to_schema().columns)].reset_index(drop=True)
    table = validate(RunTable, table, "benchmark runs")

    priced = set(table.loc[~is_reported(table), "model_id"])
    listed = prices[(prices["provider"] == LIST_PRICE) & prices["model_id"].isin(priced)]
    both = listed["input_usd_per_mtok"].gt(0) & listed["output_usd_per_mtok"].gt(0) & np.isfinite(
        listed["input_usd_per_mtok"].astype(float)) & np.isfinite(listed["output_usd_per_mtok"].astype(float))
    run_prices = listed.loc[both, PRICE_FIELDS].sort_values(["model_id", "observed_on"], kind="mergesort")
    run_prices = validate(RunPrices, run_prices.reset_index(drop=True), "list prices of the benchmark runs")
    return table, run_prices, quarantine, warnings
