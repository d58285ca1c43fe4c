"""Two or three concrete rewrites of the trainee's own turns.

Each suggestion quotes a real trainee turn (id and text) and shows a better response.
Heuristic rewrites are **templates**: they reuse the client's preceding words (pronouns
swapped by ``text.key_clause``) inside a fixed frame such as "It sounds like ...". They
are marked ``is_template`` so the report can tell the trainee to adapt the wording.

Choosing turns is deterministic: candidates are ranked by how much a rewrite would help
(safety first, then MI-inconsistent moves, then missed chances to reflect), ties broken
by the coder's confidence and then by turn order. The LLM judge may supply rewrites;
valid ones take precedence (see ``build_suggestions``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from .crisis import (
    asks_about_plan,
    classify_suicide_ask,
    discusses_safe_storage,
    mentions_crisis_line,
    mentions_risk_assessment,
    named_firearm,
    risk_item_means,
)
from .judge import MAX_REWRITE_CHARS, RewrittenResponse
from .model import ScenarioMeta, TalkType, TraineeCode, Transcript, Turn
from .objectives import ObjectiveCheck, pushes_for_details, scenario_checks, takes_a_side
from .summary import Rating, SummaryScores
from .text import is_reassurance, is_ruler_question, key_clause, normalise, sentences, tidy

MAX_SUGGESTIONS = 3
MIN_SUGGESTIONS = 2
# Below this the coder is unsure the turn is what we would be correcting; quoting a
# possibly mis-coded turn back at the trainee does more harm than good.
MIN_CONFIDENCE = 0.5


class SuggestionKind(StrEnum):
    ASK_DIRECTLY = "ask_directly"
    EXPLORE_PLAN = "explore_plan"
    MEANS_SAFETY = "means_safety"
    CONFRONT_TO_REFLECTION = "confront_to_reflection"
    ASK_PERMISSION = "ask_permission"
    DETAILS_TO_REFLECTION = "details_to_reflection"
    REASSURANCE_TO_REFLECTION = "reassurance_to_reflection"
    CLOSED_TO_OPEN = "closed_to_open"
    QUESTION_TO_REFLECTION = "question_to_reflection"
    DEEPEN_REFLECTION = "deepen_reflection"
    JUDGE_REWRITE = "judge_rewrite"


@dataclass(frozen=True)
class Suggestion:
    turn_id: str
    turn_index: int
    kind: SuggestionKind
    # The coder's label for the quoted turn, e.g. "closed question".
    code_label: str
    original_text: str
    better_response: str
    rationale: str
    source: str  # "heuristic" | "judge"
    # Built from a fixed frame and the client's words: adapt before using it.
    is_template: bool


# Higher = more room to improve. Safety outranks style; MI-inconsistent moves outrank
# missed opportunities.
_PRIORITY: dict[SuggestionKind, int] = {
    SuggestionKind.ASK_DIRECTLY: 100,
    SuggestionKind.EXPLORE_PLAN: 95,
    SuggestionKind.MEANS_SAFETY: 93,
    SuggestionKind.CONFRONT_TO_REFLECTION: 90,
    SuggestionKind.ASK_PERMISSION: 80,
    SuggestionKind.DETAILS_TO_REFLECTION: 75,
    SuggestionKind.REASSURANCE_TO_REFLECTION: 70,
    SuggestionKind.CLOSED_TO_OPEN: 60,
    SuggestionKind.QUESTION_TO_REFLECTION: 50,
    SuggestionKind.DEEPEN_REFLECTION: 40,
}
# At most this many of one kind, so three suggestions teach more than one lesson.
_MAX_PER_KIND = 2

_RATIONALE: dict[SuggestionKind, str] = {
    SuggestionKind.ASK_DIRECTLY: (
        "A question that expects 'no', or uses a euphemism, makes it hard to say yes. Asking plainly "
        "shows you can hear the answer."
    ),
    SuggestionKind.EXPLORE_PLAN: (
        "Once someone says they are thinking about suicide, asking about a plan, preparation and "
        "timing tells you how urgent things are and what to make safe first. Asking does not plant the idea."
    ),
    SuggestionKind.MEANS_SAFETY: (
        "Suicidal crises often pass. Putting time and distance between the person and the means (a "
        "lock, someone they trust holding them for a while) is one of the most protective things a "
        "helper can do, and with a firearm there is rarely a second chance."
    ),
    SuggestionKind.CONFRONT_TO_REFLECTION: (
        "Arguing or labelling tends to make people defend themselves. Reflecting their view first "
        "keeps them talking and lets them weigh it themselves."
    ),
    SuggestionKind.ASK_PERMISSION: (
        "Advice that arrives uninvited often meets a 'yes, but'. Asking permission and leaving the "
        "choice with them keeps the conversation collaborative."
    ),
    SuggestionKind.DETAILS_TO_REFLECTION: (
        "This scenario asks you not to push for details. Asking what exactly happened can make someone "
        "relive it for your benefit; reflecting what it left them with, and letting them choose how much to "
        "say, keeps them in charge of their story."
    ),
    SuggestionKind.REASSURANCE_TO_REFLECTION: (
        "Reassurance is kindly meant, but it can tell someone they shouldn't feel what they feel, and "
        "it closes the topic. Reflecting what they feel shows you can bear to hear it; reassurance lands better "
        "later, once they feel heard."
    ),
    SuggestionKind.CLOSED_TO_OPEN: (
        "A closed question gets a short answer and keeps you in the lead. An open question lets "
        "them tell you what matters in their own words."
    ),
    SuggestionKind.QUESTION_TO_REFLECTION: (
        "A reflection of what they just said shows you understood, and it often draws out more "
        "than another question would."
    ),
    SuggestionKind.DEEPEN_REFLECTION: (
        "A complex reflection adds the meaning or feeling under their words, which helps people "
        "feel understood and moves the conversation forward."
    ),
    SuggestionKind.JUDGE_REWRITE: "Suggested by the reviewing model for this turn.",
}

_ADVICE = re.compile(
    r"^(?:i think |honestly,? |well,? |look,? )?(?:you (?:should|need to|have to|must|ought to|gotta|'ve got to)|"
    r"why don't you|why not|just|try to|try)\s+(?:(?:just|really|definitely|seriously|honestly)\s+)?(?P<advice>.+)$",
    re.IGNORECASE,
)


_HEAVY = re.compile(
    r"\b(not|no|never|nothing|nobody|can't|cannot|don't|won't|isn't|hard|tired|exhausted|alone|lonely|"
    r"hopeless|pointless|stuck|lost|scared|afraid|angry|sad|hurt\w*|pain\w*|worn|sick|hate|miss\w*|"
    r"worr\w*|stress\w*|anxious|drink\w*|broke|gone|left)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Candidate:
    turn: Turn
    kind: SuggestionKind
    better: str
    # Gated candidates (reflection opportunities while the summary score is already
    # fine) are only used to reach MIN_SUGGESTIONS.
    gated: bool

    def rank(self, position: int) -> tuple[int, float, int]:
        return (-_PRIORITY[self.kind], -self.turn.trainee_code.confidence, position)


def _reflection(clause: str, talk_type: TalkType | None) -> str:
    """A complex-reflection template around the client's own words (heuristic)."""
    if named_firearm(clause):
        # No added meaning can be guessed for a firearm ("...a handgun in the house, and
        # that means a lot to you" was one); acknowledge it plainly.
        return f"It sounds like {clause}. Thank you for telling me that."
    if talk_type is TalkType.SUSTAIN:
        # A double-sided reflection acknowledges the "no" and the part that came to talk.
        return (
            f"On one hand, {clause}; on the other, you're here talking about it, which tells me part "
            "of you wants something to be different."
        )
    if talk_type is TalkType.CHANGE:
        return f"It sounds like {clause}, and that really matters to you."
    # The added meaning has to fit the clause: a burden for something painful, something
    # valued otherwise ("she's the reason you're still here" is not a weight).
    if _HEAVY.search(clause):
        return f"It sounds like {clause}, and that's been weighing on you."
    return f"It sounds like {clause}, and that means a lot to you."


