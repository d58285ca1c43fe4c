"""Which of a scenario's learning objectives the grader can check, and how each went.

A scenario's learning objectives are free text written for trainees ("Avoid pushing for
details of the incident."). Some of them name a behaviour the codes and lexicons already
see. ``checks_for`` recognises those by named phrasings (``OBJECTIVE_PHRASINGS``, a
heuristic: an author who words an objective differently gets no check, and the report
then says "not checked automatically" rather than guessing). ``assess_objectives`` runs
the checks on a coded transcript and cites the turns.

Two kinds of check:

* **avoid** checks list the turns that did the thing to avoid (reassurance, pushing for
  details, runs of questions, confronting, arguing or unasked advice, information without
  permission); none found is "met".
* **do** checks need at least one turn that did it (an affirmation, a double-sided
  reflection, a statement of autonomy, a plain question about suicide); none is "not met".

Every detector is a heuristic over the coder's codes and simple phrase lists, as in the
rest of the grading domain; the report labels the section as automatic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from .crisis import classify_suicide_ask, mentions_risk_assessment
from .model import ScenarioMeta, TraineeCode, Transcript, Turn
from .text import asks_for_advice, is_question, is_reassurance, normalise, sentences, turn_ref


class ObjectiveCheck(StrEnum):
    AVOID_REASSURANCE = "avoid_premature_reassurance"
    AVOID_PUSHING_FOR_DETAILS = "avoid_pushing_for_details"
    AVOID_QUESTION_RUNS = "avoid_question_runs"
    AVOID_CLOSED_QUESTION_RUNS = "avoid_closed_question_runs"
    AVOID_CONFRONTING = "avoid_confronting"
    AVOID_ARGUING_AND_ADVICE = "avoid_arguing_and_unasked_advice"
    PERMISSION_BEFORE_INFORMATION = "permission_before_information"
    REFLECT_AT_LEAST_AS_OFTEN_AS_ASK = "reflections_at_least_as_often_as_questions"
    USE_DOUBLE_SIDED_REFLECTIONS = "use_double_sided_reflections"
    AFFIRM = "affirm"
    EMPHASISE_AUTONOMY = "emphasise_autonomy"
    ASK_DIRECTLY_ABOUT_SUICIDE = "ask_directly_about_suicide"
    OPEN_WITH_OPEN_QUESTION = "open_with_an_open_question"
    MOSTLY_OPEN_QUESTIONS = "mostly_open_questions"


class CheckStatus(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    # The situation the objective is about never came up (no information was shared, so
    # there was nothing to ask permission for).
    NOT_OBSERVED = "not_observed"


@dataclass(frozen=True)
class CheckResult:
    check: ObjectiveCheck
    status: CheckStatus
    evidence_turn_ids: tuple[str, ...]
    observation: str


@dataclass(frozen=True)
class ObjectiveResult:
    objective: str
    # Empty: no named phrasing matched, so nothing about this objective was checked.
    checks: tuple[CheckResult, ...]
    # Unchecked here but about the risk assessment, which the crisis checklist covers.
    see_crisis_checklist: bool = False

    @property
    def checked(self) -> bool:
        return bool(self.checks)


# Objective wording -> checks. Matched on the lower-cased objective; one objective can
# name several behaviours ("Emphasise autonomy and avoid the righting reflex"). An
# "avoid" check needs the avoiding word before the behaviour, so "Probe for details of the
# plan" or "Reassure her that panic passes" never turns into its opposite.
_AVOIDING = r"\b(?:avoid\w*|without|instead of|rather than|not|never|don't)\b[^.;]*"
OBJECTIVE_PHRASINGS: tuple[tuple[re.Pattern[str], ObjectiveCheck], ...] = (
    (re.compile(_AVOIDING + r"\breassur|\bpremature reassurance"), ObjectiveCheck.AVOID_REASSURANCE),
    (
        re.compile(_AVOIDING + r"\b(?:push|press|forc|prob)\w*\b[^.;]{0,30}\b(?:details?|disclos\w*)\b"),
        ObjectiveCheck.AVOID_PUSHING_FOR_DETAILS,
    ),
    (
        re.compile(r"\bstring of closed questions|\bclosed questions in a row"),
        ObjectiveCheck.AVOID_CLOSED_QUESTION_RUNS,
    ),
    (
        re.compile(r"\bfill\w* (?:the )?(?:space|silence) with questions|\bstring of questions|\bquestions in a row"),
        ObjectiveCheck.AVOID_QUESTION_RUNS,
    ),
    (re.compile(_AVOIDING + r"\bconfront"), ObjectiveCheck.AVOID_CONFRONTING),
    (
        re.compile(_AVOIDING + r"\b(?:argu\w*|advice|advis\w*|lectur\w*)\b|\brighting reflex"),
        ObjectiveCheck.AVOID_ARGUING_AND_ADVICE,
    ),
    (re.compile(r"\bpermission before\b"), ObjectiveCheck.PERMISSION_BEFORE_INFORMATION),
    (re.compile(r"\breflections at least as often as questions"), ObjectiveCheck.REFLECT_AT_LEAST_AS_OFTEN_AS_ASK),
    (re.compile(r"\bdouble-sided reflections?\b"), ObjectiveCheck.USE_DOUBLE_SIDED_REFLECTIONS),
    (re.compile(r"\baffirm"), ObjectiveCheck.AFFIRM),
    (re.compile(r"\bemphasi[sz]e\w* autonomy|\bautonomy\b"), ObjectiveCheck.EMPHASISE_AUTONOMY),
    (re.compile(r"\bask\w* directly about suicide\b"), ObjectiveCheck.ASK_DIRECTLY_ABOUT_SUICIDE),
    (
        re.compile(r"\bopen the conversation with open questions|\bstart with open questions"),
        ObjectiveCheck.OPEN_WITH_OPEN_QUESTION,
    ),
    (re.compile(r"\b(?:use|with) open questions\b"), ObjectiveCheck.MOSTLY_OPEN_QUESTIONS),
)
# In a scenario with a crisis checklist, objectives about the risk assessment are what
# the checklist checks, item by item; the report points there instead of saying "not
# checked".
_RISK_ASSESSMENT_OBJECTIVE = re.compile(
    r"\b(?:means|firearms?|medication|past attempts?|intent|plan|safety|warning signs|intoxication|"
    r"buffers|reasons for living|crisis line|988)\b"
)

# Three questions in a row is where the client-state model starts counting an interview
# ("interrogation", simulation ``domain/state.py``), so the grader uses the same length.
QUESTION_RUN = 3
# Information the coder is unsure of is not held against the trainee (self-introductions
# and logistics are often coded giving information at low confidence).
MIN_INFORMATION_CONFIDENCE = 0.5


def checks_for(objective: str) -> tuple[ObjectiveCheck, ...]:
    """The checks an objective's wording names, in ``OBJECTIVE_PHRASINGS`` order."""
    lowered = objective.lower()
    return tuple(dict.fromkeys(check for pattern, check in OBJECTIVE_PHRASINGS if pattern.search(lowered)))


