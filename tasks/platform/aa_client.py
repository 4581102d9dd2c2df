"""A live client for the Artificial Analysis (AA) API v2: ``GET {base_url}/data/llms/models``.

Design:

- **The key** comes from the ``AA_API_KEY`` environment variable, else from a Prefect ``Secret`` block (default name
  ``aa-api-key``); neither is a clear error saying how to set one. It is held in an ``ApiKey`` whose ``repr`` and
  ``str`` are redacted and which refuses to be pickled (so it can never become a persisted Prefect result or a task
  parameter), and it is sent only in the ``x-api-key`` request header, never in a URL.
- **It never reaches a log, an error or a file.** Every key that is resolved is registered with a logging filter
  that replaces it by ``[REDACTED]``; the filter sits on the loggers that could carry it (ours, Prefect's run
  loggers, httpx and httpcore, which log requests at INFO/DEBUG) and on their handlers and the root's. Error messages
  are built from the URL without query or user info and are redacted again; httpx exceptions are not chained (their
  request objects hold the headers). Only an allow-list of *response* headers is recorded; request headers never are.
  A response body that echoes the key is saved with the key replaced (and the sidecar says so).
- **The key goes only to AA.** The base URL must be ``https://`` on ``artificialanalysis.ai`` or one of its
  subdomains (``check_base_url``). Any other base URL (a mirror, a local test server) needs the opt-in
  ``INFERENCE_TRENDS_AA_ALLOW_OTHER_BASE_URL=1`` in the environment of the process that fetches (the worker, for a
  deployment run; ``inference-trends fetch-aa --allow-other-base-url`` sets it for the command): never a parameter,
  so whoever can start a flow run cannot redirect the key. Even then, ``http://`` (the key in clear text) is refused
  unless the host is a loopback address.
- **Bounded in time and size.** ``timeout`` bounds each attempt as a whole, from the request to the last byte of the
  body (not each read: a server that sends one byte a second cannot stretch it); ``deadline`` bounds the whole call,
  every attempt and every wait between retries included (no wait starts that would end after it, and an attempt
  still running then is cut). The body is read as a stream and decoded here (only ``gzip`` is asked for and
  accepted), counting decoded bytes: more than ``INFERENCE_TRENDS_AA_MAX_RESPONSE_BYTES`` (50,000,000; the real
  response is under 1 MB) stops the read with an error naming the limit (a 4 MB gzip bomb no longer inflates to 4 GB).
- **Retries are explicit, inside the client** (not Prefect's task retries), so the schedule is visible and testable:
  on 429, 5xx, timeouts and connection errors, with exponential backoff ``backoff_base * 2**(n-1)`` (capped at
  ``backoff_max``) plus up to ``jitter`` x that at random, or the server's ``Retry-After`` (seconds or an HTTP date,
  capped at ``retry_after_max``). 401/403 (key rejected), 404 (wrong URL), other 4xx, redirects (not followed: a
  redirect could carry the key to another host) and other statuses fail at once. After the last retry the error
  names the URL, the number of attempts and the last status or error.
- **The raw body is saved before it is parsed**, atomically, as ``<out_dir>/llms_models_<YYYY-MM-DD>T<HHMMSS>Z.json``
  (retrieval time, UTC; the date in the name is the observation date the ``aa_api`` adapter reads), with a sidecar
  ``<same name>.meta`` (JSON: url without key, status, retrieved_at, sha256 and size of the body, attempts and their
  outcomes, safe response headers). The sidecar's name does not end in ``.json`` on purpose: the ``aa_api``
  adapter, given the folder, reads its newest ``llms_models_*<date>*.json`` file, which must be a response.
  Only then is the body checked (JSON, an object with a non-empty ``data`` list). A body that fails is kept, renamed
  ``<name>.invalid`` (so the folder stays ingestible), and the error says where it is: a parsing problem never loses
  data. The default ``out_dir`` is ``data/raw/aa-api`` (``tasks.files.settings.raw_dir``; git-ignored).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import ipaddress
import json
import logging
import re
import os
import random
import socket
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from tasks.core.hashing import sha256_bytes
from tasks.files.io import atomic_write_bytes, write_json
from tasks.files.settings import raw_dir

DEFAULT_BASE_URL = "https://artificialanalysis.ai/api/v2"
MODELS_PATH = "/data/llms/models"
ENV_VAR = "AA_API_KEY"
DEFAULT_SECRET_BLOCK = "aa-api-key"
KEY_HEADER = "x-api-key"
REDACTED = "[REDACTED]"
SAFE_RESPONSE_HEADERS = ("content-type", "content-length", "content-encoding", "date", "etag", "last-modified")
# the hosts the key may be sent to (and their subdomains), over https only
AA_HOSTS = ("artificialanalysis.ai",)
OTHER_BASE_URL_ENV = "INFERENCE_TRENDS_AA_ALLOW_OTHER_BASE_URL"
MAX_RESPONSE_ENV = "INFERENCE_TRENDS_AA_MAX_RESPONSE_BYTES"
DEFAULT_MAX_RESPONSE_BYTES = 50_000_000  # the real models response is under 1 MB
ERROR_BODY_BYTES = 64_000  # of a response that is not 200, only this much is read (for the error's excerpt)
DEFAULT_DEADLINE = 300.0
# loggers whose records (and handlers) the redaction filter watches; "" is the root logger
WATCHED_LOGGERS = ("", __name__, "httpx", "httpcore", "prefect", "prefect.flow_runs", "prefect.task_runs")

log = logging.getLogger(__name__)


# --- errors -------------------------------------------------------------------------------------------------------
class AAClientError(RuntimeError):
    """Any failure of the AA client; the message never contains the key (it is redacted again here)."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


