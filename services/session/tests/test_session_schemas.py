"""The request bodies of the partner API refuse what would otherwise be stored wrongly or
fail later, each naming the field (entrypoints/schemas.py)."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, ValidationError

from practicum_session.entrypoints.schemas import (
    CreateApiKey,
    CreateAssignment,
    CreateCohort,
    CreateSession,
    CreateTrainee,
    SetWebhook,
)


def _parse(model: type[BaseModel], body: str) -> BaseModel:
    # As FastAPI does: the standard library's JSON (which lets a lone surrogate through),
    # then validation of the Python values.
    return model.model_validate(json.loads(body))


def _errors(model: type[BaseModel], body: str) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as err:
        _parse(model, body)
    return [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in err.value.errors()]


@pytest.mark.parametrize(
    ("model", "body", "field", "message"),
    [
        # Only spaces: was stored as "   " (a trainee) or stripped to "" (a key's label).
        (CreateTrainee, '{"external_ref": "   "}', "external_ref", "must not be blank"),
        (CreateApiKey, '{"label": "  "}', "label", "must not be blank"),
        (CreateCohort, '{"name": "\\t"}', "name", "must not be blank"),
        (CreateSession, '{"trainee_id": " ", "scenario_id": "demo"}', "trainee_id", "must not be blank"),
        # An optional field's limit reads like a required one's, not "at most 200 items".
        (
            CreateTrainee,
            '{"external_ref": "t", "display_name": "' + "x" * 201 + '"}',
            "display_name",
            "at most 200 characters",
        ),
        (CreateCohort, '{"name": "n", "description": "' + "x" * 2001 + '"}', "description", "at most 2000 characters"),
        (CreateTrainee, '{"external_ref": "t", "display_name": "a\\u0000b"}', "display_name", "NUL"),
        # true, "1" and 1.0 are not versions; a number is not a deadline.
        (
            CreateSession,
            '{"trainee_id": "t", "scenario_id": "demo", "scenario_version": true}',
            "scenario_version",
            "valid integer",
        ),
        (
            CreateSession,
            '{"trainee_id": "t", "scenario_id": "demo", "scenario_version": "1"}',
            "scenario_version",
            "valid integer",
        ),
        (CreateAssignment, '{"scenario_id": "demo", "due_at": 1900000000}', "due_at", "ISO 8601"),
        # The webhook body is as strict as the others: no unknown fields, no unstorable text.
        (SetWebhook, '{"url": "https://example.org/h", "foo": 1}', "foo", "Extra inputs are not permitted"),
        (SetWebhook, '{"url": "https://example.org/a\\u0000b"}', "url", "NUL"),
        (SetWebhook, '{"url": "https://example.org/a\\ud800"}', "url", "surrogate"),
        (SetWebhook, '{"url": "https://example.org/h", "events": ["\\ud800"]}', "events.0", "surrogate"),
    ],
)
def test_bodies_are_refused_naming_the_field(model: type[BaseModel], body: str, field: str, message: str) -> None:
    errors = _errors(model, body)
    assert any(f == field and message in m for f, m in errors), errors


def test_good_bodies_still_pass() -> None:
    trainee = _parse(CreateTrainee, '{"external_ref": " t-1 ", "display_name": null}')
    assert isinstance(trainee, CreateTrainee) and trainee.external_ref == " t-1 "
    session = _parse(CreateSession, '{"trainee_id": "t", "scenario_id": "demo", "scenario_version": 2}')
    assert isinstance(session, CreateSession) and session.scenario_version == 2
    assignment = _parse(CreateAssignment, '{"scenario_id": "demo", "due_at": "2030-01-01T09:00:00+01:00"}')
    assert isinstance(assignment, CreateAssignment) and assignment.due_at is not None
    assert assignment.due_at.utcoffset() is not None
    webhook = _parse(SetWebhook, '{"url": "https://example.org/h", "events": null}')
    assert isinstance(webhook, SetWebhook) and webhook.events is None
