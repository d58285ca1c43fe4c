"""The Celery application and its two tasks (thin adapters over domain.jobs).

Reliability settings, and why:

* ``task_acks_late``: a task is acknowledged after it finished, so a worker that dies
  mid-task does not lose it.
* ``task_reject_on_worker_lost``: when a pool process is killed (OOM, SIGKILL) its task
  goes back to the queue at once instead of waiting for the visibility timeout. This can
  redeliver forever for a poison message, so every delivery is counted in Redis and a
  task delivered more than GRADING_MAX_DELIVERIES times is dead-lettered instead.
* ``worker_prefetch_multiplier=1``: a process holds one task at a time, so a slow
  report cannot sit on turns another process could grade now.
* Redis ``visibility_timeout`` above the longest task time limit (checked in settings).
* Jobs are idempotent (a grade is unique per turn and grader version), so any
  redelivery changes nothing.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import redis
from celery import Celery, Task
from celery.exceptions import Retry
from celery.signals import worker_process_init
from kombu.entity import Queue
from prometheus_client import Counter, Histogram

from practicum_common.metrics import start_at_zero
from practicum_common.telemetry import extract_context, tracer
from practicum_grading.adapters.coder import CoderAdapter
from practicum_grading.adapters.judge import LLMJudge
from practicum_grading.adapters.store import PostgresGradingStore
from practicum_grading.domain import jobs
from practicum_grading.entrypoints.dispatcher import (
    GRADE_TURN_TASK,
    QUEUE_OF_TASK,
    REPORT_QUEUE,
    SESSION_REPORT_TASK,
    TURN_QUEUE,
)
from practicum_grading.settings import GradingSettings

log = logging.getLogger(__name__)

TASKS = Counter("practicum_grading_tasks_total", "Grading task runs", ["task", "outcome"])
TASK_SECONDS = Histogram(
    "practicum_grading_task_duration_seconds",
    "Grading task duration",
    ["task"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
DEAD_LETTERS = Counter(
    "practicum_grading_dead_letters_total", "Tasks dead-lettered after too many deliveries", ["task"]
)
# Imported after the multiprocess directory is set (__main__), so these zeros are in the
# worker's /metrics from its start.
start_at_zero(DEAD_LETTERS, (GRADE_TURN_TASK,), (SESSION_REPORT_TASK,))

# How often a report waits for the last grades to land before giving up.
REPORT_NOT_READY_RETRIES = 60


class DeliveryGuard:
    """Counts deliveries of one task attempt; Celery's own retries start a new count."""

    def __init__(self, client: redis.Redis[bytes], max_deliveries: int) -> None:
        self._redis = client
        self._max = max_deliveries

    def delivery(self, task_id: str, attempt: int) -> int:
        key = f"practicum:grading:deliveries:{task_id}:{attempt}"
        count = int(self._redis.incr(key))
        self._redis.expire(key, 24 * 3600)
        return count

    def exceeded(self, deliveries: int) -> bool:
        return deliveries > self._max


class Runtime:
    """Per-process collaborators, created lazily after the pool forks."""

    def __init__(self, settings: GradingSettings) -> None:
        self.settings = settings
        self.store = PostgresGradingStore(settings.postgres_dsn)
        self.guard = DeliveryGuard(redis.Redis.from_url(settings.redis_url), settings.max_deliveries)
        self.judge = LLMJudge(
            settings.llm_base_url,
            settings.llm_model,
            settings.llm_server_kind,
            settings.judge_timeout_s,
            settings.judge_max_tokens,
        )
        self._coder: CoderAdapter | None = None

    @property
    def coder(self) -> CoderAdapter:
        if self._coder is None:
            self._coder = CoderAdapter.load()
        return self._coder


def _trace_context(task: Task) -> Any:
    headers = {k: v for k in ("traceparent", "tracestate") if (v := getattr(task.request, k, None))}
    return extract_context(headers)


