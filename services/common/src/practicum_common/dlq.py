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

``replay`` takes either ids or ``--all``, never both. With ``--group`` the ids must be
that group's; an id of another group, an id not on the topic, or ``--all`` finding
nothing to replay is an error (exit status 1) and nothing is replayed.
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


def _dlq_id(value: str) -> str:
    partition, sep, offset = value.partition(":")
    if not (sep and partition.isdigit() and offset.isdigit()):
        raise argparse.ArgumentTypeError(f"{value!r} is not a DLQ id (partition:offset, as `list` shows)")
    return value


def main(argv: list[str] | None = None) -> int:
    from practicum_common.process import require_kafka
    from practicum_common.settings import BaseServiceSettings

    parser = argparse.ArgumentParser(
        prog="python -m practicum_common.dlq", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="every dead-lettered record, oldest first")
    listing.add_argument("--group", help="only those this consumer group dead-lettered")
    listing.add_argument("--json", action="store_true", help="one JSON object a line (nothing when there are none)")
    again = sub.add_parser("replay", help="publish records back to their source topic (after a fix)")
    which = again.add_mutually_exclusive_group()
    # default=[]: argparse counts an empty `*` positional as given unless it is the default
    # object itself, which would make --all conflict with ids that were never given.
    which.add_argument("ids", nargs="*", default=[], type=_dlq_id, help="DLQ ids (partition:offset) from `list`")
    which.add_argument("--all", action="store_true", help="every record (with --group: that group's)")
    again.add_argument("--group", help="only those this consumer group dead-lettered")
    args = parser.parse_args(argv)
    if args.command == "replay" and not (args.ids or args.all):
        parser.error("replay: give DLQ ids or --all")

    bootstrap = BaseServiceSettings().kafka_bootstrap
    # Fails in milliseconds when nothing listens; the consumer would wait 30 s to say so.
    require_kafka(bootstrap)
    everything = read_all(bootstrap)
    records = [r for r in everything if r.header("dlq.consumer_group") == args.group] if args.group else everything
    if args.command == "list":
        if args.json:
            for r in records:  # JSON lines: nothing at all when there is nothing to list
                print(json.dumps(r.summary()))
        else:
            print(_render(records))
        return 0
    if args.all and not records:
        groups = sorted({r.header("dlq.consumer_group") for r in everything})
        if args.group:
            known = f" (groups with dead letters: {', '.join(groups)})" if groups else ""
            print(f"error: no dead letters of group {args.group} on {DEAD_LETTER.name}{known}", file=sys.stderr)
        else:
            print(f"error: no dead letters on {DEAD_LETTER.name}", file=sys.stderr)
        return 1
    if not args.all:
        by_id = {r.id: r for r in everything}
        problems = [f"{i} is not on {DEAD_LETTER.name}" for i in args.ids if i not in by_id]
        if args.group:
            problems += [
                f"{i} was dead-lettered by group {by_id[i].header('dlq.consumer_group') or '(none)'}, not {args.group}"
                for i in args.ids
                if i in by_id and by_id[i].header("dlq.consumer_group") != args.group
            ]
        if problems:
            print(f"error: {'; '.join(problems)}; nothing was replayed", file=sys.stderr)
            return 1
        records = [by_id[i] for i in args.ids]
    sent = replay(bootstrap, records)
    print(f"replayed {len(sent)} record(s) ({len(records)} DLQ entries) to their source topics")
    for r in sent:
        print(f"  {r.id} -> {r.header('dlq.source')}")
    return 0


if __name__ == "__main__":
    from practicum_common.process import run_main

    sys.exit(run_main(main))
