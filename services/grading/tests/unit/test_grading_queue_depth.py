"""The queue-length collector: lengths per queue, and no fake zeros when Redis is away.

An in-memory list store stands in for Redis here; tests/test_queue_depth.py runs the same
collector against the real Redis, and tests/test_flow.py reads the running dispatcher's
/metrics.
"""

from __future__ import annotations

import redis
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from practicum_grading.adapters.queue_depth import QueueDepthCollector


class FakeLists:
    def __init__(self, lengths: dict[str, int], fail: bool = False) -> None:
        self.lengths = lengths
        self.fail = fail

    def llen(self, name: str) -> int:
        if self.fail:
            raise redis.ConnectionError("Connection refused")
        return self.lengths.get(name, 0)


def _samples(collector: QueueDepthCollector) -> dict[tuple[str, str], float]:
    registry = CollectorRegistry()
    registry.register(collector)
    out: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(generate_latest(registry).decode()):
        for s in family.samples:
            out[(s.name, s.labels.get("queue", ""))] = s.value
    return out


def test_reports_each_queue_length() -> None:
    lists = FakeLists({"grading.turns": 7, "grading.reports": 2})
    samples = _samples(QueueDepthCollector(lambda: lists, ["grading.turns", "grading.reports"]))
    assert samples[("practicum_grading_queue_length", "grading.turns")] == 7
    assert samples[("practicum_grading_queue_length", "grading.reports")] == 2
    assert samples[("practicum_grading_queue_length_up", "")] == 1


def test_unreachable_redis_gives_no_lengths_and_up_zero_then_recovers() -> None:
    lists = FakeLists({"grading.turns": 3}, fail=True)
    opened: list[FakeLists] = []

    def factory() -> FakeLists:
        opened.append(lists)
        return lists

    collector = QueueDepthCollector(factory, ["grading.turns"])
    down = _samples(collector)
    assert ("practicum_grading_queue_length", "grading.turns") not in down
    assert down[("practicum_grading_queue_length_up", "")] == 0
    lists.fail = False
    up = _samples(collector)
    assert up[("practicum_grading_queue_length", "grading.turns")] == 3
    assert up[("practicum_grading_queue_length_up", "")] == 1
    # The connection that failed was dropped and a new one opened.
    assert len(opened) == 2
