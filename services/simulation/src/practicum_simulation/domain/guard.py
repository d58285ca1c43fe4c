"""Output guard: every simulated-client reply passes through here, streamed or not.

Rules (a lexicon/regex HEURISTIC, named as such; tuned for precision on client speech):

==================  ==========================================================  =========
rule                what it catches                                             outcome
==================  ==========================================================  =========
role_break          "as an AI", "language model", "how can I help you", helper  violation
                    boilerplate ("I recommend you ...", "you're not alone"),
                    meta-talk about the simulation, prompts or instructions,
                    assistant list layout, the client narrating itself by name
                    or in a bracketed third-person aside ("(He looks away.)"), or
                    reading out a fact of the brief as written ("He has been ...")
self_harm_method    method or means *detail*, instructions, lethality or dose   violation
                    talk. A client may say they have thought of suicide or that
                    they own a firearm (in-scope, the trainee must hear it);
                    how, with what, how much, how to is never allowed
speaker_leak        the model starts writing the other side ("\\nTherapist:")   repaired
role_prefix         a leading "Client:" / "Marcus:" / invented-name label and a     repaired
                    leading stage direction ("(nervously)")
length              more sentences or characters than the turn allows:          repaired
                    truncated at a sentence boundary (or a word + "...")
repetition          a sentence repeated verbatim (small models loop): cut      repaired
                    before the repeat
repeated_reply      the whole reply (nearly) copies an earlier reply of the     violation
                    session, checked when the reply ends
empty               nothing left to say after repairs                           violation
==================  ==========================================================  =========

Streaming
---------
``StreamGuard.feed(delta)`` returns the text that is safe to release *now* and holds back
only what could still turn into a violation. It uses the ``regex`` module's *partial*
matching: after each delta one anchored search finds complete matches in the settled
text (a trailing half-word is never judged) and one partial search finds the leftmost
place where a rule could still complete. Text before that place can never be part of a
match and is released; the tail from there on is held. So "As an" is held until the
next delta shows whether "AI" follows, while ordinary speech streams with a hold of
about one word. Each search starts at the first unreleased position, so the per-delta
cost is proportional to the held tail, not to the reply so far.

A violation is reported on the delta that completes it (``GuardStep.violation``); the
caller stops generation, emits ``Reset`` if anything was released, regenerates once and
falls back to an in-character fallback line when the retry fails too. ``GuardedReply``
implements exactly that protocol without any I/O so the gRPC layer only moves bytes.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

import regex

# --- lexicon ----------------------------------------------------------------------------
# Patterns are written with " " meaning 1-3 whitespace characters and with bounded
# repetitions only, so every rule has a finite maximum width (checked in the tests).

_ROLE_BREAK: dict[str, str] = {
    "as_an_ai": (
        r"\bas an? (?:ai|a\.i\.|artificial intelligence|language model|llm|chatbot|chat bot"
        r"|virtual assistant|ai assistant|helpful assistant|digital assistant|bot"
        r"|computer program|machine)\b|\bas your (?:ai|assistant)\b"
    ),
    "language_model": r"\b(?:large )?language models?\b|\bllms?\b",
    "i_am_ai": (
        r"\bi(?:'m| am) (?:just |only |merely |actually |really |not |simply )?(?:an? |your )?"
        r"(?:ai|a\.i\.|artificial intelligence|chatbot|chat bot|bot|virtual assistant"
        r"|ai assistant|ai model|computer program|simulation|simulated (?:client|person"
        r"|character|patient|veteran|caller))\b"
        r"|\bi(?:'m| am) not (?:a )?real (?:person|human|client|caller)\b"
    ),
    "assistant_identity": r"\b(?:helpful|virtual|digital) assistant\b",
    "vendor": (r"\b(?:openai|chatgpt|gpt-?[345]\w{0,3}|anthropic|smollm\w{0,6}|hugging ?face)\b"),
    "offers_help": (
        r"\bhow (?:can|may|could) i (?:help|assist)\b"
        r"|\bis there anything (?:else )?i can (?:help|do for you|assist)\b"
        r"|\bi(?:'m| am) (?:always |just )?here to (?:help|support|listen|assist)\b"
        r"|\b(?:happy|glad) to (?:help|assist)\b|\bfeel free to (?:ask|reach out|share)\b"
        r"|\blet me know if (?:you|there)\b"
        r"|\b(?:sorry|apologi[sz]e) for (?:the|any) (?:confusion|inconvenience|misunderstanding)\b"
    ),
    "helper_role": (
        r"\bas your (?:therapist|counsel{1,2}or|peer supporter|helper|coach|clinician)\b"
        r"|\bi(?:'m| am) your (?:therapist|counsel{1,2}or|peer supporter|helper|coach"
        r"|clinician)\b"
        # The client claiming the trainee's side of the call ("I'm just the responder").
        r"|\bi(?:'m| am) (?:just |only )?the (?:responder|crisis (?:line )?responder|counsel{1,2}or"
        r"|therapist|peer supporter|helper|one helping you)\b"
        r"|\bit(?:'s| is) important (?:to|that you) (?:seek|reach out|talk to|remember"
        r"|take care|prioritize)\b"
        r"|\bi (?:would )?(?:strongly )?(?:recommend|suggest|encourage|urge) (?:that )?you\b"
        r"|\bplease (?:reach out|seek|contact a|consider)\b"
        r"|\bconsider (?:reaching out|talking to a|seeking|speaking with a)\b"
        r"|\byou (?:should|could|might want to|need to) (?:seek|get|consider) "
        r"(?:professional|some professional|therapy)\b"
        r"|\bhere are (?:some|a few) (?:tips|strategies|steps|ways|suggestions|resources)\b"
        r"|\byour (?:feelings|emotions) are (?:valid|understandable)\b"
        r"|\byou(?:'re| are) not alone\b|\bit(?:'s| is) (?:okay|ok) to feel (?:that|this) way\b"
        r"|\bit(?:'s| is) (?:completely |totally |perfectly )?(?:normal|understandable) to feel\b"
    ),
    "meta_talk": (
        r"\b(?:this|the|our) (?:simulation|role-?play|role play)\b"
        r"|\bsimulat(?:ed|ion) (?:client|conversation|session|scenario)\b"
        r"|\b(?:in|out of|break|breaking|broke) character\b"
        r"|\b(?:my|your) (?:instructions|system prompt|programming|guidelines)\b"
        r"|\bsystem prompt\b|\bi(?: was| have been| am|'m|'ve been) (?:programmed|designed) to\b"
        r"|\b(?:respond|reply|answer|speak|talk)(?:ing)? as \w{1,20} would\b"
        r"|\bin the role of\b|\b(?:play|playing|played) (?:the )?(?:role|part|character) of\b"
    ),
    "assistant_refusal": (
        r"\bi(?: can't| cannot| am unable to|'m unable to| won't be able to|'m not able to)"
        r" (?:provide|assist|help you with|comply|fulfill|generate|engage in)\b"
        # "I'm sorry, I can't process that." (the local 135M model, 3 times in one demo).
        # Only with the apology: an overwhelmed client may well say "I can't process this".
        r"|\bi(?:'m| am) sorry,? (?:but )?i (?:can't|cannot) (?:process|understand|respond to)"
        r" (?:that|this|your (?:request|question|message))\b"
    ),
    "list_layout": r"(?:^|\n)[ \t]{0,3}(?:[-*\u2022]|\d{1,2}[.)])[ \t]{1,3}\S",
    # The persona prefix's own section labels (prompt.system_prefix) showing up in a
    # reply: the model is reciting its instructions after an injection.
    "prompt_leak": (
        r"\b(?:how you talk|lines that sound like you|on your mind|habits"
        r"|signs that show without you explaining them|things \w{1,20} shares if they come up"
        r"|about \w{1,20} \(you\))\s{0,2}:"
    ),
}

_SELF_HARM: dict[str, str] = {
    "reflexive_method": (
        r"\b(?:shoot|shooting|shot|hang|hanging|hanged|poison|poisoning|poisoned|suffocate"
        r"|suffocating|strangle|strangling|drown|drowning|drowned|electrocute|electrocuting"
        r"|stab|stabbing|stabbed|cut|cutting|gas|gassing) (?:my|him|her|your|them|one)"
        r"sel(?:f|ves)\b"
    ),
    "firearm_to_body": (
        r"\b(?:put|putting|stick|sticking|hold|holding|held|press|pressing|point|pointing"
        r"|pointed) (?:the|my|a|that|his|her) (?:gun|pistol|barrel|muzzle|rifle|revolver"
        r"|handgun|shotgun) (?:to|in|against|under|at) (?:my|his|her|your|their|the "
        r"(?:head|temple|chin|mouth|chest))\b"
        r"|\bpull(?:ing|ed|s)? the trigger\b|\beat(?:ing|s)? (?:my|a|the|his) (?:gun|pistol"
        r"|bullet|barrel)\b|\bbullet (?:in|into|through) (?:my|your|his|her) (?:head|brain"
        r"|skull|heart|mouth|chest)\b|\bchamber(?:ed|ing)? a round\b"
    ),
    "swallow_quantity": (
        r"\b(?:take|took|taking|swallow|swallowed|swallowing|down|downed|downing) (?:all"
        r"|a bunch|a handful|handfuls|the whole|every one|a whole bottle|a bottle|the rest)"
        r" (?:of )?(?:my |the |those |them |these |his |her )?(?:pills|meds|medications?"
        r"|tablets|capsules|painkillers|sleeping pills)\b"
    ),
    "overdose": (
        r"\boverdos(?:e|ed|ing) on\b|\bod(?:'d|ed)? on\b"
        r"|\bi(?:'d|'ll| would| will| could| might| want to| wanna| was going to"
        r"| thought about| think about)? (?:just )?overdos(?:e|ing)\b"
    ),
    "jump": (
        r"\bjump(?:ing|ed|s)? (?:off|from|in front of) (?:a |the |my |that |an )?(?:bridge"
        r"|building|roof|rooftop|ledge|cliff|overpass|balcony|parking (?:garage|structure)"
        r"|train|bus|truck|tower|window)\b"
    ),
    "vehicle": (
        r"\b(?:drive|driving|drove|crash|crashing|crashed|steer|steering|swerve|swerving)"
        r" (?:my (?:car|truck) |it )?(?:off|into) (?:a |the |an )?(?:bridge|tree|wall|pole"
        r"|barrier|cliff|river|lake|oncoming|guardrail|overpass)\b"
    ),
    "gas_or_asphyxia": (
        r"\bcarbon monoxide\b|\bexhaust (?:pipe|fumes|hose)\b|\bcar running in the garage\b"
        r"|\bcharcoal (?:burning|in the)\b|\bhelium (?:tank|bag)\b|\bplastic bag over\b"
        r"|\bnooses?\b|\bligatures?\b|\brope (?:around|from|over)\b"
    ),
    "cutting": (
        r"\b(?:cut|cutting|slit|slitting|slash|slashing|open|opening) (?:my|your|his|her"
        r"|their|the) (?:wrists?|throat|veins?)\b|\bbleed(?:ing)? out\b"
    ),
    "ingestion": (
        r"\b(?:drink|drinking|drank|swallow|swallowing|swallowed) (?:some |the |a bottle of )?"
        r"(?:antifreeze|bleach|rat poison|pesticide|weed killer|drain cleaner)\b"
    ),
    "lethality": (
        r"\b(?:lethal|fatal|deadly|toxic|killing) (?:dose|amount|quantity|level|combination"
        r"|mix)\b"
        r"|\b(?:painless|quickest|fastest|easiest|surest|quietest|cleanest|most (?:effective"
        r"|reliable|certain|lethal|painless)) (?:way|method|means|option)s? (?:to (?:die|go"
        r"|do it|end it|end (?:my|your) life|kill)|out)\b"
        r"|\b(?:methods?|ways?) (?:of|for|to) (?:suicide|killing (?:myself|yourself)|dying"
        r"|ending (?:it|my life|your life))\b|\bsuicide methods?\b"
        r"|\bguaranteed to (?:work|kill|die)\b"
    ),
    "dose": (
        r"\b\d{1,5} ?(?:mg|milligrams?|mcg|micrograms?|grams?)\b"
        r"|\b\d{1,4} (?:pills|tablets|capsules)\b"
        r"|\b(?:twenty|thirty|forty|fifty|sixty|hundred|a hundred) (?:pills|tablets|capsules)\b"
        r"|\bhow (?:many|much) (?:pills|tablets|capsules|meds|medication|of (?:them|those|my"
        r"|these)|it (?:would|will) take|would it take)\b"
        r"|\benough (?:pills|meds|medication|of (?:them|those)|rounds?) to (?:kill|die|end it"
        r"|do it|do the job|overdose|finish)\b"
        r"|\benough to (?:kill (?:me|myself|you|yourself|someone|a person)|die|overdose"
        r"|be (?:fatal|lethal))\b"
    ),
    "instruction": (
        r"\bhow to (?:kill|hurt|harm|end) (?:yourself|himself|herself|themselves|oneself"
        r"|your life)\b"
        r"|\ball you (?:need|have|gotta|got) (?:to )?do is\b"
        r"|\b(?:the )?(?:best|right|only|easiest|surest) way to (?:do it|kill|die|end it)\b"
        r"|\bhere(?:'s| is) how (?:you|to) (?:do it|kill|end|hurt)\b"
        r"|\byou (?:could|can|should|would) (?:just )?(?:use|take|try) (?:a |the |your |some )?"
        r"(?:gun|pills|rope|car|knife|blade|razor|belt)\b"
    ),
}

_SPEAKER_LABELS = (
    r"therapist|counsel{1,2}or|trainee|user|assistant|helper|peer supporter|supporter"
    r"|responder|client|caller|interviewer|patient|veteran|system"
)


# A small model often writes a script: "Lepreys: (nervously) Ah, I'm sorry". Any one or
# two capitalised words before a colon, at the start or after a sentence, count as a
# speaker label (case-sensitive even inside the case-insensitive patterns).
_INVENTED_LABEL = r"(?-i:[A-Z][a-z]{1,14}(?:[ \t][A-Z][a-z]{1,14})?)"
# A leading stage direction, "(nervously)", "(sitting up)", "(nervously, but in a friendly,
# no-frills manner)": narration, not speech. Lower-case only, so a spoken aside that opens a
# reply ("(And I mean it) that job was everything.") stays.
_STAGE_DIRECTION = r"\((?-i:[a-z]+(?:,?[ \t]{1,2}[a-z][a-z-]*){0,9})\)[ \t]{0,3}"
# The longest stage direction a reply's start is held back for while its ")" is awaited.
_STAGE_DIRECTION_HOLD = 80


# Narration of the client from outside: its body, or a bracketed third-person aside
# ("(He looks away.)"). Clients talk about other people as "he" and "she" all the time, so
# pronouns count only inside an opening bracket, where nobody speaks.
_BODY = r"(?:expression|face|voice|eyes|tone|gaze|posture|hands|head|shoulders|jaw|body language)\b"
_NARRATED_ASIDE = (
    r"[(\[][ \t]{0,2}(?:he|she|they|the client|the veteran|the caller)[ \t]{1,3}"
    r"(?:is|was|looks|sighs|pauses|answers|replies|nods|shrugs|smiles|laughs|frowns|stares|hesitates"
    r"|continues|seems|says|asks|shakes|leans|sits|takes|rubs|glances)\b"
    r"|[(\[][ \t]{0,2}(?:his|her|their)[ \t]{1,3}" + _BODY
)


def _expand(pattern: str) -> str:
    return pattern.replace(" ", r"\s{1,3}")


def _alternation(rules: dict[str, dict[str, str]]) -> str:
    parts = []
    for rule, subs in rules.items():
        for name, pattern in subs.items():
            parts.append(f"(?P<{rule}__{name}>{_expand(pattern)})")
    return "|".join(parts)


# Curly quotes and no-break spaces are folded 1:1 so offsets into the raw text hold.
_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})
_SENTENCE_END = regex.compile(
    r"(?<!\b(?:mr|mrs|ms|dr|st|sgt|lt|capt|col|gen|vs|etc|jr|sr|sen|rep))"
    r"[.!?\u2026]+[\"')\]]*(?=\s)",
    regex.IGNORECASE,
)
_ELLIPSIS = "..."


def _persona_names(names: Iterable[str]) -> str:
    escaped = {r"\s{1,3}".join(regex.escape(word) for word in n.split()) for n in names if n.strip()}
    return "|".join(sorted(escaped, key=len, reverse=True))


def _names_pattern(names: Iterable[str]) -> str:
    """Speaker labels plus the persona's names (words escaped, spaces flexible)."""
    persona = _persona_names(names)
    return "|".join([_expand(_SPEAKER_LABELS), *([persona] if persona else []), _INVENTED_LABEL])


