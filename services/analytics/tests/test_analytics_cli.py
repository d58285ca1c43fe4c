"""The command line: each command takes only its own flags, and bad values stop at parsing."""

from __future__ import annotations

import uuid

import pytest

import practicum_analytics.__main__ as cli
from practicum_analytics.__main__ import main, parser
from practicum_analytics.domain.aggregates import pseudonym


@pytest.fixture(autouse=True)
def _nothing_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    # A command line that got past parsing would build settings next, then migrate a
    # database or read Kafka: stop there instead.
    def refuse() -> None:
        pytest.fail("the command line was accepted")

    monkeypatch.setattr(cli, "AnalyticsSettings", refuse)


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    out, err = capsys.readouterr()
    assert exit_.value.code == 2 and out == ""
    [line] = err.splitlines()
    return line


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--session", "not-a-uuid"], "argument --session: not a session id (a UUID): 'not-a-uuid'"),
        (["--trainee", "garbage"], "argument --trainee: not a trainee pseudonym (t_ and 16 hex digits): 'garbage'"),
        (["--trainee", "t_0123456789abcde"], "not a trainee pseudonym"),  # 15 digits
        (["--trainee", "T_0123456789ABCDEF"], "not a trainee pseudonym"),  # the stream writes lower case
        (["--max", "-1"], "argument --max: must be 0 (no limit) or more: '-1'"),
        (["--max", "two"], "argument --max: not a whole number: 'two'"),
        (["--idle-exit-s", "-1"], "argument --idle-exit-s: must be a finite number of seconds"),
        (["--idle-exit-s", "nan"], "argument --idle-exit-s: must be a finite number of seconds"),
        (["--idle-exit-s", "inf"], "argument --idle-exit-s: must be a finite number of seconds"),
    ],
)
def test_bad_analyst_events_values_are_a_one_line_error_and_exit_2(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _refused(["analyst-events", *argv], capsys)
    assert line.startswith("python -m practicum_analytics analyst-events: error: ") and says in line


def test_a_real_trainee_id_given_to_trainee_gets_the_pseudonym_hint(capsys: pytest.CaptureFixture[str]) -> None:
    trainee = str(uuid.uuid4())
    line = _refused(["analyst-events", "--trainee", trainee], capsys)
    assert f"{trainee} is a trainee id" in line and "pseudonym" in line
    assert "export/sessions" in line and "--session" in line


@pytest.mark.parametrize("command", ["serve", "consume", "migrate"])
def test_analyst_events_flags_belong_to_analyst_events_only(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    line = _refused([command, "--session", "foo", "--max", "3"], capsys)
    assert "unrecognized arguments: --session foo --max 3" in line


def test_the_existing_command_lines_still_parse() -> None:
    session, trainee = str(uuid.uuid4()), pseudonym(b"k", str(uuid.uuid4()))
    for argv in (
        # Makefile analyst-events, infra/demo/demo.py, tests/test_cohorts.py
        ["analyst-events", "--from-beginning", "--idle-exit-s", "5", "--session", session, "--trainee", trainee],
        ["analyst-events", "--from-beginning", "--session", session, "--idle-exit-s", "3"],
        ["analyst-events", "--from-beginning", "--idle-exit-s", "3", "--trainee", trainee],
    ):
        args = parser().parse_args(argv)
        assert args.command == "analyst-events" and args.from_beginning
        assert args.session in (None, session) and args.trainee in (None, trainee)
    for command in ("serve", "consume", "migrate"):
        assert parser().parse_args([command]).command == command
    # The stream writes session ids in lower case; an upper-case copy still matches.
    assert parser().parse_args(["analyst-events", "--session", session.upper()]).session == session
    defaults = parser().parse_args(["analyst-events"])
    assert (defaults.max, defaults.idle_exit_s, defaults.session, defaults.trainee) == (0, 0.0, None, None)