def _open_question(clause: str | None) -> str:
    if clause is None:
        return "What's that been like for you?"
    return f"You mentioned {clause}. What has that been like for you?"


def _with_permission(text: str) -> str:
    for sentence in sentences(tidy(text)):
        match = _ADVICE.match(sentence)
        if match:
            advice = match.group("advice").rstrip(" .!?")
            return (
                "Would it be OK if I shared an idea that's helped others in a similar spot? "
                f"You could {advice}. You know your situation best, though - what do you make of that?"
            )
    return (
        "Would it be OK if I shared something that's helped others? [then your idea, briefly] "
        "You know your situation best - what do you make of that?"
    )


# A lecture about harm ("You know smoking is really bad for you, right?"). The MI move is
# elicit-provide-elicit: ask what they already know, then offer, with permission.
_LECTURE = re.compile(
    r"\b(?P<habit>smoking|drinking|vaping|gambling|using|alcohol|cigarettes|drugs|weed|\w+ing) (?:really )?"
    r"(?:is|are) (?:really |so |very |pretty |terribly |extremely |seriously )?"
    r"(?:bad|harmful|dangerous|unhealthy|terrible|deadly|toxic|not good) for (?:you|your \w+)\b"
)


def _elicit_first(text: str) -> str | None:
    match = _LECTURE.search(normalise(text))
    if match is None:
        return None
    habit = match.group("habit")
    verb = "affect" if habit in ("cigarettes", "drugs") else "affects"
    return (
        f"What do you already know about how {habit} {verb} your health? [listen, reflect] "
        "Would it be OK if I added something to that?"
    )


