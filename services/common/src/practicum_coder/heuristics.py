"""Transparent lexicon heuristics for the MITI codes AnnoMI does not annotate.

AnnoMI labels only question / reflection / therapist input / other (plus input subtypes),
so affirm, seeking collaboration, emphasizing autonomy, persuade (with or without
permission) and confront cannot be learned from it. They are assigned here by named,
readable patterns layered on the model's output. They are NOT YET VALIDATED against
expert MITI codes; the model card says so and reports how often each fires on AnnoMI.

Policy (why the rules are shaped this way): a heuristic refines *inside* the AnnoMI
class the model predicted. A permission-seeking *question* ("Is it okay if we look at this
form?") keeps AnnoMI's class question, because AnnoMI's annotators label such turns
question and we measured that moving them would lower agreement (see MODEL_CARD.md); its
MITI code is nevertheless seeking collaboration (``is_permission_request``), and a
statement that only hands the client the choice is emphasizing autonomy
(``is_autonomy_statement``) in whatever class the model put it. Likewise "Why don't you
just stop?" is persuade (``is_advice_question``) and a statement that only proposes working
it out together is seeking collaboration (``is_collaboration_statement``). The coder applies
these "MITI recodes" without moving the class, so the AnnoMI metrics do not see them.

Two exceptions. The first, ``is_directive``: a statement that opens with a directive ("You
should really think about quitting.", "I'd recommend you cut down.") is therapist input (advice,
then persuade unless permission was asked), whatever class the model gave it. AnnoMI's
demonstrations contain almost no such turns (the rule fires on 2 of 3,402 dev turns, both
reflections of the client's own obligation, e.g. "You have to provide for your children."),
so the model never learned them, and it reads "you"-statements as reflections; novices
write them all the time, and a report that calls them reflections praises the very habit
MI training tries to break. The coder then reports the turn as AnnoMI's therapist_input
class, so the fine -> AnnoMI mapping in ``vocab.FINE_TO_ANNOMI`` stays exact and the AnnoMI
metrics measure the override too (model card: its CV cost and the audit of where it fired).

The same override also covers a sentence-opening confrontation
(``is_confrontation``: "You're drinking way too much and you know it.") and warning
(``is_warning``: "If you keep this up you're going to lose your family."), both through
``mina_statement``; novices write them, AnnoMI's experts almost never do (no dev turn).

The second, ``is_affirmation``: a turn that is praise and nothing else ("Thank you for
telling me. It took guts to say that out loud.") is an affirmation, AnnoMI's other class,
even where the model says reflection or input. The model was never taught affirm, and it
has seen few such turns: the rule matches 15 of the 3,402 dev turns, 12 that AnnoMI's
annotators labelled other, 2 reflection ("Good for you doing that.") and 1 input ("I think
that's great."). A report that calls a trainee's affirmation a reflection misses one of the
MI-adherent skills it counts. It is checked before ``is_directive``: "You should be proud
of yourself." is praise, not direction.

Reassurance and nothing else (``is_reassurance``: "Don't worry, everything will be fine.")
is moved to other the same way: MITI gives it no code, and it is no reflection.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .vocab import (
    AFFIRM,
    ANNOMI_OTHER,
    ANNOMI_QUESTION,
    ANNOMI_REFLECTION,
    ANNOMI_THERAPIST_INPUT,
    CONFRONT,
    EMPHASIZING_AUTONOMY,
    GIVING_INFORMATION,
    OTHER,
    PERSUADE,
    PERSUADE_WITH_PERMISSION,
    SEEKING_COLLABORATION,
)


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


_OK = r"(?:ok|okay|alright|all right|fine)"

# Praise of the client's strengths, efforts or choices (MITI: Affirm). Guarded against the
# same words in other senses: "it would be good for you to quit" is advice, "if you were
# in a good job" is about employment.
AFFIRM_RX = _rx(
    r"good for you(?! to\b)",
    r"(?:well|nicely) done",
    r"(?<!\ba )(?:great|good|nice|amazing) (?:job|work|effort)",
    r"(?:did|doing|done) (?:a |such a )?(?:really |very )?(?:great|good|nice|amazing|fantastic|terrific) job",
    r"that'?s (?:really |so )?(?:great|wonderful|fantastic|excellent|awesome|impressive|terrific|brilliant|amazing)",
    r"(?:i'?m|i am) (?:really |so )?(?:impressed|proud of you)",
    r"congratulations|congrats",
    r"you should be (?:really |very |so )?proud",
    r"you(?:'ve| have) (?:done|been doing) (?:really |so |very )?(?:well|great|amazing)",
    r"you did (?:really |so |very )?(?:well|great)",
    # The infinitive that says what took courage belongs to the praise ("It takes a lot of
    # strength to sit here and talk about this."), up to 6 words and only when it ends the
    # sentence, so a turn typed without punctuation cannot hide advice in it.
    r"(?:that|it|this) (?:took|takes|must have taken|must've taken) "
    r"(?:a lot of |so much |real |some )?(?:courage|guts|strength|commitment|bravery)"
    r"(?: to(?: [a-z']+){1,6}(?=[.!]*$))?",
    r"you(?:'re| are) (?:really |very |so |clearly )?"
    r"(?:strong|resourceful|determined|committed|brave|courageous|resilient|persistent)",
    r"you(?:'ve| have) worked (?:really |so |very )?hard",
    r"(?:thank you|thanks) (?:so much )?for (?:sharing|coming|being|telling|talking|trusting"
    r"|reaching out|opening up|letting me know|your honesty)",
    r"i (?:really )?appreciate (?:you|your|that you)",
    r"that'?s a (?:really )?(?:great|good|wonderful|smart) (?:idea|plan|step|start|goal|choice)",
    r"you(?:'ve| have) (?:already |just )?(?:taken|made) (?:a|an|the) (?:really )?"
    r"(?:big|huge|real|important|first|brave|great|good|positive) (?:step|decision|move)",
    r"(?:i'?m|i am) (?:really |so )?glad (?:that )?you "
    r"(?:told|reached|called|came|shared|said|did|talked|trusted|decided)",
)
# A sentence that carries nothing but acknowledgement ("Okay.", "Wow, yeah.", "I know.",
# "Thank you."):
# ignored when deciding whether a whole turn is an affirmation.
_ACKNOWLEDGEMENT = re.compile(
    r"^(?:(?:okay|ok|yeah|yes|wow|oh|um|uh|mm-hmm|hmm|all right|alright|right|well|so|i know|absolutely|sure|"
    r"thank you|thanks)"
    r"[ ,]*)+[.!]*$"
)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?;:])\s+")
# Reflection stems: a turn with one of these says back what the client meant, even if it
# praises too ("That's great, it sounds like you've got options."), so the model's class stands.
_REFLECTION_STEM = _rx(
    r"(?:it )?sounds like",
    r"(?:it )?seems (?:like|that)",
    r"you(?:'re| are) (?:feeling|saying|wondering)",
    r"you feel",
    r"what i(?:'m| am) hearing",
    r"in other words",
)

# At the end of its clause: "and you know it's your stuff" is no accusation.
_AND_YOU_KNOW_IT = r"and you know it(?=\s*(?:[.!;,]|$))"

# Disagreeing, correcting, shaming, labelling, moralising, doubting honesty (MITI: Confront).
# Said as statements; the rhetorical questions below are confrontations only when asked.
CONFRONT_STATEMENT_RX = _rx(
    r"that'?s (?:not true|just not true|wrong|ridiculous|silly|crazy|nonsense|an excuse|just an excuse|irresponsible)",
    r"you(?:'re| are) (?:just )?(?:making excuses|in denial|kidding yourself|fooling yourself|lying)",
    r"you(?:'re| are) (?:being )?(?:ridiculous|irresponsible|stubborn|selfish|unreasonable)",
    r"you(?:'re| are) an? (?:alcoholic|addict|drunk|junkie)",
    r"you know (?:better|that'?s wrong)",
    r"i (?:don'?t|do not) believe you",
    r"you(?:'re| are) not (?:being honest|telling (?:me )?the truth|listening)",
    r"shame on you",
    r"you (?:obviously|clearly) (?:have a problem|are an?)",
    r"you(?:'ve| have) got a (?:real |serious )?problem",
    # Judging the amount outright: a reflection says what the client thinks, not this.
    r"you(?:'re| are) (?:drinking|smoking|using|eating|gambling|spending|vaping) (?:way |far |much )?too much",
    _AND_YOU_KNOW_IT,
)
# In a turn without "?" these are usually the client's own self-talk quoted back ("it was
# really a problem, like, how could you be so selfish", the one dev turn they matched).
CONFRONT_QUESTION_RX = _rx(
    r"(?:don'?t|do not) you (?:realize|realise|see|understand|care)",
    r"what were you thinking",
    r"how could you",
)
CONFRONT_RX = re.compile(f"{CONFRONT_STATEMENT_RX.pattern}|{CONFRONT_QUESTION_RX.pattern}")

# A warning of what will happen if the client does not change (MITI: Persuade, an argument
# from consequences), opening a sentence: "If you keep this up, you're going to lose your
# family." A reflection of the client's own fear ("your worry is that if you stop, you will
# end up gaining weight", the one AnnoMI turn with the words) does not open with it.
_SENTENCE_OPENING = r"(?:^|[.!;]\s+)(?:(?:so|and|but|look|listen|honestly|well|okay|ok|seriously),? )*"
_WILL = r"(?:'ll| will|'re going to| are going to|'re gonna| are gonna)"
_HARM = r"lose|die|ruin|destroy|wreck|kill yourself|drink yourself to death"
WARNING_RX = re.compile(
    _SENTENCE_OPENING + r"(?:if you (?:keep|don'?t|do not|continue|carry on|go on|won'?t)\b[^.?!;]{0,60}?"
    r"\byou" + _WILL + r" (?:\w+ )?(?P<if_harm>" + _HARM + r"|end up|regret|wind up)"
    r"|you" + _WILL + r" (?:\w+ )?(?P<harm>" + _HARM + r"))\b"
)

# Lecturing about harm (MITI: Persuade, facts used to change the client's mind): "Smoking
# is really bad for you." or, as a rhetorical tag question, "You know smoking is really bad
# for you, right?" (coded a complex reflection in a demo). The harm has to be to "you":
# "that's really bad" about the client's week is no lecture.
_HARM_WORDS = r"bad|harmful|dangerous|unhealthy|terrible|deadly|toxic|not good"
LECTURE_RX = re.compile(
    r"\b(?:is|are|'s) (?:really |so |very |pretty |terribly |extremely |seriously |slowly )?"
    r"(?:(?:" + _HARM_WORDS + r") for (?:you|your (?:health|body|lungs|liver|heart|kids|children|family))"
    r"|killing you)\b"
)
_TAG_QUESTION_END = re.compile(r",? (?:right|you know|isn'?t it|aren'?t they|don'?t you think|yeah|huh)\?\s*$")

# A statement opening (a sentence) with direction: "you should / need to / have to",
# "I'd recommend", "make sure you", "the best thing you can do". Not "you must": in MI it is
# mostly a guess at feeling ("You must be exhausted."), i.e. a reflection.
DIRECTIVE_RX = re.compile(
    r"(?:^|[.!;]\s+)(?:(?:so|and|well|okay|ok|now|but|look|listen|honestly|really),? )*"
    r"(?:you (?:really |just |definitely |absolutely )?(?:need to|have to|should|ought to|got to|had better)"
    r"|you(?:'ve| have) got to|you'd better"
    r"|i(?:'d| would)? (?:strongly )?(?:recommend|suggest|advise|urge)"
    r"|i want you to|make sure (?:that )?you|the best thing (?:you can do|you could do|to do|for you))\b"
)
# The client's own obligation ("I have to quit"): "You have to quit." reflects it.
_FIRST_PERSON_OBLIGATION_RX = _rx(r"i (?:really |just )?(?:need to|have to|should|ought to|(?:'ve|have) got to|got to)")

# Advice or direction given without the client's permission (MITI: Persuade).
PERSUADE_RX = _rx(
    r"you (?:need|have|ought|got) to",
    r"you(?:'ve| have) got to",
    r"you (?:should|must|shouldn'?t|mustn'?t)",
    r"you(?:'d| had) better",
    r"i(?:'d|'ll| would| will)? (?:strongly )?(?:recommend|suggest|advise|urge)",
    r"i want you to",
    r"my (?:advice|recommendation|suggestion)",
    r"make sure (?:you|that you)",
    r"it'?s (?:really |very )?(?:important|essential|vital) (?:that you|for you to|to)",
    r"the best (?:thing|way) (?:is|would be|to do)",
    r"the best thing (?:you can do|you could do|for you)",
    r"(?:stop|quit|cut down|cut back)(?: on)? (?:drinking|smoking|using|gambling)",
    r"why (?:don'?t|do not) you just",
)

# Advice framed with permission or with an explicit autonomy hedge (MITI: Persuade with
# Permission). "Some people find" is included because MITI credits advice offered as
# one option among others.
PERMISSION_RX = _rx(
    rf"if (?:it'?s|that'?s|it is|that is) {_OK} (?:with you)?",
    r"with your permission",
    rf"would it be {_OK} (?:with you )?if i",
    r"(?:may|can|could) i (?:share|offer|suggest|tell you|give you|make a suggestion|mention)",
    r"would you (?:like|want) (?:some|me to|to hear|to know)",
    r"do you mind if i",
    r"this (?:may|might) or (?:may|might) not",
    r"you (?:may|might) or (?:may|might) not",
    r"some (?:people|folks|clients|patients) (?:find|have found|say|tell me)",
    r"see (?:what|if|whether) (?:fits|works|any of)",
    r"(?:it'?s|that'?s) (?:really |entirely )?up to you",
    r"take (?:it|what fits) or leave it",
)

# The client asked for advice or information: advice that follows is solicited.
ADVICE_REQUEST_RX = _rx(
    r"what (?:should|would|could|can|do) i do",
    r"what do you (?:suggest|recommend|think i should|advise)",
    r"(?:any|some|give me) (?:suggestions|advice|ideas|tips)",
    r"(?:should|shall) i",
    r"how (?:do|can|should|could) i",
    r"can you (?:help me|tell me|give me)",
    r"what (?:are|is) (?:my|the) options",
)

# The client's choice and control (MITI: Emphasizing Autonomy).
AUTONOMY_RX = _rx(
    r"(?:it'?s|that'?s|it is|that is) (?:really |entirely |totally |completely )?up to you",
    r"(?:it'?s|that'?s|it is|that is) (?:really |entirely |totally |completely )?your (?:choice|decision|call)",
    r"you(?:'re| are) the (?:one|only one|best judge|expert|one who)",
    r"you (?:get to|can|will|have to) (?:decide|choose|make (?:that|the|this) (?:decision|choice|call))",
    r"whatever you (?:decide|choose|want)",
    r"you know (?:yourself|your (?:life|situation|body)) (?:best|better)",
    r"you know best",
    r"you(?:'re| are) in (?:charge|control)",
    r"(?:no one|nobody|no-one) (?:can|could) (?:make|force) you",
    r"the (?:choice|decision) is (?:yours|up to you)",
    r"you decide",
    r"your (?:choice|decision)",
    r"i (?:respect|trust) (?:that|your (?:choice|decision|judgement|judgment))",
)

# Sharing power: working together, inviting the client's ideas (MITI: Seeking Collaboration).
COLLABORATION_RX = _rx(
    r"together",
    r"let'?s (?:work|figure|think|look|talk|see|explore|come up|brainstorm|put)",
    r"we (?:can|could|might) (?:work|figure|look|think|talk|explore|come up|brainstorm|decide)",
    r"what do you think",
    r"how does (?:that|this) sound",
    r"does (?:that|this) (?:sound|make sense|fit|work for you)",
    rf"(?:is|would) it (?:be )?{_OK} (?:with you )?if (?:we|i)",
    r"would you (?:like|be willing|be open|be interested) to",
    r"what would you like to",
    r"where would you like to",
    r"your (?:ideas|thoughts|input)",
    r"(?:you|you're) the expert",
)

# Asking permission to share information or advice, or to take up a topic ("Would it be
# okay if I shared some information?", "Do you mind if we talk about your drinking?").
# MITI codes asking permission as Seeking Collaboration; AnnoMI labels these turns
# question (mostly closed, sometimes with its negotiation input subtype).
PERMISSION_ASK_RX = _rx(
    rf"(?:is|would|will) it (?:be )?{_OK} (?:with you )?if (?:i|we)",
    rf"(?:do you think )?it would be {_OK} (?:with you )?if (?:i|we)",
    r"(?:may|can|could|might) i (?:share|offer|suggest|tell you|give you|make a suggestion|mention|run)",
    r"would you (?:like|want) (?:me to (?:share|tell|give|go over|explain)|to hear|some (?:information|ideas))",
    r"(?:do|would) you mind if (?:i|we)",
    rf"would you be (?:{_OK}|willing|open|interested) (?:with|to|if|in) (?:me|hearing|talking|going over|looking)",
)


# Client turns. The talk-type model reads "I don't want to quit." as change talk: "want
# to quit" is strong change language and AnnoMI has almost no negated form of it (the
# pattern below matches 4 of its 3,360 client turns, all labelled sustain), so the model
# never learned the negation. A first-person refusal of the change ("I don't want to / I'm not going to /
# I can't + quit, stop, cut down, give it up") is sustain talk, unless it is a
# condition ("if I don't stop, ...") or turns on "but" ("I don't want to quit, but I
# should"), where the model's reading stands.
_REFUSAL = (
    r"i (?:really |just |even )?(?:do not|don't|won't|will not|can't|cannot)"
    r"|i(?:'m| am) (?:not|never) (?:going to|gonna|ready to|willing to|about to)"
    r"|i (?:have )?no (?:desire|intention|plans?) to"
)
_INTENT = r"(?:(?:really |even |ever )?(?:want|wanna|need|have|plan|intend|think i (?:can|need|should)) (?:to )?)?"
_HABIT = r"(?:smoking|drinking|using|gambling|vaping|drugs|alcohol|cigarettes|the \w+)"
# "I can't stop thinking about it" is not about the habit; "I won't give up" is more often
# persistence than refusal, and "I can't change the past" is not the target behaviour, so
# bare "give up" and "change" are left out.
_CHANGE_VERB = (
    r"(?:(?:quit|stop)(?!\s+(?!" + _HABIT + r")\w+ing\b)|cut (?:down|back)|give (?:it|them|that|this) up"
    r"|give up " + _HABIT + r"|go to (?:aa|meetings|rehab|treatment))"
)
# "I don't want to stop altogether" refuses abstinence, not change: it is usually an
# opening for cutting down, and AnnoMI's annotators label it change (the rule's one firing
# in cross-validation before this exception was added, so CV no longer tests it).
_PARTIAL = r"(?:\s+\w+)?\s+(?:altogether|completely|entirely|totally|cold turkey|all at once|for good|100 percent)"
NEGATED_CHANGE_RX = re.compile(
    r"(?<!\bif )(?<!\bunless )\b(?:" + _REFUSAL + r")\s+" + _INTENT + _CHANGE_VERB + r"\b"
    r"(?!" + _PARTIAL + r")(?![^.!?]*\bbut\b)"
)


def is_negated_change(normalised_client_text: str) -> bool:
    """The client refuses the change in the first person (see NEGATED_CHANGE_RX)."""
    return bool(NEGATED_CHANGE_RX.search(normalised_client_text))


@dataclass(frozen=True)
class Refinement:
    code: str
    # Name of the rule that decided (or "" when the model output stands): shown in the
    # model card's heuristic audit and useful when a reviewer disputes a code.
    rule: str


def refine_input(normalised_text: str, input_subtype: str, normalised_prev_client: str) -> Refinement:
    """Fine MITI code for a turn the model put in AnnoMI's therapist_input class.

    Order matters and says what wins when several rules match: a confrontation is a
    confrontation even if it also contains advice; permission turns advice into
    persuade-with-permission; autonomy and collaboration language outrank plain
    information; AnnoMI's advice subtype without any cue is persuade.
    """
    if CONFRONT_RX.search(normalised_text):
        return Refinement(CONFRONT, "confront_lexicon")
    if WARNING_RX.search(normalised_text) and not PERMISSION_RX.search(normalised_text):
        return Refinement(PERSUADE, "warning_lexicon")
    if is_lecture(normalised_text, normalised_prev_client) and not PERMISSION_RX.search(normalised_text):
        return Refinement(PERSUADE, "lecture_lexicon")
    advice = input_subtype == "advice" or bool(
        PERSUADE_RX.search(normalised_text) or DIRECTIVE_RX.search(normalised_text)
    )
    if advice:
        if PERMISSION_RX.search(normalised_text):
            return Refinement(PERSUADE_WITH_PERMISSION, "advice+permission_lexicon")
        if ADVICE_REQUEST_RX.search(normalised_prev_client):
            return Refinement(PERSUADE_WITH_PERMISSION, "advice+client_asked")
        return Refinement(PERSUADE, "advice_subtype" if input_subtype == "advice" else "persuade_lexicon")
    if AUTONOMY_RX.search(normalised_text):
        return Refinement(EMPHASIZING_AUTONOMY, "autonomy_lexicon")
    if COLLABORATION_RX.search(normalised_text) or input_subtype == "negotiation":
        return Refinement(
            SEEKING_COLLABORATION, "collaboration_lexicon" if input_subtype != "negotiation" else "negotiation_subtype"
        )
    return Refinement(GIVING_INFORMATION, "")


def refine_other(normalised_text: str) -> Refinement:
    """Fine MITI code for a turn the model put in AnnoMI's other class (affirm or other)."""
    if AFFIRM_RX.search(normalised_text):
        return Refinement(AFFIRM, "affirm_lexicon")
    return Refinement(OTHER, "")


