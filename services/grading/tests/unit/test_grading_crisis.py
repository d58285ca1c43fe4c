from __future__ import annotations

import pytest

from practicum_grading.domain.crisis import (
    AskStyle,
    assess_crisis_skills,
    classify_suicide_ask,
    discusses_safe_storage,
    named_firearm,
    risk_assessment_topic,
    risk_item_means,
)
from practicum_grading.domain.errors import InvalidTranscript
from practicum_grading.domain.model import (
    RiskItem,
    RiskKind,
    ScenarioMeta,
    Transcript,
    scenario_from_dict,
    transcript_from_dicts,
)

from .grading_builders import client, scenario, trainee


@pytest.mark.parametrize(
    ("text", "styles"),
    [
        ("Are you thinking about killing yourself?", {AskStyle.DIRECT}),
        ("Are you thinking of suicide?", {AskStyle.DIRECT}),
        ("I'm wondering if you've had thoughts of ending your life.", {AskStyle.DIRECT}),
        ("I don't want to assume, but are you thinking about suicide?", {AskStyle.DIRECT}),
        (
            "Sometimes when people hurt this much they think about suicide. Is that something you've thought about?",
            {AskStyle.DIRECT},
        ),
        # A negation far from the question does not turn it into one that expects "no".
        ("I'm not going to judge you if you've ever thought about suicide. Have you?", {AskStyle.DIRECT}),
        ("You're not thinking of hurting yourself, are you?", {AskStyle.INVITES_NO}),
        ("You're not suicidal, right?", {AskStyle.INVITES_NO}),
        ("You wouldn\u2019t do anything stupid, would you?", {AskStyle.INVITES_NO}),
        ("You don't have any thoughts of killing yourself, do you?", {AskStyle.INVITES_NO}),
        ("Have you thought about hurting yourself?", {AskStyle.VAGUE}),
        # Typed in chat shorthand: the lexicons see the spelled-out words.
        ("are u thinking about killing urself", {AskStyle.DIRECT}),
        ("ur not thinking of hurting urself are u?", {AskStyle.INVITES_NO}),
    ],
)
def test_classifies_how_suicide_was_asked(text: str, styles: set[AskStyle]) -> None:
    ask = classify_suicide_ask(text)
    assert ask is not None and ask.styles == styles


@pytest.mark.parametrize(
    "text",
    [
        "You can call the Suicide and Crisis Lifeline at 988.",
        "Have you heard of the Suicide and Crisis Lifeline?",
        "How was your week?",
        "Suicide rates among veterans are high.",
    ],
)
def test_mentions_that_are_not_questions_are_not_asks(text: str) -> None:
    assert classify_suicide_ask(text) is None


def test_positive_risk_transcript(risk_transcript: Transcript, risk_scenario: ScenarioMeta) -> None:
    checklist = assess_crisis_skills(risk_transcript, risk_scenario)

    signs = checklist.item("warning_signs")
    assert signs.met and signs.observation
    first = checklist.first_warning
    assert first is not None and (first.turn_id, first.index) == ("c2", 2)
    categories = {s.category for s in checklist.warning_signs if s.turn_id == "c2"}
    assert {"hopelessness", "more drinking", "withdrawal"} <= categories

    asked = checklist.item("asked_directly")
    assert asked.met and asked.evidence_turn_ids == ("t4",)
    assert checklist.direct_ask is not None
    assert checklist.direct_ask.turn_id == "t4"
    assert checklist.direct_ask.turns_after_first_warning == 2
    assert checklist.direct_ask.trainee_replies_before_ask == 1
    assert not checklist.direct_ask.late
    assert checklist.invites_no_turn_ids == ()

    means = checklist.item("explored_means")
    assert means.met and "t8" in means.evidence_turn_ids
    assert "Safe storage" in means.note

    resources = checklist.item("connected_to_resources")
    assert resources.met and resources.evidence_turn_ids == ("t12",)
    assert "call 988 then press 1 yes" in resources.note and "text 838255 yes" in resources.note
    assert "Offered to connect now" in resources.note

    validated = checklist.item("validated")
    assert validated.met and {"t3", "t6"} <= set(validated.evidence_turn_ids)
    assert checklist.item("explored_buffers").met
    assert not checklist.item("explored_intent").met
    assert any("plan" in point for point in checklist.coaching_points)
    assert not any("Ask directly" in point for point in checklist.coaching_points)


def test_risk_profile_items_show_what_the_trainee_uncovered(
    risk_transcript: Transcript, risk_scenario: ScenarioMeta
) -> None:
    checklist = assess_crisis_skills(risk_transcript, risk_scenario)
    pistol = checklist.item("risk_profile:capability:pistol_nightstand")
    # The trainee turn that drew it out, then the client turn that disclosed it.
    assert pistol.met and pistol.evidence_turn_ids == ("t6", "c7")
    assert "pistol_nightstand" in pistol.note
    burden = checklist.item("risk_profile:desire:burden")
    assert burden.met and burden.evidence_turn_ids == ("t4", "c5")
    date = checklist.item("risk_profile:intent:picked_date")
    assert not date.met and date.evidence_turn_ids == ()


