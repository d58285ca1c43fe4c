"""In-memory fakes of the session domain's ports (unit tests only)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from practicum_common.errors import Conflict, DependencyUnavailable, NotFound
from practicum_session.domain.model import (
    Assignment,
    Cohort,
    CrisisPaused,
    Erasure,
    PracticeSession,
    ReplyCompleted,
    ReplyDelta,
    ReplyEvent,
    ScenarioInfo,
    SessionStatus,
    SessionSummary,
    Trainee,
    Turn,
    TurnCode,
    TurnStatus,
)
from practicum_session.domain.pages import Position

SCENARIO = ScenarioInfo(
    scenario_id="demo",
    version=1,
    title="Demo",
    summary="",
    category="peer_support",
    difficulty="introductory",
    has_suicide_risk=False,
    behaviour_change_goal=False,
)


def _now() -> datetime:
    return datetime.now(UTC)


def _after(rows: list[Any], after: Position | None) -> list[Any]:
    """Newest first by (created_at, id), strictly after ``after``: the repository's order."""
    ordered = sorted(rows, key=lambda r: (r.created_at, uuid.UUID(r.id)), reverse=True)
    if after is None:
        return ordered
    mark = (after.created_at, uuid.UUID(after.id))
    return [r for r in ordered if (r.created_at, uuid.UUID(r.id)) < mark]


class FakeRepository:
    def __init__(self) -> None:
        self.trainees: dict[str, Trainee] = {}
        self.sessions: dict[str, PracticeSession] = {}
        self.turns: dict[str, Turn] = {}
        self.events: list[tuple[str, str]] = []
        self.reports: dict[tuple[str, str], dict[str, Any]] = {}
        self.incidents: list[dict[str, Any]] = []
        # Whether each list_turns call ran inside snapshot() (the real one is checked
        # against PostgreSQL in tests/test_erasure.py).
        self.in_snapshot = False
        self.turn_reads_in_snapshot: list[bool] = []

    async def create_trainee(self, org_id: str, external_ref: str, display_name: str | None) -> Trainee:
        if any(t.organisation_id == org_id and t.external_ref == external_ref for t in self.trainees.values()):
            raise Conflict("duplicate external_ref")
        trainee = Trainee(str(uuid.uuid4()), org_id, external_ref, display_name, _now())
        self.trainees[trainee.id] = trainee
        return trainee

    async def get_trainee(self, org_id: str, trainee_id: str) -> Trainee | None:
        t = self.trainees.get(trainee_id)
        return t if t and t.organisation_id == org_id else None

    async def list_trainees(self, org_id: str, after: Position | None, limit: int) -> list[Trainee]:
        return _after([t for t in self.trainees.values() if t.organisation_id == org_id], after)[:limit]

    async def erase_trainee(self, org_id: str, trainee_id: str, force: bool = False) -> Erasure | None:
        if await self.get_trainee(org_id, trainee_id) is None:
            return None
        del self.trainees[trainee_id]
        sessions = [sid for sid, s in self.sessions.items() if s.trainee_id == trainee_id]
        turns = [tid for tid, t in self.turns.items() if t.session_id in sessions]
        for sid in sessions:
            del self.sessions[sid]
        for tid in turns:
            del self.turns[tid]
        self.events.append(("trainee.erased", trainee_id))
        return Erasure(trainee_id, tuple(sessions), len(turns), 0)

    async def list_sessions(
        self,
        org_id: str,
        after: Position | None,
        limit: int,
        trainee_id: str | None = None,
        status: SessionStatus | None = None,
    ) -> list[PracticeSession]:
        rows = [
            s
            for s in self.sessions.values()
            if s.organisation_id == org_id
            and (trainee_id is None or s.trainee_id == trainee_id)
            and (status is None or s.status is status)
        ]
        return _after(rows, after)[:limit]

    async def create_session(
        self, org_id: str, trainee_id: str, scenario: ScenarioInfo, opening_line: str, client_state: dict[str, Any]
    ) -> PracticeSession:
        s = PracticeSession(
            str(uuid.uuid4()),
            org_id,
            trainee_id,
            scenario.scenario_id,
            scenario.version,
            scenario.title,
            opening_line,
            SessionStatus.ACTIVE,
            client_state,
            0,
            _now(),
        )
        self.sessions[s.id] = s
        self.events.append(("session.started", s.id))
        return s

    async def get_session(self, org_id: str, session_id: str) -> PracticeSession | None:
        s = self.sessions.get(session_id)
        return s if s and s.organisation_id == org_id else None

    async def get_turn_by_key(self, org_id: str, session_id: str, idempotency_key: str) -> Turn | None:
        return next(
            (
                t
                for t in self.turns.values()
                if t.organisation_id == org_id and t.session_id == session_id and t.idempotency_key == idempotency_key
            ),
            None,
        )

    async def pending_turn(self, org_id: str, session_id: str) -> Turn | None:
        return next(
            (
                t
                for t in self.turns.values()
                if t.organisation_id == org_id and t.session_id == session_id and t.status == TurnStatus.PENDING
            ),
            None,
        )

    async def accept_turn(self, session: PracticeSession, text: str, idempotency_key: str) -> Turn:
        index = 1 + sum(1 for t in self.turns.values() if t.session_id == session.id)
        turn = Turn(
            str(uuid.uuid4()),
            session.id,
            session.organisation_id,
            index,
            idempotency_key,
            TurnStatus.PENDING,
            text,
            None,
            session.opening_line,
            _now(),
        )
        self.turns[turn.id] = turn
        return turn

    async def complete_turn(self, session: PracticeSession, turn: Turn, reply: ReplyCompleted) -> Turn:
        done = replace(
            self.turns[turn.id],
            status=TurnStatus.COMPLETED,
            client_text=reply.text,
            trainee_code=reply.trainee_code,
            client_state=reply.client_state,
        )
        self.turns[turn.id] = done
        self.sessions[session.id] = replace(self.sessions[session.id], turn_count=session.turn_count + 1)
        self.events.append(("turn.completed", turn.id))
        return done

    async def record_crisis(self, session: PracticeSession, turn: Turn, pause: CrisisPaused) -> Turn:
        paused = replace(self.turns[turn.id], status=TurnStatus.CRISIS, crisis=pause)
        self.turns[turn.id] = paused
        self.sessions[session.id] = replace(self.sessions[session.id], status=SessionStatus.CRISIS_PAUSED)
        return paused

    async def end_session(self, session: PracticeSession, reason: str) -> PracticeSession:
        ended = replace(self.sessions[session.id], status=SessionStatus.ENDED, ended_at=_now())
        self.sessions[session.id] = ended
        self.events.append(("session.ended", session.id))
        return ended

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[None]:
        outer, self.in_snapshot = self.in_snapshot, True
        try:
            yield
        finally:
            self.in_snapshot = outer

    async def list_turns(
        self, org_id: str, session_id: str, statuses: tuple[TurnStatus, ...] | None = None
    ) -> list[Turn]:
        self.turn_reads_in_snapshot.append(self.in_snapshot)
        return sorted(
            (
                t
                for t in self.turns.values()
                if t.organisation_id == org_id and t.session_id == session_id and (not statuses or t.status in statuses)
            ),
            key=lambda t: t.index,
        )

    async def get_report(self, org_id: str, session_id: str) -> dict[str, Any] | None:
        return self.reports.get((org_id, session_id))

    async def safety_incidents_of(self, org_id: str, trainee_id: str) -> list[dict[str, Any]]:
        return [i for i in self.incidents if i["organisation_id"] == org_id and i["trainee_id"] == trainee_id]


