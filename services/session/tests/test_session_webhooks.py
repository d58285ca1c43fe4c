"""Webhook rules (signature, retries, what may be subscribed) and the sender's HTTP side
against an in-memory receiver (`tests/test_webhooks.py` runs it against a real one)."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys

import httpx
import pytest

from practicum_common.errors import InvalidInput
from practicum_session.adapters.webhooks import WebhookSender, enqueue
from practicum_session.domain.webhooks import (
    EVENT_TYPES,
    REPORT_READY,
    RETRY_DELAYS_S,
    SAFETY_INCIDENT_CREATED,
    retry_delay_s,
    signature,
    validate_subscription,
)


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    body = b'{"id":"1"}'
    expected = hmac.new(b"whsec_x", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature("whsec_x", 1_700_000_000, body) == f"t=1700000000,v1={expected}"
    assert signature("whsec_y", 1_700_000_000, body) != signature("whsec_x", 1_700_000_000, body)


def test_retries_back_off_for_about_a_day_then_stop() -> None:
    delays = [retry_delay_s(n) for n in range(1, len(RETRY_DELAYS_S) + 2)]
    assert delays[:-1] == sorted(delays[:-1]) and delays[0] == 5
    assert delays[-1] is None, "no retry after the last attempt"
    assert 20 * 3600 < sum(RETRY_DELAYS_S) < 36 * 3600
    assert retry_delay_s(0) is None


@pytest.mark.parametrize(
    ("url", "events", "field"),
    [
        ("ftp://example.org/hook", [], "url"),
        ("example.org/hook", [], "url"),
        ("http://example.org/hook", [], "url"),  # plain http outside development
        ("https://127.0.0.1/hook", [], "url"),
        ("https://10.1.2.3/hook", [], "url"),
        ("https://[::1]/hook", [], "url"),
        ("https://localhost/hook", [], "url"),
        ("https://user:pw@example.org/hook", [], "url"),
        ("https://example.org/" + "x" * 2000, [], "url"),
        ("https://example.org/hook", ["session.started"], "events"),
        # urlsplit raises on these, and used to surface as a 500.
        ("https://[::1/hook", [], "url"),
        ("https://[zz]/hook", [], "url"),
        ("https://example.org:99999/hook", [], "url"),
    ],
)
def test_bad_subscriptions_name_the_field(url: str, events: list[str], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        validate_subscription(url, events, allow_insecure=False)
    assert err.value.field == field


def test_a_good_subscription_defaults_to_every_event_and_development_allows_loopback_http() -> None:
    assert validate_subscription(" https://hooks.example.org/p ", [], allow_insecure=False) == (
        "https://hooks.example.org/p",
        list(EVENT_TYPES),
    )
    assert validate_subscription("http://127.0.0.1:9/h", [REPORT_READY, REPORT_READY], allow_insecure=True) == (
        "http://127.0.0.1:9/h",
        [REPORT_READY],
    )


def test_a_delivery_carries_ids_under_data_and_only_queues_for_subscribers() -> None:
    sql, params = enqueue("org-1", SAFETY_INCIDENT_CREATED, {"incident_id": "i-1"})
    body = json.loads(params[2])
    assert body["type"] == SAFETY_INCIDENT_CREATED and body["data"] == {"incident_id": "i-1"}
    assert body["id"] == params[0] and body["organisation_id"] == "org-1"
    assert "= ANY(events)" in sql, "queued only when the organisation subscribed to the type"


def test_sender_signs_each_post_and_reads_2xx_as_delivered() -> None:
    seen: list[httpx.Request] = []
    answers = iter([500, 204])

    def receiver(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(next(answers))

    sender = WebhookSender("unused", clock=lambda: 1_700_000_000.0)
    client = httpx.Client(transport=httpx.MockTransport(receiver))
    payload = {"id": "d-1", "type": REPORT_READY, "data": {"session_id": "s-1"}}
    assert sender._post(client, "https://h.example/x", "whsec_k", "d-1", REPORT_READY, payload) == "HTTP 500"
    assert sender._post(client, "https://h.example/x", "whsec_k", "d-1", REPORT_READY, payload) is None
    request = seen[-1]
    assert request.headers["Practicum-Event-Id"] == "d-1"
    assert request.headers["Practicum-Event-Type"] == REPORT_READY
    assert request.headers["Practicum-Signature"] == signature("whsec_k", 1_700_000_000, request.content)
    assert json.loads(request.content) == payload


def test_sender_reports_a_receiver_that_cannot_be_reached() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = httpx.Client(transport=httpx.MockTransport(refuse))
    error = WebhookSender("unused")._post(client, "https://h.example/x", "k", "d-1", REPORT_READY, {})
    assert error is not None and error.startswith("ConnectError")


def test_a_sender_exports_every_delivery_outcome_at_zero_before_it_sends() -> None:
    # PracticumWebhookDeliveriesFailed is increase(...{outcome="failed"}) > 0: a series
    # first seen at 1 would not alert on the first delivery given up on. A fresh
    # interpreter, so no other test has created the series.
    script = (
        "from prometheus_client import REGISTRY\n"
        "from practicum_session.adapters.webhooks import WebhookSender\n"
        "from practicum_session.domain.webhooks import EVENT_TYPES\n"
        "WebhookSender('unused')\n"
        "for e in EVENT_TYPES:\n"
        "    for o in ('delivered', 'retry', 'failed'):\n"
        "        labels = {'event_type': e, 'outcome': o}\n"
        "        print(e, o, REGISTRY.get_sample_value('practicum_webhook_deliveries_total', labels))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == [f"{e} {o} 0.0" for e in EVENT_TYPES for o in ("delivered", "retry", "failed")]
