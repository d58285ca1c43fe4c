"""`python -m practicum_simulation`: each command's own arguments and help, and its errors on stderr."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from practicum_simulation import __main__ as cli
from practicum_simulation.domain.scenarios import default_library_dir
from practicum_simulation.scenario_cli import scenario_cli_main


def test_scenarios_check_takes_its_documented_dir_and_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # services/simulation/scenarios/README.md: scenarios-check [--dir DIR] [--schema FILE]
    library = tmp_path / "library"
    library.mkdir()
    shutil.copy(default_library_dir() / "veteran-sleep-nightmares.yaml", library)
    lock = json.loads((default_library_dir().parent / "published.lock.json").read_text())
    key = "veteran-sleep-nightmares@1"
    (tmp_path / "published.lock.json").write_text(json.dumps({key: lock[key]}))
    schema = default_library_dir().parent / "schema" / "scenario.schema.json"
    assert cli.main(["scenarios-check", "--dir", str(library), "--schema", str(schema)]) == 0
    assert "1/1 scenario files valid" in capsys.readouterr().out
    assert cli.main(["scenarios-check", "--dir", str(tmp_path / "nope")]) == 1


@pytest.mark.parametrize(
    ("command", "flags"),
    [("scenarios-check", ("--dir", "--schema")), ("scenario", ("--reviewer", "--role", "--notes", "--out"))],
)
def test_each_command_has_its_own_help(
    command: str, flags: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main([command, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert all(flag in text for flag in flags), text
    assert "rest" not in text


def test_scenario_errors_go_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["scenario", "submit", str(tmp_path / "missing.yaml")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"error: {tmp_path / 'missing.yaml'} does not exist\n"
    assert cli.main(["scenario", "submit", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path} is a directory, not a scenario file\n"

    published = tmp_path / "veteran-sleep-nightmares.yaml"
    shutil.copy(default_library_dir() / published.name, published)
    out_buf, err_buf = io.StringIO(), io.StringIO()
    assert scenario_cli_main(["approve", str(published)], out_buf, err_buf) == 2
    assert (out_buf.getvalue(), err_buf.getvalue()) == ("", "error: approve needs --reviewer and --role\n")
    assert scenario_cli_main(["retire", str(published)], out_buf, err_buf) == 0
    assert "published -> retired" in out_buf.getvalue()
    assert scenario_cli_main(["publish", str(published)], out_buf, err_buf) == 1  # retired: a lifecycle refusal
    assert err_buf.getvalue().splitlines()[-1].startswith("error: ")


def test_simulate_says_when_turns_is_a_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("practicum_common.logs.setup_logging", lambda *args: None)
    assert cli.main(["simulate", "--scenario", "x", "--turns", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"error: --turns {str(tmp_path)!r} is a directory, not a file of trainee lines\n"
    assert cli.main(["simulate", "--scenario", "x", "--turns", str(tmp_path / "none.txt")]) == 2
    assert capsys.readouterr().err.endswith("none.txt' does not exist\n")
