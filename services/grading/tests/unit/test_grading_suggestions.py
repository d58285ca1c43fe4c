from __future__ import annotations

import pytest

from practicum_grading.domain.judge import RewrittenResponse
from practicum_grading.domain.model import ScenarioMeta, Transcript, transcript_from_dicts
from practicum_grading.domain.suggestions import SuggestionKind, build_suggestions
from practicum_grading.domain.summary import compute_summary
from practicum_grading.domain.text import key_clause

from .grading_builders import client, scenario, trainee

PEER = scenario()


def _mixed_transcript() -> Transcript:
    return transcript_from_dicts(
        [
            client(0, "c0", "My sergeant says I have to get help, but I'm fine."),
            trainee(1, "t1", "Do you drink every night?", "question", "closed"),
            client(1, "c1", "Most nights. It's the only way I can sleep.", "sustain"),
            trainee(2, "t2", "You should stop drinking before bed.", "persuade"),
            client(2, "c2", "Easy for you to say."),
            trainee(3, "t3", "You're in denial about this.", "confront"),
            client(3, "c3", "I'm not in denial. I just feel tired all the time and nobody gets it."),
            trainee(4, "t4", "What would help?", "question", "open"),
            client(4, "c4", "I don't know."),
        ]
    )


def _suggest(transcript: Transcript, meta: ScenarioMeta = PEER, **kwargs: object) -> tuple:  # type: ignore[type-arg]
    return build_suggestions(transcript, meta, compute_summary(transcript, meta), **kwargs)  # type: ignore[arg-type]


def test_quotes_real_trainee_turns_and_ranks_the_biggest_gaps_first() -> None:
    transcript = _mixed_transcript()
    suggestions = _suggest(transcript)
    assert 2 <= len(suggestions) <= 3
    by_id = {t.turn_id: t for t in transcript.turns if t.is_trainee}
    for suggestion in suggestions:
        turn = by_id[suggestion.turn_id]
        assert suggestion.original_text == turn.text
        assert suggestion.turn_index == turn.index
        assert suggestion.better_response and suggestion.better_response != turn.text
    assert [s.kind for s in suggestions] == [
        SuggestionKind.CONFRONT_TO_REFLECTION,
        SuggestionKind.ASK_PERMISSION,
        SuggestionKind.CLOSED_TO_OPEN,
    ]
    assert [s.turn_id for s in suggestions] == ["t3", "t2", "t1"]


def test_rewrites_use_the_clients_words_and_the_right_frame() -> None:
    confront, advice, closed = _suggest(_mixed_transcript())
    # The confrontation becomes a reflection of what the client said just before it.
    # "Easy for you to say" has no subject to reflect, so the generic frame is used.
    assert confront.better_response == "It sounds like you see this differently, and you have your reasons."
    assert advice.better_response.startswith("Would it be OK if I shared")
    assert "stop drinking before bed" in advice.better_response
    assert "?" in closed.better_response and closed.better_response.startswith("You mentioned")
    assert "your sergeant says you have to get help" in closed.better_response
    assert all(s.is_template and s.source == "heuristic" for s in (confront, advice, closed))


def test_suggestions_are_deterministic() -> None:
    assert _suggest(_mixed_transcript()) == _suggest(_mixed_transcript())


def test_question_becomes_a_complex_reflection_when_questions_dominate() -> None:
    transcript = transcript_from_dicts(
        [
            client(0, "c0", "I've been feeling really alone since I got out of the Army."),
            trainee(1, "t1", "What's that been like?", "question", "open"),
            client(1, "c1", "Lonely. I miss my unit."),
            trainee(2, "t2", "How often do you talk to them?", "question", "open"),
            client(2, "c2", "Hardly ever."),
        ]
    )
    suggestions = _suggest(transcript)
    assert suggestions and suggestions[0].kind is SuggestionKind.QUESTION_TO_REFLECTION
    assert suggestions[0].turn_id == "t1"
    assert "you've been feeling really alone since you got out of the Army" in suggestions[0].better_response


