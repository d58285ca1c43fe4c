"""The topic registry, the broker set-up file and the protobuf schemas agree.

`infra/kafka/topics.txt` is what `make up` (and the test stack) creates; `topics.py` is
what the code and the docs name. A topic missing from the file would exist only once a
producer auto-created it, with the broker's default partition count.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from practicum_common.topics import ALL_TOPICS, TEXT_TOPICS, TopicDeclaration, parse_topics_file

ROOT = Path(__file__).resolve().parents[3]
HOUR_MS = 3600 * 1000


def _declared_in_infra() -> list[TopicDeclaration]:
    return parse_topics_file((ROOT / "infra" / "kafka" / "topics.txt").read_text())


def test_topics_file_lists_exactly_the_registry() -> None:
    assert sorted(d.name for d in _declared_in_infra()) == sorted(t.name for t in ALL_TOPICS)


def test_topics_with_trainee_text_close_a_segment_at_least_hourly() -> None:
    # Kafka deletes whole segments: with the default 7-day segment.ms a record outlives the
    # retention by up to 7 days, and with it the deadline an erasure answers.
    segment_ms = {d.name: int(dict(d.configs).get("segment.ms", 7 * 24 * HOUR_MS)) for d in _declared_in_infra()}
    assert {t.name for t in TEXT_TOPICS} == {
        "practicum.session.events.v1",
        "practicum.grade.reports.v1",
        "practicum.dlq.v1",
    }
    assert {t.name: segment_ms[t.name] <= HOUR_MS for t in TEXT_TOPICS} == {t.name: True for t in TEXT_TOPICS}


def test_topics_file_format() -> None:
    text = "# comment\na.v1\nb.v1 6  # six\nc.v1 2 3 segment.ms=60000 retention.ms=-1\n"
    assert parse_topics_file(text) == [
        TopicDeclaration("a.v1", 3, 1),
        TopicDeclaration("b.v1", 6, 1),
        TopicDeclaration("c.v1", 2, 3, (("segment.ms", "60000"), ("retention.ms", "-1"))),
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [("a.v1 segment.ms=1 3", "line 2: KEY=VALUE settings come last"), ("a.v1 three", "line 2: expected NAME")],
)
def test_a_malformed_topics_line_is_named(line: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_topics_file(f"ok.v1\n{line}\n")


def test_every_protobuf_topic_names_a_real_message_type() -> None:
    for topic in ALL_TOPICS:
        if not topic.message_type.startswith("practicum_protos."):
            continue  # the dead-letter topic carries raw records
        module_path, message = topic.message_type.rsplit(".", 1)
        # practicum_protos.events.v1.SessionEvent lives in practicum_protos/events/v1/events_pb2.
        package = module_path.rsplit(".", 1)[0]
        module = importlib.import_module(f"{module_path}.{package.split('.')[-1]}_pb2")
        assert hasattr(module, message), topic.message_type


def test_topic_names_carry_their_major_version() -> None:
    assert all(t.name.startswith("practicum.") and t.name.endswith(".v1") for t in ALL_TOPICS)
