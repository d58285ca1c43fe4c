"""The lost-task sweep: accepted grading work is never silently dropped.

Celery with ``acks_late`` and a Redis broker that fsyncs every second keeps almost every
task, but not every one: a task whose retries run out during a long database outage is
acknowledged as failed, and a broker that loses its data loses its queue. The grading
schema, not the queue, is the record of what was accepted, so the dispatcher sweeps it
every ``GRADING_SWEEP_INTERVAL_S``: a turn still without a grade ``GRADING_SWEEP_TURN_AFTER_S``
after it arrived, or a session without a report ``GRADING_SWEEP_REPORT_AFTER_S`` after it
ended, gets its task sent again (``adapters/lost_tasks.py`` says exactly which).

Sending a task twice is safe (a grade is unique per turn and grader version, a report per
session and grader version; the outbox event is written only by the insert that won), but
it costs work, so the sweep waits well past the time a task can legitimately take
(retries, the broker's visibility timeout) and skips a queue that is not nearly empty: a
long queue may still hold the "lost" task, and an overloaded tier needs no extra work.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from prometheus_client import Counter

from practicum_common.metrics import start_at_zero
from practicum_grading.entrypoints.dispatcher import GRADE_TURN_TASK, QUEUE_OF_TASK, SESSION_REPORT_TASK, TaskSender

log = logging.getLogger(__name__)

RESENT = Counter(
    "practicum_grading_tasks_resent_total",
    "Grading tasks sent again by the lost-task sweep (accepted work whose task never finished)",
    ["task"],
)
SWEEPS = Counter("practicum_grading_sweeps_total", "Lost-task sweeps by outcome", ["outcome"])
start_at_zero(RESENT, (GRADE_TURN_TASK,), (SESSION_REPORT_TASK,))


class LostTasks(Protocol):
    def try_lock(self) -> bool: ...
    def unlock(self) -> None: ...
    def close(self) -> None: ...
    def turns(self, task: str, after_s: float, window_s: float, limit: int) -> list[str]: ...
    def reports(self, task: str, after_s: float, window_s: float, limit: int) -> list[str]: ...


@dataclass(frozen=True)
class SweepPolicy:
    turn_after_s: float = 900.0
    report_after_s: float = 1800.0
    window_s: float = 24 * 3600.0
    batch: int = 500
    # Resend into a queue only while it holds at most this many tasks.
    max_queued: int = 10


class LostTaskSweeper:
    def __init__(
        self,
        connect: Callable[[], LostTasks],
        sender: TaskSender,
        queue_length: Callable[[str], int | None],
        policy: SweepPolicy,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._connect = connect
        self._sender = sender
        self._queue_length = queue_length
        self._policy = policy
        self._clock = clock
        self._stop = threading.Event()

    def _queue_quiet(self, queue: str) -> bool:
        length = self._queue_length(queue)
        if length is None:
            log.info("sweep: queue %s length unknown (broker unreachable); not resending into it", queue)
            return False
        return length <= self._policy.max_queued

    def sweep_once(self) -> dict[str, list[str]]:
        """One sweep; returns the ids whose task was sent again, by task name."""
        resent: dict[str, list[str]] = {GRADE_TURN_TASK: [], SESSION_REPORT_TASK: []}
        lost = self._connect()
        try:
            if not lost.try_lock():
                SWEEPS.labels("another_sweeper").inc()
                return resent
            try:
                p = self._policy
                # A fresh task id per resend: the delivery guard counts deliveries per id,
                # and the lost task's id may already be at its cap.
                stamp = int(self._clock())
                for task, find, after_s, id_prefix in (
                    (GRADE_TURN_TASK, lost.turns, p.turn_after_s, "grade-turn"),
                    (SESSION_REPORT_TASK, lost.reports, p.report_after_s, "report"),
                ):
                    queue = QUEUE_OF_TASK[task]
                    if not self._queue_quiet(queue):
                        continue
                    for subject in find(task, after_s, p.window_s, p.batch):
                        self._sender.send_task(task, [subject], queue, f"{id_prefix}-{subject}-resent-{stamp}")
                        resent[task].append(subject)
            finally:
                lost.unlock()
        finally:
            lost.close()
        for task, ids in resent.items():
            if ids:
                RESENT.labels(task).inc(len(ids))
                log.warning("sweep: sent %s again for %d id(s) whose task was lost: %s", task, len(ids), ids[:20])
        SWEEPS.labels("resent" if any(resent.values()) else "nothing_lost").inc()
        return resent

    def run(self, interval_s: float) -> None:
        """Sweep every ``interval_s`` until :meth:`stop`; a failed sweep is logged and retried."""
        while not self._stop.wait(interval_s):
            try:
                self.sweep_once()
            except Exception:
                SWEEPS.labels("failed").inc()
                log.exception("sweep failed; retrying in %.0fs", interval_s)

    def stop(self) -> None:
        self._stop.set()
