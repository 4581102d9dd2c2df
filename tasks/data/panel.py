"""The dated price panel (step 17): price observations from every dated source, their change points, the
cross-check against OpenRouter's own ledger, reconciliation across sources, and as-of answers. The computations;
the store (Parquet, incremental) and its queries live in ``tasks/platform/panel_store.py``.

**Observations** (``schemas.canonical.PriceObservations``): one row per source, source model, provider and day, in
USD per million tokens, with the prices the source gave (``gives``), the file or commit it came from (``origin``)
and that version's content id. The adapters:

- ``openrouter``: every dated version of OpenRouter's public model list (``/api/v1/models``; the openrouterlist
  repository committed it about daily: the commit's UTC date is the observation date, the day's last commit its
  version). Prices are USD per token as strings (``pricing.prompt``, ``completion``, ``input_cache_read``,
  ``input_cache_write``), converted exactly (decimal) to USD per 1M. OpenRouter's price is its default routing's
  (usually its cheapest provider), so ``provider`` is empty. ``hugging_face_id`` (set for open-weights models) gives
  ``open_weights``. Quarantined, never priced: ``:free`` variants and zero prices (rate-limited, not a price a buyer
  can scale on), negative prices (``-1``: routers such as ``openrouter/auto``, dynamic pricing), entries without a
  price or with a malformed one, and a repeated id within a version.
- ``aa_site``, ``aa_api``: the canonical price rows of the Artificial Analysis adapters (one headline price per
  model and day), ``provider`` as they give it.
- ``list_price``: the authors' monthly list prices (FutureTech 2026, ``M/1/YYYY input/output price``), dated on the
  first of the month.
- ``genai_prices``: pydantic genai-prices' entries; an entry with a ``constraint.start_date`` is dated on that
  day (the price from then on); the undated base entry is dated on the file's own date (what the list said then).
  Tiered prices: the base (first) tier.

**Change points** (``change_points``): per source, model and provider, the first observation and every day on
which the input or output price differs from the previous observation by more than a rounding (1e-9 relative).
A model absent from some versions and listed again at the same price is not a change point (OpenRouter's ledger
records prices, not listings).

**Precedence** (``PRECEDENCE``): where several sources price one analysis model on one day, the price used is the
first source's in this order: ``aa_api``, ``aa_site`` (the project's price definition: AA's headline blended price,
the one every estimate uses), ``list_price`` (the authors' list prices, AA-derived), ``openrouter`` (a routed price,
often a third party's), ``genai_prices`` (sparse). Within one source, the lowest provider. Wherever two sources
price the same model on the same day and their blended prices differ by more than 1% (``CONFLICT_TOLERANCE``),
the ``conflicts`` table names both and the relative difference.

**As of a date**: a source whose versions are complete lists (``SNAPSHOT_SOURCES``) prices a model on day D if the
model is in that source's last version on or before D (a withdrawn model has no price any more); a source of dated
entries (the authors' list prices: a row where a model's monthly price is given or changes; genai-prices) prices
it with its latest entry on or before D. ``since``: the date of that price's change
point; ``origin``: where it was read.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from schemas.canonical import PRICE_FIELDS, PriceObservations, PriceQuarantine

OBSERVATION_COLUMNS = list(PriceObservations.to_schema().columns)
QUARANTINE_COLUMNS = list(PriceQuarantine.to_schema().columns)
PRICE_COLUMNS = {f: f"{f}_usd_per_mtok" for f in PRICE_FIELDS}
PRECEDENCE = ["aa_api", "aa_site", "list_price", "openrouter", "genai_prices"]
SNAPSHOT_SOURCES = {"openrouter", "aa_site", "aa_api"}  # each version lists every priced model
CONFLICT_TOLERANCE = 0.01
CHANGE_TOLERANCE = 1e-9
OPENROUTER_FIELDS = {"input": "prompt", "output": "completion", "cache_read": "input_cache_read",
                     "cache_write": "input_cache_write"}
CONFLICT_COLUMNS = ["model_id", "observed_on", "source", "price", "other_source", "other_price", "relative_difference",
                    "used_source"]
LEDGER_ROUNDING = 1e-6  # data/history/prices.json rounds USD per 1M to 6 decimals
LEDGER_DIFF_COLUMNS = ["source_model", "kind", "date", "ours", "ledger", "note"]


def blended(input_price, output_price):
    """The 3:1 blend (three input tokens per output token), per 1M tokens."""
    return (3 * np.asarray(input_price, dtype=float) + np.asarray(output_price, dtype=float)) / 4


def empty_observations() -> pd.DataFrame:
    return PriceObservations.validate(pd.DataFrame({c: [] for c in OBSERVATION_COLUMNS}))


def empty_quarantine() -> pd.DataFrame:
    return PriceQuarantine.validate(pd.DataFrame({c: [] for c in QUARANTINE_COLUMNS}))


def _per_million(text) -> float | None:
    """USD per token (a string or a number) -> USD per 1M tokens, exactly; None when not a finite number."""
    if text is None or isinstance(text, bool):
        return None
    try:
        value = Decimal(str(text).strip()) * 1_000_000
    except (InvalidOperation, ValueError):
        raise ValueError(str(text)) from None
    if not value.is_finite():
        raise ValueError(str(text))
    return float(value)


def _gives(row: dict) -> str:
    return ",".join(f for f in PRICE_FIELDS if row.get(PRICE_COLUMNS[f]) is not None
                    and not (isinstance(row.get(PRICE_COLUMNS[f]), float) and math.isnan(row[PRICE_COLUMNS[f]])))


def parse_openrouter(payload, observed_on: dt.date, origin: str, version: str) -> tuple[list[dict], list[dict]]:
    """One version of OpenRouter's model list -> (observation rows, quarantine rows), as plain dicts (the store
    validates a batch at once)."""
    records = payload.get("data") if isinstance(payload, dict) else payload
    if not isinstance(records, list):
        raise ValueError(f"{origin}: not an OpenRouter model list (no 'data' list)")
    rows, quarantine, seen = [], [], set()

    def reject(model, reason, value):
        quarantine.append({"source": "openrouter", "source_model": model, "observed_on": observed_on,
                           "reason": reason, "value": None if value is None else str(value)[:80], "origin": origin})

    for record in records:
        if not isinstance(record, dict) or not isinstance(record.get("id"), str) or not record["id"]:
            reject(None, "malformed_price", "entry without an id")
            continue
        model = record["id"]
        if model in seen:
            reject(model, "duplicate_id", None)
            continue
        seen.add(model)
        pricing = record.get("pricing")
        if not isinstance(pricing, dict) or pricing.get("prompt") is None and pricing.get("completion") is None:
            reject(model, "no_price", pricing)
            continue
        try:
            values = {f: _per_million(pricing.get(key)) for f, key in OPENROUTER_FIELDS.items()}
        except ValueError as error:
            reject(model, "malformed_price", error)
            continue
        headline = [values["input"], values["output"]]
        if any(v is not None and v < 0 for v in values.values()):
            reject(model, "router_dynamic_price", f"prompt={pricing.get('prompt')} completion={pricing.get('completion')}")
            continue
        if model.endswith(":free") or all(v == 0 for v in headline if v is not None):
            reject(model, "free_variant", f"prompt={pricing.get('prompt')} completion={pricing.get('completion')}")
            continue
        hf = record.get("hugging_face_id") or None
        row = {"source": "openrouter", "source_model": model, "name": record.get("name") or None, "provider": None,
               "observed_on": observed_on, **{PRICE_COLUMNS[f]: values[f] for f in PRICE_FIELDS},
               "open_weights": True if hf else None, "hugging_face_id": hf, "origin": origin, "version": version}
        row["gives"] = _gives(row)
        rows.append(row)
    return rows, quarantine


def from_canonical_prices(prices: pd.DataFrame, models: pd.DataFrame, source: str, origin: str,
                          version: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The canonical price rows of an existing adapter (AA site, AA API, the authors' list prices) as
    (observations, quarantine): a zero price (input and output 0, or a zero blend alone) is not a price a buyer can
    scale on, and is quarantined like OpenRouter's free variants."""
    if prices.empty:
        return empty_observations(), empty_quarantine()
    given = prices[["input_usd_per_mtok", "output_usd_per_mtok"]]
    zero = (given.fillna(0) == 0).all(axis=1) & given.notna().any(axis=1)
    quarantine = pd.DataFrame({"source": source, "source_model": prices.loc[zero, "model_id"].astype(str),
                               "observed_on": pd.to_datetime(prices.loc[zero, "observed_on"]),
                               "reason": "free_variant", "value": "0", "origin": origin}, columns=QUARANTINE_COLUMNS)
    prices = prices[~zero]
    names = dict(zip(models["model_id"], models["name"])) if not models.empty else {}
    open_flags = dict(zip(models["model_id"], models["open_weights"])) if not models.empty else {}
    frame = pd.DataFrame({
        "source": source, "source_model": prices["model_id"].astype(str),
        "name": prices["model_id"].map(names), "provider": prices["provider"],
        "observed_on": pd.to_datetime(prices["observed_on"]),
        "input_usd_per_mtok": prices["input_usd_per_mtok"], "output_usd_per_mtok": prices["output_usd_per_mtok"],
        "cache_read_usd_per_mtok": np.nan, "cache_write_usd_per_mtok": np.nan})
    frame = frame[frame[["input_usd_per_mtok", "output_usd_per_mtok"]].notna().any(axis=1)].copy()
    frame["gives"] = [",".join(f for f, v in (("input", i), ("output", o)) if pd.notna(v))
                      for i, o in zip(frame["input_usd_per_mtok"], frame["output_usd_per_mtok"])]
    frame["open_weights"] = frame["source_model"].map(open_flags).astype("boolean")
    frame["hugging_face_id"] = None
    frame["origin"] = origin
    frame["version"] = version
    return frame[OBSERVATION_COLUMNS], validate_quarantine(quarantine)


