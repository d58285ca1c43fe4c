"""Cohorts and assignments: what a training programme asks its trainees to practise.

A partner groups trainees into cohorts (an intake, a class, a shift; a trainee may be in
several) and assigns scenarios to a cohort, optionally with a due date. Progress is not
stored: it is read from the sessions themselves, so it can never disagree with them.

The rule (``progress``), for one trainee and one assignment, counting only sessions of
the assigned scenario started at or after the assignment was made:

* **completed** by the first such session that *ended* with at least one completed
  turn (ending a session without saying anything is not practice);
* **in_progress** while such a session is active, or was paused because the trainee
  wrote as themselves in distress (the practice did not finish, and nothing about the
  pause should read as a failure);
* **not_started** otherwise.

``overdue``: not completed, and the due date has passed. A late completion is
completed, not overdue; ``completed_at`` against ``due_at`` shows it was late.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from practicum_common.errors import InvalidInput, NotFound
from practicum_session.domain.model import (
    Assignment,
    AssignmentProgress,
    AssignmentState,
    Cohort,
    SessionStatus,
    SessionSummary,
    Trainee,
)
from practicum_session.domain.pages import Page, Position, decode_cursor, page_from, validate_limit
from practicum_session.domain.ports import CohortRepository, SimulationGateway

# The furthest ahead an assignment's deadline may be.
MAX_DUE_AHEAD = timedelta(days=10 * 365)


def progress(
    assignment: Assignment, trainee_id: str, sessions: Iterable[SessionSummary], now: datetime
) -> AssignmentProgress:
    """Where ``trainee_id`` stands on ``assignment``, from their sessions (any order)."""
    relevant = sorted(
        (
            s
            for s in sessions
            if s.trainee_id == trainee_id
            and s.scenario_id == assignment.scenario_id
            and s.created_at >= assignment.created_at
        ),
        key=lambda s: s.created_at,
    )
    done = [s for s in relevant if s.status == SessionStatus.ENDED and s.turn_count >= 1]
    if done:
        first = min(done, key=lambda s: s.ended_at or s.created_at)
        return AssignmentProgress(
            assignment, trainee_id, AssignmentState.COMPLETED, first.id, first.ended_at or first.created_at, False
        )
    overdue = assignment.due_at is not None and now > assignment.due_at
    started = [s for s in relevant if s.status != SessionStatus.ENDED]
    if started:
        return AssignmentProgress(assignment, trainee_id, AssignmentState.IN_PROGRESS, started[-1].id, None, overdue)
    return AssignmentProgress(assignment, trainee_id, AssignmentState.NOT_STARTED, None, None, overdue)


def _by_trainee_and_scenario(sessions: Iterable[SessionSummary]) -> dict[tuple[str, str], list[SessionSummary]]:
    """Sessions grouped by (trainee, scenario): each progress call then reads only its own,
    instead of every session of the cohort (members x assignments x sessions: 0.75 s for
    a 1,000-member cohort before; see load-tests/README.md)."""
    grouped: dict[tuple[str, str], list[SessionSummary]] = {}
    for s in sessions:
        grouped.setdefault((s.trainee_id, s.scenario_id), []).append(s)
    return grouped


@dataclass(frozen=True)
class AssignmentSummary:
    """An assignment with how many of the cohort's current members are in each state."""

    assignment: Assignment
    not_started: int
    in_progress: int
    completed: int
    overdue: int


def summarise(assignment: Assignment, rows: Sequence[AssignmentProgress]) -> AssignmentSummary:
    states = [r.state for r in rows]
    return AssignmentSummary(
        assignment,
        not_started=states.count(AssignmentState.NOT_STARTED),
        in_progress=states.count(AssignmentState.IN_PROGRESS),
        completed=states.count(AssignmentState.COMPLETED),
        overdue=sum(1 for r in rows if r.overdue),
    )


