"""Transactional outbox: events are rows written with the state change, relayed to Kafka.

A service never produces to Kafka inside a request. It inserts an outbox row in the same
transaction as the state change (:func:`outbox_insert` gives the statement, usable from
sync and async cursors alike); :class:`OutboxRelay` publishes pending rows in id order and
marks them published only after the broker acknowledged them. When Kafka is down the rows
wait and the relay retries with backoff, so accepted work is never lost. A relay crash
between publishing and marking causes a re-send: consumers dedupe on the event id.

The table follows Debezium's outbox columns (id, aggregatetype, aggregateid, type,
payload) plus the topic, the event id and the trace headers; every service gets it
from ``practicum_common/migrations/001_outbox.sql``.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
from kafka import KafkaProducer
from prometheus_client import Counter, Gauge

from practicum_common.metrics import start_at_zero
from practicum_common.telemetry import inject_headers

log = logging.getLogger(__name__)

PUBLISHED = Counter("practicum_outbox_published_total", "Outbox events published to Kafka", ["schema"])
RELAY_FAILURES = Counter("practicum_outbox_relay_failures_total", "Failed relay batches", ["schema"])
PENDING = Gauge("practicum_outbox_pending", "Outbox rows not yet published", ["schema"])


def outbox_insert(
    schema: str,
    *,
    topic: str,
    aggregate_type: str,
    aggregate_id: str,
    event_type: str,
    payload: bytes,
    event_id: str | None = None,
) -> tuple[str, tuple[Any, ...]]:
    """The INSERT statement and parameters for one outbox row.

    The current trace context is stored with the row so the relay can put it in the
    Kafka headers and the consumer continues the same trace.
    """
    sql = (
        f'INSERT INTO "{schema}".outbox (event_id, aggregatetype, aggregateid, type, topic, payload, headers) '
        "VALUES (%s, %s, %s, %s, %s, %s, %s)"
    )
    params = (
        event_id or str(uuid.uuid4()),
        aggregate_type,
        aggregate_id,
        event_type,
        topic,
        payload,
        json.dumps(inject_headers()),
    )
    return sql, params


class OutboxRelay:
    """Publishes pending outbox rows of one schema, in order, at least once."""

    def __init__(
        self,
        *,
        dsn: str,
        schema: str,
        producer_factory: Callable[[], KafkaProducer],
        batch_size: int = 200,
        idle_interval_s: float = 0.2,
        max_backoff_s: float = 10.0,
        send_timeout_s: float = 15.0,
    ) -> None:
        self._dsn = dsn
        self._schema = schema
        start_at_zero(RELAY_FAILURES, (schema,))
        self._producer_factory = producer_factory
        self._producer: KafkaProducer | None = None
        self._batch_size = batch_size
        self._idle_interval_s = idle_interval_s
        self._max_backoff_s = max_backoff_s
        self._send_timeout_s = send_timeout_s
        self._stop = threading.Event()
        self._wake = threading.Event()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def notify(self) -> None:
        """Wake the relay early (called after a commit that wrote outbox rows)."""
        self._wake.set()

    def run_once(self, conn: psycopg.Connection[Any]) -> int:
        """Publish one batch; returns how many rows were published."""
        with conn.transaction():
            rows = conn.execute(
                f'SELECT id, event_id, aggregateid, type, topic, payload, headers FROM "{self._schema}".outbox '
                "WHERE published_at IS NULL ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                (self._batch_size,),
            ).fetchall()
            if not rows:
                return 0
            if self._producer is None:
                self._producer = self._producer_factory()
            futures = []
            for _id, event_id, key, event_type, topic, payload, headers in rows:
                kafka_headers = [(k, str(v).encode()) for k, v in (headers or {}).items()]
                kafka_headers += [
                    ("event_id", str(event_id).encode()),
                    ("event_type", str(event_type).encode()),
                    ("content-type", b"application/x-protobuf"),
                ]
                futures.append(
                    self._producer.send(topic, key=str(key).encode(), value=bytes(payload), headers=kafka_headers)
                )
            self._producer.flush(timeout=self._send_timeout_s)
            for future in futures:
                future.get(timeout=self._send_timeout_s)  # raises if the broker did not ack
            conn.execute(
                f'UPDATE "{self._schema}".outbox SET published_at = now() WHERE id = ANY(%s)',
                ([r[0] for r in rows],),
            )
        PUBLISHED.labels(self._schema).inc(len(rows))
        return len(rows)

    def pending(self, conn: psycopg.Connection[Any]) -> int:
        row = conn.execute(f'SELECT count(*) FROM "{self._schema}".outbox WHERE published_at IS NULL').fetchone()
        return int(row[0]) if row else 0

    def purge_published(self, conn: psycopg.Connection[Any], older_than: str = "1 day") -> int:
        cur = conn.execute(
            f'DELETE FROM "{self._schema}".outbox WHERE published_at < now() - %s::interval',
            (older_than,),
        )
        return cur.rowcount

    def run(self) -> None:
        """Relay until :meth:`stop`, backing off exponentially while Kafka or PostgreSQL fail."""
        backoff = 0.0
        conn: psycopg.Connection[Any] | None = None
        loops = 0
        while not self._stop.is_set():
            try:
                if conn is None or conn.closed:
                    conn = psycopg.connect(self._dsn, autocommit=True)
                published = self.run_once(conn)
                backoff = 0.0
                loops += 1
                if loops % 50 == 0:
                    PENDING.labels(self._schema).set(self.pending(conn))
                    self.purge_published(conn)
                if published == 0:
                    PENDING.labels(self._schema).set(0)
                    self._wake.wait(self._idle_interval_s)
                    self._wake.clear()
            except Exception as exc:
                RELAY_FAILURES.labels(self._schema).inc()
                backoff = min(self._max_backoff_s, max(0.5, backoff * 2))
                log.warning("outbox relay %s: %s; retrying in %.1fs", self._schema, exc, backoff)
                # A producer that lost its broker can stay wedged; start from a fresh one.
                self._close_producer()
                if conn is not None and not conn.closed and conn.broken:
                    conn.close()
                self._stop.wait(backoff)
        self._close_producer()
        if conn is not None:
            conn.close()

    def _close_producer(self) -> None:
        if self._producer is not None:
            try:
                self._producer.close(timeout=1)
            except Exception:
                log.debug("producer close failed", exc_info=True)
            self._producer = None

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name=f"outbox-relay-{self._schema}", daemon=True)
        thread.start()
        return thread
