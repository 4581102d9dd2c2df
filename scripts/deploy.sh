#!/usr/bin/env bash
# Deploy every deployment of prefect.yaml to the running server (called by scripts/serve.sh; also by hand after
# `source .serve/env`, e.g. after editing prefect.yaml), keeping what the user set in the UI: schedules and
# deployments paused there stay paused. Their state is saved before `prefect deploy` and set back after it
# (tasks/platform/schedules.py): the deploy always unpauses a deployment, and prefect.yaml's schedules carry slugs
# and no `active`, so it updates them in place. To pause a schedule for good, write `active: false` under it in
# prefect.yaml. Logs: $STATE/deploy.log and $STATE/schedules.log.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${BIN:-$ROOT/.venv/bin}
STATE=${STATE:-${INFERENCE_TRENDS_SERVE_DIR:-$ROOT/.serve}}

"$BIN/python" -m tasks.platform.schedules save "$STATE/schedules.json" >"$STATE/schedules.log" 2>&1 ||
  echo "warning: the schedules' paused/active state could not be saved (see $STATE/schedules.log)" >&2
"$BIN/prefect" --no-prompt deploy --all >"$STATE/deploy.log" 2>&1 || {
  echo "deploying prefect.yaml failed; see $STATE/deploy.log" >&2; tail -20 "$STATE/deploy.log" >&2; exit 1; }
"$BIN/python" -m tasks.platform.schedules restore "$STATE/schedules.json" >>"$STATE/schedules.log" 2>&1 ||
  echo "warning: the schedules' paused/active state could not be set back (see $STATE/schedules.log)" >&2
grep '^kept' "$STATE/schedules.log" || true
