"""Command line of the simulation service.

python -m practicum_simulation serve                 # the gRPC service
python -m practicum_simulation scenarios-check       # validate the scenario library, print a table
python -m practicum_simulation simulate --scenario ID --turns FILE   # a scripted conversation, JSON lines
"""

from __future__ import annotations

import argparse
import asyncio
import sys

SERVICE = "simulation"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m practicum_simulation", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the gRPC service")
    check = sub.add_parser("scenarios-check", help="validate every scenario file and print a table")
    check.add_argument("rest", nargs=argparse.REMAINDER)
    lifecycle = sub.add_parser("scenario", help="lifecycle of a scenario file: submit, approve, publish, ...")
    lifecycle.add_argument("rest", nargs=argparse.REMAINDER)
    sim = sub.add_parser("simulate", help="run a scripted conversation through the running service")
    sim.add_argument("--scenario", required=True, help="scenario id")
    sim.add_argument("--turns", required=True, help="file with one trainee line per line")
    sim.add_argument("--target", default=None, help="host:port of the service (default from settings)")
    args = parser.parse_args(argv)

    if args.command == "scenarios-check":
        from practicum_simulation.scenarios_check import scenarios_check_main

        return scenarios_check_main(args.rest)
    if args.command == "scenario":
        from practicum_simulation.scenario_cli import scenario_cli_main

        return scenario_cli_main(args.rest)

    from practicum_common.logs import setup_logging
    from practicum_common.telemetry import setup_tracing
    from practicum_simulation.settings import SimulationSettings

    settings = SimulationSettings()
    setup_logging(SERVICE, settings.log_level)
    if args.command == "serve":
        from practicum_simulation.entrypoints.server import serve

        setup_tracing(SERVICE, settings.otel_traces_exporter, settings.otel_exporter_otlp_endpoint)
        asyncio.run(serve(settings))
        return 0
    from practicum_simulation.entrypoints.simulate import read_turns, simulate

    lines = read_turns(args.turns)
    if lines is None:
        print(f"error: --turns file {args.turns!r} does not exist", file=sys.stderr)
        return 2
    return asyncio.run(simulate(args.target or f"{settings.host}:{settings.port}", args.scenario, lines))


if __name__ == "__main__":
    from practicum_common.process import run_main

    sys.exit(run_main(main))
