"""Formative feedback on one trainee turn, shown right after the trainee replies.

The CARE trial found that practising without feedback lowered empathy, and ClientBot's
trial found real-time feedback raised reflections, so every coded turn gets a message:
one or two sentences, specific to what the turn did, phrased kindly, and deterministic
(the same turn in the same context always gets the same words).

Safety comes first: how the trainee asked about suicide outranks the code. When the
coder is unsure of the code, the message says "This looks like ..." rather than
asserting a label the trainee may rightly dispute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .crisis import AskStyle, classify_suicide_ask, mentions_crisis_line, offers_to_connect, risk_assessment_topic
from .model import TalkType, TraineeCode, Transcript, Turn
from .objectives import QUESTION_RUN, pushes_for_details
from .text import is_reassurance, is_ruler_question

# Below this confidence the label is presented as tentative.
TENTATIVE_BELOW = 0.6


@dataclass(frozen=True)
class TurnFeedback:
    turn_id: str
    text: str
    # What the message is about: a trainee code value, or "suicide_ask:<style>".
    topic: str


# (label, body) per code/subcode. The label names the behaviour; the body says why it
# matters and what to try next.
_MESSAGES: dict[tuple[TraineeCode, str], tuple[str, str]] = {
    (TraineeCode.QUESTION, "open"): (
        "open question",
        "it invites them to say more in their own words. Try following their answer with a reflection.",
    ),
    (TraineeCode.QUESTION, "closed"): (
        "closed question",
        "fine for a specific fact, but it tends to get a short answer. Could you ask it as a 'What' or 'How' question?",
    ),
    (TraineeCode.REFLECTION, "simple"): (
        "simple reflection",
        "it shows you heard them. To go further, add what you sense underneath: a feeling, or what matters to them.",
    ),
    (TraineeCode.REFLECTION, "complex"): (
        "complex reflection",
        "you named the meaning beneath their words, which helps people feel understood. Nice work.",
    ),
    (TraineeCode.GIVING_INFORMATION, ""): (
        "giving information",
        "it lands best when it's wanted. Check how it fits for them: 'What do you make of that?'",
    ),
    (TraineeCode.AFFIRM, ""): (
        "affirmation",
        "noticing their strengths or efforts builds trust. The more specific and genuine, the better.",
    ),
    (TraineeCode.SEEKING_COLLABORATION, ""): (
        "seeking collaboration",
        "asking for their ideas or their permission shares the lead and keeps them in charge of the conversation.",
    ),
    (TraineeCode.EMPHASIZING_AUTONOMY, ""): (
        "emphasising autonomy",
        "making clear the choice is theirs lowers pressure and makes change more likely to stick.",
    ),
    (TraineeCode.PERSUADE, ""): (
        "advice without permission",
        "it can raise resistance; ask first: 'Would it be OK if I shared something that's helped others?'",
    ),
    (TraineeCode.PERSUADE_WITH_PERMISSION, ""): (
        "advice with permission",
        "asking first keeps it collaborative. Follow up by asking what they make of it.",
    ),
    (TraineeCode.CONFRONT, ""): (
        "confrontation",
        (
            "this may come across as judging, which tends to make people defend their position. "
            "Try reflecting what they said instead: 'It sounds like...'"
        ),
    ),
    (TraineeCode.OTHER, ""): (
        "other response",
        "when you're unsure what to say next, reflecting what they just told you is a safe place to start.",
    ),
}

_ASK_MESSAGES: dict[AskStyle, str] = {
    AskStyle.DIRECT: (
        "You asked directly about suicide — one of the most protective things you can do. "
        "Stay calm and curious about whatever they say next."
    ),
    AskStyle.INVITES_NO: (
        "Asking in a way that expects a 'no' ('you're not..., are you?') makes it hard to answer honestly. "
        "Ask plainly: 'Are you thinking about killing yourself?'"
    ),
    AskStyle.VAGUE: (
        "Good that you checked on their safety; words like 'hurt yourself' can be read many ways. "
        "Name it: 'Are you thinking about suicide?'"
    ),
}


# Risk-assessment questions are meant to be plain and are often closed; "could you ask it
# as a 'What' question?" would teach the trainee to soften them.
_RISK_QUESTION_MESSAGES: dict[str, str] = {
    "means": (
        "Asking plainly about access to means is right here: a clear question gets a clear answer. "
        "If they have a firearm or other means, talk about putting time and distance between them and it "
        "(a lock, someone they trust holding it)."
    ),
    "attempt": (
        "Asking plainly about past attempts is right here: a past attempt is one of the strongest signs of "
        "risk. If there was one, ask gently what happened and what helped afterwards."
    ),
    "intoxication": (
        "Asking plainly whether they've been drinking or using is right here: it lowers inhibitions and "
        "makes acting on suicidal thoughts more likely, so it changes how urgent things are."
    ),
    "intent": (
        "Asking plainly about a plan and its timing is right here: it tells you how urgent things are. "
        "Stay calm and curious whatever the answer."
    ),
}


_RULER = (
    "A ruler question — a good MI tool. Whatever number they give, ask why it isn't lower ('Why a 4 and "
    "not a 2?'): the answer is their own reasons for change."
)


# Only where the scenario's objectives ask not to push for details (objectives.py).
_PUSHING_FOR_DETAILS = (
    "Asking for details — this scenario asks you not to push for them. Asking what exactly happened can "
    "make someone relive it for your benefit. Reflect what it left them with and let them choose how much "
    "to tell: 'Whatever happened out there, it's still with you.'"
)
# MITI gives reassurance no code ("other"), but for a helper it is the commonest miss: it
# argues with what the person feels and closes the topic.
_REASSURANCE = (
    "Reassurance — kindly meant, but 'it wasn't your fault' or 'it'll be fine' can sound like they "
    "shouldn't feel what they feel, and it tends to close the topic. Reflect what they feel first: "
    "'You keep going back to that day.'"
)


_REFERRAL = (
    "Pointing them to crisis support matters. Offering to make the call or text together, "
    "right now, makes it more likely they follow through."
)
_REFERRAL_CONNECTED = (
    "You connected them to crisis support and offered to reach out together — "
    "that makes it far more likely they get help."
)


# Labels that name an activity, not a countable act: "This looks like giving information",
# not "a giving information".
_NO_ARTICLE = frozenset(
    {
        "giving information",
        "seeking collaboration",
        "emphasising autonomy",
        "advice without permission",
        "advice with permission",
    }
)


def _article(label: str) -> str:
    if label in _NO_ARTICLE:
        return ""
    return "an " if label[0] in "aeiou" else "a "


def turn_feedback(
    turn: Turn, earlier_turns: Sequence[Turn] = (), *, risk_scenario: bool = False, avoid_details: bool = False
) -> TurnFeedback:
    """One or two kind, specific sentences about ``turn``.

    ``earlier_turns`` are the turns before this one, oldest first (not the client's
    reply to it). They add context: a run of questions without a
    reflection, or advice right after the client argued against change.
    ``risk_scenario``: the scenario has suicide risk, so a question about means or a
    plan is a risk-assessment step, not a question to open up.
    ``avoid_details``: a learning objective of the scenario is not to push for the details
    of an event (``objectives.ObjectiveCheck.AVOID_PUSHING_FOR_DETAILS``); elsewhere "What
    happened?" is an ordinary open question.
    """
    ask = classify_suicide_ask(turn.text)
    if ask is not None:
        # A turn that both asks plainly and tags on "you're not..., are you?" still
        # needs the coaching: the second question undoes the first.
        for style in (AskStyle.INVITES_NO, AskStyle.DIRECT, AskStyle.VAGUE):
            if style in ask.styles:
                return TurnFeedback(turn.turn_id, _ASK_MESSAGES[style], f"suicide_ask:{style.value}")
    if mentions_crisis_line(turn.text):
        # Urging crisis support is the "Encourage and Expedite" step, whatever the coder
        # called it; coaching it as unwanted advice would teach the wrong lesson.
        text = _REFERRAL_CONNECTED if offers_to_connect(turn.text) else _REFERRAL
        return TurnFeedback(turn.turn_id, text, "crisis_referral")

    code = turn.trainee_code
    topic = risk_assessment_topic(turn.text) if risk_scenario and code.code is TraineeCode.QUESTION else None
    if topic is not None:
        return TurnFeedback(turn.turn_id, _RISK_QUESTION_MESSAGES[topic], f"risk_assessment:{topic}")
    if code.code is TraineeCode.QUESTION and is_ruler_question(turn.text):
        return TurnFeedback(turn.turn_id, _RULER, "ruler")
    client = _last_client(earlier_turns)
    if avoid_details and pushes_for_details(turn.text, client.text if client else None):
        return TurnFeedback(turn.turn_id, _PUSHING_FOR_DETAILS, "pushing_for_details")
    if code.code is TraineeCode.OTHER and is_reassurance(turn.text, client.text if client else None):
        return TurnFeedback(turn.turn_id, _REASSURANCE, "reassurance")
    label, body = _MESSAGES[(code.code, code.subcode)]
    streak = _question_streak(earlier_turns) if code.code is TraineeCode.QUESTION else 0
    # QUESTION_RUN questions in a row (this one included) without a reflection earn a nudge.
    if streak >= QUESTION_RUN:
        body = f"that's {streak} questions in a row. Try a reflection of what they've said before asking the next one."
    elif code.code is TraineeCode.PERSUADE and client is not None and client.talk_type is TalkType.SUSTAIN:
        body = (
            "they had just said why change is hard, and arguing the other side usually strengthens that. "
            "Reflect their reasons first, then ask if they'd like an idea."
        )
    if code.confidence < TENTATIVE_BELOW:
        text = f"This looks like {_article(label)}{label} — {body}"
    else:
        text = f"{label[0].upper()}{label[1:]} — {body}"
    return TurnFeedback(turn.turn_id, text, code.code.value)


def _question_streak(earlier_turns: Sequence[Turn]) -> int:
    """Length of the run of questions ending with the current (question) turn."""
    streak = 1
    for earlier in reversed(earlier_turns):
        if not earlier.is_trainee:
            continue
        if earlier.trainee_code.code is not TraineeCode.QUESTION:
            break
        streak += 1
    return streak


def _last_client(earlier_turns: Sequence[Turn]) -> Turn | None:
    return next((t for t in reversed(earlier_turns) if not t.is_trainee), None)


def transcript_feedback(transcript: Transcript, *, risk_scenario: bool = False) -> tuple[TurnFeedback, ...]:
    """Feedback for every trainee turn, each seeing only what came before it."""
    return tuple(
        turn_feedback(turn, transcript.turns[:position], risk_scenario=risk_scenario)
        for position, turn in enumerate(transcript.turns)
        if turn.is_trainee
    )
