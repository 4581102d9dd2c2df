"""Schedules stay as the user set them across `make serve`'s redeploys.

`prefect deploy` of Prefect 3.9 would otherwise undo two things a user does in the UI:

- a schedule paused (its toggle): prefect.yaml gives every schedule a ``slug`` and no ``active``, so that a redeploy
  updates the schedule in place and leaves its active flag alone (the server patches schedules by slug and drops
  unset fields); a new schedule starts active;
- a deployment paused (the deployment's toggle): the deploy step always sends ``paused: false``.

``save`` records, before the deploy, every deployment's paused flag and each schedule's active flag (by slug, else by
its cron/interval and time zone); ``restore`` sets them back after it and prints what it kept. The first redeploy
after an upgrade from schedules without slugs is covered by the same record.

To pause a schedule for good (also on a fresh server): ``active: false`` under it in prefect.yaml.

``python -m tasks.platform.schedules save FILE`` / ``restore FILE`` (scripts/serve.sh; PREFECT_API_URL and the
API's password from the environment).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _schedule_key(schedule: dict) -> str:
    if schedule.get("slug"):
        return "slug:" + schedule["slug"]
    body = schedule.get("schedule") or {}
    return json.dumps({k: body.get(k) for k in ("cron", "interval", "rrule", "timezone")}, sort_keys=True)


def _client():
    import httpx
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL

    auth = PREFECT_API_AUTH_STRING.value()
    headers = {}
    if auth:
        import base64

        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    return httpx.Client(base_url=PREFECT_API_URL.value().rstrip("/"), headers=headers, timeout=30)


def current_state(client) -> dict:
    """{"flow/deployment": {"paused": bool, "schedules": {key: active}}} of every deployment on the server."""
    flows = {f["id"]: f["name"] for f in client.post("/flows/filter", json={}).raise_for_status().json()}
    state = {}
    for deployment in client.post("/deployments/filter", json={}).raise_for_status().json():
        name = f"{flows.get(deployment['flow_id'], deployment['flow_id'])}/{deployment['name']}"
        state[name] = {"id": deployment["id"], "paused": bool(deployment.get("paused")),
                       "schedules": {_schedule_key(s): {"active": bool(s.get("active")), "id": s["id"]}
                                     for s in deployment.get("schedules") or []}}
    return state


def save(path: Path) -> int:
    with _client() as client:
        state = current_state(client)
    Path(path).write_text(json.dumps(state, indent=1))
    return len(state)


def restore(path: Path) -> list[str]:
    """Set back what ``save`` recorded (deployments and schedules that still exist); returns what was kept."""
    before = json.loads(Path(path).read_text()) if Path(path).is_file() else {}
    kept = []
    with _client() as client:
        now = current_state(client)
        for name, old in before.items():
            new = now.get(name)
            if new is None:
                continue
            if old["paused"] and not new["paused"]:
                client.post(f"/deployments/{new['id']}/pause_deployment").raise_for_status()
            if old["paused"]:
                kept.append(f"{name}: deployment paused")
            for key, schedule in old["schedules"].items():
                current = new["schedules"].get(key)
                if current is None:
                    continue
                if current["active"] != schedule["active"]:
                    client.patch(f"/deployments/{new['id']}/schedules/{current['id']}",
                                 json={"active": schedule["active"]}).raise_for_status()
                if not schedule["active"]:
                    kept.append(f"{name}: schedule {key.removeprefix('slug:')} paused")
    return kept


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("save", "restore"):
        print("usage: python -m tasks.platform.schedules save|restore FILE", file=sys.stderr)
        return 2
    if argv[0] == "save":
        save(Path(argv[1]))
        return 0
    for line in restore(Path(argv[1])):
        print(f"kept as set in the UI: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
