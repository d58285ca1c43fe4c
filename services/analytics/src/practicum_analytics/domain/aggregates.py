"""Skill-growth aggregates, computed from coded turns (pure functions).

A session's stats are counters; ratios are derived when read, never stored, so
replaying or correcting counters can never leave a stale ratio behind.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from practicum_common.codes import (
    COMPLEX,
    MI_ADHERENT,
    MI_NON_ADHERENT,
    OPEN,
    QUESTION,
    REFLECTION,
)

COUNTER_COLUMNS = (
    "questions",
    "open_questions",
    "reflections",
    "complex_reflections",
    "mi_adherent",
    "mi_non_adherent",
)


def tally(code: str, subcode: str) -> dict[str, int]:
    """The counter increments one graded trainee turn contributes."""
    delta = dict.fromkeys(COUNTER_COLUMNS, 0)
    if code == QUESTION:
        delta["questions"] = 1
        delta["open_questions"] = int(subcode == OPEN)
    elif code == REFLECTION:
        delta["reflections"] = 1
        delta["complex_reflections"] = int(subcode == COMPLEX)
    delta["mi_adherent"] = int(code in MI_ADHERENT)
    delta["mi_non_adherent"] = int(code in MI_NON_ADHERENT)
    return delta


def ratio(numerator: int, denominator: int) -> float | None:
    """None when undefined (no questions yet), rather than a misleading 0 or infinity."""
    return round(numerator / denominator, 3) if denominator else None


@dataclass(frozen=True)
class SessionStats:
    session_id: str
    scenario_id: str
    started_at: datetime | None
    ended_at: datetime | None
    turns: int
    graded_turns: int
    questions: int
    open_questions: int
    reflections: int
    complex_reflections: int
    mi_adherent: int
    mi_non_adherent: int
    code_counts: dict[str, int] = field(default_factory=dict)
    partnership: float | None = None
    empathy: float | None = None
    # Learning-objective check -> "met" / "not_met" / "not_observed", from the report.
    objective_checks: dict[str, str] = field(default_factory=dict)
    # The trainee's cohorts when the session started (opaque ids).
    cohort_ids: tuple[str, ...] = ()


OBJECTIVE_STATUSES = ("met", "not_met", "not_observed")


def objective_tally(stats: list[SessionStats]) -> dict[str, dict[str, int]]:
    """Per learning-objective check, how many sessions met it, missed it, or never raised
    it. Sessions whose scenario has no such check do not count towards it."""
    tally_: dict[str, dict[str, int]] = {}
    for s in stats:
        for check, status in s.objective_checks.items():
            counts = tally_.setdefault(check, dict.fromkeys(OBJECTIVE_STATUSES, 0))
            counts[status] = counts.get(status, 0) + 1
    return dict(sorted(tally_.items()))


def skill_summary(stats: list[SessionStats]) -> dict[str, Any]:
    """Totals and MITI-style ratios over any set of sessions."""
    questions = sum(s.questions for s in stats)
    reflections = sum(s.reflections for s in stats)
    codes: dict[str, int] = {}
    for s in stats:
        for code, n in s.code_counts.items():
            codes[code] = codes.get(code, 0) + n
    return {
        "sessions": len(stats),
        "turns": sum(s.turns for s in stats),
        "graded_turns": sum(s.graded_turns for s in stats),
        "questions": questions,
        "reflections": reflections,
        "reflection_to_question_ratio": ratio(reflections, questions),
        "percent_complex_reflections": ratio(100 * sum(s.complex_reflections for s in stats), reflections),
        "percent_open_questions": ratio(100 * sum(s.open_questions for s in stats), questions),
        "mi_adherent": sum(s.mi_adherent for s in stats),
        "mi_non_adherent": sum(s.mi_non_adherent for s in stats),
        "code_counts": dict(sorted(codes.items())),
        "objective_checks": objective_tally(stats),
    }


def timeline_point(s: SessionStats) -> dict[str, Any]:
    return {
        "session_id": s.session_id,
        "scenario_id": s.scenario_id,
        "started_at": s.started_at.isoformat() if s.started_at else None,
        "ended_at": s.ended_at.isoformat() if s.ended_at else None,
        "turns": s.turns,
        "graded_turns": s.graded_turns,
        "reflection_to_question_ratio": ratio(s.reflections, s.questions),
        "percent_complex_reflections": ratio(100 * s.complex_reflections, s.reflections),
        "percent_open_questions": ratio(100 * s.open_questions, s.questions),
        "mi_adherent": s.mi_adherent,
        "mi_non_adherent": s.mi_non_adherent,
        "partnership": s.partnership,
        "empathy": s.empathy,
        "objective_checks": dict(sorted(s.objective_checks.items())),
        "cohort_ids": list(s.cohort_ids),
    }


def trainee_progress(trainee_id: str, stats: list[SessionStats]) -> dict[str, Any]:
    """Totals plus a per-session timeline (oldest first): how the trainee's skills move."""
    ordered = sorted(stats, key=lambda s: (s.started_at is None, s.started_at))
    return {
        "trainee_id": trainee_id,
        "totals": skill_summary(ordered),
        "timeline": [timeline_point(s) for s in ordered],
    }