def test_double_sided_reflection_only_with_a_behaviour_change_goal() -> None:
    transcript = transcript_from_dicts(
        [
            client(0, "c0", "I don't have a firearm, but there's a security system in the house.", "sustain"),
            trainee(1, "t1", "What keeps you going?", "question", "open"),
            client(1, "c1", "My dog."),
            trainee(2, "t2", "Who do you talk to?", "question", "open"),
            client(2, "c2", "Nobody."),
        ]
    )
    # Peer support (seen in a demo): "sustain" means nothing here, so a plain reflection.
    (peer, *_) = _suggest(transcript)
    assert peer.better_response.startswith("It sounds like you don't have a firearm")
    # With a behaviour-change goal, sustain talk gets the double-sided reflection.
    (mi, *_) = _suggest(transcript, scenario(behaviour_change_goal=True, category="motivational_interviewing"))
    assert mi.better_response.startswith("On one hand, you don't have a firearm")


def test_invites_no_ask_gets_the_direct_question_first(invites_no_transcript: Transcript) -> None:
    meta = scenario(has_suicide_risk=True)
    suggestions = _suggest(invites_no_transcript, meta)
    assert suggestions[0].kind is SuggestionKind.ASK_DIRECTLY
    assert suggestions[0].turn_id == "t3"
    assert "Are you thinking about killing yourself?" in suggestions[0].better_response


def test_a_direct_suicide_question_is_never_softened(risk_transcript: Transcript, risk_scenario: ScenarioMeta) -> None:
    suggestions = _suggest(risk_transcript, risk_scenario)
    assert "t4" not in {s.turn_id for s in suggestions}  # "Are you thinking about killing yourself?"
    # Urging the crisis line is not coached as unwanted advice either.
    assert "t12" not in {s.turn_id for s in suggestions}


def test_low_confidence_codes_are_not_quoted_back() -> None:
    transcript = transcript_from_dicts(
        [
            client(0, "c0", "I guess I'm okay."),
            trainee(1, "t1", "Do you work?", "question", "closed", confidence=0.3),
            client(1, "c1", "Whatever."),
            trainee(2, "t2", "So things are fine.", "reflection", "simple", confidence=0.3),
        ]
    )
    assert _suggest(transcript) == ()


def test_advice_and_confrontation_are_coached_whatever_the_model_confidence() -> None:
    # The coder's lexicon rules find these in the trainee's own words; the model, never
    # taught them, gives its class a low probability (0.17 for the demo's advice turn).
    transcript = transcript_from_dicts(
        [
            client(0, "c0", "I have a few beers most nights."),
            trainee(1, "t1", "Why don't you just stop drinking?", "persuade", confidence=0.17),
            client(1, "c1", "It's not that simple."),
            trainee(2, "t2", "You're drinking way too much and you know it.", "confront", confidence=0.06),
        ]
    )
    kinds = {s.turn_id: s for s in _suggest(transcript)}
    assert kinds["t1"].kind is SuggestionKind.ASK_PERMISSION
    assert "You could stop drinking. You know your situation best" in kinds["t1"].better_response
    assert kinds["t2"].kind is SuggestionKind.CONFRONT_TO_REFLECTION


def test_valid_judge_rewrites_take_precedence() -> None:
    transcript = _mixed_transcript()
    rewrites = [
        RewrittenResponse("t4", "What would a better night look like for you?"),
        RewrittenResponse("c1", "not a trainee turn"),  # ignored
        RewrittenResponse("t2", "You should stop drinking before bed."),  # same as original: ignored
    ]
    suggestions = _suggest(transcript, judge_rewrites=rewrites)
    assert suggestions[0].turn_id == "t4" and suggestions[0].source == "judge"
    assert suggestions[0].kind is SuggestionKind.JUDGE_REWRITE and not suggestions[0].is_template
    assert len(suggestions) == 3
    assert [s.source for s in suggestions[1:]] == ["heuristic", "heuristic"]


def test_safety_rewrite_always_has_a_slot(invites_no_transcript: Transcript) -> None:
    meta = scenario(has_suicide_risk=True)
    rewrites = [
        RewrittenResponse("t1", "What's been weighing on you lately?"),
        RewrittenResponse("t5", "Would it help to talk about who you could reach out to?"),
        RewrittenResponse("t3", "Are you thinking about suicide?"),
    ]
    suggestions = _suggest(invites_no_transcript, meta, judge_rewrites=rewrites)
    assert len(suggestions) == 3
    # The judge rewrote the invites-no turn itself: its version is used, and it leads.
    assert (suggestions[0].turn_id, suggestions[0].source) == ("t3", "judge")
    assert {s.turn_id for s in suggestions} == {"t1", "t3", "t5"}

    # Without the judge covering it, the heuristic safety rewrite takes the last slot.
    others = [*rewrites[:2], RewrittenResponse("t1", "duplicate turn: ignored")]
    suggestions = _suggest(invites_no_transcript, meta, judge_rewrites=others)
    assert [(s.turn_id, s.source) for s in suggestions] == [("t3", "heuristic"), ("t1", "judge"), ("t5", "judge")]
    assert suggestions[0].kind is SuggestionKind.ASK_DIRECTLY


