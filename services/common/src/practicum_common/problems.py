"""RFC 9457 problem responses shared by the HTTP services (session, analytics).

Needs FastAPI, which only those two services install (extra ``practicum-common[http]``).
``install`` maps what every HTTP service can hit: request validation (naming the field),
HTTP errors, an unreachable database (503 with Retry-After, never a stack trace) and
anything unexpected (500, logged). Services add handlers for their own domain errors.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
# How long a client should wait after a 503 for the database; PostgreSQL restarts in seconds.
DATABASE_RETRY_AFTER_S = 5


def problem(status: int, title: str, detail: str | None = None, **extra: object) -> JSONResponse:
    body: dict[str, object] = {"type": "about:blank", "title": title, "status": status}
    if detail is not None:
        body["detail"] = detail
    body.update(extra)
    headers = {}
    if "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_path(loc: tuple[int | str, ...]) -> str:
    # ("body", "text") -> "text"; query/header/path locations keep their prefix.
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[1:] or ["body"]
    return ".".join(parts)


def validation_error(error: Mapping[str, Any]) -> dict[str, str]:
    """One pydantic error as ``{"field", "message"}`` a partner can act on."""
    loc = tuple(error["loc"])
    if error["type"] == "json_invalid":
        # Pydantic puts the character offset where the field would be: ("body", 17).
        reason = error.get("ctx", {}).get("error", "invalid JSON")
        return {"field": "body", "message": f"malformed JSON at character {loc[-1]}: {reason}"}
    if loc == ("body",) and error["type"] in ("model_attributes_type", "dict_type"):
        return {"field": "body", "message": "expected a JSON object; send it with Content-Type: application/json"}
    message = str(error["msg"])
    if error.get("type") == "value_error":
        # pydantic prefixes our own validators' messages with "Value error, ".
        message = message.removeprefix("Value error, ")
    return {"field": _field_path(loc), "message": message}


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [validation_error(e) for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, "Invalid request", detail, errors=errors)

    @app.exception_handler(psycopg.OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _database(_: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", exc)
        return problem(
            503, "Temporarily unavailable", "the database is unavailable", retry_after=DATABASE_RETRY_AFTER_S
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = problem(exc.status_code, str(exc.detail))
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        # Never leak a stack trace to callers; the log keeps it for operators.
        log.exception("unhandled error", exc_info=exc)
        return problem(500, "Internal error", "an unexpected error occurred; it has been logged")
