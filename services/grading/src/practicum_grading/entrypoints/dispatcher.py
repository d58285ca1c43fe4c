"""The dispatcher: consumes session events and hands grading work to Celery.

It stores what the workers will need (session metadata, turn texts) in the grading
schema, then enqueues a task. The Kafka offset is committed only after both succeeded,
so a crash or a Redis outage replays the event; storing is idempotent and tasks are
idempotent, so a replay changes nothing.

Interactive turn grading and batch session reports use separate queues so a burst of
reports never delays the feedback a trainee is waiting for.

``trainee.erased`` deletes everything grading holds about the trainee (turn texts,
grades, reports, and their events still in the outbox) and records the erased ids in
``grading.erased_ids``; later events naming the trainee are dropped, and tasks already
queued for the erased turns and sessions end without a dead letter.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Protocol

import psycopg

from practicum_common.events import decode
from practicum_common.messaging import Record
from practicum_common.telemetry import inject_headers
from practicum_common.topics import SESSION_EVENTS
from practicum_protos.events.v1 import events_pb2

log = logging.getLogger(__name__)

TURN_QUEUE = "grading.turns"
REPORT_QUEUE = "grading.reports"
GRADE_TURN_TASK = "practicum_grading.grade_turn"
SESSION_REPORT_TASK = "practicum_grading.session_report"
# Which queue each task goes to: the worker's routes, the sweep and the dead-letter requeue.
QUEUE_OF_TASK = {GRADE_TURN_TASK: TURN_QUEUE, SESSION_REPORT_TASK: REPORT_QUEUE}


class TaskSender(Protocol):
    def send_task(self, name: str, args: list[Any], queue: str, task_id: str) -> object: ...


class CeleryTaskSender:
    def __init__(self, app: Any) -> None:
        self._app = app

    def send_task(self, name: str, args: list[Any], queue: str, task_id: str) -> object:
        # The trace context rides in the task headers; the task continues the trace.
        return self._app.send_task(name, args=args, queue=queue, task_id=task_id, headers=inject_headers())


class SessionEventDispatcher:
    def __init__(self, dsn: str, sender: TaskSender) -> None:
        self._dsn = dsn
        self._sender = sender
        self._conn: psycopg.Connection[Any] | None = None

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = psycopg.connect(self._dsn, autocommit=True)
        return self._conn

    def __call__(self, record: Record) -> None:
        if record.topic != SESSION_EVENTS.name:
            return
        event = decode(events_pb2.SessionEvent, record.value)
        kind = event.WhichOneof("payload")
        conn = self._connection()
        if kind == "trainee_erased":
            self._erase(conn, event)
            return
        if conn.execute("SELECT 1 FROM grading.erased_ids WHERE id = %s", (event.trainee_id,)).fetchone():
            # Events of one trainee travel on several partitions: some arrive after the
            # erasure and must not bring the trainee's text back.
            return
        if kind == "session_started":
            conn.execute(
                "INSERT INTO grading.sessions (session_id, organisation_id, trainee_id, scenario_id, "
                "scenario_version, opening_line, scenario, started_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (session_id) DO NOTHING",
                (
                    event.session_id,
                    event.organisation_id,
                    event.trainee_id,
                    event.scenario_id,
                    event.scenario_version,
                    event.session_started.opening_line,
                    event.session_started.scenario.SerializeToString(),
                    event.occurred_at.ToDatetime().isoformat() + "+00:00",
                ),
            )
        elif kind == "turn_completed":
            turn = event.turn_completed
            conn.execute(
                "INSERT INTO grading.turns (turn_id, session_id, organisation_id, turn_index, trainee_text, "
                "client_text, prev_client_text, disclosed_facts) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (turn_id) DO NOTHING",
                (
                    turn.turn_id,
                    event.session_id,
                    event.organisation_id,
                    turn.turn_index,
                    turn.trainee_text,
                    turn.client_text,
                    turn.prev_client_text,
                    json.dumps(list(turn.disclosed_facts)),
                ),
            )
            # The task id is derived from the event so a replayed event is recognisable in
            # logs and in the delivery counter.
            self._sender.send_task(GRADE_TURN_TASK, [turn.turn_id], TURN_QUEUE, f"grade-turn-{turn.turn_id}")
        elif kind == "session_ended":
            conn.execute(
                "UPDATE grading.sessions SET ended_at = %s, turn_count = %s WHERE session_id = %s",
                (
                    event.occurred_at.ToDatetime().isoformat() + "+00:00",
                    event.session_ended.turn_count,
                    event.session_id,
                ),
            )
            self._sender.send_task(
                SESSION_REPORT_TASK, [event.session_id], REPORT_QUEUE, f"session-report-{event.session_id}"
            )

    @staticmethod
    def _erase(conn: psycopg.Connection[Any], event: events_pb2.SessionEvent) -> None:
        with conn.transaction():
            sessions = [
                str(row[0])
                for row in conn.execute(
                    "SELECT session_id FROM grading.sessions WHERE organisation_id = %s AND trainee_id = %s",
                    (event.organisation_id, event.trainee_id),
                )
            ]
            sessions = sorted({*sessions, *event.trainee_erased.session_ids})
            turns = [
                str(row[0])
                for row in conn.execute("SELECT turn_id FROM grading.turns WHERE session_id = ANY(%s)", (sessions,))
            ]
            ids = [(event.trainee_id, "trainee"), *((s, "session") for s in sessions), *((t, "turn") for t in turns)]
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO grading.erased_ids (id, kind) VALUES (%s, %s) ON CONFLICT (id) DO NOTHING", ids
                )
            for table in ("grades", "reports"):
                conn.execute(f"DELETE FROM grading.{table} WHERE session_id = ANY(%s)", (sessions,))
            conn.execute("DELETE FROM grading.turns WHERE session_id = ANY(%s)", (sessions,))
            conn.execute("DELETE FROM grading.sessions WHERE session_id = ANY(%s)", (sessions,))
            # Grade and report events name turns and quote the trainee (report text); the
            # relay keeps published rows for a day, so both kinds go.
            conn.execute("DELETE FROM grading.outbox WHERE aggregateid = ANY(%s)", (sessions,))
        log.info("erased trainee %s: %d session(s), %d turn(s)", event.trainee_id, len(sessions), len(turns))