# Premature reassurance ("Don't worry, everything will be fine.") and stock support ("You're
# not alone.", "I'm here for you."): MITI gives them no code (our "other"), and they are no
# reflection, though the model reads them as one.
_STOCK_REASSURANCE = (
    r"you(?:'re| are) not alone(?: in this)?",
    r"i(?:'m| am) (?:always |right )?here (?:for you|with you)",
    r"i(?:'ve| have) got your back",
    r"(?:don'?t|do not|try not to) worry(?: about it)?",
    r"(?:everything|it|things|you)(?:'ll| will|'s going to| is going to| are going to|'re going to) (?:all )?"
    rf"(?:be|turn out|work out) (?:just )?(?:fine|{_OK}|great|good)",
    r"(?:it'?s|that'?s) (?:not (?:a|that) big (?:of )?(?:a )?deal|no big deal|nothing to worry about)",
    r"(?:everything|it) (?:happens|works out) for a reason",
    rf"(?:i'?m sure|i bet) (?:it|you|everything|things)(?:'ll| will) (?:be|work out)(?: (?:fine|{_OK}))?",
)
# Absolving guilt ("It wasn't your fault.", "You did your best.", "Don't blame yourself.") is
# premature reassurance too: it argues with the client's guilt instead of hearing it (the
# moral-injury scenario's brief warns against exactly this; a demo coded it a simple
# reflection). Said back after the client absolved themselves ("It wasn't my fault, I did
# everything I could."), the same words reflect, so the rule then leaves them to the model.
_ABSOLUTION = (
    r"(?:it|that|this)(?: wasn't| isn't| was not| is not|'s not) (?:your fault|on you)",
    r"you did (?:your best|the best you could|everything you could|all you could|what you could|what you had to)",
    r"(?:don't|do not|try not to|stop) (?:blame|blaming|beat|beating) yourself(?: up)?",
    r"you (?:shouldn't|should not|don't need to|have no reason to) feel (?:guilty|bad|ashamed)",
    r"you have nothing to (?:feel guilty about|feel bad about|be ashamed of)",
)
_OWN_ABSOLUTION = _rx(
    r"(?:wasn't|isn't|was not|is not|not) my fault",
    r"i did (?:my best|the best i could|everything i could|all i could|what i could|what i had to)",
)
STOCK_REASSURANCE_RX = _rx(*_STOCK_REASSURANCE)
REASSURANCE_RX = _rx(*_STOCK_REASSURANCE, *_ABSOLUTION)


