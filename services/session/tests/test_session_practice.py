"""The rules of practice sessions, against in-memory fakes of the repository and simulation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from session_fakes import FakeRepository, FakeSimulation

from practicum_common.errors import Conflict, DependencyUnavailable, InvalidInput, NotFound
from practicum_session.domain.model import ReplyDelta, SessionStatus, TurnRecorded, TurnStatus
from practicum_session.domain.practice import PendingTurnConflict, PracticeService

ORG, OTHER_ORG = "org-a", "org-b"


@pytest.fixture
def repo() -> FakeRepository:
    return FakeRepository()


@pytest.fixture
def sim() -> FakeSimulation:
    return FakeSimulation()


@pytest.fixture
def practice(repo: FakeRepository, sim: FakeSimulation) -> PracticeService:
    return PracticeService(repo, sim, max_message_chars=50)


async def _session(practice: PracticeService) -> str:
    trainee = await practice.create_trainee(ORG, "t-1", None)
    started = await practice.start_session(ORG, trainee.id, "demo")
    return started.session.id


async def _drain(practice: PracticeService, session_id: str, text: str, key: str | None = None) -> list[object]:
    session, turn = await practice.accept_turn(ORG, session_id, text, key)
    return [e async for e in practice.reply(session, turn)]


async def test_a_turn_streams_deltas_and_records_the_reply(practice: PracticeService, repo: FakeRepository) -> None:
    sid = await _session(practice)
    events = await _drain(practice, sid, "How are you doing?")
    assert [e.text for e in events if isinstance(e, ReplyDelta)] == ["I hear ", "you."]
    recorded = [e for e in events if isinstance(e, TurnRecorded)]
    assert len(recorded) == 1 and recorded[0].turn.client_text == "I hear you."
    assert ("turn.completed", recorded[0].turn.id) in repo.events


async def test_history_sent_to_the_simulation_includes_opening_line_and_earlier_turns(
    practice: PracticeService, sim: FakeSimulation
) -> None:
    sid = await _session(practice)
    await _drain(practice, sid, "first")
    await _drain(practice, sid, "second")
    assert sim.calls[1] == [("client", "Hi."), ("trainee", "first"), ("client", "I hear you.")]


@pytest.mark.parametrize(
    ("text", "field"), [("   ", "text"), ("x" * 51, "text"), ("hello\x00there", "text"), ("half \ud800 pair", "text")]
)
async def test_invalid_messages_name_the_field(practice: PracticeService, text: str, field: str) -> None:
    sid = await _session(practice)
    with pytest.raises(InvalidInput) as err:
        await practice.accept_turn(ORG, sid, text, None)
    assert err.value.field == field


async def test_inference_down_keeps_the_message_and_a_retry_completes_the_same_turn(
    practice: PracticeService, sim: FakeSimulation, repo: FakeRepository
) -> None:
    sid = await _session(practice)
    sim.down = True
    session, turn = await practice.accept_turn(ORG, sid, "Still there?", "key-1")
    with pytest.raises(DependencyUnavailable) as err:
        _ = [e async for e in practice.reply(session, turn)]
    assert err.value.retry_after == 7
    assert repo.turns[turn.id].status == TurnStatus.PENDING

    # A different message while the turn is pending would fork the transcript.
    with pytest.raises(PendingTurnConflict):
        await practice.accept_turn(ORG, sid, "Hello?", "key-2")

    sim.down = False
    events = await _drain(practice, sid, "Still there?", "key-1")
    assert any(isinstance(e, TurnRecorded) for e in events)
    turns = await repo.list_turns(ORG, sid)
    assert [(t.index, t.status) for t in turns] == [(1, TurnStatus.COMPLETED)]


async def test_retrying_a_completed_turn_replays_it_without_calling_the_simulation(
    practice: PracticeService, sim: FakeSimulation
) -> None:
    sid = await _session(practice)
    await _drain(practice, sid, "Hello", "k")
    events = await _drain(practice, sid, "Hello", "k")
    assert len(sim.calls) == 1
    assert [e.text for e in events if isinstance(e, ReplyDelta)] == ["I hear you."]


async def test_reusing_a_key_for_a_different_message_is_a_conflict(practice: PracticeService) -> None:
    sid = await _session(practice)
    await _drain(practice, sid, "Hello", "k")
    with pytest.raises(Conflict):
        await practice.accept_turn(ORG, sid, "Something else", "k")


async def test_other_organisations_get_not_found(practice: PracticeService) -> None:
    sid = await _session(practice)
    with pytest.raises(NotFound):
        await practice.get_session(OTHER_ORG, sid)
    with pytest.raises(NotFound):
        await practice.accept_turn(OTHER_ORG, sid, "hi", None)


async def test_ended_sessions_accept_no_turns_and_ending_twice_is_harmless(practice: PracticeService) -> None:
    sid = await _session(practice)
    await practice.end_session(ORG, sid)
    assert (await practice.end_session(ORG, sid)).status == SessionStatus.ENDED
    with pytest.raises(Conflict):
        await practice.accept_turn(ORG, sid, "hello?", None)


async def test_crisis_pause_stops_the_role_play(practice: PracticeService, sim: FakeSimulation) -> None:
    sid = await _session(practice)
    sim.crisis = True
    events = await _drain(practice, sid, "I'm not ok myself")
    recorded = [e for e in events if isinstance(e, TurnRecorded)]
    assert recorded[0].turn.status == TurnStatus.CRISIS
    assert (await practice.get_session(ORG, sid)).status == SessionStatus.CRISIS_PAUSED
    with pytest.raises(Conflict):
        await practice.accept_turn(ORG, sid, "and now?", None)


async def test_report_before_the_end_is_a_conflict(practice: PracticeService) -> None:
    sid = await _session(practice)
    with pytest.raises(Conflict):
        await practice.report(ORG, sid)


async def test_erasing_a_trainee_removes_their_sessions_and_only_their_organisation_can(
    practice: PracticeService, repo: FakeRepository
) -> None:
    session_id = await _session(practice)
    trainee_id = repo.sessions[session_id].trainee_id
    with pytest.raises(NotFound):
        await practice.erase_trainee("another-org", trainee_id)
    assert session_id in repo.sessions

    erasure = await practice.erase_trainee(ORG, trainee_id)
    assert erasure.session_ids == (session_id,)
    with pytest.raises(NotFound):
        await practice.get_session(ORG, session_id)
    with pytest.raises(NotFound):
        await practice.erase_trainee(ORG, trainee_id)


class FixedRetention:
    def __init__(self, longest_s: float | None) -> None:
        self.value = longest_s

    async def longest_s(self) -> float | None:
        return self.value


@pytest.mark.parametrize("longest_s", [10 * 24 * 3600.0, None])
async def test_an_erasure_says_when_the_copies_on_kafka_are_gone_when_the_broker_can_say(
    repo: FakeRepository, sim: FakeSimulation, longest_s: float | None
) -> None:
    practice = PracticeService(repo, sim, retention=FixedRetention(longest_s))
    session_id = await _session(practice)
    before = datetime.now(UTC)
    erasure = await practice.erase_trainee(ORG, repo.sessions[session_id].trainee_id)
    assert erasure.session_ids == (session_id,)
    if longest_s is None:
        assert erasure.event_copies_deleted_by is None  # unknown or never: not guessed
    else:
        assert erasure.event_copies_deleted_by is not None
        waited = (erasure.event_copies_deleted_by - before).total_seconds()
        assert longest_s <= waited < longest_s + 60


async def test_a_trainee_export_holds_every_session_oldest_first_with_turns_report_and_incidents(
    practice: PracticeService, repo: FakeRepository
) -> None:
    trainee = await practice.create_trainee(ORG, "t-export", None)
    other = await practice.create_trainee(ORG, "t-other", None)
    sessions = []
    for text in ("first question?", "second question?", "third question?"):
        started = await practice.start_session(ORG, trainee.id, "demo")
        session, turn = await practice.accept_turn(ORG, started.session.id, text, None)
        [e async for e in practice.reply(session, turn)]
        sessions.append(started.session.id)
    await practice.start_session(ORG, other.id, "demo")  # someone else's session
    repo.reports[(ORG, sessions[0])] = {"summary": {"reflections": 0}}
    incident = {"organisation_id": ORG, "trainee_id": trainee.id, "id": "i-1", "kind": "trainee_distress"}
    repo.incidents += [incident, {**incident, "trainee_id": other.id, "id": "i-2"}]

    # A page size of 2 makes the export page through the sessions.
    repo.turn_reads_in_snapshot.clear()
    export = await practice.export_trainee(ORG, trainee.id, page_size=2)
    assert repo.turn_reads_in_snapshot == [True, True, True], "every session's turns read in one snapshot"

    assert export.trainee == trainee
    assert [r.session.id for r in export.sessions] == sessions
    assert [[t.trainee_text for t in r.turns] for r in export.sessions] == [
        ["first question?"],
        ["second question?"],
        ["third question?"],
    ]
    assert [r.report for r in export.sessions] == [{"summary": {"reflections": 0}}, None, None]
    assert [i["id"] for i in export.safety_incidents] == ["i-1"]


async def test_another_organisation_cannot_export_a_trainee(practice: PracticeService) -> None:
    trainee = await practice.create_trainee(ORG, "t-private", None)
    with pytest.raises(NotFound):
        await practice.export_trainee(OTHER_ORG, trainee.id)
