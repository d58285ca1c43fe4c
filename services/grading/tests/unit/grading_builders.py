"""Builders and hand-written transcripts shared by the grading domain tests."""

from __future__ import annotations

from typing import Any

from practicum_grading.domain.model import ScenarioMeta, Transcript, scenario_from_dict, transcript_from_dicts


def trainee(
    index: int, turn_id: str, text: str, code: str, subcode: str = "", confidence: float = 0.9
) -> dict[str, Any]:
    return {
        "turn_id": turn_id,
        "index": index,
        "speaker": "trainee",
        "text": text,
        "code": {"code": code, "subcode": subcode, "confidence": confidence},
    }


def client(index: int, turn_id: str, text: str, talk: str | None = None) -> dict[str, Any]:
    turn: dict[str, Any] = {"turn_id": turn_id, "index": index, "speaker": "client", "text": text}
    if talk:
        turn["talk_type"] = talk
    return turn


def scenario(
    *, behaviour_change_goal: bool = False, has_suicide_risk: bool = False, category: str = "peer_support", **extra: Any
) -> ScenarioMeta:
    return scenario_from_dict(
        {
            "category": category,
            "behaviour_change_goal": behaviour_change_goal,
            "has_suicide_risk": has_suicide_risk,
            **extra,
        }
    )


RISK_PROFILE = [
    {"kind": "desire", "label": "Feels like a burden", "fact_ids": ["burden"]},
    {"kind": "capability", "label": "Pistol in the nightstand", "fact_ids": ["pistol_nightstand"]},
    {"kind": "intent", "label": "Has picked a date", "fact_ids": ["picked_date"]},
    {"kind": "buffer", "label": "Daughter he is close to", "fact_ids": ["daughter"]},
]


def risk_scenario() -> ScenarioMeta:
    return scenario(
        has_suicide_risk=True,
        category="crisis_line",
        scenario_id="marine-vet-nights",
        version=3,
        risk_profile=RISK_PROFILE,
    )


def risk_transcript() -> Transcript:
    """One utterance per index. Warning signs on client turn 2; the trainee reflects on
    turn 3 and asks directly on turn 4, then explores means and connects to the VCL."""
    return transcript_from_dicts(
        [
            trainee(1, "t1", "Hey, thanks for calling in tonight. What's been going on?", "question", "open"),
            client(
                2,
                "c2",
                "Honestly? I don't see the point anymore. "
                "I've been drinking every night and I stopped calling the guys.",
            ),
            trainee(
                3,
                "t3",
                "It sounds like you've been carrying a lot on your own, and it's worn you down.",
                "reflection",
                "complex",
            ),
            trainee(4, "t4", "Are you thinking about killing yourself?", "question", "closed"),
            client(5, "c5", "Yeah. Some nights. Everyone would be better off without me."),
            trainee(6, "t6", "Thank you for telling me. That took courage.", "affirm"),
            client(7, "c7", "I keep my pistol in the nightstand."),
            trainee(
                8,
                "t8",
                "Would you be willing to have someone hold the pistol for a while, or lock it in a gun safe?",
                "seeking_collaboration",
            ),
            client(9, "c9", "My daughter's husband could keep it, I guess. She's the reason I'm still here."),
            trainee(10, "t10", "What does your daughter mean to you?", "question", "open"),
            client(11, "c11", "She's everything."),
            trainee(
                12,
                "t12",
                "I'd like us to call the Veterans Crisis Line together: dial 988 then press 1, or text 838255. "
                "Can we call together right now?",
                "seeking_collaboration",
            ),
            client(13, "c13", "Okay."),
        ],
        disclosures=[
            {"fact_id": "burden", "turn_id": "c5"},
            {"fact_id": "pistol_nightstand", "turn_id": "c7"},
            {"fact_id": "daughter", "turn_id": "c9"},
        ],
    )


def never_asked_transcript() -> Transcript:
    """Warning signs appear but the trainee never asks about suicide or gives a resource."""
    return transcript_from_dicts(
        [
            trainee(1, "t1", "What brings you here today?", "question", "open"),
            client(2, "c2", "I feel hopeless. Nothing is ever going to get better."),
            trainee(3, "t3", "You should get more sleep and go for a run.", "persuade"),
            client(4, "c4", "Yeah, maybe."),
            trainee(5, "t5", "Do you exercise?", "question", "closed"),
            client(6, "c6", "Not really."),
        ]
    )


def invites_no_transcript() -> Transcript:
    """The trainee only asks in a way that expects a no ('you're not ..., are you?')."""
    return transcript_from_dicts(
        [
            trainee(1, "t1", "How have things been?", "question", "open"),
            client(2, "c2", "Bad. I don't want to be here anymore."),
            trainee(3, "t3", "You're not thinking of hurting yourself, are you?", "question", "closed"),
            client(4, "c4", "No... I guess not."),
            trainee(5, "t5", "Good. You can always talk to a counselor at the VA.", "giving_information"),
            client(6, "c6", "Sure."),
        ]
    )
