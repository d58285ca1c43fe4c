"""The grading service's two units of work, over ports (no Celery, no database here).

* :func:`grade_turn` codes one trainee turn (and the client's reply), writes feedback
  and records the grade. A grade is unique per turn and grader version, so running the
  job twice (a redelivered task) records nothing new.
* :func:`report_session` builds the session report once every turn is graded: summary
  scores, crisis checklist, suggestions and the LLM judge's global scores (or the
  deterministic fallback when the judge fails), recorded once per session and version.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from practicum_grading.domain import GRADER_VERSION
from practicum_grading.domain.feedback import turn_feedback
from practicum_grading.domain.judge import JudgeOutcome, build_judge_request, judge_with_retries
from practicum_grading.domain.model import ScenarioMeta, Transcript, scenario_from_dict, transcript_from_dicts
from practicum_grading.domain.objectives import ObjectiveCheck, scenario_checks
from practicum_grading.domain.report import SessionReport, build_report
from practicum_grading.domain.summary import compute_summary


@dataclass(frozen=True)
class CodedUtterance:
    code: str
    subcode: str
    confidence: float


class Coder(Protocol):
    @property
    def version(self) -> str: ...

    def code_utterance(
        self,
        text: str,
        speaker: str,
        prev_client_text: str | None,
        earlier_trainee: Sequence[tuple[str, str | None]] = (),
    ) -> CodedUtterance:
        """``earlier_trainee``: the session's earlier trainee turns, oldest first, as (text,
        previous client text); the coder reads a turn in the light of the last few of them
        (its sequence step)."""
        ...


@dataclass(frozen=True)
class StoredTurn:
    turn_id: str
    session_id: str
    organisation_id: str
    trainee_id: str
    index: int
    trainee_text: str
    client_text: str
    prev_client_text: str
    disclosed_facts: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredGrade:
    turn_id: str
    code: str
    subcode: str
    confidence: float
    client_talk_type: str | None
    feedback: str


@dataclass(frozen=True)
class StoredSession:
    session_id: str
    organisation_id: str
    trainee_id: str
    opening_line: str
    scenario: Mapping[str, Any]
    turn_count: int | None
    ended: bool


class GradingStore(Protocol):
    def turn(self, turn_id: str) -> StoredTurn | None: ...

    def session(self, session_id: str) -> StoredSession | None: ...

    def turns_with_grades(
        self, session_id: str, grader_version: str
    ) -> list[tuple[StoredTurn, StoredGrade | None]]: ...

    def record_grade(self, turn: StoredTurn, grade: StoredGrade, grader_version: str) -> bool:
        """Insert the grade and its outbox event; False when it already existed. Erased when
        the turn was erased meanwhile."""
        ...

    def record_report(self, session: StoredSession, report: SessionReport) -> bool:
        """Insert the report and its events; False when it already existed. Erased when
        the session was erased meanwhile."""
        ...

    def is_erased(self, id_: str) -> bool:
        """Whether the turn, session or trainee with this id was erased by its organisation."""
        ...


class NotReady(Exception):
    """The job's inputs have not all arrived yet (e.g. a turn is still being graded)."""


class UnknownTurn(Exception):
    """The turn is not stored (an event that never reached the dispatcher)."""


class Erased(Exception):
    """The turn or session was erased by its organisation after the task was queued:
    there is nothing to grade, and nothing for an operator to do."""


def grader_version(coder: Coder) -> str:
    """Coder and rules together: a change to either is a new version of the grade."""
    return f"{coder.version}/{GRADER_VERSION}"


# Reports name turns by their 1-based index in the session (the opening line is 0): that
# is what a trainee and a supervisor see in the transcript, and what the judge model is
# shown, where short ids are easier to quote back correctly than UUIDs.


def _trainee_dict(turn: StoredTurn, grade: StoredGrade) -> dict[str, Any]:
    return {
        "turn_id": str(turn.index),
        "index": turn.index,
        "speaker": "trainee",
        "text": turn.trainee_text,
        "code": {"code": grade.code, "subcode": grade.subcode, "confidence": grade.confidence},
    }


def _client_dict(turn: StoredTurn, grade: StoredGrade | None) -> dict[str, Any]:
    return {
        "turn_id": str(turn.index),
        "index": turn.index,
        "speaker": "client",
        "text": turn.client_text,
        "talk_type": grade.client_talk_type if grade else None,
    }


