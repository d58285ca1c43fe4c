"""Situations an operator fixes outside the code (a busy port, bad settings, PostgreSQL or
Kafka out of reach, a schema not migrated) are one clear line and an exit status, no traceback."""

from __future__ import annotations

import logging
import socket
import time
from pathlib import Path

import psycopg
import pytest
from kafka.errors import KafkaTimeoutError
from pydantic import BaseModel, ValidationError

from practicum_common import process
from practicum_common.health import PortInUse, serve_side_http
from practicum_common.process import require_kafka, require_migrated, run_main
from practicum_common.settings import BaseServiceSettings


def test_taken_side_port_raises_port_in_use_naming_the_address(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUse) as caught:
            serve_side_http("127.0.0.1", port, {}, lambda: True)
        assert f"127.0.0.1:{port}" in str(caught.value.strerror)

        def main() -> int:
            serve_side_http("127.0.0.1", port, {}, lambda: True)
            return 0

        with caplog.at_level(logging.ERROR):
            assert run_main(main) == 3
        assert "already in use" in caplog.text


def test_other_failures_still_raise() -> None:
    def main() -> int:
        raise ValueError("a bug")

    with pytest.raises(ValueError):
        run_main(main)


# --- what an operator can fix outside the code: one line on stderr, no traceback ----------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    return err.strip()


def test_invalid_settings_name_the_setting_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KAFKA_PORT", "abc")
    assert run_main(lambda: BaseServiceSettings() and 0) == 2
    line = _one_error_line(capsys)
    assert line.startswith("error: configuration: KAFKA_PORT: Input should be a valid integer"), line
    assert "abc" not in line  # inputs are never echoed: some are secrets


def test_the_production_secret_check_is_one_line_without_the_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PRACTICUM_ENV", "production")
    monkeypatch.setenv("POSTGRES_PASSWORD", "practicum-dev-only")
    assert run_main(lambda: BaseServiceSettings() and 0) == 2
    line = _one_error_line(capsys)
    assert line.startswith("error: configuration: POSTGRES_PASSWORD uses a development-only value"), line
    assert "practicum-dev-only" not in line


def test_a_validation_error_of_another_model_is_a_bug_and_keeps_its_traceback() -> None:
    class Payload(BaseModel):
        n: int

    with pytest.raises(ValidationError):
        run_main(lambda: Payload(n="x") and 0)  # type: ignore[arg-type]


def test_postgres_unreachable_names_the_address_and_where_settings_come_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _closed_port()
    monkeypatch.chdir(tmp_path)  # no .env here: the situation of a command run from elsewhere

    def main() -> int:
        psycopg.connect(f"host=127.0.0.1 port={port} dbname=x user=x connect_timeout=2")
        return 0

    assert run_main(main) == 1
    line = _one_error_line(capsys)
    assert line.startswith(f"error: PostgreSQL is unreachable at 127.0.0.1:{port} (Connection refused); "), line
    assert f"{tmp_path} has no .env" in line and "POSTGRES_HOST/POSTGRES_PORT" in line


def test_postgres_refusing_a_login_is_not_called_unreachable(capsys: pytest.CaptureFixture[str]) -> None:
    def main() -> int:
        raise psycopg.OperationalError(
            'connection failed: connection to server at "10.0.0.5", port 5432 failed: '
            'FATAL:  password authentication failed for user "practicum"'
        )

    assert run_main(main) == 1
    line = _one_error_line(capsys)
    assert line.startswith("error: PostgreSQL at 10.0.0.5:5432 refused the connection (password authentication"), line
    assert "POSTGRES_PASSWORD" in line


def test_kafka_unreachable_is_found_at_once_and_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    address = f"127.0.0.1:{_closed_port()}"
    started = time.monotonic()
    assert run_main(lambda: require_kafka(address) or 0) == 1
    assert time.monotonic() - started < 5  # kafka-python alone takes 30 s to give up
    line = _one_error_line(capsys)
    assert line.startswith(f"error: Kafka is unreachable at {address} (Connection refused); "), line


def test_a_kafka_client_timeout_is_one_line_naming_the_configured_address(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KAFKA_HOST", "kafka.example")
    monkeypatch.setenv("KAFKA_PORT", "9999")

    def main() -> int:
        raise KafkaTimeoutError("Unable to bootstrap from kafka.example:9999")

    assert run_main(main) == 1
    assert _one_error_line(capsys).startswith("error: Kafka is unreachable at kafka.example:9999 (Unable to bootstrap")


class _Connection:
    """Enough of psycopg's connection for require_migrated: ``present`` tables exist."""

    def __init__(self, present: set[str]) -> None:
        self.present = present

    def __enter__(self) -> _Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def execute(self, sql: str, params: tuple[str]) -> _Connection:
        self.row = (params[0] if params[0] in self.present else None,)
        return self

    def fetchone(self) -> tuple[str | None]:
        return self.row


def test_a_missing_schema_says_which_command_migrates_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(process.psycopg, "connect", lambda dsn: _Connection({'"s"."a"'}))
    require_migrated("dsn", "s", ("a",), "python -m svc migrate")  # present: no error

    assert run_main(lambda: require_migrated("dsn", "s", ("a", "b"), "python -m svc migrate") or 0) == 1
    assert _one_error_line(capsys) == "error: the s schema is not migrated (no table s.b); run python -m svc migrate"