@lru_cache(maxsize=256)
def _patterns(names: tuple[str, ...]) -> tuple[regex.Pattern[str], regex.Pattern[str]]:
    labels = _names_pattern(names)
    leak = (
        r"(?:\n|(?<=[.!?\"'])[ \t]{1,3})[ \t]{0,3}(?:\*\*)?(?:" + labels + r")(?:\*\*)?"
        r"[ \t]{0,2}:"
    )
    combined = _alternation({"role_break": _ROLE_BREAK, "self_harm_method": _SELF_HARM})
    persona = _persona_names(names)
    if persona:
        # The client narrating itself ("Dale is not sure ...") or addressing itself by
        # name ("Dale, I'm sorry") has lost the role, as small models often do.
        # Also its body as seen from outside ("(Dale's expression is puzzled. He answers in
        # 12 words.)", written by the local 135M model in a demo).
        narration = (
            rf"\b(?:{persona})\s{{1,3}}(?:is|was|feels|felt|says|said|has|had|looks|sighs|nods"
            rf"|thinks|admits|answers|replies|seems|smiles|pauses|shrugs|continues|asks|responds"
            rf"|hesitates|stares|frowns|laughs)\b|\b(?:{persona}),"
            rf"|\b(?:{persona})'s\s{{1,3}}{_BODY}"
            # "Dale's getting a little carried away." ("Dale is ...", seen in a demo).
            rf"|\b(?:{persona})'s\s{{1,3}}(?:\w{{2,20}}ing|been|not|got|gonna|just|always|never|feeling"
            rf"|a|an|very|really|so|too|pretty|kind of|had)\b"
            # Calling the trainee by the client's own name ("I'm so glad you like what I do,
            # Sam."): the model has swapped sides (seen twice in one demo).
            rf"|,[ \t]{{1,3}}(?:{persona})[ \t]{{0,2}}[.!?]"
            # Or telling the trainee they are the client ("You're not the one, you are
            # Keisha. You have been thinking about killing yourself all week.", seen in a demo).
            rf"|\byou(?:'re|\s{{1,3}}are)\s{{1,3}}(?:{persona})\b(?!')"
        )
        combined += f"|(?P<role_break__narration>{narration})"
    combined += f"|(?P<role_break__narration_aside>{_NARRATED_ASIDE})"
    combined += f"|(?P<speaker_leak__label>{leak})"
    label = r"(?:\*\*)?(?:" + labels + r")(?:\*\*)?[ \t]{0,2}:(?:\*\*)?[ \t]{0,3}"
    if persona:
        # "Dale... (nervously) I'm sorry.": the client announcing itself, as in a script.
        label = "(?:" + label + r"|(?:" + persona + r")(?:\.{2,3}|\u2026)[ \t]{0,3})"
    prefix = r"\s{0,3}(?:" + label + "(?:" + _STAGE_DIRECTION + ")?|" + _STAGE_DIRECTION + ")"
    return (
        regex.compile(combined, regex.IGNORECASE),
        regex.compile(prefix, regex.IGNORECASE),
    )