# The trainee's own experience ("I've been there too. After I got out I struggled for a long
# time."): peer supporters share it on purpose. A turn with no "you" cannot say back what
# the client meant, so it is the trainee's input (giving information), not a reflection.
SELF_DISCLOSURE_RX = _rx(
    r"i(?:'ve| have) been (?:there|through (?:it|that|something like that))",
    r"(?:when|after) i (?:was|got|came|left|first)",
    r"i (?:went through|struggled|used to|felt the same|had the same)",
    r"(?:me too|same here|same with me)",
)
_SECOND_PERSON = re.compile(r"\b(?:you|your|you're|you've|you'd|you'll|yours|yourself)\b")


def is_self_disclosure(normalised_text: str) -> bool:
    """No question, no second person, and the trainee's own experience (SELF_DISCLOSURE_RX)."""
    return (
        "?" not in normalised_text
        and not _SECOND_PERSON.search(normalised_text)
        and SELF_DISCLOSURE_RX.search(normalised_text) is not None
    )


def _whole_statement(
    normalised_text: str, sentence_is: Callable[[str], bool], *, reflection_stem_allowed: bool = False
) -> bool:
    """The shape of the whole-turn rules: no "?", no reflection stem (unless allowed), and
    every sentence beyond an acknowledgement ("Okay.", "Wow.") passes ``sentence_is``."""
    if "?" in normalised_text or (not reflection_stem_allowed and _REFLECTION_STEM.search(normalised_text)):
        return False
    sentences = [s for s in _SENTENCE_SPLIT.split(normalised_text.strip()) if s]
    said = [s for s in sentences if not _ACKNOWLEDGEMENT.match(s)]
    return bool(said) and all(sentence_is(s) for s in said)


