"""`python -m practicum_grading dead-letters`: argument checks, and that it never migrates
(`tests/test_lost_tasks.py` lists and requeues real dead letters)."""

from __future__ import annotations

from typing import Any

import pytest

from practicum_common import db, logs, process
from practicum_common.process import NotMigrated, run_main
from practicum_grading import __main__ as cli


@pytest.mark.parametrize("given", ["99999999999999999999", "0", "-3", "twelve"])
def test_a_requeue_id_outside_the_id_range_is_a_one_line_usage_error(
    given: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["dead-letters", "requeue", given])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "error: argument ids:" in err and "Traceback" not in err
    assert err.splitlines()[-1].endswith(("(ids run from 1 to 9223372036854775807)", f"from `list`): {given!r}"))


def test_the_largest_id_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []
    monkeypatch.setattr(cli, "_dead_letters", lambda settings, args: seen.append(args.ids) or 0)
    monkeypatch.setattr(process, "require_migrated", lambda *args: None)
    monkeypatch.setattr(logs, "setup_logging", lambda *args: None)
    assert cli.main(["dead-letters", "requeue", str(2**63 - 1)]) == 0
    assert seen == [[2**63 - 1]]


@pytest.mark.parametrize("argv", [["dead-letters", "list"], ["dead-letters", "requeue", "--all"]])
def test_dead_letter_commands_never_migrate_and_name_the_command_that_does(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_migration(*args: object) -> list[str]:
        raise AssertionError("dead-letters must not migrate")

    checked: list[tuple[str, tuple[str, ...]]] = []

    def unmigrated(dsn: str, schema: str, tables: tuple[str, ...], command: str) -> None:
        checked.append((schema, tables))
        raise NotMigrated(f"the {schema} schema is not migrated (no table {schema}.{tables[0]}); run {command}")

    monkeypatch.setattr(db, "migrate", no_migration)
    monkeypatch.setattr(process, "require_migrated", unmigrated)
    monkeypatch.setattr(logs, "setup_logging", lambda *args: None)
    assert run_main(lambda: cli.main(argv)) == 1
    assert checked == [("grading", ("dead_letters",))]
    assert capsys.readouterr().err == (
        "error: the grading schema is not migrated (no table grading.dead_letters); "
        "run python -m practicum_grading migrate\n"
    )


def test_migrate_still_migrates(monkeypatch: pytest.MonkeyPatch) -> None:
    migrated: list[str] = []
    monkeypatch.setattr(db, "migrate", lambda dsn, schema, path: migrated.append(schema) or [])
    monkeypatch.setattr(logs, "setup_logging", lambda *args: None)
    assert cli.main(["migrate"]) == 0
    assert migrated == ["grading"]
