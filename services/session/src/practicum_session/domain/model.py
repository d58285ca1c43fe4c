"""The session service's domain: organisations, trainees, practice sessions and turns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class SessionStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"
    # The trainee wrote as themselves in distress; the role-play stopped.
    CRISIS_PAUSED = "crisis_paused"


class TurnStatus(StrEnum):
    # Accepted and stored; the simulated reply has not been recorded yet (the inference
    # tier may have failed). Retrying with the same Idempotency-Key completes it.
    PENDING = "pending"
    COMPLETED = "completed"
    CRISIS = "crisis"


@dataclass(frozen=True)
class Organisation:
    id: str
    name: str
    # The API key the request authenticated with (empty outside a request).
    key_id: str = ""


@dataclass(frozen=True)
class ApiKey:
    """An organisation's API key as listed: never its secret, which is shown once."""

    key_id: str
    label: str
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class Trainee:
    id: str
    organisation_id: str
    external_ref: str
    display_name: str | None
    created_at: datetime


@dataclass(frozen=True)
class Webhook:
    """An organisation's webhook subscription (the secret is shown only when issued)."""

    url: str
    events: tuple[str, ...]
    created_at: datetime
    secret: str | None = None


@dataclass(frozen=True)
class Cohort:
    """A group of trainees trained together (an intake, a class, a shift)."""

    id: str
    organisation_id: str
    name: str
    description: str | None
    created_at: datetime
    trainee_count: int = 0


@dataclass(frozen=True)
class Assignment:
    """A scenario every member of a cohort should practise, optionally by a date."""

    id: str
    cohort_id: str
    scenario_id: str
    scenario_title: str
    due_at: datetime | None
    created_at: datetime


class AssignmentState(StrEnum):
    NOT_STARTED = "not_started"
    # A session of the scenario is active, or was paused for the trainee's own distress.
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


@dataclass(frozen=True)
class SessionSummary:
    """What assignment progress needs to know about one of a trainee's sessions."""

    id: str
    trainee_id: str
    scenario_id: str
    status: SessionStatus
    turn_count: int
    created_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class AssignmentProgress:
    """Where one trainee stands on one assignment; ``session_id`` is the evidence."""

    assignment: Assignment
    trainee_id: str
    state: AssignmentState
    session_id: str | None
    completed_at: datetime | None
    overdue: bool


@dataclass(frozen=True)
class Erasure:
    """What erasing a trainee deleted from the session service."""

    trainee_id: str
    session_ids: tuple[str, ...]
    turns: int
    safety_incidents: int
    # When the Kafka topics will have deleted every record of the trainee at the latest
    # (their retention; EventRetention); None when the broker could not say, or never deletes.
    event_copies_deleted_by: datetime | None = None


@dataclass(frozen=True)
class SessionRecord:
    """One session as a trainee's data export carries it."""

    session: PracticeSession
    turns: tuple[Turn, ...]
    report: dict[str, Any] | None


@dataclass(frozen=True)
class TraineeExport:
    """Everything the session service holds about one trainee (a subject-access request)."""

    trainee: Trainee
    sessions: tuple[SessionRecord, ...]  # oldest first
    safety_incidents: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class RiskItem:
    """Something a trainee should uncover in a crisis scenario (desire, capability, ...)."""

    kind: str
    label: str
    fact_ids: tuple[str, ...]
    item_id: str = ""
    # The scenario states it is absent ("No firearms at home"): no warning sign.
    absent: bool = False


@dataclass(frozen=True)
class ScenarioInfo:
    scenario_id: str
    version: int
    title: str
    summary: str
    category: str
    difficulty: str
    has_suicide_risk: bool
    behaviour_change_goal: bool
    learning_objectives: tuple[str, ...] = ()
    content_warnings: tuple[str, ...] = ()
    risk_items: tuple[RiskItem, ...] = ()
    content_hash: str = ""


@dataclass(frozen=True)
class PracticeSession:
    id: str
    organisation_id: str
    trainee_id: str
    scenario_id: str
    scenario_version: int
    scenario_title: str
    opening_line: str
    status: SessionStatus
    client_state: dict[str, Any]
    turn_count: int
    created_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True)
class TurnCode:
    code: str
    subcode: str
    confidence: float
    coder_version: str


@dataclass(frozen=True)
class CrisisResource:
    name: str
    contact: str


@dataclass(frozen=True)
class CrisisPaused:
    message: str
    resources: tuple[CrisisResource, ...]


@dataclass(frozen=True)
class Turn:
    id: str
    session_id: str
    organisation_id: str
    index: int
    idempotency_key: str
    status: TurnStatus
    trainee_text: str
    client_text: str | None
    prev_client_text: str
    created_at: datetime
    trainee_code: TurnCode | None = None
    client_state: dict[str, Any] | None = None
    guard_actions: tuple[dict[str, str], ...] = ()
    disclosed_facts: tuple[str, ...] = ()
    grade: TurnCode | None = None
    feedback: str | None = None
    completed_at: datetime | None = None
    # Set when the turn paused the role-play: the message and resources that were shown.
    crisis: CrisisPaused | None = None


# --- the reply stream, as the domain sees it (independent of gRPC) -------------------


@dataclass(frozen=True)
class ReplyDelta:
    text: str


@dataclass(frozen=True)
class ReplyReset:
    """Text streamed so far was withdrawn by the output guard; a replacement follows."""

    reason: str


@dataclass(frozen=True)
class ReplyCompleted:
    text: str
    client_state: dict[str, Any]
    trainee_code: TurnCode | None
    guard_actions: tuple[dict[str, str], ...]
    disclosed_facts: tuple[str, ...]
    model: str
    time_to_first_token_ms: float
    replica: str


ReplyEvent = ReplyDelta | ReplyReset | ReplyCompleted | CrisisPaused


@dataclass(frozen=True)
class TurnRecorded:
    """The reply is stored with its outbox event: the turn is final."""

    turn: Turn


@dataclass(frozen=True)
class TurnFeedback:
    turn_id: str
    grade: TurnCode
    feedback: str


TurnEvent = ReplyDelta | ReplyReset | TurnRecorded | CrisisPaused | TurnFeedback


@dataclass
class StartedSession:
    session: PracticeSession
    scenario: ScenarioInfo
    opening_line: str
    client_state: dict[str, Any] = field(default_factory=dict)