def scenario_checks(scenario: ScenarioMeta) -> frozenset[ObjectiveCheck]:
    return frozenset(check for objective in scenario.learning_objectives for check in checks_for(objective))


# --- detectors ---------------------------------------------------------------------------

# Asking for the specifics of a painful event: what exactly happened, what they saw, who
# died, a step-by-step account. Named phrases, matched in questions and requests.
_DETAIL_PROBE = re.compile(
    r"\bwhat (?:exactly |actually |really )?(?:happened|went (?:on|down))\b"
    # "What happened to your sleep?" asks about the client's life now, not the event.
    r"(?! (?:to|with) your\b)|"
    r"\b(?:tell|walk) me (?:exactly |more )?(?:about )?(?:what|how) (?:exactly )?(?:happened|it happened|went down)\b|"
    r"\bwalk me through\b|"
    r"\b(?:describe|explain) (?:exactly |to me )?what happened\b|"
    r"\bwhat did you (?:do|hear) (?:there|over there|that day|that night|on that)\b|"
    r"\bwhat did you (?:see|witness)\b|"
    r"\bhow did (?:he|she|they|it|that|your \w+) (?:die|get (?:hurt|killed|shot|injured)|happen)\b|"
    r"\bwho (?:died|was killed|got (?:hurt|killed|shot))\b|"
    r"\b(?:the|more|any|some) details\b|"
    r"\bstep by step\b|"
    r"\bwere you the one who\b|"
    r"\bdid you (?:kill|shoot)\b"
)
# The opposite move: "You don't have to tell me the details, but ..." hands control back.
_NO_PRESSURE = re.compile(
    r"\b(?:don't|do not|doesn't|does not) (?:have|need) to\b|\bno need to\b|\bnot asking (?:for|about)\b|"
    r"\bwithout (?:going into|getting into|sharing|telling)\b|\bonly if you want|\bas much or as little\b"
)
# Pressing after the client has said they would rather not talk about it.
_DECLINE = re.compile(
    r"\b(?:(?:don't|do not|didn't) (?:want|like|wanna) (?:to )?(?:talk|get into|go into|say|think)|"
    r"(?:rather|prefer to) not|not (?:ready|going) to (?:talk|get into|go into)|"
    r"(?:can't|cannot) talk about|leave it|drop it|not something i talk about|"
    r"don't talk about (?:it|that))\b"
)
_PRESS = re.compile(
    r"\bwhat happened\b|\bwhy (?:not|don't|won't|can't)\b|\btell me\b|"
    r"\b(?:might|would|could|will) help (?:to|if you|you to) talk\b|\byou can tell me\b|\bopen up\b"
)