class AAKeyMissing(AAClientError):
    """No key in the environment variable nor in the Secret block."""


class AAKeyRejected(AAClientError):
    """HTTP 401/403: the key was refused."""


class AANotFound(AAClientError):
    """HTTP 404: the URL is wrong (base URL or API version)."""


class AAFetchFailed(AAClientError):
    """No usable response: retries exhausted, or a status that retrying cannot fix."""


class AAResponseInvalid(AAClientError):
    """HTTP 200 whose body is not a models response; the raw body was kept (``path``)."""

    def __init__(self, message: str, path: Path | None = None) -> None:  # path optional: picklable
        super().__init__(message)
        self.path = path


# --- the key and its redaction ------------------------------------------------------------------------------------
_SECRETS: set[str] = set()
_SECRETS_LOCK = threading.Lock()


def _forms(secret: str) -> set[str]:
    """The ways a key can come back in a response or an error: as given, URL-encoded (a 403 page echoing the
    request), and so on; matched case-insensitively (a page may upper-case it)."""
    from urllib.parse import quote, quote_plus

    return {secret, quote(secret, safe=""), quote_plus(secret)}


def redact(text: str) -> str:
    """``text`` with every registered key replaced by ``[REDACTED]``, in any letter case and URL-encoded."""
    if not _SECRETS or not isinstance(text, str):
        return text
    forms = sorted({form for secret in _SECRETS for form in _forms(secret)}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(form) for form in forms), re.IGNORECASE)
    return pattern.sub(REDACTED, text)


class RedactKeyFilter(logging.Filter):
    """Rewrites a log record whose message, arguments or exception text contain a registered key."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _SECRETS:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's business, not ours
            message = str(record.msg)
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FILTER = RedactKeyFilter()


def install_redaction() -> None:
    """Attach the redaction filter to the watched loggers and to their current handlers (idempotent)."""
    for name in WATCHED_LOGGERS:
        logger = logging.getLogger(name)
        for target in (logger, *logger.handlers):
            if _FILTER not in target.filters:
                target.addFilter(_FILTER)


def register_secret(value: str) -> None:
    """Redact ``value`` from every log record and client error from now on (for the life of the process)."""
    if value:
        with _SECRETS_LOCK:
            _SECRETS.add(value)
    install_redaction()


class ApiKey:
    """An API key that does not show itself: redacted ``repr``/``str``, not picklable; ``reveal()`` for the header."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str) -> None:
        value = value.strip()
        if not value:
            raise AAKeyMissing(f"the AA API key from {source} is empty")
        if not value.isascii() or not value.isprintable() or any(c.isspace() for c in value):
            # an HTTP header cannot carry it, and the HTTP library's error would quote it
            raise AAClientError(f"the AA API key from {source} contains spaces or non-ASCII characters; "
                                "check how it was copied")
        register_secret(value)
        self._value = value
        self.source = source

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"ApiKey({REDACTED}, source={self.source!r})"

    __str__ = __repr__

    def __reduce__(self):
        raise TypeError("an ApiKey cannot be pickled (it would end up in persisted results)")


