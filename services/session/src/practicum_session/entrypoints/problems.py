"""Maps the session service's domain errors to RFC 9457 problem responses.

Validation, HTTP, database and unexpected errors are mapped by the shared
``practicum_common.problems`` (the analytics API uses the same), so both APIs answer alike.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from practicum_common import problems
from practicum_common.errors import Conflict, DependencyUnavailable, InvalidInput, NotFound, Unauthenticated
from practicum_common.problems import problem
from practicum_session.domain.practice import PendingTurnConflict


def install(app: FastAPI) -> None:
    problems.install(app)

    @app.exception_handler(InvalidInput)
    async def _invalid(_: Request, exc: InvalidInput) -> JSONResponse:
        return problem(422, "Invalid request", str(exc), errors=[{"field": exc.field, "message": exc.message}])

    @app.exception_handler(Unauthenticated)
    async def _unauthenticated(_: Request, exc: Unauthenticated) -> JSONResponse:
        response = problem(401, "Unauthorized", str(exc))
        response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return problem(404, "Not found", str(exc))

    @app.exception_handler(PendingTurnConflict)
    async def _pending(_: Request, exc: PendingTurnConflict) -> JSONResponse:
        return problem(
            409,
            "A turn is pending",
            str(exc),
            pending_turn_id=exc.turn.id,
            idempotency_key=exc.turn.idempotency_key,
        )

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, exc: Conflict) -> JSONResponse:
        return problem(409, "Conflict", str(exc))

    @app.exception_handler(DependencyUnavailable)
    async def _unavailable(_: Request, exc: DependencyUnavailable) -> JSONResponse:
        return problem(503, "Temporarily unavailable", str(exc), retry_after=exc.retry_after)
