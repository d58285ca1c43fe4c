"""How many records each consumer group has yet to process, measured from outside the consumer.

``practicum_kafka_consumer_record_age_seconds`` is set by the consumer loop as it processes
records, so it freezes when the loop stops making progress: a consumer thread that died, or
one retrying the same record forever, shows the age of the last record it *did* process and
looks healthy. Lag is read from the broker instead (log end offset minus the group's
committed offset, per partition), by a monitor thread of its own, so it keeps growing while
the consumer is stuck. It is the figure to alert on for a stalled consumer and the usual
one to scale consumers on (KEDA's Kafka trigger uses the same definition).

The monitor runs in every process that runs a consumer loop (`messaging.run_in_thread`
starts it), so several replicas of a group report the same lag; alert on ``max by``.
A partition the group has never committed counts from its earliest retained offset,
as the consumers start there (``auto_offset_reset='earliest'``).

The per-partition figures are not exported (a label per partition multiplies series);
operators read them with ``python -m practicum_common.consumer_lag [--group G] [--json]``
(``make status`` prints the same table), which shows which partition is stuck.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Protocol

from kafka import KafkaAdminClient, TopicPartition
from kafka.admin import OffsetSpec
from prometheus_client import Gauge

log = logging.getLogger(__name__)

LAG_RECORDS = Gauge(
    "practicum_kafka_consumer_lag_records",
    "Records on the topic the consumer group has not committed yet (log end offset - committed offset, "
    "summed over partitions), read from the broker by a monitor thread",
    ["group", "topic"],
)
LAG_UP = Gauge(
    "practicum_kafka_consumer_lag_up",
    "1 when the group's lag could be read from the broker at the last attempt, else 0 (and no lag samples)",
    ["group"],
)

DEFAULT_INTERVAL_S = 15.0


@dataclass(frozen=True)
class PartitionLag:
    group: str
    topic: str
    partition: int
    committed: int | None
    end: int
    lag: int


def partition_lags(
    group: str,
    end: Mapping[TopicPartition, int],
    committed: Mapping[TopicPartition, int],
    earliest: Mapping[TopicPartition, int],
) -> list[PartitionLag]:
    """Records left per partition. A partition without a committed offset counts from its
    earliest offset; a committed offset past the end (a truncated log) counts as caught up."""
    rows = []
    for tp in sorted(end, key=lambda t: (t.topic, t.partition)):
        start = committed.get(tp, earliest.get(tp, 0))
        rows.append(PartitionLag(group, tp.topic, tp.partition, committed.get(tp), end[tp], max(0, end[tp] - start)))
    return rows


def lag_by_topic(
    end: Mapping[TopicPartition, int],
    committed: Mapping[TopicPartition, int],
    earliest: Mapping[TopicPartition, int],
) -> dict[str, int]:
    """Records left per topic (the sum of :func:`partition_lags` over each topic's partitions)."""
    lag: dict[str, int] = {}
    for row in partition_lags("", end, committed, earliest):
        lag[row.topic] = lag.get(row.topic, 0) + row.lag
    return lag


class OffsetSource(Protocol):
    """What the monitor needs from the broker (the admin client, or a fake in unit tests)."""

    def partitions(self, topics: Sequence[str]) -> list[TopicPartition]: ...

    def end_offsets(self, partitions: Sequence[TopicPartition]) -> dict[TopicPartition, int]: ...

    def earliest_offsets(self, partitions: Sequence[TopicPartition]) -> dict[TopicPartition, int]: ...

    def committed(self, group: str) -> dict[TopicPartition, int]: ...

    def close(self) -> None: ...


class AdminOffsets:
    """:class:`OffsetSource` over a :class:`KafkaAdminClient` (three small requests per read)."""

    def __init__(self, admin: KafkaAdminClient) -> None:
        self._admin = admin

    @classmethod
    def connect(cls, bootstrap: str, client_id: str) -> AdminOffsets:
        # Short timeouts: a read that cannot finish should fail and be retried at the next
        # interval, not hold the thread.
        return cls(
            KafkaAdminClient(
                bootstrap_servers=bootstrap, client_id=client_id, request_timeout_ms=5_000, bootstrap_timeout_ms=5_000
            )
        )

    def partitions(self, topics: Sequence[str]) -> list[TopicPartition]:
        found: list[TopicPartition] = []
        for topic in self._admin.describe_topics(list(topics)):
            # A topic that does not exist yet (error code 3) has no partitions and no lag.
            found += [TopicPartition(topic["name"], p["partition_index"]) for p in topic["partitions"]]
        return found

    def end_offsets(self, partitions: Sequence[TopicPartition]) -> dict[TopicPartition, int]:
        return self._offsets(partitions, OffsetSpec.LATEST)

    def earliest_offsets(self, partitions: Sequence[TopicPartition]) -> dict[TopicPartition, int]:
        return self._offsets(partitions, OffsetSpec.EARLIEST)

    def _offsets(self, partitions: Sequence[TopicPartition], spec: OffsetSpec) -> dict[TopicPartition, int]:
        found = self._admin.list_partition_offsets(dict.fromkeys(partitions, spec))
        return {tp: found[tp].offset for tp in partitions}

    def groups(self) -> list[str]:
        return sorted(g["group_id"] for g in self._admin.list_groups() if g.get("protocol_type") == "consumer")

    def committed(self, group: str) -> dict[TopicPartition, int]:
        offsets = self._admin.list_group_offsets({group: None}).get(group, {})
        # -1 is "no committed offset" in the OffsetFetch response.
        return {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}

    def close(self) -> None:
        self._admin.close()


class ConsumerLagMonitor:
    """Reads one group's lag every ``interval_s`` and publishes it as gauges.

    When the broker cannot be read the group's lag samples are removed and ``lag_up`` is 0:
    a stale figure would look like a consumer that is keeping up.
    """

    def __init__(
        self,
        group: str,
        topics: Iterable[str],
        source_factory: Callable[[], OffsetSource],
        *,
        interval_s: float = DEFAULT_INTERVAL_S,
        stop: threading.Event | None = None,
    ) -> None:
        self.group = group
        self._topics = tuple(topics)
        self._source_factory = source_factory
        self._source: OffsetSource | None = None
        self._interval_s = interval_s
        self._stop = stop or threading.Event()
        self._reported: set[str] = set()

    def measure_once(self) -> dict[str, int] | None:
        """One read; the lag per topic, or None when the broker could not be read."""
        try:
            if self._source is None:
                self._source = self._source_factory()
            source = self._source
            partitions = source.partitions(self._topics)
            committed = source.committed(self.group)
            # The end offsets are read after the committed ones, so a consumer committing
            # meanwhile can only make the figure larger than the truth, never negative.
            lag = (
                lag_by_topic(source.end_offsets(partitions), committed, source.earliest_offsets(partitions))
                if partitions
                else {}
            )
        except Exception as exc:  # any broker or client failure: report "unknown", retry later
            log.warning("consumer lag of group %s could not be read: %s", self.group, exc)
            self._drop_source()
            self._publish(None)
            return None
        self._publish(lag)
        return lag

    def _publish(self, lag: Mapping[str, int] | None) -> None:
        for topic in self._reported - set(lag or {}):
            LAG_RECORDS.remove(self.group, topic)
        self._reported = set(lag or {})
        for topic, records in (lag or {}).items():
            LAG_RECORDS.labels(self.group, topic).set(records)
        LAG_UP.labels(self.group).set(0 if lag is None else 1)

    def _drop_source(self) -> None:
        if self._source is not None:
            try:
                self._source.close()
            except Exception:  # closing a client of a dead broker may itself fail
                log.debug("lag monitor: close failed", exc_info=True)
            self._source = None

    def run(self) -> None:
        while not self._stop.is_set():
            self.measure_once()
            self._stop.wait(self._interval_s)
        self._drop_source()

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name=f"{self.group}-lag", daemon=True)
        thread.start()
        return thread