def _direct_ask(clause: str | None) -> str:
    # "Sometimes when people feel this way" has to follow something painful; after "you
    # just had a glass of wine tonight" (seen in a demo) it reads as a non sequitur.
    lead = f"It sounds like {clause}. " if clause and _HEAVY.search(clause) else ""
    return (
        f"{lead}Sometimes when people feel this way, they think about suicide. Are you thinking about killing yourself?"
    )


def _candidate_for(
    turn: Turn,
    client: Turn | None,
    scenario: ScenarioMeta,
    checks: frozenset[ObjectiveCheck],
    rq_low: bool,
    cr_low: bool,
) -> _Candidate | None:
    code = turn.trainee_code
    clause = key_clause(client.text) if client else None
    # Change and sustain talk are about a behaviour-change goal; without one (peer support,
    # crisis lines) a "sustain" code must not turn the rewrite into a double-sided
    # reflection about "part of you wants something to be different".
    talk = client.talk_type if client and scenario.behaviour_change_goal else None
    ask = classify_suicide_ask(turn.text)
    # Safety rewrites come from the lexicon, not the code, so confidence does not gate them.
    if ask and not ask.direct:
        return _Candidate(turn, SuggestionKind.ASK_DIRECTLY, _direct_ask(clause), False)
    # Persuade and confront come from lexicon matches on the trainee's own words (advice,
    # directives, confrontations, warnings), which the model was never taught, so its class
    # probability is often low for them (0.06-0.2 in demos). The rewrite addresses exactly
    # those words and is harmless if the code is arguable (ask permission first; validate
    # their view), so the confidence gate does not apply to them.
    mina = code.code in (TraineeCode.CONFRONT, TraineeCode.PERSUADE)
    # Reassurance is moved to "other" by the same kind of lexicon rule, so the same holds.
    reassures = code.code is TraineeCode.OTHER and is_reassurance(turn.text, client.text if client else None)
    # Only where the scenario names it as an objective: elsewhere "What happened?" is an
    # ordinary open question. From a phrase list, so not gated by confidence either.
    probes = ObjectiveCheck.AVOID_PUSHING_FOR_DETAILS in checks and pushes_for_details(
        turn.text, client.text if client else None
    )
    # Likewise a ruling on who is right where the scenario asks not to take sides; the
    # coder often calls it a reflection ("it sounds like you're not listening to her side").
    rules = ObjectiveCheck.AVOID_CONFRONTING in checks and takes_a_side(turn.text)
    if code.confidence < MIN_CONFIDENCE and not (mina or reassures or probes or rules):
        return None
    if probes:
        lead = _reflection(clause, talk) if clause else "It sounds like what happened is still with you."
        return _Candidate(
            turn,
            SuggestionKind.DETAILS_TO_REFLECTION,
            f"{lead} You can tell me as much or as little as you want.",
            False,
        )
    if reassures:
        better = _reflection(clause, talk) if clause else "It sounds like this has been weighing on you."
        return _Candidate(turn, SuggestionKind.REASSURANCE_TO_REFLECTION, better, False)
    if code.code is TraineeCode.CONFRONT or rules:
        # Validate the view they were defending rather than adding a feeling to it.
        better = (
            f"It sounds like {clause}. That makes sense from where you're standing."
            if clause
            else "It sounds like you see this differently, and you have your reasons."
        )
        return _Candidate(turn, SuggestionKind.CONFRONT_TO_REFLECTION, better, False)
    if code.code is TraineeCode.PERSUADE and not mentions_crisis_line(turn.text):
        better = _elicit_first(turn.text) or _with_permission(turn.text)
        return _Candidate(turn, SuggestionKind.ASK_PERMISSION, better, False)
    if code.code is TraineeCode.QUESTION:
        # A plain suicide question and risk-assessment questions ("Do you have a gun at
        # home?") are meant to be direct and closed; never suggest softening them.
        if ask is not None or (scenario.has_suicide_risk and mentions_risk_assessment(turn.text)):
            return None
        # A ruler ("On a scale of 0 to 10, how important...?") is closed by design.
        if is_ruler_question(turn.text):
            return None
        if code.subcode == "closed":
            return _Candidate(turn, SuggestionKind.CLOSED_TO_OPEN, _open_question(clause), False)
        if clause is not None:
            better = _reflection(clause, talk)
            return _Candidate(turn, SuggestionKind.QUESTION_TO_REFLECTION, better, not rq_low)
    if code.code is TraineeCode.REFLECTION and code.subcode == "simple" and clause is not None:
        return _Candidate(turn, SuggestionKind.DEEPEN_REFLECTION, _reflection(clause, talk), not cr_low)
    return None


