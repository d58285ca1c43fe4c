"""Command line of the grading service.

python -m practicum_grading dispatch   # Kafka consumer -> Celery tasks, the outbox relay, the lost-task sweep
python -m practicum_grading worker [--queues grading.turns,grading.reports] [--concurrency N]
python -m practicum_grading migrate
python -m practicum_grading dead-letters list [--all] [--json]     # tasks that failed for good
python -m practicum_grading dead-letters requeue (ID... | --all)   # send them again after a fix

dispatch, worker and migrate apply migrations; dead-letters never does (it says so when
the schema is missing).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from practicum_grading.settings import GradingSettings

SERVICE = "grading"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# grading.dead_letters.id is a bigserial: anything outside 1..2^63-1 names no row, and
# PostgreSQL would refuse it with NumericValueOutOfRange rather than find nothing.
_MAX_ID = 2**63 - 1


def _dead_letter_id(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a dead letter id (a whole number from `list`): {value!r}") from None
    if not 1 <= n <= _MAX_ID:
        raise argparse.ArgumentTypeError(f"no dead letter has id {value} (ids run from 1 to {_MAX_ID})")
    return n


def use_multiprocess_metrics() -> None:
    """Prefork children each count their own metrics; prometheus-client's multiprocess mode
    merges them for the worker's /metrics. The mode is fixed when prometheus_client is
    first imported, so this runs before anything imports it, and refuses to go on if
    something already did: otherwise every task metric (outcomes, durations, dead letters)
    silently stays in the children and /metrics shows none of them, as happened once a
    start-up helper imported prometheus_client ahead of main()."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="practicum-grading-metrics-")
    if "prometheus_client.values" in sys.modules:
        from prometheus_client import values

        if values.ValueClass.__name__ != "MmapedValue":
            raise RuntimeError(
                "prometheus_client was imported before PROMETHEUS_MULTIPROC_DIR was set: the worker's "
                "task metrics would not reach /metrics (import it only after use_multiprocess_metrics())"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m practicum_grading", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("dispatch", help="consume session events and enqueue grading tasks")
    worker = sub.add_parser("worker", help="run a Celery worker")
    worker.add_argument("--queues", default="grading.turns,grading.reports")
    worker.add_argument("--concurrency", type=int, default=None)
    sub.add_parser("migrate", help="apply database migrations")
    letters = sub.add_parser("dead-letters", help="list or requeue grading tasks that were dead-lettered")
    letters_sub = letters.add_subparsers(dest="action", required=True)
    listing = letters_sub.add_parser("list", help="dead letters not yet requeued (oldest first)")
    listing.add_argument("--all", action="store_true", help="include the ones already requeued")
    listing.add_argument("--json", action="store_true", help="one JSON object a line")
    again = letters_sub.add_parser("requeue", help="send dead-lettered tasks again (after fixing the cause)")
    again.add_argument("ids", nargs="*", type=_dead_letter_id, help="dead letter ids (from `list`)")
    again.add_argument("--all", action="store_true", help="every dead letter not yet requeued")
    args = parser.parse_args(argv)
    if args.command == "dead-letters" and args.action == "requeue" and not (args.ids or args.all):
        parser.error("dead-letters requeue: give dead letter ids or --all")

    if args.command == "worker":
        use_multiprocess_metrics()

    from practicum_common import db
    from practicum_common.logs import setup_logging
    from practicum_common.telemetry import setup_tracing
    from practicum_grading.settings import GradingSettings

    settings = GradingSettings()
    setup_logging(SERVICE, settings.log_level)
    setup_tracing(SERVICE, settings.otel_traces_exporter, settings.otel_exporter_otlp_endpoint)
    if args.command == "dead-letters":
        # Never migrates: `list` only reads, and `requeue` acts on rows that exist only in
        # a migrated schema. Migrating here would apply this build's pending DDL (it may
        # be newer than the running pods) and could wait on the migrator's lock.
        from practicum_common.process import require_migrated

        require_migrated(settings.postgres_dsn, "grading", ("dead_letters",), "python -m practicum_grading migrate")
        return _dead_letters(settings, args)
    db.migrate(settings.postgres_dsn, "grading", MIGRATIONS)
    if args.command == "migrate":
        return 0
    if args.command == "dispatch":
        _dispatch(settings)
    else:
        _worker(settings, args.queues, args.concurrency or settings.worker_concurrency)
    return 0


def _dead_letters(settings: GradingSettings, args: argparse.Namespace) -> int:
    import psycopg

    from practicum_grading.entrypoints import dead_letters
    from practicum_grading.entrypoints.dispatcher import CeleryTaskSender
    from practicum_grading.entrypoints.worker import create_celery

    with psycopg.connect(settings.postgres_dsn) as conn:
        if args.action == "list":
            out = dead_letters.render(dead_letters.list_dead_letters(conn, args.all), args.json)
            if out:  # --json with nothing to list prints nothing, not an empty line
                print(out)
            return 0
        sender = CeleryTaskSender(create_celery(settings))
        try:
            done = dead_letters.requeue(conn, sender, None if args.all else args.ids)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    print(f"requeued {len(done)} dead letter(s)")
    if done:
        print(dead_letters.render(done, as_json=False))
    missing = sorted(set(args.ids) - {d.id for d in done}) if not args.all else []
    if missing:
        print(f"not pending (unknown, already requeued or being requeued elsewhere): {missing}", file=sys.stderr)
        return 1
    return 0


def _dispatch(settings: GradingSettings) -> None:
    from prometheus_client import REGISTRY

    from practicum_common.health import Liveness, postgres_and_kafka_checks, redis_check, serve_side_http
    from practicum_common.messaging import ConsumerLoop, make_producer, run_in_thread
    from practicum_common.outbox import OutboxRelay
    from practicum_common.process import wait_for_shutdown_signal
    from practicum_common.topics import DEAD_LETTER, SESSION_EVENTS
    from practicum_grading.adapters.lost_tasks import PostgresLostTasks
    from practicum_grading.adapters.queue_depth import redis_queue_depth
    from practicum_grading.entrypoints.dispatcher import (
        REPORT_QUEUE,
        TURN_QUEUE,
        CeleryTaskSender,
        SessionEventDispatcher,
    )
    from practicum_grading.entrypoints.sweeper import LostTaskSweeper, SweepPolicy
    from practicum_grading.entrypoints.worker import create_celery

    liveness = Liveness(max_silence_s=60)
    sender = CeleryTaskSender(create_celery(settings))
    dispatcher = SessionEventDispatcher(settings.postgres_dsn, sender)
    consumer = ConsumerLoop(
        bootstrap=settings.kafka_bootstrap,
        group_id="grading",
        topics=[SESSION_EVENTS.name],
        handler=dispatcher,
        dlq_topic=DEAD_LETTER.name,
        on_poll=liveness.beat,
    )
    relay = OutboxRelay(
        dsn=settings.postgres_dsn,
        schema="grading",
        producer_factory=lambda: make_producer(settings.kafka_bootstrap, "grading-relay"),
    )
    REGISTRY.register(redis_queue_depth(settings.redis_url, (TURN_QUEUE, REPORT_QUEUE)))
    serve_side_http(
        settings.http_host,
        settings.http_port,
        readiness={
            **postgres_and_kafka_checks(settings),
            "redis": redis_check(settings.redis_host, settings.redis_port),
        },
        liveness=liveness.alive,
    )
    relay.start_thread()
    run_in_thread(consumer, "grading-dispatcher")
    sweeper = LostTaskSweeper(
        lambda: PostgresLostTasks.connect(settings.postgres_dsn),
        sender,
        redis_queue_depth(settings.redis_url, (TURN_QUEUE, REPORT_QUEUE)).queue_length,
        SweepPolicy(
            turn_after_s=settings.sweep_turn_after_s,
            report_after_s=settings.sweep_report_after_s,
            window_s=settings.sweep_window_h * 3600,
        ),
    )
    if settings.sweep_interval_s > 0:
        sweep = threading.Thread(target=sweeper.run, args=(settings.sweep_interval_s,), name="grading-sweep")
        sweep.daemon = True
        sweep.start()
    wait_for_shutdown_signal()
    sweeper.stop()
    consumer.stop()
    relay.stop()


def _worker(settings: GradingSettings, queues: str, concurrency: int) -> None:
    from prometheus_client import CollectorRegistry, multiprocess

    from practicum_common.health import postgres_check, redis_check, serve_side_http
    from practicum_grading.entrypoints.worker import create_celery

    app = create_celery(settings)
    hostname = f"grading@{socket.gethostname()}-{os.getpid()}"

    def alive() -> bool:
        # The worker's own control loop answers a broadcast ping through Redis: that is
        # the loop that consumes tasks, so a wedged worker fails this check.
        replies = app.control.ping(destination=[hostname], timeout=2.0)
        return bool(replies)

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    serve_side_http(
        settings.http_host,
        settings.worker_http_port,
        readiness={
            "postgres": postgres_check(settings.postgres_dsn),
            "redis": redis_check(settings.redis_host, settings.redis_port),
        },
        liveness=alive,
        registry=registry,
    )
    app.worker_main(
        [
            "worker",
            "--loglevel=INFO",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            f"--queues={queues}",
            f"--hostname={hostname}",
            "--without-gossip",
            "--without-mingle",
        ]
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:
        use_multiprocess_metrics()  # before run_main's imports bring in prometheus_client
    from practicum_common.process import run_main

    sys.exit(run_main(main))
