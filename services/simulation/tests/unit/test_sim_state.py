"""Client-state model: bounded, smooth, deterministic, and moved the right way."""

from __future__ import annotations

import itertools
import random

import pytest

from practicum_common import codes
from practicum_simulation.domain.state import (
    Behaviour,
    ClientState,
    Sensitivities,
    StageOfChange,
    TraineeCode,
    TurnSignals,
    behaviour_of,
    update,
)

START = ClientState(trust=0.4, distress=0.5, resistance=0.5)
CR = TraineeCode("reflection", "complex", 1.0)
SR = TraineeCode("reflection", "simple", 1.0)
OPEN_Q = TraineeCode("question", "open", 1.0)
CLOSED_Q = TraineeCode("question", "closed", 1.0)
PERSUADE = TraineeCode("persuade", "", 1.0)
CONFRONT = TraineeCode("confront", "", 1.0)
AFFIRM = TraineeCode("affirm", "", 1.0)
AUTONOMY = TraineeCode("emphasizing_autonomy", "", 1.0)
INFO = TraineeCode("giving_information", "", 1.0)


def run(state: ClientState, codes: list[TraineeCode], **kw: object) -> ClientState:
    for code in codes:
        state = update(state, code, **kw)  # type: ignore[arg-type]
    return state


@pytest.mark.parametrize("code", [CR, AFFIRM, AUTONOMY, OPEN_Q])
def test_mi_adherent_behaviour_raises_trust_and_lowers_resistance(code: TraineeCode) -> None:
    after = update(START, code)
    assert after.trust > START.trust
    assert after.resistance < START.resistance


def test_complex_reflections_beat_simple_ones() -> None:
    assert update(START, CR).trust > update(START, SR).trust


@pytest.mark.parametrize("code", [PERSUADE, CONFRONT])
def test_mina_raises_resistance_and_lowers_trust(code: TraineeCode) -> None:
    after = update(START, code)
    assert after.resistance > START.resistance
    assert after.trust < START.trust


def test_a_lecturing_sequence_keeps_raising_resistance() -> None:
    lecture = [INFO, PERSUADE, INFO, PERSUADE, PERSUADE]
    state = START
    levels = []
    for code in lecture:
        state = update(state, code)
        levels.append(state.resistance)
    assert levels == sorted(levels) and levels[-1] > START.resistance + 0.15
    # the stacked lecture is worse than the same advice interleaved with reflections
    interleaved = run(START, [INFO, CR, PERSUADE, CR, PERSUADE])
    assert state.resistance > interleaved.resistance


def test_three_closed_questions_in_a_row_feel_like_an_interrogation() -> None:
    grilled = run(START, [CLOSED_Q, CLOSED_Q, CLOSED_Q])
    mixed = run(START, [CLOSED_Q, OPEN_Q, CLOSED_Q])
    assert grilled.resistance > mixed.resistance
    assert grilled.trust < START.trust < mixed.trust
    assert grilled.recent == ("question_closed",) * 3


def test_state_stays_in_bounds_and_is_deterministic() -> None:
    rng = random.Random(7)
    codes = [CR, SR, OPEN_Q, CLOSED_Q, PERSUADE, CONFRONT, AFFIRM, AUTONOMY, INFO]
    sequence = [rng.choice(codes) for _ in range(2000)]
    a = run(START, sequence)
    b = run(START, sequence)
    assert a == b
    state = START
    for code in sequence:
        state = update(state, code)
        for value in (state.trust, state.distress, state.resistance):
            assert 0.0 <= value <= 1.0


def test_updates_are_smooth_in_confidence() -> None:
    steps = [update(START, TraineeCode("persuade", "", c / 10)).resistance for c in range(11)]
    assert steps[0] == START.resistance  # zero confidence, zero effect
    gaps = [b - a for a, b in itertools.pairwise(steps)]
    assert all(g > 0 for g in gaps) and max(gaps) - min(gaps) < 0.002