# --- records ----------------------------------------------------------------------------


class Rule(StrEnum):
    ROLE_BREAK = "role_break"
    SELF_HARM_METHOD = "self_harm_method"
    SPEAKER_LEAK = "speaker_leak"
    ROLE_PREFIX = "role_prefix"
    LENGTH = "length"
    REPETITION = "repetition"
    REPEATED_REPLY = "repeated_reply"
    EMPTY = "empty"
    INPUT_INJECTION = "input_injection"
    TRAINEE_DISTRESS = "trainee_distress"
    UPSTREAM_ERROR = "upstream_error"


class Action(StrEnum):
    REGENERATED = "regenerated"
    REPAIRED = "repaired"
    FALLBACK = "fallback"
    ANSWERED_IN_ROLE = "answered_in_role"
    CRISIS_PAUSE = "crisis_pause"


@dataclass(frozen=True)
class GuardAction:
    """One guard decision, for ReplyDone.guard_actions and metrics labels."""

    rule: str
    action: str
    detail: str = ""


@dataclass(frozen=True)
class Violation:
    rule: str
    detail: str
    position: int


@dataclass(frozen=True)
class GuardStep:
    text: str
    """Newly released text (may be empty)."""
    violation: Violation | None = None
    stop: bool = False
    """True once the guard needs no more input: stop generating upstream."""


