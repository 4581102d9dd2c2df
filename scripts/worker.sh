#!/usr/bin/env bash
# `make worker`: (re)start just the worker of `make serve`'s work pool, with a pid file like serve.sh's, so that
# `make stop` stops it (and the flow runs it started). The server must be running (`make serve`): the worker takes
# the API address, its password (read from $STATE/api-auth) and the service's settings from $STATE/env.
#
# Any worker of the pool runs the flows with the same cache, result storage, run folders, inbox and report links:
# those come from the deployments' job variables (prefect.yaml), not from the worker's environment. So a worker
# started by hand (`prefect worker start --pool inference-trends`, as the UI's work-pool page suggests) also serves
# reruns from the cache; it is only invisible to `make stop` (which lists such workers when it stops the service).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${BIN:-$ROOT/.venv/bin}
STATE=${INFERENCE_TRENDS_SERVE_DIR:-$ROOT/.serve}

if [[ ! -f "$STATE/env" ]]; then
  echo "no service state in $STATE: \`make serve\` first" >&2
  exit 1
fi
# shellcheck disable=SC1091
source "$STATE/env"
POOL=${INFERENCE_TRENDS_POOL:-inference-trends}
LIMIT=${INFERENCE_TRENDS_WORKER_LIMIT:-2}
PORT=${PREFECT_API_URL##*:}; PORT=${PORT%%/*}

INFERENCE_TRENDS_SERVE_DIR=$STATE bash "$ROOT/scripts/stop.sh" worker >/dev/null

# $! is the pid of the started program only when it is its own statement; setsid gives it its own process group
setsid "$BIN/prefect" worker start --pool "$POOL" --type process --name "$POOL-worker-$PORT" --limit "$LIMIT" \
  --install-policy never >>"$STATE/worker.log" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$STATE/worker.pid"
if [[ -r "/proc/$pid/stat" ]]; then awk '{print $22}' "/proc/$pid/stat" >"$STATE/worker.start"; fi
sleep 1
if ! kill -0 "$pid" 2>/dev/null; then
  echo "the worker exited at start; see $STATE/worker.log:" >&2
  tail -20 "$STATE/worker.log" >&2
  rm -f "$STATE/worker.pid" "$STATE/worker.start"
  exit 1
fi
echo "worker: pid $pid on pool $POOL (log $STATE/worker.log); \`make stop\` stops it"
