"""Failures of dependencies lose no accepted work.

* Inference tier down: 503 with Retry-After, the message is kept, and a retry with the
  same Idempotency-Key completes the same turn.
* Kafka down: the API keeps accepting turns; the outbox holds their events and delivers
  them when the broker returns (the grades then arrive).
* PostgreSQL down: both HTTP APIs answer 503 with Retry-After (a problem document, not a
  stack trace), and every service is back without a restart once it returns.
"""

from __future__ import annotations

import httpx
import pytest
from stack import Partner, Stack
from support import wait_for

pytestmark = pytest.mark.integration


def test_inference_down_answers_503_keeps_the_turn_and_a_retry_completes_it(stack: Stack, partner: Partner) -> None:
    sid = partner.session()["id"]
    stack.stop("llm")
    try:
        # The simulation service notices within its health-probe interval.
        def refused() -> object:
            response = partner.turn(sid, "Are you still there?", key="retry-me")
            return response if response.status_code == 503 else None

        response = wait_for(refused, 30, "a 503 while the inference tier is down", interval_s=1)
        assert int(response.headers["Retry-After"]) >= 1
        problem = response.json()
        assert problem["idempotency_key"] == "retry-me"
        turns = partner.client.get(f"/v1/sessions/{sid}/transcript").json()["turns"]
        assert [(t["status"], t["trainee_text"]) for t in turns] == [("pending", "Are you still there?")]
        # A different message must not fork the transcript while that turn is pending.
        assert partner.turn(sid, "Hello?", key="other").status_code == 409
    finally:
        stack.start("llm")

    def completed() -> object:
        response = partner.turn(sid, "Are you still there?", key="retry-me")
        return response if response.status_code == 200 else None

    done = wait_for(completed, 60, "the retried turn to complete", interval_s=2)
    assert done.json()["turn"]["id"] == problem["turn_id"]
    turns = partner.client.get(f"/v1/sessions/{sid}/transcript").json()["turns"]
    assert len(turns) == 1 and turns[0]["status"] == "completed"
    # Retrying once more replays the stored reply instead of generating another.
    again = partner.turn(sid, "Are you still there?", key="retry-me")
    assert again.json()["reply"] == done.json()["reply"]


def test_kafka_outage_the_api_keeps_accepting_and_the_outbox_delivers_later(stack: Stack, partner: Partner) -> None:
    sid = partner.session()["id"]
    stack.stop("kafka")
    try:
        for text in ("What's been on your mind this week?", "That sounds exhausting."):
            response = partner.reply(sid, text)
            assert response.status_code == 200, response.text
        pending = stack.sql("SELECT count(*) FROM session.outbox WHERE aggregateid = %s AND published_at IS NULL", sid)[
            0
        ][0]
        # session.started and the two turns, at least, are waiting for the broker.
        assert pending >= 2
    finally:
        stack.start("kafka")

    wait_for(
        lambda: (
            stack.sql("SELECT count(*) FROM session.outbox WHERE aggregateid = %s AND published_at IS NULL", sid)[0][0]
            == 0
        ),
        90,
        "the outbox to drain after Kafka returned",
        interval_s=1,
    )

    def graded() -> bool:
        turns = partner.client.get(f"/v1/sessions/{sid}/transcript").json()["turns"]
        return len(turns) == 2 and all(t["grade"] for t in turns)

    wait_for(graded, 90, "grades for the turns accepted during the outage", interval_s=1)
    # Exactly one grade per turn, even if the relay re-sent events after the outage.
    assert stack.sql("SELECT count(*) FROM grading.grades WHERE session_id = %s", sid) == [(2,)]


def test_database_down_both_apis_answer_503_and_everything_recovers(stack: Stack, partner: Partner) -> None:
    sid = partner.session()["id"]
    org_summary = f"{stack.analytics_url}/v1/organisations/{partner.organisation_id}/summary"
    # The services' development default unless the environment sets one.
    analytics_auth = {"Authorization": f"Bearer {stack.env.get('ANALYTICS_API_TOKEN', 'practicum-dev-only')}"}
    stack.stop("postgres")
    try:
        for response in (
            partner.client.get(f"/v1/sessions/{sid}"),
            httpx.get(org_summary, headers=analytics_auth),
        ):
            assert response.status_code == 503, response.text
            assert int(response.headers["Retry-After"]) >= 1
            assert response.headers["content-type"].startswith("application/problem+json")
    finally:
        stack.start("postgres")

    assert httpx.get(org_summary, headers=analytics_auth).status_code == 200
    # The session API, the outbox relay, the grading workers and analytics reconnect on their own.
    partner.reply(sid, "How have things been since we last talked?")

    def graded() -> bool:
        turns = partner.client.get(f"/v1/sessions/{sid}/transcript").json()["turns"]
        return len(turns) == 1 and bool(turns[0]["grade"])

    wait_for(graded, 90, "the grade of a turn taken after PostgreSQL returned", interval_s=1)