def pushes_for_details(text: str, prev_client_text: str | None) -> bool:
    """Heuristic: the turn asks for the specifics of an event ("What exactly happened on
    that patrol?", "Walk me through that night."), or presses after the client declined
    ("I don't want to get into it." -> "Why not? It might help to talk.")."""
    parts = sentences(normalise(text))
    asks = [s for s in parts if is_question(s) or s.startswith(("tell me", "walk me", "describe", "explain"))]
    if any(_DETAIL_PROBE.search(s) and not _NO_PRESSURE.search(s) for s in asks):
        return True
    declined = prev_client_text is not None and _DECLINE.search(normalise(prev_client_text)) is not None
    return declined and any(_PRESS.search(s) and not _NO_PRESSURE.search(s) for s in parts)


# Both sides of the ambivalence in one reflection. Named phrases.
_DOUBLE_SIDED = re.compile(
    r"\bon (?:the )?one hand\b|\bon the other(?: hand)?\b|\bpart of you\b[^.?!]*\b(?:and|but|while)\b|"
    r"\b(?:and|but|yet) at the same time\b|\bmixed feelings\b|\btorn (?:between|about)\b|"
    r"\band yet\b|\bbut (?:you )?also\b|\band also\b[^.?!]*\b(?:want|miss|love|care)\w*\b"
)


def is_double_sided(text: str) -> bool:
    """Heuristic: the reflection names both sides ("On one hand ..., on the other ...",
    "Part of you ..., and part of you ...", "..., and at the same time ...")."""
    return _DOUBLE_SIDED.search(normalise(text)) is not None


# A verdict on who is right in a conflict, for or against the client, said as a statement
# ("it sounds like you're not really listening to her side either", "she's got a point",
# "she's being unreasonable"). Agreeing with the client ("you're right") is not one: it is
# how MI rolls with what they say. A reflection stem does not soften it: the coder calls
# such a turn a reflection, so the check looks at the words. Named phrases.
_VERDICT = re.compile(
    r"\byou(?:'re| are) (?:not|never) (?:really )?(?:listening|hearing|helping|trying|pulling your weight)\b|"
    r"\b(?:listen(?:ing)? to|see|hear|consider(?:ing)?) (?:her|his|their) side\b|"
    # "right" only at the end of its clause: "he's right." rules, "where they are right now" does not.
    r"\b(?:she|he|they)(?:'s| is| has| have|'ve| are|'re) (?:got )?(?:a point|a fair point|right(?=\s*(?:[.,;!]|$)))|"
    r"\byou(?:'re| are) (?:being|acting) (?:unfair|selfish|defensive|stubborn|difficult|unreasonable)\b|"
    r"\b(?:she|he|they)(?:'s| is| are|'re) (?:being )?(?:unfair|unreasonable|selfish|wrong|impossible)\b"
)


