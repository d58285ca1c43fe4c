"""Two messages to one session at the same moment, on the real PostgreSQL.

``PracticeService.accept_turn`` refuses a message while another turn is pending, but it
looks before the session row is locked. The repository looks again under the lock, so
of two messages sent at once with different Idempotency-Keys exactly one is accepted
(the other is the usual 409 naming the pending turn), a parallel retry with the same key
gets the same turn, and a message racing the end of the session is refused.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from stack import Partner, Stack

from practicum_common import db
from practicum_common.errors import Conflict
from practicum_session.adapters.repository import PostgresSessionRepository
from practicum_session.domain.practice import PendingTurnConflict

pytestmark = pytest.mark.integration


@asynccontextmanager
async def _fresh_session(stack: Stack, partner: Partner) -> AsyncIterator[tuple[PostgresSessionRepository, Any]]:
    """A repository on its own two-connection pool, and a new session read through it (as
    PracticeService reads it before its checks)."""
    session_id = partner.session()["id"]
    pool = db.async_pool(stack.dsn, max_size=2, name="test-turn-race")
    await pool.open(wait=True, timeout=30)
    try:
        repo = PostgresSessionRepository(pool)
        session = await repo.get_session(partner.organisation_id, session_id)
        assert session is not None
        yield repo, session
    finally:
        await pool.close()


async def _accept_twice(stack: Stack, partner: Partner, first_key: str, second_key: str) -> list[object]:
    async with _fresh_session(stack, partner) as (repo, session):
        return list(
            await asyncio.gather(
                repo.accept_turn(session, "How are you doing today?", first_key),
                repo.accept_turn(session, "What brings you in?", second_key),
                return_exceptions=True,
            )
        )


def test_of_two_messages_at_once_one_is_accepted(stack: Stack, partner: Partner) -> None:
    results = asyncio.run(_accept_twice(stack, partner, f"a-{uuid.uuid4().hex}", f"b-{uuid.uuid4().hex}"))
    accepted = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(accepted) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], PendingTurnConflict)
    assert refused[0].turn.id == accepted[0].id  # type: ignore[attr-defined]


def test_a_parallel_retry_with_the_same_key_gets_the_same_turn(stack: Stack, partner: Partner) -> None:
    key = f"k-{uuid.uuid4().hex}"
    results = asyncio.run(_accept_twice(stack, partner, key, key))
    assert not any(isinstance(r, BaseException) for r in results), results
    assert len({r.id for r in results}) == 1  # type: ignore[attr-defined]


def test_a_message_racing_the_end_of_the_session_is_refused(stack: Stack, partner: Partner) -> None:
    async def scenario() -> None:
        async with _fresh_session(stack, partner) as (repo, session):
            # The session was read while active; it ends before the message is stored.
            ended = partner.client.post(f"/v1/sessions/{session.id}/end")
            assert ended.status_code == 200, ended.text
            with pytest.raises(Conflict, match="no further turns"):
                await repo.accept_turn(session, "Are you still there?", f"k-{uuid.uuid4().hex}")

    asyncio.run(scenario())
