"""Counters behind one-off alerts are exported at 0 from a process's start, so the first
event is an increase Prometheus can see (practicum_common.metrics.start_at_zero)."""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter

from practicum_common.messaging import ConsumerLoop
from practicum_common.metrics import start_at_zero
from practicum_common.outbox import OutboxRelay


def test_each_label_set_is_exported_at_zero_and_counts_from_there() -> None:
    registry = CollectorRegistry()
    counter = Counter("things_total", "Things", ["kind", "outcome"], registry=registry)
    start_at_zero(counter, ("a", "failed"), ("b", "failed"))
    assert registry.get_sample_value("things_total", {"kind": "a", "outcome": "failed"}) == 0.0
    assert registry.get_sample_value("things_total", {"kind": "b", "outcome": "failed"}) == 0.0
    assert registry.get_sample_value("things_total", {"kind": "c", "outcome": "failed"}) is None
    counter.labels("a", "failed").inc()
    assert registry.get_sample_value("things_total", {"kind": "a", "outcome": "failed"}) == 1.0


def test_a_consumer_loop_exports_every_outcome_of_its_topics_before_it_polls() -> None:
    ConsumerLoop(
        bootstrap="in-memory",
        group_id="metrics-test",
        topics=["t.one", "t.two"],
        handler=lambda record: None,
        consumer_factory=lambda: None,
    )
    for topic in ("t.one", "t.two"):
        for outcome in ("ok", "retry", "dead_letter", "skipped_unknown"):
            labels = {"group": "metrics-test", "topic": topic, "outcome": outcome}
            assert REGISTRY.get_sample_value("practicum_kafka_records_consumed_total", labels) == 0.0, labels


def test_an_outbox_relay_exports_its_failures_before_it_runs() -> None:
    OutboxRelay(dsn="postgresql://unused", schema="metrics_test", producer_factory=lambda: None)  # type: ignore[arg-type,return-value]
    assert REGISTRY.get_sample_value("practicum_outbox_relay_failures_total", {"schema": "metrics_test"}) == 0.0