def takes_a_side(text: str) -> bool:
    """Heuristic: a statement that rules on who is right ("To be honest it sounds like
    you're not really listening to her side either."). Questions are left alone: "How do
    you think Priya sees it?" explores her view without ruling on it."""
    return any(_VERDICT.search(s) and not is_question(s) for s in sentences(normalise(text)))


# --- checks ------------------------------------------------------------------------------


def _who(turns: Sequence[Turn]) -> str:
    """ "Turn 3", "Turns 4, 5, 6" (with ids where they differ from the index)."""
    refs = [turn_ref(t.index, t.turn_id).removeprefix("turn ") for t in turns]
    return f"Turn{'s' * (len(refs) > 1)} {', '.join(refs)}"


def _result(check: ObjectiveCheck, turns: Sequence[Turn], what: str, *, wanted: bool) -> CheckResult:
    """``turns`` did ``what`` (a verb phrase: "reassured ...", "{was} coded confront"). An
    avoid check (``wanted`` false) is met when there are none, a do check when there are some."""
    met = bool(turns) is wanted
    who = _who(turns) if turns else "No turn"
    observation = f"{who} {what.format(was='were' if len(turns) > 1 else 'was')}."
    status = CheckStatus.MET if met else CheckStatus.NOT_MET
    return CheckResult(check, status, tuple(t.turn_id for t in turns), observation)


def _avoid(check: ObjectiveCheck, flagged: Sequence[Turn], what: str) -> CheckResult:
    return _result(check, flagged, what, wanted=False)


def _do(check: ObjectiveCheck, found: Sequence[Turn], what: str) -> CheckResult:
    return _result(check, found, what, wanted=True)


@dataclass(frozen=True)
class _Exchange:
    turn: Turn
    prev_client: Turn | None
    prev_trainee: Turn | None


def _exchanges(transcript: Transcript) -> list[_Exchange]:
    out: list[_Exchange] = []
    for position, turn in enumerate(transcript.turns):
        if turn.is_trainee:
            out.append(
                _Exchange(turn, transcript.previous_client_turn(position), transcript.previous_trainee_turn(position))
            )
    return out


def _extends_run(turn: Turn, *, closed_only: bool) -> bool:
    code = turn.trainee_code
    # Risk-assessment and suicide questions are asked plainly by design: they end a run
    # rather than extend it.
    return (
        code.code is TraineeCode.QUESTION
        and (not closed_only or code.subcode == "closed")
        and classify_suicide_ask(turn.text) is None
        and not mentions_risk_assessment(turn.text)
    )


def _question_runs(exchanges: Sequence[_Exchange], *, closed_only: bool) -> list[Turn]:
    """Every turn in a run of QUESTION_RUN or more questions with nothing else between."""
    flagged: list[Turn] = []
    run: list[Turn] = []
    for ex in exchanges:
        if _extends_run(ex.turn, closed_only=closed_only):
            run.append(ex.turn)
            continue
        flagged += run if len(run) >= QUESTION_RUN else []
        run = []
    return flagged + (run if len(run) >= QUESTION_RUN else [])


def _information_without_permission(exchanges: Sequence[_Exchange]) -> tuple[list[Turn], list[Turn]]:
    """(turns that shared information or advice, those of them nobody asked for)."""
    shared: list[Turn] = []
    unasked: list[Turn] = []
    for ex in exchanges:
        code = ex.turn.trainee_code
        if code.code is TraineeCode.PERSUADE_WITH_PERMISSION:
            shared.append(ex.turn)
            continue
        informs = code.code is TraineeCode.GIVING_INFORMATION and code.confidence >= MIN_INFORMATION_CONFIDENCE
        if not (informs or code.code is TraineeCode.PERSUADE):
            continue
        shared.append(ex.turn)
        permitted = (
            ex.prev_trainee is not None and ex.prev_trainee.trainee_code.code is TraineeCode.SEEKING_COLLABORATION
        )
        client_asked = ex.prev_client is not None and (
            "?" in ex.prev_client.text or asks_for_advice(ex.prev_client.text)
        )
        if not (permitted or client_asked):
            unasked.append(ex.turn)
    return shared, unasked


