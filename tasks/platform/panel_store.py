"""The price panel store (step 17): dated price observations of every source as Parquet, incremental, with the
resolution to the analysis models, the cross-source conflicts, and as-of queries (DuckDB over the Parquet parts).

Layout of a store folder (default ``data/history/panel``):

- ``versions.csv``: the ledger, one row per (source, observation day, version): the version's content id (the git
  blob id of an OpenRouter version, the sha256 of a file), where it came from, its row counts and the part that
  holds its rows. A version already in the ledger is never read again (an OpenRouter version is recognised by its
  blob id before its bytes are read); a rerun with nothing new writes nothing.
- ``parts/<part>.parquet``: the observations of one ingestion batch of one source; ``quarantine/<part>.parquet`` its
  quarantined entries (free variants, routers, missing prices, with the reason).
- ``matches.csv``: every source model and the analysis model it joins (``tasks.data.resolve.match_source`` against
  the spine snapshot's models, the committed crosswalk first), unmatched and doubtful ones listed with a note, never
  joined. ``conflicts.parquet``: same analysis model and day, sources more than 1% apart (``tasks.data.panel``).
- ``ledger_check.csv``: every difference between our OpenRouter change points and the repository's own ledger
  (``data/history/prices.json``), with the reason where one is known.

A new version for a (source, day) the store already holds (a corrected re-scrape, a later commit on the same day)
replaces that day's rows of that source: the parts that held them are rewritten without them. Parts are written
before the ledger, atomically, so an interrupted ingestion leaves at most an orphan part the ledger never names.

The query engine is DuckDB over the parts (measured against pandas in ``benchmarks/panel_query.py``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pandas as pd

from tasks.core.hashing import sha256_file
from tasks.data import panel
from tasks.data.resolve import MATCH_COLUMNS, match_source, read_crosswalk
from tasks.files.io import atomic_write_text, read_parquet, write_parquet
from tasks.files.tables import csv_text, read_csv_output

VERSIONS = "versions.csv"
VERSION_COLUMNS = ["source", "observed_on", "version", "origin", "observations", "quarantined", "part"]
MATCHES = "matches.csv"
CONFLICTS = "conflicts.parquet"
LEDGER_CHECK = "ledger_check.csv"  # our OpenRouter change points against the repository's ledger
OUTPUT_JSON = "data/output.json"
LEDGER_JSON = "data/history/prices.json"
READ_CHUNK = 50  # OpenRouter versions read from git at a time
PART_NAME = re.compile(r"^[a-z_]+-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}-[0-9a-f]{12}$")


@dataclass
class PanelReport:
    source: str = ""
    versions_seen: int = 0
    skipped: int = 0
    added: list[str] = field(default_factory=list)  # observation days
    replaced: list[str] = field(default_factory=list)
    observations_added: int = 0
    quarantined_added: int = 0
    seconds: dict = field(default_factory=dict)
    ledger_differences: pd.DataFrame | None = None

    def summary(self) -> str:
        return (f"{self.source}: {self.versions_seen} dated version(s), {len(self.added)} new, "
                f"{len(self.replaced)} replaced, {self.skipped} already in the store; "
                f"{self.observations_added} observations and {self.quarantined_added} quarantined entries added")


# --- reading the OpenRouter history with git ---------------------------------------------------------------------
def _git(git_dir: Path, *args: str, input: bytes | None = None) -> bytes:
    result = subprocess.run(["git", f"--git-dir={git_dir}", *args], input=input, capture_output=True, check=False)
    if result.returncode != 0:
        raise ValueError(f"git {' '.join(args[:2])} on {git_dir}: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


class GitHistory:
    """A git repository of OpenRouter model lists: a bundle (cloned bare into a temporary folder), a clone or a
    bare repository. Use as a context manager."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._tmp = None

    def __enter__(self) -> "GitHistory":
        if self.path.is_file():
            self._tmp = tempfile.TemporaryDirectory(prefix="openrouter-history-")
            target = Path(self._tmp.name) / "repo.git"
            result = subprocess.run(["git", "clone", "--bare", "-q", str(self.path), str(target)],
                                    capture_output=True, check=False)
            if result.returncode != 0:
                raise ValueError(f"{self.path}: not a readable git bundle: {result.stderr.decode().strip()}")
            self.git_dir = target
        else:
            self.git_dir = self.path / ".git" if (self.path / ".git").exists() else self.path
        head = _git(self.git_dir, "rev-parse", "HEAD").decode().strip()
        self.head = head
        return self

    def __exit__(self, *exc) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()

    def daily_versions(self) -> list[tuple[dt.date, str, str]]:
        """(UTC day, commit, blob) of the day's last commit that changed ``data/output.json``, oldest first."""
        log = _git(self.git_dir, "log", "--format=@%H %ct", "--raw", "--no-abbrev", "HEAD", "--", OUTPUT_JSON)
        versions, commit = {}, None
        for line in log.decode().splitlines():
            if line.startswith("@"):
                sha, stamp = line[1:].split()
                commit = (sha, int(stamp))
            elif line.startswith(":") and commit:
                parts = line.split()
                blob = parts[3]
                if set(blob) == {"0"}:  # the file deleted in this commit
                    continue
                day = dt.datetime.fromtimestamp(commit[1], dt.timezone.utc).date()
                if day not in versions or commit[1] > versions[day][2]:
                    versions[day] = (commit[0], blob, commit[1])
        return [(day, c, b) for day, (c, b, _) in sorted(versions.items())]

    def read_blobs(self, blobs: list[str]) -> dict[str, bytes]:
        """The contents of ``blobs``, read by one ``git cat-file --batch``."""
        if not blobs:
            return {}
        out = _git(self.git_dir, "cat-file", "--batch", input=("\n".join(blobs) + "\n").encode())
        contents, position = {}, 0
        for blob in blobs:
            end = out.index(b"\n", position)
            header = out[position:end].decode().split()
            if len(header) != 3 or header[1] != "blob":
                raise ValueError(f"git cat-file: {blob} is not a blob ({' '.join(header)})")
            size = int(header[2])
            contents[blob] = out[end + 1:end + 1 + size]
            position = end + 1 + size + 1
        return contents

    def ledger(self) -> dict:
        """The repository's own change-point ledger (``data/history/prices.json`` at HEAD)."""
        try:
            return json.loads(_git(self.git_dir, "show", f"HEAD:{LEDGER_JSON}"))
        except ValueError:
            return {}


