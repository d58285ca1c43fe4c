"""What the domain needs from the outside world, as protocols.

The PostgreSQL repository and the gRPC simulation client implement these; unit tests
use in-memory fakes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

from practicum_session.domain.model import (
    Assignment,
    Cohort,
    CrisisPaused,
    Erasure,
    PracticeSession,
    ReplyCompleted,
    ReplyEvent,
    ScenarioInfo,
    SessionStatus,
    SessionSummary,
    Trainee,
    Turn,
    TurnStatus,
)
from practicum_session.domain.pages import Position


class SessionRepository(Protocol):
    async def create_trainee(self, org_id: str, external_ref: str, display_name: str | None) -> Trainee: ...

    async def get_trainee(self, org_id: str, trainee_id: str) -> Trainee | None: ...

    async def list_trainees(self, org_id: str, after: Position | None, limit: int) -> list[Trainee]:
        """Up to ``limit`` trainees after ``after``, newest first (created_at, then id)."""
        ...

    async def erase_trainee(self, org_id: str, trainee_id: str, force: bool = False) -> Erasure | None:
        """Delete the trainee and everything recorded about them, and announce it to the
        other services (``trainee.erased``); None when the organisation has no such trainee.
        Conflict while a safety incident of theirs is unacknowledged, unless ``force``."""
        ...

    async def list_sessions(
        self,
        org_id: str,
        after: Position | None,
        limit: int,
        trainee_id: str | None = None,
        status: SessionStatus | None = None,
    ) -> list[PracticeSession]:
        """Up to ``limit`` sessions after ``after``, newest first, optionally filtered."""
        ...

    async def create_session(
        self,
        org_id: str,
        trainee_id: str,
        scenario: ScenarioInfo,
        opening_line: str,
        client_state: dict[str, Any],
    ) -> PracticeSession: ...

    async def get_session(self, org_id: str, session_id: str) -> PracticeSession | None: ...

    async def get_turn_by_key(self, org_id: str, session_id: str, idempotency_key: str) -> Turn | None: ...

    async def pending_turn(self, org_id: str, session_id: str) -> Turn | None: ...

    async def accept_turn(self, session: PracticeSession, text: str, idempotency_key: str) -> Turn:
        """Store a pending trainee turn; returns the existing turn on a key collision."""
        ...

    async def complete_turn(self, session: PracticeSession, turn: Turn, reply: ReplyCompleted) -> Turn:
        """Store the reply, the new client state and the outbox event in one transaction."""
        ...

    async def record_crisis(self, session: PracticeSession, turn: Turn, pause: CrisisPaused) -> Turn: ...

    async def end_session(self, session: PracticeSession, reason: str) -> PracticeSession: ...

    async def list_turns(
        self, org_id: str, session_id: str, statuses: tuple[TurnStatus, ...] | None = None
    ) -> list[Turn]: ...

    async def get_report(self, org_id: str, session_id: str) -> dict[str, Any] | None: ...

    async def safety_incidents_of(self, org_id: str, trainee_id: str) -> list[dict[str, Any]]:
        """Every safety incident of the trainee, oldest first."""
        ...

    def snapshot(self) -> AbstractAsyncContextManager[None]:
        """A block whose reads all see one consistent state of the data (read only)."""
        ...


class CohortRepository(Protocol):
    """Cohorts, their members and assignments, each statement scoped to the organisation
    (a cohort of another organisation matches nothing)."""

    async def get_trainee(self, org_id: str, trainee_id: str) -> Trainee | None: ...

    async def create_cohort(self, org_id: str, cohort_id: str, name: str, description: str | None) -> Cohort:
        """Conflict when the organisation already has a cohort of that name."""
        ...

    async def get_cohort(self, org_id: str, cohort_id: str) -> Cohort | None: ...

    async def list_cohorts(self, org_id: str, after: Position | None, limit: int) -> list[Cohort]: ...

    async def delete_cohort(self, org_id: str, cohort_id: str) -> bool:
        """Delete the cohort; announce each member's removal (cohort.member_removed)."""
        ...

    async def add_member(self, org_id: str, cohort_id: str, trainee_id: str) -> bool:
        """True, and cohort.member_added announced, only when the trainee was not a member."""
        ...

    async def remove_member(self, org_id: str, cohort_id: str, trainee_id: str) -> bool:
        """True, and cohort.member_removed announced, only when the trainee was a member."""
        ...

    async def list_members(self, org_id: str, cohort_id: str, after: Position | None, limit: int) -> list[Trainee]:
        """Members newest trainee first (the trainees' created_at, then id)."""
        ...

    async def member_ids(self, org_id: str, cohort_id: str) -> list[str]: ...

    async def create_assignment(
        self,
        org_id: str,
        cohort_id: str,
        assignment_id: str,
        scenario_id: str,
        scenario_title: str,
        due_at: datetime | None,
    ) -> Assignment:
        """Conflict when the scenario is already assigned to the cohort."""
        ...

    async def list_assignments(self, org_id: str, cohort_id: str) -> list[Assignment]: ...

    async def delete_assignment(self, org_id: str, cohort_id: str, assignment_id: str) -> bool: ...

    async def assignments_of_trainee(self, org_id: str, trainee_id: str) -> list[Assignment]: ...

    async def sessions_for(
        self, org_id: str, trainee_ids: list[str], scenario_ids: list[str], since: datetime
    ) -> list[SessionSummary]:
        """Sessions of these trainees and scenarios created at or after ``since``."""
        ...


class SimulationGateway(Protocol):
    async def get_scenario(self, scenario_id: str, version: int = 0) -> ScenarioInfo: ...

    async def list_scenarios(self) -> list[ScenarioInfo]: ...

    async def start_conversation(
        self, session_id: str, org_id: str, scenario_id: str, version: int
    ) -> tuple[ScenarioInfo, str, dict[str, Any]]: ...

    def stream_reply(
        self,
        session: PracticeSession,
        history: list[tuple[str, str]],
        trainee_text: str,
        turn_id: str,
    ) -> AsyncIterator[ReplyEvent]: ...


class EventRetention(Protocol):
    async def longest_s(self) -> float | None:
        """At most how many seconds a record written now stays on the topics that carry
        trainee text before the broker deletes it; None when unknown or unlimited."""
        ...


class FeedbackWaiter(Protocol):
    async def wait(self, turn_id: str, timeout_s: float) -> bool:
        """True once the turn's grade is stored, False on timeout."""
        ...