_PLAN_QUESTION = "Have you thought about how you would do it, or when? Have you done anything to get ready?"


def _plan_candidate(transcript: Transcript, scenario: ScenarioMeta) -> tuple[int, _Candidate] | None:
    """The turn where a plan question belonged, when the trainee asked about suicide plainly
    but never about a plan, preparation or timing (the checklist's intent item).

    It quotes the trainee's next turn after the direct question (where the client's answer
    was taken up), or the question itself when nothing followed, and keeps the trainee's own
    words: what was said stays, the plan question is added. Not gated by the coder's
    confidence: like the direct question, it comes from the crisis lexicons, not the code.
    """
    if not scenario.has_suicide_risk:
        return None
    trainee = [(p, t) for p, t in enumerate(transcript.turns) if t.is_trainee]
    if any(asks_about_plan(t.text) for _, t in trainee):
        return None
    asked = next((i for i, (_, t) in enumerate(trainee) if (a := classify_suicide_ask(t.text)) and a.direct), None)
    if asked is None:
        return None
    position, turn = trainee[asked + 1] if asked + 1 < len(trainee) else trainee[asked]
    better = f"{tidy(turn.text)} {_PLAN_QUESTION}"
    return position, _Candidate(turn, SuggestionKind.EXPLORE_PLAN, better, False)


def _means_safety_candidate(transcript: Transcript, scenario: ScenarioMeta) -> tuple[int, _Candidate] | None:
    """The trainee's reply to the first client turn that reveals lethal means, when the
    session never talked about locking them up or someone else holding them.

    Without this, the turn after "I've got a handgun in the house" was coached as a missed
    reflection ("It sounds like you've got a handgun in the house, and that means a lot to
    you"), which no supervisor would sign. The means are a firearm the crisis lexicon finds
    in the client's words, or those of a disclosed capability fact of the scenario
    (``crisis.risk_item_means``: a firearm, or saved-up medication).
    """
    if not scenario.has_suicide_risk or any(discusses_safe_storage(t.text) for t in transcript.turns if t.is_trainee):
        return None
    fact_means = {
        fact: means for item in scenario.risk_profile if (means := risk_item_means(item)) for fact in item.fact_ids
    }
    disclosed = {d.turn_id: fact_means[d.fact_id] for d in transcript.disclosures if d.fact_id in fact_means}
    for position, turn in enumerate(transcript.turns):
        means = None if turn.is_trainee else named_firearm(turn.text) or disclosed.get(turn.turn_id)
        if means is None:
            continue
        reply = next(((p, t) for p, t in enumerate(transcript.turns) if p > position and t.is_trainee), None)
        if reply is None:
            return None
        it = "them" if means.endswith("s") else "it"
        better = (
            f"Thank you for telling me about the {means}. With how hard things are right now, would you be "
            f"willing to put some distance between you and {it} for a while, like locking {it} up or letting "
            f"someone you trust hold onto {it}?"
        )
        return reply[0], _Candidate(reply[1], SuggestionKind.MEANS_SAFETY, better, False)
    return None


