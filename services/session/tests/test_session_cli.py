"""`python -m practicum_session`'s operator commands, with an in-memory organisation store
in place of PostgreSQL (`tests/test_api_keys.py` runs them against the real stack)."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from practicum_common import db
from practicum_common.errors import Conflict
from practicum_common.process import NotMigrated, run_main
from practicum_session import __main__ as cli
from practicum_session.domain.auth import issue_key
from practicum_session.domain.model import ApiKey, Organisation

ORG = "6f1c2a53-0b7e-4d8e-9a43-1f0e9f1b2c3d"
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


class FakeOrganisations:
    """The organisation and key methods the CLI calls, with the repository's rules."""

    def __init__(self) -> None:
        self.orgs: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, list[ApiKey]] = {}
        self.revoked: list[str] = []

    async def create_organisation(
        self, name: str, safety_contact: str | None = None, *, allow_duplicate_name: bool = False
    ) -> tuple[Organisation, Any]:
        same = [o["id"] for o in self.orgs.values() if o["name"].strip().lower() == name.strip().lower()]
        if same and not allow_duplicate_name:
            raise Conflict(f"an organisation named {name!r} already exists: {', '.join(same)}")
        org = Organisation(str(uuid.uuid4()), name)
        key = issue_key()
        self.orgs[org.id] = {"id": org.id, "name": name, "created_at": NOW, "safety_contact": safety_contact}
        self.keys[org.id] = [ApiKey(key.key_id, "initial", NOW)]
        return org, key

    async def list_organisations(self, name_contains: str | None = None) -> list[dict[str, Any]]:
        return [
            {**o, "active_keys": len([k for k in self.keys[o["id"]] if k.revoked_at is None])}
            for o in self.orgs.values()
            if name_contains is None or name_contains.lower() in o["name"].lower()
        ]

    async def organisation_exists(self, org_id: str) -> bool:
        return org_id in self.orgs

    async def list_api_keys(self, org_id: str, include_revoked: bool = False) -> list[ApiKey]:
        return [k for k in self.keys[org_id] if include_revoked or k.revoked_at is None]

    async def revoke_api_key(self, org_id: str, key_id: str) -> bool:
        self.revoked.append(key_id)
        return any(k.key_id == key_id for k in self.keys[org_id])


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> FakeOrganisations:
    fake = FakeOrganisations()

    @asynccontextmanager
    async def repository(settings: object) -> AsyncIterator[FakeOrganisations]:
        yield fake

    def no_migration(*args: object) -> list[str]:
        raise AssertionError("this command must not migrate")

    monkeypatch.setattr(cli, "_repository", repository)
    monkeypatch.setattr(cli, "require_migrated", lambda *args: None)
    monkeypatch.setattr(db, "migrate", no_migration)
    monkeypatch.setattr(cli, "setup_logging", lambda *args: None)
    return fake


def _migrations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    done: list[str] = []
    monkeypatch.setattr(db, "migrate", lambda dsn, schema, path: done.append(schema) or [])
    return done


def test_a_blank_name_is_refused_in_one_line(store: FakeOrganisations, capsys: pytest.CaptureFixture[str]) -> None:
    for blank in ("", "   "):
        assert cli.main(["create-org", "--name", blank]) == 2
        assert capsys.readouterr().err == "error: --name must not be blank\n"
    assert store.orgs == {}