@dataclass(frozen=True)
class GuardConfig:
    max_sentences: int = 3
    max_chars: int = 320
    speaker_names: tuple[str, ...] = ()
    """The persona's names, stripped as leading labels and caught as speaker leaks."""
    earlier_replies: tuple[str, ...] = ()
    """The client's replies so far in the session: a near-copy of one is regenerated."""
    brief: tuple[str, ...] = ()
    """Third-person lines of the character brief in this turn's prompt (the facts it may
    disclose): a reply that copies one in the third person is regenerated."""

    def __post_init__(self) -> None:
        if self.max_sentences < 1 or self.max_chars < 20:
            raise ValueError("guard limits are too small to hold a reply")

    @classmethod
    def for_persona(
        cls,
        name: str,
        max_sentences: int = 3,
        max_chars: int = 320,
        earlier_replies: Sequence[str] = (),
        brief: Sequence[str] = (),
    ) -> GuardConfig:
        first = name.split(maxsplit=1)[0] if name.strip() else name
        return cls(max_sentences, max_chars, tuple(dict.fromkeys((name, first))), tuple(earlier_replies), tuple(brief))


# Small models copy their own previous turn from the history ("Hey, buddy. You're just
# going to have to talk about your mom." every turn). A reply of at least this many
# words whose word sequence is this similar to an earlier reply is treated as a copy;
# short answers ("Yeah.", "I don't know.") legitimately recur and are left alone.
_COPY_MIN_WORDS = 5
_COPY_SIMILARITY = 0.8


