"""Kafka producer factory and the consumer loop every service uses.

The consumer loop follows the "pure handler, thin loop" pattern: a handler takes one
record and either returns (processed), raises :class:`InvalidMessage` (the record can never
be processed: it goes to the dead-letter topic), raises :class:`UnknownEvent` (an event
type newer than this build: skipped and counted) or raises anything else (a transient
failure: the loop rewinds to that record and retries after a backoff). Offsets are
committed only after processing, so a crash replays records; handlers therefore dedupe
on the event id.

During the backoff only the failed record's partition waits (it is paused): the loop goes
on with the other partitions it owns, so one record that keeps failing holds back the
sessions keyed to its partition, not every session the consumer serves.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata
from prometheus_client import Counter, Gauge

from practicum_common.consumer_lag import DEFAULT_INTERVAL_S as DEFAULT_LAG_INTERVAL_S
from practicum_common.consumer_lag import AdminOffsets, ConsumerLagMonitor
from practicum_common.metrics import start_at_zero
from practicum_common.telemetry import extract_context, tracer

log = logging.getLogger(__name__)

CONSUMED = Counter(
    "practicum_kafka_records_consumed_total", "Records processed by a consumer", ["group", "topic", "outcome"]
)
OUTCOMES = ("ok", "retry", "dead_letter", "skipped_unknown")
CONSUMER_LAG_SECONDS = Gauge(
    "practicum_kafka_consumer_record_age_seconds",
    "Age of the last processed record (now - record timestamp)",
    ["group", "topic"],
)


class InvalidMessage(Exception):
    """The record is malformed or fails validation: retrying cannot help."""


class UnknownEvent(Exception):
    """A well-formed envelope whose payload is of a type this build does not know, written
    by a newer producer (an event type added to the topic). Skipped and counted, not
    dead-lettered: a consumer deployed before the producer must not fill the dead-letter
    topic, or trip its cap, with events it has no use for (see practicum_common.events)."""


class DeadLetterCapExceeded(RuntimeError):
    """Too many records went to the dead-letter topic: stop instead of draining the topic."""


def make_producer(bootstrap: str, client_id: str, **overrides: Any) -> KafkaProducer:
    """An idempotent producer with ``acks='all'``.

    Both are set explicitly: a conflicting setting (``acks`` other than all, or more than
    five in-flight requests) silently disables idempotence in kafka-python.
    ``max_block_ms`` is short so a producer facing a dead broker fails fast and the
    caller (the outbox relay) keeps the events and retries later.
    """
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "client_id": client_id,
        "enable_idempotence": True,
        "acks": "all",
        "max_in_flight_requests_per_connection": 5,
        "linger_ms": 5,
        "request_timeout_ms": 10_000,
        "max_block_ms": 5_000,
        "retry_backoff_ms": 200,
    }
    config.update(overrides)
    return KafkaProducer(**config)


@dataclass
class Record:
    """What a handler sees of a Kafka record."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]
    timestamp_ms: int


Handler = Callable[[Record], None]


