"""`python -m practicum_common.dlq`: an operator lists dead-lettered records and replays them.

A session event whose trainee id is not a UUID is rejected by both of its consumer groups
(grading and analytics). The tool lists both entries with the reason, and a replay puts
the record back on its source topic once, with its key, value and headers.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from stack import Stack, run
from support import wait_for

from practicum_common.events import new_event_id, timestamp
from practicum_common.topics import SESSION_EVENTS
from practicum_protos.events.v1 import events_pb2

pytestmark = pytest.mark.integration


def _dlq(stack: Stack, *args: str) -> list[dict[str, Any]]:
    out = run(sys.executable, "-m", "practicum_common.dlq", *args, env=stack.env).stdout
    return [json.loads(line) for line in out.splitlines()]


def _poison(key: str) -> bytes:
    event = events_pb2.SessionEvent(
        event_id=new_event_id(),
        event_type="session.ended",
        schema_version=1,
        occurred_at=timestamp(),
        organisation_id=str(uuid.uuid4()),
        session_id=key,
        trainee_id="not-a-uuid",
        session_ended=events_pb2.SessionEnded(turn_count=0, reason="completed"),
    )
    return event.SerializeToString()


def test_dead_lettered_records_are_listed_with_their_reason_and_replayed_once(stack: Stack) -> None:
    key = str(uuid.uuid4())
    value = _poison(key)
    producer = KafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
    producer.send(SESSION_EVENTS.name, key=key.encode(), value=value, headers=[("event_type", b"session.ended")])
    producer.flush()
    producer.close()

    def listed() -> list[dict[str, Any]] | None:
        entries = [e for e in _dlq(stack, "list", "--json") if e["key"] == key]
        return entries if {e["consumer_group"] for e in entries} >= {"grading", "analytics"} else None

    entries = wait_for(listed, 60, "both consumer groups to dead-letter the record", interval_s=1)
    assert all("trainee_id" in e["error"] and e["source"].startswith(SESSION_EVENTS.name) for e in entries)
    assert len({e["source"] for e in entries}) == 1, "one source record"
    source = entries[0]["source"]
    assert all(e["event_type"] == "session.ended" for e in entries)

    consumer = KafkaConsumer(bootstrap_servers=stack.kafka_bootstrap, group_id=None, enable_auto_commit=False)
    partition = int(source.split("[", 1)[1].split("]", 1)[0])
    tp = TopicPartition(SESSION_EVENTS.name, partition)
    consumer.assign([tp])
    start = consumer.end_offsets([tp])[tp]

    out = run(sys.executable, "-m", "practicum_common.dlq", "replay", *[e["id"] for e in entries], env=stack.env).stdout
    assert "replayed 1 record(s) (2 DLQ entries)" in out

    consumer.seek(tp, start)
    replayed: list[Any] = []
    deadline = time.monotonic() + 30
    while not replayed and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=500).values():
            replayed += [r for r in batch if r.key == key.encode()]
    consumer.close()
    assert len(replayed) == 1 and replayed[0].value == value
    headers = dict(replayed[0].headers)
    assert headers["event_type"] == b"session.ended"
    assert headers["dlq.replayed_from"].startswith(b"practicum.dlq.v1[")
    assert not any(k in headers for k in ("dlq.error", "dlq.source", "dlq.consumer_group"))

    # Still invalid, so the consumers dead-letter the replayed copy again (from its new offset).
    def again() -> bool:
        sources = {e["source"] for e in _dlq(stack, "list", "--json") if e["key"] == key}
        return len(sources) == 2

    wait_for(again, 60, "the replayed copy to be dead-lettered again", interval_s=1)

    bad = run(sys.executable, "-m", "practicum_common.dlq", "replay", "99:999999", env=stack.env, check=False)
    assert bad.returncode == 1 and "nothing was replayed" in bad.stderr