def test_no_candidates_no_suggestions() -> None:
    transcript = transcript_from_dicts(
        [
            client(0, "c0", "I'm proud I stayed sober this week."),
            trainee(1, "t1", "You worked hard for that, and it shows.", "affirm"),
        ]
    )
    assert _suggest(transcript) == ()


def test_confrontation_reflects_the_view_being_defended() -> None:
    transcript = transcript_from_dicts(
        [
            client(0, "c0", "I'm not an alcoholic. I just drink to take the edge off after work."),
            trainee(1, "t1", "That's what every alcoholic says.", "confront"),
            client(1, "c1", "Forget it."),
        ]
    )
    (suggestion,) = _suggest(transcript)
    assert suggestion.better_response == (
        "It sounds like you just drink to take the edge off after work. That makes sense from where you're standing."
    )


def test_a_strong_session_gets_only_the_suggestions_it_needs(
    risk_transcript: Transcript, risk_scenario: ScenarioMeta
) -> None:
    # Two real gaps, no filler: the plan was never asked about (the checklist's intent item)
    # and one question could have been a reflection.
    plan, suggestion = _suggest(risk_transcript, risk_scenario)
    assert plan.turn_id == "t6" and plan.kind is SuggestionKind.EXPLORE_PLAN
    assert suggestion.turn_id == "t10" and suggestion.kind is SuggestionKind.QUESTION_TO_REFLECTION
    # The added meaning fits the clause: something valued, not a burden.
    assert suggestion.better_response == (
        "It sounds like she's the reason you're still here, and that means a lot to you."
    )


def test_three_judge_rewrites_still_leave_a_slot_for_the_safety_rewrite() -> None:
    transcript = transcript_from_dicts(
        [
            trainee(1, "t1", "How are you?", "question", "open"),
            client(2, "c2", "I don't want to be here anymore."),
            trainee(3, "t3", "You wouldn't do anything stupid, would you?", "question", "closed"),
            client(4, "c4", "No."),
            trainee(5, "t5", "Okay.", "other"),
            trainee(6, "t6", "Try to get some sleep.", "persuade"),
        ]
    )
    rewrites = [
        RewrittenResponse("t1", "What's been going on for you lately?"),
        RewrittenResponse("t5", "It sounds like it's been a really hard stretch."),
        RewrittenResponse("t6", "Would it be OK if we talked about sleep?"),
    ]
    suggestions = _suggest(transcript, scenario(has_suicide_risk=True), judge_rewrites=rewrites)
    assert [(s.turn_id, s.source) for s in suggestions] == [("t3", "heuristic"), ("t1", "judge"), ("t5", "judge")]


# The clause a template rewrite reflects back, as simulated clients actually wrote it in
# demo runs: stage directions and fragments must not end up inside "It sounds like ...".
@pytest.mark.parametrize(
    ("client_text", "clause"),
    [
        ("(laughs) I feel like nobody listens to me.", "you feel like nobody listens to you"),
        ("Yeah (long pause) I want my kids back.", "you want your kids back"),
        # Seen in a demo: the template became "It sounds like how it is.), and ...".
        ("(Aww, you just did it. You know how it is.)", None),
        ("You don't get it. I just want to sleep.", "you just want to sleep"),
        ("You know how it is.", None),
        ("(Dale's expression is puzzled. He answers in 12 words.)", None),
        ("I lost my job. (He looks away", "you lost your job"),
        # Scripted fallback lines: requests and remarks about the talk are not feelings.
        ("Okay, okay. Sorry. Give me a second.", None),
        ("Yeah, I mean, I hear you.", None),
        ("That's a fair question, I suppose.", None),
        ("My heart is pounding and I can't catch my breath.", "your heart is pounding and you can't catch your breath"),
        # A reply the output guard cut for length.
        ("I'm glad to hear you have a gun at home with no...", "you're glad to hear you have a gun at home"),
        # Seen in a demo: "you know" is the verb here, and "It sounds like all about it" came out.
        ("You're a Marine, and you know all about it.", None),
        ("You know I never wanted this.", "you never wanted this"),
        ("You know, it's been hard since March.", "it's been hard since March"),
        # Seen in a demo: 'On one hand, you're not a problem." you don't think that's; ...'.
        ("I'm not sure what you mean by \"we're just here to help, not a problem.\" I don't think that's...", None),
        ('My wife says "you drink too much." I feel like she\'s right.', "you feel like she's right"),
        ('"I don\'t want to be a bother."', "you don't want to be a bother"),
        # Cut by the guard where the clause still waits for its object.
        ("I don't think that's...", None),
        ("I lost my job and I keep thinking I'm...", None),
        # Seen in a demo: "You mentioned you don't understand my point. What has that been like for you?"
        ("Yá'át'ééh, you know, I don't understand your point.", None),
    ],
)
def test_key_clause_drops_stage_directions_and_fragments(client_text: str, clause: str | None) -> None:
    assert key_clause(client_text) == clause


