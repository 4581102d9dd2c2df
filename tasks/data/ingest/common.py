"""Building blocks shared by the adapters: collecting canonical rows and issues, observation dates (and the one rule
they all pass), dates in file names, numbers, and reading archives safely (no extraction to disk; absolute paths,
'..' and links leaving the archive refused; members, decoded bytes, links and link chains bounded).

**Observation dates** (``observation_date``, ``future_observation``): every date an adapter takes as the day its
prices were observed (from a file's content, its name, an archive member's time, a mapping file) goes through one
rule: it may not be after today. "Today" is the UTC date, plus one day of allowed clock skew (a scrape saved just
after midnight UTC by a machine whose clock runs ahead, or in a time zone east of UTC, is not refused);
``INFERENCE_TRENDS_TODAY`` (YYYY-MM-DD) sets it, for tests and for checking data as of a past day. A date given for
a whole file is an error naming the file and where the date came from; a date of one record (LLM-Stats'
``updated_at``, an Epoch price row) rejects that record with the rule. A later observation date would raise the
release-date ceiling of the cleaning stage (no model released after the latest observation) with it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import os
import posixpath
import re
import tarfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from schemas.canonical import RUN_COLUMNS, RUN_FLAGS, Benchmarks, Models, Prices
from tasks.data.canonical import CanonicalTables
from tasks.data.issues import IssueCollector

MODEL_COLUMNS = list(Models.to_schema().columns)
PRICE_COLUMNS = list(Prices.to_schema().columns)
BENCHMARK_COLUMNS = list(Benchmarks.to_schema().columns)


class SourceError(ValueError):
    """A raw source that cannot be read at all (named file, record and field in the message)."""


# --- observation dates ----------------------------------------------------------------------------------------
TODAY_ENV = "INFERENCE_TRENDS_TODAY"
CLOCK_SKEW = dt.timedelta(days=1)


def today() -> dt.date:
    """Today's UTC date (``INFERENCE_TRENDS_TODAY`` overrides it)."""
    text = os.environ.get(TODAY_ENV, "").strip()
    if text:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise SourceError(f"{TODAY_ENV}={text!r} is not a date (YYYY-MM-DD)") from None
    return dt.datetime.now(dt.timezone.utc).date()


def future_observation(day: dt.date) -> str | None:
    """The rule an observation date breaks (it is after today, see the module's docstring), or None."""
    now = today()
    if day > now + CLOCK_SKEW:
        return (f"observation date {day.isoformat()} is after today ({now.isoformat()}, UTC; one day of clock skew "
                "allowed): prices cannot be observed in the future")
    return None


def observation_date(day: dt.date, where: str) -> dt.date:
    """``day`` when it passes the rule; otherwise an error naming ``where`` (file and field) and the rule."""
    problem = future_observation(day)
    if problem:
        raise SourceError(f"{where}: {problem}")
    return day


def regular_files(folder: Path, pattern: str) -> list[Path]:
    """The regular files (links followed) of a folder matching a glob pattern, sorted: an adapter never picks a
    FIFO, a device or a dangling link (``tasks.data.ingest.unused_files`` lists them as not read)."""
    return sorted(p for p in Path(folder).glob(pattern) if p.is_file())


