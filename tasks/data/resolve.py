"""Entity resolution: one model, however each source names it, and one value per field, by documented precedence.

Sources name a model differently (``llama-3-3-instruct-70b``, ``meta-llama/Llama-3.3-70B-Instruct-Turbo``,
``llama-3.3-70b-versatile``), and reasoning-effort variants (``gpt-oss-120b``, ``gpt-oss-120b-low``) share weights
and price but not scores. Matching is code, in this order:

1. the committed crosswalk (``data/crosswalk.csv``: source, source id, model id, reason): manual decisions, which
   also say "these are different models" (an empty model id);
2. the same id;
3. the same *normalised key*: lower case, organisation prefix dropped, words and numbers split (``qwen2.5`` ->
   ``qwen 2 5``), packaging words dropped (instruct, chat, turbo, versatile, fp8, ...), tokens sorted;
4. the same key as a *family* of the spine's effort variants (the slug without -low/-high/-reasoning/...): a
   price or a parameter count then applies to every variant of the family (same weights), a score to none.

The first source is the *spine*: its models are the snapshot's models. A model of another source that matches
nothing is reported as unmatched, with the nearest spine keys when they are close (a *doubtful* join: listed,
never applied; accept it by adding a crosswalk row).

Fields: each field has an ordered list of sources (``FIELD_PRECEDENCE``); the first non-empty value wins, and
wherever another source holds a different value the disagreement is recorded (``conflicts``). Scores come only from
the sources in ``SCORE_SOURCES`` (evaluations from different harnesses are not comparable: LLM-Stats' mostly
self-reported scores are not mixed with Artificial Analysis' by default); prices from the sources in
``SOURCES_WITH_PRICES``, every provider's row kept (the lowest hosting price is taken when cleaning).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from schemas.canonical import IngestIssues, empty
from tasks.data.canonical import CanonicalTables

NOISE_WORDS = {"instruct", "chat", "it", "hf", "turbo", "versatile", "fp8", "fp16", "bf16", "int4", "int8", "awq",
               "gguf", "free", "latest", "model", "api", "tput", "serverless", "maas", "v1"}
EFFORT_SUFFIXES = ("non-reasoning", "reasoning", "thinking", "minimal", "xhigh", "high", "medium", "low")
ORG_PREFIXES = {"meta-llama", "meta", "mistralai", "qwen", "deepseek-ai", "google", "microsoft", "nvidia",
                "moonshotai", "zai-org", "thudm", "openai", "anthropic", "x-ai", "xai", "minimaxai", "minimax",
                "baidu", "tencent", "ibm-granite", "cohere", "amazon", "allenai", "01-ai"}

FIELD_PRECEDENCE: dict[str, list[str]] = {
    "creator": ["aa_site", "aa_api", "futuretech", "models_dev", "llm_stats", "epoch_models"],
    "release_date": ["aa_site", "aa_api", "futuretech", "llm_stats", "models_dev", "epoch_models"],
    "open_weights": ["aa_site", "futuretech", "models_dev", "llm_stats", "epoch_models"],
    "license": ["aa_site", "futuretech", "llm_stats", "epoch_models"],
    "reasoning": ["aa_site", "futuretech", "models_dev"],
    "total_params_b": ["aa_site", "futuretech", "llm_stats", "epoch_models"],
    "active_params_b": ["aa_site", "futuretech", "epoch_models"],
}
SCORE_SOURCES = ["aa_site", "aa_api", "futuretech", "user"]
# the sources whose prices a merged snapshot takes (source formats; not the price definitions of
# tasks.core.vocabulary.PRICE_SOURCES)
SOURCES_WITH_PRICES = ["aa_site", "aa_api", "futuretech", "models_dev", "user"]
CROSSWALK_COLUMNS = ["source", "source_id", "model_id", "reason"]
MATCH_COLUMNS = ["source", "source_id", "source_name", "model_id", "method", "note"]
CONFLICT_COLUMNS = ["model_id", "field", "winner_source", "winner_value", "other_source", "other_value"]


def split_words(text: str, strict: bool = True) -> list[str]:
    """Lower-case words and numbers: separators split, then letters from digits (``qwen2.5`` -> qwen 2 5);
    packaging words (fp8, instruct, ...) are dropped first unless ``strict``."""
    raw = str(text).lower()
    tokens = [t for t in re.split(r"[^a-z0-9]+", raw) if t and (strict or t not in NOISE_WORDS)]
    return [part for t in tokens for part in re.split(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", t) if part]


def match_key(text: str, strict: bool = False) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The normalised key two names of one model share: its words (sorted; packaging words dropped unless
    ``strict``) and its numbers (in order: 5.4 is not 4.5)."""
    raw = str(text).lower()
    if "/" in raw:
        head, tail = raw.split("/", 1)
        raw = tail if head in ORG_PREFIXES or "/" in tail else raw.replace("/", "-")
    tokens = split_words(raw, strict)
    words = tuple(sorted(t for t in tokens if not t.isdigit()))
    numbers = tuple(t.lstrip("0") or "0" for t in tokens if t.isdigit())
    return words, numbers


