"""The live AA API client against a real HTTP server on 127.0.0.1 (no network): retries, errors, saved raw bodies,
and that the key never leaks.

The server (``http.server.ThreadingHTTPServer`` on port 0, in a thread) answers ``/api/v2/data/llms/models``
with a scripted sequence of replies (status, body, headers, delay, a body cut short), checks the ``x-api-key``
header like the real API, and logs every request it received. Core tests use a small hand-written response; the
recorded real responses in ``../shared/data/aa-api-v2`` are served byte for byte when present (skipped otherwise).
Backoff bases are milliseconds and most delays go to a recording ``sleep``, so the file runs in seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import pickle
import socket
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from tasks.platform.aa_client import (
    OTHER_BASE_URL_ENV, REDACTED, SAFE_RESPONSE_HEADERS, AAClientError, AAFetchFailed, AAKeyMissing, AAKeyRejected,
    AANotFound, AAResponseInvalid, ApiKey, default_out_dir, fetch_models, resolve_api_key, retry_after_seconds,
)
from tasks.core.hashing import sha256_bytes, sha256_file
from tasks.data.ingest import detect_format
from tasks.data.ingest.aa import ingest_api
from tasks.data.ingest.common import date_in_name
from tasks.files.io import read_tables
from tasks.files.settings import shared_data_dir

KEY = "sk-test-LEAKCHECK-1234567890"
API_PATH = "/api/v2/data/llms/models"
RECORDED = shared_data_dir() / "aa-api-v2"
FAST = dict(backoff_base=0.01, jitter=0.1, connect_timeout=2.0, timeout=2.0)


def _model(i: int, slug: str, mmlu_pro: float, blended: float) -> dict:
    return {
        "id": f"00000000-0000-0000-0000-00000000000{i}", "name": slug.replace("-", " ").title(), "slug": slug,
        "release_date": f"2025-0{i}-15",
        "model_creator": {"id": "c-1", "name": "Acme AI", "slug": "acme-ai"},
        "evaluations": {"artificial_analysis_intelligence_index": 20.0 + i, "mmlu_pro": mmlu_pro, "gpqa": 0.4,
                        "hle": 0.05},
        "pricing": {"price_1m_blended_3_to_1": blended, "price_1m_input_tokens": blended / 2,
                    "price_1m_output_tokens": blended * 2.5},
    }


FIXTURE = {"status": 200, "prompt_options": {"parallel_queries": 1, "prompt_length": 1000},
           "data": [_model(1, "acme-tiny", 0.45, 0.1), _model(2, "acme-small", 0.61, 0.5),
                    _model(3, "acme-large", 0.78, 3.0)]}
FIXTURE_BYTES = json.dumps(FIXTURE).encode()


# --- the local AA API -----------------------------------------------------------------------------------------
@dataclass
class Reply:
    status: int = 200
    body: bytes = FIXTURE_BYTES
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    declared_length: int | None = None  # a Content-Length beyond the body: the connection drops mid-body
    drip: float = 0.0  # seconds between the body's bytes (one at a time): a server that never quite stalls


class FakeAA:
    """Scripted replies (then ``default``), the key the API accepts, and the log of requests received."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.default = Reply()
        self.key = KEY
        self.requests: list[dict] = []
        self.url = ""

    def queue(self, *replies: Reply) -> None:
        self.replies.extend(replies)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802
        aa: FakeAA = self.server.aa  # type: ignore[attr-defined]
        headers = {k.lower(): v for k, v in self.headers.items()}
        aa.requests.append({"path": self.path, "headers": headers, "at": time.monotonic()})
        if self.path != API_PATH:
            reply = Reply(404, b'{"error": "Not found"}')
        elif headers.get("x-api-key") != aa.key:
            reply = Reply(401, b'{"error": "Invalid API key"}')
        else:
            reply = aa.replies.popleft() if aa.replies else aa.default
        if reply.delay:
            time.sleep(reply.delay)
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(reply.declared_length or len(reply.body)))
            self.send_header("X-Internal-Trace", "not-recorded")
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Connection", "close")
            self.end_headers()
            if reply.drip:
                for i in range(len(reply.body)):
                    self.wfile.write(reply.body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(reply.drip)
            else:
                self.wfile.write(reply.body)
            self.wfile.flush()
        except OSError:  # the client gave up (timeout): nothing to answer
            pass
        self.close_connection = True

    def log_message(self, *args) -> None:  # quiet: the request log above is what the tests read
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass


@pytest.fixture
def aa_server():
    server = Server(("127.0.0.1", 0), Handler)
    server.aa = FakeAA()  # type: ignore[attr-defined]
    server.aa.url = f"http://127.0.0.1:{server.server_address[1]}/api/v2"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server.aa
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def key_env(monkeypatch):
    monkeypatch.setenv("AA_API_KEY", KEY)
    # the local server is http://127.0.0.1: the key goes there only with the opt-in (tests/test_safety_service.py
    # checks that it is refused without)
    monkeypatch.setenv(OTHER_BASE_URL_ENV, "1")


@pytest.fixture
def out_dir(tmp_path) -> Path:
    return tmp_path / "raw" / "aa-api"


def recorded(name: str) -> Path:
    path = RECORDED / name
    if not path.exists():
        pytest.skip(f"shared data not available ({path})")
    return path


def assert_no_key(out: Path, *texts: str) -> None:
    if out.exists():
        for path in out.rglob("*"):
            if path.is_file():
                assert KEY.encode() not in path.read_bytes(), path
    for text in texts:
        assert KEY not in text


def error_texts(err: BaseException) -> list[str]:
    return [str(err), repr(err), "".join(traceback.format_exception(err))]


# --- success and what is saved --------------------------------------------------------------------------------
def test_success_saves_raw_body_and_sidecar(aa_server, out_dir):
    result = fetch_models(base_url=aa_server.url, out_dir=out_dir, **FAST)
    assert len(aa_server.requests) == 1
    request = aa_server.requests[0]
    assert request["headers"]["x-api-key"] == KEY and KEY not in request["path"]
    assert result.path.read_bytes() == FIXTURE_BYTES and result.models == 3 and result.attempts == 1
    assert result.path.parent == out_dir.resolve()
    name = result.path.name
    assert name.startswith("llms_models_") and name.endswith("Z.json") and "T" in name
    retrieved = dt.datetime.fromisoformat(result.retrieved_at.replace("Z", "+00:00"))
    assert date_in_name(result.path) == retrieved.date()  # the aa_api adapter's observation date
    assert name == f"llms_models_{retrieved:%Y-%m-%dT%H%M%SZ}.json"
    meta = json.loads(result.meta_path.read_text())
    assert result.meta_path.name == name + ".meta"
    assert meta["url"] == aa_server.url + "/data/llms/models" and meta["status"] == 200
    assert meta["sha256"] == sha256_file(result.path) == sha256_bytes(FIXTURE_BYTES)
    assert meta["attempts"] == 1 and meta["valid"] is True and meta["models"] == 3 and meta["file"] == name
    assert meta["headers"]["content-type"].startswith("application/json") and "date" in meta["headers"]
    assert set(meta["headers"]) <= set(SAFE_RESPONSE_HEADERS)
    assert "x-api-key" not in result.meta_path.read_text().lower()
    assert "x-internal-trace" not in result.meta_path.read_text().lower()
    assert sorted(p.name for p in out_dir.iterdir()) == [name, name + ".meta"]  # no temporary files left
    assert_no_key(out_dir)


def test_saved_response_is_ingested_and_folder_reads_the_newest(aa_server, out_dir):
    first = fetch_models(base_url=aa_server.url, out_dir=out_dir, **FAST)
    smaller = dict(FIXTURE, data=FIXTURE["data"][:2])
    aa_server.queue(Reply(body=json.dumps(smaller).encode()))
    second = fetch_models(base_url=aa_server.url, out_dir=out_dir, **FAST)
    assert first.path != second.path and sorted([first.path, second.path])[-1] == second.path
    tables = ingest_api(first.path).validated("first")
    assert sorted(tables.models.model_id) == ["acme-large", "acme-small", "acme-tiny"]
    assert set(tables.prices.observed_on) == {pd.Timestamp(date_in_name(first.path))}
    assert len(tables.benchmarks) == 3 * 4 and tables.ingest_issues.empty
    # the folder as an input: detected as aa_api, its newest response read (the .meta sidecars are not)
    assert detect_format(out_dir) == "aa_api"
    assert sorted(ingest_api(out_dir).models.model_id) == ["acme-small", "acme-tiny"]


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["llms_models_2026-02-27.json", "llms_models_2026-07-31.json"])
def test_recorded_responses_round_trip(aa_server, out_dir, name):
    source = recorded(name)
    aa_server.default = Reply(body=source.read_bytes())
    result = fetch_models(base_url=aa_server.url, out_dir=out_dir, **FAST)
    assert result.sha256 == sha256_file(source) and result.path.read_bytes() == source.read_bytes()
    assert result.models == len(json.loads(source.read_bytes())["data"])
    saved, original = ingest_api(result.path).validated("saved"), ingest_api(source).validated("original")
    assert list(saved.models.model_id) == list(original.models.model_id) and len(saved.models) > 100
    assert len(saved.prices) == len(original.prices) and len(saved.benchmarks) == len(original.benchmarks)
    assert set(saved.prices.observed_on) == {pd.Timestamp(date_in_name(result.path))}  # retrieval date, not the file's
    assert_no_key(out_dir)


