"""Step 13's service cases: what the API of `make serve` may make the service do, and the AA client's bounds.

Each case asserts the exact outcome (the error text, the run's state and message) and, where files are at stake, that
nothing outside changed (``tree()``). The same cases against a real `make serve` server (CORS, 401, the confinement
of a deployment run) are in tests/test_service.py, in its one server session.

1. The run the inbox watcher creates takes exactly what the watcher saw (``entries``), whatever the ingest
   deployment's own ``settle_seconds``; a run that cannot take what it was created for names it in its state.
2. Every path parameter of every deployment is confined to the project's data folders (or the folders of
   ``INFERENCE_TRENDS_ALLOWED_ROOTS``), resolved; the AA key goes only to https://artificialanalysis.ai, other base
   URLs only with an opt-in that no flow parameter can set.
3. The AA client: each attempt bounded as a whole (a server dripping bytes), the whole call by a deadline, the
   decoded body by a size limit (a gzip bomb), against the real local HTTP server of tests/test_aa_client.py.
"""

from __future__ import annotations

import gzip
import inspect
import os
import zlib
from pathlib import Path

import pydantic
import pytest
from typer.testing import CliRunner

from flows import deployments
from flows.cli import app
from flows.config import FetchConfig, IngestConfig
from flows.watch import auth_headers, run_parameters
from tasks.platform.aa_client import (MAX_RESPONSE_ENV, OTHER_BASE_URL_ENV, AAClientError, AAFetchFailed,
                                      check_base_url, fetch_models)
from tasks.platform.inbox_layout import ready_signature
from tasks.platform.inbox_seen import format_entry, parse_entry
from tasks.files.settings import (ALLOWED_ROOTS_ENV, PROJECT_ROOT, PathNotAllowed, allowed_roots, cache_dir,
                                     confined_path, runs_dir, shared_data_dir)
from tests.test_aa_client import FAST, FIXTURE_BYTES, KEY, Reply, aa_server, out_dir  # noqa: F401  (fixtures)
from tests.test_safety import tree


# --- 1. the watcher's run takes what the watcher saw ------------------------------------------------------------
TRUNCATED = '{"status": 200, "data": [{"id": "a", "name": "A"}, {"id": '


def run_ingest(inbox: Path, **config):
    """The ingest flow in this process (the session's Prefect API); its final state."""
    from flows.ingest import ingest

    return ingest(IngestConfig(inbox=str(inbox), pull_aa_api=False, trigger="none", **config), return_state=True)


def test_the_watchers_run_takes_what_it_saw_whatever_the_deployments_settle_time(prefect_harness, tmp_path):
    # the watcher settles after 1 s, the deployment keeps settle_seconds=10: the file, written just now, is still
    # "being written" by the deployment's measure; the run must take it anyway (on main it found "nothing new")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "truncated.json").write_text(TRUNCATED)
    seen = ready_signature(inbox, 0)
    parameters = run_parameters(seen)
    assert parameters == {"entries": [f"truncated.json ({len(TRUNCATED)} bytes, mtime {seen[0][1]!r})"]}
    state = run_ingest(inbox, settle_seconds=10, **parameters)
    assert state.is_failed(), state
    assert state.message.startswith("0 accepted, 1 rejected (rejected: truncated.json: not valid JSON"), state.message
    assert (inbox / "rejected" / "truncated.json").exists() and not (inbox / "truncated.json").exists()


