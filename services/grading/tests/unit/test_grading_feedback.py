from __future__ import annotations

import re

import pytest

from practicum_grading.domain.feedback import transcript_feedback, turn_feedback
from practicum_grading.domain.model import SUBCODES, TraineeCode, Transcript, Turn, transcript_from_dicts

from .grading_builders import client, trainee

ALL_CODES = [(code, sub) for code in TraineeCode for sub in sorted(SUBCODES.get(code, frozenset({""})))]
# Words that judge the person rather than the move; feedback must coach, not grade.
UNKIND = re.compile(r"\b(wrong|bad|poor|terrible|failed|mistake|never do)\b", re.IGNORECASE)


def _turn(code: str, subcode: str = "", text: str = "Okay.", confidence: float = 0.9) -> Turn:
    return transcript_from_dicts([trainee(1, "t1", text, code, subcode, confidence)]).turns[0]


def _sentence_count(text: str) -> int:
    return len([s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z'])", text) if s.strip()])


@pytest.mark.parametrize(("code", "subcode"), ALL_CODES)
def test_every_code_gets_one_or_two_kind_sentences(code: TraineeCode, subcode: str) -> None:
    feedback = turn_feedback(_turn(code.value, subcode))
    assert feedback.turn_id == "t1" and feedback.topic == code.value
    assert 1 <= _sentence_count(feedback.text) <= 2, feedback.text
    assert not UNKIND.search(feedback.text)
    assert feedback == turn_feedback(_turn(code.value, subcode))  # deterministic


def test_messages_are_specific_to_the_code() -> None:
    assert turn_feedback(_turn("question", "open")).text.startswith("Open question")
    closed = turn_feedback(_turn("question", "closed")).text
    assert closed.startswith("Closed question") and "'What' or 'How'" in closed
    advice = turn_feedback(_turn("persuade")).text
    assert "Would it be OK if I shared something that's helped others?" in advice
    assert "reflecting" in turn_feedback(_turn("confront")).text
    texts = {turn_feedback(_turn(code.value, sub)).text for code, sub in ALL_CODES}
    assert len(texts) == len(ALL_CODES)


def test_unsure_codes_are_presented_tentatively() -> None:
    assert turn_feedback(_turn("affirm", confidence=0.4)).text.startswith("This looks like an affirmation")
    assert turn_feedback(_turn("question", "closed", confidence=0.4)).text.startswith("This looks like a closed")
    assert turn_feedback(_turn("giving_information", confidence=0.4)).text.startswith(
        "This looks like giving information —"
    )
    assert turn_feedback(_turn("persuade", confidence=0.4)).text.startswith("This looks like advice without")


def test_a_run_of_questions_gets_a_nudge_to_reflect() -> None:
    transcript = transcript_from_dicts(
        [
            trainee(1, "t1", "What happened?", "question", "open"),
            client(2, "c2", "Stuff."),
            trainee(3, "t3", "When?", "question", "open"),
            client(4, "c4", "Last week."),
            trainee(5, "t5", "Where were you?", "question", "closed"),
        ]
    )
    feedback = transcript_feedback(transcript)
    assert [f.turn_id for f in feedback] == ["t1", "t3", "t5"]
    assert "3 questions in a row" in feedback[2].text
    assert "in a row" not in feedback[1].text


def test_advice_after_sustain_talk_is_named() -> None:
    transcript = transcript_from_dicts(
        [
            client(0, "c0", "I don't think I need to cut back.", "sustain"),
            trainee(1, "t1", "You really should cut back.", "persuade"),
        ]
    )
    (feedback,) = transcript_feedback(transcript)
    assert "why change is hard" in feedback.text


@pytest.mark.parametrize(
    ("text", "topic", "phrase"),
    [
        ("Are you thinking about killing yourself?", "suicide_ask:direct", "asked directly"),
        ("You're not thinking of hurting yourself, are you?", "suicide_ask:invites_no", "expects a 'no'"),
        ("Have you thought about hurting yourself?", "suicide_ask:vague", "Name it"),
        ("Please call the Veterans Crisis Line: dial 988 then press 1.", "crisis_referral", "call or text together"),
        ("Can we call the crisis line together right now?", "crisis_referral", "offered to reach out together"),
    ],
)
def test_safety_moves_override_the_code(text: str, topic: str, phrase: str) -> None:
    feedback = turn_feedback(_turn("persuade", text=text))
    assert feedback.topic == topic and phrase in feedback.text


def test_transcript_feedback_only_covers_trainee_turns(risk_transcript: Transcript) -> None:
    feedback = transcript_feedback(risk_transcript)
    assert [f.turn_id for f in feedback] == [t.turn_id for t in risk_transcript.turns if t.is_trainee]


@pytest.mark.parametrize(
    ("text", "topic", "phrase"),
    [
        # Seen in a demo: the firearm question was told to become a 'What' or 'How' question.
        ("Do you have a firearm or other means at home right now?", "risk_assessment:means", "time and distance"),
        ("Do you have a plan for how you would do it?", "risk_assessment:intent", "how urgent"),
        # Seen in a demo: the drinking question got the message about firearms.
        ("Have you been drinking tonight?", "risk_assessment:intoxication", "drinking or using"),
        ("Have you made an attempt in the past?", "risk_assessment:attempt", "past attempts"),
    ],
)
def test_risk_assessment_questions_are_not_coached_into_open_questions(text: str, topic: str, phrase: str) -> None:
    turn = _turn("question", "closed", text=text)
    feedback = turn_feedback(turn, risk_scenario=True)
    assert feedback.topic == topic and phrase in feedback.text
    assert "'What' or 'How'" not in feedback.text
    assert 1 <= _sentence_count(feedback.text) <= 2 and not UNKIND.search(feedback.text)
    # Without suicide risk in the scenario, "plans" and "meds" are ordinary words.
    assert turn_feedback(turn).topic == "question"


def test_a_ruler_question_is_coached_on_its_follow_up() -> None:
    # Seen in a demo: "Could you ask it as a 'What' or 'How' question?" for an importance ruler.
    ruler = turn_feedback(
        _turn("question", "closed", text="On a scale of 0 to 10, how important is it for you to quit?")
    )
    assert ruler.topic == "ruler" and "Why a 4 and not a 2?" in ruler.text
    assert 1 <= _sentence_count(ruler.text) <= 2
    assert turn_feedback(_turn("question", "closed", text="Do you smoke every day?")).topic == "question"


def test_premature_reassurance_is_coached_as_reassurance() -> None:
    # A moral-injury demo: the coder calls it other (MITI has no code for reassurance), and
    # the generic "other" message said nothing about why it misses.
    transcript = transcript_from_dicts(
        [
            client(0, "c0", "I made the call on that route. Two of my guys got hurt."),
            trainee(1, "t1", "It wasn't your fault, you know. You did your best.", "other", "", 0.12),
            client(2, "c2", "I know it wasn't my fault. I did everything I could."),
            trainee(3, "t3", "It wasn't your fault. You did everything you could.", "other", "", 0.4),
        ]
    )
    first, second = transcript_feedback(transcript)
    assert first.topic == "reassurance" and "Reflect what they feel first" in first.text
    assert not UNKIND.search(first.text) and 1 <= _sentence_count(first.text) <= 2
    # Said back after the client absolved themselves, the same words reflect them.
    assert second.topic == "other"
    # Reassurance inside a reflection is the coder's business, not a relabelling here.
    assert turn_feedback(_turn("reflection", "simple", text="Don't worry, everything will be fine.")).topic == (
        "reflection"
    )
