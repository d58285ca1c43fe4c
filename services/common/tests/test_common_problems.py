"""Errors become problem documents: the field a caller got wrong, 503 with Retry-After when
the database is down, and never a stack trace."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import psycopg
import pytest
from fastapi import APIRouter, FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict, field_validator

from practicum_common import problems


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str

    @field_validator("text")
    @classmethod
    def _not_shouting(cls, value: str) -> str:
        if value.isupper():
            raise ValueError("must not be all capitals")
        return value


def _app(max_body_bytes: int = 1000) -> FastAPI:
    app = FastAPI()
    problems.install(app, max_body_bytes=max_body_bytes)

    @app.post("/echo")
    def echo(body: _Body) -> dict[str, str]:
        return {"text": body.text}

    @app.get("/database-down")
    def database_down() -> None:
        raise psycopg.OperationalError("connection refused")

    @app.get("/bug")
    def bug() -> None:
        raise RuntimeError("secret internals")

    @app.get("/items")
    def list_items(limit: int = 10) -> dict[str, int]:
        return {"limit": limit}

    @app.get("/private")
    def private() -> None:
        raise HTTPException(401, "missing or invalid bearer token", headers={"WWW-Authenticate": "Bearer"})

    @app.post("/items")
    def add_item(body: _Body) -> dict[str, str]:
        return {"text": body.text}

    @app.put("/items/{item_id}")
    def put_item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    return app


async def _request(
    method: str, path: str, raise_app_exceptions: bool = False, app: FastAPI | None = None, **kwargs: object
) -> httpx.Response:
    # raise_app_exceptions=False: see the response a caller gets, as under uvicorn.
    transport = httpx.ASGITransport(app=app or _app(), raise_app_exceptions=raise_app_exceptions)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, path, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("content", "content_type", "field", "message"),
    [
        # Before: field "17", message "JSON decode error".
        ('{"text": ', "application/json", "body", "malformed JSON at character 9"),
        ("hello", "text/plain", "body", "expected a JSON object; send it with Content-Type: application/json"),
        ('["hello"]', "application/json", "body", "expected a JSON object"),
        ('{"text": 5}', "application/json", "text", "Input should be a valid string"),
        ('{"txt": "hi"}', "application/json", "txt", "Extra inputs are not permitted"),
        # Our own validators' words, without pydantic's "Value error, " in front.
        ('{"text": "HI"}', "application/json", "text", "must not be all capitals"),
    ],
)
async def test_malformed_bodies_name_the_field(content: str, content_type: str, field: str, message: str) -> None:
    response = await _request("POST", "/echo", content=content, headers={"Content-Type": content_type})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(problems.PROBLEM_JSON)
    errors = response.json()["errors"]
    assert any(e["field"] == field and e["message"].startswith(message) for e in errors), errors


async def test_database_down_is_503_with_retry_after() -> None:
    response = await _request("GET", "/database-down")
    assert response.status_code == 503
    assert response.headers["retry-after"] == str(problems.DATABASE_RETRY_AFTER_S)
    assert response.json()["detail"] == "the database is unavailable"


async def test_unexpected_errors_are_500_without_internals() -> None:
    # raise_app_exceptions=True: the error must not reach the server either. Starlette's own
    # last-resort handler re-raised it after the 500, and uvicorn then dropped the
    # keep-alive connection, so the client's next request failed with a reset.
    response = await _request("GET", "/bug", raise_app_exceptions=True)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith(problems.PROBLEM_JSON)
    assert "secret internals" not in response.text and "Traceback" not in response.text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"text": "\xff\xfe"}', "not valid UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "JSON nested too deeply"),
        (b'{"text": ' + b"9" * 5000 + b"}", "a number has too many digits"),
    ],
    ids=["invalid UTF-8", "deep nesting", "5,000-digit integer"],
)
async def test_bodies_that_cannot_be_read_answer_like_malformed_json(content: bytes, message: str) -> None:
    # FastAPI answers these with a bare 400 "There was an error parsing the body".
    response = await _request(
        "POST", "/echo", app=_app(10**6), content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["title"] == "Invalid request"
    assert body["errors"][0]["field"] == "body" and body["errors"][0]["message"].startswith(message), body


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 100):
        yield body[start : start + 100]


@pytest.mark.parametrize("with_length", [True, False], ids=["Content-Length", "chunked"])
async def test_a_body_over_the_limit_is_413_before_it_is_parsed(with_length: bool) -> None:
    body = b'{"text": "' + b"a" * 2000 + b'"}'
    response = await _request(
        "POST",
        "/items",
        content=body if with_length else _chunks(body),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(problems.PROBLEM_JSON)
    assert response.json()["title"] == "Request body too large"
    # Under the limit, the same route answers.
    ok = await _request(
        "POST", "/items", content=_chunks(b'{"text": "fine"}'), headers={"Content-Type": "application/json"}
    )
    assert ok.status_code == 200


async def test_query_and_path_errors_name_the_parameter_alone() -> None:
    # As the domain's own errors do ("limit", "cursor"), not "query.limit".
    response = await _request("GET", "/items", params={"limit": "many"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["limit"]
    response = await _request("PUT", "/items/abc")
    assert [e["field"] for e in response.json()["errors"]] == ["item_id"]


@pytest.mark.parametrize("included", [False, True], ids=["app routes", "included router"])
async def test_405_lists_every_method_of_the_resource(included: bool) -> None:
    # Starlette named only the first matching route's methods ("GET"); FastAPI's included
    # routers (how the services declare theirs) name none.
    app = _app()
    if included:
        app = FastAPI()
        problems.install(app)
        router = APIRouter(prefix="/items")
        router.get("")(lambda: {})
        router.post("")(lambda: {})
        router.put("/{item_id}")(lambda item_id: {})
        app.include_router(router)
    response = await _request("DELETE", "/items", app=app)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.json()["status"] == 405


async def test_http_errors_keep_the_title_per_status_and_the_words_in_detail() -> None:
    # The analytics API put its message in the title ("missing or invalid bearer token"),
    # where the session API says "Unauthorized" and puts the message in detail.
    response = await _request("GET", "/private")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert (body["title"], body["detail"]) == ("Unauthorized", "missing or invalid bearer token")
    missing = (await _request("GET", "/no-such-route")).json()
    assert missing["title"] == "Not Found" and "detail" not in missing
