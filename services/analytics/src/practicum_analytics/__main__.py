"""Command line of the analytics service.

python -m practicum_analytics serve     # HTTP API (with the embedded event consumer)
python -m practicum_analytics consume   # only the Kafka consumer (and the analyst-stream relay)
python -m practicum_analytics migrate
python -m practicum_analytics analyst-events [--from-beginning] [--session ID] [--trainee PSEUDONYM] [--max N]
                                        # print the de-identified analyst stream as JSON lines
"""

from __future__ import annotations

import argparse
import sys

from practicum_analytics.settings import AnalyticsSettings
from practicum_common import db
from practicum_common.health import Liveness, postgres_and_kafka_checks, serve_side_http
from practicum_common.logs import setup_logging
from practicum_common.messaging import run_in_thread
from practicum_common.process import wait_for_shutdown_signal
from practicum_common.telemetry import setup_tracing

SERVICE = "analytics"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m practicum_analytics", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["serve", "consume", "migrate", "analyst-events"])
    parser.add_argument("--from-beginning", action="store_true", help="analyst-events: read the topic from its start")
    parser.add_argument("--session", help="analyst-events: only this session's events")
    parser.add_argument(
        "--trainee", help="analyst-events: only this trainee's events, by pseudonym (sessions and cohort membership)"
    )
    parser.add_argument("--max", type=int, default=0, help="analyst-events: stop after N events (0: run until ^C)")
    parser.add_argument(
        "--idle-exit-s", type=float, default=0.0, help="analyst-events: stop after this many seconds without an event"
    )
    args = parser.parse_args(argv)
    settings = AnalyticsSettings()
    setup_logging(SERVICE, settings.log_level)
    setup_tracing(SERVICE, settings.otel_traces_exporter, settings.otel_exporter_otlp_endpoint)

    from practicum_analytics.entrypoints.api import MIGRATIONS, create_app, make_consumer, make_relay

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
