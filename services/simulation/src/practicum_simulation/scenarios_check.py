"""``python -m practicum_simulation scenarios-check``: validate the scenario library.

Prints one row per file (id, version, status, category, difficulty, hidden facts, risk
profile, result) followed by every problem with its file and field path; exits 1 when
any file is invalid (or none is found), 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from practicum_simulation.domain.library import FileReport, check_library
from practicum_simulation.domain.published_lock import lock_issues
from practicum_simulation.domain.scenarios import default_library_dir, default_schema_path

_COLUMNS = ("file", "id", "version", "status", "category", "difficulty", "hidden", "risk", "result")


def _row(report: FileReport) -> tuple[str, ...]:
    spec = report.spec
    result = "ok" if report.ok else f"INVALID ({len(report.issues)})"
    if spec is None:
        return (report.path.name, "-", "-", "-", "-", "-", "-", "-", result)
    return (
        report.path.name,
        spec.id,
        str(spec.version),
        spec.status.value,
        spec.category.value,
        spec.difficulty.value,
        str(len(spec.hidden_facts)),
        "yes" if spec.has_suicide_risk else "no",
        result,
    )


def _table(rows: list[tuple[str, ...]], out: TextIO) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        out.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        out.write("\n")
        if n == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")


def scenarios_check_main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="practicum_simulation scenarios-check", description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=default_library_dir(), help="library folder")
    parser.add_argument("--schema", type=Path, default=default_schema_path(), help="JSON Schema")
    args = parser.parse_args(list(argv) if argv is not None else None)

    if not args.dir.is_dir():
        # The findings of a check go to ``out``; a check that cannot run is an error.
        print(f"error: scenario library not found: {args.dir}", file=sys.stderr)
        return 1
    report = check_library(args.dir, args.schema)
    if not report.files:
        print(f"error: no scenario files in {args.dir}", file=sys.stderr)
        return 1
    _table([_COLUMNS, *(_row(f) for f in report.files)], out)
    problems: list[tuple[object, object]] = [(f.path, issue) for f in report.files for issue in f.issues]
    lock_file = args.dir.resolve().parent / "published.lock.json"
    lock = json.loads(lock_file.read_text()) if lock_file.exists() else {}
    locked = lock_issues([f.spec for f in report.files if f.spec is not None], lock)
    problems += [(lock_file.name, message) for message in locked.values()]
    if problems:
        out.write("\n")
        for path, issue in problems:
            out.write(f"{path}: {issue}\n")
    valid = sum(1 for f in report.files if f.ok)
    out.write(f"\n{valid}/{len(report.files)} scenario files valid\n")
    if not locked:
        out.write(f"{len(lock)} published versions match {lock_file.name}\n")
    return 0 if report.ok and not locked else 1


if __name__ == "__main__":
    raise SystemExit(scenarios_check_main())