def test_never_asked(never_asked_transcript: Transcript, risk_scenario: ScenarioMeta) -> None:
    checklist = assess_crisis_skills(never_asked_transcript, risk_scenario)
    assert checklist.item("warning_signs").met
    asked = checklist.item("asked_directly")
    assert not asked.met and asked.evidence_turn_ids == ()
    assert checklist.direct_ask is None
    assert any("Ask directly" in point for point in checklist.coaching_points)
    assert not checklist.item("connected_to_resources").met
    assert not checklist.item("explored_means").met
    assert any("988" in point for point in checklist.coaching_points)


def test_asked_in_a_way_that_invites_no(invites_no_transcript: Transcript, risk_scenario: ScenarioMeta) -> None:
    checklist = assess_crisis_skills(invites_no_transcript, risk_scenario)
    asked = checklist.item("asked_directly")
    assert not asked.met
    assert asked.evidence_turn_ids == ("t3",)
    assert checklist.invites_no_turn_ids == ("t3",)
    assert "invites a 'no'" in asked.note
    assert any("expect a 'no'" in point for point in checklist.coaching_points)
    # A counselor at the VA is a resource, even if not a crisis line.
    resources = checklist.item("connected_to_resources")
    assert resources.met and "VA or Vet Center" in resources.note


def _late_transcript(replies_between: int, *, trailing: bool) -> Transcript:
    turns = [
        trainee(1, "t1", "What's going on?", "question", "open"),
        client(2, "c2", "I feel hopeless."),
    ]
    for n in range(replies_between):
        turns.append(trainee(3 + 2 * n, f"r{n}", "Tell me more.", "question", "open"))
        turns.append(client(4 + 2 * n, f"rc{n}", "It's a lot."))
    turns.append(trainee(50, "ask", "Are you thinking about suicide?", "question", "closed"))
    if trailing:
        turns += [client(51, "c51", "Yes."), trainee(52, "t52", "Thank you for telling me.", "affirm")]
    return transcript_from_dicts(turns)


@pytest.mark.parametrize(
    ("replies_between", "trailing", "late"),
    [
        (0, True, False),
        (2, True, False),
        (3, True, True),  # three replies before asking: late
        (2, False, True),  # asked only in the final turn: left to the end
        (1, False, False),  # a short session that ends on a prompt ask is not "late"
    ],
)
def test_late_asks_are_flagged(replies_between: int, trailing: bool, late: bool) -> None:
    checklist = assess_crisis_skills(
        _late_transcript(replies_between, trailing=trailing), scenario(has_suicide_risk=True)
    )
    assert checklist.direct_ask is not None
    assert checklist.direct_ask.late is late
    assert ("Asked late" in checklist.item("asked_directly").note) is late


def test_asked_before_any_warning_sign_is_not_late() -> None:
    transcript = transcript_from_dicts(
        [
            trainee(
                1,
                "t1",
                "Some people who call us think about suicide. Are you thinking about suicide?",
                "question",
                "closed",
            ),
            client(2, "c2", "No, I'm calling about my brother."),
        ]
    )
    checklist = assess_crisis_skills(transcript, scenario(has_suicide_risk=True))
    assert checklist.direct_ask is not None
    assert checklist.direct_ask.turns_after_first_warning is None and not checklist.direct_ask.late


def test_disclosed_risk_facts_count_as_warning_signs_when_the_lexicon_misses() -> None:
    meta = scenario(
        has_suicide_risk=True, risk_profile=[{"kind": "intent", "label": "Picked a date", "fact_ids": ["date"]}]
    )
    transcript = transcript_from_dicts(
        [trainee(1, "t1", "How are things?", "question", "open"), client(2, "c2", "I've picked the 14th.")],
        disclosures=[{"fact_id": "date", "turn_id": "c2"}],
    )
    checklist = assess_crisis_skills(transcript, meta)
    assert [(s.turn_id, s.source) for s in checklist.warning_signs] == [("c2", "risk_profile")]


def test_risk_items_the_scenario_marks_absent_are_no_warning_signs() -> None:
    # Seen in a demo: "Categories seen: ... intent: No preparatory behaviour., capability: No
    # firearms at home and little medication." listed as warning signs.
    meta = scenario(
        has_suicide_risk=True,
        risk_profile=[
            {"kind": "intent", "label": "No plan.", "fact_ids": ["no_plan"], "absent": True},
            {"kind": "capability", "label": "Drank more than usual tonight.", "fact_ids": ["drinking"]},
        ],
    )
    transcript = transcript_from_dicts(
        [
            trainee(1, "t1", "Have you made a plan?", "question", "closed"),
            client(2, "c2", "No, nothing like that."),
            trainee(3, "t3", "Have you been drinking tonight?", "question", "closed"),
            client(4, "c4", "A bit more than usual."),
        ],
        disclosures=[{"fact_id": "no_plan", "turn_id": "c2"}, {"fact_id": "drinking", "turn_id": "c4"}],
    )
    checklist = assess_crisis_skills(transcript, meta)
    assert [(s.turn_id, s.category) for s in checklist.warning_signs] == [
        ("c4", "capability: Drank more than usual tonight.")
    ]
    # Finding out there is no plan still counts as uncovering that part of the profile.
    assert checklist.item("risk_profile:intent:no_plan").met


