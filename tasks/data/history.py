"""Price history from dated snapshots, the computations (the store itself: ``tasks/platform/history_store.py``;
its Prefect tasks: ``tasks/stages/history.py``) (the daily AA site scrapes): incremental ingestion, data drift, and the
same-model price drift.

**The store** (``data/history/<name>/``, committed for the bundled series) is append-only and content-addressed:

- ``files.csv``: the ledger, one row per ingested file: name, size, observation date, sha256, row counts, part.
- ``parts/<observed_on>-<sha256[:12]>/``: that file's canonical ``models``, ``benchmarks`` and ``prices`` tables
  (Parquet), exactly as the ``aa_site`` adapter reads them (``observed_on`` = the date in the file's name, which
  may not be after today: ``tasks.data.ingest.common.observation_date``; each file passes the reading gate,
  ``tasks.data.ingest.reading``, before it is hashed).
- ``profiles.csv``: a per-column profile of every raw file (records, null rate, median, maximum), the evidence for
  data-drift detection, kept so that drift is computed without reading a raw file again.

Ingesting a folder parses only what is new: every file's sha256 is computed (cheap), and a file whose observation
date and content the ledger already holds is not parsed again (under another name too: a copy); only new content
is parsed, and only its rows are added. The same bytes under a new date (a day on which nothing changed) are a new
observation date. A new file for an already ingested date (a corrected re-scrape) replaces that date's part, and
the run says so. Parts are not re-parsed when the adapter's code changes later: rebuild the store (delete it and
ingest again) after a parser fix. Parts are written before the ledger, each atomically, so an
interrupted ingestion leaves at most an orphan part that the next run ignores and rewrites; the ledger never names
a part that is not complete.

**Data drift** between consecutive observation dates (``detect_drift``): row-count changes, columns appearing or
disappearing, null-rate jumps (a column going entirely null is its own kind), and unit changes (a column whose
values were fractions, at most 1, turning into percentages, or any median jumping by a factor of 20 or more). Each
is a data-quality warning with its date.

**Same-model drift** (``same_model_drift``): the lowest price per model and day across providers
(``tasks.data.lowest``; the AA scrapes have one headline price per model and day), then for each model priced on the
first and the last date of the price window, the annualised rate at which its own price changed: OLS of ln price
on observation day over its daily prices, as ``factor_per_year`` = exp(-slope x 365.25) (> 1: it got cheaper),
and the endpoint rate (first / last) ** (365.25 / days). Summarised by median and spread (10th, 25th, 75th, 90th
percentiles), open vs all. This is the part of a price decline that is price cuts on existing models rather than
new models; a short window annualises small cuts into large rates, so the window length is always shown beside the
numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tasks.core.vocabulary import PRICE_TYPES, RECORDED_PRICE_TYPES, price_column
from tasks.data.lowest import lowest_price_per_model_date

LEDGER = "files.csv"
PROFILES = "profiles.csv"
PARTS = "parts"
TABLES = ("models", "benchmarks", "prices")
LEDGER_COLUMNS = ["file", "size", "observed_on", "sha256", "records", "models", "benchmarks", "prices",
                  "ingest_issues", "part"]
PROFILE_COLUMNS = ["observed_on", "file", "column", "records", "present", "non_null", "null_rate", "numeric",
                   "median", "maximum"]
DRIFT_COLUMNS = ["observed_on", "previous_on", "kind", "column", "before", "after", "severity", "message"]
RECORDS_ROW = "(records)"  # the profile row that carries a file's record count
# the recorded price types in display order, with their price column
PRICE_COLUMNS = {t: price_column(t) for t in PRICE_TYPES if t in RECORDED_PRICE_TYPES}
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class DriftThresholds:
    """When a change between consecutive observation dates is worth a warning."""

    row_change: float = 0.10  # relative change in the number of records
    null_rate_change: float = 0.20  # absolute change in a column's null rate
    unit_ratio: float = 20.0  # a column's median changing by this factor or more


# --- profiles ----------------------------------------------------------------------------------------------------
def profile_records(records: list, observed_on: dt.date, file: str) -> pd.DataFrame:
    """One row per field of a raw file: how many records carry it, its null rate, and its numeric scale."""
    dicts = [r for r in records if isinstance(r, dict)]
    n = len(dicts)
    columns = sorted({key for r in dicts for key in r})
    # one row always carries the record count, so that an empty file still has a profile (and a drift warning)
    rows = [{"observed_on": observed_on.isoformat(), "file": file, "column": RECORDS_ROW, "records": n,
             "present": n, "non_null": n, "null_rate": 0.0, "numeric": 0, "median": None, "maximum": None}]
    for column in columns:
        values = [r.get(column) for r in dicts]
        present = sum(1 for r in dicts if column in r)
        non_null = sum(1 for v in values if v is not None and v != "")
        numeric = np.array([float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)
                            and np.isfinite(v)])
        rows.append({"observed_on": observed_on.isoformat(), "file": file, "column": column, "records": n,
                     "present": present, "non_null": non_null, "null_rate": 1 - non_null / n if n else 1.0,
                     "numeric": len(numeric), "median": float(np.median(numeric)) if len(numeric) else None,
                     "maximum": float(numeric.max()) if len(numeric) else None})
    return pd.DataFrame(rows, columns=PROFILE_COLUMNS)


# --- the store ---------------------------------------------------------------------------------------------------
# --- data drift --------------------------------------------------------------------------------------------------
def detect_drift(profiles: pd.DataFrame, thresholds: DriftThresholds = DriftThresholds()) -> pd.DataFrame:
    """Data-quality warnings between consecutive observation dates (see the module's docstring)."""
    rows = []
    dates = sorted(profiles["observed_on"].unique())
    by_date = {d: profiles[profiles["observed_on"] == d].set_index("column") for d in dates}
    for before_on, after_on in zip(dates, dates[1:]):
        before, after = by_date[before_on], by_date[after_on]

        def warn(kind, column, old, new, severity, message):
            rows.append({"observed_on": after_on, "previous_on": before_on, "kind": kind, "column": column,
                         "before": old, "after": new, "severity": severity, "message": message})

        n_before, n_after = int(before["records"].iloc[0]), int(after["records"].iloc[0])
        before, after = before.drop(index=RECORDS_ROW, errors="ignore"), after.drop(index=RECORDS_ROW, errors="ignore")
        if (n_before and abs(n_after - n_before) / n_before >= thresholds.row_change) or (n_before == 0) != (
                n_after == 0):
            change = f" ({(n_after - n_before) / n_before:+.0%})" if n_before else ""
            warn("row_count", None, n_before, n_after, "warning",
                 f"{n_after} records, {n_before} the previous observation{change}")
        for column in sorted(set(after.index) - set(before.index)):
            warn("column_added", column, None, None, "info", f"field {column!r} appears")
        for column in sorted(set(before.index) - set(after.index)):
            warn("column_removed", column, None, None, "warning",
                 f"field {column!r} disappears: estimates that need it are skipped, not changed")
        for column in sorted(set(before.index) & set(after.index)):
            b, a = before.loc[column], after.loc[column]
            if a["null_rate"] >= 1 > b["null_rate"]:
                warn("column_all_null", column, round(b["null_rate"], 4), 1.0, "warning",
                     f"field {column!r} is null in every record (was {b['null_rate']:.0%} null): estimates that "
                     "need it are skipped, not changed")
            elif abs(a["null_rate"] - b["null_rate"]) >= thresholds.null_rate_change:
                warn("null_rate", column, round(b["null_rate"], 4), round(a["null_rate"], 4), "warning",
                     f"null rate of {column!r} {b['null_rate']:.0%} -> {a['null_rate']:.0%}")
            unit = _unit_change(b, a, thresholds)
            if unit:
                warn("unit_change", column, b["median"], a["median"], "warning", f"{column!r}: {unit}")
    return pd.DataFrame(rows, columns=DRIFT_COLUMNS)


def _unit_change(before: pd.Series, after: pd.Series, thresholds: DriftThresholds) -> str | None:
    if not before["numeric"] or not after["numeric"] or pd.isna(before["median"]) or pd.isna(after["median"]):
        return None
    if before["maximum"] <= 1.0 < after["median"]:
        return (f"values were fractions (at most {before['maximum']:.3g}) and now have median "
                f"{after['median']:.3g}: fraction -> percent?")
    if before["median"] > 1.0 and after["maximum"] <= 1.0 and before["median"] / max(after["median"], 1e-12) >= 50:
        return f"median {before['median']:.3g} -> {after['median']:.3g}: percent -> fraction?"
    if before["median"] > 0 and after["median"] > 0:
        ratio = after["median"] / before["median"]
        if ratio >= thresholds.unit_ratio or ratio <= 1 / thresholds.unit_ratio:
            return f"median {before['median']:.3g} -> {after['median']:.3g} (x{ratio:.3g}): a unit change?"
    return None


# --- same-model drift --------------------------------------------------------------------------------------------
SAME_MODEL_COLUMNS = ["model_id", "name", "open_weights", "price_type", "first_on", "last_on", "days",
                      "observations", "first_price", "last_price", "changed", "factor_per_year",
                      "endpoint_factor_per_year"]
SUMMARY_COLUMNS = ["subset", "price_type", "window_start", "window_end", "days", "n_models", "n_changed",
                   "n_cheaper", "n_dearer", "median_factor", "p10_factor", "p25_factor", "p75_factor", "p90_factor",
                   "mean_log_factor", "status", "note"]


def latest_attributes(models: pd.DataFrame) -> pd.DataFrame:
    """Each model's name and open flag as of the last date it was observed."""
    frame = models.sort_values(["model_id", "observed_on"], kind="mergesort")
    return frame.drop_duplicates("model_id", keep="last").set_index("model_id")[["name", "open_weights"]]


def same_model_drift(prices: pd.DataFrame, models: pd.DataFrame) -> pd.DataFrame:
    """Per model and price type: the annualised change of its own price over the whole price window."""
    attributes = latest_attributes(models)
    rows = []
    for price_type, column in PRICE_COLUMNS.items():
        # one price per model and day: the lowest across providers (unusable prices are counted there, not used)
        usable = prices[prices[column].notna()]
        if usable.empty:
            continue
        lowest = lowest_price_per_model_date(usable[["model_id", "provider", "observed_on", column]],
                                             price_column=column).table.to_pandas()
        frame = lowest.rename(columns={f"lowest_{column}": "price"})[["model_id", "observed_on", "price"]]
        frame["observed_on"] = pd.to_datetime(frame["observed_on"])
        if frame.empty:
            continue
        start, end = frame["observed_on"].min(), frame["observed_on"].max()
        days = (end - start).days
        if days <= 0:
            continue
        frame = frame.sort_values(["model_id", "observed_on"], kind="mergesort")
        for model_id, group in frame.groupby("model_id", sort=True):
            if group["observed_on"].iloc[0] != start or group["observed_on"].iloc[-1] != end:
                continue  # not priced over the whole window
            x = (group["observed_on"] - start).dt.days.to_numpy(dtype=float)
            y = np.log(group["price"].to_numpy(dtype=float))
            slope = float(np.polyfit(x, y, 1)[0]) if np.ptp(y) > 0 else 0.0
            first, last = float(group["price"].iloc[0]), float(group["price"].iloc[-1])
            rows.append({"model_id": model_id, "name": attributes["name"].get(model_id),
                         "open_weights": attributes["open_weights"].get(model_id), "price_type": price_type,
                         "first_on": start.date(), "last_on": end.date(), "days": days,
                         "observations": len(group), "first_price": first, "last_price": last,
                         "changed": bool(np.ptp(y) > 0), "factor_per_year": float(np.exp(-slope * DAYS_PER_YEAR)),
                         "endpoint_factor_per_year": (first / last) ** (DAYS_PER_YEAR / days)})
    frame = pd.DataFrame(rows, columns=SAME_MODEL_COLUMNS)
    return frame.sort_values(["price_type", "model_id"], kind="mergesort").reset_index(drop=True)


def summarise_same_model(per_model: pd.DataFrame, min_models: int = 4) -> pd.DataFrame:
    """Median and spread of the same-model factors, per subset (open, all) and price type."""
    rows = []
    for price_type in PRICE_COLUMNS:
        typed = per_model[per_model["price_type"] == price_type]
        for subset in ("open", "all"):
            sample = typed[typed["open_weights"] == True] if subset == "open" else typed  # noqa: E712
            row = {"subset": subset, "price_type": price_type, "n_models": len(sample),
                   "window_start": typed["first_on"].min() if len(typed) else None,
                   "window_end": typed["last_on"].max() if len(typed) else None,
                   "days": int(typed["days"].max()) if len(typed) else None}
            if len(sample) < min_models:
                row.update(status="insufficient" if len(typed) else "skipped",
                           note=f"{len(sample)} model(s) priced over the whole window, fewer than {min_models}"
                           if len(typed) else f"no {price_type} prices in the history")
            else:
                factors = sample["factor_per_year"].to_numpy(dtype=float)
                q = np.quantile(factors, [0.1, 0.25, 0.5, 0.75, 0.9])
                row.update(n_changed=int(sample["changed"].sum()),
                           n_cheaper=int((sample["last_price"] < sample["first_price"]).sum()),
                           n_dearer=int((sample["last_price"] > sample["first_price"]).sum()),
                           median_factor=q[2], p10_factor=q[0], p25_factor=q[1], p75_factor=q[3],
                           p90_factor=q[4], mean_log_factor=float(np.exp(np.log(factors).mean())), status="ok",
                           note=None)
            rows.append(row)
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
