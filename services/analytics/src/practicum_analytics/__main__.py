"""Command line of the analytics service.

python -m practicum_analytics serve     # HTTP API (with the embedded event consumer)
python -m practicum_analytics consume   # only the Kafka consumer (and the analyst-stream relay)
python -m practicum_analytics migrate
python -m practicum_analytics analyst-events [--from-beginning] [--session ID] [--trainee PSEUDONYM]
                                         [--max N] [--idle-exit-s S]
                                        # print the de-identified analyst stream as JSON lines
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import uuid
from typing import NoReturn

from practicum_analytics.settings import AnalyticsSettings
from practicum_common import db
from practicum_common.health import Liveness, postgres_and_kafka_checks, serve_side_http
from practicum_common.logs import setup_logging
from practicum_common.messaging import run_in_thread
from practicum_common.process import wait_for_shutdown_signal
from practicum_common.telemetry import setup_tracing

SERVICE = "analytics"

# What domain.aggregates.pseudonym makes: "t_" + the first 16 hex digits of an HMAC-SHA256.
_PSEUDONYM = re.compile(r"t_[0-9a-f]{16}")


class _Parser(argparse.ArgumentParser):
    """A bad argument is one line on stderr and exit status 2 (``-h`` shows the usage)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _session_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))  # the stream writes ids in lower case
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a session id (a UUID): {value!r}") from None


def _trainee_pseudonym(value: str) -> str:
    if _PSEUDONYM.fullmatch(value):
        return value
    try:
        uuid.UUID(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a trainee pseudonym (t_ and 16 hex digits): {value!r}") from None
    # The easy mistake: a real trainee id. The stream never carries one, so it would match nothing.
    raise argparse.ArgumentTypeError(
        f"{value} is a trainee id; the analyst stream names trainees only by pseudonym (t_ and 16 hex "
        "digits). Find it as `trainee` in the analytics export (GET /v1/organisations/{org}/export/sessions) "
        "on a row of one of their sessions, or as trainee_pseudonym in the output of --session <one of their "
        "session ids>"
    )


def _count(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (no limit) or more: {value!r}")
    return n


def _seconds(value: str) -> float:
    try:
        s = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not math.isfinite(s) or s < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds, 0 (never) or more: {value!r}")
    return s


def parser() -> argparse.ArgumentParser:
    top = _Parser(
        prog="python -m practicum_analytics", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "serve", help="HTTP API (with the embedded event consumer unless ANALYTICS_EMBEDDED_CONSUMER=false)"
    )
    commands.add_parser("consume", help="only the Kafka consumer and the analyst-stream relay")
    commands.add_parser("migrate", help="apply pending migrations of the analytics schema")
    reader = commands.add_parser("analyst-events", help="print the de-identified analyst stream as JSON lines")
    reader.add_argument("--from-beginning", action="store_true", help="read the topic from its start")
    reader.add_argument("--session", type=_session_id, metavar="ID", help="only this session's events")
    reader.add_argument(
        "--trainee",
        type=_trainee_pseudonym,
        metavar="PSEUDONYM",
        help="only this trainee's events (sessions and cohort membership), by pseudonym: t_ and 16 hex digits",
    )
    reader.add_argument("--max", type=_count, default=0, metavar="N", help="stop after N events (0: no limit)")
    reader.add_argument(
        "--idle-exit-s",
        type=_seconds,
        default=0.0,
        metavar="S",
        help="stop after this many seconds without a record (0: run until ^C)",
    )
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = AnalyticsSettings()
    setup_logging(SERVICE, settings.log_level)
    setup_tracing(SERVICE, settings.otel_traces_exporter, settings.otel_exporter_otlp_endpoint)

    if args.command == "analyst-events":
        from practicum_analytics.entrypoints.analyst_reader import print_analyst_events

        return print_analyst_events(
            settings.kafka_bootstrap,
            from_beginning=args.from_beginning,
            session_id=args.session,
            trainee_pseudonym=args.trainee,
            max_events=args.max,
            idle_exit_s=args.idle_exit_s,
        )

    from practicum_analytics.entrypoints.api import MIGRATIONS, create_app, make_consumer, make_relay

    if args.command == "serve":
        import uvicorn

        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")
    elif args.command == "migrate":
        applied = db.migrate(settings.postgres_dsn, "analytics", MIGRATIONS)
        print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")
    else:
        db.migrate(settings.postgres_dsn, "analytics", MIGRATIONS)
        liveness = Liveness(max_silence_s=60)
        relay = make_relay(settings)
        consumer = make_consumer(settings, on_poll=liveness.beat)
        relay_thread = relay.start_thread()
        thread = run_in_thread(consumer, "analytics-consumer")
        # /metrics carries the consumer's and the relay's series (record age, records
        # consumed, outbox pending), which the API process serves when they are embedded.
        serve_side_http(
            settings.host,
            settings.consumer_http_port,
            readiness=postgres_and_kafka_checks(settings),
            liveness=lambda: liveness.alive() and relay_thread.is_alive(),
        )
        wait_for_shutdown_signal()
        consumer.stop()
        relay.stop()
        thread.join(timeout=10)
        relay_thread.join(timeout=10)
    return 0


if __name__ == "__main__":
    from practicum_common.process import run_main

    sys.exit(run_main(main))
