"""The inbox watcher (flows/watch.py) without a server: when it creates an ingest flow run, and when it does not."""

from __future__ import annotations

import os
import time

import flows.watch as watch
from tasks.platform.inbox_layout import ready_signature


def test_ready_signature_lists_only_what_an_ingest_run_would_take(tmp_path):
    for name in ("accepted", "rejected"):
        (tmp_path / name).mkdir()
    (tmp_path / ".inbox-state").mkdir()  # the inbox's own files (a dropped ledger.csv is data)
    (tmp_path / ".inbox-state" / "ledger.csv").write_text("x\n")
    (tmp_path / ".inbox-state" / "lock").write_text("")
    (tmp_path / "copying.csv.part").write_text("x")
    assert ready_signature(tmp_path) == ()
    fresh = tmp_path / "new.csv"
    fresh.write_text("a,b\n")
    assert ready_signature(tmp_path, settle_seconds=60) == ()  # still being written?
    old = time.time() - 120
    os.utime(fresh, (old, old))
    assert [name for name, _, _ in ready_signature(tmp_path, settle_seconds=60)] == ["new.csv"]


def test_one_run_per_new_content_none_for_an_empty_inbox(tmp_path, monkeypatch):
    calls, state = [], {"type": "RUNNING"}

    def fake_call(api, method, path, body=None):
        calls.append((method, path))
        if path.startswith("/deployments/name/"):
            return {"id": "dep"}
        if path.endswith("/create_flow_run"):
            return {"id": f"run{len(calls)}", "name": "a-run"}
        return {"state_type": state["type"]}

    monkeypatch.setattr(watch, "_call", fake_call)
    watcher = watch.Watcher("http://api", settle=0)
    assert watcher.check(tmp_path) is None and calls == []  # empty: not even an API call
    (tmp_path / "a.csv").write_text("x")
    first = watcher.check(tmp_path)
    assert first and ("POST", "/deployments/dep/create_flow_run") in calls
    (tmp_path / "b.csv").write_text("y")
    assert watcher.check(tmp_path) is None  # its run is still running: the next one takes b.csv
    state["type"] = "COMPLETED"
    assert watcher.check(tmp_path)  # new entries, the last run done: a new run
    assert watcher.check(tmp_path) is None  # the same entries left behind: not again before the retry period