@dataclass
class Collector:
    """Rows of the canonical tables, and what could not be taken as it was, for one source file."""

    source: str
    file: str
    # the canonical table a raw field feeds ("models", "benchmarks" or "prices"): a rejected value is counted there
    # (rows in = used + quarantined per table); the adapter gives it by field name
    table_of: Callable[[str | None], str | None] = field(default=lambda column: "models" if column else None)
    models: dict[str, dict] = field(default_factory=dict)
    benchmarks: list[dict] = field(default_factory=list)
    prices: list[dict] = field(default_factory=list)
    issues: IssueCollector = field(init=False)
    runs: list[dict] = field(default_factory=list)  # benchmark runs (optional table: most sources have none)

    def __post_init__(self) -> None:
        self.issues = IssueCollector(self.source, self.file, self.table_of)

    def issue(self, record: int | None, name: str | None, column: str | None, value, rule: str,
              action: str = "rejected_value") -> None:
        self.issues.add(record, name, column, value, rule, action)

    def model(self, model_id: str, record: int | None = None, **fields) -> bool:
        """Add a model; a second record with the same id is kept out with a warning (the first one wins)."""
        if model_id in self.models:
            self.issue(record, fields.get("name"), "id", model_id,
                       f"duplicate model id {model_id!r}: the first record is kept", "warning")
            return False
        for key, value in fields.items():
            if isinstance(value, str) and "\0" in value:  # a NUL byte never reaches a table or a CSV
                fields[key] = value.replace("\0", "")
                self.issue(record, fields.get("name"), key, None, "NUL byte(s) removed from the value", "warning")
        row = {column: None for column in MODEL_COLUMNS}
        row.update(fields, model_id=model_id, source=self.source)
        self.models[model_id] = row
        return True

    def score(self, model_id: str, benchmark: str, score: float | None) -> None:
        if score is not None:
            self.benchmarks.append(dict(model_id=model_id, benchmark=benchmark, score=float(score),
                                        source=self.source))

    def price(self, model_id: str, provider: str, observed_on: dt.date, input_usd=None, output_usd=None,
              blended_usd=None) -> None:
        if any(v is not None for v in (input_usd, output_usd, blended_usd)):
            self.prices.append(dict(model_id=model_id, provider=provider, input_usd_per_mtok=input_usd,
                                    output_usd_per_mtok=output_usd, blended_usd_per_mtok=blended_usd,
                                    observed_on=observed_on, source=self.source))

    def reported_run(self, model_id: str, benchmark: str, record: int | None, cost_usd: float, price_source: str,
                     score: float | None) -> None:
        """A benchmark run whose cost the source reports (no tokens to price), with the price definition behind it."""
        self.runs.append(dict(model_id=model_id, benchmark=benchmark, record=record, cost_usd=float(cost_usd),
                              price_source=price_source, score=score, source=self.source))

    def tables(self) -> CanonicalTables:
        prices = pd.DataFrame(self.prices, columns=PRICE_COLUMNS)
        if not prices.empty:  # one row per model, provider and date: several source entries -> the lowest price
            prices = prices.groupby(["model_id", "provider", "observed_on", "source"], as_index=False,
                                    dropna=False).min()[PRICE_COLUMNS]
        return CanonicalTables(
            models=pd.DataFrame(list(self.models.values()), columns=MODEL_COLUMNS),
            benchmarks=pd.DataFrame(self.benchmarks, columns=BENCHMARK_COLUMNS).drop_duplicates(
                ["model_id", "benchmark", "source"]),
            prices=prices,
            ingest_issues=self.issues.frame(),
            **({"runs": _runs_frame(self.runs)} if self.runs else {}),
        )


def _runs_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame([{**dict.fromkeys(RUN_COLUMNS), **row} for row in rows], columns=RUN_COLUMNS)
    for flag in RUN_FLAGS:
        frame[flag] = frame[flag].astype("boolean")
    frame["record"] = frame["record"].astype("Int64")
    for column in RUN_COLUMNS:
        if column not in (*RUN_FLAGS, "record", "model_id", "benchmark", "price_source", "source"):
            frame[column] = frame[column].astype(float)
    return frame


def date_in_name(path: Path) -> dt.date | None:
    """The first YYYY-MM-DD in a file name (the observation date of a dated snapshot file)."""
    match = re.search(r"(\d{4})-(\d{2})-(\d{2})", Path(path).name)
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def number(value, record, name, column, collector: Collector, scale: float = 1.0) -> float | None:
    """A JSON (or TOML) number; a number written as a string is accepted with a warning when it is a plain number
    (``tasks.data.parsing.parse_number_text``: no underscores, no NaN or infinity), since sources sometimes quote
    numbers. A non-finite number or one beyond the range of a float is rejected."""
    from tasks.data.parsing import ParseError, parse_number_text

    if value is None or value == "":
        return None
    if isinstance(value, bool):
        collector.issue(record, name, column, value, "boolean where a number was expected")
        return None
    if isinstance(value, (int, float)):
        try:
            parsed = float(value) * scale
        except OverflowError:
            collector.issue(record, name, column, value, "number beyond the range of a float")
            return None
        if not math.isfinite(parsed):
            collector.issue(record, name, column, value, "not a finite number")
            return None
        return parsed
    if isinstance(value, str):
        try:
            parsed = parse_number_text(value.replace("$", ""))
        except ParseError as err:  # the value itself is in the issue's value column
            collector.issue(record, name, column, value, "number beyond the range of a float"
                            if "beyond the range" in err.rule else "not a number")
            return None
        if parsed is None:
            collector.issue(record, name, column, value, "not a number")
            return None
        collector.issue(record, name, column, value, "number given as a string (accepted)", "warning")
        return parsed * scale
    collector.issue(record, name, column, value, f"a {type(value).__name__} where a number was expected")
    return None


