"""Applies session and grade events to the analytics aggregates (consumer side).

Each event is claimed in ``analytics.processed_events`` inside the same transaction as
its counter updates, so a replayed event (relay re-send, consumer restart before commit)
changes nothing. Rows are upserted because events of one session arrive on two topics
and need not come in order.

Erasure: ``trainee.erased`` deletes the trainee's rows and leaves a tombstone
(``analytics.erased_trainees``, the id alone), and any later event naming the trainee is
claimed and dropped. Events of one trainee travel on several partitions and topics, so
some can arrive after the erasure; without the tombstone they would recreate the rows.

The same transaction writes the event's de-identified copy for analysts to the outbox
(``adapters/analyst_events.py``); the relay publishes it to ``practicum.analyst.events.v1``.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg

from practicum_analytics.adapters.analyst_events import from_grade_event, from_session_event
from practicum_analytics.domain.aggregates import COUNTER_COLUMNS, tally
from practicum_common.events import claim_event_sql, decode
from practicum_common.messaging import Record
from practicum_common.outbox import outbox_insert
from practicum_common.topics import ANALYST_EVENTS, GRADE_EVENTS, SESSION_EVENTS
from practicum_protos.events.v1 import events_pb2

_ENSURE_ROW = (
    "INSERT INTO analytics.session_stats (session_id, organisation_id, trainee_id) VALUES (%s, %s, %s) "
    "ON CONFLICT (session_id) DO NOTHING"
)


def _erased(conn: psycopg.Connection[Any], trainee_id: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM analytics.erased_trainees WHERE trainee_id = %s", (trainee_id,)).fetchone()
        is not None
    )


class AnalyticsEventHandler:
    def __init__(self, dsn: str, pseudonym_key: bytes) -> None:
        self._dsn = dsn
        self._pseudonym_key = pseudonym_key
        self._conn: psycopg.Connection[Any] | None = None

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = psycopg.connect(self._dsn, autocommit=True)
        return self._conn

    def __call__(self, record: Record) -> None:
        if record.topic == SESSION_EVENTS.name:
            session_event = decode(events_pb2.SessionEvent, record.value)
            self._session_event(session_event, from_session_event(session_event, self._pseudonym_key))
        elif record.topic == GRADE_EVENTS.name:
            grade_event = decode(events_pb2.GradeEvent, record.value)
            self._grade_event(grade_event, from_grade_event(grade_event, self._pseudonym_key))

    @staticmethod
    def _publish(conn: psycopg.Connection[Any], analyst: events_pb2.AnalystEvent | None) -> None:
        if analyst is None:
            return
        conn.execute(
            *outbox_insert(
                "analytics",
                topic=ANALYST_EVENTS.name,
                aggregate_type="session" if analyst.session_id else "trainee",
                # The record key: trainee.erased has no session.
                aggregate_id=analyst.session_id or analyst.trainee_pseudonym,
                event_type=analyst.event_type,
                payload=analyst.SerializeToString(),
                event_id=analyst.event_id,
            )
        )

    @staticmethod
    def _erase(conn: psycopg.Connection[Any], event: events_pb2.SessionEvent) -> None:
        conn.execute(
            "INSERT INTO analytics.erased_trainees (trainee_id, organisation_id) VALUES (%s, %s) "
            "ON CONFLICT (trainee_id) DO NOTHING",
            (event.trainee_id, event.organisation_id),
        )
        conn.execute(
            "DELETE FROM analytics.session_stats "
            "WHERE organisation_id = %s AND (trainee_id = %s OR session_id = ANY(%s))",
            (event.organisation_id, event.trainee_id, list(event.trainee_erased.session_ids)),
        )

    def _session_event(self, event: events_pb2.SessionEvent, analyst: events_pb2.AnalystEvent | None) -> None:
        """Apply one session event and write its analyst copy to the outbox, once."""
        conn = self._connection()
        with conn.transaction():
            if conn.execute(claim_event_sql("analytics"), (event.event_id,)).fetchone() is None:
                return
            kind = event.WhichOneof("payload")
            if kind == "trainee_erased":
                self._erase(conn, event)
                self._publish(conn, analyst)
                return
            if _erased(conn, event.trainee_id):
                return
            if not event.session_id:
                # About the trainee, not a session (cohort membership): nothing to count.
                self._publish(conn, analyst)
                return
            conn.execute(_ENSURE_ROW, (event.session_id, event.organisation_id, event.trainee_id))
            at = event.occurred_at.ToDatetime().isoformat() + "+00:00"
            if kind == "session_started":
                conn.execute(
                    "UPDATE analytics.session_stats SET scenario_id = %s, scenario_version = %s, started_at = %s, "
                    "cohort_ids = %s, updated_at = now() WHERE session_id = %s",
                    (
                        event.scenario_id,
                        event.scenario_version,
                        at,
                        list(event.session_started.cohort_ids),
                        event.session_id,
                    ),
                )
            elif kind == "turn_completed":
                conn.execute(
                    "UPDATE analytics.session_stats SET turns = turns + 1, updated_at = now() WHERE session_id = %s",
                    (event.session_id,),
                )
            elif kind == "session_ended":
                conn.execute(
                    "UPDATE analytics.session_stats SET ended_at = %s, updated_at = now() WHERE session_id = %s",
                    (at, event.session_id),
                )
            self._publish(conn, analyst)

    def _grade_event(self, event: events_pb2.GradeEvent, analyst: events_pb2.AnalystEvent | None) -> None:
        """Apply one grade event and write its analyst copy to the outbox, once."""
        conn = self._connection()
        with conn.transaction():
            if conn.execute(claim_event_sql("analytics"), (event.event_id,)).fetchone() is None:
                return
            if _erased(conn, event.trainee_id):
                return
            conn.execute(_ENSURE_ROW, (event.session_id, event.organisation_id, event.trainee_id))
            kind = event.WhichOneof("payload")
            if kind == "turn_graded":
                code = event.turn_graded.code
                delta = tally(code.code, code.subcode)
                assignments = ", ".join(f"{col} = {col} + %s" for col in COUNTER_COLUMNS)
                conn.execute(
                    f"UPDATE analytics.session_stats SET graded_turns = graded_turns + 1, {assignments}, "
                    "code_counts = jsonb_set(code_counts, ARRAY[%s], "
                    "to_jsonb(coalesce((code_counts ->> %s)::int, 0) + 1)), updated_at = now() "
                    "WHERE session_id = %s",
                    (*[delta[c] for c in COUNTER_COLUMNS], code.code, code.code, event.session_id),
                )
            elif kind == "session_reported":
                rep = event.session_reported
                checks = {o.check: o.status for o in rep.objective_checks}
                conn.execute(
                    "UPDATE analytics.session_stats SET partnership = %s, empathy = %s, judge_source = %s, "
                    "objective_checks = %s::jsonb, updated_at = now() WHERE session_id = %s",
                    (
                        rep.partnership or None,
                        rep.empathy or None,
                        rep.judge_source,
                        json.dumps(checks),
                        event.session_id,
                    ),
                )
            self._publish(conn, analyst)
