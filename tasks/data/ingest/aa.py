"""Artificial Analysis, two shapes of the same data.

- ``aa_api``: a saved response of the AA API v2 ``/data/llms/models`` endpoint (what a user with a key gets):
  ``{"status": ..., "data": [{id, name, slug, release_date, model_creator{name, slug}, evaluations{...},
  pricing{price_1m_blended_3_to_1, price_1m_input_tokens, price_1m_output_tokens}}, ...]}``. No open flag, no
  parameter counts.
- ``aa_site``: a scrape of the artificialanalysis.ai models page: a list of ``{slug, name, creator, params,
  active, open, openness, license, reasoning, release, mmlu_pro, gpqa, hle, aime25, ii, coding, price, price_in,
  price_out, ...}``. Each file is one observation date (in its name).

Both: model id = the AA slug; scores as fractions (a percent value is converted, with a warning); index points
as is; prices as the AA headline (list) price, ``provider = aa_headline``, observed on the file's date. Renamed or
missing fields are clear errors when a required field is absent from every record, quarantined records when only
some lack it, and a warning when an optional field is absent from every record (data drift). Files are read through
the reading gate and parsed strictly (``tasks.data.ingest.reading``: NaN, duplicate keys, deep nesting and more
than ``INFERENCE_TRENDS_MAX_INPUT_ROWS`` records are errors); the observation date (the file name's, or the API
wrapper's ``retrieved_at``) may not be after today (``tasks.data.ingest.common.observation_date``).
"""

from __future__ import annotations

from pathlib import Path

from tasks.data.canonical import CanonicalTables
from tasks.data.ingest import reading
from tasks.data.ingest.common import (Collector, SourceError, date_in_name, fraction, iso_day, number,
                                      observation_date, regular_files)
from tasks.data.parsing import slugify

API_SCORES = {  # evaluations key -> benchmark id (fractions unless listed in API_POINTS)
    "mmlu_pro": "mmlu_pro", "gpqa": "gpqa_diamond", "hle": "hle", "livecodebench": "livecodebench",
    "scicode": "scicode", "math_500": "math_500", "aime": "aime_2024", "aime_25": "aime_2025",
    "artificial_analysis_intelligence_index": "aa_intelligence_index",
    "artificial_analysis_coding_index": "aa_coding_index",
}
SITE_SCORES = {"mmlu_pro": "mmlu_pro", "gpqa": "gpqa_diamond", "hle": "hle", "aime25": "aime_2025",
               "ii": "aa_intelligence_index", "coding": "aa_coding_index"}
POINTS = {"aa_intelligence_index", "aa_coding_index"}
SITE_REQUIRED = ("slug", "name")
SITE_EXPECTED = ("creator", "release", "open", "params", "active", "reasoning", "license", "mmlu_pro", "price",
                 "price_in", "price_out")


def load_json(path: Path):
    """A JSON input, read through the reading gate and parsed strictly (``tasks.data.ingest.reading``)."""
    return reading.load_json(path)


def _require_everywhere(records: list, required: tuple[str, ...], expected: tuple[str, ...], path: Path,
                        collector: Collector) -> None:
    """A required field missing from every record is a changed format (error); an expected one, drift."""
    dicts = [r for r in records if isinstance(r, dict)]
    if not dicts:
        raise SourceError(f"{path}: no records (expected a list of objects)")
    for name in required:
        if all(name not in r for r in dicts):
            present = ", ".join(sorted(dicts[0])[:12])
            raise SourceError(f"{path}, record 1: required field {name!r} is missing from every record (renamed?); "
                              f"fields present: {present}")
    for name in expected:
        if all(name not in r for r in dicts):
            collector.issue(None, None, name, None, f"field {name!r} is absent from every record", "warning")


def _observed_on(path: Path, collector: Collector):
    date = date_in_name(path)
    if date is None:
        raise SourceError(f"{path}: the file name carries no YYYY-MM-DD observation date (name files like "
                          "aa_models_2026-07-02.json)")
    return observation_date(date, f"{path}: the date in the file name")


# --- the AA site scrape -------------------------------------------------------------------------------------------
def site_table(column: str | None) -> str | None:
    """The canonical table a site field feeds (a rejected value of it is counted there)."""
    if column in ("price", "price_in", "price_out"):
        return "prices"
    if column == "cost":
        return "runs"
    return "benchmarks" if column in SITE_SCORES else ("models" if column else None)