def _genai_price(value) -> float | None:
    if isinstance(value, dict):  # tiered: the base tier
        value = value.get("base")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def parse_genai_prices(payload, file_date: dt.date, origin: str, version: str) -> tuple[list[dict], list[dict]]:
    """pydantic genai-prices ``data.json``: each model's price entries, dated (see the module's docstring)."""
    rows, quarantine = [], []
    if not isinstance(payload, list):
        raise ValueError(f"{origin}: not a genai-prices data file (a list of providers)")
    for provider in payload:
        if not isinstance(provider, dict):
            continue
        for model in provider.get("models") or []:
            entries = model.get("prices")
            entries = entries if isinstance(entries, list) else [{"prices": entries}]
            for entry in entries:
                if not isinstance(entry, dict) or not isinstance(entry.get("prices"), dict):
                    continue
                start = (entry.get("constraint") or {}).get("start_date")
                day = dt.date.fromisoformat(start) if isinstance(start, str) else file_date
                if day > file_date:
                    continue  # announced for later: not a price observed on the file's date
                p = entry["prices"]
                values = {f: _genai_price(p.get(f"{f}_mtok")) for f in PRICE_FIELDS}
                if values["input"] is None and values["output"] is None:
                    quarantine.append({"source": "genai_prices", "source_model": model.get("id"), "observed_on": day,
                                       "reason": "no_price", "value": str(p)[:80], "origin": origin})
                    continue
                if values["input"] == 0 and values["output"] == 0:
                    quarantine.append({"source": "genai_prices", "source_model": model.get("id"), "observed_on": day,
                                       "reason": "free_variant", "value": "0", "origin": origin})
                    continue
                row = {"source": "genai_prices", "source_model": str(model.get("id")), "name": model.get("name"),
                       "provider": str(provider.get("id")), "observed_on": day,
                       **{PRICE_COLUMNS[f]: values[f] for f in PRICE_FIELDS}, "open_weights": None,
                       "hugging_face_id": None, "origin": origin, "version": version}
                row["gives"] = _gives(row)
                rows.append(row)
    # two entries of one model dated the same day (a base entry and a constraint from that day): the constraint's
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame = frame.drop_duplicates(["source_model", "provider", "observed_on"], keep="last")
        rows = frame.to_dict("records")
    return rows, quarantine


