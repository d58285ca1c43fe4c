"""Finds grading work that was accepted but never finished (the sweep's queries).

The grading schema is the record of what was accepted: the dispatcher stores a turn or an
ended session before it enqueues the task. A turn without a grade, or an ended session
without a report, long after the task should have run, means the task was lost: its
retries ran out during a database outage longer than their backoff, Redis lost it, or it
was purged by hand. Work with a dead letter not yet requeued is left to an operator
instead (``python -m practicum_grading dead-letters``), except a report dead-lettered only
because its turns were not graded yet, which is due again once they are.
"""

from __future__ import annotations

import hashlib
from typing import Any

import psycopg

# One sweeper at a time across dispatcher replicas (a session-level advisory lock).
SWEEP_LOCK_ID = int.from_bytes(hashlib.sha256(b"practicum.grading.sweep").digest()[:7], "big")

_LOST_TURNS = """
SELECT t.turn_id::text FROM grading.turns t
WHERE t.received_at < now() - make_interval(secs => %(after_s)s)
  AND t.received_at > now() - make_interval(secs => %(window_s)s)
  AND NOT EXISTS (SELECT 1 FROM grading.grades g WHERE g.turn_id = t.turn_id)
  AND NOT EXISTS (
    SELECT 1 FROM grading.dead_letters d
    WHERE d.task_name = %(task)s AND d.args ->> 0 = t.turn_id::text AND d.requeued_at IS NULL
  )
ORDER BY t.received_at
LIMIT %(limit)s
"""

# A report is due when every turn the session ended with is stored and graded. The
# turn-count condition keeps a session whose turns never all arrived from being resent
# on every sweep (its report task would only find it not ready again).
_LOST_REPORTS = """
SELECT s.session_id::text FROM grading.sessions s
WHERE s.ended_at IS NOT NULL
  AND s.ended_at < now() - make_interval(secs => %(after_s)s)
  AND s.ended_at > now() - make_interval(secs => %(window_s)s)
  AND NOT EXISTS (SELECT 1 FROM grading.reports r WHERE r.session_id = s.session_id)
  AND coalesce(s.turn_count, 0) <= (SELECT count(*) FROM grading.turns t WHERE t.session_id = s.session_id)
  AND NOT EXISTS (
    SELECT 1 FROM grading.turns t
    WHERE t.session_id = s.session_id AND NOT EXISTS (SELECT 1 FROM grading.grades g WHERE g.turn_id = t.turn_id)
  )
  AND NOT EXISTS (
    SELECT 1 FROM grading.dead_letters d
    WHERE d.task_name = %(task)s AND d.args ->> 0 = s.session_id::text AND d.requeued_at IS NULL
      AND d.reason NOT LIKE 'NotReady:%%'
  )
ORDER BY s.ended_at
LIMIT %(limit)s
"""


class PostgresLostTasks:
    """The sweep's view of the grading schema, on one autocommit connection per sweep."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    @classmethod
    def connect(cls, dsn: str) -> PostgresLostTasks:
        return cls(psycopg.connect(dsn, autocommit=True, connect_timeout=5))

    def close(self) -> None:
        self._conn.close()

    def try_lock(self) -> bool:
        row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (SWEEP_LOCK_ID,)).fetchone()
        return bool(row and row[0])

    def unlock(self) -> None:
        self._conn.execute("SELECT pg_advisory_unlock(%s)", (SWEEP_LOCK_ID,))

    def turns(self, task: str, after_s: float, window_s: float, limit: int) -> list[str]:
        params = {"task": task, "after_s": after_s, "window_s": window_s, "limit": limit}
        return [str(r[0]) for r in self._conn.execute(_LOST_TURNS, params).fetchall()]

    def reports(self, task: str, after_s: float, window_s: float, limit: int) -> list[str]:
        params = {"task": task, "after_s": after_s, "window_s": window_s, "limit": limit}
        return [str(r[0]) for r in self._conn.execute(_LOST_REPORTS, params).fetchall()]
