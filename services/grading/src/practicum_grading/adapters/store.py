"""PostgreSQL implementation of the grading store (schema ``grading``).

Grades and reports are inserted with ``ON CONFLICT DO NOTHING``; only the transaction
that actually inserted a row writes the outbox events, so a redelivered task leaves
exactly one grade and one event behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
from google.protobuf.json_format import MessageToDict
from psycopg.rows import dict_row

from practicum_common.events import SCHEMA_VERSION, new_event_id, timestamp
from practicum_common.outbox import outbox_insert
from practicum_common.topics import GRADE_EVENTS, GRADE_REPORTS
from practicum_grading.domain.jobs import Erased, StoredGrade, StoredSession, StoredTurn
from practicum_grading.domain.report import (
    SessionReport,
    render_report_text,
    report_event_fields,
    report_objective_outcomes,
    report_to_dict,
)
from practicum_protos.common.v1 import common_pb2
from practicum_protos.events.v1 import events_pb2
from practicum_protos.simulation.v1 import simulation_pb2

SCHEMA = "grading"


def _turn(row: dict[str, Any]) -> StoredTurn:
    return StoredTurn(
        turn_id=str(row["turn_id"]),
        session_id=str(row["session_id"]),
        organisation_id=str(row["organisation_id"]),
        trainee_id=str(row["trainee_id"]),
        index=int(row["turn_index"]),
        trainee_text=row["trainee_text"],
        client_text=row["client_text"],
        prev_client_text=row["prev_client_text"],
        disclosed_facts=tuple(row["disclosed_facts"] or ()),
    )


@contextlib.contextmanager
def _unless_erased(what: str) -> Iterator[None]:
    """A grade or report whose turn or session was erased while it was being computed
    (the judge takes seconds) fails the foreign key: that is the erasure, not a fault, so
    the task ends as erased instead of as a dead letter."""
    try:
        yield
    except psycopg.errors.ForeignKeyViolation as exc:
        raise Erased(f"{what} was erased while it was being graded") from exc


class PostgresGradingStore:
    """One connection per process: Celery's prefork children each build their own."""

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._conn: psycopg.Connection[dict[str, Any]] | None = None
        self._pid = 0

    def _connection(self) -> psycopg.Connection[dict[str, Any]]:
        # A connection inherited across fork() is shared with the parent and unusable.
        if self._conn is None or self._conn.closed or self._conn.broken or self._pid != os.getpid():
            self._conn = psycopg.connect(self._dsn, autocommit=True, row_factory=dict_row)
            self._pid = os.getpid()
        return self._conn

    def turn(self, turn_id: str) -> StoredTurn | None:
        row = (
            self._connection()
            .execute(
                "SELECT t.*, s.trainee_id FROM grading.turns t JOIN grading.sessions s USING (session_id) "
                "WHERE t.turn_id = %s",
                (turn_id,),
            )
            .fetchone()
        )
        return _turn(row) if row else None

    def session(self, session_id: str) -> StoredSession | None:
        row = (
            self._connection().execute("SELECT * FROM grading.sessions WHERE session_id = %s", (session_id,)).fetchone()
        )
        if row is None:
            return None
        scenario = simulation_pb2.Scenario()
        scenario.ParseFromString(bytes(row["scenario"] or b""))
        return StoredSession(
            session_id=str(row["session_id"]),
            organisation_id=str(row["organisation_id"]),
            trainee_id=str(row["trainee_id"]),
            opening_line=row["opening_line"],
            scenario=MessageToDict(
                scenario, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
            ),
            turn_count=row["turn_count"],
            ended=row["ended_at"] is not None,
        )

    def turns_with_grades(self, session_id: str, grader_version: str) -> list[tuple[StoredTurn, StoredGrade | None]]:
        rows = (
            self._connection()
            .execute(
                "SELECT t.*, s.trainee_id, g.code, g.subcode, g.confidence, g.client_talk_type, g.feedback "
                "FROM grading.turns t JOIN grading.sessions s USING (session_id) "
                "LEFT JOIN grading.grades g ON g.turn_id = t.turn_id AND g.grader_version = %s "
                "WHERE t.session_id = %s ORDER BY t.turn_index",
                (grader_version, session_id),
            )
            .fetchall()
        )
        result: list[tuple[StoredTurn, StoredGrade | None]] = []
        for row in rows:
            grade = (
                StoredGrade(
                    turn_id=str(row["turn_id"]),
                    code=row["code"],
                    subcode=row["subcode"],
                    confidence=row["confidence"],
                    client_talk_type=row["client_talk_type"],
                    feedback=row["feedback"],
                )
                if row["code"] is not None
                else None
            )
            result.append((_turn(row), grade))
        return result

    def record_grade(self, turn: StoredTurn, grade: StoredGrade, grader_version: str) -> bool:
        conn = self._connection()
        with _unless_erased(f"turn {turn.turn_id}"), conn.transaction():
            inserted = conn.execute(
                "INSERT INTO grading.grades (turn_id, grader_version, session_id, organisation_id, code, subcode, "
                "confidence, client_talk_type, feedback) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (turn_id, grader_version) DO NOTHING RETURNING turn_id",
                (
                    turn.turn_id,
                    grader_version,
                    turn.session_id,
                    turn.organisation_id,
                    grade.code,
                    grade.subcode,
                    grade.confidence,
                    grade.client_talk_type,
                    grade.feedback,
                ),
            ).fetchone()
            if inserted is None:
                return False
            event = self._envelope(turn.organisation_id, turn.session_id, turn.trainee_id, "turn.graded")
            event.turn_graded.turn_id = turn.turn_id
            event.turn_graded.turn_index = turn.index
            event.turn_graded.code.CopyFrom(
                common_pb2.TurnCode(
                    code=grade.code,
                    subcode=grade.subcode,
                    confidence=grade.confidence,
                    coder_version=grader_version,
                )
            )
            event.turn_graded.grader_version = grader_version
            event.turn_graded.feedback = grade.feedback
            self._add_event(conn, GRADE_EVENTS.name, turn.session_id, event.event_type, event)
        return True

    def record_report(self, session: StoredSession, report: SessionReport) -> bool:
        report_id = str(uuid.uuid4())
        body = report_to_dict(report)
        conn = self._connection()
        with _unless_erased(f"session {session.session_id}"), conn.transaction():
            inserted = conn.execute(
                "INSERT INTO grading.reports (session_id, grader_version, report_id, organisation_id, report, "
                "judge_source) VALUES (%s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (session_id, grader_version) DO NOTHING RETURNING report_id",
                (
                    session.session_id,
                    report.grader_version,
                    report_id,
                    session.organisation_id,
                    json.dumps(body),
                    report.judge_source.value,
                ),
            ).fetchone()
            if inserted is None:
                return False
            scores = self._envelope(session.organisation_id, session.session_id, session.trainee_id, "session.reported")
            scores.session_reported.report_id = report_id
            for name, value in report_event_fields(report).items():
                setattr(scores.session_reported, name, value)
            for check, status in report_objective_outcomes(report):
                scores.session_reported.objective_checks.add(check=check, status=status)
            self._add_event(conn, GRADE_EVENTS.name, session.session_id, scores.event_type, scores)
            full = events_pb2.ReportEvent(
                event_id=new_event_id(),
                event_type="session.report",
                schema_version=SCHEMA_VERSION,
                occurred_at=timestamp(),
                organisation_id=session.organisation_id,
                session_id=session.session_id,
                trainee_id=session.trainee_id,
            )
            full.report.report_id = report_id
            full.report.grader_version = report.grader_version
            full.report.report_json = json.dumps(body)
            full.report.report_text = render_report_text(report)
            self._add_event(conn, GRADE_REPORTS.name, session.session_id, full.event_type, full)
        return True

    def is_erased(self, id_: str) -> bool:
        row = self._connection().execute("SELECT 1 FROM grading.erased_ids WHERE id = %s", (id_,)).fetchone()
        return row is not None

    def dead_letter(self, task_name: str, task_id: str, args: list[Any], deliveries: int, reason: str) -> None:
        self._connection().execute(
            "INSERT INTO grading.dead_letters (task_name, task_id, args, deliveries, reason) "
            "VALUES (%s, %s, %s, %s, %s)",
            (task_name, task_id, json.dumps(args), deliveries, reason),
        )

    def count_grades(self, turn_id: str) -> int:
        row = (
            self._connection()
            .execute("SELECT count(*) AS n FROM grading.grades WHERE turn_id = %s", (turn_id,))
            .fetchone()
        )
        return int(row["n"]) if row else 0

    @staticmethod
    def _envelope(org_id: str, session_id: str, trainee_id: str, event_type: str) -> events_pb2.GradeEvent:
        return events_pb2.GradeEvent(
            event_id=new_event_id(),
            event_type=event_type,
            schema_version=SCHEMA_VERSION,
            occurred_at=timestamp(),
            organisation_id=org_id,
            session_id=session_id,
            trainee_id=trainee_id,
        )

    @staticmethod
    def _add_event(
        conn: psycopg.Connection[dict[str, Any]],
        topic: str,
        session_id: str,
        event_type: str,
        event: events_pb2.GradeEvent | events_pb2.ReportEvent,
    ) -> None:
        sql, params = outbox_insert(
            SCHEMA,
            topic=topic,
            aggregate_type="session",
            aggregate_id=session_id,
            event_type=event_type,
            payload=event.SerializeToString(),
            event_id=event.event_id,
        )
        conn.execute(sql, params)
