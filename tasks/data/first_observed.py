"""A price definition for old models that today's prices misstate: the price at first observation.

A snapshot prices every model on one date. Cheap hosts drop old models, so an old model's lowest price today can be
far above what it cost when it was current (Llama 3.1 405B: $0.80 in the 2025 file, $8.00 in 2026), which makes
every old record dearer and every slope fitted on today's prices steeper. ``first_observed`` is the model's lowest
price across providers at the first date the project's data observed it: the earliest bundled snapshot that lists
it (matched by model id, else by the normalised name of ``tasks.data.resolve.match_key`` when that is unambiguous
on both sides), else the snapshot itself. It is dated by that observation, so it is still not a price at release
for models released long before their first observation; the report says how many models each source supplies.

Only lowest-across-providers definitions enter (``lowest_reported``, ``lowest_provider``): a list price is not the
same price. Pure: analysis tables in, rows out.
"""

from __future__ import annotations

import pandas as pd
from pandera.typing import DataFrame

from schemas.analysis import AnalysisTable
from tasks.data.resolve import match_key

NAME = "first_observed"
LOWEST = ("lowest_provider", "lowest_reported")
PRICE_COLUMNS = ["input_usd_per_mtok", "output_usd_per_mtok", "blended_usd_per_mtok", "blended_computed"]


def _lowest(analysis: DataFrame[AnalysisTable]) -> pd.DataFrame:
    """Each model's earliest lowest-across-providers observation (a model with both: the lowest_provider one)."""
    frame = analysis[analysis["price_source"].isin(LOWEST) & analysis["blended_usd_per_mtok"].notna()]
    order = frame.assign(_rank=frame["price_source"].map({s: i for i, s in enumerate(LOWEST)}))
    order = order.sort_values(["model_id", "observed_on", "_rank"], kind="mergesort")
    return order.drop_duplicates("model_id")


def _unique_keys(frame: pd.DataFrame) -> dict:
    """Normalised name key -> model id, for keys that name one model only."""
    keys = frame["name"].map(match_key)
    counts = keys.value_counts()
    return {key: model for key, model in zip(keys, frame["model_id"]) if counts[key] == 1}


def first_observed(analysis: DataFrame[AnalysisTable], earlier: list[pd.DataFrame]) -> pd.DataFrame:
    """The ``first_observed`` price rows of ``analysis``'s models (analysis columns, ``price_source`` =
    ``first_observed``; ``source``: the source of the observation the price came from), from ``earlier``
    snapshots' analysis tables."""
    own = _lowest(analysis)
    models = analysis.drop_duplicates("model_id").set_index("model_id")
    own_keys = _unique_keys(models.reset_index())
    candidates = [own]
    for table in earlier:
        found = _lowest(table)
        by_id = found[found["model_id"].isin(models.index)]
        their_keys = _unique_keys(table.drop_duplicates("model_id"))
        by_name = found[~found["model_id"].isin(models.index)].assign(_key=lambda f: f["name"].map(match_key))
        known = [key in own_keys and key in their_keys for key in by_name["_key"]]
        by_name = by_name[pd.Series(known, index=by_name.index, dtype=bool)]
        by_name = by_name.assign(model_id=by_name["_key"].map(own_keys)).drop(columns="_key")
        candidates.append(pd.concat([by_id, by_name], ignore_index=True))
    every = pd.concat(candidates, ignore_index=True)
    every = every[every["model_id"].isin(models.index)]
    first = every.sort_values(["model_id", "observed_on"], kind="mergesort").drop_duplicates("model_id")
    rows = models.loc[first["model_id"]].reset_index().drop(columns=["price_source", "observed_on", *PRICE_COLUMNS])
    for column in ["observed_on", *PRICE_COLUMNS]:
        rows[column] = first[column].to_numpy()
    rows["price_source"] = NAME
    rows["source"] = first["source"].to_numpy()
    return rows[analysis.columns]


def with_first_observed(analysis: DataFrame[AnalysisTable], earlier: list[pd.DataFrame]) -> pd.DataFrame:
    """The analysis table with its ``first_observed`` rows added (same columns, sorted as the clean stage sorts)."""
    added = first_observed(analysis, earlier)
    frame = pd.concat([analysis[analysis["price_source"] != NAME], added], ignore_index=True)
    return frame.sort_values(["model_id", "price_source", "observed_on"], kind="mergesort",
                             na_position="first").reset_index(drop=True)