def test_a_run_that_cannot_take_what_it_was_created_for_names_each_entry(prefect_harness, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "growing.json").write_text(TRUNCATED)
    (inbox / "gone.csv").write_text("Model,Creator\n")
    seen = dict((name, (mtime, size)) for name, mtime, size in ready_signature(inbox, 0))
    (inbox / "gone.csv").unlink()  # taken by another run, or removed, before this run started
    entries = [format_entry(name, *seen[name]) for name in ("growing.json", "gone.csv")]
    with open(inbox / "growing.json", "a") as handle:  # still being written after all
        handle.write('"b"}]}')
    now = (inbox / "growing.json").stat().st_mtime
    before = tree(inbox)
    state = run_ingest(inbox, settle_seconds=0, entries=entries)
    assert state.is_completed(), state
    assert state.message == (
        "none of the 2 entries this run was created for was taken: growing.json: changed since the watcher saw it "
        f"({len(TRUNCATED)} -> {len(TRUNCATED) + 6} bytes, mtime {seen['growing.json'][0]!r} -> {now!r}); the "
        "watcher creates a run for it once it has settled; gone.csv: gone from the inbox (taken by another run, or "
        "removed)")
    # growing.json left as it was, nothing accepted or rejected (the inbox's own lock and ledger aside)
    assert {k: v for k, v in tree(inbox).items() if not k.startswith(".")} == before