def test_a_second_organisation_with_a_name_is_refused_unless_asked_for(
    store: FakeOrganisations, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _migrations(monkeypatch) == []
    assert cli.main(["create-org", "--name", " Acme Peer Support ", "--safety-contact", "ops@acme.example"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["name"] == "Acme Peer Support"  # stored without the surrounding spaces
    assert store.orgs[first["organisation_id"]]["safety_contact"] == "ops@acme.example"

    assert cli.main(["create-org", "--name", "acme peer support"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith(
        f"error: an organisation named 'acme peer support' already exists: {first['organisation_id']}"
    )
    assert "--allow-duplicate-name" in err

    assert cli.main(["create-org", "--name", "Acme Peer Support", "--allow-duplicate-name"]) == 0
    assert len(store.orgs) == 2


def test_create_org_migrates_first(
    store: FakeOrganisations, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    migrated = _migrations(monkeypatch)
    assert cli.main(["create-org", "--name", "First"]) == 0
    assert migrated == ["session"]


def test_list_orgs_shows_id_name_creation_and_active_keys(
    store: FakeOrganisations, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _migrations(monkeypatch)
    for name in ("Acme Peer Support", "Harbor Crisis Line"):
        assert cli.main(["create-org", "--name", name]) == 0
    capsys.readouterr()
    monkeypatch.setattr(db, "migrate", lambda *args: pytest.fail("list-orgs must not migrate"))

    assert cli.main(["list-orgs", "--name", "HARBOR"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    org_id = next(o["id"] for o in store.orgs.values() if o["name"] == "Harbor Crisis Line")
    assert line == f"{org_id}  {NOW.isoformat()}   1 active key(s)  Harbor Crisis Line"

    assert cli.main(["list-orgs", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["name"] for r in rows] == ["Acme Peer Support", "Harbor Crisis Line"]
    assert rows[1] == {
        "organisation_id": org_id,
        "name": "Harbor Crisis Line",
        "created_at": NOW.isoformat(),
        "active_keys": 1,
    }

    assert cli.main(["list-orgs", "--name", "nobody", "--json"]) == 0
    assert capsys.readouterr().out == ""


def test_list_keys_has_json_and_does_not_migrate(store: FakeOrganisations, capsys: pytest.CaptureFixture[str]) -> None:
    store.orgs[ORG] = {"id": ORG, "name": "Acme", "created_at": NOW}
    store.keys[ORG] = [ApiKey("4b997a3c7d64", "initial", NOW), ApiKey("0123456789ab", "old", NOW, NOW)]
    assert cli.main(["list-keys", "--org", ORG, "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows == [
        {
            "organisation_id": ORG,
            "key_id": "4b997a3c7d64",
            "label": "initial",
            "created_at": NOW.isoformat(),
            "revoked_at": None,
        }
    ]
    assert cli.main(["list-keys", "--org", ORG, "--all", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[1])["revoked_at"] == NOW.isoformat()


@pytest.mark.parametrize("given", ["4b997a3c7d64", "prk_4b997a3c7d64", "prk_4b997a3c7d64_c2VjcmV0LXNlY3JldA"])
def test_revoke_key_takes_the_id_with_or_without_prk(
    given: str, store: FakeOrganisations, capsys: pytest.CaptureFixture[str]
) -> None:
    store.orgs[ORG] = {"id": ORG, "name": "Acme", "created_at": NOW}
    store.keys[ORG] = [ApiKey("4b997a3c7d64", "initial", NOW)]
    assert cli.main(["revoke-key", "--org", ORG, given]) == 0
    assert store.revoked == ["4b997a3c7d64"]
    assert capsys.readouterr().out == "revoked 4b997a3c7d64\n"


def test_read_only_commands_report_an_unmigrated_schema_instead_of_migrating(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_migration(*args: object) -> list[str]:
        raise AssertionError("must not migrate")

    def unmigrated(dsn: str, schema: str, tables: object, command: str) -> None:
        raise NotMigrated(f"the {schema} schema is not migrated (no table {schema}.organisations); run {command}")

    monkeypatch.setattr(db, "migrate", no_migration)
    monkeypatch.setattr(cli, "require_migrated", unmigrated)
    monkeypatch.setattr(cli, "setup_logging", lambda *args: None)
    for argv in (["list-keys", "--org", ORG], ["list-orgs"], ["revoke-key", "--org", ORG, "4b997a3c7d64"]):
        assert run_main(lambda argv=argv: cli.main(argv)) == 1
        assert capsys.readouterr().err == (
            "error: the session schema is not migrated (no table session.organisations); "
            "run python -m practicum_session migrate\n"
        )


def test_run_from_another_folder_postgres_unreachable_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POSTGRES_HOST", "127.0.0.1")
    monkeypatch.setenv("POSTGRES_PORT", str(port))
    monkeypatch.setattr(cli, "setup_logging", lambda *args: None)
    assert run_main(lambda: cli.main(["list-keys", "--org", ORG])) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"error: PostgreSQL is unreachable at 127.0.0.1:{port} (Connection refused); ")


def test_bad_settings_are_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PRACTICUM_ENV", "production")
    monkeypatch.setenv("POSTGRES_PASSWORD", "practicum-dev-only")
    assert run_main(lambda: cli.main(["list-orgs"])) == 2
    assert capsys.readouterr().err.startswith("error: configuration: POSTGRES_PASSWORD uses a development-only value")
