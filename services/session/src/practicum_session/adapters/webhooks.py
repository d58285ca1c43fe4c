"""Webhook deliveries: queued in the transaction that records the event, sent by a thread.

``session.webhook_deliveries`` is an outbox for HTTP: a delivery row is written in the
same transaction as the safety incident or the report it announces (only when the
organisation subscribed to that event type), so a delivery is never lost and never sent
for something that was rolled back. :class:`WebhookSender` leases due rows (moves their
``next_attempt_at`` past the lease), posts them outside any transaction, then records
the outcome; a sender that dies mid-way leaves the lease to expire and the row is sent
again. Delivery is therefore at least once: receivers dedupe on ``Practicum-Event-Id``.

In production every delivery resolves the receiver's host name itself, refuses it when
any address is not public (see :func:`~practicum_session.domain.webhooks.is_public_address`),
and connects to the address it checked, sending the original ``Host`` and TLS server
name: a partner's DNS record pointing at (or rebinding to) an address inside the cluster
cannot turn the platform into a proxy into its own network.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg
from prometheus_client import Counter, Gauge

from practicum_common.metrics import start_at_zero
from practicum_session.domain.webhooks import (
    EVENT_TYPES,
    SIGNATURE_HEADER,
    is_public_address,
    retry_delay_s,
    signature,
)

log = logging.getLogger(__name__)

DELIVERIES = Counter(
    "practicum_webhook_deliveries_total",
    "Webhook delivery attempts by event type and outcome (delivered, retry, failed)",
    ["event_type", "outcome"],
)

# Retries are invisible in the counter above until the delivery finally fails, about a day
# later; for a safety incident the organisation's safety contact is waiting now. The age
# of the oldest delivery still pending says how long the longest wait has been.
OLDEST_PENDING = Gauge(
    "practicum_webhook_oldest_pending_seconds",
    "Age of the oldest webhook delivery neither delivered nor given up on (0 when none), by event type",
    ["event_type"],
)
_OLDEST_PENDING_SQL = (
    "SELECT event_type, extract(epoch FROM now() - min(created_at))::float8 FROM session.webhook_deliveries "
    "WHERE delivered_at IS NULL AND failed_at IS NULL GROUP BY event_type"
)


# host, port -> the addresses it resolves to (text). Injected in tests.
Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class EgressRefused(Exception):
    """The webhook URL's host cannot be used: it does not resolve, or not only to public
    addresses. The message is shown to the partner (last_error, or a 422 on PUT)."""


def resolve_public(url: str, resolver: Resolver = system_resolver) -> str:
    """The address to connect to for ``url``: every address its host resolves to must be
    public (one bad record refuses the lot, since a client may be handed any of them)."""
    parsed = httpx.URL(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        addresses = resolver(parsed.host, port)
    except OSError as exc:
        raise EgressRefused(f"host {parsed.host!r} does not resolve ({exc})") from exc
    if not addresses:
        raise EgressRefused(f"host {parsed.host!r} does not resolve")
    blocked = [a for a in addresses if not is_public_address(a)]
    if blocked:
        raise EgressRefused(f"host {parsed.host!r} resolves to non-public address {blocked[0]}")
    return addresses[0]


def pinned_request(url: str, address: str) -> tuple[httpx.URL, dict[str, str], dict[str, Any]]:
    """``url`` aimed at ``address``, with the headers and extensions that keep the request
    what it was for the receiver: its ``Host`` header, and the TLS server name (SNI and
    certificate check) of the original host."""
    parsed = httpx.URL(url)
    host_header = parsed.netloc.decode("ascii")
    return parsed.copy_with(host=address), {"Host": host_header}, {"sni_hostname": parsed.host}


_ENQUEUE = (
    "INSERT INTO session.webhook_deliveries (id, organisation_id, event_type, payload) "
    "SELECT %s, organisation_id, %s, %s::jsonb FROM session.webhooks "
    "WHERE organisation_id = %s AND %s = ANY(events)"
)


def enqueue(org_id: str, event_type: str, data: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
    """SQL and parameters that queue a delivery if the organisation subscribed to
    ``event_type`` (nothing otherwise); run it in the transaction that records the event."""
    delivery_id = str(uuid.uuid4())
    body = {
        "id": delivery_id,
        "type": event_type,
        "created_at": datetime.now(UTC).isoformat(),
        "organisation_id": org_id,
        "data": data,
    }
    return _ENQUEUE, (delivery_id, event_type, json.dumps(body), org_id, event_type)


class WebhookSender:
    """Sends due deliveries; one thread per process that runs the session's workers."""

    def __init__(
        self,
        dsn: str,
        *,
        timeout_s: float = 5.0,
        lease_s: float = 60.0,
        batch_size: int = 20,
        idle_interval_s: float = 1.0,
        gauge_interval_s: float = 15.0,
        client_factory: Callable[[], httpx.Client] | None = None,
        clock: Callable[[], float] = time.time,
        public_only: bool = False,
        resolver: Resolver = system_resolver,
    ) -> None:
        self._dsn = dsn
        self._lease_s = lease_s
        self._batch_size = batch_size
        self._idle_interval_s = idle_interval_s
        self._gauge_interval_s = gauge_interval_s
        self._gauge_due = 0.0
        # No redirects: a receiver cannot bounce the platform's request somewhere else.
        self._client_factory = client_factory or (lambda: httpx.Client(timeout=timeout_s, follow_redirects=False))
        self._clock = clock
        self._public_only = public_only
        self._resolver = resolver
        self._stop = threading.Event()
        start_at_zero(DELIVERIES, *[(e, o) for e in EVENT_TYPES for o in ("delivered", "retry", "failed")])

    def stop(self) -> None:
        self._stop.set()

    def run_once(self, conn: psycopg.Connection[Any], client: httpx.Client) -> int:
        """Send one batch of due deliveries; returns how many were attempted."""
        with conn.transaction():
            rows = conn.execute(
                "UPDATE session.webhook_deliveries d SET attempts = d.attempts + 1, "
                "next_attempt_at = now() + make_interval(secs => %s) "
                "FROM session.webhooks w WHERE w.organisation_id = d.organisation_id AND d.id IN ("
                "  SELECT id FROM session.webhook_deliveries WHERE delivered_at IS NULL AND failed_at IS NULL "
                "  AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT %s FOR UPDATE SKIP LOCKED) "
                "RETURNING d.id, d.event_type, d.payload, d.attempts, w.url, w.secret",
                (self._lease_s, self._batch_size),
            ).fetchall()
        for delivery_id, event_type, payload, attempts, url, secret in rows:
            error = self._post(client, url, secret, str(delivery_id), event_type, payload)
            self._record(conn, str(delivery_id), event_type, attempts, error)
        return len(rows)

    def update_gauge(self, conn: psycopg.Connection[Any]) -> dict[str, float]:
        """Set the oldest-pending gauge from the table (one query over the pending-rows
        index); returns the ages it set."""
        ages = {event_type: 0.0 for event_type in EVENT_TYPES}
        ages.update({str(event_type): float(age) for event_type, age in conn.execute(_OLDEST_PENDING_SQL)})
        for event_type, age in ages.items():
            OLDEST_PENDING.labels(event_type).set(age)
        return ages

    def _post(
        self, client: httpx.Client, url: str, secret: str, delivery_id: str, event_type: str, payload: Any
    ) -> str | None:
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Practicum-Webhooks/1",
            "Practicum-Event-Id": delivery_id,
            "Practicum-Event-Type": event_type,
            SIGNATURE_HEADER: signature(secret, int(self._clock()), body),
        }
        target: str | httpx.URL = url
        extensions: dict[str, Any] = {}
        if self._public_only:
            try:
                target, host_header, extensions = pinned_request(url, resolve_public(url, self._resolver))
            except EgressRefused as exc:
                return f"refused: {exc}"[:500]
            headers.update(host_header)
        try:
            response = client.post(target, content=body, headers=headers, extensions=extensions)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"[:500]
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"

    def _record(
        self, conn: psycopg.Connection[Any], delivery_id: str, event_type: str, attempts: int, error: str | None
    ) -> None:
        if error is None:
            conn.execute(
                "UPDATE session.webhook_deliveries SET delivered_at = now(), last_error = NULL WHERE id = %s",
                (delivery_id,),
            )
            DELIVERIES.labels(event_type, "delivered").inc()
            return
        delay = retry_delay_s(attempts)
        if delay is None:
            conn.execute(
                "UPDATE session.webhook_deliveries SET failed_at = now(), last_error = %s WHERE id = %s",
                (error, delivery_id),
            )
            DELIVERIES.labels(event_type, "failed").inc()
            log.warning("webhook %s %s: giving up after %d attempts: %s", event_type, delivery_id, attempts, error)
            return
        conn.execute(
            "UPDATE session.webhook_deliveries SET next_attempt_at = now() + make_interval(secs => %s), "
            "last_error = %s WHERE id = %s",
            (delay, error, delivery_id),
        )
        DELIVERIES.labels(event_type, "retry").inc()
        log.info("webhook %s %s: attempt %d failed (%s); next in %ds", event_type, delivery_id, attempts, error, delay)

    def run(self) -> None:
        conn: psycopg.Connection[Any] | None = None
        client = self._client_factory()
        try:
            while not self._stop.is_set():
                try:
                    if conn is None or conn.closed or conn.broken:
                        conn = psycopg.connect(self._dsn, autocommit=True)
                    if time.monotonic() >= self._gauge_due:
                        self.update_gauge(conn)
                        self._gauge_due = time.monotonic() + self._gauge_interval_s
                    if self.run_once(conn, client) == 0:
                        self._stop.wait(self._idle_interval_s)
                except Exception as exc:  # PostgreSQL down, or a bug: keep the thread, back off
                    log.warning("webhook sender: %s; retrying", exc, exc_info=not isinstance(exc, psycopg.Error))
                    self._stop.wait(min(10.0, self._idle_interval_s * 5))
        finally:
            client.close()
            if conn is not None:
                conn.close()

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="webhook-sender", daemon=True)
        thread.start()
        return thread
