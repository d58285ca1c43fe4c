"""Direct-question detection and the disclosure policy."""

from __future__ import annotations

import pytest

from practicum_simulation.domain.disclosure import decide
from practicum_simulation.domain.scenarios import ScenarioSpec
from practicum_simulation.domain.state import ClientState
from practicum_simulation.domain.topics import asks_directly, topics_asked

HIGH_TRUST = ClientState(trust=0.95, distress=0.3, resistance=0.1)
LOW_TRUST = ClientState(trust=0.2, distress=0.6, resistance=0.5)


@pytest.mark.parametrize(
    "text",
    [
        "Are you thinking of killing yourself?",
        "Have you had thoughts of suicide?",
        "I need to ask you something directly: are you thinking about ending your life?",
        "I'm wondering if you've been having thoughts of suicide.",
        "Sometimes when people feel this low they think about suicide. Have you had thoughts like that?",
        "Any thoughts of suicide lately?",
        "Do you ever think about taking your own life?",
        "are u thinking of hurting yourself",
    ],
)
def test_direct_suicide_questions_are_detected(text: str) -> None:
    assert asks_directly(text, ["suicide"])


@pytest.mark.parametrize(
    "text",
    [
        "Suicide is a big problem for veterans.",  # statement, not asked
        "You're not thinking about suicide, are you?",  # phrased to invite a no
        "You wouldn't do anything like killing yourself, right?",
        "Did your buddy die by suicide?",  # not about the listener
        "How has your week been?",
        "I lost a friend to suicide last year and it still hurts.",
    ],
)
def test_non_direct_or_leading_questions_do_not_count(text: str) -> None:
    assert not asks_directly(text, ["suicide"])


def test_firearm_questions_and_literal_keywords() -> None:
    assert asks_directly("Do you have any guns in the house?", ["firearm"])
    assert asks_directly("Is there anything at home you could use to hurt yourself?", ["lethal_means"])
    assert not asks_directly("My uncle collects rifles.", ["firearm"])
    assert asks_directly("Have you told Wade about any of this?", ["wade"])
    assert "sleep" in topics_asked("How have you been sleeping?")


def test_quoted_client_words_are_not_a_question() -> None:
    assert not asks_directly('You said "I might as well end it all." That stuck with me.', ["suicide"])


def test_firearm_fact_needs_a_direct_question_even_at_high_trust(dale: ScenarioSpec) -> None:
    chatty = "That sounds really heavy. What's been the hardest part of being home alone?"
    for turn in range(1, 15):
        decision = decide(dale, HIGH_TRUST, chatty, turn, max_passive=10)
        assert "firearm_at_home" not in decision.fact_ids
        assert "suicidal_thoughts" not in decision.fact_ids


def test_firearm_fact_is_disclosed_after_a_direct_question(dale: ScenarioSpec) -> None:
    decision = decide(dale, LOW_TRUST, "Do you have a gun at home?", 2)
    assert decision.fact_ids == ("firearm_at_home",)


def test_suicide_question_discloses_exactly_that_fact(dale: ScenarioSpec) -> None:
    decision = decide(dale, LOW_TRUST, "Are you thinking about killing yourself?", 3)
    assert decision.fact_ids == ("burden_feelings", "suicidal_thoughts")  # both asked for


def test_a_hostile_conversation_does_not_earn_the_disclosure(dale: ScenarioSpec) -> None:
    defensive = ClientState(trust=0.1, distress=0.8, resistance=0.95)
    decision = decide(dale, defensive, "Are you thinking about killing yourself?", 3)
    assert "suicidal_thoughts" not in decision.fact_ids


def test_chained_facts_wait_for_their_prerequisite(dale: ScenarioSpec) -> None:
    question = "Have you thought about a plan?"
    assert "plan_thoughts" not in decide(dale, HIGH_TRUST, question, 4).fact_ids
    told = HIGH_TRUST.with_disclosed(["suicidal_thoughts"])
    assert "plan_thoughts" in decide(dale, told, question, 4).fact_ids


def test_passive_disclosures_come_one_per_turn(dale: ScenarioSpec) -> None:
    text = "It makes sense you'd feel worn down after all that."
    first = decide(dale, HIGH_TRUST, text, 5)
    assert first.fact_ids == ("burden_feelings",)
    assert "drinking_more" in first.deferred and "brother_support" in first.deferred
    second = decide(dale, HIGH_TRUST.with_disclosed(first.fact_ids), text, 6)
    assert second.fact_ids == ("drinking_more",)


def test_disclosed_facts_are_never_offered_twice(dale: ScenarioSpec) -> None:
    told = LOW_TRUST.with_disclosed(["firearm_at_home"])
    assert decide(dale, told, "Do you have a gun at home?", 2).fact_ids == ()


def test_after_turn_counts_from_the_next_turn(library: dict[str, ScenarioSpec]) -> None:
    spec = library["veteran-transition-civilian-work"]  # feels_like_failure: trust>=.55, after 3
    state = ClientState(trust=0.56, distress=0.3, resistance=0.2).with_disclosed(["misses_team"])
    text = "That sounds frustrating."
    assert "feels_like_failure" not in decide(spec, state, text, 3, max_passive=5).fact_ids
    assert "feels_like_failure" in decide(spec, state, text, 4, max_passive=5).fact_ids
