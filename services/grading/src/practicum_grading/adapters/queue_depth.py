"""How many grading tasks wait in each Celery queue, read from Redis at scrape time.

Celery's Redis transport keeps a queue's waiting tasks in a Redis list named after the
queue (tasks a worker has taken but not acknowledged sit elsewhere, in the "unacked"
hash), so ``LLEN`` is the backlog a new worker would start on. It is read when Prometheus
scrapes rather than polled, so the figure is never stale and costs nothing between
scrapes. The dispatcher serves it: it is the one grading process that always runs.

A growing ``grading.turns`` backlog is the first sign that per-turn feedback will come
late (``practicum_turn_feedback_delay_seconds`` on the session service shows the effect);
it is also the signal to scale workers on, rather than their CPU.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

import redis
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)


class _ListLengths(Protocol):
    def llen(self, name: str) -> int: ...


class QueueDepthCollector:
    """A Prometheus collector (register it on a registry); one Redis connection, reopened after errors."""

    def __init__(self, client_factory: Callable[[], _ListLengths], queues: Sequence[str]) -> None:
        self._client_factory = client_factory
        self._queues = tuple(queues)
        self._client: _ListLengths | None = None

    def collect(self) -> Iterable[GaugeMetricFamily]:
        depth = GaugeMetricFamily(
            "practicum_grading_queue_length",
            "Grading tasks waiting in a Celery queue (Redis list length at scrape time)",
            labels=["queue"],
        )
        ok = GaugeMetricFamily(
            "practicum_grading_queue_length_up",
            "1 when the queue lengths could be read from Redis at this scrape, else 0",
        )
        lengths: list[tuple[str, int]] = []
        for queue in self._queues:
            length = self.queue_length(queue)
            if length is None:
                # No samples rather than zeros: an unreachable broker is not an empty queue.
                ok.add_metric([], 0)
                return [ok]
            lengths.append((queue, length))
        for queue, length in lengths:
            depth.add_metric([queue], length)
        ok.add_metric([], 1)
        return [depth, ok]

    def queue_length(self, queue: str) -> int | None:
        """Tasks waiting in ``queue``; None when Redis does not answer (also the sweep's check)."""
        try:
            if self._client is None:
                self._client = self._client_factory()
            return self._client.llen(queue)
        except (redis.RedisError, OSError) as exc:
            log.warning("could not read the length of grading queue %s from Redis: %s", queue, exc)
            self._client = None
            return None


def redis_queue_depth(redis_url: str, queues: Sequence[str]) -> QueueDepthCollector:
    # Short timeouts: a scrape must answer within Prometheus's scrape timeout even when
    # Redis does not.
    return QueueDepthCollector(
        lambda: redis.Redis.from_url(redis_url, socket_timeout=1.0, socket_connect_timeout=1.0), queues
    )
