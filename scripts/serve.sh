#!/usr/bin/env bash
# `make serve`: a local Prefect service for inference-trends, on 127.0.0.1 only, offline, telemetry off:
#   1. a Prefect server with its UI (SQLite in $PREFECT_HOME by default; PostgreSQL when
#      PREFECT_API_DATABASE_CONNECTION_URL=postgresql+asyncpg://user:pass@host/db is set: see docs/service.md);
#   2. the process work pool "inference-trends";
#   3. every deployment of prefect.yaml (estimate, ingest, build-snapshot, price-history, fetch-aa);
#   4. a worker on that pool (scripts/worker.sh, also `make worker`), which runs the flows from this checkout;
#   5. a read-only file server of the run folders (python -m http.server, loopback), for the HTML report links;
#   6. the inbox watcher (flows/watch.py): an ingest flow run only when files wait in the inbox.
# Each process runs in its own process group; its pid is written to $STATE/<name>.pid so that `make stop` stops
# exactly these (and the flow runs the worker started), nothing else.
#
# Access: the API requires basic authentication. The string (`inference-trends:<random>`) is generated once into
# $STATE/api-auth (mode 0600, in a 0700 folder, git-ignored; delete it to get a new one at the next start) and read
# from there by everything that talks to the API: the server (PREFECT_SERVER_API_AUTH_STRING), this script's
# `prefect` calls, the worker and its flow runs, the watcher, and a shell that does `source $STATE/env` (all through
# PREFECT_API_AUTH_STRING). It is never printed, logged, or written into prefect.yaml or the deployments' job
# variables. The UI asks for it once, as its password. Only the UI's own origin may call the API from a browser
# (CORS); any other web page gets no CORS header, and no request without the string gets past 401.
# What deployment runs may read and write: the project's data folders, or the folders of INFERENCE_TRENDS_ALLOWED_ROOTS
# (separated by ":") when it is set here; every path parameter of every deployment is checked in the flow
# (flows/deployments.py). The AA key goes only to https://artificialanalysis.ai unless the worker was started with
# INFERENCE_TRENDS_AA_ALLOW_OTHER_BASE_URL=1 in its environment.
#
# Settings (environment): INFERENCE_TRENDS_PORT (4200), INFERENCE_TRENDS_SERVE_DIR (.serve: pid files and logs),
# INFERENCE_TRENDS_POOL (inference-trends), INFERENCE_TRENDS_REPORTS_PORT (4201), INFERENCE_TRENDS_WORKER_LIMIT (2
# concurrent flow runs: the work pool's limit, so it holds for every worker of the pool), INFERENCE_TRENDS_WATCH_SECONDS
# (30: how often the watcher looks at the inbox), PREFECT_HOME (.prefect), and every INFERENCE_TRENDS_* location of
# tasks/files/settings.py (inbox, cache, runs, ...). The locations are written into the deployments' job variables
# (prefect.yaml), so that any worker of the pool, also one started by hand, runs the flows with them.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${BIN:-$ROOT/.venv/bin}
HOST=127.0.0.1
PORT=${INFERENCE_TRENDS_PORT:-4200}
STATE=${INFERENCE_TRENDS_SERVE_DIR:-$ROOT/.serve}
POOL=${INFERENCE_TRENDS_POOL:-inference-trends}
LIMIT=${INFERENCE_TRENDS_WORKER_LIMIT:-2}

export INFERENCE_TRENDS_HOME=$ROOT
export PREFECT_HOME=${PREFECT_HOME:-$ROOT/.prefect}
export PREFECT_API_URL=http://$HOST:$PORT/api
export PREFECT_UI_API_URL=$PREFECT_API_URL
export PREFECT_SERVER_API_HOST=$HOST
export PREFECT_SERVER_API_PORT=$PORT
export PREFECT_SERVER_ANALYTICS_ENABLED=false
export DO_NOT_TRACK=1
REPORTS_PORT=${INFERENCE_TRENDS_REPORTS_PORT:-4201}
# the locations of the service's runs (prefect.yaml puts them into every deployment's job variables): results live
# with the project's cache (as for `make run`), unless set otherwise
export INFERENCE_TRENDS_CACHE_DIR=${INFERENCE_TRENDS_CACHE_DIR:-$ROOT/data/cache}
export PREFECT_RESULTS_LOCAL_STORAGE_PATH=${PREFECT_RESULTS_LOCAL_STORAGE_PATH:-$INFERENCE_TRENDS_CACHE_DIR/prefect-results}
export INFERENCE_TRENDS_RUNS_DIR=${INFERENCE_TRENDS_RUNS_DIR:-$ROOT/data/runs}
export INFERENCE_TRENDS_INBOX=${INFERENCE_TRENDS_INBOX:-$ROOT/data/inbox}
export INFERENCE_TRENDS_REPORTS_URL=http://$HOST:$REPORTS_PORT
export INFERENCE_TRENDS_REPORTS_ROOT=$INFERENCE_TRENDS_RUNS_DIR