def family_slug(slug: str) -> str:
    """The slug without a reasoning-effort suffix: the weights a variant shares."""
    for suffix in EFFORT_SUFFIXES:
        if slug.endswith("-" + suffix):
            return slug[: -len(suffix) - 1]
    return slug


def source_format(source: str) -> str:
    """'models_dev/archive.tar.gz' -> 'models_dev'."""
    return str(source).split("/", 1)[0]


FIELD_SOURCE_COLUMNS = ["model_id", "field", "source", "value"]


@dataclass
class Resolution:
    tables: CanonicalTables
    matches: pd.DataFrame  # MATCH_COLUMNS: every source model and what it became
    conflicts: pd.DataFrame  # CONFLICT_COLUMNS: where sources disagree, and who won
    field_sources: pd.DataFrame  # FIELD_SOURCE_COLUMNS: model fields taken from a source other than the spine


def read_crosswalk(path: Path | None) -> pd.DataFrame:
    if path is None or not Path(path).exists():
        return pd.DataFrame(columns=CROSSWALK_COLUMNS)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in CROSSWALK_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(CROSSWALK_COLUMNS)}")
    for position, row in frame.iterrows():
        if not row["source"] or not row["source_id"] or not row["reason"]:
            raise ValueError(f"{path}, row {position + 1}: source, source_id and reason are required")
    return frame[CROSSWALK_COLUMNS]


def _index(models: pd.DataFrame) -> tuple[dict, dict]:
    """Spine lookups: key -> ids, family key -> ids."""
    by_key, by_family = {}, {}
    for row in models.itertuples(index=False):
        for key in {match_key(row.model_id), match_key(row.name)}:
            by_key.setdefault(key, set()).add(row.model_id)
        by_family.setdefault(match_key(family_slug(row.model_id)), set()).add(row.model_id)
    return by_key, by_family


def _nearest(key: tuple, families: dict, limit: int = 2) -> list[str]:
    """Spine families with the same numbers and close words (Jaccard >= 0.5): candidates for review."""
    words, numbers = set(key[0]), key[1]
    scored = []
    for family, ids in families.items():
        if family[1] != numbers:
            continue
        other = set(family[0])
        union = words | other
        jaccard = len(words & other) / len(union) if union else 1.0
        if jaccard >= 0.5:
            scored.append((jaccard, sorted(ids)[0]))
    return [name for _, name in sorted(scored, reverse=True)[:limit]]


