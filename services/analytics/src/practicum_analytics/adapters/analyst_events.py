"""The de-identified analyst stream, built from the internal events analytics consumes.

Analysts consume ``practicum.analyst.events.v1`` instead of the internal topics, which
carry transcript text and real trainee ids. Each message here is assembled field by field
from an allow-list (never by copying the source and deleting fields), so a field added
to an internal event later cannot leak into this stream by default.
"""

from __future__ import annotations

from practicum_analytics.domain.aggregates import analyst_event_id, pseudonym
from practicum_protos.events.v1 import events_pb2

SCHEMA_VERSION = 1

# The session report's scores and counts (objective outcomes are copied as name + status).
_REPORT_FIELDS = (
    "report_id",
    "grader_version",
    "reflections",
    "questions",
    "reflection_to_question_ratio",
    "percent_complex_reflections",
    "percent_open_questions",
    "mi_adherent",
    "mi_non_adherent",
    "partnership",
    "empathy",
    "cultivating_change_talk",
    "softening_sustain_talk",
    "judge_source",
)

# The client's state after a turn as analysts get it. ClientState's other fields (`recent`,
# `momentum`) are the simulator's memory between turns, not something to analyse: never
# copied, so always at their defaults on the stream (the reader leaves them out). The
# builder below copies exactly these (a unit test holds it to that).
CLIENT_STATE_FIELDS = ("trust", "distress", "resistance", "stage_of_change", "disclosed_facts")

_MEMBERSHIP_TYPES = {"cohort_member_added": "cohort.member_added", "cohort_member_removed": "cohort.member_removed"}


def _envelope(
    source: events_pb2.SessionEvent | events_pb2.GradeEvent, event_type: str, key: bytes
) -> events_pb2.AnalystEvent:
    out = events_pb2.AnalystEvent(
        event_id=analyst_event_id(source.event_id),
        event_type=event_type,
        schema_version=SCHEMA_VERSION,
        organisation_id=source.organisation_id,
        session_id=source.session_id,
        trainee_pseudonym=pseudonym(key, source.trainee_id),
    )
    out.occurred_at.CopyFrom(source.occurred_at)
    return out


def from_session_event(event: events_pb2.SessionEvent, key: bytes) -> events_pb2.AnalystEvent | None:
    kind = event.WhichOneof("payload")
    if kind == "session_started":
        out = _envelope(event, "session.started", key)
        out.session_started.scenario_id = event.scenario_id
        out.session_started.scenario_version = event.scenario_version
        out.session_started.cohort_ids.extend(event.session_started.cohort_ids)
        return out
    if kind == "turn_completed":
        turn = event.turn_completed
        out = _envelope(event, "turn.completed", key)
        out.turn_completed.turn_index = turn.turn_index
        out.turn_completed.guard_actions = turn.guard_actions
        state = out.turn_completed.client_state
        src = turn.client_state
        state.trust, state.distress, state.resistance = src.trust, src.distress, src.resistance
        state.stage_of_change = src.stage_of_change
        state.disclosed_facts.extend(src.disclosed_facts)
        return out
    if kind == "session_ended":
        # Not the reason: "crisis_paused" would tell analysts that this trainee wrote as
        # themselves in distress, which is for the organisation's safety contact only.
        out = _envelope(event, "session.ended", key)
        out.session_ended.turn_count = event.session_ended.turn_count
        return out
    if kind == "trainee_erased":
        # The pseudonym is the only thing analysts hold about a trainee; this tells them
        # which one to delete. The session ids they hold already.
        out = _envelope(event, "trainee.erased", key)
        out.trainee_erased.SetInParent()
        return out
    if kind in _MEMBERSHIP_TYPES:
        # Membership by opaque ids, so a cohort's members who never practised are counted.
        change = getattr(event, kind)
        out = _envelope(event, _MEMBERSHIP_TYPES[kind], key)
        copy = getattr(out, kind)
        copy.cohort_id, copy.cohort_deleted = change.cohort_id, change.cohort_deleted
        return out
    return None


def from_grade_event(event: events_pb2.GradeEvent, key: bytes) -> events_pb2.AnalystEvent | None:
    kind = event.WhichOneof("payload")
    if kind == "turn_graded":
        graded = event.turn_graded
        out = _envelope(event, "turn.coded", key)
        out.turn_coded.turn_index = graded.turn_index
        out.turn_coded.grader_version = graded.grader_version
        code = out.turn_coded.code
        code.code, code.subcode = graded.code.code, graded.code.subcode
        code.confidence, code.coder_version = graded.code.confidence, graded.code.coder_version
        return out
    if kind == "session_reported":
        out = _envelope(event, "session.reported", key)
        for name in _REPORT_FIELDS:
            setattr(out.session_reported, name, getattr(event.session_reported, name))
        for outcome in event.session_reported.objective_checks:
            out.session_reported.objective_checks.add(check=outcome.check, status=outcome.status)
        return out
    return None
