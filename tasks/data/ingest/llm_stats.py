"""Adapter ``llm_stats``: the LLM-Stats leaderboard data (a tar.gz of JSON files), read without extracting to disk.

- ``data/organizations/<org>/models/<model>/model.json``: release date, licence id, parameter count (in units;
  stored in billions); open weights = a licence other than ``proprietary``;
- ``.../benchmarks.json``: scores (``normalized_score``, a fraction), mostly self-reported by the model makers:
  they keep their source (``llm_stats/...``) and are not mixed with Artificial Analysis' own evaluations unless a
  preset asks for it;
- ``data/providers/<provider>/models.json``: per-provider prices in cents per million tokens (stored in USD),
  observed on each entry's ``updated_at`` date (an entry dated after today is rejected:
  ``tasks.data.ingest.common.future_observation``).

The archive is read within its limits (``tasks.data.ingest.common.read_archive``), each member's JSON strictly
(``tasks.data.ingest.reading.loads_strict``: a member with NaN, a duplicate key or deep nesting is a rejected record
with the reason), and more model files and price entries together than ``INFERENCE_TRENDS_MAX_INPUT_ROWS`` is an
error.
"""

from __future__ import annotations

from pathlib import Path

from tasks.data.canonical import CanonicalTables
from tasks.data.ingest.common import (Collector, SourceError, archive_holds, archive_members, fraction,
                                      future_observation, iso_day, number, read_archive)
from tasks.data.ingest.reading import check_records, loads_strict
from tasks.data.parsing import slugify

FORMAT = "llm_stats"
ORIGIN = "github JonathanChavezTamales/llm-leaderboard @ 24a9ccf"
BENCHMARKS = {"mmlu-pro": "mmlu_pro", "gpqa": "gpqa_diamond", "mmlu": "mmlu", "humaneval": "humaneval",
              "math-500": "math_500", "aime-2024": "aime_2024", "aime-2025": "aime_2025",
              "livecodebench": "livecodebench", "humanity's-last-exam": "hle"}


def table_of(column: str | None) -> str | None:
    """The canonical table a member's field feeds (a rejected value of it is counted there)."""
    column = column or ""
    if "providers/" in column:  # <root>providers/<provider>/models.json:<field>
        return "prices"
    if "benchmarks.json" in column:
        return "benchmarks"
    return "models" if column else None


def _json(files: dict[str, bytes], member: str, archive: str, collector: Collector, record: int):
    """A member's JSON, parsed strictly (``tasks.data.ingest.reading.loads_strict``); a member that breaks a rule
    is a rejected record naming the member, where in it and the rule."""
    try:
        return loads_strict(files[member], member)
    except SourceError as err:
        rule = str(err).removeprefix(member).removeprefix(": ").removeprefix(", ")
        collector.issue(record, None, member, None, rule if rule.startswith("not valid JSON") else
                        f"not valid JSON: {rule}", "rejected_record")
        return None


def parse(files: dict[str, bytes], archive: str) -> CanonicalTables:
    collector = Collector(source=f"llm_stats/{archive}", file=archive, table_of=table_of)
    root = next((m.split("organizations/")[0] for m in files if "/organizations/" in f"/{m}"), None)
    if root is None:
        raise SourceError(f"{archive}: no organizations/<org>/models/<model>/model.json: not an LLM-Stats archive")
    licences = {}
    for member in files:
        if member.startswith(f"{root}licenses/") and member.endswith(".json"):
            data = _json(files, member, archive, collector, None)
            if isinstance(data, dict) and data.get("license_id"):
                licences[data["license_id"]] = data
    model_files = sorted(m for m in files if m.startswith(f"{root}organizations/") and m.endswith("/model.json"))
    check_records(archive, len(model_files), "model files (records)")
    records = len(model_files)
    for record, member in enumerate(model_files, 1):
        data = _json(files, member, archive, collector, record)
        if not isinstance(data, dict):
            continue
        source_id, name = data.get("model_id"), data.get("name")
        if not source_id or not name:
            collector.issue(record, name, member, source_id, "missing model_id or name", "rejected_record")
            continue
        model_id = slugify(source_id)
        licence = data.get("license_id")
        params = number(data.get("param_count"), record, name, f"{member}:param_count", collector)
        if not collector.model(model_id, record, name=str(name), creator=data.get("organization_id"),
                               release_date=iso_day(data.get("release_date"), record, name,
                                                    f"{member}:release_date", collector),
                               open_weights=None if licence is None else licence != "proprietary",
                               license=(licences.get(licence) or {}).get("name") or licence,
                               total_params_b=None if params is None else params / 1e9):
            continue
        scores_member = member[: -len("model.json")] + "benchmarks.json"
        scores = _json(files, scores_member, archive, collector, record) if scores_member in files else []
        for entry in scores if isinstance(scores, list) else []:
            benchmark = BENCHMARKS.get(entry.get("benchmark_id"))
            if benchmark:
                collector.score(model_id, benchmark, fraction(entry.get("normalized_score"), record, name,
                                                              f"{scores_member}:{entry.get('benchmark_id')}",
                                                              collector))
    price_files = sorted(m for m in files if m.startswith(f"{root}providers/") and m.endswith("/models.json"))
    for member in price_files:
        provider = member.split("/")[-2]
        entries = _json(files, member, archive, collector, None)
        records += len(entries) if isinstance(entries, list) else 0
        check_records(archive, records, "records (model files and price entries)")
        for record, entry in enumerate(entries if isinstance(entries, list) else [], 1):
            if not isinstance(entry, dict):
                collector.issue(record, None, member, entry, "price entry is not an object", "rejected_record")
                continue
            source_id = entry.get("model_id")
            if not source_id:
                collector.issue(record, None, member, None, "price entry without model_id", "rejected_record")
                continue
            observed = iso_day(entry.get("updated_at"), record, source_id, f"{member}:updated_at", collector)
            if observed is None:
                continue
            future = future_observation(observed)  # the entry's price observation date
            if future:
                collector.issue(record, source_id, f"{member}:updated_at", entry.get("updated_at"), future,
                                "rejected_record")
                continue
            model_id = slugify(source_id)
            if model_id not in collector.models:
                collector.model(model_id, record, name=entry.get("model_name") or source_id,
                                creator=entry.get("organization_id"))
            cents_in = number(entry.get("input_cents_per_million_tokens"), record, source_id,
                              f"{member}:input_cents_per_million_tokens", collector)
            cents_out = number(entry.get("output_cents_per_million_tokens"), record, source_id,
                               f"{member}:output_cents_per_million_tokens", collector)
            collector.price(model_id, provider, observed,
                            input_usd=None if cents_in is None else cents_in / 100,
                            output_usd=None if cents_out is None else cents_out / 100)
    return collector.tables()


def sniff_any(path: Path) -> bool:
    return archive_holds(path, lambda name: "organizations/" in name and name.endswith("model.json"), 400)


def members(path: Path) -> list[Path]:
    """The archive this adapter reads: the file itself, or a folder's one .tar.gz."""
    return archive_members(path)


def ingest(path: Path) -> CanonicalTables:
    path = archive_members(path)[0]
    return parse(read_archive(path), path.name)


