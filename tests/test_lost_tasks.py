"""Accepted grading work whose task was lost is found by the sweep and finished.

The first test loses two real turns' tasks the way a broker can (the queue is gone while
no worker runs); the dispatcher's sweep resends one, an operator requeues the other from
the dead letters, and the trainee sees both grades.
The second pins down which sessions the sweep calls "report lost" on rows in PostgreSQL.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator

import pytest
import redis
from stack import Partner, Stack, run
from support import wait_for

from practicum_grading.adapters.lost_tasks import PostgresLostTasks
from practicum_grading.adapters.queue_depth import redis_queue_depth
from practicum_grading.adapters.store import PostgresGradingStore
from practicum_grading.entrypoints.dispatcher import (
    GRADE_TURN_TASK,
    REPORT_QUEUE,
    SESSION_REPORT_TASK,
    TURN_QUEUE,
    CeleryTaskSender,
)
from practicum_grading.entrypoints.sweeper import LostTaskSweeper, SweepPolicy
from practicum_grading.entrypoints.worker import create_celery
from practicum_grading.settings import GradingSettings

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> GradingSettings:
    for key, value in stack.env.items():
        monkeypatch.setenv(key, value)
    return GradingSettings()


@pytest.fixture
def lost(settings: GradingSettings) -> Iterator[PostgresLostTasks]:
    store = PostgresLostTasks.connect(settings.postgres_dsn)
    yield store
    store.close()


def _dead_letters(stack: Stack, *args: str) -> str:
    return run(sys.executable, "-m", "practicum_grading", "dead-letters", *args, env=stack.env).stdout


def test_lost_tasks_are_resent_by_the_sweep_and_dead_letters_by_an_operator(
    stack: Stack, partner: Partner, settings: GradingSettings
) -> None:
    sid = partner.session()["id"]
    broker = redis.Redis.from_url(stack.redis_url)
    stack.stop("grading-worker")
    try:
        turn_ids = []
        for text in ("What has been on your mind this week?", "It sounds like the evenings are the hardest."):
            response = partner.reply(sid, text)
            assert response.status_code == 200, response.text
            turn_ids.append(response.json()["turn"]["id"])
        wait_for(
            lambda: stack.sql("SELECT count(*) FROM grading.turns WHERE session_id = %s", sid) == [(2,)],
            60,
            "the dispatcher to store both turns",
        )
        wait_for(lambda: broker.llen(TURN_QUEUE) >= 2, 30, "both grading tasks in the queue")
        broker.delete(TURN_QUEUE)  # the broker loses the tasks
    finally:
        stack.start("grading-worker")
    assert stack.sql("SELECT count(*) FROM grading.grades WHERE session_id = %s", sid) == [(0,)]
    swept, dead = turn_ids
    # The second turn's task failed for good (recorded as the worker records it): it is
    # an operator's to requeue once the cause is fixed, not the sweep's to retry forever.
    PostgresGradingStore(settings.postgres_dsn).dead_letter(GRADE_TURN_TASK, f"grade-turn-{dead}", [dead], 1, "Boom")

    sweeper = LostTaskSweeper(
        lambda: PostgresLostTasks.connect(settings.postgres_dsn),
        CeleryTaskSender(create_celery(settings)),
        redis_queue_depth(stack.redis_url, (TURN_QUEUE, REPORT_QUEUE)).queue_length,
        # turn_after_s=0: the test cannot wait the production 15 minutes.
        SweepPolicy(turn_after_s=0, report_after_s=3600, window_s=3600),
    )
    resent = sweeper.sweep_once()[GRADE_TURN_TASK]
    assert swept in resent and dead not in resent

    listed = [json.loads(line) for line in _dead_letters(stack, "list", "--json").splitlines()]
    letter = next(d for d in listed if d["args"] == [dead])
    assert letter["reason"] == "Boom" and letter["requeued_at"] is None
    out = _dead_letters(stack, "requeue", str(letter["id"]))
    assert "requeued 1 dead letter(s)" in out

    def graded() -> bool:
        turns = partner.client.get(f"/v1/sessions/{sid}/transcript").json()["turns"]
        return all(t["grade"] and t["feedback"] for t in turns)

    wait_for(graded, 60, "the trainee to see both grades", interval_s=1)
    assert not {swept, dead} & set(sweeper.sweep_once()[GRADE_TURN_TASK])
    assert stack.sql("SELECT count(*) FROM grading.grades WHERE session_id = %s", sid) == [(2,)]
    assert not any(d["args"] == [dead] for d in map(json.loads, _dead_letters(stack, "list", "--json").splitlines()))
    again = [json.loads(line) for line in _dead_letters(stack, "list", "--all", "--json").splitlines()]
    requeued = next(d for d in again if d["id"] == letter["id"])
    assert requeued["requeued_task_id"] == f"grade-turn-{dead}-requeued-{letter['id']}"
    # Requeueing it twice is refused, not sent twice.
    twice = run(
        sys.executable,
        "-m",
        "practicum_grading",
        "dead-letters",
        "requeue",
        str(letter["id"]),
        env=stack.env,
        check=False,
    )
    assert twice.returncode == 1 and "not pending" in twice.stderr


def test_which_ended_sessions_count_as_missing_their_report(stack: Stack, lost: PostgresLostTasks) -> None:
    session, org, trainee, turn = (str(uuid.uuid4()) for _ in range(4))

    def missing() -> bool:
        return session in lost.reports(SESSION_REPORT_TASK, after_s=600, window_s=86400, limit=10_000)

    def dead_letter(reason: str) -> None:
        stack.sql(
            "INSERT INTO grading.dead_letters (task_name, task_id, args, deliveries, reason) "
            "VALUES (%s, %s, %s::jsonb, 1, %s) RETURNING id",
            SESSION_REPORT_TASK,
            f"report-{session}",
            json.dumps([session]),
            reason,
        )

    stack.sql(
        "INSERT INTO grading.sessions (session_id, organisation_id, trainee_id, scenario_id, scenario_version, "
        "started_at, ended_at, turn_count) VALUES (%s, %s, %s, 'test', 1, now() - interval '2 hours', "
        "now() - interval '1 hour', 1) RETURNING session_id",
        session,
        org,
        trainee,
    )
    try:
        assert not missing(), "its one turn has not arrived yet: the report task would find it not ready"
        stack.sql(
            "INSERT INTO grading.turns (turn_id, session_id, organisation_id, turn_index, trainee_text, "
            "client_text, prev_client_text) VALUES (%s, %s, %s, 1, 'Hi.', 'Hey.', '') RETURNING turn_id",
            turn,
            session,
            org,
        )
        assert not missing(), "its turn is not graded yet"
        stack.sql(
            "INSERT INTO grading.grades (turn_id, grader_version, session_id, organisation_id, code, confidence, "
            "feedback) VALUES (%s, 'test', %s, %s, 'other', 0.9, 'ok') RETURNING turn_id",
            turn,
            session,
            org,
        )
        assert missing(), "ended an hour ago, every turn graded, no report"
        dead_letter("NotReady: 0 of 1 turns graded")
        assert missing(), "dead-lettered only for waiting on a grade that has since come"
        dead_letter("JudgeError: something an operator must look at")
        assert not missing(), "dead-lettered for a real failure: left to an operator"
        stack.sql("DELETE FROM grading.dead_letters WHERE task_id = %s RETURNING id", f"report-{session}")
        stack.sql(
            "INSERT INTO grading.reports (session_id, grader_version, report_id, organisation_id, report, "
            "judge_source) VALUES (%s, 'test', %s, %s, '{}'::jsonb, 'fallback') RETURNING session_id",
            session,
            str(uuid.uuid4()),
            org,
        )
        assert not missing(), "reported"
        assert session not in lost.reports(SESSION_REPORT_TASK, after_s=7200, window_s=86400, limit=10_000)
    finally:
        for table, column in (("reports", "session_id"), ("grades", "session_id"), ("turns", "session_id")):
            stack.sql(f"DELETE FROM grading.{table} WHERE {column} = %s RETURNING 1", session)
        stack.sql("DELETE FROM grading.dead_letters WHERE task_id = %s RETURNING id", f"report-{session}")
        stack.sql("DELETE FROM grading.sessions WHERE session_id = %s RETURNING session_id", session)
