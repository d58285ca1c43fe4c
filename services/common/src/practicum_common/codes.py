"""The behaviour-code vocabulary every service shares (MITI-4-derived, plus client talk types).

The turn coder produces these strings, the grading service reports on them, the
simulation's client-state model reacts to them and analytics counts them. The enums are
the single definition; being ``StrEnum`` members, they compare and hash equal to the
plain strings that travel in events and database rows.
"""

from __future__ import annotations

from enum import StrEnum


class TraineeCode(StrEnum):
    """Behaviour codes the turn coder assigns to trainee utterances."""

    QUESTION = "question"
    REFLECTION = "reflection"
    GIVING_INFORMATION = "giving_information"
    AFFIRM = "affirm"
    SEEKING_COLLABORATION = "seeking_collaboration"
    EMPHASIZING_AUTONOMY = "emphasizing_autonomy"
    PERSUADE = "persuade"
    PERSUADE_WITH_PERMISSION = "persuade_with_permission"
    CONFRONT = "confront"
    OTHER = "other"


class TalkType(StrEnum):
    """Client talk types: toward change, neutral, or in favour of the status quo."""

    CHANGE = "change"
    NEUTRAL = "neutral"
    SUSTAIN = "sustain"


# Module-level names for callers that work with plain strings (the coder, analytics).
QUESTION = TraineeCode.QUESTION
REFLECTION = TraineeCode.REFLECTION
GIVING_INFORMATION = TraineeCode.GIVING_INFORMATION
AFFIRM = TraineeCode.AFFIRM
SEEKING_COLLABORATION = TraineeCode.SEEKING_COLLABORATION
EMPHASIZING_AUTONOMY = TraineeCode.EMPHASIZING_AUTONOMY
PERSUADE = TraineeCode.PERSUADE
PERSUADE_WITH_PERMISSION = TraineeCode.PERSUADE_WITH_PERMISSION
CONFRONT = TraineeCode.CONFRONT
OTHER = TraineeCode.OTHER
TRAINEE_CODES: tuple[str, ...] = tuple(TraineeCode)

OPEN, CLOSED = "open", "closed"
SIMPLE, COMPLEX = "simple", "complex"

# MI-adherent and MI-non-adherent behaviours (MITI 4 summary scores).
MI_ADHERENT: frozenset[str] = frozenset({AFFIRM, SEEKING_COLLABORATION, EMPHASIZING_AUTONOMY})
MI_NON_ADHERENT: frozenset[str] = frozenset({PERSUADE, CONFRONT})

CHANGE, NEUTRAL, SUSTAIN = TalkType.CHANGE, TalkType.NEUTRAL, TalkType.SUSTAIN
CLIENT_TALK_TYPES: tuple[str, ...] = tuple(TalkType)