def is_reassurance(normalised_text: str, normalised_prev_client: str = "") -> bool:
    """The whole turn is reassurance (REASSURANCE_RX, the affirmation rule's shape); guilt
    the client absolved in the first person is not argued with but said back (_ABSOLUTION)."""
    lexicon = STOCK_REASSURANCE_RX if _OWN_ABSOLUTION.search(normalised_prev_client) else REASSURANCE_RX
    return _whole_statement(normalised_text, lambda s: _mostly(lexicon, s))


def is_affirmation(normalised_text: str) -> bool:
    """The whole turn is praise (see the module's policy): no question, and every sentence
    that is more than an acknowledgement matches the affirm lexicon ("Thank you for telling
    me. It took guts to say that out loud."). A reflection with a word of praise in it
    ("That's great, it sounds like you've got options.") is not one."""
    return _whole_statement(normalised_text, lambda s: _mostly(AFFIRM_RX, s))


# Words of a sentence outside its affirm matches that still leave it praise ("It took guts
# to say that out loud, and I'm glad you did.": 6). Without it, a turn typed without
# punctuation is one long "sentence" that one "thanks for coming in" would make praise.
MAX_WORDS_BESIDE_PRAISE = 6
_WORD_RX = re.compile(r"[a-z0-9']+")


def is_permission_request(normalised_text: str) -> bool:
    """Every question of the turn asks permission (PERMISSION_ASK_RX), and at least one
    does: "I have some ideas. Would it be okay if I shared them?". A wh-question that only
    contains the words ("What would you like me to call you?") is not one."""
    sentences = [s for s in _SENTENCE_SPLIT.split(normalised_text.strip()) if s]
    questions = [s for s in sentences if s.rstrip().endswith("?")]
    if not questions:
        # Typed without "?" ("would it be ok if i shared some info"): a sentence that opens
        # with the ask is the question.
        questions = [s for s in sentences if _OPENS_WITH_ASK.match(s)]
    return bool(questions) and all(_asks_permission(q) for q in questions)


