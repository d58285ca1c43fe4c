"""Errors become problem documents: the field a caller got wrong, 503 with Retry-After when
the database is down, and never a stack trace."""

from __future__ import annotations

import httpx
import psycopg
import pytest
from fastapi import FastAPI
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


def _app() -> FastAPI:
    app = FastAPI()
    problems.install(app)

    @app.post("/echo")
    def echo(body: _Body) -> dict[str, str]:
        return {"text": body.text}

    @app.get("/database-down")
    def database_down() -> None:
        raise psycopg.OperationalError("connection refused")

    @app.get("/bug")
    def bug() -> None:
        raise RuntimeError("secret internals")

    return app


async def _request(method: str, path: str, **kwargs: object) -> httpx.Response:
    # raise_app_exceptions=False: see the response a caller gets, as under uvicorn.
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
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
    response = await _request("GET", "/bug")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith(problems.PROBLEM_JSON)
    assert "secret internals" not in response.text and "Traceback" not in response.text
