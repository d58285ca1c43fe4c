"""The Kafka topic registry: every topic named once, with its payload, producer and consumers.

Partition key is the session id, so one session's events stay in order; an event about a
trainee rather than a session (``trainee.erased``, ``cohort.member_added`` and
``cohort.member_removed``) is keyed by the trainee id (on the
analyst stream, the pseudonym), so it has no order with their sessions' events, and
consumers keep tombstones for what arrives after it.
Topic names carry the major schema version; a breaking payload change gets a new topic.
``infra/kafka/topics.txt`` lists the same names for the native broker set-up and a unit
test keeps the two in step.
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
