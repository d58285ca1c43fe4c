"""Scenario learning objectives: which are checked, how, and how the report shows them."""

from __future__ import annotations

import json

import pytest

from practicum_grading.domain.errors import InvalidTranscript
from practicum_grading.domain.judge import fallback_judgement
from practicum_grading.domain.model import ScenarioMeta, Transcript, transcript_from_dicts
from practicum_grading.domain.objectives import (
    CheckResult,
    CheckStatus,
    ObjectiveCheck,
    ObjectiveResult,
    assess_objectives,
    checks_for,
    is_double_sided,
    pushes_for_details,
    takes_a_side,
)
from practicum_grading.domain.report import (
    SessionReport,
    build_report,
    render_report_text,
    report_objective_outcomes,
    report_to_dict,
)
from practicum_grading.domain.suggestions import SuggestionKind, build_suggestions
from practicum_grading.domain.summary import compute_summary

from .grading_builders import RISK_PROFILE, client, risk_transcript, scenario, trainee

C = ObjectiveCheck

# The library's own wordings (services/simulation/scenarios/library), so a rewording
# there that silently drops a check shows up here when the two are compared.
LIBRARY_OBJECTIVES: list[tuple[str, tuple[ObjectiveCheck, ...]]] = [
    ("Tolerate silence and short answers without filling the space with questions.", (C.AVOID_QUESTION_RUNS,)),
    ('Reflect guilt and shame without rushing to reassure ("it wasn\'t your fault").', (C.AVOID_REASSURANCE,)),
    ("Avoid pushing for details of the incident.", (C.AVOID_PUSHING_FOR_DETAILS,)),
    ("Reflect feelings under the humour without forcing disclosure of combat events.", (C.AVOID_PUSHING_FOR_DETAILS,)),
    ("Avoid a string of closed questions that turns the talk into an interview.", (C.AVOID_CLOSED_QUESTION_RUNS,)),
    (
        "Use reflections at least as often as questions, with many complex reflections.",
        (C.REFLECT_AT_LEAST_AS_OFTEN_AS_ASK,),
    ),
    ("Roll with sustain talk instead of arguing.", (C.AVOID_ARGUING_AND_ADVICE,)),
    ("Ask permission before sharing information about alcohol and liver health.", (C.PERMISSION_BEFORE_INFORMATION,)),
    (
        "Emphasise autonomy and avoid the righting reflex with a highly reactive client.",
        (C.AVOID_ARGUING_AND_ADVICE, C.EMPHASISE_AUTONOMY),
    ),
    ("Notice and reflect minimising without confronting it.", (C.AVOID_CONFRONTING,)),
    ("Avoid taking sides in the marriage or confronting his account.", (C.AVOID_CONFRONTING,)),
    ("Use double-sided reflections for his mixed feelings.", (C.USE_DOUBLE_SIDED_REFLECTIONS,)),
    ("Affirm strengths she brought out of the service.", (C.AFFIRM,)),
    (
        "Open the conversation with open questions and let her tell her story.",
        (C.OPEN_WITH_OPEN_QUESTION, C.MOSTLY_OPEN_QUESTIONS),
    ),
    (
        "Ask directly about suicide even when the call seems to be about something else.",
        (C.ASK_DIRECTLY_ABOUT_SUICIDE,),
    ),
    # Not checkable from codes and phrases: no check, and the report says so.
    ("Reflect the feelings under a stream of reasons and arguments.", ()),
    ("Explore meaning, values and cultural or spiritual resources he names himself.", ()),
    ("Establish rapport quickly with an anxious, apologetic caller.", ()),
    # An objective *to* do what a check avoids never becomes that check.
    ("Probe for details of the plan and its timing.", ()),
    ("Reassure her that panic attacks pass.", ()),
]


@pytest.mark.parametrize(("objective", "expected"), LIBRARY_OBJECTIVES)
def test_objective_wordings_map_to_checks(objective: str, expected: tuple[ObjectiveCheck, ...]) -> None:
    assert checks_for(objective) == expected


