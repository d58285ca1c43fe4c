"""Command line of the session service.

python -m practicum_session serve        # the REST API (with embedded relay + consumer)
python -m practicum_session relay        # only the outbox relay
python -m practicum_session consume      # only the grade-event consumer
python -m practicum_session migrate      # apply database migrations and exit
python -m practicum_session create-org --name NAME [--safety-contact WHO] [--allow-duplicate-name]
                                         # a new organisation; prints its first API key once
python -m practicum_session list-orgs [--name SUBSTRING] [--json]   # id, name, created, active keys
python -m practicum_session list-keys --org ID [--all] [--json]     # an organisation's keys (no secrets)
python -m practicum_session issue-key --org ID [--label L]          # another key, printed once
python -m practicum_session revoke-key --org ID KEY_ID              # revoke at once (not the last one)

--safety-contact is who is told about trainee safety incidents. Only serve, relay,
consume, migrate and create-org apply migrations; the other commands say so when the
schema is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from practicum_common import db
from practicum_common.health import Liveness, postgres_and_kafka_checks, serve_side_http
from practicum_common.logs import setup_logging
from practicum_common.messaging import run_in_thread
from practicum_common.process import require_migrated, wait_for_shutdown_signal
from practicum_common.telemetry import setup_tracing
from practicum_session.settings import SessionSettings

if TYPE_CHECKING:
    from practicum_session.adapters.repository import PostgresSessionRepository

SERVICE = "session"
MIGRATE_COMMAND = "python -m practicum_session migrate"


def _key_id(value: str) -> str:
    """A key id as `list-keys` shows it; also accepts it with its prk_ prefix, or the whole
    key (a leaked key is what an operator is likely to have at hand)."""
    value = value.strip()
    if value.startswith("prk_"):
        value = value.split("_")[1]
    if not value:
        raise argparse.ArgumentTypeError("empty key id")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m practicum_session", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the REST API")
    sub.add_parser("relay", help="run the outbox relay (and the webhook sender) alone")
    sub.add_parser("consume", help="run the grade-event consumer alone")
    sub.add_parser("migrate", help="apply database migrations")
    org = sub.add_parser("create-org", help="create an organisation and print its first API key")
    org.add_argument("--name", required=True, help="the organisation's name; unique unless --allow-duplicate-name")
    org.add_argument("--safety-contact", default=None, help="who is told about trainee safety incidents")
    org.add_argument(
        "--allow-duplicate-name", action="store_true", help="create it even if an organisation has this name"
    )
    # For operators: a partner who lost every key, or a leaked key the partner cannot
    # revoke in time. Partners rotate their own keys through /v1/api-keys.
    orgs = sub.add_parser("list-orgs", help="organisations with their id, creation time and active key count")
    orgs.add_argument("--name", default=None, help="only those whose name contains this (ignoring case)")
    orgs.add_argument("--json", action="store_true", help="one JSON object a line")
    keys = sub.add_parser("list-keys", help="an organisation's API keys (never their secrets)")
    keys.add_argument("--org", required=True, help="organisation id")
    keys.add_argument("--all", action="store_true", help="include revoked keys")
    keys.add_argument("--json", action="store_true", help="one JSON object a line")
    issue = sub.add_parser("issue-key", help="issue another API key for an organisation; prints it once")
    issue.add_argument("--org", required=True, help="organisation id")
    issue.add_argument("--label", default="issued by an operator")
    revoke = sub.add_parser("revoke-key", help="revoke an API key at once (not the organisation's last)")
    revoke.add_argument("--org", required=True, help="organisation id")
    revoke.add_argument(
        "key_id", type=_key_id, help="the key's id as list-keys shows it (4b997a3c7d64); prk_4b997a3c7d64 works too"
    )
    args = parser.parse_args(argv)
    if args.command == "create-org" and not args.name.strip():
        print("error: --name must not be blank", file=sys.stderr)
        return 2

    settings = SessionSettings()
    setup_logging(SERVICE, settings.log_level)
    setup_tracing(SERVICE, settings.otel_traces_exporter, settings.otel_exporter_otlp_endpoint)

    from practicum_session.entrypoints.app import (
        MIGRATIONS,
        create_app,
        make_grade_consumer,
        make_relay,
        make_webhook_sender,
    )

    if args.command == "serve":
        import uvicorn

        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")
    elif args.command == "migrate":
        applied = db.migrate(settings.postgres_dsn, "session", MIGRATIONS)
        print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")
    elif args.command == "relay":
        db.migrate(settings.postgres_dsn, "session", MIGRATIONS)
        relay, sender = make_relay(settings), make_webhook_sender(settings)
        threads = (relay.start_thread(), sender.start_thread())
        # Both loops survive Kafka and PostgreSQL outages (they back off and count
        # failures), so their threads being alive is what liveness can honestly say.
        _serve_side_http(settings, settings.relay_http_port, lambda: all(t.is_alive() for t in threads))
        wait_for_shutdown_signal()
        relay.stop()
        sender.stop()
    elif args.command == "consume":
        db.migrate(settings.postgres_dsn, "session", MIGRATIONS)
        liveness = Liveness(max_silence_s=60)
        consumer = make_grade_consumer(settings, on_poll=liveness.beat)
        run_in_thread(consumer, "session-grade-consumer")
        _serve_side_http(settings, settings.consumer_http_port, liveness.alive)
        wait_for_shutdown_signal()
        consumer.stop()
    elif args.command == "create-org":
        # Migrates: on a new database the first organisation is created before any server
        # has started (README, "Run it alone"), and it is the one write that needs no
        # existing row.
        db.migrate(settings.postgres_dsn, "session", MIGRATIONS)
        return asyncio.run(_create_org(settings, args))
    else:
        # Never migrates: list-orgs and list-keys only read, and issue-key and revoke-key
        # act on an organisation, which exists only in a migrated schema. Migrating here
        # would apply this build's pending DDL (it may be newer than the running pods) and
        # could wait on the migrator's lock, in what is often an emergency revoke.
        require_migrated(settings.postgres_dsn, "session", ("organisations", "api_keys"), MIGRATE_COMMAND)
        if args.command == "list-orgs":
            return asyncio.run(_list_orgs(settings, args))
        return asyncio.run(_keys(settings, args))
    return 0


def _serve_side_http(settings: SessionSettings, port: int, alive: Callable[[], bool]) -> None:
    # /metrics carries the relay's or consumer's own series (outbox backlog, record age,
    # practicum_turn_feedback_delay_seconds), which the API process serves when embedded.
    serve_side_http(settings.host, port, readiness=postgres_and_kafka_checks(settings), liveness=alive)


@asynccontextmanager
async def _repository(settings: SessionSettings) -> AsyncIterator[PostgresSessionRepository]:
    from practicum_session.adapters.repository import PostgresSessionRepository

    pool = db.async_pool(settings.postgres_dsn, max_size=1, name="cli")
    await pool.open(wait=True, timeout=30)
    try:
        yield PostgresSessionRepository(pool)
    finally:
        await pool.close()


async def _create_org(settings: SessionSettings, args: argparse.Namespace) -> int:
    from practicum_common.errors import Conflict

    name = args.name.strip()
    async with _repository(settings) as repo:
        try:
            org, key = await repo.create_organisation(
                name, args.safety_contact, allow_duplicate_name=args.allow_duplicate_name
            )
        except Conflict as exc:
            print(f"error: {exc} (list-orgs --name shows it; --allow-duplicate-name creates another)", file=sys.stderr)
            return 1
    # The plaintext key is shown once; only its hash is stored.
    print(json.dumps({"organisation_id": org.id, "name": org.name, "api_key": key.plaintext}))
    return 0


async def _list_orgs(settings: SessionSettings, args: argparse.Namespace) -> int:
    async with _repository(settings) as repo:
        found = await repo.list_organisations(args.name)
    for o in found:
        if args.json:
            row = {"organisation_id": o["id"], "name": o["name"], "created_at": o["created_at"].isoformat()}
            print(json.dumps({**row, "active_keys": o["active_keys"]}))
        else:
            print(f"{o['id']}  {o['created_at'].isoformat()}  {o['active_keys']:>2} active key(s)  {o['name']}")
    if not found and not args.json:
        print("no organisations" + (f" with {args.name!r} in their name" if args.name else ""), file=sys.stderr)
    return 0


async def _keys(settings: SessionSettings, args: argparse.Namespace) -> int:
    from practicum_common.errors import Conflict

    try:
        org_id = str(uuid.UUID(args.org))
    except ValueError:
        print(f"error: --org {args.org!r} is not an organisation id", file=sys.stderr)
        return 2
    async with _repository(settings) as repo:
        if not await repo.organisation_exists(org_id):
            print(f"error: no organisation {org_id}", file=sys.stderr)
            return 1
        try:
            if args.command == "list-keys":
                for k in await repo.list_api_keys(org_id, include_revoked=args.all):
                    if args.json:
                        revoked_at = k.revoked_at.isoformat() if k.revoked_at else None
                        print(
                            json.dumps(
                                {
                                    "organisation_id": org_id,
                                    "key_id": k.key_id,
                                    "label": k.label,
                                    "created_at": k.created_at.isoformat(),
                                    "revoked_at": revoked_at,
                                }
                            )
                        )
                    else:
                        revoked = f"  revoked {k.revoked_at.isoformat()}" if k.revoked_at else ""
                        print(f"{k.key_id}  {k.created_at.isoformat()}  {k.label}{revoked}")
            elif args.command == "issue-key":
                key, issued = await repo.issue_api_key(org_id, args.label)
                # The plaintext key is shown once; only its hash is stored.
                print(json.dumps({"organisation_id": org_id, "key_id": key.key_id, "api_key": issued.plaintext}))
            elif not await repo.revoke_api_key(org_id, args.key_id):
                print(f"error: organisation {org_id} has no active key {args.key_id}", file=sys.stderr)
                return 1
            else:
                print(f"revoked {args.key_id}")
        except Conflict as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    from practicum_common.process import run_main

    sys.exit(run_main(main))
