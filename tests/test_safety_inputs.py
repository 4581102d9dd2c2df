"""Hostile inputs, round 3 (step 13): what an input file can hold or be, and what the tool does with it.

1. observation dates after today (a file name, a ``retrieved_at``, an archive member's time, a record's date);
2. implausible prices (1e-10, 1e23 USD per 1M tokens);
3. files that are not regular files (a FIFO, a link to /dev/zero) and files above the byte limit;
4. such entries in an input folder: listed as not read, refused with ``--strict``;
5. limits: JSON records, archive members, decoded bytes, links and link chains;
6. JSON that Python reads leniently (NaN, duplicate keys, deep nesting, huge numbers) and numbers written as text;
7. Unicode bidirectional controls in names (CSV outputs and the report).

Every case asserts the exact outcome (error text and exit code, or quarantine row and reason). Fixtures are small
hand-written files in ``tmp_path``; the real files of ``../shared/data`` where a case is about them (skipped cleanly
when absent).
"""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import subprocess
import sys
import tarfile
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.cli import app
from tasks.files.settings import PROJECT_ROOT, shared_data_dir
from tests.conftest import run_estimate

runner = CliRunner()
FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "futuretech_small.csv"
SHARED = shared_data_dir()
TODAY = "2026-08-31"  # INFERENCE_TRENDS_TODAY in these tests: the rule's "today", whatever the machine's date


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv("INFERENCE_TRENDS_TODAY", TODAY)


