"""Practice sessions: start, take turns, end.

This module decides *what* happens to a trainee turn; the repository stores it and the
simulation gateway produces the reply. The rules that matter for partners:

* A trainee message is stored (as a pending turn) before the simulation is asked for a
  reply, so a failing inference tier never loses it.
* Every turn has an idempotency key (the client's ``Idempotency-Key`` or one we make up
  and return). Retrying a pending turn with its key completes that same turn; retrying a
  completed turn replays the stored reply. Nothing is ever recorded twice.
* A new message while another turn is still pending is refused (409) with the pending
  turn's key, so the transcript cannot fork.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from practicum_common.errors import Conflict, InvalidInput, NotFound
from practicum_session.domain.model import (
    CrisisPaused,
    Erasure,
    PracticeSession,
    ReplyCompleted,
    ReplyDelta,
    ReplyReset,
    ScenarioInfo,
    SessionRecord,
    SessionStatus,
    StartedSession,
    Trainee,
    TraineeExport,
    Turn,
    TurnEvent,
    TurnFeedback,
    TurnRecorded,
    TurnStatus,
)
from practicum_session.domain.pages import Page, Position, decode_cursor, page_from, validate_limit
from practicum_session.domain.ports import EventRetention, FeedbackWaiter, SessionRepository, SimulationGateway

MAX_IDEMPOTENCY_KEY_CHARS = 128


class PendingTurnConflict(Conflict):
    def __init__(self, turn: Turn) -> None:
        super().__init__(
            f"turn {turn.id} is still pending; retry it with Idempotency-Key "
            f"{turn.idempotency_key!r} before sending a new message"
        )
        self.turn = turn


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored or coded, or None: PostgreSQL text refuses U+0000 and
    unpaired UTF-16 surrogates (which JSON can carry as "\ud800")."""
    if "\x00" in text:
        return "must not contain NUL (U+0000) characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode (it contains an unpaired surrogate)"
    return None


def validate_message(text: str, max_chars: int) -> str:
    """The message as stored; raises InvalidInput naming the field."""
    stripped = text.strip()
    if not stripped:
        raise InvalidInput("text", "must not be empty")
    if len(text) > max_chars:
        raise InvalidInput("text", f"must be at most {max_chars} characters (got {len(text)})")
    problem = text_problem(text)
    if problem:
        raise InvalidInput("text", problem)
    return stripped


def validate_idempotency_key(key: str | None) -> str:
    if key is None:
        return str(uuid.uuid4())
    key = key.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY_CHARS or not key.isprintable():
        raise InvalidInput("Idempotency-Key", f"must be 1-{MAX_IDEMPOTENCY_KEY_CHARS} printable characters")
    return key