def validate_observations(rows, where: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=OBSERVATION_COLUMNS) if not isinstance(rows, pd.DataFrame) else rows
    if frame.empty:
        return empty_observations()
    frame = frame.copy()
    frame["open_weights"] = frame["open_weights"].astype("boolean")
    try:
        return PriceObservations.validate(frame)
    except Exception as error:  # pandera's message names the failing rows
        raise ValueError(f"{where}: price observations fail the schema: {error}") from None


def validate_quarantine(rows) -> pd.DataFrame:
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows, columns=QUARANTINE_COLUMNS)
    return PriceQuarantine.validate(frame) if not frame.empty else empty_quarantine()


# --- change points and the ledger check --------------------------------------------------------------------------
def change_points(observations: pd.DataFrame) -> pd.DataFrame:
    """The first observation of each (source, model, provider) and every day its input or output price changed."""
    if observations.empty:
        return observations.assign(previous_input=[], previous_output=[])
    frame = observations.sort_values(["source", "source_model", "provider", "observed_on"], kind="mergesort",
                                     na_position="first")
    key = frame["source"] + "\x00" + frame["source_model"] + "\x00" + frame["provider"].fillna("")
    new_key = key.ne(key.shift())
    changed = new_key.copy()
    for column in ("input_usd_per_mtok", "output_usd_per_mtok"):
        now, before = frame[column], frame[column].shift()
        differs = ~np.isclose(now.fillna(-1), before.fillna(-1), rtol=CHANGE_TOLERANCE, atol=0)
        changed |= differs
    out = frame[changed].copy()
    out["previous_input"] = frame["input_usd_per_mtok"].shift()[changed].where(~new_key[changed])
    out["previous_output"] = frame["output_usd_per_mtok"].shift()[changed].where(~new_key[changed])
    return out.reset_index(drop=True)