# --- the store ---------------------------------------------------------------------------------------------------
def check_panel_store(store: Path) -> Path:
    store = Path(store)
    if store.exists() and (not store.is_dir() or (any(store.iterdir()) and not (store / VERSIONS).is_file())):
        raise ValueError(f"--store {store}: not a price panel store of this tool (no {VERSIONS}); give a new or "
                         "empty folder, or an existing panel store")
    return store


def is_panel_store(store: Path) -> bool:
    return (Path(store) / VERSIONS).is_file()


def read_versions(store: Path) -> pd.DataFrame:
    path = Path(store) / VERSIONS
    if not path.exists():
        return pd.DataFrame(columns=VERSION_COLUMNS)
    frame = read_csv_output(path, dtype=str, keep_default_na=False).reindex(columns=VERSION_COLUMNS)
    bad = [p for p in frame["part"] if not PART_NAME.match(str(p))]
    if bad:
        raise ValueError(f"{path}, column part: {bad[0]!r} is not a part name; the ledger was edited or damaged")
    # the queries put sources and days into SQL text: both must be what this tool writes
    for column, pattern in (("source", r"^[a-z_]+$"), ("observed_on", r"^\d{4}-\d{2}-\d{2}$")):
        bad = [v for v in frame[column] if not re.match(pattern, str(v))]
        if bad:
            raise ValueError(f"{path}, column {column}: {bad[0]!r} is not valid; the ledger was edited or damaged")
    return frame


