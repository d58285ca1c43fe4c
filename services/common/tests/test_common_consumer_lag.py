"""Consumer lag arithmetic and the monitor's reporting, against an in-memory offset source
(`tests/test_consumer_lag.py` is the contract against the real broker)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

import pytest
from kafka import TopicPartition
from prometheus_client import REGISTRY

from practicum_common import consumer_lag, process
from practicum_common.consumer_lag import ConsumerLagMonitor, lag_by_topic, partition_lags

A0, A1, B0 = TopicPartition("a", 0), TopicPartition("a", 1), TopicPartition("b", 0)


def test_lag_sums_partitions_and_counts_uncommitted_ones_from_their_earliest_offset() -> None:
    end = {A0: 10, A1: 7, B0: 5}
    committed = {A0: 4}  # A1 and B0 never committed
    earliest = {A0: 0, A1: 3, B0: 0}  # A1's first records were deleted by retention
    assert lag_by_topic(end, committed, earliest) == {"a": 6 + 4, "b": 5}


def test_a_committed_offset_past_the_end_counts_as_caught_up_not_negative() -> None:
    assert lag_by_topic({A0: 5, A1: 5}, {A0: 8, A1: 2}, {}) == {"a": 3}


class FakeOffsets:
    def __init__(self) -> None:
        self.end: dict[TopicPartition, int] = {A0: 10, B0: 2}
        self.committed_offsets: dict[TopicPartition, int] = {A0: 10}
        self.fail = False
        self.opened = 0
        self.closed = 0

    def partitions(self, topics: Sequence[str]) -> list[TopicPartition]:
        if self.fail:
            raise ConnectionError("broker gone")
        return [tp for tp in self.end if tp.topic in topics]

    def end_offsets(self, partitions: Sequence[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: self.end[tp] for tp in partitions}

    def earliest_offsets(self, partitions: Sequence[TopicPartition]) -> dict[TopicPartition, int]:
        return dict.fromkeys(partitions, 0)

    def committed(self, group: str) -> dict[TopicPartition, int]:
        return dict(self.committed_offsets)

    def close(self) -> None:
        self.closed += 1


def _lag(group: str, topic: str) -> float | None:
    return REGISTRY.get_sample_value("practicum_kafka_consumer_lag_records", {"group": group, "topic": topic})


def _up(group: str) -> float | None:
    return REGISTRY.get_sample_value("practicum_kafka_consumer_lag_up", {"group": group})


def test_monitor_publishes_lag_and_withdraws_it_when_the_broker_cannot_be_read() -> None:
    fake = FakeOffsets()
    group = f"g-{uuid.uuid4().hex[:8]}"

    def open_source() -> FakeOffsets:
        fake.opened += 1
        return fake

    monitor = ConsumerLagMonitor(group, ["a", "b"], open_source)
    assert monitor.measure_once() == {"a": 0, "b": 2}
    assert (_lag(group, "a"), _lag(group, "b"), _up(group)) == (0, 2, 1)

    fake.fail = True
    assert monitor.measure_once() is None
    # No stale figures: an unreadable lag is not a consumer keeping up.
    assert (_lag(group, "a"), _lag(group, "b"), _up(group)) == (None, None, 0)
    assert fake.closed == 1

    fake.fail = False
    fake.end[A0] = 25
    assert monitor.measure_once() == {"a": 15, "b": 2}
    assert (_lag(group, "a"), _up(group)) == (15, 1)
    assert fake.opened == 2, "a new client after a failure"


def test_a_topic_that_disappears_loses_its_sample() -> None:
    fake = FakeOffsets()
    group = f"g-{uuid.uuid4().hex[:8]}"
    monitor = ConsumerLagMonitor(group, ["a", "b"], lambda: fake)
    monitor.measure_once()
    del fake.end[B0]
    assert monitor.measure_once() == {"a": 0}
    assert _lag(group, "b") is None


def test_partition_rows_match_the_topic_sums_and_show_what_was_never_committed() -> None:
    end, committed, earliest = {A1: 7, A0: 10, B0: 5}, {A0: 4}, {A0: 0, A1: 3, B0: 0}
    rows = partition_lags("g", end, committed, earliest)
    assert [(r.topic, r.partition, r.committed, r.lag) for r in rows] == [
        ("a", 0, 4, 6),
        ("a", 1, None, 4),
        ("b", 0, None, 5),
    ]
    totals: dict[str, int] = {}
    for r in rows:
        totals[r.topic] = totals.get(r.topic, 0) + r.lag
    assert totals == lag_by_topic(end, committed, earliest)


class FakeAdmin(FakeOffsets):
    """The CLI's view of the broker: the groups, and the committed offsets of the one
    group that has any (``grading``)."""

    def groups(self) -> list[str]:
        return ["grading"]

    def committed(self, group: str) -> dict[TopicPartition, int]:
        return dict(self.committed_offsets) if group == "grading" else {}


@pytest.fixture
def admin(monkeypatch: pytest.MonkeyPatch) -> FakeAdmin:
    fake = FakeAdmin()
    monkeypatch.setattr(process, "require_kafka", lambda bootstrap: None)
    monkeypatch.setattr(consumer_lag.AdminOffsets, "connect", classmethod(lambda cls, bootstrap, client_id: fake))
    return fake


def test_an_unknown_group_is_exit_1_with_one_line_and_json_prints_nothing(
    admin: FakeAdmin, capsys: pytest.CaptureFixture[str]
) -> None:
    assert consumer_lag.main(["--group", "nope", "--json"]) == 1
    out, err = capsys.readouterr()
    assert out == ""  # JSON lines: no rows is no lines, not an empty one
    assert err == "error: no committed offsets for nope: no such consumer group, or it never committed\n"
    assert admin.closed == 1


def test_known_groups_are_one_json_object_a_line(admin: FakeAdmin, capsys: pytest.CaptureFixture[str]) -> None:
    assert consumer_lag.main(["--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows == [{"group": "grading", "topic": "a", "partition": 0, "committed": 10, "end": 10, "lag": 0}]
    # A known and an unknown group: the known one's rows, and still the error for the other.
    assert consumer_lag.main(["--group", "grading", "--group", "nope"]) == 1
    out, err = capsys.readouterr()
    assert "grading" in out and err.startswith("error: no committed offsets for nope")
