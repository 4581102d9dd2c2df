#!/usr/bin/env bash
# `make stop`: stop what `make serve` started, from its pid files: the worker (and the flow runs it started, which
# share its process group), then the server. A pid file whose process is gone, or whose process is no longer a
# Prefect (or file server) one (the pid was reused), is removed without signalling anything.
set -uo pipefail
cd "$(dirname "$0")/.."
STATE=${INFERENCE_TRENDS_SERVE_DIR:-$PWD/.serve}

stop() {
  local name=$1 file="$STATE/$1.pid" pid
  [[ -f "$file" ]] || { echo "$name: not running (no pid file)"; return 0; }
  pid=$(cat "$file")
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "$name: pid $pid already gone"; rm -f "$file"; return 0
  fi
  if ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -E 'prefect|http.server'; then
    echo "$name: pid $pid is not a Prefect process any more; not touching it"; rm -f "$file"; return 0
  fi
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"
  fi
  rm -f "$file"
  echo "$name: stopped (pid $pid)"
}

stop worker
stop reports
stop server
rm -f "$STATE/env"
