"""One contract for the consumer loop, run against the in-memory broker and real Kafka.

* records are handed to the handler and committed only after it returned;
* a failing handler rewinds to the failed record and it is retried (no record skipped,
  including records of other partitions fetched in the same batch);
* while a record waits for its retry, only its partition waits: the other partitions
  are processed meanwhile, and its own later records are not (their order holds);
* an invalid record goes to the dead-letter topic and the loop moves on;
* an event type newer than the consumer is skipped and committed, not dead-lettered.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fake_kafka import FakeConsumer, FakeProducer, InMemoryBroker

from practicum_common.messaging import ConsumerLoop, InvalidMessage, Record, UnknownEvent, make_producer


@dataclass
class Backend:
    """Produce to, consume from and read back one broker (fake or real)."""

    produce: Callable[[str, bytes, bytes], None]
    loop: Callable[..., ConsumerLoop]
    read_all: Callable[[str], list[bytes]]


def _fake() -> Backend:
    broker = InMemoryBroker()

    def loop(
        group: str, topics: list[str], handler: Callable[[Record], None], dlq: str, backoff_s: float = 0
    ) -> ConsumerLoop:
        return ConsumerLoop(
            bootstrap="in-memory",
            group_id=group,
            topics=topics,
            handler=handler,
            dlq_topic=dlq,
            retry_backoff_s=backoff_s,
            consumer_factory=lambda: FakeConsumer(broker, group, topics),
            dlq_producer_factory=lambda: FakeProducer(broker),
        )

    return Backend(
        produce=lambda t, k, v: broker.produce(t, k, v),
        loop=loop,
        read_all=lambda t: [r.value for r in broker.records(t)],
    )


def _real(bootstrap: str) -> Backend:
    from kafka import KafkaConsumer
    from kafka.admin import KafkaAdminClient, NewTopic

    producer = make_producer(bootstrap, "contract-test")
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    created: set[str] = set()

    def ensure(topic: str) -> None:
        if topic not in created:
            admin.create_topics([NewTopic(topic, 3, 1)])
            created.add(topic)

    def produce(topic: str, key: bytes, value: bytes) -> None:
        ensure(topic)
        producer.send(topic, key=key, value=value).get(timeout=10)

    def loop(
        group: str, topics: list[str], handler: Callable[[Record], None], dlq: str, backoff_s: float = 0
    ) -> ConsumerLoop:
        for t in [*topics, dlq]:
            ensure(t)
        return ConsumerLoop(
            bootstrap=bootstrap,
            group_id=group,
            topics=topics,
            handler=handler,
            dlq_topic=dlq,
            retry_backoff_s=backoff_s,
        )

    def read_all(topic: str) -> list[bytes]:
        consumer = KafkaConsumer(
            topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", consumer_timeout_ms=3000, group_id=None
        )
        values = [r.value for r in consumer]
        consumer.close()
        return values

    return Backend(produce=produce, loop=loop, read_all=read_all)


@pytest.fixture(params=["fake", pytest.param("real", marks=pytest.mark.integration)])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "real":
        # The real broker of the integration stack (root conftest.py).
        return _real(request.getfixturevalue("stack").kafka_bootstrap)
    return _fake()


def _names() -> tuple[str, str, str]:
    suffix = uuid.uuid4().hex[:8]
    return f"contract.in.{suffix}", f"contract.dlq.{suffix}", f"contract-{suffix}"


def _drain(loop: ConsumerLoop, until: Callable[[], bool], polls: int = 60) -> None:
    for _ in range(polls):
        loop.poll_once()
        if until():
            return
    raise AssertionError("the loop did not reach the expected state")


def _left_for_the_group(backend: Backend, group: str, topic: str, dlq: str) -> list[bytes]:
    """What a new consumer of ``group`` still receives (it starts after the commits)."""
    again: list[bytes] = []
    second = backend.loop(group, [topic], lambda r: again.append(r.value), dlq)
    for _ in range(5):
        second.poll_once()
    second.close()
    return again


def test_records_are_handled_once_in_partition_order(backend: Backend) -> None:
    topic, dlq, group = _names()
    for i in range(12):
        backend.produce(topic, f"k{i % 4}".encode(), str(i).encode())
    seen: list[tuple[bytes | None, int]] = []
    loop = backend.loop(group, [topic], lambda r: seen.append((r.key, int(r.value))), dlq)
    _drain(loop, lambda: len(seen) >= 12)
    loop.close()
    per_key: dict[Any, list[int]] = {}
    for key, value in seen:
        per_key.setdefault(key, []).append(value)
    assert sorted(v for _, v in seen) == list(range(12))
    assert all(values == sorted(values) for values in per_key.values())
    # A new consumer of the same group starts after the committed offsets: nothing again.
    assert _left_for_the_group(backend, group, topic, dlq) == []


def test_a_failing_handler_is_retried_without_skipping_records(backend: Backend) -> None:
    topic, dlq, group = _names()
    for i in range(6):
        backend.produce(topic, f"k{i}".encode(), str(i).encode())
    failures = {"3": 2}
    handled: list[str] = []

    def handler(record: Record) -> None:
        value = record.value.decode()
        if failures.get(value, 0) > 0:
            failures[value] -= 1
            raise RuntimeError("database briefly unavailable")
        handled.append(value)

    loop = backend.loop(group, [topic], handler, dlq)
    _drain(loop, lambda: len(handled) >= 6)
    loop.close()
    assert sorted(handled) == [str(i) for i in range(6)]
    assert failures["3"] == 0


def test_a_record_waiting_for_its_retry_holds_back_only_its_own_partition(backend: Backend) -> None:
    topic, dlq, group = _names()
    for i in range(30):
        backend.produce(topic, f"k{i}".encode(), str(i).encode())
    failing = True
    stuck: list[int] = []
    handled: dict[int, int] = {}  # value -> partition

    def handler(record: Record) -> None:
        if record.value == b"7" and failing:
            stuck.append(record.partition)
            raise RuntimeError("database briefly unavailable for this session")
        handled[int(record.value)] = record.partition

    # A backoff longer than the test's first phase: the failing record is not retried in it.
    loop = backend.loop(group, [topic], handler, dlq, backoff_s=60)
    quiet, seen = 0, -1
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (stuck and quiet >= 8):
        loop.poll_once()
        quiet, seen = (quiet + 1, seen) if len(handled) == seen else (0, len(handled))
    during = dict(handled)
    loop.close()

    failing = False
    again = backend.loop(group, [topic], handler, dlq)  # a new consumer starts unpaused, from the commits
    _drain(again, lambda: len(handled) >= 30)
    again.close()
    assert sorted(handled) == list(range(30))
    # Now that every record's partition is known: while 7 waited, everything on the other
    # partitions was handled, and nothing after 7 on its own partition (values rise in
    # produce order, which is each partition's order).
    partition = stuck[0]
    expected = {v for v, p in handled.items() if p != partition or v < 7}
    assert set(during) == expected
    assert any(p != partition for p in during.values()), "the other partitions had records"


def test_invalid_records_go_to_the_dead_letter_topic(backend: Backend) -> None:
    topic, dlq, group = _names()
    backend.produce(topic, b"a", b"good-1")
    backend.produce(topic, b"a", b"poison")
    backend.produce(topic, b"a", b"good-2")
    handled: list[bytes] = []

    def handler(record: Record) -> None:
        if record.value == b"poison":
            raise InvalidMessage("cannot decode")
        handled.append(record.value)

    loop = backend.loop(group, [topic], handler, dlq)
    _drain(loop, lambda: len(handled) >= 2)
    loop.close()
    assert handled == [b"good-1", b"good-2"]
    assert backend.read_all(dlq) == [b"poison"]


def test_an_event_type_newer_than_the_consumer_is_skipped_not_dead_lettered(backend: Backend) -> None:
    topic, dlq, group = _names()
    backend.produce(topic, b"a", b"newer")
    backend.produce(topic, b"a", b"good")
    handled: list[bytes] = []

    def handler(record: Record) -> None:
        if record.value == b"newer":
            raise UnknownEvent("a payload type newer than this build")
        handled.append(record.value)

    loop = backend.loop(group, [topic], handler, dlq)
    _drain(loop, lambda: handled == [b"good"])
    loop.close()
    assert backend.read_all(dlq) == []
    # Committed: a new consumer of the group does not see it again.
    assert _left_for_the_group(backend, group, topic, dlq) == []
