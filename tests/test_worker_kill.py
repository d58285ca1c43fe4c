"""A grading worker killed mid-task: the task is redelivered and the result written once.

The session report runs the LLM judge, which takes seconds on the local model, so the
test can find the pool process running it and SIGKILL it mid-task. With acks_late and
reject-on-worker-lost the message goes back to the queue; the next run writes the
report. The unique (session, grader version) key makes a second write impossible.
"""

from __future__ import annotations

import os
import signal

import pytest
import redis
from celery import Celery
from stack import Partner, Stack
from support import wait_for

pytestmark = pytest.mark.integration


def _active_report_task(app: Celery, session_id: str) -> tuple[int, str] | None:
    """(pool process pid, task id) of the report task for ``session_id``, once running."""
    active = app.control.inspect(timeout=1.0).active() or {}
    for tasks in active.values():
        for task in tasks:
            if task["name"] == "practicum_grading.session_report" and session_id in str(task["args"]):
                return int(task["worker_pid"]), str(task["id"])
    return None


def test_worker_killed_mid_report_is_redelivered_and_reports_once(stack: Stack, partner: Partner) -> None:
    sid = partner.session()["id"]
    for text in ("What brings you here today?", "It sounds like the move has been harder than you expected."):
        partner.reply(sid, text)
    app = Celery(broker=stack.redis_url)
    wait_for(
        lambda: stack.sql("SELECT count(*) FROM grading.grades WHERE session_id = %s", sid) == [(2,)],
        60,
        "both turns graded",
    )
    assert partner.client.post(f"/v1/sessions/{sid}/end").status_code == 200

    pid, task_id = wait_for(lambda: _active_report_task(app, sid), 60, "the report task to start", interval_s=0.2)
    os.kill(pid, signal.SIGKILL)

    wait_for(
        lambda: stack.sql("SELECT count(*) FROM grading.reports WHERE session_id = %s", sid) == [(1,)],
        300,
        "the report after the redelivery",
        interval_s=1,
    )
    client = redis.Redis.from_url(stack.redis_url)
    deliveries = int(client.get(f"practicum:grading:deliveries:{task_id}:0") or 0)
    assert deliveries >= 2, "the killed task was not redelivered"
    assert stack.sql("SELECT count(*) FROM grading.reports WHERE session_id = %s", sid) == [(1,)]
    events = stack.sql(
        "SELECT count(*) FROM grading.outbox WHERE aggregateid = %s AND type IN ('session.reported', 'session.report')",
        sid,
    )
    assert events == [(2,)], "one scores event and one full-report event, exactly"
    report = wait_for(
        lambda: (r := partner.client.get(f"/v1/sessions/{sid}/report")).status_code == 200 and r.json(),
        60,
        "the report on the partner API",
    )
    assert report["report"]["summary"]