def _candidates(transcript: Transcript, summary: SummaryScores, scenario: ScenarioMeta) -> list[tuple[int, _Candidate]]:
    rq_low = summary.item("reflection_to_question_ratio").rating is not Rating.GOOD
    cr_low = summary.item("percent_complex_reflections").rating in (Rating.BELOW_FAIR, Rating.NOT_APPLICABLE)
    checks = scenario_checks(scenario)
    found = []
    for position, turn in enumerate(transcript.turns):
        if turn.is_trainee:
            client = transcript.previous_client_turn(position)
            candidate = _candidate_for(turn, client, scenario, checks, rq_low, cr_low)
            if candidate is not None:
                found.append((position, candidate))
    # A safety candidate replaces whatever else its turn would have been coached on, unless
    # that ranks higher (a question that invites a "no" stays the lesson of its turn).
    for safety in (_means_safety_candidate(transcript, scenario), _plan_candidate(transcript, scenario)):
        if safety is None:
            continue
        same_turn = [pc for pc in found if pc[1].turn.turn_id == safety[1].turn.turn_id]
        if all(_PRIORITY[pc[1].kind] < _PRIORITY[safety[1].kind] for pc in same_turn):
            found = [pc for pc in found if pc not in same_turn] + [safety]
    return found


def _valid_judge_rewrite(rewrite: RewrittenResponse, transcript: Transcript) -> Turn | None:
    turn = transcript.trainee_turn(rewrite.turn_id)
    text = rewrite.better_response.strip()
    if turn is None or not text or len(text) > MAX_REWRITE_CHARS:
        return None
    if normalise(text) == normalise(turn.text):
        return None
    return turn


def _suggestion(turn: Turn, kind: SuggestionKind, better: str, source: str) -> Suggestion:
    code = turn.trainee_code.label
    # Heuristic rewrites are templates; the judge writes a finished reply.
    return Suggestion(
        turn.turn_id, turn.index, kind, code, turn.text, better, _RATIONALE[kind], source, source == "heuristic"
    )


def build_suggestions(
    transcript: Transcript,
    scenario: ScenarioMeta,
    summary: SummaryScores,
    *,
    judge_rewrites: Sequence[RewrittenResponse] = (),
    max_suggestions: int = MAX_SUGGESTIONS,
) -> tuple[Suggestion, ...]:
    """Pick up to ``max_suggestions`` trainee turns with the most room to improve.

    Valid judge rewrites (a trainee turn of this transcript, non-empty, bounded, not a
    copy of the original) come first. When the trainee asked about suicide in a way that
    invites a no, or with a euphemism, that turn is always covered, by the judge's
    rewrite if it gave one, otherwise by the heuristic: it is the most consequential
    coaching point and must not depend on the model. It is listed first.
    """
    ranked = [c for _, c in sorted(_candidates(transcript, summary, scenario), key=lambda pc: pc[1].rank(pc[0]))]
    safety_turns = {c.turn.turn_id for c in ranked if c.kind is SuggestionKind.ASK_DIRECTLY}

    judged: dict[str, Suggestion] = {}
    for rewrite in judge_rewrites:
        turn = _valid_judge_rewrite(rewrite, transcript)
        if turn is not None and turn.turn_id not in judged:
            judged[turn.turn_id] = _suggestion(
                turn, SuggestionKind.JUDGE_REWRITE, rewrite.better_response.strip(), "judge"
            )
    reserve = 1 if safety_turns - judged.keys() else 0
    # Stable sort: judge rewrites of safety turns first, then in the judge's order.
    chosen = sorted(judged.values(), key=lambda s: s.turn_id not in safety_turns)[: max(0, max_suggestions - reserve)]
    covered = {s.turn_id for s in chosen}

    per_kind: dict[SuggestionKind, int] = {}
    # First pass: ungated candidates; second pass tops up to MIN_SUGGESTIONS with gated ones.
    for allow_gated, limit in ((False, max_suggestions), (True, min(MIN_SUGGESTIONS, max_suggestions))):
        for candidate in ranked:
            if len(chosen) >= limit:
                break
            if candidate.gated and not allow_gated:
                continue
            if candidate.turn.turn_id in covered or per_kind.get(candidate.kind, 0) >= _MAX_PER_KIND:
                continue
            covered.add(candidate.turn.turn_id)
            per_kind[candidate.kind] = per_kind.get(candidate.kind, 0) + 1
            chosen.append(_suggestion(candidate.turn, candidate.kind, candidate.better, "heuristic"))
    return tuple(sorted(chosen, key=lambda s: s.turn_id not in safety_turns))
