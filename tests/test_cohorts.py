"""Cohorts and assignments through the partner API on the real stack: a programme groups
trainees, assigns a scenario with a due date, and sees who has practised it, with the
session as evidence; another organisation sees none of it; erasure takes a trainee out."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from stack import Partner, Stack, run
from support import analyst_events, wait_for

from practicum_analytics.domain.aggregates import pseudonym
from practicum_common import db
from practicum_common.errors import NotFound
from practicum_protos.events.v1 import events_pb2
from practicum_session.adapters.repository import PostgresSessionRepository

pytestmark = pytest.mark.integration

SCENARIO = "veteran-transition-civilian-work"


def _fields(response: object) -> list[str]:
    body = response.json()  # type: ignore[attr-defined]
    return [e["field"] for e in body.get("errors") or []]


def test_a_cohort_sees_who_has_practised_its_assignment(stack: Stack, partner: Partner, other_partner: Partner) -> None:
    api = partner.client
    bad = api.post("/v1/cohorts", json={"name": "   "})
    assert bad.status_code == 422 and _fields(bad) == ["name"], bad.text
    bad = api.post("/v1/cohorts", json={"name": "x", "colour": "red"})
    assert bad.status_code == 422 and "colour" in " ".join(_fields(bad)), bad.text

    created = api.post("/v1/cohorts", json={"name": "Spring intake", "description": "Peer supporters"})
    assert created.status_code == 201, created.text
    cohort = created.json()
    assert (cohort["name"], cohort["trainee_count"]) == ("Spring intake", 0)
    assert api.post("/v1/cohorts", json={"name": "Spring intake"}).status_code == 409
    assert other_partner.client.post("/v1/cohorts", json={"name": "Spring intake"}).status_code == 201
    base = f"/v1/cohorts/{cohort['id']}"

    done, started, idle = partner.trainee(), partner.trainee(), partner.trainee()
    for trainee in (done, started, idle, done):  # the second PUT of `done` changes nothing
        assert api.put(f"{base}/trainees/{trainee['id']}").status_code == 204
    assert api.get(base).json()["trainee_count"] == 3
    assert api.put(f"{base}/trainees/{other_partner.trainee()['id']}").status_code == 404
    members = api.get(f"{base}/trainees", params={"limit": 2}).json()
    more = api.get(f"{base}/trainees", params={"cursor": members["next_cursor"]}).json()
    assert {t["id"] for t in members["items"] + more["items"]} == {done["id"], started["id"], idle["id"]}

    now = datetime.now(UTC)
    bad = api.post(f"{base}/assignments", json={"scenario_id": "no-such-scenario"})
    assert bad.status_code == 422 and _fields(bad) == ["scenario_id"], bad.text
    past = (now - timedelta(days=1)).isoformat()
    bad = api.post(f"{base}/assignments", json={"scenario_id": SCENARIO, "due_at": past})
    assert bad.status_code == 422 and _fields(bad) == ["due_at"], bad.text
    bad = api.post(f"{base}/assignments", json={"scenario_id": SCENARIO, "due_at": "2030-01-01T09:00:00"})
    assert bad.status_code == 422 and "due_at" in _fields(bad), "a due date needs its offset"
    due = (now + timedelta(days=7)).isoformat()
    made = api.post(f"{base}/assignments", json={"scenario_id": SCENARIO, "due_at": due})
    assert made.status_code == 201, made.text
    assignment = made.json()
    assert assignment["scenario_title"] and assignment["counts"] is None
    assert api.post(f"{base}/assignments", json={"scenario_id": SCENARIO}).status_code == 409

    # One trainee practises and ends; one starts; one does nothing.
    session = api.post("/v1/sessions", json={"trainee_id": done["id"], "scenario_id": SCENARIO}).json()["session"]
    partner.reply(session["id"], "What has the move to civilian work been like?")
    assert api.post(f"/v1/sessions/{session['id']}/end").status_code == 200
    underway = api.post("/v1/sessions", json={"trainee_id": started["id"], "scenario_id": SCENARIO}).json()

    [listed] = api.get(f"{base}/assignments").json()
    assert listed["counts"] == {"members": 3, "not_started": 1, "in_progress": 1, "completed": 1, "overdue": 0}
    detail = api.get(f"{base}/assignments/{assignment['id']}").json()
    by_trainee = {r["trainee_id"]: (r["state"], r["session_id"]) for r in detail["trainees"]}
    assert by_trainee == {
        done["id"]: ("completed", session["id"]),
        started["id"]: ("in_progress", underway["session"]["id"]),
        idle["id"]: ("not_started", None),
    }
    [mine] = api.get(f"/v1/trainees/{done['id']}/assignments").json()
    assert (mine["assignment_id"], mine["state"], mine["completed_at"] is not None) == (
        assignment["id"],
        "completed",
        True,
    )
    assert api.get(f"/v1/trainees/{idle['id']}/assignments").json()[0]["state"] == "not_started"

    # The cohort's skills together, from analytics: aggregates, no trainee ids.
    def graded() -> dict[str, object] | None:
        body = api.get(f"{base}/progress").json()
        totals = body["totals"]
        return body if totals["sessions"] == 2 and totals["graded_turns"] == 1 else None

    progress = wait_for(graded, 120, "the cohort's two sessions and one graded turn in analytics")
    assert (progress["trainees"], progress["trainees_with_sessions"]) == (3, 2)
    assert progress["growth"]["trainees"] == 0, "nobody has practised twice yet"
    assert done["id"] not in str(progress) and started["id"] not in str(progress)

    # Analysts can group sessions by cohort, in the export and on the stream: the opaque
    # id, never the name.
    token = stack.env.get("ANALYTICS_API_TOKEN", "practicum-dev-only")
    export = httpx.get(
        f"{stack.analytics_url}/v1/organisations/{partner.organisation_id}/export/sessions",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    by_session = {r["session_id"]: r["cohort_ids"] for r in export}
    assert by_session[session["id"]] == [cohort["id"]] and by_session[underway["session"]["id"]] == [cohort["id"]]
    records = analyst_events(stack, session["id"], {"session.started"}, 60)
    [started_event] = [
        e for e in (events_pb2.AnalystEvent.FromString(v) for _, v in records) if e.event_type == "session.started"
    ]
    assert list(started_event.session_started.cohort_ids) == [cohort["id"]]
    assert b"Spring intake" not in b"".join(v for _, v in records)

    # Another organisation sees none of it.
    other = other_partner.client
    assert other.get(f"{base}/progress").status_code == 404
    assert other.get(base).status_code == 404
    assert other.get(f"{base}/assignments").status_code == 404
    assert other.get(f"{base}/assignments/{assignment['id']}").status_code == 404
    assert other.get(f"/v1/trainees/{done['id']}/assignments").status_code == 404
    assert other.delete(base).status_code == 404
    assert all(c["id"] != cohort["id"] for c in other.get("/v1/cohorts").json()["items"])

    # Erasing a trainee takes them out of the cohort and its counts.
    assert api.delete(f"/v1/trainees/{done['id']}").status_code == 200
    assert api.get(base).json()["trainee_count"] == 2
    [listed] = api.get(f"{base}/assignments").json()
    assert listed["counts"] == {"members": 2, "not_started": 1, "in_progress": 1, "completed": 0, "overdue": 0}

    # Withdrawing the assignment and deleting the cohort leave trainees and sessions alone.
    assert api.delete(f"{base}/assignments/{assignment['id']}").status_code == 204
    assert api.get(f"{base}/assignments").json() == []
    assert api.delete(f"{base}/trainees/{idle['id']}").status_code == 204
    assert api.delete(f"{base}/trainees/{idle['id']}").status_code == 404
    assert api.delete(base).status_code == 204
    assert api.get(base).status_code == 404
    assert api.get(f"/v1/trainees/{started['id']}").status_code == 200
    assert api.get(f"/v1/sessions/{underway['session']['id']}").status_code == 200


def test_progress_answers_503_with_retry_after_while_analytics_is_down(stack: Stack, partner: Partner) -> None:
    api = partner.client
    cohort = api.post("/v1/cohorts", json={"name": "Outage cohort"}).json()
    trainee = partner.trainee()
    assert api.put(f"/v1/cohorts/{cohort['id']}/trainees/{trainee['id']}").status_code == 204
    stack.stop("analytics")
    try:
        for path in (f"/v1/cohorts/{cohort['id']}/progress", f"/v1/trainees/{trainee['id']}/progress"):
            down = api.get(path)
            assert down.status_code == 503, (path, down.text)
            assert int(down.headers["retry-after"]) > 0
            assert down.headers["content-type"].startswith("application/problem+json")
    finally:
        stack.start("analytics")
    back = wait_for(lambda: (r := api.get(f"/v1/cohorts/{cohort['id']}/progress")).status_code == 200 and r, 60, "ok")
    assert back.json()["trainees"] == 1


def test_the_repository_scopes_cohort_statements_to_the_organisation(
    stack: Stack, partner: Partner, other_partner: Partner
) -> None:
    """Isolation does not rest on the service having checked the cohort first: every
    member and assignment statement, given another organisation's id, matches nothing."""
    api = partner.client
    cohort = api.post("/v1/cohorts", json={"name": "Scoped"}).json()["id"]
    trainee = partner.trainee()["id"]
    assert api.put(f"/v1/cohorts/{cohort}/trainees/{trainee}").status_code == 204
    assignment = api.post(f"/v1/cohorts/{cohort}/assignments", json={"scenario_id": SCENARIO}).json()["id"]
    mine, theirs = partner.organisation_id, other_partner.organisation_id
    stranger = other_partner.trainee()["id"]

    async def probe() -> None:
        pool = db.async_pool(stack.dsn, max_size=1, name="test")
        await pool.open(wait=True, timeout=30)
        try:
            repo = PostgresSessionRepository(pool)
            assert await repo.member_ids(theirs, cohort) == []
            assert await repo.list_members(theirs, cohort, None, 10) == []
            assert await repo.list_assignments(theirs, cohort) == []
            assert await repo.assignments_of_trainee(theirs, trainee) == []
            assert not await repo.add_member(theirs, cohort, stranger)
            assert not await repo.add_member(mine, cohort, stranger), "another organisation's trainee"
            assert not await repo.remove_member(theirs, cohort, trainee)
            assert not await repo.delete_assignment(theirs, cohort, assignment)
            with pytest.raises(NotFound):
                await repo.create_assignment(theirs, cohort, str(uuid.uuid4()), "x", "x", None)
            # Nothing above touched the cohort.
            assert await repo.member_ids(mine, cohort) == [trainee]
            assert [a.id for a in await repo.list_assignments(mine, cohort)] == [assignment]
        finally:
            await pool.close()

    asyncio.run(probe())