_WH_WORD = re.compile(r"\b(?:what|how|why|when|where|who|which)\b")
_OPENS_WITH_ASK = re.compile(
    r"^(?:(?:so|and|but|okay|ok|um|uh|well|now|first)[ ,]+)*(?:" + PERMISSION_ASK_RX.pattern + ")"
)


def _asks_permission(question: str) -> bool:
    match = PERMISSION_ASK_RX.search(question)
    return match is not None and not _WH_WORD.search(question[: match.start()])


def is_autonomy_statement(normalised_text: str) -> bool:
    """The whole turn gives the client the choice ("It's your call what you do with this,
    and I respect that."): no question, no reflection stem, and every sentence beyond an
    acknowledgement matches the autonomy lexicon with at most MAX_WORDS_BESIDE_PRAISE other
    words (the affirmation rule's shape and limit)."""
    return _whole_statement(normalised_text, lambda s: _mostly(AUTONOMY_RX, s))


def _mostly(lexicon: re.Pattern[str], sentence: str) -> bool:
    rest, matches = lexicon.subn(" ", sentence)
    return matches > 0 and len(_WORD_RX.findall(rest)) <= MAX_WORDS_BESIDE_PRAISE


# A confrontation opens its sentence: "Your wife thinks you're drinking too much." and
# "You're worried you're drinking too much." report a view, they do not judge.
_CONFRONT_OPENING = re.compile(f"{_SENTENCE_OPENING}(?:{CONFRONT_STATEMENT_RX.pattern})|\\b{_AND_YOU_KNOW_IT}")