@pytest.mark.parametrize(
    "text",
    [
        "What exactly happened on that patrol?",
        "Can you walk me through that night?",
        "Tell me what happened over there.",
        "what did u see",  # typed: no "?", chat spelling
        "How did he die?",
        "Who got killed?",
        "Can you give me more details about the incident?",
        "Were you the one who fired?",
    ],
)
def test_asking_for_the_details_of_an_event_is_pushing(text: str) -> None:
    assert pushes_for_details(text, None)


@pytest.mark.parametrize(
    "text",
    [
        "What's been happening for you since you got back?",
        "What happened to your sleep after that?",
        "It sounds like that night is still with you.",
        "What would it mean to you to set some of this down?",
        "Whatever happened over there, you did your best.",  # reassurance, not a question
        "You don't have to tell me the details. What's it like carrying it?",
        "You don't have to go into what happened, but what's it like carrying it?",
    ],
)
def test_exploring_without_asking_for_details_is_not_pushing(text: str) -> None:
    assert not pushes_for_details(text, None)


def test_pressing_after_the_client_held_back_is_pushing() -> None:
    held_back = "I don't want to get into it."
    assert pushes_for_details("Why not? It might help to talk.", held_back)
    assert not pushes_for_details("That's okay. We can go at your pace.", held_back)
    assert not pushes_for_details("That's okay, you don't have to tell me.", held_back)
    # The same words without a refusal before them are not pressing.
    assert not pushes_for_details("It might help to talk.", "It was a long time ago.")


@pytest.mark.parametrize(
    ("text", "double"),
    [
        ("On one hand you love her; on the other, you're tired of the fighting.", True),
        ("Part of you wants to leave, and part of you can't imagine it.", True),
        ("You want to keep the peace, and at the same time you're angry.", True),
        ("It sounds like you're tired of the fighting.", False),
    ],
)
def test_double_sided_reflections(text: str, double: bool) -> None:
    assert is_double_sided(text) is double


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        # The stop 14 relationship demo: a confrontation behind a reflection stem, which
        # the coder called a complex reflection.
        ("To be honest it sounds like you're not really listening to her side either.", True),
        ("She's got a point about the chores.", True),
        ("Honestly, she's being unreasonable.", True),
        ("He's right. This medicine will lower your cholesterol.", True),  # an AnnoMI low-quality turn
        ("You're right, it's hard to tell from the website.", False),  # agreeing with the client
        ("That's where they are right now.", False),
        ("How do you think Priya sees it?", False),
        ("Do you think she's being unfair?", False),  # a question: no ruling
        ("It sounds like you feel like a guest in your own house.", False),
        ("You're right to want some quiet after a mission.", False),
    ],
)
def test_ruling_on_who_is_right(text: str, verdict: bool) -> None:
    assert takes_a_side(text) is verdict


def test_confronting_check_counts_a_ruling_the_coder_called_a_reflection() -> None:
    relationship = scenario(learning_objectives=["Avoid taking sides in the marriage or confronting his account."])
    transcript = transcript_from_dicts(
        [
            client(0, "c0", "Look, to be fair, I'm the one holding everything together."),
            trainee(
                1,
                "t1",
                "To be honest it sounds like you're not really listening to her side either.",
                "reflection",
                "complex",
                0.54,
            ),
            client(1, "c1", "Okay, that's a weird thing to say."),
            trainee(2, "t2", "You feel like a guest in your own house.", "reflection", "complex"),
        ]
    )
    check = assess_objectives(transcript, relationship)[0].checks[0]
    assert check.status is CheckStatus.NOT_MET and check.evidence_turn_ids == ("t1",)
    assert check.observation == "Turn 1 (t1) was coded confront or ruled on who is right."
    # The report coaches it like a confrontation, though the coder called it a reflection.
    rewrite = build_suggestions(transcript, relationship, compute_summary(transcript, relationship))[0]
    assert (rewrite.turn_id, rewrite.kind) == ("t1", SuggestionKind.CONFRONT_TO_REFLECTION)
    assert rewrite.better_response.endswith("That makes sense from where you're standing.")


