"""Analytics as an analyst meets it: the API (token-protected, de-identified, per
organisation) and the de-identified event stream practicum.analyst.events.v1."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from stack import Partner, Stack
from support import analyst_events, wait_for

from practicum_protos.events.v1 import events_pb2

pytestmark = pytest.mark.integration


def _auth(stack: Stack) -> dict[str, str]:
    # The services' development default unless the environment sets one.
    return {"Authorization": f"Bearer {stack.env.get('ANALYTICS_API_TOKEN', 'practicum-dev-only')}"}


def test_no_or_wrong_token_is_401(stack: Stack) -> None:
    url = f"{stack.analytics_url}/v1/organisations/{uuid.uuid4()}/summary"
    for headers in ({}, {"Authorization": "Bearer not-the-token"}):
        response = httpx.get(url, headers=headers)
        assert response.status_code == 401, response.text
        assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/organisations/not-a-uuid/summary", "org_id"),
        ("/v1/organisations/not-a-uuid/export/sessions", "org_id"),
        (f"/v1/organisations/{uuid.uuid4()}/trainees/42/progress", "trainee_id"),
    ],
)
def test_malformed_ids_are_422_naming_the_field(stack: Stack, path: str, field: str) -> None:
    # Was an empty 200, which reads to an analyst like "this organisation has no data".
    response = httpx.get(f"{stack.analytics_url}{path}", headers=_auth(stack))
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


def test_export_pseudonymises_trainees_and_keeps_organisations_apart(
    stack: Stack, partner: Partner, other_partner: Partner
) -> None:
    session = partner.session()
    partner.reply(session["id"], "What brings you in today?")
    export_url = f"{stack.analytics_url}/v1/organisations/{partner.organisation_id}/export/sessions"

    def exported() -> list[dict[str, Any]] | None:
        rows: list[dict[str, Any]] = httpx.get(export_url, headers=_auth(stack)).json()
        return rows if any(r["session_id"] == session["id"] for r in rows) else None

    rows = wait_for(exported, 60, "the session in the analytics export")
    assert session["trainee_id"] not in httpx.get(export_url, headers=_auth(stack)).text
    # A stable pseudonym, so an analyst can follow one trainee across sessions and exports.
    assert [r["trainee"] for r in rows] == [r["trainee"] for r in exported() or []]
    assert rows[0]["trainee"] and rows[0]["trainee"] != session["trainee_id"]

    summary = httpx.get(
        f"{stack.analytics_url}/v1/organisations/{partner.organisation_id}/summary", headers=_auth(stack)
    )
    assert summary.status_code == 200 and summary.json()["trainees"] == 1
    assert session["trainee_id"] not in summary.text

    other = f"{stack.analytics_url}/v1/organisations/{other_partner.organisation_id}"
    assert httpx.get(f"{other}/export/sessions", headers=_auth(stack)).json() == []
    assert httpx.get(f"{other}/summary", headers=_auth(stack)).json()["trainees"] == 0


def test_analyst_stream_is_de_identified_and_joins_the_export(stack: Stack, partner: Partner) -> None:
    session = partner.session()
    text = "What has the last month been like for you?"
    reply = partner.reply(session["id"], text)
    assert reply.status_code == 200, reply.text
    client_text: str = reply.json()["reply"] or ""

    records = analyst_events(stack, session["id"], {"session.started", "turn.completed", "turn.coded"}, 90)
    events = [events_pb2.AnalystEvent.FromString(value) for _, value in records]
    for _, value in records:
        assert session["trainee_id"].encode() not in value
        assert text.encode() not in value
        if len(client_text) >= 12:  # a very short reply could occur in any bytes by chance
            assert client_text.encode() not in value
    # One pseudonym per trainee, the same one the export shows, so the two join.
    export = httpx.get(
        f"{stack.analytics_url}/v1/organisations/{partner.organisation_id}/export/sessions", headers=_auth(stack)
    ).json()
    assert {e.trainee_pseudonym for e in events} == {r["trainee"] for r in export}
    coded = next(e for e in events if e.event_type == "turn.coded")
    assert coded.turn_coded.turn_index == 1 and coded.turn_coded.code.code
    started = next(e for e in events if e.event_type == "session.started")
    assert started.session_started.scenario_id == session["scenario_id"]
