"""Chat-box spellings spelled out: "dont" -> "don't", "im" -> "i'm", "u" -> "you".

Trainees type; the lexicons and the turn coder were written for, or trained on, text that
spells every contraction with its apostrophe (AnnoMI's transcripts: "don't" always, "ok"
never, "okay" 888 times). Without this step a typed "dont" or "u" is a word the coder has
never seen and a lexicon never matches. Measured on held-out AnnoMI trainee turns
(transcript-grouped CV, model card robustness lines): apostrophes removed cost 0.027
open/closed macro-F1, chat shorthand ("u", "ur", "ok") also 0.020 behaviour macro-F1;
spelled out first, both are within 0.002 of the punctuated figures.

Only forms that are not English words themselves are listed ("ill", "well", "were", "id",
"hed", "shed", "wed", "hell" stay as typed). "its" and "lets" are mapped because in a chat
message they almost always mean "it's" / "let's"; the rare possessive "its" loses nothing
a coder or lexicon uses.
"""

from __future__ import annotations

import re

_CONTRACTIONS = (
    "don't doesn't didn't can't won't isn't aren't wasn't weren't haven't hasn't hadn't couldn't "
    "wouldn't shouldn't ain't i'm i've you're you've you'll you'd they're they've they'll "
    "that's what's where's who's how's there's here's it's let's he's she's we've "
    "would've could've should've it'll that'll"
)

CHAT_FORMS: dict[str, str] = {
    **{c.replace("'", ""): c for c in _CONTRACTIONS.split()},
    "u": "you",
    "uve": "you've",
    "ure": "you're",
    "ull": "you'll",
    "urself": "yourself",
    "r": "are",
    "ok": "okay",
    "k": "okay",
    "yea": "yeah",
    "ya": "yeah",
    "cuz": "because",
    "coz": "because",
    "bc": "because",
    "idk": "i don't know",
    "tbh": "to be honest",
    "rn": "right now",
    "alot": "a lot",
    "thx": "thanks",
    "pls": "please",
    "plz": "please",
    "ppl": "people",
    "abt": "about",
    "tho": "though",
    "thru": "through",
}
# Whole words only: the apostrophe counts as part of a word, so "i'm" and "o'clock" are
# left alone, and "im" inside "<|im_start|>" is not a word ("_" is a word character).
_CHAT_WORD = re.compile(
    r"(?<![\w'])(" + "|".join(sorted(map(re.escape, CHAT_FORMS), key=len, reverse=True)) + r")(?![\w'])"
)

# "ur" is both "your" and "you're". A HEURISTIC, not a parser: before a word that usually
# follows "you're" (a verb in -ing or -ed, "not", "a", "so", an adjective of state) it is
# "you're"; otherwise "your" ("ur wife", "ur choice"). "ur drinking" reads as "you're
# drinking", the rarer mistake, and both are second-person statements to the coder.
_UR = re.compile(r"(?<![\w'])ur(?![\w'])(?:(?=\s+(\w+)))?")
_YOURE_NEXT = re.compile(
    r"\w+ing|\w+ed|not|a|an|so|really|still|very|just|right|sure|ready|able|afraid|scared|here|"
    r"there|gonna|the|in|on|at|too|kind|pretty|quite|now|already|also|all|ok|okay|fine|upset|"
    r"angry|sad|happy|glad|unsure|tired|stressed|frustrated|concerned|confused|open|willing|"
    r"interested|aware|someone|one"
)


def _ur(match: re.Match[str]) -> str:
    following = match.group(1)
    return "you're" if following and _YOURE_NEXT.fullmatch(following) else "your"


def spell_out_chat_forms(lowered: str) -> str:
    """``lowered`` (already lower-cased) with chat spellings replaced by their full forms."""
    return _CHAT_WORD.sub(lambda m: CHAT_FORMS[m.group(1)], _UR.sub(_ur, lowered))