def cli(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def ingest_error(path: Path, fmt: str | None = None) -> str:
    from tasks.data.ingest import adapter, detect_format
    from tasks.data.ingest.base import read_source
    from tasks.data.ingest.common import SourceError

    with pytest.raises(SourceError) as info:
        fmt = fmt or detect_format(path)
        read_source(fmt, adapter(fmt).ingest, path)
    return str(info.value)


def ingest(path: Path, fmt: str):
    from tasks.data.ingest import adapter
    from tasks.data.ingest.base import read_source

    return read_source(fmt, adapter(fmt).ingest, path)


def site_record(slug: str = "alpha", **fields) -> dict:
    """One record of an AA site scrape (the fields the adapter reads)."""
    return {"slug": slug, "name": slug.title(), "creator": "Lab", "release": "2026-01-05", "open": True,
            "openness": "open", "params": 7, "active": 7, "reasoning": False, "license": "MIT", "mmlu_pro": 0.5,
            "gpqa": 0.3, "hle": 0.05, "aime25": None, "ii": 20.5, "price": 0.2625,
            "price_in": 0.15, "price_out": 0.6, **fields}


def write_site(folder: Path, day: str = "2026-08-01", records: list | None = None, text: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"aa_models_{day}.json"
    path.write_text(text if text is not None else json.dumps(records or [site_record(), site_record("beta")]))
    return path


def write_tar(path: Path, entries, mtime: int = 1_780_000_000) -> Path:
    """A tar.gz of (name, bytes or None for a folder link target, link target or None) entries."""
    with tarfile.open(path, "w:gz") as archive:
        for name, body, link in entries:
            info = tarfile.TarInfo(name)
            info.mtime = mtime
            if link is not None:
                info.type, info.linkname = tarfile.SYMTYPE, link
                archive.addfile(info)
            else:
                info.size = len(body)
                archive.addfile(info, io.BytesIO(body))
    return path


PROVIDER_TOML = b'name = "Model"\nrelease_date = "2026-01-02"\n[cost]\ninput = 1.0\noutput = 2.0\n'


# --- 1. observation dates after today ------------------------------------------------------------------------------
def test_a_scrape_named_after_today_is_an_error(tmp_path):
    path = write_site(tmp_path / "in", "2099-12-31")
    assert ingest_error(path, "aa_site") == (
        f"{path}: the date in the file name: observation date 2099-12-31 is after today (2026-08-31, UTC; one day of "
        "clock skew allowed): prices cannot be observed in the future")
    # a folder: its newest dated scrape is the one read, so the future one would be it
    assert ingest_error(tmp_path / "in").startswith(f"{path}: the date in the file name: observation date 2099-12-31")


def test_one_day_of_clock_skew_is_allowed_and_no_more(tmp_path):
    tomorrow = ingest(write_site(tmp_path / "a", "2026-09-01"), "aa_site")
    assert set(tomorrow.prices["observed_on"]) == {pd.Timestamp("2026-09-01").date()}
    assert "observation date 2026-09-02 is after today (2026-08-31" in ingest_error(
        write_site(tmp_path / "b", "2026-09-02"), "aa_site")


def test_an_api_response_retrieved_after_today_is_an_error(tmp_path):
    record = {"slug": "alpha", "name": "Alpha", "release_date": "2026-01-05", "model_creator": {"name": "Lab"},
              "evaluations": {"mmlu_pro": 0.5}, "pricing": {"price_1m_blended_3_to_1": 0.2625,
                                                            "price_1m_input_tokens": 0.15,
                                                            "price_1m_output_tokens": 0.6}}
    path = tmp_path / "saved.json"
    path.write_text(json.dumps({"retrieved_at": "2099-01-01T00:00:00Z", "response": {"data": [record]}}))
    assert ingest_error(path) == (
        f"{path}, field retrieved_at ('2099-01-01T00:00:00Z'): observation date 2099-01-01 is after today "
        "(2026-08-31, UTC; one day of clock skew allowed): prices cannot be observed in the future")


def test_an_archive_member_time_after_today_or_out_of_range_is_an_error(tmp_path):
    member = "providers/acme/models/model.toml"
    future = write_tar(tmp_path / "future.tar.gz", [(member, PROVIDER_TOML, None)], mtime=4_102_876_800)  # 2100-01-06
    assert ingest_error(future, "models_dev") == (
        f"{future}, member '{member}': its modification time (the archive's observation date): observation date "
        "2100-01-06 is after today (2026-08-31, UTC; one day of clock skew allowed): prices cannot be observed in "
        "the future")
    huge = write_tar(tmp_path / "huge.tar.gz", [(member, PROVIDER_TOML, None)], mtime=10 ** 12)
    assert ingest_error(huge, "models_dev") == (
        f"{huge}, member '{member}': modification time 1000000000000 (seconds since 1970) is not a valid date")


def test_records_dated_after_today_are_rejected_with_the_rule(tmp_path):
    from tasks.data.ingest import epoch_prices, llm_stats

    header = ("Model Name,Release Date,USD per 1M Tokens,MMLU,GPQA Diamond,HumanEval,MATH-500,"
              "LMSys Chatbot Arena ELO,MATH 5\n")
    prices = tmp_path / "epoch.csv"
    prices.write_text(header + "Old,2024-05-01,1.5,70,,,,,\nFuture,2099-05-01,0.5,80,,,,,\n")
    issues = epoch_prices.ingest(prices).ingest_issues
    assert issues[["record", "model_name", "column", "value", "rule", "action"]].to_dict("records") == [
        {"record": 2, "model_name": "Future", "column": "Release Date", "value": "2099-05-01",
         "rule": "observation date 2099-05-01 is after today (2026-08-31, UTC; one day of clock skew allowed): "
                 "prices cannot be observed in the future", "action": "rejected_record"}]

    entry = {"model_id": "alpha", "updated_at": "2099-01-01", "input_cents_per_million_tokens": 10,
             "output_cents_per_million_tokens": 20}
    archive = write_tar(tmp_path / "stats.tar.gz", [
        ("data/organizations/lab/models/alpha/model.json",
         json.dumps({"model_id": "alpha", "name": "Alpha", "release_date": "2026-01-01"}).encode(), None),
        ("data/providers/host/models.json", json.dumps([entry]).encode(), None)])
    tables = llm_stats.ingest(archive)
    rejected = tables.ingest_issues[tables.ingest_issues["action"] == "rejected_record"]
    assert rejected[["column", "value", "rule"]].to_dict("records") == [
        {"column": "data/providers/host/models.json:updated_at", "value": "2099-01-01",
         "rule": "observation date 2099-01-01 is after today (2026-08-31, UTC; one day of clock skew allowed): "
                 "prices cannot be observed in the future"}]
    assert tables.prices.empty


def test_a_future_month_column_and_a_future_history_scrape_are_errors(tmp_path):
    from tasks.data.ingest.futuretech_runs import parse
    from tasks.data.ingest.common import SourceError
    from tasks.platform.history_store import ingest_history

    raw = pd.DataFrame({"Model": ["A"], "1/1/2099 input price": ["1"], "1/1/2099 output price": ["2"]})
    with pytest.raises(SourceError) as info:
        parse(raw, "runs.csv")
    assert str(info.value) == ("runs.csv, column '1/1/2099 input price': observation date 2099-01-01 is after today "
                               "(2026-08-31, UTC; one day of clock skew allowed): prices cannot be observed in the "
                               "future")
    path = write_site(tmp_path / "scrapes", "2099-01-01")
    with pytest.raises(SourceError, match=r"the date in the file name: observation date 2099-01-01 is after today"):
        ingest_history(tmp_path / "scrapes", tmp_path / "store")
    assert not (tmp_path / "store").exists() and path.exists()


@pytest.mark.skipif(not (SHARED / "aa-site-scrape-daily").exists(), reason="shared data not available")
def test_the_real_observation_dates_pass_the_rule(monkeypatch):
    """Every real source's observation dates are before the day the data was collected: none is refused with the
    rule set to the last real date (the machine's clock plays no part)."""
    monkeypatch.setenv("INFERENCE_TRENDS_TODAY", "2026-08-22")  # the newest real scrape
    from tasks.data.ingest import aa, llm_stats, models_dev

    newest = aa.site_files(SHARED / "aa-site-scrape-daily")[-1]
    assert ingest(newest, "aa_site").prices["observed_on"].max() == pd.Timestamp("2026-08-22").date()
    assert str(models_dev.ingest(SHARED / "models-dev-2026-07").prices["observed_on"].max()) == "2026-07-01"
    stats = llm_stats.ingest(SHARED / "llm-stats-2025-10")
    assert not stats.ingest_issues["rule"].str.contains("observation date").any()


# --- 2. implausible prices ---------------------------------------------------------------------------------------
def _clean(tables):
    from tasks.data.clean import clean, read_corrections
    from tasks.files.settings import corrections_file

    return clean(tables.validated("x"), read_corrections(corrections_file()))


def test_implausible_prices_are_quarantined_with_the_reason(tmp_path):
    from tasks.data.ingest import aa

    path = write_site(tmp_path, records=[site_record(), site_record("cheap", price=1e-10, price_in=1e-10,
                                                                     price_out=None),
                                         site_record("dear", price=1e23, price_in=None, price_out=None)])
    result = _clean(aa.ingest_site(path))
    rows = result.quarantine[["name", "field", "value", "rule"]].to_dict("records")
    assert sorted(rows, key=str) == sorted([
        {"name": "Cheap", "field": "aa_headline:input", "value": "1e-10",
         "rule": "implausible price: 1e-10 USD per 1M tokens is outside 0.0001..10000, the plausible range "
                 "(tasks/data/clean.py PLAUSIBLE_PRICE; a unit error or a placeholder?)"},
        {"name": "Dear", "field": "aa_headline:blended", "value": "1e+23",
         "rule": "implausible price: 1e+23 USD per 1M tokens is outside 0.0001..10000, the plausible range "
                 "(tasks/data/clean.py PLAUSIBLE_PRICE; a unit error or a placeholder?)"},
        {"name": "Cheap", "field": "aa_headline:blended", "value": "1e-10",
         "rule": "implausible price: 1e-10 USD per 1M tokens is outside 0.0001..10000, the plausible range "
                 "(tasks/data/clean.py PLAUSIBLE_PRICE; a unit error or a placeholder?)"},
    ], key=str)
    assert set(result.analysis["model_id"]) == {"alpha", "cheap", "dear"}  # the models stay; their prices do not
    assert result.analysis.loc[result.analysis["model_id"] == "cheap", "blended_usd_per_mtok"].isna().all()
    assert "dear" not in set(result.analysis.dropna(subset=["blended_usd_per_mtok"])["model_id"])


def test_an_implausible_price_does_not_move_the_headline(futuretech_csv, tmp_path):
    """The study's open [70, 90] frontier (8.77x a year) is unmoved by a model priced at 1e-10 USD per 1M tokens."""
    from tasks.data.ingest import futuretech
    from tasks.methods.frontier import fit as fit_frontier
    from tasks.study.plan import available_measures, available_price_sources, plan_trends
    from tasks.study.presets import load_preset

    with open(futuretech_csv, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = [" ".join(h.split()) for h in rows[0]]
    price = header.index("Lowest Blended Price AA")
    cheapest = min(rows[1:], key=lambda r: float(r[price].strip(" $") or 99) if r[header.index("License")].strip()
                   .lower() == "open" else 99)
    hostile = list(cheapest)
    hostile[header.index("Model")] = "Hostile Cheap"
    for column in ("Lowest Input Price AA", "Lowest Output Price Found AA", "Lowest Blended Price AA"):
        hostile[header.index(column)] = "0.0000000001"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows + [hostile])
    path = tmp_path / "hostile.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")

    def open_70_90(file):
        result = _clean(futuretech.ingest(file))
        specs = plan_trends(load_preset("futuretech-2025"), "x", available_price_sources(result.analysis),
                            measures=available_measures(result.analysis), analysis=result.analysis)
        spec = next(s for s in specs if s.method == "frontier" and s.subset == "open" and s.band_low == 70
                    and not s.variant and s.price_type == "blended" and s.price_source == "lowest_reported")
        return result, fit_frontier(result.analysis, spec).rows.iloc[0]["factor_per_year"]

    result, factor = open_70_90(path)
    hostile_rows = result.quarantine[result.quarantine["name"] == "Hostile Cheap"]
    assert sorted(hostile_rows["field"]) == ["lowest_reported:blended", "lowest_reported:input",
                                             "lowest_reported:output"]
    assert set(hostile_rows["rule"]) == {"implausible price: 1e-10 USD per 1M tokens is outside 0.0001..10000, the "
                                         "plausible range (tasks/data/clean.py PLAUSIBLE_PRICE; a unit error or a "
                                         "placeholder?)"}
    assert round(factor, 2) == 8.77 and open_70_90(futuretech_csv)[1] == factor


@pytest.mark.skipif(not (SHARED / "models-dev-2026-07").exists(), reason="shared data not available")
def test_no_real_price_is_implausible():
    """Every price of every real source with prices lies in the plausible range (min 0.0023, max 4,800)."""
    from tasks.data.clean import PLAUSIBLE_PRICE
    from tasks.data.ingest import adapter, detect_format

    sources = [SHARED / name for name in ("epoch-llm-price-trends-2025-03", "futuretech-2025-07", "futuretech-2026-04",
                                          "llm-stats-2025-10", "models-dev-2026-07", "aa-api-v2")]
    sources += sorted((SHARED / "aa-site-scrape-daily").glob("aa_models_*.json"))
    low, high = [], []
    for source in sources:
        prices = adapter(detect_format(source)).ingest(source).prices
        values = pd.concat([prices[c] for c in ("input_usd_per_mtok", "output_usd_per_mtok",
                                                "blended_usd_per_mtok")]).dropna()
        values = values[values > 0]
        low.append(values.min())
        high.append(values.max())
    assert (min(low), max(high)) == (0.0023, 4800.0)
    assert PLAUSIBLE_PRICE[0] < min(low) and max(high) < PLAUSIBLE_PRICE[1]


# --- 3. not a regular file; the byte limit ---------------------------------------------------------------------------
def _limited(memory: int = 2 * 1024 ** 3):
    def apply():  # a broken reader fails with MemoryError instead of filling the machine
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    return apply


def isolated(code: str, *args: str) -> str:
    """Run Python code in a child process, with a deadline (a reader that opens a FIFO blocks forever) and a memory
    cap (one that reads /dev/zero fills the memory): a broken gate fails the test instead of hanging or killing it."""
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=120, preexec_fn=_limited(), env={**os.environ, "INFERENCE_TRENDS_TODAY": TODAY})
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


