from __future__ import annotations

from typing import Any

import pytest

from practicum_common import codes
from practicum_grading.domain.errors import InvalidTranscript
from practicum_grading.domain.model import Speaker, TalkType, TraineeCode, transcript_from_dicts

from .grading_builders import client, scenario, trainee


def test_builds_nested_and_flat_codes_and_client_talk_type() -> None:
    flat: dict[str, Any] = {
        "turn_id": "t2",
        "index": 3,
        "speaker": "trainee",
        "text": "It sounds hard.",
        "code": "reflection",
        "subcode": "complex",
        "confidence": 0.7,
    }
    transcript = transcript_from_dicts(
        [
            trainee(1, "t1", "What's up?", "question", "open"),
            {"turn_id": "c1", "index": 2, "speaker": "client", "text": "Meh.", "code": {"code": "sustain"}},
            flat,
        ]
    )
    first, reply, second = transcript.turns
    assert first.trainee_code.code is TraineeCode.QUESTION and first.trainee_code.subcode == "open"
    assert reply.speaker is Speaker.CLIENT and reply.talk_type is TalkType.SUSTAIN
    assert second.trainee_code.label == "complex reflection" and second.trainee_code.confidence == 0.7


def test_exchange_numbering_may_share_ids_across_speakers() -> None:
    # The session service numbers exchanges: a trainee turn and the reply to it share
    # the exchange's index and id; the opening line is index 0.
    transcript = transcript_from_dicts(
        [
            client(0, "opening", "Hi."),
            trainee(1, "x1", "Hello, what's up?", "question", "open"),
            client(1, "x1", "Not much."),
        ],
        disclosures=[{"fact_id": "f", "turn_id": "x1"}],
    )
    assert transcript.trainee_turn("x1") is transcript.turns[1]


@pytest.mark.parametrize(
    ("turns", "field"),
    [
        ([trainee(1, "t1", "a", "question", "open"), trainee(2, "t1", "b", "other")], "turns[1].turn_id"),
        ([trainee(2, "t1", "a", "other"), trainee(1, "t2", "b", "other")], "turns[1].index"),
        ([trainee(1, "t1", "a", "question", "")], "subcode"),
        ([trainee(1, "t1", "a", "affirm", "open")], "subcode"),
        ([trainee(1, "t1", "a", "lecture")], "turns[0].code"),
        ([trainee(1, "t1", "a", "other", confidence=1.5)], "confidence"),
        ([{"turn_id": "t1", "index": 1, "speaker": "trainee", "text": "a"}], "turns[0].code"),
        ([{"turn_id": "t1", "index": 1, "speaker": "coach", "text": "a"}], "turns[0].speaker"),
        ([{"turn_id": "t1", "index": "1", "speaker": "client", "text": "a"}], "turns[0].index"),
    ],
)
def test_invalid_transcripts_name_the_field(turns: list[dict[str, Any]], field: str) -> None:
    with pytest.raises(InvalidTranscript) as caught:
        transcript_from_dicts(turns)
    assert caught.value.field == field


def test_disclosure_must_point_at_a_client_turn() -> None:
    with pytest.raises(InvalidTranscript) as caught:
        transcript_from_dicts([trainee(1, "t1", "Hi", "other")], disclosures=[{"fact_id": "gun", "turn_id": "t1"}])
    assert caught.value.field == "disclosures[0].turn_id"


def test_scenario_accepts_the_proto_field_name_and_derives_item_keys() -> None:
    meta = scenario(
        has_suicide_risk=True,
        risk_items=[{"kind": "capability", "label": "Firearm", "fact_ids": ["gun_home"]}],
    )
    assert meta.risk_profile[0].key == "capability:gun_home"
    with pytest.raises(InvalidTranscript):
        scenario(risk_profile=[{"kind": "mood", "label": "x", "fact_ids": ["a"]}])


def test_trainee_codes_are_exactly_the_shared_vocabulary() -> None:
    # The coder emits practicum_common.codes strings; an enum member missing here would
    # make a real coded turn fail validation at report time.
    assert tuple(TraineeCode) == codes.TRAINEE_CODES
    assert {c.value for c in TalkType} == set(codes.CLIENT_TALK_TYPES)
