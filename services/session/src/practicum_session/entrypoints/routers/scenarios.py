"""/v1/scenarios: the published scenario library."""

from __future__ import annotations

from fastapi import APIRouter

from practicum_session.entrypoints.deps import ContainerDep, CurrentOrg
from practicum_session.entrypoints.schemas import ScenarioOut

router = APIRouter(prefix="/v1/scenarios", tags=["scenarios"])


@router.get("", response_model=list[ScenarioOut])
async def list_scenarios(_: CurrentOrg, container: ContainerDep) -> list[ScenarioOut]:
    return [ScenarioOut.of(s) for s in await container.practice.scenarios()]