READ = """
import sys
from pathlib import Path
from tests.test_safety_inputs import ingest, ingest_error
path = Path(sys.argv[1])
{}
"""


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "aa_models_2026-08-01.json"
    os.mkfifo(fifo)
    assert isolated(READ.format("print(ingest_error(path, 'aa_site'))"), str(fifo)) == (
        f"{fifo}: a FIFO (named pipe); only regular files are read")
    assert isolated(READ.format("print(ingest_error(path))"), str(fifo)) == (
        f"{fifo}: a FIFO (named pipe); only regular files are read")


def test_the_type_is_checked_on_the_opened_file(tmp_path, monkeypatch):
    """A file swapped for a FIFO between the type check and the open is refused by fstat, and the open does not
    block (O_NONBLOCK)."""
    from tasks.data.ingest import reading
    from tasks.data.ingest.common import SourceError

    fifo = tmp_path / "swapped.csv"
    os.mkfifo(fifo)
    monkeypatch.setattr(reading, "not_regular", lambda path: None)  # the check saw a regular file
    with pytest.raises(SourceError) as info:
        reading.read_input(fifo)
    assert str(info.value) == f"{fifo}: a FIFO (named pipe); only regular files are read"


def test_dev_zero_as_an_input_is_refused_by_the_command(tmp_path):
    process = subprocess.run([sys.executable, "-m", "flows", "run", "--input", "/dev/zero", "--format", "futuretech",
                              "--preset", "futuretech-2025", "--out", str(tmp_path / "out")], cwd=PROJECT_ROOT,
                             capture_output=True, text=True, timeout=240, preexec_fn=_limited(),
                             env={**os.environ, "PREFECT_HOME": str(tmp_path / "home")})
    assert process.returncode == 1, process.stderr
    assert process.stderr.strip().splitlines()[-1] == ("error: /dev/zero: a character device; only regular files are "
                                                       "read")
    assert "Traceback" not in process.stdout + process.stderr and not (tmp_path / "out").exists()