def _with_code(exchanges: Sequence[_Exchange], *codes: TraineeCode) -> list[Turn]:
    return [ex.turn for ex in exchanges if ex.turn.trainee_code.code in codes]


def _ratio(transcript: Transcript) -> CheckResult:
    codes = [t.trainee_code for t in transcript.trainee_turns]
    reflections = sum(c.code is TraineeCode.REFLECTION for c in codes)
    questions = sum(c.code is TraineeCode.QUESTION for c in codes)
    check = ObjectiveCheck.REFLECT_AT_LEAST_AS_OFTEN_AS_ASK
    counts = f"{reflections} reflection{'s' * (reflections != 1)}, {questions} question{'s' * (questions != 1)}."
    if reflections + questions == 0:
        return CheckResult(check, CheckStatus.NOT_OBSERVED, (), "No reflections or questions were coded.")
    status = CheckStatus.MET if reflections >= questions else CheckStatus.NOT_MET
    return CheckResult(check, status, (), counts)


def _prev_text(ex: _Exchange) -> str | None:
    return ex.prev_client.text if ex.prev_client else None


def _run_check(check: ObjectiveCheck, transcript: Transcript, exchanges: Sequence[_Exchange]) -> CheckResult:
    match check:
        case ObjectiveCheck.AVOID_REASSURANCE:
            reassured = [ex.turn for ex in exchanges if is_reassurance(ex.turn.text, _prev_text(ex))]
            return _avoid(check, reassured, "reassured before reflecting what the client feels")
        case ObjectiveCheck.AVOID_PUSHING_FOR_DETAILS:
            pushed = [ex.turn for ex in exchanges if pushes_for_details(ex.turn.text, _prev_text(ex))]
            return _avoid(
                check, pushed, "asked for the details of what happened, or pressed after the client held back"
            )
        case ObjectiveCheck.AVOID_QUESTION_RUNS:
            run = _question_runs(exchanges, closed_only=False)
            return _avoid(
                check, run, f"{{was}} part of a run of {QUESTION_RUN} or more questions with no reflection between"
            )
        case ObjectiveCheck.AVOID_CLOSED_QUESTION_RUNS:
            run = _question_runs(exchanges, closed_only=True)
            return _avoid(check, run, f"{{was}} part of a run of {QUESTION_RUN} or more closed questions")
        case ObjectiveCheck.AVOID_CONFRONTING:
            confronted = [
                ex.turn
                for ex in exchanges
                if ex.turn.trainee_code.code is TraineeCode.CONFRONT or takes_a_side(ex.turn.text)
            ]
            return _avoid(check, confronted, "{was} coded confront or ruled on who is right")
        case ObjectiveCheck.AVOID_ARGUING_AND_ADVICE:
            argued = _with_code(exchanges, TraineeCode.CONFRONT, TraineeCode.PERSUADE)
            return _avoid(check, argued, "argued or advised without permission ({was} coded confront or persuade)")
        case ObjectiveCheck.PERMISSION_BEFORE_INFORMATION:
            shared, unasked = _information_without_permission(exchanges)
            if not shared:
                return CheckResult(check, CheckStatus.NOT_OBSERVED, (), "No information or advice was shared.")
            return _avoid(check, unasked, "shared information or advice nobody had asked for or agreed to hear")
        case ObjectiveCheck.REFLECT_AT_LEAST_AS_OFTEN_AS_ASK:
            return _ratio(transcript)
        case ObjectiveCheck.USE_DOUBLE_SIDED_REFLECTIONS:
            double = [t for t in _with_code(exchanges, TraineeCode.REFLECTION) if is_double_sided(t.text)]
            return _do(check, double, "{was} a double-sided reflection (both sides of the mixed feelings)")
        case ObjectiveCheck.AFFIRM:
            return _do(check, _with_code(exchanges, TraineeCode.AFFIRM), "{was} coded affirm")
        case ObjectiveCheck.EMPHASISE_AUTONOMY:
            return _do(
                check, _with_code(exchanges, TraineeCode.EMPHASIZING_AUTONOMY), "{was} coded emphasizing autonomy"
            )
        case ObjectiveCheck.OPEN_WITH_OPEN_QUESTION:
            first = next((t for t in _with_code(exchanges, TraineeCode.QUESTION)), None)
            if first is None:
                return CheckResult(check, CheckStatus.NOT_OBSERVED, (), "No question was coded.")
            status = CheckStatus.MET if first.trainee_code.subcode == "open" else CheckStatus.NOT_MET
            label = f"{first.trainee_code.subcode} question".strip()
            return CheckResult(
                check,
                status,
                (first.turn_id,),
                f"The first question ({turn_ref(first.index, first.turn_id)}) was {label}.",
            )
        case ObjectiveCheck.MOSTLY_OPEN_QUESTIONS:
            questions = _with_code(exchanges, TraineeCode.QUESTION)
            if not questions:
                return CheckResult(check, CheckStatus.NOT_OBSERVED, (), "No question was coded.")
            opened = [t for t in questions if t.trainee_code.subcode == "open"]
            # Half open is the MITI "fair" threshold the summary uses for % open questions.
            status = CheckStatus.MET if 2 * len(opened) >= len(questions) else CheckStatus.NOT_MET
            return CheckResult(check, status, (), f"{len(opened)} of {len(questions)} questions were open.")
        case ObjectiveCheck.ASK_DIRECTLY_ABOUT_SUICIDE:
            asked = [ex.turn for ex in exchanges if (ask := classify_suicide_ask(ex.turn.text)) and ask.direct]
            return _do(check, asked[:1], "asked plainly about suicide")
    raise AssertionError(f"no check runner for {check}")  # pragma: no cover - the match is exhaustive


