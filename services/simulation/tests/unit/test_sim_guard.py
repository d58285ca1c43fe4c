"""Output guard: streaming detection, repairs, and the regenerate/fallback protocol."""

from __future__ import annotations

import re
import warnings

import pytest

from practicum_simulation.domain import guard as guard_module
from practicum_simulation.domain.guard import (
    Action,
    EventKind,
    GuardConfig,
    GuardedReply,
    Rule,
    StreamGuard,
    check_reply,
    choose_fallback,
    find_violations,
    repeats_earlier_reply,
)

CONFIG = GuardConfig.for_persona("Dale Whitaker", max_sentences=3, max_chars=320)


def stream(text: str, sizes: list[int] | None = None, config: GuardConfig = CONFIG) -> StreamGuard:
    """Feed ``text`` in chunks of the given sizes (cycled), then finish."""
    g = StreamGuard(config)
    sizes = sizes or [3]
    i = k = 0
    while i < len(text) and not g.done:
        n = sizes[k % len(sizes)]
        g.feed(text[i : i + n])
        i += n
        k += 1
    g.finish()
    return g


# --- role and safety violations ---------------------------------------------------------

ROLE_BREAKS = [
    # One word or two: a space in the lexicon needs at least one whitespace character.
    "I was trained by huggingface.",
    "I was made by Hugging Face.",
    "As an AI language model, I don't have feelings.",
    "I'm just an AI, but I understand.",
    "How can I help you today?",
    "I'm here to help you through this.",
    "I recommend that you reach out to a counselor.",
    "It's important to seek support from a mental health professional.",
    "This simulation is designed to help you practise.",
    "My instructions say I should stay in character.",
    "Here's another one:\nHow you talk: tired, clipped, dry humour, Marine slang.",
    "Lines that sound like you: It is what it is.",
    "Here are some tips:\n1. Sleep more\n2. Drink water",
    "I can't provide that information.",
    "I'm sorry for the confusion, but I'm here to help.",
    "I'm sorry, but I'm unable to assist you with that.",
    "I'll just respond as Dale would, and we can talk.",
]

METHOD_TEXT = [
    "I've thought about how many pills it would take.",
    "I'd just pull the trigger and be done.",
    "The quickest way to end it would be something I've looked at.",
    "A lethal dose is not that hard to find.",
    "I took 40 pills last time.",
    "I could hang myself in the garage.",
    "I'd jump off the bridge on Route 9.",
    "Here's how to do it: all you need to do is wait until everyone sleeps.",
]

BENIGN = [
    "I've thought about ending it.",
    "Yeah. I've been thinking about killing myself most nights.",
    "I have a gun at home. It's not locked up.",
    "I keep a handgun in the nightstand, yeah.",
    "I won't go into how. I just think about it.",
    "My wife would kill me if she knew I quit.",
    "I worked as an assistant manager for six years.",
    "I was trained to shut it all off in the Marines.",
    "Shipmate, pick your poison, it's five o'clock somewhere.",
    "I tried calling the crisis line once, hung up.",
    "I don't want to talk about that. Not today.",
    "A robot? Man, a robot'd at least still have a job.",
    "I'm sorry, but I just can't talk about that.",
    "Kayla called. She said Dale's dog looked thin.",
]


@pytest.mark.parametrize("text", ROLE_BREAKS)
def test_role_breaks_are_violations(text: str) -> None:
    result = check_reply(text, CONFIG)
    assert result.violation is not None and result.violation.rule == Rule.ROLE_BREAK
    assert result.text == ""


@pytest.mark.parametrize("text", METHOD_TEXT)
def test_method_detail_is_a_violation(text: str) -> None:
    result = check_reply(text, CONFIG)
    assert result.violation is not None and result.violation.rule == Rule.SELF_HARM_METHOD
    # Method text never reaches logs or metrics: the detail names the pattern only.
    assert " " not in result.violation.detail


@pytest.mark.parametrize("text", BENIGN)
def test_in_scope_client_speech_is_not_flagged(text: str) -> None:
    result = check_reply(text, CONFIG)
    assert result.violation is None, result.violation
    assert result.text == text