def test_scenario_sensitivities_override_single_cells() -> None:
    touchy = Sensitivities({"persuade": {"resistance": 0.3}})
    assert update(START, PERSUADE, touchy).resistance > update(START, PERSUADE).resistance
    assert update(START, PERSUADE, touchy).trust == update(START, PERSUADE).trust


def test_alliance_buffers_advice() -> None:
    trusting = ClientState(trust=0.9, distress=0.5, resistance=0.5)
    wary = ClientState(trust=0.1, distress=0.5, resistance=0.5)
    assert update(trusting, PERSUADE).resistance < update(wary, PERSUADE).resistance


def test_asking_directly_about_suicide_brings_relief() -> None:
    asked = update(START, CLOSED_Q, signals=TurnSignals(asked_about_suicide=True))
    plain = update(START, CLOSED_Q)
    assert asked.distress < plain.distress and asked.trust > plain.trust


def test_stage_of_change_advances_slowly_with_sustained_mi() -> None:
    mi = ClientState(0.5, 0.4, 0.4, StageOfChange.CONTEMPLATION)
    after_five = run(mi, [CR, AUTONOMY, CR, AFFIRM, CR])
    assert after_five.stage_of_change is StageOfChange.CONTEMPLATION
    assert 0.5 < after_five.momentum < 1.0
    after_more = run(after_five, [CR, CR])
    assert after_more.stage_of_change is StageOfChange.PREPARATION
    assert after_more.momentum < after_five.momentum  # reset after the step


def test_stage_of_change_moves_back_with_mina() -> None:
    mi = ClientState(0.5, 0.4, 0.3, StageOfChange.PREPARATION)
    assert run(mi, [CONFRONT, CONFRONT, CONFRONT]).stage_of_change is StageOfChange.CONTEMPLATION


def test_stage_never_leaves_the_session_range() -> None:
    low = ClientState(0.5, 0.4, 0.3, StageOfChange.PRECONTEMPLATION)
    assert run(low, [CONFRONT] * 10).stage_of_change is StageOfChange.PRECONTEMPLATION
    high = ClientState(0.9, 0.1, 0.0, StageOfChange.PREPARATION)
    assert run(high, [CR] * 40).stage_of_change is StageOfChange.ACTION


def test_high_resistance_blocks_progress() -> None:
    defensive = ClientState(0.5, 0.4, 0.9, StageOfChange.CONTEMPLATION)
    sens = Sensitivities({"reflection_complex": {"resistance": 0.0}})
    assert run(defensive, [CR] * 10, sensitivities=sens).stage_of_change is (StageOfChange.CONTEMPLATION)


def test_non_mi_scenarios_have_no_stage() -> None:
    assert run(START, [CR] * 10).stage_of_change is None


def test_unknown_codes_count_as_other() -> None:
    assert behaviour_of(TraineeCode("brand_new_code")).value == "other"
    after = update(START, TraineeCode("brand_new_code"))
    assert (after.trust, after.distress, after.resistance) == (START.trust, START.distress, START.resistance)


def test_round_trip_and_proto_shape() -> None:
    state = run(ClientState(0.3, 0.6, 0.4, StageOfChange.CONTEMPLATION), [CR, CLOSED_Q])
    state = state.with_disclosed(["a", "b", "a"])
    assert ClientState.from_dict(state.to_dict()) == state
    proto_like = {"trust": 0.3, "distress": 0.6, "resistance": 0.4, "stage_of_change": "", "disclosed_facts": ["a"]}
    assert ClientState.from_dict(proto_like).recent == ()


def test_out_of_range_state_is_refused() -> None:
    with pytest.raises(ValueError, match="trust"):
        ClientState(trust=1.2, distress=0.0, resistance=0.0)


def test_every_shared_code_maps_to_its_own_behaviour() -> None:
    # Behaviour repeats the unrefined code names as effect-table keys; a code added to
    # practicum_common.codes without one would fail Behaviour(name) in a live session.
    for code in codes.TRAINEE_CODES:
        if code not in (codes.QUESTION, codes.REFLECTION):
            assert behaviour_of(TraineeCode(code)) == Behaviour(code)
