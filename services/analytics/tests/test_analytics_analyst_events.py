"""The analyst stream carries no transcript text, feedback, real trainee id or safety pause."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from practicum_analytics.adapters import analyst_events
from practicum_analytics.adapters.analyst_events import from_grade_event, from_session_event
from practicum_analytics.domain.aggregates import analyst_event_id, pseudonym
from practicum_protos.events.v1 import events_pb2

KEY = b"test-key"
ORG, SESSION, TRAINEE = (str(uuid.uuid4()) for _ in range(3))
TRAINEE_TEXT = "It sounds like the nights are the hardest part."
CLIENT_TEXT = "Yeah. I keep the pistol in the nightstand, just in case."
FEEDBACK = "A complex reflection: it named the feeling under the words."


def _envelope() -> dict[str, object]:
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": "x",
        "schema_version": 1,
        "organisation_id": ORG,
        "session_id": SESSION,
        "trainee_id": TRAINEE,
    }


def _session_event(**payload: object) -> events_pb2.SessionEvent:
    fields = {**_envelope(), "scenario_id": "veteran-firearm-risk", "scenario_version": 3, **payload}
    event = events_pb2.SessionEvent(**fields)  # type: ignore[arg-type]
    event.occurred_at.FromDatetime(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    return event


def _grade_event(**payload: object) -> events_pb2.GradeEvent:
    return events_pb2.GradeEvent(**_envelope(), **payload)  # type: ignore[arg-type]


def _turn_completed() -> events_pb2.SessionEvent:
    return _session_event(
        turn_completed=events_pb2.TurnCompleted(
            turn_id=str(uuid.uuid4()),
            turn_index=4,
            trainee_text=TRAINEE_TEXT,
            client_text=CLIENT_TEXT,
            prev_client_text="I don't sleep much these days.",
            guard_actions=1,
            client_state={"trust": 0.6, "distress": 0.7, "resistance": 0.2, "disclosed_facts": ["firearm"]},
        )
    )


def _assert_de_identified(out: events_pb2.AnalystEvent, *secrets: str) -> None:
    wire = out.SerializeToString()
    for secret in (TRAINEE, *secrets):
        assert secret.encode() not in wire, secret
    assert out.trainee_pseudonym == pseudonym(KEY, TRAINEE)


def test_turn_completed_keeps_client_state_and_drops_every_word() -> None:
    source = _turn_completed()
    out = from_session_event(source, KEY)
    assert out is not None and out.event_type == "turn.completed"
    _assert_de_identified(out, TRAINEE_TEXT, CLIENT_TEXT, "I don't sleep much", source.turn_completed.turn_id)
    assert out.turn_completed.turn_index == 4 and out.turn_completed.guard_actions == 1
    assert out.turn_completed.client_state.distress == 0.7
    assert list(out.turn_completed.client_state.disclosed_facts) == ["firearm"]
    assert out.occurred_at == source.occurred_at
    assert (out.organisation_id, out.session_id) == (ORG, SESSION)


def test_event_ids_are_derived_from_the_source_so_a_rebuild_republishes_the_same_ids() -> None:
    source = _turn_completed()
    first, again = from_session_event(source, KEY), from_session_event(source, KEY)
    assert first is not None and again is not None
    assert first.event_id == again.event_id == analyst_event_id(source.event_id)
    assert first.event_id != source.event_id
    other = from_session_event(_turn_completed(), KEY)
    assert other is not None and other.event_id != first.event_id


def test_a_safety_pause_is_not_told_apart_from_another_ending() -> None:
    paused = from_session_event(_session_event(session_ended={"turn_count": 3, "reason": "crisis_paused"}), KEY)
    completed = from_session_event(_session_event(session_ended={"turn_count": 3, "reason": "completed"}), KEY)
    assert paused is not None and completed is not None
    _assert_de_identified(paused, "crisis")
    assert paused.session_ended == completed.session_ended
    assert paused.session_ended.turn_count == 3


def test_session_started_names_the_scenario_version_and_cohorts_not_its_opening_line() -> None:
    cohorts = [str(uuid.uuid4()), str(uuid.uuid4())]
    started = {"opening_line": "Hey. Rough week.", "cohort_ids": cohorts}
    out = from_session_event(_session_event(session_started=started), KEY)
    assert out is not None and out.event_type == "session.started"
    _assert_de_identified(out, "Rough week")
    assert (out.session_started.scenario_id, out.session_started.scenario_version) == ("veteran-firearm-risk", 3)
    assert list(out.session_started.cohort_ids) == cohorts


def test_turn_coded_carries_the_code_and_not_the_feedback() -> None:
    graded = events_pb2.TurnGraded(
        turn_id=str(uuid.uuid4()),
        turn_index=2,
        grader_version="grader-9",
        feedback=FEEDBACK,
        code={"code": "reflection", "subcode": "complex", "confidence": 0.81, "coder_version": "coder-x"},
    )
    out = from_grade_event(_grade_event(turn_graded=graded), KEY)
    assert out is not None and out.event_type == "turn.coded"
    _assert_de_identified(out, FEEDBACK, graded.turn_id)
    assert out.turn_coded.code == graded.code
    assert (out.turn_coded.turn_index, out.turn_coded.grader_version) == (2, "grader-9")


def test_session_reported_copies_every_score_and_objective_status() -> None:
    reported = events_pb2.SessionReported(
        report_id=str(uuid.uuid4()),
        grader_version="grader-9",
        reflections=5,
        questions=4,
        reflection_to_question_ratio=1.25,
        percent_complex_reflections=40.0,
        percent_open_questions=75.0,
        mi_adherent=2,
        mi_non_adherent=1,
        partnership=4.0,
        empathy=3.5,
        cultivating_change_talk=3.0,
        softening_sustain_talk=2.5,
        judge_source="llm",
        objective_checks=[{"check": "ask_directly_about_suicide", "status": "met"}],
    )
    out = from_grade_event(_grade_event(session_reported=reported), KEY)
    assert out is not None and out.event_type == "session.reported"
    _assert_de_identified(out)
    assert out.session_reported == reported


def test_every_report_field_was_decided_on() -> None:
    # A field added to SessionReported later is not republished until someone lists it
    # here on purpose (the builder copies an allow-list, never the whole message).
    fields = {f.name for f in events_pb2.SessionReported.DESCRIPTOR.fields}
    assert fields == {*analyst_events._REPORT_FIELDS, "objective_checks"}


def test_trainee_erased_names_the_pseudonym_so_analysts_can_delete_what_they_hold() -> None:
    event = _session_event(trainee_erased=events_pb2.TraineeErased(session_ids=[SESSION]))
    event.session_id = ""
    out = from_session_event(event, KEY)
    assert out is not None
    assert out.event_type == "trainee.erased" and out.WhichOneof("payload") == "trainee_erased"
    assert out.session_id == "" and out.event_id == analyst_event_id(event.event_id)
    _assert_de_identified(out)


def test_cohort_membership_changes_reach_analysts_as_ids_under_the_pseudonym() -> None:
    cohort = str(uuid.uuid4())
    for kind, event_type, deleted in (
        ("cohort_member_added", "cohort.member_added", False),
        ("cohort_member_removed", "cohort.member_removed", False),
        ("cohort_member_removed", "cohort.member_removed", True),
    ):
        event = _session_event(**{kind: events_pb2.CohortMembership(cohort_id=cohort, cohort_deleted=deleted)})
        event.session_id, event.event_type = "", event_type
        out = from_session_event(event, KEY)
        assert out is not None
        assert (out.event_type, out.WhichOneof("payload"), out.session_id) == (event_type, kind, "")
        assert getattr(out, kind) == events_pb2.CohortMembership(cohort_id=cohort, cohort_deleted=deleted)
        _assert_de_identified(out)


def test_every_cohort_membership_field_was_decided_on() -> None:
    # The builder copies the two fields by name; a new one must be added there on purpose.
    assert {f.name for f in events_pb2.CohortMembership.DESCRIPTOR.fields} == {"cohort_id", "cohort_deleted"}