def text_number(text, record, name, column, collector: Collector) -> float | None:
    """A number written as text (CSV cells): '2,589.00' -> 2589.0; blank -> None; anything else rejected."""
    from tasks.data.parsing import ParseError, parse_number

    try:
        return parse_number(text)
    except ParseError as err:
        collector.issue(record, name, column, text, err.rule)
        return None


def fraction(value, record, name, column, collector: Collector) -> float | None:
    """A score as a fraction of 1; a value in (1, 100] is a percentage and is divided by 100, with a warning."""
    parsed = number(value, record, name, column, collector)
    if parsed is None:
        return None
    if 1 < parsed <= 100:
        collector.issue(record, name, column, value, "score in percent converted to a fraction", "warning")
        return parsed / 100
    return parsed


def iso_day(value, record, name, column, collector: Collector, month_ok: bool = True) -> dt.date | None:
    """'2025-08-05' (or '2025-08' -> the 1st of the month when ``month_ok``); anything else is rejected."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?(?:[T ].*)?", text)
    if match and (match.group(3) or month_ok):
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3) or 1))
        except ValueError:
            pass
    collector.issue(record, name, column, value, "not an ISO date (YYYY-MM-DD)")
    return None


# --- archives ------------------------------------------------------------------------------------------------
class ArchiveError(SourceError):
    pass


MAX_MEMBERS_ENV = "INFERENCE_TRENDS_MAX_ARCHIVE_MEMBERS"
DEFAULT_MAX_MEMBERS = 50_000  # the models.dev archive has 6,682 members, LLM-Stats' 989
MAX_LINKS_ENV = "INFERENCE_TRENDS_MAX_ARCHIVE_LINKS"
DEFAULT_MAX_LINKS = 2_000  # the models.dev archive has 209 links, LLM-Stats' none
MAX_LINK_HOPS = 40  # a chain of links longer than this is refused (Linux's limit for symbolic links)


def _archive_limit(env: str, default: int) -> int:
    from tasks.data.ingest.reading import _limit

    return _limit(env, default)


class ArchiveFiles(dict):
    """The files of an archive by member name (``read_archive``), and its newest member's time."""

    newest_mtime: float = 0.0
    newest_member: str | None = None


def archive_date(path: Path, files: ArchiveFiles) -> dt.date:
    """An archive's observation date: its newest member's time (UTC), through the observation-date rule."""
    where = f"{path}, member {files.newest_member!r}"
    try:
        day = dt.datetime.fromtimestamp(files.newest_mtime, tz=dt.timezone.utc).date()
    except (ValueError, OverflowError, OSError):
        raise ArchiveError(f"{where}: modification time {int(files.newest_mtime)} (seconds since 1970) is not a "
                           "valid date") from None
    return observation_date(day, f"{where}: its modification time (the archive's observation date)")