class CohortService:
    def __init__(self, repo: CohortRepository, simulation: SimulationGateway) -> None:
        self._repo = repo
        self._simulation = simulation

    # --- cohorts --------------------------------------------------------------------

    async def create_cohort(self, org_id: str, name: str, description: str | None) -> Cohort:
        name = name.strip()
        if not name:
            raise InvalidInput("name", "must not be blank")
        return await self._repo.create_cohort(org_id, str(uuid.uuid4()), name, description)

    async def get_cohort(self, org_id: str, cohort_id: str) -> Cohort:
        cohort = await self._repo.get_cohort(org_id, cohort_id)
        if cohort is None:
            raise NotFound(f"cohort {cohort_id} not found")
        return cohort

    async def list_cohorts(self, org_id: str, cursor: str | None, limit: int) -> Page[Cohort]:
        limit = validate_limit(limit)
        rows = await self._repo.list_cohorts(org_id, decode_cursor(cursor), limit + 1)
        return page_from(rows, limit, lambda c: Position(c.created_at, c.id))

    async def delete_cohort(self, org_id: str, cohort_id: str) -> None:
        """The cohort, its memberships and assignments; trainees and sessions stay."""
        if not await self._repo.delete_cohort(org_id, cohort_id):
            raise NotFound(f"cohort {cohort_id} not found")

    # --- members --------------------------------------------------------------------

    async def add_member(self, org_id: str, cohort_id: str, trainee_id: str) -> bool:
        """True when added, False when already a member (adding twice changes nothing)."""
        cohort = await self.get_cohort(org_id, cohort_id)
        trainee = await self._repo.get_trainee(org_id, trainee_id)
        if trainee is None:
            raise NotFound(f"trainee {trainee_id} not found")
        return await self._repo.add_member(org_id, cohort.id, trainee.id)

    async def remove_member(self, org_id: str, cohort_id: str, trainee_id: str) -> None:
        cohort = await self.get_cohort(org_id, cohort_id)
        if not await self._repo.remove_member(org_id, cohort.id, trainee_id):
            raise NotFound(f"trainee {trainee_id} is not in cohort {cohort_id}")

    async def member_ids(self, org_id: str, cohort_id: str) -> list[str]:
        cohort = await self.get_cohort(org_id, cohort_id)
        return await self._repo.member_ids(org_id, cohort.id)

    async def list_members(self, org_id: str, cohort_id: str, cursor: str | None, limit: int) -> Page[Trainee]:
        limit = validate_limit(limit)
        cohort = await self.get_cohort(org_id, cohort_id)
        rows = await self._repo.list_members(org_id, cohort.id, decode_cursor(cursor), limit + 1)
        return page_from(rows, limit, lambda t: Position(t.created_at, t.id))

    # --- assignments ----------------------------------------------------------------

    async def assign(
        self, org_id: str, cohort_id: str, scenario_id: str, due_at: datetime | None, now: datetime
    ) -> Assignment:
        cohort = await self.get_cohort(org_id, cohort_id)
        if due_at is not None and due_at <= now:
            raise InvalidInput("due_at", "must be in the future")
        # Far enough for any course; and year 9999 with a negative offset is past what
        # PostgreSQL hands back to Python (year 10000 in UTC).
        if due_at is not None and due_at > now + MAX_DUE_AHEAD:
            raise InvalidInput("due_at", f"must be within {MAX_DUE_AHEAD.days // 365} years")
        try:
            scenario = await self._simulation.get_scenario(scenario_id)
        except NotFound:
            raise InvalidInput(
                "scenario_id", f"no published scenario {scenario_id!r} (see GET /v1/scenarios)"
            ) from None
        return await self._repo.create_assignment(
            org_id, cohort.id, str(uuid.uuid4()), scenario.scenario_id, scenario.title, due_at
        )

    async def unassign(self, org_id: str, cohort_id: str, assignment_id: str) -> None:
        cohort = await self.get_cohort(org_id, cohort_id)
        if not await self._repo.delete_assignment(org_id, cohort.id, assignment_id):
            raise NotFound(f"assignment {assignment_id} not found in cohort {cohort_id}")

    async def assignment_progress(
        self, org_id: str, cohort_id: str, assignment_id: str, now: datetime
    ) -> tuple[AssignmentSummary, list[AssignmentProgress]]:
        """One assignment across the cohort's current members, member by member."""
        cohort = await self.get_cohort(org_id, cohort_id)
        assignment = next(
            (a for a in await self._repo.list_assignments(org_id, cohort.id) if a.id == assignment_id), None
        )
        if assignment is None:
            raise NotFound(f"assignment {assignment_id} not found in cohort {cohort_id}")
        members = await self._repo.member_ids(org_id, cohort.id)
        sessions = _by_trainee_and_scenario(
            await self._repo.sessions_for(org_id, members, [assignment.scenario_id], assignment.created_at)
        )
        rows = [progress(assignment, m, sessions.get((m, assignment.scenario_id), ()), now) for m in members]
        return summarise(assignment, rows), rows

    async def list_assignments(self, org_id: str, cohort_id: str, now: datetime) -> list[AssignmentSummary]:
        cohort = await self.get_cohort(org_id, cohort_id)
        assignments = await self._repo.list_assignments(org_id, cohort.id)
        if not assignments:
            return []
        members = await self._repo.member_ids(org_id, cohort.id)
        since = min(a.created_at for a in assignments)
        sessions = _by_trainee_and_scenario(
            await self._repo.sessions_for(org_id, members, [a.scenario_id for a in assignments], since)
        )
        return [
            summarise(a, [progress(a, m, sessions.get((m, a.scenario_id), ()), now) for m in members])
            for a in assignments
        ]

    async def trainee_assignments(self, org_id: str, trainee_id: str, now: datetime) -> list[AssignmentProgress]:
        """Every assignment of every cohort the trainee is in, with where they stand."""
        trainee = await self._repo.get_trainee(org_id, trainee_id)
        if trainee is None:
            raise NotFound(f"trainee {trainee_id} not found")
        assignments = await self._repo.assignments_of_trainee(org_id, trainee.id)
        if not assignments:
            return []
        since = min(a.created_at for a in assignments)
        sessions = await self._repo.sessions_for(org_id, [trainee.id], [a.scenario_id for a in assignments], since)
        return [progress(a, trainee.id, sessions, now) for a in assignments]
