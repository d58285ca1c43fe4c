"""Helpers for the protobuf event envelopes carried on Kafka.

Every envelope has an event id (consumers dedupe on it), a type, a schema version and
the time it occurred. Consumers decode with :func:`decode`, which turns undecodable or
incomplete payloads into :class:`~practicum_common.messaging.InvalidMessage` so they go to
the dead-letter topic rather than blocking the partition, and a payload type newer than
this build into :class:`~practicum_common.messaging.UnknownEvent`, which consumers skip.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, TypeVar

from google.protobuf.message import DecodeError, Message
from google.protobuf.timestamp_pb2 import Timestamp
from google.protobuf.unknown_fields import UnknownFieldSet

from practicum_common.messaging import InvalidMessage, UnknownEvent

SCHEMA_VERSION = 1

# Identifier fields every consumer stores in uuid columns, checked on the envelope and on
# its payload. A value that is not a UUID can never be stored, so retrying it would block
# its partition for good; it is dead-lettered instead.
UUID_FIELDS = ("organisation_id", "session_id", "trainee_id", "turn_id")
# Payloads about a trainee rather than one session: their envelope has no session_id, and
# the session ids they list (if any: the name of that field, or "") are checked instead.
TRAINEE_PAYLOADS = {"trainee_erased": "session_ids", "cohort_member_added": "", "cohort_member_removed": ""}
# More identifier fields of particular payloads. (Not in UUID_FIELDS: SessionStarted has a
# deprecated cohort_id that is never set.)
PAYLOAD_UUID_FIELDS = {"cohort_member_added": ("cohort_id",), "cohort_member_removed": ("cohort_id",)}
# Every envelope numbers its payload fields (the oneof) from 20 (protos/.../events.proto),
# so an unknown field from 20 up is a payload type newer than this build.
FIRST_PAYLOAD_FIELD = 20

M = TypeVar("M", bound=Message)


def new_event_id() -> str:
    return str(uuid.uuid4())


def timestamp(at: datetime | None = None) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(at or datetime.now(UTC))
    return ts


def decode(message_type: type[M], payload: bytes) -> M:
    """Parse ``payload``; reject it when it lacks an event id, type or payload."""
    message = message_type()
    try:
        message.ParseFromString(payload)
    except DecodeError as exc:
        raise InvalidMessage(f"undecodable {message_type.__name__}: {exc}") from exc
    envelope: Any = message
    if not envelope.event_id or not envelope.event_type:
        raise InvalidMessage(f"{message_type.__name__} without event_id or event_type")
    kind = envelope.WhichOneof("payload")
    if kind is None:
        unknown = UnknownFieldSet(message)
        if any(unknown[i].field_number >= FIRST_PAYLOAD_FIELD for i in range(len(unknown))):
            raise UnknownEvent(
                f"{message_type.__name__} {envelope.event_id} ({envelope.event_type}): "
                "a payload type newer than this build"
            )
        raise InvalidMessage(f"{message_type.__name__} {envelope.event_id} has no payload")
    about_trainee = kind in TRAINEE_PAYLOADS
    listed = TRAINEE_PAYLOADS.get(kind)
    checks: list[tuple[str, str]] = []
    for part, label in ((envelope, ""), (getattr(envelope, kind), f"{kind}.")):
        names = UUID_FIELDS if part is envelope else (*UUID_FIELDS, *PAYLOAD_UUID_FIELDS.get(kind, ()))
        for name in names:
            if name in part.DESCRIPTOR.fields_by_name and not (
                about_trainee and part is envelope and name == "session_id"
            ):
                checks.append((f"{label}{name}", getattr(part, name)))
    if listed:
        checks += [(f"{kind}.{listed}", value) for value in getattr(getattr(envelope, kind), listed)]
    for name, value in checks:
        try:
            uuid.UUID(value)
        except ValueError:
            raise InvalidMessage(
                f"{message_type.__name__} {envelope.event_id}: {name} {value!r} is not a UUID"
            ) from None
    return message


def claim_event_sql(schema: str) -> str:
    """INSERT that records an event id as processed; returns a row only the first time.

    Run it in the same transaction as the event's effects: a replayed event then finds
    its id taken and the whole handler becomes a no-op.
    """
    return (
        f'INSERT INTO "{schema}".processed_events (event_id) VALUES (%s) '
        "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
    )