class FakeSimulation:
    """Replies with a fixed text; can be told to fail (inference tier down)."""

    def __init__(self) -> None:
        self.down = False
        self.crisis = False
        self.calls: list[list[tuple[str, str]]] = []

    async def get_scenario(self, scenario_id: str, version: int = 0) -> ScenarioInfo:
        if scenario_id != SCENARIO.scenario_id:
            raise NotFound(f"scenario {scenario_id} not found")
        return SCENARIO

    async def list_scenarios(self) -> list[ScenarioInfo]:
        return [SCENARIO]

    async def start_conversation(
        self, session_id: str, org_id: str, scenario_id: str, version: int
    ) -> tuple[ScenarioInfo, str, dict[str, Any]]:
        return await self.get_scenario(scenario_id), "Hi.", {"trust": 0.3, "distress": 0.5, "resistance": 0.4}

    async def stream_reply(
        self, session: PracticeSession, history: list[tuple[str, str]], trainee_text: str, turn_id: str
    ) -> AsyncIterator[ReplyEvent]:
        self.calls.append(history)
        if self.down:
            raise DependencyUnavailable("inference tier down", retry_after=7)
        if self.crisis:
            yield CrisisPaused("paused", ())
            return
        yield ReplyDelta("I hear ")
        yield ReplyDelta("you.")
        yield ReplyCompleted(
            text="I hear you.",
            client_state={"trust": 0.4, "distress": 0.5, "resistance": 0.3},
            trainee_code=TurnCode("question", "open", 0.9, "test"),
            guard_actions=(),
            disclosed_facts=(),
            model="fake",
            time_to_first_token_ms=1.0,
            replica="fake",
        )


