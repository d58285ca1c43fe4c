"""/v1/cohorts: groups of trainees, and the scenarios assigned to them (domain/cohorts.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response, status

from practicum_session.domain.pages import DEFAULT_LIMIT
from practicum_session.entrypoints.deps import CohortsDep, ContainerDep, CurrentOrg, Cursor, Limit
from practicum_session.entrypoints.schemas import (
    AssignmentDetail,
    AssignmentOut,
    CohortOut,
    CohortPage,
    CreateAssignment,
    CreateCohort,
    ProgressOut,
    TraineeOut,
    TraineePage,
)

router = APIRouter(prefix="/v1/cohorts", tags=["cohorts"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CohortOut)
async def create_cohort(body: CreateCohort, org: CurrentOrg, cohorts: CohortsDep) -> CohortOut:
    """A new cohort (409 when the name is taken in your organisation)."""
    return CohortOut.of(await cohorts.create_cohort(org.id, body.name, body.description))


@router.get("", response_model=CohortPage)
async def list_cohorts(
    org: CurrentOrg, cohorts: CohortsDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> CohortPage:
    page = await cohorts.list_cohorts(org.id, cursor, limit)
    return CohortPage(items=[CohortOut.of(c) for c in page.items], next_cursor=page.next_cursor)


@router.get("/{cohort_id}", response_model=CohortOut)
async def get_cohort(cohort_id: str, org: CurrentOrg, cohorts: CohortsDep) -> CohortOut:
    return CohortOut.of(await cohorts.get_cohort(org.id, cohort_id))


@router.delete("/{cohort_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_cohort(cohort_id: str, org: CurrentOrg, cohorts: CohortsDep) -> Response:
    """Delete the cohort with its memberships and assignments; its trainees and their
    sessions stay."""
    await cohorts.delete_cohort(org.id, cohort_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{cohort_id}/progress")
async def cohort_progress(
    cohort_id: str, org: CurrentOrg, cohorts: CohortsDep, container: ContainerDep
) -> dict[str, Any]:
    """The cohort's skills together, from the analytics service: totals over all its
    members' sessions, and growth (first against latest session of the members who have
    practised at least twice). Aggregates only; per trainee, see
    `GET /v1/trainees/{id}/progress`."""
    members = await cohorts.member_ids(org.id, cohort_id)
    return {"cohort_id": cohort_id, **await container.analytics.group_progress(org.id, members)}


@router.get("/{cohort_id}/trainees", response_model=TraineePage)
async def list_members(
    cohort_id: str, org: CurrentOrg, cohorts: CohortsDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> TraineePage:
    page = await cohorts.list_members(org.id, cohort_id, cursor, limit)
    return TraineePage(items=[TraineeOut.of(t) for t in page.items], next_cursor=page.next_cursor)


@router.put("/{cohort_id}/trainees/{trainee_id}", status_code=status.HTTP_204_NO_CONTENT)
async def add_member(cohort_id: str, trainee_id: str, org: CurrentOrg, cohorts: CohortsDep) -> Response:
    """Add a trainee to the cohort (adding one who is already in it changes nothing)."""
    await cohorts.add_member(org.id, cohort_id, trainee_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/{cohort_id}/trainees/{trainee_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(cohort_id: str, trainee_id: str, org: CurrentOrg, cohorts: CohortsDep) -> Response:
    await cohorts.remove_member(org.id, cohort_id, trainee_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{cohort_id}/assignments", status_code=status.HTTP_201_CREATED, response_model=AssignmentOut)
async def assign(cohort_id: str, body: CreateAssignment, org: CurrentOrg, cohorts: CohortsDep) -> AssignmentOut:
    """Assign a scenario to every member of the cohort, present and future. A member
    completes it by ending a session of that scenario, started after now, with at least
    one turn. 409 when the scenario is already assigned to the cohort."""
    assignment = await cohorts.assign(org.id, cohort_id, body.scenario_id, body.due_at, datetime.now(UTC))
    return AssignmentOut.of(assignment)


@router.get("/{cohort_id}/assignments", response_model=list[AssignmentOut])
async def list_assignments(cohort_id: str, org: CurrentOrg, cohorts: CohortsDep) -> list[AssignmentOut]:
    """The cohort's assignments, oldest first, each with how many members are where."""
    summaries = await cohorts.list_assignments(org.id, cohort_id, datetime.now(UTC))
    return [AssignmentOut.of(s.assignment, s) for s in summaries]


@router.get("/{cohort_id}/assignments/{assignment_id}", response_model=AssignmentDetail)
async def assignment_detail(
    cohort_id: str, assignment_id: str, org: CurrentOrg, cohorts: CohortsDep
) -> AssignmentDetail:
    """One assignment, member by member, with the session that completed it."""
    summary, rows = await cohorts.assignment_progress(org.id, cohort_id, assignment_id, datetime.now(UTC))
    return AssignmentDetail(
        assignment=AssignmentOut.of(summary.assignment, summary), trainees=[ProgressOut.of(r) for r in rows]
    )


@router.delete("/{cohort_id}/assignments/{assignment_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unassign(cohort_id: str, assignment_id: str, org: CurrentOrg, cohorts: CohortsDep) -> Response:
    """Withdraw the assignment; the sessions practised for it stay."""
    await cohorts.unassign(org.id, cohort_id, assignment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