MORAL_INJURY = scenario(
    scenario_id="veteran-moral-injury",
    learning_objectives=[
        "Tolerate silence and short answers without filling the space with questions.",
        'Reflect guilt and shame without rushing to reassure ("it wasn\'t your fault").',
        "Avoid pushing for details of the incident.",
        "Explore meaning, values and cultural or spiritual resources he names himself.",
    ],
)


def _joseph() -> Transcript:
    """The opening of the stop 13 demo script for the moral-injury scenario, with the codes
    the coder gave it (turns 2 and 3 are what the objectives warn against)."""
    return transcript_from_dicts(
        [
            client(0, "0", "I'm not really sure why I'm here. My wife thought it'd be good."),
            trainee(1, "1", "Hey Joseph, thanks for coming in. What's been on your mind?", "question", "open", 0.8),
            client(1, "1", "Stuff from over there. I don't talk about it much."),
            trainee(
                2,
                "2",
                "It wasn't your fault, you know. Whatever happened over there, you did your best.",
                "other",
                "",
                0.03,
            ),
            client(2, "2", "You don't know that."),
            trainee(3, "3", "What exactly happened on that patrol?", "question", "open", 0.7),
            client(3, "3", "I'd rather not get into it."),
            trainee(
                4,
                "4",
                "Part of you feels like you don't deserve the good things you have now.",
                "reflection",
                "complex",
            ),
            client(4, "4", "Maybe."),
        ]
    )


def _by_check(results: tuple[ObjectiveResult, ...]) -> dict[ObjectiveCheck, CheckResult]:
    return {check.check: check for result in results for check in result.checks}


def test_moral_injury_objectives_cite_the_turns_that_missed_them() -> None:
    results = assess_objectives(_joseph(), MORAL_INJURY)
    assert [r.objective for r in results] == list(MORAL_INJURY.learning_objectives)
    checks = _by_check(results)
    reassurance = checks[C.AVOID_REASSURANCE]
    details = checks[C.AVOID_PUSHING_FOR_DETAILS]
    runs = checks[C.AVOID_QUESTION_RUNS]
    assert (reassurance.status, reassurance.evidence_turn_ids) == (CheckStatus.NOT_MET, ("2",))
    assert (details.status, details.evidence_turn_ids) == (CheckStatus.NOT_MET, ("3",))
    assert runs.status is CheckStatus.MET
    assert not results[3].checked and not results[3].see_crisis_checklist


def _questions(*codes: tuple[str, str]) -> Transcript:
    turns = []
    for i, (text, subcode) in enumerate(codes, start=1):
        code = "reflection" if subcode in ("simple", "complex") else "question"
        turns += [trainee(i, f"t{i}", text, code, subcode), client(i, f"c{i}", "Yeah.")]
    return transcript_from_dicts(turns)


def test_question_runs_count_consecutive_questions_but_not_risk_assessment() -> None:
    only_runs = scenario(
        learning_objectives=["Avoid a string of closed questions that turns the talk into an interview."]
    )
    interview = _questions(("Do you sleep?", "closed"), ("Do you drink?", "closed"), ("Is it every night?", "closed"))
    check = assess_objectives(interview, only_runs)[0].checks[0]
    assert check.status is CheckStatus.NOT_MET and check.evidence_turn_ids == ("t1", "t2", "t3")
    assert check.observation == "Turns 1 (t1), 2 (t2), 3 (t3) were part of a run of 3 or more closed questions."
    # A reflection between them breaks the run.
    broken = _questions(("Do you sleep?", "closed"), ("Sleep is hard.", "simple"), ("Do you drink?", "closed"))
    assert assess_objectives(broken, only_runs)[0].checks[0].status is CheckStatus.MET
    # Risk-assessment questions are meant to be asked plainly; they end a run.
    risk = _questions(
        ("Do you sleep?", "closed"), ("Do you have a gun at home?", "closed"), ("Do you drink?", "closed")
    )
    assert assess_objectives(risk, only_runs)[0].checks[0].status is CheckStatus.MET
    # The closed-only variant ignores open questions; the general one counts them.
    mixed = _questions(("How do you sleep?", "open"), ("What keeps you up?", "open"), ("Is it every night?", "closed"))
    assert assess_objectives(mixed, only_runs)[0].checks[0].status is CheckStatus.MET
    general = scenario(learning_objectives=["Tolerate silence without filling the space with questions."])
    assert assess_objectives(mixed, general)[0].checks[0].status is CheckStatus.NOT_MET


