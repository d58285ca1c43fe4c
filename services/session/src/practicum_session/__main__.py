"""Command line of the session service.

python -m practicum_session serve        # the REST API (with embedded relay + consumer)
python -m practicum_session relay        # only the outbox relay
python -m practicum_session consume      # only the grade-event consumer
python -m practicum_session migrate      # apply database migrations and exit
python -m practicum_session create-org --name NAME   # prints a new organisation's API key
python -m practicum_session list-keys --org ID [--all]         # an organisation's keys (no secrets)
python -m practicum_session issue-key --org ID [--label L]     # another key, printed once
python -m practicum_session revoke-key --org ID KEY_ID         # revoke at once (not the last one)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import Callable

from practicum_common import db
from practicum_common.health import Liveness, postgres_and_kafka_checks, serve_side_http
from practicum_common.logs import setup_logging
from practicum_common.messaging import run_in_thread
from practicum_common.process import wait_for_shutdown_signal
from practicum_common.telemetry import setup_tracing
from practicum_session.settings import SessionSettings

SERVICE = "session"


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
    org.add_argument("--name", required=True)
    org.add_argument("--safety-contact", default=None, help="who is told about trainee safety incidents")
    # For operators: a partner who lost every key, or a leaked key the partner cannot
    # revoke in time. Partners rotate their own keys through /v1/api-keys.
    keys = sub.add_parser("list-keys", help="an organisation's API keys (never their secrets)")
    keys.add_argument("--org", required=True, help="organisation id")
    keys.add_argument("--all", action="store_true", help="include revoked keys")
    issue = sub.add_parser("issue-key", help="issue another API key for an organisation; prints it once")
    issue.add_argument("--org", required=True, help="organisation id")
    issue.add_argument("--label", default="issued by an operator")
    revoke = sub.add_parser("revoke-key", help="revoke an API key at once (not the organisation's last)")
    revoke.add_argument("--org", required=True, help="organisation id")
    revoke.add_argument("key_id", help="the key's id: the part after prk_")
    args = parser.parse_args(argv)

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
        db.migrate(settings.postgres_dsn, "session", MIGRATIONS)
        print(json.dumps(asyncio.run(_create_org(settings, args.name, args.safety_contact))))
    elif args.command in ("list-keys", "issue-key", "revoke-key"):
        db.migrate(settings.postgres_dsn, "session", MIGRATIONS)
        return asyncio.run(_keys(settings, args))
    return 0


def _serve_side_http(settings: SessionSettings, port: int, alive: Callable[[], bool]) -> None:
    # /metrics carries the relay's or consumer's own series (outbox backlog, record age,
    # practicum_turn_feedback_delay_seconds), which the API process serves when embedded.
    serve_side_http(settings.host, port, readiness=postgres_and_kafka_checks(settings), liveness=alive)


async def _create_org(settings: SessionSettings, name: str, safety_contact: str | None) -> dict[str, str]:
    from practicum_session.adapters.repository import PostgresSessionRepository

    pool = db.async_pool(settings.postgres_dsn, max_size=1, name="cli")
    await pool.open(wait=True, timeout=30)
    try:
        org, key = await PostgresSessionRepository(pool).create_organisation(name, safety_contact)
    finally:
        await pool.close()
    # The plaintext key is shown once; only its hash is stored.
    return {"organisation_id": org.id, "name": org.name, "api_key": key.plaintext}


async def _keys(settings: SessionSettings, args: argparse.Namespace) -> int:
    from practicum_common.errors import Conflict
    from practicum_session.adapters.repository import PostgresSessionRepository

    try:
        org_id = str(uuid.UUID(args.org))
    except ValueError:
        print(f"error: --org {args.org!r} is not an organisation id", file=sys.stderr)
        return 2
    pool = db.async_pool(settings.postgres_dsn, max_size=1, name="cli")
    await pool.open(wait=True, timeout=30)
    try:
        repo = PostgresSessionRepository(pool)
        if not await repo.organisation_exists(org_id):
            print(f"error: no organisation {org_id}", file=sys.stderr)
            return 1
        if args.command == "list-keys":
            for k in await repo.list_api_keys(org_id, include_revoked=args.all):
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
    finally:
        await pool.close()
    return 0


if __name__ == "__main__":
    from practicum_common.process import run_main

    sys.exit(run_main(main))
