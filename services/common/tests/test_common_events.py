"""Event decoding: what can never be processed is an InvalidMessage (dead-lettered), not a retry."""

from __future__ import annotations

import uuid

import pytest

from practicum_common.events import decode, new_event_id, timestamp
from practicum_common.messaging import InvalidMessage, UnknownEvent
from practicum_protos.events.v1 import events_pb2


def _turn_event(**overrides: str) -> events_pb2.SessionEvent:
    ids = {
        "organisation_id": str(uuid.uuid4()),
        "session_id": str(uuid.uuid4()),
        "trainee_id": str(uuid.uuid4()),
    }
    turn_id = overrides.pop("turn_id", str(uuid.uuid4()))
    ids.update(overrides)
    event = events_pb2.SessionEvent(
        event_id=new_event_id(), event_type="turn.completed", schema_version=1, occurred_at=timestamp(), **ids
    )
    event.turn_completed.turn_id = turn_id
    event.turn_completed.turn_index = 1
    event.turn_completed.trainee_text = "What brings you in?"
    return event


def test_a_well_formed_event_decodes() -> None:
    event = _turn_event()
    decoded = decode(events_pb2.SessionEvent, event.SerializeToString())
    assert decoded.turn_completed.turn_id == event.turn_completed.turn_id


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"trainee_id": ""}, "trainee_id ''"),
        ({"organisation_id": "acme"}, "organisation_id 'acme'"),
        ({"session_id": "12"}, "session_id '12'"),
        ({"turn_id": "t-1"}, "turn_completed.turn_id 't-1'"),
    ],
)
def test_identifiers_that_are_not_uuids_are_invalid_and_named(overrides: dict[str, str], named: str) -> None:
    # These used to reach the consumers' uuid columns, fail there, and be retried forever,
    # blocking every later record of their partition.
    payload = _turn_event(**overrides).SerializeToString()
    with pytest.raises(InvalidMessage, match=named):
        decode(events_pb2.SessionEvent, payload)


def test_undecodable_and_payload_less_events_are_invalid() -> None:
    with pytest.raises(InvalidMessage, match="undecodable"):
        decode(events_pb2.SessionEvent, b"\xff\xff\xff")
    empty = events_pb2.SessionEvent(event_id=new_event_id(), event_type="turn.completed")
    with pytest.raises(InvalidMessage, match="no payload"):
        decode(events_pb2.SessionEvent, empty.SerializeToString())


def _erased_event(session_ids: list[str], trainee_id: str | None = None) -> bytes:
    event = events_pb2.SessionEvent(
        event_id=new_event_id(),
        event_type="trainee.erased",
        schema_version=1,
        occurred_at=timestamp(),
        organisation_id=str(uuid.uuid4()),
        trainee_id=trainee_id or str(uuid.uuid4()),
    )
    event.trainee_erased.session_ids.extend(session_ids)
    return event.SerializeToString()


def test_trainee_erased_has_no_session_but_its_listed_sessions_and_trainee_are_checked() -> None:
    sessions = [str(uuid.uuid4()), str(uuid.uuid4())]
    assert list(decode(events_pb2.SessionEvent, _erased_event(sessions)).trainee_erased.session_ids) == sessions
    assert decode(events_pb2.SessionEvent, _erased_event([])).session_id == ""
    with pytest.raises(InvalidMessage, match=r"trainee_erased\.session_ids 's-2'"):
        decode(events_pb2.SessionEvent, _erased_event([sessions[0], "s-2"]))
    with pytest.raises(InvalidMessage, match="trainee_id 'bob'"):
        decode(events_pb2.SessionEvent, _erased_event([], trainee_id="bob"))


def _membership_event(cohort_id: str, trainee_id: str, added: bool) -> bytes:
    event = events_pb2.SessionEvent(
        event_id=new_event_id(),
        event_type="cohort.member_added" if added else "cohort.member_removed",
        schema_version=1,
        occurred_at=timestamp(),
        organisation_id=str(uuid.uuid4()),
        trainee_id=trainee_id,
    )
    (event.cohort_member_added if added else event.cohort_member_removed).cohort_id = cohort_id
    return event.SerializeToString()


@pytest.mark.parametrize("added", [True, False])
def test_cohort_membership_has_no_session_but_its_cohort_and_trainee_are_checked(added: bool) -> None:
    cohort, trainee = str(uuid.uuid4()), str(uuid.uuid4())
    decoded = decode(events_pb2.SessionEvent, _membership_event(cohort, trainee, added))
    assert (decoded.session_id, decoded.trainee_id) == ("", trainee)
    kind = "cohort_member_added" if added else "cohort_member_removed"
    with pytest.raises(InvalidMessage, match=rf"{kind}\.cohort_id 'spring'"):
        decode(events_pb2.SessionEvent, _membership_event("spring", trainee, added))
    with pytest.raises(InvalidMessage, match="trainee_id ''"):
        decode(events_pb2.SessionEvent, _membership_event(cohort, "", added))


def test_a_payload_type_newer_than_this_build_is_unknown_not_invalid() -> None:
    # A newer producer's event type arrives as an unknown field numbered from 20: decoded
    # by a GradeEvent (whose payloads stop at 21), field 24 stands in for it.
    newer = events_pb2.SessionEvent.FromString(
        _membership_event(str(uuid.uuid4()), str(uuid.uuid4()), added=True)
    ).SerializeToString()
    with pytest.raises(UnknownEvent, match=r"cohort\.member_added.*newer than this build"):
        decode(events_pb2.GradeEvent, newer)
    # An envelope with nothing from 20 up is still invalid.
    with pytest.raises(InvalidMessage, match="no payload"):
        decode(
            events_pb2.GradeEvent, events_pb2.GradeEvent(event_id=new_event_id(), event_type="x").SerializeToString()
        )


def test_session_started_decodes_with_its_deprecated_cohort_id_unset() -> None:
    event = events_pb2.SessionEvent(
        event_id=new_event_id(),
        event_type="session.started",
        organisation_id=str(uuid.uuid4()),
        session_id=str(uuid.uuid4()),
        trainee_id=str(uuid.uuid4()),
    )
    event.session_started.opening_line = "Hey."
    event.session_started.cohort_ids.append(str(uuid.uuid4()))
    assert decode(events_pb2.SessionEvent, event.SerializeToString()).session_started.opening_line == "Hey."