def topic_reader(bootstrap: str, topic: str, *, from_beginning: bool) -> tuple[KafkaConsumer, list[TopicPartition]]:
    """A consumer of every partition of ``topic`` that joins no group, so it moves nobody's
    committed offsets: for read-only tools (the DLQ view, the analyst-stream reader).
    ``assigned`` is empty when the topic does not exist; the caller closes the consumer."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        assigned = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if assigned:
            consumer.assign(assigned)
            if from_beginning:
                consumer.seek_to_beginning(*assigned)
            else:
                consumer.seek_to_end(*assigned)
    except Exception:
        consumer.close()
        raise
    return consumer, assigned


class ConsumerLoop:
    """Polls, calls the handler per record, commits after processing.

    ``on_poll`` is called on every poll (a liveness beat).

    ``dlq_cap`` bounds the share of dead-lettered records in the last ``dlq_window``
    records: beyond it the loop stops with :class:`DeadLetterCapExceeded`, so a bad
    deploy cannot quietly send every record to the dead-letter topic.
    """

    def __init__(
        self,
        *,
        bootstrap: str,
        group_id: str,
        topics: Sequence[str],
        handler: Handler,
        dlq_topic: str | None = None,
        dlq_cap: float = 0.5,
        dlq_window: int = 100,
        on_poll: Callable[[], None] | None = None,
        retry_backoff_s: float = 1.0,
        consumer_overrides: dict[str, Any] | None = None,
        consumer_factory: Callable[[], Any] | None = None,
        dlq_producer_factory: Callable[[], Any] | None = None,
    ) -> None:
        self._bootstrap = bootstrap
        self._group_id = group_id
        self._topics = list(topics)
        start_at_zero(CONSUMED, *[(group_id, topic, outcome) for topic in self._topics for outcome in OUTCOMES])
        self._handler = handler
        self._dlq_topic = dlq_topic
        self._dlq_cap = dlq_cap
        self._recent: deque[bool] = deque(maxlen=dlq_window)
        self._on_poll = on_poll
        self._retry_backoff_s = retry_backoff_s
        self._consumer_overrides = consumer_overrides or {}
        # Factories are replaceable so the contract tests can run the same loop against an
        # in-memory broker and the real one.
        self._consumer_factory = consumer_factory or self._make_consumer
        self._dlq_producer_factory = dlq_producer_factory or (
            lambda: make_producer(self._bootstrap, f"{self._group_id}-dlq")
        )
        self._stop = threading.Event()
        self._consumer: Any = None
        self._dlq_producer: Any = None
        # Partitions waiting out a retry backoff, and when they may be fetched again.
        self._paused_until: dict[TopicPartition, float] = {}
        self.processed = 0

    def stop(self) -> None:
        self._stop.set()

    def lag_monitor(self, interval_s: float) -> ConsumerLagMonitor:
        """A monitor of this loop's group and topics that stops with the loop (and only then:
        it must keep reporting when the loop's thread has died)."""
        return ConsumerLagMonitor(
            self._group_id,
            self._topics,
            lambda: AdminOffsets.connect(self._bootstrap, f"{self._group_id}-lag"),
            interval_s=interval_s,
            stop=self._stop,
        )

    def _make_consumer(self) -> KafkaConsumer:
        config: dict[str, Any] = {
            "bootstrap_servers": self._bootstrap,
            "group_id": self._group_id,
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
            "max_poll_records": 100,
            "session_timeout_ms": 10_000,
            "heartbeat_interval_ms": 3_000,
        }
        config.update(self._consumer_overrides)
        consumer = KafkaConsumer(**config)
        consumer.subscribe(self._topics)
        return consumer

    def run(self) -> None:
        """Run until :meth:`stop`; reconnects when the broker goes away."""
        while not self._stop.is_set():
            try:
                self.poll_once()
            except DeadLetterCapExceeded:
                raise
            except Exception:
                log.exception("consumer %s: poll failed; reconnecting", self._group_id)
                self._close_consumer()
                self._stop.wait(self._retry_backoff_s)
        self.close()

    def poll_once(self) -> None:
        """One poll-process-commit cycle (the loop body; tests drive it directly)."""
        if self._consumer is None:
            self._consumer = self._consumer_factory()
        self._poll_once(self._consumer)

    def close(self) -> None:
        self._close_consumer()

    def _close_consumer(self) -> None:
        self._paused_until.clear()  # pauses belong to the consumer instance
        if self._consumer is not None:
            try:
                self._consumer.close(autocommit=False)
            except Exception:  # closing a consumer of a dead broker may itself fail
                log.debug("consumer close failed", exc_info=True)
            self._consumer = None

    def _resume_due(self, consumer: Any) -> None:
        now = time.monotonic()
        due = [tp for tp, until in self._paused_until.items() if until <= now]
        if not due:
            return
        for tp in due:
            del self._paused_until[tp]
        # A partition lost in a rebalance meanwhile is no longer ours to resume (its new
        # owner fetches it from the committed offset, unpaused).
        owned = [tp for tp in due if tp in consumer.assignment()]
        if owned:
            consumer.resume(*owned)

    def _poll_once(self, consumer: Any) -> None:
        self._resume_due(consumer)
        if self._paused_until and len(self._paused_until) >= len(consumer.assignment()):
            # Everything we own is waiting: sleep until the first partition is due instead
            # of spinning on polls (still short, so stop() and liveness stay responsive).
            self._stop.wait(min(0.5, max(0.0, min(self._paused_until.values()) - time.monotonic())))
        batch = consumer.poll(timeout_ms=500, max_records=100)
        if self._on_poll is not None:
            self._on_poll()  # liveness: the loop is polling
        if not batch:
            return
        to_commit: dict[TopicPartition, OffsetAndMetadata] = {}
        # poll() has already advanced the position of every partition in the batch, so a
        # failure must rewind each partition to its first unprocessed record.
        unprocessed = {tp: records[0].offset for tp, records in batch.items() if records}
        for tp, records in batch.items():
            for raw in records:
                record = Record(
                    topic=raw.topic,
                    partition=raw.partition,
                    offset=raw.offset,
                    key=raw.key,
                    value=raw.value,
                    headers=[(k, v) for k, v in (raw.headers or [])],
                    timestamp_ms=raw.timestamp,
                )
                try:
                    self._process(record)
                except UnknownEvent as exc:
                    CONSUMED.labels(self._group_id, record.topic, "skipped_unknown").inc()
                    log.info(
                        "consumer %s: skipping %s[%d]@%d: %s", self._group_id, tp.topic, tp.partition, raw.offset, exc
                    )
                except InvalidMessage as exc:
                    self._dead_letter(record, exc)
                except Exception:
                    log.exception(
                        "consumer %s: handler failed at %s[%d]@%d; will retry",
                        self._group_id,
                        record.topic,
                        record.partition,
                        record.offset,
                    )
                    CONSUMED.labels(self._group_id, record.topic, "retry").inc()
                    for pending_tp, offset in unprocessed.items():
                        consumer.seek(pending_tp, offset)
                    if to_commit:
                        consumer.commit(to_commit)
                    # Only this partition waits; the others in the batch were rewound and
                    # come back at the next poll.
                    consumer.pause(tp)
                    self._paused_until[tp] = time.monotonic() + self._retry_backoff_s
                    return
                to_commit[tp] = OffsetAndMetadata(record.offset + 1, "", -1)
                unprocessed[tp] = record.offset + 1
            unprocessed.pop(tp, None)
        consumer.commit(to_commit)

    def _process(self, record: Record) -> None:
        ctx = extract_context(record.headers)
        with tracer(__name__).start_as_current_span(
            f"consume {record.topic}", context=ctx, attributes={"messaging.kafka.offset": record.offset}
        ):
            self._handler(record)
        self.processed += 1
        self._recent.append(False)
        CONSUMED.labels(self._group_id, record.topic, "ok").inc()
        CONSUMER_LAG_SECONDS.labels(self._group_id, record.topic).set(
            max(0.0, time.time() - record.timestamp_ms / 1000)
        )

    def _dead_letter(self, record: Record, exc: Exception) -> None:
        self._recent.append(True)
        CONSUMED.labels(self._group_id, record.topic, "dead_letter").inc()
        log.warning(
            "consumer %s: dead-lettering %s[%d]@%d: %s",
            self._group_id,
            record.topic,
            record.partition,
            record.offset,
            exc,
        )
        if self._dlq_topic is None:
            return
        if self._dlq_producer is None:
            self._dlq_producer = self._dlq_producer_factory()
        headers = [
            *record.headers,
            ("dlq.error", str(exc).encode()[:1000]),
            ("dlq.source", f"{record.topic}[{record.partition}]@{record.offset}".encode()),
            ("dlq.consumer_group", self._group_id.encode()),
        ]
        self._dlq_producer.send(self._dlq_topic, key=record.key, value=record.value, headers=headers).get(timeout=10)
        window = len(self._recent)
        # Judged over a full window, so a handful of old junk records cannot trip it.
        if window == self._recent.maxlen and sum(self._recent) / window > self._dlq_cap:
            raise DeadLetterCapExceeded(
                f"{sum(self._recent)} of the last {window} records were dead-lettered "
                f"(cap {self._dlq_cap:.0%}); stopping consumer {self._group_id}"
            )


def run_in_thread(
    loop: ConsumerLoop, name: str, *, lag_interval_s: float | None = DEFAULT_LAG_INTERVAL_S
) -> threading.Thread:
    """Start ``loop`` in a daemon thread (kafka-python is blocking), and the monitor of its
    group's lag in another (``lag_interval_s=None``: none)."""
    thread = threading.Thread(target=loop.run, name=name, daemon=True)
    thread.start()
    if lag_interval_s is not None:
        loop.lag_monitor(lag_interval_s).start_thread()
    return thread