def compare_with_ledger(points: pd.DataFrame, ledger: dict, quarantined: set[str] | None = None,
                        rtol: float = 1e-6) -> pd.DataFrame:
    """Our OpenRouter change points against the repository's ``data/history/prices.json`` ledger: one row per
    difference (a model only one side has, a change point on a date only one side has, the same date with other
    prices). ``quarantined``: ids we quarantined (free variants, routers): a ledger model among them is labelled so."""
    quarantined = quarantined or set()
    ours = points[points["source"] == "openrouter"]
    ours_by_model = {m: g for m, g in ours.groupby("source_model", sort=True)}
    models = ledger.get("models", {})
    rows = []
    for model in sorted(set(models) | set(ours_by_model)):
        if model not in ours_by_model:
            rows.append(dict(source_model=model, kind="ledger_only_model", date=None, ours=None, ledger=None,
                             note="quarantined by us (free variant or router)" if model in quarantined else
                             "never priced in a version we read"))
            continue
        if model not in models:
            rows.append(dict(source_model=model, kind="ours_only_model", date=None, ours=None, ledger=None, note=None))
            continue
        mine = {d.date().isoformat(): (i, o) for d, i, o in ours_by_model[model][
            ["observed_on", "input_usd_per_mtok", "output_usd_per_mtok"]].itertuples(index=False)}
        points = models[model].get("points", [])
        theirs = {str(p[0]): (p[1], p[2]) for p in points}  # several points on one date: the last
        repeated = {d for d in theirs if sum(1 for p in points if str(p[0]) == d) > 1}
        for day in sorted(set(mine) | set(theirs)):
            a, b = mine.get(day), theirs.get(day)
            if a is None:
                days = sorted(theirs)
                before = theirs[days[days.index(day) - 1]] if days.index(day) else None
                note = ("several changes that day in the ledger (we read the day's last version)" if day in
                        repeated else "a zero price: quarantined by us (free)" if b[0] == 0 and b[1] == 0 else
                        "back from a zero price: unchanged for us" if before is not None and before[0] == 0
                        and before[1] == 0 else None)
                rows.append(dict(source_model=model, kind="ledger_only_point", date=day, ours=None,
                                 ledger=f"{b[0]}/{b[1]}", note=note))
            elif b is None:
                rows.append(dict(source_model=model, kind="ours_only_point", date=day, ours=f"{a[0]:g}/{a[1]:g}",
                                 ledger=None, note=None))
            elif not all(_close(x, y, rtol) for x, y in zip(a, b)):
                rows.append(dict(source_model=model, kind="different_price", date=day, ours=f"{a[0]:g}/{a[1]:g}",
                                 ledger=f"{b[0]}/{b[1]}", note=None))
    return pd.DataFrame(rows, columns=LEDGER_DIFF_COLUMNS)


