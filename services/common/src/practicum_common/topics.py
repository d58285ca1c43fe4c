"""The Kafka topic registry: every topic named once, with its payload, producer and consumers.

Partition key is the session id, so one session's events stay in order; an event about a
trainee rather than a session (``trainee.erased``, ``cohort.member_added`` and
``cohort.member_removed``) is keyed by the trainee id (on the
analyst stream, the pseudonym), so it has no order with their sessions' events, and
consumers keep tombstones for what arrives after it.
Topic names carry the major schema version; a breaking payload change gets a new topic.
``infra/kafka/topics.txt`` lists the same names for the native broker set-up (with their
partition counts and topic settings, read by :func:`parse_topics_file`) and a unit test
keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    name: str
    message_type: str
    producer: str
    consumers: tuple[str, ...]
    contains_transcript_text: bool
    description: str


SESSION_EVENTS = Topic(
    name="practicum.session.events.v1",
    message_type="practicum_protos.events.v1.SessionEvent",
    producer="session",
    consumers=("grading", "analytics"),
    contains_transcript_text=True,
    description="Session lifecycle and completed turns (trainee text, client reply, state). Internal.",
)

GRADE_EVENTS = Topic(
    name="practicum.grade.events.v1",
    message_type="practicum_protos.events.v1.GradeEvent",
    producer="grading",
    consumers=("session", "analytics"),
    contains_transcript_text=False,
    description="Per-turn codes with feedback, and session reports (scores only).",
)

GRADE_REPORTS = Topic(
    name="practicum.grade.reports.v1",
    message_type="practicum_protos.events.v1.ReportEvent",
    producer="grading",
    consumers=("session",),
    contains_transcript_text=True,
    description="Full session reports (quotes trainee turns). Internal, for the partner API only.",
)

ANALYST_EVENTS = Topic(
    name="practicum.analyst.events.v1",
    message_type="practicum_protos.events.v1.AnalystEvent",
    producer="analytics",
    consumers=("analysts",),
    contains_transcript_text=False,
    description="De-identified session, turn and grade events for analysts (trainees as pseudonyms).",
)

DEAD_LETTER = Topic(
    name="practicum.dlq.v1",
    message_type="raw record + error headers",
    producer="any consumer",
    consumers=("operators",),
    contains_transcript_text=True,
    description="Records a consumer could not process (undecodable or failing validation).",
)

ALL_TOPICS: tuple[Topic, ...] = (SESSION_EVENTS, GRADE_EVENTS, GRADE_REPORTS, ANALYST_EVENTS, DEAD_LETTER)

# The topics an erasure cannot reach until their retention deletes the records.
TEXT_TOPICS: tuple[Topic, ...] = tuple(t for t in ALL_TOPICS if t.contains_transcript_text)


@dataclass(frozen=True)
class TopicDeclaration:
    """One line of ``infra/kafka/topics.txt``: NAME [PARTITIONS] [RF] [KEY=VALUE ...]."""

    name: str
    partitions: int = 3
    replication_factor: int = 1
    configs: tuple[tuple[str, str], ...] = ()


def parse_topics_file(text: str) -> list[TopicDeclaration]:
    """The topics declared in ``topics.txt`` (the same format infra/kafka/KafkaAdmin.java reads).

    Raises ValueError naming the line for anything that Java helper would also refuse.
    """
    declared = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        positional: list[str] = []
        configs: list[tuple[str, str]] = []
        for part in line.split():
            key, eq, value = part.partition("=")
            if eq and key:
                configs.append((key, value))
            elif configs:
                raise ValueError(f"topics.txt line {number}: KEY=VALUE settings come last")
            else:
                positional.append(part)
        if len(positional) > 3 or not all(p.isdigit() for p in positional[1:]):
            raise ValueError(f"topics.txt line {number}: expected NAME [PARTITIONS] [RF] [KEY=VALUE ...]")
        numbers = [int(p) for p in positional[1:]] + [3, 1][len(positional) - 1 :]
        declared.append(TopicDeclaration(positional[0], numbers[0], numbers[1], tuple(configs)))
    return declared