def _words(text: str) -> list[str]:
    words: list[str] = regex.findall(r"[\w']+", text.translate(_FOLD).lower())
    return words


def repeats_earlier_reply(text: str, earlier: Iterable[str]) -> bool:
    """True when ``text`` is a (near-)verbatim copy of one of the ``earlier`` replies."""
    words = _words(text)
    if len(words) < _COPY_MIN_WORDS:
        return False
    return any(
        difflib.SequenceMatcher(None, words, _words(before), autojunk=False).ratio() >= _COPY_SIMILARITY
        for before in earlier
    )


# Scenario facts are written about the client ("He has been thinking about killing himself
# most nights ..."), and a small model may read one out as it stands: the client then
# narrates itself. A 5-word span of a brief line that carries a third-person pronoun, found
# in the reply, is that copy; the same fact told in the first person shares no such span.
_BRIEF_SPAN = 5
_THIRD_PERSON = frozenset({"he", "him", "his", "himself", "she", "her", "hers", "herself"})


def narrates_brief(text: str, brief: Iterable[str]) -> bool:
    """True when ``text`` copies a third-person span of one of the ``brief`` lines."""
    words = _words(text)
    spans = {tuple(words[i : i + _BRIEF_SPAN]) for i in range(len(words) - _BRIEF_SPAN + 1)}
    for line in brief:
        line_words = _words(line)
        for i in range(len(line_words) - _BRIEF_SPAN + 1):
            span = tuple(line_words[i : i + _BRIEF_SPAN])
            if span in spans and not _THIRD_PERSON.isdisjoint(span):
                return True
    return False