def test_a_missed_plan_question_is_coached_on_the_turn_after_the_direct_ask(
    risk_transcript: Transcript, risk_scenario: ScenarioMeta
) -> None:
    plan = _suggest(risk_transcript, risk_scenario)[0]
    # The trainee's own words stay; the plan question is added where the "yes" was taken up.
    assert plan.original_text == "Thank you for telling me. That took courage."
    assert plan.better_response.startswith("Thank you for telling me. That took courage. Have you thought about how")
    assert plan.source == "heuristic" and plan.is_template


def test_no_plan_suggestion_once_the_plan_was_explored_or_without_risk(
    risk_transcript: Transcript, risk_scenario: ScenarioMeta
) -> None:
    asked = transcript_from_dicts(
        [
            trainee(1, "t1", "Are you thinking about killing yourself?", "question", "closed"),
            client(2, "c2", "Yeah. Some nights."),
            trainee(3, "t3", "Have you thought about how you would do it?", "question", "closed"),
            client(4, "c4", "Not really."),
        ]
    )
    assert SuggestionKind.EXPLORE_PLAN not in {s.kind for s in _suggest(asked, risk_scenario)}
    no_risk = scenario(has_suicide_risk=False)
    assert SuggestionKind.EXPLORE_PLAN not in {s.kind for s in _suggest(risk_transcript, no_risk)}


def _firearm_transcript(
    reply_to_firearm: str, firearm_line: str = "You see, I've got a handgun in the house."
) -> Transcript:
    """The default demo's shape: a direct ask, a firearm disclosed, then a buffers question."""
    return transcript_from_dicts(
        [
            trainee(1, "t1", "What's been going on for you lately?", "question", "open"),
            client(2, "c2", "Lost my job, and my wife left. I don't much see the point anymore."),
            trainee(3, "t3", "Are you thinking about killing yourself?", "question", "closed"),
            client(4, "c4", "Yeah. Most nights."),
            trainee(5, "t5", "Thank you for telling me. It took guts to say that.", "affirm"),
            client(6, "c6", firearm_line),
            trainee(7, "t7", reply_to_firearm, "question", "open"),
            client(8, "c8", "My daughter, I guess."),
        ],
        disclosures=[{"fact_id": "pistol_nightstand", "turn_id": "c6"}],
    )


def test_a_firearm_never_talked_about_again_is_coached_as_means_safety(risk_scenario: ScenarioMeta) -> None:
    suggestions = _suggest(_firearm_transcript("What has kept you going through these weeks?"), risk_scenario)
    kinds = {s.turn_id: s.kind for s in suggestions}
    assert kinds["t5"] is SuggestionKind.EXPLORE_PLAN and kinds["t7"] is SuggestionKind.MEANS_SAFETY
    means = next(s for s in suggestions if s.kind is SuggestionKind.MEANS_SAFETY)
    assert means.better_response.startswith("Thank you for telling me about the handgun.")
    assert "locking it up or letting someone you trust hold onto it" in means.better_response
    # Seen in a demo before this: "It sounds like you've got a handgun in the house, and that
    # means a lot to you." offered as the better response to the buffers question.
    assert not any("means a lot to you" in s.better_response for s in suggestions)


