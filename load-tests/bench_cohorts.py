"""`make bench-cohorts`: how the cohort endpoints answer for a large cohort, on the running
local stack (`make up`).

A training programme's cohort can hold hundreds of trainees with several assignments,
and assignment progress is computed from the sessions on every read (never stored, so it
cannot drift). This bench builds one organisation with BENCH_MEMBERS trainees in one
cohort, BENCH_ASSIGNMENTS assigned scenarios and BENCH_SESSIONS sessions per trainee,
then times each cohort read through the partner API next to a baseline read of one
trainee (`GET /v1/trainees/{id}`: authentication plus one indexed row), BENCH_READS times
each, sequentially.

Set-up shortcut, named: trainees, membership and assignments go through the API;
sessions (and their analytics rows) are written straight into PostgreSQL, since creating
thousands through the API would call the simulation service and the LLM for each, which
is not what is measured. The touched tables are then analysed (planner statistics, as
production has them). The organisation is fresh and stays in the local database
(`make reset` clears it). Figures are printed, never asserted.

Environment: BENCH_MEMBERS (1000), BENCH_ASSIGNMENTS (5), BENCH_SESSIONS (3),
BENCH_READS (30).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg

from practicum_session.settings import SessionSettings

REPO = Path(__file__).resolve().parents[1]
MEMBERS = int(os.environ.get("BENCH_MEMBERS", "1000"))
ASSIGNMENTS = int(os.environ.get("BENCH_ASSIGNMENTS", "5"))
SESSIONS = int(os.environ.get("BENCH_SESSIONS", "3"))
READS = int(os.environ.get("BENCH_READS", "30"))


def _ok(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        sys.exit(f"error: {response.request.method} {response.request.url.path} -> {response.status_code}")
    return response


def _setup(api: httpx.Client, dsn: str, org_id: str) -> tuple[str, str, str]:
    started = time.perf_counter()
    scenarios = [s["scenario_id"] for s in _ok(api.get("/v1/scenarios")).json()][:ASSIGNMENTS]
    cohort = _ok(api.post("/v1/cohorts", json={"name": f"bench-{uuid.uuid4().hex[:8]}"})).json()["id"]
    trainees = []
    for i in range(MEMBERS):
        trainee = _ok(api.post("/v1/trainees", json={"external_ref": f"bench-{i}"})).json()["id"]
        _ok(api.put(f"/v1/cohorts/{cohort}/trainees/{trainee}"))
        trainees.append(trainee)
        if (i + 1) % 250 == 0:
            print(f"  {i + 1} of {MEMBERS} trainees in the cohort ({time.perf_counter() - started:.0f}s)", flush=True)
    assignments = [
        _ok(api.post(f"/v1/cohorts/{cohort}/assignments", json={"scenario_id": s})).json()["id"] for s in scenarios
    ]
    rng = random.Random(7)
    sessions, stats = [], []
    for trainee in trainees:
        for _ in range(SESSIONS):
            sid, scenario = str(uuid.uuid4()), rng.choice(scenarios)
            ended, turns = rng.random() < 0.7, rng.randint(0, 6)
            sessions.append((sid, org_id, trainee, scenario, "ended" if ended else "active", turns, ended))
            stats.append((sid, org_id, trainee, scenario, turns, turns, turns // 2, turns - turns // 2))
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO session.sessions (id, organisation_id, trainee_id, scenario_id, scenario_version, "
            "scenario_title, opening_line, status, client_state, turn_count, ended_at) "
            "VALUES (%s, %s, %s, %s, 1, 'bench', 'Hi.', %s, '{}', %s, CASE WHEN %s THEN now() END)",
            sessions,
        )
        cur.executemany(
            "INSERT INTO analytics.session_stats (session_id, organisation_id, trainee_id, scenario_id, "
            "started_at, turns, graded_turns, questions, reflections) VALUES (%s, %s, %s, %s, now(), %s, %s, "
            "%s, %s)",
            stats,
        )
    # Planner statistics, as a table that has lived in production has them: read straight
    # after a bulk load, the planner takes the new rows for a handful and picks plans that
    # are 20x slower than it will settle on once autovacuum has analysed them.
    with psycopg.connect(dsn, autocommit=True) as conn:
        for table in ("session.trainees", "session.cohort_members", "session.sessions", "analytics.session_stats"):
            conn.execute(f"ANALYZE {table}")
    print(
        f"  set up {MEMBERS} trainees, {len(assignments)} assignments, {len(sessions)} sessions "
        f"in {time.perf_counter() - started:.0f}s\n"
    )
    return cohort, assignments[0], trainees[0]


def _time(label: str, call: Callable[[], httpx.Response], baseline: float | None) -> float:
    call()  # warm
    times = []
    for _ in range(READS):
        t0 = time.perf_counter()
        _ok(call())
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p50, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
    ratio = f"{p50 / baseline:6.1f}x" if baseline else "   1.0x"
    print(f"  {label:<48} {p50:8.1f} {p95:8.1f} {ratio}")
    return p50


def main() -> None:
    settings = SessionSettings()
    out = subprocess.run(
        [sys.executable, "-m", "practicum_session", "create-org", "--name", f"bench-cohorts-{int(time.time())}"],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    ).stdout
    org = json.loads(out)
    base_url = f"http://127.0.0.1:{settings.port}"
    headers = {"Authorization": f"Bearer {org['api_key']}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as api:
        print(f"bench-cohorts: {MEMBERS} members, {ASSIGNMENTS} assignments, {SESSIONS} sessions each")
        cohort, assignment, trainee = _setup(api, settings.postgres_dsn, org["organisation_id"])
        print(f"  {'request (' + str(READS) + ' sequential reads)':<48} {'p50 ms':>8} {'p95 ms':>8} {'/ base':>7}")
        base = _time("GET /v1/trainees/{id} (baseline)", lambda: api.get(f"/v1/trainees/{trainee}"), None)
        _time("GET /v1/cohorts/{id}", lambda: api.get(f"/v1/cohorts/{cohort}"), base)
        _time(
            "GET /v1/cohorts/{id}/trainees?limit=100", lambda: api.get(f"/v1/cohorts/{cohort}/trainees?limit=100"), base
        )
        _time("GET /v1/cohorts/{id}/assignments", lambda: api.get(f"/v1/cohorts/{cohort}/assignments"), base)
        _time(
            "GET /v1/cohorts/{id}/assignments/{aid}",
            lambda: api.get(f"/v1/cohorts/{cohort}/assignments/{assignment}"),
            base,
        )
        _time("GET /v1/trainees/{id}/assignments", lambda: api.get(f"/v1/trainees/{trainee}/assignments"), base)
        _time("GET /v1/cohorts/{id}/progress (via analytics)", lambda: api.get(f"/v1/cohorts/{cohort}/progress"), base)


if __name__ == "__main__":
    main()
