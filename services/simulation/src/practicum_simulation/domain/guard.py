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
                    (details under "Self-harm rule" below)
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

Self-harm rule
--------------
In scope, so the trainee can practise asking about suicide and access to means: thoughts of
suicide, a timeline without the how ("maybe after Kayla's birthday"), owning a gun and where
it is kept, saving medication ("in the kitchen cabinet") without what or how much, a past
attempt or overdose without method detail, self-harm said as such ("I cut myself sometimes"),
refusing to say how, and ordinary talk (hunting, prescribed doses, drinking, idioms such as
"pulled the trigger on the boat"). Never: the means tied to the act ("it'd be the pistol",
"the pills and a bottle of wine, that was my plan"), amounts ("sixty-two pills"), the drug's
name when saving it, the place, anchor, height, tool or depth, which method works or how fast,
instructions, rehearsal ("the gun in my lap"), and how someone else did it.

Measured on our own hand-written sets of simulated-client replies (tests/unit/data/
guard_eval*.jsonl; written by us, not a validated instrument). Development set, 100 replies
with method or means detail and 179 in-scope or look-alike ones: recall 16/100 -> 97/100,
false positives 11/179 -> 0/179 (in-sample: the rules were written against it; the false
positives were "I cut myself sometimes", prescribed doses in mg, "I took all my meds this
morning", idioms, and a past street-drug overdose). A second set (42 / 70) written after those
changes, in new wording, and measured once before it was used: recall 10/42 (the original rule:
6/42), false positives 0/70 (3/70); after fixing its misses 39/42 and 0/70, in-sample now.
The once-measured 24% is the honest figure for wording nobody anticipated: much method talk
in new wording will get through, so this heuristic is one layer next to the persona prompt
and the reviewed scenarios, not a guarantee. Known misses include "The handgun, probably.
It's the only thing I'd trust to work.", "I figure one shot would be enough." and "I picked
the spot already, out by the quarry where the water's deep.": the means or the plan is only
clear from the conversation.

Cost (tests/unit/bench_guard.py, 1-6 character deltas): per delta 33 -> about 70 us (median),
per reply 1.4 -> 3.1 ms; with word-sized deltas 28 -> 95 us and 1.0 -> 3.4 ms per reply. Text held
back after a delta: mean 4.2 -> 5.8 characters, longest 23 -> 39 (measured on the bench
replies and the in-scope replies of the development set).

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
cost is proportional to the held tail, not to the reply so far; a delta that only extends
the trailing half-word settles nothing and is not searched. A rule that ends in an exclusion
(a negative lookahead: "shot myself" but not "shot myself in the foot") is judged only once
the text it reads has arrived: punctuation after the match, a next character that is not a
space, or ``_LOOKAHEAD_MARGIN`` characters; until then the match is held.

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
from typing import Any

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
    "vendor": (r"\b(?:openai|chatgpt|gpt-?[345]\w{0,3}|anthropic|smollm\w{0,6}|hugging\s?face)\b"),
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


def _trie(words: Iterable[str]) -> str:
    """A non-capturing alternation of literal ``words`` factored by shared prefixes.

    Spaces are kept for ``_expand``; every other character is literal.
    """
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word.lower():
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [
            regex.escape(ch, special_only=True, literal_spaces=True) + build(child)
            for ch, child in sorted(node.items())
            if ch
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" not in node:
            return body
        return ("(?:" + body + ")" if len(branches) == 1 and len(body) > 1 else body) + "?"

    return "(?:" + build(root) + ")"


def _opt(*words: str) -> str:
    """Optional words followed by one space: "(?:(?:the|my) )?" expands to one whitespace run
    instead of one per word (every repetition is work for the matcher at every search)."""
    return "(?:(?:" + "|".join(words) + ") )?"


# Shared vocabulary of the self-harm rules. Means words alone are never a violation (a
# client may own a gun, keep pills in the cabinet, cross a bridge): each rule below needs
# the means tied to the act, to an amount, or to how well it works. Cost: the matcher tries
# every top-level branch at every word start of the held tail, so branches that start with
# the same words share one (bench_guard.py measures the per-delta cost).
_GUN_WORDS = [
    *("gun", "pistol", "handgun", "rifle", "shotgun", "revolver", "glock", "sidearm", "firearm"),
    *("weapon", "service pistol", "service weapon", "service rifle", ".45", "45", ".38", "38"),
    *(".357", "357", ".22", "22", ".40", "9mm", "9 mm", "ar15", "ar-15", "12 gauge", "12-gauge"),
]
_MED_NAMES = [
    *("tylenol", "acetaminophen", "paracetamol", "advil", "ibuprofen", "aspirin", "xanax"),
    *("valium", "ativan", "klonopin", "oxy", "oxys", "oxycodone", "oxycontin", "percocet"),
    *("percocets", "vicodin", "hydrocodone", "norco", "norcos", "fentanyl", "morphine"),
    *("methadone", "lithium", "seroquel", "quetiapine", "trazodone", "ambien", "zolpidem"),
    *("amitriptyline", "nortriptyline", "benadryl", "gabapentin", "tramadol", "lorazepam"),
    *("diazepam", "alprazolam", "clonazepam", "sertraline", "zoloft", "prozac", "fluoxetine"),
    *("lexapro", "escitalopram", "wellbutrin", "bupropion", "prazosin", "propranolol"),
    "insulin",
]
_MED_WORDS = [
    *("pills", "meds", "medication", "medications", "medicine", "tablets", "capsules"),
    *("pain pills", "painkillers", "pain killers", "sleeping pills", "sleepers", "prescription"),
    *("prescriptions", "antidepressants", "opioids", "opiates", "benzos"),
    *_MED_NAMES,
]
_GUN = _trie(_GUN_WORDS) + "s?"
_MED_NAME = _trie(_MED_NAMES)
_MED = _trie(_MED_WORDS)
_MEANS = _trie([*_GUN_WORDS, *_MED_WORDS, "rope", "belt", "cord", "razor", "blade", "bridge", "garage"])
_DRINK = _trie(
    [
        *("alcohol", "booze", "liquor", "vodka", "whiskey", "whisky", "rum", "gin", "tequila"),
        *("bourbon", "scotch", "wine", "beer", "beers", "jack", "everclear", "fifth", "moonshine"),
    ]
)
# 10 and up: "two pills in the morning" is adherence, "sixty-two pills" is an amount.
_COUNT = (
    r"(?:\d{2,4}|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:(?:-|\s)?(?:one"
    r"|two|three|four|five|six|seven|eight|nine))?|hundred|dozen|ten|eleven|twelve"
    r"|(?:thir|four|fif|six|seven|eigh|nine)teen)"
)
_TAKE = _trie(
    [
        *("take", "takes", "took", "taking", "swallow", "swallows", "swallowed", "swallowing"),
        *("down", "downed", "downing", "pop", "popped", "popping", "gulp", "gulped", "chug"),
        *("chugged", "eat", "ate", "eating"),
    ]
)
# Saying what one would do: "I'd", "gonna", "thought about", "you could", "the plan is to".
_WOULD = _trie(
    [
        *("i'd", "i would", "i'll", "i will", "i'm gonna", "im gonna", "gonna", "going to"),
        *("i could", "i might", "i want to", "i wanna", "i was gonna", "i was going to"),
        *("thought about", "think about", "thinking about", "planning to", "plan is to"),
        *("plan was to", "you'd", "you would", "you could", "you can", "you just", "figured i'd"),
    ]
)
_DET = _opt("the", "my", "a", "an", "his", "her", "that", "this", "dad's", "my dad's", "some", "your")
# An amount of medication, as opposed to "my meds" (adherence).
_PILL_AMOUNT = (
    r"(?:(?:all|the rest|a handful|handfuls|a bunch|every one|each one|half) (?:of )?"
    + _opt("my", "the", "those", "these", "her", "his", "your", "mom's", "dad's")
    + r"(?:\w{1,12} )?"
    + _MED
    + r"\b|all (?:of )?(?:them|it)\b|them all\b|every (?:last )?(?:pill|tablet|capsule)\b)"
)
_HIGH_PLACE = (
    r"(?:bridge|building|roof|rooftop|ledge|cliff|overpass|balcony|parking (?:garage|structure"
    r"|deck)|tower|water tower|window|dam|top floor|fire escape)"
)
_CRASH_INTO = (
    r"(?:bridge|tree|wall|pole|barrier|cliff|river|lake|oncoming|guardrail|overpass|concrete"
    r"|median|pillar|semi|embankment|overlook|ravine|canyon)"
)
# Trailing negative lookaheads end in a required character ([^\w']), never in \b or $: at the
# end of a streamed buffer the regex module reports a lookahead body that runs out of text
# as failed, so the exclusion is not applied yet and the match is held until
# _LOOKAHEAD_MARGIN more characters have arrived (StreamGuard); a \b or $ there would instead
# let "hurt me" pass before "ntally" arrives. Keep every lookahead body within the margin.
_NOT_IDIOM_OBJECT = r"(?! (?:anyone|anybody|nobody|kayla|them|her|him|you|me|my|people|others|as|so|too|much)[^\w'])"

_SELF_HARM: dict[str, str] = {
    "reflexive_method": (
        # "cut myself" is not here: a client who self-harms may say that she cuts (the
        # trainee must hear it); the tool, place and depth are caught by "cutting" below.
        r"\b(?:shoot|shooting|shootin'?|shot|hang|hanging|hangin'?|hanged|hung|poison|poisoning"
        r"|poisoned|suffocate|suffocating|strangle|strangling|drown|drowning|drowned|electrocute"
        r"|electrocuting|stab|stabbing|stabbed|gas|gassing) (?:my|him|her|your|them|one)"
        r"sel(?:f|ves)\b"
        # "shot myself in the foot" is an idiom.
        r"(?! in the (?:foot|feet)[^\w'])"
    ),
    "firearm_to_body": (
        r"\b(?:put|putting|puts|stick|sticking|stuck|hold|holding|held|press|pressing|pressed"
        r"|point|pointing|pointed|jam|jammed|rest|rested|had|have had) (?:(?:(?:the|my|a|that"
        r"|his|her|this) )?(?:" + _GUN + r"|barrel|muzzle) (?:to|in|into|against|under|at)"
        r" (?:my|his|her|your|their|the) (?:head|temple|chin|mouth|chest|heart|face|forehead|jaw"
        r"|skull|throat)"
        # "putting it under my chin" after the gun was named in the sentence before; "it" only
        # with the head, since "held it to my chest" is a photo as often as not.
        r"|it (?:to|in|against|under) (?:my|his|her|your) (?:head|temple|chin|forehead|skull))\b"
        # Typos as small models make them; "pulled the trigger on the boat" is an idiom.
        r"|\bpull?(?:ing|ed|s)? the trigg?er(?! on[^\w'])"
        r"|\beat(?:ing|s)? (?:(?:my|a|the|his) (?:gun|pistol|bullet|barrel)|lead)\b"
        r"|\bbullet (?:in|into|through) (?:my|your|his|her) (?:head|brain|skull|heart|mouth"
        r"|chest)\b|\bchamber(?:ed|ing)? a round\b"
        r"|\bload(?:ing|ed)? (?:one|a single|just one|1) (?:round|bullet|shell)\b"
        r"|\b(?:one|a single|1|just one) (?:round|bullet|shell)\W{1,3}(?:that's|that is|is|that'd"
        r" be|that would be) all (?:it|it'd|it would|it'll|you|you'd|i'd|i) (?:takes?|need|needs)\b"
        r"|\b(?:where|which way|how) (?:i'd|i would|to|you'd|you) (?:aim|hold|point|angle|place)"
        r" (?:it|the (?:gun|barrel|pistol))\b"
        # "with the gun in my lap"; "out to the shed with the .22 and that'd be that". Gaps
        # after a common word are counted in words, not characters: the stream holds text for
        # as long as a gap is open, and "I keep a handgun at home, and ..." is in scope.
        r"|\b" + _GUN + r"(?: in (?:my|his|her) (?:lap|mouth)|(?: \w{1,12}){0,3}?,? (?:and|then)"
        r" (?:that'?d|that would|that'?ll|that will|it'?d|it would|it'?ll|it will) be (?:that|it"
        r"|over))\b"
    ),
    "means_choice": (
        # Which means: "it'd be the pistol", "I'd use my service pistol", "did it with a gun".
        r"\bit(?:'d| would|'ll| will|'s gonna| is gonna|s gonna|'s going to| is going to) "
        + _opt("probably", "just", "have to", "prolly")
        + r"be (?:the|my|a|his|her|dad's|my dad's) (?:"
        + _MEANS
        + r"|tracks|train)\b"
        r"|\b" + _WOULD + r"(?: \w{1,10}){0,2}? use (?:the|my|a|his|her|dad's|my dad's|your|that"
        r"|this) (?:(?:old|own) )?(?:" + _GUN + r"|" + _MED + r"|razor|blade)\b"
        # "I'd use the shotgun for ducks" is hunting.
        r"(?! (?:for|at|to hunt|on (?:the )?(?:deer|ducks?|birds?|coyotes?|squirrels?|targets?"
        r"|cans))[^\w'])"
        r"|\bi(?:'d| would|'ll| will| could) (?:\w{1,10} )?use (?:a|the|my) (?:rope|belt|cord)\b"
        r"|\buse (?:that|it|them|this) (?:when|once|if) (?:the time comes|it's time|it comes to it"
        r"|i'm ready|i have to|i decide)\b"
        r"|\bif i (?:ever )?(?:did|do|went through with|were to do) it,? (?:i'd|i would|i'll)"
        r" (?:\w{1,10} ){0,2}?(?:take|grab|get|use) (?:(?:the|my|his|her|\w{1,12}'s) )?(?:old )?" + _GUN + r"\b"
        # A try with a means: "I tried with a rope", "when I tried before, I used a belt" ("I
        # tried it with the new meds" is adherence, so medication only in the second form).
        r"|\b(?:tried|attempted)(?:(?: it)? (?:with|using) (?:(?:a|the|my|his|her) )?(?:rope|belt"
        r"|cord|noose|razor|blade|knife|" + _GUN + r")|(?: \w{1,12}){0,3}?,? (?:i )?used (?:a|the|my"
        r"|his|her) (?:belt|rope|cord|sheet|knife|razor|" + _GUN + r"|" + _MED + r"))\b"
        r"|\b(?:decided|settled on|picked|chose|chosen)(?: that)? (?:that's|that is|this is|it's"
        r"|it'll be) (?:how|the way)\b"
        r"|\b(?:do|did|done|doing|end|ended|ending|finish) (?:it|this|that|things|it all) (?:with"
        r"|using) " + _DET + _MEANS + r"\b"
        r"|\b(?:who|people|most people|folks|they) (?:(?:try|tries|tried|attempt|attempted|do it"
        r"|did it)(?: it)? (?:with|using) "
        + _opt("a", "the", "some")
        + r"(?:"
        + _GUN
        + r"|"
        + _MED
        + r")|"
        + _opt("mostly", "usually", "often", "just", "always")
        + r"use "
        + _opt("a", "the", "their")
        + r"(?:belt|rope|cord|"
        + _GUN
        + r"|"
        + _MED
        + r"))\b"
    ),
    "swallow_quantity": (
        # An amount taken, or about to be: "take the whole bottle", "swallowed everything I
        # had", "I'd take all my pills". "I took all my meds this morning" is adherence.
        r"\b" + _TAKE + r" (?:(?:just )?(?:the lot|the whole lot|the stash|my (?:whole )?stash"
        r"|everything (?:i (?:had|have|got|saved|could find)|in (?:the|my) (?:\w{1,12} )?"
        r"(?:cabinet|house|bottle|drawer|stash))"
        r"|every (?:last )?(?:pill|tablet|capsule|one of (?:them|those)) (?:i (?:had|have|got)"
        r"|in the (?:house|bottle|cabinet))"
        r"|(?:the|a) (?:whole|entire|full) (?:bott?le|stash|supply|pack|box|script|prescription|pen"
        r"|vial|bag|month's supply|month of (?:them|it|\w{1,12}))"
        r"(?! of (?:\w{1,12} )?(?:a |some )?" + _DRINK + r"[^\w'])"
        r"|a handful of " + _opt("my", "the", "her", "his", "those", "these") + r"(?:\w{1,12}'s )?"
        r"(?:\w{1,12} )?" + _MED + r"\b(?! (?:every|each|a day|per|daily|in the morning|at night"
        r"|for (?:my|her|his))[^\w'])"
        r"|(?:a|one|two|three|both|a couple of|a few) (?:(?:whole|full) )?bott?les? of "
        + _opt("my", "the", "her", "his", "those", "these")
        + r"(?:\w{1,12}'s )?(?:\w{1,12} )?"
        + _MED
        + r")"
        # "take them all at once", "I'd take my insulin, all of it".
        r"|(?:(?:(?:my|the|those|these|her|his) (?:\w{1,12} )?" + _MED + r"|them|everything"
        r"|all of them|the lot|the rest)(?: all)? (?:at once|in one go)"
        r"|(?:my|the|her|his) (?:\w{1,12} )?" + _MED + r",? all of (?:it|them))\b)"
        r"|\b"
        + _WOULD
        + r" "
        + _opt("just", "probably", "prolly")
        + _TAKE
        + r" "
        + _PILL_AMOUNT
        + r"|\b"
        + _MED
        + r"\W{1,4}(?:\w{1,6} ){0,2}?all (?:of )?(?:them|it) at once\b"
    ),
    "mixing": (
        r"\b(?:mix|mixing|mixed|combine|combining|combined)(?: \w{1,12}){0,3}? "
        + _MED
        + r" (?:with|and) "
        + _opt("a", "some", "the", "half a bottle of", "a bottle of", "a couple")
        + _DRINK
        + r"\b"
        r"|\b"
        + _TAKE
        + r" (?:them|it|the pills|my pills|enough(?: of (?:them|those|these))?|"
        + _PILL_AMOUNT
        + r"|the (?:whole|"
        r"entire) (?:bott?le|stash)(?: of (?:\w{1,12} )?" + _MED + r")?|everything (?:i (?:had"
        r"|have|got)))(?: \w{1,12}){0,3}? with "
        + _opt("a", "some", "half a bottle of", "a fifth of", "a couple", "the")
        + _DRINK
        + r"(?:\b| (?:so|to make|because|'cause|cause)\b)"
        r"|\b" + _MED + r" (?:and|with|plus) (?:(?:a|half a) (?:bottle|fifth|handle|six-pack) of"
        r" |some )" + _DRINK + r"\b"
    ),
    "overdose": (
        # "Overdosed on coffee" is an idiom; a past overdose on street drugs is substance-use
        # history the trainee must hear ("I OD'd on heroin in 2019").
        r"\boverdos(?:e|ing) on\b"
        r"(?! (?:coffee|caffeine|sugar|candy|chocolate|tv|netflix|news|work|pizza|cookies)[^\w'])"
        r"|\b(?:overdosed|od'd|oded|od) on\b"
        r"(?! (?:coffee|caffeine|sugar|candy|chocolate|tv|netflix|news|work|pizza|cookies"
        r"|heroin|fentanyl|dope|smack|coke|cocaine|crack|meth|drugs|opioids|opiates)[^\w'])"
        r"|\bi(?:'d|'ll| would| will| could| might| want to| wanna| was going to"
        r"| thought about| think about)? (?:(?:just|probably|prolly|likely) )?overdos(?:e|ing)\b"
    ),
    "jump": (
        # Not "we used to jump off the bridge into the creek" (a childhood summer).
        r"\bjump(?<!used\sto\sjump)(?<!\bwe\sjump)(?:ing|ed|s)?(?:[\w?!,.'\s]{1,16}?)? (?:off"
        r"|from|in front of|out of) " + _opt("the", "a", "my", "that", "an", "our") + r"(?:top "
        r"(?:(?:level|floor) )?of "
        + _opt("the", "a", "my", "that")
        + r")?(?:"
        + _HIGH_PLACE
        + r"|train|bus|truck|semi|traffic)\b"
        r"|\b(?:step|stepping|stepped|walk|walking|walked|throw myself|throwing myself|threw"
        r" myself|lie down|lay down|lying down|run|running) (?:out )?in front of "
        + _opt("a", "the", "an", "that", "some")
        + r"(?:train|bus|truck|semi|car|traffic|subway)\b"
        r"|\b(?:lie|lay|lying|laying) down on the (?:tracks|rails|highway|interstate)\b"
        r"|\bstep(?:ping|ped|s)? (?:off|from|out of) "
        + _opt("the", "a", "my", "that")
        + r"(?:edge of (?:(?:the|a) )?)?"
        + _HIGH_PLACE
        + r"\b"
        r"|\b(?:go|going|went|gone|climb|climbing|climbed|step|stepping|stepped|jump|jumping|hop"
        r"|hopping|get|getting|got) (?:over|past) (?:(?:the|that) )?(?:rail|railing|guardrail"
        r"|guard rail|barrier|parapet|side of the bridge|edge of the (?:bridge|roof|building))\b"
        # Height as the point: "it's high enough, I checked".
        r"|\b(?:it's|its|it is|that's|thats|that is|it'd be|it would be|bridge's|bridge is|roof's"
        r"|roof is|building's|building is)(?: \w{1,10})? (?:high|tall) (?:enough|enuf)\b"
        r"|\b(?:\d{2,4}|a hundred|hundreds of|" + _COUNT + r") (?:feet|foot|ft|meters|metres|stories"
        r"|storeys|floors) (?:down|up|high|tall|to the (?:water|ground|bottom|rocks))\b"
        r"|\b(?:tracks|rails|railroad)\b[^.!?]{0,50}?\s(?:i'd|i would|i'll|just|and) (?:just )?(?:lie"
        r"|lay|stand|sit|wait) (?:down )?(?:there|on (?:them|it))\b"
        # Drowning: walking into water, "the cold would do the rest".
        r"|\b(?:i'd|i would|i'll|gonna|just) (?:\w{1,10} )?(?:walk|wade) (?:out )?(?:into|in) (?:the )?"
        r"(?:river|lake|ocean|sea|water|quarry)\b"
        r"|\b(?:cold|water|current|river|fall|drop) (?:would|will|'d|'ll) do the rest\b"
    ),
    "vehicle": (
        r"\b(?:(?:drive|driving|drove|crash|crashing|crashed|steer|steering|swerve|swerving)"
        r" (?:(?:my (?:car|truck)|it) )?(?:off|into)"
        r"|(?:run|running|ran|put|putting|take|taking|wrap|wrapping|send|sending|aim|aiming)"
        r" (?:my|the) (?:car|truck|rig) (?:off|into|over)) " + _opt("a", "the", "an") + _CRASH_INTO + r"\b"
        r"|\b(?:yank|yanking|jerk|jerking|turn|turning|crank|cranking|pull|pulling|whip|whipping)"
        r" the wheel (?:into|toward|towards) " + _opt("the", "a", "an") + r"(?:concrete|barrier"
        r"|median|oncoming|tree|wall|pole|semi|truck|traffic|guardrail|pillar|bridge)\b"
        r"|\b(?:floor|flooring|gun|gunning) it (?:into|off|toward|towards) "
        + _opt("the", "a", "an")
        + _CRASH_INTO
        + r"\b"
        r"|\b(?:go|going|drive|driving|steer|steering) head-?on (?:into|with) "
        + _opt("a", "an", "the")
        + r"(?:semi|truck|tree|wall|train|bus|pillar|bridge|oncoming)\b"
    ),
    "gas_or_asphyxia": (
        r"\bcarbon monoxide\b|\bexhaust (?:pipe|fumes|hose)\b"
        r"|\b(?:(?:car|truck|engine|motor) running|(?:run|running|ran|start|starting|started|leave"
        r"|leaving|left) (?:(?:the|my) )?(?:car|truck|engine)(?: running)?) in "
        + _opt("the", "a", "my")
        + _opt("closed", "shut")
        + r"garage\b"
        r"|\bgarage(?: door)? (?:shut|closed|down)\W{1,4}(?:(?:and|with) )?(?:the )?(?:engine"
        r"|motor|car|truck) (?:on|running)\b"
        r"|\bcharcoal (?:burning|in the)\b|\bhelium (?:tank|bag)\b|\bplastic bag over\b"
        r"|\bbag over (?:my|your|his|her|their) head\b"
        r"|\bnooses?\b|\bligatures?\b"
        r"|\brope (?:around|from|over)\b"
        r"|\b(?:rope|branch|beam|rafter|pipe|rod|bar|hook|railing|banister)s? (?:(?:that|which) )?"
        r"(?:would|'d|will|'ll|could|should|can|might) hold\b"
        r"|\b(?:thought|think|thinking) about (?:hanging|overdosing)\b(?! (?:out|up|on|in|around|with"
        r"|pictures|curtains|the|a|my|it|that|this)[^\w'])"
        r"|\b(?:would|'d|will|'ll|could|should|can|might) (?:hold|support|take) (?:my|his|her"
        r"|your) weight\b"
        r"|\bt(?:ie|ied|ying) (?:something|it|(?:a|the) (?:rope|belt|cord|sheets?)) (?:to|around"
        r"|from|over|on) (?:" + _opt("the", "a", "my") + r"(?:rafters?|beam|pipe|rod|closet (?:rod|bar)"
        r"|bar|hook|branch|railing|banister|stair rail|door(?:knob)?|ceiling fan|bunk)|(?:my|his|her"
        r"|your) neck)\b"
        r"|\b(?:what|where) (?:i'd|i would|to|you'd|you|i could) (?:tie|attach|anchor) (?:it"
        r"|(?:the|a) rope|the belt)\b"
    ),
    "cutting": (
        r"\b(?:cut|cutting|slit|slitting|slash|slashing|open|opening) (?:my|your|his|her"
        r"|their|the) (?:wrists?|throat|veins?)\b|\bbleed(?:ing)? out\b"
        # Where, how deep and with what: the part of self-harm talk that is method detail.
        r"|\bcut(?:ting|s)? on (?:my|her|his|their) (?:thighs?|arms?|legs?|wrists?|stomach|hips?"
        r"|forearms?|belly)\b"
        r"|\b(?:i|i'd|i would|i'll|to|gonna|going to|you'd|should|could) cut (?:\w{1,10} )?deep"
        r"(?:er|ly)?\b"
        r"|\bwhich way (?:to|you're supposed to|you should|you'd|i'd|i should) cut\b"
        r"|\b(?:cut|cutting|burn|burning|burned|burnt|scratch|scratching|carve|carving) (?:myself"
        r"|my (?:arms?|wrists?|legs?|thighs?|skin|stomach|hips?|forearms?)) with "
        + _opt("a", "the", "my", "some", "dad's", "my dad's")
        + r"(?:razors?|razor blades?|blades?|knife|box\s?cutter|scissors|compass|glass|lighter"
        r"|cigarettes?|matches|paper\s?clips?|safety pins?|needles?|pencil sharpener)\b"
        r"|\bblades? (?:from|out of) "
        + _opt("a", "my", "the", "his", "dad's", "my dad's")
        + r"(?:(?:pencil )?sharpeners?|razors?|shaver)\b"
        r"|\b(?:use|used|using) (?:a|the|my) (?:\w{1,12} )?(?:compass|razor blade|blade|safety pin"
        r"|paper\s?clip|box\s?cutter|lighter|glass|shard|needle)(?: \w{1,12}){0,4}? on my (?:arms?"
        r"|wrists?|legs?|thighs?|skin|stomach|hips?)\b"
        r"|\bsharpener blades?\b"
        r"|\b(?:break|breaking|broke|take|taking|took|pull|pulling|pop|popping|get|getting)"
        r"(?: \w{1,10}){0,3}? (?:apart|open|out) (?:for|to get) (?:the )?blades?\b"
    ),
    "ingestion": (
        r"\b(?:(?:drink|drinking|drank|swallow|swallowing|swallowed) "
        + _opt("some", "the", "a bottle of")
        + r"|(?:thought about|think about|thinking about|considered|considering)(?: \w{1,10})? "
        + _opt("the", "some", "that")
        + r")(?:antifreeze|bleach|rat poison|pesticide|weed killer|drain cleaner|cyanide)\b"
        # Named in one sentence, drunk in the next.
        # (No \b or lookbehind right after the gap: at the end of a streamed buffer the regex
        # module fails such an assertion outright instead of reporting a partial match, and
        # the text would be released. A consuming \s keeps the partial match alive.)
        r"|\b(?:antifreeze|rat poison|pesticide|weed killer|drain cleaner)\b[^!?]{0,60}?"
        r"\s(?:drink|drinking|drank|swallow|swallowing)(?: \w{1,10})? (?:it|that|some)\b"
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
        # Which method works: "a gun doesn't miss", "pills are too iffy", "Tylenol's a bad way
        # to go", "the gun's the one way that works".
        r"|\b"
        + _trie([*_GUN_WORDS, "pill", "pills", "meds", "rope", "hanging", "overdose", "ods", *_MED_NAMES])
        + r"s?(?:(?:'s| is| are|'re)? "
        + _opt("too", "pretty", "kinda", "so", "really")
        + r"(?:iffy|unreliable|hit or miss|a gamble|a crapshoot)"
        r"| (?:doesn't|don't|never|won't|wont|doesnt|dont) (?:miss|fail)"
        r"|(?:'s| is| are|'re| would be|'d be) " + _opt("the", "a", "an") + r"(?:(?:one|only|sure"
        r"|surest|best|most reliable|quickest|fastest|cleanest|easiest|worst|bad|terrible|slow"
        r"|horrible|awful|painful|good|easy|better|worse) (?:way|method|option) (?:to (?:go|die"
        r"|do it|end it|kill)|that (?:works|work|doesn't fail|won't fail)|out)|(?:surest"
        r"|most reliable|most certain|deadliest|most lethal) (?:way|method|option|bet)))\b"
        r"|\b(?:" + _GUN + r"|bullets?|hanging|overdos(?:e|ing)|jumping|drowning)(?:(?:'s| is| are|'re"
        r"| would be|'d be)(?: supposed to be| meant to be)? "
        + _opt("pretty", "really", "real", "so", "very")
        + r"(?:quick|quicker|fast|faster|painless|instant|instantaneous|sure|surer|certain|final)\b"
        r"(?! to[^\w'])|(?:'s| is| are|'re) (?:surer|quicker|faster|more certain|more reliable"
        r"|more lethal|deadlier|cleaner|better) than)"
        r"|\bif you do it right,? "
        + _opt("it's", "it is", "it'll be", "it'd be", "you")
        + r"(?:quick|fast|instant|painless|over|don't feel)\b"
        r"|\b(?:quick|fast|instant) and (?:painless|(?:you|i) (?:don't|won't|wouldn't|dont|wont)"
        r" feel (?:a thing|anything|it))\b"
        r"|\bthe (?:one|way|method) that (?:doesn't|won't|wouldn't|don't|doesnt) hurt\b" + _NOT_IDIOM_OBJECT
    ),
    "dose": (
        # An amount of medication. A prescribed dose ("50 mg of sertraline", "they upped me
        # to 100 milligrams") is adherence talk and stays.
        r"\b"
        + _opt("about", "like", "around", "over", "almost", "nearly", "maybe", "probably")
        + r"(?:(?:a|one|two|three) )?"
        + _COUNT
        + r"(?:(?: or (?:so|more|\w{1,8}))? (?:of (?:the|my|them|those|these) )?(?:\w{1,12} )?"
        + _MED
        + r"\b(?! (?:a|per|each|every) (?:day|night|morning|week)[^\w'])"
        r"| of (?:the|my|those|them|these) \d{1,4}\s?(?:mg|milligrams?|mcg)\b"
        r"| (?:of (?:them|those) )?(?:stashed|stockpiled|hoarded|hidden)\b"
        r"| saved(?: up)?(?: now)?\W{1,4}(?:that's |that is |it's )?(?:more than )?enough\b"
        r"| of (?:them|those|these)(?: \w{1,10}){0,3}? (?:for it to work|to (?:do it|be sure|work"
        r"|kill me|not wake up))\b)"
        r"|\b(?:(?:a few|several|a couple) )?thousand (?:mg|milligrams)\b"
        r"|\b\d{1,3}\s?grams? of (?:\w{1,12} )?" + _MED + r"\b"
        # What it is: "saving my pills" is in scope, the drug's name is not.
        r"|\b" + _MED_NAME + r" (?:(?:is what|that) )?(?:i've|i have|i'm|im|i) (?:been )?(?:saving"
        r"|stashing|stockpiling|hoarding|putting away)\b"
        r"|\b(?:saving|stashing|stockpiling|hoarding)(?: up)? " + _opt("my", "the", "her", "his") + _MED_NAME + r"\b"
        r"|\b(?:two|three|four|both|\d|a couple of|a few) (?:(?:full|whole) )?bott?les (?:of "
        + _opt("my", "the", "her", "his")
        + r"(?:\w{1,12} )?"
        + _MED
        + r"|should|would|will|oughta|ought)\b"
        r"|\bhow (?:many|much) (?:pills|tablets|capsules|meds|medication|of (?:them|those|my"
        r"|these)|it (?:would|will) take|would it take)\b"
        r"|\benough (?:(?:pills|meds|medication|" + _MED_NAME + r"|of (?:them|those)|rounds?) to"
        r" (?:kill|die|end it|do it|do the job|overdose|finish|not wake|never wake)"
        r"|(?:pills|meds|" + _MED_NAME + r") without (?:\w{1,12} ){0,3}?(?:noticing"
        r"|knowing|finding out|catching on|asking)"
        r"|to (?:kill (?:me|myself|you|yourself|someone|a person)|die|overdose"
        r"|be (?:fatal|lethal)|not wake up|never wake up)"
        r"|(?:of (?:the|my|those) )?(?:\w{1,12} )?" + _MED + r" (?:would|will|'d|'ll|could|should|can)"
        r" (?:do it|do the job|kill (?:me|you|someone)|work))\b"
        r"|\b(?:bought|buy|buying|got|get|getting) (?:\w{1,12} )?" + _MED + r" (?:at|from) (?:\w{1,10} )?"
        r"(?:different|several|multiple|a few|a bunch of) (?:stores|pharmacies|places|drugstores)\b"
        r"|\b(?:be|is|'s|are|'d be|would be|should be|will be|'ll be)(?: more than)? enough to"
        r" (?:do it|do the job|finish it|end it|make sure)\b"
    ),
    "plan": (
        # A plan that names its means or place; "I have a plan" alone is in scope.
        r"\bplan(?:(?:ned)?\W{1,4}"
        + _opt("it's", "it'd be", "it would be", "it was")
        + r"(?:the|my) (?:"
        + _GUN
        + r"|"
        + _MED
        + r"|rope|belt|bridge|garage)"
        r"| (?:is|was|would be|'s) (?:(?:to )?(?:the|my) (?:"
        + _GUN
        + r"|"
        + _MED
        + r"|rope|belt|bridge|garage)|to (?:jump|hang|shoot|swallow|overdose|od|slit|drown)))\b"
        r"|\brocks in (?:my|his|her|your) pockets\b"
        r"|\b(?:rope|belt|cord|noose|" + _GUN + r")(?: \w{1,12}){0,5}?,? and i (?:keep|kept|can't stop)"
        r" (?:thinking about|looking at|staring at) (?:it|them|that)\b"
        r"|\b(?:write|wrote|writing|leave|leaving|left|finish|finishing) (?:the|a|my) (?:note"
        r"|letter)s?,? (?:(?:and|then|and then) ){1,2}(?:\w{1,10} ){0,3}?(?:"
        + _GUN
        + r"|"
        + _MED
        + r"|rope|belt|bridge|garage)\b"
        r"|\b" + _MED + r" and (?:(?:the|a) )?(?:bath|bathtub|tub)\b"
        # Where, so nobody stops it: "so Kayla wouldn't be the one to find me".
        r"|\bdo (?:it|this) somewhere (?:nobody|no one|noone)\b"
        r"|\bso (?:that )?(?:nobody|no one|noone|kayla|she|he|they|my \w{1,12})(?: \w{1,10})?"
        r" (?:wouldn't|won't|would not|will not|doesn't|don't|never) (?:\w{1,10} ){0,4}?find me\b"
    ),
    "instruction": (
        r"\bhow to (?:kill|hurt|harm|end) (?:yourself|himself|herself|themselves|oneself"
        r"|your life)\b"
        r"|\ball you (?:need|have|gotta|got) (?:to )?do is\b"
        r"|\bmake sure (?:nobody|no one|noone)(?:'s| is| will be| would be|'ll be) (?:home|around|there"
        r"|coming)\b"
        r"|\b(?:the )?(?:best|right|only|easiest|surest) way to (?:do it|kill|die|end it)\b"
        r"|\bhere(?:'s| is) how (?:you|to) (?:do it|kill|end|hurt)\b"
        r"|\byou (?:could|can|should|would) (?:just )?(?:use|take|try) "
        + _opt("a", "the", "your", "some")
        + r"(?:gun|pills|rope|car|knife|blade|razor|belt)\b"
    ),
}

# Sub-rules ending in a negative lookahead (an idiom or adherence exclusion), and how much
# text must have arrived after their match before the stream judges it; every lookahead body
# fits in the margin (checked in the tests). Until then the match is held, never released.
_LOOKAHEAD_MARGIN = 48
_TRAILING_LOOKAHEAD = frozenset(
    f"{rule}__{name}"
    for rule, table in (("role_break", _ROLE_BREAK), ("self_harm_method", _SELF_HARM))
    for name, pattern in table.items()
    if "(?!" in pattern
)
_LOOKAHEAD_STOPS = frozenset(".!?,;:")


def _lookahead_decided(norm: str, at: int, end: int) -> bool:
    """Whether a negative lookahead at ``at`` reads the same now as on the finished text.

    Every trailing lookahead body starts with a space and consumes no punctuation except its
    last character (checked in the tests), so it is decided once the margin has arrived, once
    the next character is not a space, or once punctuation follows ("I'd pull the trigger."
    is reported on that delta, not 48 characters later).
    """
    if end - at >= _LOOKAHEAD_MARGIN:
        return True
    tail = norm[at:end]
    return bool(tail) and (not tail[0].isspace() or not _LOOKAHEAD_STOPS.isdisjoint(tail))


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
    # Every space means 1-3 whitespace characters, so " ?" would still need one: an optional
    # space is written \s? ("9\s?mm", "pain\s?killers").
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
        self._searched_to = -1
        self._lookahead_wait = False
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
        elif settled > self._searched_to or self._lookahead_wait:
            # One search per delta that settles text: the leftmost place where a rule matches
            # or could still match. A complete match in settled text is acted on now; anything
            # else holds the tail from its start. (A complete match behind an earlier partial
            # one is caught a few characters later, when that partial one resolves; it is
            # never released in between.) A delta that only extends the trailing half-word
            # settles nothing: no match can be confirmed and nothing more released, so the
            # search is skipped (a partial match it would have seen die lets its text go one
            # word later).
            self._searched_to = settled
            self._lookahead_wait = False
            m = self._combined.search(norm, scan_from, end, partial=True)
            if m is None:
                self._safe = end
            elif not m.partial and m.end() <= settled:
                if m.lastgroup in _TRAILING_LOOKAHEAD and not _lookahead_decided(norm, m.end(), end):
                    # A trailing negative lookahead is only judged on text that has arrived.
                    self._lookahead_wait = True
                    self._safe = m.start()
                else:
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
