"""The analyst-stream reader (`python -m practicum_analytics analyst-events`), against a fake topic."""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from kafka.errors import KafkaTimeoutError

from practicum_analytics.adapters.analyst_events import CLIENT_STATE_FIELDS, from_session_event
from practicum_analytics.domain.aggregates import pseudonym
from practicum_analytics.entrypoints.analyst_reader import print_analyst_events
from practicum_protos.common.v1 import common_pb2
from practicum_protos.events.v1 import events_pb2

ORG = str(uuid.uuid4())
ERASED, OTHER = "t_00000000000000e1", "t_0000000000000002"
ERASED_SESSION, OTHER_SESSION = str(uuid.uuid4()), str(uuid.uuid4())


@dataclass
class Record:
    value: bytes


@dataclass
class FakeClock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class FakeTopic:
    """Hands out one batch per poll, then empty polls; each poll takes ``poll_s`` of the clock."""

    batches: list[list[events_pb2.AnalystEvent]]
    clock: FakeClock = field(default_factory=FakeClock)
    poll_s: float = 3.0
    polls: int = 0
    closed: bool = False

    def poll(self, timeout_ms: int) -> dict[str, list[Record]]:
        self.polls += 1
        assert self.polls < 50, "the reader never stopped"
        self.clock.now += self.poll_s
        if not self.batches:
            return {}
        return {"tp": [Record(e.SerializeToString()) for e in self.batches.pop(0)]}

    def close(self) -> None:
        self.closed = True

    def reader(self, bootstrap: str, topic: str, *, from_beginning: bool) -> tuple[FakeTopic, list[str]]:
        return self, ["tp"]


