"""MITI-style summary scores computed from the coded trainee turns.

Ratings compare exact fractions (``fractions.Fraction``) with the thresholds so that a
session sitting exactly on a threshold (R:Q of 1:1, 2 of 5 reflections complex) is
rated by the rule rather than by floating-point rounding.

Thresholds and where they come from (paraphrased, no manual text):

* R:Q (reflections / questions): fair 1:1, good 2:1 - MITI 4.2.1.
* % complex reflections (CR / (SR + CR)): fair 40 %, good 50 % - MITI 4.2.1.
* % open questions: fair 50 %, good 70 % - MITI 3.1.1; MITI 4 stopped splitting
  questions, but the split helps trainees (AnnoMI codes it too).
* % MI-adherent (MIA / (MIA + MINA)): fair 90 %, good 100 % - MITI 3.1.1. MITI 4.2.1
  reports the MIA and MINA totals without thresholds, so the totals are shown unrated
  and this share carries the rating.

Behaviour-change items: without a behaviour-change goal (pure peer support) only
partnership, empathy, questions, reflections, MIA and MINA apply. Every
question/reflection/MIA/MINA item above therefore stays; what is dropped is listed in
``BEHAVIOUR_CHANGE_ONLY_ITEMS`` (the two technical globals, their mean, and the client
change-talk share), because without a target behaviour there is no change or sustain
talk to cultivate or soften.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from .model import (
    MI_ADHERENT_CODES,
    MI_NON_ADHERENT_CODES,
    ScenarioMeta,
    TalkType,
    TraineeCode,
    Transcript,
)


class Rating(StrEnum):
    BELOW_FAIR = "below fair"
    FAIR = "fair"
    GOOD = "good"
    # The value cannot be computed (its denominator is zero); ``reason`` says why.
    NOT_APPLICABLE = "n/a"
    # A count or context figure with no published threshold.
    NOT_RATED = "not rated"


class Unit(StrEnum):
    RATIO = "ratio"
    PERCENT = "percent"
    COUNT = "count"
    SCORE = "score"


@dataclass(frozen=True)
class Threshold:
    """Higher is better: ``value >= good`` is good, ``value >= fair`` is fair."""

    fair: Fraction
    good: Fraction

    def rate(self, value: Fraction) -> Rating:
        if value >= self.good:
            return Rating.GOOD
        if value >= self.fair:
            return Rating.FAIR
        return Rating.BELOW_FAIR


@dataclass(frozen=True)
class SummaryThresholds:
    """Defaults as documented in the module docstring; a programme may tighten them."""

    reflection_to_question: Threshold = Threshold(Fraction(1), Fraction(2))
    percent_complex_reflections: Threshold = Threshold(Fraction(40), Fraction(50))
    percent_open_questions: Threshold = Threshold(Fraction(50), Fraction(70))
    percent_mi_adherent: Threshold = Threshold(Fraction(90), Fraction(100))


DEFAULT_THRESHOLDS = SummaryThresholds()


def format_measure(unit: Unit, value: float | None, *, threshold: bool = False) -> str:
    """How a value (or, with ``threshold``, a threshold) reads in reports: 1.50:1, 45%."""
    if value is None:
        return "-"
    if unit is Unit.RATIO:
        return f"{value:g}:1" if threshold else f"{value:.2f}:1"
    if unit is Unit.PERCENT:
        return f"{value:g}%" if threshold else f"{value:.0f}%"
    if unit is Unit.SCORE and not threshold:
        return f"{value:.1f}"
    return f"{value:g}"


@dataclass(frozen=True)
class ScoreItem:
    """One scored figure with its thresholds and rating (also used for global scores)."""

    key: str
    label: str
    unit: Unit
    value: float | None
    fair: float | None
    good: float | None
    rating: Rating
    # Why the item is n/a or not rated; empty when it is rated.
    reason: str = ""


@dataclass(frozen=True)
class NotApplicable:
    """An item deliberately left out for this scenario."""

    key: str
    label: str
    reason: str


NO_BEHAVIOUR_CHANGE_REASON = (
    "The scenario has no behaviour-change goal, so there is no change or sustain talk "
    "to work with; only partnership, empathy, questions, reflections, MIA and MINA apply."
)

# key -> label of every item that exists only when the scenario has a behaviour-change goal.
BEHAVIOUR_CHANGE_ONLY_ITEMS: Mapping[str, str] = {
    "cultivating_change_talk": "Cultivating change talk",
    "softening_sustain_talk": "Softening sustain talk",
    "technical": "Technical global (mean of the two above)",
    "percent_change_talk": "Client change talk share",
}


@dataclass(frozen=True)
class SummaryScores:
    behaviour_change_goal: bool
    trainee_turns: int
    # Every trainee code, zero included, in TraineeCode order.
    code_counts: Mapping[str, int]
    # change / neutral / sustain counts over client turns that carry a talk type.
    client_talk_counts: Mapping[str, int]
    reflections: int
    simple_reflections: int
    complex_reflections: int
    questions: int
    open_questions: int
    closed_questions: int
    mi_adherent: int
    mi_non_adherent: int
    items: tuple[ScoreItem, ...]
    not_applicable: tuple[NotApplicable, ...] = ()
    # Turns the coder was unsure about; shown so a reviewer can check them by hand.
    low_confidence_turn_ids: tuple[str, ...] = ()

    def item(self, key: str) -> ScoreItem:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)

    def has_item(self, key: str) -> bool:
        return any(item.key == key for item in self.items)


def _share_item(
    key: str,
    label: str,
    numerator: int,
    denominator: int,
    threshold: Threshold | None,
    unit: Unit,
    zero_reason: str,
) -> ScoreItem:
    """A ratio or percentage item; n/a (with ``zero_reason``) when the denominator is 0."""
    scale = 100 if unit is Unit.PERCENT else 1
    fair = float(threshold.fair) if threshold else None
    good = float(threshold.good) if threshold else None
    if denominator == 0:
        return ScoreItem(key, label, unit, None, fair, good, Rating.NOT_APPLICABLE, zero_reason)
    exact = Fraction(numerator * scale, denominator)
    if threshold is None:
        return ScoreItem(
            key, label, unit, float(exact), None, None, Rating.NOT_RATED, "shown for context; no threshold"
        )
    return ScoreItem(key, label, unit, float(exact), fair, good, threshold.rate(exact))


def _count_item(key: str, label: str, count: int, reason: str) -> ScoreItem:
    return ScoreItem(key, label, Unit.COUNT, float(count), None, None, Rating.NOT_RATED, reason)


def compute_summary(
    transcript: Transcript,
    scenario: ScenarioMeta,
    *,
    thresholds: SummaryThresholds = DEFAULT_THRESHOLDS,
    low_confidence_below: float = 0.5,
) -> SummaryScores:
    """Count the trainee codes and rate the summary scores against the thresholds."""
    counts = {code.value: 0 for code in TraineeCode}
    sub_counts = {"open": 0, "closed": 0, "simple": 0, "complex": 0}
    low_confidence: list[str] = []
    for turn in transcript.trainee_turns:
        code = turn.trainee_code
        counts[code.code.value] += 1
        if code.subcode:
            sub_counts[code.subcode] += 1
        if code.confidence < low_confidence_below:
            low_confidence.append(turn.turn_id)

    talk = {t.value: 0 for t in TalkType}
    for turn in transcript.turns:
        if turn.talk_type is not None:
            talk[turn.talk_type.value] += 1

    reflections = counts[TraineeCode.REFLECTION]
    questions = counts[TraineeCode.QUESTION]
    simple, complex_ = sub_counts["simple"], sub_counts["complex"]
    mia = sum(counts[c] for c in MI_ADHERENT_CODES)
    mina = sum(counts[c] for c in MI_NON_ADHERENT_CODES)

    items = [
        _share_item(
            "reflection_to_question_ratio",
            "Reflection-to-question ratio (R:Q)",
            reflections,
            questions,
            thresholds.reflection_to_question,
            Unit.RATIO,
            # With reflections but no questions the ratio is unbounded, not zero; say so
            # rather than inventing a number.
            f"no questions were asked, so R:Q is undefined ({reflections} reflection(s))",
        ),
        _share_item(
            "percent_complex_reflections",
            "Complex reflections (% of reflections)",
            complex_,
            simple + complex_,
            thresholds.percent_complex_reflections,
            Unit.PERCENT,
            "no reflections, so the complex share is undefined",
        ),
        _share_item(
            "percent_open_questions",
            "Open questions (% of questions)",
            sub_counts["open"],
            questions,
            thresholds.percent_open_questions,
            Unit.PERCENT,
            "no questions, so the open share is undefined",
        ),
        _count_item(
            "mi_adherent",
            "MI-adherent total (affirm, seek collaboration, autonomy)",
            mia,
            "MITI 4.2.1 reports this total without a threshold; see % MI-adherent",
        ),
        _count_item(
            "mi_non_adherent",
            "MI-non-adherent total (persuade, confront)",
            mina,
            "MITI 4.2.1 reports this total without a threshold; fewer is better",
        ),
        _share_item(
            "percent_mi_adherent",
            "MI-adherent share (MIA / (MIA + MINA))",
            mia,
            mia + mina,
            thresholds.percent_mi_adherent,
            Unit.PERCENT,
            "no MI-adherent or non-adherent utterances, so the share is undefined",
        ),
    ]
    not_applicable: tuple[NotApplicable, ...] = ()
    if scenario.behaviour_change_goal:
        items.append(
            _share_item(
                "percent_change_talk",
                "Client change talk (% of change + sustain talk)",
                talk[TalkType.CHANGE],
                talk[TalkType.CHANGE] + talk[TalkType.SUSTAIN],
                None,
                Unit.PERCENT,
                "no client change or sustain talk was coded",
            )
        )
    else:
        not_applicable = tuple(
            NotApplicable(key, label, NO_BEHAVIOUR_CHANGE_REASON) for key, label in BEHAVIOUR_CHANGE_ONLY_ITEMS.items()
        )

    return SummaryScores(
        behaviour_change_goal=scenario.behaviour_change_goal,
        trainee_turns=len(transcript.trainee_turns),
        code_counts=counts,
        client_talk_counts=talk,
        reflections=reflections,
        simple_reflections=simple,
        complex_reflections=complex_,
        questions=questions,
        open_questions=sub_counts["open"],
        closed_questions=sub_counts["closed"],
        mi_adherent=mia,
        mi_non_adherent=mina,
        items=tuple(items),
        not_applicable=not_applicable,
        low_confidence_turn_ids=tuple(low_confidence),
    )
