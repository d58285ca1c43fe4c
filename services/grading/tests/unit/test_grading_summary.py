from __future__ import annotations

import itertools
from fractions import Fraction

import pytest

from practicum_grading.domain.model import Transcript, transcript_from_dicts
from practicum_grading.domain.summary import BEHAVIOUR_CHANGE_ONLY_ITEMS, Rating, compute_summary

from .grading_builders import client, scenario, trainee


def coded(*codes: tuple[str, str]) -> Transcript:
    """A transcript of trainee turns with the given (code, subcode) pairs."""
    turns = []
    for i, (code, subcode) in enumerate(codes, start=1):
        turns.append(trainee(2 * i - 1, f"t{i}", f"turn {i}", code, subcode))
        turns.append(client(2 * i, f"c{i}", "okay"))
    return transcript_from_dicts(turns)


Q_OPEN = ("question", "open")
Q_CLOSED = ("question", "closed")
SR = ("reflection", "simple")
CR = ("reflection", "complex")


def test_counts_every_code_including_zero() -> None:
    summary = compute_summary(
        coded(Q_OPEN, Q_CLOSED, SR, CR, CR, ("affirm", ""), ("persuade", ""), ("confront", ""), ("other", "")),
        scenario(),
    )
    assert summary.code_counts["question"] == 2
    assert summary.code_counts["reflection"] == 3
    assert summary.code_counts["giving_information"] == 0
    assert set(summary.code_counts) == {
        "question",
        "reflection",
        "giving_information",
        "affirm",
        "seeking_collaboration",
        "emphasizing_autonomy",
        "persuade",
        "persuade_with_permission",
        "confront",
        "other",
    }
    assert (summary.simple_reflections, summary.complex_reflections) == (1, 2)
    assert (summary.open_questions, summary.closed_questions) == (1, 1)
    assert summary.mi_adherent == 1
    assert summary.mi_non_adherent == 2
    assert summary.trainee_turns == 9


@pytest.mark.parametrize(
    ("codes", "value", "rating"),
    [
        ((SR, Q_OPEN, Q_OPEN), 0.5, Rating.BELOW_FAIR),
        ((SR, Q_OPEN), 1.0, Rating.FAIR),  # exactly 1:1 is fair
        ((SR, SR, SR, Q_OPEN, Q_OPEN), 1.5, Rating.FAIR),
        ((SR, CR, Q_OPEN), 2.0, Rating.GOOD),  # exactly 2:1 is good
        ((SR, SR, CR, Q_OPEN), 3.0, Rating.GOOD),
        ((Q_OPEN, Q_CLOSED), 0.0, Rating.BELOW_FAIR),  # questions but no reflections is 0, not n/a
    ],
)
def test_reflection_to_question_ratio(codes: tuple[tuple[str, str], ...], value: float, rating: Rating) -> None:
    item = compute_summary(coded(*codes), scenario()).item("reflection_to_question_ratio")
    assert item.value == pytest.approx(value)
    assert item.rating is rating
    assert (item.fair, item.good) == (1.0, 2.0)


def test_ratio_is_not_applicable_without_questions() -> None:
    item = compute_summary(coded(SR, CR), scenario()).item("reflection_to_question_ratio")
    assert item.value is None
    assert item.rating is Rating.NOT_APPLICABLE
    assert "no questions" in item.reason and "2 reflection" in item.reason


@pytest.mark.parametrize(
    ("codes", "value", "rating"),
    [
        ((SR, SR, CR), 100 / 3, Rating.BELOW_FAIR),
        ((SR, SR, SR, CR, CR), 40.0, Rating.FAIR),  # exactly 40 % is fair
        ((SR, CR), 50.0, Rating.GOOD),  # exactly 50 % is good
        ((SR,), 0.0, Rating.BELOW_FAIR),
        ((CR,), 100.0, Rating.GOOD),
    ],
)
def test_percent_complex_reflections(codes: tuple[tuple[str, str], ...], value: float, rating: Rating) -> None:
    item = compute_summary(coded(*codes, Q_OPEN), scenario()).item("percent_complex_reflections")
    assert item.value == pytest.approx(value)
    assert item.rating is rating