PERMISSION = scenario(learning_objectives=["Ask permission before offering any information."])


@pytest.mark.parametrize(
    ("turns", "status"),
    [
        (
            [trainee(1, "t1", "What brings you in?", "question", "open"), client(1, "c1", "My wife.")],
            CheckStatus.NOT_OBSERVED,
        ),
        (
            [
                trainee(1, "t1", "Would it be okay if I shared something about smoking?", "seeking_collaboration"),
                client(1, "c1", "Sure, go ahead."),
                trainee(2, "t2", "Most people who quit try several times first.", "giving_information"),
            ],
            CheckStatus.MET,
        ),
        (
            [
                client(0, "c0", "Is it true that quitting cold turkey is dangerous?"),
                trainee(1, "t1", "For most people it isn't dangerous, just hard.", "giving_information"),
            ],
            CheckStatus.MET,
        ),
        (
            [
                client(0, "c0", "I smoke about a pack a day."),
                trainee(1, "t1", "Smoking a pack a day triples your risk of heart disease.", "giving_information"),
            ],
            CheckStatus.NOT_MET,
        ),
        (
            [client(0, "c0", "I smoke about a pack a day."), trainee(1, "t1", "You should quit.", "persuade", "", 0.1)],
            CheckStatus.NOT_MET,
        ),
        (
            # Information the coder is unsure of is not held against the trainee.
            [
                client(0, "c0", "Hi."),
                trainee(1, "t1", "I'm Sam, a peer supporter here.", "giving_information", "", 0.3),
            ],
            CheckStatus.NOT_OBSERVED,
        ),
    ],
)
def test_permission_before_information(turns: list[dict[str, object]], status: CheckStatus) -> None:
    assert assess_objectives(transcript_from_dicts(turns), PERMISSION)[0].checks[0].status is status


def test_do_checks_need_a_turn_that_did_it() -> None:
    objectives = scenario(
        learning_objectives=[
            "Affirm strengths she brought out of the service.",
            "Use double-sided reflections for his mixed feelings.",
            "Use reflections at least as often as questions.",
        ]
    )
    transcript = transcript_from_dicts(
        [
            trainee(1, "t1", "How are things at home?", "question", "open"),
            client(1, "c1", "I love her, but the fighting wears me out."),
            trainee(
                2, "t2", "On one hand you love her; on the other, the fighting wears you out.", "reflection", "complex"
            ),
            client(2, "c2", "Exactly."),
        ]
    )
    affirm, double, ratio = (r.checks[0] for r in assess_objectives(transcript, objectives))
    assert affirm.status is CheckStatus.NOT_MET and affirm.evidence_turn_ids == ()
    assert double.status is CheckStatus.MET and double.evidence_turn_ids == ("t2",)
    assert ratio.status is CheckStatus.MET and ratio.observation == "1 reflection, 1 question."
    assert double.observation == "Turn 2 (t2) was a double-sided reflection (both sides of the mixed feelings)."


def test_learning_objectives_must_be_strings() -> None:
    with pytest.raises(InvalidTranscript) as error:
        scenario(learning_objectives=["Affirm strengths.", 3])
    assert error.value.field == "scenario.learning_objectives[1]"
    with pytest.raises(InvalidTranscript) as error:
        scenario(learning_objectives="Affirm strengths.")
    assert error.value.field == "scenario.learning_objectives"