def _missing_key_message(secret_block: str | None, why: str) -> str:
    block = secret_block or DEFAULT_SECRET_BLOCK
    return (
        f"no Artificial Analysis API key: {why}. Set one either way:\n"
        f"  - environment variable: export {ENV_VAR}=<your key>\n"
        f"  - Prefect Secret block named {block!r}, saved where the flow runs (from the checkout, so that the same "
        "Prefect home or server is used; the key is read from the terminal, not the command line):\n"
        "    .venv/bin/python -c \"import tasks, getpass; from prefect.blocks.system import Secret; "
        f"Secret(value=getpass.getpass('AA API key: ')).save('{block}', overwrite=True)\"\n"
        "    or in the Prefect UI: Blocks > + > Secret."
    )


def resolve_api_key(secret_block: str | None = DEFAULT_SECRET_BLOCK, env_var: str = ENV_VAR) -> ApiKey:
    """The key from ``env_var`` if set and non-empty, else from the Prefect ``Secret`` block ``secret_block``.

    ``secret_block=None`` skips the block. Loading a block needs a Prefect API (a server, or the temporary local
    one Prefect starts inside a flow run).
    """
    value = os.environ.get(env_var, "")
    if value.strip():
        return ApiKey(value, f"environment variable {env_var}")
    if not secret_block:
        raise AAKeyMissing(_missing_key_message(None, f"{env_var} is not set and no Secret block was named"))
    from prefect.blocks.system import Secret

    try:
        block = Secret.load(secret_block)
    except ValueError as err:
        if "Unable to find block document" in str(err):
            raise AAKeyMissing(_missing_key_message(
                secret_block, f"{env_var} is not set and there is no Secret block named {secret_block!r}")) from None
        raise AAClientError(f"could not read the Prefect Secret block {secret_block!r}: {err}") from None
    except Exception as err:  # the Prefect API unreachable, a block of another type, ...
        raise AAClientError(f"could not read the Prefect Secret block {secret_block!r} ({type(err).__name__}: "
                            f"{err}); set {env_var} instead") from None
    secret = block.value.get_secret_value()  # not block.get(): it would turn a key made of digits into a number
    if not isinstance(secret, str):
        raise AAClientError(f"the Prefect Secret block {secret_block!r} holds a {type(secret).__name__}, not the key "
                            "as a string")
    return ApiKey(secret, f"Prefect Secret block {secret_block!r}")


# --- fetching -----------------------------------------------------------------------------------------------------
@dataclass
class FetchResult:
    """A saved response: the body file, its sidecar, and what the sidecar says."""

    path: Path
    meta_path: Path
    url: str
    status: int
    retrieved_at: str
    sha256: str
    size_bytes: int
    attempts: int
    models: int
    history: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(path=str(self.path), meta_path=str(self.meta_path))
        return out


