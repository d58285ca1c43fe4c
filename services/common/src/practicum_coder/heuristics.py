"""Transparent lexicon heuristics for the MITI codes AnnoMI does not annotate.

AnnoMI labels only question / reflection / therapist input / other (plus input subtypes),
so affirm, seeking collaboration, emphasizing autonomy, persuade (with or without
permission) and confront cannot be learned from it. They are assigned here by named,
readable patterns layered on the model's output. They are NOT YET VALIDATED against
expert MITI codes; the model card says so and reports how often each fires on AnnoMI.

Policy (why the rules are shaped this way): a heuristic refines *inside* the AnnoMI
class the model predicted. The price: a permission-seeking *question* ("Is it okay if
we look at this form?") stays a question, because AnnoMI's annotators label such turns
question and we measured that moving them would lower agreement (see MODEL_CARD.md).

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

The second, ``is_affirmation``: a turn that is praise and nothing else ("Thank you for
telling me. It took guts to say that out loud.") is an affirmation, AnnoMI's other class,
even where the model says reflection or input. The model was never taught affirm, and it
has seen few such turns: the rule matches 15 of the 3,402 dev turns, 12 that AnnoMI's
annotators labelled other, 2 reflection ("Good for you doing that.") and 1 input ("I think
that's great."). A report that calls a trainee's affirmation a reflection misses one of the
MI-adherent skills it counts. It is checked before ``is_directive``: "You should be proud
of yourself." is praise, not direction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .vocab import (
    AFFIRM,
    ANNOMI_OTHER,
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
    r"(?:that|it|this) (?:took|takes|must have taken|must've taken) "
    r"(?:a lot of |so much |real |some )?(?:courage|guts|strength|commitment|bravery)",
    r"you(?:'re| are) (?:really |very |so |clearly )?"
    r"(?:strong|resourceful|determined|committed|brave|courageous|resilient|persistent)",
    r"you(?:'ve| have) worked (?:really |so |very )?hard",
    r"(?:thank you|thanks) (?:so much )?for (?:sharing|coming|being|telling|talking|trusting"
    r"|reaching out|opening up|letting me know|your honesty)",
    r"i (?:really )?appreciate (?:you|your|that you)",
    r"that'?s a (?:really )?(?:great|good|wonderful|smart) (?:idea|plan|step|start|goal|choice)",
    r"(?:i'?m|i am) (?:really |so )?glad (?:that )?you "
    r"(?:told|reached|called|came|shared|said|did|talked|trusted|decided)",
)
# A sentence that carries nothing but acknowledgement ("Okay.", "Wow, yeah.", "I know."):
# ignored when deciding whether a whole turn is an affirmation.
_ACKNOWLEDGEMENT = re.compile(
    r"^(?:(?:okay|ok|yeah|yes|wow|oh|um|uh|mm-hmm|hmm|all right|alright|right|well|so|i know|absolutely|sure)"
    r"[ ,]*)+[.!]*$"
)
_STATEMENT_SPLIT = re.compile(r"(?<=[.!;:])\s+")
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

# Disagreeing, correcting, shaming, labelling, moralising, doubting honesty (MITI: Confront).
CONFRONT_RX = _rx(
    r"that'?s (?:not true|just not true|wrong|ridiculous|silly|crazy|nonsense|an excuse|just an excuse|irresponsible)",
    r"you(?:'re| are) (?:just )?(?:making excuses|in denial|kidding yourself|fooling yourself|lying)",
    r"you(?:'re| are) (?:being )?(?:ridiculous|irresponsible|stubborn|selfish|unreasonable)",
    r"you(?:'re| are) an? (?:alcoholic|addict|drunk|junkie)",
    r"(?:don'?t|do not) you (?:realize|realise|see|understand|care)",
    r"you know (?:better|that'?s wrong)",
    r"what were you thinking",
    r"how could you",
    r"i (?:don'?t|do not) believe you",
    r"you(?:'re| are) not (?:being honest|telling (?:me )?the truth|listening)",
    r"shame on you",
    r"you (?:obviously|clearly) (?:have a problem|are an?)",
    r"you(?:'ve| have) got a (?:real |serious )?problem",
)

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


def is_affirmation(normalised_text: str) -> bool:
    """The whole turn is praise (see the module's policy): no question, and every sentence
    that is more than an acknowledgement matches the affirm lexicon ("Thank you for telling
    me. It took guts to say that out loud."). A reflection with a word of praise in it
    ("That's great, it sounds like you've got options.") is not one."""
    if "?" in normalised_text or _REFLECTION_STEM.search(normalised_text):
        return False
    sentences = [s for s in _STATEMENT_SPLIT.split(normalised_text.strip()) if s]
    said = [s for s in sentences if not _ACKNOWLEDGEMENT.match(s)]
    return bool(said) and all(_mostly_praise(s) for s in said)


# Words of a sentence outside its affirm matches that still leave it praise ("It took guts
# to say that out loud, and I'm glad you did.": 6). Without it, a turn typed without
# punctuation is one long "sentence" that one "thanks for coming in" would make praise.
MAX_WORDS_BESIDE_PRAISE = 6
_WORD_RX = re.compile(r"[a-z0-9']+")


def _mostly_praise(sentence: str) -> bool:
    rest, matches = AFFIRM_RX.subn(" ", sentence)
    return matches > 0 and len(_WORD_RX.findall(rest)) <= MAX_WORDS_BESIDE_PRAISE


def is_directive(normalised_text: str, normalised_prev_client: str) -> bool:
    """A statement that gives direction the client did not voice (see the module's policy):
    the coder codes it as therapist input, whatever the model's class."""
    if "?" in normalised_text or not DIRECTIVE_RX.search(normalised_text):
        return False
    return not _FIRST_PERSON_OBLIGATION_RX.search(normalised_prev_client)


def refine(annomi_class: str, normalised_text: str, input_subtype: str, normalised_prev_client: str) -> Refinement:
    """Dispatch on the model's AnnoMI class; questions and reflections are not refined here."""
    if annomi_class == ANNOMI_THERAPIST_INPUT:
        return refine_input(normalised_text, input_subtype, normalised_prev_client)
    if annomi_class == ANNOMI_OTHER:
        return refine_other(normalised_text)
    return Refinement(annomi_class, "")
