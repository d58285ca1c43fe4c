from __future__ import annotations

import json

import pytest

from practicum_grading.domain import GRADER_VERSION
from practicum_grading.domain.judge import JudgeResult, JudgeSource, RewrittenResponse, fallback_judgement
from practicum_grading.domain.model import ScenarioMeta, Transcript, transcript_from_dicts
from practicum_grading.domain.report import (
    build_report,
    global_score_items,
    render_report_text,
    report_event_fields,
    report_to_dict,
)
from practicum_grading.domain.summary import Rating, compute_summary
from practicum_grading.domain.text import turn_ref

from .grading_builders import client, scenario, trainee

MI = scenario(behaviour_change_goal=True, category="motivational_interviewing", scenario_id="mi-drinking")


def _judge(
    p: int, e: int, cct: int | None = None, sst: int | None = None, rewrites: tuple[RewrittenResponse, ...] = ()
) -> JudgeResult:
    return JudgeResult(
        source=JudgeSource.LLM,
        partnership=p,
        empathy=e,
        cultivating_change_talk=cct,
        softening_sustain_talk=sst,
        strengths=("Warm opening.",),
        growth_areas=("Reflect more.",),
        rewritten_responses=rewrites,
        overall_feedback="Good start.",
        note="Global scores from the LLM judge.",
    )


@pytest.mark.parametrize(
    ("p", "e", "rating"),
    [
        (3, 3, Rating.BELOW_FAIR),
        (3, 4, Rating.FAIR),  # mean 3.5 is exactly fair
        (4, 4, Rating.GOOD),  # mean 4 is exactly good
        (5, 3, Rating.GOOD),
    ],
)
def test_relational_mean_against_thresholds(p: int, e: int, rating: Rating) -> None:
    relational = {i.key: i for i in global_score_items(_judge(p, e), False)}["relational"]
    assert relational.value == pytest.approx((p + e) / 2)
    assert relational.rating is rating and (relational.fair, relational.good) == (3.5, 4.0)


@pytest.mark.parametrize(
    ("cct", "sst", "rating"),
    [(2, 3, Rating.BELOW_FAIR), (3, 3, Rating.FAIR), (3, 4, Rating.FAIR), (4, 4, Rating.GOOD)],
)
def test_technical_mean_against_thresholds(cct: int, sst: int, rating: Rating) -> None:
    technical = {i.key: i for i in global_score_items(_judge(3, 3, cct, sst), True)}["technical"]
    assert technical.value == pytest.approx((cct + sst) / 2)
    assert technical.rating is rating and (technical.fair, technical.good) == (3.0, 4.0)


def test_technical_items_only_with_a_behaviour_change_goal() -> None:
    assert [i.key for i in global_score_items(_judge(3, 4), False)] == ["partnership", "empathy", "relational"]
    keys = [i.key for i in global_score_items(_judge(3, 4, 3, 3), True)]
    assert keys == [
        "partnership",
        "empathy",
        "relational",
        "cultivating_change_talk",
        "softening_sustain_talk",
        "technical",
    ]
    missing = {i.key: i for i in global_score_items(_judge(3, 4, None, 3), True)}["technical"]
    assert missing.rating is Rating.NOT_APPLICABLE and missing.reason


def test_peer_support_report_drops_technical_items(risk_transcript: Transcript, risk_scenario: ScenarioMeta) -> None:
    report = build_report(risk_transcript, risk_scenario, _judge(4, 4))
    assert {i.key for i in report.global_scores} == {"partnership", "empathy", "relational"}
    assert {n.key for n in report.not_applicable} >= {"cultivating_change_talk", "softening_sustain_talk", "technical"}
    assert report.crisis is not None
    assert report.grader_version == GRADER_VERSION
    # Checklist strengths cite their evidence turns, in the singular when there is one.
    assert "Asked directly about suicide (turn t4)." in report.strengths
    assert any(s.startswith("Validated the client's feelings (turns t3, ") for s in report.strengths)


