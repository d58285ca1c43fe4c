"""Applies grade and report events from the grading service to the session schema.

Runs in the consumer loop thread with a synchronous connection. Each event is claimed in
``session.processed_events`` in the same transaction as its effect, so redelivered
events change nothing. After a grade lands, a NOTIFY wakes any request streaming that
turn so the trainee sees the feedback right away.

``practicum_turn_feedback_delay_seconds`` measures the path the trainee waits on: from the
turn's reply being stored (``completed_at``) to its grade landing here, i.e. outbox relay,
Kafka, the grading dispatcher and Celery worker, the grade outbox and this consumer. Both
ends are PostgreSQL's clock, so the figure does not depend on the hosts' clocks agreeing.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg
from prometheus_client import Histogram

from practicum_common.events import claim_event_sql, decode
from practicum_common.messaging import Record
from practicum_common.topics import GRADE_EVENTS, GRADE_REPORTS
from practicum_protos.events.v1 import events_pb2
from practicum_session.adapters import webhooks
from practicum_session.domain.webhooks import REPORT_READY

NOTIFY_CHANNEL = "practicum_turn_graded"

FEEDBACK_DELAY = Histogram(
    "practicum_turn_feedback_delay_seconds",
    "From a trainee turn's reply being stored to its grade and feedback being stored",
    # A streamed turn waits SESSION_FEEDBACK_WAIT_S (10 s) for its feedback; the buckets
    # resolve that range finely and still show a backlog of minutes.
    buckets=(0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 30, 60, 120, 300),
)


class GradeEventHandler:
    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._conn: psycopg.Connection[Any] | None = None

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = psycopg.connect(self._dsn, autocommit=True)
        return self._conn

    def __call__(self, record: Record) -> None:
        if record.topic == GRADE_EVENTS.name:
            event = decode(events_pb2.GradeEvent, record.value)
            if event.WhichOneof("payload") == "turn_graded":
                self._apply_turn_graded(event)
        elif record.topic == GRADE_REPORTS.name:
            self._apply_report(decode(events_pb2.ReportEvent, record.value))

    def _apply_turn_graded(self, event: events_pb2.GradeEvent) -> None:
        graded = event.turn_graded
        grade = {
            "code": graded.code.code,
            "subcode": graded.code.subcode,
            "confidence": graded.code.confidence,
            "coder_version": graded.code.coder_version,
            "grader_version": graded.grader_version,
        }
        conn = self._connection()
        with conn.transaction():
            if conn.execute(claim_event_sql("session"), (event.event_id,)).fetchone() is None:
                return
            row = conn.execute(
                "UPDATE session.turns SET grade = %s, feedback = %s, graded_at = now() "
                "WHERE organisation_id = %s AND id = %s "
                "RETURNING extract(epoch FROM graded_at - completed_at)",
                (json.dumps(grade), graded.feedback, event.organisation_id, graded.turn_id),
            ).fetchone()
            conn.execute("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, graded.turn_id))
        # Observed once per grade (a redelivered event returned above) and only after the
        # commit; a turn without completed_at (none is graded before it completes) is skipped.
        if row is not None and row[0] is not None:
            FEEDBACK_DELAY.observe(max(0.0, float(row[0])))

    def _apply_report(self, event: events_pb2.ReportEvent) -> None:
        report = event.report
        conn = self._connection()
        with conn.transaction():
            if conn.execute(claim_event_sql("session"), (event.event_id,)).fetchone() is None:
                return
            # Only for a session that still exists: a report can arrive after its trainee was
            # erased, and the foreign key would otherwise fail it on every retry.
            stored = conn.execute(
                "INSERT INTO session.reports (session_id, organisation_id, report_id, report, report_text) "
                "SELECT %s, %s, %s, %s, %s WHERE EXISTS (SELECT 1 FROM session.sessions WHERE id = %s) "
                "ON CONFLICT (session_id) DO UPDATE SET "
                "report_id = EXCLUDED.report_id, report = EXCLUDED.report, report_text = EXCLUDED.report_text, "
                "created_at = now()",
                (
                    event.session_id,
                    event.organisation_id,
                    report.report_id,
                    report.report_json,
                    report.report_text,
                    event.session_id,
                ),
            )
            if stored.rowcount:
                conn.execute(
                    *webhooks.enqueue(
                        event.organisation_id,
                        REPORT_READY,
                        {"session_id": event.session_id, "trainee_id": event.trainee_id, "report_id": report.report_id},
                    )
                )