def test_cohort_membership_reaches_analysts_as_it_changes(stack: Stack, partner: Partner) -> None:
    """Analysts follow who is in which cohort, so the members who never practise are counted
    too: each change once, as ids under the pseudonym, never the cohort's name."""
    api = partner.client
    cohort = api.post("/v1/cohorts", json={"name": "Autumn intake"}).json()
    base = f"/v1/cohorts/{cohort['id']}"
    stays, leaves = partner.trainee(), partner.trainee()
    for trainee in (stays, stays, leaves):  # the second PUT changes nothing and says nothing
        assert api.put(f"{base}/trainees/{trainee['id']}").status_code == 204
    assert api.delete(f"{base}/trainees/{leaves['id']}").status_code == 204
    assert api.delete(base).status_code == 204

    key = stack.env.get("ANALYTICS_PSEUDONYM_KEY", "practicum-dev-only").encode()
    both = {"cohort.member_added", "cohort.member_removed"}

    def changes(trainee_id: str) -> list[tuple[str, str, bool]]:
        records = analyst_events(stack, pseudonym(key, trainee_id), both, 60)
        assert b"Autumn intake" not in b"".join(v for _, v in records)
        out = []
        for _, value in records:
            event = events_pb2.AnalystEvent.FromString(value)
            change = getattr(event, event.WhichOneof("payload"))
            assert event.session_id == "" and event.organisation_id == partner.organisation_id
            out.append((event.event_type, change.cohort_id, change.cohort_deleted))
        return out

    assert changes(stays["id"]) == [
        ("cohort.member_added", cohort["id"], False),
        ("cohort.member_removed", cohort["id"], True),
    ]
    assert changes(leaves["id"]) == [
        ("cohort.member_added", cohort["id"], False),
        ("cohort.member_removed", cohort["id"], False),
    ]
    # What an analyst runs to see one trainee's events (`make analyst-events TRAINEE=...`).
    reader = ("-m", "practicum_analytics", "analyst-events", "--from-beginning", "--idle-exit-s", "3")
    printed = run(sys.executable, *reader, "--trainee", pseudonym(key, leaves["id"]), env=stack.env).stdout
    lines = [json.loads(line) for line in printed.splitlines()]
    assert [(e["event_type"], e.get("session_id", "")) for e in lines] == [
        ("cohort.member_added", ""),
        ("cohort.member_removed", ""),
    ]
    # Every field is printed, its default included, so each line has the same shape.
    assert lines[1]["cohort_member_removed"] == {"cohort_id": cohort["id"], "cohort_deleted": False}
    assert lines[0]["session_id"] == ""
