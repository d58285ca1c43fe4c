"""/v1/trainees: the organisation's trainees and their progress."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse

from practicum_session.domain.pages import DEFAULT_LIMIT
from practicum_session.entrypoints.deps import CohortsDep, ContainerDep, CurrentOrg, Cursor, Limit, PracticeDep
from practicum_session.entrypoints.schemas import (
    CreateTrainee,
    ErasureOut,
    ExportedSession,
    ProgressOut,
    SessionOut,
    TraineeExportOut,
    TraineeOut,
    TraineePage,
    TurnOut,
)

router = APIRouter(prefix="/v1/trainees", tags=["trainees"])
log = logging.getLogger(__name__)

# What the export cannot hand over, because this service does not hold it: said in the
# document itself, so that nobody reads the export as all there is.
HELD_ELSEWHERE = [
    "grading service: a copy of each turn's text and its grade, and the session reports, "
    "used to grade; deleted with the trainee",
    "analytics service: per-session counts of codes and scores, no text; analysts' exports "
    "and stream name the trainee only by a keyed pseudonym; deleted with the trainee "
    "(analysts are told, on their stream, to delete their copies)",
    "Kafka topics: the events that carried this data, until the topics' retention removes them "
    "(an erasure answers with the latest time: event_copies_deleted_by)",
]


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


@router.get(
    "/{trainee_id}/export",
    response_model=TraineeExportOut,
    responses={200: {"description": "A JSON document, sent as an attachment (trainee-<id>.json)."}},
)
async def export_trainee(trainee_id: str, org: CurrentOrg, practice: PracticeDep, cohorts: CohortsDep) -> JSONResponse:
    """Everything held about the trainee, in one document, for answering their request for
    their data (or taking it elsewhere): their record, every session with its transcript,
    codes, grades, feedback and report, their assignments and their safety incidents.
    `held_elsewhere` says what other services keep and in what form. The document is
    sensitive (transcripts): it is not cached, and each export is logged."""
    now = datetime.now(UTC)
    # One snapshot for both reads, so an assignment's progress agrees with the sessions.
    async with practice.snapshot():
        export = await practice.export_trainee(org.id, trainee_id)
        assignments = await cohorts.trainee_assignments(org.id, trainee_id, now)
    body = TraineeExportOut(
        exported_at=now,
        organisation_id=org.id,
        trainee=TraineeOut.of(export.trainee),
        sessions=[
            ExportedSession(session=SessionOut.of(r.session), turns=[TurnOut.of(t) for t in r.turns], report=r.report)
            for r in export.sessions
        ],
        assignments=[ProgressOut.of(p) for p in assignments],
        safety_incidents=list(export.safety_incidents),
        held_elsewhere=HELD_ELSEWHERE,
    )
    # Who exported whose data, never what: an audit trail without a copy of the content.
    log.info("trainee data exported: organisation=%s trainee=%s sessions=%d", org.id, trainee_id, len(body.sessions))
    return JSONResponse(
        body.model_dump(mode="json"),
        headers={
            "Content-Disposition": f'attachment; filename="trainee-{export.trainee.id}.json"',
            "Cache-Control": "no-store",
        },
    )


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