def _detail(rule: str, sub: str, matched: str) -> str:
    # Self-harm detail names the pattern only: method text must not reach logs/metrics.
    if rule == Rule.SELF_HARM_METHOD:
        return sub
    return f"{sub}: {matched.strip()[:60]}"


class StreamGuard:
    """Incremental guard for one reply attempt. Not thread-safe; one per stream."""

    def __init__(self, config: GuardConfig | None = None) -> None:
        self.config = config or GuardConfig()
        self._combined, self._prefix = _patterns(self.config.speaker_names)
        self._raw = ""
        self._norm = ""
        self._start: int | None = None
        self._quoted = False
        self._safe = 0
        self._released = 0
        self._sent_pos = 0
        self._sentence_ends: list[int] = []
        self._sentences_seen: set[str] = set()
        self._out: list[str] = []
        self._done = False
        self.violation: Violation | None = None
        self.actions: list[GuardAction] = []
        """Repairs applied to this attempt (violations are reported separately)."""

    # -- public ---------------------------------------------------------------------------

    @property
    def text(self) -> str:
        """Everything released so far."""
        return "".join(self._out)

    @property
    def done(self) -> bool:
        return self._done

    def feed(self, delta: str) -> GuardStep:
        if self._done:
            return GuardStep("", self.violation, True)
        self._raw += delta
        self._norm += delta.translate(_FOLD)
        return self._advance(final=False)

    def finish(self) -> GuardStep:
        """End of the upstream stream: flush what is left, or report why not."""
        if self._done:
            return GuardStep("", self.violation, True)
        return self._advance(final=True)

    # -- internals ------------------------------------------------------------------------

    def _advance(self, final: bool) -> GuardStep:
        if self._start is None and not self._resolve_start(final):
            return GuardStep("")
        assert self._start is not None
        norm = self._norm
        end = len(norm)
        settled = end if final else self._settled_end()
        scan_from = max(self._safe, self._start)

        if final:
            # _truncate re-checks everything still held as complete text.
            self._safe = end
        else:
            # One search per delta: the leftmost place where a rule matches or could still
            # match. A complete match in settled text is acted on now; anything else holds
            # the tail from its start. (A complete match behind an earlier partial one is
            # caught a few characters later, when that partial one resolves; it is never
            # released in between.)
            m = self._combined.search(norm, scan_from, end, partial=True)
            if m is None:
                self._safe = end
            elif not m.partial and m.end() <= settled:
                rule, sub = str(m.lastgroup).split("__", 1)
                if rule == Rule.SPEAKER_LEAK:
                    self.actions.append(GuardAction(Rule.SPEAKER_LEAK, Action.REPAIRED, "label"))
                    return self._truncate(m.start())
                return self._violate(rule, _detail(rule, sub, m.group()), m.start())
            else:
                self._safe = m.start()

        cut = self._length_cut(settled, final)
        if cut is not None:
            return cut
        if final:
            return self._truncate(end)
        limit = self._start + self.config.max_chars - len(_ELLIPSIS)
        upto = min(self._safe, settled, self._repeat_hold())
        if upto > limit:
            # Near the length limit, release whole words only: a cut there ends the reply
            # with "...", which must not follow half a word ("sorry f...").
            space = norm.rfind(" ", self._released, limit + 1)
            upto = space if space > self._released else self._released
        # Trailing spaces go out with the next word (never visible, never left dangling);
        # a closing quote may be the reply's last character, so it waits for the end.
        trailing = '" \t\n' if self._quoted else " \t\n"
        while upto > self._released and norm[upto - 1] in trailing:
            upto -= 1
        return GuardStep(self._release(upto))

    def _resolve_start(self, final: bool) -> bool:
        norm = self._norm
        m = self._prefix.match(norm, 0, len(norm), partial=not final)
        if m is not None and not final:
            # A match that reaches the end of what has arrived, or stops at an unclosed
            # "(", may still grow: "Dale: " can become "Dale: (sighs) ". (The regex
            # module prefers the complete shorter match to the partial longer one.)
            rest = norm[m.end() :]
            if (
                m.partial
                or not rest
                or (rest.startswith("(") and ")" not in rest and len(rest) < _STAGE_DIRECTION_HOLD)
            ):
                return False
        start = 0
        if m is not None:
            start = m.end()
            self.actions.append(GuardAction(Rule.ROLE_PREFIX, Action.REPAIRED, m.group().strip()[:40]))
        while start < len(norm) and norm[start].isspace():
            start += 1
        if start == len(norm) and not final:
            return False  # only whitespace so far: a label or quote may still come
        if start < len(norm) and norm[start] == '"':
            self._quoted = True
            start += 1
        self._start = self._released = self._sent_pos = start
        return True

    def _settled_end(self) -> int:
        """End of the text that cannot change meaning: stops before a trailing half-word."""
        norm = self._norm
        i = len(norm)
        while i > self._released and (norm[i - 1].isalnum() or norm[i - 1] in "'_"):
            i -= 1
        return i

    def _length_cut(self, settled: int, final: bool) -> GuardStep | None:
        assert self._start is not None
        norm = self._norm
        for m in _SENTENCE_END.finditer(norm, self._sent_pos, settled):
            begin = self._sentence_ends[-1] if self._sentence_ends else self._start
            sentence = " ".join(norm[begin : m.end()].lower().split())
            if sentence in self._sentences_seen:
                # Small models loop ("I'm sorry. I'm sorry."): keep the first one only.
                self.actions.append(GuardAction(Rule.REPETITION, Action.REPAIRED, "repeated sentence"))
                return self._truncate(begin)
            self._sentences_seen.add(sentence)
            self._sentence_ends.append(m.end())
            self._sent_pos = m.end()
        horizon = len(norm) if final else settled
        max_s = self.config.max_sentences
        if len(self._sentence_ends) >= max_s:
            cap = self._sentence_ends[max_s - 1]
            # Any visible character after the last allowed sentence starts one too many.
            if norm[cap:].strip():
                self.actions.append(GuardAction(Rule.LENGTH, Action.REPAIRED, f"over {max_s} sentences"))
                return self._truncate(cap)
        limit = self._start + self.config.max_chars
        if horizon - self._start > self.config.max_chars and norm[limit:horizon].strip():
            ends = [e for e in self._sentence_ends if self._released <= e <= limit]
            detail = f"over {self.config.max_chars} characters"
            self.actions.append(GuardAction(Rule.LENGTH, Action.REPAIRED, detail))
            if ends:
                return self._truncate(ends[-1])
            room = limit - len(_ELLIPSIS)
            space = norm.rfind(" ", self._released, room)
            return self._truncate(space if space > self._released else self._released, _ELLIPSIS)
        return None

    def _repeat_hold(self) -> int:
        """Hold the sentence in progress while it could still repeat an earlier one."""
        assert self._start is not None
        begin = self._sentence_ends[-1] if self._sentence_ends else self._start
        fragment = " ".join(self._norm[begin:].lower().split())
        if fragment and any(seen.startswith(fragment) for seen in self._sentences_seen):
            return begin
        return len(self._norm)

    def _truncate(self, at: int, suffix: str = "") -> GuardStep:
        """Final release up to ``at``; the held text before ``at`` is re-checked as complete.

        Only whitespace can have been released past a sentence cap (content after the cap
        is cut before it is released), so ``at`` never moves the frontier backwards.
        """
        assert self._start is not None
        at = max(at, self._released)
        # Released text was already proven match-free; re-check only what was held.
        found = self._combined.search(self._norm, self._released, at)
        if found is not None and found.lastgroup and found.lastgroup.startswith(Rule.SPEAKER_LEAK):
            self.actions.append(GuardAction(Rule.SPEAKER_LEAK, Action.REPAIRED, "label"))
        if found is not None:
            rule, sub = str(found.lastgroup).split("__", 1)
            if rule != Rule.SPEAKER_LEAK:
                return self._violate(rule, _detail(rule, sub, found.group()), found.start())
            at = max(found.start(), self._released)
        piece = self._raw[self._released : at]
        stripped = piece.rstrip()
        if self._quoted and stripped.endswith(('"', "\u201d")):
            stripped = stripped[:-1].rstrip()
        if suffix:
            stripped = stripped.rstrip(" ,;:-") + suffix
        self._released = at
        self._out.append(stripped)
        self._done = True
        if not self.text.strip():
            return self._violate(Rule.EMPTY, "no reply text", at)
        return GuardStep(stripped, None, True)

    def _release(self, upto: int) -> str:
        if upto <= self._released:
            return ""
        piece = self._raw[self._released : upto]
        self._released = upto
        self._out.append(piece)
        return piece

    def _violate(self, rule: str, detail: str, position: int) -> GuardStep:
        self.violation = Violation(rule, detail, position)
        self._done = True
        return GuardStep("", self.violation, True)


