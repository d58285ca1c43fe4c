"""Bad input gets a clear error, and one organisation never sees another's data."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from stack import Partner, Stack

pytestmark = pytest.mark.integration

JSON = {"Content-Type": "application/json"}


def _json(body: dict[str, Any]) -> str:
    # ASCII-escaped, so a body may carry what a client's UTF-8 encoder would refuse to send
    # (an unpaired surrogate) exactly as a partner's JSON library can.
    return json.dumps(body)


def test_missing_or_wrong_api_key_is_401(stack: Stack) -> None:
    with httpx.Client(base_url=stack.session_url) as anonymous:
        response = anonymous.get("/v1/scenarios")
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["www-authenticate"] == "Bearer"
        wrong = anonymous.get("/v1/scenarios", headers={"Authorization": "Bearer prk_000000000000_nope"})
        assert wrong.status_code == 401


def test_openapi_is_served(stack: Stack) -> None:
    spec = httpx.get(f"{stack.session_url}/openapi.json").json()
    assert "/v1/sessions/{session_id}/turns" in spec["paths"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 2001}, "text"),
        ({}, "text"),
        ({"txt": "hi"}, "txt"),
        # PostgreSQL text cannot hold U+0000 or an unpaired surrogate; these were 500s.
        ({"text": "hello\u0000 there"}, "text"),
        ({"text": "half \ud800 pair"}, "text"),
    ],
)
def test_malformed_turns_are_422_naming_the_field(partner: Partner, body: dict[str, str], field: str) -> None:
    sid = partner.session()["id"]
    response = partner.client.post(f"/v1/sessions/{sid}/turns", content=_json(body), headers=JSON)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/trainees", {"external_ref": "a\u0000b"}, "external_ref"),
        ("/v1/trainees", {"external_ref": "ok", "display_name": "\u0000"}, "display_name"),
        ("/v1/sessions", {"trainee_id": "\u0000", "scenario_id": "x"}, "trainee_id"),
        ("/v1/trainees", {"external_ref": "\udfff"}, "external_ref"),
        ("/v1/cohorts", {"name": "spring\u0000intake"}, "name"),
        ("/v1/cohorts", {"name": "ok", "description": "\ud800"}, "description"),
        # Past int32 (gRPC and PostgreSQL); this was a 500.
        ("/v1/sessions", {"trainee_id": "x", "scenario_id": "x", "scenario_version": 2**31}, "scenario_version"),
    ],
)
def test_unstorable_values_in_any_field_are_422_naming_it(
    partner: Partner, path: str, body: dict[str, Any], field: str
) -> None:
    response = partner.client.post(path, content=_json(body), headers=JSON)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


def test_unknown_scenario_and_session_are_404(partner: Partner) -> None:
    trainee = partner.trainee()
    response = partner.client.post(
        "/v1/sessions", json={"trainee_id": trainee["id"], "scenario_id": "no-such-scenario"}
    )
    assert response.status_code == 404
    assert partner.client.get("/v1/sessions/00000000-0000-0000-0000-000000000000").status_code == 404
    assert partner.client.get("/v1/sessions/not-a-uuid/transcript").status_code == 404
    assert partner.turn("00000000-0000-0000-0000-000000000000", "hi").status_code == 404


def test_another_organisations_session_is_404_and_reveals_nothing(partner: Partner, other_partner: Partner) -> None:
    session = partner.session()
    sid = session["id"]
    partner.reply(sid, "How have you been sleeping?")
    for method, path in [
        ("GET", f"/v1/sessions/{sid}"),
        ("GET", f"/v1/sessions/{sid}/transcript"),
        ("GET", f"/v1/sessions/{sid}/report"),
        ("POST", f"/v1/sessions/{sid}/end"),
        ("GET", f"/v1/trainees/{session['trainee_id']}"),
        ("GET", f"/v1/trainees/{session['trainee_id']}/progress"),
    ]:
        response = other_partner.client.request(method, path)
        assert response.status_code == 404, (method, path, response.status_code)
        assert "sleeping" not in response.text
    stolen = other_partner.turn(sid, "hello")
    assert stolen.status_code == 404
    # The owner's session is untouched.
    assert partner.client.get(f"/v1/sessions/{sid}").json()["status"] == "active"


def test_trainee_distress_pauses_the_role_play_with_crisis_resources(stack: Stack, partner: Partner) -> None:
    sid = partner.session()["id"]
    response = partner.turn(sid, "I'm not role-playing anymore. Honestly I've been thinking about ending my own life.")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["reply"] is None
    assert "988" in " ".join(r["contact"] for r in body["crisis"]["resources"])
    assert partner.client.get(f"/v1/sessions/{sid}").json()["status"] == "crisis_paused"
    incidents = partner.client.get("/v1/safety-incidents").json()
    assert any(i["session_id"] == sid for i in incidents)
    # Recorded for the organisation's safety contact, never as an event for analysts.
    assert stack.sql("SELECT count(*) FROM session.outbox WHERE aggregateid = %s AND type = 'turn.completed'", sid) == [
        (0,)
    ]


def test_the_safety_contact_acknowledges_an_incident_before_the_trainee_can_be_erased(
    stack: Stack, partner: Partner, other_partner: Partner
) -> None:
    session = partner.session()
    sid, tid = session["id"], session["trainee_id"]
    partner.reply(sid, "Not role-play: I've been thinking about killing myself lately.")
    todo = partner.client.get("/v1/safety-incidents", params={"unacknowledged": "true"}).json()
    incident = next(i for i in todo if i["session_id"] == sid)
    assert incident["acknowledged_at"] is None
    path = f"/v1/safety-incidents/{incident['id']}/acknowledge"
    assert other_partner.client.post(path).status_code == 404
    assert partner.client.post("/v1/safety-incidents/not-an-id/acknowledge").status_code == 404

    # The trainee cannot be erased while the incident waits for the safety contact.
    refused = partner.client.delete(f"/v1/trainees/{tid}")
    assert refused.status_code == 409 and "acknowledge" in refused.json()["detail"]
    assert partner.client.get(f"/v1/sessions/{sid}").status_code == 200

    first = partner.client.post(path)
    assert first.status_code == 200 and first.json()["acknowledged_at"] is not None
    again = partner.client.post(path).json()
    assert again["acknowledged_at"] == first.json()["acknowledged_at"], "the first acknowledgement counts"
    todo = partner.client.get("/v1/safety-incidents", params={"unacknowledged": "true"}).json()
    assert all(i["id"] != incident["id"] for i in todo)
    assert any(i["id"] == incident["id"] for i in partner.client.get("/v1/safety-incidents").json())
    # The trainee's data export carries the incident, acknowledged.
    exported = partner.client.get(f"/v1/trainees/{tid}/export").json()["safety_incidents"]
    assert [(i["id"], i["acknowledged_at"]) for i in exported] == [(incident["id"], first.json()["acknowledged_at"])]
    erased = partner.client.delete(f"/v1/trainees/{tid}")
    assert erased.status_code == 200 and erased.json()["safety_incidents_erased"] == 1


def test_trainees_and_sessions_are_listed_a_page_at_a_time_per_organisation(
    partner: Partner, other_partner: Partner
) -> None:
    created = [partner.trainee()["id"] for _ in range(5)]
    other = other_partner.trainee()["id"]
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(10):
        params: dict[str, str | int] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = partner.client.get("/v1/trainees", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= 2
        seen += [t["id"] for t in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    # Newest first, each once, none of the other organisation's.
    assert seen == created[::-1]
    assert other not in seen

    session = partner.session()  # a sixth trainee, with a session
    listed = partner.client.get("/v1/sessions", params={"trainee_id": session["trainee_id"]}).json()
    assert [s["id"] for s in listed["items"]] == [session["id"]] and listed["next_cursor"] is None
    assert partner.client.get("/v1/sessions", params={"status": "ended"}).json()["items"] == []
    assert other_partner.client.get("/v1/sessions").json()["items"] == []
    # Another organisation's trainee is not a filter you can use to probe: 404.
    assert partner.client.get("/v1/sessions", params={"trainee_id": other}).status_code == 404


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v1/trainees", {"cursor": "not-a-cursor"}, "cursor"),
        ("/v1/trainees", {"limit": 0}, "limit"),
        ("/v1/trainees", {"limit": 101}, "limit"),
        ("/v1/sessions", {"status": "finished"}, "status"),
        ("/v1/sessions", {"cursor": "x" * 300}, "cursor"),
    ],
)
def test_bad_list_parameters_are_422_naming_the_field(
    partner: Partner, path: str, params: dict[str, str | int], field: str
) -> None:
    response = partner.client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