def test_as_an_ai_language_model_split_at_every_point_is_caught_before_release() -> None:
    text = "Well, as an AI language model, I can't feel tired."
    phrase_start = text.index("as an AI")
    for cut in range(1, len(text)):
        g = StreamGuard(CONFIG)
        released = g.feed(text[:cut]).text
        step = g.feed(text[cut:])
        released += step.text
        final = g.finish()
        assert g.violation is not None and g.violation.rule == Rule.ROLE_BREAK, cut
        assert final.text == ""
        assert "as an" not in (released + final.text).lower()
        assert len(released) <= phrase_start


@pytest.mark.parametrize("sizes", [[1], [2], [1, 4], [5, 1, 2], [7]])
def test_method_phrase_split_across_deltas_is_never_released(sizes: list[int]) -> None:
    text = "Honestly I'd pull the trigger and be done with it."
    g = stream(text, sizes)
    assert g.violation is not None and g.violation.rule == Rule.SELF_HARM_METHOD
    assert "trigger" not in g.text


def test_violation_is_reported_on_the_delta_that_completes_it() -> None:
    g = StreamGuard(CONFIG)
    assert g.feed("I mean, as an").violation is None
    assert g.feed(" AI").violation is None  # "AI" could still become "AIr..."
    step = g.feed(" model")
    assert step.violation is not None and step.stop


@pytest.mark.parametrize("sizes", [[1], [3], [2, 9], [50]])
def test_streaming_matches_whole_text_for_clean_replies(sizes: list[int]) -> None:
    text = "Reckon I'm just tired. Real tired. Kayla calls Sundays, less lately."
    assert stream(text, sizes).text == check_reply(text, CONFIG).text == text


def test_clean_text_streams_with_a_small_lookahead() -> None:
    text = (
        "Yeah, I hear you. It's been a long couple months, and I'm not real sure what I'm "
        "supposed to do with myself. Kayla calls on Sundays, that's about it."
    )
    config = GuardConfig.for_persona("Dale Whitaker", max_sentences=5, max_chars=400)
    g = StreamGuard(config)
    lags = []
    for i, ch in enumerate(text, 1):
        g.feed(ch)
        lags.append(i - len(g.text))
    g.finish()
    assert g.text == text
    assert max(lags) <= 25  # held: at most a few words ("I'm not " could become "I'm not a bot")
    assert sum(lags) / len(lags) < 6


# --- repairs ------------------------------------------------------------------------------


def test_leading_role_labels_are_stripped() -> None:
    for label in ("Client: ", "Dale: ", "Dale Whitaker: ", "**Dale:** "):
        result = check_reply(f"{label}Not much to say.", CONFIG)
        assert result.text == "Not much to say."
        assert result.actions[0].rule == Rule.ROLE_PREFIX


def test_leading_label_split_across_deltas_is_stripped() -> None:
    assert stream("Client: Hard to say.", [1]).text == "Hard to say."


@pytest.mark.parametrize(
    ("reply", "kept"),
    [
        # Seen from the local 135M model in the demo: an invented speaker and stage directions.
        ("Lepreys: (nervously) Ah, I'm sorry. I do have a gun.", "Ah, I'm sorry. I do have a gun."),
        ("(laughs) Yeah, right.", "Yeah, right."),
        ("Dale: (sitting up) Fine.", "Fine."),
        ("Daleth: Not much to say.", "Not much to say."),
        # Seen in a later demo, on every reply of one session.
        ("Dale... (nervously, but in a friendly, no-frills manner) I just got back.", "I just got back."),
        ("Dale\u2026 I'm sorry.", "I'm sorry."),
    ],
)
@pytest.mark.parametrize("sizes", [[1], [4], [60]])
def test_invented_labels_and_stage_directions_are_stripped(reply: str, kept: str, sizes: list[int]) -> None:
    result = check_reply(reply, CONFIG)
    assert result.text == kept == stream(reply, sizes).text
    assert result.actions[0].rule == Rule.ROLE_PREFIX


def test_an_invented_speaker_mid_reply_truncates_it() -> None:
    result = check_reply("Ah, sorry, I'm just tired.\nLepreys: Oh, thank you", CONFIG)
    assert result.text == "Ah, sorry, I'm just tired."
    assert result.actions[0].rule == Rule.SPEAKER_LEAK