def match_source(spine: pd.DataFrame, fmt: str, models: pd.DataFrame, crosswalk: pd.DataFrame
                 ) -> pd.DataFrame:
    """Map every model of one source to spine ids (one row per source model and spine id)."""
    by_key, by_family = _index(spine)
    spine_ids = set(spine["model_id"])
    names = dict(zip(spine["model_id"], spine["name"]))
    manual = {r.source_id: r for r in crosswalk.itertuples(index=False) if r.source == fmt}
    rows = []
    for row in models.itertuples(index=False):
        base = dict(source=fmt, source_id=row.model_id, source_name=row.name)
        if row.model_id in manual:
            target = manual[row.model_id].model_id
            if target and target not in spine_ids:
                rows.append(dict(base, model_id=None, method="unmatched",
                                 note=f"crosswalk names {target!r}, which is not in the spine"))
            elif target:  # the target and its effort variants (same weights)
                variants = sorted(m for m in spine_ids if family_slug(m) == family_slug(target)) or [target]
                rows += [dict(base, model_id=m, method="crosswalk", note=manual[row.model_id].reason)
                         for m in variants]
            else:
                rows.append(dict(base, model_id=None, method="crosswalk_none", note=manual[row.model_id].reason))
            continue
        key = match_key(row.model_id)
        strict = {match_key(row.model_id, strict=True), match_key(row.name, strict=True)}

        def narrow(ids: set[str]) -> set[str]:
            """Packaging words may tell variants apart ("-instruct" vs "-reasoning"): keep exact word matches."""
            exact = {m for m in ids if strict & {match_key(m, strict=True), match_key(names[m], strict=True)}}
            return exact or ids

        family = by_family.get(key, set()) | by_family.get(match_key(row.name), set())
        if len({family_slug(m) for m in family}) > 1:  # an unsuffixed name that could be several checkpoints
            chosen = {family_slug(c) for c in narrow(family)}
            if len(chosen) == 1:
                family = {m for m in family if family_slug(m) in chosen}
        if family and len({family_slug(m) for m in family}) == 1:
            rows += [dict(base, model_id=m, method="family" if len(family) > 1 else "key",
                          note=f"effort variant of {family_slug(m)!r}" if m != family_slug(m) else None)
                     for m in sorted(family)]
            continue
        if row.model_id in spine_ids:
            rows.append(dict(base, model_id=row.model_id, method="id", note=None))
            continue
        candidates = narrow(by_key.get(key, set()) | by_key.get(match_key(row.name), set()) | family)
        if len(candidates) == 1:
            rows.append(dict(base, model_id=next(iter(candidates)), method="key", note=None))
            continue
        if len(candidates) > 1:
            rows.append(dict(base, model_id=None, method="ambiguous",
                             note="matches " + ", ".join(sorted(candidates)) + ": add a crosswalk row"))
            continue
        near = _nearest(key, by_family)
        rows.append(dict(base, model_id=None, method="unmatched",
                         note=("doubtful, not joined: close to " + ", ".join(near)) if near else None))
    return pd.DataFrame(rows, columns=MATCH_COLUMNS)


# Fields whose disagreements are recorded. Creator and licence texts differ in vocabulary more than in fact
# ("OpenAI"/"openai", "Apache 2.0"/"apache_2_0"/"Open weights (unrestricted)"): filled by precedence, not compared.
CONFLICT_FIELDS = ("release_date", "open_weights", "reasoning", "total_params_b", "active_params_b")
DATE_TOLERANCE_DAYS = 31  # sources that give only the month (models.dev "2025-04") differ from exact dates by days


