"""`python -m practicum_common.dlq` against an in-memory dead-letter topic: what it refuses,
and what it prints when there is nothing (`tests/test_dlq_tool.py` runs it against Kafka)."""

from __future__ import annotations

import socket
import time

import pytest

from practicum_common import dlq, process
from practicum_common.dlq import DeadLetterRecord
from practicum_common.process import run_main


def _record(partition: int, offset: int, group: str) -> DeadLetterRecord:
    headers = [
        ("dlq.consumer_group", group.encode()),
        ("dlq.source", f"practicum.session.events.v1[{partition}]@{offset + 10}".encode()),
        ("dlq.error", b"no payload"),
    ]
    return DeadLetterRecord(partition, offset, 1_700_000_000_000 + offset, b"k", b"v", headers)


RECORDS = [_record(0, 0, "grading"), _record(1, 0, "grading"), _record(2, 0, "analytics")]


@pytest.fixture
def replayed(monkeypatch: pytest.MonkeyPatch) -> list[list[DeadLetterRecord]]:
    """The DLQ holds RECORDS; replays are recorded instead of published."""
    calls: list[list[DeadLetterRecord]] = []

    def replay(bootstrap: str, records: list[DeadLetterRecord]) -> list[DeadLetterRecord]:
        calls.append(records)
        return records

    monkeypatch.setattr(process, "require_kafka", lambda bootstrap: None)
    monkeypatch.setattr(dlq, "read_all", lambda bootstrap: list(RECORDS))
    monkeypatch.setattr(dlq, "replay", replay)
    return calls


def test_ids_and_all_do_not_combine(replayed: list[list[DeadLetterRecord]], capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["replay", "0:0", "--all"], ["replay", "--all", "0:0"]):
        with pytest.raises(SystemExit) as exit_:
            dlq.main(argv)
        assert exit_.value.code == 2
        assert "not allowed with argument" in capsys.readouterr().err
    assert replayed == []


def test_an_id_of_another_group_is_named_as_such(
    replayed: list[list[DeadLetterRecord]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert dlq.main(["replay", "2:0", "--group", "grading"]) == 1
    err = capsys.readouterr().err
    assert err == "error: 2:0 was dead-lettered by group analytics, not grading; nothing was replayed\n"
    assert dlq.main(["replay", "9:9", "0:0", "--group", "grading"]) == 1
    assert "9:9 is not on practicum.dlq.v1" in capsys.readouterr().err
    assert replayed == []


def test_all_of_an_unknown_group_is_an_error_naming_the_groups_that_have_dead_letters(
    replayed: list[list[DeadLetterRecord]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert dlq.main(["replay", "--all", "--group", "gradnig"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "error: no dead letters of group gradnig on practicum.dlq.v1 (groups with dead letters: analytics, grading)\n"
    )
    assert replayed == []


def test_all_of_a_group_replays_only_that_groups_records(
    replayed: list[list[DeadLetterRecord]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert dlq.main(["replay", "--all", "--group", "grading"]) == 0
    assert [[r.id for r in call] for call in replayed] == [["0:0", "1:0"]]
    assert dlq.main(["replay", "2:0"]) == 0  # ids without --group: any group's
    assert [r.id for r in replayed[-1]] == ["2:0"]


def test_an_empty_json_listing_prints_nothing(
    replayed: list[list[DeadLetterRecord]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert dlq.main(["list", "--group", "nope", "--json"]) == 0
    assert capsys.readouterr().out == ""
    assert dlq.main(["list", "--group", "analytics", "--json"]) == 0
    assert capsys.readouterr().out.count("\n") == 1


def test_kafka_unreachable_is_one_line_at_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("KAFKA_HOST", "127.0.0.1")
    monkeypatch.setenv("KAFKA_PORT", str(port))
    started = time.monotonic()
    assert run_main(lambda: dlq.main(["list"])) == 1
    assert time.monotonic() - started < 5
    err = capsys.readouterr().err
    assert err.startswith(f"error: Kafka is unreachable at 127.0.0.1:{port} (") and err.count("\n") == 1