class FakeCohortRepository:
    """Cohorts in memory, over a FakeRepository's trainees and sessions."""

    def __init__(self, base: FakeRepository) -> None:
        self.base = base
        self.cohorts: dict[str, Cohort] = {}
        self.members: dict[str, list[str]] = {}
        self.assignments: dict[str, Assignment] = {}

    async def get_trainee(self, org_id: str, trainee_id: str) -> Trainee | None:
        return await self.base.get_trainee(org_id, trainee_id)

    async def create_cohort(self, org_id: str, cohort_id: str, name: str, description: str | None) -> Cohort:
        if any(c.organisation_id == org_id and c.name == name for c in self.cohorts.values()):
            raise Conflict(f"a cohort named {name!r} already exists")
        self.cohorts[cohort_id] = Cohort(cohort_id, org_id, name, description, _now())
        self.members[cohort_id] = []
        return self.cohorts[cohort_id]

    async def get_cohort(self, org_id: str, cohort_id: str) -> Cohort | None:
        c = self.cohorts.get(cohort_id)
        return replace(c, trainee_count=len(self.members[cohort_id])) if c and c.organisation_id == org_id else None

    async def list_cohorts(self, org_id: str, after: Position | None, limit: int) -> list[Cohort]:
        rows = [c for c in self.cohorts.values() if c.organisation_id == org_id]
        return _after(rows, after)[:limit]

    async def delete_cohort(self, org_id: str, cohort_id: str) -> bool:
        if await self.get_cohort(org_id, cohort_id) is None:
            return False
        del self.cohorts[cohort_id], self.members[cohort_id]
        self.assignments = {k: a for k, a in self.assignments.items() if a.cohort_id != cohort_id}
        return True

    def _ours(self, org_id: str, cohort_id: str) -> bool:
        c = self.cohorts.get(cohort_id)
        return c is not None and c.organisation_id == org_id

    async def add_member(self, org_id: str, cohort_id: str, trainee_id: str) -> bool:
        trainee = self.base.trainees.get(trainee_id)
        if not self._ours(org_id, cohort_id) or trainee is None or trainee.organisation_id != org_id:
            return False
        if trainee_id in self.members[cohort_id]:
            return False
        self.members[cohort_id].append(trainee_id)
        return True

    async def remove_member(self, org_id: str, cohort_id: str, trainee_id: str) -> bool:
        if not self._ours(org_id, cohort_id) or trainee_id not in self.members[cohort_id]:
            return False
        self.members[cohort_id].remove(trainee_id)
        return True

    async def list_members(self, org_id: str, cohort_id: str, after: Position | None, limit: int) -> list[Trainee]:
        if not self._ours(org_id, cohort_id):
            return []
        rows = [self.base.trainees[t] for t in self.members[cohort_id]]
        return _after(rows, after)[:limit]

    async def member_ids(self, org_id: str, cohort_id: str) -> list[str]:
        return list(self.members[cohort_id]) if self._ours(org_id, cohort_id) else []

    async def create_assignment(
        self,
        org_id: str,
        cohort_id: str,
        assignment_id: str,
        scenario_id: str,
        scenario_title: str,
        due_at: datetime | None,
    ) -> Assignment:
        if not self._ours(org_id, cohort_id):
            raise NotFound(f"cohort {cohort_id} not found")
        if any(a.cohort_id == cohort_id and a.scenario_id == scenario_id for a in self.assignments.values()):
            raise Conflict(f"scenario {scenario_id!r} is already assigned to this cohort")
        self.assignments[assignment_id] = Assignment(
            assignment_id, cohort_id, scenario_id, scenario_title, due_at, _now()
        )
        return self.assignments[assignment_id]

    async def list_assignments(self, org_id: str, cohort_id: str) -> list[Assignment]:
        if not self._ours(org_id, cohort_id):
            return []
        return sorted((a for a in self.assignments.values() if a.cohort_id == cohort_id), key=lambda a: a.created_at)

    async def delete_assignment(self, org_id: str, cohort_id: str, assignment_id: str) -> bool:
        a = self.assignments.get(assignment_id)
        if a is None or a.cohort_id != cohort_id or not self._ours(org_id, cohort_id):
            return False
        del self.assignments[assignment_id]
        return True

    async def assignments_of_trainee(self, org_id: str, trainee_id: str) -> list[Assignment]:
        cohorts = {c for c, members in self.members.items() if trainee_id in members and self._ours(org_id, c)}
        return sorted((a for a in self.assignments.values() if a.cohort_id in cohorts), key=lambda a: a.created_at)

    async def sessions_for(
        self, org_id: str, trainee_ids: list[str], scenario_ids: list[str], since: datetime
    ) -> list[SessionSummary]:
        return [
            SessionSummary(s.id, s.trainee_id, s.scenario_id, s.status, s.turn_count, s.created_at, s.ended_at)
            for s in self.base.sessions.values()
            if s.organisation_id == org_id
            and s.trainee_id in trainee_ids
            and s.scenario_id in scenario_ids
            and s.created_at >= since
        ]