def _close(a, b, rtol) -> bool:
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        return (a is None or (isinstance(a, float) and math.isnan(a))) and b is None
    # the ledger rounds to 6 decimals (USD per 1M): equal within that rounding
    return math.isclose(float(a), float(b), rel_tol=rtol, abs_tol=LEDGER_ROUNDING)


# --- reconciliation ----------------------------------------------------------------------------------------------
def _rank(source: str) -> int:
    return PRECEDENCE.index(source) if source in PRECEDENCE else len(PRECEDENCE)


def daily_by_source(resolved: pd.DataFrame) -> pd.DataFrame:
    """One price per analysis model, source and day: the lowest blended across the source's providers and ids."""
    frame = resolved.dropna(subset=["model_id", "input_usd_per_mtok", "output_usd_per_mtok"]).copy()
    frame["blended_usd_per_mtok"] = blended(frame["input_usd_per_mtok"], frame["output_usd_per_mtok"])
    frame = frame.sort_values(["model_id", "observed_on", "source", "blended_usd_per_mtok"], kind="mergesort")
    return frame.drop_duplicates(["model_id", "observed_on", "source"]).reset_index(drop=True)


def conflicts(daily: pd.DataFrame, tolerance: float = CONFLICT_TOLERANCE) -> pd.DataFrame:
    """Same analysis model and day, two sources whose blended prices differ by more than ``tolerance`` (relative to
    the lower): one row per pair, with the source precedence picks."""
    if daily.empty:
        return pd.DataFrame(columns=CONFLICT_COLUMNS)
    left = daily[["model_id", "observed_on", "source", "blended_usd_per_mtok"]]
    pairs = left.merge(left, on=["model_id", "observed_on"], suffixes=("", "_other"))
    pairs = pairs[pairs["source"].map(_rank) < pairs["source_other"].map(_rank)]
    low = np.minimum(pairs["blended_usd_per_mtok"], pairs["blended_usd_per_mtok_other"])
    gap = (pairs["blended_usd_per_mtok"] - pairs["blended_usd_per_mtok_other"]).abs()
    diff = np.where(low > 0, gap / np.where(low > 0, low, 1), np.inf)  # zero prices are quarantined upstream
    pairs = pairs.assign(relative_difference=diff)[diff > tolerance]
    out = pd.DataFrame({"model_id": pairs["model_id"], "observed_on": pairs["observed_on"],
                        "source": pairs["source"], "price": pairs["blended_usd_per_mtok"],
                        "other_source": pairs["source_other"], "other_price": pairs["blended_usd_per_mtok_other"],
                        "relative_difference": pairs["relative_difference"], "used_source": pairs["source"]})
    return out.sort_values(["model_id", "observed_on", "source", "other_source"], kind="mergesort").reset_index(
        drop=True)


def pick_by_precedence(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per model: the first source of ``PRECEDENCE`` that prices it (the lowest provider within it)."""
    if frame.empty:
        return frame
    ranked = frame.assign(_rank=frame["source"].map(_rank))
    ranked = ranked.sort_values(["model_id", "_rank", "blended_usd_per_mtok"], kind="mergesort")
    return ranked.drop_duplicates("model_id").drop(columns="_rank").reset_index(drop=True)


def since_dates(history: pd.DataFrame) -> pd.Series:
    """For the observations of one source model and provider, sorted by day: the day its current price began."""
    prices = history[["input_usd_per_mtok", "output_usd_per_mtok"]].fillna(-1).to_numpy()
    days = history["observed_on"].to_numpy()
    start = np.empty(len(days), dtype=days.dtype)
    for i in range(len(days)):
        start[i] = days[i] if i == 0 or not np.allclose(prices[i], prices[i - 1], rtol=CHANGE_TOLERANCE, atol=0) \
            else start[i - 1]
    return pd.Series(start, index=history.index)