def _write_batch(store: Path, source: str, observations: pd.DataFrame, quarantine: pd.DataFrame,
                 versions: list[dict]) -> tuple[str, pd.DataFrame]:
    """Write one batch's part and return (part name, ledger rows)."""
    days = sorted({v["observed_on"] for v in versions})
    digest = panel_digest([v["version"] for v in versions])
    part = f"{source}-{days[0]}-{days[-1]}-{digest}"
    lineage = {"producer": {"task": "ingest-panel", "module": __name__}, "source": source,
               "versions": len(versions)}
    write_parquet(observations.reset_index(drop=True), store / "parts" / f"{part}.parquet", lineage)
    write_parquet(quarantine.reset_index(drop=True), store / "quarantine" / f"{part}.parquet", lineage)
    counts = observations.groupby(observations["observed_on"].dt.date.astype(str)).size().to_dict() \
        if not observations.empty else {}
    held = quarantine.groupby(quarantine["observed_on"].dt.date.astype(str)).size().to_dict() \
        if not quarantine.empty else {}
    rows = pd.DataFrame([{**v, "observations": str(counts.get(v["observed_on"], 0)),
                          "quarantined": str(held.get(v["observed_on"], 0)), "part": part} for v in versions],
                        columns=VERSION_COLUMNS)
    return part, rows


def panel_digest(ids: list[str]) -> str:
    import hashlib

    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:12]


def _drop_days(store: Path, ledger: pd.DataFrame, source: str, days: set[str]) -> pd.DataFrame:
    """Remove a source's rows for ``days`` from the parts that hold them (replaced versions)."""
    hit = ledger[(ledger["source"] == source) & ledger["observed_on"].isin(days)]
    for part in sorted(set(hit["part"])):
        for folder in ("parts", "quarantine"):
            path = store / folder / f"{part}.parquet"
            if path.exists():
                frame = read_parquet(path)
                keep = ~frame["observed_on"].dt.date.astype(str).isin(days)
                write_parquet(frame[keep].reset_index(drop=True), path, {"producer": {"module": __name__},
                                                                         "rewritten": "replaced days removed"})
    return ledger[~((ledger["source"] == source) & ledger["observed_on"].isin(days))]


def _commit_ledger(store: Path, ledger: pd.DataFrame) -> None:
    ledger = ledger.sort_values(["source", "observed_on", "version"], kind="mergesort").reset_index(drop=True)
    atomic_write_text(store / VERSIONS, csv_text(ledger[VERSION_COLUMNS]))