def test_no_crisis_checklist_without_suicide_risk() -> None:
    transcript = transcript_from_dicts(
        [
            client(0, "c0", "I want to cut down on drinking.", "change"),
            trainee(1, "t1", "What makes now the right time?", "question", "open"),
        ]
    )
    report = build_report(transcript, MI, _judge(4, 4, 3, 3))
    assert report.crisis is None
    assert report_to_dict(report)["crisis_checklist"] is None
    assert "Crisis skills checklist" not in render_report_text(report)


def test_crisis_coaching_points_lead_the_growth_areas(
    invites_no_transcript: Transcript, risk_scenario: ScenarioMeta
) -> None:
    report = build_report(invites_no_transcript, risk_scenario, _judge(3, 3))
    assert report.crisis is not None
    assert report.growth_areas[: len(report.crisis.coaching_points)] == report.crisis.coaching_points
    assert "Reflect more." in report.growth_areas


def test_dict_form_has_stable_keys_and_is_json_ready(risk_transcript: Transcript, risk_scenario: ScenarioMeta) -> None:
    judge = _judge(4, 3, rewrites=(RewrittenResponse("t10", "It sounds like she means the world to you."),))
    data = report_to_dict(build_report(risk_transcript, risk_scenario, judge, session_id="s-1"))
    assert set(data) == {
        "schema_version",
        "grader_version",
        "session_id",
        "scenario",
        "summary",
        "not_applicable",
        "global_scores",
        "crisis_checklist",
        "objectives",
        "suggestions",
        "strengths",
        "growth_areas",
        "overall_feedback",
    }
    assert set(data["summary"]["items"][0]) == {"key", "label", "unit", "value", "fair", "good", "rating", "reason"}
    assert set(data["crisis_checklist"]["items"][0]) == {
        "id",
        "group",
        "label",
        "met",
        "observation",
        "evidence_turn_ids",
        "note",
    }
    assert data["crisis_checklist"]["direct_ask"]["turn_id"] == "t4"
    assert data["suggestions"][0] | {"turn_id": "t10", "source": "judge"} == data["suggestions"][0]
    assert json.loads(json.dumps(data)) == data


def test_text_report_reads_like_a_signable_document(risk_transcript: Transcript, risk_scenario: ScenarioMeta) -> None:
    summary = compute_summary(risk_transcript, risk_scenario)
    report = build_report(
        risk_transcript,
        risk_scenario,
        fallback_judgement(risk_transcript, summary),
        session_id="s-1",
        summary=summary,
    )
    text = render_report_text(report)
    for heading in (
        "PRACTICUM SESSION REPORT",
        "Summary scores",
        "Global scores",
        "Crisis skills checklist",
        "Suggested rewrites",
        "Strengths",
        "Growth areas",
        "Reviewed by (supervisor)",
    ):
        assert heading in text
    assert "heuristic fallback" in text and "not an LLM or expert judgement" in text
    # Numbers against thresholds: 1 reflection for 3 questions.
    assert "0.33:1" in text
    assert "Reflection-to-question ratio (R:Q)" in text and "1:1" in text and "2:1" in text
    assert "[x] Asked directly about suicide" in text and "Evidence turns: t4." in text
    assert "[ ] Explored plan and intent" in text
    for suggestion in report.suggestions:
        assert f"({suggestion.turn_id})" in text
    assert "Not applicable in this scenario" in text


def test_event_fields_match_the_session_reported_message(
    risk_transcript: Transcript, risk_scenario: ScenarioMeta
) -> None:
    report = build_report(risk_transcript, risk_scenario, _judge(4, 3))
    fields = report_event_fields(report)
    assert set(fields) == {
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
    }
    assert (fields["partnership"], fields["empathy"]) == (4.0, 3.0)
    # Not applicable without a behaviour-change goal: 0, as the event schema specifies.
    assert fields["cultivating_change_talk"] == 0.0 and fields["judge_source"] == "llm"


@pytest.mark.parametrize(
    ("index", "turn_id", "expected"),
    [(6, "6", "turn 6"), (6, "t-6a", "turn 6 (t-6a)")],
)
def test_turn_references_do_not_repeat_an_index_used_as_id(index: int, turn_id: str, expected: str) -> None:
    # Session-service transcripts use the index as the id; "turn 6 (6)" reads like a typo.
    assert turn_ref(index, turn_id) == expected
