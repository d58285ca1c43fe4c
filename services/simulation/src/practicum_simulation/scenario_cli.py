"""``python -m practicum_simulation scenario ...``: move scenario versions through their lifecycle.

    scenario submit  FILE                                   draft -> in_review
    scenario approve FILE --reviewer NAME --role ROLE       record an approval of the current content
    scenario reject  FILE --reviewer NAME --role ROLE --notes TEXT   in_review -> draft
    scenario publish FILE                                   in_review (approved) -> published, locked
    scenario retire  FILE                                   published -> retired
    scenario revise  FILE [--out NEW_FILE]                  a published/retired version -> version n+1 draft
                                                            (default file: <id>.v<n+1>.yaml beside FILE)

The files are the source of truth (reviewed through pull requests); this command applies
the lifecycle rules from ``domain.lifecycle`` so nobody edits a status by hand, and keeps
``published.lock.json`` in step. ``make scenarios-check`` fails when a published version
was edited in place.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import yaml

from practicum_simulation.domain import lifecycle
from practicum_simulation.domain.errors import SimulationDomainError
from practicum_simulation.domain.published_lock import with_published
from practicum_simulation.domain.scenarios import ScenarioSpec, load_scenario_file, spec_to_dict

HEADER = "# Scenario file; status and reviews change only through `python -m practicum_simulation scenario`.\n"


def lock_path(library_file: Path) -> Path:
    return library_file.resolve().parent.parent / "published.lock.json"


def read_lock(path: Path) -> dict[str, str]:
    return dict(json.loads(path.read_text())) if path.exists() else {}


def write_spec(spec: ScenarioSpec, path: Path) -> None:
    path.write_text(HEADER + yaml.safe_dump(spec_to_dict(spec), sort_keys=False, allow_unicode=True, width=100))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's arguments, on its own parser or on `python -m practicum_simulation`'s subparser."""
    parser.add_argument("action", choices=["submit", "approve", "reject", "publish", "retire", "revise"])
    parser.add_argument("file", type=Path)
    parser.add_argument("--reviewer", help="who reviewed (approve, reject)")
    parser.add_argument("--role", help="e.g. 'peer reviewer with lived experience' (approve, reject)")
    parser.add_argument("--notes", default="", help="the reviewer's notes (required to reject)")
    parser.add_argument("--out", type=Path, help="file for the new version (revise; default <id>.v<n>.yaml)")


def scenario_cli_main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m practicum_simulation scenario",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    return run(parser.parse_args(list(argv) if argv is not None else None), out, err)


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Apply ``args.action`` to ``args.file``: what happened on ``out``, errors on ``err``."""
    out = out or sys.stdout
    err = err or sys.stderr
    if not args.file.is_file():
        what = "is a directory, not a scenario file" if args.file.is_dir() else "does not exist"
        err.write(f"error: {args.file} {what}\n")
        return 2
    today = datetime.now(UTC).date().isoformat()
    try:
        spec = load_scenario_file(args.file)
        if args.action in ("approve", "reject") and not (args.reviewer and args.role):
            err.write(f"error: {args.action} needs --reviewer and --role\n")
            return 2
        if args.action == "submit":
            updated = lifecycle.submit_for_review(spec)
        elif args.action == "approve":
            updated = lifecycle.approve(spec, args.reviewer, args.role, today, args.notes)
        elif args.action == "reject":
            if not args.notes:
                err.write("error: reject needs --notes saying what to change\n")
                return 2
            updated = lifecycle.reject(spec, args.reviewer, args.role, today, args.notes)
        elif args.action == "publish":
            updated = lifecycle.publish(spec)
            lock = lock_path(args.file)
            lock.write_text(json.dumps(with_published(read_lock(lock), updated), indent=2) + "\n")
        elif args.action == "retire":
            updated = lifecycle.retire(spec)
        else:
            updated = lifecycle.revise(spec, {})
            target = args.out or args.file.parent / f"{updated.id}.v{updated.version}.yaml"
            write_spec(updated, target)
            out.write(f"{updated.id} v{updated.version} created as a draft in {target}\n")
            return 0
    except SimulationDomainError as exc:
        err.write(f"error: {exc}\n")
        return 1
    write_spec(updated, args.file)
    out.write(f"{updated.id} v{updated.version}: {spec.status.value} -> {updated.status.value}\n")
    return 0