mkdir -p "$STATE" "$PREFECT_HOME"
chmod 700 "$STATE"  # pid files, logs, and the API's password: this user's only

# the API's basic authentication: generated once, kept in a file only this user can read, never on a command line
AUTH_FILE=$STATE/api-auth
if [[ ! -s "$AUTH_FILE" ]]; then
  (umask 077 && "$BIN/python" -c 'import secrets; print("inference-trends:" + secrets.token_urlsafe(32))' >"$AUTH_FILE")
fi
chmod 600 "$AUTH_FILE"
PREFECT_API_AUTH_STRING=$(<"$AUTH_FILE")
export PREFECT_API_AUTH_STRING
unset PREFECT_API_KEY  # a Cloud key beside the auth string takes precedence and gets 401
# the folders deployment runs may use (empty: the project's data folders); a job variable of every deployment
export INFERENCE_TRENDS_ALLOWED_ROOTS=${INFERENCE_TRENDS_ALLOWED_ROOTS:-}

alive() { [[ -f "$STATE/$1.pid" ]] && kill -0 "$(cat "$STATE/$1.pid")" 2>/dev/null; }

# record a started process: its pid, and its start time (so that `make stop` never signals a reused pid)
started() {
  echo "$2" >"$STATE/$1.pid"
  if [[ -r "/proc/$2/stat" ]]; then awk '{print $22}' "/proc/$2/stat" >"$STATE/$1.start"; fi
}

# on any failure from here on, stop what was started, so that a retry starts clean
trap 'echo "make serve failed; stopping what it started" >&2; bash "$ROOT/scripts/stop.sh" >&2' ERR

check_running() {  # NAME: still alive a moment after its start?
  sleep 1
  if ! kill -0 "$(cat "$STATE/$1.pid")" 2>/dev/null; then
    echo "$1 exited at start; see $STATE/$1.log:" >&2
    tail -20 "$STATE/$1.log" >&2
    false
  fi
}
for name in server worker reports watcher; do
  if alive "$name"; then
    echo "already running: $name (pid $(cat "$STATE/$name.pid")); \`make stop\` first" >&2
    exit 1
  fi
done
for port_var in INFERENCE_TRENDS_PORT:$PORT INFERENCE_TRENDS_REPORTS_PORT:$REPORTS_PORT; do
  if "$BIN/python" - "$HOST" "${port_var#*:}" <<'PY'
import socket, sys
s = socket.socket()
sys.exit(0 if s.connect_ex((sys.argv[1], int(sys.argv[2]))) == 0 else 1)
PY
  then
    echo "port ${port_var#*:} on $HOST is in use; set ${port_var%%:*} to a free one" >&2
    exit 1
  fi
done

# $! is the pid of the started program only when it is its own statement; setsid gives it its own process group
# only the UI's own origin (by address or by name) may call the API from a browser; the password is the server's alone
PREFECT_SERVER_API_AUTH_STRING=$PREFECT_API_AUTH_STRING \
PREFECT_SERVER_API_CORS_ALLOWED_ORIGINS="http://$HOST:$PORT,http://localhost:$PORT" \
  setsid "$BIN/prefect" server start --host "$HOST" --port "$PORT" >"$STATE/server.log" 2>&1 </dev/null &
started server $!

"$BIN/python" - "$PREFECT_API_URL/health" "$STATE/server.log" "$(cat "$STATE/server.pid")" <<'PY'
import os, sys, time, urllib.request
url, log, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
deadline = time.time() + 120
while time.time() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit(f"the Prefect server exited at start; see {log}")
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                sys.exit(0)
    except OSError:
        time.sleep(0.5)
sys.exit(f"the Prefect server did not answer {url} within 120 s; see {log}")
PY