def test_the_firearm_can_come_from_a_disclosed_fact(risk_scenario: ScenarioMeta) -> None:
    # The client's words name no firearm; the simulator reported the scenario's fact.
    transcript = _firearm_transcript("What has kept you going?", firearm_line="There's one in the nightstand.")
    (means,) = [s for s in _suggest(transcript, risk_scenario) if s.kind is SuggestionKind.MEANS_SAFETY]
    assert means.turn_id == "t7" and "about the pistol" in means.better_response


def test_no_means_safety_once_storage_came_up_or_without_risk(risk_scenario: ScenarioMeta) -> None:
    storage = _firearm_transcript("Would your brother hold onto it for a while?")
    assert SuggestionKind.MEANS_SAFETY not in {s.kind for s in _suggest(storage, risk_scenario)}
    no_risk = _firearm_transcript("What has kept you going?")
    assert SuggestionKind.MEANS_SAFETY not in {s.kind for s in _suggest(no_risk, scenario())}


def test_a_question_inviting_no_keeps_its_turn_over_means_safety(risk_scenario: ScenarioMeta) -> None:
    transcript = _firearm_transcript("You wouldn't do anything stupid, would you?")
    kinds = {s.turn_id: s.kind for s in _suggest(transcript, risk_scenario)}
    assert kinds["t7"] is SuggestionKind.ASK_DIRECTLY


def test_a_reflection_of_a_firearm_adds_no_guessed_meaning(risk_scenario: ScenarioMeta) -> None:
    # The plan was asked about and storage came up later, so the question right after the
    # disclosure is coached as a missed reflection (questions outnumber reflections here).
    transcript = transcript_from_dicts(
        [
            trainee(1, "t1", "Are you thinking about killing yourself? Do you have a plan?", "question", "closed"),
            client(2, "c2", "Yeah. I've got a handgun in the house."),
            trainee(3, "t3", "How long have you been thinking about it?", "question", "open"),
            client(4, "c4", "A few weeks."),
            trainee(5, "t5", "Would your brother hold onto it for a while?", "question", "closed"),
            client(6, "c6", "Maybe."),
        ]
    )
    (reflection,) = [s for s in _suggest(transcript, risk_scenario) if s.turn_id == "t3"]
    assert reflection.kind is SuggestionKind.QUESTION_TO_REFLECTION
    assert reflection.better_response == (
        "It sounds like you've got a handgun in the house. Thank you for telling me that."
    )


def test_saved_medication_disclosed_by_the_scenario_gets_means_safety() -> None:
    # The Keisha scenario's shape: the client's words name nothing the lexicon reads as means.
    meta = scenario(
        has_suicide_risk=True,
        category="crisis_line",
        risk_profile=[
            {"kind": "desire", "label": "Thoughts of killing herself", "fact_ids": ["thoughts"]},
            {
                "kind": "capability",
                "label": "Saved-up prescription medication at home.",
                "fact_ids": ["medication_saved"],
                "item_id": "capability.access_to_means",
            },
        ],
    )
    transcript = transcript_from_dicts(
        [
            trainee(1, "t1", "Are you thinking about killing yourself? Do you have a plan?", "question", "closed"),
            client(2, "c2", "I've been putting some of my prescription aside. In the cabinet."),
            trainee(3, "t3", "How long has it felt this way?", "question", "open"),
            client(4, "c4", "All week."),
        ],
        disclosures=[{"fact_id": "medication_saved", "turn_id": "c2"}],
    )
    (means,) = [s for s in _suggest(transcript, meta) if s.kind is SuggestionKind.MEANS_SAFETY]
    assert means.turn_id == "t3"
    assert means.better_response.startswith("Thank you for telling me about the medication.")


def test_the_direct_question_template_leads_only_with_something_painful() -> None:
    meta = scenario(has_suicide_risk=True)

    def rewrite(client_text: str) -> str:
        transcript = transcript_from_dicts(
            [
                client(0, "c0", client_text),
                trainee(1, "t1", "You're not thinking of doing anything stupid, are you?", "question", "closed"),
            ]
        )
        return _suggest(transcript, meta)[0].better_response

    assert rewrite("I can't sleep and I'm so tired of all of it.").startswith(
        "It sounds like you can't sleep and you're so tired of all of it. Sometimes when people feel this way"
    )
    # Seen in a demo: "It sounds like you just had a glass of wine tonight. Sometimes when people feel this way..."
    assert rewrite("I just had a glass of wine tonight.").startswith("Sometimes when people feel this way")


