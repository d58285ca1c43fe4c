"""A reader of the analyst stream for people: one JSON object a line on stdout.

What an analyst runs to see what ``practicum.analyst.events.v1`` carries, or pipes into
their own tools (``... analyst-events --from-beginning --idle-exit-s 5 > events.jsonl``).
It reads without a consumer group (``messaging.topic_reader``), so it never moves anyone's
committed offsets.

Every line has the same shape for its event type: each field of the envelope and of the
event's payload is printed, zeros and empty strings included (an absent ``guard_actions``
would read as "unknown", not 0). Only the payload that is set appears. The client state
leaves out `recent` and `momentum`, which the stream never fills.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

from google.protobuf.json_format import MessageToDict
from kafka.errors import KafkaError

from practicum_analytics.adapters.analyst_events import CLIENT_STATE_FIELDS
from practicum_common.messaging import topic_reader
from practicum_common.process import KafkaUnreachable, require_kafka
from practicum_common.topics import ANALYST_EVENTS
from practicum_protos.common.v1 import common_pb2
from practicum_protos.events.v1 import events_pb2

# (bootstrap, topic, *, from_beginning) -> (consumer, assigned partitions), as topic_reader.
Reader = Callable[..., tuple[Any, list[Any]]]

# ClientState fields the stream never fills (the simulator's memory): printed with their
# defaults they would read as real zeros.
_UNCOPIED_CLIENT_STATE = {f.name for f in common_pb2.ClientState.DESCRIPTOR.fields} - set(CLIENT_STATE_FIELDS)


def event_json(event: events_pb2.AnalystEvent) -> str:
    """One event as a JSON line: every field of the envelope and of the set payload, with
    its default when it is zero or empty, so rows of one event type have one shape."""
    body = MessageToDict(event, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)
    state = body.get("turn_completed", {}).get("client_state", {})
    for name in _UNCOPIED_CLIENT_STATE:
        state.pop(name, None)
    return json.dumps(body, sort_keys=True)


def erased_note(pseudonym: str) -> str:
    return (
        f"note: trainee {pseudonym} was erased (trainee.erased is on the stream): the events printed for "
        f"{pseudonym} belong to an erased trainee and must be deleted, with anything held under {pseudonym}"
    )


def print_analyst_events(
    bootstrap: str,
    *,
    from_beginning: bool = False,
    session_id: str | None = None,
    trainee_pseudonym: str | None = None,
    max_events: int = 0,
    idle_exit_s: float = 0.0,
    reader: Reader = topic_reader,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    try:
        # At once, where kafka-python would retry for its 30 s request timeout.
        require_kafka(bootstrap)
    except KafkaUnreachable:
        print(f"error: Kafka is unreachable at {bootstrap}", file=sys.stderr)
        return 1
    try:
        consumer, assigned = reader(bootstrap, ANALYST_EVENTS.name, from_beginning=from_beginning)
    except KafkaError:
        # Something listens on the port but does not answer as a broker.
        print(f"error: Kafka is unreachable at {bootstrap}", file=sys.stderr)
        return 1
    # trainee.erased is keyed by the pseudonym and session events by the session id, so
    # they sit on different partitions and the erasure can be read before the trainee's
    # session events. It is a lasting tombstone: remember every erased pseudonym and, when
    # showing one trainee or session, say at the end whether its trainee was erased.
    erased: set[str] = set()
    shown: set[str] = set()
    try:
        if not assigned:
            print(f"topic {ANALYST_EVENTS.name} does not exist on {bootstrap}", file=sys.stderr)
            return 1
        printed = 0
        # Reset by every record read, matching or not: a filter on a large topic reads many
        # records before it reaches the ones it prints.
        last_record = clock()
        while True:
            batch = consumer.poll(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    last_record = clock()
                    event = events_pb2.AnalystEvent.FromString(record.value)
                    if event.WhichOneof("payload") == "trainee_erased":
                        erased.add(event.trainee_pseudonym)
                    if session_id and event.session_id != session_id:
                        continue
                    if trainee_pseudonym and event.trainee_pseudonym != trainee_pseudonym:
                        continue
                    print(event_json(event), flush=True)
                    shown.add(event.trainee_pseudonym)
                    printed += 1
                    if max_events and printed >= max_events:
                        return 0
            if idle_exit_s and clock() - last_record >= idle_exit_s:
                return 0
    except KeyboardInterrupt:
        return 0
    finally:
        consumer.close()
        if session_id or trainee_pseudonym:
            for pseudonym in sorted(shown & erased):
                print(erased_note(pseudonym), file=sys.stderr, flush=True)
