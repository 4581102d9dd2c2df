"""How a command-line run lives and ends: its own temporary Prefect API, a log file, and a clean stop.

- **Temporary API.** Without ``PREFECT_API_URL``, Prefect would start a temporary server itself and stop it at
  interpreter exit, which a SIGKILL skips (the server lingers) and a SIGTERM to a process group kills first (the
  run then retries a dead server). Here the command starts that server itself (``TemporaryApi``): in a session of
  its own (a Ctrl-C in the terminal goes to the run, which stops the server in order), deaf to SIGTERM (a
  supervisor's SIGTERM to every process of a service reaches the run, which reports its stop to the server and
  then stops it with SIGINT), bound to die with the run
  (Linux ``PR_SET_PDEATHSIG``: even a SIGKILL of the run takes the server down), and recorded in
  ``$PREFECT_HOME/temporary-api.json`` so that the next command stops one that outlived its run anyway (other
  platforms). Its output goes to ``$PREFECT_HOME/temporary-api.log`` (named in the error if it fails to start).
- **Stop on request.** SIGTERM and SIGINT raise ``Stopped`` in the main thread (during a flow run Prefect's own
  SIGTERM handler raises its ``TerminationSignal`` there instead, and re-sends the signal to ours once the flow
  has ended). The fits running on worker threads, which no signal reaches, stop too: the wait for them sets their
  stop event (``tasks/core/stopping.py``), and their loops check it between blocks, so the task runner's join
  of its threads returns within a second instead of when every fit is done (it used to take minutes with a large
  ``--bootstrap``, so that only a second SIGTERM stopped the run). Then the flow stops, a staging folder is
  removed, the previous run folder stays as it was, the server is stopped, and the process exits (143 / 130).
- **Messages, not tracebacks.** The console shows log lines and, at the end, one ``error:`` line; tracebacks (and
  everything else) go to ``$PREFECT_HOME/logs/last-command.log``, or to the console too with ``--debug``.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from tasks.core.stopping import request_stop
from tasks.files.folders import alive, start_time
from tasks.files.io import json_text

LOG_NAME = "last-command.log"
STATE_NAME = "temporary-api.json"
SERVER_LOG_NAME = "temporary-api.log"  # the server's output, replaced by each command's server
# what Prefect's engine logs about an exception that our own ``error:`` line states once, plainly
_ENGINE_FAILURE_LINES = ("Encountered exception during execution", "Task run failed with exception",
                         "Finished in state Failed", "Finished in state Crashed", "Crash detected",
                         "Execution of task run", "Flow run encountered an exception",
                         "the run stopped: ")  # flows/estimate.py's STOPPED: the error line says the same


class Stopped(BaseException):
    """SIGTERM or SIGINT asked the command to stop (a BaseException: nothing on the way catches it)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def stop_signal(err: BaseException) -> int | None:
    """The signal that stopped the command, if ``err`` is, or was raised while handling, a stop: our ``Stopped``, or
    Prefect's ``TerminationSignal`` (while a task run starts, Prefect's engine has its own SIGTERM handler; its crash
    handling can then fail in turn, e.g. ``ValueError('Task run is not set')``, with the signal only in the chain)."""
    seen: set[int] = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        if isinstance(err, Stopped):
            return err.signum
        if type(err).__name__ == "TerminationSignal" and type(err).__module__ == "prefect.exceptions":
            return int(getattr(err, "signal", signal.SIGTERM))
        err = err.__cause__ or err.__context__
    return None


def prefect_home() -> Path:
    return Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect")


# --- logging ------------------------------------------------------------------------------------------------------
# routine INFO lines the console leaves to the log file (the stage lines say the same per stage): each task run's
# "Finished in state Completed()" (a fit's "fitting N trends" stays: it says the fit stage is running)
_ROUTINE_LINES = re.compile(r"^Finished in state (Completed|Cached)\(.*\)$")


