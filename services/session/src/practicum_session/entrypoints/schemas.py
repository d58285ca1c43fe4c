"""Request and response bodies of the partner REST API (v1)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from practicum_session.domain.cohorts import AssignmentSummary
from practicum_session.domain.model import (
    ApiKey,
    Assignment,
    AssignmentProgress,
    Cohort,
    CrisisPaused,
    Erasure,
    PracticeSession,
    ScenarioInfo,
    Trainee,
    Turn,
    TurnCode,
    Webhook,
)
from practicum_session.domain.practice import text_problem


def _storable(value: str) -> str:
    # PostgreSQL text holds neither U+0000 nor half of a UTF-16 surrogate pair (JSON may
    # carry "\ud800"): refused here either is a 422 naming the field, where it used to
    # reach the database and come back as a 500.
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _not_a_number(value: object) -> object:
    # pydantic reads a number as a Unix time; a deadline is written with its offset.
    if isinstance(value, int | float):
        raise ValueError("must be an ISO 8601 date-time with its offset, e.g. 2026-12-01T17:00:00+00:00")
    return value


# A request string that can be stored as PostgreSQL text.
PlainText = Annotated[str, AfterValidator(_storable)]
# A name or reference the partner will look things up by: storable, and not only spaces.
Name = Annotated[PlainText, AfterValidator(_not_blank)]
# Optional free text, its limit on the string itself: on ``PlainText | None`` a
# ``max_length`` reads "Value should have at most N items after validation".
Text200 = Annotated[str, StringConstraints(max_length=200), AfterValidator(_storable)]
Text2000 = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_storable)]


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[dict[str, str]] | None = Field(default=None, description="One entry per invalid field.")


class CreateTrainee(BaseModel):
    model_config = ConfigDict(extra="forbid")
    external_ref: Name = Field(min_length=1, max_length=200, description="Your own identifier for the trainee.")
    display_name: Text200 | None = None


class TraineeOut(BaseModel):
    id: str
    external_ref: str
    display_name: str | None
    created_at: datetime

    @classmethod
    def of(cls, t: Trainee) -> TraineeOut:
        return cls(id=t.id, external_ref=t.external_ref, display_name=t.display_name, created_at=t.created_at)


class SetWebhook(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Length and form are checked in the domain (webhooks.validate_subscription), as 422 on `url`.
    url: PlainText = Field(
        description="Where to POST deliveries. In production: https, to a host whose addresses are all public."
    )
    events: list[Annotated[PlainText, StringConstraints(max_length=100)]] | None = Field(
        default=None,
        max_length=20,
        description="Event types to receive: `safety_incident.created`, `session.report_ready`; default all.",
    )


class WebhookOut(BaseModel):
    url: str
    events: list[str]
    created_at: datetime
    secret: str | None = Field(default=None, description="The signing secret; returned only by the PUT that issued it.")

    @classmethod
    def of(cls, w: Webhook) -> WebhookOut:
        return cls(url=w.url, events=list(w.events), created_at=w.created_at, secret=w.secret)


class ErasureOut(BaseModel):
    trainee_id: str
    sessions_erased: int
    turns_erased: int
    safety_incidents_erased: int = Field(
        description="Safety incidents of the trainee that were deleted with them; review the incident list first."
    )
    event_copies_deleted_by: datetime | None = Field(
        description="When the last copy of the trainee's text on the internal Kafka topics is deleted at the latest "
        "(their retention and segment time, read from the broker). null: the broker could not be asked, or a topic "
        "keeps records forever."
    )

    @classmethod
    def of(cls, e: Erasure) -> ErasureOut:
        return cls(
            trainee_id=e.trainee_id,
            sessions_erased=len(e.session_ids),
            turns_erased=e.turns,
            safety_incidents_erased=e.safety_incidents,
            event_copies_deleted_by=e.event_copies_deleted_by,
        )


_NEXT_CURSOR = "Pass as `cursor` to get the next page; null on the last page."


class TraineePage(BaseModel):
    items: list[TraineeOut] = Field(description="Newest first.")
    next_cursor: str | None = Field(description=_NEXT_CURSOR)


class CreateApiKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: Name = Field(min_length=1, max_length=100, description="What uses the key, e.g. `lms-prod-2026`.")


class ApiKeyOut(BaseModel):
    key_id: str = Field(description="The public part of the key (`prk_<key_id>_...`); revoke by it.")
    label: str
    created_at: datetime
    current: bool = Field(description="Whether this request authenticated with it.")
    api_key: str | None = Field(default=None, description="The key itself; returned only by the POST that issued it.")

    @classmethod
    def of(cls, k: ApiKey, current_key_id: str, plaintext: str | None = None) -> ApiKeyOut:
        return cls(
            key_id=k.key_id,
            label=k.label,
            created_at=k.created_at,
            current=k.key_id == current_key_id,
            api_key=plaintext,
        )


class CreateCohort(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name = Field(min_length=1, max_length=200, description="Unique within your organisation.")
    description: Text2000 | None = None


class CohortOut(BaseModel):
    id: str
    name: str
    description: str | None
    trainee_count: int
    created_at: datetime

    @classmethod
    def of(cls, c: Cohort) -> CohortOut:
        return cls(
            id=c.id, name=c.name, description=c.description, trainee_count=c.trainee_count, created_at=c.created_at
        )


class CohortPage(BaseModel):
    items: list[CohortOut] = Field(description="Newest first.")
    next_cursor: str | None = Field(description=_NEXT_CURSOR)


class CreateAssignment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario_id: Name = Field(min_length=1, max_length=200, description="A scenario of GET /v1/scenarios.")
    due_at: Annotated[AwareDatetime, BeforeValidator(_not_a_number)] | None = Field(
        default=None, description="Optional deadline, in the future (within 10 years), with its offset."
    )


class AssignmentCounts(BaseModel):
    members: int
    not_started: int
    in_progress: int
    completed: int
    overdue: int = Field(description="Members not done by `due_at` (0 without one).")


class AssignmentOut(BaseModel):
    id: str
    cohort_id: str
    scenario_id: str
    scenario_title: str
    due_at: datetime | None
    created_at: datetime
    counts: AssignmentCounts | None = Field(default=None, description="Where the cohort's current members stand.")

    @classmethod
    def of(cls, a: Assignment, summary: AssignmentSummary | None = None) -> AssignmentOut:
        counts = None
        if summary is not None:
            counts = AssignmentCounts(
                members=summary.not_started + summary.in_progress + summary.completed,
                not_started=summary.not_started,
                in_progress=summary.in_progress,
                completed=summary.completed,
                overdue=summary.overdue,
            )
        return cls(
            id=a.id,
            cohort_id=a.cohort_id,
            scenario_id=a.scenario_id,
            scenario_title=a.scenario_title,
            due_at=a.due_at,
            created_at=a.created_at,
            counts=counts,
        )


class ProgressOut(BaseModel):
    """Where one trainee stands on one assignment."""

    assignment_id: str
    cohort_id: str
    scenario_id: str
    scenario_title: str
    due_at: datetime | None
    trainee_id: str
    state: str = Field(description="not_started, in_progress or completed.")
    session_id: str | None = Field(description="The session that completed it, or the one under way.")
    completed_at: datetime | None
    overdue: bool

    @classmethod
    def of(cls, p: AssignmentProgress) -> ProgressOut:
        a = p.assignment
        return cls(
            assignment_id=a.id,
            cohort_id=a.cohort_id,
            scenario_id=a.scenario_id,
            scenario_title=a.scenario_title,
            due_at=a.due_at,
            trainee_id=p.trainee_id,
            state=p.state.value,
            session_id=p.session_id,
            completed_at=p.completed_at,
            overdue=p.overdue,
        )


class AssignmentDetail(BaseModel):
    assignment: AssignmentOut
    trainees: list[ProgressOut] = Field(description="Every current member of the cohort.")


class ScenarioOut(BaseModel):
    scenario_id: str
    version: int
    title: str
    summary: str
    category: str
    difficulty: str
    has_suicide_risk: bool
    behaviour_change_goal: bool
    learning_objectives: list[str]
    content_warnings: list[str]

    @classmethod
    def of(cls, s: ScenarioInfo) -> ScenarioOut:
        return cls(
            scenario_id=s.scenario_id,
            version=s.version,
            title=s.title,
            summary=s.summary,
            category=s.category,
            difficulty=s.difficulty,
            has_suicide_risk=s.has_suicide_risk,
            behaviour_change_goal=s.behaviour_change_goal,
            learning_objectives=list(s.learning_objectives),
            content_warnings=list(s.content_warnings),
        )


class CreateSession(BaseModel):
    model_config = ConfigDict(extra="forbid")
    trainee_id: Name = Field(min_length=1, max_length=64)
    scenario_id: Name = Field(min_length=1, max_length=100)
    # Versions travel as int32 (gRPC, PostgreSQL integer): a larger number is a 422 here, not a 500 later.
    # strict: `true`, "1" and 1.0 are not versions.
    scenario_version: int = Field(
        default=0, ge=0, le=2**31 - 1, strict=True, description="0 = the latest published version."
    )


class SessionOut(BaseModel):
    id: str
    trainee_id: str
    scenario_id: str
    scenario_version: int
    scenario_title: str
    opening_line: str
    status: str
    client_state: dict[str, Any]
    turn_count: int
    created_at: datetime
    ended_at: datetime | None

    @classmethod
    def of(cls, s: PracticeSession) -> SessionOut:
        return cls(
            id=s.id,
            trainee_id=s.trainee_id,
            scenario_id=s.scenario_id,
            scenario_version=s.scenario_version,
            scenario_title=s.scenario_title,
            opening_line=s.opening_line,
            status=s.status.value,
            client_state=s.client_state,
            turn_count=s.turn_count,
            created_at=s.created_at,
            ended_at=s.ended_at,
        )


class CreatedSession(BaseModel):
    session: SessionOut
    scenario: ScenarioOut


class PostTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Checked in the domain (validate_message: empty, too long, unstorable characters),
    # which reports it as 422 on `text`.
    text: str = Field(
        description="The trainee's message. Not empty; at most SESSION_MAX_MESSAGE_CHARS characters; no NUL characters."
    )


class CodeOut(BaseModel):
    code: str
    subcode: str
    confidence: float
    coder_version: str

    @classmethod
    def of(cls, c: TurnCode | None) -> CodeOut | None:
        return (
            None
            if c is None
            else cls(code=c.code, subcode=c.subcode, confidence=c.confidence, coder_version=c.coder_version)
        )


class CrisisOut(BaseModel):
    message: str
    resources: list[dict[str, str]]

    @classmethod
    def of(cls, c: CrisisPaused | None) -> CrisisOut | None:
        if c is None:
            return None
        return cls(message=c.message, resources=[{"name": r.name, "contact": r.contact} for r in c.resources])


class SessionPage(BaseModel):
    items: list[SessionOut] = Field(description="Newest first.")
    next_cursor: str | None = Field(description=_NEXT_CURSOR)


class TurnOut(BaseModel):
    id: str
    index: int
    status: str
    idempotency_key: str
    trainee_text: str
    client_text: str | None
    trainee_code: CodeOut | None = Field(description="The simulation's live code (drives the client state).")
    grade: CodeOut | None = Field(description="The grading service's code of record; null until graded.")
    feedback: str | None
    client_state: dict[str, Any] | None
    guard_actions: list[dict[str, str]]
    disclosed_facts: list[str]
    crisis: CrisisOut | None
    created_at: datetime
    completed_at: datetime | None

    @classmethod
    def of(cls, t: Turn) -> TurnOut:
        return cls(
            id=t.id,
            index=t.index,
            status=t.status.value,
            idempotency_key=t.idempotency_key,
            trainee_text=t.trainee_text,
            client_text=t.client_text,
            trainee_code=CodeOut.of(t.trainee_code),
            grade=CodeOut.of(t.grade),
            feedback=t.feedback,
            client_state=t.client_state,
            guard_actions=list(t.guard_actions),
            disclosed_facts=list(t.disclosed_facts),
            crisis=CrisisOut.of(t.crisis),
            created_at=t.created_at,
            completed_at=t.completed_at,
        )


class TurnResult(BaseModel):
    turn: TurnOut
    reply: str | None = Field(description="The simulated client's reply; null when the role-play paused.")
    crisis: CrisisOut | None = None


class Transcript(BaseModel):
    session: SessionOut
    turns: list[TurnOut]


class ExportedSession(BaseModel):
    session: SessionOut
    turns: list[TurnOut]
    report: dict[str, Any] | None = Field(description="The session report; null while none has been produced.")


class TraineeExportOut(BaseModel):
    """Everything Practicum's partner API holds about one trainee, in one document."""

    format_version: int = Field(default=1, description="Bumped when the document's shape changes.")
    exported_at: datetime
    organisation_id: str
    trainee: TraineeOut
    sessions: list[ExportedSession] = Field(description="Oldest first, each with its transcript and report.")
    assignments: list[ProgressOut] = Field(description="What the trainee's cohorts assigned, and where they stand.")
    safety_incidents: list[dict[str, Any]] = Field(
        description="Times the role-play paused because the trainee wrote as themselves in distress."
    )
    held_elsewhere: list[str] = Field(description="What other services hold about the trainee, and in what form.")