def api_table(column: str | None) -> str | None:
    """The canonical table an API field feeds."""
    column = column or ""
    if column.startswith("pricing"):
        return "prices"
    return "benchmarks" if column.startswith("evaluations") else ("models" if column else None)


def parse_site(records: list, path: Path) -> CanonicalTables:
    path = Path(path)
    collector = Collector(source=f"aa_site/{path.name}", file=path.name, table_of=site_table)
    if not isinstance(records, list):
        raise SourceError(f"{path}: expected a JSON list of models, found a {type(records).__name__}")
    reading.check_records(path, len(records))
    _require_everywhere(records, SITE_REQUIRED, SITE_EXPECTED, path, collector)
    observed_on = _observed_on(path, collector)
    for i, r in enumerate(records, 1):
        if not isinstance(r, dict):
            collector.issue(i, None, None, r, "record is not an object", "rejected_record")
            continue
        slug, name = r.get("slug"), r.get("name")
        if not slug or not isinstance(slug, str) or not name:
            collector.issue(i, name, "slug" if not slug else "name", slug or name,
                            "missing model slug or name", "rejected_record")
            continue
        model_id = slugify(slug)
        openness = r.get("open")
        if openness is not None and not isinstance(openness, bool):
            collector.issue(i, name, "open", openness, "open flag is not true/false")
            openness = None
        reasoning = r.get("reasoning") if isinstance(r.get("reasoning"), bool) else None
        added = collector.model(
            model_id, i, name=str(name), creator=r.get("creator") or None,
            release_date=iso_day(r.get("release"), i, name, "release", collector), open_weights=openness,
            license=r.get("license") or r.get("openness") or None, reasoning=reasoning,
            total_params_b=number(r.get("params"), i, name, "params", collector),
            active_params_b=number(r.get("active"), i, name, "active", collector))
        if not added:
            continue
        scores = {}
        for key, benchmark in SITE_SCORES.items():
            reader = number if benchmark in POINTS else fraction
            scores[benchmark] = reader(r.get(key), i, name, key, collector)
            collector.score(model_id, benchmark, scores[benchmark])
        # AA's cost to run its Intelligence Index (USD, at its headline prices of the scrape's day): a benchmark
        # run whose cost the source reports (the benchmark_cost method); newer scrapes only
        cost = number(r.get("cost"), i, name, "cost", collector)
        if cost is not None and not cost > 0:
            collector.issue(i, name, "cost", r.get("cost"), "cost of running the index not above zero: cannot be "
                            "logged")
        elif cost is not None:
            collector.reported_run(model_id, "aa_intelligence_index", i, cost, "aa_headline",
                                   scores["aa_intelligence_index"])
        collector.price(model_id, "aa_headline", observed_on,
                        input_usd=number(r.get("price_in"), i, name, "price_in", collector),
                        output_usd=number(r.get("price_out"), i, name, "price_out", collector),
                        blended_usd=number(r.get("price"), i, name, "price", collector))
    return collector.tables()


def _looks_like_site(data) -> bool:
    return isinstance(data, list) and bool(data) and isinstance(data[0], dict) and "slug" in data[0] and (
        "openness" in data[0] or "price_in" in data[0])


def sniff_site(path: Path) -> bool:
    path = Path(path)
    if path.is_dir():
        return bool(site_files(path))
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    return _looks_like_site(reading.sniff_json(path))


def dated_files(folder: Path, prefix: str) -> list[Path]:
    """A folder's ``<prefix>_YYYY-MM-DD.json`` files (regular files only), oldest first."""
    return [p for p in regular_files(folder, "*.json") if date_in_name(p) and p.name.startswith(prefix)]


def newest(path: Path, prefix: str) -> Path:
    """The file an AA adapter reads: the file itself, or a folder's newest ``<prefix>_YYYY-MM-DD.json``."""
    path = Path(path)
    if path.is_dir():
        files = dated_files(path, prefix)
        if not files:
            raise SourceError(f"{path}: no {prefix}_YYYY-MM-DD.json file")
        path = files[-1]
    return path


def newest_members(path: Path, prefix: str) -> list[Path]:
    """``newest`` as a list, empty for a folder without a dated file (what an adapter's ``members`` returns)."""
    path = Path(path)
    return dated_files(path, prefix)[-1:] if path.is_dir() else [path]


def site_files(folder: Path) -> list[Path]:
    return dated_files(folder, "aa_models")


def site_members(path: Path) -> list[Path]:
    """The file this adapter reads: the file itself, or a folder's newest dated scrape."""
    return newest_members(path, "aa_models")


