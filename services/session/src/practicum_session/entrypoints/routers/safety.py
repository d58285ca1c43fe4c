"""/v1/safety-incidents: for the organisation's designated safety contact.

When a trainee writes as themselves in distress, the role-play pauses and an incident is
recorded here. These records never go to analytics topics.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from practicum_session.entrypoints.deps import ContainerDep, CurrentOrg

router = APIRouter(prefix="/v1/safety-incidents", tags=["safety"])


@router.get("")
async def list_incidents(org: CurrentOrg, container: ContainerDep) -> list[dict[str, Any]]:
    return await container.repo.list_safety_incidents(org.id)
