"""A reader of the analyst stream for people: one JSON object a line on stdout.

What an analyst runs to see what ``practicum.analyst.events.v1`` carries, or pipes into
their own tools (``... analyst-events --from-beginning --idle-exit-s 5 > events.jsonl``).
It reads without a consumer group (``messaging.topic_reader``), so it never moves anyone's
committed offsets.
"""

from __future__ import annotations

import json
import sys
import time

from google.protobuf.json_format import MessageToDict

from practicum_common.messaging import topic_reader
from practicum_common.topics import ANALYST_EVENTS
from practicum_protos.events.v1 import events_pb2


def print_analyst_events(
    bootstrap: str,
    *,
    from_beginning: bool = False,
    session_id: str | None = None,
    trainee_pseudonym: str | None = None,
    max_events: int = 0,
    idle_exit_s: float = 0.0,
) -> int:
    consumer, assigned = topic_reader(bootstrap, ANALYST_EVENTS.name, from_beginning=from_beginning)
    try:
        if not assigned:
            print(f"topic {ANALYST_EVENTS.name} does not exist on {bootstrap}", file=sys.stderr)
            return 1
        printed = 0
        last_event = time.monotonic()
        while True:
            batch = consumer.poll(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    event = events_pb2.AnalystEvent.FromString(record.value)
                    if session_id and event.session_id != session_id:
                        continue
                    if trainee_pseudonym and event.trainee_pseudonym != trainee_pseudonym:
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
