"""PostgreSQL implementation of the session repository (schema ``session``).

Every statement filters by organisation id. Writes that produce events insert their
outbox row in the same transaction (see practicum_common.outbox).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection, AsyncCursor, errors
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from practicum_common.errors import Conflict, NotFound
from practicum_common.outbox import outbox_insert
from practicum_common.topics import SESSION_EVENTS
from practicum_protos.events.v1 import events_pb2
from practicum_session.adapters import events, webhooks
from practicum_session.domain.auth import MAX_ACTIVE_KEYS, IssuedKey, issue_key, parse_key_id, verify
from practicum_session.domain.model import (
    ApiKey,
    Assignment,
    Cohort,
    CrisisPaused,
    CrisisResource,
    Erasure,
    Organisation,
    PracticeSession,
    ReplyCompleted,
    ScenarioInfo,
    SessionStatus,
    SessionSummary,
    Trainee,
    Turn,
    TurnCode,
    TurnStatus,
    Webhook,
)
from practicum_session.domain.pages import Position
from practicum_session.domain.practice import PendingTurnConflict
from practicum_session.domain.webhooks import SAFETY_INCIDENT_CREATED

SCHEMA = "session"


def _code(value: dict[str, Any] | None) -> TurnCode | None:
    if not value:
        return None
    return TurnCode(
        code=str(value.get("code", "")),
        subcode=str(value.get("subcode", "")),
        confidence=float(value.get("confidence", 0.0)),
        coder_version=str(value.get("coder_version", "")),
    )


def _code_json(code: TurnCode | None) -> str | None:
    if code is None:
        return None
    return json.dumps(
        {"code": code.code, "subcode": code.subcode, "confidence": code.confidence, "coder_version": code.coder_version}
    )


def _crisis(value: dict[str, Any] | None) -> CrisisPaused | None:
    if not value:
        return None
    return CrisisPaused(
        message=str(value["message"]),
        resources=tuple(CrisisResource(r["name"], r["contact"]) for r in value.get("resources", [])),
    )


def _turn(row: dict[str, Any]) -> Turn:
    return Turn(
        id=str(row["id"]),
        session_id=str(row["session_id"]),
        organisation_id=str(row["organisation_id"]),
        index=int(row["index"]),
        idempotency_key=str(row["idempotency_key"]),
        status=TurnStatus(row["status"]),
        trainee_text=str(row["trainee_text"]),
        client_text=row["client_text"],
        prev_client_text=str(row["prev_client_text"]),
        created_at=row["created_at"],
        trainee_code=_code(row["trainee_code"]),
        client_state=row["client_state"],
        guard_actions=tuple(row["guard_actions"] or ()),
        disclosed_facts=tuple(row["disclosed_facts"] or ()),
        grade=_code(row["grade"]),
        feedback=row["feedback"],
        completed_at=row["completed_at"],
        crisis=_crisis(row["crisis"]),
    )


def _session(row: dict[str, Any]) -> PracticeSession:
    return PracticeSession(
        id=str(row["id"]),
        organisation_id=str(row["organisation_id"]),
        trainee_id=str(row["trainee_id"]),
        scenario_id=str(row["scenario_id"]),
        scenario_version=int(row["scenario_version"]),
        scenario_title=str(row["scenario_title"]),
        opening_line=str(row["opening_line"]),
        status=SessionStatus(row["status"]),
        client_state=row["client_state"],
        turn_count=int(row["turn_count"]),
        created_at=row["created_at"],
        ended_at=row["ended_at"],
    )


def _trainee(row: dict[str, Any]) -> Trainee:
    return Trainee(
        id=str(row["id"]),
        organisation_id=str(row["organisation_id"]),
        external_ref=str(row["external_ref"]),
        display_name=row["display_name"],
        created_at=row["created_at"],
    )


def _cohort(row: dict[str, Any]) -> Cohort:
    return Cohort(
        id=str(row["id"]),
        organisation_id=str(row["organisation_id"]),
        name=str(row["name"]),
        description=row["description"],
        created_at=row["created_at"],
        trainee_count=int(row.get("trainee_count") or 0),
    )


def _assignment(row: dict[str, Any]) -> Assignment:
    return Assignment(
        id=str(row["id"]),
        cohort_id=str(row["cohort_id"]),
        scenario_id=str(row["scenario_id"]),
        scenario_title=str(row["scenario_title"]),
        due_at=row["due_at"],
        created_at=row["created_at"],
    )


_COHORT_COLUMNS = "c.*, (SELECT count(*) FROM session.cohort_members m WHERE m.cohort_id = c.id) AS trainee_count"


async def _add_event(
    conn: AsyncConnection[Any], session_id: str, event: events_pb2.SessionEvent, aggregate_type: str = "session"
) -> None:
    """The event goes to the outbox; ``session_id`` (the trainee's id for trainee events) is its record key."""
    sql, params = outbox_insert(
        SCHEMA,
        topic=SESSION_EVENTS.name,
        aggregate_type=aggregate_type,
        aggregate_id=session_id,
        event_type=event.event_type,
        payload=event.SerializeToString(),
        event_id=event.event_id,
    )
    await conn.execute(sql, params)


async def _current_turn(cur: AsyncCursor[dict[str, Any]], session: PracticeSession, turn: Turn) -> Turn:
    """The turn as stored by whoever finished it first; NotFound when the trainee was
    erased while the reply was being generated (the reply is then dropped)."""
    await cur.execute("SELECT * FROM session.turns WHERE id = %s", (turn.id,))
    row = await cur.fetchone()
    if row is None:
        raise NotFound(f"session {session.id} not found")
    return _turn(row)


_INCIDENT_COLUMNS = "id, session_id, trainee_id, turn_id, kind, created_at, acknowledged_at"


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """A row as JSON-ready values (UUIDs as strings)."""
    return {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in row.items()}


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


class PostgresSessionRepository:
    def __init__(self, pool: AsyncConnectionPool, on_outbox_write: Callable[[], None] | None = None) -> None:
        self._pool = pool
        # Lets the embedded outbox relay publish right after a commit instead of waiting
        # for its next poll.
        self._on_outbox_write = on_outbox_write or (lambda: None)
        # The connection of an open snapshot(), per asyncio task (a task started inside the
        # block inherits it, and psycopg serialises its use of the connection).
        self._snapshot_conn: ContextVar[AsyncConnection[Any] | None] = ContextVar("snapshot_conn", default=None)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[None]:
        """Every read of this repository inside the block sees one consistent snapshot of
        the database (one REPEATABLE READ, READ ONLY transaction on one connection), so a
        multi-statement read such as a trainee's export cannot mix the states before and
        after a concurrent write. Writes inside the block fail (read only). Nested blocks
        share the outer snapshot."""
        if self._snapshot_conn.get() is not None:
            yield
            return
        async with self._pool.connection() as conn, conn.transaction():
            # Must be the transaction's first statement: the snapshot is taken at the next one.
            await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            token = self._snapshot_conn.set(conn)
            try:
                yield
            finally:
                self._snapshot_conn.reset(token)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[AsyncConnection[Any]]:
        """The open snapshot's connection inside snapshot(), otherwise one from the pool."""
        bound = self._snapshot_conn.get()
        if bound is not None:
            yield bound
            return
        async with self._pool.connection() as conn:
            yield conn

    # --- organisations and API keys -------------------------------------------------

    async def create_organisation(
        self, name: str, safety_contact: str | None = None, *, allow_duplicate_name: bool = False
    ) -> tuple[Organisation, IssuedKey]:
        """A new organisation and its first key; Conflict when another organisation has the
        same name (ignoring case and surrounding spaces) unless ``allow_duplicate_name``."""
        org = Organisation(id=str(uuid.uuid4()), name=name)
        key = issue_key()
        async with self._connection() as conn, conn.transaction():
            if not allow_duplicate_name:
                # Checked here rather than by a unique index: databases already hold
                # duplicates, and an operator may create one on purpose. The lock makes
                # two concurrent creations of one name take turns, so one sees the other.
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext('session.organisations.name'))")
                cur = await conn.execute(
                    "SELECT id FROM session.organisations WHERE lower(btrim(name)) = lower(btrim(%s)) "
                    "ORDER BY created_at, id",
                    (name,),
                )
                existing = [str(r[0]) for r in await cur.fetchall()]
                if existing:
                    raise Conflict(f"an organisation named {name!r} already exists: {', '.join(existing)}")
            await conn.execute(
                "INSERT INTO session.organisations (id, name, safety_contact) VALUES (%s, %s, %s)",
                (org.id, name, safety_contact),
            )
            await conn.execute(
                "INSERT INTO session.api_keys (key_id, organisation_id, key_hash, label) VALUES (%s, %s, %s, %s)",
                (key.key_id, org.id, key.key_hash, "initial"),
            )
        return org, key

    async def authenticate(self, plaintext: str) -> Organisation | None:
        key_id = parse_key_id(plaintext)
        if key_id is None:
            return None
        async with self._connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "SELECT k.key_hash, o.id, o.name FROM session.api_keys k "
                "JOIN session.organisations o ON o.id = k.organisation_id "
                "WHERE k.key_id = %s AND k.revoked_at IS NULL",
                (key_id,),
            )
            row = await cur.fetchone()
        if row is None or not verify(plaintext, row["key_hash"]):
            return None
        return Organisation(id=str(row["id"]), name=str(row["name"]), key_id=key_id)

    async def list_organisations(self, name_contains: str | None = None) -> list[dict[str, Any]]:
        """Every organisation, or those whose name contains ``name_contains`` (ignoring
        case), oldest first, with its number of active API keys. For operators (a partner
        who lost every key), never on a partner's request: it spans organisations."""
        async with self._connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "SELECT o.id, o.name, o.created_at, count(k.key_id) AS active_keys FROM session.organisations o "
                "LEFT JOIN session.api_keys k ON k.organisation_id = o.id AND k.revoked_at IS NULL "
                "WHERE %(name)s::text IS NULL OR strpos(lower(o.name), lower(%(name)s::text)) > 0 "
                "GROUP BY o.id ORDER BY o.created_at, o.id",
                {"name": name_contains},
            )
            return [{**row, "id": str(row["id"])} for row in await cur.fetchall()]

    async def organisation_exists(self, org_id: str) -> bool:
        async with self._connection() as conn:
            cur = await conn.execute("SELECT 1 FROM session.organisations WHERE id = %s", (org_id,))
            return await cur.fetchone() is not None

    async def issue_api_key(self, org_id: str, label: str) -> tuple[ApiKey, IssuedKey]:
        """A new key for the organisation; Conflict at MAX_ACTIVE_KEYS active keys."""
        key = issue_key()
        async with self._connection() as conn, conn.transaction():
            # The organisation's row lock serialises issuing and revoking, so two
            # concurrent requests cannot both pass the limit or both revoke "the other" key.
            await conn.execute("SELECT id FROM session.organisations WHERE id = %s FOR UPDATE", (org_id,))
            cur = await conn.execute(
                "SELECT count(*) FROM session.api_keys WHERE organisation_id = %s AND revoked_at IS NULL", (org_id,)
            )
            active = (await cur.fetchone() or (0,))[0]
            if active >= MAX_ACTIVE_KEYS:
                raise Conflict(f"the organisation has {active} active API keys (the limit); revoke one first")
            cur = await conn.execute(
                "INSERT INTO session.api_keys (key_id, organisation_id, key_hash, label) VALUES (%s, %s, %s, %s) "
                "RETURNING created_at",
                (key.key_id, org_id, key.key_hash, label),
            )
            created = await cur.fetchone()
        assert created is not None  # INSERT ... RETURNING always returns the row
        return ApiKey(key.key_id, label, created[0]), key

    async def list_api_keys(self, org_id: str, include_revoked: bool = False) -> list[ApiKey]:
        async with self._connection() as conn:
            cur = await conn.execute(
                "SELECT key_id, label, created_at, revoked_at FROM session.api_keys WHERE organisation_id = %s "
                + ("" if include_revoked else "AND revoked_at IS NULL ")
                + "ORDER BY created_at, key_id",
                (org_id,),
            )
            return [ApiKey(str(r[0]), str(r[1]), r[2], r[3]) for r in await cur.fetchall()]

    async def revoke_api_key(self, org_id: str, key_id: str) -> bool:
        """Revoke at once (the next request with it is a 401); False when the organisation
        has no such active key; Conflict when it is the organisation's last active key."""
        async with self._connection() as conn, conn.transaction():
            await conn.execute("SELECT id FROM session.organisations WHERE id = %s FOR UPDATE", (org_id,))
            cur = await conn.execute(
                "SELECT key_id FROM session.api_keys WHERE organisation_id = %s AND revoked_at IS NULL", (org_id,)
            )
            active = {str(r[0]) for r in await cur.fetchall()}
            if key_id not in active:
                return False
            if active == {key_id}:
                raise Conflict("this is the organisation's last active API key; issue another before revoking it")
            await conn.execute(
                "UPDATE session.api_keys SET revoked_at = now() WHERE organisation_id = %s AND key_id = %s",
                (org_id, key_id),
            )
        return True

    # --- trainees -------------------------------------------------------------------

    async def create_trainee(self, org_id: str, external_ref: str, display_name: str | None) -> Trainee:
        async with self._connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            try:
                await cur.execute(
                    "INSERT INTO session.trainees (id, organisation_id, external_ref, display_name) "
                    "VALUES (%s, %s, %s, %s) RETURNING *",
                    (str(uuid.uuid4()), org_id, external_ref, display_name),
                )
            except errors.UniqueViolation as exc:
                raise Conflict(f"a trainee with external_ref {external_ref!r} already exists") from exc
            row = await cur.fetchone()
        assert row is not None
        return _trainee(row)

    async def get_trainee(self, org_id: str, trainee_id: str) -> Trainee | None:
        if not _is_uuid(trainee_id):
            return None
        async with self._connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "SELECT * FROM session.trainees WHERE organisation_id = %s AND id = %s", (org_id, trainee_id)
            )
            row = await cur.fetchone()
        return _trainee(row) if row else None

    # --- cohorts and assignments (domain/cohorts.py) ----------------------------------

    async def create_cohort(self, org_id: str, cohort_id: str, name: str, description: str | None) -> Cohort:
        async with self._connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            try:
                await cur.execute(
                    "INSERT INTO session.cohorts (id, organisation_id, name, description) VALUES (%s, %s, %s, %s) "
                    "RETURNING *",
                    (cohort_id, org_id, name, description),
                )
            except errors.UniqueViolation as exc:
                raise Conflict(f"a cohort named {name!r} already exists") from exc
            row = await cur.fetchone()
        assert row is not None  # INSERT ... RETURNING always returns the row
        return _cohort(row)

    async def get_cohort(self, org_id: str, cohort_id: str) -> Cohort | None:
        if not _is_uuid(cohort_id):
            return None
        async with self._connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                f"SELECT {_COHORT_COLUMNS} FROM session.cohorts c WHERE c.organisation_id = %s AND c.id = %s",
                (org_id, cohort_id),
            )
            row = await cur.fetchone()
        return _cohort(row) if row else None

    async def list_cohorts(self, org_id: str, after: Position | None, limit: int) -> list[Cohort]:
        rows = await self._page("session.cohorts c", org_id, after, limit, {}, columns=_COHORT_COLUMNS)
        return [_cohort(r) for r in rows]

    async def delete_cohort(self, org_id: str, cohort_id: str) -> bool:
        if not _is_uuid(cohort_id):
            return False
        async with self._connection() as conn, conn.transaction():
            # Each member's removal is announced (analysts follow membership from events);
            # assignments go with the cohort (ON DELETE CASCADE).
            members = await conn.execute(
                "DELETE FROM session.cohort_members m USING session.cohorts c WHERE c.id = m.cohort_id "
                "AND c.organisation_id = %s AND m.cohort_id = %s RETURNING m.trainee_id",
                (org_id, cohort_id),
            )
            removed = [str(row[0]) for row in await members.fetchall()]
            cur = await conn.execute(
                "DELETE FROM session.cohorts WHERE organisation_id = %s AND id = %s", (org_id, cohort_id)
            )
            if cur.rowcount == 0:
                return False
            for trainee_id in removed:
                event = events.cohort_membership(org_id, trainee_id, cohort_id, added=False, cohort_deleted=True)
                await _add_event(conn, trainee_id, event, "trainee")
        if removed:
            self._on_outbox_write()
        return True

    # Statements on a cohort's members and assignments name the cohort by id, and every one
    # joins the cohort's row on the organisation as well: the service has already found the
    # cohort in the organisation, but isolation does not rest on the caller alone.

    async def add_member(self, org_id: str, cohort_id: str, trainee_id: str) -> bool:
        async with self._connection() as conn, conn.transaction():
            try:
                cur = await conn.execute(
                    "INSERT INTO session.cohort_members (cohort_id, trainee_id) "
                    "SELECT c.id, t.id FROM session.cohorts c JOIN session.trainees t "
                    "ON t.organisation_id = c.organisation_id WHERE c.organisation_id = %s AND c.id = %s "
                    "AND t.id = %s ON CONFLICT DO NOTHING",
                    (org_id, cohort_id, trainee_id),
                )
            except errors.ForeignKeyViolation as exc:
                # The trainee was erased (or the cohort deleted) since the caller found it.
                raise NotFound(f"trainee {trainee_id} or cohort {cohort_id} no longer exists") from exc
            if cur.rowcount == 0:
                return False
            # Only a change is announced, in the transaction that made it.
            await _add_event(
                conn, trainee_id, events.cohort_membership(org_id, trainee_id, cohort_id, added=True), "trainee"
            )
        self._on_outbox_write()
        return True

    async def remove_member(self, org_id: str, cohort_id: str, trainee_id: str) -> bool:
        if not _is_uuid(trainee_id):
            return False
        async with self._connection() as conn, conn.transaction():
            cur = await conn.execute(
                "DELETE FROM session.cohort_members m USING session.cohorts c WHERE c.id = m.cohort_id "
                "AND c.organisation_id = %s AND m.cohort_id = %s AND m.trainee_id = %s",
                (org_id, cohort_id, trainee_id),
            )
            if cur.rowcount == 0:
                return False
            event = events.cohort_membership(org_id, trainee_id, cohort_id, added=False)
            await _add_event(conn, trainee_id, event, "trainee")
        self._on_outbox_write()
        return True

    async def list_members(self, org_id: str, cohort_id: str, after: Position | None, limit: int) -> list[Trainee]:
        # Paged on the trainees' own (created_at, id); cohort_members has none of those.
        table = "session.trainees JOIN session.cohort_members m ON m.trainee_id = id"
        rows = await self._page(table, org_id, after, limit, {"m.cohort_id": cohort_id}, columns="trainees.*")
        return [_trainee(r) for r in rows]

    async def member_ids(self, org_id: str, cohort_id: str) -> list[str]:
        async with self._connection() as conn:
            cur = await conn.execute(
                "SELECT m.trainee_id FROM session.cohort_members m JOIN session.cohorts c ON c.id = m.cohort_id "
                "WHERE c.organisation_id = %s AND m.cohort_id = %s ORDER BY m.added_at, m.trainee_id",
                (org_id, cohort_id),
            )
            return [str(row[0]) for row in await cur.fetchall()]

    async def create_assignment(
        self,
        org_id: str,
        cohort_id: str,
        assignment_id: str,
        scenario_id: str,
        scenario_title: str,
        due_at: datetime | None,
    ) -> Assignment:
        async with self._connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            try:
                await cur.execute(
                    "INSERT INTO session.assignments (id, cohort_id, scenario_id, scenario_title, due_at) "
                    "SELECT %s, c.id, %s, %s, %s FROM session.cohorts c WHERE c.organisation_id = %s AND c.id = %s "
                    "RETURNING *",
                    (assignment_id, scenario_id, scenario_title, due_at, org_id, cohort_id),
                )
            except errors.UniqueViolation as exc:
                raise Conflict(f"scenario {scenario_id!r} is already assigned to this cohort") from exc
            row = await cur.fetchone()
        if row is None:  # the cohort was deleted since the caller found it
            raise NotFound(f"cohort {cohort_id} not found")
        return _assignment(row)

    async def list_assignments(self, org_id: str, cohort_id: str) -> list[Assignment]:
        async with self._connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "SELECT a.* FROM session.assignments a JOIN session.cohorts c ON c.id = a.cohort_id "
                "WHERE c.organisation_id = %s AND a.cohort_id = %s ORDER BY a.created_at, a.id",
                (org_id, cohort_id),
            )
            return [_assignment(r) for r in await cur.fetchall()]

    async def delete_assignment(self, org_id: str, cohort_id: str, assignment_id: str) -> bool:
        if not _is_uuid(assignment_id):
            return False
        async with self._connection() as conn:
            cur = await conn.execute(
                "DELETE FROM session.assignments a USING session.cohorts c WHERE c.id = a.cohort_id "
                "AND c.organisation_id = %s AND a.cohort_id = %s AND a.id = %s",
                (org_id, cohort_id, assignment_id),
            )
        return cur.rowcount > 0

    async def assignments_of_trainee(self, org_id: str, trainee_id: str) -> list[Assignment]:
        async with self._connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "SELECT a.* FROM session.assignments a JOIN session.cohort_members m ON m.cohort_id = a.cohort_id "
                "JOIN session.cohorts c ON c.id = a.cohort_id "
                "WHERE c.organisation_id = %s AND m.trainee_id = %s ORDER BY a.created_at, a.id",
                (org_id, trainee_id),
            )
            return [_assignment(r) for r in await cur.fetchall()]

    async def sessions_for(
        self, org_id: str, trainee_ids: list[str], scenario_ids: list[str], since: datetime
    ) -> list[SessionSummary]:
        if not trainee_ids or not scenario_ids:
            return []
        async with self._connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "SELECT id, trainee_id, scenario_id, status, turn_count, created_at, ended_at FROM session.sessions "
                "WHERE organisation_id = %s AND trainee_id = ANY(%s::uuid[]) AND scenario_id = ANY(%s) "
                "AND created_at >= %s",
                (org_id, trainee_ids, list(dict.fromkeys(scenario_ids)), since),
            )
            return [
                SessionSummary(
                    id=str(r["id"]),
                    trainee_id=str(r["trainee_id"]),
                    scenario_id=str(r["scenario_id"]),
                    status=SessionStatus(r["status"]),
                    turn_count=int(r["turn_count"]),
                    created_at=r["created_at"],
                    ended_at=r["ended_at"],
                )
                for r in await cur.fetchall()
            ]

    # --- webhooks -------------------------------------------------------------------

    async def set_webhook(self, org_id: str, url: str, events: Sequence[str], secret: str) -> Webhook:
        async with self._connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "INSERT INTO session.webhooks (organisation_id, url, secret, events) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (organisation_id) DO UPDATE SET url = EXCLUDED.url, secret = EXCLUDED.secret, "
                "events = EXCLUDED.events, created_at = now() RETURNING url, events, created_at",
                (org_id, url, secret, list(events)),
            )
            row = await cur.fetchone()
        assert row is not None  # INSERT ... RETURNING always returns the row
        return Webhook(row["url"], tuple(row["events"]), row["created_at"], secret)

    async def get_webhook(self, org_id: str) -> Webhook | None:
        async with self._connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "SELECT url, events, created_at FROM session.webhooks WHERE organisation_id = %s", (org_id,)
            )
            row = await cur.fetchone()
        return Webhook(row["url"], tuple(row["events"]), row["created_at"]) if row else None

    async def delete_webhook(self, org_id: str) -> bool:
        async with self._connection() as conn, conn.transaction():
            await conn.execute(
                "DELETE FROM session.webhook_deliveries WHERE organisation_id = %s "
                "AND delivered_at IS NULL AND failed_at IS NULL",
                (org_id,),
            )
            cur = await conn.execute("DELETE FROM session.webhooks WHERE organisation_id = %s", (org_id,))
        return cur.rowcount > 0

    async def list_webhook_deliveries(self, org_id: str, limit: int) -> list[dict[str, Any]]:
        async with self._connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "SELECT id, event_type, payload, attempts, created_at, delivered_at, failed_at, last_error, "
                "CASE WHEN delivered_at IS NOT NULL THEN 'delivered' WHEN failed_at IS NOT NULL THEN 'failed' "
                "ELSE 'pending' END AS status, "
                "CASE WHEN delivered_at IS NULL AND failed_at IS NULL THEN next_attempt_at END AS next_attempt_at "
                "FROM session.webhook_deliveries WHERE organisation_id = %s ORDER BY created_at DESC, id LIMIT %s",
                (org_id, limit),
            )
            return [_plain(row) for row in await cur.fetchall()]

    async def erase_trainee(self, org_id: str, trainee_id: str, force: bool = False) -> Erasure | None:
        if not _is_uuid(trainee_id):
            return None
        async with self._connection() as conn, conn.transaction():
            # The row lock makes a concurrent create_session for this trainee wait, then
            # fail on its foreign key, instead of adding a session to an erased trainee.
            cur = await conn.execute(
                "SELECT id FROM session.trainees WHERE organisation_id = %s AND id = %s FOR UPDATE",
                (org_id, trainee_id),
            )
            if await cur.fetchone() is None:
                return None
            cur = await conn.execute(
                "SELECT count(*) FROM session.safety_incidents WHERE trainee_id = %s AND acknowledged_at IS NULL",
                (trainee_id,),
            )
            open_incidents = (await cur.fetchone() or (0,))[0]
            if open_incidents and not force:
                # Erasing them would be the only record that this trainee was in distress,
                # gone before the safety contact saw it.
                raise Conflict(
                    f"trainee {trainee_id} has {open_incidents} safety incident(s) the safety contact has not "
                    "acknowledged; acknowledge them (POST /v1/safety-incidents/{id}/acknowledge) or erase with "
                    "force=true"
                )
            cur = await conn.execute(
                "SELECT id FROM session.sessions WHERE organisation_id = %s AND trainee_id = %s ORDER BY created_at",
                (org_id, trainee_id),
            )
            sessions = [str(row[0]) for row in await cur.fetchall()]
            by_org = (org_id, sessions)
            incidents = await conn.execute("DELETE FROM session.safety_incidents WHERE trainee_id = %s", (trainee_id,))
            await conn.execute(
                "DELETE FROM session.reports WHERE organisation_id = %s AND session_id = ANY(%s)", by_org
            )
            turns = await conn.execute(
                "DELETE FROM session.turns WHERE organisation_id = %s AND session_id = ANY(%s)", by_org
            )
            await conn.execute("DELETE FROM session.sessions WHERE organisation_id = %s AND id = ANY(%s)", by_org)
            await conn.execute("DELETE FROM session.cohort_members WHERE trainee_id = %s", (trainee_id,))
            await conn.execute("DELETE FROM session.trainees WHERE id = %s", (trainee_id,))
            await conn.execute(
                "DELETE FROM session.webhook_deliveries "
                "WHERE organisation_id = %s AND payload -> 'data' ->> 'trainee_id' = %s",
                (org_id, trainee_id),
            )
            # The outbox keeps published events for a day, and they carry the transcript;
            # unpublished ones would only be dropped by the consumers.
            await conn.execute("DELETE FROM session.outbox WHERE aggregateid = ANY(%s)", (sessions,))
            await _add_event(conn, trainee_id, events.trainee_erased(org_id, trainee_id, sessions), "trainee")
        self._on_outbox_write()
        return Erasure(trainee_id, tuple(sessions), turns.rowcount, incidents.rowcount)

    async def list_trainees(self, org_id: str, after: Position | None, limit: int) -> list[Trainee]:
        rows = await self._page("session.trainees", org_id, after, limit, {})
        return [_trainee(r) for r in rows]

    async def _page(
        self,
        table: str,
        org_id: str,
        after: Position | None,
        limit: int,
        filters: dict[str, str],
        columns: str = "*",
    ) -> list[dict[str, Any]]:
        """Up to ``limit`` rows of ``table`` after ``after``, newest first (domain/pages.py).
        ``table`` may be a join whose other tables have no organisation_id, created_at or id."""
        where = ["organisation_id = %s"]
        params: list[Any] = [org_id]
        for column, value in filters.items():  # column names come from this module only
            where.append(f"{column} = %s")
            params.append(value)
        if after is not None:
            where.append("(created_at, id) < (%s, %s::uuid)")
            params += [after.created_at, after.id]
        async with self._connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                f"SELECT {columns} FROM {table} WHERE {' AND '.join(where)} ORDER BY created_at DESC, id DESC LIMIT %s",
                (*params, limit),
            )
            return await cur.fetchall()

    # --- sessions -------------------------------------------------------------------

    async def list_sessions(
        self,
        org_id: str,
        after: Position | None,
        limit: int,
        trainee_id: str | None = None,
        status: SessionStatus | None = None,
    ) -> list[PracticeSession]:
        filters = {"trainee_id": trainee_id} if trainee_id else {}
        if status is not None:
            filters["status"] = status.value
        rows = await self._page("session.sessions", org_id, after, limit, filters)
        return [_session(r) for r in rows]

    async def create_session(
        self, org_id: str, trainee_id: str, scenario: ScenarioInfo, opening_line: str, client_state: dict[str, Any]
    ) -> PracticeSession:
        async with self._connection() as conn, conn.transaction():
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "INSERT INTO session.sessions (id, organisation_id, trainee_id, scenario_id, scenario_version, "
                "scenario_title, opening_line, status, client_state) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, 'active', %s) RETURNING *",
                (
                    str(uuid.uuid4()),
                    org_id,
                    trainee_id,
                    scenario.scenario_id,
                    scenario.version,
                    scenario.title,
                    opening_line,
                    json.dumps(client_state),
                ),
            )
            row = await cur.fetchone()
            assert row is not None
            session = _session(row)
            await cur.execute(
                "SELECT cohort_id FROM session.cohort_members WHERE trainee_id = %s ORDER BY added_at, cohort_id",
                (trainee_id,),
            )
            cohort_ids = [str(r["cohort_id"]) for r in await cur.fetchall()]
            await _add_event(conn, session.id, events.session_started(session, scenario, cohort_ids))
        self._on_outbox_write()
        return session

    async def get_session(self, org_id: str, session_id: str) -> PracticeSession | None:
        if not _is_uuid(session_id):
            return None
        async with self._connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "SELECT * FROM session.sessions WHERE organisation_id = %s AND id = %s", (org_id, session_id)
            )
            row = await cur.fetchone()
        return _session(row) if row else None

    async def end_session(self, session: PracticeSession, reason: str) -> PracticeSession:
        async with self._connection() as conn, conn.transaction():
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "UPDATE session.sessions SET status = 'ended', ended_at = now() "
                "WHERE organisation_id = %s AND id = %s AND status <> 'ended' RETURNING *",
                (session.organisation_id, session.id),
            )
            row = await cur.fetchone()
            if row is None:  # a concurrent request ended it first
                return session
            ended = _session(row)
            await _add_event(conn, session.id, events.session_ended(ended, ended.turn_count, reason))
        self._on_outbox_write()
        return ended

    # --- turns ----------------------------------------------------------------------

    async def get_turn_by_key(self, org_id: str, session_id: str, idempotency_key: str) -> Turn | None:
        async with self._connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "SELECT * FROM session.turns WHERE organisation_id = %s AND session_id = %s AND idempotency_key = %s",
                (org_id, session_id, idempotency_key),
            )
            row = await cur.fetchone()
        return _turn(row) if row else None

    async def pending_turn(self, org_id: str, session_id: str) -> Turn | None:
        async with self._connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "SELECT * FROM session.turns WHERE organisation_id = %s AND session_id = %s AND status = 'pending' "
                "ORDER BY index LIMIT 1",
                (org_id, session_id),
            )
            row = await cur.fetchone()
        return _turn(row) if row else None

    async def accept_turn(self, session: PracticeSession, text: str, idempotency_key: str) -> Turn:
        async with self._connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            try:
                async with conn.transaction():
                    # Lock the session row: concurrent messages to one session are serialised.
                    await cur.execute(
                        "SELECT status FROM session.sessions WHERE organisation_id = %s AND id = %s FOR UPDATE",
                        (session.organisation_id, session.id),
                    )
                    locked = await cur.fetchone()
                    if locked is None:  # erased with its trainee since it was read
                        raise NotFound(f"session {session.id} not found")
                    # PracticeService checked both before the lock; checked again under it, so
                    # two messages sent at once with different keys (or one racing the end of
                    # the session) cannot both be accepted.
                    if locked["status"] != "active":
                        raise Conflict(f"session {session.id} is {locked['status']}; no further turns are accepted")
                    await cur.execute(
                        "SELECT * FROM session.turns WHERE session_id = %s AND status = 'pending' "
                        "ORDER BY index LIMIT 1",
                        (session.id,),
                    )
                    pending = await cur.fetchone()
                    if pending is not None:
                        if pending["idempotency_key"] == idempotency_key:
                            return _turn(pending)  # the same message, raced in from a parallel retry
                        raise PendingTurnConflict(_turn(pending))
                    await cur.execute(
                        "SELECT index, client_text FROM session.turns WHERE session_id = %s AND status = 'completed' "
                        "ORDER BY index DESC LIMIT 1",
                        (session.id,),
                    )
                    last = await cur.fetchone()
                    prev_client_text = last["client_text"] if last else session.opening_line
                    await cur.execute(
                        "SELECT coalesce(max(index), 0) + 1 AS next FROM session.turns WHERE session_id = %s",
                        (session.id,),
                    )
                    next_row = await cur.fetchone()
                    assert next_row is not None
                    await cur.execute(
                        "INSERT INTO session.turns (id, organisation_id, session_id, index, idempotency_key, status, "
                        "trainee_text, prev_client_text) VALUES (%s, %s, %s, %s, %s, 'pending', %s, %s) RETURNING *",
                        (
                            str(uuid.uuid4()),
                            session.organisation_id,
                            session.id,
                            next_row["next"],
                            idempotency_key,
                            text,
                            prev_client_text,
                        ),
                    )
                    row = await cur.fetchone()
            except errors.UniqueViolation:
                # The same key raced in from a parallel retry: return that turn.
                existing = await self.get_turn_by_key(session.organisation_id, session.id, idempotency_key)
                if existing is None:
                    raise
                return existing
        assert row is not None
        return _turn(row)

    async def complete_turn(self, session: PracticeSession, turn: Turn, reply: ReplyCompleted) -> Turn:
        async with self._connection() as conn, conn.transaction():
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "UPDATE session.turns SET status = 'completed', client_text = %s, trainee_code = %s, "
                "client_state = %s, guard_actions = %s, disclosed_facts = %s, completed_at = now() "
                "WHERE organisation_id = %s AND id = %s AND status = 'pending' RETURNING *",
                (
                    reply.text,
                    _code_json(reply.trainee_code),
                    json.dumps(reply.client_state),
                    json.dumps(list(reply.guard_actions)),
                    json.dumps(list(reply.disclosed_facts)),
                    session.organisation_id,
                    turn.id,
                ),
            )
            row = await cur.fetchone()
            if row is None:
                # A parallel retry of the same turn completed it first; keep its reply.
                return await _current_turn(cur, session, turn)
            await conn.execute(
                "UPDATE session.sessions SET client_state = %s, turn_count = turn_count + 1 "
                "WHERE organisation_id = %s AND id = %s",
                (json.dumps(reply.client_state), session.organisation_id, session.id),
            )
            recorded = _turn(row)
            await _add_event(conn, session.id, events.turn_completed(session, recorded, reply))
        self._on_outbox_write()
        return recorded

    async def record_crisis(self, session: PracticeSession, turn: Turn, pause: CrisisPaused) -> Turn:
        crisis_json = json.dumps(
            {"message": pause.message, "resources": [{"name": r.name, "contact": r.contact} for r in pause.resources]}
        )
        async with self._connection() as conn, conn.transaction():
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "UPDATE session.turns SET status = 'crisis', crisis = %s, completed_at = now() "
                "WHERE organisation_id = %s AND id = %s AND status = 'pending' RETURNING *",
                (crisis_json, session.organisation_id, turn.id),
            )
            row = await cur.fetchone()
            if row is None:
                return await _current_turn(cur, session, turn)
            await conn.execute(
                "UPDATE session.sessions SET status = 'crisis_paused' WHERE organisation_id = %s AND id = %s",
                (session.organisation_id, session.id),
            )
            # No outbox event: the incident is for the organisation's safety contact only.
            incident_id = str(uuid.uuid4())
            await conn.execute(
                "INSERT INTO session.safety_incidents (id, organisation_id, session_id, trainee_id, turn_id, kind) "
                "VALUES (%s, %s, %s, %s, %s, 'trainee_distress')",
                (incident_id, session.organisation_id, session.id, session.trainee_id, turn.id),
            )
            # The safety contact hears of it now, if the organisation set a webhook.
            await conn.execute(
                *webhooks.enqueue(
                    session.organisation_id,
                    SAFETY_INCIDENT_CREATED,
                    {
                        "incident_id": incident_id,
                        "kind": "trainee_distress",
                        "session_id": session.id,
                        "trainee_id": session.trainee_id,
                        "turn_id": turn.id,
                    },
                )
            )
        return _turn(row)

    async def list_turns(
        self, org_id: str, session_id: str, statuses: tuple[TurnStatus, ...] | None = None
    ) -> list[Turn]:
        wanted = [s.value for s in (statuses or tuple(TurnStatus))]
        async with self._connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "SELECT * FROM session.turns WHERE organisation_id = %s AND session_id = %s AND status = ANY(%s) "
                "ORDER BY index",
                (org_id, session_id, wanted),
            )
            rows = await cur.fetchall()
        return [_turn(r) for r in rows]

    async def get_report(self, org_id: str, session_id: str) -> dict[str, Any] | None:
        async with self._connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "SELECT report_id, report, report_text, created_at FROM session.reports "
                "WHERE organisation_id = %s AND session_id = %s",
                (org_id, session_id),
            )
            row = await cur.fetchone()
        if row is None:
            return None
        return {
            "report_id": row["report_id"],
            "report": row["report"],
            "text": row["report_text"],
            "created_at": row["created_at"],
        }

    async def list_safety_incidents(self, org_id: str, unacknowledged_only: bool = False) -> list[dict[str, Any]]:
        return await self._incidents(
            "(NOT %s OR acknowledged_at IS NULL) ORDER BY created_at DESC LIMIT 200", org_id, unacknowledged_only
        )

    async def safety_incidents_of(self, org_id: str, trainee_id: str) -> list[dict[str, Any]]:
        if not _is_uuid(trainee_id):
            return []
        return await self._incidents("trainee_id = %s ORDER BY created_at, id", org_id, trainee_id)

    async def _incidents(self, condition: str, org_id: str, *params: object) -> list[dict[str, Any]]:
        """The organisation's safety incidents matching ``condition`` (SQL after AND)."""
        async with self._connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                f"SELECT {_INCIDENT_COLUMNS} FROM session.safety_incidents WHERE organisation_id = %s AND {condition}",
                (org_id, *params),
            )
            return [_plain(row) for row in await cur.fetchall()]

    async def acknowledge_safety_incident(self, org_id: str, incident_id: str) -> dict[str, Any] | None:
        """Mark the incident seen by the safety contact (the first acknowledgement counts)."""
        if not _is_uuid(incident_id):
            return None
        async with self._connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "UPDATE session.safety_incidents SET acknowledged_at = coalesce(acknowledged_at, now()) "
                f"WHERE organisation_id = %s AND id = %s RETURNING {_INCIDENT_COLUMNS}",
                (org_id, incident_id),
            )
            row = await cur.fetchone()
        return _plain(row) if row else None
