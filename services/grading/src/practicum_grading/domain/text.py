"""Small text heuristics shared by the crisis checklist, suggestions and feedback.

These are deliberately simple, deterministic rules (regular expressions and word swaps),
not language understanding; every caller labels what they produce as heuristic.
"""

from __future__ import annotations

import re

from practicum_coder import heuristics as coder_heuristics
from practicum_coder.text import normalise as coder_normalise
from practicum_common.chat_text import spell_out_chat_forms

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
# A sentence also ends after a closing quote or bracket: 'says "you drink too much." I feel ...'.
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"\u201d)]))\s+|\n+")
_CLAUSE_BREAK = re.compile(r"[,;:]|\s+-+\s+|\bbut\b")


def normalise(text: str) -> str:
    """Lower-case, straight quotes, single spaces and chat spellings spelled out ("dont",
    "u", "urself"): the form every lexicon matches on, so "are u thinking of killing
    urself" counts as asking directly about suicide."""
    return spell_out_chat_forms(tidy(text).lower())


def sentences(text: str) -> list[str]:
    """Split text into sentences, keeping the end punctuation."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def clause_around(sentence: str, position: int) -> tuple[str, int]:
    """The comma/"but"-delimited clause containing ``position`` and the offset inside it.

    Negation is judged inside this clause so that "I don't want to assume, but are you
    thinking of suicide?" is not mistaken for a question that expects a no.
    """
    start = 0
    for match in _CLAUSE_BREAK.finditer(sentence):
        if match.end() <= position:
            start = match.end()
        else:
            break
    end_match = _CLAUSE_BREAK.search(sentence, position)
    end = end_match.start() if end_match else len(sentence)
    return sentence[start:end], position - start


_ASK_PHRASE = re.compile(
    r"\b(wonder(ing)? (if|whether|about)|(want|need|have|going|gonna) to ask|"
    r"(can|may|could) i ask|let me ask|ask(ing)? you (directly|straight|honestly|plainly|if|whether|about)|"
    r"tell me (if|whether|about))\b"
)
_AUX_START = re.compile(
    r"^(and |so |but |ok(ay)?,? |also,? )?"
    r"(are|were|have|has|had|do|does|did|is|was|would|will|could|can|any|ever|what|how|who|when|where|why)\b"
)


def is_question(sentence: str) -> bool:
    """Interrogative by punctuation, by an opening auxiliary/wh-word, or by "I'm wondering if"."""
    return (
        sentence.rstrip().endswith("?")
        or _AUX_START.search(sentence) is not None
        or _ASK_PHRASE.search(sentence) is not None
    )


# First-person -> second-person, for turning the client's words into a reflection.
_PRONOUNS = {
    "i": "you",
    "i'm": "you're",
    "im": "you're",
    "i've": "you've",
    "i'd": "you'd",
    "i'll": "you'll",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "am": "are",
    "we": "you",
    "we're": "you're",
    "we've": "you've",
    "our": "your",
    "us": "you",
}
# Chat fragments often drop the subject ("Not sure why I'm here", "Feeling low");
# restoring it keeps "It sounds like ..." grammatical.
_DROPPED_SUBJECT = {"not": "I'm", "feeling": "I'm", "been": "I've", "got": "I"}
# "you know" is a filler before a comma or a new subject ("you know, I never wanted this",
# "you know I never..."); in "and you know all about it" it is the clause's subject and
# verb, and stripping it left "all about it" to be reflected.
_LEADING_FILLERS = re.compile(
    r"^((and|but|so|well|yeah|yes|no|um+|uh+|like|honestly|i mean|i guess|ok(ay)?|look|man|hey"
    r"|you know(?=\s*,|\s+(?:i|i'm|i've|it|it's|he|she|they|we|my)\b))\b[,\s]*)+",
    re.IGNORECASE,
)
# Bracketed text is stage direction or narration, not words to reflect: "(laughs)",
# "[sighs]", "(Dale's expression is puzzled. He answers in 12 words.)" (a small simulated
# client wrote that); an unclosed bracket runs to the end of the turn.
_STAGE_DIRECTION = re.compile(r"\([^)]*(?:\)|$)|\[[^\]]*(?:\]|$)")
_DANGLING_WORDS = (
    "a an the and or but so with without no not to of for from in on at by as than that "
    "my your his her their our its very really just"
)
_DANGLING = frozenset(_DANGLING_WORDS.split())
# Verbs and subject-verb contractions a cut clause cannot end on: "I don't think that's...".
_WAITS_FOR_OBJECT = frozenset(
    [
        "think",
        "thought",
        "mean",
        "meant",
        "guess",
        "suppose",
        "believe",
        "wonder",
        "say",
        "said",
        "feel",
        "felt",
        "know",
        "want",
        "need",
        "is",
        "are",
        "was",
        "were",
        "that's",
        "it's",
        "there's",
        "i'm",
        "he's",
        "she's",
        "we're",
        "they're",
        "what's",
        "who's",
    ]
)
_CLAUSE_EDGE = " .!?,;:\"'()[]{}*"
_NOT_REFLECTABLE = frozenset(
    {"how", "what", "why", "who", "whom", "which", "where", "whatever", "you", "you're", "your", "you've", "you'll"}
    | {"give", "let", "hold", "hang", "wait", "tell", "ask", "don't", "do", "try", "stop", "leave", "come", "go"}
)
_ABOUT_THE_TALK = re.compile(
    r"\bi(?:'m|'d|'ll)?\s+(?:[\w']+\s+){0,2}(?:you|your)\b|\bkind of you\b"
    r"|\b(?:good|fair|hard|tough|great|big|interesting|loaded|strange|funny)\s+(?:question|one)\b",
    re.IGNORECASE,
)
_TRAILING_FILLERS = re.compile(
    r"([,\s]+(honestly|you know|i guess|i think|or something|or whatever|anyway|though|really))+$", re.IGNORECASE
)
_WORD = re.compile(r"[A-Za-z0-9']+|[^A-Za-z0-9'\s]+")
_FEELING = re.compile(
    r"\b(feel\w*|felt|tired|exhausted|alone|lonely|scared|afraid|angry|sad|hopeless|numb|stuck|"
    r"lost|worthless|ashamed|guilty|overwhelmed|stress\w*|anxious|worried|hurt\w*|pain|miss\w*|"
    r"can't|cannot|want\w*|need\w*|hate|love|sick of|fed up)\b",
    re.IGNORECASE,
)
# A clause needs someone doing something to be reflected as "It sounds like <clause>";
# remarks such as "Easy for you to say" have no subject and read badly in the frame.
_SUBJECT = re.compile(
    r"^you\b|\b(i|i'm|im|i've|i'd|i'll|me|my|myself|we|we're|our|us|it|it's|that|that's|this|they|they're|"
    r"he|he's|she|she's|everyone|everybody|everything|nobody|nothing|no one|people)\b",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(i|i'm|im|i've|i'd|i'll|me|my|myself)\b", re.IGNORECASE)
MAX_CLAUSE_WORDS = 16


def swap_pronouns(clause: str) -> str:
    """Rewrite the client's first person as second person ("I was" -> "you were").

    Other words keep the client's capitalisation (names, "VA", "March").
    """
    tokens = _WORD.findall(clause)
    out: list[str] = []
    for i, token in enumerate(tokens):
        lower = token.lower()
        previous = tokens[i - 1].lower() if i else ""
        if lower == "was" and previous == "i":
            out.append("were")
        elif lower == "you" and i == 0:
            # A clause that opens with "you" is usually about the trainee or people in
            # general ("you don't get it"); reflecting it back in the first person keeps
            # the speaker straight.
            out.append("I")
        elif lower == "your":
            out.append("my")
        else:
            out.append(_PRONOUNS.get(lower, token))
    text = " ".join(out)
    # Re-attach punctuation that the tokenizer split off.
    return re.sub(r"\s+([^A-Za-z0-9'\s]+)", r"\1", text)


def tidy(text: str) -> str:
    """Straight quotes and single spaces, case kept (for text shown back to people)."""
    return " ".join(text.translate(_QUOTES).split())


def _lower_first(clause: str) -> str:
    first, _, rest = clause.partition(" ")
    # Keep "I" and acronyms ("VA") as they are; lower an ordinary sentence start.
    if first == "I" or first.startswith("I'") or (len(first) > 1 and first.isupper()):
        return clause
    return f"{first[:1].lower()}{first[1:]} {rest}".rstrip()


_QUOTED = re.compile(r"[\"\u201c\u201d]")


def key_clause(client_text: str) -> str | None:
    """The client clause most worth reflecting, in second person, or None.

    Heuristic: skip clauses without a subject; prefer clauses that speak in the first
    person and name a feeling or want;
    on a tie prefer the later clause, since the last thing said is usually what the
    client is most focused on. Long clauses are cut at a word boundary.
    """
    candidates: list[tuple[int, int, str]] = []
    text = _STAGE_DIRECTION.sub(" ", client_text).strip()
    if len(text) > 1 and _QUOTED.fullmatch(text[0]) and _QUOTED.fullmatch(text[-1]):
        text = text[1:-1]  # a whole reply wrapped in quotes, as small models write them
    parts = (part for sentence in sentences(tidy(text)) for part in _CLAUSE_BREAK.split(sentence))
    for position, part in enumerate(parts):
        # Stray brackets too: bracketed asides are gone, but a lone ")" or "[" can remain.
        clause = _LEADING_FILLERS.sub("", part.strip(_CLAUSE_EDGE)).strip(" ,")
        clause = _TRAILING_FILLERS.sub("", clause).strip(_CLAUSE_EDGE)
        words = clause.split()
        if _QUOTED.search(part):
            # Quoted speech is someone else's words, and a quote mark fools the sentence
            # splitter: 'you're not a problem." you don't think that's' came out of one.
            continue
        if len(words) < 3 or words[0].lower() in _NOT_REFLECTABLE or _ABOUT_THE_TALK.search(clause):
            # "(you know) how it is" is a fragment ("It sounds like how it is" is not English);
            # "you just did it", "I hear you" and "that's a fair question" are about the
            # trainee or the talk, and "give me a second" is a request, not something the
            # client feels.
            continue
        restored = _DROPPED_SUBJECT.get(words[0].lower())
        if restored:
            clause = f"{restored} {words[0].lower()} {' '.join(words[1:])}"
        if not _SUBJECT.search(clause):
            continue
        kept = _uncut(clause, cut=part.rstrip().endswith(("...", "\u2026")))
        if kept is None:
            continue
        score = 2 * len(_FEELING.findall(kept)) + len(_FIRST_PERSON.findall(kept))
        candidates.append((score, position, kept))
    if not candidates:
        return None
    _, _, best = max(candidates, key=lambda c: (c[0], c[1]))
    return _lower_first(swap_pronouns(best).rstrip(" ,.!?"))


def _uncut(clause: str, *, cut: bool) -> str | None:
    """The clause up to ``MAX_CLAUSE_WORDS``, not ending on a dangling word, or None.

    A clause cut short (by this limit, or a reply the output guard cut with "...") must not
    end on a dangling word: "a gun at home with no" -> "a gun at home". When what is left
    still waits for its object ("I don't think that's..." -> "I don't think"), it is dropped.
    """
    words = clause.split()
    cut = cut or len(words) > MAX_CLAUSE_WORDS
    words = words[:MAX_CLAUSE_WORDS]
    while len(words) > 3 and words[-1].lower().strip(".,") in _DANGLING:
        words.pop()
    if cut and words[-1].lower().strip(".,") in _WAITS_FOR_OBJECT:
        return None
    return " ".join(words)


# An importance / confidence ruler ("On a scale of 0 to 10, how important is it to you to
# quit?"): closed by form, but an MI tool whose point is the follow-up about the number.
_RULER = re.compile(r"\b(?:on a scale|scale of|from) (?:of |from )?(?:0|1|zero|one) (?:to|-|through) (?:10|ten)\b")


def is_ruler_question(text: str) -> bool:
    return _RULER.search(normalise(text)) is not None


def turn_ref(index: int, turn_id: str, *, capital: bool = False) -> str:
    """How a report names a turn: "turn 6", or "turn 6 (t-abc)" when the id adds something.

    Transcripts from the session service use the transcript index as the id, so printing
    both would read "turn 6 (6)".
    """
    word = "Turn" if capital else "turn"
    return f"{word} {index}" if turn_id == str(index) else f"{word} {index} ({turn_id})"


def is_reassurance(text: str, prev_client_text: str | None) -> bool:
    """The turn is premature reassurance and nothing else ("Don't worry, it'll be fine.",
    "It wasn't your fault."): the coder's own rule, so the code, the feedback and the
    suggestion cannot disagree about a turn."""
    return coder_heuristics.is_reassurance(coder_normalise(text), coder_normalise(prev_client_text or ""))


def asks_for_advice(client_text: str) -> bool:
    """The client asked for advice or ideas ("What should I do?", "any tips"): the coder's
    own lexicon, the one that makes advice after it persuade-with-permission."""
    return coder_heuristics.ADVICE_REQUEST_RX.search(coder_normalise(client_text)) is not None