def test_a_link_to_dev_zero_named_like_the_newest_scrape_is_not_read(tmp_path):
    folder = tmp_path / "scrapes"
    write_site(folder, "2026-08-01")
    (folder / "aa_models_2026-08-30.json").symlink_to("/dev/zero")
    # the newest regular scrape is read
    assert isolated(READ.format("print(sorted(set(ingest(path, 'aa_site').prices['source'])))"), str(folder)) == (
        "['aa_site/aa_models_2026-08-01.json']")
    assert isolated(READ.format("print(ingest_error(path / 'aa_models_2026-08-30.json', 'aa_site'))"),
                    str(folder)) == (f"{folder / 'aa_models_2026-08-30.json'}: a link to a character device "
                                     "(/dev/zero); only regular files are read")


def test_the_byte_limit_names_itself(tmp_path, monkeypatch):
    monkeypatch.setenv("INFERENCE_TRENDS_MAX_INPUT_BYTES", "1000")
    size = FIXTURE.stat().st_size
    assert ingest_error(FIXTURE, "futuretech") == (
        f"{FIXTURE}: {size:,} bytes, more than 1,000, the limit for one input file; raise the limit with "
        "INFERENCE_TRENDS_MAX_INPUT_BYTES (bytes)")
    monkeypatch.setenv("INFERENCE_TRENDS_MAX_INPUT_BYTES", "lots")
    assert ingest_error(FIXTURE, "futuretech") == "INFERENCE_TRENDS_MAX_INPUT_BYTES='lots' is not a whole number"


