"""The grading service's adapter over the shared coder (the real committed model)."""

from __future__ import annotations

from practicum_coder import CoderInput, load_coder
from practicum_grading.adapters.coder import CoderAdapter

EARLIER = [
    ("The guidelines say no more than fourteen units a week.", "How much is too much?"),
    ("That is about six pints of ordinary beer.", "Oh. Less than I thought."),
]
TURN = ("And some people find that alcohol free days help.", "Mm.")


def test_a_turn_with_earlier_turns_is_coded_as_the_last_turn_of_its_conversation() -> None:
    coder = load_coder()
    adapter = CoderAdapter(coder)
    got = adapter.code_utterance(TURN[0], "trainee", TURN[1], EARLIER)
    items = [CoderInput(t, "trainee", p, conversation="x") for t, p in [*EARLIER, TURN]]
    expected = coder.code_batch(items)[-1]
    assert (got.code, got.subcode, got.confidence) == (expected.code, expected.subcode, expected.confidence)
    # The sequence step moved its probabilities: coded alone, the same turn differs.
    alone = coder.code(TURN[0], "trainee", TURN[1])
    assert alone.confidence != expected.confidence


def test_a_first_turn_is_coded_alone() -> None:
    coder = load_coder()
    got = CoderAdapter(coder).code_utterance(TURN[0], "trainee", TURN[1])
    alone = coder.code(TURN[0], "trainee", TURN[1])
    assert (got.code, got.subcode, got.confidence) == (alone.code, alone.subcode, alone.confidence)


def test_a_long_session_is_coded_as_the_coder_codes_a_turn_after_earlier_ones() -> None:
    coder = load_coder()
    many = [("Okay.", "Mm.")] * 20 + EARLIER
    got = CoderAdapter(coder).code_utterance(TURN[0], "trainee", TURN[1], many)
    items = [CoderInput(t, "trainee", p, conversation="x") for t, p in [*many, TURN]]
    expected = coder.code_batch(items)[-1]
    assert (got.code, got.subcode, got.confidence) == (expected.code, expected.subcode, expected.confidence)


def test_a_client_turn_is_coded_alone_whatever_came_before() -> None:
    coder = load_coder()
    got = CoderAdapter(coder).code_utterance("I really want to quit.", "client", None, EARLIER)
    alone = coder.code("I really want to quit.", "client")
    assert (got.code, got.confidence) == (alone.code, alone.confidence)