def read_archive(path: Path, dangling: list[str] | None = None) -> ArchiveFiles:
    """Every regular file of a tar archive, by normalised member name, without writing anything to disk.

    Refused (the whole archive, with the member named): absolute paths, '..' components, symbolic or hard links
    whose target leaves the archive, device files. Links that stay inside are followed; links whose target is not
    in the archive are appended to ``dangling`` (the caller reports them).

    Bounded, each an error naming the limit as soon as it is passed (before the work it would cost): the archive
    file goes through the reading gate (``tasks.data.ingest.reading``: a regular file within the byte limit); at
    most ``INFERENCE_TRENDS_MAX_ARCHIVE_MEMBERS`` (50,000) files, counting the copies that links to folders make;
    at most ``INFERENCE_TRENDS_MAX_INPUT_BYTES`` decoded bytes, from the members' headers before they are read; at
    most ``INFERENCE_TRENDS_MAX_ARCHIVE_LINKS`` (2,000) links; a chain of links at most ``MAX_LINK_HOPS`` (40)
    long.
    """
    from tasks.data.ingest.reading import MAX_BYTES_ENV, max_input_bytes, open_input

    path = Path(path)
    max_members = _archive_limit(MAX_MEMBERS_ENV, DEFAULT_MAX_MEMBERS)
    max_links = _archive_limit(MAX_LINKS_ENV, DEFAULT_MAX_LINKS)
    max_bytes = max_input_bytes()

    def too_many(what: str, limit: int, env: str) -> ArchiveError:
        return ArchiveError(f"{path}: more than {limit:,} {what}, the limit for one archive; raise it with {env}")

    files = ArchiveFiles()
    links: dict[str, str] = {}
    decoded = 0
    with open_input(path) as handle:
        try:
            archive = tarfile.open(fileobj=handle, mode="r:*")
        except (tarfile.TarError, OSError, EOFError) as err:
            raise ArchiveError(f"{path}: not a readable tar archive ({err})") from None
        with archive:
            members = iter(archive)
            while True:
                try:
                    member = next(members, None)
                except (tarfile.TarError, EOFError, OSError, zlib.error) as err:
                    raise ArchiveError(f"{path}: truncated or damaged archive ({err})") from None
                if member is None:
                    break
                name = member.name
                if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
                    raise ArchiveError(f"{path}, member {name!r}: absolute path refused")
                normal = posixpath.normpath(name)
                if normal == ".." or normal.startswith("../") or "/../" in f"/{name}/":
                    raise ArchiveError(f"{path}, member {name!r}: a '..' component leaves the archive: refused")
                if member.mtime > files.newest_mtime or files.newest_member is None:
                    files.newest_mtime, files.newest_member = member.mtime, name
                if member.issym() or member.islnk():
                    target = member.linkname
                    resolved = (posixpath.normpath(posixpath.join(posixpath.dirname(normal), target))
                                if member.issym() else posixpath.normpath(target))
                    if target.startswith("/") or resolved == ".." or resolved.startswith("../"):
                        raise ArchiveError(f"{path}, member {name!r}: link to {target!r} leaves the archive: refused")
                    links[normal] = resolved
                    if len(links) > max_links:
                        raise too_many("links", max_links, MAX_LINKS_ENV)
                elif member.isfile():
                    decoded += member.size
                    if decoded > max_bytes:
                        raise ArchiveError(f"{path}: more than {max_bytes:,} bytes once decoded (member {name!r} "
                                           f"passes it), the limit for one input; raise it with {MAX_BYTES_ENV}")
                    if len(files) >= max_members:
                        raise too_many("files", max_members, MAX_MEMBERS_ENV)
                    extracted = archive.extractfile(member)
                    try:
                        files[normal] = extracted.read() if extracted else b""
                    except (tarfile.TarError, EOFError, OSError, zlib.error) as err:
                        raise ArchiveError(f"{path}, member {name!r}: truncated ({err})") from None
                elif member.isdir():
                    continue
                else:
                    raise ArchiveError(f"{path}, member {name!r}: special file (device or fifo) refused")
    regular = sorted(files)  # links to folders copy regular files (not other links' copies): no chain reaction
    for name in links:
        target, seen = links[name], {name}
        while target in links and target not in seen:  # link chains stay inside; cycles are ignored
            seen.add(target)
            if len(seen) > MAX_LINK_HOPS:
                raise ArchiveError(f"{path}, member {name!r}: a chain of more than {MAX_LINK_HOPS} links "
                                   f"(tasks/data/ingest/common.py MAX_LINK_HOPS): refused")
            target = links[target]
        if target in files:
            files[name] = files[target]
            if len(files) > max_members:
                raise too_many("files (links included)", max_members, MAX_MEMBERS_ENV)
        else:  # a link to a folder: its (regular) files appear under the link's name too
            prefix = target + "/"
            first = bisect.bisect_left(regular, prefix)
            inside = list(itertools.takewhile(lambda m: m.startswith(prefix), regular[first:first + max_members + 1]))
            if len(files) + len(inside) > max_members:
                raise too_many("files (counting the copies that links to folders make)", max_members,
                               MAX_MEMBERS_ENV)
            for member in inside:
                files[name + "/" + member[len(prefix):]] = files[member]
            if not inside and dangling is not None:
                dangling.append(name)
    return files