# --- 4. entries of an input folder that are not regular files --------------------------------------------------------
def _odd_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "study.csv").write_bytes(FIXTURE.read_bytes())
    os.mkfifo(folder / "later.csv")
    (folder / "zero.csv").symlink_to("/dev/zero")
    (folder / "gone.csv").symlink_to(folder / "nowhere.csv")
    (folder / "loop-a").symlink_to(folder / "loop-b")
    (folder / "loop-b").symlink_to(folder / "loop-a")
    return folder


EXPECTED_NOT_READ = [
    ("gone.csv", "not read: a dangling link (its target '{folder}/nowhere.csv' does not exist); only regular files "
                 "are read"),
    ("later.csv", "not read: a FIFO (named pipe); only regular files are read"),
    ("loop-a", "not read: a link loop (following its links never reaches a file); only regular files are read"),
    ("loop-b", "not read: a link loop (following its links never reaches a file); only regular files are read"),
    ("zero.csv", "not read: a link to a character device (/dev/zero); only regular files are read"),
]


def test_special_entries_are_listed_as_not_read_or_refused_with_strict(tmp_path):
    from flows.config import EstimateConfig
    from tasks.stages.prepare import prepare_run

    folder = _odd_folder(tmp_path)
    plan = prepare_run(EstimateConfig(input=str(folder), preset="futuretech-2025"))
    # the run's outputs show a link's target outside the project by its name (tests/test_citation.py); the error
    # below names the user's own paths
    shown = {"folder": "<outside the project>"}
    assert [(Path(e["path"]).name, e["reason"]) for e in plan.not_read] == [
        (name, reason.format(**shown).replace("(/dev/zero)", "(<outside the project>/zero)"))
        for name, reason in EXPECTED_NOT_READ]
    assert [p.name for item in plan.inputs for p, _ in item.parts] == ["in"]
    result = cli("run", "--input", str(folder), "--preset", "futuretech-2025", "--strict", "--out",
                 str(tmp_path / "out"))
    assert result.exit_code == 1
    assert result.output.strip() == (f"error: --strict: 5 file(s) in the input folder(s) would not be read, e.g. "
                                     f"{folder / 'gone.csv'} ({EXPECTED_NOT_READ[0][1].format(folder=folder)})")


# --- 5. limits -------------------------------------------------------------------------------------------------------
def test_json_records_have_the_row_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("INFERENCE_TRENDS_MAX_INPUT_ROWS", "3")
    path = write_site(tmp_path, records=[site_record(f"m{i}") for i in range(4)])
    assert ingest_error(path, "aa_site") == (
        f"{path}: more than 3 records, the limit for one input file (4 found); split the file, or raise the limit "
        "with INFERENCE_TRENDS_MAX_INPUT_ROWS")
    api = tmp_path / "llms_models_2026-08-01.json"
    api.write_text(json.dumps({"data": [{"slug": f"m{i}", "name": "M", "pricing": {}} for i in range(4)]}))
    assert ingest_error(api, "aa_api").startswith(f"{api}: more than 3 records, the limit for one input file")
    stats = write_tar(tmp_path / "stats.tar.gz", [
        (f"data/organizations/lab/models/m{i}/model.json", json.dumps({"model_id": f"m{i}", "name": "M"}).encode(),
         None) for i in range(4)])
    assert ingest_error(stats, "llm_stats") == (
        "stats.tar.gz: more than 3 model files (records), the limit for one input file (4 found); split the file, or "
        "raise the limit with INFERENCE_TRENDS_MAX_INPUT_ROWS")


