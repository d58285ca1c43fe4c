"""/v1/sessions: practice sessions and their turns.

``POST /v1/sessions/{id}/turns`` answers with Server-Sent Events when the client sends
``Accept: text/event-stream`` and with one JSON body otherwise. Events, in order:
``delta`` (reply text), ``reset`` (the safety guard withdrew the text so far; drop it),
``turn`` (the stored turn; final), ``feedback`` (the graded code and feedback, when it
arrives within SESSION_FEEDBACK_WAIT_S), ``crisis`` (role-play paused; resources shown
instead of a reply), ``error`` (the reply failed mid-stream: status 503, retry with the
same Idempotency-Key; or 404, the trainee was erased meanwhile) and ``end``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, status
from fastapi.responses import JSONResponse, StreamingResponse

from practicum_common.errors import DependencyUnavailable, NotFound
from practicum_common.problems import problem
from practicum_session.domain.model import (
    CrisisPaused,
    ReplyDelta,
    ReplyReset,
    TurnEvent,
    TurnFeedback,
    TurnRecorded,
)
from practicum_session.domain.pages import DEFAULT_LIMIT
from practicum_session.entrypoints.deps import ContainerDep, CurrentOrg, Cursor, Limit, PracticeDep
from practicum_session.entrypoints.schemas import (
    CodeOut,
    CreatedSession,
    CreateSession,
    CrisisOut,
    PostTurn,
    ScenarioOut,
    SessionOut,
    SessionPage,
    Transcript,
    TurnOut,
    TurnResult,
)

router = APIRouter(prefix="/v1/sessions", tags=["sessions"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Retrying a turn with the same key completes or replays it instead of adding a new one.",
    ),
]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CreatedSession)
async def create_session(body: CreateSession, org: CurrentOrg, practice: PracticeDep) -> CreatedSession:
    started = await practice.start_session(org.id, body.trainee_id, body.scenario_id, body.scenario_version)
    return CreatedSession(session=SessionOut.of(started.session), scenario=ScenarioOut.of(started.scenario))


@router.get("", response_model=SessionPage)
async def list_sessions(
    org: CurrentOrg,
    practice: PracticeDep,
    trainee_id: Annotated[str | None, Query(description="Only this trainee's sessions.", max_length=64)] = None,
    status: Annotated[
        str | None, Query(description="Only sessions in this status: active, ended or crisis_paused.", max_length=32)
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> SessionPage:
    """The organisation's practice sessions, newest first, a page at a time."""
    page = await practice.list_sessions(org.id, cursor, limit, trainee_id, status)
    return SessionPage(items=[SessionOut.of(s) for s in page.items], next_cursor=page.next_cursor)


@router.get("/{session_id}", response_model=SessionOut)
async def get_session(session_id: str, org: CurrentOrg, practice: PracticeDep) -> SessionOut:
    return SessionOut.of(await practice.get_session(org.id, session_id))


@router.post("/{session_id}/end", response_model=SessionOut)
async def end_session(session_id: str, org: CurrentOrg, practice: PracticeDep) -> SessionOut:
    return SessionOut.of(await practice.end_session(org.id, session_id))


@router.get("/{session_id}/transcript", response_model=Transcript)
async def transcript(session_id: str, org: CurrentOrg, practice: PracticeDep) -> Transcript:
    session, turns = await practice.transcript(org.id, session_id)
    return Transcript(session=SessionOut.of(session), turns=[TurnOut.of(t) for t in turns])


@router.get("/{session_id}/report")
async def report(session_id: str, org: CurrentOrg, practice: PracticeDep) -> dict[str, Any]:
    """The session report (409 while the session is active, 404 until it is ready)."""
    return await practice.report(org.id, session_id)


def _sse(event: str, data: object) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, default=str)}\n\n".encode()


def _event_bytes(event: TurnEvent) -> bytes:
    if isinstance(event, ReplyDelta):
        return _sse("delta", {"text": event.text})
    if isinstance(event, ReplyReset):
        return _sse("reset", {"reason": event.reason})
    if isinstance(event, TurnRecorded):
        return _sse("turn", TurnOut.of(event.turn).model_dump(mode="json"))
    if isinstance(event, TurnFeedback):
        grade = CodeOut.of(event.grade)
        return _sse(
            "feedback",
            {"turn_id": event.turn_id, "grade": grade.model_dump() if grade else None, "feedback": event.feedback},
        )
    if isinstance(event, CrisisPaused):
        crisis = CrisisOut.of(event)
        return _sse("crisis", crisis.model_dump() if crisis else {})
    raise TypeError(f"unexpected event {event!r}")


@router.post(
    "/{session_id}/turns",
    response_model=TurnResult,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "JSON result, or an SSE stream when requested."},
        409: {"description": "Session not active, or another turn is pending (its key is returned)."},
        503: {
            "description": (
                "Simulation or inference tier unavailable; the message is kept. "
                "Retry with the same Idempotency-Key after Retry-After seconds."
            )
        },
    },
)
async def post_turn(
    session_id: str,
    body: PostTurn,
    request: Request,
    org: CurrentOrg,
    practice: PracticeDep,
    container: ContainerDep,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    session, turn = await practice.accept_turn(org.id, session_id, body.text, idempotency_key)
    headers = {"Idempotency-Key": turn.idempotency_key, "X-Turn-Id": turn.id}
    wants_stream = "text/event-stream" in request.headers.get("accept", "")
    wait_s = container.settings.feedback_wait_s if wants_stream else 0.0
    events = practice.reply(session, turn, wait_feedback_s=wait_s)
    try:
        # Pull the first event before answering, so an unavailable simulation becomes a
        # clean 503 (with the turn kept) rather than a broken stream.
        first = await anext(events)
    except DependencyUnavailable as exc:
        response = problem(
            503,
            "Temporarily unavailable",
            f"{exc}; your message was kept: retry with the same Idempotency-Key",
            retry_after=exc.retry_after,
            turn_id=turn.id,
            idempotency_key=turn.idempotency_key,
        )
        response.headers.update(headers)
        return response
    if wants_stream:
        return StreamingResponse(
            _stream(first, events, container.settings.retry_after_s, turn.idempotency_key),
            media_type="text/event-stream",
            headers={**headers, "Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    return JSONResponse(await _collect(first, events), headers=headers)


async def _stream(first: TurnEvent, rest: AsyncIterator[TurnEvent], retry_after: int, key: str) -> AsyncIterator[bytes]:
    yield _event_bytes(first)
    try:
        async for event in rest:
            yield _event_bytes(event)
    except DependencyUnavailable as exc:
        yield _sse(
            "error",
            {"status": 503, "detail": str(exc), "retry_after": exc.retry_after or retry_after, "idempotency_key": key},
        )
    except NotFound as exc:  # the trainee was erased while the reply streamed
        yield _sse("error", {"status": 404, "detail": str(exc)})
    yield _sse("end", {})


async def _collect(first: TurnEvent, rest: AsyncIterator[TurnEvent]) -> dict[str, Any]:
    result: dict[str, Any] = {"turn": None, "reply": None, "crisis": None}

    async def chain() -> AsyncIterator[TurnEvent]:
        yield first
        async for e in rest:
            yield e

    async for event in chain():
        if isinstance(event, TurnRecorded):
            result["turn"] = TurnOut.of(event.turn).model_dump(mode="json")
            result["reply"] = event.turn.client_text
        elif isinstance(event, CrisisPaused):
            crisis = CrisisOut.of(event)
            result["crisis"] = crisis.model_dump() if crisis else None
    return result