def is_confrontation(normalised_text: str) -> bool:
    """A statement (no "?", no reflection stem) with a sentence that opens with a
    confrontation (CONFRONT_STATEMENT_RX): "You're drinking way too much and you know it."
    The model, taught on expert demonstrations with almost no such turns, reads these
    "you"-statements as reflections."""
    return (
        "?" not in normalised_text
        and not _REFLECTION_STEM.search(normalised_text)
        and _CONFRONT_OPENING.search(normalised_text) is not None
    )


def is_warning(normalised_text: str, normalised_prev_client: str) -> bool:
    """A statement that opens a sentence with a warning (WARNING_RX), unless the client's
    turn named the same consequence: after "I'm scared I'll lose my job", "You're going to
    lose your job." says back the client's fear (badly), it does not threaten."""
    match = WARNING_RX.search(normalised_text) if "?" not in normalised_text else None
    if match is None:
        return False
    consequence = (match.group("if_harm") or match.group("harm")).split()[0]
    return re.search(rf"\b{consequence}", normalised_prev_client) is None


# "Why don't you just stop?": advice put as a question (MITI: Persuade). Only with a verb
# of doing the change, so "Why don't you tell me about it?" stays an open question.
ADVICE_QUESTION_RX = re.compile(
    r"\bwhy (?:don'?t|do not|not) you (?:just |simply |at least )?"
    r"(?:try|stop|quit|cut (?:down|back)|go to|call|get (?:help|some|a|an|rid)|see a|join|talk to (?:a|your)"
    r"|throw|pour|switch|put (?:down|away))\b"
    r"|\bwhy not just\b"
)