def test_archive_limits_name_themselves(tmp_path, monkeypatch):
    files = [(f"providers/acme/models/m{i}.toml", PROVIDER_TOML, None) for i in range(5)]
    monkeypatch.setenv("INFERENCE_TRENDS_MAX_ARCHIVE_MEMBERS", "4")
    path = write_tar(tmp_path / "members.tar.gz", files)
    assert ingest_error(path, "models_dev") == (f"{path}: more than 4 files, the limit for one archive; raise it "
                                                "with INFERENCE_TRENDS_MAX_ARCHIVE_MEMBERS")
    monkeypatch.setenv("INFERENCE_TRENDS_MAX_ARCHIVE_MEMBERS", "8")
    path = write_tar(tmp_path / "copies.tar.gz", files + [("providers/copy", None, "acme")])
    assert ingest_error(path, "models_dev") == (
        f"{path}: more than 8 files (counting the copies that links to folders make), the limit for one archive; "
        "raise it with INFERENCE_TRENDS_MAX_ARCHIVE_MEMBERS")
    monkeypatch.delenv("INFERENCE_TRENDS_MAX_ARCHIVE_MEMBERS")
    monkeypatch.setenv("INFERENCE_TRENDS_MAX_INPUT_BYTES", "300")
    path = write_tar(tmp_path / "bytes.tar.gz", files)
    assert path.stat().st_size <= 300
    assert ingest_error(path, "models_dev") == (
        f"{path}: more than 300 bytes once decoded (member 'providers/acme/models/m4.toml' passes it), the limit for "
        "one input; raise it with INFERENCE_TRENDS_MAX_INPUT_BYTES")


def test_an_archive_of_thousands_of_folder_links_stops_at_the_link_limit(tmp_path):
    """500 files and 4,000 links to their folder (35 KB): each link copied every file (2 million members, over
    300 s and 1.3 GB before); now the 2,001st link is an error, before any copy is made."""
    files = [(f"providers/acme/models/m{i}.toml", PROVIDER_TOML, None) for i in range(500)]
    links = [(f"providers/l{j}", None, "acme") for j in range(4000)]
    path = write_tar(tmp_path / "links.tar.gz", files + links)
    assert ingest_error(path, "models_dev") == (f"{path}: more than 2,000 links, the limit for one archive; raise it "
                                                "with INFERENCE_TRENDS_MAX_ARCHIVE_LINKS")


def test_a_long_chain_of_links_is_refused(tmp_path):
    from tasks.data.ingest.common import ArchiveError, read_archive

    chain = [(f"l{i}", None, f"l{i + 1}") for i in range(45)] + [("l45", b"data", None)]
    path = write_tar(tmp_path / "chain.tar.gz", chain)
    with pytest.raises(ArchiveError) as info:
        read_archive(path)
    assert str(info.value) == (f"{path}, member 'l0': a chain of more than 40 links (tasks/data/ingest/common.py "
                               "MAX_LINK_HOPS): refused")
    assert read_archive(write_tar(tmp_path / "short.tar.gz", chain[-5:]))["l41"] == b"data"


@pytest.mark.skipif(not (SHARED / "models-dev-2026-07").exists(), reason="shared data not available")
def test_the_real_archives_are_within_the_limits():
    from tasks.data.ingest.common import read_archive

    for archive, count in ((SHARED / "models-dev-2026-07" / "models_dev_providers_models_f3fc692.tar.gz", 5670),
                           (SHARED / "llm-stats-2025-10" / "llm_stats_data_24a9ccf.tar.gz", 761)):
        assert len(read_archive(archive)) == count


# --- 6. strict JSON; numbers written as text ----------------------------------------------------------------------
RECORD = json.dumps(site_record())  # ..., "price": 0.2625, "price_in": 0.15, "price_out": 0.6}


def edited(old: str, new: str) -> str:
    return RECORD.replace(old, new)


@pytest.mark.parametrize("text, where, rule", [
    ("[" + edited('"price": 0.2625', '"price": NaN') + "]", "record 1 ($[0].price)",
     "NaN is not a number JSON allows (NaN and Infinity are refused)"),
    ("[" + RECORD + ", " + edited('"price_in": 0.15', '"price_in": -Infinity') + "]", "record 2 ($[1].price_in)",
     "-Infinity is not a number JSON allows (NaN and Infinity are refused)"),
    ("[" + edited('"price": 0.2625', '"price": 1e400') + "]", "record 1 ($[0].price)",
     "number 1e400 is beyond the range of a float"),
    ("[" + edited('"price": 0.2625', '"price": 1' + "0" * 400) + "]", "record 1 ($[0].price)",
     "integer of 401 digits (100000000000...) is beyond the range of a float"),
    ("[" + edited('"price": 0.2625', '"price": 0.2625, "price": 0.0001') + "]", "record 1 ($[0])",
     "key 'price' is given twice in one object: which value is meant cannot be told (parsers disagree); keep one"),
])
def test_json_that_python_reads_leniently_is_an_error_naming_the_record(text, where, rule, tmp_path):
    path = write_site(tmp_path, text=text)
    assert ingest_error(path) == f"{path}, {where}: {rule}"