def other_base_url_allowed() -> bool:
    """Has the process that fetches opted in to a base URL other than AA's own (``OTHER_BASE_URL_ENV``)?"""
    return os.environ.get(OTHER_BASE_URL_ENV, "").strip().lower() in ("1", "true", "yes")


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str) -> str:
    """``base_url`` (stripped of a trailing ``/``) if the key may be sent there; ``AAClientError`` saying why not.

    ``https://`` on ``artificialanalysis.ai`` or a subdomain: yes. Anything else only with the opt-in
    (``OTHER_BASE_URL_ENV=1`` in this process's environment), and ``http://`` only to a loopback host even then."""
    base = base_url.strip().rstrip("/")
    shown = safe_url(base)
    try:
        url = httpx.URL(base)
    except Exception:  # noqa: BLE001  (httpx.InvalidURL and friends: the message below says what is expected)
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise AAClientError(f"base URL {shown!r} must be an https:// URL (the AA API: {DEFAULT_BASE_URL})")
    if url.userinfo:
        raise AAClientError(f"base URL {shown!r} must not carry a user name or password")
    host = url.host.rstrip(".").lower()
    on_aa = any(host == domain or host.endswith("." + domain) for domain in AA_HOSTS)
    if url.scheme == "https" and on_aa:
        return base
    opt_in = (f"for a mirror or a local test server, opt in with {OTHER_BASE_URL_ENV}=1 in the environment of the "
              "process that fetches (the worker, for a deployment run) or `inference-trends fetch-aa "
              "--allow-other-base-url`; no flow parameter can")
    if not other_base_url_allowed():
        if on_aa:
            raise AAClientError(f"base URL {shown!r}: http:// would send the AA API key in clear text; use https://")
        raise AAClientError(f"base URL {shown!r}: the AA API key is sent only to https://{AA_HOSTS[0]} and its "
                            f"subdomains, not to {host}; {opt_in}")
    if url.scheme == "http" and not _loopback(host):
        raise AAClientError(f"base URL {shown!r}: http:// would send the AA API key in clear text; only a loopback "
                            "test server (127.0.0.1, ::1, localhost) may be http://")
    return base


def models_url(base_url: str) -> str:
    """The models endpoint under ``base_url``, which must pass ``check_base_url``."""
    return check_base_url(base_url) + MODELS_PATH


def max_response_bytes() -> int:
    """The most bytes a response body may have once decoded (``INFERENCE_TRENDS_AA_MAX_RESPONSE_BYTES``)."""
    value = os.environ.get(MAX_RESPONSE_ENV, "")
    try:
        limit = int(value) if value.strip() else DEFAULT_MAX_RESPONSE_BYTES
    except ValueError:
        raise AAClientError(f"{MAX_RESPONSE_ENV}={value!r} is not a whole number") from None
    if limit <= 0:
        raise AAClientError(f"{MAX_RESPONSE_ENV}={value!r} must be positive")
    return limit


def safe_url(url: str) -> str:
    """``url`` without user info, query or fragment (the forms a key could take in a URL), redacted."""
    try:
        parsed = httpx.URL(url)
        text = str(parsed.copy_with(username=None, password=None, query=None, fragment=None))
    except Exception:
        text = url.split("?", 1)[0].split("#", 1)[0]
    return redact(text)


def default_out_dir() -> Path:
    return raw_dir() / "aa-api"