def test_absent_must_be_a_boolean() -> None:
    with pytest.raises(InvalidTranscript) as raised:
        scenario_from_dict(
            {
                "category": "crisis_line",
                "behaviour_change_goal": False,
                "has_suicide_risk": True,
                "risk_profile": [{"kind": "intent", "label": "No plan.", "fact_ids": ["no_plan"], "absent": "no"}],
            }
        )
    assert raised.value.field == "risk_profile[0].absent"


@pytest.mark.parametrize(
    ("text", "firearm"),
    [
        ("I keep my pistol in the nightstand.", "pistol"),
        # Seen in a demo, after the output guard cut the reply for length.
        ("You're right, that's a very difficult question. You see, I've got a handgun in the house with...", "handgun"),
        ("Yeah. My guns are in the closet.", "guns"),
        ("I don't own a gun.", None),
        ("No guns in the house, my wife made sure of that.", None),
        ("I take my meds every day.", None),
        ("Nothing much, really.", None),
    ],
)
def test_named_firearm_reads_what_the_client_has(text: str, firearm: str | None) -> None:
    assert named_firearm(text) == firearm


@pytest.mark.parametrize(
    ("text", "storage", "topic"),
    [
        ("Could your brother hold onto it for a while?", True, "means"),
        ("Would you be willing to lock it in a gun safe?", True, "means"),
        ("Do you have a firearm or other means at home right now?", False, "means"),
        ("Do you have a plan for how you would do it?", False, "intent"),
        ("What has kept you going through these weeks?", False, None),
        ("Have you been drinking tonight?", False, "intoxication"),
        ("Have you ever tried to kill yourself before?", False, "attempt"),
        ("Do you have anything at home you could use to hurt yourself?", False, "means"),
        # "take" is left out of the hold pattern: this is about taking medication. Taking it
        # as prescribed is not access to means either (it used to count as "means"; the
        # evaluation set showed adherence questions credited as a means assessment).
        ("Keep taking the meds for now.", False, None),
        ("How many pills do you have at home?", False, "means"),
    ],
)
def test_risk_assessment_topic_and_safe_storage(text: str, storage: bool, topic: str | None) -> None:
    assert discusses_safe_storage(text) is storage
    assert risk_assessment_topic(text) == topic


@pytest.mark.parametrize(
    ("kind", "label", "item_id", "means"),
    [
        (RiskKind.CAPABILITY, "Handgun at home, not locked up.", "capability.access_to_means", "handgun"),
        (RiskKind.CAPABILITY, "Pistol in the nightstand", "", "pistol"),
        (RiskKind.CAPABILITY, "Saved-up prescription medication at home.", "capability.access_to_means", "medication"),
        # Medication named elsewhere is not the means the scenario wants made safe.
        (RiskKind.CAPABILITY, "Stopped taking his medication.", "capability.intoxication", None),
        (RiskKind.CAPABILITY, "Drinking heavily tonight.", "capability.intoxication", None),
        (RiskKind.INTENT, "Has been saving medication.", "intent.preparation", None),
    ],
)
def test_risk_item_means(kind: RiskKind, label: str, item_id: str, means: str | None) -> None:
    assert risk_item_means(RiskItem(kind, label, ("fact",), item_id)) == means


def test_a_means_question_in_euphemistic_words_is_not_a_vague_suicide_ask() -> None:
    # Seen in a demo right after a plain ask: it was coached as a euphemism, and the report's
    # first suggestion rewrote it into the suicide question the trainee had just asked.
    text = "Do you have anything at home you could use to hurt yourself?"
    assert classify_suicide_ask(text) is None
    assert risk_assessment_topic(text) == "means"
    assert classify_suicide_ask("Have you thought about hurting yourself?") is not None


def test_only_plain_asks_are_the_evidence_of_asking_directly(risk_scenario: ScenarioMeta) -> None:
    transcript = transcript_from_dicts(
        [
            client(0, "c0", "I don't see the point anymore."),
            trainee(1, "t1", "You're not thinking of doing anything stupid, are you?", "question", "closed"),
            client(2, "c2", "Maybe."),
            trainee(3, "t3", "Are you thinking about killing yourself?", "question", "closed"),
            client(4, "c4", "Yes."),
        ]
    )
    asked = assess_crisis_skills(transcript, risk_scenario).item("asked_directly")
    # The report lists these turns as a strength; the invites-no ask is named in the note.
    assert asked.met and asked.evidence_turn_ids == ("t3",)
    assert "invites a 'no' on turn 1" in asked.note
