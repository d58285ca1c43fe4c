"""Domain objects -> protobuf session events (the payloads of practicum.session.events.v1)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from google.protobuf.json_format import ParseDict

from practicum_common.events import SCHEMA_VERSION, new_event_id, timestamp
from practicum_protos.common.v1 import common_pb2
from practicum_protos.events.v1 import events_pb2
from practicum_protos.simulation.v1 import simulation_pb2
from practicum_session.domain.model import PracticeSession, ReplyCompleted, ScenarioInfo, Turn


def client_state_pb(state: dict[str, Any]) -> common_pb2.ClientState:
    # The session service stores the state without interpreting it; the proto is the
    # contract, so unknown keys are an error rather than silently dropped.
    return ParseDict(state, common_pb2.ClientState())


def _envelope(session: PracticeSession, event_type: str) -> events_pb2.SessionEvent:
    return events_pb2.SessionEvent(
        event_id=new_event_id(),
        event_type=event_type,
        schema_version=SCHEMA_VERSION,
        occurred_at=timestamp(),
        organisation_id=session.organisation_id,
        session_id=session.id,
        trainee_id=session.trainee_id,
        scenario_id=session.scenario_id,
        scenario_version=session.scenario_version,
    )


def scenario_pb(s: ScenarioInfo) -> simulation_pb2.Scenario:
    return simulation_pb2.Scenario(
        scenario_id=s.scenario_id,
        version=s.version,
        title=s.title,
        summary=s.summary,
        difficulty=s.difficulty,
        category=s.category,
        has_suicide_risk=s.has_suicide_risk,
        behaviour_change_goal=s.behaviour_change_goal,
        learning_objectives=list(s.learning_objectives),
        content_warnings=list(s.content_warnings),
        risk_items=[
            simulation_pb2.RiskItem(
                kind=r.kind, label=r.label, fact_ids=list(r.fact_ids), item_id=r.item_id, absent=r.absent
            )
            for r in s.risk_items
        ],
        content_hash=s.content_hash,
    )


def session_started(
    session: PracticeSession, scenario: ScenarioInfo, cohort_ids: Sequence[str] = ()
) -> events_pb2.SessionEvent:
    event = _envelope(session, "session.started")
    event.session_started.opening_line = session.opening_line
    event.session_started.scenario.CopyFrom(scenario_pb(scenario))
    event.session_started.cohort_ids.extend(cohort_ids)
    return event


def turn_completed(session: PracticeSession, turn: Turn, reply: ReplyCompleted) -> events_pb2.SessionEvent:
    event = _envelope(session, "turn.completed")
    payload = event.turn_completed
    payload.turn_id = turn.id
    payload.turn_index = turn.index
    payload.trainee_text = turn.trainee_text
    payload.client_text = reply.text
    payload.prev_client_text = turn.prev_client_text
    if reply.trainee_code is not None:
        payload.trainee_code.CopyFrom(
            common_pb2.TurnCode(
                code=reply.trainee_code.code,
                subcode=reply.trainee_code.subcode,
                confidence=reply.trainee_code.confidence,
                coder_version=reply.trainee_code.coder_version,
            )
        )
    payload.client_state.CopyFrom(client_state_pb(reply.client_state))
    payload.guard_actions = len(reply.guard_actions)
    payload.disclosed_facts.extend(reply.disclosed_facts)
    return event


def session_ended(session: PracticeSession, turn_count: int, reason: str) -> events_pb2.SessionEvent:
    event = _envelope(session, "session.ended")
    event.session_ended.turn_count = turn_count
    event.session_ended.reason = reason
    return event


def _trainee_envelope(org_id: str, trainee_id: str, event_type: str) -> events_pb2.SessionEvent:
    """An event about the trainee rather than one session: no session id, keyed by the trainee."""
    return events_pb2.SessionEvent(
        event_id=new_event_id(),
        event_type=event_type,
        schema_version=SCHEMA_VERSION,
        occurred_at=timestamp(),
        organisation_id=org_id,
        trainee_id=trainee_id,
    )


def cohort_membership(
    org_id: str, trainee_id: str, cohort_id: str, added: bool, cohort_deleted: bool = False
) -> events_pb2.SessionEvent:
    """cohort.member_added / cohort.member_removed: ids only."""
    event = _trainee_envelope(org_id, trainee_id, "cohort.member_added" if added else "cohort.member_removed")
    payload = event.cohort_member_added if added else event.cohort_member_removed
    payload.cohort_id = cohort_id
    payload.cohort_deleted = cohort_deleted
    return event


def trainee_erased(org_id: str, trainee_id: str, session_ids: Sequence[str]) -> events_pb2.SessionEvent:
    event = _trainee_envelope(org_id, trainee_id, "trainee.erased")
    event.trainee_erased.session_ids.extend(session_ids)
    return event
