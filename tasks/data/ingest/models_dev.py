"""Adapter ``models_dev``: the models.dev catalogue (a tar.gz of TOML files), read without extracting to disk.

- ``providers/<provider>/models/<model>.toml``: the provider's price for the model (``cost.input`` and
  ``cost.output``, USD per million tokens) -> one price row per (model, provider); the provider id is kept as is,
  and whether it is a real hosting provider (not a gateway, reseller or subscription plan) is decided in one place,
  ``tasks.data.providers``, when the lowest price across providers is taken;
- ``models/<creator>/<model>.toml`` and the provider files: name, release date, open weights, reasoning. A provider
  entry that names a ``base_model`` inherits its fields and its identity: Bedrock's ``openai.gpt-5.4`` is the
  catalogue's ``openai/gpt-5.4``.

Model id: the model file's own id, slugified (``Qwen/Qwen3.5-35B-A3B`` -> ``qwen3.5-35b-a3b``); providers name one
model differently (``llama-3.3-70b-versatile``, ``meta-llama/Llama-3.3-70B-Instruct-Turbo``): entity resolution
(``tasks.data.resolve``) joins them to one model. The observation date is the archive's newest member time
(``tasks.data.ingest.common.archive_date``: not after today). The archive is read within its limits
(``tasks.data.ingest.common.read_archive``); more provider model files than ``INFERENCE_TRENDS_MAX_INPUT_ROWS`` is an
error.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

from tasks.data.canonical import CanonicalTables
from tasks.data.ingest.common import (Collector, SourceError, archive_date, archive_holds, archive_members, iso_day,
                                      number, read_archive)
from tasks.data.ingest.reading import check_records
from tasks.data.parsing import slugify

FORMAT = "models_dev"
ORIGIN = "github anomalyco/models.dev @ f3fc692 (2026-07-02)"


def _merge(base: dict, own: dict, omit: list[str]) -> dict:
    """A provider entry inherits its base model's fields (``base_model``), minus ``base_model_omit``."""
    merged = {k: v for k, v in base.items() if k not in omit}
    for key, value in own.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def table_of(column: str | None) -> str | None:
    """The canonical table a member's field feeds (a rejected value of it is counted there)."""
    return "prices" if ":cost" in (column or "") else ("models" if column else None)


def parse(files: dict[str, bytes], archive_name: str, observed_on: dt.date,
          dangling: list[str] | None = None) -> CanonicalTables:
    collector = Collector(source=f"models_dev/{archive_name}", file=archive_name, table_of=table_of)
    for member in dangling or []:
        collector.issue(None, None, member, None, "link target is not in the archive", "warning")
    creators: dict[str, dict] = {}  # "creator/model" -> the catalogue's own description
    providers = []  # (provider, model file id, member)
    for member in sorted(files):
        parts = member.split("/")
        if not member.endswith(".toml") or len(parts) < 3:
            continue
        if parts[0] == "providers" and len(parts) >= 4 and parts[2] == "models":
            providers.append((parts[1], "/".join(parts[3:])[:-5], member))
        elif parts[0] == "models":
            try:
                creators["/".join(parts[1:])[:-5]] = tomllib.loads(files[member].decode("utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
                collector.issue(None, None, member, None, f"not valid TOML: {err}", "rejected_record")
    if not providers:
        raise SourceError(f"{archive_name}: no providers/<provider>/models/*.toml files: not a models.dev archive")
    check_records(archive_name, len(providers), "provider model files (records)")
    for record, (provider, file_id, member) in enumerate(providers, 1):
        try:
            data = tomllib.loads(files[member].decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            collector.issue(record, file_id, member, None, f"not valid TOML: {err}", "rejected_record")
            continue
        base_id, creator = data.get("base_model"), None
        if base_id:
            if base_id not in creators:
                collector.issue(record, file_id, f"{member}:base_model", base_id,
                                "base model not in the archive's models/ folder", "warning")
            else:
                data = _merge(creators[base_id], data, list(data.get("base_model_omit") or []))
                creator = base_id.split("/", 1)[0]
        # one model, however a provider names it: the base model's id when there is one
        model_id = slugify((base_id or file_id).rsplit("/", 1)[-1])
        name = data.get("name") or file_id.rsplit("/", 1)[-1]
        if not model_id:
            collector.issue(record, name, member, file_id, "no usable model id", "rejected_record")
            continue
        if model_id not in collector.models:
            openness = data.get("open_weights") if isinstance(data.get("open_weights"), bool) else None
            reasoning = data.get("reasoning") if isinstance(data.get("reasoning"), bool) else None
            collector.model(model_id, record, name=str(name), creator=creator,
                            release_date=iso_day(data.get("release_date"), record, name, f"{member}:release_date",
                                                 collector),
                            open_weights=openness, reasoning=reasoning)
        cost = data.get("cost")
        if cost is None:
            continue
        if not isinstance(cost, dict):
            collector.issue(record, name, f"{member}:cost", cost, "cost is not a table")
            continue
        collector.price(model_id, provider, observed_on,
                        input_usd=number(cost.get("input"), record, name, f"{member}:cost.input", collector),
                        output_usd=number(cost.get("output"), record, name, f"{member}:cost.output", collector))
    return collector.tables()


def sniff_any(path: Path) -> bool:
    return archive_holds(path, lambda name: name.startswith("providers/") and (
        "/models/" in name or name.endswith("/provider.toml")), 2000)


def members(path: Path) -> list[Path]:
    """The archive this adapter reads: the file itself, or a folder's one .tar.gz."""
    return archive_members(path)


def ingest(path: Path) -> CanonicalTables:
    path = archive_members(path)[0]
    dangling: list[str] = []
    files = read_archive(path, dangling)
    return parse(files, path.name, archive_date(path, files), dangling)


