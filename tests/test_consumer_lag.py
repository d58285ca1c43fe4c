"""Consumer lag read from the real broker: it sees a consumer that is stuck, which the
record-age gauge (set by the consumer as it processes) cannot."""

from __future__ import annotations

import json
import sys
import threading
import uuid
from typing import Any

import pytest
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from prometheus_client import REGISTRY
from stack import Stack, run
from support import wait_for

from practicum_common.consumer_lag import AdminOffsets, ConsumerLagMonitor
from practicum_common.messaging import ConsumerLoop, Record, run_in_thread

pytestmark = pytest.mark.integration


def _cli(stack: Stack, *args: str) -> list[dict[str, Any]]:
    out = run(sys.executable, "-m", "practicum_common.consumer_lag", "--json", *args, env=stack.env).stdout
    return [json.loads(line) for line in out.splitlines()]


def _produce(stack: Stack, topic: str, per_partition: dict[int, int]) -> None:
    producer = KafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
    for partition, count in per_partition.items():
        for _ in range(count):
            producer.send(topic, value=b"x", partition=partition)
    producer.flush()
    producer.close()


def _gauge(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


def test_lag_grows_while_the_consumer_is_stuck_and_drains_when_it_recovers(stack: Stack) -> None:
    topic = f"practicum.test.lag.{uuid.uuid4().hex[:8]}"
    group = f"test-lag-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
    admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
    admin.close()
    _produce(stack, topic, {0: 4, 1: 3})

    healthy = threading.Event()
    handled: list[Record] = []

    def handler(record: Record) -> None:
        if not healthy.is_set():
            raise ConnectionError("database unavailable")  # transient: the loop retries the record forever
        handled.append(record)

    loop = ConsumerLoop(
        bootstrap=stack.kafka_bootstrap, group_id=group, topics=[topic], handler=handler, retry_backoff_s=0.2
    )
    run_in_thread(loop, "test-lag-consumer", lag_interval_s=0.2)
    try:
        # Nothing committed yet: the whole topic counts, from its earliest offset.
        wait_for(lambda: _gauge("practicum_kafka_consumer_lag_records", group=group, topic=topic) == 7, 30, "lag 7")
        assert _gauge("practicum_kafka_consumer_lag_up", group=group) == 1
        # The loop is alive and polling, but has processed nothing, so it never set its
        # record age: that gauge has no figure for a stuck consumer.
        assert _gauge("practicum_kafka_consumer_record_age_seconds", group=group, topic=topic) is None

        healthy.set()
        wait_for(lambda: _gauge("practicum_kafka_consumer_lag_records", group=group, topic=topic) == 0, 30, "lag 0")
        assert len(handled) == 7
        assert _gauge("practicum_kafka_consumer_record_age_seconds", group=group, topic=topic) is not None

        # Stuck again on two new records of partition 1: the operators' table says which
        # partition, with the committed and end offsets.
        healthy.clear()
        _produce(stack, topic, {1: 2})
        wait_for(lambda: _gauge("practicum_kafka_consumer_lag_records", group=group, topic=topic) == 2, 30, "lag 2")
        rows = _cli(stack, "--group", group)
        assert [(r["topic"], r["partition"], r["committed"], r["end"], r["lag"]) for r in rows] == [
            (topic, 0, 4, 4, 0),
            (topic, 1, 3, 5, 2),
        ]
        healthy.set()
        wait_for(lambda: _gauge("practicum_kafka_consumer_lag_records", group=group, topic=topic) == 0, 30, "lag 0")
    finally:
        loop.stop()


def test_admin_offsets_contract(stack: Stack) -> None:
    """The real side of the fake OffsetSource in the unit tests: a topic that does not exist
    has no partitions, and a group that never committed has no offsets."""
    source = AdminOffsets.connect(stack.kafka_bootstrap, "test-lag-contract")
    try:
        assert source.partitions([f"practicum.test.absent.{uuid.uuid4().hex[:8]}"]) == []
        assert source.committed(f"never-committed-{uuid.uuid4().hex[:8]}") == {}
        monitor = ConsumerLagMonitor("test-lag-absent", ["practicum.test.absent.none"], lambda: source)
        assert monitor.measure_once() == {}
    finally:
        source.close()