def assess_objectives(transcript: Transcript, scenario: ScenarioMeta) -> tuple[ObjectiveResult, ...]:
    """One result per learning objective, in the scenario's order."""
    exchanges = _exchanges(transcript)
    results = []
    for objective in scenario.learning_objectives:
        checks = tuple(_run_check(check, transcript, exchanges) for check in checks_for(objective))
        see_checklist = (
            not checks
            and scenario.has_suicide_risk
            and _RISK_ASSESSMENT_OBJECTIVE.search(objective.lower()) is not None
        )
        results.append(ObjectiveResult(objective, checks, see_checklist))
    return tuple(results)


def _listed(
    results: Sequence[ObjectiveResult], status: CheckStatus, kinds: frozenset[ObjectiveCheck]
) -> tuple[str, ...]:
    return tuple(
        f"{result.objective.rstrip('.')}: {check.observation[:1].lower()}{check.observation[1:]}"
        for result in results
        for check in result.checks
        if check.status is status and check.check in kinds
    )


_DO_CHECKS = frozenset(
    {
        ObjectiveCheck.USE_DOUBLE_SIDED_REFLECTIONS,
        ObjectiveCheck.AFFIRM,
        ObjectiveCheck.EMPHASISE_AUTONOMY,
        ObjectiveCheck.ASK_DIRECTLY_ABOUT_SUICIDE,
    }
)


def _reported(crisis_checklist: bool) -> frozenset[ObjectiveCheck]:
    # With a crisis checklist in the report, asking directly is its item (with timing and
    # wording); repeating it here would list the same point twice.
    everything = frozenset(ObjectiveCheck)
    return everything - {ObjectiveCheck.ASK_DIRECTLY_ABOUT_SUICIDE} if crisis_checklist else everything


def coaching_points(results: Sequence[ObjectiveResult], *, crisis_checklist: bool) -> tuple[str, ...]:
    """One growth-area line per unmet check: the objective, then what was seen."""
    return _listed(results, CheckStatus.NOT_MET, _reported(crisis_checklist))


def strengths(results: Sequence[ObjectiveResult], *, crisis_checklist: bool) -> tuple[str, ...]:
    """A strength line per met *do* check (an avoid check met by silence is no strength)."""
    return _listed(results, CheckStatus.MET, _DO_CHECKS & _reported(crisis_checklist))