def test_percent_complex_is_not_applicable_without_reflections() -> None:
    item = compute_summary(coded(Q_OPEN), scenario()).item("percent_complex_reflections")
    assert (item.value, item.rating) == (None, Rating.NOT_APPLICABLE)
    assert "no reflections" in item.reason


def test_empty_transcript_has_every_share_not_applicable() -> None:
    summary = compute_summary(Transcript(()), scenario())
    assert summary.trainee_turns == 0
    for key in (
        "reflection_to_question_ratio",
        "percent_complex_reflections",
        "percent_open_questions",
        "percent_mi_adherent",
    ):
        item = summary.item(key)
        assert item.rating is Rating.NOT_APPLICABLE and item.value is None and item.reason


def test_open_question_and_mi_adherent_shares() -> None:
    summary = compute_summary(
        coded(Q_OPEN, Q_OPEN, Q_OPEN, Q_CLOSED, ("affirm", ""), ("seeking_collaboration", ""), ("persuade", "")),
        scenario(),
    )
    open_share = summary.item("percent_open_questions")
    assert open_share.value == pytest.approx(75.0) and open_share.rating is Rating.GOOD
    mia_share = summary.item("percent_mi_adherent")
    assert mia_share.value == pytest.approx(200 / 3) and mia_share.rating is Rating.BELOW_FAIR
    assert summary.item("mi_adherent").rating is Rating.NOT_RATED
    assert summary.item("mi_non_adherent").value == 1


def test_ratings_agree_with_thresholds_over_a_grid_of_counts() -> None:
    # Exhaustive over small counts: the rating must follow the exact fraction, and the
    # n/a cases must be exactly the zero-denominator ones.
    for sr, cr, q in itertools.product(range(4), range(4), range(4)):
        summary = compute_summary(coded(*([SR] * sr + [CR] * cr + [Q_OPEN] * q)), scenario())
        rq = summary.item("reflection_to_question_ratio")
        if q == 0:
            assert rq.rating is Rating.NOT_APPLICABLE
        else:
            ratio = Fraction(sr + cr, q)
            expected = Rating.GOOD if ratio >= 2 else Rating.FAIR if ratio >= 1 else Rating.BELOW_FAIR
            assert rq.rating is expected, (sr, cr, q)
        pct = summary.item("percent_complex_reflections")
        if sr + cr == 0:
            assert pct.rating is Rating.NOT_APPLICABLE
        else:
            share = Fraction(100 * cr, sr + cr)
            expected = Rating.GOOD if share >= 50 else Rating.FAIR if share >= 40 else Rating.BELOW_FAIR
            assert pct.rating is expected, (sr, cr, q)


def test_without_behaviour_change_goal_technical_items_are_dropped() -> None:
    transcript = transcript_from_dicts(
        [trainee(1, "t1", "What's up?", "question", "open"), client(2, "c2", "I want to cut back.", "change")]
    )
    peer = compute_summary(transcript, scenario(behaviour_change_goal=False))
    assert {n.key for n in peer.not_applicable} == set(BEHAVIOUR_CHANGE_ONLY_ITEMS)
    assert not peer.has_item("percent_change_talk")
    assert all(n.reason for n in peer.not_applicable)
    # Questions, reflections, MIA and MINA still apply.
    for key in ("reflection_to_question_ratio", "percent_complex_reflections", "mi_adherent", "mi_non_adherent"):
        assert peer.has_item(key)

    mi = compute_summary(transcript, scenario(behaviour_change_goal=True, category="motivational_interviewing"))
    assert mi.not_applicable == ()
    change = mi.item("percent_change_talk")
    assert change.value == pytest.approx(100.0) and change.rating is Rating.NOT_RATED


def test_low_confidence_turns_are_listed_for_review() -> None:
    transcript = transcript_from_dicts(
        [
            trainee(1, "t1", "Hm.", "other", confidence=0.3),
            trainee(2, "t2", "What happened?", "question", "open", 0.95),
        ]
    )
    assert compute_summary(transcript, scenario()).low_confidence_turn_ids == ("t1",)