def ingest_site(path: Path) -> CanonicalTables:
    """One scrape file (a folder: its newest dated file; the whole series is the price history's business)."""
    path = newest(path, "aa_models")
    return parse_site(load_json(path), path)


# --- the AA API ---------------------------------------------------------------------------------------------------
def parse_api(payload, path: Path) -> CanonicalTables:
    path = Path(path)
    collector = Collector(source=f"aa_api/{path.name}", file=path.name, table_of=api_table)
    records, retrieved, key = api_records(payload, path)
    if not isinstance(records, list):
        raise SourceError(f"{path}, field {key!r}: expected a list, found a {type(records).__name__}")
    reading.check_records(path, len(records))
    _require_everywhere(records, ("slug", "name"), ("release_date", "evaluations", "pricing"), path, collector)
    retrieved_on = iso_day(retrieved, None, None, "retrieved_at", collector) if retrieved else None
    observed_on = (observation_date(retrieved_on, f"{path}, field retrieved_at ({retrieved!r})") if retrieved_on
                   else _observed_on(path, collector))
    for i, r in enumerate(records, 1):
        if not isinstance(r, dict):
            collector.issue(i, None, None, r, "record is not an object", "rejected_record")
            continue
        slug, name = r.get("slug"), r.get("name")
        if not slug or not isinstance(slug, str) or not name:
            collector.issue(i, name, "slug", slug, "missing model slug or name", "rejected_record")
            continue
        model_id = slugify(slug)
        creator = r.get("model_creator") if isinstance(r.get("model_creator"), dict) else {}
        if not collector.model(model_id, i, name=str(name), creator=creator.get("name"),
                               release_date=iso_day(r.get("release_date"), i, name, "release_date", collector)):
            continue
        evaluations = r.get("evaluations") or {}
        if not isinstance(evaluations, dict):
            collector.issue(i, name, "evaluations", evaluations, "evaluations is not an object")
            evaluations = {}
        for key, benchmark in API_SCORES.items():
            reader = number if benchmark in POINTS else fraction
            collector.score(model_id, benchmark, reader(evaluations.get(key), i, name, f"evaluations.{key}",
                                                        collector))
        pricing = r.get("pricing") or {}
        if not isinstance(pricing, dict):
            collector.issue(i, name, "pricing", pricing, "pricing is not an object")
            pricing = {}
        collector.price(
            model_id, "aa_headline", observed_on,
            input_usd=number(pricing.get("price_1m_input_tokens"), i, name, "pricing.price_1m_input_tokens",
                             collector),
            output_usd=number(pricing.get("price_1m_output_tokens"), i, name, "pricing.price_1m_output_tokens",
                              collector),
            blended_usd=number(pricing.get("price_1m_blended_3_to_1"), i, name,
                               "pricing.price_1m_blended_3_to_1", collector))
    return collector.tables()


def api_records(payload, path: Path) -> tuple[object, str | None, str]:
    """The model list of a saved response, its retrieval time if recorded, and the field it came from.

    Accepted: the raw response ``{"data": [...]}`` (what ``tasks/platform/aa_client.py`` saves, its retrieval time in the file
    name and a ``.meta`` sidecar); a wrapper ``{"fetched_at": ..., "models": [...]}`` (as saved by some tools); a
    wrapper ``{"retrieved_at": ..., "response": {"data": [...]}}``.
    """
    if isinstance(payload, dict):
        if isinstance(payload.get("response"), dict) and "data" in payload["response"]:
            return payload["response"]["data"], payload.get("retrieved_at"), "response.data"
        if "models" in payload:
            return payload["models"], payload.get("fetched_at") or payload.get("retrieved_at"), "models"
        if "data" in payload:
            return payload["data"], payload.get("retrieved_at"), "data"
    raise SourceError(f"{path}: not an AA API v2 response (expected an object with a 'data' list)")


def sniff_api(path: Path) -> bool:
    path = Path(path)
    if path.is_dir():
        return bool(api_files(path))
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    data = reading.sniff_json(path)
    try:
        records = api_records(data, path)[0]
    except SourceError:
        return False
    return isinstance(records, list) and bool(records) and isinstance(records[0], dict) and "pricing" in records[0]


def api_files(folder: Path) -> list[Path]:
    return dated_files(folder, "llms_models")


def api_members(path: Path) -> list[Path]:
    """The file this adapter reads: the file itself, or a folder's newest dated response."""
    return newest_members(path, "llms_models")


def ingest_api(path: Path) -> CanonicalTables:
    path = newest(path, "llms_models")
    return parse_api(load_json(path), path)