def retry_after_seconds(value: str | None, now: dt.datetime | None = None) -> float | None:
    """A ``Retry-After`` header in seconds (a number, or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        seconds = (when - (now or dt.datetime.now(dt.timezone.utc))).total_seconds()
    return max(0.0, seconds) if seconds == seconds else None  # NaN -> None


def backoff_delay(attempt: int, backoff_base: float, backoff_max: float, jitter: float) -> float:
    """Delay after failed attempt ``attempt`` (1-based): exponential, capped, plus up to ``jitter`` x at random."""
    delay = min(backoff_max, backoff_base * 2 ** (attempt - 1))
    return delay * (1 + random.uniform(0, jitter)) if jitter > 0 else delay


def _body_excerpt(body: bytes, limit: int = 200) -> str:
    text = " ".join(body.decode("utf-8", errors="replace").split())
    return f"; the server said: {redact(text[:limit])}" if text else ""


class _Watchdog:
    """Cuts an attempt at a moment (``monotonic``): shuts down the sockets it opened (captured through httpcore's
    ``trace`` extension), so that a read blocked on a server that sends one byte now and then returns at once."""

    def __init__(self, at: float) -> None:
        self.fired = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, at - time.monotonic()), self._fire)
        self._timer.daemon = True

    def trace(self, event: str, info: dict) -> None:
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if sock is not None:
                with self._lock:
                    self._sockets.append(sock)
                if self.fired.is_set():
                    self._shutdown(sock)

    def _fire(self) -> None:
        self.fired.set()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            self._shutdown(sock)

    @staticmethod
    def _shutdown(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):  # already closed, or detached by the TLS wrapper
            socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's: also under an SSLSocket

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()


class _TooLarge(Exception):
    pass


def _read_body(response: httpx.Response, limit: int, shown: str, truncate: bool = False) -> bytes:
    """The body, decoded here from the raw stream and counted as it is decoded: ``_TooLarge`` past ``limit`` bytes
    (or the first ``limit`` bytes with ``truncate``). Only gzip (the one encoding asked for) or none is accepted."""
    header = response.headers.get("content-encoding", "")
    encodings = [e.strip().lower() for e in header.split(",") if e.strip() and e.strip().lower() != "identity"]
    if encodings and encodings != ["gzip"] and encodings != ["x-gzip"]:
        if truncate:
            return b""
        raise AAFetchFailed(f"{shown} answered with Content-Encoding {header!r}, which this client did not ask for "
                            "and does not decode (it asks for gzip)")
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS) if encodings else None
    body = bytearray()
    try:
        for raw in response.iter_raw():
            data = raw
            while data:
                if decoder is None:
                    piece, data = data, b""
                else:  # never more than the room left (+1 byte, to know it overflows) at a time
                    piece = decoder.decompress(data, limit - len(body) + 1)
                    data = decoder.unconsumed_tail
                    if decoder.eof and decoder.unused_data:  # a gzip stream of several members
                        data, decoder = decoder.unused_data + data, zlib.decompressobj(16 + zlib.MAX_WBITS)
                body += piece
                if len(body) > limit:
                    if truncate:
                        return bytes(body[:limit])
                    raise _TooLarge
        if decoder is not None:
            body += decoder.flush()  # at most the last match (258 bytes): nothing left to inflate
            if len(body) > limit and not truncate:
                raise _TooLarge
            if not decoder.eof and not truncate:
                raise AAFetchFailed(f"{shown}: the gzip-encoded body ends before its end (cut short?)")
    except zlib.error as err:
        if truncate:
            return bytes(body[:limit])
        raise AAFetchFailed(f"{shown}: the gzip-encoded body cannot be decoded ({err})") from None
    return bytes(body[:limit])


def _response_name(folder: Path, retrieved: dt.datetime) -> Path:
    stem = f"llms_models_{retrieved:%Y-%m-%dT%H%M%SZ}"
    path, n = folder / f"{stem}.json", 1
    while path.exists() or Path(f"{path}.invalid").exists():  # two fetches in one second: keep both
        n += 1
        path = folder / f"{stem}_{n}.json"  # "_" sorts after ".": the newest stays last
    return path


def _validate(body: bytes) -> tuple[int | None, str | None]:
    """(number of models, None) for a models response; (None, what is wrong) otherwise."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as err:
        return None, f"the body is not UTF-8 text ({err.reason} at byte {err.start})"
    except json.JSONDecodeError as err:
        return None, (f"the body is not valid JSON (truncated or damaged?): {err.msg} at line {err.lineno}, "
                      f"column {err.colno}")
    if not isinstance(payload, dict):
        return None, f"the body is a JSON {type(payload).__name__}, expected an object with a 'data' list"
    records = payload.get("data")
    if not isinstance(records, list):
        keys = ", ".join(sorted(map(str, payload))[:10])
        return None, f"the body has no 'data' list (fields: {keys or 'none'})"
    if not records:
        return None, "the body's 'data' list is empty"
    return len(records), None


