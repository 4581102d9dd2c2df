"""The hostile corpus of step 13 for the inbox, the ingest flow and the user_csv adapter: each case asserts the exact
outcome (error text, exit code, where the file went, the ledger row, the event).

1. a file whose records are all (or mostly) quarantined on a key field is rejected like an unreadable one, and
   ``inference-trends run`` on it stops with the same reason; a run that estimates nothing never ends as a plain
   success;
2. a mapping names only a file beside it, and no error quotes a line of a file that is not recognisably the data;
3. the inbox's own files (ledger, lock) live where nothing dropped into the inbox can replace them;
4. an entry still open for writing is left with the reason; the ledger's sha256 is the hash of the stored bytes;
5. every name the inbox derives fits the file system's 255 bytes, and every entry taken gets a ledger row.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import FIXTURES
from tests.test_safety import cli, read_rows, tree, write_rows

SMALL = FIXTURES / "futuretech_small.csv"
REJECTED_EVENT = "inference-trends.ingest.rejected"


@pytest.fixture
def inbox(tmp_path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


@pytest.fixture
def events(monkeypatch) -> list[dict]:
    import tasks.stages.inbox as module  # the inbox stage of the ingest flow

    found: list[dict] = []
    monkeypatch.setattr(module, "emit_event", lambda **kwargs: found.append(kwargs))
    return found


def ingest_once(inbox: Path, **options):
    """One ingest run on ``inbox`` in this process (no trigger, no AA API, nothing to settle): its final state."""
    from flows.config import IngestConfig
    from flows.ingest import ingest

    config = IngestConfig(inbox=str(inbox), trigger="none", pull_aa_api=False, settle_seconds=0, **options)
    return ingest(config, return_state=True)


def ledger(inbox: Path) -> pd.DataFrame:
    return pd.read_csv(inbox / ".inbox-state" / "ledger.csv", dtype=str, keep_default_na=False)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def with_dates(source: Path, target: Path, date: str, rows_to_change: int | None = None) -> Path:
    """``source`` (a FutureTech CSV) with the release date of every model row (or of the first N) replaced."""
    rows = read_rows(source)
    column = [" ".join(h.split()) for h in rows[0]].index("Release Date")
    changed = 0
    for row in rows[1:]:
        if row[0].strip() and (rows_to_change is None or changed < rows_to_change):
            row[column], changed = date, changed + 1
    return write_rows(target, rows)


# --- 1. a file that is all bad is not "accepted" ----------------------------------------------------------------
def bad_dates_reason(path: Path) -> str:
    return (f"{path}: none of its 204 records is usable: each is quarantined on a key field (model name, release "
            "date): missing or unparseable release date (204). E.g. record 1 (Gemma 3n E4B Instruct), column "
            "Release Date: not a m/d/yy date: '2025-13-45'. Nothing would be estimated from it")


@pytest.mark.e2e
def test_a_file_whose_every_release_date_is_bad_is_rejected_by_the_inbox_and_the_run(
        prefect_harness, tmp_path, inbox, events, futuretech_csv, tiny_preset):
    # before: accepted ("204 models, 375 prices"), then a green estimate run with no estimate and no warning
    with_dates(futuretech_csv, inbox / "bad-dates.csv", "2025-13-45")
    state = ingest_once(inbox)
    rejected = inbox / "rejected" / "bad-dates.csv"
    reason = bad_dates_reason(rejected)
    assert state.is_failed()
    assert state.message == ("0 accepted, 1 rejected (rejected: bad-dates.csv: none of its 204 records is usable: each "
                             "is quarantined on a key field (model name, release date): missing or unparseable "
                             "release date (204). E.g. record 1 (Gemma 3n E4B Instruct), column Release Da...)")
    assert rejected.exists() and not list((inbox / "accepted").iterdir())
    assert reason in (inbox / "rejected" / "bad-dates.csv.error.txt").read_text()
    row = ledger(inbox).iloc[0]
    assert (row["outcome"], row["format"], row["stored_as"], row["detail"]) == (
        "rejected", "futuretech", str(rejected), reason)
    assert [(e["event"], e["payload"]["reason"]) for e in events] == [(REJECTED_EVENT, reason)]

    # the estimate run on the same file: exit 1, the same reason, nothing written
    (tmp_path / "data").mkdir()
    data = with_dates(futuretech_csv, tmp_path / "data" / "bad-dates.csv", "2025-13-45")
    before = tree(tmp_path, skip=inbox)
    result = cli("run", "--input", str(data), "--preset", str(tiny_preset), "--no-figures", "--no-history",
                 "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == f"error: {bad_dates_reason(data.resolve())}"
    assert tree(tmp_path, skip=inbox) == before and not (tmp_path / "out").exists()


def _cleaned(path: Path):
    from tasks.data.clean import clean, read_corrections
    from tasks.data.ingest import futuretech
    from tasks.files.settings import corrections_file

    return clean(futuretech.ingest(path).validated(str(path)), read_corrections(corrections_file()))


def test_mostly_unusable_is_rejected_by_a_documented_limit(tmp_path, monkeypatch):
    from tasks.data.usable import MAX_UNUSABLE_SHARE, MAX_UNUSABLE_SHARE_ENV, unusable_reason

    monkeypatch.delenv(MAX_UNUSABLE_SHARE_ENV, raising=False)
    assert MAX_UNUSABLE_SHARE == 0.5
    # the fixture: 9 records, one without a name, Delta without a date, Eta dated 13/1/24: 3 unusable (33%)
    assert unusable_reason("small", _cleaned(SMALL).quarantine, _cleaned(SMALL).summary) is None
    four = _cleaned(with_dates(SMALL, tmp_path / "four.csv", "someday", 1))  # 4 of 9: 44%, kept
    assert unusable_reason("four.csv", four.quarantine, four.summary) is None
    five = _cleaned(with_dates(SMALL, tmp_path / "five.csv", "someday", 2))  # 5 of 9: 56%, rejected
    assert unusable_reason("five.csv", five.quarantine, five.summary) == (
        "five.csv: 5 of its 9 records (56%) are unusable, more than the limit of 50% "
        "(INFERENCE_TRENDS_MAX_UNUSABLE_SHARE sets another): each is quarantined on a key field (model name, release "
        "date): missing or unparseable release date (4); missing model name (1). E.g. record 1 (Alpha 7B), column "
        "Release Date: not a m/d/yy date: 'someday'. Nothing would be estimated from it")
    monkeypatch.setenv(MAX_UNUSABLE_SHARE_ENV, "0.6")
    assert unusable_reason("five.csv", five.quarantine, five.summary) is None
    monkeypatch.setenv(MAX_UNUSABLE_SHARE_ENV, "1")  # only a file with no usable record at all
    none = _cleaned(with_dates(SMALL, tmp_path / "none.csv", "someday"))
    assert unusable_reason("none.csv", none.quarantine, none.summary).startswith(
        "none.csv: none of its 9 records is usable: ")
    monkeypatch.setenv(MAX_UNUSABLE_SHARE_ENV, "lots")
    with pytest.raises(ValueError, match=r"INFERENCE_TRENDS_MAX_UNUSABLE_SHARE='lots' is not a number from 0 to 1"):
        unusable_reason("five.csv", five.quarantine, five.summary)


def test_the_real_files_are_far_from_the_limit(futuretech_csv):
    from tasks.data.usable import unusable_reason

    merged = futuretech_csv.parent.parent / "futuretech-2026-04" / "merged.csv"  # 89 of 309 unusable (29%)
    for path in (futuretech_csv, merged):
        if path.exists():
            result = _cleaned(path)
            assert unusable_reason(path.name, result.quarantine, result.summary) is None


def _trends(tmp_path: Path, statuses: list[tuple[str, str | None]]):
    from tasks.files.catalog import RunTables

    frame = pd.DataFrame([{"trend_id": f"t{i}", "status": status, "note": note}
                          for i, (status, note) in enumerate(statuses)])
    frame.to_parquet(tmp_path / "trends.parquet")
    return RunTables(**{name: tmp_path / f"{name}.parquet" for name in RunTables.names()})


def test_a_run_whose_every_trend_is_skipped_stops_before_it_publishes(tmp_path):
    from tasks.data.usable import Unusable
    from tasks.trends import nothing_estimated
    from tasks.stages.outputs import check_estimated

    skipped = [("skipped", "no mmlu_pro scores in snapshot x")] * 3 + [("skipped", "no usable price")]
    with pytest.raises(Unusable) as stop:
        check_estimated(_trends(tmp_path, skipped))
    assert str(stop.value) == ("nothing was estimated: none of the 4 trend(s) of this run has an estimate (4 skipped); "
                               "the most frequent reasons: no mmlu_pro scores in snapshot x (3); no usable price (1). "
                               "Nothing was published")
    mixed = pd.DataFrame({"trend_id": ["a", "b", "b"], "status": ["skipped", "insufficient", "insufficient"],
                          "note": ["none", "2 model(s), fewer than the minimum of 4", None]})
    assert nothing_estimated(mixed) == ("nothing was estimated: none of the 2 trend(s) of this run has an estimate "
                                        "(1 skipped, 1 insufficient); the most frequent reasons: none (1); 2 model(s), "
                                        "fewer than the minimum of 4 (1)", True)
    assert nothing_estimated(pd.concat([mixed, pd.DataFrame({"trend_id": ["c"], "status": ["short_span"],
                                                             "note": [None]})])) is None


@pytest.mark.e2e
def test_a_run_whose_every_trend_has_too_few_points_says_so_in_its_final_state(prefect_harness, tmp_path,
                                                                                tiny_preset):
    # before: Completed() in green, nothing in the state; the tests' small file is a legitimate (small) input, whose
    # report says how many points each trend had: it is published, and its state says that nothing was estimated
    from flows.config import EstimateConfig
    from flows.estimate import estimate
    from tests.conftest import drain_prefect

    try:
        state = estimate(EstimateConfig(input=str(SMALL), preset=str(tiny_preset), out=str(tmp_path / "run"),
                                        figures=False, history=False, bootstrap_resamples=0), return_state=True)
    finally:
        drain_prefect()
    assert state.is_completed()
    assert state.message.startswith("nothing was estimated: none of the 30 trend(s) of this run has an estimate "
                                    "(30 insufficient); the most frequent reasons: "), state.message
    assert state.message.endswith("; see the report")
    assert state.result()["nothing_estimated"] in state.message and (tmp_path / "run" / "report.md").exists()


# --- 2. a mapping reads only the file beside it ------------------------------------------------------------------
SECRET = "SECRET_KEY=hunter2\nsecond secret line\nthird secret line\n"


@pytest.fixture
def mapped(tmp_path) -> Path:
    """A folder with a valid CSV and a secret file outside it."""
    folder = tmp_path / "mine"
    (folder / "sub").mkdir(parents=True)
    (folder / "data.csv").write_text("Model,Released\nA,2024-01-01\nB,2024-06-01\n")
    (folder / "sub" / "data.csv").write_text("Model,Released\nA,2024-01-01\n")
    (tmp_path / "secret.txt").write_text(SECRET)
    return folder


def mapping(folder: Path, file: str, model: str = "Model", name: str = "x.mapping.toml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(f"""\
        file = "{file}"
        source = "mine"
        [columns]
        model = "{model}"
        release_date = "Released"
        """))
    return path


RULE = ("a mapping may name only a file in its own folder, by its name alone (no folder, no absolute path, no link "
        "leading out of the folder)")


@pytest.mark.parametrize("kind", ["absolute", "dotdot", "subfolder", "link-out"])
def test_a_mapping_names_only_a_file_beside_it(mapped, kind):
    from tasks.data.ingest import user_csv
    from tasks.data.ingest.common import SourceError

    secret = mapped.parent / "secret.txt"
    if kind == "link-out":
        (mapped / "link.csv").symlink_to(secret)
    file = {"absolute": str(secret), "dotdot": "../secret.txt", "subfolder": "sub/data.csv",
            "link-out": "link.csv"}[kind]
    path = mapping(mapped, file, model="SECRET_KEY=hunter2")  # before: every line of the secret a quarantine row
    with pytest.raises(SourceError) as error:
        user_csv.ingest(path)
    expected = (f"{path}: field 'file': 'link.csv' is a link to a file outside the mapping's folder; {RULE}"
                if kind == "link-out" else f"{path}: field 'file': {file!r} is not a file name beside the mapping; "
                f"{RULE}")
    assert str(error.value) == expected
    assert user_csv.members(path) == [path]  # nothing outside is listed (nor hashed into a manifest)


def test_a_link_beside_the_mapping_to_a_file_beside_it_is_read(mapped):
    from tasks.data.ingest import user_csv

    (mapped / "alias.csv").symlink_to(mapped / "data.csv")
    tables = user_csv.ingest(mapping(mapped, "alias.csv"))
    assert sorted(tables.models["name"]) == ["A", "B"]


def test_column_not_found_never_prints_a_file_that_is_not_the_data(mapped):
    from tasks.data.ingest import user_csv
    from tasks.data.ingest.common import SourceError

    (mapped / "notes.txt").write_text(SECRET)
    with pytest.raises(SourceError) as error:
        user_csv.ingest(mapping(mapped, "notes.txt"))
    # before: "...not in the file: Model, Released; the file has: SECRET_KEY=hunter2"
    assert str(error.value) == ("notes.txt: none of the column(s) named in the mapping (Model, Released) is in the "
                                "file's first line; is it the file the mapping describes? (the line is not shown)")
    (mapped / "partly.csv").write_text("Model,Date\nA,2024-01-01\n")  # recognisably the data: its header helps
    with pytest.raises(SourceError) as error:
        user_csv.ingest(mapping(mapped, "partly.csv"))
    assert str(error.value) == ("partly.csv: column(s) named in the mapping are not in the file: Released; the file "
                                "has: Model, Date")


def test_a_mapping_in_the_inbox_reaching_outside_publishes_nothing_of_it(prefect_harness, tmp_path, inbox, events):
    (tmp_path / "secret.txt").write_text(SECRET)
    drop = inbox / "mine"
    drop.mkdir()
    mapping(drop, str(tmp_path / "secret.txt"), model="SECRET_KEY=hunter2")
    lone = mapping(inbox, "../../secret.txt", name="lone.mapping.toml")
    state = ingest_once(inbox)
    assert state.is_failed() and state.message.startswith("0 accepted, 2 rejected (rejected: "), state.message
    rows = ledger(inbox).set_index("name")
    assert rows.loc["lone.mapping.toml", "detail"] == (f"{inbox / 'rejected' / 'lone.mapping.toml'}: field 'file': "
                                                       f"'../../secret.txt' is not a file name beside the mapping; "
                                                       f"{RULE}")
    assert rows.loc["mine", "detail"] == (f"{inbox / 'rejected' / 'mine' / 'x.mapping.toml'}: field 'file': "
                                          f"'{tmp_path / 'secret.txt'}' is not a file name beside the mapping; {RULE}")
    assert rows.loc["lone.mapping.toml", "outcome"] == "rejected" and not lone.exists()
    published = "\n".join([state.message, (inbox / ".inbox-state" / "ledger.csv").read_text(), repr(events)]
                          + [p.read_text() for p in (inbox / "rejected").rglob("*") if p.is_file()])
    assert "hunter2" in (inbox / "rejected" / "mine" / "x.mapping.toml").read_text()  # the mapping names it...
    assert "secret line" not in published  # ...but no line of the file itself is anywhere


# --- 3. the inbox's own files cannot be replaced by a dropped one ----------------------------------------------
def test_a_dropped_ledger_csv_is_data_and_the_ledger_is_kept(prefect_harness, inbox):
    from tasks.platform.inbox_layout import ready_signature

    (inbox / "first.csv").write_bytes(SMALL.read_bytes())
    assert ingest_once(inbox).message == "1 accepted, 0 rejected"
    (inbox / "ledger.csv").write_bytes(SMALL.read_bytes() + b"\n")  # before: replaced the ledger; KeyError forever
    (inbox / "later.csv").write_text("not,a,known,format\n")
    assert [name for name, _, _ in ready_signature(inbox)] == ["later.csv", "ledger.csv"]  # the watcher sees both
    state = ingest_once(inbox)
    assert state.is_completed() and state.message.startswith("1 accepted, 1 rejected (rejected: later.csv: "), state
    assert ledger(inbox)[["name", "outcome"]].values.tolist() == [
        ["first.csv", "accepted"], ["ledger.csv", "accepted"], ["later.csv", "rejected"]]
    assert sorted(p.name for p in inbox.iterdir()) == [".inbox-state", "accepted", "rejected"]


def test_the_ledger_of_the_earlier_layout_moves_once_and_only_if_it_is_one(prefect_harness, tmp_path):
    from tasks.platform.inbox import LEDGER_COLUMNS

    old = tmp_path / "old"
    stored = old / "accepted" / "0123456789abcdef" / "small.csv"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(SMALL.read_bytes())
    (old / "rejected").mkdir()
    (old / ".lock").write_text("")
    row = [sha256(SMALL), "small.csv", "inbox", "futuretech", "accepted", str(stored), "2026-01-01T00:00:00+00:00",
           "", "8 models, 11 prices"]
    write_rows(old / "ledger.csv", [LEDGER_COLUMNS, row])
    (old / "again.csv").write_bytes(SMALL.read_bytes())
    state = ingest_once(old)
    assert state.message == "0 accepted, 1 duplicate, 0 rejected"  # the moved ledger knows the content
    assert ledger(old).values.tolist() == [row, [sha256(SMALL), "again.csv", "inbox", "", "duplicate", str(stored),
                                                 ledger(old).iloc[1]["processed_at"], "", "content already accepted"]]
    assert sorted(p.name for p in old.iterdir()) == [".inbox-state", "accepted", "rejected"]

    other = tmp_path / "other"  # a ledger.csv that is not the ledger (other columns): data, never adopted
    other.mkdir()
    (other / ".lock").write_text("")
    (other / "ledger.csv").write_text("sha256,name\nabc,x\n")
    state = ingest_once(other)
    assert state.message.startswith("0 accepted, 1 rejected (rejected: ledger.csv: no adapter recognises"), state
    assert ledger(other)[["name", "outcome"]].values.tolist() == [["ledger.csv", "rejected"]]


def test_files_named_like_the_inbox_folders_are_data(prefect_harness, inbox):
    (inbox / "accepted").write_bytes(SMALL.read_bytes())  # a fresh inbox: before, mkdir failed (FileExistsError)
    (inbox / "rejected").write_text("not,a,known,format\n")
    state = ingest_once(inbox)
    assert state.message.startswith("1 accepted, 1 rejected (rejected: rejected: no adapter recognises"), state.message
    rows = ledger(inbox).set_index("name")
    assert rows.loc["accepted", "stored_as"] == str(inbox / "accepted" / sha256(SMALL)[:16] / "accepted")
    assert rows.loc["rejected", "stored_as"] == str(inbox / "rejected" / "rejected")
    assert (inbox / "accepted").is_dir() and (inbox / "rejected" / "rejected.error.txt").exists()
    assert not list((inbox / ".inbox-state" / "held").iterdir())


# --- 4. taken only when closed, and the ledger's hash is the stored file's --------------------------------------
WRITER = """
import sys
data = open(sys.argv[2], "rb").read()
with open(sys.argv[1], "wb") as handle:
    handle.write(data[: len(data) // 2]); handle.flush()
    print("half written", flush=True)
    sys.stdin.readline()  # paused, the file open, until told to go on
    handle.write(data[len(data) // 2:])
"""


def test_a_file_still_open_for_writing_is_left_with_the_process_named(prefect_harness, inbox):
    from tasks.platform.inbox import waiting
    from tasks.platform.inbox_layout import ready_signature

    path = inbox / "prices.csv"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(SMALL)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline() == "half written\n"
        old = path.stat().st_mtime - 3600  # paused for an hour: long settled
        os.utime(path, (old, old))
        reason = f"prices.csv: still open for writing by process {writer.pid}; left for the next run"
        assert waiting(inbox, settle_seconds=10) == ([], [reason]) and ready_signature(inbox, 10) == ()
        state = ingest_once(inbox)  # before: the half file was accepted
        assert state.message == f"nothing new in the inbox; 1 item(s) left in the inbox ({reason})"
        assert path.exists() and not (inbox / ".inbox-state" / "ledger.csv").exists()
        writer.stdin.write("go on\n")
        writer.stdin.flush()
        assert writer.wait(timeout=60) == 0
    finally:
        writer.kill()
        writer.wait()
    reader = subprocess.Popen([sys.executable, "-c", "import sys; f = open(sys.argv[1], 'rb'); print('open', "
                               "flush=True); sys.stdin.readline()", str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline() == "open\n"  # a reader (a viewer, a scanner) holds nothing up
        assert ingest_once(inbox).message == "1 accepted, 0 rejected"
    finally:
        reader.kill()
        reader.wait()
    row = ledger(inbox).iloc[0]
    stored = Path(row["stored_as"])
    assert row["sha256"] == sha256(stored) == sha256(SMALL) and stored.parent.name == sha256(SMALL)[:16]


def test_an_item_that_changes_while_it_is_taken_is_left_and_nothing_is_stored(inbox):
    from tasks.platform.inbox import Changed, Incoming, take
    from tasks.core.hashing import sha256_tree

    path = inbox / "prices.csv"
    path.write_bytes(SMALL.read_bytes())
    item = Incoming(path, sha256_tree(path), "inbox")
    path.write_bytes(SMALL.read_bytes() + b"A late row,,,\n")  # written after it was listed
    with pytest.raises(Changed, match=r"^prices.csv changed while it was being taken \(sha256 [0-9a-f]{12} when "
                       r"listed, [0-9a-f]{12} copied\); left for the next run$"):
        take(inbox, item)
    assert path.read_bytes().endswith(b"A late row,,,\n") and not list((inbox / "accepted").rglob("*"))
    item = Incoming(path, sha256_tree(path), "inbox")
    stored, digest = take(inbox, item)
    assert digest == sha256(stored) == item.sha256 and not path.exists()


def test_links_are_not_taken_for_what_they_point_to(prefect_harness, tmp_path, inbox):
    # a link holds no bytes of its own: what it points to can change after it was validated (and can be any file)
    outside = tmp_path / "outside.csv"
    outside.write_bytes(SMALL.read_bytes())
    (inbox / "link.csv").symlink_to(outside)
    (inbox / "pack").mkdir()
    (inbox / "pack" / "data.csv").symlink_to(Path("..") / ".." / "outside.csv")  # leads out of its folder
    state = ingest_once(inbox)
    assert state.is_failed() and state.message.startswith("0 accepted, 2 rejected"), state.message
    rows = ledger(inbox).set_index("name")
    assert rows.loc["link.csv", "detail"] == (f"{inbox / 'rejected' / 'link.csv'}: a symbolic link; the inbox takes "
                                              "files and folders, not links to them (copy the file itself into the "
                                              "inbox)")
    assert rows.loc["pack", "detail"].startswith(f"{inbox / 'rejected' / 'pack'}: its copy does not hold what it held "
                                                 "(sha256 ")
    assert rows.loc["pack", "detail"].endswith("links in it lead out of it? The inbox takes files and folders, not "
                                               "links to them: copy the files themselves into it")
    assert sorted(p.name for p in inbox.iterdir()) == [".inbox-state", "accepted", "rejected"]
    assert outside.read_bytes() == SMALL.read_bytes()


# --- 5. every derived name fits in 255 bytes; every entry gets a ledger row ------------------------------------
def test_long_names_are_shortened_deterministically_keeping_the_suffix():
    from tasks.platform.inbox_layout import NAME_MAX, fit_name

    name = "a" * 246 + ".csv"
    short = fit_name(name, len(".error.txt"))
    assert short == "a" * 232 + "~" + hashlib.sha256(name.encode()).hexdigest()[:8] + ".csv"
    assert len((short + ".error.txt").encode()) == NAME_MAX and fit_name(name, 10) == short
    assert fit_name("a" * 245 + "b.csv", 10) != short  # names that differ at the end stay distinct
    accents = "é" * 125 + ".csv"  # 125 characters, 254 bytes: it fits alone, not with .error.txt
    assert fit_name(accents) == accents
    shortened = fit_name(accents, 10)
    assert len((shortened + ".error.txt").encode()) <= NAME_MAX and shortened.startswith("é" * 116 + "~")
    assert fit_name("x" * 300 + ".mapping.toml").endswith(".mapping.toml")
    assert fit_name("prices.csv", 10) == "prices.csv"


def test_a_long_name_is_rejected_with_a_report_and_a_ledger_row(prefect_harness, inbox):
    from tasks.stages.inbox import snapshot_name_for
    from tasks.files.folders import check_name
    from tasks.platform.inbox_layout import NAME_MAX, fit_name

    long_name, accents = "a" * 246 + ".csv", "é" * 125 + ".csv"
    (inbox / long_name).write_text("not,a,known,format\n")  # before: ENAMETOOLONG; stuck in accepted/, no row
    (inbox / accents).write_text("also,not,known\n")
    state = ingest_once(inbox)
    assert state.message.startswith("0 accepted, 2 rejected"), state.message
    rows = ledger(inbox).set_index("name")
    assert sorted(rows.index) == sorted([long_name, accents]) and set(rows["outcome"]) == {"rejected"}
    for name in (long_name, accents):
        target = inbox / "rejected" / fit_name(name, 10)
        assert rows.loc[name, "stored_as"] == str(target) and target.exists()
        assert (target.parent / f"{target.name}.error.txt").read_text().startswith(f"file:      {target}\n")
    assert all(len(p.name.encode()) <= NAME_MAX for p in inbox.rglob("*"))
    assert not list((inbox / "accepted").iterdir())
    (inbox / long_name).write_text("other,unknown,content\n")  # the same name again: a free name, shortened
    ingest_once(inbox)
    second = Path(ledger(inbox)["stored_as"].iloc[-1])
    assert second.name == fit_name("a" * 246 + ".2.csv", 10) and second.exists()
    assert check_name(snapshot_name_for(Path(long_name)), "snapshot") == "a" * 91 + "-" + hashlib.sha256(
        ("a" * 246).encode()).hexdigest()[:8]


def test_an_item_that_cannot_be_moved_to_rejected_still_gets_its_ledger_row(prefect_harness, inbox, monkeypatch):
    import tasks.stages.inbox as module  # the inbox stage of the ingest flow

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(module, "reject", full_disk)  # a fault the file system can raise at any time
    (inbox / "odd.csv").write_text("not,a,known,format\n")
    state = ingest_once(inbox)
    row = ledger(inbox).iloc[0]
    stored = inbox / "accepted" / row["sha256"][:16] / "odd.csv"
    assert (row["name"], row["outcome"], row["stored_as"]) == ("odd.csv", "rejected", str(stored)) and stored.exists()
    assert row["detail"].endswith(f"(it could not be moved to rejected/: No space left on device; it is still at "
                                  f"{stored})")
    assert state.is_failed()
