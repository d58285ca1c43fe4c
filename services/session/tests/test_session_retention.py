"""The erasure answer's deadline for the copies on Kafka (adapters/retention.py): read from
the broker's topic configuration, with a fake admin client here (tests/test_erasure.py
reads the real broker's)."""

from __future__ import annotations

from typing import Any

import pytest

from practicum_session.adapters.retention import CHECK_INTERVAL_S, TEXT_TOPICS, KafkaEventRetention

DAY_MS = 24 * 3600 * 1000


class FakeAdmin:
    def __init__(self, configs: dict[str, tuple[int, int]], calls: list[str], fail: bool = False) -> None:
        self._configs, self._calls, self._fail = configs, calls, fail

    def describe_configs(self, resources: list[Any], config_filter: str) -> dict[str, Any]:
        self._calls.append(config_filter)
        if self._fail:
            raise ConnectionError("no broker")
        return {
            "topic": {
                r.name: {"retention.ms": {"value": str(ret)}, "segment.ms": {"value": str(seg)}}
                for r in resources
                for ret, seg in [self._configs[r.name]]
            }
        }

    def close(self) -> None:
        self._calls.append("close")


def _retention(configs: dict[str, tuple[int, int]], calls: list[str], clock: list[float], fail: bool = False) -> Any:
    return KafkaEventRetention(
        "unused", admin_factory=lambda: FakeAdmin(configs, calls, fail), clock=lambda: clock[0], cache_s=600
    )


async def test_the_longest_topic_bounds_the_deadline_segment_time_included() -> None:
    # session events keep 3 days in 7-day segments; reports 7 days in 1-day segments.
    configs = {
        "practicum.session.events.v1": (3 * DAY_MS, 7 * DAY_MS),
        "practicum.grade.reports.v1": (7 * DAY_MS, 1 * DAY_MS),
        "practicum.dlq.v1": (DAY_MS, DAY_MS),
    }
    calls: list[str] = []
    clock = [0.0]
    retention = _retention(configs, calls, clock)
    assert await retention.longest_s() == 10 * 24 * 3600 + CHECK_INTERVAL_S
    assert calls == ["all", "close"], "effective values, defaults included; the client closed"
    # Cached, then read again once the cache time has passed.
    clock[0] = 599.0
    await retention.longest_s()
    clock[0] = 601.0
    await retention.longest_s()
    assert calls.count("all") == 2


async def test_dead_letter_copies_are_bounded_too() -> None:
    # The dead-letter topic keeps raw copies of records a consumer could not process, text
    # included: kept longest, it sets the deadline.
    configs = {
        "practicum.session.events.v1": (3 * DAY_MS, DAY_MS),
        "practicum.grade.reports.v1": (3 * DAY_MS, DAY_MS),
        "practicum.dlq.v1": (12 * DAY_MS, DAY_MS),
    }
    retention = _retention(configs, [], [0.0])
    assert await retention.longest_s() == 13 * 24 * 3600 + CHECK_INTERVAL_S


@pytest.mark.parametrize(
    ("configs", "fail"),
    [({t: ((-1 if i == 0 else DAY_MS), DAY_MS) for i, t in enumerate(TEXT_TOPICS)}, False), ({}, True)],
    ids=["a topic keeps records forever", "the broker cannot be asked"],
)
async def test_no_deadline_is_given_when_there_is_none_or_it_is_unknown(
    configs: dict[str, tuple[int, int]], fail: bool
) -> None:
    calls: list[str] = []
    retention = _retention(configs, calls, [0.0], fail)
    assert await retention.longest_s() is None
    await retention.longest_s()
    assert calls.count("all") == 2, "an unknown answer is not cached"
    assert calls.count("close") == 2, "the client is closed after a failure too"
