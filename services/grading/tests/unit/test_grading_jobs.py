"""``grade_turn`` over an in-memory store: what the worker records for one turn."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from practicum_grading.domain.jobs import (
    CodedUtterance,
    Erased,
    NotReady,
    StoredGrade,
    StoredSession,
    StoredTurn,
    UnknownTurn,
    grade_turn,
    grader_version,
    report_session,
)
from practicum_grading.domain.report import SessionReport


class _Coder:
    version = "coder-test"

    def __init__(self) -> None:
        self.earlier: list[list[tuple[str, str | None]]] = []

    def code_utterance(
        self,
        text: str,
        speaker: str,
        prev_client_text: str | None,
        earlier_trainee: Sequence[tuple[str, str | None]] = (),
    ) -> CodedUtterance:
        if speaker == "trainee":
            self.earlier.append(list(earlier_trainee))
        if speaker == "client":
            return CodedUtterance("neutral", "", 0.8)
        return CodedUtterance("question", "closed", 0.9)


@dataclass
class _Store:
    sessions: dict[str, StoredSession]
    turns: dict[str, StoredTurn]
    grades: dict[tuple[str, str], StoredGrade] = field(default_factory=dict)
    erased: set[str] = field(default_factory=set)

    def turn(self, turn_id: str) -> StoredTurn | None:
        return self.turns.get(turn_id)

    def session(self, session_id: str) -> StoredSession | None:
        return self.sessions.get(session_id)

    def turns_with_grades(self, session_id: str, grader_version: str) -> list[tuple[StoredTurn, StoredGrade | None]]:
        rows = sorted((t for t in self.turns.values() if t.session_id == session_id), key=lambda t: t.index)
        return [(t, self.grades.get((t.turn_id, grader_version))) for t in rows]

    def record_grade(self, turn: StoredTurn, grade: StoredGrade, grader_version: str) -> bool:
        return self.grades.setdefault((turn.turn_id, grader_version), grade) is grade

    def record_report(self, session: StoredSession, report: SessionReport) -> bool:
        raise AssertionError("not used here")

    def is_erased(self, id_: str) -> bool:
        return id_ in self.erased


def _store(has_suicide_risk: bool) -> _Store:
    scenario = {"category": "peer_support", "behaviour_change_goal": False, "has_suicide_risk": has_suicide_risk}
    session = StoredSession("s1", "org", "trainee", "Hey.", scenario, None, False)
    turn = StoredTurn(
        "turn-1", "s1", "org", "trainee", 1, "Do you have a firearm or other means at home right now?", "Yeah.", "Hey."
    )
    return _Store({"s1": session}, {"turn-1": turn})


def test_feedback_knows_the_scenario_has_suicide_risk() -> None:
    risk, plain = _store(has_suicide_risk=True), _store(has_suicide_risk=False)
    risk_grade, plain_grade = grade_turn(risk, _Coder(), "turn-1"), grade_turn(plain, _Coder(), "turn-1")
    assert risk_grade is not None and plain_grade is not None
    # The same closed question: a risk-assessment step in one scenario, a question to open up in the other.
    assert "time and distance" in risk_grade.feedback and "'What' or 'How'" not in risk_grade.feedback
    assert "'What' or 'How'" in plain_grade.feedback
    # Redelivered: nothing new is recorded.
    assert grade_turn(risk, _Coder(), "turn-1") is None
    assert list(risk.grades) == [("turn-1", grader_version(_Coder()))]


def test_a_turn_is_coded_after_the_earlier_trainee_turns_graded_or_not() -> None:
    store = _store(has_suicide_risk=False)
    for index, text in ((2, "What happened then?"), (3, "So it got worse.")):
        store.turns[f"turn-{index}"] = StoredTurn(
            f"turn-{index}", "s1", "org", "trainee", index, text, "...", f"client said {index - 1}"
        )
    coder = _Coder()
    # Turn 3 first (an out-of-order worker): turns 1 and 2 have no grade yet, but their
    # text is what the coder's sequence step reads, so the code cannot depend on timing.
    assert grade_turn(store, coder, "turn-3") is not None
    assert grade_turn(store, coder, "turn-1") is not None
    assert coder.earlier == [
        [("Do you have a firearm or other means at home right now?", "Hey."), ("What happened then?", "client said 1")],
        [],
    ]


def test_feedback_knows_the_scenario_asks_not_to_push_for_details() -> None:
    def store(objectives: list[str]) -> _Store:
        scenario = {
            "category": "peer_support",
            "behaviour_change_goal": False,
            "has_suicide_risk": False,
            "learning_objectives": objectives,
        }
        session = StoredSession("s1", "org", "trainee", "Hey.", scenario, None, False)
        turn = StoredTurn(
            "turn-1", "s1", "org", "trainee", 1, "What exactly happened on that patrol?", "...", "I lost guys."
        )
        return _Store({"s1": session}, {"turn-1": turn})

    moral_injury = grade_turn(store(["Avoid pushing for details of the incident."]), _Coder(), "turn-1")
    other = grade_turn(store(["Affirm strengths she brought out of the service."]), _Coder(), "turn-1")
    assert moral_injury is not None and other is not None
    assert moral_injury.feedback.startswith("Asking for details — this scenario asks you not to push")
    assert "details" not in other.feedback


def test_a_task_for_an_erased_turn_or_session_ends_as_erased_not_as_a_missing_one() -> None:
    store = _Store({}, {}, erased={"turn-gone", "session-gone"})
    with pytest.raises(Erased):
        grade_turn(store, _Coder(), "turn-gone")
    # A turn that was never stored and never erased is still an anomaly for operators.
    with pytest.raises(UnknownTurn):
        grade_turn(store, _Coder(), "turn-never-seen")

    def no_judge(*_: object) -> str:
        raise AssertionError("no judge call for an erased session")

    with pytest.raises(Erased):
        report_session(store, _Coder(), "session-gone", no_judge, lambda _s: None)
    # A session whose events have not arrived yet is retried, as before.
    with pytest.raises(NotReady):
        report_session(store, _Coder(), "session-not-yet", no_judge, lambda _s: None)