def test_an_entry_that_cannot_be_read_fails_the_run_it_was_created_for(prefect_harness, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    os.mkfifo(inbox / "pipe")  # neither a file nor a folder (a permission problem reads the same, for non-root)
    state = run_ingest(inbox, entries=run_parameters(ready_signature(inbox, 0))["entries"])
    assert state.is_failed(), state
    assert state.message == ("none of the 1 entries this run was created for was taken: pipe: cannot be read "
                             "(neither a regular file nor a folder); left in the inbox")


@pytest.mark.parametrize("line, problem", [
    ("../outside.csv (1 bytes, mtime 1.0)", "'../outside.csv' is not an entry the ingest flow takes from the inbox"),
    ("x.csv.part (1 bytes, mtime 1.0)", "'x.csv.part' is not an entry the ingest flow takes from the inbox"),
    (".hidden (1 bytes, mtime 1.0)", "'.hidden' is not an entry the ingest flow takes from the inbox"),
    ("x.csv", "'x.csv' is not of the form 'NAME (SIZE bytes, mtime SECONDS)'"),
])
def test_entries_name_only_plain_entries_of_the_inbox(line, problem):
    with pytest.raises(pydantic.ValidationError) as info:
        IngestConfig(entries=[line])
    assert f"entries: {problem}" in str(info.value)


def test_an_entry_named_like_the_inboxs_own_folder_never_takes_that_folder(tmp_path):
    """``accepted`` may name a file dropped under that name (it waits in .inbox-state/held/), never the inbox's own
    accepted/ folder."""
    from tasks.platform.inbox_seen import check_entries

    (tmp_path / "accepted" / "0123abcd").mkdir(parents=True)
    taken, not_taken = check_entries(tmp_path, ["accepted (4096 bytes, mtime 1.0)"])
    assert taken == [] and not_taken == [
        ("gone", "accepted: gone from the inbox (taken by another run, or removed)")]
    (tmp_path / ".inbox-state" / "held").mkdir(parents=True)
    held = tmp_path / ".inbox-state" / "held" / "accepted"
    held.write_text("a,b\n")
    mtime, size = held.lstat().st_mtime, held.lstat().st_size
    taken, not_taken = check_entries(tmp_path, [format_entry("accepted", mtime, size)])
    assert taken == [held] and not_taken == []


def test_entries_read_back_exactly():
    mtime = 1751450000.1234567
    assert parse_entry(format_entry("a b (1).csv", mtime, 42)) == ("a b (1).csv", mtime, 42)


def test_the_ingest_form_has_entries_as_a_flat_described_list():
    parameters = inspect.signature(deployments.ingest.fn).parameters
    assert parameters["entries"].default == [] and parameters["entries"].annotation == "list[str]"
    assert "Set by the inbox watcher" in inspect.getdoc(deployments.ingest.fn)


# --- 2a. path parameters of the deployments are confined ----------------------------------------------------------
@pytest.fixture
def elsewhere(tmp_path) -> Path:
    """A user's folder outside the project: what a hostile request names."""
    folder = tmp_path / "elsewhere"
    (folder / "sub").mkdir(parents=True)
    (folder / "taxes.pdf").write_bytes(b"%PDF-1.4 private")
    (folder / "authorized_keys").write_text("ssh-ed25519 AAAA me@home\n")
    (folder / "sub" / "notes.txt").write_text("mine\n")
    (folder / "preset.toml").write_text("name = 'x'\n")
    return folder


def refusal(parameter: str, path: Path, write: bool, resolved: Path | None = None) -> str:
    roots = ", ".join(map(str, allowed_roots(write)))
    source = (f"{ALLOWED_ROOTS_ENV} of the service" if os.environ.get(ALLOWED_ROOTS_ENV) else
              f"the project's data folders; start the service with {ALLOWED_ROOTS_ENV}=DIR:DIR... to allow others")
    shown = f"{path} (resolved: {resolved})" if resolved else str(path)
    return (f"{parameter}: {shown} is outside the folders a deployment run may {'write to' if write else 'read'}: "
            f"{roots} ({source}; the command line is not restricted)")


def test_default_roots_are_the_projects_data_folders(monkeypatch):
    monkeypatch.delenv(ALLOWED_ROOTS_ENV, raising=False)
    data = (PROJECT_ROOT / "data").resolve()
    # the tests' cache and run folders are outside data/ (tests/conftest.py): configured locations count
    assert allowed_roots(write=True) == [data, cache_dir().resolve(), runs_dir().resolve()]
    assert allowed_roots(write=False) == [data, cache_dir().resolve(), runs_dir().resolve(),
                                          (PROJECT_ROOT / "presets").resolve(), shared_data_dir().resolve()]
    assert confined_path("data/runs/mine", "out", write=True) == data / "runs" / "mine"
    # the shared raw datasets are read (the price-history flow's default input), never written
    assert confined_path(shared_data_dir() / "aa-site-scrape-daily", "input", write=False)
    with pytest.raises(PathNotAllowed) as info:
        confined_path(shared_data_dir() / "x", "store", write=True)
    assert str(info.value) == refusal("store", shared_data_dir() / "x", write=True)
    with pytest.raises(PathNotAllowed) as info:  # relative to the project, then resolved: no way out by ../
        confined_path("data/../../outside", "input", write=False)
    assert str(info.value) == refusal("input", PROJECT_ROOT / "data/../../outside", write=False,
                                      resolved=(PROJECT_ROOT / "data/../../outside").resolve())


CASES = [  # (deployment, its other required parameters, the path parameter, as a list?, written?)
    ("estimate", {}, "input", False, False),
    ("estimate", {}, "extra_inputs", True, False),
    ("estimate", {}, "custom_preset", False, False),
    ("estimate", {}, "out", False, True),
    ("estimate", {}, "corrections", False, False),
    ("ingest", {}, "inbox", False, True),
    ("ingest", {}, "custom_preset", False, False),
    ("build_snapshot", {"inputs": ["data/snapshots/futuretech-2025-07"], "name": "x"}, "inputs", True, False),
    ("build_snapshot", {"inputs": ["data/snapshots/futuretech-2025-07"], "name": "x"}, "crosswalk", False, False),
    ("build_snapshot", {"inputs": ["data/snapshots/futuretech-2025-07"], "name": "x"}, "out_dir", False, True),
    ("price_history", {}, "input", False, False),
    ("price_history", {}, "store", False, True),
    ("fetch_aa", {}, "out_dir", False, True),
]


@pytest.mark.parametrize("name, required, parameter, many, write", CASES,
                         ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_every_path_parameter_of_every_deployment_is_confined(name, required, parameter, many, write, elsewhere,
                                                              monkeypatch):
    monkeypatch.delenv(ALLOWED_ROOTS_ENV, raising=False)
    target = elsewhere / ("preset.toml" if parameter == "custom_preset" else "sub")
    before = tree(elsewhere)
    flow = getattr(deployments, name).fn  # the flow body, as the worker runs it for an API request
    with pytest.raises(PathNotAllowed) as info:
        flow(**{**required, parameter: [str(target)] if many else str(target)})
    assert str(info.value) == refusal(parameter, target, write)
    assert tree(elsewhere) == before and sorted(p.name for p in elsewhere.iterdir()) == [
        "authorized_keys", "preset.toml", "sub", "taxes.pdf"]


def test_every_path_parameter_of_the_forms_is_in_the_cases():
    """A new path parameter of a deployment must be added to CASES (and confined)."""
    paths = {"input", "extra_inputs", "custom_preset", "out", "corrections", "inbox", "inputs", "crosswalk",
             "out_dir", "store"}
    for name in ("estimate", "ingest", "build_snapshot", "price_history", "fetch_aa"):
        fields = set(inspect.signature(getattr(deployments, name).fn).parameters)
        assert fields & paths == {c[2] for c in CASES if c[0] == name}, name
        assert not {f for f in fields - paths if any(w in f for w in ("path", "dir", "file", "folder"))}, fields


def test_a_symlink_inside_an_allowed_root_to_elsewhere_is_refused(tmp_path, elsewhere, monkeypatch):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    monkeypatch.setenv(ALLOWED_ROOTS_ENV, f"{allowed}{os.pathsep}{tmp_path / 'also'}")
    (allowed / "link").symlink_to(elsewhere)
    assert allowed_roots(write=True) == [allowed, tmp_path / "also"]  # the explicit list is the whole list
    assert confined_path(allowed / "runs" / "x", "out", write=True) == allowed / "runs" / "x"
    before = tree(elsewhere)
    with pytest.raises(PathNotAllowed) as info:
        deployments.ingest.fn(inbox=str(allowed / "link"))
    assert str(info.value) == refusal("inbox", allowed / "link", write=True, resolved=elsewhere)
    assert "INFERENCE_TRENDS_ALLOWED_ROOTS of the service" in str(info.value)
    assert tree(elsewhere) == before


# --- 2b. the AA key goes only to AA ---------------------------------------------------------------------------
OPT_IN = (f"for a mirror or a local test server, opt in with {OTHER_BASE_URL_ENV}=1 in the environment of the process "
          "that fetches (the worker, for a deployment run) or `inference-trends fetch-aa --allow-other-base-url`; no "
          "flow parameter can")
CLEAR = "http:// would send the AA API key in clear text"


@pytest.mark.parametrize("url, opted_in, outcome", [
    ("https://artificialanalysis.ai/api/v2", False, None),
    ("https://api.artificialanalysis.ai/v2/", False, None),
    ("https://ARTIFICIALANALYSIS.AI./api/v2", False, None),
    ("http://artificialanalysis.ai/api/v2", False, f"{CLEAR}; use https://"),
    ("https://evil.example/api/v2", False, f"the AA API key is sent only to https://artificialanalysis.ai and its "
                                           f"subdomains, not to evil.example; {OPT_IN}"),
    ("https://artificialanalysis.ai.evil.example/v2", False, "not to artificialanalysis.ai.evil.example; "),
    ("https://evilartificialanalysis.ai/v2", False, "not to evilartificialanalysis.ai; "),
    ("http://127.0.0.1:18772/exfil", False, "not to 127.0.0.1; "),
    ("https://artificialanalysis.ai@evil.example/v2", True, "must not carry a user name or password"),
    ("ftp://artificialanalysis.ai/v2", True, "must be an https:// URL"),
    ("http://127.0.0.1:18772/api/v2", True, None),
    ("http://[::1]:18772/api/v2", True, None),
    ("http://localhost:18772/api/v2", True, None),
    ("https://mirror.example/api/v2", True, None),
    ("http://mirror.example/api/v2", True, f"{CLEAR}; only a loopback test server (127.0.0.1, ::1, localhost) may "
                                          "be http://"),
])
def test_the_key_goes_only_to_aa_over_https(url, opted_in, outcome, monkeypatch):
    monkeypatch.setenv(OTHER_BASE_URL_ENV, "1" if opted_in else "0")
    if outcome is None:
        assert check_base_url(url) == url.rstrip("/")
        return
    with pytest.raises(AAClientError) as info:
        check_base_url(url)
    assert outcome in str(info.value)


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv("AA_API_KEY", KEY)
    monkeypatch.setenv(OTHER_BASE_URL_ENV, "0")  # also: whatever the CLI sets is undone after the test


def test_no_request_reaches_another_host_without_the_opt_in(aa_server, out_dir, key):
    with pytest.raises(AAClientError) as info:
        fetch_models(base_url=aa_server.url, out_dir=out_dir, **FAST)
    assert str(info.value) == (f"base URL {aa_server.url!r}: the AA API key is sent only to https://artificialanalysis"
                               f".ai and its subdomains, not to 127.0.0.1; {OPT_IN}")
    assert aa_server.requests == [] and not out_dir.exists()


def test_a_deployment_run_cannot_send_the_key_elsewhere(prefect_harness, aa_server, tmp_path, key, monkeypatch):
    """The fetch-aa deployment with base_url at a local server: refused before any request; no parameter opts in."""
    monkeypatch.setenv(ALLOWED_ROOTS_ENV, str(tmp_path))
    state = deployments.fetch_aa(base_url=aa_server.url + "/exfil", out_dir=str(tmp_path / "raw"), retries=0,
                                 return_state=True)
    assert state.is_failed()
    assert str(state.result(raise_on_failure=False)) == (
        f"base URL '{aa_server.url}/exfil': the AA API key is sent only to https://artificialanalysis.ai and its "
        f"subdomains, not to 127.0.0.1; {OPT_IN}")
    assert aa_server.requests == []
    assert not [p for p in inspect.signature(deployments.fetch_aa.fn).parameters if "allow" in p]
    with pytest.raises(pydantic.ValidationError, match="Extra inputs are not permitted"):
        FetchConfig(allow_other_base_url=True)


def test_the_command_lines_opt_in_sends_to_a_local_server(prefect_harness, aa_server, tmp_path, key):
    out = tmp_path / "raw"
    refused = CliRunner().invoke(app, ["fetch-aa", "--base-url", aa_server.url, "--out-dir", str(out)])
    assert refused.exit_code == 1 and aa_server.requests == []
    assert f"error: base URL {aa_server.url!r}: the AA API key is sent only to" in refused.output
    fetched = CliRunner().invoke(app, ["fetch-aa", "--base-url", aa_server.url, "--out-dir", str(out),
                                       "--allow-other-base-url"])
    assert fetched.exit_code == 0, fetched.output
    assert "Saved " in fetched.output and len(aa_server.requests) == 1


# --- 3. the AA client: bounded in time and size -------------------------------------------------------------------
def test_an_attempt_is_bounded_as_a_whole_not_per_read(aa_server, out_dir, key, monkeypatch):
    # one byte every 50 ms: no read ever waits 1 s, so a per-read timeout of 1 s never fires (on main the call
    # succeeded after about 50 s); the attempt as a whole is cut at 1 s
    monkeypatch.setenv(OTHER_BASE_URL_ENV, "1")
    aa_server.queue(Reply(drip=0.05))
    with pytest.raises(AAFetchFailed) as info:
        fetch_models(base_url=aa_server.url, out_dir=out_dir, **{**FAST, "timeout": 1.0, "retries": 0})
    assert str(info.value) == (f"{aa_server.url}/data/llms/models: no usable response after 1 attempt(s); last: "
                               "timeout (no complete response within the 1 s timeout of an attempt)")
    assert not out_dir.exists()


def test_the_whole_call_is_bounded_by_its_deadline(aa_server, out_dir, key, monkeypatch):
    monkeypatch.setenv(OTHER_BASE_URL_ENV, "1")
    aa_server.default = Reply(503, b"busy", {"Retry-After": "30"})
    waits: list[float] = []
    with pytest.raises(AAFetchFailed) as info:  # retries left, but the wait would end after the deadline
        fetch_models(base_url=aa_server.url, out_dir=out_dir, sleep=waits.append,
                     **{**FAST, "retries": 5, "deadline": 5.0})
    assert str(info.value) == (f"{aa_server.url}/data/llms/models: no usable response within the 5 s deadline after "
                               "1 attempt(s) (the next one would start 30 s from now, after it); last: HTTP 503, "
                               "Retry-After 30")
    assert waits == [] and len(aa_server.requests) == 1
    aa_server.default = Reply(drip=0.05)  # an attempt still running at the deadline is cut there
    with pytest.raises(AAFetchFailed) as info:
        fetch_models(base_url=aa_server.url, out_dir=out_dir, **{**FAST, "timeout": 30.0, "deadline": 1.0})
    assert str(info.value) == (f"{aa_server.url}/data/llms/models: no usable response within the 1 s deadline "
                               "after 1 attempt(s); last: timeout (no complete response within the 1 s deadline of "
                               "the whole fetch)")


def gzip_bomb(megabytes: int) -> bytes:
    compressor, zeros = zlib.compressobj(9, zlib.DEFLATED, 31), bytes(1_000_000)
    return b"".join([compressor.compress(zeros) for _ in range(megabytes)] + [compressor.flush()])


def test_a_gzip_bomb_is_cut_at_the_decoded_size_limit(aa_server, out_dir, key, monkeypatch):
    monkeypatch.setenv(OTHER_BASE_URL_ENV, "1")
    monkeypatch.setenv(MAX_RESPONSE_ENV, "5000000")
    bomb = gzip_bomb(200)  # 200 KB on the wire, 200 MB decoded
    aa_server.queue(Reply(body=bomb, headers={"Content-Encoding": "gzip"}))
    with pytest.raises(AAFetchFailed) as info:
        fetch_models(base_url=aa_server.url, out_dir=out_dir, **FAST)
    assert str(info.value) == (f"{aa_server.url}/data/llms/models: the response body is larger than 5,000,000 bytes "
                               "once decoded (content-encoding gzip); reading stopped there and nothing was saved. "
                               f"{MAX_RESPONSE_ENV} raises the limit")
    assert len(aa_server.requests) == 1 and not out_dir.exists()  # not retried, nothing written


def test_a_gzip_response_within_the_limit_is_decoded_and_saved(aa_server, out_dir, key, monkeypatch):
    monkeypatch.setenv(OTHER_BASE_URL_ENV, "1")
    aa_server.queue(Reply(body=gzip.compress(FIXTURE_BYTES), headers={"Content-Encoding": "gzip"}))
    result = fetch_models(base_url=aa_server.url, out_dir=out_dir, **FAST)
    assert result.path.read_bytes() == FIXTURE_BYTES and result.models == 3


def test_an_encoding_not_asked_for_is_refused(aa_server, out_dir, key, monkeypatch):
    monkeypatch.setenv(OTHER_BASE_URL_ENV, "1")
    aa_server.queue(Reply(body=b"\x1b\x00", headers={"Content-Encoding": "br"}))
    with pytest.raises(AAFetchFailed) as info:
        fetch_models(base_url=aa_server.url, out_dir=out_dir, **FAST)
    assert str(info.value) == (f"{aa_server.url}/data/llms/models answered with Content-Encoding 'br', which this "
                               "client did not ask for and does not decode (it asks for gzip)")


def test_the_watcher_authenticates(monkeypatch):
    monkeypatch.setenv("PREFECT_API_AUTH_STRING", "inference-trends:s3cret")
    assert auth_headers() == {"Authorization": "Basic aW5mZXJlbmNlLXRyZW5kczpzM2NyZXQ="}
    monkeypatch.delenv("PREFECT_API_AUTH_STRING")
    assert auth_headers() == {}