@dataclass(frozen=True)
class GuardResult:
    text: str
    actions: tuple[GuardAction, ...]
    violation: Violation | None

    @property
    def ok(self) -> bool:
        return self.violation is None


def check_reply(text: str, config: GuardConfig | None = None) -> GuardResult:
    """Non-streaming check with exactly the streaming semantics."""
    guard = StreamGuard(config)
    guard.feed(text)
    guard.finish()
    return GuardResult(guard.text, tuple(guard.actions), guard.violation)


def find_violations(text: str) -> list[Violation]:
    """Every role-break and self-harm match in a finished text (for audits and red-team
    verdicts, where all reasons matter, not just the first)."""
    combined, _ = _patterns(())
    norm = text.translate(_FOLD)
    out = []
    for m in combined.finditer(norm, overlapped=False):
        rule, sub = str(m.lastgroup).split("__", 1)
        if rule != Rule.SPEAKER_LEAK:
            out.append(Violation(rule, _detail(rule, sub, m.group()), m.start()))
    return out


# --- the reply protocol -------------------------------------------------------------------


class EventKind(StrEnum):
    DELTA = "delta"
    RESET = "reset"


@dataclass(frozen=True)
class ReplyEventOut:
    kind: EventKind
    text: str


@dataclass
class GuardedReply:
    """Regenerate-once-then-fallback protocol around ``StreamGuard``, free of I/O.

    Usage by the streaming endpoint (sync or async alike)::

        reply = GuardedReply(config, fallback_line)
        while reply.needs_attempt:
            reply.begin_attempt()
            for delta in llm_stream(...):           # async for in the server
                emit(reply.feed(delta))
                if reply.should_stop:
                    break                            # cancel the upstream request
            emit(reply.end_attempt())                # or reply.fail_attempt(...) on error
        final = reply.result()

    ``emit`` forwards each ReplyEventOut as TextDelta / Reset. A Reset is emitted only
    when text of a failed attempt was already released.
    """

    config: GuardConfig
    fallback_line: str
    max_attempts: int = 2
    actions: list[GuardAction] = field(default_factory=list, init=False)
    attempts: int = field(default=0, init=False)
    _guard: StreamGuard | None = field(default=None, init=False)
    _final_text: str | None = field(default=None, init=False)
    _used_fallback: bool = field(default=False, init=False)

    @property
    def needs_attempt(self) -> bool:
        return self._final_text is None

    @property
    def should_stop(self) -> bool:
        return self._guard is not None and self._guard.done

    def begin_attempt(self) -> None:
        if not self.needs_attempt:
            raise RuntimeError("reply already complete")
        self.attempts += 1
        self._guard = StreamGuard(self.config)

    def feed(self, delta: str) -> list[ReplyEventOut]:
        guard = self._active()
        step = guard.feed(delta)
        return [ReplyEventOut(EventKind.DELTA, step.text)] if step.text else []

    def end_attempt(self) -> list[ReplyEventOut]:
        guard = self._active()
        step = guard.finish() if not guard.done else GuardStep("", guard.violation, True)
        events = [ReplyEventOut(EventKind.DELTA, step.text)] if step.text else []
        if guard.violation is None and repeats_earlier_reply(guard.text, self.config.earlier_replies):
            return events + self._failed(guard, Rule.REPEATED_REPLY, "copies an earlier reply")
        if guard.violation is None and narrates_brief(guard.text, self.config.brief):
            return events + self._failed(guard, Rule.ROLE_BREAK, "narration: reads out the brief in the third person")
        if guard.violation is None:
            self.actions.extend(guard.actions)
            self._final_text = guard.text.strip()
            self._guard = None
            return events
        return events + self._failed(guard, guard.violation.rule, guard.violation.detail)

    def fail_attempt(self, detail: str) -> list[ReplyEventOut]:
        """The upstream stream errored mid-way: same path as a violation."""
        return self._failed(self._active(), Rule.UPSTREAM_ERROR, detail)

    def result(self) -> GuardResult:
        if self._final_text is None:
            raise RuntimeError("reply not complete")
        return GuardResult(self._final_text, tuple(self.actions), None)

    @property
    def used_fallback(self) -> bool:
        return self._used_fallback

    def _active(self) -> StreamGuard:
        if self._guard is None:
            raise RuntimeError("call begin_attempt() first")
        return self._guard

    def _failed(self, guard: StreamGuard, rule: str, detail: str) -> list[ReplyEventOut]:
        events: list[ReplyEventOut] = []
        if guard.text:
            events.append(ReplyEventOut(EventKind.RESET, rule))
        self._guard = None
        if self.attempts < self.max_attempts:
            self.actions.append(GuardAction(rule, Action.REGENERATED, detail))
            return events
        self.actions.append(GuardAction(rule, Action.FALLBACK, detail))
        self._final_text = self.fallback_line
        self._used_fallback = True
        events.append(ReplyEventOut(EventKind.DELTA, self.fallback_line))
        return events


def choose_fallback(lines: Sequence[str], session_id: str, turn_number: int, avoid: Iterable[str] = ()) -> str:
    """A fallback line picked deterministically per (session, turn), avoiding lines the
    client already said (pass the client's earlier turns), so repeats are rare."""
    if not lines:
        raise ValueError("a scenario needs fallback lines")
    used = {a.strip() for a in avoid}
    fresh = [line for line in lines if line.strip() not in used] or list(lines)
    digest = hashlib.sha256(f"{session_id}:{turn_number}".encode()).digest()
    return fresh[int.from_bytes(digest[:4], "big") % len(fresh)]
