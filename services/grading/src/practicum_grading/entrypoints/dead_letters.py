"""Operator commands for grading's dead letters: list them, and requeue them after a fix.

A task lands in ``grading.dead_letters`` when it failed in a way no retry fixes (bad data,
a bug) or was delivered more than ``GRADING_MAX_DELIVERIES`` times (it kept killing its
worker). Once the cause is fixed and deployed, ``requeue`` sends each task again under a
fresh task id (the delivery guard counts per id, and the old one is at its cap) and
records that it did, in the same transaction that locked the row, so two operators
cannot requeue one dead letter twice. Running a task again is safe: grades and reports are
unique per turn or session and grader version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from practicum_grading.entrypoints.dispatcher import QUEUE_OF_TASK, TaskSender


@dataclass(frozen=True)
class DeadLetter:
    id: int
    task_name: str
    task_id: str
    args: list[Any]
    deliveries: int
    reason: str
    created_at: datetime
    requeued_at: datetime | None
    requeued_task_id: str | None

    def as_json(self) -> dict[str, Any]:
        body = self.__dict__.copy()
        body["created_at"] = self.created_at.isoformat()
        body["requeued_at"] = self.requeued_at.isoformat() if self.requeued_at else None
        return body


_COLUMNS = "id, task_name, task_id, args, deliveries, reason, created_at, requeued_at, requeued_task_id"


def list_dead_letters(conn: psycopg.Connection[Any], include_requeued: bool = False) -> list[DeadLetter]:
    where = "" if include_requeued else "WHERE requeued_at IS NULL"
    cur = conn.cursor(row_factory=dict_row)
    rows = cur.execute(f"SELECT {_COLUMNS} FROM grading.dead_letters {where} ORDER BY id").fetchall()
    return [DeadLetter(**row) for row in rows]


def requeue(conn: psycopg.Connection[Any], sender: TaskSender, ids: list[int] | None) -> list[DeadLetter]:
    """Send the pending dead letters ``ids`` (all pending ones when None) again; returns them."""
    requeued: list[DeadLetter] = []
    with conn.transaction():
        cur = conn.cursor(row_factory=dict_row)
        rows = cur.execute(
            f"SELECT {_COLUMNS} FROM grading.dead_letters WHERE requeued_at IS NULL "
            "AND (%s::bigint[] IS NULL OR id = ANY(%s::bigint[])) ORDER BY id FOR UPDATE SKIP LOCKED",
            (ids, ids),
        ).fetchall()
        letters = [DeadLetter(**row) for row in rows]
        unknown = [f"{d.id} ({d.task_name})" for d in letters if d.task_name not in QUEUE_OF_TASK]
        if unknown:
            raise ValueError(f"dead letters of unknown tasks: {', '.join(unknown)}; nothing was requeued")
        for letter in letters:
            task_id = f"{letter.task_id}-requeued-{letter.id}"
            # Sent before the row is marked: if the commit then fails, a second requeue
            # sends it again, which is harmless; the other order could lose it.
            sender.send_task(letter.task_name, letter.args, QUEUE_OF_TASK[letter.task_name], task_id)
            done = cur.execute(
                "UPDATE grading.dead_letters SET requeued_at = now(), requeued_task_id = %s WHERE id = %s "
                f"RETURNING {_COLUMNS}",
                (task_id, letter.id),
            ).fetchone()
            assert done is not None  # the row is locked by this transaction
            requeued.append(DeadLetter(**done))
    return requeued


def render(letters: list[DeadLetter], as_json: bool) -> str:
    if as_json:
        return "\n".join(json.dumps(letter.as_json()) for letter in letters)
    if not letters:
        return "no dead letters"
    lines = [f"{'id':>5}  {'created (UTC)':<19}  {'task':<32}  {'subject':<36}  {'n':>2}  reason / requeued"]
    for d in letters:
        subject = str(d.args[0]) if d.args else ""
        status = f"requeued {d.requeued_at:%Y-%m-%d %H:%M} as {d.requeued_task_id}" if d.requeued_at else d.reason
        lines.append(
            f"{d.id:>5}  {d.created_at:%Y-%m-%d %H:%M:%S}  {d.task_name:<32}  {subject:<36}  {d.deliveries:>2}  "
            f"{status[:100]}"
        )
    return "\n".join(lines)
