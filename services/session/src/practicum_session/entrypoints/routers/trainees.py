"""/v1/trainees: the organisation's trainees and their progress."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, status

from practicum_session.domain.pages import DEFAULT_LIMIT
from practicum_session.entrypoints.deps import CohortsDep, ContainerDep, CurrentOrg, Cursor, Limit, PracticeDep
from practicum_session.entrypoints.schemas import CreateTrainee, ErasureOut, ProgressOut, TraineeOut, TraineePage

router = APIRouter(prefix="/v1/trainees", tags=["trainees"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TraineeOut)
async def create_trainee(body: CreateTrainee, org: CurrentOrg, practice: PracticeDep) -> TraineeOut:
    return TraineeOut.of(await practice.create_trainee(org.id, body.external_ref, body.display_name))


@router.get("", response_model=TraineePage)
async def list_trainees(
    org: CurrentOrg, practice: PracticeDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> TraineePage:
    """The organisation's trainees, newest first, a page at a time."""
    page = await practice.list_trainees(org.id, cursor, limit)
    return TraineePage(items=[TraineeOut.of(t) for t in page.items], next_cursor=page.next_cursor)


@router.get("/{trainee_id}", response_model=TraineeOut)
async def get_trainee(trainee_id: str, org: CurrentOrg, practice: PracticeDep) -> TraineeOut:
    return TraineeOut.of(await practice.get_trainee(org.id, trainee_id))


@router.delete("/{trainee_id}", response_model=ErasureOut)
async def erase_trainee(trainee_id: str, org: CurrentOrg, practice: PracticeDep, force: bool = False) -> ErasureOut:
    """Erase the trainee: their record, sessions, transcripts, grades, reports and safety
    incidents, here at once and in the grading and analytics services as soon as they
    consume the `trainee.erased` event (seconds). Analysts get `trainee.erased` with the
    trainee's pseudonym on their stream. Not reversible; the id answers 404 afterwards.
    409 while a safety incident of the trainee is not acknowledged (`force=true` erases
    anyway)."""
    return ErasureOut.of(await practice.erase_trainee(org.id, trainee_id, force))


@router.get("/{trainee_id}/progress")
async def trainee_progress(
    trainee_id: str, org: CurrentOrg, practice: PracticeDep, container: ContainerDep
) -> dict[str, Any]:
    """Skill growth over time, as the analytics service aggregates it."""
    trainee = await practice.get_trainee(org.id, trainee_id)
    return await container.analytics.trainee_progress(org.id, trainee.id)


@router.get("/{trainee_id}/assignments", response_model=list[ProgressOut])
async def trainee_assignments(trainee_id: str, org: CurrentOrg, cohorts: CohortsDep) -> list[ProgressOut]:
    """What the trainee's cohorts assigned them, and where they stand on each."""
    return [ProgressOut.of(p) for p in await cohorts.trainee_assignments(org.id, trainee_id, datetime.now(UTC))]