@pytest.fixture
def broker() -> Iterator[str]:
    """Something listening, so the reachability check passes; the records come from FakeTopic."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield f"127.0.0.1:{server.getsockname()[1]}"


def _event(event_type: str, trainee: str, session_id: str = "", **payload: Any) -> events_pb2.AnalystEvent:
    event = events_pb2.AnalystEvent(
        event_id=str(uuid.uuid4()),
        event_type=event_type,
        schema_version=1,
        organisation_id=ORG,
        session_id=session_id,
        trainee_pseudonym=trainee,
        **payload,
    )
    event.occurred_at.GetCurrentTime()
    return event


def _started(trainee: str, session_id: str) -> events_pb2.AnalystEvent:
    return _event("session.started", trainee, session_id, session_started={"scenario_id": "s", "scenario_version": 1})


def _turn(trainee: str, session_id: str, guard_actions: int = 0) -> events_pb2.AnalystEvent:
    completed = {"turn_index": 1, "guard_actions": guard_actions, "client_state": {"trust": 0.5}}
    return _event("turn.completed", trainee, session_id, turn_completed=completed)


def _erased(trainee: str) -> events_pb2.AnalystEvent:
    return _event("trainee.erased", trainee, trainee_erased=events_pb2.AnalystTraineeErased())


def _read(topic: FakeTopic, bootstrap: str, **filters: Any) -> int:
    return print_analyst_events(bootstrap, reader=topic.reader, clock=topic.clock, **filters)


def _lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def test_the_idle_timer_counts_every_record_read_not_only_the_printed_ones(
    broker: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Three polls of other sessions' records (9 s of the fake clock) before the one asked
    # for: with a 5 s idle limit measured from the last *printed* event it gave up first.
    others = [[_turn(OTHER, OTHER_SESSION)] for _ in range(3)]
    topic = FakeTopic([*others, [_started(ERASED, ERASED_SESSION)]])
    assert _read(topic, broker, session_id=ERASED_SESSION, idle_exit_s=5) == 0
    assert [e["session_id"] for e in _lines(capsys.readouterr().out)] == [ERASED_SESSION]
    assert topic.polls == 4 + 2 and topic.closed  # then two empty polls: 6 s without a record


def test_an_unreachable_broker_is_one_line_and_quick(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
    # Nothing listens on the port now; the reader must not even build a Kafka client.
    started = time.monotonic()
    rc = print_analyst_events(f"127.0.0.1:{port}", reader=lambda *a, **k: pytest.fail("built a client"))
    assert rc == 1 and time.monotonic() - started < 3
    assert capsys.readouterr() == ("", f"error: Kafka is unreachable at 127.0.0.1:{port}\n")


def test_a_listener_that_is_no_broker_is_the_same_one_line(broker: str, capsys: pytest.CaptureFixture[str]) -> None:
    def timing_out(*_: object, **__: object) -> tuple[Any, list[Any]]:
        raise KafkaTimeoutError("Failed to update metadata after 30.0 secs.")

    assert print_analyst_events(broker, reader=timing_out) == 1
    assert capsys.readouterr() == ("", f"error: Kafka is unreachable at {broker}\n")


def test_every_payload_field_is_printed_with_its_default_and_only_the_set_payload(
    broker: str, capsys: pytest.CaptureFixture[str]
) -> None:
    reported = _event("session.reported", OTHER, OTHER_SESSION, session_reported={"grader_version": "g"})
    added = _event("cohort.member_added", OTHER, cohort_member_added={"cohort_id": str(uuid.uuid4())})
    topic = FakeTopic([[_turn(OTHER, OTHER_SESSION, guard_actions=0), reported, added, _erased(ERASED)]])
    assert _read(topic, broker, idle_exit_s=5) == 0
    turn, report, member, erased = _lines(capsys.readouterr().out)
    envelope = {"event_id", "event_type", "schema_version", "occurred_at", "organisation_id", "session_id"}
    for line, payload in ((turn, "turn_completed"), (report, "session_reported"), (member, "cohort_member_added")):
        assert set(line) == {*envelope, "trainee_pseudonym", payload}, line
    assert set(erased) == {*envelope, "trainee_pseudonym", "trainee_erased"} and erased["trainee_erased"] == {}
    assert member["session_id"] == erased["session_id"] == ""
    assert member["cohort_member_added"]["cohort_deleted"] is False
    assert turn["turn_completed"]["guard_actions"] == 0
    # The client state the stream carries, zeros included; not the simulator's memory.
    assert set(turn["turn_completed"]["client_state"]) == set(CLIENT_STATE_FIELDS)
    assert turn["turn_completed"]["client_state"]["distress"] == 0
    names = {f.name for f in events_pb2.SessionReported.DESCRIPTOR.fields}
    assert set(report["session_reported"]) == names
    assert report["session_reported"]["mi_adherent"] == 0 and report["session_reported"]["objective_checks"] == []


def test_the_builder_copies_exactly_the_client_state_fields_the_reader_prints() -> None:
    full = common_pb2.ClientState(
        trust=0.1,
        distress=0.2,
        resistance=0.3,
        stage_of_change="contemplation",
        disclosed_facts=["f"],
        recent=["question"],
        momentum=0.4,
    )
    source = events_pb2.SessionEvent(
        event_id=str(uuid.uuid4()),
        session_id=OTHER_SESSION,
        trainee_id=str(uuid.uuid4()),
        turn_completed=events_pb2.TurnCompleted(turn_index=1, client_state=full),
    )
    out = from_session_event(source, b"k")
    assert out is not None
    assert [f.name for f, _ in out.turn_completed.client_state.ListFields()] == list(CLIENT_STATE_FIELDS)
    assert out.trainee_pseudonym == pseudonym(b"k", source.trainee_id)


# The order observed on the stream: the erasure is keyed by the pseudonym, the session's
# events by the session id, so a reader from the beginning can meet the erasure first.
def _stream() -> list[list[events_pb2.AnalystEvent]]:
    joined = _event("cohort.member_added", ERASED, cohort_member_added={"cohort_id": str(uuid.uuid4())})
    return [
        [joined, _erased(ERASED)],
        [_started(ERASED, ERASED_SESSION), _started(OTHER, OTHER_SESSION)],
        [_turn(ERASED, ERASED_SESSION), _turn(OTHER, OTHER_SESSION)],
    ]


NOTE = "note: trainee t_00000000000000e1 was erased"


@pytest.mark.parametrize(
    ("filters", "printed"),
    [
        ({"session_id": ERASED_SESSION}, ["session.started", "turn.completed"]),
        ({"trainee_pseudonym": ERASED}, ["cohort.member_added", "trainee.erased", "session.started", "turn.completed"]),
    ],
)
def test_a_filtered_read_says_when_its_trainee_was_erased_even_if_the_erasure_came_first(
    broker: str, capsys: pytest.CaptureFixture[str], filters: dict[str, str], printed: list[str]
) -> None:
    assert _read(FakeTopic(_stream()), broker, idle_exit_s=5, **filters) == 0
    out, err = capsys.readouterr()
    assert [e["event_type"] for e in _lines(out)] == printed
    [note] = err.splitlines()
    assert note.startswith(NOTE) and "must be deleted" in note


@pytest.mark.parametrize("filters", [{"session_id": OTHER_SESSION}, {"trainee_pseudonym": OTHER}, {}])
def test_no_erasure_note_for_a_trainee_who_was_not_erased_or_without_a_filter(
    broker: str, capsys: pytest.CaptureFixture[str], filters: dict[str, str]
) -> None:
    assert _read(FakeTopic(_stream()), broker, idle_exit_s=5, **filters) == 0
    out, err = capsys.readouterr()
    assert out and err == ""
