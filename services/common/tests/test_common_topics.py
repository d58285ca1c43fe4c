"""The topic registry, the broker set-up file and the protobuf schemas agree.

`infra/kafka/topics.txt` is what `make up` (and the test stack) creates; `topics.py` is
what the code and the docs name. A topic missing from the file would exist only once a
producer auto-created it, with the broker's default partition count.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from practicum_common.topics import ALL_TOPICS

ROOT = Path(__file__).resolve().parents[3]


def _declared_in_infra() -> list[str]:
    lines = (ROOT / "infra" / "kafka" / "topics.txt").read_text().splitlines()
    return [ln.split()[0] for ln in lines if ln.strip() and not ln.startswith("#")]


def test_topics_file_lists_exactly_the_registry() -> None:
    assert sorted(_declared_in_infra()) == sorted(t.name for t in ALL_TOPICS)


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
