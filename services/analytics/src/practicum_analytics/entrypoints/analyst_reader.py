"""A reader of the analyst stream for people: one JSON object a line on stdout.

What an analyst runs to see what ``practicum.analyst.events.v1`` carries, or pipes into
their own tools (``... analyst-events --from-beginning --idle-exit-s 5 > events.jsonl``).
It reads without a consumer group, so it never moves anyone's committed offsets.
"""

from __future__ import annotations

import json
import sys
import time

from google.protobuf.json_format import MessageToDict
from kafka import KafkaConsumer, TopicPartition

from practicum_common.topics import ANALYST_EVENTS
from practicum_protos.events.v1 import events_pb2


def print_analyst_events(
    bootstrap: str,
    *,
    from_beginning: bool = False,
    session_id: str | None = None,
    max_events: int = 0,
    idle_exit_s: float = 0.0,
) -> int:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        partitions = consumer.partitions_for_topic(ANALYST_EVENTS.name)
        if not partitions:
            print(f"topic {ANALYST_EVENTS.name} does not exist on {bootstrap}", file=sys.stderr)
            return 1
        assigned = [TopicPartition(ANALYST_EVENTS.name, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        if from_beginning:
            consumer.seek_to_beginning(*assigned)
        else:
            consumer.seek_to_end(*assigned)
        printed = 0
        last_event = time.monotonic()
        while True:
            batch = consumer.poll(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    event = events_pb2.AnalystEvent.FromString(record.value)
                    if session_id and event.session_id != session_id:
                        continue
                    body = MessageToDict(event, preserving_proto_field_name=True)
                    print(json.dumps(body, sort_keys=True), flush=True)
                    printed += 1
                    last_event = time.monotonic()
                    if max_events and printed >= max_events:
                        return 0
            if idle_exit_s and time.monotonic() - last_event >= idle_exit_s:
                return 0
    except KeyboardInterrupt:
        return 0
    finally:
        consumer.close()
