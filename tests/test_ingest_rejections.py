"""Rejections of the ingest flow are visible and correctly labelled (no server: the session's test harness).

- the final state says what happened ("1 accepted, ... 2 rejected"), and is Failed when every new item is rejected;
- every rejection emits the event ``inference-trends.ingest.rejected`` naming the file where it now is;
- the reason is whole (every line of a schema failure) in the outcome, the ledger and the .error.txt, names the
  file's real place (``rejected/``), and never advises ``--format`` (which the ingest flow does not take);
- a truncated JSON download is rejected as such, with a failed ``detect-format`` task run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from schemas.validation import DataValidationError
from tasks.platform.inbox import rejection_text
from tests.conftest import FIXTURES

SCHEMA_MESSAGE = ("{path}: 2 schema violation(s) (Prices):\n"
                  "  row 1, column input_usd_per_mtok: rule greater_than_or_equal_to(0) failed for value -1.0\n"
                  "  row 3, column output_usd_per_mtok: rule greater_than_or_equal_to(0) failed for value -5.0")


def test_rejection_text_names_the_real_place_and_the_real_option(tmp_path):
    stored = tmp_path / "inbox" / "accepted" / "0123456789abcdef" / "x.csv"
    target = tmp_path / "inbox" / "rejected" / "x.csv"
    error = ValueError(f"{stored}: no adapter recognises this input by its content; force one with --format "
                       "(snapshot, futuretech)")
    text = rejection_text(error, stored, target)
    assert str(target) in text and "accepted" not in text and "--format" not in text
    assert "has no format option" in text and "input_format" in text and "(snapshot, futuretech)" in text
    error = ValueError(f"{stored}: not readable as format 'futuretech' (KeyError: 'Model'); check the file, or let "
                       "the format be detected (leave --format out)")
    assert "--format" not in rejection_text(error, stored, target)


def test_rejections_page_wraps_every_reason_line_including_long_words(tmp_path):
    """The ingest-rejections page's code block has no line wider than its column (issue 28: the reason was cut off at
    the edge): long lines and unbroken words (a path, a JSON fragment) wrapped; nothing lost; text, not markup."""
    from tasks.stages.inbox import REASON_WIDTH, rejections_markdown

    path = "/very/long/" + "nested-folder/" * 12 + "broken.json"
    detail = (f"{path}: not valid JSON, truncated or corrupt? (JSONDecodeError: Expecting value: line 2 column 1 "
              f"(char 59); the file has 59 bytes); no adapter can read it\n" + "x" * 250 + "\n<script>alert(1)</script>")
    page = rejections_markdown(tmp_path, [{"name": "broken.json", "stored_as": path, "sha256": "ab" * 32,
                                           "detail": detail}])
    block = page.split("~~~text\n", 1)[1].split("\n~~~", 1)[0]
    assert max(len(line) for line in block.splitlines()) <= REASON_WIDTH <= 80
    assert "".join(block.split()) == "".join(detail.split())  # every character kept, in order
    assert "<script>" in block  # inside the fenced block: shown as text


@pytest.fixture
def inbox(tmp_path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def test_ingest_run_reports_its_rejections(prefect_harness, inbox, monkeypatch):
    import tasks.stages.inbox as module  # the inbox stage of the ingest flow
    from flows.config import IngestConfig
    from flows.ingest import ingest

    events = []
    monkeypatch.setattr(module, "emit_event", lambda **kwargs: events.append(kwargs))
    real = module.ingest_task

    def failing_for_schema(fmt):  # the futuretech file named "schema-*.csv" fails its schema, whole message
        task = real(fmt)

        def wrapped(path, **kwargs):
            if Path(path).name.startswith("schema-"):
                raise DataValidationError(SCHEMA_MESSAGE.format(path=path), pd.DataFrame())
            return task(path, **kwargs)

        class Shim:
            def with_options(self, **options):
                return lambda path, return_state=False: (
                    _state_of(lambda: wrapped(path)) if return_state else wrapped(path))
        return Shim()

    monkeypatch.setattr(module, "ingest_task", failing_for_schema)
    shutil.copyfile(FIXTURES / "futuretech_small.csv", inbox / "good.csv")
    (inbox / "schema-bad.csv").write_bytes((FIXTURES / "futuretech_small.csv").read_bytes() + b"\n")
    (inbox / "truncated.json").write_text('{"status": 200, "data": [{"id": "a", "name": "A"}, {"id": ')
    state = ingest(IngestConfig(inbox=str(inbox), trigger="none", pull_aa_api=False, settle_seconds=0),
                          return_state=True)
    assert state.is_completed(), state
    assert state.message.startswith("1 accepted, 2 rejected (rejected: schema-bad.csv: 2 schema violation(s)"), state.message
    result = state.result()
    by_name = {o["name"]: o for o in result["outcomes"]}
    schema = by_name["schema-bad.csv"]
    assert schema["outcome"] == "rejected" and schema["stored_as"] == str(inbox / "rejected" / "schema-bad.csv")
    assert "row 3, column output_usd_per_mtok" in schema["detail"]  # the whole message, not its first line
    assert str(inbox / "rejected" / "schema-bad.csv") in schema["detail"] and "accepted" not in schema["detail"]
    truncated = by_name["truncated.json"]
    assert "not valid JSON, truncated or corrupt?" in truncated["detail"] and "--format" not in truncated["detail"]
    report = (inbox / "rejected" / "truncated.json.error.txt").read_text()
    assert "not valid JSON" in report and str(inbox / "rejected" / "truncated.json") in report
    ledger = pd.read_csv(inbox / ".inbox-state" / "ledger.csv", dtype=str, keep_default_na=False).set_index("name")
    assert "row 3, column output_usd_per_mtok" in ledger.loc["schema-bad.csv", "detail"]

    assert [e["event"] for e in events] == ["inference-trends.ingest.rejected"] * 2
    named = {e["payload"]["name"]: e for e in events}
    assert named["truncated.json"]["resource"]["prefect.resource.id"] == \
        f"inference-trends.file.{inbox / 'rejected' / 'truncated.json'}"
    assert "row 3" in named["schema-bad.csv"]["payload"]["reason"]

    # everything new rejected: a Failed run, whose message says so
    (inbox / "truncated-again.json").write_text("[1, 2,")
    state = ingest(IngestConfig(inbox=str(inbox), trigger="none", pull_aa_api=False, settle_seconds=0),
                          return_state=True)
    assert state.is_failed() and state.message.startswith("0 accepted, 1 rejected"), state


def _state_of(call):
    from prefect.states import Completed, Failed

    try:
        return Completed(data=call())
    except Exception as error:  # noqa: BLE001
        return Failed(data=error, message=str(error))