def is_advice_question(normalised_text: str) -> bool:
    return ADVICE_QUESTION_RX.search(normalised_text) is not None


# A statement that proposes working it out together ("Let's figure out together what might
# work for you."), opening its sentence. Typed without "?", the model often calls it a
# question; AnnoMI has few (4 dev turns open a sentence so).
_COLLABORATION_OPENING = re.compile(
    _SENTENCE_OPENING + r"(?:maybe,? )?(?:let'?s (?:work|figure|think|look|talk|see|explore|come up|brainstorm|put)"
    r"|we (?:can|could) (?:work|figure|look|think|explore|come up|brainstorm))\b"
)


def is_collaboration_statement(normalised_text: str) -> bool:
    """No question, and every sentence beyond an acknowledgement opens with a proposal to
    work together and is mostly collaboration words (the affirmation rule's limit)."""
    return _whole_statement(
        normalised_text,
        lambda s: bool(_COLLABORATION_OPENING.match(s)) and _mostly(COLLABORATION_RX, s),
        reflection_stem_allowed=True,
    )


def is_directive(normalised_text: str, normalised_prev_client: str) -> bool:
    """A statement that gives direction the client did not voice (see the module's policy):
    the coder codes it as therapist input, whatever the model's class."""
    if "?" in normalised_text or not DIRECTIVE_RX.search(normalised_text):
        return False
    return not _FIRST_PERSON_OBLIGATION_RX.search(normalised_prev_client)


# The client granting the harm in the first person ("I know it's bad for me"). Not a denial
# ("Cigarettes aren't that bad") or others' view ("it's popular to say that smoking is bad
# for you"), after which the one AnnoMI lecture argues back.
_CLIENT_NAMED_HARM = re.compile(
    r"\bi (?:know|realise|realize|get it|understand|admit)(?: that)?,? "
    r"(?:it|this|that|they|alcohol|cigarettes|drugs|my \w+|\w+ing)(?:'s|'re| is| are)? "
    r"(?:really |so |very |pretty )?(?:" + _HARM_WORDS + r"|killing)\b"
)


def is_lecture(normalised_text: str, normalised_prev_client: str) -> bool:
    """A statement about the harm the behaviour does the client (LECTURE_RX), or a tag
    question ending in one ("..., right?"), with no reflection stem, unless the client granted
    the harm (_CLIENT_NAMED_HARM): after "I know it's bad for me", "You know it's bad for
    you." reflects it."""
    if _REFLECTION_STEM.search(normalised_text):
        return False
    if "?" in normalised_text:
        sentences = [s for s in _SENTENCE_SPLIT.split(normalised_text.strip()) if s]
        last = sentences[-1] if sentences else ""
        if not (_TAG_QUESTION_END.search(last) and LECTURE_RX.search(last)):
            return False
    elif not LECTURE_RX.search(normalised_text):
        return False
    return _CLIENT_NAMED_HARM.search(normalised_prev_client) is None


