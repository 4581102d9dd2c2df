#!/usr/bin/env bash
# `make stop`: stop what `make serve` (and `make worker`) started, from its pid files: the inbox watcher, the worker
# (with the flow runs it started: its process group and every descendant process), the run-folder file server, then
# the server. `scripts/stop.sh worker` stops only the named ones (`make worker` restarts the worker this way). A pid file whose
# process is gone, or whose pid now belongs to another process (its start time or command differs), is removed
# without signalling anything.
set -uo pipefail
cd "$(dirname "$0")/.."
STATE=${INFERENCE_TRENDS_SERVE_DIR:-$PWD/.serve}

descendants() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do
    echo "$child $(descendants "$child")"
  done
}

alive_any() {
  local p
  for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done
  return 1
}

# is PID still the process `make serve` started as NAME? Its start time (recorded by serve.sh) must match, and its
# command must be the one serve.sh ran.
ours() {
  local name=$1 pid=$2 expected
  case $name in
    server) expected='prefect server start' ;;
    worker) expected='prefect worker start' ;;
    reports) expected='http.server' ;;
    watcher) expected='flows.watch' ;;
  esac
  if [[ -r "/proc/$pid/stat" && -f "$STATE/$name.start" ]]; then
    [[ "$(awk '{print $22}' "/proc/$pid/stat")" == "$(cat "$STATE/$name.start")" ]] || return 1
  fi
  if [[ -r "/proc/$pid/cmdline" ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$expected" || return 1
  else
    ps -o command= -p "$pid" 2>/dev/null | grep -q -- "$expected" || return 1
  fi
}

stop() {
  local name=$1 file="$STATE/$1.pid" pid
  [[ -f "$file" ]] || { echo "$name: not running (no pid file)"; return 0; }
  pid=$(cat "$file")
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "$name: pid $pid already gone"; rm -f "$file"; return 0
  fi
  if ! ours "$name" "$pid"; then
    echo "$name: pid $pid is another process now (started later); not touching it"; rm -f "$file" "$STATE/$name.start"
    return 0
  fi
  # its descendants too (a worker's flow runs may run in sessions of their own), listed before anything stops
  local family="$pid $(descendants "$pid")"
  kill -TERM -- "-$pid" 2>/dev/null
  kill -TERM $family 2>/dev/null
  for _ in $(seq 1 150); do
    alive_any $family || break
    sleep 0.1
  done
  if alive_any $family; then
    kill -KILL -- "-$pid" 2>/dev/null
    kill -KILL $family 2>/dev/null
  fi
  rm -f "$file" "$STATE/$name.start"
  echo "$name: stopped (pid $pid)"
}

if [[ $# -gt 0 ]]; then
  for name in "$@"; do stop "$name"; done
  exit 0
fi
stop watcher
stop worker
stop reports
stop server
# workers of the pool that `make serve`/`make worker` did not start (e.g. `prefect worker start --pool ...` by hand)
# are not ours to stop: say so, with their pids
POOL=$(sed -n 's/^export INFERENCE_TRENDS_POOL=//p' "$STATE/env" 2>/dev/null)
others=$(pgrep -f -- "prefect worker start --pool ${POOL:-inference-trends}( |$)" 2>/dev/null | tr '\n' ' ')
if [[ -n "${others// /}" ]]; then
  echo "note: other 'prefect worker start --pool ${POOL:-inference-trends}' processes still run, not started by make" \
       "serve/worker (by hand, or of another server): pids $others; stop them yourself if they are this service's"
fi
rm -f "$STATE/env"