def ingest_openrouter(path: Path, store: Path, limit: int | None = None, check_ledger: bool = True,
                      days: set[dt.date] | None = None) -> PanelReport:
    """Every dated version of ``data/output.json`` in the git history at ``path`` that the store does not hold yet.
    ``limit``: only the first N days; ``days``: only these days (tests and benchmarks)."""
    store = check_panel_store(Path(store))
    report = PanelReport(source="openrouter")
    t0 = time.perf_counter()
    with GitHistory(path) as repo:
        report.seconds["open"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        versions = repo.daily_versions()
        if days is not None:
            versions = [v for v in versions if v[0] in days]
        if limit is not None:
            versions = versions[:limit]
        report.versions_seen = len(versions)
        ledger = read_versions(store)
        mine = ledger[ledger["source"] == "openrouter"]
        held = set(zip(mine["observed_on"], mine["version"]))
        held_days = set(mine["observed_on"])
        todo = [(d, c, b) for d, c, b in versions if (d.isoformat(), b) not in held]
        report.skipped = len(versions) - len(todo)
        report.seconds["list"] = time.perf_counter() - t0
        rows, quarantine, parsed = [], [], {}
        report.seconds["read"] = report.seconds["parse"] = 0.0
        for start in range(0, len(todo), READ_CHUNK):  # read in chunks: a few blobs' bytes in memory at a time
            chunk = todo[start:start + READ_CHUNK]
            t1 = time.perf_counter()
            blobs = repo.read_blobs(sorted({b for _, _, b in chunk} - set(parsed)))
            t2 = time.perf_counter()
            report.seconds["read"] += t2 - t1
            for day, commit, blob in chunk:
                origin = f"openrouterlist@{commit[:12]}:{OUTPUT_JSON}"
                if blob not in parsed:  # the same bytes on two days: parsed once, observed on both
                    r, q = panel.parse_openrouter(orjson.loads(blobs.pop(blob)), day, origin, blob)
                    parsed[blob] = (len(rows), len(r), len(quarantine), len(q))
                    rows += r
                    quarantine += q
                    continue
                at, n, qat, qn = parsed[blob]
                rows += [dict(x, observed_on=day, origin=origin) for x in rows[at:at + n]]
                quarantine += [dict(x, observed_on=day, origin=origin) for x in quarantine[qat:qat + qn]]
            report.seconds["parse"] += time.perf_counter() - t2
        t2 = time.perf_counter()
        observations = panel.validate_observations(rows, str(path))
        quarantined = panel.validate_quarantine(quarantine)
        report.seconds["validate"] = time.perf_counter() - t2
        if todo:
            t3 = time.perf_counter()
            replaced = {d.isoformat() for d, _, _ in todo} & held_days
            ledger = _drop_days(store, ledger, "openrouter", replaced)
            _, rows_ledger = _write_batch(store, "openrouter", observations, quarantined, [
                {"source": "openrouter", "observed_on": d.isoformat(), "version": b,
                 "origin": f"openrouterlist@{c[:12]}:{OUTPUT_JSON}"} for d, c, b in todo])
            _commit_ledger(store, pd.concat([ledger, rows_ledger], ignore_index=True))
            report.added = sorted({d.isoformat() for d, _, _ in todo} - replaced)
            report.replaced = sorted(replaced)
            report.observations_added, report.quarantined_added = len(observations), len(quarantined)
            report.seconds["write"] = time.perf_counter() - t3
        if check_ledger and todo:  # the change points changed only if a version was added
            t4 = time.perf_counter()
            report.ledger_differences = openrouter_ledger_check(store, repo.ledger())
            atomic_write_text(store / LEDGER_CHECK, csv_text(report.ledger_differences))
            report.seconds["ledger_check"] = time.perf_counter() - t4
    return report


def openrouter_ledger_check(store: Path, ledger: dict) -> pd.DataFrame:
    """Our change points (over every version in the store) against the repository's ledger."""
    if not ledger:
        return pd.DataFrame(columns=panel.LEDGER_DIFF_COLUMNS)
    points = change_points_sql(store, "openrouter")
    quarantined = set(query(store, "SELECT DISTINCT source_model FROM quarantine WHERE source = 'openrouter' "
                                   "AND source_model IS NOT NULL")["source_model"])
    priced = set(query(store, "SELECT DISTINCT source_model FROM obs WHERE source = 'openrouter'")["source_model"])
    return panel.compare_with_ledger(points, ledger, quarantined - priced)


def change_points_sql(store: Path, source: str) -> pd.DataFrame:
    """``tasks.data.panel.change_points`` of one source, computed by DuckDB over the parts (the same rule: the first
    observation and every input or output change beyond 1e-9 relative; a test checks that both agree)."""
    tol = panel.CHANGE_TOLERANCE
    return query(store, f"""
        WITH o AS (SELECT *, coalesce(input_usd_per_mtok, -1) AS i, coalesce(output_usd_per_mtok, -1) AS u FROM obs
                   WHERE source = ?),
        l AS (SELECT *, lag(i) OVER w AS pi, lag(u) OVER w AS pu, row_number() OVER w AS k FROM o
              WINDOW w AS (PARTITION BY source_model, provider ORDER BY observed_on))
        SELECT * EXCLUDE (i, u, pi, pu, k),
               CASE WHEN k > 1 THEN nullif(pi, -1) END AS previous_input,
               CASE WHEN k > 1 THEN nullif(pu, -1) END AS previous_output
        FROM l WHERE k = 1 OR abs(i - pi) > {tol} * abs(pi) OR abs(u - pu) > {tol} * abs(pu)
        ORDER BY source_model, provider NULLS FIRST, observed_on""", [source])


def ingest_files(files: list[Path], store: Path, source: str, read) -> PanelReport:
    """Dated files of one source (AA scrapes or API responses, the authors' list prices, genai-prices):
    ``read(path, sha256) -> (observations, quarantine)``; a file whose sha256 the store holds is not read again."""
    store = check_panel_store(Path(store))
    report = PanelReport(source=source)
    ledger = read_versions(store)
    mine = ledger[ledger["source"] == source]
    # a file is known by its content and its name (the name carries the observation date: the same bytes under
    # another date are a day on which nothing changed, a new observation date)
    held = set(zip(mine["version"], mine["origin"]))
    frames, quarantines, versions = [], [], []
    for path in files:
        digest = sha256_file(path)
        report.versions_seen += 1
        if (digest, path.name) in held:
            report.skipped += 1
            continue
        observations, quarantine = read(path, digest)
        frames.append(observations)
        quarantines.append(quarantine)
        days = sorted(set(observations["observed_on"].dt.date.astype(str)) |
                      set(quarantine["observed_on"].dt.date.astype(str)))
        if not days:  # a version without a single price (a scrape missing its price fields) is still held
            from tasks.data.ingest.common import date_in_name

            named = date_in_name(path)
            if named is None:
                raise ValueError(f"{path}: no dated price in the file and no YYYY-MM-DD date in its name")
            days = [named.isoformat()]
        versions += [{"source": source, "observed_on": d, "version": digest, "origin": path.name} for d in days]
        held.add((digest, path.name))
    if versions:
        observations = pd.concat(frames, ignore_index=True)
        quarantine = pd.concat(quarantines, ignore_index=True)
        replaced = {v["observed_on"] for v in versions} & set(ledger.loc[ledger["source"] == source, "observed_on"])
        ledger = _drop_days(store, ledger, source, replaced)
        _, rows = _write_batch(store, source, observations, quarantine, versions)
        _commit_ledger(store, pd.concat([ledger, rows], ignore_index=True))
        report.added = sorted({v["observed_on"] for v in versions} - replaced)
        report.replaced = sorted(replaced)
        report.observations_added, report.quarantined_added = len(observations), len(quarantine)
    return report


def _canonical_reader(ingest, source: str):
    def read(path: Path, digest: str):
        tables = ingest(path)
        obs, quarantine = panel.from_canonical_prices(tables.prices, tables.models, source, path.name, digest)
        return panel.validate_observations(obs, str(path)), quarantine
    return read


def _genai_reader(path: Path, digest: str):
    from tasks.data.ingest.common import date_in_name

    day = date_in_name(path)
    if day is None:
        raise ValueError(f"{path}: the file name carries no YYYY-MM-DD date (the day the list was read)")
    rows, quarantine = panel.parse_genai_prices(json.loads(path.read_bytes()), day, path.name, digest)
    return panel.validate_observations(rows, str(path)), panel.validate_quarantine(quarantine)


def detect_panel_source(path: Path) -> str:
    """Which dated source ``path`` is: ``openrouter`` (a bundle or a git clone of the history), ``aa_site``,
    ``aa_api``, ``list_price`` (the FutureTech 2026 file), ``genai_prices``."""
    path = Path(path)
    if path.is_file():
        with path.open("rb") as handle:  # the header only: a bundle is tens of megabytes
            if handle.read(16).startswith(b"# v2 git bundle"):
                return "openrouter"
    if path.is_dir() and (path / ".git").exists() and (path / OUTPUT_JSON).exists():
        return "openrouter"
    from tasks.data.ingest import aa, futuretech_runs

    if path.is_dir():
        if aa.site_files(path):
            return "aa_site"
        if aa.api_files(path):
            return "aa_api"
        if any(p.name.startswith("genai_prices") for p in path.iterdir()):
            return "genai_prices"
        if futuretech_runs.sniff_any(path):
            return "list_price"
    else:
        if path.name.startswith("genai_prices"):
            return "genai_prices"
        if aa.sniff_site(path):
            return "aa_site"
        if aa.sniff_api(path):
            return "aa_api"
        if futuretech_runs.sniff_any(path):
            return "list_price"
    raise ValueError(f"{path}: not a dated price source the panel reads (an OpenRouter history bundle or clone, "
                     "AA site scrapes, AA API responses, the FutureTech 2026 file, a genai-prices file)")


def ingest_panel(path: Path, store: Path, spine: Path | None = None, crosswalk: Path | None = None,
                 limit: int | None = None, days: set[dt.date] | None = None) -> PanelReport:
    """Ingest any dated source into the panel store, then refresh its matches and conflicts."""
    path = Path(path)
    source = detect_panel_source(path)
    if source == "openrouter":
        report = ingest_openrouter(path, store, limit=limit, days=days)
    else:
        from tasks.data.ingest import aa, futuretech_runs

        if source == "aa_site":
            files, read = (aa.site_files(path) if path.is_dir() else [path]), _canonical_reader(aa.ingest_site, source)
        elif source == "aa_api":
            files, read = (aa.api_files(path) if path.is_dir() else [path]), _canonical_reader(aa.ingest_api, source)
        elif source == "genai_prices":
            files = sorted(p for p in path.iterdir() if p.name.startswith("genai_prices")) if path.is_dir() else [path]
            read = _genai_reader
        else:
            main, _ = futuretech_runs.resolve(path)
            files, read = [main], _canonical_reader(futuretech_runs.ingest, source)
        report = ingest_files(files, store, source, read)
    if report.added or report.replaced or not (Path(store) / MATCHES).exists():
        t = time.perf_counter()
        refresh_derived(Path(store), spine, crosswalk)
        report.seconds["resolve_and_conflicts"] = time.perf_counter() - t
    return report


# --- resolution and conflicts ------------------------------------------------------------------------------------
def default_spine() -> Path:
    from tasks.files.settings import snapshots_dir

    return snapshots_dir() / "aa-2026-07"


def default_crosswalk() -> Path:
    from tasks.files.settings import data_dir

    return data_dir() / "crosswalk.csv"


def _clean_name(name: str | None, model: str) -> str:
    """OpenRouter names carry the organisation ("Qwen: Qwen2.5 72B Instruct"): drop it."""
    if not isinstance(name, str) or not name:
        return model
    return name.split(": ", 1)[1] if ": " in name else name


def resolve_panel(models: pd.DataFrame, spine_models: pd.DataFrame, crosswalk: pd.DataFrame) -> pd.DataFrame:
    """Every (source, source model) to analysis model ids: the resolver of step 4, by source; OpenRouter ids
    with a Hugging Face id that match nothing get a second try with the Hugging Face repository name."""
    frames = []
    for source, group in models.groupby("source", sort=True):
        frame = pd.DataFrame({"model_id": group["source_model"].to_numpy(),
                              "name": [_clean_name(n, m) for n, m in zip(group["name"], group["source_model"])]})
        frame = frame.drop_duplicates("model_id")
        result = match_source(spine_models, source, frame, crosswalk)
        hf = dict(zip(group["source_model"], group["hugging_face_id"]))
        retry = result[result["model_id"].isna() & result["source_id"].map(lambda m: bool(hf.get(m)))
                       & (result["method"] != "crosswalk_none")]
        if not retry.empty:
            second = pd.DataFrame({"model_id": [str(hf[m]).split("/")[-1].lower() for m in retry["source_id"]],
                                   "name": [str(hf[m]).split("/")[-1] for m in retry["source_id"]]})
            second = second.drop_duplicates("model_id")
            again = match_source(spine_models, source, second, crosswalk)
            back = dict(zip([str(hf[m]).split("/")[-1].lower() for m in retry["source_id"]], retry["source_id"]))
            again = again[again["model_id"].notna()].copy()
            if not again.empty:
                again["source_id"] = again["source_id"].map(back)
                again["note"] = "via hugging_face_id " + again["source_id"].map(lambda m: str(hf[m]))
                again["method"] = "hf_" + again["method"]
                names = dict(zip(result["source_id"], result["source_name"]))
                again["source_name"] = again["source_id"].map(names)
                result = pd.concat([result[~result["source_id"].isin(set(again["source_id"]))], again],
                                   ignore_index=True)
        frames.append(result)
    return pd.concat(frames, ignore_index=True)[MATCH_COLUMNS] if frames else pd.DataFrame(columns=MATCH_COLUMNS)


def refresh_derived(store: Path, spine: Path | None = None, crosswalk: Path | None = None) -> None:
    from tasks.data.canonical import read_snapshot

    spine_tables = read_snapshot(Path(spine) if spine else default_spine())
    walk = read_crosswalk(Path(crosswalk) if crosswalk else default_crosswalk())
    models = query(store, "SELECT source, source_model, any_value(name) AS name, "
                          "any_value(hugging_face_id) AS hugging_face_id FROM obs GROUP BY source, source_model")
    matches = resolve_panel(models, spine_tables.models, walk)
    atomic_write_text(store / MATCHES, csv_text(matches.sort_values(["source", "source_id", "model_id"],
                                                                    kind="mergesort", na_position="first")))
    resolved = resolved_observations(store)
    daily = panel.daily_by_source(resolved)
    write_parquet(panel.conflicts(daily), store / CONFLICTS, {"producer": {"module": __name__}})


def read_matches(store: Path) -> pd.DataFrame:
    path = Path(store) / MATCHES
    if not path.exists():
        return pd.DataFrame(columns=MATCH_COLUMNS)
    return read_csv_output(path, dtype=str, keep_default_na=False).replace({"": None})


# --- queries (DuckDB over the parts) -----------------------------------------------------------------------------
def query(store: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    """``sql`` over the views ``obs`` (every observation) and ``quarantine``."""
    import duckdb

    store = Path(store)
    con = duckdb.connect()
    try:
        for view, folder, empty in (("obs", "parts", panel.empty_observations),
                                    ("quarantine", "quarantine", panel.empty_quarantine)):
            files = sorted((store / folder).glob("*.parquet"))
            if files:
                listing = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
                con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet([{listing}], union_by_name=true)")
            else:
                con.register(f"{view}_empty", empty())
                con.execute(f"CREATE VIEW {view} AS SELECT * FROM {view}_empty")
        return con.execute(sql, params or []).df()
    finally:
        con.close()


def resolved_observations(store: Path) -> pd.DataFrame:
    """Observations joined to analysis model ids (rows of unmatched source models keep ``model_id`` empty; a source
    model joined to several effort variants appears once per variant)."""
    obs = query(store, "SELECT * FROM obs")
    matches = read_matches(store)[["source", "source_id", "model_id"]].dropna(subset=["model_id"])
    out = obs.merge(matches, left_on=["source", "source_model"], right_on=["source", "source_id"], how="left")
    return out.drop(columns="source_id")


def last_days(store: Path, as_of: dt.date) -> dict[str, str]:
    """Per source: its last observation day on or before ``as_of`` with at least one price (from the ledger)."""
    ledger = read_versions(store)
    # a version without a single price (a scrape that lost its price fields) does not withdraw every model
    ledger = ledger[(ledger["observed_on"] <= as_of.isoformat()) & (ledger["observations"] != "0")]
    return ledger.groupby("source")["observed_on"].max().to_dict()


def _as_of_rows(store: Path, as_of: dt.date, where: str = "TRUE", params: list | None = None) -> pd.DataFrame:
    """Each (source, model, provider)'s price on ``as_of`` (see tasks.data.panel: as of a date)."""
    days = last_days(store, as_of)
    snapshot = [(s, d) for s, d in days.items() if s in panel.SNAPSHOT_SOURCES]
    clauses = [f"(source = '{s}' AND observed_on = DATE '{d}')" for s, d in snapshot]
    latest = ("SELECT * FROM obs WHERE source NOT IN ({}) AND observed_on <= DATE '{}' AND {} "
              "QUALIFY row_number() OVER (PARTITION BY source, source_model, provider ORDER BY observed_on DESC) = 1"
              ).format(", ".join(f"'{s}'" for s in panel.SNAPSHOT_SOURCES), as_of.isoformat(), where)
    sql = latest if not clauses else f"SELECT * FROM obs WHERE ({' OR '.join(clauses)}) AND {where} UNION ALL {latest}"
    return query(store, sql, (params or []) * (2 if clauses else 1))


def price_as_of(store: Path, model: str, as_of: dt.date, source: str | None = None) -> dict:
    """The ``price`` command: every source's price of ``model`` (an analysis model id or a source's own id)."""
    matches = read_matches(store)
    joined = matches.dropna(subset=["model_id"])
    model_ids = set(joined.loc[joined["model_id"] == model, "model_id"]) or set(
        joined.loc[joined["source_id"] == model, "model_id"])
    pairs = joined[joined["model_id"].isin(model_ids)][["source", "source_id"]]
    pairs = pd.concat([pairs, matches.loc[matches["source_id"] == model, ["source", "source_id"]]]).drop_duplicates()
    if pairs.empty:
        raise LookupError(f"{model!r}: no source in the panel prices this model (an analysis model id, or a "
                          "source's own id such as qwen/qwen-2.5-72b-instruct)")
    ids = sorted(set(pairs["source_id"]))
    marks = ", ".join("?" for _ in ids)
    rows = _as_of_rows(store, as_of, f"source_model IN ({marks})", ids)
    rows = rows.merge(pairs, left_on=["source", "source_model"], right_on=["source", "source_id"]).drop(
        columns="source_id")
    if source:
        rows = rows[rows["source"] == source]
    prices = []
    for row in rows.sort_values(["source", "source_model", "provider"], key=lambda s: s.map(
            panel._rank) if s.name == "source" else s, kind="mergesort").itertuples(index=False):
        prices.append({"source": row.source, "source_model": row.source_model, "provider": _text(row.provider),
                       "input": _num(row.input_usd_per_mtok), "output": _num(row.output_usd_per_mtok),
                       "blended": _num(panel.blended(row.input_usd_per_mtok, row.output_usd_per_mtok)),
                       "cache_read": _num(row.cache_read_usd_per_mtok),
                       "since": _since(store, row, as_of), "observed_on": pd.Timestamp(row.observed_on).date().isoformat(),
                       "origin": row.origin})
    name = sorted(model_ids)[0] if len(model_ids) == 1 else model
    return {"model": name, "as_of": as_of.isoformat(), "prices": prices}


def _text(value):
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _num(value):
    return None if value is None or pd.isna(value) else round(float(value), 10)


def _since(store: Path, row, as_of: dt.date) -> str:
    history = query(store, "SELECT observed_on, input_usd_per_mtok, output_usd_per_mtok FROM obs WHERE source = ? "
                           "AND source_model = ? AND provider IS NOT DISTINCT FROM ? AND observed_on <= ? "
                           "ORDER BY observed_on", [row.source, row.source_model, _text(row.provider), as_of])
    return pd.Timestamp(panel.since_dates(history).iloc[-1]).date().isoformat()


QUALITY_MEASURE = re.compile(r"^\s*([a-z0-9_]+)\s*>=\s*([0-9.]+)\s*$")


def cheapest_as_of(store: Path, measure: str, threshold: float, as_of: dt.date, open_only: bool = False,
                   spine: Path | None = None) -> dict:
    """The ``cheapest`` command: the analysis model with the lowest blended price on ``as_of`` among those scoring
    at least ``threshold`` on ``measure`` (the spine snapshot's scores: percentages as 0..100 or fractions)."""
    from tasks.data.canonical import read_snapshot

    tables = read_snapshot(Path(spine) if spine else default_spine())
    scores = tables.benchmarks[tables.benchmarks["benchmark"] == measure]
    if scores.empty:
        known = ", ".join(sorted(set(tables.benchmarks["benchmark"])))
        raise LookupError(f"--quality {measure}: not a measure of the spine snapshot (known: {known})")
    value = threshold / 100 if scores["score"].max() <= 1.0 < threshold else threshold
    qualified = scores[scores["score"] >= value - 1e-12].set_index("model_id")["score"]
    if open_only:
        flags = tables.models.set_index("model_id")["open_weights"]
        qualified = qualified[qualified.index.map(lambda m: bool(flags.get(m)) is True)]
    matches = read_matches(store).dropna(subset=["model_id"])
    matches = matches[matches["model_id"].isin(set(qualified.index))]
    ids = sorted(set(matches["source_id"]))
    result = {"model": None, "as_of": as_of.isoformat(),
              "quality": {"measure": measure, "at_least": threshold, "score": None},
              "open_only": open_only, "price": None, "candidates": 0}
    if not ids:
        return result
    marks = ", ".join("?" for _ in ids)
    rows = _as_of_rows(store, as_of, f"source_model IN ({marks})", ids)
    rows = rows.merge(matches[["source", "source_id", "model_id"]], left_on=["source", "source_model"],
                      right_on=["source", "source_id"])
    rows = rows.dropna(subset=["input_usd_per_mtok", "output_usd_per_mtok"])
    if rows.empty:
        return result
    rows["blended_usd_per_mtok"] = panel.blended(rows["input_usd_per_mtok"], rows["output_usd_per_mtok"])
    used = panel.pick_by_precedence(rows).sort_values(["blended_usd_per_mtok", "model_id"], kind="mergesort")
    best = used.iloc[0]
    since = _since(store, best, as_of)
    result.update(model=best["model_id"], candidates=int(len(used)),
                  quality={"measure": measure, "at_least": threshold, "score": float(qualified[best["model_id"]])},
                  price={"source": best["source"], "source_model": best["source_model"], "provider": _text(best["provider"]),
                         "input": _num(best["input_usd_per_mtok"]), "output": _num(best["output_usd_per_mtok"]),
                         "blended": _num(best["blended_usd_per_mtok"]),
                         "cache_read": _num(best["cache_read_usd_per_mtok"]), "since": since,
                         "origin": best["origin"]})
    return result
