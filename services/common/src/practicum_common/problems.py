"""RFC 9457 problem responses shared by the HTTP services (session, analytics).

Needs FastAPI, which only those two services install (extra ``practicum-common[http]``).
``install`` maps what every HTTP service can hit: request validation (naming the field),
HTTP errors, an unreachable database (503 with Retry-After, never a stack trace) and
anything unexpected (500, logged). Services add handlers for their own domain errors.
A body over ``MAX_BODY_BYTES`` is a 413 before it is read, not parsed in full and refused
afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import psycopg
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
# How long a client should wait after a 503 for the database; PostgreSQL restarts in seconds.
DATABASE_RETRY_AFTER_S = 5
# The largest request body either API reads. The largest real one is a cohort's member list
# (10,000 ids, about 400 kB); a turn's text is at most a few kB.
MAX_BODY_BYTES = 1024 * 1024
# Where FastAPI could not read the body at all (not UTF-8, nested too deeply, an integer
# with thousands of digits); it raises a bare 400 with this detail.
_UNPARSEABLE_BODY = "There was an error parsing the body"
# Where a validation error says the value was: ("query", "limit"). Partners see the name
# alone, as the domain's own InvalidInput errors give it ("limit", "cursor").
_LOCATIONS = ("body", "query", "path", "header", "cookie")
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


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
    # ("body", "text") -> "text", ("query", "limit") -> "limit"; the whole body -> "body".
    parts = [str(p) for p in loc]
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:] or [parts[0]]
    return ".".join(parts)


def _unparseable_body(cause: BaseException | None) -> str:
    if isinstance(cause, UnicodeDecodeError):
        return "not valid UTF-8"
    if isinstance(cause, RecursionError):
        return "JSON nested too deeply"
    if isinstance(cause, ValueError) and "digits" in str(cause):
        return "a number has too many digits"
    # Nothing of the exception's own text: it can name interpreter internals.
    return "could not be read as JSON"


def _allowed_methods(request: Request) -> list[str]:
    # Starlette's 405 names the methods of the first route whose path matched; RFC 9110
    # wants every method the resource supports. Each method is tried against the routes
    # (FastAPI's included routers expose no method list of their own).
    allowed = []
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _too_large(max_body_bytes: int) -> JSONResponse:
    return problem(413, "Request body too large", f"the body exceeds {max_body_bytes} bytes")


class Guard:
    """The body limit, and a 500 problem document (logged) for an unexpected exception.

    A body whose Content-Length is over the limit is refused unread; one sent without a
    length is cut off once it passes it (the route's body reading raises a 413).

    Starlette's own last-resort handler sends the 500 and then re-raises, and the server
    drops the connection: a client's next, unrelated request on that keep-alive
    connection failed with "connection reset". Answered here, the connection stays usable.
    An exception after the response started (a broken stream) is left to the server.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Per request: find the one header rather than build a dict of all of them.
        declared = next((value for name, value in scope["headers"] if name == b"content-length"), b"")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await _too_large(self.max_body_bytes)(scope, receive, send)
            return
        started = False
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise HTTPException(413)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except Exception as exc:
            if started:
                raise
            log.exception("unhandled error", exc_info=exc)
            response = problem(500, "Internal error", "an unexpected error occurred; it has been logged")
            await response(scope, receive, send)


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


def install(app: FastAPI, max_body_bytes: int = MAX_BODY_BYTES) -> None:
    """Add the problem handlers and the guard; call before the app's own middleware."""
    app.add_middleware(Guard, max_body_bytes=max_body_bytes)

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
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == _UNPARSEABLE_BODY:
            # The same answer as malformed JSON, which FastAPI reports as a validation error.
            error = {"field": "body", "message": _unparseable_body(exc.__cause__)}
            return problem(422, "Invalid request", f"body: {error['message']}", errors=[error])
        if exc.status_code == 413:
            return _too_large(max_body_bytes)
        # RFC 9457: the title is the same for every problem of a kind (the status's phrase,
        # as the session API's own handlers give it); what went wrong goes in detail.
        title = _phrase(exc.status_code)
        detail = str(exc.detail) if exc.detail and str(exc.detail) != title else None
        response = problem(exc.status_code, title, detail)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        if exc.status_code == 405:
            response.headers["Allow"] = ", ".join(_allowed_methods(request))
        return response

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        # Never leak a stack trace to callers; the log keeps it for operators.
        log.exception("unhandled error", exc_info=exc)
        return problem(500, "Internal error", "an unexpected error occurred; it has been logged")
