"""Text normalisation and tokenisation shared by the features and the heuristics.

AnnoMI is transcribed speech ("if-if", "y-yeah", "[chuckles]", "--" for broken-off
sentences) while trainees type. Normalising those artefacts away makes the model learn
from what both have in common, so it transfers better to typed text.
"""

from __future__ import annotations

import re

from practicum_common.chat_text import spell_out_chat_forms

_BRACKETED = re.compile(r"\[[^\]]*\]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2014": " - ", "\u2013": " - "})
# Stutters: "if-if" -> "if", "y-yeah" -> "yeah", "I-I-I" -> "I".
_REPEAT = re.compile(r"\b(\w+)(?:-\1\b)+", re.IGNORECASE)
_PREFIX_STUTTER = re.compile(r"\b(\w{1,2})-(?=\1\w)", re.IGNORECASE)
_DASHES = re.compile(r"\s*-{2,}\s*|(?:^|\s)-|-(?:\s|$)")
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[?!]")
_SPACES = re.compile(r"\s+")

# Trainees type questions without "?" ("whats going on tonight"); AnnoMI's transcripts
# always carry it, and the models learned "?" as much as the words: "I'm glad you called.
# What's going on tonight?" is an open question, the same turn without "?" was coded
# giving information. When a turn has no "?" and its last sentence is left unpunctuated
# and opens like a question (a wh-word with a verb or auxiliary, or an auxiliary with its
# subject, after any discourse markers), the "?" is put back. A named heuristic, measured
# in the model card: on AnnoMI with "?" removed it puts it back on 540 therapist turns,
# 509 of which had ended in one.
_DISCOURSE = r"(?:(?:so|and|but|okay|ok|um|uh|well|now|alright|right|yeah|hmm|oh|hey|also|then)[ ,]+)*"
_AUXILIARY = r"(?:are|do|did|have|has|had|would|will|can|could|should|were|was|is|does|am|may|might)(?:n't)?"
_SUBJECT = r"(?:you|i|we|he|she|it|they|that|this|there|anything|anyone|anybody|something|someone|somebody|your|any)"
_WH = r"(?:what|how|why|where|when|who|which)"
_WH_NEXT = (
    r"(?:'s|'re|'d|'ll|\s+(?:" + _AUXILIARY + r"|else|kind|sort|about|brings|brought|happened|made|makes|"
    r"keeps|kept|helps|helped|led|long|much|many|often|come|old|far|would|could))"
)
# After a comma ("thanks for calling, how are you holding up") only what / how / why open a
# question: ", who has..." and ", which is..." are far more often relative clauses.
_WH_AFTER_COMMA = r"(?:what|how|why)"
_AUX_SUBJECT = _AUXILIARY + r"\s+" + _SUBJECT
_TYPED_QUESTION = re.compile(
    # The last sentence opens like a question, with no comma after the opener ("are you
    # ok, jordan" is left alone: allowing it measured worse, model card "Ninth round") ...
    rf"(?:^|[.!;:]\s+){_DISCOURSE}(?:{_WH}{_WH_NEXT}|{_AUX_SUBJECT})\b[^.!?;:,]*$"
    # ... or its last clause does ("thanks for calling, how are you holding up").
    rf"|,\s+{_DISCOURSE}(?:{_WH_AFTER_COMMA}{_WH_NEXT}|{_AUX_SUBJECT})\b[^.!?;:,]*$"
)


def restore_question_mark(normalised: str) -> str:
    """The normalised turn with the "?" its typist left off a final question put back."""
    if "?" in normalised or not normalised[-1:].isalnum() or not _TYPED_QUESTION.search(normalised):
        return normalised
    return normalised + "?"


# Function words that say nothing about whether a turn restates the client: ignored when
# measuring overlap with the client's words.
STOPWORDS: frozenset[str] = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "so",
        "if",
        "then",
        "than",
        "that",
        "this",
        "these",
        "those",
        "it",
        "it's",
        "its",
        "i",
        "i'm",
        "i've",
        "i'd",
        "i'll",
        "me",
        "my",
        "mine",
        "you",
        "you're",
        "you've",
        "you'd",
        "you'll",
        "your",
        "yours",
        "we",
        "we're",
        "our",
        "us",
        "he",
        "she",
        "they",
        "them",
        "their",
        "his",
        "her",
        "him",
        "is",
        "am",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "do",
        "does",
        "did",
        "doing",
        "have",
        "has",
        "had",
        "having",
        "to",
        "of",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "about",
        "from",
        "into",
        "up",
        "down",
        "out",
        "over",
        "just",
        "very",
        "really",
        "yeah",
        "yes",
        "no",
        "not",
        "okay",
        "ok",
        "oh",
        "um",
        "uh",
        "uh-huh",
        "mm",
        "hmm",
        "mm-hmm",
        "well",
        "like",
        "know",
        "think",
        "kind",
        "sort",
        "go",
        "going",
        "get",
        "got",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "what",
        "when",
        "where",
        "why",
        "how",
        "who",
        "which",
        "there",
        "here",
        "some",
        "any",
        "all",
        "more",
        "most",
        "much",
        "many",
        "also",
        "too",
        "as",
        "because",
        "right",
        "now",
        "say",
        "said",
        "thing",
        "things",
        "lot",
        "bit",
    ]
)


def normalise(text: str) -> str:
    """Lower-cased text with transcription artefacts removed and typed chat forms spelled as in
    AnnoMI ("dont" -> "don't", "u" -> "you"); punctuation kept."""
    text = _BRACKETED.sub(" ", text.translate(_QUOTES))
    text = _REPEAT.sub(r"\1", text)
    text = _PREFIX_STUTTER.sub("", text)
    text = _DASHES.sub(" ", text)
    return spell_out_chat_forms(_SPACES.sub(" ", text).strip().lower())


def tokens(normalised: str) -> list[str]:
    """Word tokens plus "?" and "!" as tokens of their own (they mark questions and emphasis)."""
    return _TOKEN.findall(normalised)


def stem(word: str) -> str:
    """A crude suffix stripper: enough to match "drinking"/"drink" and "worries"/"worried"."""
    for suffix in ("ing", "ed", "es", "ly", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_stems(words: list[str]) -> set[str]:
    return {stem(w) for w in words if w not in STOPWORDS and w not in {"?", "!"} and not w.isdigit()}