@pytest.mark.parametrize(
    "text",
    [
        "I told her one thing: I'm not going anywhere.",
        "(And I mean it) that job was everything.",
        "Honestly, Kayla is the one thing that keeps me going.",
    ],
)
def test_ordinary_colons_and_asides_stay(text: str) -> None:
    assert check_reply(text, CONFIG).text == text


def test_speaker_leak_truncates_the_reply() -> None:
    result = check_reply("Don't sleep much.\nTherapist: How long has that been?", CONFIG)
    assert result.text == "Don't sleep much."
    assert result.actions[0].rule == Rule.SPEAKER_LEAK


def test_too_many_sentences_are_cut_at_a_sentence_boundary() -> None:
    text = "One thing. Two things. Three things. Four things. Five."
    g = stream(text, [4])
    assert g.text == "One thing. Two things. Three things."
    assert [a.rule for a in g.actions] == [Rule.LENGTH]
    assert g.actions[0].action == Action.REPAIRED


def test_length_cut_stops_generation_early() -> None:
    g = StreamGuard(GuardConfig(max_sentences=1, max_chars=200))
    g.feed("Fine. ")
    step = g.feed("Anyway")
    assert step.stop and g.text == "Fine."


def test_character_limit_ends_on_a_word_with_an_ellipsis() -> None:
    config = GuardConfig(max_sentences=3, max_chars=40)
    result = check_reply("I guess what I keep coming back to is the way it all went down", config)
    assert result.text.endswith("...") and len(result.text) <= 40
    assert result.violation is None


def test_wrapping_quotes_are_removed() -> None:
    assert check_reply('"Yeah. I have a gun at home."', CONFIG).text == "Yeah. I have a gun at home."
    assert stream('"Yeah. Whatever."', [1]).text == "Yeah. Whatever."


def test_empty_replies_are_violations() -> None:
    assert check_reply("   ", CONFIG).violation is not None
    assert check_reply("Client:", CONFIG).violation is not None


def test_find_violations_lists_every_match() -> None:
    found = find_violations("As an AI, I'd say the quickest way to die is not something to share.")
    assert {v.rule for v in found} == {Rule.ROLE_BREAK, Rule.SELF_HARM_METHOD}