def create_celery(settings: GradingSettings) -> Celery:
    app = Celery("practicum_grading", broker=settings.redis_url)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        broker_transport_options={"visibility_timeout": settings.visibility_timeout_s},
        broker_connection_retry_on_startup=True,
        task_queues=[Queue(TURN_QUEUE), Queue(REPORT_QUEUE)],  # type: ignore[no-untyped-call]
        task_default_queue=TURN_QUEUE,
        task_routes={task: {"queue": queue} for task, queue in QUEUE_OF_TASK.items()},
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    runtime = Runtime(settings)

    def load_coder_before_the_first_task(**_: Any) -> None:
        # Loading the model takes about 0.5 s; each pool process pays it as it starts, not
        # on the first trainee's turn after every deploy or restart. Only worker pool
        # processes send this signal (the dispatcher builds this app only to send tasks).
        log.info("pool process ready with coder %s", runtime.coder.version)

    worker_process_init.connect(load_coder_before_the_first_task, weak=False)

    @contextlib.contextmanager
    def dead_letter_on_failure(task: Task, name: str, args: list[Any]) -> Iterator[None]:
        """A failure no retry will fix (bad data, a bug) is recorded for operators, then raised."""
        try:
            yield
        except (Retry, psycopg.OperationalError):
            raise  # retried by Celery
        except Exception as exc:
            runtime.store.dead_letter(name, task.request.id, args, 1, f"{type(exc).__name__}: {exc}"[:2000])
            DEAD_LETTERS.labels(name).inc()
            TASKS.labels(name, "failed").inc()
            raise

    def guarded(task: Task, name: str, args: list[Any]) -> bool:
        """False when this delivery exceeds the cap (the task is dead-lettered instead)."""
        deliveries = runtime.guard.delivery(task.request.id, task.request.retries)
        if deliveries > 1:
            log.warning("%s %s: delivery %d of attempt %d", name, task.request.id, deliveries, task.request.retries)
        if runtime.guard.exceeded(deliveries):
            runtime.store.dead_letter(name, task.request.id, args, deliveries, "redelivery cap exceeded")
            DEAD_LETTERS.labels(name).inc()
            TASKS.labels(name, "dead_letter").inc()
            return False
        return True

    @app.task(  # type: ignore[untyped-decorator]
        name=GRADE_TURN_TASK,
        bind=True,
        autoretry_for=(psycopg.OperationalError,),
        retry_backoff=True,
        retry_jitter=True,
        max_retries=8,
        soft_time_limit=settings.turn_task_time_limit_s,
        time_limit=settings.turn_task_time_limit_s + 5,
    )
    def grade_turn(self: Task, turn_id: str) -> None:
        if not guarded(self, GRADE_TURN_TASK, [turn_id]):
            return
        started = time.perf_counter()
        with (
            tracer(__name__).start_as_current_span("grade_turn", context=_trace_context(self)),
            dead_letter_on_failure(self, GRADE_TURN_TASK, [turn_id]),
        ):
            try:
                grade = jobs.grade_turn(runtime.store, runtime.coder, turn_id)
            except jobs.Erased:
                TASKS.labels("grade_turn", "erased").inc()
                return
        TASK_SECONDS.labels("grade_turn").observe(time.perf_counter() - started)
        TASKS.labels("grade_turn", "graded" if grade else "already_graded").inc()

    @app.task(  # type: ignore[untyped-decorator]
        name=SESSION_REPORT_TASK,
        bind=True,
        autoretry_for=(psycopg.OperationalError,),
        retry_backoff=True,
        retry_jitter=True,
        max_retries=REPORT_NOT_READY_RETRIES,
        soft_time_limit=settings.report_task_time_limit_s,
        time_limit=settings.report_task_time_limit_s + 10,
    )
    def session_report(self: Task, session_id: str) -> None:
        if not guarded(self, SESSION_REPORT_TASK, [session_id]):
            return
        started = time.perf_counter()
        with (
            tracer(__name__).start_as_current_span("session_report", context=_trace_context(self)),
            dead_letter_on_failure(self, SESSION_REPORT_TASK, [session_id]),
        ):
            try:
                report = jobs.report_session(
                    runtime.store,
                    runtime.coder,
                    session_id,
                    runtime.judge,
                    time.sleep,
                    on_judge_error=lambda error: log.warning(
                        "session %s: judge answer rejected: %s", session_id, error
                    ),
                )
            except jobs.NotReady as exc:
                TASKS.labels("session_report", "not_ready").inc()
                raise self.retry(exc=exc, countdown=2) from exc
            except jobs.Erased:
                TASKS.labels("session_report", "erased").inc()
                return
        TASK_SECONDS.labels("session_report").observe(time.perf_counter() - started)
        if report is None:
            TASKS.labels("session_report", "already_reported").inc()
        else:
            TASKS.labels("session_report", f"reported_{report.judge_source.value}").inc()

    return app