def test_deep_nesting_is_an_error_naming_the_limit(tmp_path):
    path = write_site(tmp_path, text="[" * 100_000 + "]" * 100_000)
    expected = (f"{path}: JSON nested deeper than 100 levels, the limit (tasks/data/ingest/reading.py "
                "MAX_JSON_DEPTH); not a data file this tool reads")
    assert ingest_error(path, "aa_site") == expected
    assert ingest_error(path) == (f"{path}: JSON nested deeper than 100 levels, the limit "
                                  "(tasks/data/ingest/reading.py); no adapter can read it")


def test_a_member_of_an_archive_with_nan_is_a_rejected_record(tmp_path):
    from tasks.data.ingest import llm_stats

    member = "data/organizations/lab/models/a/model.json"
    archive = write_tar(tmp_path / "stats.tar.gz", [
        (member, b'{"model_id": "a", "name": "A", "param_count": NaN}', None),
        ("data/organizations/lab/models/b/model.json", b'{"model_id": "b", "name": "B"}', None)])
    issues = llm_stats.ingest(archive).ingest_issues
    assert issues[["column", "rule", "action"]].to_dict("records") == [
        {"column": member, "rule": "not valid JSON: $.param_count: NaN is not a number JSON allows (NaN and "
                                   "Infinity are refused)", "action": "rejected_record"}]


@pytest.mark.parametrize("value, action, rule", [
    ("1_000", "rejected_value", "not a number"),
    ("nan", "rejected_value", "not a number"),
    ("infinity", "rejected_value", "not a number"),
    ("1e999", "rejected_value", "number beyond the range of a float"),
    ("1e308", "warning", "number given as a string (accepted)"),
    ("0.2625", "warning", "number given as a string (accepted)"),
])
def test_numbers_written_as_text_are_parsed_strictly(value, action, rule, tmp_path):
    from tasks.data.ingest import aa

    tables = aa.ingest_site(write_site(tmp_path, records=[site_record(price=value)]))
    issue = tables.ingest_issues.set_index("column").loc["price"]
    assert (issue["value"], issue["action"], issue["rule"]) == (value, action, rule)


def test_a_quoted_1e308_price_is_then_quarantined_as_implausible(tmp_path):
    from tasks.data.ingest import aa

    result = _clean(aa.ingest_site(write_site(tmp_path, records=[site_record(price="1e308")])))
    assert result.quarantine[["field", "value", "rule"]].to_dict("records") == [
        {"field": "aa_headline:blended", "value": "1e+308",
         "rule": "implausible price: 1e+308 USD per 1M tokens is outside 0.0001..10000, the plausible range "
                 "(tasks/data/clean.py PLAUSIBLE_PRICE; a unit error or a placeholder?)"}]


@pytest.mark.parametrize("parser, text, rule", [
    ("parse_number_text", "1_000", "not a number: '1_000'"),
    ("parse_number_text", "inf", "not a number: 'inf'"),
    ("parse_number_text", "1e999", "number beyond the range of a float: '1e999'"),
    ("parse_number", "9" * 400, f"number beyond the range of a float: '{'9' * 40}'"),
    ("parse_usd", "$" + "9" * 400, f"number beyond the range of a float: '${'9' * 39}'"),
])
def test_every_number_parser_refuses_underscores_and_infinities(parser, text, rule):
    from tasks.data import parsing
    from tasks.data.ingest.futuretech_runs import parse_count

    with pytest.raises(parsing.ParseError) as info:
        getattr(parsing, parser)(text)
    assert info.value.rule == rule
    with pytest.raises(parsing.ParseError, match=r"^not a number: '1_000'$"):
        parse_count("1_000")
    with pytest.raises(parsing.ParseError, match=r"^not a number: 'infinity'$"):
        parse_count("infinity")
    with pytest.raises(parsing.ParseError, match=r"^not a finite number: '1e999'$"):
        parse_count("1e999")
    assert parse_count("1.14E+09") == 1.14e9 and parsing.parse_number_text("2,589.00") == 2589.0


def test_toml_nan_and_huge_numbers_are_rejected_values(tmp_path):
    from tasks.data.ingest import models_dev

    member = "providers/acme/models/odd.toml"
    path = write_tar(tmp_path / "catalogue.tar.gz", [
        (member, b'name = "Odd"\nrelease_date = "2026-01-02"\n[cost]\ninput = nan\noutput = 1' + b"0" * 400 + b"\n",
         None)])
    issues = models_dev.ingest(path).ingest_issues
    assert issues[["column", "rule", "action"]].to_dict("records") == [
        {"column": f"{member}:cost.input", "rule": "not a finite number", "action": "rejected_value"},
        {"column": f"{member}:cost.output", "rule": "number beyond the range of a float", "action": "rejected_value"}]


