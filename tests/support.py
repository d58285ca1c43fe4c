"""Helpers for the integration tests."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import httpx
from kafka import KafkaConsumer
from prometheus_client.parser import text_string_to_metric_families

from practicum_common.topics import ANALYST_EVENTS
from practicum_protos.events.v1 import events_pb2

if TYPE_CHECKING:
    from stack import Stack


def wait_for(predicate: Callable[[], Any], timeout_s: float, what: str, interval_s: float = 0.5) -> Any:
    """Poll until ``predicate`` returns something truthy; fail naming ``what`` on timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")
        time.sleep(interval_s)


def sse_events(response: httpx.Response) -> Iterator[tuple[str, dict[str, Any]]]:
    """(event, data) pairs of a Server-Sent Events response."""
    event = "message"
    for line in response.iter_lines():
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            yield event, json.loads(line[5:].strip())


def metric_sample(base_url: str, sample: str, **labels: str) -> float | None:
    """One sample (e.g. ``x_seconds_count``) with exactly these labels on a service's /metrics; None if absent."""
    text = httpx.get(f"{base_url}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == sample and s.labels == labels:
                return float(s.value)
    return None


def analyst_events(stack: Stack, key: str, wanted: set[str], timeout_s: float) -> list[tuple[bytes, bytes]]:
    """Raw (key, value) records under ``key`` (a session id; a pseudonym for trainee.erased)
    on the analyst stream, once the ``wanted`` event types have arrived."""
    consumer = KafkaConsumer(
        ANALYST_EVENTS.name,
        bootstrap_servers=stack.kafka_bootstrap,
        group_id=f"test-analyst-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    found: list[tuple[bytes, bytes]] = []
    seen: set[str] = set()
    deadline = time.monotonic() + timeout_s
    try:
        while not wanted <= seen and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=1000).values():
                for record in records:
                    if record.key == key.encode():
                        found.append((record.key, record.value))
                        seen.add(events_pb2.AnalystEvent.FromString(record.value).event_type)
    finally:
        consumer.close()
    assert wanted <= seen, f"analyst events for {key}: got {sorted(seen)}, wanted {sorted(wanted)}"
    return found
