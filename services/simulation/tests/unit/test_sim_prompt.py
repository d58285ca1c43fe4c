"""Prompt builder: cache-stable prefix, per-turn note, compactness, cache salt."""

from __future__ import annotations

import pytest

from practicum_simulation.domain.prompt import (
    PREFIX_TOKEN_BUDGET,
    LengthTarget,
    Speaker,
    Turn,
    build_messages,
    cache_salt,
    deflection_guidance,
    estimate_tokens,
    length_target,
    system_prefix,
    turn_guidance,
)
from practicum_simulation.domain.scenarios import ScenarioSpec, Verbosity
from practicum_simulation.domain.state import ClientState, StageOfChange

GUARDED = ClientState(trust=0.15, distress=0.8, resistance=0.8)
OPEN = ClientState(trust=0.85, distress=0.3, resistance=0.1)


def _history(spec: ScenarioSpec, n: int) -> list[Turn]:
    turns = [Turn(Speaker.CLIENT, spec.opening_line)]
    for i in range(n):
        turns += [Turn(Speaker.TRAINEE, f"question {i}?"), Turn(Speaker.CLIENT, f"answer {i}.")]
    return turns


def test_prefix_is_byte_identical_across_turns_states_and_sessions(dale: ScenarioSpec) -> None:
    prefixes = set()
    for n, state in enumerate([GUARDED, OPEN, GUARDED]):
        note = turn_guidance(dale, state, dale.hidden_facts[:n], LengthTarget(2, 30))
        messages = build_messages(dale, _history(dale, n), f"trainee says {n}", note)
        prefixes.add(messages[0]["content"])
        # the earlier conversation is an exact prefix of the later one
        assert messages[1] == {"role": "assistant", "content": dale.opening_line}
    assert len(prefixes) == 1


def test_history_is_append_only_between_turns(dale: ScenarioSpec) -> None:
    first = build_messages(dale, _history(dale, 1), "next?", "note A")
    second = build_messages(dale, _history(dale, 2), "later?", "note B")
    assert second[: len(first) - 1] == first[:-1]  # all but this turn's message and note


def test_per_turn_note_comes_last(dale: ScenarioSpec) -> None:
    note = turn_guidance(dale, OPEN, [dale.fact("firearm_at_home")], LengthTarget(1, 18))
    messages = build_messages(dale, _history(dale, 1), "Do you have a gun?", note, guidance_role="system")
    assert messages[-2] == {"role": "user", "content": "Do you have a gun?"}
    assert messages[-1]["role"] == "system" and "handgun" in messages[-1]["content"]
    folded = build_messages(dale, _history(dale, 1), "Do you have a gun?", note)
    assert folded[:-1] == messages[:-2]
    assert folded[-1] == {"role": "user", "content": f"Do you have a gun?\n\n{note}"}


def test_hidden_facts_never_reach_the_prefix(library: dict[str, ScenarioSpec]) -> None:
    for spec in library.values():
        prefix = system_prefix(spec)
        for fact in spec.hidden_facts:
            assert fact.fact not in prefix


def test_prefix_has_the_style_rules_and_fits_the_budget(library: dict[str, ScenarioSpec]) -> None:
    for spec in library.values():
        prefix = system_prefix(spec)
        assert estimate_tokens(prefix) < PREFIX_TOKEN_BUDGET, spec.id
        for rule in ("first person", "AI", "not the helper", "1 to 3 sentences"):
            assert rule in prefix, (spec.id, rule)
        assert "method" in prefix or "hurt yourself" in prefix


def test_length_follows_openness_and_verbosity() -> None:
    guarded = length_target(GUARDED, Verbosity.MODERATE)
    opened = length_target(OPEN, Verbosity.MODERATE)
    assert guarded.sentences == 1 and opened.sentences == 3
    assert guarded.max_words < opened.max_words
    assert length_target(OPEN, Verbosity.TERSE).sentences == 2
    assert length_target(OPEN, Verbosity.TALKATIVE).max_words > opened.max_words
    assert opened.max_tokens > opened.max_words


def test_note_describes_state_and_disclosures_in_words(dale: ScenarioSpec) -> None:
    note = turn_guidance(dale, GUARDED, [], LengthTarget(1, 18))
    assert note == (
        "(Dale is wary of this person, very upset and defensive. Dale answers in 1 short sentence, at most 18 words.)"
    )
    open_note = turn_guidance(dale, OPEN, [dale.fact("suicidal_thoughts")], LengthTarget(3, 45))
    assert "at ease with this person" in open_note and "Now Dale admits" in open_note
    assert dale.fact("suicidal_thoughts").fact in open_note


def test_mi_note_carries_the_stage(library: dict[str, ScenarioSpec]) -> None:
    sam = library["mi-drinking-ambivalence"]
    state = ClientState(0.6, 0.3, 0.2, StageOfChange.CONTEMPLATION)
    note = turn_guidance(sam, state, [], LengthTarget(2, 30))
    assert "two ways about the drinking" in note and "personal reason for changing" in note


def test_role_break_note_uses_the_persona_deflection(dale: ScenarioSpec) -> None:
    note = turn_guidance(dale, OPEN, [], LengthTarget(2, 30), role_break=True)
    assert deflection_guidance(dale) in note and "robot" in note


def test_cache_salt_is_keyed_and_stable() -> None:
    secret = b"0123456789abcdef-secret"
    a = cache_salt("org-a", secret)
    assert a == cache_salt("org-a", secret)
    assert a != cache_salt("org-b", secret)
    assert a != cache_salt("org-a", b"another-secret-of-16+")
    assert len(a) == 64 and "org-a" not in a
    with pytest.raises(ValueError, match="16 bytes"):
        cache_salt("org-a", b"short")
