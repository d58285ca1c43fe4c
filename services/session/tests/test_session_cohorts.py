"""Cohorts and assignment progress, against in-memory fakes (tests/test_cohorts.py runs
the same flow through the API on the real stack)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from session_fakes import FakeCohortRepository, FakeRepository, FakeSimulation

from practicum_common.errors import Conflict, InvalidInput, NotFound
from practicum_session.domain.cohorts import CohortService, progress
from practicum_session.domain.model import Assignment, AssignmentState, SessionStatus, SessionSummary
from practicum_session.domain.practice import PracticeService

ORG, OTHER_ORG = "org-a", "org-b"
T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


def _assignment(due_at: datetime | None = None) -> Assignment:
    return Assignment("a-1", "c-1", "demo", "Demo", due_at, T0)


def _session(
    sid: str, status: SessionStatus, at: datetime, turns: int = 3, trainee: str = "t-1", scenario: str = "demo"
) -> SessionSummary:
    ended = at + timedelta(minutes=20) if status == SessionStatus.ENDED else None
    return SessionSummary(sid, trainee, scenario, status, turns, at, ended)


def test_the_first_ended_session_with_a_turn_completes_the_assignment() -> None:
    later = T0 + timedelta(days=1)
    sessions = [
        _session("before", SessionStatus.ENDED, T0 - timedelta(days=1)),  # before it was assigned
        _session("other-scenario", SessionStatus.ENDED, later, scenario="grief"),
        _session("other-trainee", SessionStatus.ENDED, later, trainee="t-2"),
        _session("silent", SessionStatus.ENDED, later, turns=0),  # ended without a word
        _session("done", SessionStatus.ENDED, later + timedelta(hours=1)),
        _session("again", SessionStatus.ENDED, later + timedelta(hours=3)),
    ]
    p = progress(_assignment(), "t-1", reversed(sessions), now=later + timedelta(days=1))
    assert (p.state, p.session_id, p.completed_at) == (
        AssignmentState.COMPLETED,
        "done",
        later + timedelta(hours=1, minutes=20),
    )
    assert not p.overdue


@pytest.mark.parametrize(
    ("sessions", "state", "evidence"),
    [
        ([], AssignmentState.NOT_STARTED, None),
        ([_session("s", SessionStatus.ENDED, T0 - timedelta(hours=1))], AssignmentState.NOT_STARTED, None),
        ([_session("s", SessionStatus.ACTIVE, T0 + timedelta(hours=1))], AssignmentState.IN_PROGRESS, "s"),
        # Paused for the trainee's own distress: started, not done, and not a failure.
        ([_session("s", SessionStatus.CRISIS_PAUSED, T0 + timedelta(hours=1))], AssignmentState.IN_PROGRESS, "s"),
        (
            [
                _session("s1", SessionStatus.ACTIVE, T0 + timedelta(hours=1)),
                _session("s2", SessionStatus.ACTIVE, T0 + timedelta(hours=2)),
            ],
            AssignmentState.IN_PROGRESS,
            "s2",
        ),
    ],
)
def test_assignment_states(sessions: list[SessionSummary], state: AssignmentState, evidence: str | None) -> None:
    p = progress(_assignment(), "t-1", sessions, now=T0 + timedelta(days=1))
    assert (p.state, p.session_id, p.completed_at) == (state, evidence, None)


def test_overdue_only_when_not_completed_by_the_due_date() -> None:
    due = T0 + timedelta(days=7)
    late = T0 + timedelta(days=8)
    assert not progress(_assignment(due), "t-1", [], now=T0 + timedelta(days=6)).overdue
    assert progress(_assignment(due), "t-1", [], now=late).overdue
    active = [_session("s", SessionStatus.ACTIVE, T0 + timedelta(days=1))]
    assert progress(_assignment(due), "t-1", active, now=late).overdue
    done = [_session("s", SessionStatus.ENDED, T0 + timedelta(days=1))]
    assert not progress(_assignment(due), "t-1", done, now=late).overdue
    assert not progress(_assignment(None), "t-1", [], now=late).overdue


@pytest.fixture
def repo() -> FakeRepository:
    return FakeRepository()


@pytest.fixture
def cohorts(repo: FakeRepository) -> CohortService:
    return CohortService(FakeCohortRepository(repo), FakeSimulation())


async def test_cohort_flow_counts_members_by_state(repo: FakeRepository, cohorts: CohortService) -> None:
    practice = PracticeService(repo, FakeSimulation())
    a, b, c = [await practice.create_trainee(ORG, ref, None) for ref in ("a", "b", "c")]
    cohort = await cohorts.create_cohort(ORG, "  Spring intake  ", None)
    assert cohort.name == "Spring intake"
    for trainee in (a, b, c):
        assert await cohorts.add_member(ORG, cohort.id, trainee.id)
    assert not await cohorts.add_member(ORG, cohort.id, a.id), "adding twice changes nothing"
    assert (await cohorts.get_cohort(ORG, cohort.id)).trainee_count == 3

    now = datetime.now(UTC)
    assignment = await cohorts.assign(ORG, cohort.id, "demo", now + timedelta(days=7), now)
    # a completes it, b starts it, c does nothing.
    started = await practice.start_session(ORG, a.id, "demo")
    session, turn = await practice.accept_turn(ORG, started.session.id, "How are you?", None)
    [e async for e in practice.reply(session, turn)]
    await practice.end_session(ORG, started.session.id)
    await practice.start_session(ORG, b.id, "demo")

    [summary] = await cohorts.list_assignments(ORG, cohort.id, datetime.now(UTC))
    assert (summary.not_started, summary.in_progress, summary.completed, summary.overdue) == (1, 1, 1, 0)
    detail, rows = await cohorts.assignment_progress(ORG, cohort.id, assignment.id, now + timedelta(days=8))
    assert {r.trainee_id: r.state for r in rows} == {
        a.id: AssignmentState.COMPLETED,
        b.id: AssignmentState.IN_PROGRESS,
        c.id: AssignmentState.NOT_STARTED,
    }
    assert detail.overdue == 2, "b and c are past the due date without completing"
    [mine] = await cohorts.trainee_assignments(ORG, a.id, datetime.now(UTC))
    assert (mine.state, mine.session_id) == (AssignmentState.COMPLETED, started.session.id)

    # Leaving the cohort takes the trainee out of its counts, not their sessions.
    await cohorts.remove_member(ORG, cohort.id, a.id)
    [summary] = await cohorts.list_assignments(ORG, cohort.id, datetime.now(UTC))
    assert (summary.not_started, summary.in_progress, summary.completed) == (1, 1, 0)
    assert await cohorts.trainee_assignments(ORG, a.id, datetime.now(UTC)) == []


async def test_cohort_rules_and_errors(repo: FakeRepository, cohorts: CohortService) -> None:
    practice = PracticeService(repo, FakeSimulation())
    trainee = await practice.create_trainee(ORG, "t", None)
    cohort = await cohorts.create_cohort(ORG, "Night shift", "Crisis line")
    now = datetime.now(UTC)
    with pytest.raises(InvalidInput) as err:
        await cohorts.create_cohort(ORG, "   ", None)
    assert err.value.field == "name"
    with pytest.raises(Conflict):
        await cohorts.create_cohort(ORG, "Night shift", None)
    assert (await cohorts.create_cohort(OTHER_ORG, "Night shift", None)).organisation_id == OTHER_ORG

    with pytest.raises(InvalidInput) as err:
        await cohorts.assign(ORG, cohort.id, "no-such-scenario", None, now)
    assert err.value.field == "scenario_id"
    with pytest.raises(InvalidInput) as err:
        await cohorts.assign(ORG, cohort.id, "demo", now - timedelta(minutes=1), now)
    assert err.value.field == "due_at"
    # Year 9999 at -14:00 is year 10000 in UTC: PostgreSQL stored it and the row could not
    # be read back (a 500). Ten years ahead is the limit.
    far = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14)))
    for due in (far, now + timedelta(days=3651)):
        with pytest.raises(InvalidInput, match="within 10 years") as err:
            await cohorts.assign(ORG, cohort.id, "demo", due, now)
        assert err.value.field == "due_at"
    assignment = await cohorts.assign(ORG, cohort.id, "demo", None, now)
    with pytest.raises(Conflict):
        await cohorts.assign(ORG, cohort.id, "demo", None, now)

    # Another organisation sees none of it.
    with pytest.raises(NotFound):
        await cohorts.get_cohort(OTHER_ORG, cohort.id)
    with pytest.raises(NotFound):
        await cohorts.add_member(OTHER_ORG, cohort.id, trainee.id)
    other_cohort = await cohorts.create_cohort(OTHER_ORG, "Theirs", None)
    with pytest.raises(NotFound, match="trainee"):
        await cohorts.add_member(OTHER_ORG, other_cohort.id, trainee.id)
    with pytest.raises(NotFound):
        await cohorts.assignment_progress(OTHER_ORG, cohort.id, assignment.id, now)
    with pytest.raises(NotFound):
        await cohorts.trainee_assignments(OTHER_ORG, trainee.id, now)
    with pytest.raises(NotFound):
        await cohorts.remove_member(ORG, cohort.id, trainee.id)  # never added

    await cohorts.unassign(ORG, cohort.id, assignment.id)
    assert await cohorts.list_assignments(ORG, cohort.id, now) == []
    await cohorts.delete_cohort(ORG, cohort.id)
    with pytest.raises(NotFound):
        await cohorts.delete_cohort(ORG, cohort.id)
