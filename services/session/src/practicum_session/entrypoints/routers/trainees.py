"""/v1/trainees: the organisation's trainees and their progress."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from practicum_session.entrypoints.deps import ContainerDep, CurrentOrg, PracticeDep
from practicum_session.entrypoints.schemas import CreateTrainee, TraineeOut

router = APIRouter(prefix="/v1/trainees", tags=["trainees"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TraineeOut)
async def create_trainee(body: CreateTrainee, org: CurrentOrg, practice: PracticeDep) -> TraineeOut:
    return TraineeOut.of(await practice.create_trainee(org.id, body.external_ref, body.display_name))


@router.get("/{trainee_id}", response_model=TraineeOut)
async def get_trainee(trainee_id: str, org: CurrentOrg, practice: PracticeDep) -> TraineeOut:
    return TraineeOut.of(await practice.get_trainee(org.id, trainee_id))


@router.get("/{trainee_id}/progress")
async def trainee_progress(
    trainee_id: str, org: CurrentOrg, practice: PracticeDep, container: ContainerDep
) -> dict[str, Any]:
    """Skill growth over time, as the analytics service aggregates it."""
    trainee = await practice.get_trainee(org.id, trainee_id)
    return await container.analytics.trainee_progress(org.id, trainee.id)