def mina_statement(normalised_text: str, normalised_prev_client: str) -> str:
    """Which MI-non-adherent statement rule the turn matches ("directive", "confrontation",
    "warning", "lecture"), or "": the coder then codes it as therapist input whatever the
    model said, and ``refine_input`` decides persuade or confront."""
    if is_directive(normalised_text, normalised_prev_client):
        return "directive"
    if is_confrontation(normalised_text):
        return "confrontation"
    if is_warning(normalised_text, normalised_prev_client):
        return "warning"
    if is_lecture(normalised_text, normalised_prev_client):
        return "lecture"
    return ""


def input_statement(normalised_text: str, normalised_prev_client: str) -> str:
    """The rule that makes a statement the trainee's input whatever the model said: an
    MI-non-adherent one (``mina_statement``) or a self-disclosure; "" when none does."""
    return mina_statement(normalised_text, normalised_prev_client) or (
        "self_disclosure" if is_self_disclosure(normalised_text) else ""
    )


# Rule names the coder reports (the model card's heuristic audit shows them by name).
PERMISSION_QUESTION_RULE = "permission_question"
ADVICE_QUESTION_RULE = "advice_question"
LECTURE_QUESTION_RULE = "lecture_question"
AUTONOMY_STATEMENT_RULE = "autonomy_statement"
COLLABORATION_STATEMENT_RULE = "collaboration_statement"
MITI_RECODE_RULES = frozenset(
    {
        PERMISSION_QUESTION_RULE,
        ADVICE_QUESTION_RULE,
        LECTURE_QUESTION_RULE,
        AUTONOMY_STATEMENT_RULE,
        COLLABORATION_STATEMENT_RULE,
    }
)
_NOT_INPUT = (ANNOMI_QUESTION, ANNOMI_REFLECTION, ANNOMI_OTHER)


def class_override(annomi_class: str, normalised_text: str, normalised_prev_client: str) -> tuple[str, str] | None:
    """The AnnoMI class a turn moves to whatever the model said, with the rule-name prefix
    the coder reports, or None (see the module's policy). The first rule that matches
    decides, in this order: praise, or reassurance, and nothing else is other ("You should
    be proud of yourself." is praise, not direction); a directive, confrontation, warning,
    lecture or self-disclosure is input. A turn the model calls a question keeps its class,
    and so does one already in the target."""
    if annomi_class == ANNOMI_QUESTION:
        return None
    if is_affirmation(normalised_text):
        target, rule = ANNOMI_OTHER, "affirmation->"
    elif is_reassurance(normalised_text, normalised_prev_client):
        target, rule = ANNOMI_OTHER, "reassurance->"
    elif annomi_class != ANNOMI_THERAPIST_INPUT and (moved := input_statement(normalised_text, normalised_prev_client)):
        target, rule = ANNOMI_THERAPIST_INPUT, f"{moved}->"
    else:
        return None
    return None if target == annomi_class else (target, rule)


def miti_recode(annomi_class: str, normalised_text: str, normalised_prev_client: str = "") -> tuple[str, str] | None:
    """The MITI code a turn gets whatever AnnoMI calls it, with its rule name, or None (as
    therapist input the in-class heuristics already code these). Asking permission is
    Seeking Collaboration and "Why don't you just stop?" or "You know it's bad for you,
    right?" is Persuade, though AnnoMI calls them questions; a turn that only hands the
    client the choice is Emphasizing Autonomy and one that only proposes working it out
    together is Seeking Collaboration, whatever class the model gave them. The coder keeps
    the model's class for these."""
    if annomi_class == ANNOMI_QUESTION:
        if is_permission_request(normalised_text):
            return SEEKING_COLLABORATION, PERMISSION_QUESTION_RULE
        if is_advice_question(normalised_text):
            return PERSUADE, ADVICE_QUESTION_RULE
        if is_lecture(normalised_text, normalised_prev_client):
            return PERSUADE, LECTURE_QUESTION_RULE
    if annomi_class in _NOT_INPUT:
        if is_autonomy_statement(normalised_text):
            return EMPHASIZING_AUTONOMY, AUTONOMY_STATEMENT_RULE
        if is_collaboration_statement(normalised_text):
            return SEEKING_COLLABORATION, COLLABORATION_STATEMENT_RULE
    return None


def refine(annomi_class: str, normalised_text: str, input_subtype: str, normalised_prev_client: str) -> Refinement:
    """Dispatch on the model's AnnoMI class; questions and reflections are not refined here."""
    if annomi_class == ANNOMI_THERAPIST_INPUT:
        return refine_input(normalised_text, input_subtype, normalised_prev_client)
    if annomi_class == ANNOMI_OTHER:
        return refine_other(normalised_text)
    return Refinement(annomi_class, "")
