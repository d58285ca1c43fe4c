"""/v1/safety-incidents: for the organisation's designated safety contact.

When a trainee writes as themselves in distress, the role-play pauses and an incident is
recorded here. These records never go to analytics topics.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from practicum_common.errors import NotFound
from practicum_session.entrypoints.deps import ContainerDep, CurrentOrg

router = APIRouter(prefix="/v1/safety-incidents", tags=["safety"])


@router.get("")
async def list_incidents(
    org: CurrentOrg, container: ContainerDep, unacknowledged: bool = False
) -> list[dict[str, Any]]:
    """The latest 200 incidents, newest first (`unacknowledged=true`: those nobody has
    acknowledged yet, the safety contact's to-do list)."""
    return await container.repo.list_safety_incidents(org.id, unacknowledged_only=unacknowledged)


@router.post("/{incident_id}/acknowledge")
async def acknowledge_incident(incident_id: str, org: CurrentOrg, container: ContainerDep) -> dict[str, Any]:
    """Record that the safety contact has seen the incident and followed it up. Repeating
    it keeps the first time."""
    incident = await container.repo.acknowledge_safety_incident(org.id, incident_id)
    if incident is None:
        raise NotFound(f"safety incident {incident_id} not found")
    return incident