# --- 7. bidirectional controls ------------------------------------------------------------------------------------
@pytest.mark.parametrize("cell, written", [
    ("\u202egpj.exe", "<U+202E>gpj.exe"),
    ("a\u2066b\u2069c\u200e\u200f\u061c", "a<U+2066>b<U+2069>c<U+200E><U+200F><U+061C>"),
    ("=\u202a1", "'=<U+202A>1"),
    ("literal <U+202E> token", "literal <U+003C>U+202E> token"),
    ("plain <U+1234>", "plain <U+1234>"),
])
def test_bidi_controls_are_visible_in_csv_cells_and_read_back_exactly(cell, written, tmp_path):
    from tasks.files.tables import csv_text, read_csv_output

    text = csv_text(pd.DataFrame({"name": [cell]}))
    assert next(csv.reader(io.StringIO(text.splitlines()[1]))) == [written]
    path = tmp_path / "out.csv"
    path.write_text(text, encoding="utf-8")
    assert read_csv_output(path)["name"][0] == cell


def test_bidi_controls_are_visible_in_the_report_markup():
    from tasks.reporting.markup import markdown_to_html, md_code, md_escape

    assert md_escape("\u202egpj.exe") == "&lt;U+202E&gt;gpj.exe"
    assert md_code("a\u2067b") == "`a<U+2067>b`"
    assert markdown_to_html("x \u202e y") == "<p>x &lt;U+202E&gt; y</p>"


@pytest.mark.e2e
def test_a_run_shows_bidi_controls_and_quarantines_implausible_prices(prefect_harness, tmp_path, futuretech_csv,
                                                                        tiny_preset):
    """One run: right-to-left controls in two model names (one drawn in points.csv, one named by a warning in the
    report), a model priced at 1e23, and a FIFO beside the input file. points.csv, quarantine.csv and report.md show
    the controls as tokens (the Parquet keeps them), the price is quarantined with its reason, and the FIFO is listed
    as not read in manifest.json."""
    with open(futuretech_csv, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = [" ".join(h.split()) for h in rows[0]]
    name, price = header.index("Model"), header.index("Lowest Blended Price AA")
    by_name = {row[name]: row for row in rows[1:]}
    by_name["Gemma 2 9B"][name] = "\u202eGemma 2 9B"  # in the frontier points of the tiny preset
    by_name["Gemma 2 27B"][name] = "\u2067Gemma 2 27B"  # dearer than its headline price: a warning in the report
    dear = list(by_name["Qwen3 8B"])
    dear[name], dear[price] = "Dear \u2066Model", "$100000000000000000000000"
    folder = tmp_path / "in"
    folder.mkdir()
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows + [dear])
    (folder / "bidi.csv").write_text(buffer.getvalue(), encoding="utf-8")
    os.mkfifo(folder / "pipe.csv")
    run_estimate(input=str(folder), preset=str(tiny_preset), out=str(tmp_path / "run"), figures=False,
                 history=False, bootstrap_resamples=20)
    run = tmp_path / "run"
    points = (run / "points.csv").read_text(encoding="utf-8")
    assert ",<U+202E>Gemma 2 9B," in points and "\u202e" not in points
    quarantine = list(csv.DictReader(io.StringIO((run / "quarantine.csv").read_text(encoding="utf-8"))))
    dear_rows = [r for r in quarantine if r["name"] == "Dear <U+2066>Model"]
    assert [(r["field"], r["value"], r["rule"]) for r in dear_rows] == [
        ("lowest_reported:blended", "1e+23", "implausible price: 1e+23 USD per 1M tokens is outside 0.0001..10000, the "
                                             "plausible range (tasks/data/clean.py PLAUSIBLE_PRICE; a unit error or a "
                                             "placeholder?)")]
    report = (run / "report.md").read_text(encoding="utf-8")
    assert "| &lt;U+2067&gt;Gemma 2 27B | lowest price across providers" in report
    assert not any(c in report for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
    analysis = next((run / "analysis").glob("*.parquet"))
    assert {"\u202eGemma 2 9B", "\u2067Gemma 2 27B"} <= set(pd.read_parquet(analysis)["name"])  # kept exactly
    manifest = json.loads((run / "manifest.json").read_text())
    assert [(Path(e["path"]).name, e["reason"]) for e in manifest["rejected_inputs"]] == [
        ("pipe.csv", "not read: a FIFO (named pipe); only regular files are read")]