class PracticeService:
    def __init__(
        self,
        repo: SessionRepository,
        simulation: SimulationGateway,
        feedback: FeedbackWaiter | None = None,
        max_message_chars: int = 2000,
        retention: EventRetention | None = None,
    ) -> None:
        self._repo = repo
        self._simulation = simulation
        self._feedback = feedback
        self._max_message_chars = max_message_chars
        self._retention = retention

    # --- trainees -------------------------------------------------------------------

    async def create_trainee(self, org_id: str, external_ref: str, display_name: str | None) -> Trainee:
        return await self._repo.create_trainee(org_id, external_ref, display_name)

    async def get_trainee(self, org_id: str, trainee_id: str) -> Trainee:
        trainee = await self._repo.get_trainee(org_id, trainee_id)
        if trainee is None:
            raise NotFound(f"trainee {trainee_id} not found")
        return trainee

    async def erase_trainee(self, org_id: str, trainee_id: str, force: bool = False) -> Erasure:
        erasure = await self._repo.erase_trainee(org_id, trainee_id, force)
        if erasure is None:
            raise NotFound(f"trainee {trainee_id} not found")
        # Records already on Kafka cannot be erased; the organisation can at least tell the
        # trainee when the last of them will be gone (every one was written before now).
        longest_s = await self._retention.longest_s() if self._retention is not None else None
        if longest_s is None:
            return erasure
        return replace(erasure, event_copies_deleted_by=datetime.now(UTC) + timedelta(seconds=longest_s))

    def snapshot(self) -> AbstractAsyncContextManager[None]:
        """A block whose reads (through this service or another on the same repository)
        all see one consistent state of the data; read only."""
        return self._repo.snapshot()

    async def export_trainee(self, org_id: str, trainee_id: str, page_size: int = 100) -> TraineeExport:
        """Everything this service holds about one trainee, for the organisation to answer
        the trainee's request for their data: the record, every session with its turns
        (transcript, codes, grades, feedback) and report, and their safety incidents.
        All of it is read from one snapshot, so a session under way while the export runs
        appears as it stood at one moment (never a turn without the session, or a report
        counting turns the export lacks)."""
        async with self._repo.snapshot():
            trainee = await self.get_trainee(org_id, trainee_id)
            records: list[SessionRecord] = []
            after: Position | None = None
            while True:
                rows = await self._repo.list_sessions(org_id, after, page_size + 1, trainee_id)
                for session in rows[:page_size]:
                    turns = await self._repo.list_turns(org_id, session.id)
                    report = await self._repo.get_report(org_id, session.id)
                    records.append(SessionRecord(session, tuple(turns), report))
                if len(rows) <= page_size:
                    break
                after = Position(rows[page_size - 1].created_at, rows[page_size - 1].id)
            incidents = await self._repo.safety_incidents_of(org_id, trainee.id)
        return TraineeExport(trainee, tuple(reversed(records)), tuple(incidents))

    # --- scenarios and sessions -----------------------------------------------------

    async def list_trainees(self, org_id: str, cursor: str | None, limit: int) -> Page[Trainee]:
        limit = validate_limit(limit)
        rows = await self._repo.list_trainees(org_id, decode_cursor(cursor), limit + 1)
        return page_from(rows, limit, lambda t: Position(t.created_at, t.id))

    async def list_sessions(
        self,
        org_id: str,
        cursor: str | None,
        limit: int,
        trainee_id: str | None = None,
        status: str | None = None,
    ) -> Page[PracticeSession]:
        limit = validate_limit(limit)
        after = decode_cursor(cursor)
        if trainee_id is not None:
            await self.get_trainee(org_id, trainee_id)  # 404 for a trainee of another organisation
        try:
            wanted = SessionStatus(status) if status is not None else None
        except ValueError:
            allowed = ", ".join(s.value for s in SessionStatus)
            raise InvalidInput("status", f"must be one of {allowed} (got {status!r})") from None
        rows = await self._repo.list_sessions(org_id, after, limit + 1, trainee_id, wanted)
        return page_from(rows, limit, lambda s: Position(s.created_at, s.id))

    async def scenarios(self) -> list[ScenarioInfo]:
        return await self._simulation.list_scenarios()

    async def start_session(self, org_id: str, trainee_id: str, scenario_id: str, version: int = 0) -> StartedSession:
        await self.get_trainee(org_id, trainee_id)
        session_id = str(uuid.uuid4())
        scenario, opening_line, state = await self._simulation.start_conversation(
            session_id, org_id, scenario_id, version
        )
        session = await self._repo.create_session(org_id, trainee_id, scenario, opening_line, state)
        return StartedSession(session=session, scenario=scenario, opening_line=opening_line, client_state=state)

    async def get_session(self, org_id: str, session_id: str) -> PracticeSession:
        session = await self._repo.get_session(org_id, session_id)
        if session is None:
            raise NotFound(f"session {session_id} not found")
        return session

    async def end_session(self, org_id: str, session_id: str) -> PracticeSession:
        session = await self.get_session(org_id, session_id)
        if session.status == SessionStatus.ENDED:
            return session  # ending twice is a no-op, not an error
        return await self._repo.end_session(session, "completed")

    async def transcript(self, org_id: str, session_id: str) -> tuple[PracticeSession, list[Turn]]:
        session = await self.get_session(org_id, session_id)
        return session, await self._repo.list_turns(org_id, session_id)

    async def report(self, org_id: str, session_id: str) -> dict[str, Any]:
        session = await self.get_session(org_id, session_id)
        report = await self._repo.get_report(org_id, session.id)
        if report is None:
            if session.status != SessionStatus.ENDED:
                raise Conflict("the report is produced after the session ends")
            raise NotFound(f"the report for session {session_id} is not ready yet")
        return report

    # --- turns ----------------------------------------------------------------------

    async def accept_turn(
        self, org_id: str, session_id: str, text: str, idempotency_key: str | None
    ) -> tuple[PracticeSession, Turn]:
        """Validate and store the trainee message (or find the turn it retries)."""
        session = await self.get_session(org_id, session_id)
        key = validate_idempotency_key(idempotency_key)
        message = validate_message(text, self._max_message_chars)
        existing = await self._repo.get_turn_by_key(org_id, session_id, key)
        if existing is not None:
            if existing.trainee_text != message:
                raise Conflict(f"Idempotency-Key {key!r} was already used for a different message")
            return session, existing
        if session.status != SessionStatus.ACTIVE:
            raise Conflict(f"session {session_id} is {session.status.value}; no further turns are accepted")
        pending = await self._repo.pending_turn(org_id, session_id)
        if pending is not None:
            raise PendingTurnConflict(pending)
        return session, await self._repo.accept_turn(session, message, key)

    async def reply(
        self, session: PracticeSession, turn: Turn, wait_feedback_s: float = 0.0
    ) -> AsyncIterator[TurnEvent]:
        """Produce (or replay) the client's reply to an accepted turn.

        Raises DependencyUnavailable before the first event when the simulation or the
        inference tier is down; the pending turn stays stored for a retry.
        """
        if turn.status != TurnStatus.PENDING:
            async for replayed in self._replay(turn):
                yield replayed
            return
        history = await self._history(session)
        async for event in self._simulation.stream_reply(session, history, turn.trainee_text, turn.id):
            if isinstance(event, ReplyDelta | ReplyReset):
                yield event
            elif isinstance(event, ReplyCompleted):
                recorded = await self._repo.complete_turn(session, turn, event)
                yield TurnRecorded(recorded)
                if wait_feedback_s > 0 and self._feedback is not None:
                    feedback = await self._await_feedback(session, recorded.id, wait_feedback_s)
                    if feedback is not None:
                        yield feedback
                return
            elif isinstance(event, CrisisPaused):
                paused = await self._repo.record_crisis(session, turn, event)
                yield event
                yield TurnRecorded(paused)
                return

    async def _replay(self, turn: Turn) -> AsyncIterator[TurnEvent]:
        if turn.status == TurnStatus.COMPLETED:
            yield ReplyDelta(turn.client_text or "")
            yield TurnRecorded(turn)
            if turn.grade is not None and turn.feedback is not None:
                yield TurnFeedback(turn.id, turn.grade, turn.feedback)
        elif turn.status == TurnStatus.CRISIS and turn.crisis is not None:
            yield turn.crisis
            yield TurnRecorded(turn)

    async def _history(self, session: PracticeSession) -> list[tuple[str, str]]:
        turns = await self._repo.list_turns(session.organisation_id, session.id, (TurnStatus.COMPLETED,))
        history: list[tuple[str, str]] = [("client", session.opening_line)]
        for t in turns:
            history.append(("trainee", t.trainee_text))
            history.append(("client", t.client_text or ""))
        return history

    async def _await_feedback(self, session: PracticeSession, turn_id: str, timeout_s: float) -> TurnFeedback | None:
        assert self._feedback is not None
        if not await self._feedback.wait(turn_id, timeout_s):
            return None
        for t in await self._repo.list_turns(session.organisation_id, session.id, (TurnStatus.COMPLETED,)):
            if t.id == turn_id and t.grade is not None:
                return TurnFeedback(t.id, t.grade, t.feedback or "")
        return None
