"""The inbox watcher of ``make serve``: an ingest flow run only when the inbox has something to take.

A schedule that polls the inbox creates a flow run every period whatever it finds (every 2 minutes: 720 runs a day,
almost all of them "nothing new"). This small process looks at the inbox instead (a directory listing: names,
times, sizes; nothing is read) every ``INFERENCE_TRENDS_WATCH_SECONDS`` (30) and creates one flow run of the
ingest deployment through the Prefect API when entries are waiting that have not changed for
``INFERENCE_TRENDS_WATCH_SETTLE`` seconds (10). The run is given exactly what the watcher saw (its ``entries``
parameter: each entry's name, size and modification time, ``tasks.platform.inbox_seen``): it takes those entries if
they are still unchanged, without judging their age again by its own ``settle_seconds``, and names in its final
state any it could not take. It never creates a second run while its last one is still scheduled, pending or
running, and does not create another one for the same unchanged entries (a file the ingest run had to leave where
it was) until ``INFERENCE_TRENDS_WATCH_RETRY`` seconds (600) have passed.

Run by ``scripts/serve.sh`` (``python -m flows.watch``), with ``PREFECT_API_URL``, ``PREFECT_API_AUTH_STRING`` (the
API's basic authentication, sent with every call) and ``INFERENCE_TRENDS_INBOX`` of the service. It talks to the REST
API with the standard library only (no Prefect, no pandas: about 20 MB, next to no CPU at rest).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import signal
import sys
import time
import urllib.error
import urllib.request

from tasks.platform.inbox_layout import ready_signature
from tasks.platform.inbox_seen import format_entry
from tasks.files.settings import inbox_dir

ACTIVE = {"SCHEDULED", "PENDING", "RUNNING", "PAUSED", "CANCELLING"}
log = logging.getLogger("inference_trends.watch")


def auth_headers() -> dict[str, str]:
    """The API's basic authentication (``PREFECT_API_AUTH_STRING``, as Prefect's own client sends it), if set."""
    auth = os.environ.get("PREFECT_API_AUTH_STRING", "")
    return {"Authorization": "Basic " + base64.b64encode(auth.encode()).decode()} if auth else {}


def run_parameters(signature: tuple[tuple[str, float, int], ...]) -> dict:
    """The ingest run's parameters for what the watcher saw: exactly those entries (``entries``)."""
    return {"entries": [format_entry(name, mtime, size) for name, mtime, size in signature]}


def _call(api: str, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(f"{api}{path}", method=method,
                                     headers={"Content-Type": "application/json", **auth_headers()},
                                     data=None if body is None else json.dumps(body).encode())
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


class Watcher:
    def __init__(self, api: str, deployment: str = "ingest/ingest", settle: float = 10.0, retry: float = 600.0):
        self.api, self.deployment, self.settle, self.retry = api.rstrip("/"), deployment, settle, retry
        self.last_signature: tuple = ()
        self.last_time = 0.0
        self.last_run: str | None = None

    def run_active(self) -> bool:
        if self.last_run is None:
            return False
        return _call(self.api, "GET", f"/flow_runs/{self.last_run}").get("state_type") in ACTIVE

    def check(self, inbox) -> str | None:
        """One look at the inbox; the id of the flow run created, or None."""
        signature = ready_signature(inbox, self.settle)
        if not signature:
            return None
        if signature == self.last_signature and time.time() - self.last_time < self.retry:
            return None  # the same entries as last time, left by that run (unreadable?): retried later
        if self.run_active():
            return None  # one run at a time: a run for them is created at the first look after it ends
        deployment = _call(self.api, "GET", f"/deployments/name/{self.deployment}")
        names = [name for name, _, _ in signature]
        label = ", ".join(names[:2]) + (f" + {len(names) - 2} more" if len(names) > 2 else "")
        # named after what it ingests (the runs list says which run took which file), not two random words
        run = _call(self.api, "POST", f"/deployments/{deployment['id']}/create_flow_run",
                    {"tags": ["inbox-watcher"], "parameters": run_parameters(signature),
                     "name": f"ingest {label}"})
        self.last_signature, self.last_time, self.last_run = signature, time.time(), run["id"]
        log.info("%d new item(s) in %s (%s): created ingest flow run %s (%s)", len(signature), inbox,
                 ", ".join(name for name, _, _ in signature[:5]), run["name"], run["id"])
        return run["id"]


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stdout)
    api = os.environ["PREFECT_API_URL"]
    period = float(os.environ.get("INFERENCE_TRENDS_WATCH_SECONDS", "30"))
    watcher = Watcher(api, os.environ.get("INFERENCE_TRENDS_WATCH_DEPLOYMENT", "ingest/ingest"),
                      float(os.environ.get("INFERENCE_TRENDS_WATCH_SETTLE", "10")),
                      float(os.environ.get("INFERENCE_TRENDS_WATCH_RETRY", "600")))
    inbox = inbox_dir()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log.info("watching %s every %g s for the %s deployment (API %s)", inbox, period, watcher.deployment, api)
    while True:
        try:
            watcher.check(inbox)
        except (OSError, urllib.error.URLError, KeyError, ValueError) as error:  # the server restarting: next time
            log.warning("inbox check failed (%s); trying again in %g s", error, period)
        time.sleep(period)


if __name__ == "__main__":
    main()