def _differs(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return not math.isclose(a, b, rel_tol=0.01)
    if isinstance(a, (pd.Timestamp, dt.date)) or isinstance(b, (pd.Timestamp, dt.date)):
        return abs((pd.Timestamp(a) - pd.Timestamp(b)).days) > DATE_TOLERANCE_DAYS
    return a != b


def resolve(sources: list[CanonicalTables], crosswalk: pd.DataFrame) -> Resolution:
    """Merge the sources' canonical tables onto the first one's models (the spine)."""
    spine = sources[0]
    spine_fmt = source_format(spine.models["source"].iloc[0]) if not spine.models.empty else "spine"
    matches = [pd.DataFrame({"source": spine_fmt, "source_id": spine.models["model_id"],
                             "source_name": spine.models["name"], "model_id": spine.models["model_id"],
                             "method": "spine", "note": None}, columns=MATCH_COLUMNS)]
    mapped = []  # (format, tables, mapping source id -> spine ids, own-key mapping for scores)
    for tables in sources[1:]:
        if tables.models.empty:
            continue
        fmt = source_format(tables.models["source"].iloc[0])
        result = match_source(spine.models, fmt, tables.models, crosswalk)
        matches.append(result)
        joined = result.dropna(subset=["model_id"])
        mapped.append((fmt, tables, joined))
    match_frame = pd.concat(matches, ignore_index=True)

    # fields: candidates per (model, field) in precedence order
    models = spine.models.copy().set_index("model_id")
    candidates: dict[tuple[str, str], list[tuple[str, object]]] = {}
    for fmt, tables, joined in [(spine_fmt, spine, None)] + mapped:
        frame = tables.models.set_index("model_id")
        pairs = ((m, m) for m in frame.index) if joined is None else zip(joined["source_id"], joined["model_id"])
        for source_id, model_id in pairs:
            for field in FIELD_PRECEDENCE:
                value = frame.at[source_id, field]
                if value is not None and not (isinstance(value, float) and math.isnan(value)) and value is not pd.NA \
                        and value is not pd.NaT:
                    candidates.setdefault((model_id, field), []).append((fmt, value))
    conflicts, filled = [], []
    for (model_id, field), values in candidates.items():
        order = FIELD_PRECEDENCE[field]
        ranked = sorted(values, key=lambda v: order.index(v[0]) if v[0] in order else len(order))
        allowed = [v for v in ranked if v[0] in order]
        if not allowed:
            continue
        winner = allowed[0]
        models.at[model_id, field] = winner[1]
        if winner[0] != spine_fmt:
            filled.append(dict(model_id=model_id, field=field, source=winner[0], value=str(winner[1])[:60]))
        for other in allowed[1:]:
            if field in CONFLICT_FIELDS and _differs(winner[1], other[1]):
                conflicts.append(dict(model_id=model_id, field=field, winner_source=winner[0],
                                      winner_value=str(winner[1])[:60], other_source=other[0],
                                      other_value=str(other[1])[:60]))
    merged_models = models.reset_index()[spine.models.columns]

    # scores: from the score sources only, the first source per benchmark wins; a score belongs to one variant
    score_frames, price_frames, issue_frames = [], [], [spine.ingest_issues]
    if spine_fmt in SCORE_SOURCES:
        score_frames.append(spine.benchmarks)
    if spine_fmt in SOURCES_WITH_PRICES:
        price_frames.append(spine.prices)
    for fmt, tables, joined in mapped:
        issue_frames.append(tables.ingest_issues)
        own = joined[joined["method"] != "family"]
        if fmt in SCORE_SOURCES and not tables.benchmarks.empty:
            scores = tables.benchmarks.merge(own[["source_id", "model_id"]], left_on="model_id",
                                             right_on="source_id", suffixes=("_source", ""))
            score_frames.append(scores[["model_id", "benchmark", "score", "source"]])
        if fmt in SOURCES_WITH_PRICES and not tables.prices.empty:
            prices = tables.prices.merge(joined[["source_id", "model_id"]], left_on="model_id",
                                         right_on="source_id", suffixes=("_source", ""))
            price_frames.append(prices[list(spine.prices.columns)])
    benchmarks = pd.concat(score_frames, ignore_index=True) if score_frames else spine.benchmarks.iloc[0:0]
    if not benchmarks.empty:
        benchmarks["_rank"] = benchmarks["source"].map(
            lambda s: SCORE_SOURCES.index(source_format(s)) if source_format(s) in SCORE_SOURCES else 99)
        benchmarks = (benchmarks.sort_values(["model_id", "benchmark", "_rank"], kind="mergesort")
                      .drop_duplicates(["model_id", "benchmark"]).drop(columns="_rank"))
    prices = pd.concat(price_frames, ignore_index=True) if price_frames else spine.prices.iloc[0:0]
    if not prices.empty:  # a provider quoting several source ids of one model (variants): its lowest price
        prices = prices.groupby(["model_id", "provider", "observed_on", "source"], as_index=False,
                                dropna=False).min()[list(spine.prices.columns)]
    issues = pd.concat([f for f in issue_frames if not f.empty], ignore_index=True) if any(
        not f.empty for f in issue_frames) else empty(IngestIssues)
    tables = CanonicalTables(models=merged_models, benchmarks=benchmarks.reset_index(drop=True),
                             prices=prices.reset_index(drop=True), ingest_issues=issues,
                             runs=spine.runs)  # benchmark runs: the spine's (keyed by its model ids)
    conflict_frame = pd.DataFrame(conflicts, columns=CONFLICT_COLUMNS).drop_duplicates().sort_values(
        ["model_id", "field", "other_source", "other_value"], kind="mergesort").reset_index(drop=True)
    field_sources = pd.DataFrame(filled, columns=FIELD_SOURCE_COLUMNS).sort_values(
        ["model_id", "field"], kind="mergesort").reset_index(drop=True)
    return Resolution(tables=tables, matches=match_frame, conflicts=conflict_frame, field_sources=field_sources)


def contributing_sources(matches: pd.DataFrame) -> list[str]:
    """Source formats that contributed to at least one model (for attribution)."""
    return sorted(set(matches.dropna(subset=["model_id"])["source"]))


def match_summary(matches: pd.DataFrame) -> pd.DataFrame:
    """Per source: models, how many matched (and how), unmatched, doubtful."""
    rows = []
    for source, group in matches.groupby("source", sort=False):
        per_model = group.drop_duplicates("source_id")
        joined = per_model["model_id"].notna()
        rows.append(dict(source=source, models=len(per_model), matched=int(joined.sum()),
                         match_rate=float(joined.mean()) if len(per_model) else 0.0,
                         by_method=", ".join(f"{k} {v}" for k, v in per_model["method"].value_counts().items()),
                         doubtful=int(per_model["note"].fillna("").str.startswith("doubtful").sum()
                                      + (per_model["method"] == "ambiguous").sum())))
    return pd.DataFrame(rows)
