"""An organisation's webhook, against a real receiver on loopback: the safety contact
hears of a trainee in distress within seconds, a failed delivery is retried, the
signature verifies with the secret issued once, and a finished report is announced."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from stack import Partner, Stack
from support import metric_sample, wait_for

pytestmark = pytest.mark.integration

THIRTY_DAYS = 30 * 86400


class Receiver:
    """Records every POST; answers with the next status of ``answers`` (then 204)."""

    def __init__(self, answers: list[int]) -> None:
        self.answers = answers
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.answers.pop(0) if receiver.answers else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/practicum"

    def of_type(self, event_type: str) -> list[tuple[dict[str, str], dict[str, Any]]]:
        return [(h, json.loads(b)) for h, b in self.received if h.get("practicum-event-type") == event_type]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver([500])  # the first delivery fails: it must be retried
    yield r
    r.server.shutdown()


def _verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    parts = dict(p.split("=", 1) for p in headers["practicum-signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


def test_webhook_is_validated_and_its_secret_shown_once(partner: Partner, receiver: Receiver) -> None:
    bad = partner.client.put("/v1/webhook", json={"url": "ftp://example.org/x"})
    assert bad.status_code == 422 and "url" in [e["field"] for e in bad.json()["errors"]]
    bad = partner.client.put("/v1/webhook", json={"url": receiver.url, "events": ["turn.completed"]})
    assert bad.status_code == 422 and "events" in [e["field"] for e in bad.json()["errors"]]
    assert partner.client.get("/v1/webhook").status_code == 404

    first = partner.client.put("/v1/webhook", json={"url": receiver.url}).json()
    assert first["secret"].startswith("whsec_") and set(first["events"]) == {
        "safety_incident.created",
        "session.report_ready",
    }
    shown = partner.client.get("/v1/webhook").json()
    assert "secret" not in shown and shown["url"] == receiver.url
    # Setting it again rotates the secret.
    assert partner.client.put("/v1/webhook", json={"url": receiver.url}).json()["secret"] != first["secret"]
    assert partner.client.delete("/v1/webhook").status_code == 204
    assert partner.client.delete("/v1/webhook").status_code == 404


def test_safety_incident_and_report_reach_the_webhook_signed_and_retried(
    stack: Stack, partner: Partner, other_partner: Partner, receiver: Receiver
) -> None:
    secret = partner.client.put("/v1/webhook", json={"url": receiver.url}).json()["secret"]

    sid = partner.session()["id"]
    words = "I'm not role-playing anymore. Honestly I've been thinking about ending my own life."
    crisis = partner.turn(sid, words)
    assert crisis.status_code == 200 and crisis.json()["crisis"] is not None
    # Attempt 1 answered 500; the retry 5 s later is delivered.
    wait_for(lambda: len(receiver.of_type("safety_incident.created")) >= 2, 60, "the retried incident delivery")
    (h1, first), (h2, second) = receiver.of_type("safety_incident.created")[:2]
    assert first == second and h1["practicum-event-id"] == h2["practicum-event-id"] == first["id"]
    incident = next(i for i in partner.client.get("/v1/safety-incidents").json() if i["session_id"] == sid)
    assert second["organisation_id"] == partner.organisation_id
    assert second["data"]["incident_id"] == incident["id"] and second["data"]["trainee_id"] == incident["trainee_id"]
    raw = next(b for h, b in receiver.received if h["practicum-event-id"] == first["id"])
    assert _verify(secret, h2, raw) and not _verify("whsec_wrong", h2, raw)
    assert b"ending my own life" not in raw, "deliveries carry ids, not words"

    deliveries = partner.client.get("/v1/webhook/deliveries").json()
    done = next(d for d in deliveries if d["id"] == first["id"])
    assert (done["status"], done["attempts"], done["last_error"]) == ("delivered", 2, None)
    assert all(d["id"] != first["id"] for d in other_partner.client.get("/v1/webhook/deliveries").json())

    # A finished report is announced, once.
    session = partner.session()
    partner.reply(session["id"], "What would you like to talk about today?")
    assert partner.client.post(f"/v1/sessions/{session['id']}/end").status_code == 200
    ready = wait_for(
        lambda: [b for _, b in receiver.of_type("session.report_ready") if b["data"]["session_id"] == session["id"]],
        240,
        "the report_ready delivery",
    )
    report = partner.client.get(f"/v1/sessions/{session['id']}/report")
    assert report.status_code == 200 and ready[0]["data"]["report_id"] == report.json()["report_id"]


def test_a_delivery_left_pending_shows_in_the_oldest_pending_gauge(stack: Stack, partner: Partner) -> None:
    """What the PracticumSafetyWebhookPending alert reads: a safety-incident delivery still
    retrying must show its age on the session's /metrics (the sender sets
    the gauge from the table every 15 s), and stop showing it once it is resolved."""
    oldest = "practicum_webhook_oldest_pending_seconds"
    delivery_id = str(uuid.uuid4())
    # Created 30 days ago, next attempt far ahead (so the sender leaves it alone): older
    # than anything else can be pending (retries end after about 28 h).
    stack.sql(
        "INSERT INTO session.webhook_deliveries (id, organisation_id, event_type, payload, attempts, "
        "next_attempt_at, created_at, last_error) VALUES (%s, %s, 'safety_incident.created', '{}'::jsonb, 7, "
        "now() + interval '1 day', now() - interval '30 days', 'HTTP 503') RETURNING id",
        delivery_id,
        partner.organisation_id,
    )

    def age() -> float | None:
        return metric_sample(stack.session_url, oldest, event_type="safety_incident.created")

    try:
        wait_for(lambda: (age() or 0) >= THIRTY_DAYS, 60, "the 30-day-old delivery in the gauge")
    finally:
        stack.sql("UPDATE session.webhook_deliveries SET failed_at = now() WHERE id = %s RETURNING id", delivery_id)
    wait_for(lambda: (a := age()) is not None and a < THIRTY_DAYS, 60, "the gauge to drop once it was given up on")
    assert metric_sample(stack.session_url, oldest, event_type="session.report_ready") is not None
