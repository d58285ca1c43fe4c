"""Operators' view of the dead-letter topic: what was dead-lettered and why, and a replay.

    python -m practicum_common.dlq list [--group G] [--json]
    python -m practicum_common.dlq replay (ID... | --all) [--group G]

Every consumer sends a record it can never handle (undecodable, no payload, an id that is
not a UUID) to ``practicum.dlq.v1`` with the record's own key, value and headers plus
``dlq.error``, ``dlq.source`` (``topic[partition]@offset``) and ``dlq.consumer_group``.
``list`` reads the whole topic without joining a consumer group (so it moves nobody's
offsets); each entry's id is its position on the DLQ, ``partition:offset``.

``replay`` publishes the chosen records back to their source topic, once per source
record even when several consumer groups dead-lettered it, with their original key,
value and headers plus ``dlq.replayed_from``. It is for after a fix: a consumer that
rejected a record because of a bug now handles it. Every consumer dedupes on the event
id, so groups that had handled the record ignore the copy, and replaying twice is
harmless. A record that is still invalid is dead-lettered again. The installed code
decides, not this tool.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kafka import TopicPartition

from practicum_common.messaging import make_producer, topic_reader
from practicum_common.topics import DEAD_LETTER

_DLQ_HEADERS = ("dlq.error", "dlq.source", "dlq.consumer_group", "dlq.replayed_from")


@dataclass(frozen=True)
class DeadLetterRecord:
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]

    @property
    def id(self) -> str:
        return f"{self.partition}:{self.offset}"

    def header(self, name: str) -> str:
        return next((v.decode(errors="replace") for k, v in self.headers if k == name), "")

    @property
    def source_topic(self) -> str:
        return self.header("dlq.source").split("[", 1)[0]

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "dead_lettered_at": datetime.fromtimestamp(self.timestamp_ms / 1000, UTC).isoformat(),
            "consumer_group": self.header("dlq.consumer_group"),
            "source": self.header("dlq.source"),
            "error": self.header("dlq.error"),
            "event_type": self.header("event_type"),
            "event_id": self.header("event_id"),
            "key": self.key.decode(errors="replace") if self.key is not None else None,
            "bytes": len(self.value),
        }


def read_all(bootstrap: str, timeout_s: float = 30.0) -> list[DeadLetterRecord]:
    """Every record on the DLQ topic, oldest first."""
    consumer, assigned = topic_reader(bootstrap, DEAD_LETTER.name, from_beginning=True)
    try:
        if not assigned:
            return []
        ends: dict[TopicPartition, int] = consumer.end_offsets(assigned)
        records: list[DeadLetterRecord] = []
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < ends[tp] for tp in assigned):
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {DEAD_LETTER.name} to its end within {timeout_s:.0f}s")
            for batch in consumer.poll(timeout_ms=500).values():
                for r in batch:
                    records.append(
                        DeadLetterRecord(r.partition, r.offset, r.timestamp, r.key, r.value, list(r.headers or []))
                    )
        return sorted(records, key=lambda d: (d.timestamp_ms, d.partition, d.offset))
    finally:
        consumer.close()


def replay(bootstrap: str, records: list[DeadLetterRecord]) -> list[DeadLetterRecord]:
    """Publish each distinct source record back to its topic; returns the ones sent."""
    chosen: dict[str, DeadLetterRecord] = {}
    for record in records:
        if not record.source_topic:
            raise ValueError(f"DLQ record {record.id} has no dlq.source header; nothing was replayed")
        chosen.setdefault(record.header("dlq.source"), record)
    producer = make_producer(bootstrap, "dlq-replay")
    try:
        for record in chosen.values():
            headers = [(k, v) for k, v in record.headers if k not in _DLQ_HEADERS]
            headers.append(("dlq.replayed_from", f"{DEAD_LETTER.name}[{record.partition}]@{record.offset}".encode()))
            producer.send(record.source_topic, key=record.key, value=record.value, headers=headers).get(timeout=15)
        producer.flush()
    finally:
        producer.close()
    return list(chosen.values())


def _render(records: list[DeadLetterRecord]) -> str:
    if not records:
        return "no dead-lettered records"
    lines = [f"{'id':<8} {'dead-lettered (UTC)':<19}  {'group':<16} {'source':<40} error"]
    for r in records:
        s = r.summary()
        when = s["dead_lettered_at"][:19].replace("T", " ")
        lines.append(f"{r.id:<8} {when:<19}  {s['consumer_group']:<16} {s['source']:<40} {s['error'][:120]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from practicum_common.settings import BaseServiceSettings

    parser = argparse.ArgumentParser(
        prog="python -m practicum_common.dlq", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="every dead-lettered record, oldest first")
    listing.add_argument("--group", help="only those this consumer group dead-lettered")
    listing.add_argument("--json", action="store_true", help="one JSON object a line")
    again = sub.add_parser("replay", help="publish records back to their source topic (after a fix)")
    again.add_argument("ids", nargs="*", help="DLQ ids (partition:offset) from `list`")
    again.add_argument("--all", action="store_true", help="every record (with --group: that group's)")
    again.add_argument("--group", help="only those this consumer group dead-lettered")
    args = parser.parse_args(argv)
    if args.command == "replay" and not (args.ids or args.all):
        parser.error("replay: give DLQ ids or --all")

    bootstrap = BaseServiceSettings().kafka_bootstrap
    records = read_all(bootstrap)
    if args.group:
        records = [r for r in records if r.header("dlq.consumer_group") == args.group]
    if args.command == "list":
        print("\n".join(json.dumps(r.summary()) for r in records) if args.json else _render(records))
        return 0
    if not args.all:
        by_id = {r.id: r for r in records}
        unknown = [i for i in args.ids if i not in by_id]
        if unknown:
            print(f"error: not on {DEAD_LETTER.name}: {', '.join(unknown)}; nothing was replayed", file=sys.stderr)
            return 1
        records = [by_id[i] for i in args.ids]
    sent = replay(bootstrap, records)
    print(f"replayed {len(sent)} record(s) ({len(records)} DLQ entries) to their source topics")
    for r in sent:
        print(f"  {r.id} -> {r.header('dlq.source')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