def fetch_models(
    api_key: ApiKey | str | None = None,
    *,
    base_url: str = DEFAULT_BASE_URL,
    out_dir: Path | str | None = None,
    connect_timeout: float = 10.0,
    timeout: float = 60.0,
    deadline: float | None = DEFAULT_DEADLINE,
    retries: int = 4,
    backoff_base: float = 1.0,
    backoff_max: float = 60.0,
    retry_after_max: float = 120.0,
    jitter: float = 0.1,
    secret_block: str | None = DEFAULT_SECRET_BLOCK,
    logger: logging.Logger | logging.LoggerAdapter | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchResult:
    """Fetch the AA models list, save the raw body and its sidecar, then check the body; return what was saved.

    ``api_key``: an ``ApiKey``, the key itself, or None to resolve it (``resolve_api_key(secret_block)``).
    ``timeout``: seconds each attempt may take as a whole, from the request to the body's last byte (``connect_timeout``
    bounds the connection within it). ``deadline``: seconds the whole call may take, every attempt and the waits
    between retries included (None: no bound beyond ``(retries + 1) x timeout`` and the waits).
    ``retries``: how many times to retry after the first attempt (so at most ``retries + 1`` requests).
    Raises ``AAClientError`` (base URL refused, before any key is resolved), ``AAKeyMissing``, ``AAKeyRejected``,
    ``AANotFound``, ``AAFetchFailed`` or ``AAResponseInvalid`` (body kept, its path in the message and in ``.path``).
    """
    log_ = logger or log
    install_redaction()
    if retries < 0:
        raise AAClientError(f"retries must be >= 0, got {retries}")
    url = models_url(base_url)  # refused here, before the key is even looked up
    limit = max_response_bytes()
    key = api_key if isinstance(api_key, ApiKey) else (
        ApiKey(api_key, "the api_key argument") if api_key is not None else resolve_api_key(secret_block))
    shown = safe_url(url)
    folder = Path(out_dir).expanduser().resolve() if out_dir else default_out_dir()
    end = time.monotonic() + deadline if deadline is not None else float("inf")
    history: list[dict] = []
    attempt = 0
    # no kept-alive connection: every attempt opens its own, so that its watchdog knows the socket to cut
    with httpx.Client(follow_redirects=False, limits=httpx.Limits(max_keepalive_connections=0),
                      headers={"accept": "application/json", "accept-encoding": "gzip",
                               "user-agent": "inference-trends (aa_client)"}) as client:
        while True:
            attempt += 1
            started = time.monotonic()
            cut_at = min(started + timeout, end)
            left = max(cut_at - started, 0.001)
            retry_after = None
            response, body = None, b""
            with _Watchdog(cut_at) as watchdog:
                try:
                    with client.stream("GET", url, headers={KEY_HEADER: key.reveal()},
                                       timeout=httpx.Timeout(min(timeout, left), connect=min(connect_timeout, left)),
                                       extensions={"trace": watchdog.trace}) as response:
                        body = _read_body(response, limit if response.status_code == 200 else ERROR_BODY_BYTES,
                                          shown, truncate=response.status_code != 200)
                except _TooLarge:
                    raise AAFetchFailed(
                        f"{shown}: the response body is larger than {limit:,} bytes once decoded (content-encoding "
                        f"{response.headers.get('content-encoding', 'none')}); reading stopped there and nothing was "
                        f"saved. {MAX_RESPONSE_ENV} raises the limit") from None
                except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as err:
                    if watchdog.fired.is_set() or isinstance(err, httpx.TimeoutException):
                        why = (f"the {deadline:g} s deadline of the whole fetch" if cut_at >= end else
                               f"the {timeout:g} s timeout of an attempt")
                        error = f"timeout (no complete response within {why})"
                    else:
                        error = f"connection error ({type(err).__name__}: {err or 'no detail'})"
                    outcome = {"attempt": attempt, "status": None, "error": redact(error)}
                    response = None
                except (httpx.HTTPError, httpx.InvalidURL) as err:  # a bad URL or protocol: retrying cannot help
                    raise AAFetchFailed(f"cannot request {shown}: {type(err).__name__}: {err}") from None
            if response is not None:
                status = response.status_code
                outcome = {"attempt": attempt, "status": status}
                if status == 200:
                    break
                if status in (401, 403):
                    raise AAKeyRejected(
                        f"key rejected: {shown} answered HTTP {status} to the key from {key.source}; check the key "
                        f"(and that your plan includes this endpoint){_body_excerpt(body)}")
                if status == 404:
                    raise AANotFound(f"{shown} answered HTTP 404 (not found): check base_url (expected like "
                                     f"{DEFAULT_BASE_URL}){_body_excerpt(body)}")
                if 300 <= status < 400:
                    location = safe_url(response.headers.get("location", "?"))
                    raise AAFetchFailed(f"{shown} redirected (HTTP {status}) to {location}; redirects are not followed "
                                        "so that the key is not sent elsewhere: set base_url to the final address")
                if status != 429 and not 500 <= status < 600:
                    raise AAFetchFailed(f"{shown} answered HTTP {status}; not retried{_body_excerpt(body)}")
                retry_after = retry_after_seconds(response.headers.get("retry-after"))
                outcome["error"] = f"HTTP {status}" + (
                    f", Retry-After {response.headers.get('retry-after')}" if retry_after is not None else "")
            outcome["seconds"] = round(time.monotonic() - started, 3)
            history.append(outcome)
            last = outcome.get("error") or f"HTTP {outcome['status']}"
            if attempt > retries:
                raise AAFetchFailed(f"{shown}: no usable response after {attempt} attempt(s); last: {last}")
            delay = (min(retry_after, retry_after_max) if retry_after is not None
                     else backoff_delay(attempt, backoff_base, backoff_max, jitter))
            if time.monotonic() + delay >= end:
                when = ("" if time.monotonic() >= end else
                        f" (the next one would start {delay:.3g} s from now, after it)")
                raise AAFetchFailed(f"{shown}: no usable response within the {deadline:g} s deadline after {attempt} "
                                    f"attempt(s){when}; last: {last}")
            outcome["retry_in_seconds"] = round(delay, 3)
            log_.warning("AA API %s: attempt %d of %d failed (%s); retrying in %.2f s", shown, attempt,
                         retries + 1, outcome["error"], delay)
            sleep(delay)

    retrieved = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    secret = key.reveal().encode()
    echoed = body.count(secret)
    if echoed:  # never write the key to disk, even if the server echoes it
        body = body.replace(secret, REDACTED.encode())
    path = atomic_write_bytes(_response_name(folder, retrieved), body)  # saved before anything is parsed
    history.append({**outcome, "seconds": round(time.monotonic() - started, 3)})
    meta: dict[str, Any] = {
        "url": shown, "status": response.status_code, "retrieved_at": retrieved.isoformat().replace("+00:00", "Z"),
        "sha256": sha256_bytes(body), "size_bytes": len(body), "attempts": attempt, "history": history,
        "headers": {name: redact(response.headers[name]) for name in SAFE_RESPONSE_HEADERS
                    if name in response.headers},
        "http_version": response.http_version, "format": "aa_api", "client": "inference-trends tasks/platform/aa_client.py",
    }
    if echoed:
        meta["key_redacted_from_body"] = echoed
    count, problem = _validate(body)
    if problem:
        kept = path.with_name(path.name + ".invalid")
        os.replace(path, kept)
        meta.update(file=kept.name, valid=False, error=problem)
        write_json(Path(f"{kept}.meta"), meta)
        raise AAResponseInvalid(f"{shown} answered HTTP 200 but {problem}; the raw body was kept at {kept} "
                                f"(sidecar {kept.name}.meta)", kept)
    meta.update(file=path.name, valid=True, models=count)
    meta_path = write_json(Path(f"{path}.meta"), meta)
    log_.info("AA API %s: %d models (%d bytes) after %d attempt(s), saved to %s", shown, count, len(body), attempt,
              path)
    return FetchResult(path=path, meta_path=meta_path, url=shown, status=response.status_code,
                       retrieved_at=meta["retrieved_at"], sha256=meta["sha256"], size_bytes=len(body),
                       attempts=attempt, models=count, history=history)


@task(name="fetch-aa-models", cache_policy=NO_CACHE)
def fetch_aa_models_task(
    base_url: str = DEFAULT_BASE_URL,
    out_dir: str | None = None,
    connect_timeout: float = 10.0,
    timeout: float = 60.0,
    deadline: float | None = DEFAULT_DEADLINE,
    retries: int = 4,
    backoff_base: float = 1.0,
    secret_block: str | None = DEFAULT_SECRET_BLOCK,
) -> dict[str, Any]:
    """Fetch and save the AA models list (live I/O: never cached; retried inside the client, not by Prefect).

    The key is resolved here, inside the task, so that it is never a task or flow parameter. Returns
    ``FetchResult.to_dict()`` (paths as strings).
    """
    logger = get_run_logger()
    result = fetch_models(base_url=base_url, out_dir=out_dir, connect_timeout=connect_timeout, timeout=timeout,
                          deadline=deadline, retries=retries, backoff_base=backoff_base,
                          secret_block=secret_block, logger=logger)
    return result.to_dict()
