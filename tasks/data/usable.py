"""Does a cleaned input leave anything to estimate? One check, shared by the inbox (which rejects such a file) and
the estimate run (which fails on it), so that both give the same reason.

A record is unusable when it is quarantined on a key field: the adapter rejected it whole (no model name, or not a
record at all: ``rejected_record``), or the cleaning stage quarantined its model (no usable release date: missing,
unparseable, before ``RELEASE_DATE_FLOOR`` or after the snapshot's prices; ``tasks.data.clean``). Such a model and
its scores and prices enter no estimate. An input is rejected when none of its records is usable, or when more than
``MAX_UNUSABLE_SHARE`` of them are not: a file whose every release date is ``2025-13-45``, or a day/month file read
as month/day (most dates fail; the rest would be wrong).

The limit: the real files of ``../shared/data`` lose at most 29% of their records this way (FutureTech's
``merged.csv`` of 2026-04: 83 models released after its price date, 6 without a name); the bundled snapshots at most
3 of 204. Half is far from both. ``INFERENCE_TRENDS_MAX_UNUSABLE_SHARE`` (a number from 0 to 1) sets another limit;
1 rejects only inputs with no usable record at all.
"""

from __future__ import annotations

import os

import pandas as pd

MAX_UNUSABLE_SHARE = 0.5
MAX_UNUSABLE_SHARE_ENV = "INFERENCE_TRENDS_MAX_UNUSABLE_SHARE"
KEY_FIELDS = "model name, release date"


class Unusable(ValueError):
    """An input that leaves nothing to estimate (the message says why, and names the input)."""


def max_unusable_share() -> float:
    """The largest share of unusable records an input may have (``INFERENCE_TRENDS_MAX_UNUSABLE_SHARE``, default
    0.5)."""
    value = os.environ.get(MAX_UNUSABLE_SHARE_ENV, "").strip()
    if not value:
        return MAX_UNUSABLE_SHARE
    try:
        share = float(value)
    except ValueError:
        share = -1.0
    if not 0 <= share <= 1:
        raise ValueError(f"{MAX_UNUSABLE_SHARE_ENV}={value!r} is not a number from 0 to 1")
    return share


def _count(summary: pd.DataFrame, table: str, column: str) -> int:
    rows = summary[summary["table"] == table]
    return int(rows[column].sum()) if len(rows) else 0


def unusable_reason(label: str, quarantine: pd.DataFrame, summary: pd.DataFrame) -> str | None:
    """Why the input named ``label`` leaves nothing to estimate, from its quarantine and quarantine summary
    (``tasks.data.clean.CleanResult``); None when it is usable. The reason names the counts, the limit (and how to
    raise it), the most frequent rules, and one example with its record, column and value as read."""
    records = _count(summary, "raw records", "rows_in")
    if records == 0:
        return f"{label}: no record in it: nothing to estimate"
    key = quarantine[quarantine["unit"].isin(["record", "model"])]
    unusable = _count(summary, "raw records", "rows_quarantined") + _count(summary, "models", "rows_quarantined")
    limit = max_unusable_share()
    if unusable < records and unusable / records <= limit:
        return None
    if unusable == records:
        head = f"{label}: none of its {records:,} records is usable"
    else:
        head = (f"{label}: {unusable:,} of its {records:,} records ({unusable / records:.0%}) are unusable, more "
                f"than the limit of {limit:.0%} ({MAX_UNUSABLE_SHARE_ENV} sets another)")
    rules = key["rule"].value_counts()
    listed = "; ".join(f"{rule} ({count:,})" for rule, count in rules.head(3).items())
    if len(rules) > 3:
        listed += f"; {len(rules) - 3} other rule(s)"
    text = f"{head}: each is quarantined on a key field ({KEY_FIELDS}): {listed}"
    example = _example(quarantine, key)
    if example:
        text += f". E.g. {example}"
    return text + ". Nothing would be estimated from it"


def _example(quarantine: pd.DataFrame, key: pd.DataFrame) -> str | None:
    """The first problem as the adapter read it: a value it could not parse in a quarantined model's record (the
    cause of 'missing or unparseable release date'), else the first rejected record."""
    names = set(key.loc[key["unit"] == "model", "name"].dropna())
    values = quarantine[(quarantine["stage"] == "ingest") & (quarantine["unit"] == "value")
                        & (quarantine["table"] == "models") & quarantine["name"].isin(names)]
    for rows in (values, key[key["unit"] == "record"]):
        if len(rows):
            row = rows.iloc[0]
            where = f"record {int(row['record'])}" if pd.notna(row["record"]) else "a record"
            if pd.notna(row["name"]) and row["name"]:
                where += f" ({row['name']})"
            if pd.notna(row["field"]) and row["field"]:
                where += f", column {row['field']}"
            return f"{where}: {row['rule']}"
    return None
