from dataclasses import replace
from datetime import UTC, datetime

from practicum_analytics.domain.aggregates import (
    SessionStats,
    group_progress,
    pseudonym,
    ratio,
    tally,
    trainee_progress,
)


def _stats(session_id: str, day: int, **counts: int) -> SessionStats:
    base = dict.fromkeys(
        (
            "turns",
            "graded_turns",
            "questions",
            "open_questions",
            "reflections",
            "complex_reflections",
            "mi_adherent",
            "mi_non_adherent",
        ),
        0,
    )
    base.update(counts)
    return SessionStats(
        session_id=session_id, scenario_id="s", started_at=datetime(2026, 11, day, tzinfo=UTC), ended_at=None, **base
    )


def test_tally_counts_subcodes_and_mi_adherence() -> None:
    assert tally("question", "open") == {
        "questions": 1,
        "open_questions": 1,
        "reflections": 0,
        "complex_reflections": 0,
        "mi_adherent": 0,
        "mi_non_adherent": 0,
    }
    assert tally("reflection", "complex")["complex_reflections"] == 1
    assert tally("reflection", "simple")["complex_reflections"] == 0
    assert tally("affirm", "")["mi_adherent"] == 1
    assert tally("confront", "")["mi_non_adherent"] == 1
    assert sum(tally("giving_information", "").values()) == 0


def test_ratio_is_undefined_without_a_denominator() -> None:
    assert ratio(3, 0) is None
    assert ratio(3, 2) == 1.5


def test_progress_orders_the_timeline_and_totals_ratios() -> None:
    later = _stats("b", 20, questions=2, reflections=4, complex_reflections=2, open_questions=1, turns=6)
    earlier = _stats("a", 10, questions=4, reflections=1, turns=5)
    progress = trainee_progress("t", [later, earlier])
    assert [p["session_id"] for p in progress["timeline"]] == ["a", "b"]
    assert progress["timeline"][0]["reflection_to_question_ratio"] == 0.25
    assert progress["timeline"][1]["reflection_to_question_ratio"] == 2.0
    assert progress["totals"]["reflection_to_question_ratio"] == round(5 / 6, 3)
    assert progress["totals"]["percent_complex_reflections"] == 40.0
    assert progress["totals"]["turns"] == 11


def test_pseudonyms_are_stable_per_key_and_hide_the_id() -> None:
    a = pseudonym(b"k1", "trainee-1")
    assert a == pseudonym(b"k1", "trainee-1")
    assert a != pseudonym(b"k2", "trainee-1")
    assert "trainee-1" not in a


def test_objective_checks_are_tallied_per_check_over_the_sessions_that_have_them() -> None:
    first = replace(_stats("a", 10), objective_checks={"avoid_pushing_for_details": "not_met", "affirm": "met"})
    second = replace(_stats("b", 20), objective_checks={"avoid_pushing_for_details": "met"})
    no_objectives = _stats("c", 21)
    progress = trainee_progress("t", [second, no_objectives, first])
    assert progress["totals"]["objective_checks"] == {
        "affirm": {"met": 1, "not_met": 0, "not_observed": 0},
        "avoid_pushing_for_details": {"met": 1, "not_met": 1, "not_observed": 0},
    }
    # The timeline shows the trainee moving from a miss to a hit on the same check.
    assert [p["objective_checks"].get("avoid_pushing_for_details") for p in progress["timeline"]] == [
        "not_met",
        "met",
        None,
    ]


def test_group_growth_compares_the_same_trainees_first_and_latest_sessions() -> None:
    # a: 2 questions -> 1 reflection per question; b: the same start, then 2 reflections
    # per question; c practised once (in the totals, not in the growth); d never did.
    a = [
        _stats("a1", 1, questions=4, open_questions=1, reflections=2, complex_reflections=0),
        _stats("a3", 3, questions=2, open_questions=2, reflections=2, complex_reflections=1, mi_adherent=2),
        _stats("a2", 2, questions=3, reflections=3),  # in the middle: neither first nor latest
    ]
    b = [
        _stats("b1", 1, questions=4, open_questions=1, reflections=2, mi_non_adherent=2),
        _stats("b2", 5, questions=2, open_questions=1, reflections=4, complex_reflections=3),
    ]
    c = [_stats("c1", 4, questions=10, reflections=0)]
    out = group_progress({"a": a, "b": b, "c": c, "d": []}, members=4)
    assert (out["trainees"], out["trainees_with_sessions"], out["totals"]["sessions"]) == (4, 3, 6)
    growth = out["growth"]
    assert growth["trainees"] == 2
    assert growth["first_sessions"] == {
        "reflection_to_question_ratio": 0.5,  # 4 reflections / 8 questions
        "percent_complex_reflections": 0.0,
        "percent_open_questions": 25.0,
    }
    assert growth["latest_sessions"] == {
        "reflection_to_question_ratio": 1.5,  # 6 / 4
        "percent_complex_reflections": 66.667,  # 4 of 6
        "percent_open_questions": 75.0,
    }
    assert growth["change"] == {
        "reflection_to_question_ratio": 1.0,
        "percent_complex_reflections": 66.667,
        "percent_open_questions": 50.0,
        "mi_adherent_per_session": 1.0,  # 0 -> 2 over 2 trainees
        "mi_non_adherent_per_session": -1.0,  # 2 -> 0
    }


def test_a_group_nobody_practised_twice_has_no_growth() -> None:
    out = group_progress({"a": [_stats("a1", 1, questions=2, reflections=1)], "b": []}, members=2)
    assert out["growth"]["trainees"] == 0
    assert set(out["growth"]["change"].values()) == {None}
    assert out["totals"]["reflection_to_question_ratio"] == 0.5


def test_the_timeline_names_each_sessions_cohorts() -> None:
    stats = replace(_stats("s1", 1, questions=1), cohort_ids=("c-1", "c-2"))
    [point] = trainee_progress("t", [stats])["timeline"]
    assert point["cohort_ids"] == ["c-1", "c-2"]
    assert trainee_progress("t", [_stats("s2", 2)])["timeline"][0]["cohort_ids"] == []