def test_a_ruler_question_is_not_rewritten_as_an_open_one() -> None:
    transcript = transcript_from_dicts(
        [
            client(0, "c0", "I smoke, I know it's bad, I don't need a pamphlet."),
            trainee(1, "t1", "On a scale from 1 to 10, how ready are you to cut down?", "question", "closed"),
            client(2, "c2", "Maybe a 3."),
            trainee(3, "t3", "Do you smoke every day?", "question", "closed"),
            client(4, "c4", "Yeah."),
        ]
    )
    kinds = {s.turn_id: s.kind for s in _suggest(transcript, scenario(behaviour_change_goal=True))}
    assert "t1" not in kinds and kinds["t3"] is SuggestionKind.CLOSED_TO_OPEN


def test_a_lecture_about_harm_is_rewritten_as_elicit_first() -> None:
    # Seen in a demo: the generic "[then your idea, briefly]" template for a lecture.
    transcript = transcript_from_dicts(
        [
            client(0, "c0", "Look, my doctor made me come. I smoke, I don't need a pamphlet."),
            trainee(1, "t1", "You know smoking is really bad for you, right?", "persuade", confidence=0.06),
            client(2, "c2", "Yeah, yeah."),
        ]
    )
    (suggestion,) = [s for s in _suggest(transcript, scenario(behaviour_change_goal=True)) if s.turn_id == "t1"]
    assert suggestion.kind is SuggestionKind.ASK_PERMISSION
    assert suggestion.better_response.startswith("What do you already know about how smoking affects your health?")


def test_premature_reassurance_is_rewritten_as_a_reflection_whatever_its_confidence() -> None:
    transcript = transcript_from_dicts(
        [
            client(0, "c0", "I keep going over the route I picked. Two of my guys got hurt on it."),
            trainee(1, "t1", "It wasn't your fault, you know. You did your best.", "other", "", 0.12),
            client(2, "c2", "Hm. Yeah."),
            trainee(3, "t3", "Okay.", "other", "", 0.12),
            client(4, "c4", "I don't know."),
        ]
    )
    (suggestion,) = [s for s in _suggest(transcript) if s.turn_id == "t1"]
    assert suggestion.kind is SuggestionKind.REASSURANCE_TO_REFLECTION
    assert (
        suggestion.better_response == "It sounds like two of your guys got hurt on it, and that's been weighing on you."
    )
    # A plain "other" turn below the confidence gate is not quoted.
    assert all(s.turn_id != "t3" for s in _suggest(transcript))


def test_advice_keeps_its_content_and_drops_the_pressure() -> None:
    # Seen in a demo: "You could really go to the reunion, ...".
    transcript = transcript_from_dicts(
        [
            client(0, "c0", "I don't go to the reunions."),
            trainee(
                1, "t1", "You should really go to the reunion, your guys would want to see you.", "persuade", "", 0.09
            ),
            client(2, "c2", "I don't know."),
        ]
    )
    (advice,) = [s for s in _suggest(transcript) if s.turn_id == "t1"]
    assert "You could go to the reunion, your guys would want to see you." in advice.better_response


def test_means_the_scenario_marks_absent_get_no_means_safety() -> None:
    # Seen in a Jordan demo: "No firearms at home and little medication." (present: false in
    # the scenario) got "Thank you for telling me about the medication. ... locking it up".
    meta = scenario(
        has_suicide_risk=True,
        category="crisis_line",
        risk_profile=[
            {
                "kind": "capability",
                "label": "No firearms at home and little medication.",
                "fact_ids": ["no_means"],
                "item_id": "capability.access_to_means",
                "absent": True,
            },
        ],
    )
    transcript = transcript_from_dicts(
        [
            trainee(1, "t1", "Is there anything at home you could use to hurt yourself?", "question", "closed"),
            client(2, "c2", "No, nothing like that. Just some ibuprofen."),
            trainee(3, "t3", "Have you been drinking tonight?", "question", "closed"),
            client(4, "c4", "A bit more than usual."),
        ],
        disclosures=[{"fact_id": "no_means", "turn_id": "c2"}],
    )
    assert all(s.kind is not SuggestionKind.MEANS_SAFETY for s in _suggest(transcript, meta))
