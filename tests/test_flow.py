"""The whole flow against the real stack: REST -> gRPC -> LLM -> PostgreSQL + outbox ->
Kafka -> grading (Celery) -> grade events -> session transcript and analytics progress.
"""

from __future__ import annotations

import json
import uuid

import pytest
from stack import Partner, Stack
from support import metric_sample, sse_events, wait_for

pytestmark = pytest.mark.integration

FEEDBACK_DELAY_COUNT = "practicum_turn_feedback_delay_seconds_count"


def test_a_practice_session_end_to_end(stack: Stack, partner: Partner) -> None:
    trainee = partner.trainee()
    created = partner.client.post(
        "/v1/sessions", json={"trainee_id": trainee["id"], "scenario_id": "veteran-suicidal-thoughts-firearm"}
    )
    assert created.status_code == 201, created.text
    session = created.json()["session"]
    assert created.json()["scenario"]["has_suicide_risk"] is True
    sid = session["id"]
    delays_before = metric_sample(stack.session_url, FEEDBACK_DELAY_COUNT) or 0.0

    # 1. A plain JSON turn.
    first = partner.reply(sid, "What's been going on for you lately?")
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["reply"] and body["turn"]["status"] == "completed"
    assert body["turn"]["trainee_code"]["code"] in {"question", "other", "reflection"}
    assert first.headers["Idempotency-Key"] == body["turn"]["idempotency_key"]

    # 2. A streamed turn: deltas arrive before the stored turn, and feedback follows.
    traceparent = f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01"
    with partner.client.stream(
        "POST",
        f"/v1/sessions/{sid}/turns",
        json={"text": "Are you thinking about killing yourself?"},
        headers={"Accept": "text/event-stream", "traceparent": traceparent},
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = list(sse_events(response))
    kinds = [k for k, _ in events]
    assert "delta" in kinds and kinds.index("delta") < kinds.index("turn")
    assert kinds[-1] == "end"
    turn = next(d for k, d in events if k == "turn")
    streamed = "".join(d["text"] for k, d in events[: kinds.index("turn")] if k == "delta")
    resets = kinds[: kinds.index("turn")].count("reset")
    if resets == 0:
        assert streamed.strip() == turn["client_text"]
    # The direct question earns the hidden fact. It counts as disclosed once the client
    # actually said it: a scripted fallback line (the guard rejected both attempts) leaves
    # it earnable for the next turn.
    fell_back = any(a["action"] == "fallback" for a in turn["guard_actions"])
    assert ("suicidal_thoughts" in turn["disclosed_facts"]) is not fell_back
    assert ("suicidal_thoughts" in turn["client_state"]["disclosed_facts"]) is not fell_back

    # 3. Grades land on the transcript (grading consumed the turn events over Kafka).
    def graded() -> list[dict[str, object]] | None:
        turns = partner.client.get(f"/v1/sessions/{sid}/transcript").json()["turns"]
        return turns if all(t["grade"] and t["feedback"] for t in turns) else None

    turns = wait_for(graded, 60, "both turns to be graded")
    assert [t["index"] for t in turns] == [1, 2]
    assert turns[1]["grade"]["code"] == "question"
    # The session service timed both grades from reply stored to grade stored (what SREs
    # alert on: a streamed turn only waits SESSION_FEEDBACK_WAIT_S for its feedback).
    wait_for(
        lambda: (metric_sample(stack.session_url, FEEDBACK_DELAY_COUNT) or 0.0) >= delays_before + 2,
        10,
        "the feedback delay of both turns on /metrics",
    )
    # The dispatcher serves the Celery backlog per queue, read from the real Redis.
    dispatcher = f"http://127.0.0.1:{stack.env['GRADING_HTTP_PORT']}"
    assert metric_sample(dispatcher, "practicum_grading_queue_length_up") == 1
    assert metric_sample(dispatcher, "practicum_grading_queue_length", queue="grading.turns") is not None
    assert metric_sample(dispatcher, "practicum_grading_queue_length", queue="grading.reports") is not None

    # Trace context travelled REST -> outbox -> Kafka -> dispatcher -> Celery -> grade outbox.
    trace_id = traceparent.split("-")[1]
    session_rows = stack.sql(
        "SELECT headers FROM session.outbox WHERE aggregateid = %s AND type = 'turn.completed'", sid
    )
    assert any(trace_id in json.dumps(h) for (h,) in session_rows)
    grade_rows = stack.sql("SELECT headers FROM grading.outbox WHERE aggregateid = %s AND type = 'turn.graded'", sid)
    assert any(trace_id in json.dumps(h) for (h,) in grade_rows), "trace context lost between session and grading"

    # 4. Ending the session produces a report with the crisis checklist.
    assert partner.client.get(f"/v1/sessions/{sid}/report").status_code == 409
    ended = partner.client.post(f"/v1/sessions/{sid}/end")
    assert ended.status_code == 200 and ended.json()["status"] == "ended"

    def report() -> dict[str, object] | None:
        response = partner.client.get(f"/v1/sessions/{sid}/report")
        return response.json() if response.status_code == 200 else None

    ready = wait_for(report, 240, "the session report")
    crisis = ready["report"]["crisis_checklist"]
    assert crisis is not None
    asked = next(item for item in crisis["items"] if item["id"] == "asked_directly")
    assert asked["met"] is True and "2" in asked["evidence_turn_ids"]
    assert "Crisis" in ready["text"] or "crisis" in ready["text"]
    # The scenario's learning objectives travelled with it (simulation -> session event ->
    # grading) and the checkable ones were checked against this transcript.
    objectives = ready["report"]["objectives"]
    assert len(objectives) >= 4
    ask_check = next(c for o in objectives for c in o["checks"] if c["check"] == "ask_directly_about_suicide")
    assert ask_check["status"] == "met" and ask_check["evidence_turn_ids"] == ["2"]
    assert any(o["see_crisis_checklist"] for o in objectives)
    assert "Scenario learning objectives" in ready["text"]

    # 5. Analytics saw the session (events deduped by id) and serves progress.
    def progress() -> dict[str, object] | None:
        response = partner.client.get(f"/v1/trainees/{trainee['id']}/progress")
        if response.status_code != 200:
            return None
        body = response.json()
        point = body["timeline"][0]
        return body if body["totals"]["graded_turns"] == 2 and point["ended_at"] and point["objective_checks"] else None

    prog = wait_for(progress, 60, "analytics progress")
    assert prog["totals"]["sessions"] == 1
    assert prog["totals"]["turns"] == 2
    assert prog["totals"]["questions"] >= 1
    # The report's objective outcomes reached analytics as names and statuses.
    assert prog["timeline"][0]["objective_checks"]["ask_directly_about_suicide"] == "met"
    assert prog["totals"]["objective_checks"]["ask_directly_about_suicide"]["met"] == 1


def test_client_state_trajectory_is_stored_per_turn(partner: Partner) -> None:
    sid = partner.session()["id"]
    for text in ("That sounds like a big change. What's it been like?", "You've been carrying a lot on your own."):
        partner.reply(sid, text)
    turns = partner.client.get(f"/v1/sessions/{sid}/transcript").json()["turns"]
    states = [t["client_state"] for t in turns]
    assert all({"trust", "distress", "resistance"} <= set(s) for s in states)
    assert turns[0]["trainee_code"] is not None
