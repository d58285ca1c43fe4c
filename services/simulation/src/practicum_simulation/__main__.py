"""Command line of the simulation service.

python -m practicum_simulation serve                 # the gRPC service
python -m practicum_simulation scenarios-check [--dir DIR] [--schema FILE]   # validate the library, print a table
python -m practicum_simulation scenario ACTION FILE [...]   # a scenario's lifecycle: submit, approve, publish, ...
python -m practicum_simulation simulate --scenario ID --turns FILE   # a scripted conversation, JSON lines

`python -m practicum_simulation COMMAND --help` describes each command's arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

SERVICE = "simulation"


def main(argv: list[str] | None = None) -> int:
    from practicum_simulation import scenario_cli

    parser = argparse.ArgumentParser(
        prog="python -m practicum_simulation", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the gRPC service")
    check = sub.add_parser(
        "scenarios-check",
        help="validate every scenario file and print a table",
        description="Validate every scenario file and print a table; exit status 1 when any is invalid.",
    )
    # No defaults here: scenarios_check applies its own (the repository's library and schema).
    check.add_argument("--dir", type=Path, help="library folder (default: scenarios/library)")
    check.add_argument(
        "--schema", type=Path, metavar="FILE", help="JSON Schema (default: scenarios/schema/scenario.schema.json)"
    )
    lifecycle = sub.add_parser(
        "scenario",
        help="lifecycle of a scenario file: submit, approve, publish, ...",
        description=scenario_cli.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    scenario_cli.add_arguments(lifecycle)
    sim = sub.add_parser("simulate", help="run a scripted conversation through the running service")
    sim.add_argument("--scenario", required=True, help="scenario id")
    sim.add_argument("--turns", required=True, help="file with one trainee line per line")
    sim.add_argument("--target", default=None, help="host:port of the service (default from settings)")
    args = parser.parse_args(argv)

    if args.command == "scenarios-check":
        from practicum_simulation.scenarios_check import scenarios_check_main

        given = (("--dir", args.dir), ("--schema", args.schema))
        return scenarios_check_main([arg for flag, value in given if value is not None for arg in (flag, str(value))])
    if args.command == "scenario":
        return scenario_cli.run(args)

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

    try:
        lines = read_turns(args.turns)
    except OSError as exc:
        print(f"error: --turns {args.turns!r} {_unreadable(exc)}", file=sys.stderr)
        return 2
    return asyncio.run(simulate(args.target or f"{settings.host}:{settings.port}", args.scenario, lines))


def _unreadable(exc: OSError) -> str:
    if isinstance(exc, IsADirectoryError):
        return "is a directory, not a file of trainee lines"
    if isinstance(exc, FileNotFoundError):
        return "does not exist"
    return f"cannot be read: {exc.strerror or exc}"


if __name__ == "__main__":
    from practicum_common.process import run_main

    sys.exit(run_main(main))