def _report(transcript: Transcript, meta: ScenarioMeta) -> SessionReport:
    summary = compute_summary(transcript, meta)
    return build_report(transcript, meta, fallback_judgement(transcript, summary), session_id="s-1", summary=summary)


def test_report_lists_every_objective_with_its_checks() -> None:
    report = _report(_joseph(), MORAL_INJURY)
    doc = json.loads(json.dumps(report_to_dict(report)))
    objectives = doc["objectives"]
    assert [o["objective"] for o in objectives] == list(MORAL_INJURY.learning_objectives)
    assert objectives[2]["checks"] == [
        {
            "check": "avoid_pushing_for_details",
            "status": "not_met",
            "evidence_turn_ids": ["3"],
            "observation": "Turn 3 asked for the details of what happened, or pressed after the client held back.",
        }
    ]
    assert objectives[3] == {
        "objective": MORAL_INJURY.learning_objectives[3],
        "checked": False,
        "see_crisis_checklist": False,
        "checks": [],
    }
    # Unmet objectives lead the growth areas, before the judge's own.
    assert report.growth_areas[:2] == (
        'Reflect guilt and shame without rushing to reassure ("it wasn\'t your fault"): '
        "turn 2 reassured before reflecting what the client feels.",
        "Avoid pushing for details of the incident: turn 3 asked for the details of what happened, "
        "or pressed after the client held back.",
    )
    # The event for analytics carries check names and statuses, never the objective's text.
    assert report_objective_outcomes(report) == [
        ("avoid_question_runs", "met"),
        ("avoid_premature_reassurance", "not_met"),
        ("avoid_pushing_for_details", "not_met"),
    ]
    text = render_report_text(report)
    assert "Scenario learning objectives (automatic checks)" in text
    assert "not checked automatically" in text and "[ ] Turn 3 asked for the details" in text


def test_risk_scenarios_point_to_the_crisis_checklist_and_do_not_repeat_it() -> None:
    meta = scenario(
        has_suicide_risk=True,
        category="crisis_line",
        risk_profile=RISK_PROFILE,
        learning_objectives=[
            "Ask directly about suicide, early, without phrasing the question to invite a no.",
            "Ask about access to firearms and talk about safer storage without judgement.",
        ],
    )
    report = _report(risk_transcript(), meta)
    ask, firearms = report.objectives
    assert ask.checks[0].status is CheckStatus.MET and ask.checks[0].evidence_turn_ids == ("t4",)
    assert not firearms.checked and firearms.see_crisis_checklist
    # The checklist already names the direct question as a strength; it is not listed twice.
    assert not any(s.startswith("Ask directly about suicide") for s in report.strengths)
    assert "see the crisis skills checklist above" in render_report_text(report)


def test_pushing_for_details_is_rewritten_only_where_the_scenario_asks_to_avoid_it() -> None:
    transcript = _joseph()
    summary = compute_summary(transcript, MORAL_INJURY)
    kinds = {s.turn_id: s.kind for s in build_suggestions(transcript, MORAL_INJURY, summary)}
    assert kinds["3"] is SuggestionKind.DETAILS_TO_REFLECTION
    details = next(s for s in build_suggestions(transcript, MORAL_INJURY, summary) if s.turn_id == "3")
    assert details.better_response.endswith("You can tell me as much or as little as you want.")
    # "You don't know that." is about the talk, not the client's life: no clause to reflect.
    assert details.better_response.startswith("It sounds like what happened is still with you.")
    # Without the objective, "What exactly happened?" is an ordinary open question.
    plain = scenario()
    plain_kinds = {s.turn_id: s.kind for s in build_suggestions(transcript, plain, compute_summary(transcript, plain))}
    assert plain_kinds.get("3") is not SuggestionKind.DETAILS_TO_REFLECTION
