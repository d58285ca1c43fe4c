"""An in-memory Kafka for unit tests: the subset of kafka-python the consumer loop uses.

It keeps per-partition logs and committed offsets per group, so the same contract tests
run against it and against the real broker (test_common_consumer_contract.py).
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from kafka import TopicPartition


@dataclass
class FakeRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]
    timestamp: int = 0


class FakeFuture:
    def get(self, timeout: float | None = None) -> None:
        return None


class InMemoryBroker:
    def __init__(self, partitions: int = 3) -> None:
        self.partitions = partitions
        self.logs: dict[TopicPartition, list[FakeRecord]] = defaultdict(list)
        self.committed: dict[tuple[str, TopicPartition], int] = {}

    def produce(
        self, topic: str, key: bytes | None, value: bytes, headers: list[tuple[str, bytes]] | None = None
    ) -> None:
        partition = zlib.crc32(key or b"") % self.partitions
        tp = TopicPartition(topic, partition)
        log = self.logs[tp]
        log.append(FakeRecord(topic, partition, len(log), key, value, list(headers or [])))

    def records(self, topic: str) -> list[FakeRecord]:
        return [r for tp, log in self.logs.items() if tp.topic == topic for r in log]


class FakeProducer:
    def __init__(self, broker: InMemoryBroker) -> None:
        self._broker = broker

    def send(self, topic: str, key: bytes | None = None, value: bytes = b"", headers: Any = None) -> FakeFuture:
        self._broker.produce(topic, key, value, headers)
        return FakeFuture()

    def flush(self, timeout: float | None = None) -> None:
        return None

    def close(self, timeout: float | None = None) -> None:
        return None


class FakeConsumer:
    def __init__(self, broker: InMemoryBroker, group_id: str, topics: list[str]) -> None:
        self._broker = broker
        self._group = group_id
        self._topics = topics
        self._position: dict[TopicPartition, int] = {}
        self._paused: set[TopicPartition] = set()

    def _partitions(self) -> list[TopicPartition]:
        return [TopicPartition(t, p) for t in self._topics for p in range(self._broker.partitions)]

    def assignment(self) -> set[TopicPartition]:
        return set(self._partitions())  # one consumer of the group owns every partition

    def pause(self, *partitions: TopicPartition) -> None:
        self._paused.update(partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self._paused.difference_update(partitions)

    def poll(self, timeout_ms: int = 0, max_records: int = 100) -> dict[TopicPartition, list[FakeRecord]]:
        batch: dict[TopicPartition, list[FakeRecord]] = {}
        budget = max_records
        for tp in self._partitions():
            if tp in self._paused:
                continue
            start = self._position.get(tp, self._broker.committed.get((self._group, tp), 0))
            records = self._broker.logs[tp][start : start + budget]
            if records:
                batch[tp] = records
                self._position[tp] = start + len(records)
                budget -= len(records)
        return batch

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self._position[tp] = offset

    def commit(self, offsets: dict[TopicPartition, Any] | None = None) -> None:
        for tp, meta in (offsets or {}).items():
            self._broker.committed[(self._group, tp)] = meta.offset

    def close(self, autocommit: bool = False) -> None:
        return None
