"""An organisation erases a trainee: the session service deletes them at once, grading and
analytics follow from the trainee.erased event, analysts are told the pseudonym, and an
event about the trainee that arrives late does not bring anything back."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest
from kafka import KafkaProducer
from stack import Partner, Stack
from support import analyst_events, sse_events, wait_for

from practicum_common import db
from practicum_common.consumer_lag import AdminOffsets, lag_by_topic
from practicum_common.messaging import topic_reader
from practicum_common.topics import GRADE_EVENTS, GRADE_REPORTS, SESSION_EVENTS, Topic
from practicum_grading.adapters.store import PostgresGradingStore
from practicum_grading.domain.errors import JudgeUnavailable
from practicum_grading.domain.jobs import Erased, StoredGrade, StoredSession, StoredTurn, report_session
from practicum_grading.domain.report import SessionReport
from practicum_protos.events.v1 import events_pb2
from practicum_session.adapters.repository import PostgresSessionRepository
from practicum_session.adapters.retention import TEXT_TOPICS, KafkaEventRetention

pytestmark = pytest.mark.integration


def _segment_ms(stack: Stack, topics: tuple[str, ...]) -> dict[str, int]:
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap, client_id="test-erasure")
    try:
        found = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, t, {"segment.ms": None}) for t in topics], config_filter="all"
        )
    finally:
        admin.close()
    return {t: int(found["topic"][t]["segment.ms"]["value"]) for t in topics}


def _count(stack: Stack, query: str, *params: object) -> int:
    return int(stack.sql(query, *params)[0][0])


def _held_by_grading_and_analytics(stack: Stack, sid: str) -> dict[str, int]:
    return {
        "grading.sessions": _count(stack, "SELECT count(*) FROM grading.sessions WHERE session_id = %s", sid),
        "grading.turns": _count(stack, "SELECT count(*) FROM grading.turns WHERE session_id = %s", sid),
        "grading.grades": _count(stack, "SELECT count(*) FROM grading.grades WHERE session_id = %s", sid),
        "grading.reports": _count(stack, "SELECT count(*) FROM grading.reports WHERE session_id = %s", sid),
        "grading.outbox": _count(stack, "SELECT count(*) FROM grading.outbox WHERE aggregateid = %s", sid),
        "analytics.session_stats": _count(
            stack, "SELECT count(*) FROM analytics.session_stats WHERE session_id = %s", sid
        ),
    }


def _records(stack: Stack, topic: str, key: str) -> list[bytes]:
    consumer, partitions = topic_reader(stack.kafka_bootstrap, topic, from_beginning=True)
    try:
        ends = consumer.end_offsets(partitions)
        found: list[bytes] = []
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            for records in consumer.poll(timeout_ms=1000).values():
                found += [r.value for r in records if r.key == key.encode()]
        return found
    finally:
        consumer.close()


# Who consumes what (RUNBOOK.md, "Names used below"), and the payload type.
GROUPS = {
    SESSION_EVENTS: ("grading", "analytics"),
    GRADE_EVENTS: ("session-grades", "analytics"),
    GRADE_REPORTS: ("session-grades",),
}
MESSAGES: dict[Topic, Any] = {
    SESSION_EVENTS: events_pb2.SessionEvent,
    GRADE_EVENTS: events_pb2.GradeEvent,
    GRADE_REPORTS: events_pb2.ReportEvent,
}


def _caught_up(stack: Stack) -> bool:
    source = AdminOffsets.connect(stack.kafka_bootstrap, "test-erasure")
    try:
        for topic, groups in GROUPS.items():
            partitions = source.partitions([topic.name])
            ends, earliest = source.end_offsets(partitions), source.earliest_offsets(partitions)
            if any(lag_by_topic(ends, source.committed(g), earliest).get(topic.name) for g in groups):
                return False
        return True
    finally:
        source.close()


def test_erasing_a_trainee_deletes_them_everywhere_and_late_events_bring_nothing_back(
    stack: Stack, partner: Partner, other_partner: Partner
) -> None:
    session = partner.session()
    sid, tid = session["id"], session["trainee_id"]
    partner.reply(sid, "What has been on your mind this week?")
    assert partner.client.post(f"/v1/sessions/{sid}/end").status_code == 200
    wait_for(lambda: partner.client.get(f"/v1/sessions/{sid}/report").status_code == 200, 240, "the report")
    held = wait_for(
        lambda: (h := _held_by_grading_and_analytics(stack, sid))["analytics.session_stats"] and h,
        60,
        "analytics to count the session",
    )
    assert held["grading.turns"] == held["grading.grades"] == held["grading.reports"] == 1, held
    export_url = f"{stack.analytics_url}/v1/organisations/{partner.organisation_id}/export/sessions"
    token = {"Authorization": f"Bearer {stack.env.get('ANALYTICS_API_TOKEN', 'practicum-dev-only')}"}
    pseudonym = next(r["trainee"] for r in httpx.get(export_url, headers=token).json() if r["session_id"] == sid)

    # Before erasing, the trainee's data as one document (a subject-access request).
    # (The grade and the report travel on different topics: wait for the grade too.)
    exported = wait_for(
        lambda: (
            (r := partner.client.get(f"/v1/trainees/{tid}/export")).status_code == 200
            and r.json()["sessions"][0]["turns"][0]["grade"]
            and r
        ),
        60,
        "the export with the turn's grade",
    )
    assert exported.headers["content-disposition"] == f'attachment; filename="trainee-{tid}.json"'
    assert exported.headers["cache-control"] == "no-store"
    document = exported.json()
    assert document["trainee"]["id"] == tid and document["organisation_id"] == partner.organisation_id
    [record] = document["sessions"]
    assert record["session"]["id"] == sid and record["session"]["status"] == "ended"
    assert [t["trainee_text"] for t in record["turns"]] == ["What has been on your mind this week?"]
    assert record["turns"][0]["grade"] and record["turns"][0]["client_text"]
    assert record["report"] == partner.client.get(f"/v1/sessions/{sid}/report").json()
    assert document["safety_incidents"] == [] and document["held_elsewhere"]

    # Another organisation cannot erase, export (or learn about) this trainee.
    assert other_partner.client.get(f"/v1/trainees/{tid}/export").status_code == 404
    assert other_partner.client.delete(f"/v1/trainees/{tid}").status_code == 404
    assert partner.client.get(f"/v1/trainees/{tid}").status_code == 200

    erased = partner.client.delete(f"/v1/trainees/{tid}")
    assert erased.status_code == 200, erased.text
    answer = erased.json()
    deleted_by = datetime.fromisoformat(answer.pop("event_copies_deleted_by"))
    assert answer == {"trainee_id": tid, "sessions_erased": 1, "turns_erased": 1, "safety_incidents_erased": 0}
    # The copies on Kafka: gone by the deadline the broker's topic configuration gives
    # (retention + segment time + the retention check), read here independently.
    longest_s = asyncio.run(KafkaEventRetention(stack.kafka_bootstrap).longest_s())
    assert longest_s is not None and longest_s > 24 * 3600
    expected = datetime.now(UTC) + timedelta(seconds=longest_s)
    assert abs((deleted_by - expected).total_seconds()) < 120, (deleted_by, expected)
    if stack.can_control():
        # The stack applied topics.txt: the text topics close a segment hourly, so the
        # copies outlive the retention by an hour at most, not by Kafka's default 7 days.
        assert _segment_ms(stack, TEXT_TOPICS) == dict.fromkeys(TEXT_TOPICS, 3_600_000)
    for path in (
        f"/v1/trainees/{tid}",
        f"/v1/trainees/{tid}/export",
        f"/v1/sessions/{sid}",
        f"/v1/sessions/{sid}/transcript",
    ):
        assert partner.client.get(path).status_code == 404, path
    assert partner.client.delete(f"/v1/trainees/{tid}").status_code == 404, "erasing twice"
    assert _count(stack, "SELECT count(*) FROM session.outbox WHERE aggregateid = %s", sid) == 0
    assert _count(stack, "SELECT count(*) FROM session.turns WHERE session_id = %s", sid) == 0

    nothing = dict.fromkeys(held, 0)
    wait_for(lambda: _held_by_grading_and_analytics(stack, sid) == nothing, 60, "grading and analytics to erase")
    records = analyst_events(stack, pseudonym, {"trainee.erased"}, 60)
    assert all(tid.encode() not in value for _, value in records)

    # Copies of every event of the session arriving now (one trainee's events travel on
    # several partitions and topics, so some can come after the erasure) bring nothing
    # back, and no consumer gets stuck on them (a report for a deleted session would fail
    # the session service's foreign key on every retry).
    producer = KafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
    replayed: dict[str, int] = {}
    for topic in GROUPS:
        for value in _records(stack, topic.name, sid):
            late = MESSAGES[topic].FromString(value)
            late.event_id = str(uuid.uuid4())
            producer.send(topic.name, key=sid.encode(), value=late.SerializeToString()).get(timeout=10)
            replayed[late.event_type] = replayed.get(late.event_type, 0) + 1
    producer.close()
    assert {"turn.completed", "turn.graded", "session.report"} <= set(replayed), replayed
    wait_for(lambda: _caught_up(stack), 60, "every consumer group to consume the late events")
    assert _held_by_grading_and_analytics(stack, sid) == nothing
    assert _count(stack, "SELECT count(*) FROM session.reports WHERE session_id = %s", sid) == 0


def test_erasing_a_trainee_while_a_reply_streams_drops_the_reply_with_a_404_event(
    stack: Stack, partner: Partner
) -> None:
    session = partner.session()
    sid, tid = session["id"], session["trainee_id"]
    events: list[tuple[str, dict[str, Any]]] = []
    with partner.client.stream(
        "POST",
        f"/v1/sessions/{sid}/turns",
        json={"text": "Tell me about the last few weeks, and what has been hardest."},
        headers={"Accept": "text/event-stream"},
        timeout=120,
    ) as response:
        assert response.status_code == 200
        for event, data in sse_events(response):
            events.append((event, data))
            if event == "delta" and len(events) == 1:
                assert partner.client.delete(f"/v1/trainees/{tid}").status_code == 200
    kinds = [e for e, _ in events]
    # The erasure takes milliseconds, the rest of the reply seconds (about 30 tokens/s).
    assert kinds[-2:] == ["error", "end"], kinds
    assert events[-2][1]["status"] == 404
    assert _count(stack, "SELECT count(*) FROM session.turns WHERE session_id = %s", sid) == 0
    assert _count(stack, "SELECT count(*) FROM session.outbox WHERE aggregateid = %s", sid) == 0


class _OneSession:
    """Just enough of a grading store for report_session to build a real report."""

    def __init__(self, session: StoredSession, turn: StoredTurn, grade: StoredGrade) -> None:
        self._session, self._turn, self._grade = session, turn, grade
        self.reports: list[SessionReport] = []

    def session(self, session_id: str) -> StoredSession | None:
        return self._session

    def turns_with_grades(self, session_id: str, grader_version: str) -> list[tuple[StoredTurn, StoredGrade | None]]:
        return [(self._turn, self._grade)]

    def record_report(self, session: StoredSession, report: SessionReport) -> bool:
        self.reports.append(report)
        return True

    def is_erased(self, id_: str) -> bool:
        return False


class _Coder:
    version = "coder-test"


def test_a_grade_or_report_whose_turn_or_session_was_erased_meanwhile_ends_as_erased(stack: Stack) -> None:
    """The judge takes seconds; a trainee erased in between used to make the report's
    insert fail its foreign key and dead-letter the task (a false PracticumGradingDeadLetters).
    The store now says Erased, which the worker counts as `erased`."""
    gone = str(uuid.uuid4())
    scenario = {"category": "peer_support", "behaviour_change_goal": False, "has_suicide_risk": False}
    session = StoredSession(gone, str(uuid.uuid4()), str(uuid.uuid4()), "Hey.", scenario, 1, True)
    turn = StoredTurn(gone, gone, session.organisation_id, session.trainee_id, 1, "How are you?", "Fine.", "Hey.")
    grade = StoredGrade(gone, "question", "open", 0.9, "neutral", "Open question.")

    def judge(*_: object) -> str:
        raise JudgeUnavailable("not needed: the fallback report is a real report")

    built = _OneSession(session, turn, grade)
    assert report_session(built, _Coder(), gone, judge, lambda _s: None) is not None  # type: ignore[arg-type]
    store = PostgresGradingStore(stack.dsn)
    with pytest.raises(Erased):
        store.record_grade(turn, grade, "grader-test")
    with pytest.raises(Erased):
        store.record_report(session, built.reports[0])
    assert stack.sql("SELECT count(*) FROM grading.dead_letters WHERE task_id LIKE %s", f"%{gone}%") == [(0,)]


def test_a_trainee_export_reads_one_snapshot_while_the_trainee_practises(stack: Stack, partner: Partner) -> None:
    """The export's many reads (GET /v1/trainees/{id}/export) run in the repository's
    snapshot: a session started between two of them is not seen half-way."""
    trainee = partner.trainee()
    first = partner.client.post(
        "/v1/sessions", json={"trainee_id": trainee["id"], "scenario_id": "veteran-transition-civilian-work"}
    )
    assert first.status_code == 201, first.text
    org, tid = partner.organisation_id, trainee["id"]

    async def probe() -> tuple[int, int, int]:
        pool = db.async_pool(stack.dsn, max_size=2, name="test")
        await pool.open(wait=True, timeout=30)
        try:
            repo = PostgresSessionRepository(pool)
            async with repo.snapshot():
                before = len(await repo.list_sessions(org, None, 10, tid))
                # Another request commits a new session meanwhile.
                created = await asyncio.to_thread(
                    partner.client.post,
                    "/v1/sessions",
                    json={"trainee_id": tid, "scenario_id": "veteran-transition-civilian-work"},
                )
                assert created.status_code == 201, created.text
                during = len(await repo.list_sessions(org, None, 10, tid))
            after = len(await repo.list_sessions(org, None, 10, tid))
            # The snapshot is read only: a write inside it is refused, not committed.
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                async with repo.snapshot():
                    await repo.create_trainee(org, f"inside-{uuid.uuid4().hex[:8]}", None)
            return before, during, after
        finally:
            await pool.close()

    assert asyncio.run(probe()) == (1, 1, 2)