# every deployment's version: the git commit of this checkout (prefect.yaml: {{ $INFERENCE_TRENDS_VERSION }})
if [[ -z "${INFERENCE_TRENDS_VERSION:-}" ]]; then
  INFERENCE_TRENDS_VERSION=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
  if [[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
    INFERENCE_TRENDS_VERSION=$INFERENCE_TRENDS_VERSION-dirty
  fi
fi
export INFERENCE_TRENDS_VERSION

# what a shell (and `make worker`, and a `prefect deploy` by hand) needs to talk to this server: `source .serve/env`
# (the password is read from its file when the env is sourced, not copied into it)
cat >"$STATE/env" <<ENV
export INFERENCE_TRENDS_HOME=$ROOT
export PREFECT_HOME=$PREFECT_HOME
export PREFECT_API_URL=$PREFECT_API_URL
export PREFECT_API_AUTH_STRING="\$(cat '$AUTH_FILE')"
export INFERENCE_TRENDS_ALLOWED_ROOTS='$INFERENCE_TRENDS_ALLOWED_ROOTS'
export PREFECT_SERVER_ANALYTICS_ENABLED=false
export DO_NOT_TRACK=1
export INFERENCE_TRENDS_POOL=$POOL
export INFERENCE_TRENDS_WORKER_LIMIT=$LIMIT
export PREFECT_RESULTS_LOCAL_STORAGE_PATH=$PREFECT_RESULTS_LOCAL_STORAGE_PATH
export INFERENCE_TRENDS_CACHE_DIR=$INFERENCE_TRENDS_CACHE_DIR
export INFERENCE_TRENDS_RUNS_DIR=$INFERENCE_TRENDS_RUNS_DIR
export INFERENCE_TRENDS_INBOX=$INFERENCE_TRENDS_INBOX
export INFERENCE_TRENDS_REPORTS_URL=$INFERENCE_TRENDS_REPORTS_URL
export INFERENCE_TRENDS_REPORTS_ROOT=$INFERENCE_TRENDS_REPORTS_ROOT
export INFERENCE_TRENDS_VERSION=$INFERENCE_TRENDS_VERSION
ENV

"$BIN/prefect" work-pool create "$POOL" --type process --overwrite >"$STATE/pool.log" 2>&1
# the limit belongs to the pool, so that a second worker (started by hand) cannot double it
"$BIN/prefect" work-pool set-concurrency-limit "$POOL" "$LIMIT" >>"$STATE/pool.log" 2>&1
# every deployment of prefect.yaml; schedules and deployments paused in the UI stay paused (scripts/deploy.sh)
BIN=$BIN STATE=$STATE bash "$ROOT/scripts/deploy.sh"

BIN=$BIN INFERENCE_TRENDS_SERVE_DIR=$STATE bash "$ROOT/scripts/worker.sh" >/dev/null

# the run folders over HTTP (read-only, loopback), so that the report artifact's link to report.html opens
RUNS=$INFERENCE_TRENDS_RUNS_DIR
mkdir -p "$RUNS" "$INFERENCE_TRENDS_INBOX"
setsid "$BIN/python" -m http.server "$REPORTS_PORT" --bind "$HOST" --directory "$RUNS" >"$STATE/reports.log" 2>&1 </dev/null &
started reports $!
check_running reports

# the inbox watcher: an ingest flow run when files wait in the inbox, none when it is empty (no polling schedule)
setsid "$BIN/python" -m flows.watch >"$STATE/watcher.log" 2>&1 </dev/null &
started watcher $!
check_running watcher
trap - ERR

deployments=$("$BIN/python" - <<'PY'
import yaml
print(", ".join(d["name"] for d in yaml.safe_load(open("prefect.yaml"))["deployments"]))
PY
)
roots=$("$BIN/python" - <<'PY'
from tasks.files.settings import allowed_roots
print(", ".join(map(str, allowed_roots(write=True))) + "; read also: "
      + (", ".join(str(r) for r in allowed_roots(write=False) if r not in allowed_roots(write=True)) or "-"))
PY
)
echo "Prefect UI:   http://$HOST:$PORT"
echo "UI login:     the UI asks once for a password: paste the line of $AUTH_FILE"
echo "              (e.g. xclip -selection clipboard < $AUTH_FILE; it is not shown here or in any log)"
echo "API:          $PREFECT_API_URL   (basic auth; source $STATE/env to use it from a shell)"
echo "work pool:    $POOL (process), worker pid $(cat "$STATE/worker.pid"), logs in $STATE/"
echo "deployments:  $deployments"
echo "reports:      $INFERENCE_TRENDS_REPORTS_URL (run folders: $RUNS)"
echo "paths:        deployment runs write only in: $roots (INFERENCE_TRENDS_ALLOWED_ROOTS sets others)"
echo "inbox:        $INFERENCE_TRENDS_INBOX  (drop new data files here; watched every ${INFERENCE_TRENDS_WATCH_SECONDS:-30} s, pid $(cat "$STATE/watcher.pid"))"
echo "schedules:    in UTC; paused ones stay paused across \`make serve\` ($(grep -c '^kept' "$STATE/schedules.log" || true) kept as set in the UI: $STATE/schedules.log)"
echo "stop with:    make stop"
