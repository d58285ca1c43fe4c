"""The lost-task sweep's decisions, with an in-memory store and task sender.

`tests/test_lost_tasks.py` runs the same sweep against the real PostgreSQL, Redis and
Celery workers (a task deleted from the broker gets its grade after the sweep).
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from practicum_grading.entrypoints.dispatcher import GRADE_TURN_TASK, REPORT_QUEUE, SESSION_REPORT_TASK, TURN_QUEUE
from practicum_grading.entrypoints.sweeper import LostTaskSweeper, SweepPolicy


class FakeLostTasks:
    def __init__(self, turns: list[str], reports: list[str], locked_elsewhere: bool = False) -> None:
        self._turns, self._reports, self._locked_elsewhere = turns, reports, locked_elsewhere
        self.queries: list[tuple[str, float, float, int]] = []
        self.locked = self.closed = False

    def try_lock(self) -> bool:
        self.locked = not self._locked_elsewhere
        return self.locked

    def unlock(self) -> None:
        self.locked = False

    def close(self) -> None:
        self.closed = True

    def turns(self, task: str, after_s: float, window_s: float, limit: int) -> list[str]:
        self.queries.append((task, after_s, window_s, limit))
        return self._turns

    def reports(self, task: str, after_s: float, window_s: float, limit: int) -> list[str]:
        self.queries.append((task, after_s, window_s, limit))
        return self._reports


class FakeSender:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[str, list[Any], str, str]] = []
        self._fail = fail

    def send_task(self, name: str, args: list[Any], queue: str, task_id: str) -> object:
        if self._fail:
            raise ConnectionError("broker down")
        self.sent.append((name, args, queue, task_id))
        return None


def _sweeper(store: FakeLostTasks, sender: FakeSender, lengths: dict[str, int | None] | None = None) -> LostTaskSweeper:
    lengths = lengths or {TURN_QUEUE: 0, REPORT_QUEUE: 0}
    policy = SweepPolicy(turn_after_s=900, report_after_s=1800, window_s=86400, batch=50, max_queued=10)
    return LostTaskSweeper(lambda: store, sender, lengths.get, policy, clock=lambda: 1_700_000_000.0)


def test_lost_turns_and_reports_are_sent_again_with_fresh_task_ids() -> None:
    store, sender = FakeLostTasks(["t1", "t2"], ["s1"]), FakeSender()
    resent = _sweeper(store, sender).sweep_once()
    assert resent == {GRADE_TURN_TASK: ["t1", "t2"], SESSION_REPORT_TASK: ["s1"]}
    assert sender.sent == [
        (GRADE_TURN_TASK, ["t1"], TURN_QUEUE, "grade-turn-t1-resent-1700000000"),
        (GRADE_TURN_TASK, ["t2"], TURN_QUEUE, "grade-turn-t2-resent-1700000000"),
        (SESSION_REPORT_TASK, ["s1"], REPORT_QUEUE, "report-s1-resent-1700000000"),
    ]
    # The policy reaches the queries: turns wait 15 min, reports 30 min, 24 h back.
    assert store.queries == [(GRADE_TURN_TASK, 900, 86400, 50), (SESSION_REPORT_TASK, 1800, 86400, 50)]
    assert not store.locked and store.closed


@pytest.mark.parametrize("turn_queue", [11, None])
def test_a_busy_or_unreadable_queue_is_left_alone_and_the_other_is_still_swept(turn_queue: int | None) -> None:
    # A long queue may still hold the "lost" task, and an overloaded tier needs no extra
    # work; an unreadable one is probably down, so sending into it would fail anyway.
    store, sender = FakeLostTasks(["t1"], ["s1"]), FakeSender()
    resent = _sweeper(store, sender, {TURN_QUEUE: turn_queue, REPORT_QUEUE: 10}).sweep_once()
    assert resent == {GRADE_TURN_TASK: [], SESSION_REPORT_TASK: ["s1"]}
    assert [q[0] for q in store.queries] == [SESSION_REPORT_TASK]


def test_only_one_sweeper_runs_at_a_time() -> None:
    store, sender = FakeLostTasks(["t1"], ["s1"], locked_elsewhere=True), FakeSender()
    resent = _sweeper(store, sender).sweep_once()
    assert resent == {GRADE_TURN_TASK: [], SESSION_REPORT_TASK: []}
    assert sender.sent == [] and store.queries == [] and store.closed


def test_a_failing_broker_releases_the_lock_and_the_connection() -> None:
    store, sender = FakeLostTasks(["t1"], []), FakeSender(fail=True)
    with pytest.raises(ConnectionError):
        _sweeper(store, sender).sweep_once()
    assert not store.locked and store.closed


def test_resent_and_dead_lettered_tasks_are_exported_at_zero_from_the_start() -> None:
    # PracticumGradingTasksLost and PracticumGradingDeadLetters alert on increase() > 0,
    # which a series first seen at 1 never shows. A fresh interpreter, so no other test
    # has created the series.
    script = (
        "from prometheus_client import REGISTRY\n"
        "import practicum_grading.entrypoints.sweeper, practicum_grading.entrypoints.worker\n"
        "for n in ('practicum_grading_tasks_resent_total', 'practicum_grading_dead_letters_total'):\n"
        f"    for t in ({GRADE_TURN_TASK!r}, {SESSION_REPORT_TASK!r}):\n"
        "        print(n, t, REGISTRY.get_sample_value(n, {'task': t}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == [
        f"{n} {t} 0.0"
        for n in ("practicum_grading_tasks_resent_total", "practicum_grading_dead_letters_total")
        for t in (GRADE_TURN_TASK, SESSION_REPORT_TASK)
    ]