def grade_turn(store: GradingStore, coder: Coder, turn_id: str) -> StoredGrade | None:
    """Code and record one turn; returns the new grade, or None when it was already graded."""
    turn = store.turn(turn_id)
    if turn is None:
        if store.is_erased(turn_id):
            raise Erased(f"turn {turn_id} was erased")
        raise UnknownTurn(f"turn {turn_id} is not stored")
    version = grader_version(coder)
    session_turns = [(t, g) for t, g in store.turns_with_grades(turn.session_id, version) if t.index < turn.index]
    # The code depends on the earlier turns' text, never on their grades, so a redelivered
    # task codes the turn as the first delivery did. The earlier turns are stored: session
    # events are keyed by session, so a session's turns reach the dispatcher in order.
    code = coder.code_utterance(
        turn.trainee_text,
        "trainee",
        turn.prev_client_text,
        [(t.trainee_text, t.prev_client_text) for t, _ in session_turns],
    )
    talk = coder.code_utterance(turn.client_text, "client", None)
    earlier: list[dict[str, Any]] = []
    for prev, prev_grade in session_turns:
        if prev_grade is not None:
            earlier += [_trainee_dict(prev, prev_grade), _client_dict(prev, prev_grade)]
    draft = StoredGrade(turn.turn_id, code.code, code.subcode, code.confidence, talk.code, feedback="")
    coded = transcript_from_dicts([*earlier, _trainee_dict(turn, draft)]).turns
    scenario = _scenario(store, turn.session_id)
    grade = StoredGrade(
        turn_id=turn.turn_id,
        code=code.code,
        subcode=code.subcode,
        confidence=code.confidence,
        client_talk_type=talk.code,
        feedback=turn_feedback(
            coded[-1],
            coded[:-1],
            risk_scenario=scenario is not None and scenario.has_suicide_risk,
            avoid_details=scenario is not None
            and ObjectiveCheck.AVOID_PUSHING_FOR_DETAILS in scenario_checks(scenario),
        ).text,
    )
    return grade if store.record_grade(turn, grade, version) else None


def _scenario(store: GradingStore, session_id: str) -> ScenarioMeta | None:
    session = store.session(session_id)
    return scenario_from_dict(session.scenario) if session is not None else None


@dataclass
class ReportInputs:
    transcript: Transcript
    scenario: ScenarioMeta
    graded: int
    expected: int | None
    notes: list[str] = field(default_factory=list)


def _report_inputs(store: GradingStore, session: StoredSession, version: str) -> ReportInputs:
    rows = store.turns_with_grades(session.session_id, version)
    turns: list[dict[str, Any]] = [{"turn_id": "0", "index": 0, "speaker": "client", "text": session.opening_line}]
    disclosures: list[dict[str, str]] = []
    graded = 0
    for turn, grade in rows:
        if grade is None:
            continue
        graded += 1
        turns.append(_trainee_dict(turn, grade))
        turns.append(_client_dict(turn, grade))
        disclosures += [{"fact_id": f, "turn_id": str(turn.index)} for f in turn.disclosed_facts]
    return ReportInputs(
        transcript=transcript_from_dicts(turns, disclosures),
        scenario=scenario_from_dict(session.scenario),
        graded=graded,
        expected=session.turn_count,
    )


def report_session(
    store: GradingStore,
    coder: Coder,
    session_id: str,
    judge_call: Callable[[Sequence[Mapping[str, str]], Mapping[str, Any]], str],
    sleep: Callable[[float], None],
    on_judge_error: Callable[[str], None] = lambda _error: None,
) -> SessionReport | None:
    """Build and record the report; None when it was already recorded.

    ``judge_call(messages, schema)`` returns the model's raw text or raises
    ``JudgeUnavailable``; bounded retries and the fallback live in ``judge_with_retries``.
    ``on_judge_error`` gets one line per failed judge attempt (the report itself keeps
    only the last), so operators can see why a report fell back.
    """
    session = store.session(session_id)
    if session is None and store.is_erased(session_id):
        raise Erased(f"session {session_id} was erased")
    if session is None or not session.ended:
        raise NotReady(f"session {session_id} has not ended (or its events have not arrived)")
    version = grader_version(coder)
    inputs = _report_inputs(store, session, version)
    if inputs.expected is not None and inputs.graded < inputs.expected:
        raise NotReady(f"{inputs.graded} of {inputs.expected} turns graded")
    summary = compute_summary(inputs.transcript, inputs.scenario)
    request = build_judge_request(inputs.transcript, inputs.scenario, summary)
    outcome: JudgeOutcome = judge_with_retries(
        lambda: judge_call(request.messages, request.schema), inputs.transcript, summary, sleep=sleep
    )
    for error in outcome.errors:
        on_judge_error(error)
    report = build_report(
        inputs.transcript,
        inputs.scenario,
        outcome.result,
        session_id=session_id,
        grader_version=version,
        summary=summary,
    )
    return report if store.record_report(session, report) else None