@pytest.mark.shared_data
def test_recorded_wrapper_is_not_a_raw_response(aa_server, out_dir):
    """The 2026-03-25 file is a tool's wrapper ({"fetched_at", "models"}), not what the API returns: kept, refused."""
    source = recorded("llms_models_2026-03-25.json")
    aa_server.default = Reply(body=source.read_bytes())
    with pytest.raises(AAResponseInvalid, match="no 'data' list") as info:
        fetch_models(base_url=aa_server.url, out_dir=out_dir, **FAST)
    assert info.value.path.read_bytes() == source.read_bytes()


def test_default_out_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("INFERENCE_TRENDS_RAW_DIR", str(tmp_path / "elsewhere"))
    assert default_out_dir() == (tmp_path / "elsewhere" / "aa-api").resolve()


# --- retries ----------------------------------------------------------------------------------------------------
def test_429_honours_retry_after_then_succeeds(aa_server, out_dir):
    aa_server.queue(Reply(429, b'{"error": "rate limited"}', {"Retry-After": "7"}))
    delays: list[float] = []
    result = fetch_models(base_url=aa_server.url, out_dir=out_dir, sleep=delays.append, **FAST)
    assert delays == [7.0] and result.attempts == 2 and len(aa_server.requests) == 2
    assert [h["status"] for h in result.history] == [429, 200]
    assert json.loads(result.meta_path.read_text())["history"][0]["retry_in_seconds"] == 7.0


