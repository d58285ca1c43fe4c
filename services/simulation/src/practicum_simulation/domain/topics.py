"""Direct-question detection over the trainee's message (a keyword/regex HEURISTIC).

Hidden facts open on ``asked_directly_about: [topic, ...]``. A topic is *asked directly*
when a sentence of the trainee's message mentions it and that sentence is an inquiry
(ends in "?", opens with an interrogative or auxiliary verb, or uses an inquiry phrase
such as "I'm wondering if", "can I ask", "tell me about"). A mention followed by a
question that points back at it also counts ("Many vets I know have had thoughts of
suicide. Have you had thoughts like that?").

Deliberately *not* counted, because the training goal is to ask well:
- statements that merely mention a topic ("Suicide is a big problem for vets.");
- questions phrased to invite a no ("You're not thinking about suicide, are you?",
  "You wouldn't do anything like that, right?"), which S.A.V.E. teaches trainees to avoid;
- for personal topics (suicide, self-harm, attempts, plans), questions that are not about
  the listener ("Did your buddy die by suicide?"): they need a second-person reference.

This is a heuristic, named as such: it is transparent, deterministic and tested both
ways, and it errs towards *not* unlocking a fact (precision over recall) because an
unearned disclosure teaches the wrong lesson. Topic names not in ``TOPICS`` are matched
as literal keywords or phrases (whole words, case-insensitive).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

_F = re.IGNORECASE

# Each topic is one regex; optional suffixes keep common inflections in one place.
_TOPIC_PATTERNS: Mapping[str, str] = {
    "suicide": (
        r"\bsuicid\w*|\bkill(?:ing)?\s+(?:yo)?ur\s*self\b|\bkill\s+yourself\b"
        r"|\bend(?:ing)?\s+(?:your|ur)\s+(?:own\s+)?life\b|\btak(?:e|ing)\s+your\s+(?:own\s+)?life\b"
        r"|\bend(?:ing)?\s+it\s+all\b|\bending\s+it\b|\bbetter\s+off\s+dead\b"
        r"|\b(?:want(?:ing)?|wish(?:ing)?)\s+(?:you\s+were\s+|to\s+)(?:die|dead|be\s+dead)\b"
        r"|\bnot\s+(?:want(?:ing)?\s+to\s+)?(?:be\s+here|be\s+alive|wake\s+up)\b"
        r"|\bthoughts?\s+(?:of|about)\s+(?:death|dying|ending)\b|\bthinking\s+about\s+dying\b"
        r"|\b(?:hurt|harm)(?:ing)?\s+yourself\b|\bdon'?t\s+want\s+to\s+live\b"
    ),
    "self_harm": (r"\b(?:hurt|harm|injur(?:e|ing)|cut(?:ting)?)(?:ing)?\s+yourself\b|\bself[- ]?harm\w*"),
    "firearm": (
        r"\bguns?\b|\bfirearms?\b|\bweapons?\b|\brifles?\b|\bpistols?\b|\bhandguns?\b"
        r"|\bshotguns?\b|\brevolvers?\b|\bammo\b|\bammunition\b"
    ),
    "lethal_means": (
        r"\bguns?\b|\bfirearms?\b|\bweapons?\b|\blethal\s+means\b|\bthe\s+means\b"
        r"|\baccess\s+to\s+(?:anything|something|any\s+\w+)\b"
        r"|\banything\s+(?:at\s+home|in\s+the\s+house|around(?:\s+you)?|nearby)\b"
        r"|\bsomething\s+you\s+could\s+use\b|\bsafe\s+storage\b|\block(?:ed)?\s+(?:it|them)?\s*up\b"
        r"|\bgun\s+safe\b|\block\s*box\b"
    ),
    "medication": r"\bmedications?\b|\bmeds\b|\bpills?\b|\bprescriptions?\b|\btablets?\b",
    "past_attempt": (
        r"\battempt(?:ed|s)?\b|\btried\s+to\s+(?:kill|hurt|end|take)\b"
        r"|\b(?:ever|before)\s+tried\b|\btried\s+(?:it\s+|this\s+)?before\b"
    ),
    "plan": (
        r"\bplan(?:s|ned|ning)?\b|\bthought\s+about\s+how\b|\bhow\s+you\s+(?:would|might)\b"
        r"|\b(?:picked|set|chosen|chose)\s+a\s+(?:date|day|time)\b|\bwhen\s+and\s+where\b"
    ),
    "alcohol": (
        r"\balcohol\w*|\bdrink(?:s|ing)?\b|\bdrank\b|\bdrunk\b|\bbooze\b|\bbeers?\b|\bwine\b"
        r"|\bliquor\b|\bwhiske?y\b|\bvodka\b|\bbourbon\b|\bsober\w*|\bhangovers?\b|\bbottles?\b"
    ),
    "drugs": (r"\bdrugs?\b|\bweed\b|\bmarijuana\b|\bcannabis\b|\bopioids?\b|\bsubstances?\b|\busing\b"),
    "sleep": r"\bsleep\w*|\bslept\b|\binsomnia\b|\btired\b|\bat\s+night\b|\bbed\b",
    "nightmares": (
        r"\bnightmares?\b|\bbad\s+dreams?\b|\bdream(?:s|ing)?\b|\bflashbacks?\b"
        r"|\bwak(?:e|ing)\s+up\s+(?:sweating|screaming|yelling)\b"
    ),
    "relationship": (
        r"\bwife\b|\bhusband\b|\bpartner\b|\bspouse\b|\bmarri(?:age|ed)\b|\bgirlfriend\b"
        r"|\bboyfriend\b|\brelationships?\b|\bdivorc\w*"
    ),
    "family": (
        r"\bfamil(?:y|ies)\b|\bkids?\b|\bchild(?:ren)?\b|\bsons?\b|\bdaughters?\b|\bparents?\b"
        r"|\bmom\b|\bdad\b|\bmother\b|\bfather\b|\bbrothers?\b|\bsisters?\b"
        r"|\bgrand(?:kids?|children|child|son|daughter)s?\b"
    ),
    "work": (
        r"\bwork(?:ing)?\b|\bjobs?\b|\bboss\b|\bcareer\b|\bemploy\w*|\bcoworkers?\b"
        r"|\bco-workers?\b|\bshifts?\b|\bfired\b|\blaid\s+off\b|\blayoffs?\b"
    ),
    "money": (r"\bmoney\b|\bbills?\b|\brent\b|\bmortgage\b|\bdebts?\b|\bfinanc\w*|\bpaychecks?\b"),
    "housing": (
        r"\bhousing\b|\bhomeless\w*|\bevict\w*|\bapartment\b|\bplace\s+to\s+(?:live|stay)\b"
        r"|\bsleeping\s+in\s+(?:your|the)\s+(?:car|truck)\b"
    ),
    "deployment": (r"\bdeploy\w*|\boverseas\b|\bover\s+there\b|\btours?\b|\biraq\b|\bafghanistan\b"),
    "combat": r"\bcombat\b|\bfirefights?\b|\bpatrols?\b|\bconvoys?\b|\bwar\b|\bambush\w*",
    "moral_injury": (
        r"\bguilt\w*|\bshame\w*|\bblam(?:e|ing)\s+yourself\b|\bsomething\s+you\s+(?:did|saw)\b"
        r"|\bregrets?\b|\bforgiv\w*|\bwhat\s+happened\s+(?:over\s+there|that\s+day)\b"
    ),
    "anger": (
        r"\bangry\b|\banger\b|\bmad\b|\btemper\b|\brage\b|\byell(?:ing)?\b|\bfight(?:s|ing)?\b"
        r"|\barguments?\b|\barguing\b"
    ),
    "health": (
        r"\bdoctors?\b|\bhealth\w*|\bphysical\b|\bliver\b|\bblood\s+(?:pressure|work|test)s?\b"
        r"|\bcheck-?ups?\b|\blabs?\b|\bdiagnos\w*|\bheart\b|\blungs?\b|\bbreath(?:ing)?\b"
    ),
    "faith": r"\bfaith\b|\bgod\b|\bchurch\b|\bpray\w*|\bspiritual\w*|\bceremon(?:y|ies)\b",
    "support": (
        r"\bsupport\w*|\bfriends?\b|\bbuddies\b|\btalk\s+to\b|\bsomeone\s+(?:to|you)\b"
        r"|\bpeople\s+in\s+your\s+life\b|\blean\s+on\b|\bwho\s+do\s+you\s+(?:have|turn|talk)\b"
    ),
    "reasons_for_living": (
        r"\breasons?\s+(?:for|to)\s+(?:living|live|keep\s+going|stay)\b"
        r"|\bwhat\s+keeps\s+you\b|\bkeeps?\s+you\s+going\b|\bworth\s+living\b"
        r"|\bhold(?:s|ing)?\s+(?:you\s+)?on\b|\blooking\s+forward\s+to\b"
    ),
    "smoking": (
        r"\bsmok\w*|\bcigarettes?\b|\bcigs?\b|\btobacco\b|\bvap(?:e|es|ing)\b|\bnicotine\b"
        r"|\bquit(?:ting)?\b"
    ),
    "panic": (r"\bpanic\w*|\banxi\w*|\bheart\s+(?:racing|pounding)\b|\bbreath\w*|\bchest\b"),
}

TOPICS: Mapping[str, re.Pattern[str]] = {name: re.compile(pattern, _F) for name, pattern in _TOPIC_PATTERNS.items()}
"""Built-in topics usable in ``asked_directly_about``."""

# Topics about the listener's own safety: the inquiry must address them ("you").
PERSONAL_TOPICS = frozenset({"suicide", "self_harm", "past_attempt", "plan"})

_SECOND_PERSON = re.compile(r"\byou(?:'(?:re|ve|d|ll))?\b|\byourself\b|\bu\b", _F)
_INTERROGATIVE_START = re.compile(
    r"^(?:and\s+|so\s+|but\s+|now\s+|ok(?:ay)?\s*,?\s+|well\s*,?\s+|also\s*,?\s+)?"
    r"(?:what|how|when|where|why|who|which|is|are|am|was|were|do|does|did|have|has|had"
    r"|can|could|would|will|should|may|might|any)\b",
    _F,
)
_INQUIRY_PHRASE = re.compile(
    r"\bi(?:'m|\s+am)?\s+wonder(?:ing)?\b|\bi(?:'m|\s+am)\s+curious\b"
    r"|\b(?:can|could|may)\s+i\s+ask\b|\bmind\s+if\s+i\s+ask\b|\blet\s+me\s+ask\b"
    r"|\bi\s+(?:want|wanted|need|have|had|would\s+like|'d\s+like)\s+to\s+ask\b"
    r"|\bi'm\s+going\s+to\s+ask\b|\btell\s+me\s+(?:about|more|what|how|if|whether)\b"
    r"|\b(?:can|could|would)\s+you\s+(?:tell|share|talk)\b",
    _F,
)
# A negatively phrased question steers towards "no" ("you're not ..., are you?").
_NEGATIVE_LEAD = re.compile(
    r"^(?:and\s+|so\s+|but\s+|now\s+|i\s+mean\s*,?\s+|hey\s*,?\s+|well\s*,?\s+)?"
    r"(?:you(?:'re|\s+are)\s+not|you\s+aren't|you\s+(?:would|will|do|did|have|were)\s*n(?:'|o)t"
    r"|you\s+(?:wouldn|won|don|didn|haven|weren)'t|you(?:'re|\s+are|\s+would)\s+never"
    r"|don't\s+tell\s+me\s+you|surely\s+you)",
    _F,
)
_NEGATION = re.compile(r"\bnot\b|n't\b|\bnever\b", _F)
_NEGATIVE_TAG = re.compile(
    r",\s*(?:(?:are|would|do|will|did|have|were|is)\s+(?:you|ya)|right|yeah|ok(?:ay)?)\s*\?+\s*$",
    _F,
)
_ANAPHOR = re.compile(r"\b(?:that|this|those|these|it|like\s+that|the\s+same|anything\s+like)\b", _F)
_ELLIPTICAL = re.compile(r"^(?:and\s+|so\s+)?any\b", _F)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+")
_QUOTED = re.compile(r"\"[^\"]*\"")
# Curly quotes folded 1:1 so the patterns only deal with straight ones.
_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s and s.strip()]


def _is_inquiry(sentence: str) -> bool:
    return (
        sentence.rstrip(" \"')").endswith("?")
        or bool(_INTERROGATIVE_START.match(sentence))
        or bool(_INQUIRY_PHRASE.search(sentence))
    )


def _is_leading_negative(sentence: str) -> bool:
    if _NEGATIVE_LEAD.match(sentence):
        return True
    return bool(_NEGATIVE_TAG.search(sentence)) and bool(_NEGATION.search(sentence))


@dataclass(frozen=True)
class Inquiry:
    """A span of the message that asks something: one sentence, or a mention plus the
    question that points back at it."""

    text: str
    addresses_listener: bool


def inquiries(text: str) -> list[Inquiry]:
    """The inquiry spans of a message, negatively-phrased questions removed."""
    # Quoted words are the client's own, echoed back ("you said 'I'm done'"): not asked.
    sentences = split_sentences(_QUOTED.sub(" ", text.translate(_FOLD)))
    found: list[Inquiry] = []
    for i, sentence in enumerate(sentences):
        if _is_leading_negative(sentence):
            continue
        if _is_inquiry(sentence):
            # "Any thoughts of suicide?" is elliptical for "have you had any ...".
            listener = bool(_SECOND_PERSON.search(sentence) or _ELLIPTICAL.match(sentence))
            found.append(Inquiry(sentence, listener))
            continue
        follow = sentences[i + 1] if i + 1 < len(sentences) else ""
        if (
            follow
            and follow.rstrip().endswith("?")
            and _SECOND_PERSON.search(follow)
            and _ANAPHOR.search(follow)
            and not _is_leading_negative(follow)
        ):
            found.append(Inquiry(f"{sentence} {follow}", True))
    return found


@lru_cache(maxsize=512)
def topic_pattern(item: str) -> re.Pattern[str]:
    """The regex for a built-in topic, or a whole-word literal for any other item."""
    key = item.strip().lower()
    if key in TOPICS:
        return TOPICS[key]
    words = [re.escape(w) for w in key.split()]
    return re.compile(r"\b" + r"\s+".join(words) + r"\b", _F)


def asks_directly(text: str, items: Iterable[str], spans: list[Inquiry] | None = None) -> bool:
    """True when the message asks directly about any of ``items`` (topics or keywords)."""
    spans = inquiries(text) if spans is None else spans
    for item in items:
        pattern = topic_pattern(item)
        personal = item.strip().lower() in PERSONAL_TOPICS
        for span in spans:
            if personal and not span.addresses_listener:
                continue
            if pattern.search(span.text):
                return True
    return False


def topics_asked(text: str) -> frozenset[str]:
    """Every built-in topic the message asks about directly (for signals and metrics)."""
    spans = inquiries(text)
    return frozenset(name for name in TOPICS if asks_directly(text, (name,), spans))


def mentions(text: str, item: str) -> bool:
    """Whether the text mentions a topic at all, asked or not."""
    return bool(topic_pattern(item).search(text))
