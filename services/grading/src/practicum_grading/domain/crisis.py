"""Crisis-skills checklist for scenarios with suicide risk.

Built on the VA S.A.V.E. steps (recognise Signs, Ask directly, Validate, Encourage and
Expedite help) and the Lifeline risk-assessment areas (desire, capability, intent,
buffers), paraphrased.

Everything that reads free text here is a **lexicon heuristic**: regular expressions
over lower-cased text. It can miss unusual wording and it can fire on an unrelated use
of a word. That trade-off is acceptable for formative training feedback, where a
supervisor reads the evidence turns; it is not a clinical risk detector. The scenario's
risk profile (hidden facts the simulator reports as disclosed) is ground truth and is
used alongside the lexicon wherever it applies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from .model import RiskItem, RiskKind, ScenarioMeta, Speaker, TraineeCode, Transcript, Turn
from .text import clause_around, is_question, normalise, sentences, turn_ref


class ChecklistGroup(StrEnum):
    SAVE = "save"
    RISK_ASSESSMENT = "risk_assessment"
    RISK_PROFILE = "risk_profile"


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    group: ChecklistGroup
    label: str
    met: bool
    evidence_turn_ids: tuple[str, ...]
    note: str
    # True for facts about the client (warning signs appeared), not trainee skills.
    observation: bool = False


@dataclass(frozen=True)
class WarningSign:
    turn_id: str
    index: int
    category: str
    # The words that matched (lexicon) or the disclosed fact id (risk profile).
    matched: str
    source: str  # "lexicon" | "risk_profile"


@dataclass(frozen=True)
class DirectAsk:
    """When the trainee first asked about suicide plainly."""

    turn_id: str
    index: int
    # Difference in ``Turn.index`` from the first warning sign; None if asked before any.
    turns_after_first_warning: int | None
    # Trainee replies between the first warning sign and the ask, the ask excluded.
    trainee_replies_before_ask: int | None
    late: bool


@dataclass(frozen=True)
class CrisisChecklist:
    items: tuple[ChecklistItem, ...]
    warning_signs: tuple[WarningSign, ...]
    direct_ask: DirectAsk | None
    # Turns that asked about suicide in a way that expects "no" (see classify_suicide_ask).
    invites_no_turn_ids: tuple[str, ...]
    coaching_points: tuple[str, ...]

    @property
    def first_warning(self) -> WarningSign | None:
        return self.warning_signs[0] if self.warning_signs else None

    def item(self, item_id: str) -> ChecklistItem:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)


@dataclass(frozen=True)
class CrisisPolicy:
    # Asking after this many trainee replies since the first warning sign counts as late:
    # S.A.V.E. asks the question early, not once the conversation is winding down.
    late_after_replies: int = 3
    # Asking only in the very last trainee turn counts as "left to the end" when at least
    # this many replies came before it since the first sign.
    end_ask_min_replies: int = 2


DEFAULT_POLICY = CrisisPolicy()


# --- lexicons (heuristic) -------------------------------------------------------------

WARNING_SIGN_LEXICON: Mapping[str, re.Pattern[str]] = {
    category: re.compile(pattern)
    for category, pattern in {
        "hopelessness": r"\b(hopeless\w*|no hope|(nothing|it) (is )?(never )?(going to|gonna|will) "
        r"(change|get better|improve)|never get better|no point|what'?s the point|pointless|"
        r"no way out|trapped|no future|can'?t see (a|any) (way|future)|(don'?t|can'?t) see the point|"
        r"giving up|nothing ever changes)\b",
        "withdrawal": r"\b(withdraw\w*|isolat\w*|keep(ing)? to myself|all alone|alone all the time|"
        r"(don'?t|never) (see|talk to|call) (anyone|anybody|people|friends|my friends|the guys)|"
        r"(don'?t|never) (go out|leave the house)|"
        r"stopped (going|seeing|calling|talking|answering|leaving)|"
        r"(push\w*|shut\w*) (everyone|people|them|everybody) (away|out)|haven'?t (left|seen|talked|called)|"
        r"avoid(ing)? (everyone|people|my (family|friends)))\b",
        "more drinking": r"\b(drinking (more|a lot|heavily|too much|every (day|night)|again|all (day|night))|"
        r"(more|extra) (beers?|drinks?|whiskey|booze|liquor)|drink(ing)? to (sleep|forget|numb|cope|get through)|"
        r"hit(ting)? the bottle|drunk (every|most|all)|using again)\b",
        "no reason to live": r"\b(no reason to (live|keep going|be here|stay|get up)|nothing (left )?to live for|"
        r"(better|be) off without me|(a|such a) burden|don'?t want to (be here|live|wake up|go on|be around)|"
        r"why (bother|keep going)|no one would (miss|notice|care))\b",
        "talk of death": r"\b(suicid\w*|kill(ing)? myself|end(ing)? (it|it all|my life|things)|want(ed)? to die|"
        r"wish (i was|i were|i'?d (be|been)) dead|better off dead|(not|won'?t) be (around|here) "
        r"(much longer|anymore|for long)|dying|death|funeral|say(ing)? goodbye|giv(e|ing) away my)\b",
        "acquiring weapons": r"\b((bought|buy|buying|got|getting|picked up|purchased) (a |another |some |my )?"
        r"(gun|pistol|handgun|rifle|shotgun|firearm|ammo|ammunition|rounds|rope)|"
        r"clean(ing)? my (gun|pistol|rifle|weapon|service weapon)|"
        r"(stockpil\w*|saving up|saved up|hoard\w*) (pills|meds|medication)|ammo|ammunition)\b",
    }.items()
}

# Resource names that contain the word "suicide" but are not a question about it.
_RESOURCE_NAMES = re.compile(
    r"suicide (and|&) crisis lifeline|suicide prevention( lifeline| hotline| line)?|suicide (hot)?line"
)
_DIRECT_TERMS = re.compile(
    r"\b(suicid\w*|kill(ing)? yourself|end(ing)? your (own )?life|tak(e|ing) your (own )?life|"
    r"want(ing)? to die|wish(ing)? (that )?you were dead|better off dead)\b"
)
# Euphemisms: they let both people avoid the word, so S.A.V.E. asks for the plain term.
_VAGUE_TERMS = re.compile(
    r"\b(hurt(ing)? yourself|harm(ing)? yourself|do(ing)? (something|anything) (stupid|drastic|silly|dumb|rash)|"
    r"end(ing)? it( all)?|not (be )?(here|around) anymore|not wanting to (live|be here|be alive|wake up)|"
    r"giv(e|ing) up on life)\b"
)
_NEGATION = re.compile(r"\b(not|never|no|nothing)\b|n't\b")
# How far before the suicide term a negation still governs it ("you're not thinking of
# hurting yourself" has it three words before; "I'm not going to judge you if ..." does not).
_NEGATION_WINDOW_WORDS = 5
# A short question right after a statement about suicide asks about it ("Some people
# in that much pain think about suicide. Is that something you've thought about?").
_FOLLOW_UP_QUESTION_WORDS = 12

# Someone else holding the means for a while ("let your brother hold onto it for now").
_HOLD_MEANS = r"(hold|keep|look after) (on ?to )?(it|them|the \w+|your \w+) for (you|a while|now|the time being)"
# "Anything you could use to hurt yourself?" asks about means, not (vaguely) about suicide.
_INSTRUMENT = r"(use|using)( \w+){0,2} to (hurt|harm|kill) yourself|(use|using)( \w+){0,2} to end (it|your life)"
_INSTRUMENT_BEFORE = re.compile(r"\b(use|using)( \w+){0,2} to $")
# The capability areas of a risk assessment, each with its own coaching message.
_RISK_TOPICS: dict[str, re.Pattern[str]] = {
    "means": re.compile(
        r"\b(guns?|firearms?|weapons?|pistols?|handguns?|rifles?|shotguns?|ammo|ammunition|"
        r"safe storage|storage|stored|storing|gun (safe|lock)s?|cable locks?|trigger locks?|lock(ed|ing|box|s)?|"
        r"pills|medications?|meds|rope|" + _HOLD_MEANS + "|" + _INSTRUMENT + r")\b"
    ),
    "attempt": re.compile(
        r"\b(attempt(ed|s)?|tried (to kill|to end|to take|suicide|before)|(hurt|harmed) yourself before)\b"
    ),
    "intoxication": re.compile(
        r"\b((been )?drinking (right now|now|today|tonight)|had (anything|something|much|a lot) to drink|"
        r"(high|drunk|using) (right now|tonight))\b"
    ),
}
# Means, past attempts or intoxication: the checklist's "explored capability" item.
_MEANS = re.compile("|".join(p.pattern for p in _RISK_TOPICS.values()))
_SAFE_STORAGE = re.compile(
    r"\b(safe storage|storage|stor(ed|ing)|gun (safe|lock)s?|cable locks?|trigger locks?|lock\w*|"
    + _HOLD_MEANS
    + r")\b"
)
# Firearms, the means that means-safety counselling is mostly about (and the one our
# veteran scenarios have). Medication is left out: "I take my meds" is not a stockpile.
_FIREARM = re.compile(r"\b(guns?|firearms?|weapons?|pistols?|handguns?|revolvers?|rifles?|shotguns?)\b")
_SAFETY_PLAN = re.compile(r"\b(safety|crisis) plan(s|ning)?\b")
_INTENT = re.compile(
    r"\b(plan(s|ned|ning)?|how (would|will|might) you|when (would|will|might) you|where (would|will) you|"
    r"method|prepar\w*|a note|goodbye|timeline|intend\w*|intention|decided|set a date|rehears\w*|"
    r"(thought|think|thinking) about how)\b"
)
_BUFFERS = re.compile(
    r"\b(reasons? (to live|for living|to (keep going|stay|be here|hold on))|"
    r"(keeps?|kept) you (going|here|alive|hanging on)|(kept|keeps?|stopped|stops) you from|"
    r"got you through|support(s|ed|ive)?|friends?|family|wife|husband|partner|kids|children|daughter|son|"
    r"dogs?|pets?|faith|church|look(ing)? forward|matters? (most )?to you|hope|helped (you )?(before|in the past)|"
    r"what helps|(who|anyone|someone|somebody) (\w+ ){0,4}(call|talk to|reach out to|lean on|trust|count on))\b"
)
_VALIDATION = re.compile(
    r"\b(makes (a lot of |total |complete )?sense|understandable|no wonder|of course you|"
    r"thanks? (you )?for (telling|sharing|trusting|being honest|being open)|"
    r"(took|takes) (a lot of |real )?(courage|guts|strength)|i'?m glad you (told|shared|reached|called|said)|"
    r"sounds (really |so |incredibly )?(hard|painful|heavy|exhausting|lonely|overwhelming|rough|tough)|"
    r"i hear you|you'?re not alone|anyone (would|in your)|it'?s okay to feel|that'?s a lot)\b"
)
RESOURCE_LEXICON: Mapping[str, re.Pattern[str]] = {
    name: re.compile(pattern)
    for name, pattern in {
        "Veterans Crisis Line": r"\bveterans? crisis line\b|veteranscrisisline",
        "988": r"\b988\b",
        "press 1": r"\bpress(ing)? (1|one)\b",
        "text 838255": r"\b838255\b",
        "chat": r"\b(online|confidential|live|web) chat\b|\bchat (online|with (a|an|the) (responder|counsel+or))\b",
        "crisis line": r"\bcrisis (line|lifeline|hotline|text line|center)\b|\blifeline\b|\bhotline\b",
        "counsellor or clinician": r"\b(counsel+or|therapist|psychologist|psychiatrist|clinician|chaplain|doctor|"
        r"mental health (provider|professional|team|care))\b",
        "VA or Vet Center": r"\bva\b|\bvet cent(er|re)\b|\bveterans affairs\b",
        "emergency services": r"\b911\b|\bemergency (room|services|department)\b",
    }.items()
}
_EXPEDITE = re.compile(
    r"\b((call|dial|text|chat with) (them |it )?(together|right now|now)|stay (on the line |here )?with you|"
    r"warm hand-?off|(can|could|shall) we call|would you be willing to (call|text|reach)|"
    r"i can (connect|call|stay))\b"
)


# --- suicide question classification ------------------------------------------------


class AskStyle(StrEnum):
    DIRECT = "direct"
    # Framed to expect a "no" ("you're not thinking of hurting yourself, are you?").
    INVITES_NO = "invites_no"
    # Asked with a euphemism ("hurt yourself", "do something stupid").
    VAGUE = "vague"


@dataclass(frozen=True)
class SuicideAsk:
    styles: frozenset[AskStyle]
    phrase: str

    @property
    def direct(self) -> bool:
        return AskStyle.DIRECT in self.styles


def classify_suicide_ask(text: str) -> SuicideAsk | None:
    """How, if at all, a trainee utterance asks about suicide (lexicon heuristic).

    A mention only counts as asking when it sits in a question, in an "I'm wondering
    if ..." sentence, or is followed by a short question. Named resources such as the
    "Suicide and Crisis Lifeline" are removed first so that giving a resource is not
    mistaken for asking.
    """
    styles: set[AskStyle] = set()
    phrase = ""
    parts = sentences(_RESOURCE_NAMES.sub("crisis line", normalise(text)))
    for i, sentence in enumerate(parts):
        follow_up = (
            i + 1 < len(parts) and is_question(parts[i + 1]) and len(parts[i + 1].split()) <= _FOLLOW_UP_QUESTION_WORDS
        )
        if not (is_question(sentence) or follow_up):
            continue
        for terms, style in ((_DIRECT_TERMS, AskStyle.DIRECT), (_VAGUE_TERMS, AskStyle.VAGUE)):
            for match in terms.finditer(sentence):
                if style is AskStyle.VAGUE and _INSTRUMENT_BEFORE.search(sentence[: match.start()]):
                    continue  # a question about means ("anything you could use to hurt yourself?")
                clause, offset = clause_around(sentence, match.start())
                before = clause[:offset].split()[-_NEGATION_WINDOW_WORDS:]
                negated = any(_NEGATION.search(word) for word in before)
                styles.add(AskStyle.INVITES_NO if negated else style)
                phrase = phrase or sentence
    return SuicideAsk(frozenset(styles), phrase) if styles else None


# Resource names that make a referral a crisis referral (not everyday advice).
_CRISIS_LINES = ("Veterans Crisis Line", "988", "text 838255", "chat", "crisis line", "emergency services")


def mentions_crisis_line(text: str) -> bool:
    """Whether the utterance points to a crisis line or emergency help.

    Urging someone at risk to call a crisis line is the "Encourage and Expedite" step,
    not the MI-inconsistent advice-giving that other modules coach against.
    """
    lowered = normalise(text)
    return any(RESOURCE_LEXICON[name].search(lowered) for name in _CRISIS_LINES)


def offers_to_connect(text: str) -> bool:
    """Whether the trainee offered to make the connection now ("can we call together?")."""
    return _EXPEDITE.search(normalise(text)) is not None


def risk_assessment_topic(text: str) -> str | None:
    """``"means"`` (access to means), ``"attempt"`` (past attempts), ``"intoxication"``
    (drinking or using now), ``"intent"`` (plan, preparation, timing) or None: which
    risk-assessment area a trainee utterance touches.

    Such questions are meant to be asked plainly (often closed), so other modules use
    this to avoid coaching them into open questions.
    """
    lowered = _SAFETY_PLAN.sub(" ", normalise(text))
    for topic, pattern in _RISK_TOPICS.items():
        if pattern.search(lowered):
            return topic
    return "intent" if _INTENT.search(lowered) else None


def mentions_risk_assessment(text: str) -> bool:
    return risk_assessment_topic(text) is not None


def discusses_safe_storage(text: str) -> bool:
    """Whether an utterance talks about locking up means or someone else holding them."""
    return _SAFE_STORAGE.search(normalise(text)) is not None


def named_firearm(text: str) -> str | None:
    """The first firearm a client utterance says they have ("I keep my pistol in the
    nightstand" -> "pistol"), or None; a negation up to 5 words before it ("I don't own a
    gun", "no guns in the house") means it does not count. A lexicon heuristic like the rest."""
    for sentence in sentences(normalise(text)):
        match = _FIREARM.search(sentence)
        if match is None:
            continue
        before = sentence[: match.start()].split()[-_NEGATION_WINDOW_WORDS:]
        if not _NEGATION.search(" ".join(before)):
            return match.group(0)
    return None


_MEDICATION = re.compile(r"\b(medications?|medicines?|pills|meds)\b")


def risk_item_means(item: RiskItem) -> str | None:
    """The means a capability item of the scenario names, for means-safety coaching.

    A firearm in the label counts ("Handgun at home, not locked up." -> "handgun"); so does
    medication, but only in an item the scenario marks as access to means
    (``capability.access_to_means``): in the client's own words, "my meds" is not a stockpile.
    """
    if item.kind is not RiskKind.CAPABILITY or item.absent:
        return None
    firearm = named_firearm(item.label)
    if firearm is not None:
        return firearm
    medication = _MEDICATION.search(normalise(item.label))
    return medication.group(0) if medication and item.item_id.endswith("access_to_means") else None


def asks_about_plan(text: str) -> bool:
    """Whether a trainee utterance asks about a plan, preparation or timing (the checklist's
    "Explored plan and intent" item, for one turn)."""
    return _text_matches(text, _INTENT, questions_only=True, strip=_SAFETY_PLAN)


# --- the checklist --------------------------------------------------------------------


def detect_warning_signs(transcript: Transcript, scenario: ScenarioMeta) -> tuple[WarningSign, ...]:
    """Client turns showing S.A.V.E. warning signs, in transcript order.

    Two sources: the lexicon heuristic over client text, and disclosures of risk-profile
    facts other than buffers (the simulator says the client revealed, e.g., a plan). An
    item the scenario marks absent ("No plan.") is no sign when it comes out.
    """
    facts = {
        fact: item
        for item in scenario.risk_profile
        if item.kind is not RiskKind.BUFFER and not item.absent
        for fact in item.fact_ids
    }
    disclosed: dict[str, list[str]] = {}
    for disclosure in transcript.disclosures:
        if disclosure.fact_id in facts:
            disclosed.setdefault(disclosure.turn_id, []).append(disclosure.fact_id)
    signs: list[WarningSign] = []
    for turn in transcript.turns:
        if turn.speaker is not Speaker.CLIENT:
            continue
        text = normalise(turn.text)
        for category, pattern in WARNING_SIGN_LEXICON.items():
            match = pattern.search(text)
            if match:
                signs.append(WarningSign(turn.turn_id, turn.index, category, match.group(0), "lexicon"))
        for fact in disclosed.get(turn.turn_id, ()):
            item = facts[fact]
            signs.append(
                WarningSign(turn.turn_id, turn.index, f"{item.kind.value}: {item.label}", fact, "risk_profile")
            )
    return tuple(signs)


def _trainee_turns_matching(
    turns: Iterable[Turn], pattern: re.Pattern[str], *, questions_only: bool, strip: re.Pattern[str] | None = None
) -> list[Turn]:
    return [t for t in turns if _text_matches(t.text, pattern, questions_only=questions_only, strip=strip)]


def _text_matches(
    raw: str, pattern: re.Pattern[str], *, questions_only: bool, strip: re.Pattern[str] | None = None
) -> bool:
    text = normalise(raw)
    if strip is not None:
        text = strip.sub(" ", text)
    return any(pattern.search(s) and (not questions_only or is_question(s)) for s in sentences(text))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _turn_refs(turns: Sequence[Turn]) -> str:
    return ", ".join(turn_ref(t.index, t.turn_id) for t in turns)


@dataclass
class _Review:
    """What every checklist step needs, computed once, plus the coaching it collects."""

    transcript: Transcript
    policy: CrisisPolicy
    signs: tuple[WarningSign, ...]
    trainee: list[Turn]
    # Turns are frozen and unique within a speaker, so they can key their own position.
    positions: dict[Turn, int]
    first_position: int | None
    coaching: list[str]

    @property
    def first(self) -> WarningSign | None:
        return self.signs[0] if self.signs else None

    def after_first_sign(self, turn: Turn) -> bool:
        return self.first_position is None or self.positions[turn] > self.first_position

    def in_order(self, turns: Iterable[Turn]) -> tuple[str, ...]:
        """Turn ids, deduplicated, in transcript order."""
        return tuple(t.turn_id for t in sorted(set(turns), key=self.positions.__getitem__))


def assess_crisis_skills(
    transcript: Transcript, scenario: ScenarioMeta, *, policy: CrisisPolicy = DEFAULT_POLICY
) -> CrisisChecklist:
    """The S.A.V.E. / risk-assessment checklist with evidence turn ids.

    Meant for scenarios with ``has_suicide_risk``; the report only includes it there.
    """
    signs = detect_warning_signs(transcript, scenario)
    review = _Review(
        transcript=transcript,
        policy=policy,
        signs=signs,
        trainee=[t for t in transcript.turns if t.is_trainee],
        positions={t: i for i, t in enumerate(transcript.turns)},
        first_position=transcript.position_of_client_turn(signs[0].turn_id) if signs else None,
        coaching=[],
    )
    ask_item, direct_ask, invites_no = _asked_directly(review)
    items = [
        _warning_signs(review),
        ask_item,
        _validated(review),
        _connected_to_resources(review),
        *_risk_assessment(review),
        *_risk_profile_items(transcript, scenario),
    ]
    return CrisisChecklist(
        items=tuple(items),
        warning_signs=signs,
        direct_ask=direct_ask,
        invites_no_turn_ids=invites_no,
        coaching_points=tuple(review.coaching),
    )


def _warning_signs(review: _Review) -> ChecklistItem:
    """S: an observation about the client, so the supervisor sees what the trainee faced."""
    first = review.first
    if first:
        categories = ", ".join(dict.fromkeys(s.category for s in review.signs))
        note = (
            f"First sign on {turn_ref(first.index, first.turn_id)}: {first.category} "
            f"('{first.matched}'). Categories seen: {categories}. Lexicon heuristic plus "
            "disclosed risk facts; check the evidence turns."
        )
    else:
        note = "No warning sign detected by the lexicon heuristic or the risk profile."
    return ChecklistItem(
        "warning_signs",
        ChecklistGroup.SAVE,
        "Warning signs appeared (heuristic)",
        bool(review.signs),
        tuple(dict.fromkeys(s.turn_id for s in review.signs)),
        note,
        observation=True,
    )


def _asked_directly(review: _Review) -> tuple[ChecklistItem, DirectAsk | None, tuple[str, ...]]:
    """A: asked plainly, when, and whether any ask expected a "no" or used a euphemism."""
    asks = [(t, classify_suicide_ask(t.text)) for t in review.trainee]
    direct = [t for t, ask in asks if ask and AskStyle.DIRECT in ask.styles]
    invites_no = [t for t, ask in asks if ask and AskStyle.INVITES_NO in ask.styles]
    vague = [t for t, ask in asks if ask and ask.styles == {AskStyle.VAGUE}]
    first = review.first
    direct_ask: DirectAsk | None = None
    if not direct:
        note = "Never asked plainly about suicide."
        review.coaching.append(
            "Ask directly, in plain words: 'Are you thinking about killing yourself?' Asking does "
            "not put the idea in someone's head, and it tells them they can talk about it."
        )
    elif first is None or not review.after_first_sign(direct[0]):
        asked = direct[0]
        direct_ask = DirectAsk(asked.turn_id, asked.index, None, None, False)
        note = f"Asked on {turn_ref(asked.index, asked.turn_id)}, before any warning sign was detected."
    else:
        asked = direct[0]
        position = review.positions[asked]
        between = sum(1 for t in review.trainee if review.after_first_sign(t) and review.positions[t] < position)
        left_to_end = asked is review.trainee[-1] and between >= review.policy.end_ask_min_replies
        late = between >= review.policy.late_after_replies or left_to_end
        gap = asked.index - first.index
        direct_ask = DirectAsk(asked.turn_id, asked.index, gap, between, late)
        note = (
            f"Asked on {turn_ref(asked.index, asked.turn_id)}, {gap} turn(s) after the first warning sign, "
            f"with {between} trainee turn(s) in between."
        )
        if late:
            note += " Asked late: ask as soon as warning signs appear, not near the end."
            review.coaching.append(
                "Ask about suicide as soon as warning signs appear; waiting makes the question "
                "harder to ask and delays safety planning."
            )
    if invites_no:
        note += f" Asked in a way that invites a 'no' on {_turn_refs(invites_no)}."
        review.coaching.append(
            "Avoid questions that expect a 'no' ('You're not thinking of hurting yourself, are you?'); "
            "they make it hard to answer honestly. Ask neutrally instead."
        )
    if vague:
        note += f" Used a euphemism instead of the word suicide on {_turn_refs(vague)}."
        review.coaching.append(
            "Name it: 'suicide' or 'killing yourself' is clearer than 'hurting yourself' or 'doing something stupid'."
        )
    item = ChecklistItem(
        "asked_directly",
        ChecklistGroup.SAVE,
        "Asked directly about suicide",
        bool(direct),
        # The turns the verdict rests on: the plain asks when there are any (the report lists
        # them as a strength; asks that invite a "no" or use a euphemism are named in the
        # note), otherwise the asks to look at.
        review.in_order(direct or [*invites_no, *vague]),
        note,
    )
    return item, direct_ask, review.in_order(invites_no)


def _validated(review: _Review) -> ChecklistItem:
    """V: reflections, affirmations or validating words after the first warning sign."""
    validating = [
        t
        for t in review.trainee
        if review.after_first_sign(t)
        and (
            t.trainee_code.code in (TraineeCode.REFLECTION, TraineeCode.AFFIRM) or _VALIDATION.search(normalise(t.text))
        )
    ]
    scope = f"after the first warning sign (turn {review.first.index})" if review.first else "in the conversation"
    return ChecklistItem(
        "validated",
        ChecklistGroup.SAVE,
        "Validated the client's feelings",
        bool(validating),
        review.in_order(validating),
        f"Reflections, affirmations or validating phrases {scope}: {len(validating)}."
        if validating
        else f"No reflection, affirmation or validation {scope}.",
    )


def _connected_to_resources(review: _Review) -> ChecklistItem:
    """E: encourage and expedite help; notes which Veterans Crisis Line routes were given."""
    found: dict[str, list[Turn]] = {}
    for turn in review.trainee:
        text = normalise(turn.text)
        for name, pattern in RESOURCE_LEXICON.items():
            if pattern.search(text):
                found.setdefault(name, []).append(turn)
    if found:
        routes = {
            "call 988 then press 1": "988" in found and "press 1" in found,
            "text 838255": "text 838255" in found,
            "chat": "chat" in found,
        }
        note = (
            f"Mentioned: {', '.join(found)}. Veterans Crisis Line routes given: "
            + ", ".join(f"{route} {'yes' if given else 'no'}" for route, given in routes.items())
            + "."
        )
        expedite = [t for t in review.trainee if offers_to_connect(t.text)]
        if expedite:
            note += f" Offered to connect now on {_turn_refs(expedite)}."
    else:
        note = "No crisis line, clinician or other resource was mentioned."
        review.coaching.append(
            "Connect them to help before the conversation ends: Veterans Crisis Line (dial 988 "
            "then press 1, text 838255, or chat online) or the 988 Lifeline; offer to make the call together."
        )
    return ChecklistItem(
        "connected_to_resources",
        ChecklistGroup.SAVE,
        "Connected to resources (crisis line, clinician)",
        bool(found),
        review.in_order(t for turns in found.values() for t in turns),
        note,
    )


def _risk_assessment(review: _Review) -> list[ChecklistItem]:
    """Lifeline areas the trainee explored: intent, capability (means), buffers.

    Desire is covered by the direct question about suicide.
    """
    trainee = review.trainee
    intent = _trainee_turns_matching(trainee, _INTENT, questions_only=True, strip=_SAFETY_PLAN)
    means = _trainee_turns_matching(trainee, _MEANS, questions_only=False)
    storage = _trainee_turns_matching(means, _SAFE_STORAGE, questions_only=False)
    buffers = _trainee_turns_matching(trainee, _BUFFERS, questions_only=True)
    means_note = (
        f"Discussed access to means or past attempts on {_turn_refs(means)}."
        if means
        else "Did not ask about access to means (firearms, medication) or past attempts."
    )
    if storage:
        means_note += f" Safe storage or locking came up on {_turn_refs(storage)}."
    steps = [
        (
            "explored_intent",
            "Explored plan and intent",
            intent,
            f"Asked about a plan, preparation or timing on {_turn_refs(intent)}."
            if intent
            else "Did not ask whether they have a plan, have prepared, or when.",
            "Ask whether they have a plan, how far it has gone, and when they might act.",
        ),
        (
            "explored_means",
            "Explored capability: access to means (e.g. firearms), past attempts",
            means,
            means_note,
            (
                "Ask about access to means, especially firearms, and talk about putting time and "
                "distance between the person and the means (safe storage, a lock, someone holding the keys)."
            ),
        ),
        (
            "explored_buffers",
            "Explored buffers: supports and reasons for living",
            buffers,
            f"Asked about supports or reasons for living on {_turn_refs(buffers)}."
            if buffers
            else "Did not ask what keeps them going or who they can lean on.",
            "Ask what has kept them going so far and who they can lean on; build on those.",
        ),
    ]
    items = []
    for item_id, label, turns, note, coaching in steps:
        if not turns:
            review.coaching.append(coaching)
        items.append(
            ChecklistItem(item_id, ChecklistGroup.RISK_ASSESSMENT, label, bool(turns), review.in_order(turns), note)
        )
    return items


def _risk_profile_items(transcript: Transcript, scenario: ScenarioMeta) -> list[ChecklistItem]:
    """One item per hidden risk fact group: did the trainee draw it out?"""
    by_fact: dict[str, list[str]] = {}
    for disclosure in transcript.disclosures:
        by_fact.setdefault(disclosure.fact_id, []).append(disclosure.turn_id)
    items = []
    for risk in scenario.risk_profile:
        evidence: list[str] = []
        notes: list[str] = []
        for fact in risk.fact_ids:
            for client_turn_id in by_fact.get(fact, ()):
                position = transcript.position_of_client_turn(client_turn_id)
                client_turn = transcript.turns[position]
                prompt = transcript.previous_trainee_turn(position)
                if prompt is not None:
                    evidence.append(prompt.turn_id)
                evidence.append(client_turn_id)
                asked = f" in reply to {turn_ref(prompt.index, prompt.turn_id)}" if prompt else ""
                notes.append(f"fact '{fact}' disclosed on {turn_ref(client_turn.index, client_turn_id)}{asked}")
        uncovered = bool(notes)
        items.append(
            ChecklistItem(
                id=f"risk_profile:{risk.key}",
                group=ChecklistGroup.RISK_PROFILE,
                label=f"Uncovered {risk.kind.value}: {risk.label}",
                met=uncovered,
                evidence_turn_ids=tuple(dict.fromkeys(evidence)),
                note=_sentence("; ".join(notes))
                if uncovered
                else "Not disclosed: the client never revealed this during the session.",
            )
        )
    return items
