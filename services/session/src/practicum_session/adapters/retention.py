"""How long the Kafka topics that carry trainee text keep a record (domain.ports.EventRetention).

Kafka deletes whole log segments: a segment goes once its newest record is older than
``retention.ms``, and the segment being written is first closed after ``segment.ms`` (or
when full). A record written now is therefore deleted at the latest
``segment.ms + retention.ms`` later, at the broker's next retention check. Both values are
read from the broker (the topic's own setting or the broker default), so the answer
follows the cluster's real configuration.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from practicum_common import topics as registry

log = logging.getLogger(__name__)

# The topics whose records carry transcript text (topics.py): session events, full reports
# and the dead-letter topic, which keeps raw copies of records a consumer could not
# process. The analyst stream has none.
TEXT_TOPICS = tuple(t.name for t in registry.TEXT_TOPICS)
# log.retention.check.interval.ms, Kafka's default (the broker's own setting is not read).
CHECK_INTERVAL_S = 300.0


class KafkaEventRetention:
    def __init__(
        self,
        bootstrap: str,
        topics: Sequence[str] = TEXT_TOPICS,
        cache_s: float = 600.0,
        admin_factory: Callable[[], Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._topics = tuple(topics)
        self._cache_s = cache_s
        self._admin_factory = admin_factory or (
            lambda: KafkaAdminClient(
                bootstrap_servers=bootstrap, client_id="session-retention", request_timeout_ms=5000
            )
        )
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: tuple[float, float | None] | None = None

    async def longest_s(self) -> float | None:
        return await asyncio.to_thread(self._longest_s)

    def _longest_s(self) -> float | None:
        with self._lock:
            now = self._clock()
            if self._cached is not None and now - self._cached[0] < self._cache_s:
                return self._cached[1]
            value = self._read()
            # An unreachable broker is asked again at the next erasure, not after the cache time.
            if value is not None:
                self._cached = (now, value)
            return value

    def _read(self) -> float | None:
        wanted = {"retention.ms": None, "segment.ms": None}
        try:
            admin = self._admin_factory()
            try:
                found = admin.describe_configs(
                    [ConfigResource(ConfigResourceType.TOPIC, t, dict(wanted)) for t in self._topics],
                    config_filter="all",
                )
            finally:
                admin.close()
            longest = 0.0
            for topic in self._topics:
                configs = found["topic"][topic]
                retention_ms = int(configs["retention.ms"]["value"])
                segment_ms = int(configs["segment.ms"]["value"])
                if retention_ms < 0:
                    log.warning("topic %s keeps records forever (retention.ms -1): no deletion time to give", topic)
                    return None
                longest = max(longest, (retention_ms + segment_ms) / 1000)
            return longest + CHECK_INTERVAL_S
        except Exception as exc:  # the erasure itself has happened; only its deadline is unknown
            log.warning("could not read the retention of %s: %s", ", ".join(self._topics), exc)
            return None