def test_retry_after_is_capped_and_really_waited(aa_server, out_dir):
    aa_server.queue(Reply(429, b"{}", {"Retry-After": "3600"}))
    started = time.monotonic()
    result = fetch_models(base_url=aa_server.url, out_dir=out_dir, retry_after_max=0.3, **FAST)
    gap = aa_server.requests[1]["at"] - aa_server.requests[0]["at"]
    assert result.attempts == 2 and 0.3 <= gap < 3 and time.monotonic() - started < 3


def test_retry_after_forms():
    now = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
    assert retry_after_seconds("12", now) == 12.0
    assert retry_after_seconds("Sun, 01 Mar 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Sun, 01 Mar 2026 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None and retry_after_seconds(None, now) is None


def test_5xx_then_success_backs_off_exponentially(aa_server, out_dir):
    aa_server.queue(Reply(500, b"oops"), Reply(503, b"busy"))
    delays: list[float] = []
    result = fetch_models(base_url=aa_server.url, out_dir=out_dir, sleep=delays.append, **FAST)
    assert result.attempts == 3 and len(aa_server.requests) == 3 and result.models == 3
    assert [h["status"] for h in result.history] == [500, 503, 200]
    assert 0.01 <= delays[0] <= 0.011 and 0.02 <= delays[1] <= 0.022  # base x 2^(n-1), plus <= 10 % jitter


def test_always_503_fails_after_all_attempts(aa_server, out_dir):
    aa_server.default = Reply(503, b'{"error": "maintenance"}')
    with pytest.raises(AAFetchFailed) as info:
        fetch_models(base_url=aa_server.url, out_dir=out_dir, retries=3, **FAST)
    message = str(info.value)
    assert len(aa_server.requests) == 4
    assert aa_server.url + "/data/llms/models" in message and "4 attempt(s)" in message and "HTTP 503" in message
    assert not out_dir.exists() or not any(out_dir.iterdir())  # nothing saved from error replies
    assert_no_key(out_dir, *error_texts(info.value))


@pytest.mark.parametrize("status", [401, 403])
def test_key_rejected_is_not_retried(aa_server, out_dir, status):
    aa_server.queue(Reply(status, b'{"error": "Invalid API key"}'))
    with pytest.raises(AAKeyRejected, match="key rejected") as info:
        fetch_models(base_url=aa_server.url, out_dir=out_dir, **FAST)
    assert len(aa_server.requests) == 1 and f"HTTP {status}" in str(info.value)
    assert "environment variable AA_API_KEY" in str(info.value)
    assert_no_key(out_dir, *error_texts(info.value))


def test_wrong_key_rejected_by_the_server(aa_server, out_dir, monkeypatch):
    monkeypatch.setenv("AA_API_KEY", "sk-wrong-key-000")
    with pytest.raises(AAKeyRejected, match="Invalid API key"):
        fetch_models(base_url=aa_server.url, out_dir=out_dir, **FAST)
    assert len(aa_server.requests) == 1


def test_404_names_the_url(aa_server, out_dir):
    with pytest.raises(AANotFound) as info:
        fetch_models(base_url=aa_server.url + "/v9", out_dir=out_dir, **FAST)
    assert aa_server.url + "/v9/data/llms/models" in str(info.value) and len(aa_server.requests) == 1


def test_other_4xx_and_redirects_are_not_retried(aa_server, out_dir):
    aa_server.queue(Reply(400, b'{"error": "bad request"}'))
    with pytest.raises(AAFetchFailed, match="HTTP 400; not retried"):
        fetch_models(base_url=aa_server.url, out_dir=out_dir, **FAST)
    aa_server.queue(Reply(302, b"", {"Location": "http://elsewhere.example/steal?x=1"}))
    with pytest.raises(AAFetchFailed, match="redirects are not followed") as info:
        fetch_models(base_url=aa_server.url, out_dir=out_dir, **FAST)
    assert len(aa_server.requests) == 2 and "x=1" not in str(info.value)


def test_slow_response_times_out_then_retries(aa_server, out_dir):
    aa_server.queue(Reply(delay=0.8))
    result = fetch_models(base_url=aa_server.url, out_dir=out_dir, **{**FAST, "timeout": 0.2})
    assert result.attempts == 2 and len(aa_server.requests) == 2
    assert result.history[0]["status"] is None and "timeout" in result.history[0]["error"]
    assert result.path.read_bytes() == FIXTURE_BYTES


def test_body_cut_short_by_the_connection_is_retried(aa_server, out_dir):
    aa_server.queue(Reply(body=FIXTURE_BYTES[:40], declared_length=len(FIXTURE_BYTES)))
    result = fetch_models(base_url=aa_server.url, out_dir=out_dir, **FAST)
    assert result.attempts == 2 and "connection error" in result.history[0]["error"]
    assert result.path.read_bytes() == FIXTURE_BYTES


def test_connection_refused_is_retried_then_fails(out_dir):
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(AAFetchFailed, match=r"3 attempt\(s\); last: connection error") as info:
        fetch_models(base_url=f"http://127.0.0.1:{port}/api/v2", out_dir=out_dir, retries=2, **FAST)
    assert f"127.0.0.1:{port}/api/v2/data/llms/models" in str(info.value)


# --- bodies that are not a models list: kept, and the error says where ------------------------------------------
def test_truncated_json_is_kept_and_named_in_the_error(aa_server, out_dir):
    truncated = FIXTURE_BYTES[: len(FIXTURE_BYTES) // 2]
    aa_server.queue(Reply(body=truncated))
    with pytest.raises(AAResponseInvalid, match="not valid JSON") as info:
        fetch_models(base_url=aa_server.url, out_dir=out_dir, **FAST)
    kept = info.value.path
    assert f"the raw body was kept at {kept}" in str(info.value) and kept.read_bytes() == truncated
    assert kept.name.endswith(".json.invalid") and date_in_name(kept) is not None
    meta = json.loads(Path(f"{kept}.meta").read_text())
    assert meta["valid"] is False and meta["sha256"] == sha256_bytes(truncated) and "JSON" in meta["error"]
    assert len(aa_server.requests) == 1  # a bad body is not retried: it is kept for inspection
    assert_no_key(out_dir, *error_texts(info.value))


@pytest.mark.parametrize("body, problem", [
    (b'{"error": "something else"}', "no 'data' list"), (b'[1, 2]', "JSON list"), (b'{"data": []}', "empty"),
    (b"\xff\xfe", "not UTF-8"),
])
def test_other_bodies_are_kept_and_refused(aa_server, out_dir, body, problem):
    aa_server.queue(Reply(body=body))
    with pytest.raises(AAResponseInvalid, match=problem) as info:
        fetch_models(base_url=aa_server.url, out_dir=out_dir, **FAST)
    assert info.value.path.read_bytes() == body


# --- the key: resolution and no leaks ---------------------------------------------------------------------------
def test_missing_key_is_a_clear_error(aa_server, out_dir, monkeypatch):
    monkeypatch.delenv("AA_API_KEY")
    with pytest.raises(AAKeyMissing) as info:
        fetch_models(base_url=aa_server.url, out_dir=out_dir, secret_block=None, **FAST)
    assert "export AA_API_KEY=" in str(info.value) and "Secret" in str(info.value)
    assert aa_server.requests == []


def test_api_key_does_not_show_itself():
    key = ApiKey(KEY, "a test")
    assert KEY not in repr(key) and KEY not in str(key) and KEY not in f"{key}" and key.reveal() == KEY
    with pytest.raises(TypeError):
        pickle.dumps(key)
    with pytest.raises(AAClientError, match="spaces") as info:
        ApiKey(f"{KEY} extra", "a test")
    assert KEY not in str(info.value)
    assert ApiKey(f"  {KEY}\n", "a test").reveal() == KEY  # a pasted newline is not part of the key


def test_redaction_filter_covers_any_logger(caplog):
    caplog.set_level(logging.DEBUG)
    ApiKey(KEY, "a test")  # registering a key installs the filter
    logging.getLogger("httpx").debug("request headers: x-api-key=%s", KEY)
    logging.getLogger("some.library").warning("oops %s", KEY)
    try:
        raise ValueError(f"bad {KEY}")
    except ValueError:
        logging.getLogger("tasks.platform.aa_client").exception("failed")
    assert KEY not in caplog.text and caplog.text.count(REDACTED) >= 3


def test_key_echoed_in_the_body_is_not_written(aa_server, out_dir):
    echo = dict(FIXTURE, note=f"your key is {KEY}")
    aa_server.queue(Reply(body=json.dumps(echo).encode()))
    result = fetch_models(base_url=aa_server.url, out_dir=out_dir, **FAST)
    assert json.loads(result.meta_path.read_text())["key_redacted_from_body"] == 1
    assert REDACTED.encode() in result.path.read_bytes()
    assert_no_key(out_dir)


def test_key_never_reaches_logs_output_files_or_errors(aa_server, out_dir, caplog, capfd):
    caplog.set_level(logging.DEBUG)  # httpx and httpcore log requests at INFO and DEBUG
    aa_server.queue(Reply(429, b"{}", {"Retry-After": "0"}), Reply(500, b"oops"), Reply(delay=0.6), Reply())
    result = fetch_models(base_url=aa_server.url, out_dir=out_dir, **{**FAST, "timeout": 0.2})
    assert result.attempts == 4
    errors: list[str] = []
    for reply in (Reply(401, b'{"error": "Invalid API key"}'), Reply(body=b'{"data": [')):
        aa_server.queue(reply)
        with pytest.raises(AAClientError) as info:
            fetch_models(base_url=aa_server.url, out_dir=out_dir, **FAST)
        errors += error_texts(info.value)
    out, err = capfd.readouterr()
    assert "retrying in" in caplog.text and "HTTP Request: GET" in caplog.text  # the logs were captured
    assert all(r["headers"]["x-api-key"] == KEY for r in aa_server.requests)  # ... and the key was sent
    assert_no_key(out_dir, caplog.text, out, err, *errors)


# --- Prefect: the Secret block and the fetch-aa flow ------------------------------------------------------------
@pytest.mark.e2e
def test_secret_block_is_used_when_the_variable_is_absent(prefect_harness, aa_server, out_dir, monkeypatch):
    from prefect.blocks.system import Secret

    monkeypatch.delenv("AA_API_KEY")
    Secret(value=KEY).save("aa-client-test-key", overwrite=True)
    key = resolve_api_key("aa-client-test-key")
    assert key.reveal() == KEY and key.source == "Prefect Secret block 'aa-client-test-key'"
    result = fetch_models(base_url=aa_server.url, out_dir=out_dir, secret_block="aa-client-test-key", **FAST)
    assert result.models == 3 and aa_server.requests[0]["headers"]["x-api-key"] == KEY
    with pytest.raises(AAKeyMissing, match="no Secret block named 'no-such-block'") as info:
        resolve_api_key("no-such-block")
    assert "AA_API_KEY" in str(info.value)
    monkeypatch.setenv("AA_API_KEY", "sk-from-the-environment")  # the variable wins over the block
    assert resolve_api_key("aa-client-test-key").reveal() == "sk-from-the-environment"


@pytest.mark.e2e
def test_fetch_aa_flow_end_to_end(prefect_harness, aa_server, out_dir, caplog, capfd):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogWorker

    from flows.config import FetchConfig
    from flows.fetch import fetch_aa
    from tasks.data.canonical import CanonicalTables

    caplog.set_level(logging.DEBUG)
    run_loggers = [logging.getLogger(name) for name in ("prefect.flow_runs", "prefect.task_runs")]
    levels = [logger.level for logger in run_loggers]
    for logger in run_loggers:  # the tests run Prefect at WARNING: let the run's INFO lines reach the API
        logger.setLevel(logging.DEBUG)
    aa_server.queue(Reply(503, b"busy"), Reply())
    try:
        state = fetch_aa(FetchConfig(base_url=aa_server.url, out_dir=str(out_dir), retries=2, backoff_base=0.01),
                         return_state=True)
        summary = state.result()
        APILogWorker.drain_all(timeout=5)
    finally:
        for logger, level in zip(run_loggers, levels):
            logger.setLevel(level)
    assert summary["attempts"] == 2 and summary["models"] == 3 and len(aa_server.requests) == 2
    assert summary["row_counts"]["models"] == 3 and summary["row_counts"]["prices"] == 3
    tables = read_tables(CanonicalTables, {k: Path(v) for k, v in summary["canonical"].items()})
    assert sorted(tables.models.model_id) == ["acme-large", "acme-small", "acme-tiny"]
    assert set(tables.models.source) == {f"aa_api/{Path(summary['path']).name}"}
    flow_run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
        flow_run = client.read_flow_run(flow_run_id)
    prefect_logs = "\n".join(entry.message for entry in logs)
    assert "retrying in" in prefect_logs and "fetch-aa:" in prefect_logs and "3 models" in prefect_logs
    out, err = capfd.readouterr()
    assert_no_key(out_dir, prefect_logs, json.dumps(flow_run.parameters), json.dumps(summary), caplog.text, out, err)