def _table(rows: Sequence[PartitionLag]) -> str:
    lines = [f"{'GROUP':<16} {'TOPIC':<30} {'PART':>4} {'COMMITTED':>10} {'END':>10} {'LAG':>8}"]
    for r in rows:
        committed = "-" if r.committed is None else str(r.committed)
        lines.append(f"{r.group:<16} {r.topic:<30} {r.partition:>4} {committed:>10} {r.end:>10} {r.lag:>8}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from practicum_common.process import require_kafka
    from practicum_common.settings import BaseServiceSettings

    parser = argparse.ArgumentParser(
        prog="python -m practicum_common.consumer_lag",
        description="Consumer-group lag per partition, read from the broker (committed vs end offsets).",
    )
    parser.add_argument("--group", action="append", help="this group only (repeatable); default: every group")
    parser.add_argument("--json", action="store_true", help="one JSON object a line")
    args = parser.parse_args(argv)
    bootstrap = BaseServiceSettings().kafka_bootstrap
    # A quick TCP check first: the admin client would take its full bootstrap timeout to
    # say that nothing listens (`make status` calls this with the stack down too).
    require_kafka(bootstrap)
    source = AdminOffsets.connect(bootstrap, "practicum-lag-cli")
    unknown: list[str] = []
    try:
        rows: list[PartitionLag] = []
        for group in args.group or source.groups():
            committed = source.committed(group)
            # A group's topics are those it has committed offsets on (a group that never
            # committed, like the read-only tools', has none and is left out).
            if not committed:
                if args.group:
                    unknown.append(group)
                continue
            partitions = source.partitions(sorted({tp.topic for tp in committed}))
            end, earliest = source.end_offsets(partitions), source.earliest_offsets(partitions)
            rows += partition_lags(group, end, committed, earliest)
    finally:
        source.close()
    if args.json:
        # JSON lines: no groups, no lines (not an empty one, which is not JSON).
        for row in rows:
            print(json.dumps(asdict(row)))
    elif rows or not unknown:
        print(_table(rows))
    if unknown:
        # A group asked for by name that has no offsets is usually a misspelt name.
        print(
            f"error: no committed offsets for {', '.join(unknown)}: no such consumer group, or it never committed",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    from practicum_common.process import run_main

    sys.exit(run_main(main))