class _QuietFailures(logging.Filter):
    """Console filter: the engine's failure lines and every traceback stay in the log file, and so do the routine
    lines (``_ROUTINE_LINES``) below WARNING: the answer comes after fewer lines (issue 28: 189 before it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info or record.exc_text:
            return False
        message = record.getMessage()
        if record.levelno < logging.WARNING and _ROUTINE_LINES.match(message):
            return False
        return not any(line in message for line in _ENGINE_FAILURE_LINES)


@contextlib.contextmanager
def command_logging(debug: bool):
    """A fresh log file with everything (tracebacks included) for this command; a quiet console unless debug."""
    folder = prefect_home() / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_NAME
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s | %(levelname)-7s | %(name)s - %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    quiet = _QuietFailures()
    consoles = [h for h in root.handlers if h is not handler and isinstance(h, logging.StreamHandler)]
    if not debug:
        for console in consoles:
            console.addFilter(quiet)
    try:
        yield path
    finally:
        for console in consoles:
            console.removeFilter(quiet)
        root.removeHandler(handler)
        handler.close()


# --- the temporary API --------------------------------------------------------------------------------------------
# The server is stopped with SIGINT (uvicorn shuts down on it as on SIGTERM). SIGTERM is blocked in it: a supervisor
# that sends SIGTERM to every process of the service (systemd's default KillMode=control-group) must not take the
# API away from the run while the run reports its stop to it (Prefect's client then retried for minutes).
STOP_SERVER = signal.SIGINT


def _die_with_parent() -> None:  # runs in the child between fork and exec
    os.setsid()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # kept across exec; see STOP_SERVER
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, STOP_SERVER)  # PR_SET_PDEATHSIG: stopped when the parent dies, however it dies
    except (OSError, AttributeError):
        pass


def _free_port() -> int:
    import socket

    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_leftover_server(state_file: Path) -> bool:
    """Stop a temporary server whose run is gone (its run was killed before it could stop it)."""
    try:
        state = json.loads(state_file.read_text())
    except (OSError, ValueError):
        return False
    owner, server = state.get("owner", {}), state.get("server", {})
    stopped = False
    if not alive(owner) and alive(server) and server.get("started") is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(server["pid"], STOP_SERVER)
            stopped = True
    state_file.unlink(missing_ok=True)
    return stopped


class TemporaryApi:
    """A Prefect API server for one command (see the module docstring)."""

    def __init__(self, timeout: float = 90.0):
        self.timeout = timeout
        self.process: subprocess.Popen | None = None
        self.url: str | None = None
        self.state_file = prefect_home() / STATE_NAME
        self.log_file = prefect_home() / SERVER_LOG_NAME

    def start(self) -> str:
        from prefect.settings import get_current_settings

        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        stop_leftover_server(self.state_file)
        port = _free_port()
        env = {**os.environ, **get_current_settings().to_environment_variables(exclude_unset=True),
               "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
        env.pop("PREFECT_API_URL", None)
        import prefect

        # the server's own output goes to a log beside its state file, never to the user's terminal: stopping it
        # at the end of a command (or on SIGTERM) can make SQLAlchemy log a cancelled rollback with a traceback,
        # which is the server's business, not the run's (seen in a fresh-clone test run)
        with open(self.log_file, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(prefect.__file__).parent.parent), "--factory",
                 "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port), "--log-level",
                 "error", "--lifespan", "on"],
                env=env, preexec_fn=_die_with_parent if os.name == "posix" else None, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT)
        self.state_file.write_text(json_text({
            "owner": {"pid": os.getpid(), "started": start_time(os.getpid())},
            "server": {"pid": self.process.pid, "started": start_time(self.process.pid)}, "port": port},
            str(self.state_file)))
        self.url = f"http://127.0.0.1:{port}/api"
        deadline = time.monotonic() + self.timeout
        with httpx.Client(timeout=2) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the temporary Prefect API exited with code {self.process.returncode} "
                                       f"before it was ready; its log: {self.log_file}{self._log_tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(f"{self.url}/health").status_code == 200:
                        return self.url
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the temporary Prefect API did not answer within {self.timeout:.0f} s; its log: "
                           f"{self.log_file}{self._log_tail()}")

    def _log_tail(self, lines: int = 5) -> str:
        try:
            tail = self.log_file.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return ""
        return "".join(f"\n  {line}" for line in tail)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, STOP_SERVER)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
        self.state_file.unlink(missing_ok=True)


@contextlib.contextmanager
def prefect_api():
    """The API a command's flows report to: the one configured (``PREFECT_API_URL``, a test harness), else a
    ``TemporaryApi`` for the command's lifetime."""
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings

    if PREFECT_API_URL.value():
        yield PREFECT_API_URL.value()
        return
    server = TemporaryApi(float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")))
    try:
        url = server.start()
        # no UI on this server: no "View at" links to a page that does not exist
        with temporary_settings(updates={PREFECT_API_URL: url, PREFECT_UI_URL: ""}):
            try:
                yield url
            finally:
                drain_prefect_workers()
    finally:
        server.stop()


def drain_prefect_workers(timeout: float = 5.0) -> None:
    """Send the logs and events still queued to the API while it is up (not to a stopped server)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        with contextlib.suppress(Exception):
            worker.drain_all(timeout=timeout)


# --- stopping on request ------------------------------------------------------------------------------------------
@contextlib.contextmanager
def stop_on_signals():
    """SIGTERM / SIGINT raise ``Stopped`` in the main thread for the duration of the block."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        request_stop()  # work on worker threads stops too (they never receive a signal)
        raise Stopped(signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def exit_now(code: int) -> None:
    """Leave at once: flush what was printed, skip waiting for worker threads still fitting."""
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    logging.shutdown()
    os._exit(code)
