"""The session report: everything the trainee and their supervisor see after a session.

``build_report`` assembles it from the transcript, the scenario and a judge result (LLM
or fallback); ``report_to_dict`` gives the JSON form with stable key names;
``render_report_text`` gives a plain-text report a supervisor can read and sign;
``report_event_fields`` and ``report_objective_outcomes`` give the ``SessionReported``
event's numbers and objective outcomes.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from . import GRADER_VERSION
from .crisis import ChecklistGroup, CrisisChecklist, assess_crisis_skills
from .judge import JudgeResult, JudgeSource
from .model import ScenarioMeta, Transcript
from .objectives import CheckStatus, ObjectiveResult, assess_objectives
from .objectives import coaching_points as objective_coaching
from .objectives import strengths as objective_strengths
from .suggestions import Suggestion, build_suggestions
from .summary import (
    NotApplicable,
    Rating,
    ScoreItem,
    SummaryScores,
    Threshold,
    Unit,
    compute_summary,
    format_measure,
)
from .text import turn_ref

REPORT_SCHEMA_VERSION = 1
# MITI 4.2.1 composite thresholds (see the product brief).
TECHNICAL_THRESHOLD = Threshold(Fraction(3), Fraction(4))
RELATIONAL_THRESHOLD = Threshold(Fraction(7, 2), Fraction(4))
# Coaching points are never cut; the rest of each list is capped to stay readable.
MAX_LISTED = 6


@dataclass(frozen=True)
class SessionReport:
    grader_version: str
    session_id: str
    scenario: ScenarioMeta
    summary: SummaryScores
    global_scores: tuple[ScoreItem, ...]
    judge_source: JudgeSource
    judge_note: str
    # Fallback only: how each heuristic score was reached.
    judge_rationale: tuple[str, ...]
    # Only for scenarios with suicide risk.
    crisis: CrisisChecklist | None
    # One per scenario learning objective; see ``objectives`` for which are checked.
    objectives: tuple[ObjectiveResult, ...]
    suggestions: tuple[Suggestion, ...]
    strengths: tuple[str, ...]
    growth_areas: tuple[str, ...]
    overall_feedback: str

    @property
    def not_applicable(self) -> tuple[NotApplicable, ...]:
        return self.summary.not_applicable


def _composite(key: str, label: str, parts: Iterable[int | None], threshold: Threshold) -> ScoreItem:
    values = list(parts)
    fair, good = float(threshold.fair), float(threshold.good)
    if any(v is None for v in values):
        return ScoreItem(
            key,
            label,
            Unit.SCORE,
            None,
            fair,
            good,
            Rating.NOT_APPLICABLE,
            "the judge gave no score for one of its parts",
        )
    mean = Fraction(sum(v for v in values if v is not None), len(values))
    return ScoreItem(key, label, Unit.SCORE, float(mean), fair, good, threshold.rate(mean))


def _single(key: str, label: str, value: int | None, composite: str) -> ScoreItem:
    return ScoreItem(
        key,
        label,
        Unit.SCORE,
        None if value is None else float(value),
        None,
        None,
        Rating.NOT_RATED,
        f"rated through the {composite} average",
    )


def global_score_items(judge: JudgeResult, behaviour_change_goal: bool) -> tuple[ScoreItem, ...]:
    """Partnership, empathy and their relational mean; with a behaviour-change goal also
    cultivating change talk, softening sustain talk and their technical mean."""
    items = [
        _single("partnership", "Partnership", judge.partnership, "relational"),
        _single("empathy", "Empathy", judge.empathy, "relational"),
        _composite(
            "relational",
            "Relational (mean of partnership and empathy)",
            (judge.partnership, judge.empathy),
            RELATIONAL_THRESHOLD,
        ),
    ]
    if behaviour_change_goal:
        items += [
            _single("cultivating_change_talk", "Cultivating change talk", judge.cultivating_change_talk, "technical"),
            _single("softening_sustain_talk", "Softening sustain talk", judge.softening_sustain_talk, "technical"),
            _composite(
                "technical",
                "Technical (mean of the two above)",
                (judge.cultivating_change_talk, judge.softening_sustain_talk),
                TECHNICAL_THRESHOLD,
            ),
        ]
    return tuple(items)


def _merge(first: Iterable[str], then: Iterable[str]) -> tuple[str, ...]:
    """``first`` in full (crisis skills), then ``then`` while under MAX_LISTED, no repeats."""
    merged = list(dict.fromkeys(first))
    for text in then:
        if len(merged) < MAX_LISTED and text not in merged:
            merged.append(text)
    return tuple(merged)


def build_report(
    transcript: Transcript,
    scenario: ScenarioMeta,
    judge: JudgeResult,
    *,
    session_id: str = "",
    grader_version: str = GRADER_VERSION,
    summary: SummaryScores | None = None,
) -> SessionReport:
    """Assemble the report. Pass ``summary`` if already computed for the judge prompt."""
    summary = summary or compute_summary(transcript, scenario)
    crisis = assess_crisis_skills(transcript, scenario) if scenario.has_suicide_risk else None
    objectives = assess_objectives(transcript, scenario)
    with_checklist = crisis is not None
    suggestions = build_suggestions(transcript, scenario, summary, judge_rewrites=judge.rewritten_responses)
    crisis_strengths: list[str] = []
    if crisis is not None:
        crisis_strengths = [
            f"{item.label} (turn{'s' if len(item.evidence_turn_ids) > 1 else ''} {', '.join(item.evidence_turn_ids)})."
            for item in crisis.items
            if item.met and not item.observation and item.group is not ChecklistGroup.RISK_PROFILE
        ]
    return SessionReport(
        grader_version=grader_version,
        session_id=session_id,
        scenario=scenario,
        summary=summary,
        global_scores=global_score_items(judge, scenario.behaviour_change_goal),
        judge_source=judge.source,
        judge_note=judge.note,
        judge_rationale=judge.rationale,
        crisis=crisis,
        objectives=objectives,
        suggestions=suggestions,
        strengths=_merge(
            [*crisis_strengths, *objective_strengths(objectives, crisis_checklist=with_checklist)], judge.strengths
        ),
        growth_areas=_merge(
            [
                *(crisis.coaching_points if crisis else ()),
                *objective_coaching(objectives, crisis_checklist=with_checklist),
            ],
            judge.growth_areas,
        ),
        overall_feedback=judge.overall_feedback,
    )


# --- JSON form -----------------------------------------------------------------------------


def _item_dict(item: ScoreItem) -> dict[str, Any]:
    return {
        "key": item.key,
        "label": item.label,
        "unit": item.unit.value,
        "value": item.value,
        "fair": item.fair,
        "good": item.good,
        "rating": item.rating.value,
        "reason": item.reason,
    }


def report_to_dict(report: SessionReport) -> dict[str, Any]:
    """JSON-ready report. Key names are part of the API: add keys, never rename them."""
    summary = report.summary
    crisis = report.crisis
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "grader_version": report.grader_version,
        "session_id": report.session_id,
        "scenario": {
            "scenario_id": report.scenario.scenario_id,
            "version": report.scenario.version,
            "category": report.scenario.category.value,
            "behaviour_change_goal": report.scenario.behaviour_change_goal,
            "has_suicide_risk": report.scenario.has_suicide_risk,
        },
        "summary": {
            "trainee_turns": summary.trainee_turns,
            "code_counts": dict(summary.code_counts),
            "client_talk_counts": dict(summary.client_talk_counts),
            "reflections": summary.reflections,
            "simple_reflections": summary.simple_reflections,
            "complex_reflections": summary.complex_reflections,
            "questions": summary.questions,
            "open_questions": summary.open_questions,
            "closed_questions": summary.closed_questions,
            "mi_adherent": summary.mi_adherent,
            "mi_non_adherent": summary.mi_non_adherent,
            "items": [_item_dict(item) for item in summary.items],
            "low_confidence_turn_ids": list(summary.low_confidence_turn_ids),
        },
        "not_applicable": [{"key": n.key, "label": n.label, "reason": n.reason} for n in report.not_applicable],
        "global_scores": {
            "source": report.judge_source.value,
            "note": report.judge_note,
            "rationale": list(report.judge_rationale),
            "items": [_item_dict(item) for item in report.global_scores],
        },
        "crisis_checklist": None
        if crisis is None
        else {
            "items": [
                {
                    "id": item.id,
                    "group": item.group.value,
                    "label": item.label,
                    "met": item.met,
                    "observation": item.observation,
                    "evidence_turn_ids": list(item.evidence_turn_ids),
                    "note": item.note,
                }
                for item in crisis.items
            ],
            "warning_signs": [
                {
                    "turn_id": s.turn_id,
                    "index": s.index,
                    "category": s.category,
                    "matched": s.matched,
                    "source": s.source,
                }
                for s in crisis.warning_signs
            ],
            "direct_ask": None
            if crisis.direct_ask is None
            else {
                "turn_id": crisis.direct_ask.turn_id,
                "index": crisis.direct_ask.index,
                "turns_after_first_warning": crisis.direct_ask.turns_after_first_warning,
                "trainee_replies_before_ask": crisis.direct_ask.trainee_replies_before_ask,
                "late": crisis.direct_ask.late,
            },
            "invites_no_turn_ids": list(crisis.invites_no_turn_ids),
            "coaching_points": list(crisis.coaching_points),
        },
        "objectives": [
            {
                "objective": result.objective,
                "checked": result.checked,
                "see_crisis_checklist": result.see_crisis_checklist,
                "checks": [
                    {
                        "check": check.check.value,
                        "status": check.status.value,
                        "evidence_turn_ids": list(check.evidence_turn_ids),
                        "observation": check.observation,
                    }
                    for check in result.checks
                ],
            }
            for result in report.objectives
        ],
        "suggestions": [
            {
                "turn_id": s.turn_id,
                "turn_index": s.turn_index,
                "kind": s.kind.value,
                "code": s.code_label,
                "original_text": s.original_text,
                "better_response": s.better_response,
                "rationale": s.rationale,
                "source": s.source,
                "is_template": s.is_template,
            }
            for s in report.suggestions
        ],
        "strengths": list(report.strengths),
        "growth_areas": list(report.growth_areas),
        "overall_feedback": report.overall_feedback,
    }


def report_event_fields(report: SessionReport) -> dict[str, int | float | str]:
    """Field values for the ``SessionReported`` event (``report_id`` is the caller's).

    The event has no nulls: an undefined ratio and a not-applicable global score are 0,
    as the event schema specifies for the globals; consumers read 0 as "none".
    """
    summary = report.summary
    globals_ = {item.key: item.value for item in report.global_scores}

    def zero_if_none(value: float | None) -> float:
        return 0.0 if value is None else value

    return {
        "grader_version": report.grader_version,
        "reflections": summary.reflections,
        "questions": summary.questions,
        "reflection_to_question_ratio": zero_if_none(summary.item("reflection_to_question_ratio").value),
        "percent_complex_reflections": zero_if_none(summary.item("percent_complex_reflections").value),
        "percent_open_questions": zero_if_none(summary.item("percent_open_questions").value),
        "mi_adherent": summary.mi_adherent,
        "mi_non_adherent": summary.mi_non_adherent,
        "partnership": zero_if_none(globals_.get("partnership")),
        "empathy": zero_if_none(globals_.get("empathy")),
        "cultivating_change_talk": zero_if_none(globals_.get("cultivating_change_talk")),
        "softening_sustain_talk": zero_if_none(globals_.get("softening_sustain_talk")),
        "judge_source": report.judge_source.value,
    }


def report_objective_outcomes(report: SessionReport) -> list[tuple[str, str]]:
    """(check, status) pairs for the ``SessionReported`` event's ``objective_checks``: the
    names only, so analytics can follow objectives without any text of the session."""
    return [(check.check.value, check.status.value) for result in report.objectives for check in result.checks]


# --- plain text ----------------------------------------------------------------------------

_WIDTH = 88


def _heading(number: int, title: str) -> list[str]:
    text = f"{number}. {title}"
    return ["", text, "-" * len(text)]


def _wrap(text: str, indent: str, first: str | None = None) -> list[str]:
    return textwrap.wrap(
        text, _WIDTH, initial_indent=first if first is not None else indent, subsequent_indent=indent
    ) or [first or indent]


def _table(items: Iterable[ScoreItem]) -> list[str]:
    rows = [("Measure", "Value", "Fair", "Good", "Rating")]
    notes: list[str] = []
    for item in items:
        rows.append(
            (
                item.label,
                format_measure(item.unit, item.value),
                format_measure(item.unit, item.fair, threshold=True),
                format_measure(item.unit, item.good, threshold=True),
                item.rating.value,
            )
        )
        if item.rating is Rating.NOT_APPLICABLE:
            notes.append(f"{item.label}: n/a because {item.reason}.")
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    for note in notes:
        lines += _wrap(note, "    ", "  * ")
    return lines


def _codes_line(summary: SummaryScores) -> str:
    parts = []
    for code, count in summary.code_counts.items():
        if not count:
            continue
        label = code.replace("_", " ")
        if code == "question":
            label += f" (open {summary.open_questions}, closed {summary.closed_questions})"
        elif code == "reflection":
            label += f" (simple {summary.simple_reflections}, complex {summary.complex_reflections})"
        parts.append(f"{label} {count}")
    return f"Trainee turns: {summary.trainee_turns}. Codes: {', '.join(parts) or 'none'}."


def render_report_text(report: SessionReport) -> str:
    """A plain-text report for the trainee's supervisor to read and sign."""
    scenario = report.scenario
    yes_no = {True: "yes", False: "no"}
    source = (
        "LLM judge"
        if report.judge_source is JudgeSource.LLM
        else "heuristic fallback (rule-based estimate, not an LLM or expert judgement)"
    )
    title = "PRACTICUM SESSION REPORT"
    lines = [title, "=" * len(title)]
    lines += [
        f"Session:         {report.session_id or '-'}",
        (
            f"Scenario:        {scenario.scenario_id or '-'} v{scenario.version} ({scenario.category.value}); "
            f"suicide risk: {yes_no[scenario.has_suicide_risk]}; "
            f"behaviour-change goal: {yes_no[scenario.behaviour_change_goal]}"
        ),
        f"Grader version:  {report.grader_version}",
        f"Global scores:   {source}",
    ]

    section = 1
    lines += _heading(section, "Summary scores (MITI-based)")
    lines += _wrap(_codes_line(report.summary), "  ", "")
    lines += _table(report.summary.items)
    if report.not_applicable:
        lines.append("  Not applicable in this scenario:")
        lines += [f"    - {n.label}" for n in report.not_applicable]
        lines += _wrap(report.not_applicable[0].reason, "    ", "    Reason: ")
    if report.summary.low_confidence_turn_ids:
        lines += _wrap(
            "Turns the coder was unsure about (please check by hand): "
            + ", ".join(report.summary.low_confidence_turn_ids),
            "  ",
        )

    section += 1
    lines += _heading(section, "Global scores (1-5)")
    lines += _table(report.global_scores)
    if report.judge_note:
        lines += _wrap(report.judge_note, "    ", "  Note: ")
    if report.judge_rationale:
        lines.append("  How the estimate was made:")
        for rule in report.judge_rationale:
            lines += _wrap(rule, "      ", "    - ")

    if report.crisis is not None:
        section += 1
        lines += _heading(section, "Crisis skills checklist (S.A.V.E. and risk assessment)")
        group_titles = {
            ChecklistGroup.SAVE: "S.A.V.E. steps",
            ChecklistGroup.RISK_ASSESSMENT: "Risk assessment",
            ChecklistGroup.RISK_PROFILE: "Scenario risk profile (what the client revealed)",
        }
        for group, group_title in group_titles.items():
            group_items = [item for item in report.crisis.items if item.group is group]
            if not group_items:
                continue
            lines.append(f"  {group_title}")
            for item in group_items:
                mark = ("seen" if item.met else "none") if item.observation else ("x" if item.met else " ")
                lines += _wrap(item.label, "        ", f"    [{mark}] ")
                evidence = ", ".join(item.evidence_turn_ids) or "none"
                lines += _wrap(f"Evidence turns: {evidence}. {item.note}", "        ")
        if report.crisis.coaching_points:
            lines.append("  Coaching points")
            for point in report.crisis.coaching_points:
                lines += _wrap(point, "      ", "    - ")

    if report.objectives:
        section += 1
        lines += _heading(section, "Scenario learning objectives (automatic checks)")
        marks = {CheckStatus.MET: "x", CheckStatus.NOT_MET: " ", CheckStatus.NOT_OBSERVED: "-"}
        for result in report.objectives:
            lines += _wrap(result.objective, "    ", "  - ")
            if result.see_crisis_checklist:
                lines.append("      see the crisis skills checklist above")
            elif not result.checks:
                lines.append("      not checked automatically; the supervisor judges it from the transcript")
            for check in result.checks:
                lines += _wrap(check.observation, "          ", f"      [{marks[check.status]}] ")
        lines += _wrap(
            "[x] met, [ ] not met, [-] did not come up. Checks are heuristics over the codes and named "
            "phrases (objectives are matched to checks by their wording); see the grading README.",
            "  ",
        )

    section += 1
    lines += _heading(section, "Suggested rewrites")
    if not report.suggestions:
        lines.append("  No rewrite suggested for this session.")
    for number, suggestion in enumerate(report.suggestions, start=1):
        where = turn_ref(suggestion.turn_index, suggestion.turn_id, capital=True)
        lines.append(f"  {number}. {where}, {suggestion.code_label}")
        lines += _wrap(f'"{suggestion.original_text}"', "                ", "     You said:  ")
        lines += _wrap(f'"{suggestion.better_response}"', "                ", "     Try:       ")
        lines += _wrap(suggestion.rationale, "                ", "     Why:       ")
        if suggestion.is_template:
            lines += _wrap(
                "(A template filled in by a heuristic, from the client's or your words; put it in your own voice.)",
                "                ",
            )

    for title_text, entries in (("Strengths", report.strengths), ("Growth areas", report.growth_areas)):
        section += 1
        lines += _heading(section, title_text)
        if not entries:
            lines.append("  None recorded.")
        for entry in entries:
            lines += _wrap(entry, "    ", "  - ")

    section += 1
    lines += _heading(section, "Overall feedback")
    lines += _wrap(report.overall_feedback or "-", "  ")

    lines += [
        "",
        "Codes, scores and checklist items are produced automatically; evidence turn ids point",
        "to the session transcript. The supervisor's review is what makes this report final.",
        "",
        "Reviewed by (supervisor): ______________________________   Date: ______________",
    ]
    return "\n".join(lines) + "\n"