# Per-session rates compared between a trainee's first and latest sessions.
_GROWTH_METRICS = (
    "reflection_to_question_ratio",
    "percent_complex_reflections",
    "percent_open_questions",
)


def group_progress(stats_by_trainee: dict[str, list[SessionStats]], members: int) -> dict[str, Any]:
    """Skill summary of a group of trainees (a cohort), with no trainee identifiers.

    ``growth`` compares, over the members with at least two sessions, the pooled codes of
    their first sessions with those of their latest sessions: the same people before and
    after practice, so a change in who practises does not read as growth. ``change`` is
    latest minus first (None where either side is undefined). It is a description of the
    group, not a significance test: with a handful of trainees it moves a lot.
    """

    def ordered(stats: list[SessionStats]) -> list[SessionStats]:
        return sorted(stats, key=lambda s: (s.started_at is None, s.started_at))

    practised = {t: ordered(s) for t, s in stats_by_trainee.items() if s}
    repeat = [s for s in practised.values() if len(s) >= 2]
    first = skill_summary([s[0] for s in repeat])
    latest = skill_summary([s[-1] for s in repeat])
    change = {
        m: (round(latest[m] - first[m], 3) if latest[m] is not None and first[m] is not None else None)
        for m in _GROWTH_METRICS
    }
    per_session = {
        "mi_adherent_per_session": (first["mi_adherent"], latest["mi_adherent"]),
        "mi_non_adherent_per_session": (first["mi_non_adherent"], latest["mi_non_adherent"]),
    }
    for name, (before, after) in per_session.items():
        change[name] = round((after - before) / len(repeat), 3) if repeat else None
    return {
        "trainees": members,
        "trainees_with_sessions": len(practised),
        "totals": skill_summary([s for stats in practised.values() for s in stats]),
        "growth": {
            "trainees": len(repeat),
            "first_sessions": {m: first[m] for m in _GROWTH_METRICS},
            "latest_sessions": {m: latest[m] for m in _GROWTH_METRICS},
            "change": change,
        },
    }


def pseudonym(key: bytes, trainee_id: str) -> str:
    """A stable pseudonym for exports: analysts can follow a trainee without knowing who."""
    return "t_" + hmac.new(key, trainee_id.encode(), hashlib.sha256).hexdigest()[:16]


# Fixed namespace of the analyst stream's event ids (a random UUID, chosen once; never change it).
_ANALYST_EVENT_NAMESPACE = uuid.UUID("853bea30-0417-4add-a4d2-f06234dd2a55")


def analyst_event_id(source_event_id: str) -> str:
    """The analyst stream's id for the event republished from ``source_event_id``.

    Derived, not random: a replayed source event is already a no-op (its id is claimed in
    the same transaction as the outbox write), but rebuilding the analytics store by
    replaying the topics from the start republishes every event, and it should come out
    under the id it had so that downstream consumers dedupe it.
    """
    return str(uuid.uuid5(_ANALYST_EVENT_NAMESPACE, source_event_id))
