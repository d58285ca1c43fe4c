"""Wakes streaming requests when their turn's grade arrives (PostgreSQL LISTEN/NOTIFY).

One listening connection per process fans notifications out to waiting requests, so
thousands of open streams cost one connection, not one poll loop each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import psycopg

from practicum_session.adapters.grades import NOTIFY_CHANNEL

log = logging.getLogger(__name__)


class FeedbackNotifier:
    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._graded_recently: dict[str, float] = {}

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="feedback-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _listen(self) -> None:
        while True:
            try:
                conn: psycopg.AsyncConnection[Any] = await psycopg.AsyncConnection.connect(self._dsn, autocommit=True)
                async with conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    async for notify in conn.notifies():
                        self._resolve(notify.payload)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("feedback listener lost its connection (%s); reconnecting", exc)
                await asyncio.sleep(1.0)

    def _resolve(self, turn_id: str) -> None:
        loop = asyncio.get_running_loop()
        self._graded_recently[turn_id] = loop.time()
        # Forget old entries so the map stays small.
        cutoff = loop.time() - 60
        for key in [k for k, t in self._graded_recently.items() if t < cutoff]:
            del self._graded_recently[key]
        for fut in self._waiters.pop(turn_id, []):
            if not fut.done():
                fut.set_result(None)

    async def wait(self, turn_id: str, timeout_s: float) -> bool:
        if turn_id in self._graded_recently:
            return True
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(turn_id, []).append(fut)
        try:
            await asyncio.wait_for(fut, timeout_s)
            return True
        except TimeoutError:
            return False
        finally:
            waiters = self._waiters.get(turn_id)
            if waiters and fut in waiters:
                waiters.remove(fut)
                if not waiters:
                    del self._waiters[turn_id]