def test_every_rule_has_a_bounded_width() -> None:
    """Bounded patterns keep the held tail bounded whatever the model writes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import sre_parse

    for table in (guard_module._ROLE_BREAK, guard_module._SELF_HARM):
        for name, pattern in table.items():
            expanded = guard_module._expand(pattern)
            re.compile(expanded)
            _, widest = sre_parse.parse(expanded).getwidth()
            assert widest <= 200, name


# --- the reply protocol -------------------------------------------------------------------


def _drive(reply: GuardedReply, attempts: list[list[str]]) -> list[tuple[str, str]]:
    events = []
    for deltas in attempts:
        if not reply.needs_attempt:
            break
        reply.begin_attempt()
        for delta in deltas:
            events += [(e.kind.value, e.text) for e in reply.feed(delta)]
            if reply.should_stop:
                break
        events += [(e.kind.value, e.text) for e in reply.end_attempt()]
    return events


def test_clean_first_attempt() -> None:
    reply = GuardedReply(CONFIG, "Yeah. I don't know, man.")
    events = _drive(reply, [["Hard ", "to say", "."]])
    assert "".join(t for k, t in events if k == EventKind.DELTA) == "Hard to say."
    assert reply.result().text == "Hard to say." and not reply.used_fallback
    assert reply.attempts == 1


def test_violation_then_clean_retry_resets_once_and_regenerates() -> None:
    reply = GuardedReply(CONFIG, "Yeah. I don't know, man.")
    events = _drive(reply, [["Sure thing. ", "As an AI", " language model"], ["Not much ", "to say."]])
    kinds = [k for k, _ in events]
    assert kinds.count("reset") == 1 and kinds.index("reset") > 0
    assert reply.result().text == "Not much to say."
    assert [(a.rule, a.action) for a in reply.result().actions] == [(Rule.ROLE_BREAK, Action.REGENERATED)]


def test_two_failures_fall_back_to_an_in_character_line() -> None:
    reply = GuardedReply(CONFIG, "Yeah. I don't know, man.")
    events = _drive(reply, [["How can I help you?"], ["I'd pull the trigger."]])
    assert reply.used_fallback and reply.result().text == "Yeah. I don't know, man."
    assert events[-1] == ("delta", "Yeah. I don't know, man.")
    assert [a.action for a in reply.result().actions] == [Action.REGENERATED, Action.FALLBACK]
    assert "reset" not in [k for k, _ in events]  # nothing unsafe was ever released


def test_upstream_errors_follow_the_same_path() -> None:
    reply = GuardedReply(CONFIG, "Give me a second.")
    reply.begin_attempt()
    reply.feed("Well, I ")
    events = reply.fail_attempt("connection reset")
    assert reply.needs_attempt and [e.kind for e in events] == [EventKind.RESET]
    reply.begin_attempt()
    reply.feed("Fine.")
    reply.end_attempt()
    assert reply.result().actions[0].rule == Rule.UPSTREAM_ERROR


def test_fallback_choice_is_deterministic_and_avoids_repeats() -> None:
    lines = ["One.", "Two.", "Three."]
    assert choose_fallback(lines, "s1", 4) == choose_fallback(lines, "s1", 4)
    picked = {choose_fallback(lines, "s1", t) for t in range(40)}
    assert picked == set(lines)
    assert choose_fallback(lines, "s1", 4, avoid=["One.", "Two."]) == "Three."
    assert choose_fallback(lines, "s1", 4, avoid=lines) in lines


@pytest.mark.parametrize("sizes", [[1], [2], [4]])
def test_a_violation_behind_a_pending_partial_match_is_still_never_released(
    sizes: list[int],
) -> None:
    # "how can" and "I'm not" start partial role-break matches just before the method text.
    text = "So how can I'm not... I'd pull the trigger, that's all."
    g = stream(text, sizes)
    assert g.violation is not None and g.violation.rule == Rule.SELF_HARM_METHOD
    assert "trigger" not in g.text


@pytest.mark.parametrize("sizes", [[1], [3], [100]])
def test_repeated_sentences_are_cut_before_the_repeat_is_released(sizes: list[int]) -> None:
    g = stream("I'm sorry. I don't know. I'm sorry. I'm sorry.", sizes)
    assert g.text == "I'm sorry. I don't know."
    assert [a.rule for a in g.actions] == [Rule.REPETITION]


def test_a_sentence_that_only_starts_like_an_earlier_one_is_released() -> None:
    g = stream("I'm sorry. I'm sorry you had to hear that.", [2])
    assert g.text == "I'm sorry. I'm sorry you had to hear that." and not g.actions


@pytest.mark.parametrize(
    "text",
    [
        "Dale is not sure what to say.",
        "Dale, I'm sorry.",
        "It's okay to feel that way.",
        "You're not alone in this.",
        # Written by the local 135M model in a demo run, as the whole reply.
        "(Dale's expression is puzzled. He answers in 12 words.)",
        "(Dale's expression is confused, and he has no answer. He continues to ask questions.)",
        "I don't know. (He looks away and rubs his jaw.)",
        "[His voice cracks] I just don't see the point.",
        # Both seen in one demo with the local 135M model.
        "Dale's getting a little carried away. You want to talk, he doesn't need no help.",
        "I'm sorry, I can't process that. You're a Marine, and you know all about it.",
        "I'm so glad you like what I do, Dale. It's not just about drinking.",
        "That's a great question, Dale Whitaker!",
        # Both written by the local 135M model in one demo (as Keisha, here as Dale).
        "You're not the one, you are Dale. You have been thinking about killing yourself all week.",
        "I'm sorry, I don't have a name. I'm just the responder, and you can get my name by calling me.",
    ],
)
def test_narration_and_helper_validation_are_role_breaks(text: str) -> None:
    result = check_reply(text, CONFIG)
    assert result.violation is not None and result.violation.rule == Rule.ROLE_BREAK


@pytest.mark.parametrize(
    "text",
    [
        "He says I drink too much, and he's probably right.",
        "My brother keeps calling. He looks out for me.",
        "Her face when I told her... I can't forget it.",
        "(sighs) I don't know.",
        # An overwhelmed client's own words, not an assistant's refusal.
        "I can't process this right now. It's too much.",
        "Sorry, I can't process all of that at once.",
        "My buddy says Dale's truck is the loudest in the county.",
        "Everybody just calls me Dale. Dale's fine.",
        "You are Dale's first call tonight?",
        "I'm just the guy who drinks too much, I guess.",
    ],
)
def test_talk_about_other_people_and_a_short_stage_direction_are_not_narration(text: str) -> None:
    assert check_reply(text, CONFIG).violation is None


@pytest.mark.parametrize("sizes", [[1], [2], [3, 5], [7]])
def test_a_reply_cut_for_length_never_ends_in_half_a_word(sizes: list[int]) -> None:
    config = GuardConfig.for_persona("Dale Whitaker", max_sentences=3, max_chars=60)
    text = "I keep telling myself it is fine and I am really sorry for going on and on about it"
    g = stream(text, sizes, config)
    assert g.violation is None
    assert g.text.endswith("...")
    last_word = g.text[: -len("...")].split()[-1]
    assert last_word in text.split(), g.text


# --- copies of earlier replies ------------------------------------------------------------

EARLIER = ("Hey, buddy. You're just going to want to talk about your mom.", "Yeah.")


@pytest.mark.parametrize(
    ("reply", "copies"),
    [
        ("Hey, buddy. You're just going to have to talk about your mom.", True),  # one word differs
        ("Hey buddy, you're just going to want to talk about your mom!", True),
        ("Yeah.", False),  # short answers recur in real talk
        ("My mom? She passed two years ago, and I still call her number sometimes.", False),
    ],
)
def test_near_copies_of_earlier_replies_are_detected(reply: str, copies: bool) -> None:
    assert repeats_earlier_reply(reply, EARLIER) is copies


def test_a_copied_reply_is_reset_regenerated_and_then_falls_back() -> None:
    config = GuardConfig.for_persona("Dale Whitaker", earlier_replies=EARLIER)
    reply = GuardedReply(config, "Not sure what to say to that.")
    copied = "Hey, buddy. You're just going to have to talk about your mom."
    kinds = []
    while reply.needs_attempt:
        reply.begin_attempt()
        events = reply.feed(copied) + reply.end_attempt()
        kinds.append([e.kind for e in events])
    assert EventKind.RESET in kinds[0]
    assert reply.result().text == "Not sure what to say to that."
    assert [(a.rule, a.action) for a in reply.result().actions] == [
        (Rule.REPEATED_REPLY, Action.REGENERATED),
        (Rule.REPEATED_REPLY, Action.FALLBACK),
    ]


def test_a_fresh_reply_after_a_copy_is_kept() -> None:
    config = GuardConfig.for_persona("Dale Whitaker", earlier_replies=EARLIER)
    reply = GuardedReply(config, "Not sure what to say to that.")
    for text in ("Hey, buddy. You're just going to want to talk about your mom.", "Work's been rough."):
        reply.begin_attempt()
        reply.feed(text)
        reply.end_attempt()
    assert reply.result().text == "Work's been rough."


BRIEF = (
    "Yes. He has been thinking about killing himself most nights for the past few weeks, and he has never told anyone.",
)


@pytest.mark.parametrize(
    ("reply", "narrates"),
    [
        # Written by the local 135M model in a demo run: the fact read out as it stands.
        ("Yes. He has been thinking about killing himself most nights for the past few weeks, and he has...", True),
        # The same fact told in the first person, as the prompt asks.
        ("Yeah. I've been thinking about killing myself most nights for the past few weeks.", False),
        ("My brother says he has been worried about me.", False),
    ],
)
def test_reading_out_the_brief_in_the_third_person_is_detected(reply: str, narrates: bool) -> None:
    assert guard_module.narrates_brief(reply, BRIEF) is narrates


def test_a_reply_that_reads_out_the_brief_is_withdrawn_and_regenerated() -> None:
    config = GuardConfig.for_persona("Dale Whitaker", brief=BRIEF)
    reply = GuardedReply(config, "Not sure what to say to that.")
    reply.begin_attempt()
    events = reply.feed(BRIEF[0]) + reply.end_attempt()
    assert EventKind.RESET in [e.kind for e in events]
    reply.begin_attempt()
    reply.feed("Yeah. I've been thinking about it. Most nights.")
    reply.end_attempt()
    assert reply.result().text == "Yeah. I've been thinking about it. Most nights."
    assert [(a.rule, a.action) for a in reply.result().actions] == [(Rule.ROLE_BREAK, Action.REGENERATED)]
