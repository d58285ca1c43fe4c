"""API key rotation on the real stack: a partner issues a second key, moves to it and
revokes the first, which stops working at once; the last key cannot be revoked; the
operator CLI does the same for a partner who cannot."""

from __future__ import annotations

import json
import sys

import httpx
import pytest
from stack import Partner, Stack, run

pytestmark = pytest.mark.integration


def _client(stack: Stack, key: str) -> httpx.Client:
    return httpx.Client(base_url=stack.session_url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


def test_a_partner_rotates_its_key_without_downtime(stack: Stack, partner: Partner, other_partner: Partner) -> None:
    first_id = partner.api_key.split("_")[1]
    [listed] = partner.client.get("/v1/api-keys").json()
    assert (listed["key_id"], listed["current"], "api_key" in listed) == (first_id, True, False)

    bad = partner.client.post("/v1/api-keys", json={"label": ""})
    assert bad.status_code == 422 and "label" in [e["field"] for e in bad.json()["errors"]]
    issued = partner.client.post("/v1/api-keys", json={"label": "lms-prod-2026"})
    assert issued.status_code == 201, issued.text
    second = issued.json()
    assert second["api_key"].startswith(f"prk_{second['key_id']}_") and not second["current"]

    with _client(stack, second["api_key"]) as rotated:
        # Both keys work while the integration is redeployed.
        assert partner.client.get("/v1/trainees").status_code == 200
        assert rotated.get("/v1/trainees").status_code == 200
        keys = {k["key_id"]: k for k in rotated.get("/v1/api-keys").json()}
        assert set(keys) == {first_id, second["key_id"]} and keys[second["key_id"]]["current"]
        assert all("api_key" not in k for k in keys.values()), "secrets are shown once"

        # Another organisation cannot see or revoke them.
        assert other_partner.client.delete(f"/v1/api-keys/{first_id}").status_code == 404
        assert first_id not in str(other_partner.client.get("/v1/api-keys").json())

        assert rotated.delete(f"/v1/api-keys/{first_id}").status_code == 204
        old = partner.client.get("/v1/trainees")
        assert old.status_code == 401, "a revoked key stops working at once"
        assert rotated.delete(f"/v1/api-keys/{first_id}").status_code == 404
        last = rotated.delete(f"/v1/api-keys/{second['key_id']}")
        assert last.status_code == 409 and "last active" in last.json()["detail"]
        assert rotated.get("/v1/trainees").status_code == 200


def test_operators_issue_and_revoke_keys_from_the_cli(stack: Stack, partner: Partner) -> None:
    cli = (sys.executable, "-m", "practicum_session")
    org = partner.organisation_id
    issued = run(*cli, "issue-key", "--org", org, "--label", "lost-key recovery", env=stack.env).stdout
    key = json.loads(issued)
    with _client(stack, key["api_key"]) as recovered:
        assert recovered.get("/v1/trainees").status_code == 200
    listing = run(*cli, "list-keys", "--org", org, env=stack.env).stdout
    assert key["key_id"] in listing and "lost-key recovery" in listing and "prk_" not in listing

    first_id = partner.api_key.split("_")[1]
    assert run(*cli, "revoke-key", "--org", org, first_id, env=stack.env).stdout.strip() == f"revoked {first_id}"
    assert partner.client.get("/v1/trainees").status_code == 401
    assert "revoked" in run(*cli, "list-keys", "--org", org, "--all", env=stack.env).stdout
    refused = run(*cli, "revoke-key", "--org", org, key["key_id"], env=stack.env, check=False)
    assert refused.returncode == 1 and "last active API key" in refused.stderr
    unknown = run(*cli, "issue-key", "--org", "not-an-id", env=stack.env, check=False)
    assert unknown.returncode == 2 and "not an organisation id" in unknown.stderr
